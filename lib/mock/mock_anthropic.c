/* llm-mock's Anthropic side: a Messages API request read as the
 * question an OpenAI request would be (so directives, faults, rules and
 * tool scripting are the OpenAI route's own, in mock_answer.c), and the
 * answer written in Anthropic's shapes: the message body, its event
 * stream, its errors. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/fnv.h"
#include "json/json.h"
#include "mock/mock_internal.h"

/* The text blocks of an Anthropic content (a string or blocks), joined. */
static json_object *
text_of(json_object *c)
{
	struct buf b = {0};
	json_object *s;
	size_t i;

	if (json_object_is_type(c, json_type_string))
		return json_ref(c);
	buf_adds(&b, "");
	for (i = 0; json_object_is_type(c, json_type_array) && i < json_object_array_length(c); i++) {
		json_object *blk = json_object_array_get_idx(c, i), *t = json_get(blk, "text");
		const char *type = json_get_str(blk, "type");

		if (type && strcmp(type, "text") == 0 && json_object_is_type(t, json_type_string)) {
			if (b.len)
				buf_adds(&b, "\n");
			buf_add(&b, json_object_get_string(t), (size_t)json_object_get_string_len(t));
		}
	}
	s = json_object_new_string_len(b.data, (int)b.len);
	buf_free(&b);
	return s;
}

static json_object *
message(const char *role, json_object *content)
{
	json_object *m = json_object_new_object();

	json_set(m, "role", json_object_new_string(role));
	json_set(m, "content", content);
	return m;
}

/* One Anthropic message as OpenAI ones: a user turn's tool results are
 * tool messages, its text a user message after them; an assistant's
 * tool_use blocks are its tool_calls. */
static void
add_turn(json_object *out, json_object *m)
{
	const char *role = json_get_str(m, "role");
	json_object *c = json_get(m, "content"), *calls = NULL;
	size_t i, n = json_object_is_type(c, json_type_array) ? json_object_array_length(c) : 0;
	int text = !json_object_is_type(c, json_type_array);

	for (i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(c, i);
		const char *type = json_get_str(b, "type");

		if (!type)
			continue;
		if (strcmp(type, "text") == 0)
			text = 1;
		else if (strcmp(type, "tool_result") == 0) {
			json_object *t = message("tool", text_of(json_get(b, "content")));

			json_set(t, "tool_call_id", json_ref(json_get(b, "tool_use_id")));
			json_object_array_add(out, t);
		} else if (strcmp(type, "tool_use") == 0) {
			json_object *tc = json_object_new_object(), *fn = json_object_new_object();
			struct buf args = {0};

			json_line(json_get(b, "input"), &args);
			json_set(tc, "id", json_ref(json_get(b, "id")));
			json_set(tc, "type", json_object_new_string("function"));
			json_set(fn, "name", json_ref(json_get(b, "name")));
			json_set(fn, "arguments", json_object_new_string_len(args.data, (int)args.len));
			json_set(tc, "function", fn);
			buf_free(&args);
			if (!calls)
				calls = json_object_new_array();
			json_object_array_add(calls, tc);
		}
	}
	if (text || calls || !n) {
		json_object *o = message(role ? role : "", text_of(c));

		if (calls)
			json_set(o, "tool_calls", calls);
		json_object_array_add(out, o);
	}
}

/* The OpenAI request the mock answers for an Anthropic one. */
static json_object *
as_openai(json_object *req)
{
	static const char *const same[] = { "model", "stream", "max_tokens" };
	json_object *o = json_object_new_object(), *msgs = json_object_new_array(), *v;
	json_object *in = json_get(req, "messages");
	size_t i;

	for (i = 0; i < NELEM(same); i++)
		if ((v = json_get(req, same[i])))
			json_set(o, same[i], json_ref(v));
	if ((v = json_get(req, "system")))
		json_object_array_add(msgs, message("system", text_of(v)));
	for (i = 0; json_object_is_type(in, json_type_array) && i < json_object_array_length(in); i++)
		add_turn(msgs, json_object_array_get_idx(in, i));
	json_set(o, "messages", json_object_is_type(in, json_type_array) ? msgs : NULL);
	if (!json_object_is_type(in, json_type_array))
		json_object_put(msgs);
	return o;
}

