/* grade: llm-assert without its command line — checks read from a checks
 * file, from -e and from a record's meta.assert (checks.c), the record's
 * fields picked without a tree (record.c), the deterministic kinds
 * (check_kinds.c), and the two children a check may talk to: one
 * long-lived jq (jq.c) and the grader command of llm-rubric (rubric.c).
 *
 * Ownership: a struct checks owns its checks and each check what it
 * holds (strings, compiled regex, schema); a struct graded owns its
 * buffers and borrows the line it was read from (valid until the next
 * graded_read); a verdict's reason is its own buf.
 */
#ifndef LLM_GRADE_H
#define LLM_GRADE_H

#include <stddef.h>

#include "json/jfield.h"
#include "json/json.h"
#include "plan/toml.h"
#include "report/prices.h"

enum check_kind {
	CK_EQUALS, CK_CONTAINS, CK_ICONTAINS, CK_CONTAINS_ANY, CK_CONTAINS_ALL, CK_REGEX,
	CK_STARTS_WITH, CK_IS_JSON, CK_JSON_SCHEMA, CK_JQ, CK_FINISH_REASON, CK_MAX_COST,
	CK_MAX_LATENCY, CK_MAX_TOKENS, CK_TOOL_CALLED, CK_LEVENSHTEIN, CK_SIMILAR, CK_RUBRIC,
	CK_ERROR, CK_NKINDS
};

struct schema;

struct check {
	enum check_kind kind;
	char *name;
	double weight;		/* >= 0, 1 unless given */
	int negate;		/* not = true */
	int optional;		/* its failure does not fail the record */
	char *query;		/* glob on meta.query_id; NULL: every record */
	char *model;		/* glob on the model; NULL: every model */
	char *text;		/* the string value (NULL for none) */
	size_t textlen;
	char **list;		/* contains-any / contains-all */
	size_t nlist;
	double num;		/* max-*, a threshold */
	void *re;		/* regex: pcre2_code, compiled once */
	void *md;		/* its pcre2_match_data */
	json_object *schema_doc;	/* json-schema, tool-called arguments */
	struct schema *schema;
	int jq;			/* jq: the expression's number in jq.c's program */
	char *grader;		/* llm-rubric: the grader's model; NULL: the record's */
	/* made once for the kinds whose reasons never change, so a record
	 * costs no formatting: the reason when failed [0] and passed [1],
	 * and the same and the name as JSON strings */
	char *why[2], *qwhy[2], *qname;
};

struct checks {
	struct check *v;
	size_t n;
};

/* The grader children, given to the parser so the jq expressions of a
 * file, of -e and of meta.assert are compiled (and told to jq) once. */
struct jq_child;

/* Read a checks file (TOML, or JSON when it starts with '{').  0, or -1
 * with "FILE:LINE:COL: check N: what; e.g. the right form" in err. */
int checks_load(struct checks *cs, const char *path, struct jq_child *jq, char *err,
                size_t errlen);
/* One -e: "KIND", "KIND=VALUE" or a JSON object of the file's keys. */
int checks_add_expr(struct checks *cs, const char *expr, int n, struct jq_child *jq,
                    char *err, size_t errlen);
/* The checks of a meta.assert value: a table or an array of tables. */
int checks_add_json(struct checks *cs, json_object *v, const struct toml_where *w,
                    const char *src, struct jq_child *jq, char *err, size_t errlen);
void checks_free(struct checks *cs);

/* A record's fields, picked by record.c. */
struct graded {
	const char *line;	/* the record as read */
	size_t len;
	int is_error;		/* "status":"error" */
	struct buf kind;	/* error.kind */
	struct buf content;	/* content, or a trace's final_content */
	struct buf finish;	/* finish_reason; "" when none */
	int has_finish;
	struct buf model;	/* meta.model, else model, else request.model */
	struct buf endpoint;	/* endpoint, else meta.endpoint */
	struct buf query;	/* meta.query_id; has_query when given */
	int has_query;
	double latency;		/* NAN: none */
	double cost;		/* cost_usd; NAN: none given */
	long long prompt, completion;	/* -1: none */
	struct jfield tools;	/* tool_calls, as written */
	struct jfield meta_assert;	/* meta.assert, as written */
	struct jfield assert;	/* an assert the record holds already */
	struct jfield_spec *spec;
	struct jfield *f;
	struct price_memo prices;
};

void graded_init(struct graded *g);
void graded_free(struct graded *g);
/* Pick the fields of line[0..len): 0, or -1 when it is not a JSON object. */
int graded_read(struct graded *g, const char *line, size_t len);

/* One check's result. */
struct verdict {
	int pass;
	double score;		/* 0..1 */
	struct buf reason;
	int fixed;		/* >= 0: the reason is the check's why[fixed] */
	int pending;		/* llm-rubric: the answer is awaited */
};

/* Set v: done, pass, score, and the reason from fmt on one line. */
void verdict_say(struct verdict *v, int pass, double score, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Is c for this record (its query and model globs)? */
int check_applies(const struct check *c, const struct graded *g);

/* Evaluate a check that needs no child (not jq, not llm-rubric) into v
 * (not yet negated). */
void check_eval(const struct check *c, struct graded *g, struct verdict *v);

/* The check's reasons that never change, and its name, made once. */
void check_prepare(struct check *c);

/* not = true: the result turned over. */
void verdict_negate(const struct check *c, struct verdict *v);

/* The kind's name ("contains"), and its number from a name (-1). */
const char *check_kind_name(enum check_kind k);
int check_kind_of(const char *name);

/* The cost of the record: cost_usd, else its tokens at the price table's
 * price of its model; NAN unknown. */
double graded_cost(struct graded *g);

/* The jq child (jq.c): one `jq -c --unbuffered` for all records. */
struct jq_child *jq_new(const char *jq);
void jq_free(struct jq_child *q);
/* The number of expr in the program, added (and checked with jq) when
 * new: -1 with err when jq cannot compile it. */
int jq_expr(struct jq_child *q, const char *expr, char *err, size_t errlen);
/* Run the expressions idx[0..n) over the record; v[i] set for each
 * (pass when the expression gave true and nothing else). */
void jq_run(struct jq_child *q, const struct graded *g, const int *idx, size_t n,
            struct verdict **v);
/* How many jq processes were started (for -v). */
long jq_starts(const struct jq_child *q);

/* The grader of llm-rubric (rubric.c): a record-speaking command. */
struct rubric;
struct rubric *rubric_new(char **argv, const char *model, int max_inflight);
void rubric_free(struct rubric *r);
/* Ask the grader about the record g for check c; the answer will fill
 * *v, which must stay where it is until it has (v->pending until then). */
void rubric_ask(struct rubric *r, const struct check *c, const struct graded *g,
                struct verdict *v);
/* Wait for at least one answer (all: every one asked) to come in. */
void rubric_wait(struct rubric *r, int all);

#endif
