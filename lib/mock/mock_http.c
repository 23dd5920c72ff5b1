#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "json/json.h"
#include "mock/mock_http.h"
#include "mock/mock_internal.h"

enum { R_NONE, R_CHAT, R_MESSAGES, R_MODELS, R_HEALTH, R_STATS, R_BATCH, R_LIMITS };
#define IS_POST(r) ((r) == R_CHAT || (r) == R_MESSAGES)	/* the routes answering a POST body */

struct mock_http {
	struct MHD_Daemon *d;
	struct mock *m;
	struct mock_http_opts o;
	struct MHD_Response *models, *ok;	/* built once, queued many times */
	atomic_ullong requests, chat, faults, connections;
	int stopfd[2];		/* written once at stop, to end every wait */
	int port;
};

/* One request, from its headers to its completion. */
struct req {
	int route;
	int too_big;
	int streamed;		/* the answer is an SSE stream */
	int seen;		/* the handler has had it once */
	char uri[512];		/* as the client sent it, the query included */
	struct buf body;
};

/* One connection: whether its next request is met with a close. */
struct conn {
	int closing;
};

/* A streamed answer being sent. */
struct sse {
	struct mock_http *h;
	struct mock_answer a;
	struct mock_stream st;
	struct buf out;
	size_t off;
	int started;
	int ended;	/* MOCK_EV_DATA while events remain, else how it ends */
};

/* A body sent by a callback: pre, mid bytes of 'x', post; cut at cut. */
struct body {
	struct buf pre, post;
	uint64_t mid, total, cut;
};

static const char json_ctype[] = "application/json";

static int
route(const char *url)
{
	if (!strcmp(url, "/v1/chat/completions"))
		return R_CHAT;
	if (!strcmp(url, "/v1/messages"))
		return R_MESSAGES;
	if (!strcmp(url, "/v1/models"))
		return R_MODELS;
	if (!strcmp(url, "/health"))
		return R_HEALTH;
	if (!strcmp(url, "/v1/mock/stats"))
		return R_STATS;
	if (!strcmp(url, "/v1/mock/limits"))
		return R_LIMITS;
	return mock_batch_route(url) ? R_BATCH : R_NONE;
}

/* Wait ms milliseconds, or less when the server stops: then -1. */
static int
pause_ms(struct mock_http *h, long long ms)
{
	struct pollfd p = { .fd = h->stopfd[0], .events = POLLIN };
	int64_t end = now_ms() + ms, left;

	while ((left = end - now_ms()) > 0) {
		int rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);

		if (rc > 0)
			return -1;
	}
	return 0;
}

/* A response owning b's bytes; b is left empty. */
static struct MHD_Response *
take_buf(struct buf *b, const char *ctype)
{
	struct MHD_Response *r;

	if (!b->data)
		buf_add(b, "", 0);
	r = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		buf_free(b);
		return NULL;
	}
	b->data = NULL;
	b->len = b->cap = 0;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	return r;
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, int status, struct MHD_Response *r)
{
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, int status, const char *code, const char *msg)
{
	struct buf b = {0};
	struct MHD_Response *r;

	mock_error_json(&b, msg, mock_status_row(status)->type, code);
	r = take_buf(&b, json_ctype);
	if (r && status == 405)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
	return send_resp(c, status, r);
}

static void
add_headers(struct MHD_Response *r, const struct mock_answer *a)
{
	size_t i;

	for (i = 0; i < a->nhdrs; i++)
		MHD_add_response_header(r, a->hdrs[i].name, a->hdrs[i].value);
}

/* MHD asks for up to max bytes of the stream.  Paced (--chunk-delay),
 * each call gives one event, so each is sent before the pause; unpaced,
 * a call gives as many events as fit, so a short answer leaves in one
 * send as a real server's buffered writes do, not in one per event.  An
 * end or a drop found after some events is kept for the next call, so
 * those events go out first. */
