/* Unit tests for lib/report/summary.c: nearest-rank percentiles, the last record
 * of an id, failures by kind, and the best result of a group. */
#include "unit.h"

#include "report/summary.h"

static void
test_percentile(void **state)
{
	static const double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
	static const struct {
		size_t n;
		double p, want;
	} cases[] = {
		{1, 50, 1}, {1, 95, 1}, {2, 50, 1}, {2, 95, 2}, {4, 50, 2}, {5, 50, 3},
		{10, 95, 10}, {20, 50, 10}, {20, 95, 19}, {20, 100, 20}, {20, 5, 1}, {20, 5.1, 2},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		if (sum_percentile(v, cases[i].n, cases[i].p) != cases[i].want)
			fail_msg("p%g of 1..%zu: %g, not %g", cases[i].p, cases[i].n,
			         sum_percentile(v, cases[i].n, cases[i].p), cases[i].want);
}

static void
add(struct summary *s, const char *line)
{
	char err[ERRLEN];
	struct sum_loc loc = {"t:1", 0, 0};

	assert_int_equal(summary_add(s, line, strlen(line), &loc, err, sizeof err), SUM_RESULT);
}

static void
test_rules(void **state)
{
	struct summary *s = summary_new(NULL, 0);
	struct sum_report r;
	char err[ERRLEN];
	struct sum_loc loc = {"t:9", 0, 0};

	(void)state;
	/* the price: 1 USD per 1M prompt tokens and 2 per 1M completion */
	setenv("LLM_PRICES", "/nonexistent/prices.json", 1);
	add(s, "{\"id\":\"a\",\"status\":\"error\",\"error\":{\"kind\":\"timeout\",\"message\":\"slow\\nline\"},"
	       "\"meta\":{\"query_id\":\"q1\",\"model\":\"m1\"}}");
	add(s, "{\"id\":\"b\",\"status\":\"ok\",\"model\":\"m1\",\"content\":\"four\",\"cost_usd\":0.5,"
	       "\"latency_ms\":30,\"meta\":{\"query_id\":\"q1\"}}");
	add(s, "{\"id\":\"c\",\"status\":\"ok\",\"model\":\"m1\",\"content\":\"longer\",\"cost_usd\":0.5,"
	       "\"latency_ms\":10,\"meta\":{\"query_id\":\"q1\"}}");
	/* a again: now ok, its failure gone */
	add(s, "{\"id\":\"a\",\"status\":\"ok\",\"model\":\"m1\",\"content\":\"x\",\"cost_usd\":0.25,"
	       "\"latency_ms\":20,\"cached\":true,\"meta\":{\"query_id\":\"q2\"}}");
	add(s, "{\"run_id\":\"r\",\"status\":\"max_turns\",\"model\":\"m2\",\"cost_usd\":1}");
	assert_int_equal(summary_add(s, "{\"id\":\"e\",\"event\":\"delta\"}", 26, &loc, err, sizeof err),
	                 SUM_EVENT);
	assert_int_equal(summary_add(s, "[1]", 3, &loc, err, sizeof err), SUM_BAD);
	assert_string_equal(err, "t:9: not a JSON object");
	assert_int_equal(summary_add(s, "{\"status\":1}", 12, &loc, err, sizeof err), SUM_BAD);
	summary_report(s, &r);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].model, "m1");
	assert_int_equal(r.rows[0].requests, 3);
	assert_int_equal(r.rows[0].ok, 3);
	assert_int_equal(r.rows[0].cached, 1);
	/* the cached answer cost nothing now and has no latency */
	assert_true(r.rows[0].cost == 1.0);
	assert_int_equal(r.rows[0].nlat, 2);
	assert_true(r.rows[0].p50 == 10 && r.rows[0].max == 30);
	assert_int_equal(r.total.failed, 1);
	assert_int_equal(r.nfails, 1);
	assert_string_equal(r.fails[0].kind, "max_turns");
	assert_string_equal(r.fails[0].message, "status max_turns, no error message");
	assert_int_equal(r.superseded, 1);
	assert_int_equal(r.results, 5);
	assert_int_equal(r.events, 1);
	assert_int_equal(r.bad, 2);
	/* q1: b and c cost the same, c says more; q2: a */
	assert_int_equal(r.nbest, 2);
	assert_string_equal(r.best[0].id, "c");
	assert_string_equal(r.best[1].id, "a");
	sum_report_free(&r);
	summary_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
