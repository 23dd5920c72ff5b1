/* Unit tests for lib/json/jsonwrite.c: json_line writes what json-c's own
 * writer writes (PLAIN | NOSLASHESCAPE), and json_pretty what it writes
 * with PRETTY | SPACED | NOSLASHESCAPE, byte for byte, for every kind of
 * value, every byte in a string and random trees; the piece-by-piece
 * writer (struct jw) writes what json_line writes of the same tree.  Where
 * a string is not UTF-8, json-c writes its bytes and json_line U+FFFD
 * for each invalid piece (test_replacement states those bytes). */
#include <math.h>

#include "base/utf8.h"
#include "unit.h"

static const char *
jsonc(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                         JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* json-c's text s with each invalid piece made U+FFFD, a byte at a time
 * (json-c's escapes are ASCII, so they stay as they are). */
static void
fffd(struct buf *out, const char *s)
{
	const char *p = s, *end = s + strlen(s);

	buf_reset(out);
	while (p < end) {
		size_t k = utf8_char_len(p, end);

		if (k) {
			buf_add(out, p, k);
			p += k;
		} else {
			buf_add(out, "\xef\xbf\xbd", 3);
			p += utf8_bad_len(p, end);
		}
	}
}

static void
same(json_object *o)
{
	struct buf b = {0}, want = {0};

	fffd(&want, jsonc(o));
	json_line(o, &b);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, b.len);
	fffd(&want, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                              JSON_C_TO_STRING_SPACED |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	json_pretty(o, &b);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, b.len);
	buf_free(&b);
	buf_free(&want);
}

/* Invalid UTF-8 is written U+FFFD, one for each maximal subpart
 * (Unicode 15, 3.9 "U+FFFD Substitution of Maximal Subparts", as the
 * WHATWG decoder does); valid characters pass as they are, also where
 * one spans the writer's 4 KB pieces. */
static void
test_replacement(void **state)
{
#define R "\xef\xbf\xbd"
	static const struct {
		const char *in, *want;
	} t[] = {
		{"a\xff" "b", "\"a" R "b\""},
		{"\xe2\x82", "\"" R "\""},			/* 3-byte cut short */
		{"\xe2\x82z", "\"" R "z\""},
		{"\xf0\x9f\x98", "\"" R "\""},		/* 4-byte cut short */
		{"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
		{"\xf0\x9f\x98" "A", "\"" R "A\""},
		{"\xc0\xaf", "\"" R R "\""},			/* overlong */
		{"\xe0\x80\xaf", "\"" R R R "\""},
		{"\xed\xa0\x80", "\"" R R R "\""},		/* surrogate */
		{"\xf4\x90\x80\x80", "\"" R R R R "\""},	/* past U+10FFFF */
		{"\x80\xbf", "\"" R R "\""},
		{"\xf1\x80\x80\xe1\x80\xc2", "\"" R R R "\""},
		{"\xc3\xa9\xfe\n\xe2\x80\x94", "\"\xc3\xa9" R "\\n\xe2\x80\x94\""},
		{"\xf5\xf8\xff", "\"" R R R "\""},
	};
#undef R
	struct buf b = {0};
	size_t i, n = 4096 + 8;
	char *s = emalloc(n);

	(void)state;
	for (i = 0; i < sizeof t / sizeof *t; i++) {
		buf_reset(&b);
		json_quote(&b, t[i].in, strlen(t[i].in));
		assert_string_equal(b.data, t[i].want);
	}
	/* a valid 4-byte character and then a cut one across the seam */
	memset(s, 'a', n);
	memcpy(s + 4094, "\xf0\x9f\x98\x80", 4);
	memcpy(s + 4098, "\xf0\x9f\x98", 3);
	buf_reset(&b);
	json_quote(&b, s, n);
	assert_int_equal(b.len, 1 + 4094 + 4 + 3 + 3 + 1);
	assert_memory_equal(b.data + 4095, "\xf0\x9f\x98\x80\xef\xbf\xbd" "aaa", 10);
	assert_int_equal(utf8_invalid_at(b.data, b.len), b.len);
	free(s);
	buf_free(&b);
}

static void
test_texts(void **state)
{
	static const char *const texts[] = {
		"{}", "[]", "null", "true", "false", "0", "-1", "9223372036854775807",
		"-9223372036854775808", "18446744073709551615", "1.5", "-0.0", "1e300",
		"0.1", "1E-7", "\"\"", "\"a/b\"", "\"\\u00e9\\ud83d\\ude00 caf\xc3\xa9\"",
		"{\"a\":[1,2,{\"b\":null}],\"c\":{\"d\":\"e\\n\\t\\\"\\\\\"},\"f\":[]}",
		"{\"k\\u0001\\\"ey\":\"v\",\"\":0}", "[[[[]]],{},[{}]]",
		"{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
		"\"temperature\":0.7,\"max_tokens\":100}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		json_object *o;
		char err[ERRLEN];

		assert_int_equal(json_parse_any(texts[i], strlen(texts[i]), &o, err, sizeof err), 0);
		same(o);
		json_object_put(o);
	}
	/* values made in code, not parsed */
	{
		json_object *o = json_object_new_object();

		json_set(o, "null", NULL);
		json_set(o, "big", json_object_new_uint64(UINT64_MAX));
		json_set(o, "max", json_object_new_int64(INT64_MAX));
		json_set(o, "d", json_double_text(0.7, "0.70"));
		json_set(o, "x", json_object_new_double(2.0));
		json_set(o, "s", json_object_new_string_len("nul\0in", 6));
		same(o);
		json_object_put(o);
	}
}

/* Every byte value, alone and among plain text. */
static void
test_every_byte(void **state)
{
	char s[3];
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		json_object *o;

		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'z';
		o = json_object_new_string_len(s, 3);
		same(o);
		json_object_put(o);
		o = json_object_new_string_len(s + 1, 1);
		same(o);
		json_object_put(o);
	}
}

/* A string longer than a piece of the writer, escapes across the seams. */
static void
test_long_string(void **state)
{
	size_t n = 3 * 4096 + 17, i;
	char *s = emalloc(n);
	json_object *o;

	(void)state;
	for (i = 0; i < n; i++)
		s[i] = i % 4095 == 0 ? '\n' : i % 7 == 0 ? '"' : (char)('a' + i % 26);
	o = json_object_new_string_len(s, (int)n);
	same(o);
	json_object_put(o);
	free(s);
}

/* Random trees from a fixed seed. */
static json_object *
tree(unsigned *seed, int depth)
{
	int kind = (int)(rand_r(seed) % (depth > 0 ? 8 : 6));
	char s[12];
	int i, n;
	json_object *o;

	switch (kind) {
	case 0: return NULL;
	case 1: return json_object_new_boolean(rand_r(seed) & 1);
	case 2: return json_object_new_int64((int64_t)rand_r(seed) - RAND_MAX / 2);
	case 3: return json_object_new_double((double)rand_r(seed) / 7.0);
	case 4:
	case 5:
		n = (int)(rand_r(seed) % sizeof s);
		for (i = 0; i < n; i++)
			s[i] = (char)(rand_r(seed) % 255 + 1);
		return json_object_new_string_len(s, n);
	case 6:
		o = json_object_new_array();
		n = (int)(rand_r(seed) % 5);
		for (i = 0; i < n; i++)
			json_object_array_add(o, tree(seed, depth - 1));
		return o;
	default:
		o = json_object_new_object();
		n = (int)(rand_r(seed) % 5);
		for (i = 0; i < n; i++) {
			snprintf(s, sizeof s, "k%d\n", (int)(rand_r(seed) % 10));
			json_set(o, s, tree(seed, depth - 1));
		}
		return o;
	}
}

static void
test_random_trees(void **state)
{
	unsigned seed = 8785;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		json_object *o = tree(&seed, 4);

		same(o);
		json_object_put(o);
	}
}

