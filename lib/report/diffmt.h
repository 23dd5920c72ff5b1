/* diffmt: a diff report (diff.h) written as NDJSON records, Markdown or
 * TSV, into a buffer.  The shapes are llm-diff(1)'s and llm-records(5)'s.
 */
#ifndef LLM_DIFFMT_H
#define LLM_DIFFMT_H

#include "base/util.h"
#include "report/diff.h"
#include "report/sumfmt.h"

#define DIFFMT_SPILL 65536	/* bytes of records held before a spill */

/* The report in f (SUMFMT_JSON: NDJSON records; SUMFMT_MARKDOWN;
 * SUMFMT_TSV) appended to out; the names of the two logs head it.
 * Between records, spill (when not NULL) is called with out once it
 * holds DIFFMT_SPILL bytes, to write them and empty it: many changes
 * need not be held at once. */
void diffmt_write(const struct diff_report *r, enum sum_format f, const char *old_name,
                  const char *new_name, struct buf *out,
                  void (*spill)(struct buf *out, void *arg), void *arg);

#endif
