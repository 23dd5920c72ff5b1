/* Unit tests for lib/wire/chat_stream.c: chat.completion.chunk streams, as servers
 * send them, go through the SSE parser split in two at every byte
 * position; the result record, or the error, and the callbacks must be
 * the expected ones every time. */
#include "unit.h"

#include "net/sse.h"
#include "wire/chat_stream.h"
#include "stream_log.h"

/* The chunks of an OpenAI stream, with the fields servers send around
 * what matters. */
#define HEAD "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\"," \
	"\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\"," \
	"\"choices\":["
#define CHUNK(delta, fr) HEAD "{\"index\":0,\"delta\":" delta ",\"logprobs\":null," \
	"\"finish_reason\":" fr "}],\"usage\":null}\n\n"
#define ROLE CHUNK("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null")
#define TEXT(t) CHUNK("{\"content\":\"" t "\"}", "null")
#define STOP(r) CHUNK("{}", "\"" r "\"")
#define USAGE HEAD "],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3," \
	"\"total_tokens\":12}}\n\n"
#define DONE "data: [DONE]\n\n"
/* what a record takes from HEAD */
#define FP ",\"system_fingerprint\":\"fp_1\""
/* a tool-call delta; frag is JSON-escaped already */
#define TOOL(i, rest) CHUNK("{\"tool_calls\":[{\"index\":" #i rest "}]}", "null")
#define ARGS(frag) ",\"function\":{\"arguments\":\"" frag "\"}"
#define CALL(id, name) ",\"id\":\"" id "\",\"type\":\"function\"," \
	"\"function\":{\"name\":\"" name "\",\"arguments\":\"\"}"

#define RES_USAGE "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}"

