/* summary: the counting behind llm-summarize: result and trace records
 * in, per-model counts, tokens, cost, latency percentiles, failures and
 * the best result per group out.
 *
 * A record is read with jfield (no tree is built), so the memory held
 * grows with the number of ids, models and groups, never with the size of
 * the records' content.  Every rule here is llm-summarize(1)'s; the page
 * says why.
 *
 * Ownership: the summary owns everything; a struct sum_report filled by
 * summary_report() borrows its strings from the summary and is valid
 * until the next summary_add() or summary_reset(); sum_report_free()
 * releases the report's own arrays.
 */
#ifndef LLM_SUMMARY_H
#define LLM_SUMMARY_H

#include <stddef.h>

#include "json/jfield.h"

#define SUM_DEFAULT_BY "meta.query_id"
#define SUM_NO_GROUPS ""	/* a by that groups nothing: no best results */

enum sum_line {
	SUM_RESULT,	/* a result or trace record: counted */
	SUM_EVENT,	/* a stream event (no "status", an "event"): passed over */
	SUM_OTHER,	/* another object without "status": passed over */
	SUM_BAD,	/* not a JSON object, or "status" not a string: err says why */
};

/* Where a line is, for messages, made-up ids and reading it back. */
struct sum_loc {
	const char *where;	/* "FILE:LINE" */
	int src;		/* the caller's number for the file it is in */
	long long off;		/* its offset there */
};

struct summary;

/* by: the path of the group key (SUM_DEFAULT_BY when NULL, none when
 * SUM_NO_GROUPS: a caller that wants no best results); all_attempts:
 * count every record, not the last of each id.  NULL for a bad path. */
struct summary *summary_new(const char *by, int all_attempts);

/* What makes a group's best result (llm-summarize --best-by): always an
 * ok one before a failure, then the highest assert.score, the lowest
 * cost, or the longest content; the ties go on by the lower cost (a known
 * one before an unknown), the longer content, the one read first.
 * SUM_RANK_AUTO: by score when any record carries an assert, else by
 * cost. */
enum sum_rank { SUM_RANK_AUTO, SUM_RANK_SCORE, SUM_RANK_COST, SUM_RANK_OUTPUT };
void summary_rank(struct summary *s, enum sum_rank rank);
void summary_free(struct summary *s);

/* Forget every record (a followed file was truncated). */
void summary_reset(struct summary *s);

enum sum_line summary_add(struct summary *s, const char *line, size_t len,
                          const struct sum_loc *loc, char *err, size_t errlen);

/* A counted record as read, for a caller that keeps more of each record
 * than the summary does (llm-diff).  Records are counted in entries
 * numbered 0, 1, ... in the order their ids were first read; a later
 * record of an id takes its id's entry (unless all_attempts), so arrays
 * kept by entry follow the last-record-wins rule.  The strings are the
 * summary's. */
struct sum_rec {
	const char *id, *model;
	const char *kind;	/* a failure's kind, NULL when ok */
	int ok;
	double cost;		/* USD the answer costs, cached or not: NAN unknown */
	double latency;		/* NAN: a failure, a cached answer, or none */
};

/* The entry of the record summary_add() counted last; how many there
 * are; what entry i holds. */
size_t summary_last(const struct summary *s);
size_t summary_entries(const struct summary *s);
void summary_rec(const struct summary *s, size_t i, struct sum_rec *r);
/* The entry of an id, or (size_t)-1. */
size_t summary_find(const struct summary *s, const char *id);

/* Read path ("usage.total_tokens") from every record too: its slot for
 * summary_field(), or -1 for a bad path. */
int summary_watch(struct summary *s, const char *path);

/* What the line summary_add() took last holds at slot: valid until the
 * next summary_add(), and only while that line is. */
const struct jfield *summary_field(const struct summary *s, int slot);

/* Why the price table could not be loaded, NULL when it could (or was
 * not needed). */
const char *summary_price_error(const struct summary *s);

struct sum_kind {
	const char *kind;
	long long n;
};

struct sum_row {
	const char *model;	/* NULL for the totals */
	long long requests, ok, failed, cached;
	long long prompt_tokens, completion_tokens;
	double cost;		/* USD of the records whose cost is known */
	long long cost_known, cost_unknown;	/* records of each sort */
	size_t nlat;		/* latencies kept; p50, p95, max valid when > 0 */
	double p50, p95, max;
	struct sum_kind *kinds;	/* failures by kind, most first */
	size_t nkinds;
	long long graded, passed;	/* records with an assert; of them passed */
	double score_sum;	/* of their assert.score */
};

/* The asserts of a group: llm-assert's pass rate and mean score. */
struct sum_grade {
	const char *group;
	long long graded, passed;
	double score_sum;
};

struct sum_fail {
	const char *id, *model, *kind, *message;
};

struct sum_best {
	const char *group, *id, *model;
	int ok;
	double cost;		/* NAN: unknown */
	double score;		/* assert.score; NAN: none */
	unsigned long long bytes;	/* content, decoded */
	int src;		/* where the record is: sum_loc */
	long long off;
	size_t len;
};

struct sum_report {
	const char *by;
	struct sum_row *rows;	/* by model name */
	size_t nrows;
	struct sum_row total;
	struct sum_fail *fails;	/* every failure, in the order read */
	size_t nfails;
	struct sum_best *best;	/* a group each, in the order first seen */
	size_t nbest;
	const char *rank;	/* what best was chosen by: "score", "cost", "output" */
	struct sum_grade *grades;	/* a group each with an assert, in the order
				 * first seen; none when no record has one */
	size_t ngrades;
	long long ungrouped;	/* results counted without a group key */
	/* lines read, by what they were */
	long long results, superseded, events, other, bad;
};

void summary_report(struct summary *s, struct sum_report *r);
void sum_report_free(struct sum_report *r);

/* Count a bad line that never reached summary_add (an overlong one). */
void summary_count_bad(struct summary *s);

/* The nearest-rank percentile p (0 < p <= 100) of sorted v[0..n), n > 0. */
double sum_percentile(const double *v, size_t n, double p);

#endif
