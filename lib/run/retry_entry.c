/* llm-retry's entries, the lowest piece of its loop: the heap of those
 * waiting, their lines and error records, the map they leave, and the
 * output (records and notes).  It calls no other retry_*.c file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "run/retry_internal.h"

/* ---- notes ---- */

void
rt_note(struct retry *r, const char *fmt, ...)
{
	char msg[2 * ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	one_line(msg, sizeof msg - 1);
	if (r->o.note)
		r->o.note(r->o.arg, msg);
}


/* ---- the heap of waiting entries ---- */

static void
heap_swap(struct retry *r, size_t a, size_t b)
{
	struct entry *t = r->heap[a];

	r->heap[a] = r->heap[b];
	r->heap[b] = t;
}

void
rt_heap_push(struct retry *r, struct entry *e)
{
	size_t i = r->nheap++;

	if (r->nheap > r->heapcap) {
		r->heapcap = r->heapcap ? r->heapcap * 2 : 64;
		r->heap = erealloc(r->heap, r->heapcap * sizeof *r->heap);
	}
	r->heap[i] = e;
	for (; i > 0 && r->heap[(i - 1) / 2]->due > r->heap[i]->due; i = (i - 1) / 2)
		heap_swap(r, i, (i - 1) / 2);
}

struct entry *
rt_heap_pop(struct retry *r)
{
	struct entry *top = r->heap[0];
	size_t i = 0;

	r->heap[0] = r->heap[--r->nheap];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < r->nheap && r->heap[l]->due < r->heap[m]->due)
			m = l;
		if (l + 1 < r->nheap && r->heap[l + 1]->due < r->heap[m]->due)
			m = l + 1;
		if (m == i)
			return top;
		heap_swap(r, i, m);
		i = m;
	}
}

/* ---- output ---- */

/* rec written out and counted: as raw[0..n), its text, when given. */
void
rt_out_record(struct retry *r, json_object *rec, const char *raw, size_t n, int ok)
{
	if (!raw) {
		raw = json_line(rec, &r->line);
		n = r->line.len;
	}
	lineout_line(&r->out, raw, n);
	r->st.records++;
	if (ok)
		r->st.ok++;
	else
		r->st.failed++;
}

/* ---- entries ---- */

void
rt_entry_free(struct entry *e)
{
	free(e->id);
	free(e->line);
	free(e->model);
	free(e->asked);
	json_object_put(e->last);
	free(e->why);
	free(e);
}

/* The attempt of e as the command reads it (rec_attempt): a count
 * past REC_ATTEMPT_MAX stays there, so the answer still matches. */
int
rt_attempt(const struct entry *e)
{
	return e->attempt < REC_ATTEMPT_MAX ? e->attempt : REC_ATTEMPT_MAX;
}

/* An error record for e made here, with its meta and request. */
void
rt_fail_msg(struct retry *r, struct entry *e, const char *kind, int retryable,
            const char *msg)
{
	struct llm_error le;
	json_object *rec = json_parse(e->line, e->len, NULL, 0), *res, *req;

	llm_error_set(&le, kind, retryable, "%s", msg);
	req = json_get(rec, "request") ? json_get(rec, "request") : rec;
	res = rec_error(e->id, &le, rt_attempt(e), json_get(rec, "meta"), req);
	rt_out_record(r, res, NULL, 0, 0);
	json_object_put(res);
	json_object_put(rec);
}

/* The entries in the map (only those SENT with sent_only), listed so
 * that they can be retired one by one. */
struct entry **
rt_entries(struct retry *r, size_t *n, int sent_only)
{
	struct entry **v = ecalloc(r->map.len + 1, sizeof *v);
	size_t i;

	*n = 0;
	for (i = 0; i < r->map.cap; i++) {
		struct entry *e = r->map.slot[i].val;

		if (e && (e->state == SENT || !sent_only))
			v[(*n)++] = e;
	}
	return v;
}

/* e is done: it leaves the map and is freed.  Returns the record held
 * back behind it with the same id, now in the map, for the caller to
 * send; or NULL. */
struct entry *
rt_retire(struct retry *r, struct entry *e)
{
	struct entry *d = e->dups, *tail = e->dups_tail;

	ptrmap_del(&r->map, e->id);
	r->inflight--;
	rt_entry_free(e);
	if (d) {
		d->dups = d->next;
		d->dups_tail = d->next ? tail : NULL;
		d->next = NULL;
		ptrmap_put(&r->map, d->id, d);
	}
	return d;
}

/* The record to send for rec (taken), serialized without "attempt", as
 * e's line, in place of the one it had: a resubmitted error record loses
 * status and error, a bare body is wrapped as {"id","request","meta"},
 * and every record gets its id. */
void
rt_entry_line(struct retry *r, struct entry *e, json_object *rec)
{
	json_object_object_del(rec, "attempt");
	if (json_get(rec, "status")) {
		json_object_object_del(rec, "status");
		json_object_object_del(rec, "error");
	}
	if (!json_get(rec, "request") && json_get(rec, "messages")) {
		json_object *w = json_object_new_object(), *meta = json_ref(json_get(rec, "meta"));

		json_object_object_del(rec, "id");
		json_object_object_del(rec, "meta");
		json_set(w, "id", json_object_new_string(e->id));
		json_set(w, "request", rec);
		if (meta)
			json_set(w, "meta", meta);
		rec = w;
	} else {
		if (!json_get(rec, "id") || json_object_is_type(json_get(rec, "id"), json_type_null))
			json_set(rec, "id", json_object_new_string(e->id));
	}
	if (budget_on(&r->budget)) {
		json_object *req = json_get(rec, "request");
		const char *model = json_get_str(req, "model");

		free(e->model);
		e->model = model ? estrdup(model) : NULL;
		e->max_tokens = json_object_get_int64(json_get(req, "max_tokens"));
		if (e->max_tokens <= 0)
			e->max_tokens = json_object_get_int64(json_get(req, "max_completion_tokens"));
	}
	json_line(rec, &r->line);
	json_object_put(rec);
	free(e->line);
	e->line = estrndup(r->line.data, r->line.len);
	e->len = r->line.len;
}
