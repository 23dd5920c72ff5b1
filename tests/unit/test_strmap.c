/* Unit tests for lib/base/strmap.c: numbers in the order first seen, the same
 * number for the same bytes, through growth, NUL bytes included. */
#include "unit.h"

#include "base/strmap.h"

static void
test_intern(void **state)
{
	struct strmap m = {0};
	char key[32];
	size_t i;
	int added;

	(void)state;
	assert_int_equal(strmap_find(&m, "a", 1), (size_t)-1);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "id-%zu", i);
		assert_int_equal(strmap_intern(&m, key, strlen(key), &added), i);
		assert_int_equal(added, 1);
	}
	for (i = 0; i < 10000; i += 37) {
		snprintf(key, sizeof key, "id-%zu", i);
		assert_int_equal(strmap_intern(&m, key, strlen(key), &added), i);
		assert_int_equal(added, 0);
		assert_int_equal(strmap_find(&m, key, strlen(key)), i);
		assert_string_equal(strmap_key(&m, i), key);
	}
	/* bytes, not C strings: "a\0b" is not "a" */
	i = strmap_intern(&m, "a\0b", 3, NULL);
	assert_int_not_equal(strmap_intern(&m, "a", 1, NULL), i);
	assert_int_equal(strmap_find(&m, "a\0b", 3), i);
	i = strmap_intern(&m, "", 0, NULL);
	assert_int_equal(i, m.n - 1);
	strmap_clear(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(strmap_intern(&m, "again", 5, NULL), 0);
	strmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
