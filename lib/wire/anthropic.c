/* Anthropic's Messages API: requests from records, answers and errors
 * back (anthropic.h).  The translation is made on json-c's trees: a
 * request is read whole to be rewritten, and an answer's blocks are
 * few. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wire/anthropic.h"

/* Fields of an OpenAI body the Messages API has nothing for: refused
 * when set, so no experiment runs with a setting silently lost. */
static const char *const refused[] = {
	"logprobs", "top_logprobs", "audio", "modalities", "seed", "frequency_penalty",
	"presence_penalty", "logit_bias", "prediction", "web_search_options", "functions",
	"function_call", "reasoning_effort", NULL,
};

/* Fields translated below; every other one passes through as it is
 * (top_k, thinking, metadata, service_tier: Anthropic's own). */
static const char *const translated[] = {
	"model", "messages", "max_tokens", "max_completion_tokens", "stop", "tools",
	"tool_choice", "response_format", "stream", "stream_options", "n", "user",
	"parallel_tool_calls", NULL,
};

/* Is v set to something that asks for a feature (not null, false, 0)? */
static int
asked(json_object *v)
{
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return 1;
}

/* A text block of the json-c string t (a reference added). */
static json_object *
text_block(json_object *t)
{
	json_object *b = json_object_new_object();

	json_set(b, "type", json_object_new_string("text"));
	json_set(b, "text", json_ref(t));
	return b;
}

/* An image_url part's URL as an image block: a data: URL as base64, any
 * other as a URL source.  NULL when the data: URL is not base64. */
static json_object *
image_block(const char *url)
{
	json_object *b = json_object_new_object(), *src = json_object_new_object();

	json_set(b, "type", json_object_new_string("image"));
	if (strncmp(url, "data:", 5) == 0) {
		const char *semi = strstr(url, ";base64,");

		if (!semi || memchr(url + 5, ',', (size_t)(semi - url - 5))) {
			json_object_put(src);
			json_object_put(b);
			return NULL;
		}
		json_set(src, "type", json_object_new_string("base64"));
		json_set(src, "media_type", json_object_new_string_len(url + 5, (int)(semi - url - 5)));
		json_set(src, "data", json_object_new_string(semi + 8));
	} else {
		json_set(src, "type", json_object_new_string("url"));
		json_set(src, "url", json_object_new_string(url));
	}
	json_set(b, "source", src);
	return b;
}

/* A message's content as blocks appended to out: a string is one text
 * block, parts are translated one by one, a cache_control on a part
 * kept on its block.  -1 with e for a part that cannot be. */
static int
add_content(json_object *out, json_object *content, const char *where, struct llm_error *e)
{
	size_t i, n;

	if (!content)
		return 0;
	if (json_object_is_type(content, json_type_string)) {
		if (json_object_get_string_len(content) > 0)
			json_object_array_add(out, text_block(content));
		return 0;
	}
	if (!json_object_is_type(content, json_type_array)) {
		llm_error_set(e, "bad_input", 0, "%s.content: expected a string or an array of parts",
		              where);
		return -1;
	}
	n = json_object_array_length(content);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(content, i), *b = NULL, *cc;
		const char *type = json_get_str(p, "type");

		if (!type)
			type = "";
		if (strcmp(type, "text") == 0 && json_object_is_type(json_get(p, "text"), json_type_string)) {
			b = text_block(json_get(p, "text"));
		} else if (strcmp(type, "image_url") == 0) {
			json_object *iu = json_get(p, "image_url");
			const char *url = json_object_is_type(iu, json_type_string)
			                ? json_object_get_string(iu) : json_get_str(iu, "url");

			if (!url || !(b = image_block(url))) {
				llm_error_set(e, "bad_input", 0, "%s.content[%zu].image_url: expected "
				              "an http(s) URL or a base64 data: URL", where, i);
				return -1;
			}
		} else if (strcmp(type, "image") == 0 || strcmp(type, "document") == 0) {
			b = json_ref(p);	/* Anthropic's own blocks, as written */
		} else {
			llm_error_set(e, "bad_input", 0, "%s.content[%zu].type '%.40s' cannot be "
			              "sent to Anthropic's Messages API", where, i, type);
			return -1;
		}
		if ((cc = json_get(p, "cache_control")) && b != p)
			json_set(b, "cache_control", json_ref(cc));
		json_object_array_add(out, b);
	}
	return 0;
}

/* The last message of msgs when it has role, else a new one appended:
 * consecutive turns of one role are one message, as the API wants tool
 * results (and the user's words after them) in one user turn. */
