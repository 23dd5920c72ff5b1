/* sumfmt: a summary report (summary.h) written as an aligned table,
 * Markdown, TSV or one line of JSON, into a buffer.  The layout of each
 * is llm-summarize(1)'s.
 */
#ifndef LLM_SUMFMT_H
#define LLM_SUMFMT_H

#include <stddef.h>

#include "report/summary.h"
#include "base/util.h"

enum sum_format {
	SUMFMT_TABLE,
	SUMFMT_MARKDOWN,
	SUMFMT_TSV,
	SUMFMT_JSON,
};

/* A table of cells, written in one of the formats (llm-diff's tables
 * too): a header, rows of cells, an alignment per column.  The table
 * owns its cells, not its header or alignments. */
struct table {
	const char *const *head;
	const char *align;	/* 'l' or 'r' a column */
	size_t ncol;
	char **cell;		/* row by row */
	size_t n, cap;
};

/* The next cell, printed. */
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The table in f (SUMFMT_JSON: not a table format) appended to out, then
 * its cells freed. */
void table_write(struct table *t, enum sum_format f, struct buf *out);

#define SUMFMT_ERRORS 20	/* failures listed without --all-errors */

/* The report in format f appended to out; all_errors lists every
 * failure, not the first SUMFMT_ERRORS. */
void sumfmt_write(const struct sum_report *r, enum sum_format f, int all_errors, struct buf *out);

#endif
