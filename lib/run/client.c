#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "json/schema.h"
#include "run/cache.h"
#include "run/result.h"
#include "run/client_internal.h"
#include "run/xfer_error.h"
#include "text/redact.h"
#include "base/sigwake.h"

struct source {
	struct rec_reader *r;	/* records from a descriptor, or */
	json_object *one;	/* a single record */
	int eof;
};

/* Descriptors kept free beside one connection a slot: curl's own, the
 * resolver's, the engine's and the interrupt's, cache files, a connection
 * opened while a dead one is not yet closed. */
#define FD_ROOM 16

/* The concurrency that fits the descriptors this process may open: one
 * connection a slot, those open now, and FD_ROOM.  The soft limit is
 * raised towards the hard one first; past both, -j is lowered, and said
 * in msg ("" when it fits), since transfers short of a descriptor would
 * fail as connection errors. */
static int
fit_jobs(int jobs, char *msg, size_t msglen)
{
	struct rlimit rl;
	rlim_t open_now = 0, want;
	int fd, fit;

	msg[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)jobs + FD_ROOM + 1024)
		return jobs;	/* plenty: not worth counting */
	for (fd = 0; (rlim_t)fd < rl.rlim_cur; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			open_now++;
	want = open_now + FD_ROOM + (rlim_t)jobs;
	if (want <= rl.rlim_cur)
		return jobs;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > rl.rlim_cur) {
		struct rlimit up = rl;

		up.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl.rlim_cur = up.rlim_cur;
		if (want <= rl.rlim_cur)
			return jobs;
	}
	fit = rl.rlim_cur > open_now + FD_ROOM + 1 ? (int)(rl.rlim_cur - open_now - FD_ROOM) : 1;
	snprintf(msg, msglen, "-j %d is more than %llu open files allow (ulimit -n): running -j %d",
	         jobs, (unsigned long long)rl.rlim_cur, fit);
	return fit;
}

struct client *
client_new(const struct client_opts *o, struct config *cfg, const struct client_io *io,
           char *err, size_t errlen)
{
	struct client *c = ecalloc(1, sizeof *c);
	double now = now_ms_f();
	char msg[160];

	c->o = *o;
	if (c->o.jobs < 1)
		c->o.jobs = 1;
	c->cfg = cfg;
	c->io = *io;
	c->o.jobs = fit_jobs(c->o.jobs, msg, sizeof msg);
	if (msg[0] && c->io.notice)
		c->io.notice(c->io.arg, msg);
	c->o.http.trace = io->trace;
	c->o.http.trace_arg = io->arg;
	bucket_init(&c->rpm, c->o.rpm, now);
	bucket_init(&c->tpm, c->o.tpm, now);
	budget_init(&c->budget, c->o.max_cost, c->o.max_total_tokens);
	if (!(c->eng = http_new(c->o.jobs, &c->o.http, err, errlen))) {
		free(c);
		return NULL;
	}
	c->targets = ecalloc(cfg->nprov + 1, sizeof *c->targets);
	if (c->o.keep_order)
		c->ring = ecalloc((size_t)c->o.jobs, sizeof *c->ring);
	c->st.started = now;
	sigwake_init();
	return c;
}

static void
job_free(struct job *j)
{
	if (!j)
		return;
	client_stream_free(j);
	json_object_put(j->kept);
	json_object_put(j->kept_usage);
	json_object_put(j->stream_opts);
	free(j->id);
	free(j->asked);
	json_object_put(j->rec);
	json_object_put(j->result);
	free(j);
}

void
client_free(struct client *c)
{
	int i;

	if (!c)
		return;
	if (c->ring)
		for (i = 0; i < c->o.jobs; i++)
			job_free(c->ring[i]);
	job_free(c->held);
	/* transfers still in flight (an interrupt) own their jobs */
	for (;;) {
		struct http_xfer *x = http_slot(c->eng, 1);

		if (!x)
			break;
		job_free(x->user);
		x->user = NULL;
		http_abort(c->eng, x);
	}
	http_free(c->eng);
	/* after the engine: its handles pointed at the targets */
	for (i = 0; i <= (int)c->cfg->nprov; i++) {
		free(c->targets[i].chat_url);
		free(c->targets[i].shown);
		http_target_free(c->targets[i].http);
	}
	free(c->targets);
	redact_free(c->red);
	schema_free(c->answer_schema);
	free(c->ring);
	free(c);
}

