/* Unit tests for lib/json/canon.c and lib/json/hash.c: RFC 8785 (JCS) numbers,
 * strings, member order and whole documents; SHA-256, the tuna model hash
 * and the canonical-JSON hash. */
#include <math.h>

#include "unit.h"

#include "json/canon.h"
#include "json/hash.h"

/* ---- numbers ---- */

/* RFC 8785 section 3.2.2.3 and Appendix B, as decimal literals. */
static const struct {
	double d;
	const char *s;
} number_cases[] = {
	{0, "0"},
	{-0.0, "0"},
	{1, "1"},
	{-1, "-1"},
	{1e21, "1e+21"},
	{1e20, "100000000000000000000"},
	{1e-7, "1e-7"},
	{1e-6, "0.000001"},
	{-1e-7, "-1e-7"},
	{123e-20, "1.23e-18"},
	{333333333.33333329, "333333333.3333333"},
	{1E30, "1e+30"},
	{4.50, "4.5"},
	{2e-3, "0.002"},
	{0.000000000000000000000000001, "1e-27"},
	{5e-324, "5e-324"},
	{-5e-324, "-5e-324"},
	{1.7976931348623157e308, "1.7976931348623157e+308"},
	{-1.7976931348623157e308, "-1.7976931348623157e+308"},
	{9007199254740992, "9007199254740992"},
	{-9007199254740992, "-9007199254740992"},
	{295147905179352830000.0, "295147905179352830000"},
	{0.1, "0.1"},
	{0.7, "0.7"},
	{100, "100"},
	{1.5e300, "1.5e+300"},
	{123456789012345680000.0, "123456789012345680000"},
	{-0.5, "-0.5"},
	{1e23, "1e+23"},
	{12.5e-7, "0.00000125"},
};

static void
test_number_decimal(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(number_cases); i++) {
		char out[40];

		canon_number(number_cases[i].d, out, sizeof out);
		if (strcmp(out, number_cases[i].s) != 0)
			fail_msg("%.17g: got '%s', want '%s'", number_cases[i].d, out,
			         number_cases[i].s);
	}
}

/* RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS forms. */
static const struct {
	uint64_t bits;
	const char *s;	/* NULL: NaN or infinity, not canonicalizable */
} ieee_cases[] = {
	{0x0000000000000000, "0"},
	{0x8000000000000000, "0"},
	{0x0000000000000001, "5e-324"},
	{0x8000000000000001, "-5e-324"},
	{0x7fefffffffffffff, "1.7976931348623157e+308"},
	{0xffefffffffffffff, "-1.7976931348623157e+308"},
	{0x4340000000000000, "9007199254740992"},
	{0xc340000000000000, "-9007199254740992"},
	{0x4430000000000000, "295147905179352830000"},
	{0x7fffffffffffffff, NULL},
	{0x7ff0000000000000, NULL},
	{0x44b52d02c7e14af5, "9.999999999999997e+22"},
	{0x44b52d02c7e14af6, "1e+23"},
	{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
	{0x444b1ae4d6e2ef4e, "999999999999999700000"},
	{0x444b1ae4d6e2ef4f, "999999999999999900000"},
	{0x444b1ae4d6e2ef50, "1e+21"},
	{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
	{0x3eb0c6f7a0b5ed8d, "0.000001"},
	{0x41b3de4355555553, "333333333.3333332"},
	{0x41b3de4355555554, "333333333.33333325"},
	{0x41b3de4355555555, "333333333.3333333"},
	{0x41b3de4355555556, "333333333.3333334"},
	{0x41b3de4355555557, "333333333.33333343"},
	{0xbecbf647612f3696, "-0.0000033333333333333333"},
	{0x43143ff3c1cb0959, "1424953923781206.2"},
	/* powers of two: the neighbour below is twice as close, so the
	 * nearest 16-digit decimal can miss and the next one up is the
	 * answer (checked against node's Number.prototype.toString) */
	{0x0060000000000000, "7.120236347223045e-307"},
	{0x0100000000000000, "7.291122019556398e-304"},
	{0x0010000000000000, "2.2250738585072014e-308"},
	{0x7fe0000000000000, "8.98846567431158e+307"},
	{0x3ff0000000000000, "1"},
	{0x4330000000000000, "4503599627370496"},
	/* subnormals: fewer digits than 15 */
	{0x0000000000000003, "1.5e-323"},
	{0x000fffffffffffff, "2.225073858507201e-308"},
	{0x3fb999999999999a, "0.1"},
};

static void
test_number_ieee(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(ieee_cases); i++) {
		char out[40], err[ERRLEN] = "";
		json_object *v;
		double d;

		memcpy(&d, &ieee_cases[i].bits, sizeof d);
		v = json_object_new_double(d);
		buf_reset(&b);
		if (!ieee_cases[i].s) {
			assert_false(isfinite(d));
			assert_int_equal(canon_json(v, &b, err, sizeof err), -1);
			assert_non_null(strstr(err, "cannot be canonicalized"));
		} else {
			canon_number(d, out, sizeof out);
			if (strcmp(out, ieee_cases[i].s) != 0)
				fail_msg("%016llx: got '%s', want '%s'",
				         (unsigned long long)ieee_cases[i].bits, out, ieee_cases[i].s);
			/* the same through canon_json */
			assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
			assert_string_equal(b.data, ieee_cases[i].s);
		}
		json_object_put(v);
	}
	buf_free(&b);
}

/* Numbers as they come from JSON text: json-c keeps integers as int64,
 * which JCS must write as the double they denote. */
static const struct {
	const char *in;
	const char *out;
} parsed_number_cases[] = {
	{"[0,-0,1,-1,10,-10]", "[0,0,1,-1,10,-10]"},
	{"[1.0,-0.0,1e2,1E-2,0.10]", "[1,0,100,0.01,0.1]"},
	{"[9007199254740991,-9007199254740991]", "[9007199254740991,-9007199254740991]"},
	{"[9007199254740993]", "[9007199254740992]"},
	{"[9223372036854775807]", "[9223372036854776000]"},
	{"[-9223372036854775808]", "[-9223372036854776000]"},
	{"[18446744073709551615]", "[18446744073709552000]"},
	{"[1e21,1e-7,333333333.33333329]", "[1e+21,1e-7,333333333.3333333]"},
	{"[4503599627370496,-9007199254740992]", "[4503599627370496,-9007199254740992]"},
	{"[1E400]", NULL},
};

static void
test_number_parsed(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(parsed_number_cases); i++) {
		json_object *v = parse(parsed_number_cases[i].in);
		char err[ERRLEN];

		buf_reset(&b);
		if (!parsed_number_cases[i].out) {
			/* json-c reads an overflow as infinity, which JCS refuses */
			assert_int_equal(canon_json(v, &b, err, sizeof err), -1);
			json_object_put(v);
			continue;
		}
		assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
		if (strcmp(b.data, parsed_number_cases[i].out) != 0)
			fail_msg("%s: got %s, want %s", parsed_number_cases[i].in, b.data,
			         parsed_number_cases[i].out);
		json_object_put(v);
	}
	buf_free(&b);
}

/* ---- strings ---- */

static const struct {
	const char *in;		/* JSON text */
	const char *out;	/* canonical */
} string_cases[] = {
	{"\"plain\"", "\"plain\""},
	{"\"\"", "\"\""},
	{"\"\\u0000\"", "\"\\u0000\""},
	{"\"\\u001f\\u001F\\u0001\"", "\"\\u001f\\u001f\\u0001\""},
	{"\"\\u000B\\u000e\"", "\"\\u000b\\u000e\""},
	{"\"a\\nb\\tc\\rd\\be\\ff\"", "\"a\\nb\\tc\\rd\\be\\ff\""},
	{"\"\\u000a\\u0009\\u000d\\u0008\\u000c\"", "\"\\n\\t\\r\\b\\f\""},
	{"\"\\/a/b\"", "\"/a/b\""},
	{"\"\\\"\\\\\"", "\"\\\"\\\\\""},
	{"\"\\u0022\\u005c\"", "\"\\\"\\\\\""},
	{"\"\\u007f\"", "\"\x7f\""},
	{"\"\\u00e9\\u20ac\\ud83d\\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
	{"\"\xc3\xa9\"", "\"\xc3\xa9\""},
	{"\"\\u0041\\u0042\"", "\"AB\""},
};

static void
test_strings(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(string_cases); i++) {
		json_object *v = parse(string_cases[i].in);
		char err[ERRLEN];

		buf_reset(&b);
		assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
		if (strcmp(b.data, string_cases[i].out) != 0)
			fail_msg("%s: got %s, want %s", string_cases[i].in, b.data,
			         string_cases[i].out);
		json_object_put(v);
	}
	buf_free(&b);
}

