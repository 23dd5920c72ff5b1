/* llm-retry's command: started (again), sent records, its pipe
 * written, its end; and the ends of an entry that let the next one with
 * its id go (rt_fail, rt_finish) or make it wait (rt_schedule).  It calls
 * retry_entry.c only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/retry_internal.h"

int
rt_ensure_child(struct retry *r, char *err, size_t errlen)
{
	if (r->running)
		return 0;
	if (child_spawn(&r->ch, r->o.argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, errlen) < 0)
		return -1;
	rec_reader_free(&r->cout);
	rec_reader_init(&r->cout, r->ch.out, r->cname, 0);
	buf_reset(&r->tochild);
	r->tochild_off = 0;
	r->running = 1;
	if (r->started++)
		r->st.restarts++;
	return 0;
}

/* Hold what e may spend before it goes to the command (its endpoint as
 * the configuration routes its model, for the price); -1 when it could
 * pass the budget: e is failed, kind budget. */
static int
hold(struct retry *r, struct entry *e)
{
	char why[ERRLEN], *url = config_model_url(r->have_cfg ? &r->cfg : NULL, e->model, 0);
	int was_spent = r->budget.spent, rc;

	rc = budget_hold(&r->budget, &e->hold, e->model, url, (double)e->len, e->max_tokens, why,
	                 sizeof why);
	free(url);
	if (rc < 0) {
		if (!was_spent && r->budget.spent)
			rt_note(r, "budget: %s; the records left get budget errors", why);
		rt_fail(r, e, "budget", 0, "%s", why);
		return -1;
	}
	return 0;
}

void
rt_send(struct retry *r, struct entry *e)
{
	char err[ERRLEN];

	if (r->stop) {
		/* stopping: the entry waits here to be failed or dropped */
		e->state = SENT;
		return;
	}
	if (budget_on(&r->budget) && !e->hold.held && hold(r, e) < 0)
		return;
	if (rt_ensure_child(r, err, sizeof err) < 0) {
		rt_fail(r, e, "io", 1, "cannot start the command: %s", err);
		return;
	}
	e->state = SENT;
	buf_add(&r->tochild, e->line, e->len - 1);
	buf_addf(&r->tochild, ",\"attempt\":%d}\n", rt_attempt(e));
}

/* Send e again after delay_ms: one attempt more. */
void
rt_schedule(struct retry *r, struct entry *e, double delay_ms, const char *why)
{
	e->attempt++;
	e->state = WAITING;
	e->due = now_ms_f() + delay_ms;
	free(e->why);
	e->why = estrndup(why, strnlen(why, 200));
	rt_heap_push(r, e);
	r->st.retries++;
	if (r->o.verbose)
		rt_note(r, "%s: attempt %d in %.3f s: %s", e->id, rt_attempt(e), delay_ms / 1000, why);
}

/* Its output has ended: reap it, and send what it had not answered to
 * the next one, one attempt more, or fail it when out of retries. */
void
rt_child_gone(struct retry *r)
{
	char how[256];
	struct entry **v;
	size_t n, i;
	int code;

	child_end(&r->ch, END_GRACE_MS);
	r->running = 0;
	/* kept: failing an entry can start the next command already */
	code = child_exit_code(r->ch.status);
	snprintf(how, sizeof how, "%s ", r->o.argv[0]);
	child_status_text(r->ch.status, how + strlen(how), sizeof how - strlen(how));
	if (r->stop)
		return;
	if (code == EXIT_USAGE && r->st.records == 0)
		r->st.usage_exit = 1;
	v = rt_entries(r, &n, 1);
	if (n > 0)
		rt_note(r, "%s with %zu record%s unanswered", how, n,
		     n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		struct entry *e = v[i];
		int done = e->attempt - e->first;

		/* 2 is a usage error (DESIGN.md): it would fail again */
		if (code == EXIT_USAGE)
			rt_fail(r, e, "io", 0, "%s before answering", how);
		else if (done >= r->o.pol.max_retries)
			rt_fail(r, e, "io", 1, "%s before answering", how);
		else
			rt_schedule(r, e, backoff_delay(&r->o.pol, done + 1, drand48()), how);
	}
	free(v);
}

/* Write what waits for the command, as far as its pipe takes it. */
void
rt_write_child(struct retry *r)
{
	while (r->tochild_off < r->tochild.len) {
		ssize_t k = write(r->ch.in, r->tochild.data + r->tochild_off,
		                  r->tochild.len - r->tochild_off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				/* it closed its input: what it was sent is
				 * answered or re-sent when its output ends */
				child_close_in(&r->ch);
				buf_reset(&r->tochild);
				r->tochild_off = 0;
			}
			break;
		}
		r->tochild_off += (size_t)k;
	}
	if (r->tochild_off == r->tochild.len) {
		buf_reset(&r->tochild);
		r->tochild_off = 0;
	} else if (r->tochild_off > r->tochild.len / 2) {
		/* a pipe that never empties: what was written goes, or the
		 * buffer would grow with every record sent */
		r->tochild.len -= r->tochild_off;
		memmove(r->tochild.data, r->tochild.data + r->tochild_off, r->tochild.len);
		r->tochild.data[r->tochild.len] = '\0';
		r->tochild_off = 0;
	}
}

/* e is done: the next record with its id, if one was held back, is
 * sent. */
static void
done(struct retry *r, struct entry *e)
{
	struct entry *d = rt_retire(r, e);

	if (d)
		rt_send(r, d);
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
	done(r, e);
}

/* The final record of e: written as the command wrote it when its attempt
 * is right, else with the attempt set. */
void
rt_finish(struct retry *r, struct entry *e, json_object *rec, const char *raw, size_t n,
          int ok)
{
	json_object *a = json_get(rec, "attempt");

	if (!raw || !json_object_is_type(a, json_type_int) ||
	    json_object_get_int(a) != rt_attempt(e)) {
		json_set(rec, "attempt", json_object_new_int(rt_attempt(e)));
		raw = NULL;
	}
	rt_out_record(r, rec, raw, n, ok);
	done(r, e);
}
