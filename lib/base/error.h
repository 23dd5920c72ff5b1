/* error: why one record failed, as DESIGN.md 'Result record (failure)'
 * describes it.  Every layer that can fail a record fills one (the HTTP
 * transport, the OpenAI dialect, streams, the client); json/records.h
 * turns it into an error record.
 */
#ifndef LLM_ERROR_H
#define LLM_ERROR_H

#include "base/util.h"

struct llm_error {
	const char *kind;	/* http timeout connect protocol bad_input config io
			 * cancelled budget quota */
	int http_status;	/* 0 when there was no HTTP answer */
	int retryable;
	long long retry_after_ms;	/* -1 when the server said nothing */
	char message[ERRLEN];
};

/* Set e: kind, retryable, the message on one line; no HTTP status and no
 * retry-after. */
void llm_error_set(struct llm_error *e, const char *kind, int retryable,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
