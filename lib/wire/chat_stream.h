/* chat_stream: an OpenAI chat.completion.chunk stream assembled into the
 * fields of a result record (DESIGN.md 'Result record'), the same fields
 * openai_parse_completion() fills from a whole completion.
 *
 * Each SSE event's data goes to chat_stream_data() (or plug
 * chat_stream_on_event into an sse_parser); chat_stream_finish() decides
 * whether the stream made a whole answer and fills the record.  Choice 0
 * makes the record's own fields, and its logprobs.content arrays are
 * concatenated into its logprobs; when a stream holds choices of other
 * indexes too (n > 1), each is assembled apart (content, tool calls,
 * finish_reason) into the record's "choices", in index order, choice 0
 * first.  The callbacks hear of choice 0 only.  Tool calls are assembled
 * by their index: id, type and function.name take the latest value a
 * chunk carries (servers send them once, some repeat them),
 * function.arguments is concatenated.
 *
 * Memory: the answer (content, reasoning and tool calls together) may
 * hold at most max bytes; past that the stream fails with kind protocol.
 * Ownership: the strings given to the callbacks live until they return;
 * chat_stream_finish() adds new references to res (json.h rules).
 */
#ifndef LLM_STREAM_H
#define LLM_STREAM_H

#include <stddef.h>

#include "json/json.h"
#include "json/records.h"

#define CHAT_STREAM_MAX (64u << 20)	/* default answer limit */
#define CHAT_STREAM_MAX_TOOLS 1024	/* tool calls in one answer */
#define CHAT_STREAM_MAX_CHOICES 128	/* choices in one answer: OpenAI's n at most */

struct chat_tool {
	int index;
	struct buf id, type, name, args;
};

/* One choice assembled: choice 0 in the stream itself (choice0), every
 * other index in its "more". */
struct chat_choice {
	int index;
	struct buf content;
	struct chat_tool *tools;	/* sorted by index */
	size_t ntools;
	char *finish_reason;
};

struct chat_stream {
	/* Called as text arrives, never with empty text; kind is "content"
	 * or "reasoning".  A UTF-8 character cut at a chunk's end is held
	 * back until the next chunk (or chat_stream_finish) gives the rest.
	 * NULL: not called. */
	void (*on_delta)(void *arg, const char *kind, const char *text, size_t len);
	/* Called for each tool-call delta: id and name as this chunk
	 * carried them (NULL when it did not), args the arguments fragment
	 * it carried (NULL when none).  NULL: not called. */
	void (*on_tool_call)(void *arg, int index, const char *id, const char *name,
	                     const char *args);
	void *arg;

	size_t max;		/* largest answer in bytes */
	size_t bytes;		/* answer bytes held */
	struct chat_choice choice0;	/* content, tool calls, finish_reason */
	struct buf reasoning;		/* choice 0's */
	char *model;
	json_object *usage;	/* owned */
	json_object *logprobs;	/* choice 0's logprobs.content entries (owned), or NULL */
	char *fingerprint;	/* the first system_fingerprint sent, or NULL */
	struct chat_choice *more;	/* choices but 0, sorted by index */
	size_t nmore;
	int done;		/* "[DONE]" seen */
	long chunks;		/* JSON chunks taken */
	long choices;		/* choice-0 objects among them */
	int failed;
	struct llm_error err;	/* why, when failed */
};

/* max 0 means CHAT_STREAM_MAX.  Set the callbacks after init. */
void chat_stream_init(struct chat_stream *s, size_t max);
void chat_stream_free(struct chat_stream *s);

/* Take the data of one SSE event: "[DONE]" or a JSON chunk.  0, or -1
 * when the stream failed (now or before), s->err saying why: a chunk that
 * is not JSON, an "error" object from the server, an answer over max.
 * Data after the stream failed or after [DONE] is ignored. */
int chat_stream_data(struct chat_stream *s, const char *data, size_t len);

/* An sse_parser callback (arg: the struct chat_stream): events of type
 * "error" fail the stream with their data as the message when it holds
 * no error object; every other event goes to chat_stream_data(). */
void chat_stream_on_event(void *arg, const char *type, const char *data, size_t len,
                          const char *id);

/* For readers of other dialects' streams (wire/anthropic_stream.c),
 * which fill the same struct so chat_stream_finish() makes the record
 * the one way: text of kind "content" or "reasoning" added to choice 0
 * (on_delta told); a tool call of choice 0 by its index, id and name
 * set when not NULL, args appended (on_tool_call told); the stream
 * failed with kind protocol (-1 always).  A stream that failed before
 * takes nothing more.  model, choice0.finish_reason (malloc'd), usage
 * (owned), done and choices are set by the reader itself. */
void chat_stream_text(struct chat_stream *s, const char *kind, const char *t, size_t n);
void chat_stream_tool(struct chat_stream *s, int index, const char *id, const char *name,
                      const char *args, size_t nargs);
int chat_stream_fail(struct chat_stream *s, int retryable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fill res with model, content, tool_calls, reasoning, finish_reason,
 * usage, and when the stream held them logprobs, system_fingerprint and
 * choices.  0, or -1 with e set: the stream failed, or it ended with
 * neither [DONE] nor a finish_reason (a cut stream is never a success;
 * one with a finish_reason and no [DONE] is, as some servers omit it;
 * so is one whose chunks never held choice 0). */
int chat_stream_finish(struct chat_stream *s, json_object *res, struct llm_error *e);

#endif
