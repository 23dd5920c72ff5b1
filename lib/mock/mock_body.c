/* The bytes of an answer: the chat.completion body and the server-sent
 * events of a stream, with the faults that cut or spoil them.  Written
 * piece by piece (struct jw of json/jsonwrite.h), no tree made: this is
 * the mock's hot path, and the benchmark's ceiling. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/fnv.h"
#include "base/utf8.h"
#include "json/json.h"
#include "mock/mock_internal.h"

static void
add_usage(const struct mock_answer *a, struct jw *w)
{
	jw_key(w, "usage");
	jw_open(w, '{');
	jw_kv_int(w, "prompt_tokens", a->prompt_tokens);
	jw_kv_int(w, "completion_tokens", a->completion_tokens);
	jw_kv_int(w, "total_tokens", a->prompt_tokens + a->completion_tokens);
	jw_close(w, '}');
}

void
mock_tool_id(const struct mock_answer *a, const char *prefix, size_t k, struct jw *w)
{
	char id[64];
	int n = snprintf(id, sizeof id, "%s%zu_%08llx", prefix, k,
	                 (unsigned long long)(a->hash & 0xffffffffu));

	jw_str(w, id, (size_t)n);
}

/* The fields every body and chunk begins with, the object left open. */
static void
head(const struct mock_answer *a, const char *object, struct jw *w)
{
	jw_open(w, '{');
	jw_kv_str(w, "id", a->id);
	jw_kv_str(w, "object", object);
	jw_kv_int(w, "created", 0);
	jw_kv_str(w, "model", a->model);
	jw_kv_str(w, "system_fingerprint", MOCK_FINGERPRINT);
}

static int
nchoices(const struct mock_answer *a)
{
	return a->n > 1 ? a->n : 1;
}

size_t
mock_choice_suffix(int k, char *out)
{
	int n = k > 0 ? snprintf(out, MOCK_SUFFIX_MAX, " (choice %d)", k) : 0;

	out[n] = '\0';
	return (size_t)n;
}

/* The logprobs entry of one piece of content (a token, to the mock): its
 * logprob made of its bytes, so a stream and a whole answer agree, and
 * top_logprobs alternatives below it. */