static ssize_t
sse_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct sse *s = cls;
	int paced = s->h->o.chunk_delay_ms > 0;
	size_t n = 0, k;

	(void)pos;
	for (;;) {
		if (s->off < s->out.len) {
			k = s->out.len - s->off < max - n ? s->out.len - s->off : max - n;
			memcpy(dst + n, s->out.data + s->off, k);
			s->off += k;
			n += k;
			if (n == max || paced)
				break;
		}
		if (s->ended || s->off < s->out.len)
			break;
		if (s->started && paced && pause_ms(s->h, s->h->o.chunk_delay_ms) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		s->started = 1;
		buf_reset(&s->out);
		s->off = 0;
		s->ended = s->a.anthropic ? mock_anthropic_stream_next(&s->a, &s->st, &s->out)
		                          : mock_stream_next(&s->a, &s->st, mock_wall() * 1000.0, &s->out);
	}
	if (n > 0)
		return (ssize_t)n;
	return s->ended == MOCK_EV_END ? MHD_CONTENT_READER_END_OF_STREAM
	                               : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
sse_free(void *cls)
{
	struct sse *s = cls;

	mock_answer_free(&s->a);
	buf_free(&s->out);
	free(s);
}

static ssize_t
body_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct body *b = cls;
	size_t n = 0, k;

	if (pos >= b->cut)
		return pos >= b->total ? MHD_CONTENT_READER_END_OF_STREAM :
		       MHD_CONTENT_READER_END_WITH_ERROR;
	if (max > b->cut - pos)
		max = (size_t)(b->cut - pos);
	while (n < max) {
		uint64_t p = pos + n;

		k = max - n;
		if (p < b->pre.len) {
			if (k > b->pre.len - p)
				k = (size_t)(b->pre.len - p);
			memcpy(dst + n, b->pre.data + p, k);
		} else if (p < b->pre.len + b->mid) {
			if (k > b->pre.len + b->mid - p)
				k = (size_t)(b->pre.len + b->mid - p);
			memset(dst + n, 'x', k);
		} else {
			p -= b->pre.len + b->mid;
			if (k > b->post.len - p)
				k = (size_t)(b->post.len - p);
			memcpy(dst + n, b->post.data + p, k);
		}
		n += k;
	}
	return (ssize_t)n;
}

static void
body_free(void *cls)
{
	struct body *b = cls;

	buf_free(&b->pre);
	buf_free(&b->post);
	free(b);
}

/* A non-streamed completion that is huge or dropped half way, written by
 * a callback so 64 MiB of content is never held in memory. */
static struct MHD_Response *
callback_body(const struct mock_answer *a)
{
	struct body *b = ecalloc(1, sizeof *b);
	struct MHD_Response *r;

	(a->anthropic ? mock_anthropic_completion : mock_completion)(a, &b->pre,
		a->faults & MOCK_F_HUGE ? &b->post : NULL);
	if (a->faults & MOCK_F_HUGE)
		b->mid = (uint64_t)a->huge_bytes;
	b->total = b->pre.len + b->mid + b->post.len;
	b->cut = a->faults & MOCK_F_DROP ? b->total / 2 : b->total;
	r = MHD_create_response_from_callback(b->total, 64 * 1024, body_read, b, body_free);
	if (!r) {
		body_free(b);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, json_ctype);
	return r;
}

static struct MHD_Response *
stream_body(struct mock_http *h, struct mock_answer *a)
{
	struct sse *s = ecalloc(1, sizeof *s);
	struct MHD_Response *r;

	s->h = h;
	s->a = *a;	/* the answer's strings move to s */
	memset(a, 0, sizeof *a);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, s, sse_free);
	if (!r) {
		sse_free(s);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	add_headers(r, &s->a);
	return r;
}

static void
add_limit_headers(struct MHD_Response *r, const struct mock_verdict *v)
{
	size_t i;

	for (i = 0; r && i < v->nhdrs; i++)
		MHD_add_response_header(r, v->name[i], v->value[i]);
}

/* The limits' word on a request: 0 to answer it, else the 429 is sent. */
static int
limited(struct mock_http *h, struct MHD_Connection *c, const struct mock_answer *a,
        struct mock_verdict *v, enum MHD_Result *rc)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                               MHD_HTTP_HEADER_AUTHORIZATION);
	/* as providers count: the prompt and the most the answer may be */
	long long cost = a->prompt_tokens + (a->max_tokens >= 0 ? a->max_tokens
	                                                         : a->completion_tokens);
	struct MHD_Response *r;

	mock_limits_check(h->o.limits, auth && !strncmp(auth, "Bearer ", 7) ? auth + 7 : NULL,
	                  cost, now_ms_f(), v);
	if (!v->status)
		return 0;
	r = take_buf(&v->body, json_ctype);
	add_limit_headers(r, v);
	*rc = send_resp(c, v->status, r);
	return 1;
}

