#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/pace.h"

/* Kept in hand at the server: a hundredth of the limit, at least one. */
static double
margin(double limit)
{
	double m = limit / 100;

	return m < 1 ? 1 : m;
}

void
pace_init(struct pace *p, int ceiling, int start, double now)
{
	memset(p, 0, sizeof *p);
	p->ceiling = ceiling < 1 ? 1 : ceiling;
	p->start = start < 1 ? 1 : start > p->ceiling ? p->ceiling : start;
	p->window = p->start;
	p->req.last = p->tok.last = now;
	p->last_sent = now;
}

double
pace_wait(struct pace *p, double now)
{
	double a, b;

	if (p->inflight >= (int)p->window)
		return PACE_FULL;
	if (now < p->hold_until)
		return p->hold_until - now;
	a = bucket_wait_for(&p->req, 1 + margin(p->req.cap), now);
	b = bucket_wait_for(&p->tok, p->tok_est + margin(p->tok.cap), now);
	return a > b ? a : b;
}

void
pace_sent(struct pace *p, double tokens, double now)
{
	double gap = now - p->last_sent;

	p->inflight++;
	p->tok_est = tokens;
	bucket_take(&p->req, 1, now);
	bucket_take(&p->tok, tokens, now);
	/* smoothed over about a second's worth of sends */
	if (gap > 0)
		p->rate += (1000.0 / gap - p->rate) * (gap < 1000 ? gap / 1000 : 1);
	p->last_sent = now;
}

/* One of the server's buckets as its headers tell it: its level is what
 * is left less what is in flight (some of those the server may have
 * counted already: a reckoning on the safe side). */
static void
mirror(struct bucket *b, double limit, double left, double reset_ms, int inflight, double now)
{
	if (left < 0)
		return;
	if (limit > 0)
		b->per_ms = limit / 60000.0;
	else if (reset_ms > 0)
		b->per_ms = left > 0 ? left / reset_ms : 1 / reset_ms;
	b->cap = limit > 0 ? limit : left > 1 ? left : 1;
	b->level = left - inflight;
	b->last = now;
}

/* Is what the server said is left near zero? */
static int
near_zero(double limit, double left)
{
	return left >= 0 && left < margin(limit > 0 ? limit : 0);
}

static void
cut(struct pace *p, double sent_at, double now)
{
	/* once a round trip: the answers of one window speak of one state */
	if (sent_at < p->last_cut)
		return;
	p->window /= 2;
	if (p->window < 1)
		p->window = 1;
	p->last_cut = now;
}

void
pace_answer(struct pace *p, int status, const struct pace_hdrs *h, long long retry_after_ms,
            double sent_at, double now)
{
	int told = h && (h->req_left >= 0 || h->tok_left >= 0);

	if (p->inflight > 0)
		p->inflight--;
	if (told) {
		p->informed = 1;
		mirror(&p->req, h->req_limit, h->req_left, h->req_reset_ms, p->inflight, now);
		mirror(&p->tok, h->tok_limit, h->tok_left, h->tok_reset_ms, 0, now);
		/* the tokens of those in flight: as many as the last was */
		if (h->tok_left >= 0)
			p->tok.level -= p->inflight * p->tok_est;
	}
	if (status == 429) {
		cut(p, sent_at, now);
		/* a server that tells its limits speaks of them all; another's
		 * 429 may be one request's (llm-retry waits for it) */
		if (p->informed && retry_after_ms > 0) {
			double until = now + (double)(retry_after_ms < PACE_HOLD_MAX ? retry_after_ms
			                                                             : PACE_HOLD_MAX);

			if (until > p->hold_until)
				p->hold_until = until;
		}
		return;
	}
	if (status < 200 || status >= 300)
		return;
	if (told && (near_zero(h->req_limit, h->req_left) || near_zero(h->tok_limit, h->tok_left)))
		cut(p, sent_at, now);
	else {
		/* past the start only for a server that tells its limits */
		double top = p->informed ? p->ceiling : p->start;

		if (p->window < top)
			p->window = p->window + 1 / p->window < top ? p->window + 1 / p->window : top;
	}
}

/* A Go-style duration: numbers each with a unit, h m s ms us µs ns. */
static double
duration_ms(const char *s)
{
	static const struct { const char *u; double ms; } units[] = {
		{ "ms", 1 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "ns", 1e-6 },
		{ "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};
	double total = 0;

	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t i, n = sizeof units / sizeof units[0];

		if (end == s || !isfinite(v) || v < 0 || *s == '+' || *s == '-')
			return -1;
		s = end;
		for (i = 0; i < n; i++)
			if (!strncmp(s, units[i].u, strlen(units[i].u)))
				break;
		if (i == n)
			return -1;
		total += v * units[i].ms;
		s += strlen(units[i].u);
	}
	return total;
}

/* An RFC 3339 time, "2026-01-01T00:00:30Z" or with an offset. */
static double
rfc3339_ms(const char *s, double now_s)
{
	struct tm tm = {0};
	double frac = 0;
	int off = 0, n = 0, oh, om;
	const char *p;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	p = s + n;
	if (*p == '.') {
		/* digits only: strtod would take "5e324" too, and give inf */
		double unit = 0.1;

		for (p++; *p >= '0' && *p <= '9'; p++, unit /= 10)
			frac += (*p - '0') * unit;
	}
	if (*p == '+' || *p == '-') {
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z' && *p != 'z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return ((double)t - off + frac - now_s) * 1000 > 0 ? ((double)t - off + frac - now_s) * 1000 : 0;
}

/* A number that is all of s, not negative; -1 when it is none. */
static double
count(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	return end != s && !*end && isfinite(v) && v >= 0 ? v : -1;
}

double
pace_reset_ms(const char *s, double now_s)
{
	double v;

	if (!s || !*s)
		return -1;
	if (strchr(s, 'T'))
		v = rfc3339_ms(s, now_s);
	else if ((v = count(s)) >= 0)
		v *= 1000;	/* a bare number: seconds */
	else
		v = duration_ms(s);
	/* "3e305" seconds or "1e308h" are finite yet overflow as ms: unreadable */
	return isfinite(v) ? v : -1;
}

void
pace_hdrs_read(struct pace_hdrs *h, const char *const v[6], double now_s)
{
	h->req_limit = count(v[0]);
	h->req_left = count(v[1]);
	h->req_reset_ms = pace_reset_ms(v[2], now_s);
	h->tok_limit = count(v[3]);
	h->tok_left = count(v[4]);
	h->tok_reset_ms = pace_reset_ms(v[5], now_s);
}