static void
logprob_entry(const struct mock_answer *a, const char *tok, size_t n, struct jw *w)
{
	double lp = -(double)(fnv1a(tok, n) % 4000) / 1000.0;
	char alt[16];
	int k, m;

	jw_open(w, '{');
	jw_key(w, "token");
	jw_str(w, tok, n);
	jw_key(w, "logprob");
	jw_fixed(w, lp, 3);
	jw_key(w, "top_logprobs");
	jw_open(w, '[');
	for (k = 0; k < a->top_logprobs; k++) {
		jw_open(w, '{');
		jw_key(w, "token");
		if (k == 0)
			jw_str(w, tok, n);
		else {
			m = snprintf(alt, sizeof alt, "alt%d", k);
			jw_str(w, alt, (size_t)m);
		}
		jw_key(w, "logprob");
		jw_fixed(w, lp - k, 3);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

/* The tool call k whole, or its head with empty arguments (stream). */
static void
tool_call(const struct mock_answer *a, size_t k, const char *args, struct jw *w)
{
	jw_key(w, "id");
	mock_tool_id(a, "call_", k, w);
	jw_kv_str(w, "type", "function");
	jw_key(w, "function");
	jw_open(w, '{');
	jw_kv_str(w, "name", a->tools[k].name);
	jw_kv_str(w, "arguments", args);
	jw_close(w, '}');
}

/* [[mock:bad-utf8]]'s bytes after the content: a lone FF, E2 82 (a
 * three-byte character cut short) and U+1F600 (F0 9F 98 80), which a
 * stream sends in two deltas cut after its second byte.  None needs a
 * JSON escape, and jw_str would mend them, so they go in as they are. */
static const char bad_tail[] = " \xff \xe2\x82 \xf0\x9f\x98\x80";
#define BAD_LEN (sizeof bad_tail - 1)
#define BAD_CUT (BAD_LEN - 2)

static size_t
bad_len(const struct mock_answer *a)
{
	return (a->faults & MOCK_F_BAD_UTF8) && a->has_content && !(a->faults & MOCK_F_HUGE)
	       ? BAD_LEN : 0;
}

/* bad_tail[from..to) into the string just written by w, before its
 * closing quote. */
static void
add_bad(struct jw *w, size_t from, size_t to)
{
	w->b->len--;
	buf_add(w->b, bad_tail + from, to - from);
	buf_add(w->b, "\"", 1);
}

int
mock_has_reasoning(const struct mock_answer *a)
{
	return (a->faults & MOCK_F_REASONING) && a->has_content && !(a->faults & MOCK_F_HUGE);
}

/* The length of the next delta of s[off..len): huge content goes in big
 * pieces, or a stream of 64 MiB would take eight million events.  Bytes
 * that are not UTF-8 (no character starts in the next MOCK_DELTA + 1)
 * go as they are: a delta of none would never end the stream. */
size_t
mock_delta_len(int huge, const char *s, size_t off, size_t len)
{
	size_t n;

	if (huge)
		return len - off < MOCK_HUGE_DELTA ? len - off : MOCK_HUGE_DELTA;
	if ((n = utf8_cut(s + off, len - off, MOCK_DELTA)) == 0)
		n = len - off < MOCK_DELTA ? len - off : MOCK_DELTA;
	return n;
}

/* The logprobs of choice k whole: an entry per piece a stream sends. */
static void
logprobs_of(const struct mock_answer *a, int k, struct jw *w)
{
	char sfx[MOCK_SUFFIX_MAX];
	size_t off, n, slen = mock_choice_suffix(k, sfx);

	jw_key(w, "logprobs");
	jw_open(w, '{');
	jw_key(w, "content");
	jw_open(w, '[');
	for (off = 0; off < a->content.len; off += n) {
		n = mock_delta_len(0, a->content.data, off, a->content.len);
		logprob_entry(a, a->content.data + off, n, w);
	}
	if (slen)
		logprob_entry(a, sfx, slen, w);
	jw_close(w, ']');
	jw_close(w, '}');
}

/* Choice k of a completion body; post as mock_completion's. */
static void
completion_choice(const struct mock_answer *a, int k, struct jw *w, struct buf *post)
{
	char sfx[MOCK_SUFFIX_MAX];
	size_t i, slen = mock_choice_suffix(k, sfx);

	jw_open(w, '{');
	jw_kv_int(w, "index", k);
	jw_key(w, "message");
	jw_open(w, '{');
	jw_kv_str(w, "role", "assistant");
	if (mock_has_reasoning(a)) {
		struct buf r = {0};

		buf_adds(&r, REASONING_PREFIX);
		buf_add(&r, a->content.data, a->content.len);
		jw_key(w, "reasoning_content");
		jw_str(w, r.data, r.len);
		buf_free(&r);
	}
	jw_key(w, "content");
	if (!a->has_content)
		jw_null(w);
	else if (post) {
		jw_str_open(w);
		w->b = post;
		jw_str_close(w);
	} else if (slen) {
		struct buf c = {0};

		buf_add(&c, a->content.data, a->content.len);
		buf_add(&c, sfx, slen);
		jw_str(w, c.data, c.len);
		buf_free(&c);
	} else {
		jw_str(w, a->content.data, a->content.len);
		if (bad_len(a))
			add_bad(w, 0, BAD_LEN);
	}
	if (a->ntools) {
		jw_key(w, "tool_calls");
		jw_open(w, '[');
		for (i = 0; i < a->ntools; i++) {
			jw_open(w, '{');
			tool_call(a, i, a->tools[i].args, w);
			jw_close(w, '}');
		}
		jw_close(w, ']');
	}
	jw_close(w, '}');
	if (a->logprobs && a->has_content && !post)
		logprobs_of(a, k, w);
	jw_kv_str(w, "finish_reason", a->finish);
	jw_close(w, '}');
}

void
mock_completion(const struct mock_answer *a, struct buf *out, struct buf *post)
{
	struct jw w;
	int k;

	jw_start(&w, out);
	head(a, "chat.completion", &w);
	jw_key(&w, "choices");
	jw_open(&w, '[');
	for (k = 0; !(a->faults & MOCK_F_EMPTY_CHOICES) && k < nchoices(a); k++)
		completion_choice(a, k, &w, post);
	jw_close(&w, ']');
	add_usage(a, &w);
	jw_close(&w, '}');
}

/* Stream phases. */
enum { S_START, S_REASONING_HEAD, S_REASONING, S_CONTENT, S_SUFFIX, S_TOOL_HEAD, S_TOOL_ARGS, S_FINISH, S_CUT, S_USAGE, S_DONE, S_END };

static size_t
content_len(const struct mock_answer *a)
{
	if (!a->has_content)
		return 0;
	return a->faults & MOCK_F_HUGE ? (size_t)a->huge_bytes : a->content.len + bad_len(a);
}

static size_t
count_deltas(const struct mock_answer *a)
{
	size_t n = 0, off, len = content_len(a) - bad_len(a), i;

	for (off = 0; off < len; n++)
		off += mock_delta_len(a->faults & MOCK_F_HUGE, a->content.data, off, len);
	if (bad_len(a))
		n += 2;
	if (mock_has_reasoning(a))
		n += 1 + n;	/* the prefix, then the content's pieces again */
	for (i = 0; i < a->ntools; i++) {
		size_t alen = strlen(a->tools[i].args);

		n++;
		for (off = 0; off < alen; n++)
			off += mock_delta_len(0, a->tools[i].args, off, alen);
	}
	/* every choice so, and the suffix of each but the first */
	return n * (size_t)nchoices(a) + (a->has_content ? (size_t)nchoices(a) - 1 : 0);
}

/* "data: " and a chunk's head, up to its choices' value. */
static void
chunk_open(const struct mock_answer *a, struct jw *w, struct buf *out)
{
	buf_adds(out, "data: ");
	jw_start(w, out);
	head(a, "chat.completion.chunk", w);
	jw_key(w, "choices");
}

static void
chunk_close(struct jw *w, double ts)
{
	jw_key(w, "x_mock_ts_ms");
	jw_fixed(w, ts, 3);
	jw_close(w, '}');
	buf_adds(w->b, "\n\n");
}

/* The one choice, choice k, its delta left open. */
static void
choice_open(struct jw *w, int k)
{
	jw_open(w, '[');
	jw_open(w, '{');
	jw_kv_int(w, "index", k);
	jw_key(w, "delta");
	jw_open(w, '{');
}

/* With tok, the logprobs of that piece of content. */
static void
choice_close(struct jw *w, const char *finish, const struct mock_answer *a, const char *tok,
             size_t n)
{
	jw_close(w, '}');
	if (tok) {
		jw_key(w, "logprobs");
		jw_open(w, '{');
		jw_key(w, "content");
		jw_open(w, '[');
		logprob_entry(a, tok, n, w);
		jw_close(w, ']');
		jw_close(w, '}');
	}
	jw_key(w, "finish_reason");
	if (finish)
		jw_strz(w, finish);
	else
		jw_null(w);
	jw_close(w, '}');
	jw_close(w, ']');
}

/* The next piece of the content, as field ("content" or
 * "reasoning_content"). */
static void
content_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out,
              const char *field)
{
	int huge = a->faults & MOCK_F_HUGE;
	size_t len = content_len(a) - bad_len(a), n = 0, k;
	struct jw w;
	int lp;

	chunk_open(a, &w, out);
	choice_open(&w, s->choice);
	jw_key(&w, field);
	if (s->off < len)
		n = mock_delta_len(huge, a->content.data, s->off, len);
	if (huge) {
		char xs[1024];

		memset(xs, 'x', sizeof xs);
		jw_str_open(&w);
		for (k = 0; k < n; k += sizeof xs)
			buf_add(out, xs, n - k < sizeof xs ? n - k : sizeof xs);
		jw_str_close(&w);
	} else if (s->off >= len) {
		/* bad_tail, in two deltas */
		k = s->off - len;
		n = k < BAD_CUT ? BAD_CUT - k : BAD_LEN - k;
		jw_str(&w, "", 0);
		add_bad(&w, k, k + n);
	} else
		jw_str(&w, a->content.data + s->off, n);
	/* the bad bytes have no logprobs entry, in the whole answer either */
	lp = a->logprobs && s->phase == S_CONTENT && !huge && s->off < len;
	choice_close(&w, NULL, a, lp ? a->content.data + s->off : NULL, n);
	s->off += n;
	chunk_close(&w, ts);
}

static void
suffix_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	char sfx[MOCK_SUFFIX_MAX];
	size_t n = mock_choice_suffix(s->choice, sfx);
	struct jw w;

	chunk_open(a, &w, out);
	choice_open(&w, s->choice);
	jw_key(&w, "content");
	jw_str(&w, sfx, n);
	choice_close(&w, NULL, a, a->logprobs ? sfx : NULL, n);
	chunk_close(&w, ts);
}

