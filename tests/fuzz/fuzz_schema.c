/* fuzz_schema: JSON Schema documents compiled and values checked
 * against them (json/schema.h), and llm-mock's answers to them
 * (mock_reply with response_format json_schema).
 *
 * The input is a schema, a newline, and a value.  Invariants: a schema
 * refused says where ("at ..."); a value is valid with an empty message
 * or invalid with one that names a place ("/..." or "(root)"), the same
 * verdict twice; the mock's answer to [[mock:schema-break]] is never a
 * value the schema takes.
 */
#include "fuzz.h"
#include "json/schema.h"
#include "mock/mock.h"

static void
check_value(const struct schema *s, json_object *v)
{
	char where[ERRLEN], again[ERRLEN];
	int rc = schema_validate(s, v, where, sizeof where);

	if (rc == 0 && where[0])
		fuzz_fail("valid, with a message: %s", where);
	if (rc < 0 && where[0] != '/' && strncmp(where, "(root) ", 7) != 0)
		fuzz_fail("invalid, with a message naming no place: '%s'", where);
	if (schema_validate(s, v, again, sizeof again) != rc || strcmp(where, again) != 0)
		fuzz_fail("two verdicts: %s / %s", where, again);
}

/* the mock, asked to break the schema: its content is no value s takes.
 * s is compiled as the mock and llm-chat compile it, without format
 * checks (with them a date-time the mock takes to break a oneOf could
 * make it hold again) */
static void
check_mock(const struct schema *s)
{
	static struct mock *m;
	struct buf body = {0};
	struct mock_answer a;
	char where[ERRLEN], err[ERRLEN];
	json_object *req = json_object_new_object(), *msgs = json_object_new_array();
	json_object *msg = json_object_new_object(), *rf = json_object_new_object();
	json_object *js = json_object_new_object(), *content;

	if (!m)
		m = mock_new();
	json_set(msg, "role", json_object_new_string("user"));
	json_set(msg, "content", json_object_new_string("x [[mock:schema-break]]"));
	json_object_array_add(msgs, msg);
	json_set(req, "model", json_object_new_string("m"));
	json_set(req, "messages", msgs);
	json_set(js, "name", json_object_new_string("n"));
	json_set(js, "schema", json_ref(schema_doc(s)));
	json_set(rf, "type", json_object_new_string("json_schema"));
	json_set(rf, "json_schema", js);
	json_set(req, "response_format", rf);
	json_line(req, &body);
	mock_reply(m, body.data, body.len, &a);
	if (a.status == 200 && !a.raw && a.has_content &&
	    json_parse_any(a.content.data ? a.content.data : "", a.content.len, &content, err,
	                   sizeof err) == 0) {
		if (schema_validate(s, content, where, sizeof where) == 0)
			fuzz_fail("schema-break gave a value the schema takes: %s", a.content.data);
		json_object_put(content);
	}
	mock_answer_free(&a);
	json_object_put(req);
	buf_free(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl = memchr(p, '\n', size);
	size_t n = nl ? (size_t)(nl - p) : size;
	char err[ERRLEN];
	json_object *doc, *v = NULL;
	struct schema *s;
	int flags;

	if (json_parse_any(p, n, &doc, err, sizeof err) < 0)
		return 0;
	flags = nl && n % 2 ? SCHEMA_FORMAT : 0;
	s = schema_compile(doc, flags, err, sizeof err);
	if (!s) {
		if (strncmp(err, "at ", 3) != 0)
			fuzz_fail("refused without saying where: %s", err);
		json_object_put(doc);
		return 0;
	}
	if (nl && json_parse_any(nl + 1, size - n - 1, &v, err, sizeof err) == 0) {
		check_value(s, v);
		json_object_put(v);
	}
	check_value(s, doc);	/* the schema as a value of itself */
	if (flags) {
		schema_free(s);
		s = schema_compile(doc, 0, err, sizeof err);
	}
	if (s) {
		check_mock(s);
		schema_free(s);
	}
	json_object_put(doc);
	return 0;
}
