/* A job's answer as a stream: http's on_data feeds the SSE parser, the
 * parser feeds the chunk assembler, the assembler's deltas become event
 * records the moment they are parsed.  A 2xx answer whose body starts
 * with '{' is a plain completion (a server that ignored "stream"): it is
 * kept whole and read as one, and its events are made from it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "run/client_internal.h"
#include "run/xfer_error.h"

enum mode { M_UNKNOWN, M_SSE, M_BODY };

struct client_stream {
	struct client *c;
	struct job *j;
	enum mode mode;
	struct sse_parser sse;
	struct chat_stream cs;
	void *ds;		/* the dialect's reader of the events into cs */
	double t_first;		/* now_ms_f() at the first delta */
};

static json_object *
event_new(struct job *j, const char *type)
{
	json_object *ev = json_object_new_object();

	json_set(ev, "id", json_object_new_string(j->id));
	json_set(ev, "event", json_object_new_string(type));
	return ev;
}

/* Hand ev (consumed) out; a failed write stops the client. */
static void
event_out(struct client *c, struct job *j, json_object *ev)
{
	j->events_sent = 1;
	if (!c->stopped && c->io.event(c->io.arg, ev) < 0)
		c->stopped = 1;
	json_object_put(ev);
}

static void
text_event(struct client *c, struct job *j, const char *kind, const char *text, size_t len)
{
	json_object *ev;

	if (!c->io.event || len == 0)
		return;
	ev = event_new(j, strcmp(kind, "content") == 0 ? "delta" : "reasoning");
	json_set(ev, "content", json_object_new_string_len(text, (int)len));
	event_out(c, j, ev);
}

static void
tool_event(struct client *c, struct job *j, int index, const char *call_id, const char *name,
           const char *args)
{
	json_object *ev;

	if (!c->io.event)
		return;
	ev = event_new(j, "tool_call");
	json_set(ev, "index", json_object_new_int(index));
	if (call_id)
		json_set(ev, "call_id", json_object_new_string(call_id));
	if (name)
		json_set(ev, "name", json_object_new_string(name));
	if (args)
		json_set(ev, "arguments", json_object_new_string(args));
	event_out(c, j, ev);
}

static void
on_delta(void *arg, const char *kind, const char *text, size_t len)
{
	struct client_stream *js = arg;

	if (!js->t_first)
		js->t_first = now_ms_f();
	text_event(js->c, js->j, kind, text, len);
}

static void
on_tool_call(void *arg, int index, const char *id, const char *name, const char *args)
{
	struct client_stream *js = arg;

	if (!js->t_first)
		js->t_first = now_ms_f();
	tool_event(js->c, js->j, index, id, name, args);
}

static int
on_data(struct http_xfer *x, const char *p, size_t n)
{
	struct job *j = x->user;
	struct client_stream *js = j->js;
	size_t i;

	if (js->mode == M_UNKNOWN) {
		for (i = 0; i < n && isspace((unsigned char)p[i]); i++)
			;
		if (i < n)
			js->mode = p[i] == '{' ? M_BODY : M_SSE;
	}
	if (js->mode == M_BODY) {
		if (x->max_body && x->body.len + n > x->max_body) {
			x->too_big = 1;
			return -1;
		}
		buf_add(&x->body, p, n);
		return 0;
	}
	if (sse_feed(&js->sse, p, n) < 0)
		return -1;
	return js->cs.failed || js->c->stopped ? -1 : 0;
}

void
client_stream_begin(struct client *c, struct job *j, struct http_xfer *x)
{
	struct client_stream *js = ecalloc(1, sizeof *js);

	js->c = c;
	js->j = j;
	chat_stream_init(&js->cs, c->o.http.max_body);
	js->cs.on_delta = on_delta;
	js->cs.on_tool_call = on_tool_call;
	js->cs.arg = js;
	js->ds = j->tgt->api->stream_new(&js->cs, j->body);
	sse_init(&js->sse, c->o.http.max_body, j->tgt->api->stream_event, js->ds);
	j->js = js;
	x->on_data = on_data;
}

void
client_stream_free(struct job *j)
{
	if (!j->js)
		return;
	sse_free(&j->js->sse);
	j->tgt->api->stream_free(j->js->ds);
	chat_stream_free(&j->js->cs);
	free(j->js);
	j->js = NULL;
}

int
client_stream_finish(struct client *c, struct job *j, struct http_xfer *x, struct llm_error *e)
{
	struct client_stream *js = j->js;
	json_object *res;
	const char *why;

	if (!js || js->mode != M_SSE)
		return 0;
	if (js->cs.failed) {
		*e = js->cs.err;
		return -1;
	}
	if ((why = sse_error(&js->sse))) {
		llm_error_set(e, "protocol", 0, "event stream: %s", why);
		return -1;
	}
	if (http_failure(x) != HTTP_OK && !js->cs.done) {
		/* cut mid-stream: what came is not an answer */
		xfer_transport_error(x, c->o.http.max_body, e);
		if (strcmp(e->kind, "timeout") != 0)
			llm_error_set(e, "protocol", 1, "stream cut after %ld chunks: %s",
			              js->cs.chunks, http_failure_text(x));
		return -1;
	}
	(void)sse_finish(&js->sse);
	res = json_object_new_object();
	json_set(res, "id", json_object_new_string(j->id));
	json_set(res, "status", json_object_new_string("ok"));
	if (chat_stream_finish(&js->cs, res, e) < 0) {
		json_object_put(res);
		return -1;
	}
	json_set(res, "latency_ms", json_object_new_int64((int64_t)(x->t_end - x->t_start)));
	json_set(res, "ttft_ms", json_object_new_int64((int64_t)(
		(js->t_first ? js->t_first : x->t_first ? x->t_first : x->t_end) - x->t_start)));
	j->result = res;
	return 1;
}

void
client_stream_events_of(struct client *c, struct job *j)
{
	json_object *calls = json_get(j->result, "tool_calls");
	const char *s;
	size_t i;

	if (!c->io.event || j->events_sent)
		return;
	if ((s = json_get_str(j->result, "reasoning")))
		text_event(c, j, "reasoning", s, strlen(s));
	if ((s = json_get_str(j->result, "content")))
		text_event(c, j, "content", s, strlen(s));
	for (i = 0; calls && i < json_object_array_length(calls); i++) {
		json_object *tc = json_object_array_get_idx(calls, i);
		json_object *fn = json_get(tc, "function");
		json_object *ix = json_get(tc, "index");

		tool_event(c, j, ix ? json_object_get_int(ix) : (int)i, json_get_str(tc, "id"),
		           json_get_str(fn, "name"), json_get_str(fn, "arguments"));
	}
}

int
client_stream_tools_refused(struct job *j, struct http_xfer *x)
{
	static const char needle[] = "tools with stream";

	return j->js && x->status >= 400 && json_get(j->body, "tools") && x->body.data &&
	       memmem(x->body.data, x->body.len, needle, sizeof needle - 1);
}
