#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jfield.h"
#include "json/json.h"
#include "report/prices.h"
#include "base/strmap.h"
#include "report/summary.h"

#define NONE UINT32_MAX
#define MESSAGE_MAX 300		/* bytes of a failure's message kept */

/* The fields read from each record, in jfield slots. */
enum {
	F_ID, F_RUN_ID, F_STATUS, F_EVENT, F_MODEL, F_META_MODEL, F_REQ_MODEL,
	F_ENDPOINT, F_META_ENDPOINT, F_CONTENT, F_FINAL, F_LATENCY, F_CACHED,
	F_COST, F_PROMPT, F_COMPLETION, F_KIND, F_MESSAGE, F_CACHE_WRITE, F_CACHE_READ, F_BATCH,
	F_CACHED_TOKENS, F_APASS, F_ASCORE, NFIELDS
};

static const char *const paths[NFIELDS] = {
	"id", "run_id", "status", "event", "model", "meta.model", "request.model",
	"endpoint", "meta.endpoint", "content", "final_content", "latency_ms", "cached",
	"cost_usd", "usage.prompt_tokens", "usage.completion_tokens", "error.kind",
	"error.message", "usage.cache_creation_input_tokens", "usage.cache_read_input_tokens",
	"batch", "usage.prompt_tokens_details.cached_tokens", "assert.pass", "assert.score",
};

/* One counted record: the last of its id, or each with all_attempts. */
struct entry {
	char *message;		/* a failure's, one line */
	double spend;		/* USD this run spent on it: NAN unknown */
	double cost;		/* USD the answer costs, cached or not: NAN unknown */
	double latency;		/* NAN: none kept */
	double score;		/* assert.score; NAN: no assert */
	long long prompt, completion;	/* tokens spent */
	unsigned long long bytes;	/* content */
	long long seq;		/* when it was read */
	long long off;
	uint32_t id, model, group, kind, len;
	int src;
	unsigned char ok, cached, graded, pass;
};

struct summary {
	struct jfield_spec *spec;
	int by_slot;
	char *by;
	int all_attempts;
	enum sum_rank rank;
	long long graded;	/* records read with an assert */
	struct jfield *f;	/* a slot for each path of spec */
	size_t nf;
	struct entry *e;
	uint32_t last;		/* the entry summary_add() filled last */
	size_t n, cap;
	uint32_t *of_id;	/* entry of each id, NONE: none */
	size_t of_id_cap;
	struct strmap ids, models, groups, kinds;
	struct price_memo prices;
	char price_err[ERRLEN];
	struct buf tmp;
	struct buf again;	/* a record json-c read, written again to scan */
	long long seq, superseded, events, other, bad;
};

struct summary *
summary_new(const char *by, int all_attempts)
{
	struct summary *s = ecalloc(1, sizeof *s);

	s->spec = jfield_spec_of(paths, NFIELDS);
	s->by = estrdup(by ? by : SUM_DEFAULT_BY);
	/* the group path may be one of ours: it then shares its slot */
	s->by_slot = -1;
	if (strcmp(s->by, SUM_NO_GROUPS) != 0 &&
	    (s->by_slot = jfield_spec_add(s->spec, s->by)) < 0) {
		summary_free(s);
		return NULL;
	}
	s->all_attempts = all_attempts;
	s->nf = jfield_spec_count(s->spec);
	s->f = ecalloc(s->nf, sizeof *s->f);
	s->last = NONE;
	return s;
}

int
summary_watch(struct summary *s, const char *path)
{
	int slot = jfield_spec_add(s->spec, path);

	if (slot >= 0 && (size_t)slot >= s->nf) {
		s->nf = jfield_spec_count(s->spec);
		s->f = erealloc(s->f, s->nf * sizeof *s->f);
	}
	return slot;
}

const struct jfield *
summary_field(const struct summary *s, int slot)
{
	return &s->f[slot];
}

size_t
summary_last(const struct summary *s)
{
	return s->last;
}

