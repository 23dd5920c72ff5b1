#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/batch_internal.h"

char *
batch_part_path(const struct batch *b, int part, const char *what)
{
	struct buf p = {0};

	buf_addf(&p, "%s.%d.%s", b->o.state, part, what);
	return p.data;
}

struct batch_part *
batch_part_add(struct batch *b, const char *endpoint, int local)
{
	struct batch_part *p;

	b->parts = erealloc(b->parts, (b->nparts + 1) * sizeof *b->parts);
	p = &b->parts[b->nparts];
	memset(p, 0, sizeof *p);
	p->index = (int)b->nparts++;
	p->endpoint = estrdup(endpoint);
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
	jw_key(w, "part"); jw_int(w, p->index);
	jw_key(w, "endpoint"); jw_strz(w, p->endpoint);
	jw_key(w, "local"); jw_raw(w, p->local ? "true" : "false", p->local ? 4 : 5);
	jw_key(w, "step"); jw_strz(w, p->step);
	str_or_null(w, "status", p->status);
	str_or_null(w, "message", p->message);
	str_or_null(w, "file_id", p->file_id);
	str_or_null(w, "batch_id", p->batch_id);
	str_or_null(w, "output_file_id", p->output_id);
	str_or_null(w, "error_file_id", p->error_id);
	path = batch_part_path(b, p->index, "records");
	jw_key(w, "records"); jw_strz(w, path);
	free(path);
	path = batch_part_path(b, p->index, "jsonl");
	str_or_null(w, "input", p->local ? NULL : path);
	free(path);
	jw_key(w, "bytes"); jw_int(w, p->bytes);
	jw_key(w, "request_counts");
	jw_open(w, '{');
	jw_key(w, "total"); jw_int(w, p->total);
	jw_key(w, "completed"); jw_int(w, p->completed);
	jw_key(w, "failed"); jw_int(w, p->failed);
	jw_close(w, '}');
	jw_key(w, "created_at"); jw_int(w, p->created_at);
	jw_key(w, "updated_at"); jw_int(w, p->updated_at);
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
	struct buf *t = &b->scratch;
	struct jw w;
	size_t i;

	buf_reset(t);
	jw_start(&w, t);
	jw_open(&w, '{');
	jw_key(&w, "version"); jw_int(&w, 1);
	jw_key(&w, "dialect"); jw_strz(&w, b->d->name);
	jw_key(&w, "run"); jw_strz(&w, b->run);
	jw_key(&w, "created_at"); jw_int(&w, b->created_at);
	jw_key(&w, "updated_at"); jw_int(&w, (long long)time(NULL));
	if (b->pend_off >= 0) {
		jw_key(&w, "pending");
		jw_open(&w, '{');
		jw_key(&w, "offset"); jw_int(&w, b->pend_off);
		jw_key(&w, "length"); jw_int(&w, b->pend_len);
		jw_close(&w, '}');
	}
	jw_key(&w, "batches");
	jw_open(&w, '[');
	for (i = 0; i < b->nparts; i++)
		part_json(&w, b, &b->parts[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	buf_add(t, "\n", 1);
	return atomic_write(b->o.state, t->data, t->len, 0, err, errlen);
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

static int
load_part(struct batch *b, json_object *o, char *err, size_t errlen)
{
	json_object *ids = json_get(o, "ids"), *hashes = json_get(o, "hashes");
	json_object *counts = json_get(o, "request_counts");
	const char *written = json_get_str(o, "written"), *ep = json_get_str(o, "endpoint");
	struct batch_part *p;
	size_t i, n;

	if (!ep || !json_object_is_type(ids, json_type_array) ||
	    !json_object_is_type(hashes, json_type_array) || !written ||
	    (n = json_object_array_length(ids)) != json_object_array_length(hashes) ||
	    strlen(written) != n) {
		snprintf(err, errlen, "%s: not an llm-batch state file (batch %zu)", b->o.state,
		         b->nparts);
		return -1;
	}
	p = batch_part_add(b, ep, json_object_get_boolean(json_get(o, "local")));
	copy_str(p->step, sizeof p->step, o, "step");
	copy_str(p->status, sizeof p->status, o, "status");
	copy_str(p->message, sizeof p->message, o, "message");
	p->file_id = dup_or_null(o, "file_id");
	p->batch_id = dup_or_null(o, "batch_id");
	p->output_id = dup_or_null(o, "output_file_id");
	p->error_id = dup_or_null(o, "error_file_id");
	p->bytes = json_object_get_int64(json_get(o, "bytes"));
	p->total = json_object_get_int64(json_get(counts, "total"));
	p->completed = json_object_get_int64(json_get(counts, "completed"));
	p->failed = json_object_get_int64(json_get(counts, "failed"));
	p->created_at = json_object_get_int64(json_get(o, "created_at"));
	p->updated_at = json_object_get_int64(json_get(o, "updated_at"));
	p->caprecs = n ? n : 1;
	p->recs = ecalloc(p->caprecs, sizeof *p->recs);
	for (i = 0; i < n; i++) {
		json_object *id = json_object_array_get_idx(ids, i);

		batch_rec_add(p, json_object_get_string(id), (size_t)json_object_get_string_len(id),
		              json_object_get_string(json_object_array_get_idx(hashes, i)));
		p->recs[i].written = (char)(written[i] - '0');
	}
	return 0;
}

int
batch_state_load(struct batch *b, char *err, size_t errlen)
{
	size_t len, i;
	char *text = read_file(b->o.state, 1u << 30, &len, err, errlen);
	json_object *o, *parts, *pend;
	const char *run;

	if (!text)
		return -1;
	o = json_parse(text, len, err, errlen);
	free(text);
	if (!o)
		return -1;
	parts = json_get(o, "batches");
	if (!(run = json_get_str(o, "run")) || strlen(run) >= sizeof b->run ||
	    !json_object_is_type(parts, json_type_array)) {
		snprintf(err, errlen, "%s: not an llm-batch state file", b->o.state);
		json_object_put(o);
		return -1;
	}
	snprintf(b->run, sizeof b->run, "%s", run);
	b->created_at = json_object_get_int64(json_get(o, "created_at"));
	if ((pend = json_get(o, "pending"))) {
		b->pend_off = json_object_get_int64(json_get(pend, "offset"));
		b->pend_len = json_object_get_int64(json_get(pend, "length"));
	}
	for (i = 0; i < json_object_array_length(parts); i++)
		if (load_part(b, json_object_array_get_idx(parts, i), err, errlen) < 0) {
			json_object_put(o);
			return -1;
		}
	json_object_put(o);
	return 0;
}
