/* Unit tests for lib/wire/anthropic.c and anthropic_stream.c: requests
 * translated from records both ways against the shapes of the Messages
 * API reference (tool use, parallel tool use, images, thinking, prompt
 * caching, errors), refusals named, and event streams split in two at
 * every byte, as tests/unit/test_stream.c does for OpenAI's chunks. */
#include "unit.h"

#include "net/sse.h"
#include "wire/anthropic.h"
#include "wire/dialect.h"
#include "stream_log.h"

/* Whether a and b, JSON texts, are the same value. */
static void
assert_json(const char *what, json_object *got, const char *want)
{
	json_object *w = parse(want);
	struct buf line = {0};

	if (!json_object_equal(got, w))
		fail_msg("%s:\n--- got\n%s\n--- want\n%s", what, got ? json_line(got, &line) : "NULL",
		         want);
	buf_free(&line);
	json_object_put(w);
}

/* ---- requests ---- */

static const struct {
	const char *name;
	const char *req;	/* a record's request body */
	int stream;
	const char *want;	/* the Messages request */
} requests[] = {
	{"system and user, max_tokens by default", "{\"model\":\"claude-sonnet-4\","
	 "\"messages\":[{\"role\":\"system\",\"content\":\"You are brief.\"},"
	 "{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}", 0,
	 "{\"model\":\"claude-sonnet-4\",\"system\":[{\"type\":\"text\",\"text\":\"You are brief.\"}],"
	 "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello, Claude\"}]}],"
	 "\"max_tokens\":4096}"},
	{"sampling, stop, stream; Anthropic's own fields pass", "{\"model\":\"m\",\"messages\":"
	 "[{\"role\":\"user\",\"content\":\"x\"}],\"max_completion_tokens\":100,\"temperature\":0.5,"
	 "\"top_p\":0.9,\"top_k\":5,\"stop\":\"END\",\"user\":\"u1\",\"stream\":false,"
	 "\"stream_options\":{\"include_usage\":true},\"thinking\":{\"type\":\"enabled\","
	 "\"budget_tokens\":2000}}", 1,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"x\"}]}],\"max_tokens\":100,\"stop_sequences\":[\"END\"],"
	 "\"metadata\":{\"user_id\":\"u1\"},\"temperature\":0.5,\"top_p\":0.9,\"top_k\":5,"
	 "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"stream\":true}"},
	{"tool use: the call and its result", "{\"model\":\"m\",\"max_tokens\":1024,"
	 "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
	 "\"description\":\"Get the current weather in a given location\",\"parameters\":"
	 "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},"
	 "\"required\":[\"location\"]}}}],\"messages\":["
	 "{\"role\":\"user\",\"content\":\"What's the weather like in San Francisco?\"},"
	 "{\"role\":\"assistant\",\"content\":\"I'll check.\",\"tool_calls\":[{\"id\":"
	 "\"toolu_01A09q90qw90lq917835lq9\",\"type\":\"function\",\"function\":{\"name\":"
	 "\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"San Francisco, CA\\\"}\"}}]},"
	 "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01A09q90qw90lq917835lq9\",\"content\":"
	 "\"15 degrees\"}]}", 0,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"What's the weather like in San Francisco?\"}]},{\"role\":\"assistant\","
	 "\"content\":[{\"type\":\"text\",\"text\":\"I'll check.\"},{\"type\":\"tool_use\",\"id\":"
	 "\"toolu_01A09q90qw90lq917835lq9\",\"name\":\"get_weather\",\"input\":{\"location\":"
	 "\"San Francisco, CA\"}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
	 "\"tool_use_id\":\"toolu_01A09q90qw90lq917835lq9\",\"content\":\"15 degrees\"}]}],"
	 "\"max_tokens\":1024,\"tools\":[{\"name\":\"get_weather\",\"description\":"
	 "\"Get the current weather in a given location\",\"input_schema\":{\"type\":\"object\","
	 "\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}]}"},
	{"parallel tool use: results merged into one user turn, text after them",
	 "{\"model\":\"m\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
	 "\"tool_choice\":\"required\",\"parallel_tool_calls\":false,\"messages\":["
	 "{\"role\":\"user\",\"content\":\"go\"},{\"role\":\"assistant\",\"content\":null,"
	 "\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\","
	 "\"arguments\":\"{}\"}},{\"id\":\"b\",\"type\":\"function\",\"function\":{\"name\":\"f\","
	 "\"arguments\":\"\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":"
	 "[{\"type\":\"text\",\"text\":\"one\"}]},{\"role\":\"tool\",\"tool_call_id\":\"b\","
	 "\"content\":\"two\"},{\"role\":\"user\",\"content\":\"and now?\"}]}", 0,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"go\"}]},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":"
	 "\"a\",\"name\":\"f\",\"input\":{}},{\"type\":\"tool_use\",\"id\":\"b\",\"name\":\"f\","
	 "\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
	 "\"a\",\"content\":[{\"type\":\"text\",\"text\":\"one\"}]},{\"type\":\"tool_result\","
	 "\"tool_use_id\":\"b\",\"content\":\"two\"},{\"type\":\"text\",\"text\":\"and now?\"}]}],"
	 "\"max_tokens\":4096,\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],"
	 "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}}"},
	{"named tool_choice", "{\"model\":\"m\",\"tools\":[{\"type\":\"function\",\"function\":"
	 "{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":{\"type\":"
	 "\"function\",\"function\":{\"name\":\"f\"}},\"messages\":[{\"role\":\"user\","
	 "\"content\":\"x\"}]}", 0,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"x\"}]}],\"max_tokens\":4096,\"tools\":[{\"name\":\"f\",\"input_schema\":"
	 "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"}}"},
	{"images: a base64 data: URL and a URL; cache_control kept", "{\"model\":\"m\","
	 "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":"
	 "{\"url\":\"data:image/jpeg;base64,/9j/4AAQSkZJRg==\"}},{\"type\":\"image_url\","
	 "\"image_url\":{\"url\":\"https://example.com/a.png\"}},{\"type\":\"text\",\"text\":"
	 "\"What is in these images?\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}", 0,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
	 "\"source\":{\"type\":\"base64\",\"media_type\":\"image/jpeg\",\"data\":"
	 "\"/9j/4AAQSkZJRg==\"}},{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":"
	 "\"https://example.com/a.png\"}},{\"type\":\"text\",\"text\":\"What is in these images?\","
	 "\"cache_control\":{\"type\":\"ephemeral\"}}]}],\"max_tokens\":4096}"},
	{"json_schema: a forced tool", "{\"model\":\"m\",\"response_format\":{\"type\":"
	 "\"json_schema\",\"json_schema\":{\"name\":\"person\",\"schema\":{\"type\":\"object\","
	 "\"properties\":{\"name\":{\"type\":\"string\"}}}}},\"messages\":[{\"role\":\"user\","
	 "\"content\":\"x\"}]}", 0,
	 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"x\"}]}],\"max_tokens\":4096,\"tools\":[{\"name\":\"person\",\"description\":"
	 "\"Give the answer as this tool's input.\",\"input_schema\":{\"type\":\"object\","
	 "\"properties\":{\"name\":{\"type\":\"string\"}}}}],\"tool_choice\":{\"type\":\"tool\","
	 "\"name\":\"person\"}}"},
};

