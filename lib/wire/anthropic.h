/* anthropic: Anthropic's Messages API behind the same records.  A
 * record's OpenAI-shaped request body is translated into a Messages
 * request; answers, whole or streamed, and errors are read back into
 * the fields openai.h and chat_stream.h fill (DESIGN.md 'Records').
 * What is translated and what is refused is llm-chat(1)'s list.
 *
 * Ownership: the request body given is only read; what is made is the
 * caller's (out, res: json.h rules).  A stream state from
 * anthropic_stream_new() borrows its struct chat_stream and is freed
 * with anthropic_stream_free().
 */
#ifndef LLM_ANTHROPIC_H
#define LLM_ANTHROPIC_H

#include <time.h>

#include "json/json.h"
#include "json/records.h"
#include "wire/chat_stream.h"
#include "wire/openai.h"

#define ANTHROPIC_VERSION "2023-06-01"	/* the anthropic-version header */
#define ANTHROPIC_MAX_TOKENS 4096	/* max_tokens when the request has none */
#define ANTHROPIC_JSON_TOOL "json_answer"	/* response_format's tool, unnamed */

/* The Messages request of req (OpenAI-shaped) as a JSON tree: a new
 * object, or NULL with e set (bad_input, naming the field). */
json_object *anthropic_request(json_object *req, int stream, struct llm_error *e);

/* anthropic_request() written as one line into out. */
int anthropic_body(json_object *req, int stream, struct buf *out, struct llm_error *e);

/* A Messages answer into res: model, content, tool_calls, reasoning,
 * finish_reason, usage.  With req's response_format json_schema, the
 * forced tool's input is the content.  0, or -1 with e (protocol). */
int anthropic_parse(const char *body, size_t len, json_object *req, json_object *res,
                    struct llm_error *e);

/* Anthropic's stop_reason as a finish_reason (NULL stays NULL); forced:
 * the request's forced tool (anthropic_json_tool) is all the model
 * called, so a tool_use stop is a plain stop. */
const char *anthropic_finish(const char *stop_reason, int forced);

/* Anthropic's usage object u as ours: its counts (input, output, cache
 * creation and cache read tokens) read into c, a count u lacks kept as
 * c held it; a new object made of c, or NULL when u is no object. */
json_object *anthropic_usage(json_object *u, long long c[4]);

/* An error answer: openai_http_error's rules, the error's type named in
 * the message, overloaded_error, rate_limit_error and api_error
 * retryable whatever the status (529 among them). */
void anthropic_http_error(struct llm_error *e, long status, const char *body, size_t len,
                          const struct retry_headers *h, time_t now);

/* The name of the tool whose input is the answer for req, or NULL. */
const char *anthropic_json_tool(json_object *req);

/* anthropic_stream.c: the event stream of a streamed answer into cs. */
void *anthropic_stream_new(struct chat_stream *cs, json_object *req);
void anthropic_stream_event(void *st, const char *type, const char *data, size_t len,
                            const char *id);
void anthropic_stream_free(void *st);

#endif