size_t
summary_find(const struct summary *s, const char *id)
{
	size_t i = strmap_find(&s->ids, id, strlen(id));

	return i == (size_t)-1 || s->of_id[i] == NONE ? (size_t)-1 : s->of_id[i];
}

size_t
summary_entries(const struct summary *s)
{
	return s->n;
}

void
summary_rec(const struct summary *s, size_t i, struct sum_rec *r)
{
	const struct entry *e = &s->e[i];

	*r = (struct sum_rec){strmap_key(&s->ids, e->id),
	                      strmap_key(&s->models, e->model),
	                      e->ok ? NULL : strmap_key(&s->kinds, e->kind),
	                      e->ok, e->cost, e->latency};
}

void
summary_rank(struct summary *s, enum sum_rank rank)
{
	s->rank = rank;
}

void
summary_reset(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->e[i].message);
	free(s->e);
	free(s->of_id);
	s->e = NULL;
	s->of_id = NULL;
	s->of_id_cap = 0;
	s->n = s->cap = 0;
	s->last = NONE;
	strmap_clear(&s->ids);
	strmap_clear(&s->models);
	strmap_clear(&s->groups);
	strmap_clear(&s->kinds);
	price_memo_free(&s->prices);
	s->seq = s->superseded = s->events = s->other = s->bad = s->graded = 0;
}

void
summary_free(struct summary *s)
{
	if (!s)
		return;
	summary_reset(s);
	jfield_spec_free(s->spec);
	free(s->f);
	buf_free(&s->tmp);
	buf_free(&s->again);
	free(s->by);
	free(s);
}

const char *
summary_price_error(const struct summary *s)
{
	return s->price_err[0] ? s->price_err : NULL;
}

void
summary_count_bad(struct summary *s)
{
	s->bad++;
}

/* The value of f as text in s->tmp: a string decoded, anything else as
 * written.  -1 when it is missing or null. */
static int
text(struct summary *s, const struct jfield *f)
{
	buf_reset(&s->tmp);
	buf_add(&s->tmp, "", 0);
	if (f->type == JF_NONE || f->type == JF_NULL)
		return -1;
	if (f->type != JF_STRING) {
		buf_add(&s->tmp, f->raw, f->len);
		return 0;
	}
	return jfield_string(f, &s->tmp);
}

/* The first of the slots that holds a string, decoded in s->tmp: 0, or
 * -1 when none does. */
static int
first_string(struct summary *s, const int *slots, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s->f[slots[i]].type == JF_STRING && text(s, &s->f[slots[i]]) == 0)
			return 0;
	buf_reset(&s->tmp);
	buf_add(&s->tmp, "", 0);
	return -1;
}

/* What the record's tokens cost at the price of its model and endpoint,
 * NAN when the price is not known: at the batch rates for an answer of
 * a batch (it carries "batch"), its cached prompt tokens at the cached
 * rate. */
static double
priced(struct summary *s, long long prompt, long long completion)
{
	long long cw = 0, cr = 0;
	int batch = s->f[F_BATCH].type != JF_NONE && s->f[F_BATCH].type != JF_NULL;
	static const int model_slots[] = {F_MODEL, F_META_MODEL, F_REQ_MODEL};
	static const int endpoint_slots[] = {F_ENDPOINT, F_META_ENDPOINT};
	const struct price *p;
	char err[ERRLEN] = "";
	char *model;

	first_string(s, model_slots, 3);
	model = estrdup(s->tmp.data);
	p = price_memo_find(&s->prices, model,
	                    first_string(s, endpoint_slots, 2) == 0 ? s->tmp.data : NULL, err,
	                    sizeof err);
	free(model);
	if (err[0] && !s->price_err[0])
		snprintf(s->price_err, sizeof s->price_err, "%s", err);
	/* prompt tokens of a prompt cache at its prices: Anthropic's
	 * written and read, or OpenAI's cached (read) ones */
	if (jfield_llong(&s->f[F_CACHE_WRITE], &cw) < 0)
		cw = 0;
	if (jfield_llong(&s->f[F_CACHE_READ], &cr) < 0 &&
	    jfield_llong(&s->f[F_CACHED_TOKENS], &cr) < 0)
		cr = 0;
	return p ? price_cost_full(p, batch, prompt, cw, cr, completion) : NAN;
}

