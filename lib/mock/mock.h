/* mock: what llm-mock answers, without the HTTP.
 *
 * mock_reply() turns a request body into a struct mock_answer: the status,
 * the content or tool calls, the usage, the faults to act out, the delay
 * and the headers to send.  mock_completion() and mock_stream_next() turn
 * an answer into bytes.  Nothing here prints,
 * exits or sleeps: the caller waits as long as the answer asks.
 *
 * The code is split by concern, all behind this one header (the pieces
 * share lib/mock/mock_internal.h): mock_directive.c parses [[mock:...]],
 * mock_rules.c loads and matches a --rules file and counts attempts,
 * mock_answer.c builds the answer, mock_body.c writes completion bodies
 * and stream events, mock.c holds the status table and the error body.
 *
 * Ownership: an answer owns every string in it and is released with
 * mock_answer_free(); struct mock_directives owns its text and is
 * released with mock_directives_free(); a struct mock owns its rules and
 * its table of attempts and is released with mock_free().  mock_reply()
 * may be called from many threads at once on one struct mock.
 */
#ifndef LLM_MOCK_H
#define LLM_MOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/util.h"

#define MOCK_MAXTOOLS 32	/* tool calls in one answer */
#define MOCK_MAXHDRS 16		/* extra headers of one answer */
#define MOCK_MAXSTATUS 8	/* [[mock:NNN]] directives in one message */
#define MOCK_DELTA 8		/* bytes per streamed delta */
#define MOCK_HUGE_DELTA 16384	/* bytes per streamed delta of [[mock:huge]] */
#define MOCK_HUGE_DEFAULT (64LL << 20)
#define MOCK_SLOW_DEFAULT 2000
#define MOCK_MAXMS 3600000LL	/* an hour: longer waits are typos */
#define MOCK_MAXN 128		/* choices of one answer ("n"), as OpenAI allows */
#define MOCK_MAXTOP 20		/* top_logprobs, as OpenAI allows */
#define MOCK_FINGERPRINT "fp_mock"	/* the system_fingerprint of every answer */

/* Faults other than an error status, one bit each. */
enum {
	MOCK_F_SLOW = 1 << 0,
	MOCK_F_DROP = 1 << 1,
	MOCK_F_NO_DONE = 1 << 2,
	MOCK_F_TRUNCATE = 1 << 3,
	MOCK_F_INVALID_JSON = 1 << 4,
	MOCK_F_EMPTY_CHOICES = 1 << 5,
	MOCK_F_HUGE = 1 << 6,
	MOCK_F_STREAM_ERROR = 1 << 7,
	MOCK_F_TOOLS_NO_STREAM = 1 << 8,
	/* the shapes of real servers' streams (all legal SSE) */
	MOCK_F_SSE_CRLF = 1 << 9,	/* lines end in CR LF */
	MOCK_F_SSE_CR = 1 << 10,	/* lines end in a lone CR */
	MOCK_F_SSE_NOSPACE = 1 << 11,	/* "data:{..}" */
	MOCK_F_SSE_COMMENTS = 1 << 12,	/* ": keep-alive" lines and blocks */
	MOCK_F_SSE_FIELDS = 1 << 13,	/* event:, id: and retry: lines */
	MOCK_F_SSE_MULTILINE = 1 << 14,	/* one chunk over several data: lines */
	MOCK_F_SSE_FILTER = 1 << 15,	/* a content-filter chunk with empty choices first */
	MOCK_F_REASONING = 1 << 16,	/* reasoning_content before the content */
	MOCK_F_BAD_UTF8 = 1 << 17,	/* raw bytes that are not UTF-8 after the content */
	MOCK_F_SCHEMA_BREAK = 1 << 18,	/* a structured answer that breaks its schema */
	MOCK_NFAULTS = 19
};

/* Faults that only mean something for a streamed answer. */
#define MOCK_F_SSE_SHAPES (MOCK_F_SSE_CRLF | MOCK_F_SSE_CR | MOCK_F_SSE_NOSPACE | \
                           MOCK_F_SSE_COMMENTS | MOCK_F_SSE_FIELDS | MOCK_F_SSE_MULTILINE | \
                           MOCK_F_SSE_FILTER)
#define MOCK_F_STREAM_ONLY (MOCK_F_NO_DONE | MOCK_F_TRUNCATE | MOCK_F_STREAM_ERROR | \
                            MOCK_F_TOOLS_NO_STREAM | MOCK_F_SSE_SHAPES)
/* Faults that cut a stream short. */
#define MOCK_F_CUTS (MOCK_F_DROP | MOCK_F_TRUNCATE | MOCK_F_STREAM_ERROR)

struct mock_tool {
	char *name;
	char *args;		/* the arguments as JSON text, sent as a string */
	long long turns;	/* [[mock:tool turns=N]]: called again until N rounds of
				 * tool results follow the last user message; 0 is 1 */
};

/* An injected error status: [[mock:429 retry-after=2 times=1]]. */
struct mock_status {
	int code;
	long long times;	/* 0: every attempt */
	long long retry_after, retry_after_date, retry_after_ms;	/* -1: not given */
	int should_retry;	/* -1: not given, 0 false, 1 true */
};

/* The [[mock:...]] directives of one message. */
struct mock_directives {
	unsigned faults;
	long long times[MOCK_NFAULTS];	/* per fault bit, 0: every attempt */
	long long slow_ms, huge_bytes;
	struct mock_status status[MOCK_MAXSTATUS];
	size_t nstatus;
	struct mock_tool tools[MOCK_MAXTOOLS];
	size_t ntools;
	struct buf text;	/* the message without its directives, trimmed */
};

