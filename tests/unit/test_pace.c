/* Unit tests for lib/run/pace.c: the reset durations, and the pace driven
 * by made-up headers and times, against a made-up server whose buckets
 * are refilled as OpenAI's are, so nothing waits. */
#include "unit.h"

#include <math.h>

#include "run/pace.h"

static const struct {
	const char *s;
	double ms;
} reset_cases[] = {
	{"1s", 1000}, {"6m0s", 360000}, {"120ms", 120}, {"0.5s", 500}, {"1h2m3.5s", 3723500},
	{"17.142s", 17142}, {"2m59.56s", 179560}, {"250us", 0.25}, {"0s", 0}, {"2", 2000},
	{"1.5", 1500}, {"1000000ns", 1},
	{"", -1}, {"s", -1}, {"1x", -1}, {"-1s", -1}, {"1s2", -1}, {"ms", -1}, {"abc", -1},
	{"1 s", -1},
	/* Anthropic's: an RFC 3339 time, here against a now of 1767225600 (2026-01-01) */
	{"2026-01-01T00:00:30Z", 30000}, {"2026-01-01T00:00:00.5Z", 500},
	{"2026-01-01T01:00:30+01:00", 30000}, {"2025-12-31T23:59:00Z", 0},
	{"2026-01-01T00:00:30", -1},
	/* a fraction is digits: an exponent after them is not a time (strtod
	 * took "5e324" and gave inf, fuzz_ratelimit found) */
	{"2026-01-01T00:00:00.5e324Z", -1}, {"2026-01-01T00:00:00.25Z", 250},
};

static void
test_reset(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(reset_cases); i++) {
		double got = pace_reset_ms(reset_cases[i].s, 1767225600.0);

		if (fabs(got - reset_cases[i].ms) > 1e-6)
			fail_msg("'%s': %g, not %g", reset_cases[i].s, got, reset_cases[i].ms);
	}
	assert_true(pace_reset_ms(NULL, 0) == -1);
}

static void
test_hdrs_read(void **state)
{
	const char *v[6] = {"6000", "5999", "10ms", NULL, "", "x"};
	struct pace_hdrs h;

	(void)state;
	pace_hdrs_read(&h, v, 0);
	assert_true(h.req_limit == 6000 && h.req_left == 5999 && h.req_reset_ms == 10);
	assert_true(h.tok_limit == -1 && h.tok_left == -1 && h.tok_reset_ms == -1);
}

/* A server that says nothing of its limits: the window is the start, a
 * 429 halves it, answers bring it back to the start and no further. */
static void
test_silent_server(void **state)
{
	struct pace p;
	int i;

	(void)state;
	pace_init(&p, 64, 8, 0);
	for (i = 0; i < 8; i++) {
		assert_true(pace_wait(&p, 0) == 0);
		pace_sent(&p, 100, 0);
	}
	assert_true(pace_wait(&p, 0) == PACE_FULL);
	pace_answer(&p, 429, NULL, 3600000, 0, 10);
	assert_int_equal((int)p.window, 4);
	/* its retry-after may be one request's: nothing is held */
	pace_answer(&p, 200, NULL, -1, 0, 10);
	for (i = 0; i < 4; i++)
		pace_answer(&p, 200, NULL, -1, 0, 10);
	assert_true(pace_wait(&p, 1000) == 0);
	for (i = 0; i < 1000; i++) {
		pace_sent(&p, 1, 3000);
		pace_answer(&p, 200, NULL, -1, 3000, 3000);
	}
	assert_int_equal((int)p.window, 8);
}

/* A server that tells its limits: its 429 holds the endpoint for its
 * retry-after, an hour cut to PACE_HOLD_MAX. */
static void
test_hold(void **state)
{
	struct pace_hdrs h = {6000, 0, 10, -1, -1, -1};
	struct pace p;
	double w;

	(void)state;
	pace_init(&p, 64, 8, 0);
	pace_sent(&p, 1, 0);
	pace_answer(&p, 429, &h, 2000, 0, 10);
	w = pace_wait(&p, 1000);
	assert_true(w > 1009 && w < 1011);
	assert_true(pace_wait(&p, 2011) == 0);
	pace_sent(&p, 1, 3000);
	pace_answer(&p, 429, &h, 3600000, 3000, 3000);
	w = pace_wait(&p, 3000);
	assert_true(w > PACE_HOLD_MAX - 1 && w < PACE_HOLD_MAX + 1);
}

/* The answers of one window that all come back 429 cut it once. */
static void
test_one_cut_a_round(void **state)
{
	struct pace p;
	int i;

	(void)state;
	pace_init(&p, 64, 32, 0);
	for (i = 0; i < 32; i++)
		pace_sent(&p, 1, 0);
	for (i = 0; i < 32; i++)
		pace_answer(&p, 429, NULL, -1, 0, 100 + i);
	assert_int_equal((int)p.window, 16);
	/* one sent after the cut, refused too: cut again */
	pace_sent(&p, 1, 200);
	pace_answer(&p, 429, NULL, -1, 200, 300);
	assert_int_equal((int)p.window, 8);
}

/* Told it has room, the window grows by about one a round trip, up to
 * the ceiling. */
