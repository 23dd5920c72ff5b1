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

#include <stddef.h>

#include "base/util.h"
#include "json/json.h"

/* pointers to pointers, open addressing */
struct ptab {
	struct {
		const void *key;	/* NULL: empty */
		void *val;
	} *slot;
	size_t cap, len;
};

void *schema_ptab_get(const struct ptab *t, const void *key);

struct schema {
	json_object *doc;
	int flags;
	struct ptab rx;		/* pattern text -> pcre2_code */
	size_t npatterns;
	struct ptab refs;	/* $ref node -> its target */
	struct ptab seen;	/* every schema object walked */
	void *mctx;		/* pcre2_match_context: the limits of a match */
};

/* The pointer b with key appended, '~' and '/' escaped (RFC 6901); and
 * cut back to len bytes. */
void schema_ptr_push(struct buf *b, const char *key);
void schema_ptr_pop(struct buf *b, size_t len);

#endif
