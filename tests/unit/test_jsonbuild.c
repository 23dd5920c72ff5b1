/* Unit tests for lib/json/jsonbuild.c: json_build() makes the tree json-c's
 * parser makes (written out byte for byte the same), and hands on, with
 * no tree, every text it does not read exactly as json-c: those listed,
 * and random texts from a fixed seed. */
#include "unit.h"

/* Build s both ways; 1 when json_build took it. */
static int
both(const char *s, size_t n)
{
	json_object *b = NULL, *v = NULL;
	struct buf x = {0}, y = {0};
	char err[ERRLEN];
	int took = json_build(s, n, &b);

	if (!took) {
		if (b)
			fail_msg("'%.*s': handed on with a tree", (int)n, s);
		return 0;
	}
	if (json_parse_c(s, n, &v, err, sizeof err) < 0)
		fail_msg("'%.*s': built, but json-c says %s", (int)n, s, err);
	if (json_object_get_type(b) != json_object_get_type(v) ||
	    strcmp(json_line(b, &x), json_line(v, &y)) != 0)
		fail_msg("'%.*s': built %s, json-c %s", (int)n, s, x.data, y.data);
	json_object_put(b);
	json_object_put(v);
	buf_free(&x);
	buf_free(&y);
	return 1;
}

static const struct {
	int take;
	const char *text;
} texts[] = {
	{1, "{}"}, {1, "[]"}, {1, "null"}, {1, "true"}, {1, "false"}, {1, "0"}, {1, "-1"},
	{1, "123456789012345678"}, {1, "-123456789012345678"}, {1, "1.50"}, {1, "-0.0"},
	{1, "1E-7"}, {1, "2e+3"}, {1, "0.1e1"}, {1, "\"\""}, {1, " \t\r\n{ } \n"},
	{1, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
	    "\"temperature\":0.7,\"max_tokens\":100,\"stream\":false,\"stop\":null}"},
	{1, "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 \\u0000 caf\xc3\xa9\""},
	{1, "\"\xff\xfe bytes json-c keeps\""},
	/* a key again: the last value, in the first one's place */
	{1, "{\"a\":1,\"b\":[2],\"a\":{\"c\":3}}"},
	{1, "{\"\":0,\"k\":[[],{},[{}],\"s\",1,2.5,true,null]}"},
	{1, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"},	/* 29 deep */
	/* handed on */
	{0, "-0"}, {0, "1234567890123456789"}, {0, "1e999"}, {0, "{\"k\\u0041\":1}"},
	{0, "\"\\ud800\""}, {0, "\"\\udc00x\""}, {0, "NaN"}, {0, "[1,]"}, {0, "{\"a\" 1}"},
	{0, "01"}, {0, "1."}, {0, ".5"}, {0, "+1"}, {0, "tru"}, {0, "{} {}"}, {0, ""}, {0, " "},
	{0, "\"a\nb\""}, {0, "\"\\x\""}, {0, "[1 2]"}, {0, "{\"a\":1"},
	{0, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"},
	{0, "{\"a_key_longer_than_the_128_bytes_json_build_keeps_on_its_stack____________"
	    "________________________________________________________________\":1}"},
};

static void
test_texts(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof *texts; i++)
		if (both(texts[i].text, strlen(texts[i].text)) != texts[i].take)
			fail_msg("'%s': %s", texts[i].text, texts[i].take ? "handed on" : "built");
	/* at json-c's depth limit: built when json-c takes it */
	for (i = 0; i < N_NEST; i++) {
		nested(&b, (int)i);
		if (both(b.data, b.len) != json_c_takes(b.data, b.len))
			fail_msg("nested text %zu: %s", i, b.data);
	}
	buf_free(&b);
}

/* A random JSON text (or, now and then, a broken one) from seed. */
static void
random_text(unsigned *seed, struct buf *b, int depth)
{
	static const char *const atoms[] = {
		"0", "-7", "42", "3.25", "-1e3", "6E-2", "1.0", "true", "false", "null",
		"\"\"", "\"plain\"", "\"tab\\tnew\\nline\"", "\"\\u00e9\\u4e2d\"",
		"\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"q\\\"b\\\\s\\/\"", "99999999999999999999",
		"-0", "NaN", ",", "]", "\"\xc3\xa9\"",
	};
	static const char *const spaces[] = {"", "", " ", "\n", "\t ", "\r\n"};
	unsigned r = (unsigned)rand_r(seed);
	int i, n;

	buf_adds(b, spaces[r % 6]);
	if (depth <= 0 || r % 3 == 0) {
		buf_adds(b, atoms[(unsigned)rand_r(seed) % (sizeof atoms / sizeof *atoms)]);
	} else if (r % 3 == 1) {
		n = rand_r(seed) % 4;
		buf_add(b, "[", 1);
		for (i = 0; i < n; i++) {
			if (i)
				buf_add(b, ",", 1);
			random_text(seed, b, depth - 1);
		}
		buf_add(b, "]", 1);
	} else {
		n = rand_r(seed) % 4;
		buf_add(b, "{", 1);
		for (i = 0; i < n; i++) {
			if (i)
				buf_add(b, ",", 1);
			buf_addf(b, "\"k%d\":", rand_r(seed) % 4);
			random_text(seed, b, depth - 1);
		}
		buf_add(b, "}", 1);
	}
	buf_adds(b, spaces[(unsigned)rand_r(seed) % 6]);
}

static void
test_random_texts(void **state)
{
	unsigned seed = 7493;
	struct buf b = {0};
	int i, took = 0;

	(void)state;
	for (i = 0; i < 5000; i++) {
		buf_reset(&b);
		random_text(&seed, &b, 5);
		took += both(b.data, b.len);
	}
	buf_free(&b);
	/* both kinds were tried */
	if (took < 500 || took > 4500)
		fail_msg("%d of 5000 texts built", took);
}

/* A text that ends inside "\ud800\u" once left json-c's tokener holding
 * the high surrogate: the next text's first \u escape came out with a
 * U+FFFD before it (json_tokener_renew). */
static void
test_after_a_half_escape(void **state)
{
	const char *bad[] = {"{\"a\":\"\\ud800\\u", "[\"\\ud800\\u00\"]"};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *good = "{\"k\\u0aa2a\":\"\\u00e9\"}";
		json_object *o = NULL;

		assert_int_equal(json_parse_any(bad[i], strlen(bad[i]), &o, err, sizeof err), -1);
		assert_null(o);
		assert_int_equal(json_parse_any(good, strlen(good), &o, err, sizeof err), 0);
		assert_non_null(o);
		assert_string_equal(json_get_str(o, "k\xe0\xaa\xa2" "a"), "\xc3\xa9");
		json_object_put(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_random_texts),
		cmocka_unit_test(test_after_a_half_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
