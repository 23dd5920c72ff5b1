/* Unit tests for lib/run/ratelimit.c: the token bucket behind --rpm and --tpm,
 * driven with made-up times so nothing waits. */
#include "unit.h"

#include "run/ratelimit.h"

static void
test_unlimited(void **state)
{
	struct bucket b;
	int i;

	(void)state;
	bucket_init(&b, 0, 0);
	for (i = 0; i < 1000; i++) {
		assert_true(bucket_wait(&b, 0) == 0);
		bucket_take(&b, 1e9, 0);
	}
}

/* 120 a minute: a second's worth (2) at once, then one each 500 ms. */
static void
test_rpm(void **state)
{
	struct bucket b;
	double w;

	(void)state;
	bucket_init(&b, 120, 1000);
	assert_true(bucket_wait(&b, 1000) == 0);
	bucket_take(&b, 1, 1000);
	assert_true(bucket_wait(&b, 1000) == 0);
	bucket_take(&b, 1, 1000);
	w = bucket_wait(&b, 1000);
	assert_true(w > 499 && w < 501);
	w = bucket_wait(&b, 1250);
	assert_true(w > 249 && w < 251);
	assert_true(bucket_wait(&b, 1500) == 0);
	bucket_take(&b, 1, 1500);
	/* a long pause refills no more than the cap */
	assert_true(bucket_wait(&b, 100000) == 0);
	bucket_take(&b, 1, 100000);
	bucket_take(&b, 1, 100000);
	assert_true(bucket_wait(&b, 100000) > 0);
}

/* Below 60 a minute the cap is one request, never a burst. */
static void
test_slow_rpm(void **state)
{
	struct bucket b;
	double w;

	(void)state;
	bucket_init(&b, 6, 0);
	assert_true(bucket_wait(&b, 0) == 0);
	bucket_take(&b, 1, 0);
	w = bucket_wait(&b, 0);
	assert_true(w > 9999 && w < 10001);
}

/* Tokens: a request bigger than the bucket goes when the level is up to
 * one, leaves a debt, and the debt is paid before the next; a correction
 * from usage gives back what was over-estimated. */
static void
test_tpm_debt_and_correction(void **state)
{
	struct bucket b;
	double w;

	(void)state;
	bucket_init(&b, 6000, 0);	/* 100 a second, holds 100 */
	assert_true(bucket_wait(&b, 0) == 0);
	bucket_take(&b, 300, 0);	/* level -200 */
	w = bucket_wait(&b, 0);
	assert_true(w > 2009 && w < 2011);	/* (1 - -200) / 0.1 */
	bucket_take(&b, -250, 0);	/* it used only 50 */
	assert_true(bucket_wait(&b, 0) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_rpm),
		cmocka_unit_test(test_slow_rpm),
		cmocka_unit_test(test_tpm_debt_and_correction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
