/* stream_log: the callbacks of a struct chat_stream (wire/chat_stream.h)
 * written to a struct buf, one line a call, for the stream tests of
 * every dialect to compare: 'content "Hel"', 'tool 0 "id" "name" null'.
 * Static inline, as unit.h's helpers: a test includes it after unit.h.
 * The buf is the caller's (arg). */
#ifndef LLM_STREAM_LOG_H
#define LLM_STREAM_LOG_H

#include "json/jsonwrite.h"
#include "net/sse.h"
#include "wire/dialect.h"

static inline void
stream_log_delta(void *arg, const char *kind, const char *text, size_t len)
{
	struct buf *log = arg;

	assert_true(len > 0);	/* never called with empty text */
	buf_addf(log, "%s ", kind);
	json_quote(log, text, len);
	buf_adds(log, "\n");
}

static inline void
stream_log_quote(struct buf *log, const char *s)
{
	if (s)
		json_quote(log, s, strlen(s));
	else
		buf_adds(log, "null");
}

static inline void
stream_log_tool(void *arg, int index, const char *id, const char *name, const char *args)
{
	struct buf *log = arg;

	buf_addf(log, "tool %d ", index);
	stream_log_quote(log, id);
	buf_adds(log, " ");
	stream_log_quote(log, name);
	buf_adds(log, " ");
	stream_log_quote(log, args);
	buf_adds(log, "\n");
}

/* The stream sse of a request req (borrowed) to dialect d, at most max
 * bytes of answer, split at cut and fed through the SSE parser and the
 * dialect's reader as the client plugs them together: the outcome to res
 * ("ok RECORD" or "error KIND RETRYABLE MESSAGE"), the callbacks to
 * calls. */
static inline void
stream_run(const struct dialect *d, json_object *req, size_t max, const char *sse, size_t cut,
           struct buf *res, struct buf *calls)
{
	size_t len = strlen(sse);
	json_object *rec = json_object_new_object();
	struct chat_stream s;
	struct sse_parser p;
	struct llm_error e;
	struct buf line = {0};
	void *st;

	chat_stream_init(&s, max);
	s.on_delta = stream_log_delta;
	s.on_tool_call = stream_log_tool;
	s.arg = calls;
	st = d->stream_new(&s, req);
	sse_init(&p, 0, d->stream_event, st);
	sse_feed(&p, sse, cut);
	sse_feed(&p, sse + cut, len - cut);
	sse_finish(&p);
	if (chat_stream_finish(&s, rec, &e) == 0)
		buf_addf(res, "ok %s", json_line(rec, &line));
	else
		buf_addf(res, "error %s %d %s", e.kind, e.retryable, e.message);
	json_object_put(rec);
	buf_free(&line);
	sse_free(&p);
	d->stream_free(st);
	chat_stream_free(&s);
}

/* want is a prefix of got when it ends in ": " (the rest is json-c's
 * words), else equal. */
static inline int
stream_same(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (n >= 2 && strcmp(want + n - 2, ": ") == 0)
		return strncmp(got, want, n) == 0;
	return strcmp(got, want) == 0;
}

/* The test of a stream case: run(c, cut, res, calls) feeds c's len
 * bytes of stream split at cut and writes the outcome to res, the
 * callbacks to calls.  Every cut must give what the whole stream gives,
 * and that must be want (same() decides) with the callbacks calls_want
 * (NULL: not checked).  Everything is released before failing, so
 * sanitizer runs stay leak-free. */
static inline void
stream_check(const char *name, const void *c, size_t len,
             void (*run)(const void *c, size_t cut, struct buf *res, struct buf *calls),
             int (*same)(const char *got, const char *want), const char *want,
             const char *calls_want)
{
	struct buf res0 = {0}, calls0 = {0};
	char msg[8192] = "";
	size_t cut;

	run(c, len, &res0, &calls0);
	buf_adds(&calls0, "");
	if (!same(res0.data, want) || (calls_want && strcmp(calls0.data, calls_want) != 0))
		snprintf(msg, sizeof msg, "%s:\n--- got\n%s\n%s--- want\n%s\n%s", name, res0.data,
		         calls0.data, want, calls_want ? calls_want : "(calls not checked)\n");
	for (cut = 0; cut <= len && !msg[0]; cut++) {
		struct buf res = {0}, calls = {0};

		run(c, cut, &res, &calls);
		buf_adds(&calls, "");
		if (strcmp(res.data, res0.data) != 0 || strcmp(calls.data, calls0.data) != 0)
			snprintf(msg, sizeof msg, "%s, cut at %zu:\n--- got\n%s\n%s--- whole\n%s\n%s",
			         name, cut, res.data, calls.data, res0.data, calls0.data);
		buf_free(&res);
		buf_free(&calls);
	}
	buf_free(&res0);
	buf_free(&calls0);
	if (msg[0])
		fail_msg("%s", msg);
}

#endif
