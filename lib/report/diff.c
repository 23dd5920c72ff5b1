#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "json/hash.h"
#include "json/jpath.h"
#include "json/jsonwrite.h"
#include "report/diff.h"

#define NONE UINT32_MAX

static const char *const what_names[DIFF_NWHAT] = {
	"only_old", "only_new", "ok_to_error", "error_to_ok", "pass_to_fail",
	"fail_to_pass", "content",
};

/* What is kept of a record besides the summary's entry. */
struct kept {
	uint64_t hash;
	long long off;
	int32_t prompt, completion;	/* -1: not given (or past int32) */
	uint32_t seq;		/* when read: the later of a key wins */
	uint32_t key, len;
	signed char pass;
	unsigned char hashed;
};

struct side {
	struct summary *s;
	int content, final, pass, prompt, completion;	/* summary_watch slots */
	int *by;		/* a slot per --by path */
	struct kept *k;		/* by summary entry */
	size_t nk;
};

struct diff {
	struct side side[2];
	char **by;		/* the paths as given */
	int nby;
	struct strmap keys;	/* shared: a key's number is the same on both sides */
	uint32_t seq;
	struct buf tmp, quoted;
};

const char *
diff_what_name(int i)
{
	return i >= 0 && i < DIFF_NWHAT ? what_names[i] : "";
}

/* path as jq writes it (".meta.query_id", "meta.query_id") as the '.'
 * joined keys a summary reads: -1 when it is not keys alone. */
static int
field_path(const char *path, struct buf *out, char *err, size_t errlen)
{
	struct jpath p;
	char why[ERRLEN];
	int i, rc = 0;

	buf_reset(out);
	buf_adds(out, path[0] == '.' ? "" : ".");
	buf_adds(out, path);
	if (jpath_parse(&p, out->data, why, sizeof why) < 0) {
		snprintf(err, errlen, "--by %s: %s", path, why);
		return -1;
	}
	buf_reset(out);
	for (i = 0; i < p.n && rc == 0; i++) {
		if (!p.steps[i].key || strchr(p.steps[i].key, '.') || !p.steps[i].key[0]) {
			snprintf(err, errlen, "--by %s: only object keys, without '.' in them "
			         "(meta.query_id)", path);
			rc = -1;
		} else {
			buf_adds(out, i ? "." : "");
			buf_adds(out, p.steps[i].key);
		}
	}
	if (p.n == 0 && rc == 0) {
		snprintf(err, errlen, "--by %s: names the whole record, not a field", path);
		rc = -1;
	}
	jpath_free(&p);
	return rc;
}

static int
side_init(struct diff *d, struct side *sd, char *err, size_t errlen)
{
	int i;

	sd->s = summary_new(SUM_NO_GROUPS, 0);
	sd->content = summary_watch(sd->s, "content");
	sd->final = summary_watch(sd->s, "final_content");
	sd->pass = summary_watch(sd->s, "assert.pass");
	sd->prompt = summary_watch(sd->s, "usage.prompt_tokens");
	sd->completion = summary_watch(sd->s, "usage.completion_tokens");
	sd->by = ecalloc((size_t)d->nby + 1, sizeof *sd->by);
	for (i = 0; i < d->nby; i++) {
		if (field_path(d->by[i], &d->tmp, err, errlen) < 0)
			return -1;
		sd->by[i] = summary_watch(sd->s, d->tmp.data);
	}
	return 0;
}

struct diff *
diff_new(const char *by, char *err, size_t errlen)
{
	struct diff *d = ecalloc(1, sizeof *d);
	int i;

	if (by) {
		char *list = estrdup(by), *p, *save = NULL;

		for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			d->by = erealloc(d->by, ((size_t)d->nby + 1) * sizeof *d->by);
			d->by[d->nby++] = estrdup(p[0] == '.' ? p + 1 : p);
		}
		free(list);
		if (d->nby == 0) {
			snprintf(err, errlen, "--by %s: no path", by);
			diff_free(d);
			return NULL;
		}
	}
	for (i = 0; i < 2; i++)
		if (side_init(d, &d->side[i], err, errlen) < 0) {
			diff_free(d);
			return NULL;
		}
	return d;
}