char *
client_chat_url(const struct endpoint *ep, int mask)
{
	return config_url(ep, endpoint_api(ep)->path, mask);
}

void
client_headers(const struct endpoint *ep, const char *hdrs[8], struct buf *beta)
{
	const struct dialect *api = endpoint_api(ep);
	size_t n = 0;

	for (; api->headers && api->headers[n] && n < 6; n++)
		hdrs[n] = api->headers[n];
	if (api->beta && ep->beta) {
		buf_addf(beta, "%s: %s", api->beta, ep->beta);
		hdrs[n++] = beta->data;
	}
	hdrs[n] = NULL;
}

/* ep's target, made at its first request. */
static struct target *
target_of(struct client *c, const struct endpoint *ep)
{
	struct target *t = &c->targets[ep == &c->cfg->def ? c->cfg->nprov
	                                                  : (size_t)(ep - c->cfg->prov)];

	if (!t->chat_url) {
		char *shown = client_chat_url(ep, 1);
		const char *hdrs[8];
		struct buf beta = {0};

		t->api = endpoint_api(ep);
		t->chat_url = client_chat_url(ep, 0);
		t->shown = config_url(ep, "", 1);
		client_headers(ep, hdrs, &beta);
		t->http = http_target_new_auth(t->chat_url, shown, t->api->auth, ep->token, hdrs);
		buf_free(&beta);
		free(shown);
		pace_init(&t->pace, c->o.jobs, c->o.pace_start ? c->o.pace_start : c->o.jobs, now_ms_f());
	}
	return t;
}

const struct client_stats *
client_stats(struct client *c)
{
	return &c->st;
}

static void
tick(struct client *c, int final)
{
	double now;

	if (!c->io.progress || !c->o.progress_ms)
		return;
	now = now_ms_f();
	if (!final && now - c->last_progress < c->o.progress_ms)
		return;
	c->last_progress = now;
	client_pace_stats(c);
	c->io.progress(c->io.arg, &c->st, final);
}

/* Hand a finished job to out(), in order when keep_order asks for it. */
static void
emit(struct client *c, struct job *j)
{
	c->st.done++;
	if (j->ok)
		c->st.ok++;
	else
		c->st.failed++;
	if (!c->o.keep_order) {
		if (!c->stopped && c->io.out(c->io.arg, j->result, j->ok) < 0)
			c->stopped = 1;
		job_free(j);
		return;
	}
	c->ring[j->seq % c->o.jobs] = j;
	while ((j = c->ring[c->next_out % c->o.jobs]) && j->seq == c->next_out) {
		c->ring[c->next_out % c->o.jobs] = NULL;
		if (!c->stopped && c->io.out(c->io.arg, j->result, j->ok) < 0)
			c->stopped = 1;
		job_free(j);
		c->next_out++;
	}
}

static void
fail(struct client *c, struct job *j, struct llm_error *e)
{
	/* an answer refused after it came (schema) was billed: it counts */
	budget_settle(&c->budget, &j->hold, j->kept_usage);
	client_pace_failed(j, e);
	result_redact(&c->red, c->cfg, e);
	j->result = rec_error(j->id, e, j->attempt, j->meta, j->body ? j->body : json_get(j->rec, "request"));
	if (j->kept)
		json_set(j->result, "content", json_ref(j->kept));
	if (j->kept_usage)
		json_set(j->result, "usage", json_ref(j->kept_usage));
	j->ok = 0;
	emit(c, j);
}

/* The answer is in: finish the record, save it, cache it, emit it. */
static void
succeed(struct client *c, struct job *j, int cached)
{
	struct llm_error e;
	json_object *usage = json_get(j->result, "usage");
	char err[ERRLEN];

	if (client_schema_check(c, j, &e) < 0) {
		json_object_put(j->result);
		j->result = NULL;
		fail(c, j, &e);
		return;
	}
	result_finish(j->result, j->body, j->meta, j->attempt, cached, c->o.echo, j->tgt->shown);
	if (j->fallbacks)
		json_set(j->result, "fallback_from", json_object_new_string(j->asked));
	if (c->o.save && result_save(j->meta, j->result, &e) < 0) {
		json_object_put(j->result);
		j->result = NULL;
		fail(c, j, &e);
		return;
	}
	budget_settle(&c->budget, &j->hold, usage);
	if (usage) {
		int64_t used = json_object_get_int64(json_get(usage, "total_tokens"));

		c->st.tokens = add_sat(c->st.tokens, used);
		if (j->tokens > 0 && used > 0)
			bucket_take(&c->tpm, (double)used - j->tokens, now_ms_f());
	}
	if (c->o.stream)
		client_stream_events_of(c, j);
	if (!cached && j->key[0] && cache_put(c->o.cache_dir, j->key, j->result, err, sizeof err) < 0 &&
	    !c->cache_failed++ && c->io.notice) {
		/* the answer is written all the same: said once, not per record */
		char msg[ERRLEN + 64];

		snprintf(msg, sizeof msg, "cache: %s (answers are not cached)", err);
		c->io.notice(c->io.arg, msg);
	}
	j->ok = 1;
	emit(c, j);
}

