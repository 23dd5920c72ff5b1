/* backoff: when and whether to send a failed record again — the pure
 * part of llm-retry, kept apart so it can be tested from a table and
 * reused by any program that re-submits records.
 *
 * Nothing here reads a clock or a random source: the caller passes the
 * time and a uniform number u in [0, 1) for the jitter.  error objects are
 * borrowed (json.h rules).
 */
#ifndef LLM_BACKOFF_H
#define LLM_BACKOFF_H

#include <time.h>

#include "json/json.h"

struct retry_policy {
	double base_ms;		/* first delay (default 1000) */
	double cap_ms;		/* longest delay (default 300000) */
	int max_retries;	/* sends after the first (default 3) */
	double max_retry_after_ms;	/* longest server wait honoured (default 120000) */
	int on_set;		/* on[] decides for errors with an http_status */
	int on_schema;		/* "schema" in --on: answers not following their schema */
	unsigned char on[600];	/* on[status] for status 100..599 */
};

/* The defaults above, no --on list. */
void retry_policy_init(struct retry_policy *p);

/* Parse an --on list, "429,503,5xx": statuses 100..599 or a class "4xx",
 * "5xx", and "schema" (errors of kind schema, never retried otherwise),
 * separated by commas.  A list of "schema" alone leaves the statuses as
 * they were.  0, or -1 with err. */
int retry_policy_on(struct retry_policy *p, const char *list, char *err, size_t errlen);

/* The wait before retry number retry (1 for the first retry): base
 * doubled per retry, at most cap, times a jitter factor in (0.75, 1]
 * from u (u = 0: the full delay), as the OpenAI SDKs do. */
double backoff_delay(const struct retry_policy *p, int retry, double u);

enum retry_verdict {
	RETRY_FINAL,		/* not retryable: the record is done */
	RETRY_AGAIN,		/* send again after *delay_ms */
	RETRY_EXHAUSTED,	/* retryable, but no retries are left */
	RETRY_TOO_LONG,		/* the server asks for a wait past max_retry_after */
};

/* What to do with a record whose error is error after retries_done
 * retries in this run: the verdict, and for RETRY_AGAIN the wait, never
 * shorter than error.retry_after_ms. */
enum retry_verdict retry_decide(const struct retry_policy *p, json_object *error,
                                int retries_done, double u, double *delay_ms);

/* ms in whole seconds, rounded up (a wait of 1 ms is 1 s, never 0); a
 * record's retry_after_ms may be any number, and this never overflows. */
long long retry_wait_s(long long ms);

/* "2026-11-22T10:00:00Z": the UTC time ms milliseconds after now, when a
 * limit the server named resets ("in N s" past the calendar's end).
 * Returns buf. */
const char *retry_reset_time(time_t now, long long ms, char *buf, size_t len);

#endif
