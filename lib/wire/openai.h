/* openai: the OpenAI chat-completions dialect.  Request bodies from
 * records, result records from completion bodies, and the classification
 * of failures (DESIGN.md 'Result record (failure)').
 */
#ifndef LLM_OPENAI_H
#define LLM_OPENAI_H

#include <time.h>

#include "json/json.h"
#include "json/records.h"

/* Fields the command line sets in every request (NULL/unset: leave). */
struct openai_overrides {
	const char *model;
	json_object *temperature;	/* borrowed; NULL: leave */
	long long max_tokens;		/* -1: leave */
	int json_object_format;		/* response_format json_object */
	json_object *response_format;	/* borrowed; NULL: leave (--json-schema) */
	int stream;			/* -1 leave, 0 remove, 1 stream + include_usage */
};

/* The request body of a record: rec.request, or rec itself when it is a
 * bare OpenAI body (has "messages" and no "request").  Borrowed.  NULL
 * with err when there is none or it is not an object with messages. */
json_object *openai_request_of(json_object *rec, char *err, size_t errlen);

/* Apply the overrides to body, in place. */
void openai_apply(json_object *body, const struct openai_overrides *o);

/* Ask for a stream with usage at its end (stream_options.include_usage,
 * other stream_options kept), or remove both fields. */
void openai_set_stream(json_object *body, int on);

/* Structured output (llm-chat --json-schema, plan.toml's json_schema).
 *
 * openai_schema_format: a new response_format {type: json_schema,
 * json_schema: {name, schema, strict: true}}, schema borrowed (a
 * reference added); json/schema.h's schema_asked() reads it back.
 * openai_schema_refused: is this error answer a server's refusal of
 * response_format (400 naming it: llama.cpp, older vLLM)?
 * openai_schema_fallback: a new body for such a server: a copy of body
 * with response_format json_object and the schema told in a system
 * message (the first one's text extended, or one put first). */
json_object *openai_schema_format(json_object *schema, const char *name);
/* The name of the schema in file path, as OpenAI takes names (letters,
 * digits, '_' and '-', at most 64): its base name up to the first '.',
 * other bytes made '_'; "schema" when nothing is left.  Into out. */
void openai_schema_name(const char *path, char *out, size_t outlen);
int openai_schema_refused(long status, const char *body, size_t len);
json_object *openai_schema_fallback(json_object *body);

/* Fill res (an object holding id etc. already) from a completion body:
 * model, content, tool_calls, reasoning, finish_reason, usage.  0, or -1
 * with e set (kind protocol) when the body is not a usable completion.
 * The usual body is read without json-c's tree (wire/members.h); what is
 * read comes out as json-c's tree of the body says
 * (tests/fuzz/fuzz_completion.c holds it to that). */
int openai_parse_completion(const char *body, size_t len, json_object *res,
                            struct llm_error *e);

/* The headers that decide retries, as the server sent them (NULL: absent). */
struct retry_headers {
	const char *retry_after_ms;
	const char *retry_after;
	const char *should_retry;
};

/* Milliseconds to wait from retry-after-ms, then Retry-After (seconds or
 * an HTTP date of a year 1900-9999, relative to now); -1 when absent or
 * unparsable.  Values are kept even past the SDKs' 60 s cap, so llm-retry
 * can decide; a wait past OPENAI_WAIT_MAX_MS (a century) is cut to it. */
#define OPENAI_WAIT_MAX_MS (100LL * 365 * 86400 * 1000)
long long openai_retry_after(const struct retry_headers *h, time_t now);

/* An HTTP error answer to e: kind http, the server's message, retryable
 * by status (408, 409, 429, 5xx) unless x-should-retry says otherwise;
 * a 429 whose error's type or code is insufficient_quota is kind quota,
 * never retryable. */
void openai_http_error(struct llm_error *e, long status, const char *body, size_t len,
                       const struct retry_headers *h, time_t now);

/* Would asking the same model again never mend this failure (a record's
 * error kind, HTTP status and message)?  An exhausted quota, a model the
 * server does not have (404), a prompt past the model's context (400
 * naming it): the failures another model may answer. */
int openai_needs_other_model(const char *kind, long status, const char *message);

/* Is this status retryable by DESIGN.md's rule (before x-should-retry)? */
int openai_status_retryable(long status);

#endif