/* Hold what j may spend; -1 when that could pass the budget (or its
 * model has no price for --max-cost): j is failed, kind budget. */
static int
hold(struct client *c, struct job *j, size_t req_len, long long max_tokens)
{
	struct llm_error e;
	char why[ERRLEN];
	int was_spent = c->budget.spent;

	if (max_tokens <= 0)
		max_tokens = json_object_get_int64(json_get(j->body, "max_completion_tokens"));
	if (budget_hold(&c->budget, &j->hold, json_get_str(j->body, "model"), j->tgt->chat_url,
	                (double)req_len, max_tokens, why, sizeof why) < 0) {
		if (!was_spent && c->budget.spent && c->io.notice) {
			char msg[ERRLEN + 64];

			snprintf(msg, sizeof msg, "budget: %s; the records left get budget errors", why);
			c->io.notice(c->io.arg, msg);
		}
		llm_error_set(&e, "budget", 0, "%s", why);
		fail(c, j, &e);
		return -1;
	}
	return 0;
}

/* Put j on the wire: streamed when asked for and the server takes it. */
static void
send_job(struct client *c, struct job *j)
{
	struct http_xfer *x = http_slot(c->eng, 0);
	struct llm_error e;
	char err[ERRLEN];
	double now = now_ms_f();
	json_object *wire;
	long long max_tokens = json_object_get_int64(json_get(j->body, "max_tokens"));
	int rc, stream = c->o.stream && !j->fallback &&
	             !(c->no_stream_tools && json_get(j->body, "tools"));

	if (stream && j->stream_opts)
		json_set(j->body, "stream_options", json_ref(j->stream_opts));
	/* the body as this endpoint is asked it (client_schema.c) */
	wire = client_schema_wire(j);
	rc = j->tgt->api->body(wire, stream, &x->req, &e);
	json_object_put(wire);
	if (rc < 0) {
		/* what the endpoint's API cannot be asked: the slot stays free */
		buf_reset(&x->req);
		snprintf(err, sizeof err, "%s", e.message);
		llm_error_set(&e, "bad_input", 0, "%s: %s", j->id, err);
		fail(c, j, &e);
		return;
	}
	if (!j->hold.held && budget_on(&c->budget) && hold(c, j, x->req.len, max_tokens) < 0) {
		buf_reset(&x->req);
		return;
	}
	x->user = j;
	if (stream)
		client_stream_begin(c, j, x);
	/* the estimate: about four bytes a token, plus what may come back */
	bucket_take(&c->rpm, 1, now);
	j->tokens = (double)x->req.len / 4 + (max_tokens > 0 ? (double)max_tokens : 0);
	bucket_take(&c->tpm, j->tokens, now);
	client_pace_sent(c, j, now);
	if (http_start(c->eng, x, j->tgt->http, err, sizeof err) < 0) {
		/* the slot was never taken: leave it as it was */
		x->user = NULL;
		x->on_data = NULL;
		buf_reset(&x->req);
		client_stream_free(j);
		llm_error_set(&e, "connect", 1, "%s", err);
		fail(c, j, &e);
	}
}

/* The answer to j's key from the cache, as its record: 1 when there was
 * one (j is done), 0 when it is to be asked. */
static int
served_from_cache(struct client *c, struct job *j)
{
	json_object *hit = cache_get(c->o.cache_dir, j->key);

	if (!hit)
		return 0;
	j->result = result_from_cache(j->id, hit);
	json_object_put(hit);
	json_set(j->result, "latency_ms", json_object_new_int64((int64_t)(now_ms_f() - j->t0)));
	succeed(c, j, 1);
	return 1;
}

