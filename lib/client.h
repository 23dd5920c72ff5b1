/* client: the loop that turns request records into result records over
 * the http engine — what llm-chat is, and what llm-stream shares.
 *
 * Input is read only as slots free up (or, with keep_order, as the
 * reorder window frees up), so memory grows with the concurrency, never
 * with the number of records.  Every record read gives exactly one output
 * record: bad lines, configuration errors, transport and HTTP failures
 * become error records (DESIGN.md 'Records').
 *
 * The client does not print: it hands each finished record to out(), and
 * reports the state for a progress line through progress().
 */
#ifndef LLM_CLIENT_H
#define LLM_CLIENT_H

#include "config.h"
#include "http.h"
#include "openai.h"
#include "records.h"

struct client_stats {
	long done, ok, failed, cached;
	long long tokens;
	double started;		/* now_ms_f() at start */
};

struct client_opts {
	int jobs;
	int keep_order;
	int echo;		/* put request on success records */
	int save;		/* write content to meta.output */
	const char *cache_dir;
	struct openai_overrides ov;
	struct http_opts http;
	size_t max_line;
	int progress_ms;	/* call progress() at most this often; 0: never */
};

struct client;

/* Called with each finished record, in the order it is to be written;
 * flush() is called at the end of each round of the loop, before it
 * waits, so records written in batches still go out as they complete.
 * Both return 0, or -1 to stop (a write failed). */
typedef int (*client_out_fn)(void *arg, json_object *rec, int ok);
typedef int (*client_flush_fn)(void *arg);
typedef void (*client_progress_fn)(void *arg, const struct client_stats *s, int final);

struct client *client_new(const struct client_opts *o, struct config *cfg,
                          client_out_fn out, client_flush_fn flush,
                          client_progress_fn progress, void *arg);
void client_free(struct client *c);

/* Run the records of fd (name for messages) through.  Returns 0 at the
 * end of input, -1 when out() failed or the run was interrupted. */
int client_run_fd(struct client *c, int fd, const char *name);

/* Run one record (consumed).  Same returns. */
int client_run_record(struct client *c, json_object *rec);

/* Ask the running loop to stop: called from a signal handler. */
void client_interrupt(int signo);
int client_interrupted(void);

const struct client_stats *client_stats(struct client *c);

#endif
