/* Unit tests for lib/wire/openai.c: request bodies, overrides, completion
 * parsing, Retry-After and HTTP error classification. */
#include <time.h>

#include "unit.h"

#include "json/schema.h"
#include "wire/openai.h"

/* ---- openai_request_of ---- */

enum which { NONE, REQUEST, SELF };

static const struct {
	const char *rec;
	enum which want;
	const char *err;
} request_of_cases[] = {
	{"{\"id\":\"a\",\"request\":{\"model\":\"m\",\"messages\":[]},\"meta\":{}}", REQUEST, NULL},
	/* request wins over a bare body's messages */
	{"{\"request\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]},\"messages\":1}",
	 REQUEST, NULL},
	{"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", SELF, NULL},
	{"{\"id\":\"a\"}", NONE,
	 "record has no \"request\" object (nor a bare body with \"messages\")"},
	{"{}", NONE, "record has no \"request\" object (nor a bare body with \"messages\")"},
	{"[1]", NONE, "record has no \"request\" object (nor a bare body with \"messages\")"},
	{"\"messages\"", NONE,
	 "record has no \"request\" object (nor a bare body with \"messages\")"},
	{"{\"request\":{\"model\":\"m\"}}", NONE, "request has no \"messages\" array"},
	{"{\"request\":{\"messages\":{}}}", NONE, "request has no \"messages\" array"},
	{"{\"request\":[1]}", NONE, "\"request\" is not a JSON object"},
	{"{\"request\":\"x\",\"messages\":[]}", NONE, "\"request\" is not a JSON object"},
	{"{\"messages\":\"hi\"}", NONE, "request has no \"messages\" array"},
};

static void
test_request_of(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(request_of_cases); i++) {
		json_object *rec = parse(request_of_cases[i].rec);
		char err[ERRLEN] = "";
		json_object *body = openai_request_of(rec, err, sizeof err);

		switch (request_of_cases[i].want) {
		case REQUEST:
			assert_ptr_equal(body, json_get(rec, "request"));
			break;
		case SELF:
			assert_ptr_equal(body, rec);
			break;
		case NONE:
			assert_null(body);
			assert_string_equal(err, request_of_cases[i].err);
			break;
		}
		json_object_put(rec);
	}
}

/* ---- openai_apply ---- */

static const struct {
	const char *model;
	const char *temperature;	/* as typed on the command line */
	long long max_tokens;
	int json_object_format;
	int stream;
	const char *in;
	const char *out;
} apply_cases[] = {
	{NULL, NULL, -1, 0, -1, "{\"model\":\"a\",\"messages\":[]}",
	 "{\"model\":\"a\",\"messages\":[]}"},
	{"b", NULL, -1, 0, -1, "{\"model\":\"a\",\"messages\":[]}",
	 "{\"model\":\"b\",\"messages\":[]}"},
	{"b", NULL, -1, 0, -1, "{\"messages\":[]}", "{\"messages\":[],\"model\":\"b\"}"},
	/* unknown fields pass through */
	{"b", NULL, -1, 0, -1, "{\"messages\":[],\"seed\":7,\"top_p\":0.5,\"stop\":[\"x\"]}",
	 "{\"messages\":[],\"seed\":7,\"top_p\":0.5,\"stop\":[\"x\"],\"model\":\"b\"}"},
	{NULL, "0.7", -1, 0, -1, "{\"messages\":[]}", "{\"messages\":[],\"temperature\":0.7}"},
	{NULL, "0.1", -1, 0, -1, "{\"messages\":[],\"temperature\":1}",
	 "{\"messages\":[],\"temperature\":0.1}"},
	{NULL, "1", -1, 0, -1, "{\"messages\":[]}", "{\"messages\":[],\"temperature\":1}"},
	{NULL, NULL, 256, 0, -1, "{\"messages\":[]}", "{\"messages\":[],\"max_tokens\":256}"},
	{NULL, NULL, 0, 0, -1, "{\"messages\":[],\"max_tokens\":9}",
	 "{\"messages\":[],\"max_tokens\":0}"},
	{NULL, NULL, -1, 0, -1, "{\"messages\":[],\"max_tokens\":9}",
	 "{\"messages\":[],\"max_tokens\":9}"},
	{NULL, NULL, -1, 1, -1, "{\"messages\":[]}",
	 "{\"messages\":[],\"response_format\":{\"type\":\"json_object\"}}"},
	{NULL, NULL, -1, 1, -1, "{\"messages\":[],\"response_format\":{\"type\":\"text\"}}",
	 "{\"messages\":[],\"response_format\":{\"type\":\"json_object\"}}"},
	{NULL, NULL, -1, 0, 1, "{\"messages\":[]}",
	 "{\"messages\":[],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"},
	{NULL, NULL, -1, 0, 1, "{\"messages\":[],\"stream_options\":{\"foo\":1},\"stream\":false}",
	 "{\"messages\":[],\"stream_options\":{\"foo\":1,\"include_usage\":true},\"stream\":true}"},
	{NULL, NULL, -1, 0, 1, "{\"messages\":[],\"stream_options\":\"x\"}",
	 "{\"messages\":[],\"stream_options\":{\"include_usage\":true},\"stream\":true}"},
	{NULL, NULL, -1, 0, 0,
	 "{\"messages\":[],\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
	 "{\"messages\":[]}"},
	{NULL, NULL, -1, 0, 0, "{\"messages\":[]}", "{\"messages\":[]}"},
	{NULL, NULL, -1, 0, -1, "{\"messages\":[],\"stream\":true}",
	 "{\"messages\":[],\"stream\":true}"},
	{"gpt-4o", "0.25", 100, 1, 1, "{\"model\":\"x\",\"messages\":[]}",
	 "{\"model\":\"gpt-4o\",\"messages\":[],\"temperature\":0.25,\"max_tokens\":100,"
	 "\"response_format\":{\"type\":\"json_object\"},\"stream\":true,"
	 "\"stream_options\":{\"include_usage\":true}}"},
};