static int fallback(struct client *c, struct job *j, struct llm_error *e);

/* Send j, or hold it while its endpoint's pace says wait, or fail it when
 * its endpoint's quota is spent.  1 when j is no longer held. */
static int
go(struct client *c, struct job *j)
{
	struct llm_error e;
	double w = client_pace_wait(c, j, &e);

	if (w == -2) {
		/* its endpoint's quota is spent: a fallback may answer */
		if (fallback(c, j, &e) < 0)
			fail(c, j, &e);
		return 1;
	}
	if (w != 0) {
		c->held = j;
		return 0;
	}
	send_job(c, j);
	return 1;
}

/* The held job, sent when its pace allows (1: nothing is held now). */
static int
release(struct client *c)
{
	struct job *j = c->held;

	if (!j)
		return 1;
	c->held = NULL;
	if (c->stopped || sigwake_signo() || http_busy(c->eng) >= c->o.jobs) {
		c->held = j;
		return 0;
	}
	return go(c, j);
}

/* A new record, or a bad line: set up its job and either finish it at
 * once (bad input, configuration, cache hit) or start its transfer. */
static void
start(struct client *c, struct job *j, struct rec_reader *r)
{
	struct llm_error e;
	struct endpoint *ep;
	char err[ERRLEN];

	j->id = rec_id(j->rec, r);
	j->attempt = rec_attempt(j->rec);
	if (!(j->body = result_body_of(j->rec, j->id, &j->meta, &e))) {
		fail(c, j, &e);
		return;
	}
	if (c->o.stream)
		j->stream_opts = json_ref(json_get(j->body, "stream_options"));
	openai_apply(j->body, &c->o.ov);	/* ov.stream is 0: the cache key leaves it out */
	if (json_get_str(j->body, "model"))
		j->asked = estrdup(json_get_str(j->body, "model"));
	if (!(ep = result_route(c->cfg, j->body, &e))) {
		fail(c, j, &e);
		return;
	}
	if (c->o.save && result_save_check(j->id, j->meta, &e) < 0) {
		fail(c, j, &e);
		return;
	}
	j->t0 = now_ms_f();
	j->tgt = target_of(c, ep);
	if (c->o.cache_dir) {
		if (cache_key(j->tgt->chat_url, j->body, json_get(j->meta, "repeat"), j->key, err,
		              sizeof err) < 0) {
			llm_error_set(&e, "bad_input", 0, "%s: %s", j->id, err);
			fail(c, j, &e);
			return;
		}
		if (served_from_cache(c, j))
			return;
	}
	go(c, j);
}

/* j failed with e: send it to the next of its model's fallbacks
 * (config_fallbacks) that the configuration can route.  0 when it was
 * sent; -1 when there is none left, with e saying what was tried. */
static int
fallback(struct client *c, struct job *j, struct llm_error *e)
{
	const struct model_list *l;
	char err[ERRLEN];

	if (!openai_needs_other_model(e->kind, e->http_status, e->message) ||
	    !(l = config_fallbacks(c->cfg, j->asked)))
		return -1;
	while (j->fallbacks < l->n) {
		const char *next = l->v[j->fallbacks++], *send;
		struct endpoint *ep = config_route(c->cfg, next, &send, err, sizeof err);

		if (!ep || target_of(c, ep)->quota)
			continue;	/* not routed, or its quota is spent too */
		budget_settle(&c->budget, &j->hold, NULL);	/* not billed */
		json_set(j->body, "model", json_object_new_string(send));
		j->tgt = target_of(c, ep);
		/* its answer is cached under its own key, never the first model's */
		if (j->key[0] && cache_key(j->tgt->chat_url, j->body, json_get(j->meta, "repeat"), j->key,
		                           err, sizeof err) < 0)
			j->key[0] = '\0';
		if (j->key[0] && served_from_cache(c, j))
			return 0;
		send_job(c, j);
		return 0;
	}
	if (j->fallbacks) {
		/* the record goes out as it came in, to be sent again whole */
		json_set(j->body, "model", json_object_new_string(j->asked));
		snprintf(e->message + strlen(e->message), sizeof e->message - strlen(e->message),
		         " (after its fallbacks, the last %s)", l->v[l->n - 1]);
	}
	return -1;
}

