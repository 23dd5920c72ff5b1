#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"

/* What is made once per target and kept: its headers (the token among
 * them), and its URL parsed, which curl would otherwise parse again for
 * every request (a tenth of the instructions of a request to a local
 * server, callgrind). */
struct http_target {
	char *url;
	char *shown;		/* url as the trace shows it */
	int tls;		/* https: */
	char *auth_name;	/* the header a token is sent in; NULL: none is */
	struct curl_slist *list;
	CURLU *curlu;		/* NULL: curl_url_set refused it, CURLOPT_URL says why */
};

struct http_engine {
	CURLM *multi;
	int epfd;		/* the transfers' sockets, as curl asks */
	unsigned char *fds;	/* per descriptor: FD_* */
	int nfds;
	double timer_at;	/* when curl wants its timeout action; <0 none */
	struct http_xfer *slots;
	int nslots;
	int busy;
	struct http_opts opts;
	int proxy;		/* the environment names proxies */
	struct buf trace;	/* a trace line being made */
	void (*on_done)(void *);
	void *on_done_arg;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n;

	if (x->t_first == 0)
		x->t_first = now_ms_f();
	if (x->on_data && x->status < 300)
		return x->on_data(x, p, len) == 0 ? len : 0;
	if (x->max_body && x->body.len + len > x->max_body) {
		/* a chunked body has no length to check up front */
		x->too_big = 1;
		return 0;
	}
	buf_add(&x->body, p, len);
	return len;
}

static const struct {
	const char *name;
	int slot;
} ratelimit_headers[] = {
	{ "x-ratelimit-limit-requests", HTTP_RL_REQ_LIMIT },
	{ "x-ratelimit-remaining-requests", HTTP_RL_REQ_LEFT },
	{ "x-ratelimit-reset-requests", HTTP_RL_REQ_RESET },
	{ "x-ratelimit-limit-tokens", HTTP_RL_TOK_LIMIT },
	{ "x-ratelimit-remaining-tokens", HTTP_RL_TOK_LEFT },
	{ "x-ratelimit-reset-tokens", HTTP_RL_TOK_RESET },
	{ "anthropic-ratelimit-requests-limit", HTTP_RL_REQ_LIMIT },
	{ "anthropic-ratelimit-requests-remaining", HTTP_RL_REQ_LEFT },
	{ "anthropic-ratelimit-requests-reset", HTTP_RL_REQ_RESET },
	{ "anthropic-ratelimit-tokens-limit", HTTP_RL_TOK_LIMIT },
	{ "anthropic-ratelimit-tokens-remaining", HTTP_RL_TOK_LEFT },
	{ "anthropic-ratelimit-tokens-reset", HTTP_RL_TOK_RESET },
};

static void
clear_headers(struct http_xfer *x)
{
	x->h_retry_after[0] = x->h_retry_after_ms[0] = x->h_should_retry[0] = '\0';
	x->h_location[0] = '\0';
	memset(x->h_ratelimit, 0, sizeof x->h_ratelimit);
}

/* Where header p (of klen bytes before its colon) is kept, or NULL. */
static char *
kept_header(struct http_xfer *x, const char *p, size_t klen, size_t *dlen)
{
	size_t i;

	if (klen == 11 && strncasecmp(p, "retry-after", 11) == 0)
		return *dlen = sizeof x->h_retry_after, x->h_retry_after;
	if (klen == 14 && strncasecmp(p, "retry-after-ms", 14) == 0)
		return *dlen = sizeof x->h_retry_after_ms, x->h_retry_after_ms;
	if (klen == 14 && strncasecmp(p, "x-should-retry", 14) == 0)
		return *dlen = sizeof x->h_should_retry, x->h_should_retry;
	if (klen == 8 && strncasecmp(p, "location", 8) == 0)
		return *dlen = sizeof x->h_location, x->h_location;
	/* the rate limits: only headers as long as theirs are looked at */
	if (klen < 24)
		return NULL;
	for (i = 0; i < sizeof ratelimit_headers / sizeof ratelimit_headers[0]; i++)
		if (strlen(ratelimit_headers[i].name) == klen &&
		    strncasecmp(p, ratelimit_headers[i].name, klen) == 0)
			return *dlen = sizeof x->h_ratelimit[0],
			       x->h_ratelimit[ratelimit_headers[i].slot];
	return NULL;
}

