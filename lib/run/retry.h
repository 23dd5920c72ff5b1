/* retry: llm-retry's record mode.  Request records in, through one
 * long-running record-speaking command, result records out; the records
 * whose error is retryable are sent to the command again after a backoff.
 *
 * The loop polls input, the command's two pipes and the timers, and never
 * blocks on the command: what is to be written to it waits in a buffer.
 * At most window records are read ahead of their answers, so memory grows
 * with the records in flight, never with the records done.  Every input
 * record gives exactly one output record, also when the command dies
 * (it is restarted and the records it had not answered are sent again),
 * writes lines that are not records, or answers an id twice.
 *
 * A signal raised through sigwake.h stops the loop: it is passed on to
 * the command, what the command finishes is written, nothing more is sent.
 *
 * The loop does not print: messages (a garbage line, a restart, with
 * verbose each retry) go to note(); records are written to out_fd.
 */
#ifndef LLM_RETRY_H
#define LLM_RETRY_H

#include "run/backoff.h"

struct retry_stats;

struct retry_opts {
	struct retry_policy pol;
	char *const *argv;	/* the command */
	long window;		/* records read ahead of their answers */
	double max_time_ms;	/* the whole run; 0: no bound */
	char **fallback;	/* --fallback models, in order; NULL: none */
	size_t nfallback;
	double max_cost;	/* USD the run may spend; < 0: no limit (budget.h) */
	double max_total_tokens;	/* tokens the run may use; < 0: no limit */
	int verbose;		/* note each retry and a summary */
	int in_fd, out_fd;
	void (*note)(void *arg, const char *msg);
	/* the counts, after every turn of the loop (NULL: none); with st
	 * NULL, records are about to be written to out_fd */
	void (*progress)(void *arg, const struct retry_stats *st);
	void *arg;
};

struct retry_stats {
	long records, ok, failed;
	long retries;		/* sends after a record's first */
	long restarts;		/* the command started again */
	long garbage;		/* its lines that were not records */
	long dropped;		/* its answers for ids not awaited */
	int usage_exit;		/* it exited 2 (usage, configuration) before any
				   record was written: llm-retry exits 2 too */
};

struct retry;

/* Start the command.  NULL with err when it cannot be started. */
struct retry *retry_new(const struct retry_opts *o, char *err, size_t errlen);

/* Run the records of in_fd through.  0 at the end of input, -1 when
 * writing out_fd failed (errno set), 1 when interrupted (what finished
 * was written). */
int retry_run(struct retry *r);

const struct retry_stats *retry_stats(const struct retry *r);
void retry_free(struct retry *r);

#endif
