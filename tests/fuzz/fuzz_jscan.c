/* fuzz_jscan: the tree-less JSON walk, jfield_walk (llm-redact's and the
 * trace writers' quick path), and jscan.h's string decoder.
 *
 * Invariants: a text jfield_walk() accepts json-c accepts, as an object;
 * every string it reports decodes (or is refused for a lone surrogate)
 * to valid UTF-8 when the text was.  json_build() (jsonbuild.c, built on
 * the same walk) makes the tree json-c makes, written out the same, or
 * hands the text on.
 */
#include "fuzz.h"
#include "json/jfield.h"
#include "json/jscan.h"
#include "base/utf8.h"
#include "json/json.h"

static int
on_string(void *arg, const char *raw, size_t len, int escaped)
{
	struct buf out = {0};

	(void)arg;
	if (!escaped && memchr(raw, '\\', len))
		fuzz_fail("a backslash in a string said to have none");
	if (jscan_decode(raw, len, &out) == 0 && out.len &&
	    utf8_invalid_at(out.data, out.len) != out.len &&
	    utf8_invalid_at(raw, len) == len)
		fuzz_fail("decoded string not UTF-8");
	buf_free(&out);
	return 0;
}

static void
build_is_json_c(const char *s, size_t size)
{
	json_object *b, *v;
	struct buf x = {0}, y = {0};
	char err[ERRLEN];

	if (!json_build(s, size, &b)) {
		if (b)
			fuzz_fail("json_build handed a text on with a tree");
		return;
	}
	if (json_parse_c(s, size, &v, err, sizeof err) < 0)
		fuzz_fail("json_build took what json-c refuses: %s", err);
	if (strcmp(json_line(b, &x), json_line(v, &y)) != 0)
		fuzz_fail("json_build made %s, json-c %s", x.data, y.data);
	json_object_put(b);
	json_object_put(v);
	buf_free(&x);
	buf_free(&y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char err[ERRLEN];
	json_object *v;

	build_is_json_c(s, size);
	if (!jfield_walk(s, size, on_string, NULL))
		return 0;
	if (json_parse_c(s, size, &v, err, sizeof err) < 0)
		fuzz_fail("jscan took what json-c refuses: %s", err);
	if (!json_object_is_type(v, json_type_object))
		fuzz_fail("jscan took what is no object");
	json_object_put(v);
	return 0;
}