static json_object *
turn(json_object *msgs, const char *role)
{
	size_t n = json_object_array_length(msgs);
	json_object *last = n ? json_object_array_get_idx(msgs, n - 1) : NULL, *m;

	if (last && strcmp(json_get_str(last, "role"), role) == 0)
		return json_get(last, "content");
	m = json_object_new_object();
	json_set(m, "role", json_object_new_string(role));
	json_set(m, "content", json_object_new_array());
	json_object_array_add(msgs, m);
	return json_get(m, "content");
}

/* An assistant's tool_calls as tool_use blocks: arguments, a JSON
 * string, become the block's input object. */
static int
add_tool_uses(json_object *out, json_object *calls, const char *where, struct llm_error *e)
{
	size_t i;

	for (i = 0; json_object_is_type(calls, json_type_array) &&
	     i < json_object_array_length(calls); i++) {
		json_object *tc = json_object_array_get_idx(calls, i), *fn = json_get(tc, "function");
		const char *id = json_get_str(tc, "id"), *name = json_get_str(fn, "name");
		const char *args = json_get_str(fn, "arguments");
		json_object *input = NULL, *b;
		char why[ERRLEN];

		if (args && *args)
			input = json_parse(args, strlen(args), why, sizeof why);
		if (!id || !name || (args && *args && !json_object_is_type(input, json_type_object))) {
			json_object_put(input);
			llm_error_set(e, "bad_input", 0, "%s.tool_calls[%zu]: needs an id, a "
			              "function.name and function.arguments holding a JSON object",
			              where, i);
			return -1;
		}
		b = json_object_new_object();
		json_set(b, "type", json_object_new_string("tool_use"));
		json_set(b, "id", json_object_new_string(id));
		json_set(b, "name", json_object_new_string(name));
		json_set(b, "input", input ? input : json_object_new_object());
		json_object_array_add(out, b);
	}
	return 0;
}

/* A tool message as a tool_result block. */
static int
add_tool_result(json_object *out, json_object *m, const char *where, struct llm_error *e)
{
	const char *id = json_get_str(m, "tool_call_id");
	json_object *b, *c = json_get(m, "content");

	if (!id) {
		llm_error_set(e, "bad_input", 0, "%s: a tool message needs its tool_call_id", where);
		return -1;
	}
	b = json_object_new_object();
	json_set(b, "type", json_object_new_string("tool_result"));
	json_set(b, "tool_use_id", json_object_new_string(id));
	if (json_object_is_type(c, json_type_string)) {
		json_set(b, "content", json_ref(c));
	} else {
		json_object *parts = json_object_new_array();

		json_set(b, "content", parts);
		if (add_content(parts, c, where, e) < 0) {
			json_object_put(b);
			return -1;
		}
	}
	json_object_array_add(out, b);
	return 0;
}

/* The messages: system ones into system blocks, the others into turns. */
static int
put_messages(json_object *dst, json_object *msgs, struct llm_error *e)
{
	json_object *sys = json_object_new_array(), *out = json_object_new_array();
	size_t i, n = json_object_array_length(msgs);
	char where[48];
	int rc = -1;

	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(msgs, i);
		const char *role = json_get_str(m, "role");

		snprintf(where, sizeof where, "messages[%zu]", i);
		if (!role) {
			llm_error_set(e, "bad_input", 0, "%s: no role", where);
			goto out;
		}
		if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) {
			if (add_content(sys, json_get(m, "content"), where, e) < 0)
				goto out;
		} else if (strcmp(role, "user") == 0) {
			if (add_content(turn(out, "user"), json_get(m, "content"), where, e) < 0)
				goto out;
		} else if (strcmp(role, "assistant") == 0) {
			json_object *blocks = turn(out, "assistant");

			if (add_content(blocks, json_get(m, "content"), where, e) < 0 ||
			    add_tool_uses(blocks, json_get(m, "tool_calls"), where, e) < 0)
				goto out;
		} else if (strcmp(role, "tool") == 0) {
			if (add_tool_result(turn(out, "user"), m, where, e) < 0)
				goto out;
		} else {
			llm_error_set(e, "bad_input", 0, "%s.role '%.40s' cannot be sent to "
			              "Anthropic's Messages API", where, role);
			goto out;
		}
	}
	if (json_object_array_length(sys))
		json_set(dst, "system", json_ref(sys));
	json_set(dst, "messages", json_ref(out));
	rc = 0;
out:
	json_object_put(sys);
	json_object_put(out);
	return rc;
}