/* The one place json_line parts from json-c: a double with no JSON
 * spelling, made in code, is written null (json-c writes NaN, Infinity);
 * a number too large for a double, read from text, keeps that text. */
static void
test_nonfinite(void **state)
{
	json_object *o = json_object_new_array(), *big;
	struct buf b = {0};
	char err[ERRLEN];

	(void)state;
	json_object_array_add(o, json_object_new_double(NAN));
	json_object_array_add(o, json_object_new_double(INFINITY));
	json_object_array_add(o, json_object_new_double(-INFINITY));
	assert_int_equal(json_parse_any("[1e999,-1E400]", 14, &big, err, sizeof err), 0);
	json_object_array_add(o, big);
	assert_string_equal(json_line(o, &b), "[null,null,null,[1e999,-1E400]]");
	json_object_put(o);
	buf_free(&b);
}

/* The piece-by-piece writer: commas, nesting, strings quoted, numbers,
 * raw values, trees and strings written apart; the text is JSON. */
static void
test_jw(void **state)
{
	static const char want[] =
		"{\"id\":\"a\\\"b\",\"n\":[-12,0,9223372036854775807,null,[],{}],"
		"\"raw\":{\"k\":1},\"tree\":[true,\"x/y\"],\"apart\":\"xxx\",\"f\":1.250,"
		"\"e\":\"\"}";
	struct buf b = {0};
	struct jw w;
	json_object *o;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(json_parse_any("[true,\"x/y\"]", 12, &o, err, sizeof err), 0);
	jw_start(&w, &b);
	jw_open(&w, '{');
	jw_key(&w, "id");
	jw_strz(&w, "a\"b");
	jw_key(&w, "n");
	jw_open(&w, '[');
	jw_int(&w, -12);
	jw_int(&w, 0);
	jw_int(&w, INT64_MAX);
	jw_null(&w);
	jw_open(&w, '[');
	jw_close(&w, ']');
	jw_open(&w, '{');
	jw_close(&w, '}');
	jw_close(&w, ']');
	jw_key(&w, "raw");
	jw_raw(&w, "{\"k\":1}", 7);
	jw_key(&w, "tree");
	jw_tree(&w, o);
	jw_key(&w, "apart");
	jw_str_open(&w);
	buf_adds(&b, "xxx");
	jw_str_close(&w);
	jw_key(&w, "f");
	jw_fixed(&w, 1.25, 3);
	jw_key(&w, "e");
	jw_str(&w, "", 0);
	jw_close(&w, '}');
	assert_string_equal(b.data, want);
	json_object_put(o);
	assert_int_equal(json_parse_any(b.data, b.len, &o, err, sizeof err), 0);
	json_object_put(o);
	buf_free(&b);
}

