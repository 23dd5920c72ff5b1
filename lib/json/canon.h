/* canon: RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Object members sorted by the UTF-16 code units of their names, no white
 * space, strings with only the escapes JCS allows, numbers in ECMAScript's
 * shortest round-trip form.  The input is borrowed.
 */
#ifndef LLM_CANON_H
#define LLM_CANON_H

#include "json/json.h"

/* Append the canonical form of v to out.  0, or -1 with err (a NaN or
 * infinite number, which JSON cannot hold). */
int canon_json(json_object *v, struct buf *out, char *err, size_t errlen);

/* ECMAScript Number.prototype.toString of a finite double, into out
 * (at least 32 bytes). */
void canon_number(double d, char *out, size_t outlen);

#endif