static void
test_grows_to_ceiling(void **state)
{
	struct pace_hdrs h = {6000, 5000, 10000, -1, -1, -1};
	struct pace p;
	int i;

	(void)state;
	pace_init(&p, 20, 8, 0);
	for (i = 0; i < 8; i++)
		pace_sent(&p, 1, 0);
	for (i = 0; i < 8; i++)
		pace_answer(&p, 200, &h, -1, 0, 1);
	/* a window's answers: about one more */
	assert_true(p.window > 8.9 && p.window < 9.0);
	for (i = 0; i < 1000; i++) {
		pace_sent(&p, 1, 2);
		pace_answer(&p, 200, &h, -1, 2, 2);
	}
	assert_int_equal((int)p.window, 20);
}

/* Never more than the server said is left: 10 left, no limit said,
 * reset in a second: nine go now (one kept in hand), then one each
 * 100 ms. */
static void
test_never_past_remaining(void **state)
{
	struct pace_hdrs h = {-1, 10, 1000, -1, -1, -1};
	struct pace p;
	int sent = 0;
	double w;

	(void)state;
	pace_init(&p, 64, 1, 0);
	pace_sent(&p, 1, 0);
	pace_answer(&p, 200, &h, -1, 0, 0);
	p.window = 64;
	while (pace_wait(&p, 0) == 0 && sent < 100) {
		pace_sent(&p, 1, 0);
		sent++;
	}
	assert_int_equal(sent, 9);
	w = pace_wait(&p, 0);
	assert_true(w > 99 && w < 101);
}

/* The tokens left hold a request back as the requests do. */
static void
test_tokens_left(void **state)
{
	struct pace_hdrs h = {6000, 5000, 100, 60000, 1500, 59000};
	struct pace p;

	(void)state;
	pace_init(&p, 64, 8, 0);
	pace_sent(&p, 500, 0);
	pace_answer(&p, 200, &h, -1, 0, 0);
	/* 1500 left, 600 kept in hand: one request of 500 goes, not two */
	assert_true(pace_wait(&p, 0) == 0);
	pace_sent(&p, 500, 0);
	assert_true(pace_wait(&p, 0) > 0);
}

/* A made-up server: a bucket per limit holding a minute, refilled
 * continuously, answering after lat ms with the headers OpenAI sends. */
struct server {
	double limit, level, last;
};

static int
serve(struct server *s, double now, struct pace_hdrs *h)
{
	s->level += (now - s->last) * s->limit / 60000;
	if (s->level > s->limit)
		s->level = s->limit;
	s->last = now;
	if (s->level >= 1)
		s->level -= 1;
	*h = (struct pace_hdrs){ s->limit, floor(s->level), (s->limit - s->level) * 60000 / s->limit,
	                         -1, -1, -1 };
	return s->level >= 0 && h->req_left >= 0 && s->level + 1 > 1 ? 200 : 429;
}

/* Run for ms of made-up time against s, answers taking lat ms; the
 * limit changed to half at half time when halve; count oks and 429s. */
static void
simulate(struct server *s, double ms, double lat, int halve, long *ok, long *limited,
         long *ok_late)
{
	enum { MAXQ = 4096 };
	struct { double sent, due; int status; struct pace_hdrs h; } q[MAXQ];
	size_t nq = 0, i;
	struct pace p;
	double t;

	pace_init(&p, 64, 8, 0);
	*ok = *limited = *ok_late = 0;
	for (t = 0; t < ms; t += 1) {
		if (halve && t == ms / 2) {
			s->limit /= 2;
			if (s->level > s->limit)
				s->level = s->limit;
		}
		for (i = 0; i < nq;) {
			if (q[i].due <= t) {
				pace_answer(&p, q[i].status, &q[i].h, q[i].status == 429 ? 10 : -1,
				            q[i].sent, t);
				q[i] = q[--nq];
			} else
				i++;
		}
		while (nq < MAXQ && pace_wait(&p, t) == 0) {
			pace_sent(&p, 1, t);
			q[nq].sent = t;
			q[nq].due = t + lat;
			q[nq].status = serve(s, t, &q[nq].h);
			if (q[nq].status == 429)
				++*limited;
			else {
				++*ok;
				/* the last 5 s: the pace after the change */
				if (t >= ms - 5000)
					++*ok_late;
			}
			nq++;
		}
	}
}

/* 6000 a minute, answers in 200 ms: the burst of the full bucket, then
 * 100 a second; within 5% of that, with under 1% refused. */
static void
test_at_the_limit(void **state)
{
	struct server s = { 6000, 6000, 0 };
	long ok, limited, late;
	double ideal = 6000 + 100 * 120;

	(void)state;
	simulate(&s, 120000, 200, 0, &ok, &limited, &late);
	if (ok < ideal * 0.95 || ok > ideal + 1 || limited > ok / 100)
		fail_msg("%ld ok of %.0f, %ld refused", ok, ideal, limited);
}

/* The limit halved half way: the last 5 s go at the new 50 a second, and
 * few are refused. */
static void
test_limit_halved(void **state)
{
	struct server s = { 6000, 6000, 0 };
	long ok, limited, late;

	(void)state;
	simulate(&s, 120000, 200, 1, &ok, &limited, &late);
	if (late < 50 * 5 * 0.9 || late > 50 * 5 * 1.1 || limited > ok / 100)
		fail_msg("%ld ok in the last 5 s, %ld refused of %ld", late, limited, ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_hdrs_read),
		cmocka_unit_test(test_silent_server),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_one_cut_a_round),
		cmocka_unit_test(test_grows_to_ceiling),
		cmocka_unit_test(test_never_past_remaining),
		cmocka_unit_test(test_tokens_left),
		cmocka_unit_test(test_at_the_limit),
		cmocka_unit_test(test_limit_halved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