/* A transfer has finished: its job becomes a result or an error. */
static void
finish(struct client *c, struct http_xfer *x)
{
	struct job *j = x->user;
	struct llm_error e;
	int st;

	client_pace_answer(c, j, x);
	if ((st = client_stream_finish(c, j, x, &e)) < 0)
		goto failed;
	if (st > 0)
		goto succeeded;
	if (http_failure(x) != HTTP_OK) {
		xfer_transport_error(x, c->o.http.max_body, &e);
		goto failed;
	}
	if (client_stream_tools_refused(j, x)) {
		/* llama.cpp: "Cannot use tools with stream"; ask again plainly */
		if (!c->no_stream_tools && c->io.notice)
			c->io.notice(c->io.arg, "the server does not stream answers with tools: "
			             "sending requests with tools unstreamed");
		c->no_stream_tools = 1;
		j->fallback = 1;
		goto resend;
	}
	if (client_schema_refused(c, j, x))
		goto resend;
	if (x->status >= 400) {
		xfer_http_error(x, time(NULL), j->tgt->api, &e);
		goto failed;
	}
	if (x->status < 200 || x->status >= 300) {
		xfer_status_error(x, &e);
		goto failed;
	}
	j->result = json_object_new_object();
	json_set(j->result, "id", json_object_new_string(j->id));
	json_set(j->result, "status", json_object_new_string("ok"));
	if (j->tgt->api->parse(x->body.data ? x->body.data : "", x->body.len, j->body, j->result,
	                       &e) < 0) {
		json_object_put(j->result);
		j->result = NULL;
		goto failed;
	}
	{
		/* a fallback's time counts from the first try */
		double t = j->fallback ? j->t0 : x->t_start;

		json_set(j->result, "latency_ms", json_object_new_int64((int64_t)(x->t_end - t)));
		json_set(j->result, "ttft_ms", json_object_new_int64(
			(int64_t)((x->t_first ? x->t_first : x->t_end) - t)));
	}
succeeded:
	client_stream_free(j);
	http_release(c->eng, x);
	succeed(c, j, 0);
	return;
resend:
	client_stream_free(j);
	http_release(c->eng, x);
	send_job(c, j);
	return;
failed:
	client_stream_free(j);
	http_release(c->eng, x);
	if (fallback(c, j, &e) == 0)
		return;
	fail(c, j, &e);
}

/* Milliseconds until the rate limits let a request go (0: now). */
static double
limit_wait(struct client *c)
{
	double now = now_ms_f(), a = bucket_wait(&c->rpm, now), b = bucket_wait(&c->tpm, now);

	return a > b ? a : b;
}

static int
can_take(struct client *c)
{
	if (c->stopped || sigwake_signo() || c->held || http_busy(c->eng) >= c->o.jobs)
		return 0;
	if ((c->o.rpm > 0 || c->o.tpm > 0) && limit_wait(c) > 0)
		return 0;
	return !c->o.keep_order || c->next_seq - c->next_out < c->o.jobs;
}

static enum rec_status
source_next(struct source *s, json_object **rec, char *err, size_t errlen)
{
	if (s->r)
		return rec_next(s->r, rec, err, errlen);
	if (s->eof)
		return REC_EOF;
	s->eof = 1;
	*rec = s->one;
	s->one = NULL;
	return REC_OK;
}

/* Take records while there is room; 1 at the end of input. */
static int
take(struct client *c, struct source *s)
{
	char err[ERRLEN];

	while (can_take(c)) {
		json_object *rec;
		enum rec_status st = source_next(s, &rec, err, sizeof err);
		struct job *j;
		struct llm_error e;

		if (st == REC_AGAIN)
			return 0;
		if (st == REC_EOF)
			return 1;
		j = ecalloc(1, sizeof *j);
		j->seq = c->next_seq++;
		if (st == REC_OK) {
			j->rec = rec;
			start(c, j, s->r);
			continue;
		}
		/* a bad line or a failed read is a record of its own */
		j->attempt = 1;
		j->id = rec_id(NULL, s->r);
		llm_error_set(&e, st == REC_BAD ? "bad_input" : "io", 0, "%s", err);
		fail(c, j, &e);
		if (st == REC_IOERR) {
			/* the input is cut short: not only the record says so */
			if (c->io.notice)
				c->io.notice(c->io.arg, err);
			return 1;
		}
	}
	return 0;
}