static void
test_apply(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(apply_cases); i++) {
		json_object *body = parse(apply_cases[i].in);
		struct openai_overrides o = {
			.model = apply_cases[i].model,
			.temperature = apply_cases[i].temperature
				? json_double_text(strtod(apply_cases[i].temperature, NULL),
				                   apply_cases[i].temperature) : NULL,
			.max_tokens = apply_cases[i].max_tokens,
			.json_object_format = apply_cases[i].json_object_format,
			.stream = apply_cases[i].stream,
		};

		openai_apply(body, &o);
		assert_string_equal(json_line(body, &b), apply_cases[i].out);
		json_object_put(body);
		/* the temperature was borrowed: it is still ours to release */
		json_object_put(o.temperature);
	}
	buf_free(&b);
}

/* ---- openai_parse_completion ---- */

static const struct {
	const char *body;
	const char *res;	/* the result object after parsing, on one line */
} completion_ok[] = {
	{"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-08-06\","
	 "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},"
	 "\"finish_reason\":\"stop\"}],"
	 "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}",
	 "{\"id\":\"x\",\"model\":\"gpt-4o-2024-08-06\",\"content\":\"Hello\","
	 "\"finish_reason\":\"stop\","
	 "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}"},
	/* null content becomes "", tool calls are kept */
	{"{\"model\":\"m\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
	 "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
	 "\"arguments\":\"{\\\"q\\\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}",
	 "{\"id\":\"x\",\"model\":\"m\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_1\","
	 "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"q\\\":1}\"}}],"
	 "\"finish_reason\":\"tool_calls\"}"},
	/* content missing entirely, empty tool_calls left out */
	{"{\"choices\":[{\"message\":{\"role\":\"assistant\",\"tool_calls\":[]},"
	 "\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"content\":\"\",\"finish_reason\":\"stop\"}"},
	/* reasoning_content (DeepSeek, vLLM, llama.cpp) */
	{"{\"model\":\"r1\",\"choices\":[{\"message\":{\"content\":\"42\","
	 "\"reasoning_content\":\"think\"},\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"model\":\"r1\",\"content\":\"42\",\"reasoning\":\"think\","
	 "\"finish_reason\":\"stop\"}"},
	/* reasoning (Ollama, OpenRouter) */
	{"{\"choices\":[{\"message\":{\"content\":\"42\",\"reasoning\":\"hmm\"},"
	 "\"finish_reason\":\"length\"}]}",
	 "{\"id\":\"x\",\"content\":\"42\",\"reasoning\":\"hmm\",\"finish_reason\":\"length\"}"},
	/* both: reasoning_content wins; an empty one is left out */
	{"{\"choices\":[{\"message\":{\"content\":\"a\",\"reasoning_content\":\"rc\","
	 "\"reasoning\":\"r\"},\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"content\":\"a\",\"reasoning\":\"rc\",\"finish_reason\":\"stop\"}"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\",\"reasoning_content\":\"\"},"
	 "\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"content\":\"a\",\"finish_reason\":\"stop\"}"},
	/* no finish_reason: null; "error": null is no error */
	{"{\"error\":null,\"choices\":[{\"message\":{\"content\":\"a\"}}]}",
	 "{\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null}"},
	/* the first choice makes the record; with more, every one is kept */
	{"{\"choices\":[{\"message\":{\"content\":\"first\"},\"finish_reason\":\"stop\"},"
	 "{\"message\":{\"content\":\"second\",\"tool_calls\":[{\"id\":\"c\"}]},"
	 "\"finish_reason\":\"length\"}]}",
	 "{\"id\":\"x\",\"content\":\"first\",\"finish_reason\":\"stop\",\"choices\":["
	 "{\"content\":\"first\",\"finish_reason\":\"stop\"},{\"content\":\"second\","
	 "\"tool_calls\":[{\"id\":\"c\"}],\"finish_reason\":\"length\"}]}"},
	/* the first choice's logprobs as sent, system_fingerprint; a null
	 * logprobs is none */
	{"{\"system_fingerprint\":\"fp_1\",\"choices\":[{\"message\":{\"content\":\"a\"},"
	 "\"logprobs\":{\"content\":[{\"token\":\"a\",\"logprob\":-0.5}],\"refusal\":null},"
	 "\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"content\":\"a\",\"finish_reason\":\"stop\",\"logprobs\":{\"content\":"
	 "[{\"token\":\"a\",\"logprob\":-0.5}],\"refusal\":null},\"system_fingerprint\":\"fp_1\"}"},
	{"{\"system_fingerprint\":null,\"choices\":[{\"message\":{\"content\":\"a\"},"
	 "\"logprobs\":null}]}",
	 "{\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null}"},
	{"{\"choices\":[{\"message\":{\"content\":\"\\u00e9\\n\"},\"finish_reason\":\"stop\"}]}",
	 "{\"id\":\"x\",\"content\":\"\xc3\xa9\\n\",\"finish_reason\":\"stop\"}"},
};

