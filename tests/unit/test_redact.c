/* Unit tests for lib/text/redact.c and lib/text/bound.c: every built-in pattern
 * with text it must redact and text it must leave alone, literals,
 * secret groups, stable hashes, pattern files, and the size bounds. */
#include <unistd.h>

#include "unit.h"

#include "text/bound.h"
#include "text/redact.h"

/* The built-in patterns of share/llm, no environment tokens. */
static struct redact *
builtin(void)
{
	struct redact *r = redact_new();
	char err[ERRLEN];

	unsetenv("LLM_SHARE_DIR");
	unsetenv("LLM_API_TOKEN");
	unsetenv("OPENAI_API_KEY");
	if (redact_load_default(r, err, sizeof err) < 0)
		fail_msg("built-in patterns: %s", err);
	return r;
}

/* s redacted, or s itself when nothing was; the caller frees it. */
static char *
redacted(struct redact *r, const char *s)
{
	struct buf out = {0};

	if (redact_span(r, s, strlen(s), &out) == 0)
		return estrdup(s);
	return out.data;
}

/* The hits of the pattern named name. */
static unsigned long long
hits_of(struct redact *r, const char *name)
{
	size_t i;

	for (i = 0; i < redact_count(r); i++)
		if (strcmp(redact_name(r, i), name) == 0)
			return redact_hits(r, i);
	fail_msg("no pattern %s", name);
	return 0;
}

static const struct {
	const char *pattern;	/* the pattern that must fire; NULL: none may */
	const char *in, *out;
} cases[] = {
	/* json-secret */
	{"json-secret", "{\"api_key\": \"abc123\"}", "{\"api_key\": \"[REDACTED:json-secret]\"}"},
	{"json-secret", "{\"password\":\"correct horse\"}", "{\"password\":\"[REDACTED:json-secret]\"}"},
	{"json-secret", "{\\\"client_secret\\\":\\\"s3\\\"}", "{\\\"client_secret\\\":\\\"[REDACTED:json-secret]\\\"}"},
	{NULL, "{\"max_tokens\": 100, \"name\": \"token\"}", NULL},
	{NULL, "{\"password\": \"\"}", NULL},
	/* kv-secret, header-secret */
	{"kv-secret", "password=hunter2 next", "password=[REDACTED:kv-secret] next"},
	{"header-secret", "API_KEY: abc.def", "API_KEY: [REDACTED:header-secret]"},
	{"kv-secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG",
	 "aws_secret_access_key = [REDACTED:kv-secret]"},
	{"header-secret", "Authorization: Basic dXNlcjpwYXNz", "Authorization: [REDACTED:header-secret]"},
	{NULL, "token count: 5, password_hint - none", NULL},
	{"kv-secret", "url?token=abc&x=1", "url?token=[REDACTED:kv-secret]&x=1"},
	{NULL, "max_tokens=512 and tokens: 12", NULL},
	{NULL, "the password is secret", NULL},
	{NULL, "password=[REDACTED:kv-secret]", NULL},
	/* url-credentials */
	{"url-credentials", "git clone https://bob:s3cret@example.com/r.git",
	 "git clone https://bob:[REDACTED:url-credentials]@example.com/r.git"},
	{NULL, "see https://example.com:8080/path and mail bob@example.com", NULL},
	/* anthropic-key */
	{"anthropic-key", "key sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345 end",
	 "key [REDACTED:anthropic-key] end"},
	{NULL, "sk-ant-short", NULL},
	/* openai-key */
	{"openai-key", "sk-abcdefghijklmnopqrstuvwxyz0123456789AB", "[REDACTED:openai-key]"},
	{"openai-key", "(sk-proj-AbCdEfGhIjKlMnOpQrStUvWx_yz-0123)", "([REDACTED:openai-key])"},
	{NULL, "task-abcdefghijklmnopqrstuvwxyz and sk-short", NULL},
	/* bearer */
	{"bearer", "-H 'X-Auth: Bearer abcdefgh.ij-kl_mn'", "-H 'X-Auth: Bearer [REDACTED:bearer]'"},
	{"header-secret", "-H 'authorization: Bearer abcdefgh.ij'", "-H 'authorization: [REDACTED:header-secret]'"},
	{"bearer", "header Bearer abcdefgh12345678== end", "header Bearer [REDACTED:bearer] end"},
	{NULL, "the bearer of bad news", NULL},
	/* basic-auth */
	{"basic-auth", "use Basic dXNlcjpwYXNzd29yZA== here", "use Basic [REDACTED:basic-auth] here"},
	{NULL, "Basic training and basic understanding", NULL},
	/* aws-access-key */
	{"aws-access-key", "id AKIAIOSFODNN7EXAMPLE,", "id [REDACTED:aws-access-key],"},
	{NULL, "AKIAIOSFODNN7EXAMPLEXX and AKIA1234", NULL},
	/* github-token */
	{"github-token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED:github-token]"},
	{"github-token", "github_pat_11ABCDEFG0123456789_abcdefghijklmn", "[REDACTED:github-token]"},
	{NULL, "ghp_short and github_pat_x", NULL},
	/* google-api-key */
	{"google-api-key", "key=AIzaSyA-abcdefghijklmnopqrstuvwxyz01234&", NULL},
	{"google-api-key", "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", "[REDACTED:google-api-key]"},
	{NULL, "AIzaShort", NULL},
	/* slack-token */
	{"slack-token", "xoxb-1234567890-abcdefghij", "[REDACTED:slack-token]"},
	{NULL, "xoxz-1234567890-abcdefghij", NULL},
	/* jwt */
	{"jwt", "t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcDEF123_- .",
	 "t [REDACTED:jwt] ."},
	{NULL, "eyJhbGciOiJIUzI1NiJ9 alone", NULL},
	/* private-key */
	{"private-key", "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\nb",
	 "a\n[REDACTED:private-key]\nb"},
	{"private-key", "-----BEGIN PRIVATE KEY-----\nMIIE cut short", "[REDACTED:private-key]"},
	{NULL, "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", NULL},
};