static const struct stream_case {
	const char *name;
	const char *sse;
	size_t max;		/* 0: the default */
	const char *want;	/* "ok <record>" or "error <kind> <retryable> <message>" */
	const char *calls;	/* the callbacks' log; NULL: not checked but for
				 * being the same at every cut */
} cases[] = {
	{"content, usage, done",
	 ROLE TEXT("Hel") TEXT("lo, w\\u00f6rld") TEXT("") STOP("stop") USAGE DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"Hello, w\xc3\xb6rld\","
	 "\"finish_reason\":\"stop\"," RES_USAGE "" FP "}",
	 "content \"Hel\"\ncontent \"lo, w\xc3\xb6rld\"\n"},
	{"reasoning_content",
	 ROLE CHUNK("{\"content\":null,\"reasoning_content\":\"Let me\"}", "null")
	 CHUNK("{\"content\":null,\"reasoning_content\":\" think.\"}", "null")
	 CHUNK("{\"content\":\"42\",\"reasoning_content\":null}", "null") STOP("stop") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"42\",\"reasoning\":\"Let me think.\","
	 "\"finish_reason\":\"stop\"" FP "}",
	 "reasoning \"Let me\"\nreasoning \" think.\"\ncontent \"42\"\n"},
	{"reasoning (ollama)",
	 CHUNK("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"hmm\"}", "null")
	 TEXT("ok") STOP("stop") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"ok\",\"reasoning\":\"hmm\","
	 "\"finish_reason\":\"stop\"" FP "}",
	 "reasoning \"hmm\"\ncontent \"ok\"\n"},
	{"two parallel tool calls interleaved",
	 CHUNK("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0"
	       CALL("call_a", "get_weather") "}]}", "null")
	 TOOL(1, CALL("call_b", "get_time"))
	 TOOL(0, ARGS("{\\\"ci")) TOOL(1, ARGS("{\\\"tz\\\":"))
	 TOOL(0, ARGS("ty\\\":\\\"Par")) TOOL(1, ARGS("\\\"UTC\\\"}"))
	 TOOL(0, ARGS("is\\\"}")) STOP("tool_calls") USAGE DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"\",\"tool_calls\":["
	 "{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
	 "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
	 "{\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
	 "\"arguments\":\"{\\\"tz\\\":\\\"UTC\\\"}\"}}],"
	 "\"finish_reason\":\"tool_calls\"," RES_USAGE "" FP "}",
	 "tool 0 \"call_a\" \"get_weather\" null\ntool 1 \"call_b\" \"get_time\" null\n"
	 "tool 0 null null \"{\\\"ci\"\ntool 1 null null \"{\\\"tz\\\":\"\n"
	 "tool 0 null null \"ty\\\":\\\"Par\"\ntool 1 null null \"\\\"UTC\\\"}\"\n"
	 "tool 0 null null \"is\\\"}\"\n"},
	{"tool calls come out by index",
	 TOOL(1, CALL("call_b", "b")) TOOL(0, CALL("call_a", "a")) TOOL(1, ARGS("{}"))
	 STOP("tool_calls") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"\",\"tool_calls\":["
	 "{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}},"
	 "{\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"b\",\"arguments\":\"{}\"}}],"
	 "\"finish_reason\":\"tool_calls\"" FP "}", NULL},
	{"whole tool calls without index",
	 CHUNK("{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
	       "{\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}},"
	       "{\"id\":\"c2\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}", "null")
	 STOP("tool_calls") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"\",\"tool_calls\":["
	 "{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}},"
	 "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}],"
	 "\"finish_reason\":\"tool_calls\"" FP "}",
	 "tool 0 \"c1\" \"f\" \"{\\\"x\\\":1}\"\ntool 1 \"c2\" \"g\" \"{}\"\n"},
	{"finish_reason without [DONE] is fine",
	 ROLE TEXT("hi") STOP("length"), 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"hi\",\"finish_reason\":\"length\"" FP "}", NULL},
	{"[DONE] without finish_reason is fine", TEXT("hi") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"hi\",\"finish_reason\":null" FP "}", NULL},
	{"only [DONE] is no answer", DONE, 0,
	 "error protocol 0 stream had no choices (only usage or filter chunks)", NULL},
	{"only usage and [DONE] is no answer", USAGE DONE, 0,
	 "error protocol 0 stream had no choices (only usage or filter chunks)", NULL},
	{"cut stream is an error", ROLE TEXT("Hel") TEXT("lo"), 0,
	 "error protocol 1 stream ended before the answer was complete "
	 "(no finish_reason, no [DONE])", NULL},
	{"cut inside the finish chunk is an error", ROLE TEXT("Hel") "data: {\"choices\":[{\"index\":0,",
	 0, "error protocol 1 stream ended before the answer was complete "
	 "(no finish_reason, no [DONE])", NULL},
	{"empty stream is an error", "", 0,
	 "error protocol 1 stream ended before the answer was complete "
	 "(no finish_reason, no [DONE])", NULL},
	{"error object mid-stream",
	 ROLE TEXT("Hel") "data: {\"error\":{\"message\":\"The server had an error while "
	 "processing your request.\",\"type\":\"server_error\",\"code\":null}}\n\n" STOP("stop") DONE, 0,
	 "error protocol 1 server sent an error in the stream: The server had an error while "
	 "processing your request.", "content \"Hel\"\n"},
	{"error string mid-stream", TEXT("a") "data: {\"error\":\"model unloaded\"}\n\n", 0,
	 "error protocol 1 server sent an error in the stream: model unloaded", NULL},
	{"vllm error object", "data: {\"object\":\"error\",\"message\":\"out of memory\","
	 "\"type\":\"InternalServerError\",\"code\":500}\n\n" DONE, 0,
	 "error protocol 1 server sent an error in the stream: out of memory", NULL},
	{"error object without a message, written as json-c writes it",
	 TEXT("a") "data: {\"object\":\"error\",\"code\":\"a/b\",\"n\":1.50}\n\n", 0,
	 "error protocol 1 server sent an error in the stream: "
	 "{\"object\":\"error\",\"code\":\"a\\/b\",\"n\":1.50}", NULL},
	{"error event with text", TEXT("a") "event: error\ndata: upstream timed out\n\n" DONE, 0,
	 "error protocol 1 server sent an error in the stream: upstream timed out", NULL},
	{"error event with json", "event: error\ndata: {\"message\":\"overloaded\"}\n\n", 0,
	 "error protocol 1 server sent an error in the stream: overloaded", NULL},
	{"invalid chunk json", ROLE "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}\n\n"
	 STOP("stop") DONE, 0, "error protocol 1 stream chunk is not valid JSON: ", NULL},
	{"chunk not an object", "data: [1,2]\n\n" DONE, 0,
	 "error protocol 1 stream chunk is not a JSON object: [1,2]", NULL},
	{"content filter chunk ignored",
	 "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
	 "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":"
	 "{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n"
	 ROLE TEXT("ok") STOP("stop") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"ok\",\"finish_reason\":\"stop\"" FP "}", NULL},
	{"comments, crlf and other choices",
	 ": OPENROUTER PROCESSING\r\n\r\n"
	 "data: {\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"no\"}},"
	 "{\"index\":0,\"delta\":{\"content\":\"yes\"}}]}\r\n\r\n"
	 ": ping\r\n\r\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
	 "\r\n\r\ndata: [DONE]\r\n\r\n", 0,
	 /* choice 1 is kept apart; the callbacks hear of choice 0 only */
	 "ok {\"model\":\"m\",\"content\":\"yes\",\"finish_reason\":\"stop\",\"choices\":"
	 "[{\"content\":\"yes\",\"finish_reason\":\"stop\"},{\"content\":\"no\","
	 "\"finish_reason\":null}]}", "content \"yes\"\n"},
	{"data after [DONE] ignored", TEXT("a") STOP("stop") DONE TEXT("b") "data: junk\n\n", 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"a\",\"finish_reason\":\"stop\"" FP "}", NULL},
	{"answer at the limit", TEXT("1234") TEXT("5678") STOP("stop") DONE, 8,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"12345678\",\"finish_reason\":\"stop\"" FP "}", NULL},
	{"answer over the limit", TEXT("1234") TEXT("56789") STOP("stop") DONE, 8,
	 "error protocol 0 answer larger than 8 bytes", "content \"1234\"\n"},
	{"tool arguments count against the limit",
	 TOOL(0, CALL("c", "f")) TOOL(0, ARGS("123456")) STOP("tool_calls") DONE, 8,
	 "error protocol 0 answer larger than 8 bytes", NULL},
	{"bad tool index", TOOL(-1, ARGS("{}")) STOP("tool_calls") DONE, 0,
	 "error protocol 1 stream chunk has a tool call with a bad index", NULL},
	/* unusual chunks, as json-c's tree reads them */
	{"logprobs of choice 0 concatenated, choice 1 apart",
	 HEAD "{\"index\":0,\"delta\":{\"content\":\"a\"},\"logprobs\":{\"content\":"
	 "[{\"token\":\"a\",\"logprob\":-1}]},\"finish_reason\":null}]}\n\n"
	 HEAD "{\"index\":1,\"delta\":{\"content\":\"z\"},\"logprobs\":{\"content\":"
	 "[{\"token\":\"z\"}]},\"finish_reason\":\"length\"}]}\n\n"
	 HEAD "{\"index\":0,\"delta\":{\"content\":\"b\"},\"logprobs\":{\"content\":"
	 "[{\"token\":\"b\",\"logprob\":-2}]},\"finish_reason\":null}]}\n\n"
	 STOP("stop") DONE, 0,
	 "ok {\"model\":\"gpt-4o-mini\",\"content\":\"ab\",\"finish_reason\":\"stop\","
	 "\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":-1},{\"token\":\"b\","
	 "\"logprob\":-2}]}" FP ",\"choices\":[{\"content\":\"ab\",\"finish_reason\":\"stop\"},"
	 "{\"content\":\"z\",\"finish_reason\":\"length\"}]}",
	 "content \"a\"\ncontent \"b\"\n"},
	{"escapes, a NUL, an index of 0 written many ways, nested usage",
	 "data: {\"model\":\"m\\u0031\",\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\\n\"}}]}\n\n"
	 "data: {\"choices\":[{\"index\":0.0,\"delta\":{\"content\":\"c\"}}]}\n\n"
	 "data: {\"choices\":[{\"index\":\"0\",\"delta\":{\"content\":\"d\"}}]}\n\n"
	 "data: {\"choices\":[{\"index\":null,\"delta\":\"x\"}]}\n\n"
	 "data: {\"choices\":[{\"index\":2,\"delta\":{\"content\":\"no\"}}],\"model\":\"\"}\n\n"
	 "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"\",\"reasoning\":\"r\"},"
	 "\"finish_reason\":\"st\\u006fp\"}],\"usage\":{\"prompt_tokens\":1,"
	 "\"prompt_tokens_details\":{\"cached_tokens\":0}},\"object\":\"chunk\"}\n\n" DONE, 0,
	 "ok {\"model\":\"m1\",\"content\":\"a\\u0000b\\ncd\",\"finish_reason\":\"stop\","
	 "\"usage\":{\"prompt_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
	 "\"choices\":[{\"content\":\"a\\u0000b\\ncd\",\"finish_reason\":\"stop\"},"
	 "{\"content\":\"no\",\"finish_reason\":null}]}",
	 "content \"a\\u0000b\\n\"\ncontent \"c\"\ncontent \"d\"\n"},
};

