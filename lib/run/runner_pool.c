/* Scenarios played jobs at a time (runner.h, runner_pool_*): each one in
 * a process of its own, forked, with a runner of its own, which writes
 * its trace on a pipe and ends.  The traces are handed on in the order
 * the scenarios were added; at most jobs of them, running or waiting for
 * their turn, are held, so memory is bounded by jobs and not by the
 * scenarios.  With jobs 1 nothing is forked: the scenario is played here,
 * on one long-running chat command. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/runner_internal.h"

struct slot {
	pid_t pid;		/* 0: not running */
	int fd;			/* the worker's trace; -1 when read to its end */
	struct buf text;	/* the trace's text so far */
	json_object *trace;	/* owned; set once done */
	char *source;		/* for the trace of a worker that died */
};

struct runner_pool {
	struct runner_opts o;
	struct runner *r;	/* jobs 1: the runner of this process */
	struct slot *ring;	/* jobs slots, oldest at head */
	int jobs, head, n;
	void (*done)(void *arg, json_object *trace);
	void *arg;
	double cost, tokens;	/* the finished scenarios' */
};

struct runner_pool *
runner_pool_new(const struct runner_opts *o, int jobs,
                void (*done)(void *arg, json_object *trace), void *arg)
{
	struct runner_pool *p = ecalloc(1, sizeof *p);

	p->o = *o;
	p->jobs = jobs < 1 ? 1 : jobs;
	p->ring = ecalloc((size_t)p->jobs, sizeof *p->ring);
	p->done = done;
	p->arg = arg;
	if (p->jobs == 1)
		p->r = runner_new(o);
	return p;
}

/* The worker's trace taken in: its text, or an error trace when it died
 * before writing one. */
static void
worker_end(struct slot *w)
{
	char err[ERRLEN];
	int status = 0;

	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	close(w->fd);
	w->fd = -1;
	if (!(w->trace = json_parse(w->text.data ? w->text.data : "", w->text.len, err,
	                            sizeof err)))
		w->trace = runner_bad_trace(w->source, "io",
		                            WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
		                            "the process playing it died");
	buf_free(&w->text);
}

/* Read what the workers wrote; block until one of them has ended when
 * wait is set. */
static void
pool_poll(struct runner_pool *p, int wait)
{
	struct pollfd *pf = ecalloc((size_t)p->jobs, sizeof *pf);
	int i, k, n = 0;

	for (i = 0; i < p->n; i++) {
		struct slot *w = &p->ring[(p->head + i) % p->jobs];

		if (w->fd >= 0) {
			pf[n].fd = w->fd;
			pf[n++].events = POLLIN;
		}
	}
	if (n && poll(pf, (nfds_t)n, wait ? -1 : 0) > 0) {
		for (i = 0, k = 0; i < p->n; i++) {
			struct slot *w = &p->ring[(p->head + i) % p->jobs];
			char chunk[65536];
			ssize_t got;

			if (w->fd < 0 || !pf[k++].revents)
				continue;
			while ((got = read(w->fd, chunk, sizeof chunk)) > 0)
				buf_add(&w->text, chunk, (size_t)got);
			if (got == 0 || (errno != EAGAIN && errno != EINTR))
				worker_end(w);
		}
	}
	free(pf);
}

/* Hand on the traces at the head that are done, in order. */
static void
pool_emit(struct runner_pool *p)
{
	while (p->n > 0 && p->ring[p->head].trace) {
		struct slot *w = &p->ring[p->head];
		json_object *us = json_get(w->trace, "usage");

		p->cost += json_object_get_double(json_get(w->trace, "cost_usd"));
		p->tokens += (double)json_object_get_int64(json_get(us, "total_tokens"));
		p->done(p->arg, w->trace);
		json_object_put(w->trace);
		free(w->source);
		memset(w, 0, sizeof *w);
		p->head = (p->head + 1) % p->jobs;
		p->n--;
	}
}

/* A slot at the tail, after waiting for the head when all are taken. */
static struct slot *
pool_slot(struct runner_pool *p)
{
	struct slot *w;

	pool_emit(p);
	while (p->n == p->jobs) {
		pool_poll(p, 1);
		pool_emit(p);
	}
	w = &p->ring[(p->head + p->n++) % p->jobs];
	memset(w, 0, sizeof *w);
	w->fd = -1;
	return w;
}

/* In the worker: play s, write its trace to fd, end. */
_Noreturn static void
worker(const struct runner_opts *o, const struct scenario *s, int fd)
{
	struct runner *r = runner_new(o);
	json_object *t = runner_run(r, s);
	struct buf line = {0};

	json_line(t, &line);
	runner_free(r);
	_exit(write_all(fd, line.data, line.len) < 0 ? 1 : 0);
}

/* Has the run spent its budget?  Then why, in msg. */
static int
over_budget(struct runner_pool *p, char *msg, size_t msglen)
{
	if (p->o.max_cost >= 0 && p->cost >= p->o.max_cost)
		snprintf(msg, msglen, "not played: the scenarios before it spent %.6f USD, "
		         "--max-cost %g", p->cost, p->o.max_cost);
	else if (p->o.max_total_tokens >= 0 && p->tokens >= p->o.max_total_tokens)
		snprintf(msg, msglen, "not played: the scenarios before it used %.0f tokens, "
		         "--max-total-tokens %.0f", p->tokens, p->o.max_total_tokens);
	else
		return 0;
	return 1;
}

void
runner_pool_add(struct runner_pool *p, const struct scenario *s)
{
	struct slot *w = pool_slot(p);
	char msg[ERRLEN];
	int fds[2];

	if (over_budget(p, msg, sizeof msg)) {
		w->trace = runner_bad_trace(s->source, "budget", msg);
		pool_emit(p);
		return;
	}

	if (p->r) {
		w->trace = runner_run(p->r, s);
		pool_emit(p);
		return;
	}
	w->source = estrdup(s->source);
	fds[0] = fds[1] = -1;
	if (pipe2(fds, O_CLOEXEC) < 0 || (w->pid = fork()) < 0) {
		snprintf(msg, sizeof msg, "cannot start a process to play it: %s", strerror(errno));
		w->pid = 0;
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		w->trace = runner_bad_trace(s->source, "io", msg);
		return;
	}
	if (w->pid == 0) {
		close(fds[0]);
		worker(&p->o, s, fds[1]);
	}
	close(fds[1]);
	w->fd = fds[0];
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	pool_poll(p, 0);
	pool_emit(p);
}

void
runner_pool_add_trace(struct runner_pool *p, json_object *trace)
{
	pool_slot(p)->trace = trace;
	pool_emit(p);
}

void
runner_pool_free(struct runner_pool *p)
{
	if (!p)
		return;
	pool_emit(p);
	while (p->n > 0) {
		pool_poll(p, 1);
		pool_emit(p);
	}
	runner_free(p->r);
	free(p->ring);
	free(p);
}