/* Structured output: the response_format asked, the name of a schema
 * file, a refusal told apart, and the fallback body. */
static void
test_schema_format(void **state)
{
	static const struct {
		const char *path, *name;
	} names[] = {
		{"person.json", "person"}, {"dir/a.b.json", "a"}, {"/x/my schema!.json", "my_schema_"},
		{".json", "schema"}, {"dir/", "schema"},
		{"a-b_C9", "a-b_C9"},
	};
	static const struct {
		long status;
		const char *body;
		int refused;
	} refusals[] = {
		{400, "{\"error\":{\"message\":\"Unsupported RESPONSE_FORMAT\"}}", 1},
		{400, "{\"error\":{\"message\":\"response_format json_schema is not supported\"}}", 1},
		{400, "{\"error\":{\"message\":\"bad\"}}", 0},
		{500, "response_format", 0},
		{422, "response_format", 0},
	};
	json_object *schema = parse("{\"type\":\"object\"}"), *rf, *body, *fb;
	struct buf b = {0};
	char name[65];
	size_t i;

	(void)state;
	for (i = 0; i < N(names); i++) {
		openai_schema_name(names[i].path, name, sizeof name);
		assert_string_equal(name, names[i].name);
	}
	rf = openai_schema_format(schema, "person");
	assert_string_equal(json_line(rf, &b), "{\"type\":\"json_schema\",\"json_schema\":"
	                    "{\"name\":\"person\",\"schema\":{\"type\":\"object\"},\"strict\":true}}");
	for (i = 0; i < N(refusals); i++)
		assert_int_equal(openai_schema_refused(refusals[i].status, refusals[i].body,
		                                       strlen(refusals[i].body)), refusals[i].refused);
	/* the body's length counts, not a NUL: a cut name is no refusal */
	assert_false(openai_schema_refused(400, "response_format", 14));

	/* no system message: one put first; the body itself untouched */
	body = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
	json_set(body, "response_format", rf);
	assert_ptr_equal(schema_asked(body), json_get(json_get(rf, "json_schema"), "schema"));
	fb = openai_schema_fallback(body);
	assert_string_equal(json_line(fb, &b), "{\"model\":\"m\",\"messages\":[{\"role\":\"system\","
	                    "\"content\":\"Answer with JSON alone: one JSON value that follows this JSON "
	                    "Schema.\\n{\\\"type\\\":\\\"object\\\"}\"},{\"role\":\"user\",\"content\":\"hi\"}],"
	                    "\"response_format\":{\"type\":\"json_object\"}}");
	assert_null(schema_asked(fb));
	assert_non_null(schema_asked(body));
	json_object_put(fb);
	/* a system message first: its text extended */
	json_object_array_put_idx(json_get(body, "messages"), 0,
	                          parse("{\"role\":\"system\",\"content\":\"Be brief.\"}"));
	fb = openai_schema_fallback(body);
	assert_string_equal(json_get_str(json_object_array_get_idx(json_get(fb, "messages"), 0),
	                                 "content"),
	                    "Be brief.\n\nAnswer with JSON alone: one JSON value that follows this JSON "
	                    "Schema.\n{\"type\":\"object\"}");
	assert_int_equal(json_object_array_length(json_get(fb, "messages")), 1);
	json_object_put(fb);
	json_object_put(body);
	json_object_put(schema);
	buf_free(&b);
}