/* The entry for this record: the id's own, or a new one. */
static struct entry *
entry_for(struct summary *s, const struct sum_loc *loc)
{
	static const int id_slots[] = {F_ID, F_RUN_ID};
	struct entry *e;
	uint32_t id = NONE;
	size_t i;
	int added = 1;

	for (i = 0; i < 2 && id == NONE; i++)
		if (text(s, &s->f[id_slots[i]]) == 0)
			id = (uint32_t)strmap_intern(&s->ids, s->tmp.data, s->tmp.len, &added);
	if (id == NONE)	/* no id: the place it was read names it */
		id = (uint32_t)strmap_intern(&s->ids, loc->where, strlen(loc->where), &added);
	if (added) {
		if (s->ids.n > s->of_id_cap) {
			s->of_id_cap = s->of_id_cap ? s->of_id_cap * 2 : 256;
			s->of_id = erealloc(s->of_id, s->of_id_cap * sizeof *s->of_id);
		}
		s->of_id[id] = NONE;
	}
	if (!s->all_attempts && s->of_id[id] != NONE) {
		free(s->e[s->of_id[id]].message);
		s->superseded++;
	} else {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->e = erealloc(s->e, s->cap * sizeof *s->e);
		}
		s->of_id[id] = (uint32_t)s->n++;
	}
	e = &s->e[s->of_id[id]];
	memset(e, 0, sizeof *e);
	e->id = id;
	return e;
}

/* A failure's kind and one-line message: error.kind and error.message,
 * else what the status says. */
static void
failure(struct summary *s, struct entry *e, const char *status)
{
	static const int kind_slot[] = {F_KIND}, message_slot[] = {F_MESSAGE};
	const char *kind = strcmp(status, "error") == 0 ? "unknown" : status;
	char msg[MESSAGE_MAX + 1];

	if (first_string(s, kind_slot, 1) == 0)
		kind = s->tmp.data;
	e->kind = (uint32_t)strmap_intern(&s->kinds, kind, strlen(kind), NULL);
	if (first_string(s, message_slot, 1) == 0)
		snprintf(msg, sizeof msg, "%s", s->tmp.data);
	else
		snprintf(msg, sizeof msg, "status %s, no error message", status);
	one_line(msg, MESSAGE_MAX);
	e->message = estrdup(msg);
}

/* Fill the entry of a result record from s->f. */
static void
count(struct summary *s, struct entry *e, const char *status, const struct sum_loc *loc, size_t len)
{
	static const int model_slots[] = {F_META_MODEL, F_MODEL, F_REQ_MODEL};
	const struct jfield *content = s->f[F_CONTENT].type == JF_STRING ? &s->f[F_CONTENT]
	                             : &s->f[F_FINAL];
	int tokens;

	e->ok = strcmp(status, "ok") == 0;
	e->cached = s->f[F_CACHED].type == JF_TRUE;
	e->seq = s->seq++;
	e->src = loc->src;
	e->off = loc->off;
	e->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	first_string(s, model_slots, 3);
	e->model = (uint32_t)strmap_intern(&s->models, s->tmp.len ? s->tmp.data : "(none)",
	                                   s->tmp.len ? s->tmp.len : 6, NULL);
	e->group = s->by_slot >= 0 && text(s, &s->f[s->by_slot]) == 0
	           ? (uint32_t)strmap_intern(&s->groups, s->tmp.data, s->tmp.len, NULL) : NONE;
	e->kind = NONE;
	if (!e->ok)
		failure(s, e, status);
	e->bytes = jfield_strlen(content);
	tokens = jfield_llong(&s->f[F_PROMPT], &e->prompt) == 0;
	tokens |= jfield_llong(&s->f[F_COMPLETION], &e->completion) == 0;
	/* the cost: the record's own, else its tokens at the price table's
	 * rate, else nothing for a failure, else unknown */
	if (jfield_double(&s->f[F_COST], &e->cost) == 0)
		;
	else if (tokens)
		e->cost = priced(s, e->prompt, e->completion);
	else
		e->cost = e->ok ? NAN : 0;
	/* a cached answer was not asked for again: it cost nothing now */
	e->spend = e->cached ? 0 : e->cost;
	if (e->cached)
		e->prompt = e->completion = 0;
	if (!e->ok || e->cached || jfield_double(&s->f[F_LATENCY], &e->latency) < 0)
		e->latency = NAN;
	/* llm-assert's verdict: a score without pass, or pass without a
	 * score, counts as the other says */
	e->graded = s->f[F_APASS].type == JF_TRUE || s->f[F_APASS].type == JF_FALSE ||
	            s->f[F_ASCORE].type == JF_NUMBER;
	e->score = NAN;
	if (e->graded) {
		s->graded++;
		if (jfield_double(&s->f[F_ASCORE], &e->score) < 0 || isnan(e->score))
			e->score = s->f[F_APASS].type == JF_TRUE;
		e->pass = s->f[F_APASS].type == JF_TRUE ||
		          (s->f[F_APASS].type != JF_FALSE && e->score >= 0.5);
	}
}