static void
test_requests(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(requests); i++) {
		json_object *req = parse(requests[i].req), *got;
		struct llm_error e = {0};
		struct buf before = {0}, after = {0};

		json_line(req, &before);
		got = anthropic_request(req, requests[i].stream, &e);
		if (!got)
			fail_msg("%s: %s", requests[i].name, e.message);
		assert_json(requests[i].name, got, requests[i].want);
		/* the record's request is left as it was */
		assert_string_equal(json_line(req, &after), before.data);
		json_object_put(got);
		json_object_put(req);
		buf_free(&before);
		buf_free(&after);
	}
}

/* What cannot be translated is refused, the field named. */
static const struct {
	const char *req;
	const char *msg;
} refusals[] = {
	{"{\"n\":2,\"messages\":[]}", "n: Anthropic's Messages API gives one answer a request (n must be 1)"},
	{"{\"logprobs\":true,\"messages\":[]}", "logprobs: not supported by Anthropic's Messages API (refused rather than dropped)"},
	{"{\"audio\":{\"voice\":\"x\"},\"messages\":[]}", "audio: not supported by Anthropic's Messages API (refused rather than dropped)"},
	{"{\"seed\":1,\"messages\":[]}", "seed: not supported by Anthropic's Messages API (refused rather than dropped)"},
	{"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}",
	 "messages[0].content[0].type 'input_audio' cannot be sent to Anthropic's Messages API"},
	{"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,abc\"}}]}]}",
	 "messages[0].content[0].image_url: expected an http(s) URL or a base64 data: URL"},
	{"{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}",
	 "messages[0].role 'function' cannot be sent to Anthropic's Messages API"},
	{"{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0]: a tool message needs its tool_call_id"},
	{"{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}",
	 "messages[0].tool_calls[0]: needs an id, a function.name and function.arguments holding a JSON object"},
	{"{\"response_format\":{\"type\":\"json_object\"},\"messages\":[]}",
	 "response_format: type 'json_object' cannot be sent to Anthropic's Messages API (json_schema can)"},
	{"{\"tools\":[{\"type\":\"web_search\"}],\"messages\":[]}",
	 "tools[0]: only function tools with a name can be sent to Anthropic's Messages API"},
	{"{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"sometimes\",\"messages\":[]}",
	 "tool_choice: expected auto, none, required or {\"type\":\"function\",\"function\":{\"name\":..}}"},
};