void
diff_free(struct diff *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < 2; i++) {
		summary_free(d->side[i].s);
		free(d->side[i].by);
		free(d->side[i].k);
	}
	for (i = 0; i < d->nby; i++)
		free(d->by[i]);
	free(d->by);
	strmap_clear(&d->keys);
	buf_free(&d->tmp);
	buf_free(&d->quoted);
	free(d);
}

const char *
diff_price_error(const struct diff *d)
{
	const char *e = summary_price_error(d->side[0].s);

	return e ? e : summary_price_error(d->side[1].s);
}

/* The key of the record just read, joined on --by: its values joined
 * by NUL, a string decoded, anything else as written; NONE when one of
 * them is missing or null.  (Joined on id, the summaries' own maps of
 * ids serve.) */
static uint32_t
key_of(struct diff *d, struct side *sd)
{
	int i;

	if (d->nby == 0)
		return NONE;
	buf_reset(&d->tmp);
	for (i = 0; i < d->nby; i++) {
		const struct jfield *f = summary_field(sd->s, sd->by[i]);

		if (f->type == JF_NONE || f->type == JF_NULL)
			return NONE;
		if (i)
			buf_add(&d->tmp, "", 1);
		if (f->type != JF_STRING || jfield_string(f, &d->tmp) < 0)
			buf_add(&d->tmp, f->raw, f->len);
	}
	return (uint32_t)strmap_intern(&d->keys, d->tmp.data, d->tmp.len, NULL);
}

/* The content's hash: SHA-256 of its canonical JSON (a string's: JCS
 * escapes, so "\u0041" and "A" are the same content). */
static int
content_hash(struct diff *d, struct side *sd, uint64_t *h)
{
	const struct jfield *f = summary_field(sd->s, sd->content);
	char hex[HASH_HEX];

	if (f->type != JF_STRING)
		f = summary_field(sd->s, sd->final);
	if (f->type != JF_STRING)
		return 0;
	buf_reset(&d->tmp);
	if (jfield_string(f, &d->tmp) < 0)	/* json-c's business: as written */
		buf_add(&d->tmp, f->raw, f->len);
	buf_reset(&d->quoted);
	json_quote(&d->quoted, d->tmp.data, d->tmp.len);
	sha256_hex(d->quoted.data, d->quoted.len, hex);
	hex[16] = '\0';
	*h = strtoull(hex, NULL, 16);
	return 1;
}

static int32_t
tokens(const struct jfield *f)
{
	long long v;

	return jfield_llong(f, &v) == 0 && v >= 0 && v <= INT32_MAX ? (int32_t)v : -1;
}

enum sum_line
diff_add(struct diff *d, int side, const char *line, size_t len, const struct sum_loc *loc,
         char *err, size_t errlen)
{
	struct side *sd = &d->side[side];
	enum sum_line rc = summary_add(sd->s, line, len, loc, err, errlen);
	size_t entry;
	struct kept *k;
	const struct jfield *pass;

	if (rc != SUM_RESULT)
		return rc;
	entry = summary_last(sd->s);
	if (entry >= sd->nk) {
		size_t n = sd->nk ? sd->nk * 2 : 256;

		while (n <= entry)
			n *= 2;
		sd->k = erealloc(sd->k, n * sizeof *sd->k);
		sd->nk = n;
	}
	k = &sd->k[entry];
	memset(k, 0, sizeof *k);
	k->seq = d->seq++;
	k->key = key_of(d, sd);
	k->off = loc->off;
	k->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	pass = summary_field(sd->s, sd->pass);
	k->pass = pass->type == JF_TRUE ? 1 : pass->type == JF_FALSE ? 0 : -1;
	k->prompt = tokens(summary_field(sd->s, sd->prompt));
	k->completion = tokens(summary_field(sd->s, sd->completion));
	k->hashed = (unsigned char)content_hash(d, sd, &k->hash);
	return rc;
}

