/* utf8: UTF-8 as RFC 3629 has it (no overlong forms, no surrogates,
 * nothing past U+10FFFF): the one validator and the one encoder of the
 * code, and the cut on a character boundary.  Nothing here allocates:
 * the caller owns every buffer. */
#ifndef LLM_UTF8_H
#define LLM_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (before end): 1 for ASCII,
 * 0 when it is not one. */
size_t utf8_char_len(const char *p, const char *end);

/* The length of the invalid bytes at p (before end), where
 * utf8_char_len is 0: the longest beginning of a sequence that is not
 * finished (Unicode's "maximal subpart"), or 1 when *p begins none.
 * Each such piece stands for one U+FFFD, as the WHATWG decoder has it:
 * F0 9F 98 41 is one U+FFFD and 'A', C0 AF two U+FFFD. */
size_t utf8_bad_len(const char *p, const char *end);

/* How many bytes at the end of s[0..n) begin a sequence that more bytes
 * could finish (0 to 3): what a stream holds back until the next piece
 * comes. */
size_t utf8_partial_tail(const char *s, size_t n);

/* s[0..n) into out with each invalid piece (utf8_bad_len) made U+FFFD:
 * how many bytes it wrote.  out has room for 3 * n bytes.  In a line of
 * JSON, bytes past 0x7f stand only inside strings, so this mends a
 * record's line just as json_quote mends its strings. */
size_t utf8_mend(char *out, const char *s, size_t n);

/* The offset of the first byte of s[0..n) that is not valid UTF-8, or n. */
size_t utf8_invalid_at(const char *s, size_t n);

/* The length of s[0..len) cut to at most max bytes on a UTF-8 boundary:
 * no character is split (a sequence that does not fit is left out). */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* The code point cp (at most U+10FFFF) written to u in UTF-8: how many
 * bytes it took. */
size_t utf8_encode(char u[4], unsigned long cp);

#endif
