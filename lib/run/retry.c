/* llm-retry's loop (retry.h): events waited for, timers fired, the
 * stop; and its setup and end.  The top of the retry_*.c files. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "run/retry_internal.h"
#include "base/sigwake.h"

#define PROGRESS_MS 250

/* ---- the loop ---- */

static void
fire_timers(struct retry *r)
{
	double now = now_ms_f();

	while (!r->stop && r->nheap > 0 && r->heap[0]->due <= now) {
		struct entry *e = rt_heap_pop(r);

		json_object_put(e->last);
		e->last = NULL;
		rt_send(r, e);
	}
}


static void
begin_stop(struct retry *r, int why, int sig)
{
	r->stop = why;
	r->stop_by = now_ms_f() + STOP_GRACE_MS;
	child_signal(&r->ch, sig);
	child_close_in(&r->ch);
}

static int
poll_timeout(struct retry *r)
{
	double now = now_ms_f(), t = -1;

	if (r->more)
		return 0;
	if (r->stop)
		t = r->stop_by;
	else {
		if (r->nheap > 0)
			t = r->heap[0]->due;
		if (r->o.max_time_ms && (t < 0 || r->deadline < t))
			t = r->deadline;
	}
	/* a progress line is brought up to date at least this often */
	if (r->o.progress && (t < 0 || t > now + PROGRESS_MS))
		t = now + PROGRESS_MS;
	if (t < 0)
		return -1;
	return t <= now ? 0 : poll_ms(t - now);
}

/* Is the run over? */
static int
over(struct retry *r)
{
	if (r->stop)
		return !r->running;
	if (r->in_eof && r->inflight == 0) {
		/* all answered: its input ends, and then its output */
		child_close_in(&r->ch);
		return !r->running;
	}
	return 0;
}

static void
wait_events(struct retry *r)
{
	struct pollfd pf[4];
	int n = 0, cin = -1, cout = -1;

	pf[n].fd = sigwake_fd();
	pf[n++].events = POLLIN;
	if (r->running && r->ch.out >= 0) {
		cout = n;
		pf[n].fd = r->ch.out;
		pf[n++].events = POLLIN;
	}
	if (r->running && r->ch.in >= 0 && r->tochild_off < r->tochild.len) {
		cin = n;
		pf[n].fd = r->ch.in;
		pf[n++].events = POLLOUT;
	}
	if (!r->in_eof && !r->stop && r->inflight < r->o.window) {
		pf[n].fd = r->o.in_fd;
		pf[n++].events = POLLIN;
	}
	if (poll(pf, (nfds_t)n, poll_timeout(r)) < 0)
		return;
	if (pf[0].revents)
		sigwake_drain();
	if (cin >= 0 && pf[cin].revents)
		rt_write_child(r);
	if ((cout >= 0 && pf[cout].revents) || r->more)
		rt_read_child(r);
}

int
retry_run(struct retry *r)
{
	for (;;) {
		rt_take_input(r);
		fire_timers(r);
		if (r->running && r->ch.in >= 0 && r->tochild_off < r->tochild.len)
			rt_write_child(r);
		if (r->o.progress && r->out.buf.len)
			r->o.progress(r->o.arg, NULL);
		if (lineout_flush(&r->out) < 0)
			break;
		if (r->o.progress)
			r->o.progress(r->o.arg, &r->st);
		if (sigwake_signo() && r->stop != INTERRUPTED)
			begin_stop(r, INTERRUPTED, sigwake_signo());
		else if (!r->stop && r->o.max_time_ms && now_ms_f() >= r->deadline)
			begin_stop(r, OUT_OF_TIME, SIGTERM);
		if (r->stop && now_ms_f() >= r->stop_by && r->running) {
			child_signal(&r->ch, SIGKILL);
			r->stop_by = now_ms_f() + STOP_GRACE_MS;
		}
		if (over(r))
			break;
		wait_events(r);
	}
	if (!r->out.err && r->stop == OUT_OF_TIME)
		rt_out_of_time(r);
	else if (!r->out.err && r->stop == INTERRUPTED)
		rt_interrupted(r);
	if (r->o.progress && r->out.buf.len)
		r->o.progress(r->o.arg, NULL);
	if (lineout_flush(&r->out) < 0) {
		child_signal(&r->ch, SIGTERM);
		child_end(&r->ch, END_GRACE_MS);
		r->running = 0;
		errno = r->out.err;
		return -1;
	}
	return r->stop == INTERRUPTED ? 1 : 0;
}

/* ---- setup ---- */

struct retry *
retry_new(const struct retry_opts *o, char *err, size_t errlen)
{
	struct retry *r = ecalloc(1, sizeof *r);

	r->o = *o;
	lineout_init(&r->out, o->out_fd, 0);
	if (r->o.window < 1)
		r->o.window = 1;
	snprintf(r->cname, sizeof r->cname, "%s stdout", o->argv[0]);
	if (rt_ensure_child(r, err, errlen) < 0) {
		rec_reader_free(&r->cout);
		free(r);
		return NULL;
	}
	sigwake_init();
	/* the command's answers are never held up by a slow producer; the
	 * flags are put back at the end */
	r->in_flags = fd_nonblock_pipe(o->in_fd);
	rec_reader_init(&r->in, o->in_fd, "stdin", 0);
	r->in.polled = 1;	/* the loop polls it, and its signals between reads */
	r->deadline = now_ms_f() + o->max_time_ms;
	budget_init(&r->budget, o->max_cost, o->max_total_tokens);
	/* a configuration that cannot be read only leaves models unrouted:
	 * the command says what is wrong with it */
	if (budget_on(&r->budget)) {
		char why[ERRLEN];

		r->have_cfg = config_load(&r->cfg, NULL, NULL, why, sizeof why) == 0;
	}
	srand48((long)getpid() ^ (long)time(NULL));
	return r;
}

const struct retry_stats *
retry_stats(const struct retry *r)
{
	return &r->st;
}

void
retry_free(struct retry *r)
{
	size_t i;

	if (!r)
		return;
	child_end(&r->ch, r->stop ? 0 : END_GRACE_MS);
	for (i = 0; i < r->map.cap; i++) {
		struct entry *e = r->map.slot[i].val, *d, *next;

		if (!e)
			continue;
		for (d = e->dups; d; d = next) {
			next = d->next;
			rt_entry_free(d);
		}
		rt_entry_free(e);
	}
	if (r->in_flags >= 0)
		fcntl(r->o.in_fd, F_SETFL, r->in_flags);
	ptrmap_free(&r->map);
	free(r->heap);
	rec_reader_free(&r->in);
	rec_reader_free(&r->cout);
	buf_free(&r->tochild);
	lineout_free(&r->out);
	buf_free(&r->line);
	if (r->have_cfg)
		config_free(&r->cfg);
	free(r);
}