/* Called by http_poll as soon as a transfer ends: write its result and
 * put the next record on the wire in its slot at once, so the server
 * always has -j requests to work on (a round at a time, it idled while
 * the last round's answers were read). */
static void
on_done(void *arg)
{
	struct client *c = arg;
	struct http_xfer *x;

	while ((x = http_done(c->eng)))
		finish(c, x);
	if (release(c) && !c->eof)
		c->eof = take(c, c->src);
}

/* An interrupt: every transfer still in flight is stopped and its record
 * becomes a cancelled error, so each record taken gives one output record
 * even now.  With keep_order this also lets the finished answers queued
 * behind a slow one go out, all in input order: nothing is left unfinished
 * ahead of them.  Records not yet taken stay unread (reading on could
 * block on a terminal or a pipe): the records written are those of the
 * input's first ones. */
static void
cancel_in_flight(struct client *c)
{
	int signo = sigwake_signo();
	const char *name = signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : "a signal";
	struct http_xfer *x;

	/* an answer that is in, though not yet seen, is not cancelled */
	while ((x = http_done(c->eng)))
		finish(c, x);
	if (c->held) {
		struct job *j = c->held;
		struct llm_error e;

		c->held = NULL;
		llm_error_set(&e, "cancelled", 0, "cancelled by %s before it was sent", name);
		fail(c, j, &e);
	}
	while ((x = http_slot(c->eng, 1))) {
		struct job *j = x->user;
		struct llm_error e;

		x->user = NULL;
		client_stream_free(j);
		http_abort(c->eng, x);
		/* not retryable: the run was stopped on purpose, and its
		 * request is on the record to be sent again */
		llm_error_set(&e, "cancelled", 0, "cancelled by %s before its answer came", name);
		fail(c, j, &e);
	}
}

static int
run(struct client *c, struct source *s)
{
	struct pollfd pf[2];

	c->src = s;
	c->eof = 0;
	http_on_done(c->eng, on_done, c);
	for (;;) {
		struct http_xfer *x;
		int n = 0, wait;

		if (release(c) && !c->eof)
			c->eof = take(c, s);
		if (!c->stopped && c->io.flush(c->io.arg) < 0)
			c->stopped = 1;
		if (c->stopped || sigwake_signo())
			break;
		if (c->eof && !c->held && http_busy(c->eng) == 0)
			break;
		pf[n].fd = sigwake_fd();
		pf[n++].events = POLLIN;
		if (!c->eof && s->r && can_take(c)) {
			pf[n].fd = s->r->fd;
			pf[n++].events = POLLIN;
		}
		wait = c->o.progress_ms ? c->o.progress_ms : 1000;
		if (!c->eof && (c->o.rpm > 0 || c->o.tpm > 0)) {
			double w = limit_wait(c);

			if (w > 0 && w < wait)
				wait = (int)w + 1;
		}
		if (c->held) {
			struct llm_error e;
			double w = client_pace_wait(c, c->held, &e);

			/* PACE_FULL: an answer ends the wait */
			if (w >= 0 && w < wait)
				wait = (int)w + 1;
		}
		if (http_poll(c->eng, wait, pf, n) < 0)
			break;
		if (pf[0].revents)
			sigwake_drain();
		/* what on_done did not see: transfers ended by curl's timer
		 * (timeouts) rather than by their sockets */
		while ((x = http_done(c->eng)))
			finish(c, x);
		tick(c, 0);
	}
	http_on_done(c->eng, NULL, NULL);
	if (sigwake_signo())
		cancel_in_flight(c);
	if (!c->stopped && c->io.flush(c->io.arg) < 0)
		c->stopped = 1;
	return c->stopped || sigwake_signo() ? -1 : 0;
}

int
client_run_fd(struct client *c, int fd, const char *name)
{
	struct rec_reader r;
	struct source s = {0};
	/* transfers in flight are never held up by a slow producer; the
	 * flags are put back afterwards */
	int flags = fd_nonblock_pipe(fd), rc;

	rec_reader_init(&r, fd, name, 0);
	r.polled = 1;	/* run() polls it, and its signals between reads */
	s.r = &r;
	rc = run(c, &s);
	rec_reader_free(&r);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags);
	tick(c, 1);
	return rc;
}

int
client_run_record(struct client *c, json_object *rec)
{
	struct source s = {0};
	int rc;

	s.one = rec;
	rc = run(c, &s);
	json_object_put(s.one);
	tick(c, 1);
	return rc;
}
