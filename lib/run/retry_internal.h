/* retry_internal: what the retry_*.c files share and nobody else sees.
 *
 * lib/run/retry.h is the loop's public face; this header joins its
 * pieces, whose calls go one way, top to bottom:
 *   retry.c          the loop, setup and end
 *   retry_answer.c   the command's answers      retry_input.c   the input
 *   retry_command.c  the command, an entry's ends
 *   retry_entry.c    entries, the heap, the output
 *
 * Ownership: an entry owns its id, its line and its last error record;
 * the entries are owned by the map of their struct retry (an entry held
 * back behind one with the same id by that entry's dups list) and freed
 * by rt_retire() or retry_free().
 */
#ifndef LLM_RETRY_INTERNAL_H
#define LLM_RETRY_INTERNAL_H

#include "base/child.h"
#include "base/lineout.h"
#include "json/records.h"
#include "run/retry.h"
#include "run/budget.h"
#include "plan/config.h"
#include "base/ptrmap.h"

#define END_GRACE_MS 2000	/* a command that ended its output, to exit */
#define STOP_GRACE_MS 5000	/* a command told to stop, to finish up */
#define ROUND_MAX 1024		/* its records read in one round of the loop */

enum { SENT, WAITING, DEFERRED };
enum { RUNNING, INTERRUPTED, OUT_OF_TIME };

struct entry {
	char *id;
	char *line;		/* the record to send, without "attempt" */
	size_t len;
	int attempt;		/* of the send under way or to come; may pass
				 * REC_ATTEMPT_MAX by the retries: rt_attempt()
				 * is the one sent and written */
	int first;		/* attempt of the first send in this run */
	int state;
	double due;		/* WAITING: when to send */
	json_object *last;	/* WAITING, with max_time_ms: the error record that made it wait */
	char *why;		/* WAITING: that error's message, short, for an interrupt */
	char *model;		/* its request's model, for the budget */
	char *asked;		/* the model first asked, once it fell back */
	size_t fallbacks;	/* of the --fallback models tried */
	long long max_tokens;	/* its request's max_tokens, 0: not said */
	struct budget_hold hold;	/* with a budget: what it may spend, sent */
	struct entry *dups, *dups_tail;	/* same id, read while this is in flight */
	struct entry *next;
};

struct retry {
	struct retry_opts o;
	struct child ch;
	int running;		/* started, its output not at its end */
	char cname[128];	/* "CMD stdout", for messages */
	struct rec_reader in, cout;
	int in_eof, in_flags;
	long inflight;		/* entries, duplicates included */
	struct ptrmap map;	/* id -> entry */
	struct entry **heap;	/* WAITING entries by due */
	size_t nheap, heapcap;
	struct buf tochild;	/* records not yet written to the command */
	size_t tochild_off;
	struct lineout out;	/* result records, to out_fd */
	struct buf line;
	int stop;		/* RUNNING, or why it stops */
	double deadline, stop_by;
	int more;		/* its output may hold records already read */
	int started;		/* the command was started once */
	struct retry_stats st;
	struct budget budget;
	struct config cfg;	/* to price a model at its endpoint */
	int have_cfg;
};

/* retry_command.c */
int rt_ensure_child(struct retry *r, char *err, size_t errlen);
void rt_write_child(struct retry *r);
void rt_send(struct retry *r, struct entry *e);
void rt_schedule(struct retry *r, struct entry *e, double delay_ms, const char *why);
void rt_child_gone(struct retry *r);
void rt_finish(struct retry *r, struct entry *e, json_object *rec, const char *raw, size_t n,
               int ok);
void rt_fail(struct retry *r, struct entry *e, const char *kind, int retryable, const char *fmt,
             ...) __attribute__((format(printf, 5, 6)));

/* retry_answer.c */
void rt_read_child(struct retry *r);

/* retry_input.c */
void rt_take_input(struct retry *r);
void rt_out_of_time(struct retry *r);
void rt_interrupted(struct retry *r);

/* retry_entry.c */
int rt_attempt(const struct entry *e);
void rt_note(struct retry *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_heap_push(struct retry *r, struct entry *e);
struct entry *rt_heap_pop(struct retry *r);
void rt_out_record(struct retry *r, json_object *rec, const char *raw, size_t n, int ok);
void rt_entry_free(struct entry *e);
struct entry **rt_entries(struct retry *r, size_t *n, int sent_only);
struct entry *rt_retire(struct retry *r, struct entry *e);
void rt_entry_line(struct retry *r, struct entry *e, json_object *rec);
void rt_fail_msg(struct retry *r, struct entry *e, const char *kind, int retryable,
                 const char *msg);

#endif
