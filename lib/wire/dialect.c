/* The table of dialects, and OpenAI's row: its functions are openai.c's
 * and chat_stream.c's as they are. */
#include <string.h>

#include "wire/anthropic.h"
#include "wire/dialect.h"

static int
openai_body(json_object *req, int stream, struct buf *out, struct llm_error *e)
{
	(void)e;
	openai_set_stream(req, stream);
	json_line(req, out);
	return 0;
}

static int
openai_parse(const char *body, size_t len, json_object *req, json_object *res,
             struct llm_error *e)
{
	(void)req;
	return openai_parse_completion(body, len, res, e);
}

/* The chunk assembler is the stream's state itself. */
static void *
openai_stream_new(struct chat_stream *cs, json_object *req)
{
	(void)req;
	return cs;
}

static void
openai_stream_free(void *st)
{
	(void)st;
}

const struct dialect dialect_openai = {
	.name = "openai",
	.path = "/chat/completions",
	.auth = "Authorization: Bearer ",
	.headers = NULL,
	.beta = NULL,
	.body = openai_body,
	.parse = openai_parse,
	.http_error = openai_http_error,
	.stream_new = openai_stream_new,
	.stream_event = chat_stream_on_event,
	.stream_free = openai_stream_free,
};

static const char *const anthropic_headers[] = {
	"anthropic-version: " ANTHROPIC_VERSION, NULL
};

const struct dialect dialect_anthropic = {
	.name = "anthropic",
	.path = "/messages",
	.auth = "x-api-key: ",
	.headers = anthropic_headers,
	.beta = "anthropic-beta",
	.body = anthropic_body,
	.parse = anthropic_parse,
	.http_error = anthropic_http_error,
	.stream_new = anthropic_stream_new,
	.stream_event = anthropic_stream_event,
	.stream_free = anthropic_stream_free,
};

static const struct dialect *const all[] = {&dialect_openai, &dialect_anthropic};

const struct dialect *
dialect_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof all / sizeof *all; i++)
		if (strcmp(name, all[i]->name) == 0)
			return all[i];
	return NULL;
}

const char *
dialect_names(void)
{
	return "openai, anthropic";
}
