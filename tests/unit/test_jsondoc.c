/* Unit tests for lib/json/ijson.c, lib/json/jsondoc.c and lib/json/jpath.c: the I-JSON
 * checks json-c does not make, documents one a line or spread over lines,
 * and the path subset of llm-hash --field. */
#include <unistd.h>

#include "unit.h"

#include "json/canon.h"
#include "json/jpath.h"
#include "json/jsondoc.h"

/* Every document of text, one line each: its canonical form, or
 * "LINE! message" for a bad one. */
static void
read_docs(const char *text, struct buf *res)
{
	struct doc_reader d;
	char err[ERRLEN];
	json_object *doc;
	enum rec_status st;
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fd[1]);
	doc_reader_init(&d, fd[0], "t");
	buf_reset(res);
	while ((st = doc_next(&d, &doc, err, sizeof err)) != REC_EOF) {
		if (st == REC_OK) {
			assert_int_equal(canon_json(doc, res, err, sizeof err), 0);
			json_object_put(doc);
		} else {
			assert_int_equal(st, REC_BAD);
			buf_addf(res, "%ld! %s", d.first, err);
		}
		buf_add(res, "\n", 1);
	}
	doc_reader_free(&d);
	close(fd[0]);
}

static const struct {
	const char *in;
	const char *out;
} doc_cases[] = {
	/* NDJSON, blank lines passed over, CRLF */
	{"{\"b\":1,\"a\":2}\n\n[1, 2]\r\n\"s\"\n", "{\"a\":2,\"b\":1}\n[1,2]\n\"s\"\n"},
	/* scalars, and null, one a line; the last line without a newline */
	{"1\nnull\ntrue\n-0.0\n2.50", "1\nnull\ntrue\n0\n2.5\n"},
	/* a pretty-printed document, then another on one line */
	{"{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": null\n}\n{\"c\":3}\n",
	 "{\"a\":null,\"b\":[1,2]}\n{\"c\":3}\n"},
	/* a bad line costs itself only */
	{"{\"a\":1}\nnot json\n{\"b\":2}\n",
	 "{\"a\":1}\n2! t:2: invalid JSON: null expected at byte 1\n{\"b\":2}\n"},
	/* a line cut short, and the next line starts a new document */
	{"{\"a\":1\n{\"b\":2}\n", "1! t:1: invalid JSON: the document ends unfinished\n{\"b\":2}\n"},
	/* ... and at the end of the input */
	{"{\"a\":1}\n[1,\n", "{\"a\":1}\n2! t:2: invalid JSON: the document ends unfinished\n"},
	/* two values on a line */
	{"{\"a\":1} {\"b\":2}\n", "1! t:1: invalid JSON: unexpected character at byte 8\n"},
	/* I-JSON: lone surrogates, not UTF-8, raw control characters */
	{"[\"\\ud800\"]\n", "1! t:1: invalid JSON: lone surrogate \\ud800 in a string at byte 2\n"},
	{"[\"\\udc00\\ud800\"]\n", "1! t:1: invalid JSON: lone surrogate \\udc00 in a string at byte 2\n"},
	{"[\"\\ud800x\"]\n", "1! t:1: invalid JSON: lone surrogate \\ud800 in a string at byte 2\n"},
	{"[\"\\uD83D\\u0041\"]\n", "1! t:1: invalid JSON: lone surrogate \\ud83d in a string at byte 2\n"},
	{"[\"\\ud83d\\ude00\",\"\xf0\x9f\x98\x80\"]\n", "[\"\xf0\x9f\x98\x80\",\"\xf0\x9f\x98\x80\"]\n"},
	{"[\"\xff\"]\n", "1! t:1: invalid JSON: invalid UTF-8 in a string at byte 2\n"},
	{"[\"\xc0\xaf\"]\n", "1! t:1: invalid JSON: invalid UTF-8 in a string at byte 2\n"},
	{"[\"\xed\xa0\x80\"]\n", "1! t:1: invalid JSON: invalid UTF-8 in a string at byte 2\n"},
	{"[\"\xf4\x90\x80\x80\"]\n", "1! t:1: invalid JSON: invalid UTF-8 in a string at byte 2\n"},
	{"[\"\xe2\x82\"]\n", "1! t:1: invalid JSON: invalid UTF-8 in a string at byte 2\n"},
	{"[\"a\tb\"]\n", "1! t:1: invalid JSON: control character U+0009 in a string at byte 3\n"},
	{"[\"a\nb\"]\n",
	 "1! t:1: invalid JSON: string not closed on its line\n"
	 "2! t:2: invalid JSON: string not closed on its line\n"},
	/* I-JSON: a member name twice, at any depth */
	{"{\"a\":1,\"a\":2}\n", "1! t:1: invalid JSON: an object has a member name twice\n"},
	{"[{\"x\":{}},{\"y\":[{\"k\":1,\"k\":{\"z\":1}}]}]\n",
	 "1! t:1: invalid JSON: an object has a member name twice\n"},
	{"{\"a\":{\"a\":1},\"b\":{\"a\":2}}\n", "{\"a\":{\"a\":1},\"b\":{\"a\":2}}\n"},
	{"{\n\"a\":1,\n\"a\":2\n}\n", "1! t:1: invalid JSON: an object has a member name twice\n"},
	/* integers past 64 bits are the doubles they denote, not clamped */
	{"[99999999999999999999999,-99999999999999999999999,18446744073709551616]\n",
	 "[1e+23,-1e+23,18446744073709552000]\n"},
	{"[9223372036854775807,-9223372036854775808,1234567890123456789]\n",
	 "[9223372036854776000,-9223372036854776000,1234567890123456800]\n"},
	/* surrogate pairs json-c 0.16 alone decodes as U+FFFD: U+1DE00, U+2D800 */
	{"[\"\\ud837\\ude00\",\"\\uD876\\uDC00\",\"a\\\\ud837\\\\ude00\"]\n",
	 "[\"\xf0\x9d\xb8\x80\",\"\xf0\xad\xa0\x80\",\"a\\\\ud837\\\\ude00\"]\n"},
	/* numbers json-c takes beyond JSON's grammar */
	{"[1.]\n[-.5]\n[-01]\n[00.5]\n{\"a\":1.e3}\n[0,1E5,-0.5e-3]\n",
	 "1! t:1: invalid JSON: a number not in JSON's form at byte 1\n"
	 "2! t:2: invalid JSON: a number not in JSON's form at byte 1\n"
	 "3! t:3: invalid JSON: a number not in JSON's form at byte 1\n"
	 "4! t:4: invalid JSON: a number not in JSON's form at byte 1\n"
	 "5! t:5: invalid JSON: a number not in JSON's form at byte 5\n"
	 "[0,100000,-0.0005]\n"},
	/* strings that look like numbers or structure are left alone */
	{"{\"{[:\":\"99999999999999999999999\"}\n", "{\"{[:\":\"99999999999999999999999\"}\n"},
};

