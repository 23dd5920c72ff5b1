/* diffmt: a diff report (diff.h) written as NDJSON records, Markdown or
 * TSV, into a buffer.  The shapes are llm-diff(1)'s and llm-records(5)'s.
 */
#ifndef LLM_DIFFMT_H
#define LLM_DIFFMT_H

#include "base/util.h"
#include "report/diff.h"
#include "report/sumfmt.h"

/* The report in f (SUMFMT_JSON: NDJSON records; SUMFMT_MARKDOWN;
 * SUMFMT_TSV) appended to out; the names of the two logs head it. */
void diffmt_write(const struct diff_report *r, enum sum_format f, const char *old_name,
                  const char *new_name, struct buf *out);

#endif
