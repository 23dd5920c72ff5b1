#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json/jscan.h"
#include "run/batch_internal.h"

/* Here, beside the state that names them, so reading a state calls no
 * file that calls back into it. */
static const struct batch_dialect *const dialects[] = {&batch_openai, &batch_anthropic};

/* The batch dialect of the name a state file gives; NULL when there is
 * none. */
static const struct batch_dialect *
batch_dialect_named(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof dialects / sizeof *dialects; i++)
		if (!strcmp(dialects[i]->name, name))
			return dialects[i];
	return NULL;
}

const struct batch_dialect *
batch_dialect_of(const struct endpoint *ep)
{
	return batch_dialect_named(endpoint_api(ep)->name);
}

char *
batch_part_path(const struct batch *b, int part, const char *what)
{
	struct buf p = {0};

	buf_addf(&p, "%s.%d.%s", b->o.state, part, what);
	return p.data;
}

struct batch_part *
batch_part_add(struct batch *b, const char *endpoint, const struct batch_dialect *d, int local)
{
	struct batch_part *p;

	b->parts = erealloc(b->parts, (b->nparts + 1) * sizeof *b->parts);
	p = &b->parts[b->nparts];
	memset(p, 0, sizeof *p);
	p->index = (int)b->nparts++;
	p->endpoint = estrdup(endpoint);
	p->d = d;
	p->local = local;
	snprintf(p->step, sizeof p->step, "planned");
	p->created_at = p->updated_at = (long long)time(NULL);
	return p;
}

void
batch_rec_add(struct batch_part *p, const char *id, size_t idlen, const char *hash)
{
	struct batch_rec *r;

	if (p->nrecs == p->caprecs) {
		p->caprecs = p->caprecs ? p->caprecs * 2 : 64;
		p->recs = erealloc(p->recs, p->caprecs * sizeof *p->recs);
	}
	r = &p->recs[p->nrecs++];
	r->id = estrndup(id, idlen);
	snprintf(r->hash, sizeof r->hash, "%s", hash);
	r->written = 0;
}

void
batch_part_free(struct batch_part *p)
{
	size_t i;

	for (i = 0; i < p->nrecs; i++)
		free(p->recs[i].id);
	free(p->recs);
	free(p->endpoint);
	free(p->file_id);
	free(p->batch_id);
	free(p->output_id);
	free(p->error_id);
}

static void
str_or_null(struct jw *w, const char *key, const char *s)
{
	jw_keyn(w, key, strlen(key));
	if (s && *s)
		jw_strz(w, s);
	else
		jw_null(w);
}

static void
part_json(struct jw *w, const struct batch *b, const struct batch_part *p)
{
	char *path;
	size_t i;

	jw_open(w, '{');
	jw_kv_int(w, "part", p->index);
	jw_kv_str(w, "endpoint", p->endpoint);
	str_or_null(w, "api", p->d ? p->d->name : NULL);
	jw_key(w, "local"); jw_raw(w, p->local ? "true" : "false", p->local ? 4 : 5);
	jw_kv_str(w, "step", p->step);
	str_or_null(w, "status", p->status);
	str_or_null(w, "message", p->message);
	str_or_null(w, "file_id", p->file_id);
	str_or_null(w, "batch_id", p->batch_id);
	str_or_null(w, "output_file_id", p->output_id);
	str_or_null(w, "error_file_id", p->error_id);
	path = batch_part_path(b, p->index, "records");
	jw_kv_str(w, "records", path);
	free(path);
	path = batch_part_path(b, p->index, "jsonl");
	str_or_null(w, "input", p->local ? NULL : path);
	free(path);
	jw_kv_int(w, "bytes", p->bytes);
	jw_key(w, "request_counts");
	jw_open(w, '{');
	jw_kv_int(w, "total", p->total);
	jw_kv_int(w, "completed", p->completed);
	jw_kv_int(w, "failed", p->failed);
	jw_close(w, '}');
	jw_kv_int(w, "created_at", p->created_at);
	jw_kv_int(w, "updated_at", p->updated_at);
	jw_key(w, "ids");
	jw_open(w, '[');
	for (i = 0; i < p->nrecs; i++)
		jw_strz(w, p->recs[i].id);
	jw_close(w, ']');
	jw_key(w, "hashes");
	jw_open(w, '[');
	for (i = 0; i < p->nrecs; i++)
		jw_str(w, p->recs[i].hash, HASH_HEX - 1);
	jw_close(w, ']');
	/* one character a record: 0 not written, 1 written, 2 in the chunk
	 * being written (pending) */
	jw_key(w, "written");
	jw_str_open(w);
	buf_grow(w->b, p->nrecs);
	for (i = 0; i < p->nrecs; i++)
		w->b->data[w->b->len++] = (char)('0' + p->recs[i].written);
	w->b->data[w->b->len] = '\0';
	jw_str_close(w);
	jw_close(w, '}');
}

