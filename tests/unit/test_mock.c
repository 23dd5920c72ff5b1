/* Unit tests for lib/mock*.c: directives, answers, usage, rules, streams. */

#include "unit.h"

#include "base/utf8.h"
#include "json/json.h"
#include "mock/mock.h"

static void
test_tokens(void **state)
{
	static const struct { size_t bytes; long long tokens; } t[] = {
		{ 0, 0 }, { 1, 1 }, { 3, 1 }, { 4, 1 }, { 5, 2 }, { 8, 2 }, { 9, 3 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(mock_tokens(t[i].bytes), t[i].tokens);
}

static void
test_utf8_cut(void **state)
{
	static const struct { const char *s; size_t max, want; } t[] = {
		{ "abcdef", 4, 4 },
		{ "abc", 8, 3 },
		{ "a\xc3\xa9z", 2, 1 },			/* é not split */
		{ "a\xc3\xa9z", 3, 3 },
		{ "\xe2\x82\xac\xe2\x82\xac", 4, 3 },	/* € */
		{ "\xf0\x9f\x98\x80!", 3, 0 },		/* emoji */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(utf8_cut(t[i].s, strlen(t[i].s), t[i].max), t[i].want);
}

static void
test_http_date(void **state)
{
	char d[64];

	(void)state;
	mock_http_date(784111777, d, sizeof d);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	mock_http_date(0, d, sizeof d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

static void
test_json_str(void **state)
{
	struct buf b = {0};

	(void)state;
	json_quote(&b, "a\"b\\c\n\x01", 7);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_free(&b);
}

static void
test_directives(void **state)
{
	static const struct {
		const char *in;
		const char *text;	/* NULL: an error containing err */
		const char *err;
		unsigned faults;
		size_t nstatus, ntools;
		int code;
		const char *args;	/* of the first tool */
	} t[] = {
		{ "  plain text ", "plain text", NULL, 0, 0, 0, 0, NULL },
		{ "a [[mock:429]] b", "a  b", NULL, 0, 1, 0, 429, NULL },
		{ "[[mock:slow ms=5]][[mock:drop]]x", "x", NULL, MOCK_F_SLOW | MOCK_F_DROP, 0, 0, 0, NULL },
		{ "[[mock:tool name=f args={\"a\":[[1]]}]] hi", "hi", NULL, 0, 0, 1, 0, "{\"a\":[[1]]}" },
		{ "[[mock:tool name=f]]", "", NULL, 0, 0, 1, 0, "{}" },
		{ "[[mock:tool name=f args={broken ]]", "", NULL, 0, 0, 1, 0, "{broken" },
		{ "[[mock:tool name=f]][[mock:tool name=g]]", "", NULL, 0, 0, 2, 0, "{}" },
		{ "[[mock:503 retry-after=2 should-retry=false times=1]]", "", NULL, 0, 1, 0, 503, NULL },
		{ "[[mock:huge bytes=10]] [[mock:no-done]] [[mock:truncate]]", "", NULL,
		  MOCK_F_HUGE | MOCK_F_NO_DONE | MOCK_F_TRUNCATE, 0, 0, 0, NULL },
		{ "[[mock:invalid-json]][[mock:empty-choices]][[mock:stream-error]][[mock:tools-no-stream]]",
		  "", NULL, MOCK_F_INVALID_JSON | MOCK_F_EMPTY_CHOICES | MOCK_F_STREAM_ERROR |
		  MOCK_F_TOOLS_NO_STREAM, 0, 0, 0, NULL },
		{ "[[mock:sloww]]", NULL, "unknown directive [[mock:sloww]]", 0, 0, 0, 0, NULL },
		{ "[[mock:418]]", NULL, "unknown directive [[mock:418]]", 0, 0, 0, 0, NULL },
		{ "[[mock:slow ms=abc]]", NULL, "bad number for ms: 'abc'", 0, 0, 0, 0, NULL },
		{ "[[mock:slow speed=1]]", NULL, "unknown option 'speed'", 0, 0, 0, 0, NULL },
		{ "[[mock:drop times=0]]", NULL, "bad number for times", 0, 0, 0, 0, NULL },
		{ "[[mock:429 should-retry=maybe]]", NULL, "should-retry must be true or false", 0, 0, 0, 0, NULL },
		{ "[[mock:slow ms=1", NULL, "unterminated directive", 0, 0, 0, 0, NULL },
		{ "[[mock:slow fast]]", NULL, "expected key=value", 0, 0, 0, 0, NULL },
		{ "[[mock:tool args={}]]", NULL, "name= is required", 0, 0, 0, 0, NULL },
		{ "[[mock:tool name=f times=2]]", NULL, "unknown option 'times'", 0, 0, 0, 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct mock_directives d;
		char err[ERRLEN] = "";
		int rc = mock_parse_directives(t[i].in, strlen(t[i].in), &d, err, sizeof err);

		if (!t[i].text) {
			assert_int_equal(rc, -1);
			if (!strstr(err, t[i].err))
				fail_msg("case %zu: error '%s' lacks '%s'", i, err, t[i].err);
			mock_directives_free(&d);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(d.text.data, t[i].text);
		assert_int_equal(d.faults, t[i].faults);
		assert_int_equal(d.nstatus, t[i].nstatus);
		assert_int_equal(d.ntools, t[i].ntools);
		if (t[i].nstatus)
			assert_int_equal(d.status[0].code, t[i].code);
		if (t[i].args)
			assert_string_equal(d.tools[0].args, t[i].args);
		mock_directives_free(&d);
	}
}

static void
test_status_options(void **state)
{
	struct mock_directives d;
	char err[ERRLEN];
	const char *s = "[[mock:429 retry-after=3 retry-after-date=60 retry-after-ms=1500 "
	                "should-retry=true times=2]]";

	(void)state;
	assert_int_equal(mock_parse_directives(s, strlen(s), &d, err, sizeof err), 0);
	assert_int_equal(d.status[0].retry_after, 3);
	assert_int_equal(d.status[0].retry_after_date, 60);
	assert_int_equal(d.status[0].retry_after_ms, 1500);
	assert_int_equal(d.status[0].should_retry, 1);
	assert_int_equal(d.status[0].times, 2);
	mock_directives_free(&d);
}

/* One request, what we expect of its answer. */
static const struct answer_case {
	const char *body;
	int status;
	const char *content;	/* NULL: content null */
	const char *finish;
	long long prompt, completion;
	size_t ntools;
} answers[] = {
	/* echo, usage: ceil(bytes/4) + 4 per message */
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
	  200, "hello", "stop", 6, 2, 0 },
	{ "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
	  "{\"role\":\"user\",\"content\":\" hi [[mock:slow ms=1]] \"}]}",
	  200, "hi", "stop", 6 + 10, 1, 0 },
	/* parts joined by a newline */
	{ "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"ab\"},"
	  "{\"type\":\"image_url\"},{\"type\":\"text\",\"text\":\"cd\"}]}]}",
	  200, "ab\ncd", "stop", 6, 2, 0 },
	/* max_tokens cuts to max*4 bytes */
	{ "{\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"0123456789abc\"}]}",
	  200, "01234567", "length", 8, 2, 0 },
	{ "{\"max_completion_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"ab\\u00e9\\u00e9\"}]}",
	  200, "ab\xc3\xa9", "length", 6, 1, 0 },
	{ "{\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"short\"}]}",
	  200, "short", "stop", 6, 2, 0 },
	/* only the last user message counts */
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"[[mock:500]]\"},"
	  "{\"role\":\"assistant\",\"content\":\"x\"},{\"role\":\"user\",\"content\":\"ok\"}]}",
	  200, "ok", "stop", 7 + 5 + 5, 1, 0 },
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\"},"
	  "{\"role\":\"tool\",\"content\":\"42\"}]}",
	  200, "tool result: 42", "stop", 5 + 4 + 5, 4, 0 },
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"[[mock:tool name=f args={\\\"a\\\":1}]]"
	  "[[mock:tool name=g]]\"}]}",
	  200, NULL, "tool_calls", 14 + 4, 1 + 2 + 1 + 1, 2 },
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"[[mock:503]]\"}]}",
	  503, NULL, NULL, 0, 0, 0 },
	{ "{\"messages\":[{\"role\":\"user\",\"content\":\"[[mock:nope]]\"}]}",
	  400, NULL, NULL, 0, 0, 0 },
	{ "{\"messages\":\"x\"}", 400, NULL, NULL, 0, 0, 0 },
	{ "{\"model\":\"m\"}", 400, NULL, NULL, 0, 0, 0 },
	{ "{\"messages\":[", 400, NULL, NULL, 0, 0, 0 },
	{ "[]", 400, NULL, NULL, 0, 0, 0 },
	{ "{\"messages\":[1]}", 400, NULL, NULL, 0, 0, 0 },
};

static void
test_answers(void **state)
{
	struct mock *m = mock_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		const struct answer_case *c = &answers[i];
		struct mock_answer a;

		mock_reply(m, c->body, strlen(c->body), &a);
		if (a.status != c->status)
			fail_msg("case %zu: status %d, want %d", i, a.status, c->status);
		if (c->status != 200) {
			assert_true(a.raw);
			assert_non_null(strstr(a.body.data, "{\"error\":{\"message\":"));
			mock_answer_free(&a);
			continue;
		}
		assert_string_equal(a.model, "mock");
		if (c->content) {
			assert_true(a.has_content);
			assert_string_equal(a.content.data, c->content);
		} else
			assert_false(a.has_content);
		assert_string_equal(a.finish, c->finish);
		if (a.prompt_tokens != c->prompt || a.completion_tokens != c->completion)
			fail_msg("case %zu: usage %lld/%lld, want %lld/%lld", i, a.prompt_tokens,
			         a.completion_tokens, c->prompt, c->completion);
		assert_int_equal(a.ntools, c->ntools);
		mock_answer_free(&a);
	}
	mock_free(m);
}

/* A last message of role tool without content (found by fuzz_mock: its
 * empty text was copied from NULL) is answered like any other. */
static void
test_tool_message_without_content(void **state)
{
	struct mock *m = mock_new();
	struct mock_answer a;
	const char *req = "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\"}]}";

	(void)state;
	mock_reply(m, req, strlen(req), &a);
	assert_int_equal(a.status, 200);
	mock_answer_free(&a);
	mock_free(m);
}

static void
test_completion_body(void **state)
{
	struct mock *m = mock_new();
	struct mock_answer a;
	struct buf b = {0};
	const char *req = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
	json_object *o;
	char err[ERRLEN];

	(void)state;
	mock_reply(m, req, strlen(req), &a);
	mock_completion(&a, &b, NULL);
	o = json_parse(b.data, b.len, err, sizeof err);
	assert_non_null(o);
	assert_string_equal(json_get_str(o, "object"), "chat.completion");
	assert_string_equal(json_get_str(o, "model"), "m1");
	assert_int_equal(json_object_get_int(json_get(o, "created")), 0);
	assert_int_equal(strncmp(json_get_str(o, "id"), "chatcmpl-mock-", 14), 0);
	assert_int_equal(json_object_get_int(json_get(json_get(o, "usage"), "total_tokens")), 6);
	json_object_put(o);
	buf_free(&b);
	mock_answer_free(&a);
	mock_free(m);
}

static void
test_times(void **state)
{
	struct mock *m = mock_new();
	const char *r1 = "{\"messages\":[{\"role\":\"user\",\"content\":\"[[mock:500 times=1]]"
	                 "[[mock:429 times=2]]\"}]}";
	const char *r2 = "{\"messages\":[{\"role\":\"user\",\"content\":\" [[mock:500 times=1]]\"}]}";
	static const int want[] = { 500, 429, 200, 200 };
	struct mock_answer a;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		mock_reply(m, r1, strlen(r1), &a);
		assert_int_equal(a.status, want[i]);
		assert_int_equal(a.injected, want[i] != 200);
		mock_answer_free(&a);
	}
	/* another body has its own count */
	mock_reply(m, r2, strlen(r2), &a);
	assert_int_equal(a.status, 500);
	mock_answer_free(&a);
	mock_free(m);
}