static void
test_refusals(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(refusals); i++) {
		json_object *req = parse(refusals[i].req);
		struct llm_error e = {0};
		struct buf out = {0};

		assert_int_equal(anthropic_body(req, 0, &out, &e), -1);
		assert_string_equal(e.kind, "bad_input");
		assert_int_equal(e.retryable, 0);
		assert_string_equal(e.message, refusals[i].msg);
		assert_int_equal(out.len, 0);
		json_object_put(req);
	}
}

/* ---- answers ---- */

static const struct {
	const char *name;
	const char *req;	/* NULL: a plain request */
	const char *body;
	const char *want;	/* the record's fields, or "error KIND RETRYABLE MESSAGE" */
} answers[] = {
	{"text", NULL, "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":"
	 "\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[{\"type\":\"text\","
	 "\"text\":\"Hi! My name is Claude.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
	 "\"usage\":{\"input_tokens\":2095,\"output_tokens\":503}}",
	 "{\"model\":\"claude-sonnet-4-20250514\",\"content\":\"Hi! My name is Claude.\","
	 "\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":2095,\"completion_tokens\":503,"
	 "\"total_tokens\":2598,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}"},
	{"tool use with text before it", NULL, "{\"type\":\"message\",\"model\":\"m\",\"content\":["
	 "{\"type\":\"text\",\"text\":\"I'll check the weather.\"},{\"type\":\"tool_use\",\"id\":"
	 "\"toolu_01A09q90qw90lq917835lq9\",\"name\":\"get_weather\",\"input\":{\"location\":"
	 "\"San Francisco, CA\",\"unit\":\"celsius\"}}],\"stop_reason\":\"tool_use\"}",
	 "{\"model\":\"m\",\"content\":\"I'll check the weather.\",\"tool_calls\":[{\"id\":"
	 "\"toolu_01A09q90qw90lq917835lq9\",\"type\":\"function\",\"function\":{\"name\":"
	 "\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"San Francisco, CA\\\",\\\"unit\\\":"
	 "\\\"celsius\\\"}\"}}],\"finish_reason\":\"tool_calls\"}"},
	{"parallel tool use", NULL, "{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\","
	 "\"id\":\"t1\",\"name\":\"get_weather\",\"input\":{\"location\":\"Paris\"}},{\"type\":"
	 "\"tool_use\",\"id\":\"t2\",\"name\":\"get_time\",\"input\":{}}],\"stop_reason\":\"tool_use\"}",
	 "{\"content\":\"\",\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":"
	 "{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\"}\"}},{\"id\":"
	 "\"t2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}],"
	 "\"finish_reason\":\"tool_calls\"}"},
	{"thinking, redacted thinking, text; cached prompt", NULL, "{\"type\":\"message\","
	 "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Let me analyze this step by step...\","
	 "\"signature\":\"WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL\"},"
	 "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix\"},{\"type\":\"text\","
	 "\"text\":\"Based on my analysis...\"}],\"stop_reason\":\"max_tokens\",\"usage\":"
	 "{\"input_tokens\":50,\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":"
	 "2000,\"output_tokens\":30}}",
	 "{\"content\":\"Based on my analysis...\",\"reasoning\":\"Let me analyze this step by "
	 "step...\",\"finish_reason\":\"length\",\"usage\":{\"prompt_tokens\":3050,"
	 "\"completion_tokens\":30,\"total_tokens\":3080,\"cache_creation_input_tokens\":1000,"
	 "\"cache_read_input_tokens\":2000}}"},
	/* a server's counts near the limits stop there rather than wrap (fuzzing
	 * found the overflow) */
	{"hostile usage", NULL, "{\"type\":\"message\",\"content\":[],\"usage\":{\"input_tokens\":"
	 "9223372036854775807,\"cache_read_input_tokens\":1,\"output_tokens\":5}}",
	 "{\"content\":\"\",\"finish_reason\":null,\"usage\":{\"prompt_tokens\":9223372036854775807,\"completion_tokens\":5,"
	 "\"total_tokens\":9223372036854775807,\"cache_creation_input_tokens\":0,"
	 "\"cache_read_input_tokens\":1}}"},
	{"stop_sequence", NULL, "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
	 "\"a\"},{\"type\":\"text\",\"text\":\"b\"}],\"stop_reason\":\"stop_sequence\","
	 "\"stop_sequence\":\"END\"}",
	 "{\"content\":\"ab\",\"finish_reason\":\"stop\"}"},
	{"the forced json tool is the content", "{\"response_format\":{\"type\":\"json_schema\","
	 "\"json_schema\":{\"name\":\"person\",\"schema\":{}}}}", "{\"type\":\"message\","
	 "\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"person\",\"input\":"
	 "{\"name\":\"Ada\"}}],\"stop_reason\":\"tool_use\"}",
	 "{\"content\":\"{\\\"name\\\":\\\"Ada\\\"}\",\"finish_reason\":\"stop\"}"},
	{"an error at 200", NULL, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
	 "\"message\":\"Overloaded\"}}",
	 "error protocol 0 server sent an error with status 200: Overloaded"},
	{"no content", NULL, "{\"type\":\"message\"}", "error protocol 0 response has no \"content\" array"},
	{"not JSON", NULL, "{\"type\":", "error protocol 1 response is not valid JSON: "},
};

