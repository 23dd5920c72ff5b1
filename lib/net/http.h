/* http: the libcurl multi engine.  A fixed set of transfer slots (the
 * concurrency), each with an easy handle whose options are set afresh
 * before every transfer, so no transfer inherits another's state; the
 * connections are the multi handle's, reused from one transfer to the
 * next; HTTP/2 is multiplexed when a server offers it.
 *
 * The engine owns the slots.  A caller takes a free slot, fills x->req and
 * x->user, starts it towards a target, and gets it back from http_done()
 * when it has finished; it then reads the answer and releases the slot.
 *
 * A target (a URL and the headers sent to it, the token among them) is
 * made once and owned by the caller, who keeps it as long as the engine
 * may send to it.  The engine moves bytes and headers only: what a body
 * means, and what a failure means to the caller, are the caller's.
 */
#ifndef LLM_HTTP_H
#define LLM_HTTP_H

#include <curl/curl.h>
#include <poll.h>

#include "base/util.h"

struct http_xfer;

/* The rate-limit headers kept (OpenAI's x-ratelimit-*, or Anthropic's
 * anthropic-ratelimit-*): limit, remaining and reset, of requests then of
 * tokens. */
enum {
	HTTP_RL_REQ_LIMIT, HTTP_RL_REQ_LEFT, HTTP_RL_REQ_RESET,
	HTTP_RL_TOK_LIMIT, HTTP_RL_TOK_LEFT, HTTP_RL_TOK_RESET,
	HTTP_NRL
};

/* Called with each piece of the response body as it arrives instead of
 * buffering it (streaming); returns 0 to go on, -1 to abort. */
typedef int (*http_data_fn)(struct http_xfer *x, const char *p, size_t n);

struct http_xfer {
	CURL *easy;
	struct buf req;		/* the request body, kept until done */
	struct buf body;	/* the response body (unless on_data) */
	http_data_fn on_data;
	void *user;
	long status;		/* HTTP status, 0 when none came */
	CURLcode result;
	size_t max_body;	/* longest body kept (0: no limit) */
	int too_big;		/* body passed the limit: aborted */
	double t_start, t_first, t_end;	/* now_ms_f() at start, first byte, end */
	/* the values of the headers that decide retries, as the server sent
	 * them ("": absent); what they mean is the dialect's */
	char h_retry_after[128], h_retry_after_ms[64], h_should_retry[16];
	char h_location[512];	/* where a redirect leads (not followed) */
	char h_ratelimit[HTTP_NRL][48];	/* as the server sent them ("": absent) */
	char errbuf[CURL_ERROR_SIZE];
	int sock_errno;		/* socket() failed with it (EMFILE); 0: it did not */
	struct http_engine *eng;
	int busy;
	int done;
	int stale;		/* the handle made a connection: reset before reuse */
};

struct http_opts {
	long timeout_ms;		/* whole transfer; 0: none */
	long connect_timeout_ms;
	size_t max_body;		/* longest response body kept */
	/* NULL, or called with a line for each request sent and each
	 * answer in (the token masked), for the caller to show */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;
};

struct http_engine;
struct http_target;

/* NULL with err when curl or epoll cannot be set up. */
struct http_engine *http_new(int slots, const struct http_opts *o, char *err, size_t errlen);
void http_free(struct http_engine *e);

/* Where requests go: url, with the token in the header line auth begins
 * ("Authorization: Bearer ", "x-api-key: "; NULL token: no such line),
 * and the header lines of headers (NULL-ended, NULL: none) sent besides;
 * shown is the URL as traces show it, its secrets masked by the caller. */
struct http_target *http_target_new_auth(const char *url, const char *shown, const char *auth,
                                         const char *token, const char *const *headers);
void http_target_free(struct http_target *t);

/* A free slot (busy 0) or one in use (busy 1), or NULL when none is. */
struct http_xfer *http_slot(struct http_engine *e, int busy);
/* POST x->req to t.  0, or -1 with err. */
int http_start(struct http_engine *e, struct http_xfer *x, struct http_target *t,
               char *err, size_t errlen);
/* Wait up to timeout_ms for network activity or one of the extra fds,
 * then move transfers on.  Extra fds' revents are filled in. */
int http_poll(struct http_engine *e, int timeout_ms, struct pollfd *extra, int nextra);
/* Have fn called inside http_poll as soon as a transfer finishes, so the
 * caller can take its result and start the next request before the other
 * sockets with news are read: the server is fed as answers come back, not
 * a round at a time.  fn may call http_done and http_start. */
void http_on_done(struct http_engine *e, void (*fn)(void *), void *arg);
/* A finished transfer, or NULL. */
struct http_xfer *http_done(struct http_engine *e);
void http_release(struct http_engine *e, struct http_xfer *x);
int http_busy(struct http_engine *e);
/* Stopping a slot in use (an interrupt). */
void http_abort(struct http_engine *e, struct http_xfer *x);

/* How a finished transfer failed, in the transport's words. */
enum http_failure {
	HTTP_OK,		/* an answer came, whatever its status */
	HTTP_TIMEOUT,
	HTTP_NO_CONNECT,	/* no address or no connection: may work later */
	HTTP_REFUSED,		/* TLS, scheme or URL refused: will not work later */
	HTTP_TOO_BIG,		/* the body passed max_body */
	HTTP_ABORTED,		/* the caller's on_data stopped it */
	HTTP_BROKEN,		/* the connection broke: closed, reset, nothing sent */
	HTTP_NO_FDS,		/* no descriptor for a connection: EMFILE, ENFILE */
	HTTP_HEADERS_TOO_BIG,	/* headers past curl's limit (100 KB a line) */
};

enum http_failure http_failure(const struct http_xfer *x);

/* One request on its own, waited for (http_call.c): for the few calls of
 * a batch API, each made once, where the engine serves the many of a
 * chat run.  A JSON body is POSTed when body is set; a file's bytes as
 * the JSON body (read from disk as curl sends them, never held whole)
 * when body_path is; a multipart form (one field and one file read
 * from disk, streamed) when file_path is; else the request has no body.  The answer's body goes to sink (a
 * descriptor, written as it comes, so a big file is never held) when
 * sink >= 0 and the status is 2xx, else into the caller's buf.  The
 * strings are borrowed for the call. */
struct http_call {
	const char *method;		/* GET, POST, DELETE */
	const char *url, *shown;	/* shown: as traces show it */
	const char *token;		/* NULL: no Authorization */
	const char *auth;		/* the line the token goes in, up to it */
	const char *const *headers;	/* lines sent besides, NULL-ended; NULL: none */
	const char *body;
	const char *body_path;
	const char *field, *value;	/* the form's field (purpose=batch) */
	const char *file_field, *file_path, *file_name;
	int sink;
	const struct http_opts *o;	/* timeouts and trace */
};

/* 0 when an answer came (*status set, whatever it is), or -1 with err
 * (the transport failed: no connection, a timeout; *retryable says
 * whether trying again may help: 0 no, 1 yes, 2 yes and the request
 * surely never reached the server, as no connection was made). */
int http_call(const struct http_call *c, long *status, struct buf *body, int *retryable,
              char *err, size_t errlen);
/* curl's words for the failure, for messages. */
const char *http_failure_text(const struct http_xfer *x);

#endif
