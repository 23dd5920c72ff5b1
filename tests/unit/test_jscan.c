/* Unit tests for lib/json/jscan.c: what the quick scanner accepts json-c
 * accepts too, the strings it reports, and the decoding of escapes. */
#include "unit.h"

#include "json/jfield.h"
#include "json/jscan.h"

/* The strings reported, each as "raw|escaped;". */
static int
collect(void *arg, const char *raw, size_t len, int escaped)
{
	struct buf *b = arg;

	buf_add(b, raw, len);
	buf_addf(b, "|%d;", escaped);
	return 0;
}

static const struct {
	const char *text;
	int ok;
	const char *strings;	/* when ok */
} cases[] = {
	{"{}", 1, ""},
	{" \t{\"a\":\"x\",\"k\":[1,-2.5e+3,0,true,false,null,{\"b\":\"y\\n\"}]} \r\n", 1, "x|0;y\\n|1;"},
	{"{\"key only, no values\":{}}", 1, ""},
	{"{\"u\":\"\\u00e9\\ud83d\\ude00\\/\"}", 1, "\\u00e9\\ud83d\\ude00\\/|1;"},
	{"{\"a\":\"\xc3\xa9 UTF-8 as it is\"}", 1, "\xc3\xa9 UTF-8 as it is|0;"},
	{"{\"long\":\"0123456789abcdef0123456789abcdef\\\"quoted\\\" tail\"}", 1,
	 "0123456789abcdef0123456789abcdef\\\"quoted\\\" tail|1;"},
	/* not one object */
	{"", 0, NULL},
	{"[1]", 0, NULL},
	{"\"s\"", 0, NULL},
	{"{} {}", 0, NULL},
	{"{\"a\":1,}", 0, NULL},
	{"{\"a\" 1}", 0, NULL},
	{"{a:1}", 0, NULL},
	{"{'a':1}", 0, NULL},
	{"{\"a\":01}", 0, NULL},
	{"{\"a\":1.}", 0, NULL},
	{"{\"a\":.5}", 0, NULL},
	{"{\"a\":+1}", 0, NULL},
	{"{\"a\":1e}", 0, NULL},
	{"{\"a\":-}", 0, NULL},
	{"{\"a\":tru}", 0, NULL},
	{"{\"a\":NaN}", 0, NULL},
	{"{\"a\":\"tab\there\"}", 0, NULL},
	{"{\"a\":\"\\x\"}", 0, NULL},
	{"{\"a\":\"\\u12G4\"}", 0, NULL},
	{"{\"a\":\"open}", 0, NULL},
	{"{\"a\":[1,2}", 0, NULL},
	{"{\"a\":1", 0, NULL},
	{"{\"a\":1}x", 0, NULL},
	{"{\"a\":1}\0", 0, NULL},
	/* deeper than JSCAN_DEPTH: left to json-c */
	{"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, NULL},
};

static void
test_scan(void **state)
{
	struct buf got = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		size_t n = strlen(cases[i].text);
		char err[ERRLEN];
		json_object *v;
		int ok;

		if (i == N(cases) - 2)
			n++;	/* the one with a NUL inside */
		buf_reset(&got);
		buf_adds(&got, "");
		ok = jfield_walk(cases[i].text, n, collect, &got);
		if (ok != cases[i].ok)
			fail_msg("case %zu '%s': %d", i, cases[i].text, ok);
		if (ok)
			assert_string_equal(got.data, cases[i].strings);
		/* never more lenient than json-c */
		v = json_parse(cases[i].text, n, err, sizeof err);
		if (ok && (!v || !json_object_is_type(v, json_type_object)))
			fail_msg("case %zu: jscan accepts what json-c refuses: %s", i, err);
		/* a NUL after the value is text there, not white space */
		if (i == N(cases) - 2 && (v || strcmp(err, "unexpected text after the JSON value at byte 7")))
			fail_msg("case %zu: %s", i, v ? "taken" : err);
		json_object_put(v);
	}
	/* at json-c's depth limit: what json-c says */
	for (i = 0; i < N_NEST; i++) {
		nested(&got, (int)i);
		if (jfield_walk(got.data, got.len, collect, &got) != json_c_takes(got.data, got.len))
			fail_msg("nested text %zu: jscan and json-c differ", i);
	}
	buf_free(&got);
}

static int
stop_at_b(void *arg, const char *raw, size_t len, int escaped)
{
	(void)arg;
	(void)escaped;
	return len == 1 && raw[0] == 'b';
}

static void
test_stop(void **state)
{
	const char *a = "{\"x\":\"a\",\"y\":[\"b\"]}", *b = "{\"b\":\"a\",\"y\":[\"c\"]}";

	(void)state;
	assert_int_equal(jfield_walk(a, strlen(a), stop_at_b, NULL), 0);
	/* a key "b" is no value: the walk goes through */
	assert_int_equal(jfield_walk(b, strlen(b), stop_at_b, NULL), 1);
}

/* jscan_decode gives what json-c gives. */
static void
test_decode(void **state)
{
	static const char *const raws[] = {
		"plain",
		"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t",
		"\\u00e9\\u20ac\\ud83d\\ude00 x",
		"\\u0041\\u0000z",
	};
	struct buf doc = {0}, out = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(raws); i++) {
		char err[ERRLEN];
		json_object *v;

		buf_reset(&doc);
		buf_addf(&doc, "\"%s\"", raws[i]);
		v = json_parse(doc.data, doc.len, err, sizeof err);
		assert_non_null(v);
		buf_reset(&out);
		assert_int_equal(jscan_decode(raws[i], strlen(raws[i]), &out), 0);
		assert_int_equal(out.len, (size_t)json_object_get_string_len(v));
		assert_memory_equal(out.data, json_object_get_string(v), out.len);
		json_object_put(v);
	}
	/* lone surrogates: left to json-c */
	assert_int_equal(jscan_decode("\\ud83d x", 8, &out), -1);
	assert_int_equal(jscan_decode("\\ude00", 6, &out), -1);
	buf_free(&doc);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
