/* fuzz_redact: redaction (redact.h) with the built-in patterns
 * (share/llm/redact.patterns, read from the current directory: run from
 * the top of the tree) and the size bounds of traces (bound.h).
 *
 * Invariants: redact_span() replaces something exactly when redact_test()
 * says it would, and its output holds nothing more to redact; a record bound_record() keeps is valid JSON and
 * within max_record; a line bound_line_clean() passes is left unchanged
 * by bound_record().
 */
#include "text/bound.h"
#include "fuzz.h"
#include "text/redact.h"

#define PATTERNS "share/llm/redact.patterns"

static struct redact *
patterns(void)
{
	static struct redact *r;
	char err[ERRLEN];

	if (!r) {
		r = redact_new();
		if (redact_load(r, PATTERNS, err, sizeof err) < 0)
			fuzz_fail("%s (run from the top of the tree)", err);
	}
	return r;
}

static void
check_span(struct redact *r, const char *s, size_t n)
{
	struct buf out = {0};
	size_t k = redact_span(r, s, n, &out);

	if (!k != !redact_test(r, s, n))
		fuzz_fail("redact_span replaced %zu, redact_test says %d", k, !k);
	/* redacted text holds nothing more to redact */
	if (k && redact_test(r, out.data, out.len))
		fuzz_fail("redacting the redacted text changes it: %s", out.data);
	buf_free(&out);
}

static void
check_bound(struct redact *r, const char *s, size_t n, size_t max_string, size_t max_record)
{
	struct bound b = {.max_string = max_string, .max_record = max_record};
	struct buf line = {0};
	char err[ERRLEN];
	json_object *rec, *back;
	int clean = bound_line_clean(&b, r, s, n);

	if (json_parse_any(s, n, &rec, err, sizeof err) < 0 ||
	    !json_object_is_type(rec, json_type_object)) {
		if (clean)
			fuzz_fail("bound_line_clean passed a line that is no object");
		json_object_put(rec);
		bound_free(&b);
		return;
	}
	if (bound_record(&b, r, rec, &line) == 0) {
		if (max_record && line.len > max_record)
			fuzz_fail("line of %zu bytes over %zu", line.len, max_record);
		if (!(back = json_parse(line.data, line.len, err, sizeof err)))
			fuzz_fail("bounded record not JSON: %s: %s", err, line.data);
		json_object_put(back);
		if (clean && b.cut)
			fuzz_fail("a clean line had %llu strings cut", b.cut);
	} else if (clean) {
		fuzz_fail("a clean line refused");
	}
	json_object_put(rec);
	buf_free(&line);
	bound_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redact *r = patterns();
	const char *s = (const char *)data + (size > 0);
	size_t n = size - (size > 0);
	size_t max_string = size ? data[0] & 63 : 0;
	size_t max_record = size ? (size_t)(data[0] >> 6) * 64 : 0;
	struct bound plain = {0};
	json_object *str;
	char *c;

	check_span(r, s, n);
	c = fuzz_str((const uint8_t *)s, n);
	redact_cstr(r, c, n + 1);
	free(c);
	str = json_object_new_string_len(s, (int)n);
	bound_json(&plain, r, str);
	bound_free(&plain);
	json_object_put(str);
	check_bound(r, s, n, max_string, max_record);
	return 0;
}
