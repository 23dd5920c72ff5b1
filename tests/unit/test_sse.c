/* Unit tests for lib/net/sse.c: every stream of the table is fed whole, split
 * in two at every byte position, and byte by byte, and must give the same
 * events, the same end state and the same retry every time. */
#include "unit.h"

#include "net/sse.h"

/* Input with its length, so a stream may hold NUL bytes. */
#define IN(s) s, sizeof(s) - 1

struct ev {
	const char *type;
	const char *data;
	const char *id;
};

static const struct sse_case {
	const char *name;
	const char *in;
	size_t len;
	size_t max;		/* 0: the default */
	struct ev ev[5];	/* ends at the first data NULL */
	int fin;		/* what sse_finish says */
	const char *retry;	/* NULL: none */
	const char *err;	/* NULL: no error */
} cases[] = {
	{"data with space", IN("data: hello\n\n"), 0, {{NULL, "hello", NULL}}, 0, NULL, NULL},
	{"data without space", IN("data:hello\n\n"), 0, {{NULL, "hello", NULL}}, 0, NULL, NULL},
	{"only one space dropped", IN("data:  x \n\n"), 0, {{NULL, " x ", NULL}}, 0, NULL, NULL},
	{"colon in value", IN("data: a:b\n\n"), 0, {{NULL, "a:b", NULL}}, 0, NULL, NULL},
	{"crlf", IN("data: a\r\n\r\ndata: b\r\n\r\n"), 0,
	 {{NULL, "a", NULL}, {NULL, "b", NULL}}, 0, NULL, NULL},
	{"lone cr", IN("data: a\r\rdata: b\r\r"), 0,
	 {{NULL, "a", NULL}, {NULL, "b", NULL}}, 0, NULL, NULL},
	/* CRLF is one line end wherever the pieces are cut: were it two, the
	 * LF would be a blank line dispatching "a" alone */
	{"crlf is one line end", IN("data: a\r\ndata: b\r\n\r\n"), 0,
	 {{NULL, "a\nb", NULL}}, 0, NULL, NULL},
	{"mixed line ends", IN("data: a\r\ndata: b\n\r\ndata: c\r\r\ndata: d\n\n"), 0,
	 {{NULL, "a\nb", NULL}, {NULL, "c", NULL}, {NULL, "d", NULL}}, 0, NULL, NULL},
	{"comments", IN(": keep-alive\n\ndata: x\n: between\ndata: y\n\n:\n\n"), 0,
	 {{NULL, "x\ny", NULL}}, 0, NULL, NULL},
	{"event type resets after dispatch", IN("event: delta\ndata: 1\n\ndata: 2\n\n"), 0,
	 {{"delta", "1", NULL}, {NULL, "2", NULL}}, 0, NULL, NULL},
	{"last event type wins", IN("event: a\nevent: b\ndata: 1\n\n"), 0,
	 {{"b", "1", NULL}}, 0, NULL, NULL},
	{"id carries over, empty id clears", IN("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"), 0,
	 {{NULL, "a", "7"}, {NULL, "b", "7"}, {NULL, "c", NULL}}, 0, NULL, NULL},
	{"id with NUL ignored", IN("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"), 0,
	 {{NULL, "a", "1"}, {NULL, "b", "1"}}, 0, NULL, NULL},
	{"retry digits only", IN("retry: 1500\ndata: a\n\nretry: 15x\nretry:\nretry: -1\n"), 0,
	 {{NULL, "a", NULL}}, 0, "1500", NULL},
	{"last retry kept", IN("retry: 20\nretry:30\n\n"), 0, {{0}}, 0, "30", NULL},
	{"multi-line data", IN("data: a\ndata:\ndata: c\n\n"), 0,
	 {{NULL, "a\n\nc", NULL}}, 0, NULL, NULL},
	{"bom skipped", IN("\xef\xbb\xbf" "data: a\n\n"), 0, {{NULL, "a", NULL}}, 0, NULL, NULL},
	{"bom before a comment", IN("\xef\xbb\xbf: hi\ndata: a\n\n"), 0,
	 {{NULL, "a", NULL}}, 0, NULL, NULL},
	{"second bom is data", IN("\xef\xbb\xbf\xef\xbb\xbf" "data: a\n\ndata: b\n\n"), 0,
	 {{NULL, "b", NULL}}, 0, NULL, NULL},
	{"half a bom is data", IN("\xef\xbb" "data: a\n\ndata: b\n\n"), 0,
	 {{NULL, "b", NULL}}, 0, NULL, NULL},
	{"only half a bom", IN("\xef\xbb"), 0, {{0}}, 1, NULL, NULL},
	{"field without colon", IN("data\n\ndata\ndata\n\n"), 0,
	 {{NULL, "", NULL}, {NULL, "\n", NULL}}, 0, NULL, NULL},
	{"empty data line", IN("data:\n\n"), 0, {{NULL, "", NULL}}, 0, NULL, NULL},
	{"event without data not dispatched", IN("event: x\nid: 3\n\ndata: y\n\n"), 0,
	 {{NULL, "y", "3"}}, 0, NULL, NULL},
	{"unknown fields ignored", IN("foo: bar\ndata: a\nDATA: b\ndata : c\nx\n\n"), 0,
	 {{NULL, "a", NULL}}, 0, NULL, NULL},
	{"long field name ignored", IN("datadatadata: x\n\n"), 0, {{0}}, 0, NULL, NULL},
	{"empty stream", IN(""), 0, {{0}}, 0, NULL, NULL},
	{"incomplete last event", IN("data: a\n\ndata: b\n"), 0,
	 {{NULL, "a", NULL}}, 1, NULL, NULL},
	{"last line without end", IN("data: a\n\ndata: b"), 0,
	 {{NULL, "a", NULL}}, 1, NULL, NULL},
	{"last line cut in its name", IN("data: a\n\nda"), 0, {{NULL, "a", NULL}}, 1, NULL, NULL},
	{"last line a comment", IN("data: a\n\n: bye"), 0, {{NULL, "a", NULL}}, 0, NULL, NULL},
	{"last lines without data", IN("data: a\n\nevent: x\nid: 2\n"), 0,
	 {{NULL, "a", NULL}}, 0, NULL, NULL},
	{"openai shape", IN("data: {\"a\":1}\n\n: ping\n\ndata: [DONE]\n\n"), 0,
	 {{NULL, "{\"a\":1}", NULL}, {NULL, "[DONE]", NULL}}, 0, NULL, NULL},
	{"data at the limit", IN("data: 12345678\n\ndata: 1234\ndata: 567\n\n"), 8,
	 {{NULL, "12345678", NULL}, {NULL, "1234\n567", NULL}}, 0, NULL, NULL},
	{"data over the limit", IN("data: 12345678\n\ndata: 123456789\n\ndata: x\n\n"), 8,
	 {{NULL, "12345678", NULL}}, -1, NULL, "event data longer than 8 bytes"},
	{"joined data over the limit", IN("data: 1234\ndata: 5678\n\n"), 8,
	 {{0}}, -1, NULL, "event data longer than 8 bytes"},
	{"empty line past the limit", IN("data: 12345678\ndata:\n\n"), 8,
	 {{0}}, -1, NULL, "event data longer than 8 bytes"},
	{"event type over the limit", IN("event: 123456789\ndata: a\n\n"), 8,
	 {{0}}, -1, NULL, "field value longer than 8 bytes"},
	{"long comment and unknown field are fine", IN(": 1234567890\nxyz: 1234567890\ndata: x\n\n"),
	 8, {{NULL, "x", NULL}}, 0, NULL, NULL},
};