int
batch_state_save(struct batch *b, char *err, size_t errlen)
{
	struct buf text = {0}, *t = &text;
	struct jw w;
	size_t i;
	int rc;

	/* its own buf, let go of at once: a big run's state is megabytes */
	jw_start(&w, t);
	jw_open(&w, '{');
	jw_kv_int(&w, "version", 1);
	jw_kv_str(&w, "run", b->run);
	jw_kv_int(&w, "created_at", b->created_at);
	jw_kv_int(&w, "updated_at", (long long)time(NULL));
	if (b->pend_off >= 0) {
		jw_key(&w, "pending");
		jw_open(&w, '{');
		jw_kv_int(&w, "offset", b->pend_off);
		jw_kv_int(&w, "length", b->pend_len);
		jw_close(&w, '}');
	}
	jw_key(&w, "batches");
	jw_open(&w, '[');
	for (i = 0; i < b->nparts; i++)
		part_json(&w, b, &b->parts[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	buf_add(t, "\n", 1);
	rc = atomic_write(b->o.state, t->data, t->len, 0, err, errlen);
	buf_free(t);
	return rc;
}

static char *
dup_or_null(json_object *o, const char *key)
{
	const char *s = json_get_str(o, key);

	return s ? estrdup(s) : NULL;
}

static void
copy_str(char *dst, size_t n, json_object *o, const char *key)
{
	const char *s = json_get_str(o, key);

	snprintf(dst, n, "%s", s ? s : "");
}

/* The state is read with the one tokenizer (json/jscan.h) rather than
 * json-c's tree: a run of 100,000 records holds 200,000 strings in its
 * ids and hashes, whose tree took more memory than all the rest of a
 * fetch.  Those two arrays are read straight into the part; every other
 * member is gathered into a small object parsed with json-c. */

struct reader {
	const char *p, *end;
	int bad;
};

static void
ws(struct reader *r)
{
	r->p = jscan_ws(r->p, r->end);
}

static int
lit(struct reader *r, char c)
{
	ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return 1;
	}
	return 0;
}

/* The string at r->p, its raw bytes between the quotes. */
static int
string(struct reader *r, const char **s, size_t *n, int *escaped)
{
	struct jscan_str st = {0};
	const char *e;

	ws(r);
	if (r->p >= r->end || *r->p != '"' || !(e = jscan_string(r->p, r->end, 0, &st))) {
		r->bad = 1;
		return -1;
	}
	*s = r->p + 1;
	*n = (size_t)(e - r->p - 2);
	*escaped = st.escaped;
	r->p = e;
	return 0;
}

static void
skip_value(struct reader *r, int depth)
{
	const char *s;
	size_t n;
	int esc;

	ws(r);
	if (r->bad || r->p >= r->end || depth > JSCAN_DEPTH) {
		r->bad = 1;
		return;
	}
	if (*r->p == '"') {
		(void)string(r, &s, &n, &esc);
	} else if (*r->p == '{' || *r->p == '[') {
		char close = *r->p == '{' ? '}' : ']';

		r->p++;
		if (lit(r, close))
			return;
		do {
			if (close == '}' && (string(r, &s, &n, &esc) < 0 || !lit(r, ':'))) {
				r->bad = 1;
				return;
			}
			skip_value(r, depth + 1);
		} while (!r->bad && lit(r, ','));
		if (!lit(r, close))
			r->bad = 1;
	} else {
		const char *e = jscan_number(r->p, r->end);

		if (!e)
			e = jscan_literal(r->p, r->end);
		if (!e)
			r->bad = 1;
		else
			r->p = e;
	}
}

/* An array of strings, each decoded into out NUL-terminated; their count. */
static size_t
strings(struct reader *r, struct buf *out)
{
	size_t k = 0;

	if (!lit(r, '['))
		goto bad;
	if (lit(r, ']'))
		return 0;
	do {
		const char *s;
		size_t n;
		int esc;

		if (string(r, &s, &n, &esc) < 0)
			return 0;
		if (!esc)
			buf_add(out, s, n);
		else if (jscan_decode(s, n, out) < 0)
			goto bad;
		buf_add(out, "", 1);
		k++;
	} while (lit(r, ','));
	if (lit(r, ']'))
		return k;
bad:
	r->bad = 1;
	return 0;
}

/* An object's members: the value of the member named big[i] read by
 * fn(r, i, arg), every other member copied into rest as an object's
 * text. */
static void
members(struct reader *r, const char *const *big, size_t nbig,
        void (*fn)(struct reader *r, size_t i, void *arg), void *arg, struct buf *rest)
{
	int first = 1;

	buf_add(rest, "{", 1);
	if (!lit(r, '{'))
		goto bad;
	if (lit(r, '}'))
		goto done;
	do {
		const char *k, *v;
		size_t kn, i;
		int esc;

		if (string(r, &k, &kn, &esc) < 0 || !lit(r, ':'))
			goto bad;
		for (i = 0; i < nbig; i++)
			if (strlen(big[i]) == kn && !memcmp(big[i], k, kn))
				break;
		if (i < nbig) {
			fn(r, i, arg);
			continue;
		}
		ws(r);
		v = r->p;
		skip_value(r, 1);
		if (r->bad)
			return;
		if (!first)
			buf_add(rest, ",", 1);
		first = 0;
		buf_add(rest, k - 1, kn + 2);
		buf_add(rest, ":", 1);
		buf_add(rest, v, (size_t)(r->p - v));
	} while (!r->bad && lit(r, ','));
	if (!lit(r, '}'))
		goto bad;
done:
	buf_add(rest, "}", 1);
	return;
bad:
	r->bad = 1;
}

/* A part's ids (0) and hashes (1). */
struct part_arrays {
	struct buf bufs[2];
	size_t counts[2];
};

static void
part_array(struct reader *r, size_t i, void *arg)
{
	struct part_arrays *a = arg;

	a->counts[i] = strings(r, &a->bufs[i]);
}

static int
load_part(struct batch *b, struct reader *r, char *err, size_t errlen)
{
	static const char *const big[] = {"ids", "hashes"};
	struct part_arrays a = {0};
	struct buf *bufs = a.bufs, rest = {0};
	size_t *counts = a.counts, i;
	json_object *o = NULL, *counts_o;
	const char *written, *ep, *id, *hash, *api;
	const struct batch_dialect *d = NULL;
	struct batch_part *p;
	int local;
	int rc = -1;

	members(r, big, 2, part_array, &a, &rest);
	if (r->bad || !(o = json_parse(rest.data, rest.len, err, errlen)))
		goto bad;
	written = json_get_str(o, "written");
	ep = json_get_str(o, "endpoint");
	if (!ep || !written || counts[0] != counts[1] || strlen(written) != counts[0])
		goto bad;
	local = json_object_get_boolean(json_get(o, "local"));
	/* the batch API the part was sent to; a state written before there
	 * were two says none: OpenAI's */
	api = json_get_str(o, "api");
	if (!local && !(d = batch_dialect_named(api ? api : batch_openai.name)))
		goto bad;
	p = batch_part_add(b, ep, d, local);
	counts_o = json_get(o, "request_counts");
	copy_str(p->step, sizeof p->step, o, "step");
	copy_str(p->status, sizeof p->status, o, "status");
	copy_str(p->message, sizeof p->message, o, "message");
	p->file_id = dup_or_null(o, "file_id");
	p->batch_id = dup_or_null(o, "batch_id");
	p->output_id = dup_or_null(o, "output_file_id");
	p->error_id = dup_or_null(o, "error_file_id");
	p->bytes = json_object_get_int64(json_get(o, "bytes"));
	p->total = json_object_get_int64(json_get(counts_o, "total"));
	p->completed = json_object_get_int64(json_get(counts_o, "completed"));
	p->failed = json_object_get_int64(json_get(counts_o, "failed"));
	p->created_at = json_object_get_int64(json_get(o, "created_at"));
	p->updated_at = json_object_get_int64(json_get(o, "updated_at"));
	p->caprecs = counts[0] ? counts[0] : 1;
	p->recs = ecalloc(p->caprecs, sizeof *p->recs);
	id = bufs[0].data;
	hash = bufs[1].data;
	for (i = 0; i < counts[0]; i++) {
		batch_rec_add(p, id, strlen(id), hash);
		p->recs[i].written = written[i] >= '0' && written[i] <= '2' ? (char)(written[i] - '0') : 0;
		id += strlen(id) + 1;
		hash += strlen(hash) + 1;
	}
	rc = 0;
bad:
	if (rc < 0)
		snprintf(err, errlen, "%s: not an llm-batch state file (batch %zu)", b->o.state,
		         b->nparts);
	json_object_put(o);
	buf_free(&bufs[0]);
	buf_free(&bufs[1]);
	buf_free(&rest);
	return rc;
}

/* The top level's batches: each part read into the state. */
struct top {
	struct batch *b;
	char *err;
	size_t errlen;
	int failed;
};

static void
top_batches(struct reader *r, size_t i, void *arg)
{
	struct top *t = arg;

	(void)i;
	if (!lit(r, '[')) {
		r->bad = 1;
		return;
	}
	if (lit(r, ']'))
		return;
	do {
		if (load_part(t->b, r, t->err, t->errlen) < 0) {
			t->failed = 1;
			r->bad = 1;
			return;
		}
	} while (lit(r, ','));
	if (!lit(r, ']'))
		r->bad = 1;
}

int
batch_state_parse(struct batch *b, const char *text, size_t len, char *err, size_t errlen)
{
	static const char *const big[] = {"batches"};
	struct top t = { .b = b, .err = err, .errlen = errlen };
	struct reader r = { .p = text, .end = text + len };
	struct buf rest = {0};
	json_object *o = NULL, *pend;
	const char *run;
	int rc = -1;

	members(&r, big, 1, top_batches, &t, &rest);
	if (t.failed) {
		buf_free(&rest);
		return -1;
	}
	if (r.bad || !(o = json_parse(rest.data, rest.len, err, errlen)) ||
	    !(run = json_get_str(o, "run")) || !*run || strlen(run) >= sizeof b->run ||
	    /* hex, as new_run_id() makes it: it names files on the server */
	    strspn(run, "0123456789abcdef") != strlen(run))
		goto bad;
	snprintf(b->run, sizeof b->run, "%s", run);
	b->created_at = json_object_get_int64(json_get(o, "created_at"));
	if ((pend = json_get(o, "pending"))) {
		b->pend_off = json_object_get_int64(json_get(pend, "offset"));
		b->pend_len = json_object_get_int64(json_get(pend, "length"));
	}
	rc = 0;
bad:
	if (rc < 0)
		snprintf(err, errlen, "%s: not an llm-batch state file", b->o.state);
	json_object_put(o);
	buf_free(&rest);
	return rc;
}

int
batch_state_load(struct batch *b, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file(b->o.state, 1u << 30, &len, err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = batch_state_parse(b, text, len, err, errlen);
	free(text);
	return rc;
}