/* The record in s->f when its text was not one the scanner took: json-c
 * decides; what it accepts is written again plainly and scanned. */
static enum sum_line
fallback(struct summary *s, const char *line, size_t len, const struct sum_loc *loc,
         json_object **obj, char *err, size_t errlen)
{
	char why[ERRLEN];

	if (json_parse_any(line, len, obj, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: invalid JSON: %s", loc->where, why);
		return SUM_BAD;
	}
	if (!*obj || !json_object_is_type(*obj, json_type_object)) {
		snprintf(err, errlen, "%s: not a JSON object", loc->where);
		return SUM_BAD;
	}
	json_line(*obj, &s->again);
	if (!jfield_scan(s->spec, s->again.data, s->again.len, s->f)) {
		snprintf(err, errlen, "%s: invalid JSON", loc->where);
		return SUM_BAD;
	}
	return SUM_RESULT;
}

enum sum_line
summary_add(struct summary *s, const char *line, size_t len, const struct sum_loc *loc,
            char *err, size_t errlen)
{
	json_object *obj = NULL;
	enum sum_line rc = SUM_RESULT;
	char *status;

	if (!jfield_scan(s->spec, line, len, s->f))
		rc = fallback(s, line, len, loc, &obj, err, errlen);
	if (rc == SUM_RESULT && s->f[F_STATUS].type == JF_NONE)
		rc = s->f[F_EVENT].type != JF_NONE ? SUM_EVENT : SUM_OTHER;
	if (rc == SUM_RESULT && (s->f[F_STATUS].type != JF_STRING || text(s, &s->f[F_STATUS]) < 0)) {
		snprintf(err, errlen, "%s: \"status\" is not a string", loc->where);
		rc = SUM_BAD;
	}
	if (rc == SUM_RESULT) {
		struct entry *e;

		status = estrdup(s->tmp.data);
		e = entry_for(s, loc);
		s->last = (uint32_t)(e - s->e);
		count(s, e, status, loc, len);
		free(status);
	}
	s->bad += rc == SUM_BAD;
	s->events += rc == SUM_EVENT;
	s->other += rc == SUM_OTHER;
	json_object_put(obj);
	return rc;
}

double
sum_percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100 * (double)n);

	return v[rank > 0 ? rank - 1 : 0];
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_kind(const void *a, const void *b)
{
	const struct sum_kind *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n) - (x->n > y->n) : strcmp(x->kind, y->kind);
}

static int
cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct sum_row *)a)->model, ((const struct sum_row *)b)->model);
}

/* Is a a better result for its group than b: ok first, then by the
 * rank (summary_rank), then the lower cost (a known one before an
 * unknown), then the longer content, then the one read first. */