static void
test_parse_completion_ok(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(completion_ok); i++) {
		json_object *res = parse("{\"id\":\"x\"}");
		struct llm_error e;

		memset(&e, 0, sizeof e);
		if (openai_parse_completion(completion_ok[i].body, strlen(completion_ok[i].body),
		                            res, &e) != 0)
			fail_msg("case %zu: %s", i, e.message);
		assert_string_equal(json_line(res, &b), completion_ok[i].res);
		json_object_put(res);
	}
	buf_free(&b);
}

/* Bodies out of the usual way, and how they are read: "ok <record>" or
 * "error <retryable> <message>" (a prefix when it ends in '*').  The
 * record is what json-c's tree of the body says (fuzz_completion holds
 * the reader to that for any body). */
static const struct {
	const char *body;
	const char *want;
} completion_unusual[] = {
	{"{\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}],"
	 "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":12,\"total_tokens\":-3}}",
	 "ok {\"id\":\"x\",\"model\":\"m\",\"content\":\"a\",\"finish_reason\":\"stop\","
	 "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":12,\"total_tokens\":-3}}"},
	/* white space everywhere, escapes of every kind */
	{" \n{ \"choices\" : [ { \"message\" : { \"content\" : \"\\\"\\\\\\/\\b\\f\\n\\r\\t"
	 "\\u00e9\\ud83d\\ude00\\u0000x\" } , \"finish_reason\" : \"st\\u006fp\" } ] ,"
	 " \"usage\" : { \"total_tokens\" : 7 } } \r\n",
	 "ok {\"id\":\"x\",\"content\":\"\\\"\\\\/\\b\\f\\n\\r\\t\xc3\xa9\xf0\x9f\x98\x80\\u0000x\","
	 "\"finish_reason\":\"stop\",\"usage\":{\"total_tokens\":7}}"},
	/* a key twice: the last value counts, with what is inside it */
	{"{\"choices\":[{\"message\":{\"content\":\"a\",\"reasoning\":\"r\"},"
	 "\"message\":{\"content\":\"b\"},\"finish_reason\":\"x\",\"finish_reason\":1}],"
	 "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":2,\"prompt_tokens\":3},\"model\":null}",
	 "ok {\"id\":\"x\",\"content\":\"b\",\"finish_reason\":null,"
	 "\"usage\":{\"prompt_tokens\":3,\"total_tokens\":2}}"},
	{"{\"choices\":[{\"message\":{\"content\":5}}],\"usage\":{}}",
	 "ok {\"id\":\"x\",\"content\":\"\",\"finish_reason\":null,\"usage\":{}}"},
	/* usage is copied whatever it holds */
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":5,"
	 "\"prompt_tokens_details\":{\"cached_tokens\":0},\"total_tokens\":6}}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null,\"usage\":{\"prompt_tokens\":5,"
	 "\"prompt_tokens_details\":{\"cached_tokens\":0},\"total_tokens\":6}}"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"usage\":{\"p\":1.0,\"q\":1e2,\"r\":-0,"
	 "\"s\":1234567890123456789,\"t\":\"x\",\"u\":null,\"v\\u0041\":1}}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null,\"usage\":{\"p\":1.0,\"q\":1e2,"
	 "\"r\":0,\"s\":1234567890123456789,\"t\":\"x\",\"u\":null,\"vA\":1}}"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\",\"tool_calls\":{}},"
	 "\"finish_reason\":\"stop\"}],\"error\":null}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":\"stop\"}"},
	/* a lone surrogate, as json-c reads it */
	{"{\"choices\":[{\"message\":{\"content\":\"\\ud800\"}}]}",
	 "ok {\"id\":\"x\",\"content\":\"\xef\xbf\xbd\",\"finish_reason\":null}"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"model\":7}",
	 "ok {\"id\":\"x\",\"model\":7,\"content\":\"a\",\"finish_reason\":null}"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"usage\":[1]}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null,\"usage\":[1]}"},
	{"{\"choices\":[{\"message\":{\"content\":NaN}}]}",
	 "error 1 response is not valid JSON: *"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}]} x",
	 "error 1 response is not valid JSON: *"},
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}},{\"message\":{}}]}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null,\"choices\":["
	 "{\"content\":\"a\",\"finish_reason\":null},{\"content\":\"\",\"finish_reason\":null}]}"},
	/* a later choice that is no object still counts, empty */
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}},7]}",
	 "ok {\"id\":\"x\",\"content\":\"a\",\"finish_reason\":null,\"choices\":["
	 "{\"content\":\"a\",\"finish_reason\":null},{\"content\":\"\",\"finish_reason\":null}]}"},
	/* json-c ends a key at an escaped NUL: the last "model" counts */
	{"{\"choices\":[{\"message\":{\"content\":\"a\"}}],\"model\":\"m\",\"model\\u0000x\":\"n\"}",
	 "ok {\"id\":\"x\",\"model\":\"n\",\"content\":\"a\",\"finish_reason\":null}"},
	{"{\"choices\\u0000zz\":[{\"message\":{\"content\":\"k\"}}]}",
	 "ok {\"id\":\"x\",\"content\":\"k\",\"finish_reason\":null}"},
	/* a first choice that is no object; an error object */
	{"{\"choices\":[5,{\"message\":{\"content\":\"a\"}}]}",
	 "error 0 response choice has no \"message\""},
	{"{\"error\":{\"code\":\"a/b\"}}",
	 "error 0 server sent an error with status 200: { \"code\": \"a\\/b\" }"},
};