static void
test_patterns(void **state)
{
	struct redact *r = builtin();
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		unsigned long long before = cases[i].pattern ? hits_of(r, cases[i].pattern) : 0;
		char *got = redacted(r, cases[i].in);

		if (!cases[i].pattern) {
			if (strcmp(got, cases[i].in) != 0)
				fail_msg("case %zu: '%s' redacted to '%s'", i, cases[i].in, got);
		} else {
			if (hits_of(r, cases[i].pattern) != before + 1)
				fail_msg("case %zu: %s did not fire once on '%s' (got '%s')", i,
				         cases[i].pattern, cases[i].in, got);
			if (cases[i].out && strcmp(got, cases[i].out) != 0)
				fail_msg("case %zu: '%s' gave '%s', want '%s'", i, cases[i].in, got,
				         cases[i].out);
		}
		free(got);
	}
	redact_free(r);
}

/* Redacting a redacted text changes nothing: every case above, and one
 * where a marker completes a match its secret prevented (basic-auth's
 * lookahead refuses "Basic dXNpassword=hunter1" but not what is left
 * once kv-secret has taken hunter1). */
static void
test_idempotent(void **state)
{
	static const char *const more[] = {
		"Basic dXNpassword=hunter1 and api_key:72839d80,ab",
		"{xxx : \"sk-ant-abcdefghij12172839d80,ab\"e\":\"Basic dXNpassword=hunter1",
	};
	char err[ERRLEN];
	int round;

	(void)state;
	/* plain markers; --stable ones, whose ":1a2b3c4d]" reads like a
	 * header secret; and a pattern of the user's that matches marker
	 * text itself */
	for (round = 0; round < 3; round++) {
		struct redact *r = builtin();
		size_t i;

		if (round >= 1)
			assert_int_equal(redact_stable(r, "k", 1), 0);
		if (round == 2)
			assert_int_equal(redact_add(r, "e1", "REDACTED|secret|[0-9a-f]{8}", err,
			                            sizeof err), 0);
		for (i = 0; i < N(cases) + N(more); i++) {
			const char *in = i < N(cases) ? cases[i].in : more[i - N(cases)];
			char *once = redacted(r, in), *twice = redacted(r, once);

			if (strcmp(once, twice) != 0)
				fail_msg("round %d: '%s' redacted to '%s', then to '%s'", round, in,
				         once, twice);
			free(once);
			free(twice);
		}
		redact_free(r);
	}
}