void
mock_anthropic_error_json(struct buf *out, int status, const char *msg)
{
	struct jw w;

	buf_reset(out);
	jw_start(&w, out);
	jw_open(&w, '{');
	jw_kv_str(&w, "type", "error");
	jw_key(&w, "error");
	jw_open(&w, '{');
	jw_kv_str(&w, "type", mock_status_row(status)->anthropic_type);
	jw_kv_str(&w, "message", msg);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

/* An error answer's OpenAI body in Anthropic's shape, its message kept. */
static void
reshape_error(struct mock_answer *a)
{
	char why[ERRLEN];
	json_object *doc = json_parse(a->body.data ? a->body.data : "", a->body.len, why, sizeof why);
	const char *m = json_get_str(json_get(doc, "error"), "message");

	/* m is doc's own copy: a->body may be written over */
	if (m)
		mock_anthropic_error_json(&a->body, a->status, m);
	json_object_put(doc);
}

void
mock_anthropic_reply(struct mock *m, const char *body, size_t len, struct mock_answer *a)
{
	char why[ERRLEN];
	json_object *req = json_parse(body, len, why, sizeof why), *o;

	if (!json_object_is_type(req, json_type_object) || !json_get(req, "max_tokens")) {
		memset(a, 0, sizeof *a);
		a->anthropic = 1;
		a->status = 400;
		a->raw = 1;
		mock_anthropic_error_json(&a->body, 400, !req ? "invalid JSON in request body"
		           : !json_object_is_type(req, json_type_object)
		           ? "the request body must be a JSON object" : "max_tokens: Field required");
		json_object_put(req);
		return;
	}
	o = as_openai(req);
	/* hashed as sent, so times= counts attempts of this very request */
	mock_reply_tree(m, o, fnv1a(body, len), a);
	a->anthropic = 1;
	snprintf(a->id, sizeof a->id, "msg_mock_%016llx", (unsigned long long)a->hash);
	if (a->raw && a->status >= 400)
		reshape_error(a);
	json_object_put(o);
	json_object_put(req);
}

static const char *
stop_reason(const struct mock_answer *a)
{
	if (a->ntools)
		return "tool_use";
	return strcmp(a->finish, "length") == 0 ? "max_tokens" : "end_turn";
}

static void
usage(const struct mock_answer *a, struct jw *w, int start)
{
	jw_key(w, "usage");
	jw_open(w, '{');
	if (start) {
		jw_kv_int(w, "input_tokens", a->prompt_tokens);
		jw_kv_int(w, "cache_creation_input_tokens", 0);
		jw_kv_int(w, "cache_read_input_tokens", 0);
	}
	jw_kv_int(w, "output_tokens", start == 1 ? 1 : a->completion_tokens);
	jw_close(w, '}');
}

/* The tool_use block k; args NULL: its input is {} (a stream's start). */
static void
tool_block(const struct mock_answer *a, size_t k, const char *args, struct jw *w)
{
	jw_open(w, '{');
	jw_kv_str(w, "type", "tool_use");
	jw_key(w, "id");
	mock_tool_id(a, "toolu_mock_", k, w);
	jw_kv_str(w, "name", a->tools[k].name);
	jw_key(w, "input");
	if (args && *args)
		jw_raw(w, args, strlen(args));
	else
		jw_raw(w, "{}", 2);
	jw_close(w, '}');
}

static void
message_head(const struct mock_answer *a, struct jw *w)
{
	jw_open(w, '{');
	jw_kv_str(w, "id", a->id);
	jw_kv_str(w, "type", "message");
	jw_kv_str(w, "role", "assistant");
	jw_kv_str(w, "model", a->model);
}

void
mock_anthropic_completion(const struct mock_answer *a, struct buf *out, struct buf *post)
{
	struct jw w;
	size_t i;

	jw_start(&w, out);
	message_head(a, &w);
	jw_key(&w, "content");
	jw_open(&w, '[');
	if (mock_has_reasoning(a)) {
		struct buf r = {0};

		buf_adds(&r, REASONING_PREFIX);
		buf_add(&r, a->content.data, a->content.len);
		jw_open(&w, '{');
		jw_kv_str(&w, "type", "thinking");
		jw_key(&w, "thinking");
		jw_str(&w, r.data, r.len);
		jw_kv_str(&w, "signature", "mock");
		jw_close(&w, '}');
		buf_free(&r);
	}
	if (a->has_content && !(a->faults & MOCK_F_EMPTY_CHOICES)) {
		jw_open(&w, '{');
		jw_kv_str(&w, "type", "text");
		jw_key(&w, "text");
		if (post) {
			jw_str_open(&w);
			w.b = post;
			jw_str_close(&w);
		} else
			jw_str(&w, a->content.data, a->content.len);
		jw_close(&w, '}');
	}
	for (i = 0; i < a->ntools; i++)
		tool_block(a, i, a->tools[i].args, &w);
	jw_close(&w, ']');
	jw_kv_str(&w, "stop_reason", stop_reason(a));
	jw_key(&w, "stop_sequence");
	jw_null(&w);
	usage(a, &w, 2);
	jw_close(&w, '}');
}

/* Stream phases: the message's start, a thinking block, a text block,
 * each tool's block, the message's end. */
enum { A_START, A_THINK_HEAD, A_THINK, A_THINK_STOP, A_TEXT_HEAD, A_TEXT, A_TEXT_STOP,
       A_TOOL_HEAD, A_TOOL_ARGS, A_TOOL_STOP, A_DELTA, A_STOP, A_CUT, A_END };

static size_t
text_len(const struct mock_answer *a)
{
	if (!a->has_content || (a->faults & MOCK_F_EMPTY_CHOICES))
		return 0;
	return a->faults & MOCK_F_HUGE ? (size_t)a->huge_bytes : a->content.len;
}

/* The deltas of the whole answer, for where a cut falls. */
static size_t
count_deltas(const struct mock_answer *a)
{
	size_t n = 0, off, len = text_len(a), i;

	for (off = 0; off < len; n++)
		off += mock_delta_len(a->faults & MOCK_F_HUGE, a->content.data, off, len);
	if (mock_has_reasoning(a))
		n += 1 + n;
	for (i = 0; i < a->ntools; i++) {
		size_t alen = strlen(a->tools[i].args);

		for (off = 0; off < alen; n++)
			off += mock_delta_len(0, a->tools[i].args, off, alen);
	}
	return n;
}

/* "data: " and the event's object opened with its type. */
static void
ev_open(struct jw *w, struct buf *out, const char *type)
{
	buf_adds(out, "data: ");
	jw_start(w, out);
	jw_open(w, '{');
	jw_kv_str(w, "type", type);
}

static void
ev_close(struct jw *w)
{
	jw_close(w, '}');
	buf_adds(w->b, "\n\n");
}

/* An event of the current block: its index, then key's object opened
 * with its type. */
static void
block_event(struct jw *w, struct mock_stream *s, struct buf *out, const char *event,
            const char *key, const char *type)
{
	ev_open(w, out, event);
	jw_kv_int(w, "index", s->block);
	jw_key(w, key);
	jw_open(w, '{');
	jw_kv_str(w, "type", type);
}

/* A block of type opened, its field of the same name empty. */
static void
block_start(struct mock_stream *s, struct buf *out, const char *type)
{
	struct jw w;

	block_event(&w, s, out, "content_block_start", "content_block", type);
	jw_keyn(&w, type, strlen(type));
	jw_strz(&w, "");
	jw_close(&w, '}');
	ev_close(&w);
}

static void
block_stop(struct mock_stream *s, struct buf *out)
{
	struct jw w;

	ev_open(&w, out, "content_block_stop");
	jw_kv_int(&w, "index", s->block++);
	ev_close(&w);
}

/* A delta of the current block: type, its field, the text. */
static void
delta(struct mock_stream *s, struct buf *out, const char *type, const char *field,
      const char *t, size_t n, size_t xs)
{
	struct jw w;

	block_event(&w, s, out, "content_block_delta", "delta", type);
	jw_key(&w, field);
	if (xs) {
		char x[1024];
		size_t k;

		memset(x, 'x', sizeof x);
		jw_str_open(&w);
		for (k = 0; k < xs; k += sizeof x)
			buf_add(out, x, xs - k < sizeof x ? xs - k : sizeof x);
		jw_str_close(&w);
	} else
		jw_str(&w, t, n);
	jw_close(&w, '}');
	ev_close(&w);
}

/* The next event of the answer, as "data: {..}\n\n"; its type is the
 * event's name. */
static int
next(const struct mock_answer *a, struct mock_stream *s, struct buf *out)
{
	struct jw w;

	for (;;) {
		int delta_phase = s->phase == A_THINK || s->phase == A_TEXT || s->phase == A_TOOL_ARGS;

		if (delta_phase && s->sent >= s->limit) {
			s->phase = A_CUT;
			continue;
		}
		switch (s->phase) {
		case A_START:
			s->limit = SIZE_MAX;
			if (a->faults & (MOCK_F_DROP | MOCK_F_TRUNCATE))
				s->limit = (count_deltas(a) + 1) / 2;
			if (a->faults & MOCK_F_STREAM_ERROR)
				s->limit = count_deltas(a) < 2 ? count_deltas(a) : 2;
			if (a->faults & MOCK_F_INVALID_JSON) {
				buf_adds(out, "data: {\"type\":\"message_start\",\"mess\n\n");
				s->phase = A_END;
				return MOCK_EV_DATA;
			}
			ev_open(&w, out, "message_start");
			jw_key(&w, "message");
			message_head(a, &w);
			jw_key(&w, "content");
			jw_raw(&w, "[]", 2);
			jw_key(&w, "stop_reason");
			jw_null(&w);
			jw_key(&w, "stop_sequence");
			jw_null(&w);
			usage(a, &w, 1);
			jw_close(&w, '}');
			ev_close(&w);
			s->phase = mock_has_reasoning(a) ? A_THINK_HEAD : A_TEXT_HEAD;
			return MOCK_EV_DATA;
		case A_THINK_HEAD:
			block_start(s, out, "thinking");
			/* the prefix first, a delta of its own */
			delta(s, out, "thinking_delta", "thinking", REASONING_PREFIX,
			      strlen(REASONING_PREFIX), 0);
			s->sent++;
			s->phase = A_THINK;
			s->off = 0;
			return MOCK_EV_DATA;
		case A_THINK:
		case A_TEXT: {
			/* the next piece of the text (or of the thinking, the text again) */
			int huge = a->faults & MOCK_F_HUGE;
			size_t len = text_len(a), n;

			if (s->off >= len) {
				s->phase++;
				continue;
			}
			n = mock_delta_len(huge, a->content.data, s->off, len);
			if (s->phase == A_THINK)
				delta(s, out, "thinking_delta", "thinking", a->content.data + s->off, n, 0);
			else
				delta(s, out, "text_delta", "text", a->content.data + s->off, n, huge ? n : 0);
			s->off += n;
			s->sent++;
			return MOCK_EV_DATA;
		}
		case A_THINK_STOP:
			block_event(&w, s, out, "content_block_delta", "delta", "signature_delta");
			jw_kv_str(&w, "signature", "mock");
			jw_close(&w, '}');
			ev_close(&w);
			block_stop(s, out);
			s->phase = A_TEXT_HEAD;
			s->off = 0;
			return MOCK_EV_DATA;
		case A_TEXT_HEAD:
			if (!text_len(a)) {
				s->phase = A_TOOL_HEAD;
				continue;
			}
			block_start(s, out, "text");
			/* a ping, as the API sends now and then */
			buf_adds(out, "data: {\"type\":\"ping\"}\n\n");
			s->phase = A_TEXT;
			s->off = 0;
			return MOCK_EV_DATA;
		case A_TEXT_STOP:
			block_stop(s, out);
			s->phase = A_TOOL_HEAD;
			return MOCK_EV_DATA;
		case A_TOOL_HEAD:
			if (s->tool >= a->ntools) {
				s->phase = A_DELTA;
				continue;
			}
			ev_open(&w, out, "content_block_start");
			jw_kv_int(&w, "index", s->block);
			jw_key(&w, "content_block");
			tool_block(a, s->tool, NULL, &w);
			ev_close(&w);
			s->phase = A_TOOL_ARGS;
			s->off = 0;
			return MOCK_EV_DATA;
		case A_TOOL_ARGS: {
			const char *args = a->tools[s->tool].args;
			size_t alen = strlen(args), n;

			if (s->off >= alen) {
				s->phase = A_TOOL_STOP;
				continue;
			}
			n = mock_delta_len(0, args, s->off, alen);
			delta(s, out, "input_json_delta", "partial_json", args + s->off, n, 0);
			s->off += n;
			s->sent++;
			return MOCK_EV_DATA;
		}
		case A_TOOL_STOP:
			block_stop(s, out);
			s->tool++;
			s->phase = A_TOOL_HEAD;
			return MOCK_EV_DATA;
		case A_DELTA:
			if (a->faults & MOCK_F_CUTS) {
				s->phase = A_CUT;
				continue;
			}
			ev_open(&w, out, "message_delta");
			jw_key(&w, "delta");
			jw_open(&w, '{');
			jw_kv_str(&w, "stop_reason", stop_reason(a));
			jw_key(&w, "stop_sequence");
			jw_null(&w);
			jw_close(&w, '}');
			usage(a, &w, 0);
			ev_close(&w);
			s->phase = A_STOP;
			return MOCK_EV_DATA;
		case A_STOP:
			s->phase = A_END;
			if (a->faults & MOCK_F_NO_DONE)
				continue;
			buf_adds(out, "data: {\"type\":\"message_stop\"}\n\n");
			return MOCK_EV_DATA;
		case A_CUT:
			s->phase = A_END;
			if (a->faults & MOCK_F_DROP)
				return MOCK_EV_DROP;
			if (a->faults & MOCK_F_STREAM_ERROR) {
				buf_adds(out, "data: {\"type\":\"error\",\"error\":{\"type\":"
				         "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
				return MOCK_EV_DATA;
			}
			return MOCK_EV_END;
		default:
			return MOCK_EV_END;
		}
	}
}

/* Each event of out[from..] ("data: {"type":"T",..}\n\n", one or more)
 * given its "event: T" line, and shaped as the sse-* faults ask. */
static void
name_events(const struct mock_answer *a, struct mock_stream *s, struct buf *out, size_t from)
{
	struct buf evs = {0}, one = {0};
	const char *p = out->data + from, *end = out->data + out->len;

	while (p < end) {
		const char *stop = strstr(p, "\n\n"), *t = p + strlen("data: {\"type\":\"");
		size_t tn = strcspn(t, "\"");

		stop = stop ? stop + 2 : end;
		buf_reset(&one);
		buf_add(&one, p, (size_t)(stop - p));
		if (a->faults & MOCK_F_SSE_SHAPES) {
			mock_sse_shape(a->faults, s, &one, 0);
			s->events++;
		}
		buf_adds(&evs, "event: ");
		buf_add(&evs, t, tn);
		buf_adds(&evs, "\n");
		buf_add(&evs, one.data, one.len);
		p = stop;
	}
	out->len = from;
	buf_add(out, evs.data, evs.len);
	buf_free(&evs);
	buf_free(&one);
}

int
mock_anthropic_stream_next(const struct mock_answer *a, struct mock_stream *s, struct buf *out)
{
	size_t from = out->len;
	int ev = next(a, s, out);

	if (ev == MOCK_EV_DATA)
		name_events(a, s, out, from);
	return ev;
}