struct mock_header {
	char *name;
	char *value;
};

struct mock_answer {
	int status;		/* HTTP status */
	int anthropic;		/* in Anthropic's shapes (mock_anthropic.c) */
	int raw;		/* body is the whole answer, to be sent as it is */
	int injected;		/* a fault or an error rule shaped this answer */
	unsigned faults;	/* MOCK_F_* acted out by the sender */
	int stream, include_usage;
	long long delay_ms;	/* wait this long before the first byte */
	uint64_t hash;		/* of the request body */
	char id[40];
	char *model;
	int has_content;	/* else "content":null */
	struct buf content;
	struct mock_tool tools[MOCK_MAXTOOLS];
	size_t ntools;
	const char *finish;
	int n;			/* choices: choice k > 0 is choice 0 with " (choice k)" added */
	int logprobs;		/* send logprobs: one entry per streamed piece */
	int top_logprobs;	/* alternatives in each entry */
	long long prompt_tokens, completion_tokens;
	long long max_tokens;	/* the request's max_tokens, -1: none */
	long long huge_bytes;	/* content is this many 'x' (MOCK_F_HUGE) */
	struct buf body;	/* with raw */
	struct mock_header hdrs[MOCK_MAXHDRS];
	size_t nhdrs;
};

/* Where a stream is; zero it before the first mock_stream_next(). */
struct mock_stream {
	int phase;
	size_t off;		/* into the content or the current arguments */
	size_t tool;
	int choice;		/* the choice being sent */
	size_t sent;		/* deltas sent */
	size_t limit;		/* deltas to send before a cut */
	long long events;	/* events sent, for id: lines */
	int filtered;		/* the content-filter chunk went out */
	int block;		/* Anthropic: the index of the next content block */
};

enum { MOCK_EV_DATA, MOCK_EV_END, MOCK_EV_DROP };

struct mock *mock_new(void);
void mock_free(struct mock *m);

/* Refuse requests with response_format json_schema, as servers that do
 * not know it do (a 400 naming it): llm-mock --no-json-schema. */
void mock_set_no_json_schema(struct mock *m, int on);

/* Load NDJSON rules from path (name is used in messages).  0, or -1 with
 * "FILE:LINE: what" in err. */
int mock_load_rules(struct mock *m, const char *path, char *err, size_t errlen);

/* The bytes of the most headers one rule sends, for the room a
 * connection needs to send them. */
size_t mock_header_bytes(const struct mock *m);
int mock_load_rules_text(struct mock *m, const char *name, const char *text, size_t len,
                         char *err, size_t errlen);

/* Answer the request body; a is always filled (bad requests become 400
 * answers) and must be released with mock_answer_free(). */
void mock_reply(struct mock *m, const char *body, size_t len, struct mock_answer *a);
void mock_answer_free(struct mock_answer *a);

/* The same for a Messages API request (POST /v1/messages): it is read
 * as the question an OpenAI request would be, so every directive, fault
 * and rule acts alike, and the answer is marked (a->anthropic) to be
 * written by mock_anthropic_completion() and mock_anthropic_stream_next();
 * error bodies are Anthropic's {"type":"error","error":{"type","message"}}. */
void mock_anthropic_reply(struct mock *m, const char *body, size_t len, struct mock_answer *a);

/* mock_completion() and mock_stream_next() of an answer in Anthropic's
 * shapes (a->anthropic); each event is "event: TYPE" and its data. */
void mock_anthropic_completion(const struct mock_answer *a, struct buf *out, struct buf *post);
int mock_anthropic_stream_next(const struct mock_answer *a, struct mock_stream *s,
                               struct buf *out);

/* The non-streamed body of a status-200 answer that is not raw, into out;
 * with post, cut where the content goes (for huge answers, whose content
 * is written by the caller): out + content + post is the body. */
void mock_completion(const struct mock_answer *a, struct buf *out, struct buf *post);

/* Append the next server-sent event of a streamed answer to out.
 * MOCK_EV_DATA: send out; MOCK_EV_END: end the stream cleanly;
 * MOCK_EV_DROP: break the connection.  ts_ms is the wall clock written as
 * x_mock_ts_ms. */
int mock_stream_next(const struct mock_answer *a, struct mock_stream *s, double ts_ms,
                     struct buf *out);

/* Parse the directives of text.  0, or -1 with the reason in err.  d is
 * overwritten, then owned by the caller (mock_directives_free). */
int mock_parse_directives(const char *text, size_t len, struct mock_directives *d,
                          char *err, size_t errlen);
void mock_directives_free(struct mock_directives *d);

/* The OpenAI error body {"error":{...}}; code may be NULL. */
void mock_error_json(struct buf *out, const char *msg, const char *type, const char *code);
/* Anthropic's error body {"type":"error","error":{"type","message"}}
 * for status, in out (emptied first). */
void mock_anthropic_error_json(struct buf *out, int status, const char *msg);
/* What we give an HTTP status: its reason phrase, error type and code
 * (NULL: none), whether a [[mock:NNN]] directive may inject it, and
 * Anthropic's error type.  A status not in our table gets the row of its
 * class. */
struct mock_status_row {
	int code;
	const char *reason, *type, *ecode;
	int injectable;
	const char *anthropic_type;
};
const struct mock_status_row *mock_status_row(int code);

/* Helpers, exposed for the unit tests. */
long long mock_tokens(size_t bytes);
void mock_http_date(time_t t, char *out, size_t outlen);

#endif