static void
tool_delta(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	const struct mock_tool *t = &a->tools[s->tool];
	struct jw w;

	chunk_open(a, &w, out);
	choice_open(&w, s->choice);
	jw_key(&w, "tool_calls");
	jw_open(&w, '[');
	jw_open(&w, '{');
	jw_kv_int(&w, "index", (long long)s->tool);
	if (s->phase == S_TOOL_HEAD)
		tool_call(a, s->tool, "", &w);
	else {
		size_t alen = strlen(t->args), n = mock_delta_len(0, t->args, s->off, alen);

		jw_key(&w, "function");
		jw_open(&w, '{');
		jw_key(&w, "arguments");
		jw_str(&w, t->args + s->off, n);
		jw_close(&w, '}');
		s->off += n;
	}
	jw_close(&w, '}');
	jw_close(&w, ']');
	choice_close(&w, NULL, NULL, NULL, 0);
	chunk_close(&w, ts);
}

static int
stream_start(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	size_t n = count_deltas(a);
	struct jw w;

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
	chunk_open(a, &w, out);
	if (a->faults & MOCK_F_EMPTY_CHOICES) {
		jw_open(&w, '[');
		jw_close(&w, ']');
		s->phase = S_USAGE;
	} else {
		choice_open(&w, s->choice);
		jw_kv_str(&w, "role", "assistant");
		jw_kv_str(&w, "content", "");
		choice_close(&w, NULL, NULL, NULL, 0);
		s->phase = mock_has_reasoning(a) ? S_REASONING_HEAD : S_CONTENT;
	}
	chunk_close(&w, ts);
	return MOCK_EV_DATA;
}

