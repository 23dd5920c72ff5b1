/* jscan: the one JSON tokenizer.
 *
 * The tokens of RFC 8259 (white space, strings, numbers, the literals)
 * found in place in the caller's text, the escapes of a string decoded,
 * for every reader that goes through a JSON text without json-c's
 * tokener: the strict walk (jfield.c), the tree builder (jsonbuild.c)
 * and the I-JSON checks (ijson.c).  Pointers returned point into the
 * text given; nothing is kept.
 *
 * The readers accept only what RFC 8259 allows and nothing nested deeper
 * than json-c takes (JSCAN_DEPTH), so a text one of them accepts is one
 * json-c accepts too; when one says no, its caller parses with json-c,
 * whose verdict and message stand.
 */
#ifndef LLM_JSCAN_H
#define LLM_JSCAN_H

#include <json-c/json_tokener.h>
#include <stddef.h>

#include "base/util.h"

/* json-c's tokener refuses a value nested deeper than this, the text's
 * outermost value being at depth 1: before each member or element it
 * checks that the container's depth is below the limit, so [[1]] puts 1
 * at depth 3, and an empty container may sit at the limit itself.  Every
 * reader counts so and refuses a value at a depth past it. */
#define JSCAN_DEPTH JSON_TOKENER_DEFAULT_DEPTH

/* Past the white space at p.  Inline: every reader calls it between
 * any two tokens. */
static inline const char *
jscan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Why jscan_string refused a string. */
enum jscan_bad {
	JSCAN_OK,
	JSCAN_UNCLOSED,		/* the text ends inside it */
	JSCAN_CONTROL,		/* a raw byte below 0x20 */
	JSCAN_ESCAPE,		/* a backslash RFC 8259 does not allow there */
	JSCAN_UTF8,		/* JSCAN_IJSON: bytes that are not UTF-8 */
	JSCAN_LONE,		/* JSCAN_IJSON: a surrogate escape out of a pair */
};

/* What jscan_string found in a string besides its end. */
struct jscan_str {
	int escaped;		/* it holds a backslash */
	size_t shrink;		/* bytes its escapes save once decoded: one
				 * for \n, six less the UTF-8 length for
				 * \uXXXX (a surrogate half two, so a pair
				 * makes four) */
	enum jscan_bad bad;	/* when refused: why, */
	const char *at;		/* the byte or escape to blame, */
	unsigned long unit;	/* and for JSCAN_LONE the surrogate */
};

/* jscan_string's flags.  JSCAN_IJSON: I-JSON's rules (RFC 7493) too,
 * bytes that are not UTF-8 and a surrogate escape not in a pair refused;
 * other escapes, good or bad, are passed over for json-c to judge. */
#define JSCAN_IJSON 1

/* The string opening at p (its quote): past its closing quote, or NULL
 * with st->bad and st->at saying why. */
const char *jscan_string(const char *p, const char *end, int flags, struct jscan_str *st);

/* Past the number at p; past the literal (true, false or null) at p;
 * NULL when that is not there. */
const char *jscan_number(const char *p, const char *end);
const char *jscan_literal(const char *p, const char *end);

/* Append the string raw[0..len) (the bytes between the quotes, as
 * jscan_string accepted them) decoded to out.  0, or -1 for an escape
 * json-c might read otherwise (a lone surrogate). */
int jscan_decode(const char *raw, size_t len, struct buf *out);

/* s[0..n) into out with every escaped surrogate pair inside a string
 * written as its UTF-8 bytes ("\ud83d\ude00" as F0 9F 98 80), for
 * json-c: 0.16 decodes a pair whose code point ends in D800-DFFF
 * (U+1D800-U+1DFFF, U+2D800-U+2DFFF, ... CJK among them) as U+FFFD.  1
 * when out holds such a copy, 0 when s has no pair (out untouched). */
int jscan_raw_pairs(const char *s, size_t n, struct buf *out);

#endif
