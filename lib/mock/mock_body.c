/* The bytes of an answer: the chat.completion body and the server-sent
 * events of a stream, with the faults that cut or spoil them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "json/json.h"
#include "mock/mock_internal.h"

static void
add_usage(const struct mock_answer *a, struct buf *out)
{
	buf_addf(out, "\"usage\":{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,"
	         "\"total_tokens\":%lld}", a->prompt_tokens, a->completion_tokens,
	         a->prompt_tokens + a->completion_tokens);
}

static void
tool_id(const struct mock_answer *a, size_t k, struct buf *out)
{
	buf_addf(out, "\"call_%zu_%08llx\"", k, (unsigned long long)(a->hash & 0xffffffffu));
}

static void
head(const struct mock_answer *a, const char *object, struct buf *out)
{
	buf_adds(out, "{\"id\":\"");
	buf_adds(out, a->id);
	buf_addf(out, "\",\"object\":\"%s\",\"created\":0,\"model\":", object);
	json_quote(out, a->model, strlen(a->model));
}

/* reasoning: the rule is "reasoning about: " and the content */
#define REASONING_PREFIX "reasoning about: "

static int
has_reasoning(const struct mock_answer *a)
{
	return (a->faults & MOCK_F_REASONING) && a->has_content && !(a->faults & MOCK_F_HUGE);
}

static void
completion(const struct mock_answer *a, struct buf *out, struct buf *post)
{
	size_t i;

	head(a, "chat.completion", out);
	if (a->faults & MOCK_F_EMPTY_CHOICES) {
		buf_adds(out, ",\"choices\":[],");
		add_usage(a, out);
		buf_adds(out, "}");
		return;
	}
	buf_adds(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",");
	if (has_reasoning(a)) {
		struct buf r = {0};

		buf_adds(&r, REASONING_PREFIX);
		buf_add(&r, a->content.data, a->content.len);
		buf_adds(out, "\"reasoning_content\":");
		json_quote(out, r.data, r.len);
		buf_adds(out, ",");
		buf_free(&r);
	}
	buf_adds(out, "\"content\":");
	if (!a->has_content)
		buf_adds(out, "null");
	else if (post) {
		buf_adds(out, "\"");
		out = post;
		buf_adds(out, "\"");
	} else
		json_quote(out, a->content.data, a->content.len);
	if (a->ntools) {
		buf_adds(out, ",\"tool_calls\":[");
		for (i = 0; i < a->ntools; i++) {
			buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
			tool_id(a, i, out);
			buf_adds(out, ",\"type\":\"function\",\"function\":{\"name\":");
			json_quote(out, a->tools[i].name, strlen(a->tools[i].name));
			buf_adds(out, ",\"arguments\":");
			json_quote(out, a->tools[i].args, strlen(a->tools[i].args));
			buf_adds(out, "}}");
		}
		buf_adds(out, "]");
	}
	buf_addf(out, "},\"finish_reason\":\"%s\"}],", a->finish);
	add_usage(a, out);
	buf_adds(out, "}");
}

void
mock_completion(const struct mock_answer *a, struct buf *out)
{
	completion(a, out, NULL);
}

void
mock_completion_split(const struct mock_answer *a, struct buf *pre, struct buf *post)
{
	completion(a, pre, post);
}

/* Stream phases. */
enum { S_START, S_REASONING_HEAD, S_REASONING, S_CONTENT, S_TOOL_HEAD, S_TOOL_ARGS, S_FINISH, S_CUT, S_USAGE, S_DONE, S_END };

#define CUTS (MOCK_F_DROP | MOCK_F_TRUNCATE | MOCK_F_STREAM_ERROR)

static size_t
content_len(const struct mock_answer *a)
{
	if (!a->has_content)
		return 0;
	return a->faults & MOCK_F_HUGE ? (size_t)a->huge_bytes : a->content.len;
}

/* The length of the next delta of s[off..len): huge content goes in big
 * pieces, or a stream of 64 MiB would take eight million events.  Bytes
 * that are not UTF-8 (no character starts in the next MOCK_DELTA + 1)
 * go as they are: a delta of none would never end the stream. */
static size_t
delta_len(int huge, const char *s, size_t off, size_t len)
{
	size_t n;

	if (huge)
		return len - off < MOCK_HUGE_DELTA ? len - off : MOCK_HUGE_DELTA;
	if ((n = utf8_cut(s + off, len - off, MOCK_DELTA)) == 0)
		n = len - off < MOCK_DELTA ? len - off : MOCK_DELTA;
	return n;
}

static size_t
count_deltas(const struct mock_answer *a)
{
	size_t n = 0, off, len = content_len(a), i;

	for (off = 0; off < len; n++)
		off += delta_len(a->faults & MOCK_F_HUGE, a->content.data, off, len);
	if (has_reasoning(a))
		n += 1 + n;	/* the prefix, then the content's pieces again */
	for (i = 0; i < a->ntools; i++) {
		size_t alen = strlen(a->tools[i].args);

		n++;
		for (off = 0; off < alen; n++)
			off += delta_len(0, a->tools[i].args, off, alen);
	}
	return n;
}