/* Keep the headers that decide retries and pacing; a new status line
 * starts over (a 100 Continue or a redirect came first). */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	size_t len = size * n, klen;
	char *colon = memchr(p, ':', len);
	char *dst = NULL;
	size_t dlen = 0;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);

		clear_headers(x);
		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	if (!colon)
		return len;
	klen = (size_t)(colon - p);
	if ((dst = kept_header(x, p, klen, &dlen))) {
		char *v = colon + 1, *end = p + len;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		snprintf(dst, dlen, "%.*s", (int)(end - v), v);
	}
	return len;
}

/* What the engine knows of a descriptor (e->fds[fd]). */
enum {
	FD_OURS = 0x80,		/* a connection opened by on_open, closed by on_close */
	FD_IN_EPOLL = 0x40,
	FD_IDLE = 0x20,		/* in epoll, but curl no longer watches it */
	FD_EVENTS = 0x05,	/* EPOLLIN | EPOLLOUT, as registered */
};

static unsigned char *
fd_state(struct http_engine *e, int fd)
{
	if (fd >= e->nfds) {
		int n = e->nfds ? e->nfds : 64;

		while (n <= fd)
			n *= 2;
		e->fds = erealloc(e->fds, (size_t)n);
		memset(e->fds + e->nfds, 0, (size_t)(n - e->nfds));
		e->nfds = n;
	}
	return &e->fds[fd];
}

/* Connections are opened and closed here so the engine knows when a
 * descriptor stops being the socket it registered: between two requests
 * a kept-alive connection stays in epoll as it was, which saves the two
 * epoll_ctl calls curl's remove-then-add would cost each request. */
static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_xfer *x = arg;
	curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);

	(void)purpose;
	if (s < 0) {
		/* curl says only "Couldn't connect" */
		x->sock_errno = errno;
		return CURL_SOCKET_BAD;
	}
	*fd_state(x->eng, s) = FD_OURS;
	return s;
}

static int
on_close(void *arg, curl_socket_t s)
{
	*fd_state(arg, s) = 0;	/* closing takes it out of epoll too */
	return close(s);
}

/* curl's socket interface: only the sockets with news are looked at, so a
 * round costs the same at -j 1 and at -j 1024 (curl_multi_perform walks
 * every transfer each time). */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct http_engine *e = arg;
	struct epoll_event ev = {0};
	unsigned char *st = fd_state(e, s);
	unsigned want;

	(void)easy;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		if ((*st & (FD_OURS | FD_IN_EPOLL)) == (FD_OURS | FD_IN_EPOLL)) {
			*st |= FD_IDLE;
			return 0;
		}
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, s, NULL);
		*st &= FD_OURS;
		return 0;
	}
	want = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if ((*st & (FD_OURS | FD_IN_EPOLL)) == (FD_OURS | FD_IN_EPOLL) &&
	    (*st & FD_EVENTS) == want) {
		*st &= (unsigned char)~FD_IDLE;
		return 0;
	}
	ev.events = want;
	ev.data.fd = s;
	/* a descriptor not opened here may be a new one with an old number:
	 * add, or change what is there */
	if (epoll_ctl(e->epfd, *st & FD_IN_EPOLL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) < 0) {
		if (errno == EEXIST)
			epoll_ctl(e->epfd, EPOLL_CTL_MOD, s, &ev);
		else if (errno == ENOENT)
			epoll_ctl(e->epfd, EPOLL_CTL_ADD, s, &ev);
	}
	*st = (unsigned char)((*st & FD_OURS) | FD_IN_EPOLL | want);
	return 0;
}

static int
on_timer(CURLM *multi, long ms, void *arg)
{
	(void)multi;
	((struct http_engine *)arg)->timer_at = ms < 0 ? -1 : now_ms_f() + (double)ms;
	return 0;
}