/* One line per event: type, data and id quoted, NULL as null. */
static void
log_str(struct buf *b, const char *s, size_t n)
{
	if (s)
		json_quote(b, s, n);
	else
		buf_adds(b, "null");
}

static void
log_event(struct buf *b, const char *type, const char *data, size_t len, const char *id)
{
	log_str(b, type, type ? strlen(type) : 0);
	buf_adds(b, " ");
	log_str(b, data, len);
	buf_adds(b, " ");
	log_str(b, id, id ? strlen(id) : 0);
	buf_adds(b, "\n");
}

static void
on_event(void *arg, const char *type, const char *data, size_t len, const char *id)
{
	assert_non_null(data);
	assert_int_equal(data[len], '\0');
	log_event(arg, type, data, len, id);
}

/* What a run gave, as one text to compare. */
static void
outcome(struct buf *b, struct buf *events, int fin, long long retry, const char *err)
{
	buf_addf(b, "%sfinish %d\nretry %lld\nerror %s\n", events->data ? events->data : "",
	         fin, retry, err ? err : "none");
}

static void
expected(struct buf *b, const struct sse_case *c)
{
	struct buf events = {0};
	const struct ev *e;

	for (e = c->ev; e < c->ev + N(c->ev) && e->data; e++)
		log_event(&events, e->type, e->data, strlen(e->data), e->id);
	outcome(b, &events, c->fin, c->retry ? atoll(c->retry) : -1, c->err);
	buf_free(&events);
}

/* Feed c->in[0..cut) in one piece, then the rest in pieces of step bytes
 * (0: in one piece). */