static void
test_answers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(answers); i++) {
		json_object *req = answers[i].req ? parse(answers[i].req) : NULL;
		json_object *res = json_object_new_object();
		struct llm_error e = {0};
		const char *want = answers[i].want;

		if (strncmp(want, "error ", 6) == 0) {
			char got[ERRLEN + 64];

			assert_int_equal(anthropic_parse(answers[i].body, strlen(answers[i].body), req,
			                                 res, &e), -1);
			snprintf(got, sizeof got, "error %s %d %s", e.kind, e.retryable, e.message);
			if (strncmp(got, want, strlen(want)) != 0)
				fail_msg("%s: got %s, want %s", answers[i].name, got, want);
		} else {
			if (anthropic_parse(answers[i].body, strlen(answers[i].body), req, res, &e) < 0)
				fail_msg("%s: %s", answers[i].name, e.message);
			assert_json(answers[i].name, res, want);
		}
		json_object_put(res);
		json_object_put(req);
	}
}

/* ---- errors ---- */

static const struct {
	long status;
	const char *body;
	const char *retry_after, *should_retry;
	const char *msg;
	int retryable;
	long long wait;
} errors[] = {
	{400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
	 "\"max_tokens: Field required\"}}", NULL, NULL,
	 "HTTP 400 invalid_request_error: max_tokens: Field required", 0, -1},
	{401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":"
	 "\"invalid x-api-key\"}}", NULL, NULL, "HTTP 401 authentication_error: invalid x-api-key", 0, -1},
	{403, "{\"type\":\"error\",\"error\":{\"type\":\"permission_error\",\"message\":\"no\"}}",
	 NULL, NULL, "HTTP 403 permission_error: no", 0, -1},
	{404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":"
	 "\"model: claude-x\"}}", NULL, NULL, "HTTP 404 not_found_error: model: claude-x", 0, -1},
	{429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}",
	 "5", NULL, "HTTP 429 rate_limit_error: slow down", 1, 5000},
	{500, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"oops\"}}",
	 NULL, NULL, "HTTP 500 api_error: oops", 1, -1},
	{529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
	 NULL, NULL, "HTTP 529 overloaded_error: Overloaded", 1, -1},
	/* the type decides even where the status would not */
	{400, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}",
	 NULL, NULL, "HTTP 400 overloaded_error: busy", 1, -1},
	{529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"x\"}}",
	 NULL, "false", "HTTP 529 overloaded_error: x", 0, -1},
	{502, "<html>bad gateway</html>", NULL, NULL, "HTTP 502 Bad Gateway: <html>bad gateway</html>", 1, -1},
};

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(errors); i++) {
		struct retry_headers h = {.retry_after = errors[i].retry_after,
		                          .should_retry = errors[i].should_retry};
		struct llm_error e = {0};

		anthropic_http_error(&e, errors[i].status, errors[i].body, strlen(errors[i].body), &h, 0);
		assert_string_equal(e.kind, "http");
		assert_string_equal(e.message, errors[i].msg);
		assert_int_equal(e.http_status, errors[i].status);
		assert_int_equal(e.retryable, errors[i].retryable);
		assert_int_equal(e.retry_after_ms, errors[i].wait);
	}
}

