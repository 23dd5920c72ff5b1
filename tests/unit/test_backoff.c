/* Unit tests for lib/run/backoff.c: the delay, the --on list, the verdict on
 * an error record, the reset time. */
#include "unit.h"

#include "run/backoff.h"

/* ---- backoff_delay ---- */

static const struct {
	double base, cap;
	int retry;
	double u, want;
} delay_cases[] = {
	{1000, 300000, 1, 0, 1000},
	{1000, 300000, 2, 0, 2000},
	{1000, 300000, 3, 0, 4000},
	{1000, 300000, 9, 0, 256000},
	{1000, 300000, 10, 0, 300000},	/* 512 s capped */
	{1000, 300000, 1000, 0, 300000},	/* no overflow far out */
	{1000, 300000, 1, 0.5, 875},	/* jitter takes off up to a quarter */
	{1000, 300000, 2, 0.999, 1500.5},
	{1000, 300000, 10, 1, 225000},
	{10, 300000, 4, 0, 80},
	{10, 25, 3, 0, 25},
	{0, 300000, 5, 0, 0},
	{500, 500, 3, 0, 500},
};

static void
test_delay(void **state)
{
	struct retry_policy p;
	size_t i;

	(void)state;
	retry_policy_init(&p);
	for (i = 0; i < N(delay_cases); i++) {
		double got;

		p.base_ms = delay_cases[i].base;
		p.cap_ms = delay_cases[i].cap;
		got = backoff_delay(&p, delay_cases[i].retry, delay_cases[i].u);
		if (got < delay_cases[i].want - 1e-6 || got > delay_cases[i].want + 1e-6)
			fail_msg("case %zu: %g, want %g", i, got, delay_cases[i].want);
	}
}

static void
test_defaults(void **state)
{
	struct retry_policy p;

	(void)state;
	retry_policy_init(&p);
	assert_true(p.base_ms == 1000);
	assert_true(p.cap_ms == 300000);
	assert_int_equal(p.max_retries, 3);
	assert_true(p.max_retry_after_ms == 120000);
	assert_int_equal(p.on_set, 0);
}

/* ---- --on ---- */

