/* Anthropic's event stream (message_start, content_block_start, _delta,
 * _stop, message_delta, message_stop, ping, error) read into a struct
 * chat_stream, so a streamed answer becomes the same events and the same
 * record as an OpenAI one.  Events are told apart by their data's
 * "type", as the API repeats it there, else by the SSE event name; types
 * the reader does not know are passed over, as Anthropic asks. */
#include <stdlib.h>
#include <string.h>

#include "wire/anthropic.h"

enum kind { B_OTHER, B_TEXT, B_THINKING, B_TOOL, B_JSON };

/* What a content block is, by its index in the message. */
struct block {
	enum kind kind;
	int tool;		/* B_TOOL: its index among the tool calls */
};

struct astream {
	struct chat_stream *cs;
	char *json_tool;	/* response_format's tool: its input is the content */
	struct block *blocks;
	size_t nblocks;
	int ntools;
	long long counts[4];	/* of usage, each the total so far: the latest sent counts */
};

void *
anthropic_stream_new(struct chat_stream *cs, json_object *req)
{
	struct astream *a = ecalloc(1, sizeof *a);
	const char *jt = anthropic_json_tool(req);

	a->cs = cs;
	a->json_tool = jt ? estrdup(jt) : NULL;
	return a;
}

void
anthropic_stream_free(void *st)
{
	struct astream *a = st;

	if (!a)
		return;
	free(a->json_tool);
	free(a->blocks);
	free(a);
}

/* The block of this index: made (B_OTHER) when new. */
static struct block *
block_at(struct astream *a, json_object *ev)
{
	int64_t i = json_object_get_int64(json_get(ev, "index"));

	if (i < 0 || i >= CHAT_STREAM_MAX_TOOLS * 4) {
		chat_stream_fail(a->cs, 1, "stream event has a bad block index");
		return NULL;
	}
	if ((size_t)i >= a->nblocks) {
		a->blocks = erealloc(a->blocks, (size_t)(i + 1) * sizeof *a->blocks);
		memset(a->blocks + a->nblocks, 0, ((size_t)i + 1 - a->nblocks) * sizeof *a->blocks);
		a->nblocks = (size_t)i + 1;
	}
	return &a->blocks[i];
}

static void
text_of(struct astream *a, const char *kind, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		chat_stream_text(a->cs, kind, json_object_get_string(v),
		                 (size_t)json_object_get_string_len(v));
}

static void
usage_from(struct astream *a, json_object *u)
{
	json_object *o = anthropic_usage(u, a->counts);

	if (o) {
		json_object_put(a->cs->usage);
		a->cs->usage = o;
	}
}

static void
block_start(struct astream *a, json_object *ev)
{
	json_object *cb = json_get(ev, "content_block");
	const char *type = json_get_str(cb, "type"), *name = json_get_str(cb, "name");
	struct block *b = block_at(a, ev);

	if (!b || !type)
		return;
	if (strcmp(type, "text") == 0) {
		b->kind = B_TEXT;
		text_of(a, "content", json_get(cb, "text"));
	} else if (strcmp(type, "thinking") == 0) {
		b->kind = B_THINKING;
		text_of(a, "reasoning", json_get(cb, "thinking"));
	} else if (strcmp(type, "tool_use") == 0 && a->json_tool && name &&
	           strcmp(name, a->json_tool) == 0) {
		b->kind = B_JSON;
	} else if (strcmp(type, "tool_use") == 0) {
		const char *id = json_get_str(cb, "id");

		b->kind = B_TOOL;
		b->tool = a->ntools++;
		chat_stream_tool(a->cs, b->tool, id ? id : "", name ? name : "", NULL, 0);
	}
}

static void
block_delta(struct astream *a, json_object *ev)
{
	json_object *d = json_get(ev, "delta"), *pj = json_get(d, "partial_json");
	const char *type = json_get_str(d, "type");
	struct block *b = block_at(a, ev);

	if (!b || !type)
		return;
	if (strcmp(type, "text_delta") == 0)
		text_of(a, "content", json_get(d, "text"));
	else if (strcmp(type, "thinking_delta") == 0)
		text_of(a, "reasoning", json_get(d, "thinking"));
	else if (strcmp(type, "input_json_delta") == 0 && b->kind == B_JSON)
		text_of(a, "content", pj);
	else if (strcmp(type, "input_json_delta") == 0 && b->kind == B_TOOL &&
	         json_object_is_type(pj, json_type_string) && json_object_get_string_len(pj))
		chat_stream_tool(a->cs, b->tool, NULL, NULL, json_object_get_string(pj),
		                 (size_t)json_object_get_string_len(pj));
	/* signature_delta and what comes: nothing of the record's */
}

/* The message's own fields: model and usage at its start, stop_reason
 * and usage at its end. */
static void
message(struct astream *a, json_object *ev, int start)
{
	struct chat_stream *cs = a->cs;

	if (start) {
		json_object *m = json_get(ev, "message");
		const char *model = json_get_str(m, "model");

		cs->choices = 1;
		if (model && *model) {
			free(cs->model);
			cs->model = estrdup(model);
		}
		usage_from(a, json_get(m, "usage"));
	} else {
		const char *fin = anthropic_finish(json_get_str(json_get(ev, "delta"), "stop_reason"),
		                                   a->json_tool && a->ntools == 0);

		if (fin) {
			free(cs->choice0.finish_reason);
			cs->choice0.finish_reason = estrdup(fin);
		}
		usage_from(a, json_get(ev, "usage"));
	}
}

static void
stream_error(struct astream *a, json_object *ev, const char *data)
{
	json_object *err = json_get(ev, "error");
	const char *type = json_get_str(err, "type"), *m = json_get_str(err, "message");

	/* retryable, as any error after a stream started: the request was
	 * accepted, what broke it is the server's trouble */
	if (type)
		chat_stream_fail(a->cs, 1, "server sent an error in the stream: %s%s%s", type,
		                 m ? ": " : "", m ? m : "");
	else
		chat_stream_fail(a->cs, 1, "server sent an error in the stream: %.200s", data);
}

void
anthropic_stream_event(void *st, const char *name, const char *data, size_t len,
                       const char *id)
{
	struct astream *a = st;
	struct chat_stream *cs = a->cs;
	char why[ERRLEN];
	json_object *ev;
	const char *type;

	(void)id;
	if (cs->failed || cs->done)
		return;
	if (!(ev = json_parse(data, len, why, sizeof why))) {
		if (name && strcmp(name, "error") == 0)
			chat_stream_fail(cs, 1, "server sent an error in the stream: %.200s", data);
		else
			chat_stream_fail(cs, 1, "stream event is not valid JSON: %s", why);
		return;
	}
	if (!(type = json_get_str(ev, "type")))
		type = name ? name : "";
	if (strcmp(type, "message_start") == 0)
		message(a, ev, 1);
	else if (strcmp(type, "content_block_start") == 0)
		block_start(a, ev);
	else if (strcmp(type, "content_block_delta") == 0)
		block_delta(a, ev);
	else if (strcmp(type, "message_delta") == 0)
		message(a, ev, 0);
	else if (strcmp(type, "message_stop") == 0)
		cs->done = 1;
	else if (strcmp(type, "error") == 0)
		stream_error(a, ev, data);
	/* ping, content_block_stop and new types: nothing to take */
	if (!cs->failed)
		cs->chunks++;
	json_object_put(ev);
}
