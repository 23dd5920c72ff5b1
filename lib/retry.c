#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "records.h"
#include "retry.h"
#include "sigwake.h"
#include "strmap.h"

#define END_GRACE_MS 2000	/* a command that ended its output, to exit */
#define STOP_GRACE_MS 5000	/* a command told to stop, to finish up */
#define ROUND_MAX 1024		/* its records read in one round of the loop */

enum { SENT, WAITING, DEFERRED };
enum { RUNNING, INTERRUPTED, OUT_OF_TIME };

struct entry {
	char *id;
	char *line;		/* the record to send, without "attempt" */
	size_t len;
	int attempt;		/* of the send under way or to come */
	int first;		/* attempt of the first send in this run */
	int state;
	double due;		/* WAITING: when to send */
	json_object *last;	/* WAITING: the error record that made it wait */
	struct entry *dups, *dups_tail;	/* same id, read while this is in flight */
	struct entry *next;
};

struct retry {
	struct retry_opts o;
	struct child ch;
	int running;		/* started, its output not at its end */
	char cname[128];	/* "CMD stdout", for messages */
	struct rec_reader in, cout;
	int in_eof, in_flags;
	long inflight;		/* entries, duplicates included */
	struct strmap map;	/* id -> entry */
	struct entry **heap;	/* WAITING entries by due */
	size_t nheap, heapcap;
	struct buf tochild;	/* records not yet written to the command */
	size_t tochild_off;
	struct buf out, line;
	int stop;		/* RUNNING, or why it stops */
	double deadline, stop_by;
	int more;		/* its output may hold records already read */
	int werr;		/* errno of a failed write on out_fd */
	int started;		/* the command was started once */
	struct retry_stats st;
};

static void
note(struct retry *r, const char *fmt, ...)
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

static void
heap_push(struct retry *r, struct entry *e)
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

static struct entry *
heap_pop(struct retry *r)
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

/* Records go out as whole lines, batched up to PIPE_BUF a write (one
 * longer record alone), so writers sharing a pipe never interleave. */
static int
flush_out(struct retry *r)
{
	if (r->out.len == 0 || r->werr)
		return r->werr ? -1 : 0;
	if (write_all(r->o.out_fd, r->out.data, r->out.len) < 0) {
		r->werr = errno;
		return -1;
	}
	buf_reset(&r->out);
	return 0;
}

static void
out_line(struct retry *r, const char *s, size_t n)
{
	if (r->out.len > 0 && r->out.len + n + 1 > PIPE_BUF)
		(void)flush_out(r);
	buf_add(&r->out, s, n);
	buf_add(&r->out, "\n", 1);
}

static void
out_record(struct retry *r, json_object *rec, int ok)
{
	json_line(rec, &r->line);
	out_line(r, r->line.data, r->line.len);
	r->st.records++;
	if (ok)
		r->st.ok++;
	else
		r->st.failed++;
}

/* ---- entries ---- */

static void
entry_free(struct entry *e)
{
	free(e->id);
	free(e->line);
	json_object_put(e->last);
	free(e);
}

/* An error record for e made here, with its meta and request. */
static void
fail_entry_msg(struct retry *r, struct entry *e, const char *kind, int retryable,
               const char *msg)
{
	struct llm_error le;
	json_object *rec = json_parse(e->line, e->len, NULL, 0), *res, *req;

	llm_error_set(&le, kind, retryable, "%s", msg);
	req = json_get(rec, "request") ? json_get(rec, "request") : rec;
	res = rec_error(e->id, &le, e->attempt, json_get(rec, "meta"), req);
	out_record(r, res, 0);
	json_object_put(res);
	json_object_put(rec);
}

static void send_entry(struct retry *r, struct entry *e);

/* e is done: it leaves the map, and the next record with its id, if one
 * was held back, is sent. */
static void
retire(struct retry *r, struct entry *e)
{
	struct entry *d = e->dups, *tail = e->dups_tail;

	strmap_del(&r->map, e->id);
	r->inflight--;
	entry_free(e);
	if (d) {
		d->dups = d->next;
		d->dups_tail = d->next ? tail : NULL;
		d->next = NULL;
		strmap_put(&r->map, d->id, d);
		send_entry(r, d);
	}
}