static void
test_rules(void **state)
{
	static const char rules[] =
		"# scripted\n"
		"{\"role\":\"tool\",\"content\":\"done\"}\n"
		"\n"
		"{\"model\":\"big\",\"content\":\"from big\",\"delay_ms\":5}\n"
		"{\"match\":\"^wea(ther)?\",\"tool_calls\":[{\"name\":\"w\",\"arguments\":{\"c\":1}}]}\n"
		"{\"match\":\"busy\",\"status\":429,\"headers\":{\"retry-after\":\"2\"}}\n"
		"{\"match\":\"raw\",\"body\":\"nope\",\"status\":502}\n";
	static const struct {
		const char *body;
		int status;
		const char *content;
		const char *args;
		long long delay;
	} t[] = {
		{ "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 200, "from big", NULL, 5 },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}", 200, NULL, "{\"c\":1}", 0 },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"wea\"},{\"role\":\"tool\",\"content\":\"1\"}]}",
		  200, "done", NULL, 0 },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"so busy\"}]}", 429, NULL, NULL, 0 },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"raw\"}]}", 502, NULL, NULL, 0 },
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"other\"}]}", 200, "other", NULL, 0 },
		/* a tool directive outranks the rules */
		{ "{\"messages\":[{\"role\":\"user\",\"content\":\"weather [[mock:tool name=z]]\"}]}",
		  200, NULL, "{}", 0 },
	};
	struct mock *m = mock_new();
	char err[ERRLEN];
	size_t i;

	(void)state;
	if (mock_load_rules_text(m, "r", rules, sizeof rules - 1, err, sizeof err) < 0)
		fail_msg("%s", err);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct mock_answer a;

		mock_reply(m, t[i].body, strlen(t[i].body), &a);
		if (a.status != t[i].status)
			fail_msg("case %zu: status %d, want %d", i, a.status, t[i].status);
		if (t[i].content)
			assert_string_equal(a.content.data, t[i].content);
		if (t[i].args) {
			assert_int_equal(a.ntools, 1);
			assert_string_equal(a.tools[0].args, t[i].args);
			assert_false(a.has_content);
		}
		assert_int_equal(a.delay_ms, t[i].delay);
		if (t[i].status == 429) {
			assert_int_equal(a.nhdrs, 1);
			assert_string_equal(a.hdrs[0].name, "retry-after");
		}
		if (t[i].status == 502)
			assert_string_equal(a.body.data, "nope");
		mock_answer_free(&a);
	}
	mock_free(m);
}