static int
better(const struct entry *a, const struct entry *b, enum sum_rank rank)
{
	int ak = !isnan(a->cost), bk = !isnan(b->cost);

	if (a->ok != b->ok)
		return a->ok;
	if (rank == SUM_RANK_SCORE && a->graded != b->graded)
		return a->graded;
	if (rank == SUM_RANK_SCORE && a->graded && a->score != b->score)
		return a->score > b->score;
	if (rank == SUM_RANK_OUTPUT && a->bytes != b->bytes)
		return a->bytes > b->bytes;
	if (ak != bk)
		return ak;
	if (ak && a->cost != b->cost)
		return a->cost < b->cost;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes;
	return a->seq < b->seq;
}

static void
add_to_row(struct sum_row *r, const struct entry *e, long long *kinds)
{
	r->requests++;
	r->ok += e->ok;
	r->failed += !e->ok;
	r->cached += e->cached;
	if (e->graded) {
		r->graded++;
		r->passed += e->pass;
		r->score_sum += e->score;
	}
	/* hostile counts near the limits stop there rather than wrap */
	r->prompt_tokens = add_sat(r->prompt_tokens, e->prompt);
	r->completion_tokens = add_sat(r->completion_tokens, e->completion);
	if (isnan(e->spend)) {
		r->cost_unknown++;
	} else {
		r->cost += e->spend;
		r->cost_known++;
	}
	if (!e->ok)
		kinds[e->kind]++;
}

/* The row's latencies sorted and its kinds listed. */
static void
finish_row(struct sum_row *r, double *lat, size_t nlat, const long long *kinds,
           const struct strmap *names)
{
	size_t k;

	r->nlat = nlat;
	if (nlat > 0) {
		qsort(lat, nlat, sizeof *lat, cmp_double);
		r->p50 = sum_percentile(lat, nlat, 50);
		r->p95 = sum_percentile(lat, nlat, 95);
		r->max = lat[nlat - 1];
	}
	r->kinds = ecalloc(names->n + 1, sizeof *r->kinds);
	for (k = 0; k < names->n; k++)
		if (kinds[k] > 0)
			r->kinds[r->nkinds++] = (struct sum_kind){strmap_key(names, k), kinds[k]};
	qsort(r->kinds, r->nkinds, sizeof *r->kinds, cmp_kind);
}

static void
report_rows(struct summary *s, struct sum_report *r)
{
	size_t nm = s->models.n, nk = s->kinds.n, i, m, nlat = 0;
	long long *kinds = ecalloc((nm + 1) * (nk + 1), sizeof *kinds);
	size_t *start = ecalloc(nm + 1, sizeof *start), *fill = ecalloc(nm + 1, sizeof *fill);
	double *lat, *all;
	long long *tk = kinds + nm * (nk + 1);	/* the totals' kinds */

	r->nrows = nm;
	r->rows = ecalloc(nm + 1, sizeof *r->rows);
	/* latencies grouped by model: counted, then placed */
	for (i = 0; i < s->n; i++)
		if (!isnan(s->e[i].latency)) {
			start[s->e[i].model]++;
			nlat++;
		}
	for (m = 0, i = 0; m < nm; m++) {
		size_t c = start[m];

		start[m] = i;
		i += c;
	}
	lat = ecalloc(nlat + 1, sizeof *lat);
	all = ecalloc(nlat + 1, sizeof *all);
	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		add_to_row(&r->rows[e->model], e, kinds + e->model * (nk + 1));
		add_to_row(&r->total, e, tk);
		if (!isnan(e->latency))
			lat[start[e->model] + fill[e->model]++] = e->latency;
	}
	memcpy(all, lat, nlat * sizeof *lat);
	for (m = 0; m < nm; m++) {
		r->rows[m].model = strmap_key(&s->models, m);
		finish_row(&r->rows[m], lat + start[m], fill[m], kinds + m * (nk + 1), &s->kinds);
	}
	finish_row(&r->total, all, nlat, tk, &s->kinds);
	qsort(r->rows, nm, sizeof *r->rows, cmp_row);
	free(kinds);
	free(start);
	free(fill);
	free(lat);
	free(all);
}

