/* dialect: what differs between the APIs an endpoint may speak, as one
 * table of functions, so the client asks the table and never names an
 * API.  Records stay OpenAI-shaped whatever the endpoint speaks: a
 * dialect turns a record's request body into its own wire body, and its
 * answers (whole, streamed, or errors) back into the fields of result
 * records (DESIGN.md 'Records').
 *
 * The tables are constant and live for the whole program; dialect_find()
 * returns a borrowed pointer to one.  A stream's state (stream_new) is
 * owned by its caller and released with stream_free; it borrows the
 * struct chat_stream it fills, which must outlive it.
 */
#ifndef LLM_DIALECT_H
#define LLM_DIALECT_H

#include <time.h>

#include "json/json.h"
#include "json/records.h"
#include "wire/chat_stream.h"
#include "wire/openai.h"

struct dialect {
	const char *name;		/* as providers.toml and LLM_API name it */
	const char *path;		/* of a request, below the base URL */
	const char *auth;		/* the header line a token is sent in, up to
					 * the token: "Authorization: Bearer " */
	const char *const *headers;	/* header lines sent always, NULL-ended */
	const char *beta;		/* the header that names beta features
					 * ("anthropic-beta"), or NULL: none */
	/* The wire body of req (a record's request body, left as it is),
	 * streamed or not, into out.  0, or -1 with e set (kind bad_input,
	 * naming the field) when req holds what the API cannot be asked. */
	int (*body)(json_object *req, int stream, struct buf *out, struct llm_error *e);
	/* A whole answer into res, as openai_parse_completion() does; req
	 * is the request it answers (what was asked decides some fields). */
	int (*parse)(const char *body, size_t len, json_object *req, json_object *res,
	             struct llm_error *e);
	/* An answer of status 400 or more into e (openai_http_error's rules). */
	void (*http_error)(struct llm_error *e, long status, const char *body, size_t len,
	                   const struct retry_headers *h, time_t now);
	/* A stream's events into cs: the state (owned by the caller), an
	 * sse_parser callback taking it, and its release. */
	void *(*stream_new)(struct chat_stream *cs, json_object *req);
	void (*stream_event)(void *st, const char *type, const char *data, size_t len,
	                     const char *id);
	void (*stream_free)(void *st);
};

extern const struct dialect dialect_openai, dialect_anthropic;

/* The dialect called name, or NULL when there is none of that name. */
const struct dialect *dialect_find(const char *name);

/* The names there are, for messages: "openai, anthropic". */
const char *dialect_names(void);

#endif