static void
test_parse_completion_unusual(void **state)
{
	struct buf b = {0}, got = {0};
	size_t i, n;

	(void)state;
	for (i = 0; i < N(completion_unusual); i++) {
		const char *body = completion_unusual[i].body, *want = completion_unusual[i].want;
		json_object *res = parse("{\"id\":\"x\"}");
		struct llm_error e;

		memset(&e, 0, sizeof e);
		buf_reset(&got);
		if (openai_parse_completion(body, strlen(body), res, &e) == 0)
			buf_addf(&got, "ok %s", json_line(res, &b));
		else
			buf_addf(&got, "error %d %s", e.retryable, e.message);
		n = strlen(want);
		if (want[n - 1] == '*' ? strncmp(got.data, want, n - 1) != 0
		                       : strcmp(got.data, want) != 0)
			fail_msg("case %zu: got %s, want %s", i, got.data, want);
		json_object_put(res);
	}
	buf_free(&b);
	buf_free(&got);
}

static const struct {
	const char *body;
	int retryable;
	const char *message;	/* prefix when it ends in '*' */
} completion_bad[] = {
	{"not json", 1, "response is not valid JSON: *"},
	{"{\"choices\":[{\"message\":", 1, "response is not valid JSON: *"},
	{"", 1, "response is not valid JSON: *"},
	{"{\"choices\":[]}", 0, "response has an empty \"choices\" array"},
	{"{\"object\":\"chat.completion\"}", 0, "response has no \"choices\" array"},
	{"{\"choices\":{}}", 0, "response has no \"choices\" array"},
	{"[]", 0, "response has no \"choices\" array"},
	{"{\"choices\":[{\"finish_reason\":\"stop\"}]}", 0,
	 "response choice has no \"message\""},
	{"{\"choices\":[{\"message\":\"hi\"}]}", 0, "response choice has no \"message\""},
	{"{\"error\":{\"message\":\"model overloaded\",\"type\":\"server_error\"}}", 0,
	 "server sent an error with status 200: model overloaded"},
	{"{\"error\":\"boom\",\"choices\":[{\"message\":{\"content\":\"a\"}}]}", 0,
	 "server sent an error with status 200: boom"},
	{"{\"error\":{\"message\":\"two\\nlines\"}}", 0,
	 "server sent an error with status 200: two lines"},
};

static void
test_parse_completion_bad(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(completion_bad); i++) {
		json_object *res = parse("{\"id\":\"x\"}");
		const char *want = completion_bad[i].message;
		size_t n = strlen(want);
		struct llm_error e;

		memset(&e, 0, sizeof e);
		assert_int_equal(openai_parse_completion(completion_bad[i].body,
		                 strlen(completion_bad[i].body), res, &e), -1);
		assert_string_equal(e.kind, "protocol");
		if (e.retryable != completion_bad[i].retryable)
			fail_msg("case %zu: retryable %d", i, e.retryable);
		assert_int_equal(e.http_status, 0);
		assert_int_equal(e.retry_after_ms, -1);
		if (want[n - 1] == '*') {
			if (strncmp(e.message, want, n - 1) != 0)
				fail_msg("case %zu: '%s'", i, e.message);
		} else
			assert_string_equal(e.message, want);
		/* a failed parse leaves the result alone */
		assert_string_equal(json_line(res, &b), "{\"id\":\"x\"}");
		json_object_put(res);
	}
	buf_free(&b);
}

