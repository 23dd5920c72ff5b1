/* runner: llm-runner's loop.  A scenario (scenario.h) is played against a
 * model reached through one long-running record-speaking command (by
 * default llm-chat): each turn sends one request record and waits for its
 * one answer; every tool call of an answer is answered by the tool's mock
 * (a fixed response, or a command fed the call's arguments); the loop ends
 * on an answer without tool calls, at max_turns, or on an error.  The
 * result is a trace record (llm-records(5), 'Trace record').
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
	/* a budget: once the finished scenarios' cost_usd (usage's tokens)
	 * reach it, the scenarios left are not played, an error trace of
	 * kind budget each; < 0: no limit */
	double max_cost, max_total_tokens;
};

struct runner;

struct runner *runner_new(const struct runner_opts *o);
void runner_free(struct runner *r);

/* Play s.  A new trace record: "status" is "ok" or "error". */
json_object *runner_run(struct runner *r, const struct scenario *s);

/* The trace of a scenario that was not played, with an error of kind
 * (bad_input: it could not be resolved, a bad record). */
json_object *runner_bad_trace(const char *source, const char *kind, const char *msg);

/* A pool: scenarios played jobs at a time, each in a process of its own
 * (jobs 1: here, one after another); done() is given every trace, in the
 * order the scenarios were added, and the trace stays the pool's (done
 * may change it, not keep it).  At most jobs traces are held. */
struct runner_pool;

struct runner_pool *runner_pool_new(const struct runner_opts *o, int jobs,
                                    void (*done)(void *arg, json_object *trace), void *arg);
/* Play s; it may be freed when this returns.  May wait for the oldest
 * scenario when jobs are running. */
void runner_pool_add(struct runner_pool *p, const struct scenario *s);
/* A trace of its own (a bad record's) in the order; taken over. */
void runner_pool_add_trace(struct runner_pool *p, json_object *trace);
/* Wait for every scenario, hand on the traces, free. */
void runner_pool_free(struct runner_pool *p);

/* A one-line summary of a trace, for a terminal. */
void runner_summary(json_object *trace, const char *source, struct buf *out);

#endif
