/* sse: an incremental Server-Sent Events parser (the WHATWG EventSource
 * rules, section "Interpreting an event stream").
 *
 * Bytes go in as they come off the wire, in pieces of any size, and each
 * complete event comes out through one callback.  Lines end in LF, CRLF or
 * a lone CR, also when the CR and the LF arrive in different pieces.  A
 * UTF-8 BOM at the very start is skipped; "data" lines are joined with
 * '\n'; an empty line dispatches the event, unless it had no data lines.
 *
 * Memory is bounded: value bytes are appended where they belong as they
 * arrive (no line buffer), and the data of one event, like the value of
 * an event, id or retry field, may hold at most max bytes.  Past that the
 * parser enters a sticky error state (sse_error()) and takes no more input.
 *
 * Ownership: the strings handed to the callback are the parser's and live
 * until the callback returns.  The callback must not feed the parser.
 */
#ifndef LLM_SSE_H
#define LLM_SSE_H

#include <stddef.h>

#include "base/util.h"

#define SSE_MAX_DATA (16u << 20)	/* default limit of one event's data */

struct sse_parser {
	/* One complete event: type and id are NULL when empty; data is
	 * NUL-terminated, len bytes (it may hold NUL bytes itself).  id is
	 * the last event ID, which carries over to later events as the
	 * standard says. */
	void (*on_event)(void *arg, const char *type, const char *data, size_t len,
	                 const char *id);
	void *arg;
	size_t max;		/* longest data of one event, and of a field value */
	long long retry;	/* last valid "retry" field in ms, -1 when none */
	long long events;	/* events dispatched */

	/* internal */
	int state;		/* where in a line we are (sse.c 'enum state') */
	int field;		/* the field of the current line (sse.c 'enum field') */
	char name[8];		/* the start of the field name */
	size_t namelen;		/* bytes of field name seen, may exceed sizeof name */
	int after_cr;		/* last line ended in CR: an LF next is part of it */
	int bom;		/* bytes of a leading BOM seen; -1 once past the start */
	struct buf data;	/* data lines of the pending event, each + '\n' */
	struct buf type;	/* event type of the pending event */
	struct buf id;		/* last event ID */
	struct buf val;		/* value of an event, id or retry line */
	char err[ERRLEN];	/* empty unless in the error state */
};

/* max 0 means SSE_MAX_DATA. */
void sse_init(struct sse_parser *p, size_t max,
              void (*on_event)(void *arg, const char *type, const char *data,
                               size_t len, const char *id),
              void *arg);
void sse_free(struct sse_parser *p);

/* Parse n more bytes.  0, or -1 when the parser is in the error state
 * (now or from before): sse_error() says why. */
int sse_feed(struct sse_parser *p, const char *buf, size_t n);

/* The end of the stream.  A pending event without its terminating blank
 * line is not dispatched (the standard discards it), but told: returns 1
 * when the stream ended inside an event (data lines not yet dispatched,
 * a data line without its end, or a last line cut before its colon so
 * that it may have been one), 0 on a clean end, -1 in the error state.
 * Afterwards the parser is ready for a new stream (a reconnection), the
 * error state cleared: the last event ID and retry are kept. */
int sse_finish(struct sse_parser *p);

/* Why the parser stopped, or NULL when it did not. */
const char *sse_error(const struct sse_parser *p);

#endif