/* The rise from a to b in %: NAN when either is unknown, INFINITY
 * from nothing to something. */
static double
rise(double a, double b)
{
	if (isnan(a) || isnan(b))
		return NAN;
	if (a == 0)
		return b > 0 ? INFINITY : 0;
	return (b - a) / a * 100;
}

/* Only a model whose every record is priced has a cost per request: a
 * part of its records would compare runs that failed differently. */
static double
per_request(const struct sum_row *r)
{
	return r && r->cost_known > 0 && r->cost_unknown == 0 ? r->cost / (double)r->cost_known
	                                                      : NAN;
}

static int
past(double pct, double max)
{
	return max >= 0 && !isnan(pct) && pct > max;
}

static void
compare_models(struct diff_report *r, double max_cost, double max_latency)
{
	const struct sum_report *o = &r->side[DIFF_OLD], *n = &r->side[DIFF_NEW];
	size_t i = 0, j = 0;

	r->models = ecalloc(o->nrows + n->nrows + 1, sizeof *r->models);
	/* both sides' rows are sorted by name: merged */
	while (i < o->nrows || j < n->nrows) {
		struct diff_model *m = &r->models[r->nmodels++];
		int c = i == o->nrows ? 1 : j == n->nrows ? -1
		      : strcmp(o->rows[i].model, n->rows[j].model);

		m->old = c <= 0 ? &o->rows[i++] : NULL;
		m->new = c >= 0 ? &n->rows[j++] : NULL;
		m->model = m->old ? m->old->model : m->new->model;
		m->cost_old = per_request(m->old);
		m->cost_new = per_request(m->new);
		m->cost_pct = rise(m->cost_old, m->cost_new);
		m->p50_pct = m->p95_pct = NAN;
		if (m->old && m->new && m->old->nlat > 0 && m->new->nlat > 0) {
			m->p50_pct = rise(m->old->p50, m->new->p50);
			m->p95_pct = rise(m->old->p95, m->new->p95);
		}
		m->cost_regressed = past(m->cost_pct, max_cost);
		m->latency_regressed = past(m->p50_pct, max_latency);
		r->regressed |= m->cost_regressed | m->latency_regressed;
	}
}

/* The record a side holds for each key: the one read last. */
static uint32_t *
by_key(struct diff *d, struct diff_report *r, int side)
{
	struct side *sd = &d->side[side];
	size_t n = summary_entries(sd->s), i;
	uint32_t *best = emalloc((d->keys.n + 1) * sizeof *best);

	for (i = 0; i < d->keys.n; i++)
		best[i] = NONE;
	for (i = 0; i < n; i++) {
		uint32_t k = sd->k[i].key;

		if (k == NONE) {
			r->unkeyed[side]++;
			continue;
		}
		if (best[k] != NONE) {
			r->shadowed[side]++;
			if (sd->k[best[k]].seq > sd->k[i].seq)
				continue;
		}
		best[k] = (uint32_t)i;
	}
	return best;
}

static struct diff_rec *
rec_of(struct side *sd, uint32_t i)
{
	struct diff_rec *x;
	struct sum_rec s;
	const struct kept *k = &sd->k[i];

	if (i == NONE)
		return NULL;
	summary_rec(sd->s, i, &s);
	x = emalloc(sizeof *x);
	*x = (struct diff_rec){s.id, s.model, s.kind, s.ok, k->pass, k->hashed, k->hash,
	                       k->prompt, k->completion, s.cost, s.latency, k->off, k->len};
	return x;
}

