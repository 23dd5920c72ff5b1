/* fuzz_sse: the SSE parser (sse.h) and the chunk stream assembled from
 * its events (stream.h), the input fed three ways: whole, in the pieces
 * its first bytes choose (fuzz.h), and a byte at a time.  Small limits
 * (200 bytes an event, 300 an answer) so the error paths are reached.
 *
 * Invariant: the three give the same events (type, data, id), the same
 * end (sse_finish, sse_error, retry) and the same result record or error
 * from chat_stream_finish(), the same deltas; every record written of
 * them is valid UTF-8, whatever bytes the server sent.  The byte-at-a-time run is given each
 * chunk restated from json-c's tree (restate() below: what the tree says
 * the chunk holds, written in the plainest form), so the reader, which
 * reads the usual chunk without a tree, must say what the tree says.
 */
#include "fuzz.h"
#include "base/utf8.h"
#include "net/sse.h"
#include "wire/chat_stream.h"

#define SSE_MAX 200
#define ANSWER_MAX 300

struct run {
	struct sse_parser p;
	struct chat_stream cs;
	struct buf log;		/* every event and the end, written out */
	struct buf line;
	int restated;		/* chunks go to the reader as restate() writes them */
	struct buf joined[2];	/* the reasoning and the content deltas, joined */
	struct buf chunk;
};

/* s[0..n) as a JSON string with its bytes past 0x7f as they are: the
 * reader must see the invalid UTF-8 the server sent, which json_quote
 * would mend. */
static void
quote_raw(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\')
			buf_addf(b, "\\u%04x", c);
		else
			buf_add(b, s + i, 1);
	}
	buf_add(b, "\"", 1);
}

/* A string as the tree holds it, or nothing when it is none. */
static void
member(struct buf *b, const char *key, json_object *obj, const char *from, int cstr)
{
	json_object *v = json_get(obj, from);

	if (!json_object_is_type(v, json_type_string))
		return;
	buf_addf(b, ",\"%s\":", key);
	quote_raw(b, json_object_get_string(v), cstr ? strlen(json_object_get_string(v))
	          : (size_t)json_object_get_string_len(v));
}

/* One tool call delta: its index as DESIGN.md's rules take it (-1 for a
 * bad one), and the strings it holds. */
static void
restate_tool(struct buf *b, json_object *tc, size_t pos)
{
	json_object *iv = json_get(tc, "index"), *fn = json_get(tc, "function");
	int64_t index = iv ? json_object_get_int64(iv) : (int64_t)pos;

	if ((iv && !json_object_is_type(iv, json_type_int)) || index < 0 || index > INT32_MAX)
		index = -1;
	buf_addf(b, "{\"index\":%lld", (long long)index);
	member(b, "id", tc, "id", 0);
	member(b, "type", tc, "type", 0);
	buf_adds(b, ",\"function\":{\"x\":0");
	member(b, "name", fn, "name", 0);
	member(b, "arguments", fn, "arguments", 0);
	buf_adds(b, "}}");
}

/* data restated from json-c's tree: the model, the system_fingerprint,
 * the usage and each choice of an index not negative with its index,
 * content, reasoning, tool calls, finish_reason and logprobs.content, as
 * the tree says them.  Whatever is not a plain chunk (no JSON, no
 * object, an error) goes as it is.  NULL: as it is. */
static const char *
restate(struct buf *b, const char *data, size_t len)
{
	char why[ERRLEN];
	json_object *doc = NULL, *v, *choices;
	const char *object, *model;
	size_t i, j;

	if (json_parse_any(data, len, &doc, why, sizeof why) < 0 ||
	    !json_object_is_type(doc, json_type_object) || json_get(doc, "error") ||
	    ((object = json_get_str(doc, "object")) && strcmp(object, "error") == 0)) {
		json_object_put(doc);
		return NULL;
	}
	buf_reset(b);
	buf_adds(b, "{\"x\":0");
	if ((model = json_get_str(doc, "model")) && *model)
		member(b, "model", doc, "model", 1);
	if ((model = json_get_str(doc, "system_fingerprint")) && *model)
		member(b, "system_fingerprint", doc, "system_fingerprint", 1);
	if (json_object_is_type(v = json_get(doc, "usage"), json_type_object)) {
		struct buf u = {0};

		buf_addf(b, ",\"usage\":%s", json_line(v, &u));
		buf_free(&u);
	}
	choices = json_get(doc, "choices");
	buf_adds(b, ",\"choices\":[");
	for (i = 0; json_object_is_type(choices, json_type_array) &&
	     i < json_object_array_length(choices); i++) {
		json_object *c = json_object_array_get_idx(choices, i);
		json_object *d = json_get(c, "delta"), *tcs = json_get(d, "tool_calls");
		json_object *lp = json_get(json_get(c, "logprobs"), "content");
		int index = json_object_get_int(json_get(c, "index"));

		if (index < 0)
			continue;
		buf_addf(b, "%s{\"index\":%d,\"delta\":{\"x\":0", b->data[b->len - 1] == '[' ? "" : ",",
		         index);
		member(b, "content", d, "content", 0);
		member(b, "reasoning", d, json_object_is_type(json_get(d, "reasoning_content"),
		       json_type_string) ? "reasoning_content" : "reasoning", 0);
		if (json_object_is_type(tcs, json_type_array)) {
			buf_adds(b, ",\"tool_calls\":[");
			for (j = 0; j < json_object_array_length(tcs); j++) {
				if (j)
					buf_adds(b, ",");
				restate_tool(b, json_object_array_get_idx(tcs, j), j);
			}
			buf_adds(b, "]");
		}
		buf_adds(b, "}");
		member(b, "finish_reason", c, "finish_reason", 1);
		if (json_object_is_type(lp, json_type_array)) {
			struct buf l = {0};

			buf_addf(b, ",\"logprobs\":{\"content\":%s}", json_line(lp, &l));
			buf_free(&l);
		}
		buf_adds(b, "}");
	}
	buf_adds(b, "]}");
	json_object_put(doc);
	return b->data;
}

