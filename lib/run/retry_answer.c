/* llm-retry's reading of the command's answers: each result record
 * final, retried or dropped.  It calls retry_command.c and
 * retry_entry.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/retry_internal.h"
#include "wire/openai.h"

/* The server asks for a wait past --max-retry-after: say when it ends. */
static void
too_long(struct retry *r, struct entry *e, json_object *rec)
{
	json_object *err = json_get(rec, "error");
	long long ms = json_object_get_int64(json_get(err, "retry_after_ms"));
	const char *msg = json_get_str(err, "message");
	char when[64];
	struct buf b = {0};

	buf_addf(&b, "%s (not retried: the server asks to wait %lld s, past --max-retry-after %.0f s; "
	         "the limit resets at %s)", msg ? msg : "", retry_wait_s(ms),
	         r->o.pol.max_retry_after_ms / 1000,
	         retry_reset_time(time(NULL), ms, when, sizeof when));
	json_set(err, "message", json_object_new_string(b.data));
	buf_free(&b);
	rt_finish(r, e, rec, NULL, 0, 0);
}

/* e's answer rec failed for good on its model: send it to the next
 * --fallback model, its retries counted afresh.  0 when it went; -1 when
 * no fallback is left (rec then says what was tried and keeps the model
 * first asked, to be sent again whole). */
static int
fall_back(struct retry *r, struct entry *e, json_object *rec)
{
	json_object *line, *req, *err = json_get(rec, "error");
	const char *next, *msg;
	char why[ERRLEN];

	if (e->fallbacks >= r->o.nfallback || !(line = json_parse(e->line, e->len, why, sizeof why))) {
		if (e->asked) {
			json_set(json_get(rec, "request"), "model", json_object_new_string(e->asked));
			msg = json_get_str(err, "message");
			snprintf(why, sizeof why, "%s (after --fallback %s)", msg ? msg : "",
			         r->o.fallback[r->o.nfallback - 1]);
			json_set(err, "message", json_object_new_string(why));
		}
		return -1;
	}
	req = json_get(line, "request");
	next = r->o.fallback[e->fallbacks++];
	if (!e->asked)
		e->asked = estrdup(json_get_str(req, "model") ? json_get_str(req, "model") : "");
	json_set(req, "model", json_object_new_string(next));
	rt_entry_line(r, e, line);
	e->first = e->attempt + 1;
	msg = json_get_str(err, "message");
	snprintf(why, sizeof why, "falling back to %s after: %s", next, msg ? msg : "an error");
	rt_schedule(r, e, 0, why);
	return 0;
}

static void
answer_error(struct retry *r, struct entry *e, json_object *rec, const char *raw, size_t n)
{
	json_object *err = json_get(rec, "error");
	enum retry_verdict v;
	double delay;
	const char *msg;

	if (r->stop) {
		/* the command's "cancelled" is our stop: out of time, the
		 * record is left for its timeout record (rt_out_of_time) */
		const char *kind = json_get_str(err, "kind");

		if (r->stop != OUT_OF_TIME || !kind || strcmp(kind, "cancelled") != 0)
			rt_finish(r, e, rec, raw, n, 0);
		return;
	}
	v = retry_decide(&r->o.pol, err, e->attempt - e->first, drand48(), &delay);
	switch (v) {
	case RETRY_TOO_LONG:
		if (r->o.nfallback && fall_back(r, e, rec) == 0)
			return;
		too_long(r, e, rec);
		return;
	case RETRY_AGAIN:
		if (!r->o.max_time_ms || now_ms_f() + delay < r->deadline)
			break;
		if (r->o.verbose)
			rt_note(r, "%s: not retried: --max-time would pass first", e->id);
		/* FALLTHROUGH */
	case RETRY_FINAL:
	case RETRY_EXHAUSTED:
		/* retries spent, or an error another model may not have */
		if (r->o.nfallback &&
		    (v == RETRY_EXHAUSTED ||
		     openai_needs_other_model(json_get_str(err, "kind"),
		                              json_object_get_int(json_get(err, "http_status")),
		                              json_get_str(err, "message")))) {
			if (fall_back(r, e, rec) == 0)
				return;
			raw = NULL;	/* its message says what was tried */
		}
		rt_finish(r, e, rec, raw, n, 0);
		return;
	}
	msg = json_get_str(err, "message");
	/* kept for the end of a run out of time only: a window of records
	 * waiting after a server outage would hold a tree each (the soak
	 * test's flat memory sees it); an interrupt makes do with e->why */
	if (r->o.max_time_ms)
		e->last = json_ref(rec);
	rt_schedule(r, e, delay, msg ? msg : "retryable error");
}

/* One record from the command. */
static void
answer(struct retry *r, json_object *rec, const char *raw, size_t n)
{
	json_object *idv = json_get(rec, "id"), *a = json_get(rec, "attempt");
	const char *st = json_get_str(rec, "status");
	const char *id = idv ? json_object_get_string(idv) : NULL;
	struct entry *e = id ? ptrmap_get(&r->map, id) : NULL;

	if (!id || (!st && !json_get(rec, "event")) ||
	    (st && strcmp(st, "ok") != 0 && strcmp(st, "error") != 0)) {
		rt_note(r, "%s:%ld: not a result record: dropped", r->cname, r->cout.lineno);
		r->st.garbage++;
		return;
	}
	/* an answer names the attempt it answers when it carries one, so a
	 * late second answer is not taken for the retry's */
	if (!e || e->state != SENT || (json_object_is_type(a, json_type_int) &&
	                               json_object_get_int(a) != rt_attempt(e))) {
		if (json_object_is_type(a, json_type_int))
			rt_note(r, "%s:%ld: id %s attempt %d is not awaited (answered twice?): dropped",
			     r->cname, r->cout.lineno, id, json_object_get_int(a));
		else
			rt_note(r, "%s:%ld: id %s is not awaited (answered twice?): dropped", r->cname,
			     r->cout.lineno, id);
		r->st.dropped++;
		return;
	}
	if (st)
		budget_settle(&r->budget, &e->hold, json_get(rec, "usage"));
	if (!st)	/* a stream event of an attempt under way */
		lineout_line(&r->out, raw, n);
	else if (strcmp(st, "ok") == 0 && e->asked) {
		json_set(rec, "fallback_from", json_object_new_string(e->asked));
		rt_finish(r, e, rec, NULL, 0, 1);
	} else if (strcmp(st, "ok") == 0)
		rt_finish(r, e, rec, raw, n, 1);
	else
		answer_error(r, e, rec, raw, n);
}

void
rt_read_child(struct retry *r)
{
	char err[ERRLEN];
	int k;

	r->more = 0;
	for (k = 0; r->running; k++) {
		json_object *rec;
		enum rec_status st;

		if (k == ROUND_MAX) {
			r->more = 1;
			return;
		}
		st = rec_next(&r->cout, &rec, err, sizeof err);
		if (st == REC_AGAIN)
			return;
		if (st == REC_OK) {
			answer(r, rec, r->cout.line, r->cout.line_len);
			json_object_put(rec);
		} else if (st == REC_BAD) {
			rt_note(r, "%s: dropped", err);
			r->st.garbage++;
		} else {
			if (st == REC_IOERR)
				rt_note(r, "%s", err);
			rt_child_gone(r);
		}
	}
}