/* ---- openai_retry_after ---- */

#define NOW ((time_t)1735689600)	/* Wed, 01 Jan 2025 00:00:00 GMT */

static const struct {
	const char *ms;		/* retry-after-ms */
	const char *ra;		/* Retry-After */
	long long want;
} retry_after_cases[] = {
	{"1500", NULL, 1500},
	{"1.5", NULL, 2},
	{"0", NULL, 0},
	{" 250 ", NULL, 250},
	{NULL, "2", 2000},
	{NULL, "0.5", 500},
	{NULL, "120", 120000},	/* kept past the SDKs' 60 s cap */
	{NULL, "Wed, 01 Jan 2025 00:00:30 GMT", 30000},
	{NULL, "Wednesday, 01-Jan-25 00:00:30 GMT", 30000},
	{NULL, "Wed Jan  1 00:00:30 2025", 30000},
	{NULL, "Wed, 01 Jan 2025 01:00:00 GMT", 3600000},
	{NULL, "Tue, 31 Dec 2024 23:59:00 GMT", 0},
	{NULL, "Wed, 01 Jan 2025 00:00:00 GMT", 0},
	/* retry-after-ms wins; garbage in it falls back to Retry-After */
	{"100", "5", 100},
	{"abc", "3", 3000},
	{NULL, "soon", -1},
	{NULL, "", -1},
	{NULL, "2s", -1},
	{NULL, "-1", -1},
	{"-5", NULL, -1},
	{"-5", "-5", -1},
	{"nan", NULL, -1},
	{"inf", NULL, -1},
	{NULL, "Wed, 01 Jan 2025 00:00:30 PST", -1},
	{NULL, "Wed, 01 Foo 2025 00:00:30 GMT", -1},
	{NULL, "Wed, 32 Jan 2025 00:00:30 GMT", -1},
	/* found by fuzz_retry_after: waits past a long long of ms were
	 * undefined casts; now cut to a century */
	{"6666666666666666666666666666666666666666", NULL, OPENAI_WAIT_MAX_MS},
	/* delta-seconds are digits: an exponent or hex is unreadable,
	 * ignored like any other (a fraction is kept, as the SDKs do) */
	{NULL, "1e3", -1},
	{NULL, "1E3", -1},
	{NULL, "1e300", -1},
	{"1e300", NULL, -1},
	{"1e3", "2", 2000},
	{NULL, "0x10", -1},
	{NULL, ".", -1},
	{NULL, "1.", 1000},
	{NULL, ".5", 500},
	{NULL, "1.2.3", -1},
	{NULL, "9223372036854775807", OPENAI_WAIT_MAX_MS},
	{NULL, "Fri, 31 Dec 9999 23:59:59 GMT", OPENAI_WAIT_MAX_MS},
	{NULL, "Wed, 01 Jan 2147483647 00:00:30 GMT", -1},
	{NULL, "Wed, 01 Jan -2147483648 00:00:30 GMT", -1},
	{NULL, NULL, -1},
};

static void
test_retry_after(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(retry_after_cases); i++) {
		struct retry_headers h = {retry_after_cases[i].ms, retry_after_cases[i].ra, NULL};
		long long got = openai_retry_after(&h, NOW);

		if (got != retry_after_cases[i].want)
			fail_msg("retry-after-ms '%s' Retry-After '%s': got %lld, want %lld",
			         h.retry_after_ms ? h.retry_after_ms : "(none)",
			         h.retry_after ? h.retry_after : "(none)", got,
			         retry_after_cases[i].want);
	}
}

/* ---- openai_http_error ---- */

static const struct {
	long status;
	int retryable;
	const char *message;	/* with an empty body */
} status_cases[] = {
	{400, 0, "HTTP 400 Bad Request"},
	{401, 0, "HTTP 401 Unauthorized"},
	{403, 0, "HTTP 403 Forbidden"},
	{404, 0, "HTTP 404 Not Found"},
	{408, 1, "HTTP 408 Request Timeout"},
	{409, 1, "HTTP 409 Conflict"},
	{413, 0, "HTTP 413 Content Too Large"},
	{418, 0, "HTTP 418"},
	{422, 0, "HTTP 422 Unprocessable Content"},
	{429, 1, "HTTP 429 Too Many Requests"},
	{500, 1, "HTTP 500 Internal Server Error"},
	{501, 1, "HTTP 501"},
	{502, 1, "HTTP 502 Bad Gateway"},
	{503, 1, "HTTP 503 Service Unavailable"},
	{504, 1, "HTTP 504 Gateway Timeout"},
	{599, 1, "HTTP 599"},
};

