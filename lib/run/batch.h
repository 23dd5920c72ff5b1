/* batch: llm-batch without its command line — request records sent
 * through a provider's batch API at batch prices, and the answers read
 * back as the result records llm-chat writes (llm-batch(1)).
 *
 * The work of a run lives in its state file (JSON, llm-batch(1) 'STATE
 * FILE'), written atomically before and after every call that creates
 * something on the server, so a run killed at any point is taken up
 * again by the same command: an upload or a batch made but not recorded
 * is found on the server by the run's id (the file's name, the batch's
 * metadata), never made twice.  Beside the state, for each part of the
 * run (one batch), STATE.K.records (the records as read) and STATE.K.jsonl
 * (the file uploaded); the answers are downloaded to STATE.K.output and
 * STATE.K.errors.
 *
 * Result records go to o.out_fd in chunks; the state marks a chunk's ids
 * as being written before it goes and as written after, with the output's
 * offset, so a fetch killed in between and run again on the same output
 * file neither repeats nor loses one (llm-batch(1) 'CRASHES').
 *
 * The provider's shapes (the input file's lines, the calls, the output
 * lines) are a struct batch_dialect's (batch_internal.h), one a part, as
 * its endpoint speaks: OpenAI's is batch_openai.c, Anthropic's Message
 * Batches batch_anthropic.c.
 *
 * Ownership: a struct batch owns its state, borrows cfg and the option
 * strings, and is freed by batch_free().  Nothing here prints: messages
 * go to o.notice.
 */
#ifndef LLM_BATCH_H
#define LLM_BATCH_H

#include <stddef.h>

#include "net/http.h"
#include "plan/config.h"

/* The most any provider takes in one batch (Anthropic's): each
 * dialect's own limits are kept below them (batch_internal.h) */
#define BATCH_MAX_REQUESTS 100000
#define BATCH_MAX_BYTES (256LL << 20)

struct batch_opts {
	const char *state;		/* the state file's path */
	long long max_requests;		/* a batch's requests, at most (0: the
					 * provider's limit) */
	long long max_bytes;		/* its input file's bytes, at most (0: ditto) */
	const char *cache_dir;		/* NULL: no cache */
	int save;			/* write content to meta.output */
	int echo;			/* put request on success records */
	int all;			/* fetch: write every id again */
	int out_fd;			/* where result records go */
	struct http_opts http;
	void (*notice)(void *arg, const char *msg);
	void *arg;
};

/* What a run would cost, reckoned while its records are read. */
struct batch_estimate {
	long long requests, prompt_tokens, completion_tokens;
	double usd;		/* of the priced requests, at batch rates */
	long long unpriced;	/* requests whose model has no price */
};

/* What a fetch wrote. */
struct batch_counts {
	long long ok, failed;	/* records written */
	int running;		/* batches not finished */
};

struct batch;

/* The run of o.state: its state when the file exists (batch_exists),
 * else an empty one.  NULL with err when it exists and cannot be read. */
struct batch *batch_open(const struct batch_opts *o, struct config *cfg, char *err,
                         size_t errlen);
void batch_free(struct batch *b);
int batch_exists(const struct batch *b);

/* Read the records of fd, split them into parts by endpoint and limits,
 * and write the parts' files and the state; with dry, write nothing.  A
 * record already cached, or one that cannot be sent (no request, no
 * endpoint, an id seen before), gets its result now, written at the
 * fetch.  est is filled.  max_cost > 0: refuse (-1, err, nothing
 * written) when the estimate passes it.  0, or -1 with err. */
int batch_plan(struct batch *b, int fd, const char *name, int dry, double max_cost,
               struct batch_estimate *est, char *err, size_t errlen);

/* Upload and create every part not yet on the server.  0, or -1 with err
 * (what was made is in the state). */
int batch_submit(struct batch *b, char *err, size_t errlen);

/* Ask the server where each unfinished batch is; the state is saved.
 * The number of batches not finished, or -1 with err. */
int batch_refresh(struct batch *b, char *err, size_t errlen);

/* One line a batch into out ("PART BATCH STATUS done/total failed N"),
 * or with json one JSON object a line. */
void batch_status_text(const struct batch *b, int json, struct buf *out);

/* Write the results of the finished batches not yet written (with
 * o.all, all of them).  0, or -1 with err. */
int batch_fetch(struct batch *b, struct batch_counts *n, char *err, size_t errlen);

/* Cancel every unfinished batch.  0, or -1 with err. */
int batch_cancel(struct batch *b, char *err, size_t errlen);

#endif