static void
test_bad_rules(void **state)
{
	static const struct { const char *text, *err; } t[] = {
		{ "{\"content\":\"a\"}\n{bad\n", "f:2: invalid JSON" },
		{ "[1]\n", "f:1: a rule must be a JSON object" },
		{ "\n\n{\"contnet\":\"a\"}\n", "f:3: unknown field 'contnet'" },
		{ "{\"match\":\"(\"}\n", "f:1: 'match': " },
		{ "{\"status\":99}\n", "f:1: 'status' must be a whole number from 100 to 599" },
		{ "{\"delay_ms\":\"5\"}\n", "f:1: 'delay_ms' must be a whole number" },
		{ "{\"tool_calls\":[{\"arguments\":{}}]}\n", "f:1: 'tool_calls[0]' must be an object" },
		{ "{\"headers\":{\"a\":1}}\n", "f:1: 'headers': bad header 'a'" },
		{ "{\"headers\":{\"a\":\"x\\r\\ny: z\"}}\n", "f:1: 'headers': bad header 'a'" },
		{ "{\"content\":5}\n", "f:1: 'content' must be a string" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct mock *m = mock_new();
		char err[ERRLEN] = "";

		assert_int_equal(mock_load_rules_text(m, "f", t[i].text, strlen(t[i].text), err,
		                                      sizeof err), -1);
		if (strncmp(err, t[i].err, strlen(t[i].err)))
			fail_msg("case %zu: error '%s', want '%s...'", i, err, t[i].err);
		mock_free(m);
	}
}

/* Run a stream to its end: the events joined, the last result. */
static int
run_stream(const char *body, struct buf *all, size_t *nevents)
{
	struct mock *m = mock_new();
	struct mock_answer a;
	struct mock_stream s = {0};
	struct buf ev = {0};
	int rc;

	mock_reply(m, body, strlen(body), &a);
	*nevents = 0;
	while ((rc = mock_stream_next(&a, &s, 1.5, &ev)) == MOCK_EV_DATA) {
		buf_add(all, ev.data, ev.len);
		buf_reset(&ev);
		(*nevents)++;
	}
	buf_free(&ev);
	mock_answer_free(&a);
	mock_free(m);
	return rc;
}

/* Content that is not UTF-8 (no character starts in a delta's bytes)
 * is still streamed to its end: found by fuzz_mock, each delta was cut
 * back to nothing and the stream never ended. */
static void
test_stream_not_utf8(void **state)
{
	const char *req = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
	                  "\"content\":\"a\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\x8b\"}]}";
	struct mock *m = mock_new();
	struct mock_answer a;
	struct mock_stream s = {0};
	struct buf ev = {0};
	int rc, n = 0;

	(void)state;
	mock_reply(m, req, strlen(req), &a);
	assert_int_equal(a.status, 200);
	while ((rc = mock_stream_next(&a, &s, 1.5, &ev)) == MOCK_EV_DATA && n < 1000) {
		buf_reset(&ev);
		n++;
	}
	assert_int_equal(rc, MOCK_EV_END);
	assert_true(n < 20);
	buf_free(&ev);
	mock_answer_free(&a);
	mock_free(m);
}

static void
test_streams(void **state)
{
	static const struct {
		const char *msg;
		int usage;
		int rc;
		size_t nevents;
		const char *has, *lacks;
	} t[] = {
		/* role, 2 deltas, finish, usage, [DONE] */
		{ "0123456789", 1, MOCK_EV_END, 6, "\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
		  "\"completion_tokens\":3,\"total_tokens\":10},\"x_mock_ts_ms\":1.500}", NULL },
		{ "0123456789", 0, MOCK_EV_END, 5, "data: [DONE]\n\n", "usage" },
		{ "0123456789abcdefgh", 0, MOCK_EV_END, 6, "{\"content\":\"89abcdef\"}", NULL },
		{ "0123456789 [[mock:no-done]]", 0, MOCK_EV_END, 4, "\"finish_reason\":\"stop\"", "[DONE]" },
		/* 3 deltas, 2 sent */
		{ "0123456789abcdefghijklmn [[mock:truncate]]", 0, MOCK_EV_END, 3, "89abcdef",
		  "finish_reason\":\"" },
		{ "0123456789abcdefghijklmn [[mock:drop]]", 0, MOCK_EV_DROP, 3, "89abcdef", "ghij" },
		{ "0123456789abcdefghijklmn [[mock:stream-error]]", 0, MOCK_EV_END, 4,
		  "data: {\"error\":{\"message\":\"mock: injected stream error\","
		  "\"type\":\"server_error\"}}\n\n", "ghij" },
		{ "[[mock:invalid-json]]", 0, MOCK_EV_END, 2, "data: {\"id\":\"x\",\"choices\":[{\"mess\n\n",
		  NULL },
		{ "[[mock:empty-choices]]", 1, MOCK_EV_END, 3, "\"choices\":[],\"x_mock", NULL },
		/* head, 2 argument pieces, finish, [DONE] */
		{ "[[mock:tool name=f args={\"city\":\"x\"}]]", 0, MOCK_EV_END, 6,
		  "\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]", NULL },
		{ "[[mock:huge bytes=20000]]", 0, MOCK_EV_END, 5, "\"finish_reason\":\"stop\"", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct buf req = {0}, all = {0};
		size_t n;
		int rc;

		buf_adds(&req, "{\"stream\":true,");
		if (t[i].usage)
			buf_adds(&req, "\"stream_options\":{\"include_usage\":true},");
		buf_adds(&req, "\"messages\":[{\"role\":\"user\",\"content\":");
		json_quote(&req, t[i].msg, strlen(t[i].msg));
		buf_adds(&req, "}]}");
		rc = run_stream(req.data, &all, &n);
		if (rc != t[i].rc || n != t[i].nevents)
			fail_msg("case %zu: rc %d events %zu, want %d %zu:\n%s", i, rc, n, t[i].rc,
			         t[i].nevents, all.data);
		if (t[i].has && !strstr(all.data, t[i].has))
			fail_msg("case %zu: lacks '%s':\n%s", i, t[i].has, all.data);
		if (t[i].lacks && strstr(all.data, t[i].lacks))
			fail_msg("case %zu: has '%s':\n%s", i, t[i].lacks, all.data);
		buf_free(&req);
		buf_free(&all);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_status_options),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_completion_body),
		cmocka_unit_test(test_tool_message_without_content),
		cmocka_unit_test(test_stream_not_utf8),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
