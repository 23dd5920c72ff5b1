/* ijson: the rules of I-JSON (RFC 7493) that RFC 8785 asks of its input
 * and json-c does not keep, checked on the JSON text before json-c parses
 * it and on the tree after:
 *  - strings: a \u escape of a lone surrogate (json-c would make it
 *    U+FFFD), bytes that are not UTF-8 and raw control characters (json-c
 *    would keep them) are refused;
 *  - numbers: an integer of 19 digits or more is rewritten with ".0" after
 *    it, so json-c reads it as the double it denotes instead of clamping
 *    it to 64 bits;
 *  - objects: a member name given twice is refused (json-c would keep the
 *    last value only).
 *
 * The text comes a line at a time, as JSON documents are read: a string
 * cannot span lines (a raw newline in it is refused), so what is carried
 * from one line to the next is the nesting of objects and arrays.
 *
 * Ownership: struct ijson owns its buffers; a line rewritten by ijson_scan
 * lives in it until the next call.
 */
#ifndef LLM_IJSON_H
#define LLM_IJSON_H

#include <stdint.h>

#include "json/jscan.h"
#include "json/json.h"

struct ijson {
	struct buf fix;		/* the line rewritten */
	uint32_t *members;	/* member count of each object, in text order */
	size_t nobj, cap;
	uint32_t open[JSCAN_DEPTH];	/* objects and arrays open */
	int depth;
	int deep;		/* nested past JSCAN_DEPTH: counts not kept */
};

/* Start a new text. */
void ijson_reset(struct ijson *j);
void ijson_free(struct ijson *j);

/* Check the next line of the text, *s[0..*n).  -1 with err (naming the
 * byte offset in the line) when it breaks a rule; 0 otherwise, with *s and
 * *n pointing at the line rewritten when a long integer was found. */
int ijson_scan(struct ijson *j, const char **s, size_t *n, char *err, size_t errlen);

/* After json-c parsed the whole text into v: -1 with err when an object
 * lost a member to a duplicate name, 0 otherwise. */
int ijson_check(const struct ijson *j, json_object *v, char *err, size_t errlen);

#endif