/* Whether the environment names a proxy, or hosts to reach without one,
 * in a variable curl reads (curl(1), ENVIRONMENT).  curl looks them up
 * again for every transfer; when there are none, the engine says so once
 * (an empty proxy and no-proxy list mean the same as no variables). */
static int
env_proxy(void)
{
	static const char *const vars[] = {
		"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
		"no_proxy", "NO_PROXY",
	};
	size_t i;

	for (i = 0; i < sizeof vars / sizeof *vars; i++)
		if (getenv(vars[i]))
			return 1;
	return 0;
}

/* The options every transfer of a slot starts from.  Set again after
 * curl_easy_reset, so no transfer inherits the state of one before: curl
 * 7.88 counts the requests it sent again on a new connection after a
 * kept-alive one died (at most 5) in the easy handle and never resets the
 * count after a success, so against a server that closes connections it
 * advertised as kept alive (llama-server after a stream) a long-lived
 * handle failed with "Connection died, tried 5 times".  Such a retry
 * always makes a new connection, so a handle is reset after a transfer
 * that made one (or failed): on a kept-alive connection that costs
 * nothing, where resetting every time cost 12% of llm-chat's
 * instructions a request.  The connections themselves are the multi
 * handle's and stay. */
static void
slot_setup(struct http_engine *e, struct http_xfer *x)
{
	CURL *c = x->easy;
	const struct http_opts *o = &e->opts;

	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, e);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "llm-chat/0.1");
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->max_body)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	if (!e->proxy) {
		curl_easy_setopt(c, CURLOPT_PROXY, "");
		curl_easy_setopt(c, CURLOPT_NOPROXY, "");
	}
}

struct http_engine *
http_new(int nslots, const struct http_opts *o, char *err, size_t errlen)
{
	struct http_engine *e = ecalloc(1, sizeof *e);
	int i;

	e->opts = *o;
	e->proxy = env_proxy();
	e->nslots = nslots;
	e->slots = ecalloc((size_t)nslots, sizeof *e->slots);
	e->epfd = -1;
	if (!(e->multi = curl_multi_init())) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto fail;
	}
	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	e->timer_at = -1;
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)nslots);
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)nslots + 4);
	for (i = 0; i < nslots; i++) {
		CURL *c = curl_easy_init();

		if (!c) {
			snprintf(err, errlen, "curl_easy_init failed");
			goto fail;
		}
		e->slots[i].easy = c;
		e->slots[i].eng = e;
		e->slots[i].max_body = o->max_body;
		e->slots[i].stale = 1;	/* its options set at its first transfer */
	}
	return e;
fail:
	http_free(e);
	return NULL;
}

void
http_free(struct http_engine *e)
{
	int i;

	if (!e)
		return;
	for (i = 0; i < e->nslots; i++) {
		struct http_xfer *x = &e->slots[i];

		if (x->busy)
			curl_multi_remove_handle(e->multi, x->easy);
		curl_easy_cleanup(x->easy);
		buf_free(&x->req);
		buf_free(&x->body);
	}
	curl_multi_cleanup(e->multi);
	if (e->epfd >= 0)
		close(e->epfd);
	buf_free(&e->trace);
	free(e->fds);
	free(e->slots);
	free(e);
}

struct http_xfer *
http_slot(struct http_engine *e, int busy)
{
	int i;

	for (i = 0; i < e->nslots; i++)
		if (e->slots[i].busy == busy)
			return &e->slots[i];
	return NULL;
}

