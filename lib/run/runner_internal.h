/* runner_internal: what lib/run/runner*.c share (runner.h is the public face).
 *
 * runner.c runs the turns, runner_io.c talks to commands over pipes
 * (the chat command and mock_exec), runner_trace.c keeps the run's
 * record (its start, its error, its trace).  Calls go one way: runner.c
 * calls both, runner_io.c calls runner_trace.c, which calls neither.
 * struct run owns its JSON (json.h rules) until run_trace() gives it to
 * the trace.
 */
#ifndef LLM_RUNNER_INTERNAL_H
#define LLM_RUNNER_INTERNAL_H

#include "base/child.h"
#include "json/records.h"
#include "run/runner.h"

#define RUNNER_MAX_RESULT (16u << 20)	/* longest mock_exec output */
#define RUNNER_GRACE_MS 1000

struct runner {
	struct runner_opts o;
	struct child ch;
	int running;
	struct rec_reader rd;
	struct buf out;		/* a request line being written */
	long long last_us;	/* of the last run_id, to keep them increasing */
};

struct run {
	const struct scenario *s;
	char run_id[128];
	char timestamp[64];
	double t0;
	json_object *messages, *tool_calls;
	long long prompt_tokens, completion_tokens, total_tokens;
	int usage_seen;
	long turns;
	int max_hit;
	json_object *final_content;	/* owned; NULL: null */
	json_object *finish_reason;	/* owned */
	char *model;		/* the model the server reported last */
	char err_kind[32];	/* "": ok */
	char err[ERRLEN];
};

/* runner_trace.c: the run's first error, kind and message. */
void run_fail(struct run *u, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send line (a request record with its newline) to the command and wait
 * for the answer whose id is id.  A new reference, or NULL with the
 * error set on u (the command killed when it timed out). */
json_object *rn_exchange(struct runner *r, struct run *u, const char *line, size_t len,
                         const char *id);

/* Run argv with input on its standard input, in an environment without
 * the tokens of cfg (may be NULL); its standard output in out.  0, or -1
 * with err. */
int rn_exec(const struct config *cfg, char **argv, const char *input, size_t len, double timeout_ms, struct buf *out,
            char *err, size_t errlen);

/* An object of two strings, k1's v1 and k2's v2: a message, an error. */
json_object *rn_pair(const char *k1, const char *v1, const char *k2, const char *v2);

/* The run's beginning: run_id, timestamp, clock. */
void run_start(struct runner *r, struct run *u, const struct scenario *s);

/* The trace of the run; u's JSON is given to it. */
json_object *run_trace(struct runner *r, struct run *u);

#endif