static int
cmp_fail_seq(const void *a, const void *b, void *arg)
{
	const struct entry *e = arg;
	long long x = e[*(const size_t *)a].seq, y = e[*(const size_t *)b].seq;

	return (x > y) - (x < y);
}

static void
report_fails(struct summary *s, struct sum_report *r)
{
	size_t *idx = ecalloc(s->n + 1, sizeof *idx), i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!s->e[i].ok)
			idx[n++] = i;
	qsort_r(idx, n, sizeof *idx, cmp_fail_seq, s->e);
	r->fails = ecalloc(n + 1, sizeof *r->fails);
	for (i = 0; i < n; i++) {
		const struct entry *e = &s->e[idx[i]];

		r->fails[i] = (struct sum_fail){strmap_key(&s->ids, e->id),
		                                strmap_key(&s->models, e->model),
		                                strmap_key(&s->kinds, e->kind), e->message};
	}
	r->nfails = n;
	free(idx);
}

/* The asserts of each group, when there are any. */
static void
report_grades(struct summary *s, struct sum_report *r)
{
	size_t ng = s->groups.n, i, g;
	struct sum_grade *all;

	if (s->graded == 0)
		return;
	all = ecalloc(ng + 1, sizeof *all);
	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		if (e->group == NONE || !e->graded)
			continue;
		all[e->group].graded++;
		all[e->group].passed += e->pass;
		all[e->group].score_sum += e->score;
	}
	r->grades = ecalloc(ng + 1, sizeof *r->grades);
	for (g = 0; g < ng; g++) {
		if (!all[g].graded)
			continue;
		all[g].group = strmap_key(&s->groups, g);
		r->grades[r->ngrades++] = all[g];
	}
	free(all);
}

static void
report_best(struct summary *s, struct sum_report *r)
{
	static const char *const names[] = {"cost", "score", "cost", "output"};
	size_t ng = s->groups.n, i, g;
	uint32_t *best = emalloc((ng + 1) * sizeof *best);
	enum sum_rank rank = s->rank != SUM_RANK_AUTO ? s->rank
	                     : s->graded ? SUM_RANK_SCORE : SUM_RANK_COST;

	r->rank = names[rank];
	for (g = 0; g < ng; g++)
		best[g] = NONE;
	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		if (e->group == NONE)
			r->ungrouped++;
		else if (best[e->group] == NONE || better(e, &s->e[best[e->group]], rank))
			best[e->group] = (uint32_t)i;
	}
	r->best = ecalloc(ng + 1, sizeof *r->best);
	for (g = 0; g < ng; g++) {
		const struct entry *e;

		if (best[g] == NONE)	/* its only record went to another group */
			continue;
		e = &s->e[best[g]];
		r->best[r->nbest++] = (struct sum_best){
			strmap_key(&s->groups, g), strmap_key(&s->ids, e->id),
			strmap_key(&s->models, e->model), e->ok, e->cost, e->score, e->bytes,
			e->src, e->off, e->len};
	}
	free(best);
}

void
summary_report(struct summary *s, struct sum_report *r)
{
	memset(r, 0, sizeof *r);
	r->by = s->by;
	report_rows(s, r);
	report_fails(s, r);
	report_best(s, r);
	report_grades(s, r);
	r->results = (long long)s->n + (s->all_attempts ? 0 : s->superseded);
	r->superseded = s->superseded;
	r->events = s->events;
	r->other = s->other;
	r->bad = s->bad;
}

void
sum_report_free(struct sum_report *r)
{
	size_t i;

	for (i = 0; i < r->nrows; i++)
		free(r->rows[i].kinds);
	free(r->total.kinds);
	free(r->rows);
	free(r->fails);
	free(r->best);
	free(r->grades);
	memset(r, 0, sizeof *r);
}
