/* schema_internal: what the compiler (schema.c) and the checker
 * (schema_check.c) of json/schema.h share; nothing else includes it.
 *
 * Ownership: the schema owns doc (one reference), the compiled patterns
 * (values of rx) and the match context; the keys of every table are
 * borrowed from doc: the pattern texts of rx, the $ref string nodes of
 * refs (whose values, the targets, are doc's too), the schema objects
 * of seen. */
#ifndef LLM_SCHEMA_INTERNAL_H
#define LLM_SCHEMA_INTERNAL_H

#include <json-c/linkhash.h>
#include <stddef.h>

#include "base/util.h"
#include "json/json.h"

/* The value of key in t (a table of json-c's linkhash keyed by pointer),
 * or NULL. */
void *schema_tab_get(struct lh_table *t, const void *key);

struct schema {
	json_object *doc;
	int flags;
	struct lh_table *rx;	/* pattern text -> pcre2_code */
	struct lh_table *refs;	/* $ref node -> its target */
	struct lh_table *seen;	/* every schema object walked */
	void *mctx;		/* pcre2_match_context: the limits of a match */
};

/* Is v a JSON number, integer or not? */
static inline int
schema_is_number(json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* The pointer b with key appended, '~' and '/' escaped (RFC 6901); and
 * cut back to len bytes. */
void schema_ptr_push(struct buf *b, const char *key);
void schema_ptr_pop(struct buf *b, size_t len);

#endif
