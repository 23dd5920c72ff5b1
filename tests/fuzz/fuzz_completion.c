/* fuzz_completion: a completion body (openai_parse_completion) and an
 * HTTP error body (openai_http_error), as a server might send them.
 *
 * Invariants: a body taken gives a record with a string "content" and a
 * "finish_reason" key, that serializes to JSON json-c reads back; a body
 * refused sets kind "protocol"; every message is one line; the record
 * written of either is valid UTF-8, whatever bytes the body held.  And the
 * reader, which reads the usual body without json-c's tree, says what
 * json-c's tree of the whole body says (reference() below, the rules of
 * DESIGN.md's result record read off the tree): the same record, or the
 * same error.
 */
#include "fuzz.h"
#include "base/utf8.h"
#include "wire/openai.h"

static void
one_line_or_fail(const struct llm_error *e)
{
	if (strchr(e->message, '\n') || strchr(e->message, '\r'))
		fuzz_fail("message on more than one line: %s", e->message);
}

/* Copy key from src to dst when present and not null. */
static void
copy_field(json_object *dst, const char *dkey, json_object *src, const char *skey)
{
	json_object *v = json_get(src, skey);

	if (v)
		json_set(dst, dkey, json_ref(v));
}

/* content, tool_calls, reasoning (when asked for) and finish_reason of
 * one choice with message msg. */
static void
reference_choice(json_object *dst, json_object *choice, json_object *msg, int reasoning)
{
	json_object *v = json_get(msg, "content");

	json_set(dst, "content", json_object_is_type(v, json_type_string)
	         ? json_ref(v) : json_object_new_string(""));
	v = json_get(msg, "tool_calls");
	if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
		json_set(dst, "tool_calls", json_ref(v));
	v = json_get(msg, "reasoning_content");
	if (!json_object_is_type(v, json_type_string))
		v = json_get(msg, "reasoning");
	if (reasoning && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		json_set(dst, "reasoning", json_ref(v));
	v = json_get(choice, "finish_reason");
	json_set(dst, "finish_reason", json_object_is_type(v, json_type_string)
	         ? json_ref(v) : NULL);
}

/* The completion read off json-c's tree of the whole body. */
static int
reference(const char *body, size_t len, json_object *res, struct llm_error *e)
{
	char why[ERRLEN];
	json_object *doc = json_parse(body, len, why, sizeof why);
	json_object *choices, *choice, *msg, *v;
	int rc = -1;

	if (!doc) {
		llm_error_set(e, "protocol", 1, "response is not valid JSON: %s", why);
		return -1;
	}
	choices = json_get(doc, "choices");
	choice = json_object_is_type(choices, json_type_array)
	       ? json_object_array_get_idx(choices, 0) : NULL;
	msg = json_get(choice, "message");
	if ((v = json_get(doc, "error"))) {
		const char *m = json_get_str(v, "message");

		llm_error_set(e, "protocol", 0, "server sent an error with status 200: %s",
		              m ? m : json_object_get_string(v));
	} else if (!json_object_is_type(choices, json_type_array)) {
		llm_error_set(e, "protocol", 0, "response has no \"choices\" array");
	} else if (json_object_array_length(choices) == 0) {
		llm_error_set(e, "protocol", 0, "response has an empty \"choices\" array");
	} else if (!json_object_is_type(msg, json_type_object)) {
		llm_error_set(e, "protocol", 0, "response choice has no \"message\"");
	} else {
		size_t i, n = json_object_array_length(choices);

		copy_field(res, "model", doc, "model");
		reference_choice(res, choice, msg, 1);
		copy_field(res, "usage", doc, "usage");
		copy_field(res, "logprobs", choice, "logprobs");
		copy_field(res, "system_fingerprint", doc, "system_fingerprint");
		if (n > 1) {
			json_object *all = json_object_new_array();

			for (i = 0; i < n; i++) {
				json_object *c = json_object_array_get_idx(choices, i);
				json_object *o = json_object_new_object();

				reference_choice(o, c, json_get(c, "message"), 0);
				json_object_array_add(all, o);
			}
			json_set(res, "choices", all);
		}
		rc = 0;
	}
	json_object_put(doc);
	return rc;
}

/* The reader's outcome (rc, res, e) against the reference's. */
static void
same_as_tree(const char *body, size_t size, int rc, json_object *res, const struct llm_error *e)
{
	json_object *tree = json_object_new_object();
	struct buf a = {0}, b = {0};
	struct llm_error te;

	if (reference(body, size, tree, &te) != rc)
		fuzz_fail("reader %s, tree %s", rc ? e->message : "took it",
		          rc ? "took it" : te.message);
	if (rc == 0 && strcmp(json_line(res, &a), json_line(tree, &b)) != 0)
		fuzz_fail("reader %s, tree %s", a.data, b.data);
	if (rc != 0 && (strcmp(e->kind, te.kind) != 0 || e->retryable != te.retryable ||
	                strcmp(e->message, te.message) != 0))
		fuzz_fail("reader %s %d %s, tree %s %d %s", e->kind, e->retryable, e->message,
		          te.kind, te.retryable, te.message);
	json_object_put(tree);
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	json_object *res = json_object_new_object(), *back;
	struct retry_headers h = {0};
	struct llm_error e;
	struct buf line = {0};
	char err[ERRLEN];
	int rc = openai_parse_completion(body, size, res, &e);

	if (rc == 0) {
		json_object *v;

		if (!json_object_is_type(json_get(res, "content"), json_type_string))
			fuzz_fail("no string content");
		if (!json_object_object_get_ex(res, "finish_reason", &v))
			fuzz_fail("no finish_reason");
		json_line(res, &line);
		if (!(back = json_parse(line.data, line.len, err, sizeof err)))
			fuzz_fail("result does not read back: %s: %s", err, line.data);
		json_object_put(back);
		if (utf8_invalid_at(line.data, line.len) != line.len)
			fuzz_fail("result not UTF-8: %s", line.data);
	} else {
		if (strcmp(e.kind, "protocol") != 0)
			fuzz_fail("kind %s", e.kind);
		one_line_or_fail(&e);
	}
	same_as_tree(body, size, rc, res, &e);
	openai_http_error(&e, 429, body, size, &h, 0);
	if (strcmp(e.kind, "http") != 0 || e.http_status != 429 || !e.retryable)
		fuzz_fail("http error classified wrong: %s %d", e.kind, e.http_status);
	one_line_or_fail(&e);
	/* the error's record is UTF-8 too, whatever the server's message held */
	json_set(res, "message", json_object_new_string(e.message));
	json_line(res, &line);
	if (utf8_invalid_at(line.data, line.len) != line.len)
		fuzz_fail("error record not UTF-8: %s", line.data);
	json_object_put(res);
	buf_free(&line);
	return 0;
}