/* Every built-in pattern has a positive case above. */
static void
test_every_pattern_tested(void **state)
{
	struct redact *r = builtin();
	size_t i, k;

	(void)state;
	for (i = 0; i < redact_count(r); i++) {
		for (k = 0; k < N(cases); k++)
			if (cases[k].pattern && strcmp(cases[k].pattern, redact_name(r, i)) == 0)
				break;
		if (k == N(cases))
			fail_msg("pattern %s has no case", redact_name(r, i));
	}
	redact_free(r);
}

static void
test_env_token_literal(void **state)
{
	struct redact *r = redact_new();
	char err[ERRLEN], *got;

	(void)state;
	setenv("LLM_API_TOKEN", "a.b*c(d)[e]\\E$", 1);
	setenv("OPENAI_API_KEY", "short", 1);
	assert_int_equal(redact_load_default(r, err, sizeof err), 0);
	got = redacted(r, "x a.b*c(d)[e]\\E$ y aXbbbc(d)[e]\\E$ z short");
	assert_string_equal(got, "x [REDACTED:LLM_API_TOKEN] y aXbbbc(d)[e]\\E$ z [REDACTED:OPENAI_API_KEY]");
	free(got);
	redact_free(r);
	unsetenv("LLM_API_TOKEN");
	unsetenv("OPENAI_API_KEY");
}

static void
test_first_match_wins(void **state)
{
	struct redact *r = redact_new();
	char err[ERRLEN], *got;

	(void)state;
	assert_int_equal(redact_add(r, "long", "abcdef", err, sizeof err), 0);
	assert_int_equal(redact_add(r, "short", "abc", err, sizeof err), 0);
	assert_int_equal(redact_add(r, "later", "cdefgh", err, sizeof err), 0);
	assert_int_equal(redact_add(r, "empty", "z*", err, sizeof err), 0);
	/* same start: the first added; an overlapping later match is not
	 * taken, the text after the winner is searched again */
	got = redacted(r, "xabcdefgh abc cdefgh");
	assert_string_equal(got, "x[REDACTED:long]gh [REDACTED:short] [REDACTED:later]");
	free(got);
	got = redacted(r, "zz");	/* an empty match replaces nothing */
	assert_string_equal(got, "[REDACTED:empty]");
	free(got);
	redact_free(r);
}

static void
test_secret_group_and_utf8(void **state)
{
	struct redact *r = redact_new();
	char err[ERRLEN], *got;

	(void)state;
	assert_int_equal(redact_add(r, "pin", "pin (?<secret>\\d+)", err, sizeof err), 0);
	assert_int_equal(redact_add(r, "dot", "é.", err, sizeof err), 0);
	got = redacted(r, "my pin 1234!");
	assert_string_equal(got, "my pin [REDACTED:pin]!");
	free(got);
	/* . is a character, not a byte: no sequence is split */
	got = redacted(r, "éü and \xff\xfe é\xff");
	assert_string_equal(got, "[REDACTED:dot] and \xff\xfe é\xff");
	free(got);
	redact_free(r);
}

static void
test_stable(void **state)
{
	struct redact *a = redact_new(), *b = redact_new();
	char err[ERRLEN], *x, *y, *z;

	(void)state;
	assert_int_equal(redact_add(a, "k", "k[0-9]+", err, sizeof err), 0);
	assert_int_equal(redact_add(b, "k", "k[0-9]+", err, sizeof err), 0);
	assert_int_equal(redact_stable(a, "key", 3), 0);
	assert_int_equal(redact_stable(b, "key", 3), 0);
	x = redacted(a, "k123 k123 k124");
	y = redacted(b, "k123");
	/* HMAC-SHA256("key", "k123"), the first 8 hex digits */
	assert_int_equal(strlen(x), 3 * strlen("[REDACTED:k:12345678]") + 2);
	assert_memory_equal(x, y, strlen(y));
	assert_memory_equal(x, x + strlen(y) + 1, strlen(y));
	assert_memory_not_equal(x, x + 2 * (strlen(y) + 1), strlen(y));
	assert_int_equal(redact_stable(b, "other", 5), 0);
	z = redacted(b, "k123");
	assert_string_not_equal(y, z);
	free(x);
	free(y);
	free(z);
	redact_free(a);
	redact_free(b);
}

