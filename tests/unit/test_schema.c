/* Unit tests for lib/json/schema*.c: the official JSON-Schema-Test-Suite
 * (Debian's json-schema-test-suite, 2.0.0: draft 7 at most) for the
 * keywords that mean the same in draft 2020-12, our own 2020-12 cases in
 * the suite's form (the files of tests/schema), and the messages, errors and
 * limits of our own.  One cmocka test per file; each prints how many of
 * its cases passed, and the last line is the whole suite's count. */
#include <libgen.h>

#include "unit.h"

#include "json/schema.h"

#define SUITE "/usr/share/json-schema-test-suite/tests/draft7/"

struct suite_file {
	const char *path;	/* SUITE-relative, or ours when it starts "tests/" */
	int flags;
};

static const struct suite_file files[] = {
	{"type.json", 0}, {"enum.json", 0}, {"const.json", 0}, {"properties.json", 0},
	{"required.json", 0}, {"additionalProperties.json", 0}, {"patternProperties.json", 0},
	{"minItems.json", 0}, {"maxItems.json", 0}, {"minLength.json", 0},
	{"maxLength.json", 0}, {"minProperties.json", 0}, {"maxProperties.json", 0},
	{"minimum.json", 0}, {"maximum.json", 0}, {"exclusiveMinimum.json", 0},
	{"exclusiveMaximum.json", 0}, {"multipleOf.json", 0}, {"pattern.json", 0},
	{"allOf.json", 0}, {"anyOf.json", 0}, {"oneOf.json", 0}, {"not.json", 0},
	{"if-then-else.json", 0}, {"boolean_schema.json", 0}, {"uniqueItems.json", 0},
	{"ref.json", 0}, {"definitions.json", 0}, {"items.json", 0}, {"contains.json", 0},
	{"propertyNames.json", 0}, {"default.json", 0},
	{"optional/zeroTerminatedFloats.json", 0}, {"optional/bignum.json", 0},
	{"optional/format/date-time.json", SCHEMA_FORMAT},
	{"optional/format/email.json", SCHEMA_FORMAT},
	{"optional/format/uri.json", SCHEMA_FORMAT},
	{"tests/schema/prefixItems.json", 0}, {"tests/schema/defs.json", 0},
	{"tests/schema/items.json", 0}, {"tests/schema/format.json", SCHEMA_FORMAT},
	{"tests/schema/ref.json", 0},
};

/* Groups of the draft 7 files that are not 2020-12, by file and
 * description (a case's description after '/' skips that case alone). */
static const struct {
	const char *file, *group, *why;
} skips[] = {
	{"items.json", "an array of schemas for items", "items as an array is draft 7's prefixItems"},
	{"items.json", "items with boolean schemas", "items as an array"},
	{"ref.json", "ref overrides any sibling keywords",
	 "draft 7 ignores $ref's siblings; 2020-12 applies them"},
	{"ref.json", "remote ref, containing refs itself", "remote $ref"},
	{"ref.json", "Recursive references between schemas", "$id as a base URI"},
	{"ref.json", "relative pointer ref to array", "items as an array"},
	{"definitions.json", "valid definition", "remote $ref (the draft 7 metaschema)"},
	{"definitions.json", "invalid definition", "remote $ref (the draft 7 metaschema)"},
};

static int skip_used[N(skips)];

static const char *
skipped(const char *file, const char *group)
{
	size_t i;

	for (i = 0; i < N(skips); i++)
		if (!strcmp(skips[i].file, file) && !strcmp(skips[i].group, group)) {
			skip_used[i] = 1;
			return skips[i].why;
		}
	return NULL;
}

static int total_cases, total_passed, total_skipped;

static json_object *
load(const char *path)
{
	char err[ERRLEN];
	size_t len;
	char *text = read_file(path, 16u << 20, &len, err, sizeof err);
	json_object *v;

	if (!text)
		fail_msg("%s", err);
	v = parse(text);
	free(text);
	return v;
}

