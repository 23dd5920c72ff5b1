/* Unit tests for lib/json/jfield.c: what the field scanner accepts json-c
 * accepts too, the fields it finds by path, decoded lengths and numbers. */
#include <limits.h>
#include <math.h>

#include "unit.h"

#include "json/jfield.h"

static const struct {
	const char *text;
	int ok;
} strict[] = {
	{"{}", 1},
	{" \t{\"a\":\"x\",\"k\":[1,-2.5e+3,0,true,false,null,{\"b\":\"y\\n\"}]} \r\n", 1},
	{"{\"u\":\"\\u00e9\\ud83d\\ude00\\/\"}", 1},
	{"{\"a\":\"\xc3\xa9 UTF-8 as it is\"}", 1},
	{"{\"long\":\"0123456789abcdef0123456789abcdef\\\"quoted\\\" tail\"}", 1},
	{"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 1},
	{"", 0},
	{"[1]", 0},
	{"\"s\"", 0},
	{"{} {}", 0},
	{"{\"a\":1,}", 0},
	{"{\"a\" 1}", 0},
	{"{a:1}", 0},
	{"{'a':1}", 0},
	{"{\"a\":01}", 0},
	{"{\"a\":1.}", 0},
	{"{\"a\":.5}", 0},
	{"{\"a\":+1}", 0},
	{"{\"a\":1e}", 0},
	{"{\"a\":-}", 0},
	{"{\"a\":tru}", 0},
	{"{\"a\":NaN}", 0},
	{"{\"a\":\"tab\there, past sixteen bytes\"}", 0},
	{"{\"a\":\"\\x\"}", 0},
	{"{\"a\":\"\\u12G4\"}", 0},
	{"{\"a\":\"open, and longer than sixteen bytes}", 0},
	{"{\"a\":[1,2}", 0},
	{"{\"a\":1", 0},
	{"{\"a\":1}x", 0},
};

static void
test_strict(void **state)
{
	struct jfield_spec *sp = jfield_spec_new();
	struct jfield f[2];
	size_t i;

	(void)state;
	jfield_spec_add(sp, "a");
	for (i = 0; i < N(strict); i++) {
		const char *t = strict[i].text;
		char err[ERRLEN];
		json_object *v;
		int ok = jfield_scan(sp, t, strlen(t), f);

		if (ok != strict[i].ok)
			fail_msg("case %zu '%s': %d", i, t, ok);
		/* never more lenient than json-c */
		v = json_parse(t, strlen(t), err, sizeof err);
		if (ok && (!v || !json_object_is_type(v, json_type_object)))
			fail_msg("case %zu: jfield accepts what json-c refuses: %s", i, err);
		json_object_put(v);
	}
	/* at json-c's depth limit: what json-c says */
	{
		struct buf b = {0};

		for (i = 0; i < N_NEST; i++) {
			nested(&b, (int)i);
			if (jfield_scan(sp, b.data, b.len, f) != json_c_takes(b.data, b.len))
				fail_msg("nested text %zu: jfield and json-c differ", i);
		}
		buf_free(&b);
	}
	/* deeper than JSCAN_DEPTH: refused, not a crash */
	{
		struct buf deep = {0};

		buf_adds(&deep, "{\"a\":");
		for (i = 0; i < 100000; i++)
			buf_add(&deep, "[", 1);
		assert_int_equal(jfield_scan(sp, deep.data, deep.len, f), 0);
		buf_free(&deep);
	}
	jfield_spec_free(sp);
}

static void
test_paths(void **state)
{
	const char *t = "{\"id\":\"x\\u0031\",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3.0},"
	                "\"meta\":{\"query_id\":7},\"list\":[{\"id\":\"not me\"}],\"cached\":true,"
	                "\"m\\u0065ta\":{\"model\":\"esc\"},\"usage\":{\"prompt_tokens\":13},\"n\":null}";
	struct jfield_spec *sp = jfield_spec_new();
	int id = jfield_spec_add(sp, "id"), pt = jfield_spec_add(sp, "usage.prompt_tokens");
	int ct = jfield_spec_add(sp, "usage.completion_tokens"), q = jfield_spec_add(sp, "meta.query_id");
	int c = jfield_spec_add(sp, "cached"), mm = jfield_spec_add(sp, "meta.model");
	int n = jfield_spec_add(sp, "n"), missing = jfield_spec_add(sp, "meta.nothing");
	int meta = jfield_spec_add(sp, "meta");
	struct jfield f[16];
	struct buf b = {0};
	long long v;

	(void)state;
	assert_int_equal(jfield_spec_add(sp, "usage.prompt_tokens"), pt);
	assert_int_equal(jfield_spec_add(sp, ""), -1);
	assert_int_equal(jfield_spec_add(sp, "a..b"), -1);
	assert_int_equal(jfield_spec_count(sp), 9);
	assert_int_equal(jfield_scan(sp, t, strlen(t), f), 1);
	assert_int_equal(f[id].type, JF_STRING);
	assert_int_equal(f[id].escaped, 1);
	assert_int_equal(jfield_string(&f[id], &b), 0);
	assert_string_equal(b.data, "x1");
	/* the key written twice: the last one, all of it, as in json-c
	 * (found by fuzz_jfield: usage.completion_tokens and meta.query_id
	 * were taken from the first "usage" and "meta", which json-c drops) */
	assert_int_equal(jfield_llong(&f[pt], &v), 0);
	assert_int_equal(v, 13);
	assert_int_equal(f[ct].type, JF_NONE);
	assert_int_equal(f[q].type, JF_NONE);
	assert_int_equal(f[c].type, JF_TRUE);
	/* an escaped key is matched decoded */
	assert_int_equal(f[mm].type, JF_STRING);
	assert_int_equal(f[meta].type, JF_OBJECT);
	assert_int_equal(f[n].type, JF_NULL);
	assert_int_equal(f[missing].type, JF_NONE);
	assert_int_equal(jfield_llong(&f[missing], &v), -1);
	assert_int_equal(jfield_string(&f[pt], &b), -1);
	buf_free(&b);
	jfield_spec_free(sp);
}

/* jfield_strlen is the length jfield_string decodes, and json-c's. */
static void
test_strlen(void **state)
{
	static const char *const raws[] = {
		"plain",
		"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t",
		"\\u00e9\\u20ac\\ud83d\\ude00 x\\u0041",
		"caf\xc3\xa9 \\n and a long run of plain bytes past sixteen",
	};
	struct jfield_spec *sp = jfield_spec_new();
	struct buf doc = {0}, out = {0};
	struct jfield f[1];
	size_t i;

	(void)state;
	jfield_spec_add(sp, "s");
	for (i = 0; i < N(raws); i++) {
		char err[ERRLEN];
		json_object *v;

		buf_reset(&doc);
		buf_addf(&doc, "{\"s\":\"%s\"}", raws[i]);
		v = json_parse(doc.data, doc.len, err, sizeof err);
		assert_non_null(v);
		assert_int_equal(jfield_scan(sp, doc.data, doc.len, f), 1);
		buf_reset(&out);
		assert_int_equal(jfield_string(&f[0], &out), 0);
		assert_int_equal(out.len, (size_t)json_object_get_string_len(json_get(v, "s")));
		assert_int_equal(jfield_strlen(&f[0]), out.len);
		json_object_put(v);
	}
	buf_free(&doc);
	buf_free(&out);
	jfield_spec_free(sp);
}

static void
test_numbers(void **state)
{
	static const struct {
		const char *text;
		double d;
		long long ll;
	} cases[] = {
		{"{\"x\":0}", 0, 0},
		{"{\"x\":-12}", -12, -12},
		{"{\"x\":412.75}", 412.75, 412},
		{"{\"x\":1e3}", 1000, 1000},
		{"{\"x\":9007199254740993}", 9007199254740992.0, 9007199254740993LL},
		{"{\"x\":1.0000000000000000000000000000000000000000000000000000000000000000001}", 1, 1},
		/* past long long: held at its ends, as json-c's get_int64 holds them
		 * (they were held at 9.2e18, short of json-c's) */
		{"{\"x\":9.21e18}", 9.21e18, 9210000000000000000LL},
		{"{\"x\":1e19}", 1e19, LLONG_MAX},
		{"{\"x\":-1e19}", -1e19, LLONG_MIN},
		{"{\"x\":1e999}", HUGE_VAL, LLONG_MAX},
	};
	struct jfield_spec *sp = jfield_spec_new();
	struct jfield f[1];
	size_t i;

	(void)state;
	jfield_spec_add(sp, "x");
	for (i = 0; i < N(cases); i++) {
		double d;
		long long ll;
		json_object *o;

		assert_int_equal(jfield_scan(sp, cases[i].text, strlen(cases[i].text), f), 1);
		assert_int_equal(jfield_double(&f[0], &d), 0);
		assert_true(d == cases[i].d);
		assert_int_equal(jfield_llong(&f[0], &ll), 0);
		assert_int_equal(ll, cases[i].ll);
		/* the number json-c gives for the same text */
		o = json_tokener_parse(cases[i].text);
		assert_non_null(o);
		assert_int_equal(json_object_get_int64(json_get(o, "x")), ll);
		json_object_put(o);
	}
	jfield_spec_free(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_strlen),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