/* What changed between a key's two records. */
static unsigned
what_changed(const struct diff_rec *o, const struct diff_rec *n)
{
	unsigned w = 0;

	if (!o || !n)
		return o ? DIFF_ONLY_OLD : DIFF_ONLY_NEW;
	if (o->ok != n->ok)
		w |= o->ok ? DIFF_OK_TO_ERROR : DIFF_ERROR_TO_OK;
	if (o->pass >= 0 && n->pass >= 0 && o->pass != n->pass)
		w |= o->pass ? DIFF_PASS_TO_FAIL : DIFF_FAIL_TO_PASS;
	/* content compared between answers, not an answer and an error */
	if (o->ok && n->ok && (o->hashed != n->hashed || o->hash != n->hash))
		w |= DIFF_CONTENT;
	return w;
}

/* The change, if any, between a key's records (NONE: none on that side). */
static void
one_key(struct diff *d, struct diff_report *r, const char *key, uint32_t oi, uint32_t ni,
        size_t *cap)
{
	struct diff_rec *o = rec_of(&d->side[DIFF_OLD], oi);
	struct diff_rec *n = rec_of(&d->side[DIFF_NEW], ni);
	unsigned w;
	struct diff_change *c;
	int i;

	if (!o && !n)	/* a key only records left out had */
		return;
	w = what_changed(o, n);
	r->keys++;
	if (!w) {
		r->same++;
		free(o);
		free(n);
		return;
	}
	if (r->nchanges == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		r->changes = erealloc(r->changes, *cap * sizeof *r->changes);
	}
	c = &r->changes[r->nchanges++];
	*c = (struct diff_change){key, w, !!(w & (DIFF_OK_TO_ERROR | DIFF_PASS_TO_FAIL)), o, n,
	                          NULL};
	for (i = 0; i < DIFF_NWHAT; i++)
		r->count[i] += !!(w & (1u << i));
	r->regressed |= c->regressed;
}

/* Joined on id: the old log's ids in the order read, then the new
 * log's own. */
static void
join_ids(struct diff *d, struct diff_report *r, size_t *cap)
{
	struct summary *o = d->side[DIFF_OLD].s, *n = d->side[DIFF_NEW].s;
	size_t i, j, no = summary_entries(o), nn = summary_entries(n);
	struct sum_rec x;

	for (i = 0; i < no; i++) {
		summary_rec(o, i, &x);
		j = summary_find(n, x.id);
		one_key(d, r, x.id, (uint32_t)i, j == (size_t)-1 ? NONE : (uint32_t)j, cap);
	}
	for (j = 0; j < nn; j++) {
		summary_rec(n, j, &x);
		if (summary_find(o, x.id) == (size_t)-1)
			one_key(d, r, x.id, NONE, (uint32_t)j, cap);
	}
}

static void
join_keys(struct diff *d, struct diff_report *r, size_t *cap)
{
	uint32_t *best[2];
	size_t k;
	int i;

	for (i = 0; i < 2; i++)
		best[i] = by_key(d, r, i);
	for (k = 0; k < d->keys.n; k++)
		one_key(d, r, strmap_key(&d->keys, k), best[DIFF_OLD][k], best[DIFF_NEW][k], cap);
	free(best[0]);
	free(best[1]);
}

void
diff_compare(struct diff *d, double max_cost, double max_latency, struct diff_report *r)
{
	size_t cap = 0;
	int i;

	memset(r, 0, sizeof *r);
	r->by = d->nby ? (const char *const *)d->by : NULL;
	r->nby = d->nby;
	for (i = 0; i < 2; i++)
		summary_report(d->side[i].s, &r->side[i]);
	if (d->nby)
		join_keys(d, r, &cap);
	else
		join_ids(d, r, &cap);
	compare_models(r, max_cost, max_latency);
}

void
diff_report_free(struct diff_report *r)
{
	size_t i;

	for (i = 0; i < r->nchanges; i++) {
		free(r->changes[i].old);
		free(r->changes[i].new);
		free(r->changes[i].text_diff);
	}
	free(r->changes);
	free(r->models);
	sum_report_free(&r->side[0]);
	sum_report_free(&r->side[1]);
	memset(r, 0, sizeof *r);
}
