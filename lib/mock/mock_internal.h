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

/* Free the strings of t[0..n) and clear them; the array is the caller's. */
void mock_tools_free(struct mock_tool *t, size_t n);

/* The text choice k adds to choice 0's content (none for k 0) into out,
 * which holds at least MOCK_SUFFIX_MAX bytes; its length. */
#define MOCK_SUFFIX_MAX 24
size_t mock_choice_suffix(int k, char *out);

/* p moved past white space, at most to end. */
const char *mock_skip_space(const char *p, const char *end);

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
