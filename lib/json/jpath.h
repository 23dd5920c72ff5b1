/* jpath: the jq path subset that names a part of a record: "." (the
 * whole), ".name" (letters, digits, '_' and '-', not starting with a
 * digit), ".\"any name\"" (a JSON string), "[N]" and ".[N]" (an array
 * index; negative counts from the end), in any sequence: ".request",
 * ".request.messages[0].content", ".meta.\"model hash\"".
 *
 * Ownership: struct jpath owns its steps; jpath_get returns a BORROWED
 * value of the document it was given.
 */
#ifndef LLM_JPATH_H
#define LLM_JPATH_H

#include "json/json.h"

struct jpath_step {
	char *key;		/* NULL for an index */
	long index;
};

struct jpath {
	struct jpath_step *steps;
	int n;
};

/* Parse s.  0, or -1 with err saying what is wrong where. */
int jpath_parse(struct jpath *p, const char *s, char *err, size_t errlen);
void jpath_free(struct jpath *p);

/* The value at p in v: 0 with *out borrowed (NULL for JSON null), or -1
 * with err when a step finds no member, no element, or a value of the
 * wrong kind. */
int jpath_get(const struct jpath *p, json_object *v, json_object **out, char *err,
              size_t errlen);

#endif