static int
stream_event(const struct mock_answer *a, struct mock_stream *s, double ts, struct buf *out)
{
	struct jw w;

	for (;;) {
		/* the deltas a cut fault allows are sent: nothing else of any
		 * choice goes out (their finish chunks neither) */
		if (s->phase >= S_REASONING_HEAD && s->phase <= S_TOOL_ARGS && s->sent >= s->limit)
			s->phase = S_CUT;
		switch (s->phase) {
		case S_START:
			/* with sse-filter, twice: the filter chunk, then the start */
			return stream_start(a, s, ts, out);
		case S_REASONING_HEAD:
			chunk_open(a, &w, out);
			choice_open(&w, s->choice);
			jw_kv_str(&w, "reasoning_content", REASONING_PREFIX);
			choice_close(&w, NULL, NULL, NULL, 0);
			chunk_close(&w, ts);
			s->sent++;
			s->phase = S_REASONING;
			return MOCK_EV_DATA;
		case S_REASONING:
		case S_CONTENT:
			/* the content's pieces: as reasoning first, when asked */
			if (s->off >= content_len(a)) {
				s->phase = s->phase == S_REASONING ? S_CONTENT : S_SUFFIX;
				s->off = 0;
				continue;
			}
			content_delta(a, s, ts, out,
			              s->phase == S_REASONING ? "reasoning_content" : "content");
			s->sent++;
			return MOCK_EV_DATA;
		case S_SUFFIX:
			/* what sets choice k apart, one piece of its own */
			if (s->off || !a->has_content || s->choice == 0) {
				s->phase = S_TOOL_HEAD;
				s->off = 0;
				continue;
			}
			suffix_delta(a, s, ts, out);
			s->off = 1;
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
			if (s->phase == S_TOOL_HEAD)
				s->off = 0;
			tool_delta(a, s, ts, out);
			s->phase = S_TOOL_ARGS;
			s->sent++;
			return MOCK_EV_DATA;
		case S_FINISH:
			if (a->faults & MOCK_F_CUTS) {
				s->phase = S_CUT;
				continue;
			}
			chunk_open(a, &w, out);
			choice_open(&w, s->choice);
			choice_close(&w, a->finish, NULL, NULL, 0);
			chunk_close(&w, ts);
			s->phase = S_USAGE;
			if (++s->choice < nchoices(a)) {
				/* the next choice from its start */
				s->phase = mock_has_reasoning(a) ? S_REASONING_HEAD : S_CONTENT;
				s->off = s->tool = 0;
			}
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
			chunk_open(a, &w, out);
			jw_open(&w, '[');
			jw_close(&w, ']');
			add_usage(a, &w);
			chunk_close(&w, ts);
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

/* sse-multiline cuts the JSON at each ',"', which never falls inside a
 * JSON string: a quote in a string is escaped. */
void
mock_sse_shape(unsigned f, struct mock_stream *s, struct buf *out, size_t from)
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
	int ev;

	ev = stream_event(a, s, ts, out);

	if (ev == MOCK_EV_DATA && (a->faults & MOCK_F_SSE_SHAPES)) {
		mock_sse_shape(a->faults, s, out, from);
		s->events++;
	}
	return ev;
}
