/* fuzz_completion: a completion body (openai_parse_completion) and an
 * HTTP error body (openai_http_error), as a server might send them.
 *
 * Invariants: a body taken gives a record with a string "content" and a
 * "finish_reason" key, that serializes to JSON json-c reads back; a body
 * refused sets kind "protocol"; every message is one line.  The fast way
 * of reading (openai_fast.c) gives the record the json-c tree gives, or
 * hands the body on untouched; it never reads a body the tree refuses.
 */
#include "fuzz.h"
#include "wire/openai.h"

static void
one_line_or_fail(const struct llm_error *e)
{
	if (strchr(e->message, '\n') || strchr(e->message, '\r'))
		fuzz_fail("message on more than one line: %s", e->message);
}

static void
fast_is_tree(const char *body, size_t size)
{
	json_object *fast = json_object_new_object(), *tree = json_object_new_object();
	struct buf a = {0}, b = {0};
	struct llm_error e;
	int took = openai_completion_fast(body, size, fast);

	if (openai_parse_completion_tree(body, size, tree, &e) != 0) {
		if (took)
			fuzz_fail("fast way read what the tree refuses: %s", e.message);
	} else if (took && strcmp(json_line(fast, &a), json_line(tree, &b)) != 0) {
		fuzz_fail("fast way %s, tree %s", a.data, b.data);
	}
	if (!took && json_object_object_length(fast) != 0)
		fuzz_fail("fast way handed on a body but filled the record");
	json_object_put(fast);
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

	if (openai_parse_completion(body, size, res, &e) == 0) {
		json_object *v;

		if (!json_object_is_type(json_get(res, "content"), json_type_string))
			fuzz_fail("no string content");
		if (!json_object_object_get_ex(res, "finish_reason", &v))
			fuzz_fail("no finish_reason");
		json_line(res, &line);
		if (!(back = json_parse(line.data, line.len, err, sizeof err)))
			fuzz_fail("result does not read back: %s: %s", err, line.data);
		json_object_put(back);
	} else {
		if (strcmp(e.kind, "protocol") != 0)
			fuzz_fail("kind %s", e.kind);
		one_line_or_fail(&e);
	}
	fast_is_tree(body, size);
	openai_http_error(&e, 429, body, size, &h, 0);
	if (strcmp(e.kind, "http") != 0 || e.http_status != 429 || !e.retryable)
		fuzz_fail("http error classified wrong: %s %d", e.kind, e.http_status);
	one_line_or_fail(&e);
	json_object_put(res);
	buf_free(&line);
	return 0;
}