struct http_target *
http_target_new_auth(const char *url, const char *shown, const char *auth_line,
                     const char *token, const char *const *headers)
{
	struct http_target *t = ecalloc(1, sizeof *t);
	struct curl_slist *l = NULL;
	struct buf auth = {0};

	l = curl_slist_append(l, "Content-Type: application/json");
	/* no 100-continue round trip before each body */
	l = curl_slist_append(l, "Expect:");
	for (; headers && *headers; headers++)
		l = curl_slist_append(l, *headers);
	if (token) {
		buf_addf(&auth, "%s%s", auth_line, token);
		l = curl_slist_append(l, auth.data);
		memset(auth.data, 0, auth.len);
		buf_free(&auth);
		/* the trace names the header, never its value */
		t->auth_name = estrndup(auth_line, strcspn(auth_line, ":"));
	}
	if (!l)
		eprintf("out of memory");
	t->url = estrdup(url);
	t->shown = estrdup(shown);
	t->tls = strncmp(url, "https:", 6) == 0;
	t->list = l;
	/* the flags curl itself parses CURLOPT_URL with */
	if (!(t->curlu = curl_url()))
		eprintf("out of memory");
	if (curl_url_set(t->curlu, CURLUPART_URL, url,
	                 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(t->curlu);
		t->curlu = NULL;
	}
	return t;
}

void
http_target_free(struct http_target *t)
{
	if (!t)
		return;
	curl_slist_free_all(t->list);
	curl_url_cleanup(t->curlu);
	free(t->auth_name);
	free(t->url);
	free(t->shown);
	free(t);
}

int
http_start(struct http_engine *e, struct http_xfer *x, struct http_target *t, char *err,
           size_t errlen)
{
	CURL *c = x->easy;
	CURLMcode mc;

	buf_reset(&x->body);
	x->status = 0;
	x->result = CURLE_OK;
	x->too_big = 0;
	x->done = 0;
	x->errbuf[0] = '\0';
	x->sock_errno = 0;
	clear_headers(x);
	x->t_first = x->t_end = 0;
	if (x->stale) {
		curl_easy_reset(c);
		slot_setup(e, x);
		x->stale = 0;
	}
	/* a slot serves every endpoint: the URL handle wins over CURLOPT_URL */
	curl_easy_setopt(c, CURLOPT_CURLU, t->curlu);
	if (!t->curlu)
		curl_easy_setopt(c, CURLOPT_URL, t->url);
	/* Over TLS, wait for the first connection to say whether it speaks
	 * HTTP/2, and multiplex on it; plain HTTP is HTTP/1.1 here, where
	 * waiting makes every transfer queue for the one connection: -j 64
	 * against a local server ran one request at a time. */
	curl_easy_setopt(c, CURLOPT_PIPEWAIT, (long)t->tls);
	/* Compressed answers only from afar: a local server never compresses,
	 * and curl spends as much formatting the header as sending the
	 * request.  curl's default Accept header covers JSON and SSE alike. */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, t->tls ? "" : NULL);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->list);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->req.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req.len);
	if (e->opts.trace) {
		/* the trace shows the token masked, never its value */
		buf_reset(&e->trace);
		buf_addf(&e->trace, "> POST %s (%zu bytes)", t->shown, x->req.len);
		if (t->auth_name)
			buf_addf(&e->trace, " %s: %s[REDACTED]", t->auth_name,
			         strcmp(t->auth_name, "Authorization") == 0 ? "Bearer " : "");
		e->opts.trace(e->opts.trace_arg, e->trace.data);
	}
	x->t_start = now_ms_f();
	mc = curl_multi_add_handle(e->multi, c);
	if (mc != CURLM_OK) {
		snprintf(err, errlen, "curl: %s", curl_multi_strerror(mc));
		return -1;
	}
	x->busy = 1;
	e->busy++;
	return 0;
}

void
http_on_done(struct http_engine *e, void (*fn)(void *), void *arg)
{
	e->on_done = fn;
	e->on_done_arg = arg;
}

/* curl's own deadlines: timeouts, retries, and transfers just added,
 * which curl starts from a timer of 0 ms */
static int
run_timer(struct http_engine *e)
{
	int running;

	if (e->timer_at < 0 || now_ms_f() < e->timer_at)
		return 0;
	e->timer_at = -1;
	return curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running) == CURLM_OK
	               ? 0 : -1;
}