/* ---- streams ---- */

#define EV(name, data) "event: " name "\ndata: " data "\n\n"
#define START(model, usage) EV("message_start", "{\"type\":\"message_start\",\"message\":" \
	"{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\",\"type\":\"message\",\"role\":" \
	"\"assistant\",\"content\":[],\"model\":\"" model "\",\"stop_reason\":null," \
	"\"stop_sequence\":null,\"usage\":" usage "}}")
#define BSTART(i, block) EV("content_block_start", "{\"type\":\"content_block_start\"," \
	"\"index\":" #i ",\"content_block\":" block "}")
#define DELTA(i, delta) EV("content_block_delta", "{\"type\":\"content_block_delta\"," \
	"\"index\":" #i ",\"delta\":" delta "}")
#define TEXT(i, t) DELTA(i, "{\"type\":\"text_delta\",\"text\":\"" t "\"}")
#define JSON(i, t) DELTA(i, "{\"type\":\"input_json_delta\",\"partial_json\":\"" t "\"}")
#define BSTOP(i) EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" #i "}")
#define MDELTA(reason, out) EV("message_delta", "{\"type\":\"message_delta\",\"delta\":" \
	"{\"stop_reason\":\"" reason "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" \
	#out "}}")
#define MSTOP EV("message_stop", "{\"type\":\"message_stop\"}")
#define PING EV("ping", "{\"type\": \"ping\"}")
#define U25 "{\"input_tokens\":25,\"output_tokens\":1}"
struct stream_case {
	const char *name;
	const char *req;	/* NULL: a plain request */
	const char *sse;
	const char *want;	/* "ok RECORD" or "error KIND RETRYABLE MESSAGE" */
	const char *calls;	/* the callbacks' log, or NULL: not checked */
};

