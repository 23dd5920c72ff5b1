/* fuzz_sse: the SSE parser (sse.h) and the chunk stream assembled from
 * its events (stream.h), the input fed three ways: whole, in the pieces
 * its first bytes choose (fuzz.h), and a byte at a time.  Small limits
 * (200 bytes an event, 300 an answer) so the error paths are reached.
 *
 * Invariant: the three give the same events (type, data, id), the same
 * end (sse_finish, sse_error, retry) and the same result record or error
 * from chat_stream_finish().  The byte-at-a-time run reads every chunk
 * with json-c's tree (tree_only), the others the fast way where they can:
 * the two ways must assemble the same answer.
 */
#include "fuzz.h"
#include "net/sse.h"
#include "wire/chat_stream.h"

#define SSE_MAX 200
#define ANSWER_MAX 300

struct run {
	struct sse_parser p;
	struct chat_stream cs;
	struct buf log;		/* every event and the end, written out */
	struct buf line;
};

static void
on_event(void *arg, const char *type, const char *data, size_t len, const char *id)
{
	struct run *r = arg;

	if (data[len] != '\0')
		fuzz_fail("event data not NUL-terminated");
	buf_addf(&r->log, "event %s %zu %s:", type ? type : "-", len, id ? id : "-");
	buf_add(&r->log, data, len);
	buf_add(&r->log, "\n", 1);
	chat_stream_on_event(&r->cs, type, data, len, id);
}

/* Feed data cut at cuts[0..n) and write what came out into r->log;
 * tree: every chunk read by json-c's tree, not the fast way. */
static void
run(struct run *r, const uint8_t *data, const size_t *cuts, size_t n, int tree)
{
	size_t at = 0, i;
	json_object *res = json_object_new_object();
	struct llm_error e;
	int fin;

	sse_init(&r->p, SSE_MAX, on_event, r);
	chat_stream_init(&r->cs, ANSWER_MAX);
	r->cs.tree_only = tree;
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
	json_object_put(res);
	chat_stream_free(&r->cs);
	sse_free(&r->p);
	buf_free(&r->line);
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