static void
test_file(void **state)
{
	const struct suite_file *f = *state;
	char path[4096], err[ERRLEN], where[ERRLEN];
	json_object *groups;
	size_t g, t, cases = 0, passed = 0, skipped_n = 0;

	if (!strncmp(f->path, "tests/", 6))
		snprintf(path, sizeof path, "%s", f->path);
	else
		snprintf(path, sizeof path, "%s%s", SUITE, f->path);
	groups = load(path);
	for (g = 0; g < json_object_array_length(groups); g++) {
		json_object *grp = json_object_array_get_idx(groups, g);
		json_object *tests = json_get(grp, "tests");
		const char *desc = json_get_str(grp, "description");
		struct schema *s;

		if (skipped(f->path, desc)) {
			skipped_n += json_object_array_length(tests);
			continue;
		}
		s = schema_compile(json_get(grp, "schema"), f->flags, err, sizeof err);
		if (!s)
			fail_msg("%s: \"%s\": does not compile: %s", f->path, desc, err);
		for (t = 0; t < json_object_array_length(tests); t++) {
			json_object *c = json_object_array_get_idx(tests, t);
			int want = json_object_get_boolean(json_get(c, "valid"));
			int got = schema_validate(s, json_get(c, "data"), where, sizeof where) == 0;

			cases++;
			if (got == want)
				passed++;
			else
				print_error("%s: \"%s\" / \"%s\": %s, expected %s (%s)\n", f->path,
				            desc, json_get_str(c, "description"),
				            got ? "valid" : "invalid", want ? "valid" : "invalid",
				            where);
			/* an invalid value always says where and why */
			if (!got && !where[0])
				fail_msg("%s: \"%s\": invalid without a message", f->path, desc);
		}
		schema_free(s);
	}
	json_object_put(groups);
	print_message("schema suite: %s: %zu of %zu cases (%zu skipped)\n", f->path, passed,
	              cases, skipped_n);
	total_cases += (int)cases;
	total_passed += (int)passed;
	total_skipped += (int)skipped_n;
	assert_int_equal(passed, cases);
}

/* ---- our messages ---- */

static void
expect_where(const char *schema, const char *value, const char *where_want)
{
	char err[ERRLEN], where[ERRLEN];
	json_object *doc = parse(schema), *v = parse(value);
	struct schema *s = schema_compile(doc, 0, err, sizeof err);

	if (!s)
		fail_msg("%s: %s", schema, err);
	assert_int_equal(schema_validate(s, v, where, sizeof where), -1);
	assert_string_equal(where, where_want);
	schema_free(s);
	json_object_put(doc);
	json_object_put(v);
}

static void
test_messages(void **state)
{
	(void)state;
	expect_where("{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":"
	             "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}}}",
	             "{\"items\":[{\"name\":\"a\"},{},{\"name\":3}]}",
	             "/items/2/name is a number, not a string");
	expect_where("{\"type\":\"object\"}", "[]", "(root) is an array, not an object");
	expect_where("{\"type\":[\"string\",\"integer\",\"null\"]}", "1.5",
	             "(root) is a number, not a string, an integer or null");
	expect_where("{\"required\":[\"a\",\"b/c\"]}", "{\"a\":1}", "/b~1c is missing (required)");
	expect_where("{\"additionalProperties\":false,\"properties\":{\"a\":{}}}",
	             "{\"a\":1,\"x~\":2}", "/x~0 is not allowed (additionalProperties is false)");
	expect_where("{\"maxLength\":2}", "\"\xc3\xa9t\xc3\xa9\"",
	             "(root) is 3 characters long, more than maxLength 2");
	expect_where("{\"$defs\":{\"n\":{\"minimum\":2}},\"prefixItems\":[{\"$ref\":\"#/$defs/n\"}]}",
	             "[1.5]", "/0 is 1.5, below the minimum 2");
	expect_where("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "1",
	             "(root) matches none of the schemas of anyOf (the first: (root) is a "
	             "number, not a string)");
	expect_where("{\"oneOf\":[{},true]}", "1", "(root) matches schemas 0 and 1 of oneOf, not one");
	expect_where("{\"pattern\":\"^a+$\"}", "\"aab\"",
	             "(root) does not match the pattern \"^a+$\"");
}

