#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/backoff.h"

void
retry_policy_init(struct retry_policy *p)
{
	memset(p, 0, sizeof *p);
	p->base_ms = 1000;
	p->cap_ms = 300000;
	p->max_retries = 3;
	p->max_retry_after_ms = 120000;
}

/* One item of an --on list: a status or a class "4xx".  0 or -1. */
static int
on_item(struct retry_policy *p, const char *s, size_t n)
{
	char *end;
	long v;
	int i;

	if (n == 6 && strncmp(s, "schema", 6) == 0) {
		p->on_schema = 1;
		return 0;
	}
	p->on_set = 1;
	if (n == 3 && s[0] >= '1' && s[0] <= '5' && (s[1] == 'x' || s[1] == 'X') &&
	    (s[2] == 'x' || s[2] == 'X')) {
		for (i = 0; i < 100; i++)
			p->on[(s[0] - '0') * 100 + i] = 1;
		return 0;
	}
	if (n == 0 || n > 3 || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end != s + n || v < 100 || v > 599)
		return -1;
	p->on[v] = 1;
	return 0;
}

int
retry_policy_on(struct retry_policy *p, const char *list, char *err, size_t errlen)
{
	const char *s = list;

	memset(p->on, 0, sizeof p->on);
	p->on_set = p->on_schema = 0;
	for (;;) {
		size_t n = strcspn(s, ",");

		if (on_item(p, s, n) < 0) {
			snprintf(err, errlen, "--on: not an HTTP status (100-599 or 4xx, 5xx): '%.*s'",
			         (int)n, s);
			return -1;
		}
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

double
backoff_delay(const struct retry_policy *p, int retry, double u)
{
	double d = p->base_ms;
	int i;

	for (i = 1; i < retry && d < p->cap_ms; i++)
		d *= 2;
	if (d > p->cap_ms)
		d = p->cap_ms;
	return d * (1 - 0.25 * u);
}

/* Is the error object of an error record retryable by p?  Without an --on
 * list, its "retryable"; with one, an error with an "http_status" is
 * retryable when the status is in the list, any other keeps its
 * "retryable" (connect, timeout).  bad_input and config never are; schema
 * only when the list names it. */
static int
retry_error_retryable(const struct retry_policy *p, json_object *error)
{
	const char *kind = json_get_str(error, "kind");
	json_object *st = json_get(error, "http_status");

	/* a spent quota is never retried, not even by --retry-on 429 */
	if (kind && (strcmp(kind, "bad_input") == 0 || strcmp(kind, "config") == 0 ||
	             strcmp(kind, "quota") == 0))
		return 0;
	if (kind && strcmp(kind, "schema") == 0)
		return p->on_schema;
	if (p->on_set && json_object_is_type(st, json_type_int)) {
		int s = json_object_get_int(st);

		return s >= 100 && s <= 599 && p->on[s];
	}
	return json_object_get_boolean(json_get(error, "retryable"));
}

enum retry_verdict
retry_decide(const struct retry_policy *p, json_object *error, int retries_done, double u,
             double *delay_ms)
{
	json_object *ra = json_get(error, "retry_after_ms");
	double after = -1;

	*delay_ms = 0;
	if (!retry_error_retryable(p, error))
		return RETRY_FINAL;
	if (retries_done >= p->max_retries)
		return RETRY_EXHAUSTED;
	if (json_object_is_type(ra, json_type_int) || json_object_is_type(ra, json_type_double))
		after = json_object_get_double(ra);
	if (after > p->max_retry_after_ms)
		return RETRY_TOO_LONG;
	*delay_ms = backoff_delay(p, retries_done + 1, u);
	if (after > *delay_ms)
		*delay_ms = after;
	return RETRY_AGAIN;
}

long long
retry_wait_s(long long ms)
{
	return ms <= 0 ? 0 : ms / 1000 + (ms % 1000 != 0);
}

const char *
retry_reset_time(time_t now, long long ms, char *buf, size_t len)
{
	time_t t = (time_t)add_sat((long long)now, retry_wait_s(ms));
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "in %lld s", retry_wait_s(ms));
	return buf;
}