static int
put_tools(json_object *dst, json_object *tools, struct llm_error *e)
{
	json_object *out = json_object_new_array();
	size_t i;

	for (i = 0; i < json_object_array_length(tools); i++) {
		json_object *t = json_object_array_get_idx(tools, i), *fn = json_get(t, "function");
		const char *type = json_get_str(t, "type"), *name = json_get_str(fn, "name");
		json_object *a, *v;

		if (!type || strcmp(type, "function") != 0 || !name) {
			json_object_put(out);
			llm_error_set(e, "bad_input", 0, "tools[%zu]: only function tools with a "
			              "name can be sent to Anthropic's Messages API", i);
			return -1;
		}
		a = json_object_new_object();
		json_set(a, "name", json_object_new_string(name));
		if ((v = json_get(fn, "description")))
			json_set(a, "description", json_ref(v));
		v = json_get(fn, "parameters");
		if (!v) {
			v = json_object_new_object();
			json_set(v, "type", json_object_new_string("object"));
		} else
			json_ref(v);
		json_set(a, "input_schema", v);
		if ((v = json_get(t, "cache_control")))
			json_set(a, "cache_control", json_ref(v));
		json_object_array_add(out, a);
	}
	json_set(dst, "tools", out);
	return 0;
}

static int
put_tool_choice(json_object *dst, json_object *tc, json_object *parallel, struct llm_error *e)
{
	json_object *o = json_object_new_object();
	const char *s = json_object_is_type(tc, json_type_string) ? json_object_get_string(tc) : NULL;
	const char *name = json_get_str(json_get(tc, "function"), "name");

	if (!tc || (s && strcmp(s, "auto") == 0))
		json_set(o, "type", json_object_new_string("auto"));
	else if (s && strcmp(s, "none") == 0)
		json_set(o, "type", json_object_new_string("none"));
	else if (s && strcmp(s, "required") == 0)
		json_set(o, "type", json_object_new_string("any"));
	else if (name) {
		json_set(o, "type", json_object_new_string("tool"));
		json_set(o, "name", json_object_new_string(name));
	} else {
		json_object_put(o);
		llm_error_set(e, "bad_input", 0, "tool_choice: expected auto, none, required or "
		              "{\"type\":\"function\",\"function\":{\"name\":..}}");
		return -1;
	}
	if (parallel && !json_object_get_boolean(parallel))
		json_set(o, "disable_parallel_tool_use", json_object_new_boolean(1));
	json_set(dst, "tool_choice", o);
	return 0;
}

const char *
anthropic_json_tool(json_object *req)
{
	json_object *rf = json_get(req, "response_format");
	const char *type = json_get_str(rf, "type"), *name;

	if (!type || strcmp(type, "json_schema") != 0)
		return NULL;
	name = json_get_str(json_get(rf, "json_schema"), "name");
	return name && *name ? name : ANTHROPIC_JSON_TOOL;
}

/* response_format json_schema as a tool the model is made to call: its
 * input is the answer (anthropic_parse takes it as the content). */
static int
put_format(json_object *dst, json_object *req, struct llm_error *e)
{
	json_object *rf = json_get(req, "response_format"), *js, *schema, *t, *tools, *tc;
	const char *type = json_get_str(rf, "type");

	if (!rf || (type && strcmp(type, "text") == 0))
		return 0;
	if (!type || strcmp(type, "json_schema") != 0) {
		llm_error_set(e, "bad_input", 0, "response_format: type '%.40s' cannot be sent to "
		              "Anthropic's Messages API (json_schema can)", type ? type : "");
		return -1;
	}
	js = json_get(rf, "json_schema");
	if (!json_object_is_type(schema = json_get(js, "schema"), json_type_object)) {
		llm_error_set(e, "bad_input", 0, "response_format.json_schema.schema: expected an object");
		return -1;
	}
	t = json_object_new_object();
	json_set(t, "name", json_object_new_string(anthropic_json_tool(req)));
	json_set(t, "description", json_object_new_string(json_get_str(js, "description")
	         ? json_get_str(js, "description") : "Give the answer as this tool's input."));
	json_set(t, "input_schema", json_ref(schema));
	if (!(tools = json_get(dst, "tools"))) {
		tools = json_object_new_array();
		json_set(dst, "tools", tools);
	}
	json_object_array_add(tools, t);
	tc = json_object_new_object();
	json_set(tc, "type", json_object_new_string("tool"));
	json_set(tc, "name", json_object_new_string(anthropic_json_tool(req)));
	json_set(dst, "tool_choice", tc);
	return 0;
}

