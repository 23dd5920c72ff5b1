/* lineout: whole lines out, gathered and written in batches of at most
 * max bytes (PIPE_BUF by default) — one longer line alone — each with one
 * write(2), so writers sharing a pipe or an O_APPEND file never
 * interleave half lines (DESIGN.md 'Records').
 *
 * The first failed write is kept in err and later output is dropped, so a
 * program checks once, at the end or when it wants to stop early.
 *
 * progress_wanted: whether a progress line is drawn, for every program.
 */
#ifndef LLM_LINEOUT_H
#define LLM_LINEOUT_H

#include <stddef.h>

#include "base/util.h"

struct lineout {
	int fd;
	size_t max;		/* a batch is written before it passes this */
	struct buf buf;
	int err;		/* errno of the first failed write, 0 */
};

/* max 0 means PIPE_BUF. */
void lineout_init(struct lineout *o, int fd, size_t max);
void lineout_free(struct lineout *o);

/* Queue s[0..n) and a newline, writing the batch first when the line
 * would take it past max. */
void lineout_line(struct lineout *o, const char *s, size_t n);

/* Queue bytes that are not a whole line yet (a line's start). */
void lineout_add(struct lineout *o, const char *s, size_t n);

/* Write what is queued.  0, or -1 with o->err set (now or before). */
int lineout_flush(struct lineout *o);

/* Is a progress line to be drawn on fd?  LLM_PROGRESS=0: never (a
 * program running another's progress line tells it so), 1: always (a
 * test), otherwise when fd is a terminal. */
int progress_wanted(int fd);

#endif
