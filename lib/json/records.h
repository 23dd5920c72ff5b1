/* records: the NDJSON reader and writer of DESIGN.md 'Records', and the
 * builders of result and error records.
 *
 * The reader is incremental and bounded: it holds at most max bytes of one
 * line, so a program fed an endless line keeps its memory.  It works on a
 * blocking or a non-blocking descriptor: rec_next() returns REC_AGAIN when
 * it needs more input and the descriptor has none yet.
 *
 * Records returned by rec_next() are owned by the caller (json.h rules).
 */
#ifndef LLM_RECORDS_H
#define LLM_RECORDS_H

#include <stddef.h>

#include "base/error.h"
#include "json/json.h"

#define REC_MAX_LINE (64u << 20)	/* default line limit: 64 MiB */

enum rec_status {
	REC_OK,		/* *out holds a record (a JSON object) */
	REC_BAD,	/* a bad line: err says why, *lineno names it */
	REC_AGAIN,	/* non-blocking input has nothing more yet */
	REC_EOF,	/* end of input */
	REC_IOERR,	/* read failed: err says why */
};

struct rec_reader {
	int fd;
	const char *name;	/* "stdin" or the file name, for messages */
	char *buf;
	size_t len;		/* bytes held */
	size_t off;		/* start of the next line */
	size_t cap;
	size_t max;		/* longest line accepted */
	size_t scanned;		/* bytes after off known to hold no '\n' */
	long lineno;		/* number of the line last returned */
	int eof;
	int skipping;		/* discarding the rest of an overlong line */
	int follow;		/* a file that grows: its end is REC_AGAIN, and a
				 * last line without its newline waits for it */
	int polled;		/* the caller polls fd before it reads again: a
				 * read that adds to a long line, or a piece of
				 * an overlong one discarded, ends the call with
				 * REC_AGAIN, so an endless line (from /dev/zero)
				 * still lets its loop see signals */
	const char *line;	/* REC_OK: the record's line as read, without */
	size_t line_len;	/* its newline; valid until the next rec_next */
};

void rec_reader_init(struct rec_reader *r, int fd, const char *name, size_t max);
void rec_reader_free(struct rec_reader *r);

/* The next record.  Blank lines are not records and are passed over. */
enum rec_status rec_next(struct rec_reader *r, json_object **out, char *err, size_t errlen);

/* The same in two steps, for a program that can often do without
 * parsing: the next line as it is ('\r' left out; valid until the next
 * call), and the record it holds. */
enum rec_status rec_next_line(struct rec_reader *r, const char **line, size_t *len, char *err,
                              size_t errlen);
enum rec_status rec_parse(struct rec_reader *r, const char *line, size_t len, json_object **out,
                          char *err, size_t errlen);

/* Will the next call answer without reading: a whole line is held, or the
 * input has ended?  A program batching its output flushes it when not,
 * so a slow producer's records still come out as they arrive. */
int rec_pending(const struct rec_reader *r);
/* The id of a record: its "id" as a string, or one made from where it
 * was read, "NAME:LINE" (r NULL: "1").  Allocated (free). */
char *rec_id(json_object *rec, const struct rec_reader *r);

/* The attempt a record is when sent: a re-submitted error record counts
 * one more than its "attempt"; a request record is its "attempt", or 1.
 * Only a JSON integer is an attempt: anything else, or one below 1, is
 * taken as absent, and one past REC_ATTEMPT_MAX as REC_ATTEMPT_MAX, so
 * the answer is always in 1..REC_ATTEMPT_MAX and a count of retries
 * added to it (llm-retry's, at most a thousand) cannot overflow. */
#define REC_ATTEMPT_MAX 1000000000
int rec_attempt(json_object *rec);

/* Write obj and a newline with one write(2).  0, or -1 with errno set. */
int rec_write(int fd, json_object *obj, struct buf *scratch);

/* {"id","status":"error","error":{..},"attempt","meta","request"}.
 * meta and request are borrowed (a reference is taken); NULL request is
 * written as null, NULL meta is left out. */
json_object *rec_error(const char *id, const struct llm_error *e, int attempt,
                       json_object *meta, json_object *request);

#endif