/* What cannot be translated, named. */
static int
check_refused(json_object *req, struct llm_error *e)
{
	json_object *n = json_get(req, "n");

	json_object_object_foreach(req, k, v)
		if (str_listed(k, refused) && asked(v)) {
			llm_error_set(e, "bad_input", 0, "%s: not supported by Anthropic's Messages "
			              "API (refused rather than dropped)", k);
			return -1;
		}
	if (n && json_object_get_int64(n) != 1) {
		llm_error_set(e, "bad_input", 0, "n: Anthropic's Messages API gives one answer "
		              "a request (n must be 1)");
		return -1;
	}
	return 0;
}

json_object *
anthropic_request(json_object *req, int stream, struct llm_error *e)
{
	json_object *out = json_object_new_object(), *v, *msgs = json_get(req, "messages");

	if (check_refused(req, e) < 0)
		goto bad;
	if ((v = json_get(req, "model")))
		json_set(out, "model", json_ref(v));
	if (!json_object_is_type(msgs, json_type_array)) {
		llm_error_set(e, "bad_input", 0, "request has no \"messages\" array");
		goto bad;
	}
	if (put_messages(out, msgs, e) < 0)
		goto bad;
	if (!(v = json_get(req, "max_tokens")))
		v = json_get(req, "max_completion_tokens");
	json_set(out, "max_tokens", v ? json_ref(v) : json_object_new_int(ANTHROPIC_MAX_TOKENS));
	if ((v = json_get(req, "stop")) && json_object_is_type(v, json_type_array)) {
		json_set(out, "stop_sequences", json_ref(v));
	} else if (v) {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_ref(v));
		json_set(out, "stop_sequences", a);
	}
	if ((v = json_get(req, "tools")) && json_object_is_type(v, json_type_array) &&
	    put_tools(out, v, e) < 0)
		goto bad;
	if ((json_get(req, "tool_choice") || json_get(req, "parallel_tool_calls")) &&
	    json_get(out, "tools") &&
	    put_tool_choice(out, json_get(req, "tool_choice"), json_get(req, "parallel_tool_calls"), e) < 0)
		goto bad;
	if (put_format(out, req, e) < 0)
		goto bad;
	if ((v = json_get(req, "user"))) {
		json_object *md = json_object_new_object();

		json_set(md, "user_id", json_ref(v));
		json_set(out, "metadata", md);
	}
	json_object_object_foreach(req, k, val)
		if (!str_listed(k, translated) && !str_listed(k, refused) && !json_get(out, k))
			json_set(out, k, json_ref(val));
	if (stream)
		json_set(out, "stream", json_object_new_boolean(1));
	return out;
bad:
	json_object_put(out);
	return NULL;
}

int
anthropic_body(json_object *req, int stream, struct buf *out, struct llm_error *e)
{
	json_object *o = anthropic_request(req, stream, e);

	if (!o)
		return -1;
	json_line(o, out);
	json_object_put(o);
	return 0;
}