/* json-c reads NaN and Infinity; json_parse_any refuses them, wherever
 * they sit, but not the same letters in a string. */
static void
test_parse_refuses_nonfinite(void **state)
{
	static const char *const bad[] = {
		"NaN", "Infinity", "-Infinity", "[1,NaN]", "{\"a\":{\"b\":[Infinity]}}",
		"{\"t\":-Infinity,\"s\":\"x\"}",
	};
	static const char *const good[] = {
		"\"NaN\"", "{\"NaN\":\"Infinity\"}", "[1e999]", "{\"NaN\":1,\"x\":\"-Infinity\"}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_object *o = NULL;
		char err[ERRLEN] = "";

		assert_int_equal(json_parse_any(bad[i], strlen(bad[i]), &o, err, sizeof err), -1);
		assert_null(o);
		assert_string_equal(err, "NaN and Infinity are not JSON numbers");
	}
	for (i = 0; i < sizeof good / sizeof *good; i++) {
		json_object *o = NULL;
		char err[ERRLEN] = "";

		assert_int_equal(json_parse_any(good[i], strlen(good[i]), &o, err, sizeof err), 0);
		same(o);
		json_object_put(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_random_trees),
		cmocka_unit_test(test_nonfinite),
		cmocka_unit_test(test_jw),
		cmocka_unit_test(test_parse_refuses_nonfinite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
