/* llm-retry's input: records read into entries and sent, and, at the end
 * of a run out of time, what is left failed.  It calls retry_command.c
 * and retry_entry.c. */
#include <fcntl.h>
#include <stdlib.h>

#include "base/sigwake.h"
#include "run/retry_internal.h"

static void
new_entry(struct retry *r, json_object *rec)
{
	struct entry *e = ecalloc(1, sizeof *e), *was;

	e->id = rec_id(rec, &r->in);
	e->attempt = e->first = rec_attempt(rec);
	rt_entry_line(r, e, json_ref(rec));
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

/* A bad line or a failed read: a record of its own, its request null
 * (there is none to give), read in the run or after --max-time. */
static void
bad_line(struct retry *r, enum rec_status st, const char *err)
{
	struct llm_error le;
	char *id = rec_id(NULL, &r->in);
	json_object *rec;

	llm_error_set(&le, st == REC_BAD ? "bad_input" : "io", 0, "%s", err);
	rec = rec_error(id, &le, 1, NULL, NULL);
	rt_out_record(r, rec, NULL, 0, 0);
	json_object_put(rec);
	free(id);
}

void
rt_take_input(struct retry *r)
{
	char err[ERRLEN];

	while (!r->in_eof && !r->stop && r->inflight < r->o.window) {
		json_object *rec;
		enum rec_status st = rec_next(&r->in, &rec, err, sizeof err);

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
		bad_line(r, st, err);
		if (st == REC_IOERR) {
			rt_note(r, "%s", err);	/* not only in the record */
			r->in_eof = 1;
		}
	}
}

/* ---- the end of a run out of time, or interrupted ---- */

/* e, and the records held behind it, given their last record: one that
 * waited for another attempt its last error (the attempt was not made),
 * the others an error of kind, retryable or not: unsent (held behind e)
 * for those held, and unanswered (with the command's name for %s) for
 * e. */
static void
fail_left(struct retry *r, struct entry *e, const char *kind, int retryable, const char *unsent,
          const char *unanswered)
{
	struct entry *d, *next;

	for (d = e->dups; d; d = next) {
		next = d->next;
		rt_fail_msg(r, d, kind, retryable, unsent);
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
		/* its failure was retryable: so is this, for a later run */
		rt_fail(r, e, kind, 1, "%s before its retry, after: %s", kind,
		        e->why ? e->why : "a retryable error");
		return;
	}
	rt_fail(r, e, kind, retryable, unanswered, r->o.argv[0]);
}

/* Every record read and not answered given its last record. */
static void
fail_all_left(struct retry *r, const char *kind, int retryable, const char *unsent,
              const char *unanswered)
{
	struct entry **v;
	size_t n, i;

	v = rt_entries(r, &n, 0);
	for (i = 0; i < n; i++)
		fail_left(r, v[i], kind, retryable, unsent, unanswered);
	free(v);
}

void
rt_interrupted(struct retry *r)
{
	/* what the command answered (its own "cancelled" among them) is out
	 * already; the rest are cancelled here, so every record read gives
	 * one.  What was not read stays unread: reading on could wait
	 * forever on a terminal or a pipe. */
	fail_all_left(r, "cancelled", 0, "not sent: interrupted", "interrupted before %s answered");
}

void
rt_out_of_time(struct retry *r)
{
	char err[ERRLEN];

	fail_all_left(r, "timeout", 1, "not sent: --max-time passed",
	              "--max-time passed before %s answered");
	/* what was not read yet is not sent, each an error record of its own */
	if (r->in_flags >= 0)
		fcntl(r->o.in_fd, F_SETFL, r->in_flags & ~O_NONBLOCK);
	while (!r->in_eof) {
		json_object *rec;
		enum rec_status st = rec_next(&r->in, &rec, err, sizeof err);
		struct entry *e;

		/* blocking now, a REC_AGAIN is an overlong line half skipped */
		if (st == REC_AGAIN && !sigwake_signo())
			continue;
		if (st == REC_EOF || st == REC_IOERR || st == REC_AGAIN)
			break;
		if (st != REC_OK) {
			bad_line(r, st, err);
			continue;
		}
		e = ecalloc(1, sizeof *e);
		e->id = rec_id(rec, &r->in);
		e->attempt = rec_attempt(rec);
		rt_entry_line(r, e, rec);
		rt_fail_msg(r, e, "timeout", 1, "not sent: --max-time passed");
		rt_entry_free(e);
	}
}
