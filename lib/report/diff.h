/* diff: two logs of result records compared, for llm-diff: the records
 * joined on their id (or on the values of a few paths), the last record
 * of each id winning as in llm-summarize, then what changed for each key
 * and each model.
 *
 * Each log is read by a summary (summary.h), so its rules (what a result
 * is, its model, its cost, its latency) are llm-summarize's.  Per record
 * only what the comparison needs is kept: the content's hash, the
 * status, the assertion's verdict, tokens, and where the record is, so a
 * caller can read it again (llm-diff -v); never the record.
 *
 * Ownership: the diff owns everything it read; a struct diff_report
 * filled by diff_compare() borrows its strings and records from the
 * diff, is valid until diff_free(), and owns its arrays and the text
 * diffs put in it (diff_report_free()).
 */
#ifndef LLM_DIFF_H
#define LLM_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "report/summary.h"

enum { DIFF_OLD, DIFF_NEW };

/* What changed for a key, a bit each, in the order they are reported. */
enum diff_what {
	DIFF_ONLY_OLD = 1 << 0,
	DIFF_ONLY_NEW = 1 << 1,
	DIFF_OK_TO_ERROR = 1 << 2,
	DIFF_ERROR_TO_OK = 1 << 3,
	DIFF_PASS_TO_FAIL = 1 << 4,
	DIFF_FAIL_TO_PASS = 1 << 5,
	DIFF_CONTENT = 1 << 6,
};
#define DIFF_NWHAT 7

/* The name of bit i of enum diff_what: "only_old", "ok_to_error", ... */
const char *diff_what_name(int i);

/* One side's record of a key, as kept. */
struct diff_rec {
	const char *id, *model;
	const char *kind;	/* a failure's kind; NULL when ok */
	int ok;
	int pass;		/* assert.pass: 1, 0, or -1 when not asserted */
	int hashed;		/* the record has content (or final_content) */
	uint64_t hash;		/* the first 64 bits of its canonical SHA-256 */
	long long prompt, completion;	/* tokens: -1 when not given */
	double cost, latency;	/* NAN: unknown / none (summary.h's rules) */
	long long off;
	size_t len;
};

struct diff_change {
	const char *key;	/* the id, or the --by values joined by NUL */
	unsigned what;		/* enum diff_what bits */
	int regressed;		/* ok became an error, or a pass a fail */
	struct diff_rec *old, *new;	/* NULL on the side without it */
	char *text_diff;	/* the caller's (diff_report_free frees it) */
};

/* A model's numbers on each side, llm-summarize's (NULL: none there). */
struct diff_model {
	const char *model;
	const struct sum_row *old, *new;
	double cost_old, cost_new;	/* USD per request priced: NAN none */
	double cost_pct, p50_pct, p95_pct;	/* rises in %: NAN when not
						 * comparable, INFINITY from 0 */
	int cost_regressed, latency_regressed;
};

struct diff_report {
	const char *const *by;	/* the --by paths, NULL: joined on id */
	int nby;
	struct diff_change *changes;	/* in the order the keys were first read */
	size_t nchanges;
	struct diff_model *models;	/* by name */
	size_t nmodels;
	long long keys, same;	/* keys seen, and those without a change */
	long long count[DIFF_NWHAT];	/* changes of each kind */
	long long shadowed[2];	/* records of another id with the same key:
				 * the later one was compared */
	long long unkeyed[2];	/* records without a --by value: left out */
	int regressed;
	struct sum_report side[2];
};

struct diff;

/* by: NULL to join on id, or paths joined by ',' (keys joined by '.',
 * as jq writes them, a leading '.' allowed).  NULL with err for a bad
 * path. */
struct diff *diff_new(const char *by, char *err, size_t errlen);
void diff_free(struct diff *d);

/* A line of one side's log, as summary_add() takes it. */
enum sum_line diff_add(struct diff *d, int side, const char *line, size_t len,
                       const struct sum_loc *loc, char *err, size_t errlen);

/* Why a side's price table could not be loaded, or NULL. */
const char *diff_price_error(const struct diff *d);

/* The comparison.  max_cost and max_latency: the rise in % of a model's
 * cost per request and of its median latency past which it regressed;
 * negative for no limit. */
void diff_compare(struct diff *d, double max_cost, double max_latency,
                  struct diff_report *r);
void diff_report_free(struct diff_report *r);

#endif