static void
fail_entry(struct retry *r, struct entry *e, const char *kind, int retryable,
           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
fail_entry(struct retry *r, struct entry *e, const char *kind, int retryable,
           const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail_entry_msg(r, e, kind, retryable, msg);
	retire(r, e);
}

/* ---- the command ---- */

static int
ensure_child(struct retry *r, char *err, size_t errlen)
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

static void
send_entry(struct retry *r, struct entry *e)
{
	char err[ERRLEN];

	if (r->stop) {
		/* stopping: the entry waits here to be failed or dropped */
		e->state = SENT;
		return;
	}
	if (ensure_child(r, err, sizeof err) < 0) {
		fail_entry(r, e, "io", 1, "cannot start the command: %s", err);
		return;
	}
	e->state = SENT;
	buf_add(&r->tochild, e->line, e->len - 1);
	buf_addf(&r->tochild, ",\"attempt\":%d}\n", e->attempt);
}

/* Send e again after delay_ms: one attempt more. */
static void
schedule(struct retry *r, struct entry *e, double delay_ms, const char *why)
{
	e->attempt++;
	e->state = WAITING;
	e->due = now_ms_f() + delay_ms;
	heap_push(r, e);
	r->st.retries++;
	if (r->o.verbose)
		note(r, "%s: attempt %d in %.3f s: %s", e->id, e->attempt, delay_ms / 1000, why);
}

static void
fire_timers(struct retry *r)
{
	double now = now_ms_f();

	while (!r->stop && r->nheap > 0 && r->heap[0]->due <= now) {
		struct entry *e = heap_pop(r);

		json_object_put(e->last);
		e->last = NULL;
		send_entry(r, e);
	}
}

/* The entries in the map (only those SENT with sent_only), listed so
 * that they can be retired one by one. */
static struct entry **
entries(struct retry *r, size_t *n, int sent_only)
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

/* Its output has ended: reap it, and send what it had not answered to
 * the next one, one attempt more, or fail it when out of retries. */
static void
child_gone(struct retry *r)
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
	v = entries(r, &n, 1);
	if (n > 0)
		note(r, "%s with %zu record%s unanswered", how, n,
		     n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		struct entry *e = v[i];
		int done = e->attempt - e->first;

		/* 2 is a usage error (DESIGN.md): it would fail again */
		if (code == EXIT_USAGE)
			fail_entry(r, e, "io", 0, "%s before answering", how);
		else if (done >= r->o.pol.max_retries)
			fail_entry(r, e, "io", 1, "%s before answering", how);
		else
			schedule(r, e, backoff_delay(&r->o.pol, done + 1, drand48()), how);
	}
	free(v);
}

/* Write what waits for the command, as far as its pipe takes it. */
static void
write_child(struct retry *r)
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

/* ---- the command's answers ---- */

/* The final record of e: written as the command wrote it when its attempt
 * is right, else with the attempt set. */
static void
finish(struct retry *r, struct entry *e, json_object *rec, const char *raw, size_t n, int ok)
{
	json_object *a = json_get(rec, "attempt");

	if (raw && json_object_is_type(a, json_type_int) && json_object_get_int(a) == e->attempt) {
		out_line(r, raw, n);
		r->st.records++;
		if (ok)
			r->st.ok++;
		else
			r->st.failed++;
	} else {
		json_set(rec, "attempt", json_object_new_int(e->attempt));
		out_record(r, rec, ok);
	}
	retire(r, e);
}

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
	         "the limit resets at %s)", msg ? msg : "", (ms + 999) / 1000,
	         r->o.pol.max_retry_after_ms / 1000,
	         retry_reset_time(time(NULL), ms, when, sizeof when));
	json_set(err, "message", json_object_new_string(b.data));
	buf_free(&b);
	finish(r, e, rec, NULL, 0, 0);
}

static void
answer_error(struct retry *r, struct entry *e, json_object *rec, const char *raw, size_t n)
{
	json_object *err = json_get(rec, "error");
	double delay;
	const char *msg;

	if (r->stop) {
		finish(r, e, rec, raw, n, 0);
		return;
	}
	switch (retry_decide(&r->o.pol, err, e->attempt - e->first, drand48(), &delay)) {
	case RETRY_TOO_LONG:
		too_long(r, e, rec);
		return;
	case RETRY_AGAIN:
		if (!r->o.max_time_ms || now_ms_f() + delay < r->deadline)
			break;
		if (r->o.verbose)
			note(r, "%s: not retried: --max-time would pass first", e->id);
		/* FALLTHROUGH */
	case RETRY_FINAL:
	case RETRY_EXHAUSTED:
		finish(r, e, rec, raw, n, 0);
		return;
	}
	msg = json_get_str(err, "message");
	e->last = json_ref(rec);
	schedule(r, e, delay, msg ? msg : "retryable error");
}

/* One record from the command. */
static void
answer(struct retry *r, json_object *rec, const char *raw, size_t n)
{
	json_object *idv = json_get(rec, "id"), *a = json_get(rec, "attempt");
	const char *st = json_get_str(rec, "status");
	const char *id = idv ? json_object_get_string(idv) : NULL;
	struct entry *e = id ? strmap_get(&r->map, id) : NULL;

	if (!id || (!st && !json_get(rec, "event")) ||
	    (st && strcmp(st, "ok") != 0 && strcmp(st, "error") != 0)) {
		note(r, "%s:%ld: not a result record: dropped", r->cname, r->cout.lineno);
		r->st.garbage++;
		return;
	}
	/* an answer names the attempt it answers when it carries one, so a
	 * late second answer is not taken for the retry's */
	if (!e || e->state != SENT || (json_object_is_type(a, json_type_int) &&
	                               json_object_get_int(a) != e->attempt)) {
		if (json_object_is_type(a, json_type_int))
			note(r, "%s:%ld: id %s attempt %d is not awaited (answered twice?): dropped",
			     r->cname, r->cout.lineno, id, json_object_get_int(a));
		else
			note(r, "%s:%ld: id %s is not awaited (answered twice?): dropped", r->cname,
			     r->cout.lineno, id);
		r->st.dropped++;
		return;
	}
	if (!st)	/* a stream event of an attempt under way */
		out_line(r, raw, n);
	else if (strcmp(st, "ok") == 0)
		finish(r, e, rec, raw, n, 1);
	else
		answer_error(r, e, rec, raw, n);
}