static enum MHD_Result
chat(struct mock_http *h, struct MHD_Connection *c, struct req *q)
{
	struct mock_answer a;
	struct mock_verdict v;
	struct MHD_Response *r;
	struct buf b = {0};
	enum MHD_Result rc;
	long long wait;
	int status;

	atomic_fetch_add(&h->chat, 1);
	if (q->too_big)
		return send_error(c, 413, NULL, "request body larger than 16 MiB");
	/* Anthropic's route answers the same question in its own shapes */
	(q->route == R_MESSAGES ? mock_anthropic_reply : mock_reply)(h->m, q->body.data ?
		q->body.data : "", q->body.len, &a);
	if (limited(h, c, &a, &v, &rc))
		goto out;
	if (a.injected)
		atomic_fetch_add(&h->faults, 1);
	if (a.status == 200)
		mock_limits_used(h->o.limits, a.prompt_tokens + a.completion_tokens);
	wait = h->o.latency_ms + a.delay_ms + mock_limits_delay_ms(h->o.limits, a.completion_tokens);
	if (wait > 0 && pause_ms(h, wait) < 0) {
		rc = MHD_NO;
		goto out;
	}
	status = a.status;
	if (a.raw)
		r = take_buf(&a.body, a.stream && status < 400 ? "text/event-stream" : json_ctype);
	else if (a.stream) {
		r = stream_body(h, &a);
		q->streamed = 1;
	}
	else if (a.faults & (MOCK_F_HUGE | MOCK_F_DROP))
		r = callback_body(&a);
	else {
		(a.anthropic ? mock_anthropic_completion : mock_completion)(&a, &b, NULL);
		r = take_buf(&b, json_ctype);
	}
	if (r)
		add_headers(r, &a);
	add_limit_headers(r, &v);
	rc = send_resp(c, status, r);
out:
	buf_free(&v.body);
	mock_answer_free(&a);
	return rc;
}

static enum MHD_Result
get(struct mock_http *h, struct MHD_Connection *c, int rt)
{
	struct buf b = {0};

	switch (rt) {
	case R_HEALTH:
		return MHD_queue_response(c, MHD_HTTP_OK, h->ok);
	case R_MODELS:
		return MHD_queue_response(c, MHD_HTTP_OK, h->models);
	default:
		buf_addf(&b, "{\"requests\":%llu,\"chat\":%llu,\"faults\":%llu,"
		         "\"connections\":%llu", atomic_load(&h->requests), atomic_load(&h->chat),
		         atomic_load(&h->faults), atomic_load(&h->connections));
		if (mock_limits_on(h->o.limits)) {
			unsigned long long lim, quota;

			mock_limits_counts(h->o.limits, &lim, &quota);
			buf_addf(&b, ",\"rate_limited\":%llu,\"quota\":%llu", lim, quota);
		}
		buf_adds(&b, "}");
		return send_resp(c, MHD_HTTP_OK, take_buf(&b, json_ctype));
	}
}

/* Anthropic's routes: the token comes as x-api-key, and a request
 * without anthropic-version is refused, as the API does.  An error to
 * send, or NULL when the request may be answered. */
static const char *
anthropic_refusal(struct mock_http *h, struct MHD_Connection *c, int *status)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key");

	*status = 401;
	if (h->o.token && (!key || strcmp(key, h->o.token) != 0))
		return "mock: missing or wrong x-api-key";
	*status = 400;
	if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, "anthropic-version"))
		return "mock: anthropic-version: header is required";
	return NULL;
}

static enum MHD_Result
anthropic_error(struct MHD_Connection *c, int status, const char *msg)
{
	struct buf b = {0};

	mock_anthropic_error_json(&b, status, msg);
	return send_resp(c, status, take_buf(&b, json_ctype));
}

/* The batch APIs (mock_batch.c); 404 when the server has none. */
static enum MHD_Result
batch(struct mock_http *h, struct MHD_Connection *c, struct req *q, const char *method,
      const char *url)
{
	int anthropic = !strncmp(url, "/v1/messages/", 13);
	struct mock_batch_query mq = {
		.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
		.limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"),
		.after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
		                                     anthropic ? "after_id" : "after"),
	};
	struct buf b = {0};
	const char *ctype;
	int st;

	if (!h->o.batch)
		return anthropic ? anthropic_error(c, 404, "mock: no batch API")
		                 : send_error(c, 404, "unknown_url", "mock: no batch API");
	if (q->too_big)
		return anthropic ? anthropic_error(c, 413, "request body too large")
		                 : send_error(c, 413, NULL, "request body too large");
	st = mock_batch_answer(h->o.batch, method, url,
	                       MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
	                       q->body.data ? q->body.data : "", q->body.len, &mq, &b, &ctype);
	if (st == 0) {		/* made, and its answer lost */
		buf_free(&b);
		return MHD_NO;
	}
	return send_resp(c, st, take_buf(&b, ctype));
}