/* c->sse split at cut, read as an OpenAI stream. */
static void
run(const struct stream_case *c, size_t cut, struct buf *res, struct buf *calls)
{
	stream_run(&dialect_openai, NULL, c->max, c->sse, cut, res, calls);
}

static void
run_case(const void *c, size_t cut, struct buf *res, struct buf *calls)
{
	run(c, cut, res, calls);
}

/* Every cut must give what the whole stream gives, and that must be what
 * the case wants (fuzz_sse holds the reader to json-c's tree of each
 * chunk). */
static void
check_case(const struct stream_case *c)
{
	stream_check(c->name, c, strlen(c->sse), run_case, stream_same, c->want, c->calls);
}

static void
test_streams(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		check_case(&cases[i]);
}

static int
data(struct chat_stream *s, const char *d)
{
	return chat_stream_data(s, d, strlen(d));
}

/* chat_stream_data alone, without SSE: [DONE] with white space around,
 * blank data, and the failure sticking. */
static void
test_data_directly(void **state)
{
	struct chat_stream s;
	struct llm_error e;
	json_object *rec = json_object_new_object();
	struct buf b = {0};

	(void)state;
	chat_stream_init(&s, 0);
	assert_int_equal(chat_stream_data(&s, "", 0), 0);
	assert_int_equal(chat_stream_data(&s, " \n", 2), 0);
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}"), 0);
	assert_int_equal(data(&s, "[DONE]"), 0);
	assert_true(s.done);
	assert_int_equal(chat_stream_finish(&s, rec, &e), 0);
	assert_string_equal(json_line(rec, &b), "{\"content\":\"x\",\"finish_reason\":null}");
	chat_stream_free(&s);

	chat_stream_init(&s, 0);
	assert_int_equal(chat_stream_data(&s, "{", 1), -1);
	assert_int_equal(chat_stream_data(&s, "[DONE]", 6), -1);
	assert_int_equal(chat_stream_finish(&s, rec, &e), -1);
	assert_string_equal(e.kind, "protocol");
	assert_int_equal(e.retryable, 1);
	assert_int_equal(e.http_status, 0);
	assert_int_equal(e.retry_after_ms, -1);
	chat_stream_free(&s);
	json_object_put(rec);
	buf_free(&b);
}