static const struct {
	const char *list;
	const char *on;		/* statuses that must be on, comma-separated */
	const char *off;	/* statuses that must be off */
	const char *err;	/* NULL: accepted */
} on_cases[] = {
	{"429", "429", "503,500,428", NULL},
	{"429,503", "429,503", "500,502", NULL},
	{"5xx", "500,503,599", "429,499,600", NULL},
	{"4XX,502", "400,429,499,502", "500,503", NULL},
	{"100,599", "100,599", "200", NULL},
	{"", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): ''"},
	{"429,", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): ''"},
	{"42", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '42'"},
	{"600", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '600'"},
	{"099", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '099'"},
	{"429x", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '429x'"},
	{"6xx", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '6xx'"},
	{"+429", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): '+429'"},
	{"503,abc", NULL, NULL, "--on: not an HTTP status (100-599 or 4xx, 5xx): 'abc'"},
};

static void
check_statuses(const struct retry_policy *p, const char *list, int want, size_t i)
{
	const char *s = list;

	while (s && *s) {
		int st = atoi(s);
		/* a number past the table (600) is never on: on[600] is not
		 * read, it lies outside the struct */
		int on = st >= 100 && st <= 599 && p->on[st];

		if (on != want)
			fail_msg("case %zu: status %d is %s", i, st, want ? "off" : "on");
		s = strchr(s, ',');
		s = s ? s + 1 : NULL;
	}
}

static void
test_on_list(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(on_cases); i++) {
		struct retry_policy p;
		char err[ERRLEN] = "";
		int rc;

		retry_policy_init(&p);
		rc = retry_policy_on(&p, on_cases[i].list, err, sizeof err);
		if (on_cases[i].err) {
			if (rc != -1)
				fail_msg("case %zu '%s' accepted", i, on_cases[i].list);
			assert_string_equal(err, on_cases[i].err);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu '%s' refused: %s", i, on_cases[i].list, err);
		assert_int_equal(p.on_set, 1);
		check_statuses(&p, on_cases[i].on, 1, i);
		check_statuses(&p, on_cases[i].off, 0, i);
	}
}

/* ---- retry_decide ---- */

static const struct {
	const char *on;		/* NULL: no --on */
	const char *error;	/* the error object */
	int retries_done;
	double u;
	enum retry_verdict want;
	double delay;
} decide_cases[] = {
	/* the record's own verdict */
	{NULL, "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 0, 0, RETRY_AGAIN, 1000},
	{NULL, "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 1, 0, RETRY_AGAIN, 2000},
	{NULL, "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 2, 1, RETRY_AGAIN, 3000},
	{NULL, "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 3, 0, RETRY_EXHAUSTED, 0},
	{NULL, "{\"kind\":\"http\",\"http_status\":503,\"retryable\":false}", 0, 0, RETRY_FINAL, 0},
	{NULL, "{\"kind\":\"http\",\"http_status\":400,\"retryable\":false}", 0, 0, RETRY_FINAL, 0},
	{NULL, "{\"kind\":\"connect\",\"retryable\":true}", 0, 0, RETRY_AGAIN, 1000},
	{NULL, "{\"kind\":\"timeout\",\"retryable\":true}", 2, 0, RETRY_AGAIN, 4000},
	{NULL, "{\"kind\":\"protocol\",\"retryable\":false}", 0, 0, RETRY_FINAL, 0},
	{NULL, "{\"kind\":\"http\",\"http_status\":429}", 0, 0, RETRY_FINAL, 0},
	{NULL, "{}", 0, 0, RETRY_FINAL, 0},
	/* never: bad input and configuration, whatever they say */
	{NULL, "{\"kind\":\"bad_input\",\"retryable\":true}", 0, 0, RETRY_FINAL, 0},
	{"5xx", "{\"kind\":\"config\",\"http_status\":503,\"retryable\":true}", 0, 0, RETRY_FINAL, 0},
	/* nor a spent quota, even when 429s are asked for */
	{"429", "{\"kind\":\"quota\",\"http_status\":429,\"retryable\":true}", 0, 0, RETRY_FINAL, 0},
	/* the server's wait is the least wait */
	{NULL, "{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,\"retry_after_ms\":5000}", 0, 0,
	 RETRY_AGAIN, 5000},
	{NULL, "{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,\"retry_after_ms\":500}", 1, 0,
	 RETRY_AGAIN, 2000},
	{NULL, "{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,\"retry_after_ms\":120000}", 0, 0,
	 RETRY_AGAIN, 120000},
	{NULL, "{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,\"retry_after_ms\":120001}", 0, 0,
	 RETRY_TOO_LONG, 0},
	{NULL, "{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,\"retry_after_ms\":3600000}", 3, 0,
	 RETRY_EXHAUSTED, 0},
	/* --on decides for statuses, not for other kinds */
	{"429", "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 0, 0, RETRY_FINAL, 0},
	{"429", "{\"kind\":\"http\",\"http_status\":429,\"retryable\":false}", 0, 0, RETRY_AGAIN, 1000},
	{"400,5xx", "{\"kind\":\"http\",\"http_status\":400,\"retryable\":false}", 0, 0, RETRY_AGAIN, 1000},
	{"429", "{\"kind\":\"connect\",\"retryable\":true}", 0, 0, RETRY_AGAIN, 1000},
	{"429", "{\"kind\":\"protocol\",\"retryable\":false}", 0, 0, RETRY_FINAL, 0},
	/* an answer breaking its schema: only when --on names schema, and
	 * schema alone leaves the statuses to their records */
	{NULL, "{\"kind\":\"schema\",\"retryable\":true}", 0, 0, RETRY_FINAL, 0},
	{"5xx", "{\"kind\":\"schema\",\"retryable\":false}", 0, 0, RETRY_FINAL, 0},
	{"schema", "{\"kind\":\"schema\",\"retryable\":false}", 0, 0, RETRY_AGAIN, 1000},
	{"schema", "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 0, 0, RETRY_AGAIN,
	 1000},
	{"schema", "{\"kind\":\"http\",\"http_status\":400,\"retryable\":false}", 0, 0, RETRY_FINAL,
	 0},
	{"429,schema", "{\"kind\":\"http\",\"http_status\":503,\"retryable\":true}", 0, 0,
	 RETRY_FINAL, 0},
	{"429,schema", "{\"kind\":\"schema\",\"retryable\":false}", 0, 0, RETRY_AGAIN, 1000},
};

static void
test_decide(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(decide_cases); i++) {
		struct retry_policy p;
		char err[ERRLEN];
		json_object *e = parse(decide_cases[i].error);
		double delay = -1;
		enum retry_verdict v;

		retry_policy_init(&p);
		if (decide_cases[i].on && retry_policy_on(&p, decide_cases[i].on, err, sizeof err) < 0)
			fail_msg("case %zu: %s", i, err);
		v = retry_decide(&p, e, decide_cases[i].retries_done, decide_cases[i].u, &delay);
		if (v != decide_cases[i].want)
			fail_msg("case %zu (%s): verdict %d, want %d", i, decide_cases[i].error, v,
			         decide_cases[i].want);
		if (delay != decide_cases[i].delay)
			fail_msg("case %zu: delay %g, want %g", i, delay, decide_cases[i].delay);
		json_object_put(e);
	}
}

static void
test_decide_policy(void **state)
{
	struct retry_policy p;
	json_object *e = parse("{\"kind\":\"http\",\"http_status\":429,\"retryable\":true,"
	                       "\"retry_after_ms\":30000}");
	double delay;

	(void)state;
	retry_policy_init(&p);
	p.max_retries = 0;
	assert_int_equal(retry_decide(&p, e, 0, 0, &delay), RETRY_EXHAUSTED);
	p.max_retries = 1;
	p.max_retry_after_ms = 10000;
	assert_int_equal(retry_decide(&p, e, 0, 0, &delay), RETRY_TOO_LONG);
	p.max_retry_after_ms = 30000;
	assert_int_equal(retry_decide(&p, e, 0, 0, &delay), RETRY_AGAIN);
	assert_true(delay == 30000);
	json_object_put(e);
}

/* ---- retry_reset_time ---- */

static const struct {
	time_t now;
	long long ms;
	const char *want;
} reset_cases[] = {
	{0, 0, "1970-01-01T00:00:00Z"},
	{0, 1, "1970-01-01T00:00:01Z"},	/* a part of a second counts whole */
	{0, 1000, "1970-01-01T00:00:01Z"},
	{1794700800, 3600000, "2026-11-15T01:00:00Z"},
	{1794700800, 86400000, "2026-11-16T00:00:00Z"},
	{951782399, 1000, "2000-02-29T00:00:00Z"},
};

static void
test_reset_time(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(reset_cases); i++) {
		char buf[64];

		assert_string_equal(retry_reset_time(reset_cases[i].now, reset_cases[i].ms, buf,
		                                     sizeof buf), reset_cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_on_list),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_decide_policy),
		cmocka_unit_test(test_reset_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