static void
read_child(struct retry *r)
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
			note(r, "%s: dropped", err);
			r->st.garbage++;
		} else {
			if (st == REC_IOERR)
				note(r, "%s", err);
			child_gone(r);
		}
	}
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
	if ((was = strmap_get(&r->map, e->id))) {
		/* the same id in flight: this one waits its turn */
		e->state = DEFERRED;
		if (was->dups_tail)
			was->dups_tail->next = e;
		else
			was->dups = e;
		was->dups_tail = e;
		return;
	}
	strmap_put(&r->map, e->id, e);
	send_entry(r, e);
}

static void
take_input(struct retry *r)
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
		out_record(r, rec, 0);
		json_object_put(rec);
		free(id);
		if (st == REC_IOERR)
			r->in_eof = 1;
	}
}

/* ---- the end of a run out of time ---- */

static void
fail_left(struct retry *r, struct entry *e)
{
	struct entry *d, *next;

	for (d = e->dups; d; d = next) {
		next = d->next;
		fail_entry_msg(r, d, "timeout", 1, "not sent: --max-time passed");
		entry_free(d);
	}
	e->dups = NULL;
	if (e->state == WAITING) {
		e->attempt--;	/* the attempt it waited to make was not made */
		if (e->last) {
			json_object *last = json_ref(e->last);

			finish(r, e, last, NULL, 0, 0);
			json_object_put(last);
			return;
		}
	}
	fail_entry(r, e, "timeout", 1, "--max-time passed before %s answered", r->o.argv[0]);
}

static void
out_of_time(struct retry *r)
{
	char err[ERRLEN];
	struct entry **v;
	size_t n, i;

	v = entries(r, &n, 0);
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
			fail_entry_msg(r, e, "timeout", 1, "not sent: --max-time passed");
		} else {
			e->id = rec_id(NULL, &r->in);
			e->attempt = 1;
			e->line = estrdup("{}");
			e->len = 2;
			fail_entry_msg(r, e, "bad_input", 0, err);
		}
		entry_free(e);
	}
}

/* ---- the loop ---- */

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
	if (t < 0)
		return -1;
	return t <= now ? 0 : (int)(t - now) + 1;
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
		write_child(r);
	if ((cout >= 0 && pf[cout].revents) || r->more)
		read_child(r);
}

int
retry_run(struct retry *r)
{
	for (;;) {
		take_input(r);
		fire_timers(r);
		if (r->running && r->ch.in >= 0 && r->tochild_off < r->tochild.len)
			write_child(r);
		if (flush_out(r) < 0)
			break;
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
	if (!r->werr && r->stop == OUT_OF_TIME)
		out_of_time(r);
	if (flush_out(r) < 0) {
		child_signal(&r->ch, SIGTERM);
		child_end(&r->ch, END_GRACE_MS);
		r->running = 0;
		errno = r->werr;
		return -1;
	}
	return r->stop == INTERRUPTED ? 1 : 0;
}

/* ---- setup ---- */

struct retry *
retry_new(const struct retry_opts *o, char *err, size_t errlen)
{
	struct retry *r = ecalloc(1, sizeof *r);
	struct stat sb;

	r->o = *o;
	if (r->o.window < 1)
		r->o.window = 1;
	snprintf(r->cname, sizeof r->cname, "%s stdout", o->argv[0]);
	if (ensure_child(r, err, errlen) < 0) {
		rec_reader_free(&r->cout);
		free(r);
		return NULL;
	}
	sigwake_init();
	/* a piped input is read without blocking, so a slow producer never
	 * holds up the command's answers; the flag is put back at the end */
	r->in_flags = fcntl(o->in_fd, F_GETFL);
	if (fstat(o->in_fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) &&
	    r->in_flags >= 0 && !(r->in_flags & O_NONBLOCK))
		fcntl(o->in_fd, F_SETFL, r->in_flags | O_NONBLOCK);
	rec_reader_init(&r->in, o->in_fd, "stdin", 0);
	r->deadline = now_ms_f() + o->max_time_ms;
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
			entry_free(d);
		}
		entry_free(e);
	}
	if (r->in_flags >= 0)
		fcntl(r->o.in_fd, F_SETFL, r->in_flags);
	strmap_free(&r->map);
	free(r->heap);
	rec_reader_free(&r->in);
	rec_reader_free(&r->cout);
	buf_free(&r->tochild);
	buf_free(&r->out);
	buf_free(&r->line);
	free(r);
}
