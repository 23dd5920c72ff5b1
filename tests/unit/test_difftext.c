/* Unit tests for lib/report/difftext.c: unified diffs as diff -u writes
 * them (hunks, context, ranges, a last line without its newline), and
 * the bounds past which texts are not diffed. */
#include "unit.h"

#include "report/difftext.h"

static void
test_cases(void **state)
{
	static const struct {
		const char *a, *b;
		int rc;
		const char *want;	/* after the two header lines */
	} cases[] = {
		{"same\n", "same\n", 0, ""},
		{"", "", 0, ""},
		{"a\n", "b\n", 1, "@@ -1 +1 @@\n-a\n+b\n"},
		{"", "x\ny\n", 1, "@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"x\ny\n", "", 1, "@@ -1,2 +0,0 @@\n-x\n-y\n"},
		{"x\ny", "x\ny\n", 1, "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n"},
		/* removed lines before added ones, context of three */
		{"1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nfour\n5\n6\n7\n", 1,
		 "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n"},
		/* two changes seven lines apart: two hunks */
		{"a\n1\n2\n3\n4\n5\n6\n7\nb\n", "A\n1\n2\n3\n4\n5\n6\n7\nB\n", 1,
		 "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -6,4 +6,4 @@\n 5\n 6\n 7\n-b\n+B\n"},
		/* six lines apart: one hunk */
		{"a\n1\n2\n3\n4\n5\n6\nb\n", "A\n1\n2\n3\n4\n5\n6\nB\n", 1,
		 "@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n"},
		{"keep\nold\n", "keep\nnew\nmore\n", 1, "@@ -1,2 +1,3 @@\n keep\n-old\n+new\n+more\n"},
	};
	struct buf out = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		int rc;

		buf_reset(&out);
		buf_add(&out, "", 0);
		rc = difftext(cases[i].a, strlen(cases[i].a), cases[i].b, strlen(cases[i].b), "A",
		              "B", &out);
		if (rc != cases[i].rc)
			fail_msg("case %zu: %d, not %d", i, rc, cases[i].rc);
		if (rc == 0) {
			assert_int_equal(out.len, 0);
			continue;
		}
		assert_true(out.len >= 14 && memcmp(out.data, "--- A\n+++ B\n", 12) == 0);
		buf_add(&out, "", 1);
		if (strcmp(out.data + 12, cases[i].want) != 0)
			fail_msg("case %zu:\n%s\nnot\n%s", i, out.data + 12, cases[i].want);
	}
	buf_free(&out);
}

static void
test_bounds(void **state)
{
	size_t n = DIFFTEXT_MAX_BYTES + 1, i;
	char *big = malloc(n), *a = malloc(4 * DIFFTEXT_MAX_EDITS), *b = malloc(4 * DIFFTEXT_MAX_EDITS);
	struct buf out = {0};

	(void)state;
	memset(big, 'x', n);
	assert_int_equal(difftext(big, n, "x", 1, "A", "B", &out), -1);
	assert_int_equal(out.len, 0);
	/* every line of a against every other line of b: 2 x 2000 edits */
	for (i = 0; i < 2 * DIFFTEXT_MAX_EDITS; i += 2) {
		a[i] = 'a', a[i + 1] = '\n';
		b[i] = 'b', b[i + 1] = '\n';
	}
	assert_int_equal(difftext(a, 2 * DIFFTEXT_MAX_EDITS, b, 2 * DIFFTEXT_MAX_EDITS, "A", "B",
	                          &out), -1);
	assert_int_equal(out.len, 0);
	/* half as many: within the bound */
	assert_int_equal(difftext(a, DIFFTEXT_MAX_EDITS, b, DIFFTEXT_MAX_EDITS, "A", "B", &out), 1);
	free(big);
	free(a);
	free(b);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