static const struct stream_case streams[] = {
	{"text", NULL, START("claude-sonnet-4", U25) BSTART(0, "{\"type\":\"text\",\"text\":\"\"}")
	 PING TEXT(0, "Hello") TEXT(0, "!") BSTOP(0) MDELTA("end_turn", 15) MSTOP,
	 "ok {\"model\":\"claude-sonnet-4\",\"content\":\"Hello!\",\"finish_reason\":\"stop\","
	 "\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":15,\"total_tokens\":40,"
	 "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}",
	 "content \"Hello\"\ncontent \"!\"\n"},
	{"tool use after text", NULL, START("m", U25)
	 BSTART(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "Okay") BSTOP(0)
	 BSTART(1, "{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":"
	        "\"get_weather\",\"input\":{}}")
	 JSON(1, "") JSON(1, "{\\\"location\\\": \\\"San Fra") JSON(1, "ncisco, CA\\\"}")
	 BSTOP(1) MDELTA("tool_use", 89) MSTOP,
	 "ok {\"model\":\"m\",\"content\":\"Okay\",\"tool_calls\":[{\"id\":"
	 "\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\",\"function\":{\"name\":"
	 "\"get_weather\",\"arguments\":\"{\\\"location\\\": \\\"San Francisco, CA\\\"}\"}}],"
	 "\"finish_reason\":\"tool_calls\",\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":89,"
	 "\"total_tokens\":114,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}",
	 "content \"Okay\"\ntool 0 \"toolu_01T1x1fJ34qAmk2tNTrN7Up6\" \"get_weather\" null\n"
	 "tool 0 null null \"{\\\"location\\\": \\\"San Fra\"\ntool 0 null null \"ncisco, CA\\\"}\"\n"},
	{"parallel tool use", NULL, START("m", U25)
	 BSTART(0, "{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"f\",\"input\":{}}") JSON(0, "{}")
	 BSTOP(0) BSTART(1, "{\"type\":\"tool_use\",\"id\":\"b\",\"name\":\"g\",\"input\":{}}")
	 JSON(1, "{\\\"x\\\":1}") BSTOP(1) MDELTA("tool_use", 9) MSTOP,
	 "ok {\"model\":\"m\",\"content\":\"\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\","
	 "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},{\"id\":\"b\",\"type\":\"function\","
	 "\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"x\\\":1}\"}}],\"finish_reason\":"
	 "\"tool_calls\",\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":9,\"total_tokens\":34,"
	 "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}", NULL},
	{"thinking, its signature passed over; cached prompt", NULL,
	 START("m", "{\"input_tokens\":5,\"cache_creation_input_tokens\":100,"
	            "\"cache_read_input_tokens\":200,\"output_tokens\":1}")
	 BSTART(0, "{\"type\":\"thinking\",\"thinking\":\"\"}")
	 DELTA(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Let me solve this\"}")
	 DELTA(0, "{\"type\":\"thinking_delta\",\"thinking\":\" step by step.\"}")
	 DELTA(0, "{\"type\":\"signature_delta\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3h\"}")
	 BSTOP(0) BSTART(1, "{\"type\":\"text\",\"text\":\"\"}") TEXT(1, "27 * 453 = 12,231")
	 BSTOP(1) MDELTA("end_turn", 40) MSTOP,
	 "ok {\"model\":\"m\",\"content\":\"27 * 453 = 12,231\",\"reasoning\":\"Let me solve this "
	 "step by step.\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":305,"
	 "\"completion_tokens\":40,\"total_tokens\":345,\"cache_creation_input_tokens\":100,"
	 "\"cache_read_input_tokens\":200}}",
	 "reasoning \"Let me solve this\"\nreasoning \" step by step.\"\ncontent \"27 * 453 = 12,231\"\n"},
	{"the forced json tool streams as content", "{\"response_format\":{\"type\":"
	 "\"json_schema\",\"json_schema\":{\"name\":\"p\",\"schema\":{}}}}", START("m", U25)
	 BSTART(0, "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"p\",\"input\":{}}")
	 JSON(0, "{\\\"a\\\":") JSON(0, "1}") BSTOP(0) MDELTA("tool_use", 5) MSTOP,
	 "ok {\"model\":\"m\",\"content\":\"{\\\"a\\\":1}\",\"finish_reason\":\"stop\",\"usage\":"
	 "{\"prompt_tokens\":25,\"completion_tokens\":5,\"total_tokens\":30,"
	 "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}",
	 "content \"{\\\"a\\\":\"\ncontent \"1}\"\n"},
	{"no message_stop: the stop_reason ends it", NULL, START("m", U25)
	 BSTART(0, "{\"type\":\"text\",\"text\":\"hi\"}") MDELTA("max_tokens", 1),
	 "ok {\"model\":\"m\",\"content\":\"hi\",\"finish_reason\":\"length\",\"usage\":"
	 "{\"prompt_tokens\":25,\"completion_tokens\":1,\"total_tokens\":26,"
	 "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}", NULL},
	{"events of types not known, and data without type, by event name", NULL,
	 START("m", U25) EV("content_block_start", "{\"index\":0,\"content_block\":{\"type\":"
	 "\"text\",\"text\":\"\"}}") EV("future_event", "{\"type\":\"future_event\",\"x\":1}")
	 TEXT(0, "ok") MDELTA("end_turn", 2) MSTOP,
	 "ok {\"model\":\"m\",\"content\":\"ok\",\"finish_reason\":\"stop\",\"usage\":"
	 "{\"prompt_tokens\":25,\"completion_tokens\":2,\"total_tokens\":27,"
	 "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}", NULL},
	{"an overloaded error inside a 200 stream", NULL, START("m", U25)
	 BSTART(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "Hel")
	 EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
	    "\"Overloaded\"}}") TEXT(0, "lo") MSTOP,
	 "error protocol 1 server sent an error in the stream: overloaded_error: Overloaded",
	 "content \"Hel\"\n"},
	{"an error event that is not JSON", NULL, START("m", U25) EV("error", "gone"),
	 "error protocol 1 server sent an error in the stream: gone", ""},
	{"cut before the end", NULL, START("m", U25) BSTART(0, "{\"type\":\"text\",\"text\":\"\"}")
	 TEXT(0, "Hel"),
	 "error protocol 1 stream ended before the answer was complete (no finish_reason, no [DONE])",
	 "content \"Hel\"\n"},
	{"an event that is not JSON", NULL, START("m", U25) EV("content_block_delta", "{\"type\""),
	 "error protocol 1 stream event is not valid JSON: ", ""},
	{"no message_start", NULL, BSTART(0, "{\"type\":\"text\",\"text\":\"\"}") TEXT(0, "x")
	 MDELTA("end_turn", 1) MSTOP,
	 "error protocol 0 stream had no choices (only usage or filter chunks)", NULL},
};