static void
chunk_open(const struct mock_answer *a, struct buf *out)
{
	buf_adds(out, "data: ");
	head(a, "chat.completion.chunk", out);
	buf_adds(out, ",\"choices\":");
}

static void
chunk_close(struct buf *out, double ts)
{
	buf_addf(out, ",\"x_mock_ts_ms\":%.3f}\n\n", ts);
}

static void
choice_open(struct buf *out)
{
	buf_adds(out, "[{\"index\":0,\"delta\":{");
}

static void
choice_close(struct buf *out, const char *finish)
{
	if (finish)
		buf_addf(out, "},\"finish_reason\":\"%s\"}]", finish);
	else
		buf_adds(out, "},\"finish_reason\":null}]");
}

/* The next piece of the content, as field ("content" or
 * "reasoning_content"). */
static void
content_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out,
              const char *field)
{
	int huge = a->faults & MOCK_F_HUGE;
	size_t len = content_len(a), n = delta_len(huge, a->content.data, s->off, len), k;
	char xs[1024];

	chunk_open(a, out);
	choice_open(out);
	buf_addf(out, "\"%s\":", field);
	if (huge) {
		memset(xs, 'x', sizeof xs);
		buf_add(out, "\"", 1);
		for (k = 0; k < n; k += sizeof xs)
			buf_add(out, xs, n - k < sizeof xs ? n - k : sizeof xs);
		buf_add(out, "\"", 1);
	} else
		json_quote(out, a->content.data + s->off, n);
	s->off += n;
	choice_close(out, NULL);
	chunk_close(out, ts);
}

static void
tool_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	const struct mock_tool *t = &a->tools[s->tool];

	chunk_open(a, out);
	choice_open(out);
	buf_addf(out, "\"tool_calls\":[{\"index\":%zu,", s->tool);
	if (s->phase == S_TOOL_HEAD) {
		buf_adds(out, "\"id\":");
		tool_id(a, s->tool, out);
		buf_adds(out, ",\"type\":\"function\",\"function\":{\"name\":");
		json_quote(out, t->name, strlen(t->name));
		buf_adds(out, ",\"arguments\":\"\"}}]");
	} else {
		size_t alen = strlen(t->args), n = delta_len(0, t->args, s->off, alen);

		buf_adds(out, "\"function\":{\"arguments\":");
		json_quote(out, t->args + s->off, n);
		buf_adds(out, "}}]");
		s->off += n;
	}
	choice_close(out, NULL);
	chunk_close(out, ts);
}

static int
stream_start(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	size_t n = count_deltas(a);

	s->limit = SIZE_MAX;
	if (a->faults & (MOCK_F_DROP | MOCK_F_TRUNCATE))
		s->limit = (n + 1) / 2;
	if (a->faults & MOCK_F_STREAM_ERROR)
		s->limit = n < 2 ? n : 2;
	if (a->faults & MOCK_F_INVALID_JSON) {
		buf_adds(out, "data: {\"id\":\"x\",\"choices\":[{\"mess\n\n");
		s->phase = S_DONE;
		return MOCK_EV_DATA;
	}
	if ((a->faults & MOCK_F_SSE_FILTER) && !s->filtered) {
		/* Azure's first chunk: the prompt's filter results, no choices */
		s->filtered = 1;
		buf_adds(out, "data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\","
		         "\"choices\":[],\"prompt_filter_results\":[{\"prompt_index\":0,"
		         "\"content_filter_results\":{}}]}\n\n");
		return MOCK_EV_DATA;
	}
	chunk_open(a, out);
	if (a->faults & MOCK_F_EMPTY_CHOICES) {
		buf_adds(out, "[]");
		s->phase = S_USAGE;
	} else {
		choice_open(out);
		buf_adds(out, "\"role\":\"assistant\",\"content\":\"\"");
		choice_close(out, NULL);
		s->phase = has_reasoning(a) ? S_REASONING_HEAD : S_CONTENT;
	}
	chunk_close(out, ts);
	return MOCK_EV_DATA;
}