/* A limit from the body of POST /v1/mock/limits: -1 when absent, -2
 * when it is not a count. */
static long long
limit_of(json_object *doc, const char *key)
{
	json_object *v = json_get(doc, key);

	if (!v)
		return -1;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -2;
	return json_object_get_int64(v);
}

/* New limits at run time: {"rpm":N,"tpm":N}, either may be left out. */
static enum MHD_Result
set_limits(struct mock_http *h, struct MHD_Connection *c, struct req *q)
{
	char err[ERRLEN];
	json_object *doc = json_parse(q->body.data ? q->body.data : "", q->body.len, err,
	                              sizeof err);
	long long rpm = limit_of(doc, "rpm"), tpm = limit_of(doc, "tpm");

	json_object_put(doc);
	if (!doc || rpm == -2 || tpm == -2)
		return send_error(c, 400, NULL, "mock: limits must be {\"rpm\":N,\"tpm\":N}");
	mock_limits_set(h->o.limits, rpm, tpm, now_ms_f());
	return MHD_queue_response(c, MHD_HTTP_OK, h->ok);
}

static enum MHD_Result
answer(struct mock_http *h, struct MHD_Connection *c, struct req *q, const char *method,
       const char *url)
{
	int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	char msg[256];

	if (q->route == R_NONE) {
		snprintf(msg, sizeof msg, "mock: unknown request URL: %.32s %.160s", method, url);
		return send_error(c, 404, "unknown_url", msg);
	}
	if (q->route == R_LIMITS && !h->o.limits)
		return send_error(c, 404, "unknown_url", "mock: no limits to change");
	if (q->route == R_BATCH ? 0 : IS_POST(q->route) || q->route == R_LIMITS ?
	    strcmp(method, "POST") != 0 : !is_get) {
		snprintf(msg, sizeof msg, "mock: method %.32s not allowed for %.160s", method, url);
		return send_error(c, 405, NULL, msg);
	}
	if (q->route == R_MESSAGES || (q->route == R_BATCH && !strncmp(url, "/v1/messages/", 13))) {
		int st;
		const char *refusal = anthropic_refusal(h, c, &st);

		if (refusal)
			return anthropic_error(c, st, refusal);
		return q->route == R_MESSAGES ? chat(h, c, q) : batch(h, c, q, method, url);
	}
	if (h->o.token && q->route != R_HEALTH && q->route != R_STATS && q->route != R_LIMITS) {
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                               MHD_HTTP_HEADER_AUTHORIZATION);

		if (!auth || strncmp(auth, "Bearer ", 7) != 0 || strcmp(auth + 7, h->o.token) != 0)
			return send_error(c, 401, "invalid_api_key",
			                  "mock: missing or wrong Authorization: Bearer token");
	}
	if (q->route == R_CHAT)
		return chat(h, c, q);
	if (q->route == R_BATCH)
		return batch(h, c, q, method, url);
	if (q->route == R_LIMITS)
		return set_limits(h, c, q);
	return get(h, c, q->route);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **ptr)
{
	struct mock_http *h = cls;
	struct req *q = *ptr;
	enum MHD_Result rc;

	(void)version;
	if (!q->seen) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		/* --close-after-stream: closed with no answer */
		if (ci && ci->socket_context && ((struct conn *)ci->socket_context)->closing)
			return MHD_NO;

		q->seen = 1;
		q->route = route(url);
		/* reading the stats must not change them */
		if (q->route != R_STATS)
			atomic_fetch_add(&h->requests, 1);
		/* refuse a declared oversize body before reading it */
		if (IS_POST(q->route) && cl && strtoull(cl, NULL, 10) > MOCK_MAXBODY) {
			q->too_big = 1;
			atomic_fetch_add(&h->chat, 1);
			return send_error(c, 413, NULL, "request body larger than 16 MiB");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if ((IS_POST(q->route) || q->route == R_BATCH || q->route == R_LIMITS) && !q->too_big) {
			if (q->body.len + *upload_size >
			    (q->route == R_BATCH ? MOCK_BATCH_MAXBODY : MOCK_MAXBODY)) {
				q->too_big = 1;
				buf_free(&q->body);
			} else
				buf_add(&q->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	rc = answer(h, c, q, method, url);
	if (h->o.log) {
		char line[512];
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);

		/* the URI as sent, so a test sees the query a client kept */
		snprintf(line, sizeof line, "%.32s %.400s %u", method, q->uri,
		         ci ? ci->http_status : 0);
		h->o.log(line);
	}
	return rc;
}

/* Every request's state starts here, where libmicrohttpd shows the URI
 * before it takes the query off. */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *q = ecalloc(1, sizeof *q);

	(void)cls;
	(void)c;
	snprintf(q->uri, sizeof q->uri, "%s", uri);
	return q;
}

static void
completed(void *cls, struct MHD_Connection *c, void **ptr, enum MHD_RequestTerminationCode toe)
{
	struct mock_http *h = cls;
	struct req *q = *ptr;

	if (!q)
		return;
	if (h->o.close_after_stream && q->streamed && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		if (ci && ci->socket_context)
			((struct conn *)ci->socket_context)->closing = 1;
	}
	buf_free(&q->body);
	free(q);
	*ptr = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct mock_http *h = cls;
	char line[512];

	vsnprintf(line, sizeof line, fmt, ap);
	one_line(line, sizeof line - 1);
	h->o.log(line);
}

static void
release(struct mock_http *h)
{
	if (h->models)
		MHD_destroy_response(h->models);
	if (h->ok)
		MHD_destroy_response(h->ok);
	if (h->stopfd[0] >= 0)
		close(h->stopfd[0]);
	if (h->stopfd[1] >= 0)
		close(h->stopfd[1]);
	free(h);
}

/* Count the connections clients open, so tests can see reuse and
 * concurrency. */
static void
connected(void *cls, struct MHD_Connection *c, void **socket_context,
          enum MHD_ConnectionNotificationCode code)
{
	struct mock_http *h = cls;

	(void)c;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&h->connections, 1);
		*socket_context = ecalloc(1, sizeof(struct conn));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

/* /v1/models' answer: the models of o.models. */
static void
models_json(const char *const *models, size_t n, struct buf *out)
{
	size_t i;

	buf_adds(out, "{\"object\":\"list\",\"data\":[");
	for (i = 0; i < n; i++) {
		buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
		json_quote(out, models[i], strlen(models[i]));
		buf_adds(out, ",\"object\":\"model\",\"created\":0,\"owned_by\":\"llm-mock\"}");
	}
	buf_adds(out, "]}");
}

struct mock_http *
mock_http_start(struct mock *m, const struct mock_http_opts *o, char *err, size_t errlen)
{
	struct mock_http *h = ecalloc(1, sizeof *h);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	const char *host = o->host ? o->host : "127.0.0.1";
	const union MHD_DaemonInfo *di;
	struct buf models = {0}, ok = {0};
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                 MHD_USE_POLL;
	char port[16];
	size_t room;
	int e;

	h->m = m;
	h->o = *o;
	h->stopfd[0] = h->stopfd[1] = -1;
	if (pipe2(h->stopfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		release(h);
		return NULL;
	}
	models_json(o->models, o->nmodels, &models);
	buf_adds(&ok, "{\"status\":\"ok\"}");
	h->models = take_buf(&models, json_ctype);
	h->ok = take_buf(&ok, json_ctype);
	snprintf(port, sizeof port, "%d", o->port);
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(e));
		release(h);
		return NULL;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->log)
		flags |= MHD_USE_ERROR_LOG;
	errno = 0;
	/* libmicrohttpd builds a response's headers in the connection's
	 * memory (32 KB by default): a rule with huge headers (a server
	 * that sends megabytes of them) gets the room it needs */
	room = mock_header_bytes(m) * 2 + 65536;
	h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, handler, h,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, room < 32768 ? (size_t)32768 : room,
	                        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	                        MHD_OPTION_URI_LOG_CALLBACK, uri_seen, h,
	                        MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	                        MHD_OPTION_NOTIFY_CONNECTION, connected, h,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
	                        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	                        MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!h->d || !h->models || !h->ok) {
		snprintf(err, errlen, "cannot listen on %s port %d%s%s", host, o->port,
		         errno ? ": " : "", errno ? strerror(errno) : "");
		if (h->d)
			MHD_stop_daemon(h->d);
		release(h);
		return NULL;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : o->port;
	return h;
}

int
mock_http_port(const struct mock_http *h)
{
	return h->port;
}

void
mock_http_stop(struct mock_http *h)
{
	if (!h)
		return;
	(void)write_all(h->stopfd[1], "x", 1);
	MHD_stop_daemon(h->d);
	release(h);
}
