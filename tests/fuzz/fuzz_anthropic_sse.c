/* fuzz_anthropic_sse: Anthropic's event stream (wire/anthropic_stream.c)
 * through the SSE parser into the chat_stream assembler, as the client
 * plugs them together, the input fed three ways: whole, in the pieces its
 * first bytes choose (fuzz.h), and a byte at a time.  Small limits (300
 * bytes an event, 400 an answer) so the error paths are reached.  The
 * byte after the cuts says whether the request asked for a json_schema
 * answer (the forced tool's input read as the content).
 *
 * Invariant: the three give the same result record or error, the same
 * deltas and tool-call callbacks; every record written is valid UTF-8,
 * whatever bytes the server sent.
 */
#include "fuzz.h"
#include "base/utf8.h"
#include "net/sse.h"
#include "wire/dialect.h"

#define SSE_MAX 300
#define ANSWER_MAX 400

struct run {
	struct chat_stream cs;
	struct sse_parser p;
	void *st;
	struct buf log;
};

static void
on_delta(void *arg, const char *kind, const char *text, size_t len)
{
	struct run *r = arg;

	buf_addf(&r->log, "%s:", kind);
	buf_add(&r->log, text, len);
	buf_adds(&r->log, "\n");
}

static void
on_tool(void *arg, int index, const char *id, const char *name, const char *args)
{
	struct run *r = arg;

	buf_addf(&r->log, "tool %d %s %s %s\n", index, id ? id : "-", name ? name : "-",
	         args ? args : "-");
}

/* Feed data in the pieces cuts[0..n) end at; the outcome into r->log. */
static void
run(struct run *r, json_object *req, const uint8_t *data, const size_t *cuts, size_t n)
{
	json_object *rec = json_object_new_object();
	struct llm_error e;
	struct buf line = {0};
	size_t i, at = 0;

	chat_stream_init(&r->cs, ANSWER_MAX);
	r->cs.on_delta = on_delta;
	r->cs.on_tool_call = on_tool;
	r->cs.arg = r;
	r->st = dialect_anthropic.stream_new(&r->cs, req);
	sse_init(&r->p, SSE_MAX, dialect_anthropic.stream_event, r->st);
	for (i = 0; i < n; at = cuts[i++])
		if (sse_feed(&r->p, (const char *)data + at, cuts[i] - at) < 0)
			break;
	buf_addf(&r->log, "end %d\n", sse_finish(&r->p));
	if (chat_stream_finish(&r->cs, rec, &e) == 0) {
		json_line(rec, &line);
		if (utf8_invalid_at(line.data, line.len) != line.len)
			fuzz_fail("a record that is not UTF-8: %s", line.data);
		buf_addf(&r->log, "ok %s\n", line.data);
	} else
		buf_addf(&r->log, "error %s %d %s\n", e.kind, e.retryable, e.message);
	buf_free(&line);
	json_object_put(rec);
	sse_free(&r->p);
	dialect_anthropic.stream_free(r->st);
	chat_stream_free(&r->cs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char json_req[] = "{\"response_format\":{\"type\":\"json_schema\","
	                               "\"json_schema\":{\"name\":\"p\",\"schema\":{}}}}";
	size_t cuts[FUZZ_MAXCUTS], n, whole, i, *bytes;
	struct run a = {0}, b = {0}, c = {0};
	json_object *req;
	char why[ERRLEN];
	int json_tool = 0;

	fuzz_cuts(&data, &size, cuts, &n);
	if (size > 0) {
		json_tool = data[0] & 1;
		/* the cuts were made before this byte: move them past it */
		for (i = 0; i < n; i++)
			cuts[i] = cuts[i] > 0 ? cuts[i] - 1 : 0;
		data++, size--;
	}
	req = json_tool ? json_parse(json_req, sizeof json_req - 1, why, sizeof why)
	                : json_object_new_object();
	whole = size;
	bytes = emalloc((size + 1) * sizeof *bytes);
	for (i = 0; i < size; i++)
		bytes[i] = i + 1;
	run(&a, req, data, &whole, 1);
	run(&b, req, data, cuts, n);
	run(&c, req, data, bytes, size);
	if (a.log.len != b.log.len || memcmp(a.log.data, b.log.data, a.log.len) != 0)
		fuzz_fail("pieces differ from whole:\n%s---\n%s", b.log.data, a.log.data);
	if (a.log.len != c.log.len || memcmp(a.log.data, c.log.data, a.log.len) != 0)
		fuzz_fail("bytes differ from whole:\n%s---\n%s", c.log.data, a.log.data);
	buf_free(&a.log);
	buf_free(&b.log);
	buf_free(&c.log);
	free(bytes);
	json_object_put(req);
	return 0;
}