/* ---- structure and order ---- */

static const struct {
	const char *in;
	const char *out;
} doc_cases[] = {
	{"[null,true,false]", "[null,true,false]"},
	{"[]", "[]"},
	{"{}", "{}"},
	{" [ 1 , [ 2 , [ ] ] , { } ] ", "[1,[2,[]],{}]"},
	{"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"},
	{"{\"b\":{\"d\":[{\"z\":1,\"y\":2}],\"c\":null},\"a\":[true,false]}",
	 "{\"a\":[true,false],\"b\":{\"c\":null,\"d\":[{\"y\":2,\"z\":1}]}}"},
	/* a prefix sorts first; code units compare unsigned */
	{"{\"ab\":1,\"a\":2,\"B\":3,\"\":4}", "{\"\":4,\"B\":3,\"a\":2,\"ab\":1}"},
	/* the RFC 8785 section 3.2.3 sorting example */
	{"{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
	 "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
	 "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
	 "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
	 "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	 "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
	 "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	 "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}"},
	/* the RFC 8785 section 3.2.2 example */
	{"{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
	 "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
	 "  \"literals\": [null, true, false]\n}",
	 "{\"literals\":[null,true,false],"
	 "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
	 "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"},
	/* UTF-16 order, as JavaScript's sort gives it: U+10000 (a surrogate
	 * pair) before U+E000 and U+FFFF */
	{"{\"\\uffff\":6,\"\\ue000\":5,\"\\ud800\\udc00\":4,\"\\u0080\":3,\"\\u007f\":2,\"a\":1}",
	 "{\"a\":1,\"\x7f\":2,\"\xc2\x80\":3,\"\xf0\x90\x80\x80\":4,\"\xee\x80\x80\":5,"
	 "\"\xef\xbf\xbf\":6}"},
	/* more members than fit on the stack, in reverse */
	{"{\"t\":0,\"s\":0,\"r\":0,\"q\":0,\"p\":0,\"o\":0,\"n\":0,\"m\":0,\"l\":0,"
	 "\"k\":0,\"j\":0,\"i\":0,\"h\":0,\"g\":0,\"f\":0,\"e\":0,\"d\":0,\"c\":0,\"b\":0,\"a\":1}",
	 "{\"a\":1,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,\"h\":0,\"i\":0,\"j\":0,"
	 "\"k\":0,\"l\":0,\"m\":0,\"n\":0,\"o\":0,\"p\":0,\"q\":0,\"r\":0,\"s\":0,\"t\":0}"},
	/* keys are escaped like strings */
	{"{\"a\\nb\":1,\"\\u0001\":2}", "{\"\\u0001\":2,\"a\\nb\":1}"},
};

static void
test_documents(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(doc_cases); i++) {
		json_object *v = parse(doc_cases[i].in);
		char err[ERRLEN];

		buf_reset(&b);
		assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
		if (strcmp(b.data, doc_cases[i].out) != 0)
			fail_msg("case %zu: got %s, want %s", i, b.data, doc_cases[i].out);
		json_object_put(v);
	}
	buf_free(&b);
}

/* canon_json appends to what out holds */
static void
test_appends(void **state)
{
	struct buf b = {0};
	json_object *v = parse("{\"x\":[1]}");
	char err[ERRLEN];

	(void)state;
	buf_adds(&b, "prefix:");
	/* a NULL json-c object is JSON null */
	assert_int_equal(canon_json(NULL, &b, err, sizeof err), 0);
	assert_string_equal(b.data, "prefix:null");
	buf_reset(&b);
	buf_adds(&b, "prefix:");
	assert_int_equal(canon_json(v, &b, err, sizeof err), 0);
	assert_string_equal(b.data, "prefix:{\"x\":[1]}");
	json_object_put(v);
	buf_free(&b);
}