/* c's stream split at cut, read as Anthropic's. */
static void
run(const struct stream_case *c, size_t cut, struct buf *res, struct buf *calls)
{
	json_object *req = c->req ? parse(c->req) : json_object_new_object();

	stream_run(&dialect_anthropic, req, 0, c->sse, cut, res, calls);
	json_object_put(req);
}

/* stream_same(), a record compared as JSON. */
static int
same(const char *got, const char *want)
{
	if (strncmp(want, "ok ", 3) == 0 && strncmp(got, "ok ", 3) == 0) {
		json_object *a = parse(got + 3), *b = parse(want + 3);
		int eq = json_object_equal(a, b);

		json_object_put(a);
		json_object_put(b);
		return eq;
	}
	return stream_same(got, want);
}

static void
run_case(const void *c, size_t cut, struct buf *res, struct buf *calls)
{
	run(c, cut, res, calls);
}

static void
test_streams(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(streams); i++)
		stream_check(streams[i].name, &streams[i], strlen(streams[i].sse), run_case, same,
		             streams[i].want, streams[i].calls);
}

/* The table gives each dialect its own wire: path, token header. */
static void
test_dialects(void **state)
{
	(void)state;
	assert_ptr_equal(dialect_find("openai"), &dialect_openai);
	assert_ptr_equal(dialect_find("anthropic"), &dialect_anthropic);
	assert_null(dialect_find("Anthropic"));
	assert_string_equal(dialect_anthropic.path, "/messages");
	assert_string_equal(dialect_anthropic.auth, "x-api-key: ");
	assert_string_equal(dialect_anthropic.headers[0], "anthropic-version: 2023-06-01");
	assert_null(dialect_anthropic.headers[1]);
	assert_string_equal(dialect_openai.path, "/chat/completions");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_dialects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
