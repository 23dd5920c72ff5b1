/* json-schema, and tool-called's arguments: the one place that calls the
 * JSON Schema validator of json/schema.h, so nothing else depends on it. */
#include <stdio.h>

#include "grade/grade.h"

#if __has_include("json/schema.h")
#include "json/schema.h"
#endif

#ifndef LLM_SCHEMA_H
/* json/schema.h's API, declared (weak: this tree may not have it yet)
 * until that header is merged; then this copy goes. */
__attribute__((weak)) struct schema *schema_compile(json_object *doc, int flags, char *err,
                                                    size_t errlen);
__attribute__((weak)) int schema_validate(const struct schema *s, json_object *value,
                                          char *where, size_t wherelen);
__attribute__((weak)) void schema_free(struct schema *s);

static int
no_validator(void)
{
	return schema_compile == NULL;
}
#else
static int
no_validator(void)
{
	return 0;
}
#endif

/* The schema compiled once, when the checks are read; doc is taken. */
int
check_schema_compile(struct check *c, json_object *doc, char *err, size_t errlen)
{
	c->schema_doc = doc;
	if (no_validator()) {
		snprintf(err, errlen, "this build has no JSON Schema validator (json/schema.h)");
		return -1;
	}
	c->schema = schema_compile(doc, 0, err, errlen);
	return c->schema ? 0 : -1;
}

int
check_schema_eval(const struct check *c, json_object *value, char *where, size_t wherelen)
{
	return schema_validate(c->schema, value, where, wherelen) == 0 ? 0 : -1;
}

void
check_schema_free(struct check *c)
{
	if (c->schema)
		schema_free(c->schema);
	json_object_put(c->schema_doc);
}