static int
stream_event(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	for (;;) {
		switch (s->phase) {
		case S_START:
			/* with sse-filter, twice: the filter chunk, then the start */
			return stream_start(a, s, ts, out);
		case S_REASONING_HEAD:
			if (s->sent >= s->limit) {
				s->phase = S_CUT;
				continue;
			}
			chunk_open(a, out);
			choice_open(out);
			buf_adds(out, "\"reasoning_content\":\"" REASONING_PREFIX "\"");
			choice_close(out, NULL);
			chunk_close(out, ts);
			s->sent++;
			s->phase = S_REASONING;
			return MOCK_EV_DATA;
		case S_REASONING:
		case S_CONTENT:
			/* the content's pieces: as reasoning first, when asked */
			if (s->off >= content_len(a)) {
				s->phase = s->phase == S_REASONING ? S_CONTENT : S_TOOL_HEAD;
				s->off = 0;
				continue;
			}
			if (s->sent >= s->limit) {
				s->phase = S_CUT;
				continue;
			}
			content_delta(a, s, ts, out,
			              s->phase == S_REASONING ? "reasoning_content" : "content");
			s->sent++;
			return MOCK_EV_DATA;
		case S_TOOL_HEAD:
		case S_TOOL_ARGS:
			if (s->tool >= a->ntools) {
				s->phase = S_FINISH;
				continue;
			}
			if (s->phase == S_TOOL_ARGS && s->off >= strlen(a->tools[s->tool].args)) {
				s->tool++;
				s->phase = S_TOOL_HEAD;
				continue;
			}
			if (s->sent >= s->limit) {
				s->phase = S_CUT;
				continue;
			}
			if (s->phase == S_TOOL_HEAD)
				s->off = 0;
			tool_delta(a, s, ts, out);
			s->phase = S_TOOL_ARGS;
			s->sent++;
			return MOCK_EV_DATA;
		case S_FINISH:
			if (a->faults & CUTS) {
				s->phase = S_CUT;
				continue;
			}
			chunk_open(a, out);
			choice_open(out);
			choice_close(out, a->finish);
			chunk_close(out, ts);
			s->phase = S_USAGE;
			return MOCK_EV_DATA;
		case S_CUT:
			s->phase = S_END;
			if (a->faults & MOCK_F_DROP)
				return MOCK_EV_DROP;
			if (a->faults & MOCK_F_STREAM_ERROR) {
				buf_adds(out, "data: {\"error\":{\"message\":\"mock: injected stream error\","
				         "\"type\":\"server_error\"}}\n\n");
				return MOCK_EV_DATA;
			}
			return MOCK_EV_END;
		case S_USAGE:
			s->phase = S_DONE;
			if (!a->include_usage)
				continue;
			chunk_open(a, out);
			buf_adds(out, "[],");
			add_usage(a, out);
			chunk_close(out, ts);
			return MOCK_EV_DATA;
		case S_DONE:
			s->phase = S_END;
			if (a->faults & MOCK_F_NO_DONE)
				continue;
			buf_adds(out, "data: [DONE]\n\n");
			return MOCK_EV_DATA;
		default:
			return MOCK_EV_END;
		}
	}
}

/* Reshape the one event "data: X\n\n" at out[from..] as the sse-* faults
 * ask: other line ends, no space after the colon, comments, fields, the
 * JSON cut into several data lines (at each ',"', which never falls
 * inside a JSON string: a quote in a string is escaped). */
static void
shape(unsigned f, struct mock_stream *s, struct buf *out, size_t from)
{
	const char *eol = f & MOCK_F_SSE_CRLF ? "\r\n" : f & MOCK_F_SSE_CR ? "\r" : "\n";
	const char *data = f & MOCK_F_SSE_NOSPACE ? "data:" : "data: ";
	struct buf ev = {0};
	const char *p, *end, *cut;

	if (out->len - from < 8 || memcmp(out->data + from, "data: ", 6) != 0)
		return;
	p = out->data + from + 6;
	end = out->data + out->len - 2;	/* before the "\n\n" */
	if (f & MOCK_F_SSE_COMMENTS) {
		if (s->events == 0)
			buf_addf(&ev, ": a comment block of its own%s%s", eol, eol);
		buf_addf(&ev, ": keep-alive%s", eol);
	}
	if (f & MOCK_F_SSE_FIELDS) {
		if (s->events == 0)
			buf_addf(&ev, "retry: 3000%s", eol);
		buf_addf(&ev, "event: message%sid: %lld%s", eol, s->events, eol);
	}
	for (;;) {
		cut = NULL;
		if (f & MOCK_F_SSE_MULTILINE)
			for (cut = p; cut + 1 < end && !(cut[0] == ',' && cut[1] == '"'); cut++)
				;
		if (!cut || cut + 1 >= end)
			cut = end;
		else
			cut++;	/* keep the comma on this line */
		buf_adds(&ev, data);
		buf_add(&ev, p, (size_t)(cut - p));
		buf_adds(&ev, eol);
		if (cut >= end)
			break;
		p = cut;
	}
	buf_adds(&ev, eol);
	out->len = from;
	buf_add(out, ev.data, ev.len);
	buf_free(&ev);
}

int
mock_stream_next(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	size_t from = out->len;
	int ev = stream_event(a, s, ts, out);

	if (ev == MOCK_EV_DATA && (a->faults & MOCK_F_SSE_SHAPES)) {
		shape(a->faults, s, out, from);
		s->events++;
	}
	return ev;
}
