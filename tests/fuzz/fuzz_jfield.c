/* fuzz_jfield: the field scanner of jfield.h (llm-summarize's reader),
 * against json-c on the same text.
 *
 * Invariants: a text jfield_scan() accepts is valid JSON (json-c takes it,
 * its depth limit included); each path is found exactly
 * when json-c's tree has it, with the same type, and a string decodes to
 * json-c's string.
 */
#include "fuzz.h"
#include "json/jfield.h"
#include "json/json.h"

static const char *const paths[] = {
	"id", "status", "a", "a.b", "a.b.c", "usage.prompt_tokens", "meta.model", "", "x..y",
};

/* The value at a dotted path in json-c's tree: 1 when there. */
static int
lookup(json_object *v, const char *path, json_object **out)
{
	char *p = estrdup(path), *k, *save = NULL;
	int found = 1;

	for (k = strtok_r(p, ".", &save); k && found; k = strtok_r(NULL, ".", &save))
		found = json_object_is_type(v, json_type_object) &&
		        json_object_object_get_ex(v, k, &v);
	free(p);
	*out = v;
	return found;
}

static int
same_type(enum jfield_type t, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return t == JF_NULL;
	case json_type_boolean: return t == (json_object_get_boolean(v) ? JF_TRUE : JF_FALSE);
	case json_type_int:
	case json_type_double: return t == JF_NUMBER;
	case json_type_string: return t == JF_STRING;
	case json_type_object: return t == JF_OBJECT;
	case json_type_array: return t == JF_ARRAY;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jfield_spec *sp;
	static int slot[sizeof paths / sizeof paths[0]];
	struct jfield f[sizeof paths / sizeof paths[0]];
	const char *s = (const char *)data;
	char err[ERRLEN];
	json_object *doc, *v;
	size_t i;

	if (!sp) {
		sp = jfield_spec_new();
		for (i = 0; i < sizeof paths / sizeof paths[0]; i++)
			slot[i] = jfield_spec_add(sp, paths[i]);
	}
	if (!jfield_scan(sp, s, size, f))
		return 0;
	if (json_parse_any(s, size, &doc, err, sizeof err) < 0)
		fuzz_fail("jfield took what json-c refuses: %s", err);
	/* json-c ends a key at an escaped NUL ("status\u0000u" is its
	 * "status"), so its tree cannot stand for such a text: the paths are
	 * compared only without one, as wire/members.c hands such a text
	 * to json-c rather than to jfield */
	if (memmem(s, size, "\\u0000", 6)) {
		json_object_put(doc);
		return 0;
	}
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct jfield *x;
		struct buf str = {0};

		if (slot[i] < 0)
			continue;
		x = &f[slot[i]];
		if (!lookup(doc, paths[i], &v)) {
			if (x->type != JF_NONE)
				fuzz_fail("%s found, json-c has none", paths[i]);
			continue;
		}
		if (!same_type(x->type, v))
			fuzz_fail("%s: type %d, json-c %s", paths[i], x->type,
			          json_type_to_name(json_object_get_type(v)));
		if (x->type != JF_STRING || jfield_string(x, &str) < 0) {
			buf_free(&str);	/* it may hold part of a refused string */
			continue;
		}
		if (str.len != (size_t)json_object_get_string_len(v) ||
		    memcmp(str.data, json_object_get_string(v), str.len) != 0)
			fuzz_fail("%s: \"%s\", json-c \"%s\"", paths[i], str.data,
			          json_object_get_string(v));
		if (jfield_strlen(x) != str.len)
			fuzz_fail("%s: jfield_strlen %zu, decoded %zu", paths[i], jfield_strlen(x),
			          str.len);
		buf_free(&str);
	}
	json_object_put(doc);
	return 0;
}