static void
test_http_error_status(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < N(status_cases); i++) {
		struct llm_error e;

		memset(&e, 0x55, sizeof e);
		openai_http_error(&e, status_cases[i].status, "", 0, &none, NOW);
		assert_string_equal(e.kind, "http");
		assert_int_equal(e.http_status, status_cases[i].status);
		if (e.retryable != status_cases[i].retryable)
			fail_msg("status %ld: retryable %d", status_cases[i].status, e.retryable);
		assert_int_equal(openai_status_retryable(status_cases[i].status),
		                 status_cases[i].retryable);
		assert_int_equal(e.retry_after_ms, -1);
		assert_string_equal(e.message, status_cases[i].message);
	}
}

static const struct {
	long status;
	const char *should_retry;
	int retryable;
} should_retry_cases[] = {
	{400, "true", 1},
	{404, "TRUE", 1},
	{503, "false", 0},
	{429, "False", 0},
	{408, "false", 0},
	{500, "maybe", 1},
	{400, "maybe", 0},
	{400, "", 0},
	{502, NULL, 1},
};

static void
test_http_error_should_retry(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(should_retry_cases); i++) {
		struct retry_headers h = {NULL, NULL, should_retry_cases[i].should_retry};
		struct llm_error e;

		openai_http_error(&e, should_retry_cases[i].status, "{}", 2, &h, NOW);
		if (e.retryable != should_retry_cases[i].retryable)
			fail_msg("status %ld x-should-retry '%s': retryable %d",
			         should_retry_cases[i].status,
			         h.should_retry ? h.should_retry : "(none)", e.retryable);
	}
}

static void
test_http_error_retry_after(void **state)
{
	struct retry_headers h1 = {NULL, "2", NULL};
	struct retry_headers h2 = {"1500", "7", "false"};
	struct retry_headers h3 = {NULL, "Wed, 01 Jan 2025 00:00:30 GMT", NULL};
	struct llm_error e;

	(void)state;
	openai_http_error(&e, 429, "", 0, &h1, NOW);
	assert_int_equal(e.retry_after_ms, 2000);
	assert_int_equal(e.retryable, 1);
	openai_http_error(&e, 503, "", 0, &h2, NOW);
	assert_int_equal(e.retry_after_ms, 1500);
	assert_int_equal(e.retryable, 0);
	openai_http_error(&e, 503, "", 0, &h3, NOW);
	assert_int_equal(e.retry_after_ms, 30000);
}

static const struct {
	long status;
	const char *body;
	const char *should_retry;
	const char *kind;
	int retryable;
} quota_cases[] = {
	{429, "{\"error\":{\"message\":\"You exceeded your current quota\","
	      "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}", NULL, "quota", 0},
	{429, "{\"error\":{\"message\":\"q\",\"type\":\"insufficient_quota\"}}", "true", "quota", 0},
	{429, "{\"error\":{\"message\":\"q\",\"code\":\"insufficient_quota\"}}", NULL, "quota", 0},
	/* a rate limit is not a quota; nor is another status */
	{429, "{\"error\":{\"message\":\"r\",\"code\":\"rate_limit_exceeded\"}}", NULL, "http", 1},
	{403, "{\"error\":{\"message\":\"q\",\"code\":\"insufficient_quota\"}}", NULL, "http", 0},
	{429, "{\"error\":\"insufficient_quota\"}", NULL, "http", 1},
};

static void
test_http_error_quota(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(quota_cases); i++) {
		struct retry_headers h = {NULL, "5", quota_cases[i].should_retry};
		struct llm_error e;

		openai_http_error(&e, quota_cases[i].status, quota_cases[i].body,
		                  strlen(quota_cases[i].body), &h, NOW);
		if (strcmp(e.kind, quota_cases[i].kind) || e.retryable != quota_cases[i].retryable)
			fail_msg("case %zu: kind %s retryable %d", i, e.kind, e.retryable);
		assert_int_equal(e.http_status, quota_cases[i].status);
		if (!strcmp(e.kind, "quota"))
			assert_int_equal(e.retry_after_ms, -1);
	}
}