int
http_poll(struct http_engine *e, int timeout_ms, struct pollfd *extra, int nextra)
{
	struct pollfd pf[5];
	struct epoll_event ev[64];
	int running, n, i;

	if (e->timer_at >= 0) {
		double left = e->timer_at - now_ms_f();

		if (left < timeout_ms)
			timeout_ms = left > 0 ? (int)left + 1 : 0;
	}
	pf[0].fd = e->epfd;
	pf[0].events = POLLIN;
	for (i = 0; i < nextra && i < 4; i++) {
		pf[i + 1] = extra[i];
		pf[i + 1].revents = 0;
	}
	if (poll(pf, (nfds_t)i + 1, timeout_ms) < 0 && errno != EINTR)
		return -1;
	for (i = 0; i < nextra && i < 4; i++)
		extra[i].revents = pf[i + 1].revents;
	n = epoll_wait(e->epfd, ev, (int)(sizeof ev / sizeof *ev), 0);
	for (i = 0; i < n; i++) {
		unsigned char *st = fd_state(e, ev[i].data.fd);
		int flags;

		if (*st & FD_IDLE) {
			/* a kept-alive connection closed or spoke out of turn: curl
			 * finds out when it next takes it; stop hearing of it */
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, ev[i].data.fd, NULL);
			*st &= FD_OURS;
			continue;
		}
		flags = (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP) ? CURL_CSELECT_IN : 0) |
		        (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
		        (ev[i].events & EPOLLERR ? CURL_CSELECT_ERR : 0);
		if (curl_multi_socket_action(e->multi, ev[i].data.fd, flags, &running) != CURLM_OK)
			return -1;
		if (e->on_done && e->busy > running) {
			/* a transfer ended: its slot takes the next request now */
			e->on_done(e->on_done_arg);
			if (run_timer(e) < 0)
				return -1;
		}
	}
	return run_timer(e);
}

struct http_xfer *
http_done(struct http_engine *e)
{
	CURLMsg *m;
	long connects = 0;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left))) {
		struct http_xfer *x;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		x->result = m->data.result;
		x->t_end = now_ms_f();
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
		curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
		x->stale = connects > 0 || x->result != CURLE_OK;
		curl_multi_remove_handle(e->multi, x->easy);
		x->done = 1;
		if (e->opts.trace) {
			buf_reset(&e->trace);
			buf_addf(&e->trace, "< %ld %s (%.0f ms)", x->status,
			         x->result == CURLE_OK ? "" : curl_easy_strerror(x->result),
			         x->t_end - x->t_start);
			e->opts.trace(e->opts.trace_arg, e->trace.data);
		}
		return x;
	}
	return NULL;
}

void
http_release(struct http_engine *e, struct http_xfer *x)
{
	x->busy = 0;
	x->done = 0;
	x->user = NULL;
	x->on_data = NULL;
	e->busy--;
	buf_reset(&x->req);
	/* keep memory flat: drop a large body's buffer, keep a small one */
	if (x->body.cap > 1u << 20)
		buf_free(&x->body);
	if (x->req.cap > 1u << 20)
		buf_free(&x->req);
	buf_reset(&x->body);
}

void
http_abort(struct http_engine *e, struct http_xfer *x)
{
	if (!x->done)
		curl_multi_remove_handle(e->multi, x->easy);
	http_release(e, x);
}

int
http_busy(struct http_engine *e)
{
	return e->busy;
}

enum http_failure
http_failure(const struct http_xfer *x)
{
	switch (x->result) {
	case CURLE_OK:
		return HTTP_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return x->sock_errno == EMFILE || x->sock_errno == ENFILE ? HTTP_NO_FDS
		                                                          : HTTP_NO_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_TOO_BIG;
	case CURLE_OUT_OF_MEMORY:
		/* after the status line, curl's word for a header it refused
		 * as too long: the same again next time */
		return x->status > 0 ? HTTP_HEADERS_TOO_BIG : HTTP_BROKEN;
	case CURLE_WRITE_ERROR:
		/* on_body stopped it past max_body, or on_data did */
		return x->too_big ? HTTP_TOO_BIG : HTTP_ABORTED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return HTTP_REFUSED;
	default:
		return HTTP_BROKEN;
	}
}

const char *
http_failure_text(const struct http_xfer *x)
{
	return x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->result);
}
