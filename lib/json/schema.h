/* schema: JSON Schema (draft 2020-12, as structured-output schemas use
 * it) compiled once and checked against json-c values.  llm-schema(5)
 * lists the keywords it knows and the ones it refuses.
 *
 * Ownership: schema_compile() takes a reference of its own to doc (the
 * caller keeps and puts its own); the schema holds the compiled patterns
 * and the resolved $refs, all freed by schema_free().  schema_load() hands
 * the document it read to the schema alone.  schema_doc() is borrowed,
 * valid while the schema lives.  A compiled schema is only read by
 * schema_validate(), so threads may share one.
 *
 * Messages: a compile error names the place in the schema ("at
 * /properties/a/pattern: ..."); a failing value names the place in the
 * value as a JSON pointer ("/items/2/name is a number, not a string"),
 * "(root)" for the value itself.
 */
#ifndef LLM_SCHEMA_H
#define LLM_SCHEMA_H

#include <stddef.h>

#include "json/json.h"

enum {
	SCHEMA_FORMAT = 1,	/* "format" asserts (date-time, email, uri,
				 * uuid) instead of only annotating */
};

struct schema;

/* doc compiled: a schema, or NULL with err set (a pattern that does not
 * compile, a remote or dangling $ref, a keyword of a wrong form or one
 * not supported). */
struct schema *schema_compile(json_object *doc, int flags, char *err, size_t errlen);

/* The JSON file path read and compiled; NULL with err naming path. */
struct schema *schema_load(const char *path, int flags, char *err, size_t errlen);

/* 0 when value is valid; -1 when it is not, where then holding the JSON
 * pointer of the first failing place, ": " and why.  A $ref loop or a
 * schema too costly to finish is -1 too, said so in where. */
int schema_validate(const struct schema *s, json_object *value, char *where, size_t wherelen);

/* The schema's document (borrowed). */
json_object *schema_doc(const struct schema *s);

/* The target of the $ref string node ref, resolved when compiled; NULL
 * when ref is not one of s's $refs. */
json_object *schema_ref(const struct schema *s, json_object *ref);

void schema_free(struct schema *s);

/* The schema a chat request body asks its answer to follow: its
 * response_format's json_schema.schema when the type is "json_schema"
 * (borrowed), else NULL.  The one reading of it, for the client, the
 * fallback and the mock alike. */
json_object *schema_asked(json_object *body);

/* Are a and b the same JSON value, numbers compared by value (1 and 1.0
 * are equal) and members in any order?  enum, const and uniqueItems. */
int schema_equal(json_object *a, json_object *b);

/* Is s[0..len) a valid instance of format name ("date-time", "email",
 * "uri", "uuid")?  1 valid or a format not known, 0 invalid.
 * schema_format.c. */
int schema_format_ok(const char *name, const char *s, size_t len);

#endif