static void
test_nonfinite_nested(void **state)
{
	json_object *o = parse("{\"a\":[1,{\"b\":null}]}");
	json_object *inner = json_object_array_get_idx(json_get(o, "a"), 1);
	struct buf b = {0};
	char err[ERRLEN] = "";

	(void)state;
	json_set(inner, "b", json_object_new_double(NAN));
	assert_int_equal(canon_json(o, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot be canonicalized"));
	json_set(inner, "b", json_object_new_double(-INFINITY));
	err[0] = '\0';
	buf_reset(&b);
	assert_int_equal(canon_json(o, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot be canonicalized"));
	json_object_put(o);
	buf_free(&b);
}

/* ---- hashes ---- */

static const struct {
	const char *in;
	const char *hex;
} sha_cases[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

static void
test_sha256(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(sha_cases); i++) {
		char out[HASH_HEX];

		memset(out, 'Z', sizeof out);
		sha256_hex(sha_cases[i].in, strlen(sha_cases[i].in), out);
		assert_string_equal(out, sha_cases[i].hex);
	}
}

static void
test_model_hash(void **state)
{
	static const struct {
		const char *name;
		const char *hash;
	} cases[] = {
		/* printf %s gpt-4o | sha256sum */
		{"gpt-4o", "a2a69af7"},
		{"", "e3b0c442"},
		{"abc", "ba7816bf"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char out[9];

		memset(out, 'Z', sizeof out);
		model_hash(cases[i].name, out);
		assert_string_equal(out, cases[i].hash);
	}
}

static void
test_json_hash(void **state)
{
	/* printf %s '{"a":[true,null],"b":1}' | sha256sum */
	static const char *const same[] = {
		"{\"a\":[true,null],\"b\":1}",
		"{\"b\":1,\"a\":[true,null]}",
		" { \"b\" : 1.0 , \"a\" : [ true , null ] } ",
		"{\"b\":1e0,\"a\":[true,null]}",
	};
	const char *want = "51705a2c9eb3e7e410a58f696a770c3ac3885a0cf43eb7fc88f5e47c11d4d30d";
	char out[HASH_HEX], err[ERRLEN];
	json_object *v;
	size_t i;

	(void)state;
	for (i = 0; i < N(same); i++) {
		v = parse(same[i]);
		assert_int_equal(json_hash(v, out, err, sizeof err), 0);
		if (strcmp(out, want) != 0)
			fail_msg("%s: %s", same[i], out);
		json_object_put(v);
	}
	v = parse("{\"a\":[null,true],\"b\":1}");
	assert_int_equal(json_hash(v, out, err, sizeof err), 0);
	assert_string_not_equal(out, want);
	json_object_put(v);
	v = json_object_new_double(NAN);
	assert_int_equal(json_hash(v, out, err, sizeof err), -1);
	json_object_put(v);
}

/* json_hash_buf: the same hash, the scratch buffer reused */
static void
test_json_hash_buf(void **state)
{
	const char *want = "51705a2c9eb3e7e410a58f696a770c3ac3885a0cf43eb7fc88f5e47c11d4d30d";
	json_object *v = parse("{\"b\":1,\"a\":[true,null]}");
	struct buf scratch = {0};
	char out[HASH_HEX], err[ERRLEN];
	int i;

	(void)state;
	buf_adds(&scratch, "left over from before");
	for (i = 0; i < 3; i++) {
		assert_int_equal(json_hash_buf(v, &scratch, out, err, sizeof err), 0);
		assert_string_equal(out, want);
		assert_string_equal(scratch.data, "{\"a\":[true,null],\"b\":1}");
	}
	json_object_put(v);
	buf_free(&scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_decimal),
		cmocka_unit_test(test_number_ieee),
		cmocka_unit_test(test_number_parsed),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_nonfinite_nested),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_model_hash),
		cmocka_unit_test(test_json_hash),
		cmocka_unit_test(test_json_hash_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
