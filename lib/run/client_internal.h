/* The insides of the client (client.h), shared by client.c (the record
 * loop) and client_stream.c (a streamed answer).  Not for programs. */
#ifndef LLM_CLIENT_INTERNAL_H
#define LLM_CLIENT_INTERNAL_H

#include "run/client.h"
#include "json/hash.h"
#include "run/budget.h"
#include "run/pace.h"
#include "run/ratelimit.h"
#include "net/sse.h"
#include "wire/chat_stream.h"

struct client_stream;
struct schema;

/* What the client keeps for an endpoint of the configuration, beside it
 * (config knows nothing of requests): where its completions are posted,
 * and the transport's handle for that, both made at its first request. */
struct target {
	const struct dialect *api;	/* the endpoint's */
	char *chat_url;
	char *shown;		/* its base URL as records name it, secrets masked */
	struct http_target *http;
	int no_json_schema;	/* refused response_format json_schema */
	struct pace pace;	/* how fast it is sent to (client_pace.c) */
	int quota;		/* it said its quota is spent: nothing more goes */
};

struct job {
	long seq;
	char *id;
	json_object *rec;	/* the input record, owned; NULL for a bad line */
	json_object *body;	/* the request body, borrowed from rec */
	json_object *meta;	/* borrowed from rec */
	json_object *result;	/* the record to write, owned */
	struct target *tgt;	/* where it goes */
	json_object *stream_opts;	/* the request's own stream_options, owned */
	int ok;
	int attempt;
	int fallback;		/* sent again unstreamed: tools refused with a stream */
	int events_sent;	/* stream events were handed out for it */
	double tokens;		/* tokens taken from the tpm bucket for it */
	struct budget_hold hold;	/* what it may spend, while in flight */
	char *asked;		/* the model as the record names it */
	size_t fallbacks;	/* of its fallbacks (config_fallbacks) tried */
	char key[HASH_HEX];	/* cache key, "" when not caching */
	double t0;
	double sent_at;		/* now_ms_f() when last put on the wire */
	struct client_stream *js;	/* the streamed answer, while streaming */
	json_object *kept;	/* the content an error record keeps (schema), owned */
	json_object *kept_usage;	/* and the usage of that answer: it was billed */
};

struct client {
	struct client_opts o;
	struct config *cfg;
	struct client_io io;
	struct http_engine *eng;
	struct target *targets;	/* cfg->prov[i]'s at i, cfg->def's at cfg->nprov */
	struct job **ring;	/* keep_order: finished jobs by seq % jobs */
	long next_seq, next_out;
	int stopped;		/* out() or event() failed */
	int no_stream_tools;	/* the server refused tools with a stream */
	long cache_failed;	/* cache entries that could not be written */
	struct bucket rpm, tpm;
	struct budget budget;
	struct redact *red;	/* for error messages; made at the first error */
	struct client_stats st;
	double last_progress;
	struct source *src;	/* what run() reads, for the done hook */
	int eof;		/* src has no more records */
	struct schema *answer_schema;	/* the last response_format schema, compiled */
	struct job *held;	/* started, waiting for its endpoint's pace */
};

/* client_pace.c */
/* j was put on the wire with its estimate of tokens. */
void client_pace_sent(struct client *c, struct job *j, double now);
/* x, j's transfer, has finished: what it said of the limits. */
void client_pace_answer(struct client *c, struct job *j, const struct http_xfer *x);
/* j failed with e: a spent quota stops its endpoint. */
void client_pace_failed(struct job *j, const struct llm_error *e);
/* Milliseconds until j may be sent (0: now, PACE_FULL: after an answer);
 * -2 when its endpoint's quota is spent (e filled for its record). */
double client_pace_wait(struct client *c, struct job *j, struct llm_error *e);
/* The pace for the progress line, into c->st. */
void client_pace_stats(struct client *c);

/* client_stream.c */
/* Make x carry j's answer as a stream (before http_start). */
void client_stream_begin(struct client *c, struct job *j, struct http_xfer *x);
/* A finished transfer's stream: 1 with j->result filled, -1 with e set
 * (a failed or cut stream), 0 when the answer did not come as a stream
 * and the caller reads x->body. */
int client_stream_finish(struct client *c, struct job *j, struct http_xfer *x, struct llm_error *e);
void client_stream_free(struct job *j);
/* Events from a whole answer, for one that did not stream (cache hit,
 * plain completion, fallback). */
void client_stream_events_of(struct client *c, struct job *j);
/* Is this error answer a refusal to stream with tools? */
int client_stream_tools_refused(struct job *j, struct http_xfer *x);

/* client_schema.c */
/* j's answer checked against the schema its request asks it to follow:
 * 0 (with "parsed" added when one was asked), or -1 with e set and the
 * content kept in j->kept. */
int client_schema_check(struct client *c, struct job *j, struct llm_error *e);
/* Is this error answer a refusal of response_format json_schema?  Then
 * j's endpoint goes the fallback way from now on, said once. */
int client_schema_refused(struct client *c, struct job *j, struct http_xfer *x);
/* The body to send for j (a new reference): j->body, or its fallback. */
json_object *client_schema_wire(struct job *j);

#endif