/* stop_reason and the finish_reason it is */
static const char *const finishes[][2] = {
	{"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
	{"tool_use", "tool_calls"}, {"refusal", "content_filter"},
};

const char *
anthropic_finish(const char *stop_reason, int forced)
{
	size_t i;

	/* the forced tool answered: the model stopped, it called nothing */
	if (forced && stop_reason && strcmp(stop_reason, "tool_use") == 0)
		return "stop";
	for (i = 0; stop_reason && i < sizeof finishes / sizeof *finishes; i++)
		if (strcmp(stop_reason, finishes[i][0]) == 0)
			return finishes[i][1];
	return stop_reason;	/* pause_turn and what comes: as sent */
}

json_object *
anthropic_usage(json_object *u, long long c[4])
{
	static const char *const keys[4] = {"input_tokens", "output_tokens",
	                                    "cache_creation_input_tokens", "cache_read_input_tokens"};
	json_object *o, *v;
	long long prompt;
	int i;

	if (!json_object_is_type(u, json_type_object))
		return NULL;
	for (i = 0; i < 4; i++)
		if ((v = json_get(u, keys[i])))
			c[i] = json_object_get_int64(v);
	prompt = add_sat(add_sat(c[0], c[2]), c[3]);
	o = json_object_new_object();
	json_set(o, "prompt_tokens", json_object_new_int64(prompt));
	json_set(o, "completion_tokens", json_object_new_int64(c[1]));
	json_set(o, "total_tokens", json_object_new_int64(add_sat(prompt, c[1])));
	json_set(o, "cache_creation_input_tokens", json_object_new_int64(c[2]));
	json_set(o, "cache_read_input_tokens", json_object_new_int64(c[3]));
	return o;
}

/* A tool_use block as an entry of tool_calls. */
static json_object *
tool_call(json_object *b)
{
	json_object *tc = json_object_new_object(), *fn = json_object_new_object();
	const char *id = json_get_str(b, "id"), *name = json_get_str(b, "name");
	struct buf args = {0};
	json_object *input = json_get(b, "input");

	if (input)
		json_line(input, &args);
	else
		buf_adds(&args, "{}");
	json_set(tc, "id", json_object_new_string(id ? id : ""));
	json_set(tc, "type", json_object_new_string("function"));
	json_set(fn, "name", json_object_new_string(name ? name : ""));
	json_set(fn, "arguments", json_object_new_string_len(args.data, (int)args.len));
	json_set(tc, "function", fn);
	buf_free(&args);
	return tc;
}

int
anthropic_parse(const char *body, size_t len, json_object *req, json_object *res,
                struct llm_error *e)
{
	char why[ERRLEN];
	json_object *doc = json_parse(body, len, why, sizeof why), *blocks, *calls = NULL, *u;
	struct buf text = {0}, thinking = {0};
	const char *jt = anthropic_json_tool(req), *type, *fin;
	long long counts[4] = {0};
	size_t i;

	if (!doc) {
		llm_error_set(e, "protocol", 1, "response is not valid JSON: %s", why);
		return -1;
	}
	type = json_get_str(doc, "type");
	if (type && strcmp(type, "error") == 0) {
		const char *m = json_get_str(json_get(doc, "error"), "message");

		llm_error_set(e, "protocol", 0, "server sent an error with status 200: %s",
		              m ? m : json_object_to_json_string(doc));
		json_object_put(doc);
		return -1;
	}
	if (!json_object_is_type(blocks = json_get(doc, "content"), json_type_array)) {
		llm_error_set(e, "protocol", 0, "response has no \"content\" array");
		json_object_put(doc);
		return -1;
	}
	buf_adds(&text, "");
	for (i = 0; i < json_object_array_length(blocks); i++) {
		json_object *b = json_object_array_get_idx(blocks, i), *v;
		const char *bt = json_get_str(b, "type");

		if (!bt)
			continue;
		if (strcmp(bt, "text") == 0 && (v = json_get(b, "text")))
			buf_add(&text, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		else if (strcmp(bt, "thinking") == 0 && (v = json_get(b, "thinking")))
			buf_add(&thinking, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		else if (strcmp(bt, "tool_use") == 0 && jt &&
		         strcmp(json_get_str(b, "name") ? json_get_str(b, "name") : "", jt) == 0)
			json_line(json_get(b, "input"), &text);
		else if (strcmp(bt, "tool_use") == 0) {
			if (!calls)
				calls = json_object_new_array();
			json_object_array_add(calls, tool_call(b));
		}
	}
	if (json_get(doc, "model"))
		json_set(res, "model", json_ref(json_get(doc, "model")));
	json_set(res, "content", json_object_new_string_len(text.data, (int)text.len));
	if (calls)
		json_set(res, "tool_calls", calls);
	if (thinking.len)
		json_set(res, "reasoning", json_object_new_string_len(thinking.data, (int)thinking.len));
	fin = anthropic_finish(json_get_str(doc, "stop_reason"), jt && !calls);
	json_set(res, "finish_reason", fin ? json_object_new_string(fin) : NULL);
	if ((u = anthropic_usage(json_get(doc, "usage"), counts)))
		json_set(res, "usage", u);
	buf_free(&text);
	buf_free(&thinking);
	json_object_put(doc);
	return 0;
}

/* Error types that say "try again later", whatever the status. */
static int
retryable_type(const char *t)
{
	return t && (strcmp(t, "overloaded_error") == 0 || strcmp(t, "rate_limit_error") == 0 ||
	             strcmp(t, "api_error") == 0 || strcmp(t, "timeout_error") == 0);
}

void
anthropic_http_error(struct llm_error *e, long status, const char *body, size_t len,
                     const struct retry_headers *h, time_t now)
{
	char why[ERRLEN];
	json_object *doc = len ? json_parse(body, len, why, sizeof why) : NULL;
	json_object *err = json_get(doc, "error");
	const char *type = json_get_str(err, "type"), *m = json_get_str(err, "message");

	openai_http_error(e, status, body, len, h, now);
	if (type) {
		char msg[ERRLEN - 64];

		snprintf(msg, sizeof msg, "%s", m ? m : "");
		one_line(msg, sizeof msg - 1);
		llm_error_set(e, "http", e->retryable, "HTTP %ld %s%s%s", status, type,
		              msg[0] ? ": " : "", msg);
		e->http_status = (int)status;
		e->retry_after_ms = openai_retry_after(h, now);
		if (retryable_type(type) && !(h->should_retry && strcasecmp(h->should_retry, "false") == 0))
			e->retryable = 1;
	}
	json_object_put(doc);
}