/* A chunk with more tool calls than an answer may hold fails, bounded. */
static void
test_too_many_tools(void **state)
{
	struct chat_stream s;
	struct llm_error e;
	struct buf chunk = {0};
	json_object *rec = json_object_new_object();
	int i;

	(void)state;
	buf_adds(&chunk, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[");
	for (i = 0; i <= CHAT_STREAM_MAX_TOOLS; i++)
		buf_addf(&chunk, "%s{\"index\":%d,\"id\":\"c%d\"}", i ? "," : "", i, i);
	buf_adds(&chunk, "]}}]}");
	chat_stream_init(&s, 0);
	assert_int_equal(chat_stream_data(&s, chunk.data, chunk.len), -1);
	assert_int_equal(s.choice0.ntools, CHAT_STREAM_MAX_TOOLS);
	assert_int_equal(chat_stream_finish(&s, rec, &e), -1);
	assert_string_equal(e.message, "answer has more than 1024 tool calls");
	chat_stream_free(&s);
	json_object_put(rec);
	buf_free(&chunk);
}

/* on_delta's text, each call on its own line. */
static void
log_delta(void *arg, const char *kind, const char *text, size_t len)
{
	struct buf *b = arg;

	buf_addf(b, "%s:", kind);
	buf_add(b, text, len);
	buf_add(b, "\n", 1);
}

/* A character split across chunks reaches on_delta whole; one the
 * stream never finishes comes at chat_stream_finish; invalid bytes that
 * no chunk can finish (FF) are not held. */
static void
test_split_characters(void **state)
{
	struct chat_stream s;
	struct llm_error e;
	json_object *rec = json_object_new_object();
	struct buf log = {0};

	(void)state;
	chat_stream_init(&s, 0);
	s.on_delta = log_delta;
	s.arg = &log;
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"content\":\"a\xf0\x9f\"}}]}"), 0);
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"content\":\"\x98\"}}]}"), 0);
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"content\":\"\x80\xff\"}}]}"), 0);
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"reasoning_content\":\"r\xe2\x82\"}}]}"), 0);
	assert_int_equal(data(&s, "{\"choices\":[{\"delta\":{\"content\":\"b\xc3\"},"
	                          "\"finish_reason\":\"stop\"}]}"), 0);
	assert_string_equal(log.data, "content:a\ncontent:\xf0\x9f\x98\x80\xff\nreasoning:r\n"
	                    "content:b\n");
	buf_reset(&log);
	assert_int_equal(chat_stream_finish(&s, rec, &e), 0);
	assert_string_equal(log.data, "content:\xc3\nreasoning:\xe2\x82\n");
	chat_stream_free(&s);
	json_object_put(rec);
	buf_free(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_data_directly),
		cmocka_unit_test(test_split_characters),
		cmocka_unit_test(test_too_many_tools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
