#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/retry_internal.h"

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

void
rt_out_record(struct retry *r, json_object *rec, int ok)
{
	json_line(rec, &r->line);
	lineout_line(&r->out, r->line.data, r->line.len);
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
	json_object_put(e->last);
	free(e);
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
	res = rec_error(e->id, &le, e->attempt, json_get(rec, "meta"), req);
	rt_out_record(r, res, 0);
	json_object_put(res);
	json_object_put(rec);
}

/* e is done: it leaves the map, and the next record with its id, if one
 * was held back, is sent. */
void
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
		rt_send(r, d);
	}
}

void
rt_fail(struct retry *r, struct entry *e, const char *kind, int retryable,
        const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rt_fail_msg(r, e, kind, retryable, msg);
	rt_retire(r, e);
}

/* ---- input ---- */

/* The record to send for rec, serialized without "attempt": a resubmitted
 * error record loses status and error, a bare body is wrapped as
 * {"id","request","meta"}, and every record gets its id. */
static void
entry_line(struct retry *r, struct entry *e, json_object *rec)
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
	json_line(rec, &r->line);
	json_object_put(rec);
	e->line = estrndup(r->line.data, r->line.len);
	e->len = r->line.len;
}

static void
new_entry(struct retry *r, json_object *rec)
{
	struct entry *e = ecalloc(1, sizeof *e), *was;

	e->id = rec_id(rec, &r->in);
	e->attempt = e->first = rec_attempt(rec);
	entry_line(r, e, json_ref(rec));
	r->inflight++;
	if ((was = ptrmap_get(&r->map, e->id))) {
		/* the same id in flight: this one waits its turn */
		e->state = DEFERRED;
		if (was->dups_tail)
			was->dups_tail->next = e;
		else
			was->dups = e;
		was->dups_tail = e;
		return;
	}
	ptrmap_put(&r->map, e->id, e);
	rt_send(r, e);
}

void
rt_take_input(struct retry *r)
{
	char err[ERRLEN];

	while (!r->in_eof && !r->stop && r->inflight < r->o.window) {
		json_object *rec;
		enum rec_status st = rec_next(&r->in, &rec, err, sizeof err);
		struct llm_error le;
		char *id;

		if (st == REC_AGAIN)
			return;
		if (st == REC_EOF) {
			r->in_eof = 1;
			return;
		}
		if (st == REC_OK) {
			new_entry(r, rec);
			json_object_put(rec);
			continue;
		}
		/* a bad line or a failed read is a record of its own */
		id = rec_id(NULL, &r->in);
		llm_error_set(&le, st == REC_BAD ? "bad_input" : "io", 0, "%s", err);
		rec = rec_error(id, &le, 1, NULL, NULL);
		rt_out_record(r, rec, 0);
		json_object_put(rec);
		free(id);
		if (st == REC_IOERR) {
			rt_note(r, "%s", err);	/* not only in the record */
			r->in_eof = 1;
		}
	}
}

/* ---- the end of a run out of time ---- */

static void
fail_left(struct retry *r, struct entry *e)
{
	struct entry *d, *next;

	for (d = e->dups; d; d = next) {
		next = d->next;
		rt_fail_msg(r, d, "timeout", 1, "not sent: --max-time passed");
		rt_entry_free(d);
	}
	e->dups = NULL;
	if (e->state == WAITING) {
		e->attempt--;	/* the attempt it waited to make was not made */
		if (e->last) {
			json_object *last = json_ref(e->last);

			rt_finish(r, e, last, NULL, 0, 0);
			json_object_put(last);
			return;
		}
	}
	rt_fail(r, e, "timeout", 1, "--max-time passed before %s answered", r->o.argv[0]);
}

void
rt_out_of_time(struct retry *r)
{
	char err[ERRLEN];
	struct entry **v;
	size_t n, i;

	v = rt_entries(r, &n, 0);
	for (i = 0; i < n; i++)
		fail_left(r, v[i]);
	free(v);
	/* what was not read yet is not sent, each an error record of its own */
	if (r->in_flags >= 0)
		fcntl(r->o.in_fd, F_SETFL, r->in_flags & ~O_NONBLOCK);
	while (!r->in_eof) {
		json_object *rec;
		enum rec_status st = rec_next(&r->in, &rec, err, sizeof err);
		struct entry *e;

		if (st == REC_EOF || st == REC_IOERR || st == REC_AGAIN)
			break;
		e = ecalloc(1, sizeof *e);
		if (st == REC_OK) {
			e->id = rec_id(rec, &r->in);
			e->attempt = rec_attempt(rec);
			entry_line(r, e, rec);
			rt_fail_msg(r, e, "timeout", 1, "not sent: --max-time passed");
		} else {
			e->id = rec_id(NULL, &r->in);
			e->attempt = 1;
			e->line = estrdup("{}");
			e->len = 2;
			rt_fail_msg(r, e, "bad_input", 0, err);
		}
		rt_entry_free(e);
	}
}
