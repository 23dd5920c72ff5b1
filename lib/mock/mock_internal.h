/* mock_internal: what the mock_*.c files share and nobody else sees.
 *
 * lib/mock/mock.h is the public face of the mock; this header only joins its
 * pieces: the status table (mock.c), the rules of a --rules file
 * (mock_rules.c), which mock_answer.c turns into answers, and the few
 * helpers more than one of them calls.
 *
 * Ownership: a struct rule owns every string and array in it; the rules
 * are owned by their struct mock and freed by mock_free().
 * mock_match_rule() returns a borrowed rule, valid while the mock lives.
 */
#ifndef LLM_MOCK_INTERNAL_H
#define LLM_MOCK_INTERNAL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "json/json.h"
#include "json/jsonwrite.h"
#include "mock/mock.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One line of a --rules file. */
struct rule {
	long line;
	char *model;
	char *role;
	int has_re;
	regex_t re;
	char *content;		/* NULL: the default answer */
	struct mock_tool *tools;
	size_t ntools;
	int status;		/* 0: 200 */
	long long delay_ms;
	char *body;		/* sent as it is */
	struct mock_header *hdrs;
	size_t nhdrs;
};

/* The wall clock in seconds: a batch's times, a stream's x_mock_ts_ms. */
double mock_wall(void);

/* Free the strings of t[0..n) and clear them; the array is the caller's. */
void mock_tools_free(struct mock_tool *t, size_t n);

/* The text choice k adds to choice 0's content (none for k 0) into out,
 * which holds at least MOCK_SUFFIX_MAX bytes; its length. */
#define MOCK_SUFFIX_MAX 24
size_t mock_choice_suffix(int k, char *out);

/* p moved past white space, at most to end. */
const char *mock_skip_space(const char *p, const char *end);

/* mock_reply() of a request already parsed (req borrowed; NULL: only
 * set a up for an error), hash that of its body, for the attempts of
 * times= and the ids. */
void mock_reply_tree(struct mock *m, json_object *req, uint64_t hash, struct mock_answer *a);

/* The id of tool call k of an answer, prefix and a hash of the request:
 * the same request gets the same ids. */
void mock_tool_id(const struct mock_answer *a, const char *prefix, size_t k, struct jw *w);

/* reasoning: the rule is "reasoning about: " and the content */
#define REASONING_PREFIX "reasoning about: "

/* Does the answer send reasoning before its content (MOCK_F_REASONING)? */
int mock_has_reasoning(const struct mock_answer *a);

/* The length of the next streamed piece of s[off..len) (huge: big ones). */
size_t mock_delta_len(int huge, const char *s, size_t off, size_t len);

/* Reshape the one event "data: X\n\n" at out[from..] as the sse-* faults
 * of f ask: other line ends, no space after the colon, comments, fields,
 * the JSON cut into several data lines. */
void mock_sse_shape(unsigned f, struct mock_stream *s, struct buf *out, size_t from);

/* The first rule matching the request, or NULL. */
const struct rule *mock_match_rule(const struct mock *m, const char *model, const char *role,
                                   const char *text);

/* The attempt number of a request body with hash h (1 the first time);
 * thread-safe. */
unsigned long long mock_attempt(struct mock *m, uint64_t h);

/* The content answering a request for response_format json_schema with
 * schema doc: a small value that follows it, or with broken one that does
 * not.  Into out (reset first).  0, or -1 with err when doc is not a
 * schema we compile.  mock_schema.c. */
int mock_schema_content(json_object *doc, int broken, struct buf *out, char *err,
                        size_t errlen);

/* Does m refuse response_format json_schema (--no-json-schema)? */
int mock_no_json_schema(const struct mock *m);

#endif
