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

#define SUMFMT_ERRORS 20	/* failures listed without --all-errors */

/* The report in format f appended to out; all_errors lists every
 * failure, not the first SUMFMT_ERRORS. */
void sumfmt_write(const struct sum_report *r, enum sum_format f, int all_errors, struct buf *out);

#endif
