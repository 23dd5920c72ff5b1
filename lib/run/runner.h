/* runner: llm-runner's loop.  A scenario (scenario.h) is played against a
 * model reached through one long-running record-speaking command (by
 * default llm-chat): each turn sends one request record and waits for its
 * one answer; every tool call of an answer is answered by the tool's mock
 * (a fixed response, or a command fed the call's arguments); the loop ends
 * on an answer without tool calls, at max_turns, or on an error.  The
 * result is a trace record (DESIGN.md 'Trace record').
 *
 * The command is started on first use and again after it died; a turn
 * that gets no answer within the timeout ends its scenario with an error
 * and the command is killed, so nothing hangs.
 *
 * Library code: nothing is printed; runner_run() returns the trace, not
 * yet redacted or bounded (the caller does that before writing it).
 */
#ifndef LLM_RUNNER_H
#define LLM_RUNNER_H

#include "plan/config.h"
#include "json/json.h"
#include "plan/scenario.h"

struct runner_opts {
	char **chat;		/* the command's argv */
	double turn_ms;		/* longest wait for one answer or one mock_exec */
	struct config *cfg;	/* for the trace's endpoint; NULL: none known */
};

struct runner;

struct runner *runner_new(const struct runner_opts *o);
void runner_free(struct runner *r);

/* Play s.  A new trace record: "status" is "ok" or "error". */
json_object *runner_run(struct runner *r, const struct scenario *s);

/* The trace of a scenario that could not be resolved (a bad record). */
json_object *runner_bad_trace(const char *source, const char *msg);

/* A one-line summary of a trace, for a terminal. */
void runner_summary(json_object *trace, const char *source, struct buf *out);

#endif