/* Deltas go to the log: the three runs must cut them alike.  No valid
 * character is split between two deltas of a kind (one cut short stays
 * held back till the rest comes), and each delta, written as a record's
 * string, is UTF-8. */
static void
on_delta(void *arg, const char *kind, const char *text, size_t len)
{
	struct run *r = arg;
	struct buf *j = &r->joined[strcmp(kind, "content") == 0];
	size_t k = j->len, i;

	buf_addf(&r->log, "delta %s %zu:", kind, len);
	buf_add(&r->log, text, len);
	buf_add(&r->log, "\n", 1);
	buf_add(j, text, len);
	for (i = k > 3 ? k - 3 : 0; i < k; i++)
		if (utf8_char_len(j->data + i, j->data + j->len) > k - i)
			fuzz_fail("a character split between two %s deltas", kind);
	buf_reset(&r->line);
	json_quote(&r->line, text, len);
	if (utf8_invalid_at(r->line.data, r->line.len) != r->line.len)
		fuzz_fail("delta not written as UTF-8");
}

static void
on_event(void *arg, const char *type, const char *data, size_t len, const char *id)
{
	struct run *r = arg;

	if (data[len] != '\0')
		fuzz_fail("event data not NUL-terminated");
	buf_addf(&r->log, "event %s %zu %s:", type ? type : "-", len, id ? id : "-");
	buf_add(&r->log, data, len);
	buf_add(&r->log, "\n", 1);
	if (r->restated && !(type && strcmp(type, "error") == 0) &&
	    !(len == 6 && memcmp(data, "[DONE]", 6) == 0) && restate(&r->chunk, data, len)) {
		data = r->chunk.data;
		len = r->chunk.len;
	}
	chat_stream_on_event(&r->cs, type, data, len, id);
}

/* Feed data cut at cuts[0..n) and write what came out into r->log;
 * restated: each chunk restated from json-c's tree. */
static void
run(struct run *r, const uint8_t *data, const size_t *cuts, size_t n, int restated)
{
	size_t at = 0, i;
	json_object *res = json_object_new_object();
	struct llm_error e = {0};
	int fin;

	sse_init(&r->p, SSE_MAX, on_event, r);
	chat_stream_init(&r->cs, ANSWER_MAX);
	r->cs.on_delta = on_delta;
	r->cs.arg = r;
	r->restated = restated;
	for (i = 0; i < n; i++) {
		sse_feed(&r->p, (const char *)data + at, cuts[i] - at);
		at = cuts[i];
	}
	buf_addf(&r->log, "error %s retry %lld events %lld\n",
	         sse_error(&r->p) ? sse_error(&r->p) : "-", r->p.retry, r->p.events);
	fin = sse_finish(&r->p);
	buf_addf(&r->log, "finish %d\n", fin);
	if (chat_stream_finish(&r->cs, res, &e) == 0)
		buf_addf(&r->log, "result %s\n", json_line(res, &r->line));
	else
		buf_addf(&r->log, "failed %s %d %s\n", e.kind, e.retryable, e.message);
	/* every record is UTF-8, whatever bytes the server sent */
	json_set(res, "error", json_object_new_string(e.message));
	json_line(res, &r->line);
	if (utf8_invalid_at(r->line.data, r->line.len) != r->line.len)
		fuzz_fail("record not UTF-8: %s", r->line.data);
	json_object_put(res);
	buf_free(&r->joined[0]);
	buf_free(&r->joined[1]);
	chat_stream_free(&r->cs);
	sse_free(&r->p);
	buf_free(&r->line);
	buf_free(&r->chunk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cuts[FUZZ_MAXCUTS], ncuts, i;
	size_t whole[1], *bytes;
	struct run a = {0}, b = {0}, c = {0};

	fuzz_cuts(&data, &size, cuts, &ncuts);
	whole[0] = size;
	bytes = emalloc((size + 1) * sizeof *bytes);
	for (i = 0; i < size; i++)
		bytes[i] = i + 1;
	run(&a, data, whole, 1, 0);
	run(&b, data, cuts, ncuts, 0);
	run(&c, data, bytes, size, 1);
	if (a.log.len != b.log.len || memcmp(a.log.data, b.log.data, a.log.len) != 0)
		fuzz_fail("split in %zu pieces:\n%s\nwhole:\n%s", ncuts, b.log.data, a.log.data);
	if (a.log.len != c.log.len || memcmp(a.log.data, c.log.data, a.log.len) != 0)
		fuzz_fail("byte by byte:\n%s\nwhole:\n%s", c.log.data, a.log.data);
	free(bytes);
	buf_free(&a.log);
	buf_free(&b.log);
	buf_free(&c.log);
	return 0;
}
