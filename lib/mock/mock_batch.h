/* mock_batch: llm-mock's batch APIs held in memory (llm-mock(1)
 * 'BATCHES'): OpenAI's /v1/files and /v1/batches, and Anthropic's
 * Message Batches, /v1/messages/batches, on the same state machine.
 *
 * An uploaded file (purpose "batch") is a JSONL file of requests; a batch
 * made of it moves validating -> in_progress -> finalizing -> completed,
 * one step every o.seconds, judged whenever it is looked at, and when it
 * ends each line is answered as mock_reply() answers the same chat
 * request: answers of status 200 go to the batch's output file, the rest
 * to its error file.  o.expire lines at the end of every batch are not
 * reached (the batch ends "expired"); a cancelled batch answers the lines
 * it had reached.
 *
 * An Anthropic batch is made of the requests in its create call's body
 * (held as a file of their own, never listed): in_progress while the
 * OpenAI batch would be validating, in progress or finalizing, canceling
 * while cancelled, then ended; each request answered as mock_anthropic_reply()
 * answers the same Messages request, its results one JSONL file with a
 * line for every request (succeeded, errored, canceled or expired).
 *
 * The bytes held (uploads and outputs) are capped at o.max_bytes: an
 * upload past the cap is refused with 413, a batch whose output would
 * pass it fails.
 *
 * Ownership: a struct mock_batch borrows its struct mock and owns every
 * file and batch; mock_batch_answer() may be called from many threads
 * at once.  The answer's bytes go into the caller's buf.
 */
#ifndef LLM_MOCK_BATCH_H
#define LLM_MOCK_BATCH_H

#include <stddef.h>

#include "mock/mock.h"

#define MOCK_BATCH_MAXBYTES (1024LL << 20)	/* default cap on bytes held */
#define MOCK_BATCH_MAXBODY (256u << 20)	/* longest upload read */

struct mock_batch_opts {
	double seconds;		/* each step of a batch; 0: all at once */
	long long expire;	/* lines at the end of every batch not reached */
	long long max_bytes;	/* bytes of files held, at most */
	long long lose;		/* the answers of the first lose calls that make
				 * something (an upload, a batch) are lost */
};

struct mock_batch;

struct mock_batch *mock_batch_new(struct mock *m, const struct mock_batch_opts *o);
void mock_batch_free(struct mock_batch *b);

/* Is url (no query) one of the batch API's? */
int mock_batch_route(const char *url);

/* What a request says besides its URL and body (NULL members: absent). */
struct mock_batch_query {
	const char *host;		/* the Host header: results_url's */
	const char *limit, *after;	/* a list's page: limit, after or after_id */
};

/* Answer a request to one of its URLs (q may be NULL): the HTTP status,
 * the body in out and its content type in *ctype.  Anthropic's URLs are
 * answered in its error shapes.  0: what was asked is made, and its
 * answer is lost (o.lose): the caller drops the connection. */
int mock_batch_answer(struct mock_batch *b, const char *method, const char *url,
                      const char *content_type, const char *body, size_t len,
                      const struct mock_batch_query *q, struct buf *out, const char **ctype);

#endif