static void
run(struct buf *b, const struct sse_case *c, size_t cut, size_t step)
{
	struct buf events = {0};
	struct sse_parser p;
	size_t off;
	char err[ERRLEN] = "";
	int fin;

	if (cut > c->len)
		cut = c->len;
	sse_init(&p, c->max, on_event, &events);
	sse_feed(&p, c->in, cut);
	for (off = cut; off < c->len; off += step ? step : c->len) {
		size_t n = c->len - off;

		sse_feed(&p, c->in + off, step && step < n ? step : n);
	}
	if (sse_error(&p))
		snprintf(err, sizeof err, "%s", sse_error(&p));
	fin = sse_finish(&p);
	outcome(b, &events, fin, p.retry, err[0] ? err : NULL);
	buf_free(&events);
	sse_free(&p);
}

/* Compare, releasing everything before failing so sanitizer runs stay
 * leak-free. */
static void
check(const struct sse_case *c, size_t cut, size_t step)
{
	struct buf got = {0}, want = {0};
	char msg[4096] = "";

	run(&got, c, cut, step);
	expected(&want, c);
	if (strcmp(got.data, want.data) != 0)
		snprintf(msg, sizeof msg, "%s (cut at %zu, then pieces of %zu):\n--- got\n%s--- want\n%s",
		         c->name, cut, step, got.data, want.data);
	buf_free(&got);
	buf_free(&want);
	if (msg[0])
		fail_msg("%s", msg);
}

static void
test_whole(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		check(&cases[i], cases[i].len, 0);
}

static void
test_split_everywhere(void **state)
{
	size_t i, cut;

	(void)state;
	for (i = 0; i < N(cases); i++)
		for (cut = 0; cut <= cases[i].len; cut++)
			check(&cases[i], cut, 0);
}

static void
test_byte_by_byte(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		check(&cases[i], 0, 1);
}

/* Pieces of 2 and 3 bytes cut CRLF and the BOM in other places again. */
static void
test_small_pieces(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		check(&cases[i], 0, 2);
		check(&cases[i], 1, 3);
	}
}

/* After sse_finish the parser takes a new stream: a BOM is skipped again,
 * the last event ID and retry stay, an error is cleared. */
static void
test_finish_then_new_stream(void **state)
{
	struct buf events = {0};
	struct sse_parser p;

	(void)state;
	sse_init(&p, 4, on_event, &events);
	assert_int_equal(sse_feed(&p, IN("retry: 9\nid: x\ndata: a\n\ndata: b")), 0);
	assert_int_equal(sse_finish(&p), 1);
	assert_int_equal(sse_feed(&p, IN("\xef\xbb\xbf" "data: c\n\ndata: 12345\n")), -1);
	assert_string_equal(sse_error(&p), "event data longer than 4 bytes");
	assert_int_equal(sse_feed(&p, IN("data: d\n\n")), -1);
	assert_int_equal(sse_finish(&p), -1);
	assert_null(sse_error(&p));
	assert_int_equal(sse_feed(&p, IN("data: e\n\n")), 0);
	assert_int_equal(sse_finish(&p), 0);
	assert_int_equal(p.retry, 9);
	assert_int_equal(p.events, 3);
	assert_string_equal(events.data,
		"null \"a\" \"x\"\nnull \"c\" \"x\"\nnull \"e\" \"x\"\n");
	buf_free(&events);
	sse_free(&p);
}

/* Endless comments, unknown fields and an endless data line keep the
 * parser's memory bounded by its limit. */
static void
test_bounded_memory(void **state)
{
	static char junk[4096];
	struct sse_parser p;
	int i;

	(void)state;
	memset(junk, 'x', sizeof junk);
	sse_init(&p, 1000, NULL, NULL);
	assert_int_equal(sse_feed(&p, IN(": ")), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(sse_feed(&p, junk, sizeof junk), 0);
	assert_int_equal(sse_feed(&p, IN("\nfoo: ")), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(sse_feed(&p, junk, sizeof junk), 0);
	assert_int_equal(sse_feed(&p, IN("\ndata: ")), 0);
	for (i = 0; i < 1000 && sse_feed(&p, junk, 100) == 0; i++)
		;
	assert_int_equal(i, 10);	/* 1000 bytes taken, the next 100 refused */
	assert_string_equal(sse_error(&p), "event data longer than 1000 bytes");
	assert_true(p.data.cap <= 2048 && p.val.cap <= 2048);
	sse_free(&p);
}

/* Retry values too big for any clock saturate instead of overflowing. */
static void
test_retry_huge(void **state)
{
	struct sse_parser p;

	(void)state;
	sse_init(&p, 0, NULL, NULL);
	assert_int_equal(sse_feed(&p, IN("retry: 99999999999999999999999999999999\n")), 0);
	assert_true(p.retry > 1000000000000LL);
	sse_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_small_pieces),
		cmocka_unit_test(test_finish_then_new_stream),
		cmocka_unit_test(test_bounded_memory),
		cmocka_unit_test(test_retry_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