static void
test_hmac_value(void **state)
{
	struct redact *r = redact_new();
	char err[ERRLEN], *got;

	(void)state;
	assert_int_equal(redact_add(r, "s", "secret", err, sizeof err), 0);
	assert_int_equal(redact_stable(r, "key", 3), 0);
	got = redacted(r, "secret");
	/* printf secret | openssl dgst -sha256 -hmac key */
	assert_string_equal(got, "[REDACTED:s:25cf3c44]");
	free(got);
	redact_free(r);
}

static void
write_text(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

static void
test_load_file(void **state)
{
	const char *dir = *state;
	struct redact *r = redact_new();
	char path[4096], err[ERRLEN], want[4200], *got;

	snprintf(path, sizeof path, "%s/p", dir);
	write_text(path, "# comment\n\n  one\t[0-9]{3}  \r\ntwo  x y\n");
	assert_int_equal(redact_load(r, path, err, sizeof err), 0);
	assert_int_equal(redact_count(r), 2);
	got = redacted(r, "123 x y 45 ");
	assert_string_equal(got, "[REDACTED:one] [REDACTED:two] 45 ");
	free(got);

	write_text(path, "ok a\nbad (unclosed\n");
	assert_int_equal(redact_load(r, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: pattern bad: missing closing parenthesis at offset 9", path);
	assert_string_equal(err, want);
	write_text(path, "lonely\n");
	assert_int_equal(redact_load(r, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1: expected a name and a regex", path);
	assert_string_equal(err, want);
	write_text(path, "a]b x\n");
	assert_int_equal(redact_load(r, path, err, sizeof err), -1);
	assert_non_null(strstr(err, ":1: bad pattern name 'a]b'"));
	assert_int_equal(redact_load(r, "/nonexistent/p", err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/p: No such file or directory");
	redact_free(r);
}

static void
test_cstr(void **state)
{
	struct redact *r = builtin();
	char msg[40];

	(void)state;
	snprintf(msg, sizeof msg, "HTTP 401: Bearer abcdefghijkl");
	assert_int_equal(redact_cstr(r, msg, sizeof msg), 1);
	assert_string_equal(msg, "HTTP 401: Bearer [REDACTED:bearer]");
	/* longer than it was: cut to the buffer */
	snprintf(msg, sizeof msg, "k=sk-abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(redact_cstr(r, msg, 12), 1);
	assert_string_equal(msg, "k=[REDACTED");
	redact_free(r);
}

static void
test_json_keys_untouched(void **state)
{
	struct redact *r = builtin();
	json_object *v = parse("{\"sk-abcdefghijklmnopqrstuvwxyz\":[\"password=x1\",{\"n\":1,"
	                       "\"t\":\"AKIAIOSFODNN7EXAMPLE\"}],\"ok\":\"plain\"}");
	struct bound bd = {0};
	struct buf b = {0};

	(void)state;
	assert_int_equal(bound_json(&bd, r, v), 2);
	assert_string_equal(json_line(v, &b),
		"{\"sk-abcdefghijklmnopqrstuvwxyz\":[\"password=[REDACTED:kv-secret]\",{\"n\":1,"
		"\"t\":\"[REDACTED:aws-access-key]\"}],\"ok\":\"plain\"}");
	json_object_put(v);
	buf_free(&b);
	bound_free(&bd);
	redact_free(r);
}

/* ---- bounds ---- */

static void
test_bound_cut(void **state)
{
	struct buf b = {0};

	(void)state;
	bound_cut(&b, "ab\xc3\xa9" "cd", 6, 3, 6);	/* é would be split */
	assert_string_equal(b.data, "ab[TRUNCATED:6 bytes]");
	buf_free(&b);
}

static void
test_bound_strings(void **state)
{
	struct bound bd = {.max_string = 5};
	struct redact *r = builtin();
	json_object *v = parse("{\"a\":\"0123456789\",\"b\":\"short\",\"c\":[\"\xc3\xa9\xc3\xa9\xc3\xa9\"],"
	                       "\"d\":\"sk-abcdefghijklmnopqrstuvwxyz\"}");
	struct buf line = {0};

	(void)state;
	assert_int_equal(bound_json(&bd, r, v), 3);
	assert_int_equal(bound_fit(&bd, v, &line), 0);
	/* redacted first, then cut; the size is the one that came in */
	assert_string_equal(line.data,
		"{\"a\":\"01234[TRUNCATED:10 bytes]\",\"b\":\"short\",\"c\":[\"\xc3\xa9\xc3\xa9[TRUNCATED:6 bytes]\"],"
		"\"d\":\"[REDA[TRUNCATED:29 bytes]\"}");
	assert_int_equal(bd.cut, 3);
	json_object_put(v);
	buf_free(&line);
	bound_free(&bd);
	redact_free(r);
}

/* Strings whose cut text and marker outgrow them (json-c then moves the
 * string; bytes that are not UTF-8 make the cut go back to nothing):
 * fuzz_redact's input, on which the cut length was measured on the freed
 * text (ASan sees it). */
static void
test_bound_record_regrown(void **state)
{
	static const char rec[] =
		"{\"id\":\"r\211\",\"request\":{\"messages\":[{\"role\":\"user\","
		"\"cojtent\":\"my passwordNaN=hunterk-ant-abcdefghijk\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266er\",\"content\":\"my p\266\266\266\266"
		"\266\266\266null\266\266\266\266\266lmnY:::::::::YYYYYYYYYYYYYYY"
		"YYYY/YYYYopqrstuvwxyz\\\"\"}]},\"content\":\"eyJhbGc\266\266\266"
		"\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266\266"
		"\266\266\266\266\266\266\266xMjM0NTY3ODkwIn0ijk\266\266\266\266"
		"\266\266\266\266\266\266\266\266GHIJKLMNOP\"}";
	struct redact *r = builtin();
	struct bound bd = {.max_string = 63, .max_record = 192};
	struct buf line = {0};
	json_object *v = parse(rec), *w;

	(void)state;
	if (bound_record(&bd, r, v, &line) == 0) {
		assert_true(line.len <= 192);
		w = parse(line.data);
		json_object_put(w);
	}
	json_object_put(v);
	buf_free(&line);
	bound_free(&bd);
	redact_free(r);
}

static void
test_bound_record(void **state)
{
	struct bound bd = {.max_record = 120};
	json_object *v = parse("{\"id\":\"x\",\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	                       "\"b\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
	                       "\"c\":\"cc\"}");
	struct buf line = {0};
	json_object *w;

	(void)state;
	assert_int_equal(bound_record(&bd, NULL, v, &line), 0);
	assert_true(line.len <= 120);
	/* the two long strings cut to one length, the short ones kept */
	w = parse(line.data);
	assert_string_equal(json_get_str(w, "id"), "x");
	assert_string_equal(json_get_str(w, "c"), "cc");
	assert_non_null(strstr(json_get_str(w, "a"), "[TRUNCATED:68 bytes]"));
	assert_non_null(strstr(json_get_str(w, "b"), "[TRUNCATED:88 bytes]"));
	assert_int_equal(strcspn(json_get_str(w, "a"), "["), strcspn(json_get_str(w, "b"), "["));
	json_object_put(w);
	json_object_put(v);

	/* bulk that is not strings cannot be cut */
	v = parse("{\"n\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,"
	          "29,30,31,32,33,34,35,36,37,38,39,40,41,42,43],\"s\":\"x\"}");
	assert_int_equal(bound_record(&bd, NULL, v, &line), -1);
	json_object_put(v);
	buf_free(&line);
	bound_free(&bd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_every_pattern_tested),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_env_token_literal),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_secret_group_and_utf8),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_hmac_value),
		cmocka_unit_test_setup_teardown(test_load_file, setup_dir, teardown_dir),
		cmocka_unit_test(test_cstr),
		cmocka_unit_test(test_json_keys_untouched),
		cmocka_unit_test(test_bound_cut),
		cmocka_unit_test(test_bound_strings),
		cmocka_unit_test(test_bound_record),
		cmocka_unit_test(test_bound_record_regrown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