static void
test_documents(void **state)
{
	struct buf res = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(doc_cases); i++) {
		read_docs(doc_cases[i].in, &res);
		if (strcmp(res.data ? res.data : "", doc_cases[i].out) != 0)
			fail_msg("case %zu: got\n%s\nwant\n%s", i, res.data, doc_cases[i].out);
	}
	buf_free(&res);
}

/* ijson_scan leaves a line alone unless it must rewrite it */
static void
test_scan_rewrite(void **state)
{
	struct ijson j = {0};
	const char *line = "[1,12345678901234567890,\"x\"]", *s = line;
	size_t n = strlen(line);
	char err[ERRLEN];

	(void)state;
	ijson_reset(&j);
	assert_int_equal(ijson_scan(&j, &s, &n, err, sizeof err), 0);
	assert_true(s != line);
	assert_int_equal(n, strlen("[1,12345678901234567890.0,\"x\"]"));
	assert_memory_equal(s, "[1,12345678901234567890.0,\"x\"]", n);
	line = "[1,1234567890123456789.5,123456789012345678,-0]";
	s = line;
	n = strlen(line);
	assert_int_equal(ijson_scan(&j, &s, &n, err, sizeof err), 0);
	assert_ptr_equal(s, line);
	ijson_free(&j);
}

static const struct {
	const char *path;
	const char *want;	/* canonical value, or "!" and the error */
} path_cases[] = {
	{".", "{\"_1\":\"u\",\"a\":{\"b\":[10,{\"c d\":true}]},\"x-y\":null}"},
	{".a", "{\"b\":[10,{\"c d\":true}]}"},
	{".a.b", "[10,{\"c d\":true}]"},
	{".a.b[0]", "10"},
	{".a.b.[1]", "{\"c d\":true}"},
	{".a.b[-1].\"c d\"", "true"},
	{".a.b[-2]", "10"},
	{".\"a\".b[1][\"c d\"]", "!"},	/* not in the subset: a parse error */
	{".x-y", "null"},
	{"._1", "\"u\""},
	{".\"\\u0061\"", "{\"b\":[10,{\"c d\":true}]}"},
	{".missing", "!no member \"missing\""},
	{".a.b.c", "!no member \"c\" (not an object)"},
	{".a.b[2]", "!no element [2]"},
	{".a.b[-3]", "!no element [-3]"},
	{".a[0]", "!no element [0] (not an array)"},
};

static void
test_paths(void **state)
{
	json_object *doc = parse("{\"a\":{\"b\":[10,{\"c d\":true}]},\"x-y\":null,\"_1\":\"u\"}");
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(path_cases); i++) {
		struct jpath p;
		json_object *v;
		char err[ERRLEN];

		if (jpath_parse(&p, path_cases[i].path, err, sizeof err) < 0) {
			if (strcmp(path_cases[i].want, "!") != 0)
				fail_msg("%s: %s", path_cases[i].path, err);
			continue;
		}
		buf_reset(&b);
		if (jpath_get(&p, doc, &v, err, sizeof err) < 0) {
			buf_addf(&b, "!%s", err);
		} else {
			assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
		}
		if (strcmp(b.data, path_cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", path_cases[i].path, b.data, path_cases[i].want);
		jpath_free(&p);
	}
	json_object_put(doc);
	buf_free(&b);
}

static void
test_bad_paths(void **state)
{
	static const char *const bad[] = {
		"", "a", "..", ".a.", ".a..b", ".[", ".[x]", ".[1", ".a[ 1]", ".\"a", ".1a",
		".a b", "[0]x", ".\"\\x\"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		struct jpath p;
		char err[ERRLEN] = "";

		if (jpath_parse(&p, bad[i], err, sizeof err) == 0)
			fail_msg("'%s' parsed", bad[i]);
		assert_true(err[0] != '\0');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_scan_rewrite),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_bad_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
