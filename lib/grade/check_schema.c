/* json-schema, and tool-called's arguments: the one place that calls the
 * JSON Schema validator of json/schema.h, so nothing else depends on it. */
#include <stdio.h>

#include "grade/grade.h"
#include "json/schema.h"

/* The schema compiled once, when the checks are read; doc is taken. */
int
check_schema_compile(struct check *c, json_object *doc, char *err, size_t errlen)
{
	c->schema_doc = doc;
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