/* compile errors, each naming the place in the schema */
static void
test_compile_errors(void **state)
{
	static const struct {
		const char *schema, *err;
	} cases[] = {
		{"{\"$ref\":\"http://example.com/s.json\"}",
		 "at /$ref: remote $ref \"http://example.com/s.json\" is not supported: only refs "
		 "within the document (\"#/$defs/name\")"},
		{"{\"$ref\":\"other.json#/a\"}", NULL},
		{"{\"$ref\":\"#/$defs/none\"}", "at /$ref: $ref \"#/$defs/none\" leads nowhere in the schema"},
		{"{\"$ref\":\"#foo\"}", NULL},
		{"{\"properties\":{\"a\":{\"pattern\":\"(\"}}}", NULL},
		{"{\"type\":\"strin\"}", "at /type: \"strin\" is not a JSON Schema type"},
		{"{\"items\":[{}]}", NULL},
		{"{\"unevaluatedProperties\":false}",
		 "at /unevaluatedProperties: unevaluatedProperties is not supported (llm-schema(5))"},
		{"{\"minLength\":-1}", "at /minLength: minLength is a non-negative integer"},
		{"{\"multipleOf\":0}", "at /multipleOf: multipleOf is a number above 0"},
		{"{\"allOf\":[]}", "at /allOf: allOf is a non-empty array of schemas"},
		{"{\"properties\":{\"a\":1}}", "at /properties/a: a schema is an object or true or false"},
		{"[]", "at (root): a schema is an object or true or false"},
	};
	char err[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		json_object *doc = parse(cases[i].schema);

		assert_null(schema_compile(doc, 0, err, sizeof err));
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		else
			assert_true(strncmp(err, "at /", 4) == 0);
		json_object_put(doc);
	}
}

/* A $ref loop, and fan-out past any reasonable time, stop with a message
 * instead of running the stack out or running for ever. */
static void
test_limits(void **state)
{
	static const char *const loops[] = {
		"{\"$ref\":\"#\"}",
		"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},"
		"\"$ref\":\"#/$defs/a\"}",
		"{\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/a\"},{\"$ref\":\"#/$defs/a\"}]}},"
		"\"$ref\":\"#/$defs/a\"}",
		/* the loop under not, and under if: not taken for a verdict */
		"{\"not\":{\"$ref\":\"#\"}}",
		"{\"not\":{\"not\":{\"$ref\":\"#\"}}}",
		"{\"anyOf\":[{\"not\":{\"$ref\":\"#\"}}]}",
		"{\"if\":{\"$ref\":\"#\"},\"then\":true,\"else\":true}",
	};
	char err[ERRLEN], where[ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < N(loops); i++) {
		json_object *doc = parse(loops[i]), *v = parse("{\"a\":1}");
		struct schema *s = schema_compile(doc, 0, err, sizeof err);

		assert_non_null(s);
		assert_int_equal(schema_validate(s, v, where, sizeof where), -1);
		assert_non_null(strstr(where, "($ref loop?)"));
		schema_free(s);
		json_object_put(doc);
		json_object_put(v);
	}
}

static void
test_load(void **state)
{
	char path[4096], err[ERRLEN], where[ERRLEN];
	struct schema *s;
	json_object *v = parse("{\"id\":\"x\"}");

	snprintf(path, sizeof path, "%s/s.json", (char *)*state);
	assert_null(schema_load(path, 0, err, sizeof err));
	assert_non_null(strstr(err, "s.json"));
	assert_int_equal(atomic_write(path, "{\"required\":[\"n\"]} x", 21, 0, err, sizeof err), 0);
	assert_null(schema_load(path, 0, err, sizeof err));
	assert_non_null(strstr(err, "s.json: invalid JSON"));
	assert_int_equal(atomic_write(path, "{\"required\":[\"n\"]}", 18, 0, err, sizeof err), 0);
	s = schema_load(path, 0, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(schema_validate(s, v, where, sizeof where), -1);
	assert_string_equal(where, "/n is missing (required)");
	schema_free(s);
	json_object_put(v);
}

/* every skip names a group of the suite: none is left over from another
 * version of it */
static void
test_skips_used(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(skips); i++)
		if (!skip_used[i])
			fail_msg("skip of %s \"%s\" matches no group", skips[i].file, skips[i].group);
}

static int
report(void **state)
{
	(void)state;
	print_message("schema suite: %d of %d cases (%d skipped: not draft 2020-12)\n",
	              total_passed, total_cases, total_skipped);
	return 0;
}

int
main(void)
{
	struct CMUnitTest tests[N(files) + 5];
	static char names[N(files)][128];
	size_t i, n = 0;

	for (i = 0; i < N(files); i++) {
		snprintf(names[i], sizeof names[i], "suite %s", files[i].path);
		tests[n++] = (struct CMUnitTest){names[i], test_file, NULL, NULL,
		                                 (void *)&files[i]};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_skips_used);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_messages);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compile_errors);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limits);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_load, setup_dir,
	                                                                teardown_dir);
	return _cmocka_run_group_tests("schema", tests, n, NULL, report);
}