static const struct {
	long status;
	const char *body;
	const char *message;
} message_cases[] = {
	{401, "{\"error\":{\"message\":\"Incorrect API key provided\","
	      "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}",
	 "HTTP 401 Unauthorized: Incorrect API key provided"},
	{404, "{\"error\":\"model 'llama9' not found\"}",
	 "HTTP 404 Not Found: model 'llama9' not found"},
	{422, "{\"detail\":\"Input should be a valid list\"}",
	 "HTTP 422 Unprocessable Content: Input should be a valid list"},
	{500, "{\"message\":\"oops\"}", "HTTP 500 Internal Server Error: oops"},
	{502, "<html>bad gateway</html>", "HTTP 502 Bad Gateway: <html>bad gateway</html>"},
	{502, "upstream\nfailed", "HTTP 502 Bad Gateway: upstream failed"},
	{503, "", "HTTP 503 Service Unavailable"},
	{400, "{\"error\":{\"message\":\"line one\\nline two\\r\\n\\tend\"}}",
	 "HTTP 400 Bad Request: line one line two   end"},
	{429, "{\"error\":{\"message\":\"Rate limit reached for gpt-4o\"}}",
	 "HTTP 429 Too Many Requests: Rate limit reached for gpt-4o"},
	{418, "{\"error\":{\"message\":\"teapot\"}}", "HTTP 418: teapot"},
};

static void
test_http_error_message(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < N(message_cases); i++) {
		struct llm_error e;

		openai_http_error(&e, message_cases[i].status, message_cases[i].body,
		                  strlen(message_cases[i].body), &none, NOW);
		assert_string_equal(e.message, message_cases[i].message);
	}
}

/* The body is not NUL-terminated: only len bytes of it are read. */
static void
test_http_error_body_len(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	const char body[] = "short bodyGARBAGE";
	struct llm_error e;

	(void)state;
	openai_http_error(&e, 500, body, 10, &none, NOW);
	assert_string_equal(e.message, "HTTP 500 Internal Server Error: short body");
}

static void
test_http_error_long_bodies(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	struct buf body = {0}, want = {0};
	struct llm_error e;
	int i;

	(void)state;
	/* a plain body is cut to its first 300 bytes */
	for (i = 0; i < 1000; i++)
		buf_add(&body, "x", 1);
	openai_http_error(&e, 500, body.data, body.len, &none, NOW);
	buf_adds(&want, "HTTP 500 Internal Server Error: ");
	buf_add(&want, body.data, 300);
	assert_string_equal(e.message, want.data);

	/* a long JSON message fits the error, on one line */
	buf_reset(&body);
	buf_adds(&body, "{\"error\":{\"message\":\"");
	for (i = 0; i < 2000; i++)
		buf_adds(&body, i % 50 ? "y" : "\\n");
	buf_adds(&body, "\"}}");
	openai_http_error(&e, 400, body.data, body.len, &none, NOW);
	assert_true(strlen(e.message) < ERRLEN);
	assert_true(strncmp(e.message, "HTTP 400 Bad Request:  yyy", 26) == 0);
	assert_null(strchr(e.message, '\n'));
	buf_free(&body);
	buf_free(&want);
}

/* Cutting a long message must not split a UTF-8 character: the message
 * goes into a JSON record. */
static void
test_http_error_cut_utf8(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	struct buf body = {0};
	struct llm_error e;
	int i;

	(void)state;
	/* plain text: 'x' and 200 two-byte characters, cut at 300 bytes */
	buf_adds(&body, "x");
	for (i = 0; i < 200; i++)
		buf_adds(&body, "\xc3\xa9");
	openai_http_error(&e, 502, body.data, body.len, &none, NOW);
	buf_free(&body);
	if (!utf8_valid(e.message))
		fail_msg("plain body cut inside a character: %zu bytes", strlen(e.message));
}

static void
test_http_error_cut_utf8_json(void **state)
{
	struct retry_headers none = {NULL, NULL, NULL};
	struct buf body = {0};
	struct llm_error e;
	int i;

	(void)state;
	/* a JSON message longer than the error holds */
	buf_adds(&body, "{\"error\":{\"message\":\"");
	for (i = 0; i < 1000; i++)
		buf_adds(&body, "\xc3\xa9");
	buf_adds(&body, "\"}}");
	openai_http_error(&e, 400, body.data, body.len, &none, NOW);
	buf_free(&body);
	if (!utf8_valid(e.message))
		fail_msg("JSON message cut inside a character: %zu bytes", strlen(e.message));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_of),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_schema_format),
		cmocka_unit_test(test_parse_completion_ok),
		cmocka_unit_test(test_parse_completion_bad),
		cmocka_unit_test(test_parse_completion_unusual),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_http_error_status),
		cmocka_unit_test(test_http_error_should_retry),
		cmocka_unit_test(test_http_error_retry_after),
		cmocka_unit_test(test_http_error_message),
		cmocka_unit_test(test_http_error_quota),
		cmocka_unit_test(test_http_error_body_len),
		cmocka_unit_test(test_http_error_long_bodies),
		cmocka_unit_test(test_http_error_cut_utf8),
		cmocka_unit_test(test_http_error_cut_utf8_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
