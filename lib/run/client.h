/* client: the loop that turns request records into result records over
 * the http engine — what llm-chat is, and what llm-stream shares.
 *
 * Input is read only as slots free up (or, with keep_order, as the
 * reorder window frees up), so memory grows with the concurrency, never
 * with the number of records.  Every record read gives exactly one output
 * record: bad lines, configuration errors, transport and HTTP failures
 * become error records (DESIGN.md 'Records').
 *
 * The client does not print: it hands each finished record to out(), and
 * reports the state for a progress line through progress().
 *
 * Streaming (opts.stream): requests ask for Server-Sent Events, answers
 * are assembled as they arrive (lib/sse, lib/stream) and each piece is
 * handed to event() as an event record (DESIGN.md 'Stream events') the
 * moment its chunk is parsed.  An answer that did not come as a stream (a
 * cache hit, a server that answered with a plain completion, the
 * fallback below) gives the same events from the whole answer, so a
 * consumer sees one shape.  A server that refuses tools with streaming
 * ("Cannot use tools with stream", llama.cpp) gets that request again
 * unstreamed, and every later request with tools unstreamed, told once
 * through notice().
 *
 * Rate limits (opts.rpm, opts.tpm): token buckets refilled continuously,
 * holding a second's worth; a request is sent only when both have
 * something left, so a batch stays under a provider's per-minute limits.
 * Tokens are estimated from the request (bytes of its messages / 4, plus
 * max_tokens) and the estimate is corrected from the answer's usage.
 *
 * Budgets (opts.max_cost, opts.max_total_tokens): run/budget.h; once a
 * request could pass one, it and every later record get an error of kind
 * "budget" and nothing more is sent, told once through notice().
 * Pacing (opts.pace, client_pace.c): each endpoint is sent to as fast as
 * its answers' rate-limit headers allow, with a window of requests in
 * flight (run/pace.h) of at most opts.jobs; a record read whose endpoint
 * must wait is held, and nothing more is read until it goes.  An answer
 * saying the quota is spent (error kind quota) stops its endpoint: every
 * later record for it gets a quota error without being sent.
 */
#ifndef LLM_CLIENT_H
#define LLM_CLIENT_H

#include "plan/config.h"
#include "net/http.h"
#include "wire/openai.h"
#include "json/records.h"

struct client_stats {
	long done, ok, failed;
	long long tokens;
	double started;		/* now_ms_f() at start */
	int pace_window;	/* in flight allowed, summed over endpoints; -1: not paced */
	double pace_rate;	/* requests a second sent, summed */
};

struct client_opts {
	int jobs;
	int keep_order;
	int echo;		/* put request on success records */
	int save;		/* write content to meta.output */
	const char *cache_dir;
	struct openai_overrides ov;
	struct http_opts http;	/* its trace is set from client_io's */
	int progress_ms;	/* call progress() at most this often; 0: never */
	int stream;		/* ask for SSE streams */
	double rpm, tpm;	/* requests / tokens a minute; 0: no limit */
	double max_cost;	/* USD the run may spend; < 0: no limit (budget.h) */
	double max_total_tokens;	/* tokens the run may use; < 0: no limit */
	int pace;		/* follow the servers' rate-limit headers (run/pace.h) */
	int pace_start;		/* the window before a server tells its limits; 0: jobs */
};

struct client;

/* What the client hands out; any hook but out and flush may be NULL.
 * out() gets each finished record, in the order it is to be written;
 * flush() is called at the end of each round of the loop, before it
 * waits, so records written in batches still go out as they complete.
 * Both return 0, or -1 to stop (a write failed).  event() gets each
 * stream event (owned by the client; same returns); notice() a message
 * for stderr; trace() a line for each request sent and each answer in,
 * the token masked (-v). */
struct client_io {
	int (*out)(void *arg, json_object *rec, int ok);
	int (*flush)(void *arg);
	void (*progress)(void *arg, const struct client_stats *s, int final);
	int (*event)(void *arg, json_object *ev);
	void (*notice)(void *arg, const char *msg);
	void (*trace)(void *arg, const char *line);
	void *arg;
};

/* NULL with err when the transport cannot be set up. */
struct client *client_new(const struct client_opts *o, struct config *cfg,
                          const struct client_io *io, char *err, size_t errlen);
void client_free(struct client *c);

/* The URL a chat completion for ep is posted to (and cached under): the
 * dialect's path below its base_url (config_url); with mask, as -v shows
 * it.  The caller frees it. */
char *client_chat_url(const struct endpoint *ep, int mask);

/* The headers ep's dialect sends, NULL-ended in hdrs: its own, and its
 * beta features when ep names some (that line made in beta, the
 * caller's to free once the headers are taken). */
void client_headers(const struct endpoint *ep, const char *hdrs[8], struct buf *beta);

/* Run the records of fd (name for messages) through.  Returns 0 at the
 * end of input, -1 when out() failed or the run was interrupted.
 *
 * A signal raised through sigwake.h stops the loop: nothing more is read
 * or sent; the answers in are handed out (with keep_order, all of them,
 * in order), and each transfer in flight gives an error record of kind
 * "cancelled", so every record read gives one record. */
int client_run_fd(struct client *c, int fd, const char *name);

/* Run one record (consumed).  Same returns. */
int client_run_record(struct client *c, json_object *rec);

const struct client_stats *client_stats(struct client *c);

#endif
