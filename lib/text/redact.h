/* redact: find secrets in text and replace them by "[REDACTED:<name>]".
 *
 * A pattern is a name and a PCRE2 regular expression, matched with the
 * JIT, UTF-8 aware (an invalid sequence is never part of a match).  Every
 * pattern is searched; the match that starts first wins, a tie goes to the
 * pattern added first, and the search goes on after the winner's end.  A
 * pattern with a group named "secret" has only that group replaced, so
 * "password=hunter2" becomes "password=[REDACTED:kv-secret]"; otherwise
 * the whole match is.  With redact_stable() the marker carries a keyed
 * hash of the secret, "[REDACTED:<name>:<8 hex digits>]", equal for equal
 * secrets under one key.
 *
 * A string the regex engine cannot finish (a match or depth limit) is
 * redacted from where that search began to its end: failure hides text,
 * it never lets it through.
 *
 * A struct redact holds its match data and counters: use one per thread.
 * Strings given to it are copied; nothing returned needs freeing but the
 * struct itself (redact_free).
 */
#ifndef LLM_REDACT_H
#define LLM_REDACT_H

#include <stddef.h>

#include "json/json.h"

#define REDACT_PATTERNS_FILE "redact.patterns"

struct redact;

struct redact *redact_new(void);
void redact_free(struct redact *r);

/* Add a pattern.  name is letters, digits and "_.-".  0, or -1 with err
 * (the name, or PCRE2's message and the offset in the regex). */
int redact_add(struct redact *r, const char *name, const char *regex, char *err,
               size_t errlen);

/* Add text to be matched literally (regex metacharacters in it are
 * escaped).  Empty text adds nothing.  0, or -1 with err. */
int redact_add_literal(struct redact *r, const char *name, const char *text, char *err,
                       size_t errlen);

/* Add the patterns of a file: "name<white space>regex" a line, '#'
 * comments and blank lines skipped, white space at the end of a line not
 * part of the regex.  0, or -1 with err naming file:line. */
int redact_load(struct redact *r, const char *path, char *err, size_t errlen);

/* The built-in set: the literal values of LLM_API_TOKEN and
 * OPENAI_API_KEY when set (as patterns of those names, first, so an exact
 * token wins a tie), then the datadir's redact.patterns.  0, or -1. */
int redact_load_default(struct redact *r, char *err, size_t errlen);

/* Append a keyed hash of each secret to its marker: HMAC-SHA256 under key
 * (keylen bytes), its first 8 hex digits.  A NULL key is a random one:
 * the hashes are then comparable within this struct's life only.  0, or
 * -1 when no random key could be had. */
int redact_stable(struct redact *r, const void *key, size_t keylen);

/* Redact s[0..n).  Returns the number of secrets replaced; when it is not
 * 0 the redacted text is appended to out, when it is 0 out is untouched
 * (the text is s itself). */
size_t redact_span(struct redact *r, const char *s, size_t n, struct buf *out);

/* Would redact_span() replace anything in s[0..n)?  Counts nothing. */
int redact_test(struct redact *r, const char *s, size_t n);

/* Redact the NUL-terminated string in s in place; what does not fit in
 * size bytes is cut on a UTF-8 boundary.  For messages that may carry a
 * header or a request (struct llm_error's message).  The count, as above. */
size_t redact_cstr(struct redact *r, char *s, size_t size);

/* The patterns, in order, and how many secrets each replaced so far. */
size_t redact_count(const struct redact *r);
const char *redact_name(const struct redact *r, size_t i);
unsigned long long redact_hits(const struct redact *r, size_t i);

#endif
