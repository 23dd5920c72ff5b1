/* client_schema: structured output in the client.  An answer to a
 * request whose response_format asks for a json_schema is parsed and
 * checked against that schema: valid, the result gains "parsed"; not,
 * it is an error of kind "schema" that keeps the content.  A server that
 * refuses response_format json_schema (a 400 naming it) gets the request
 * again the fallback way (wire/openai.h), and so does every later
 * request to that endpoint, told once per endpoint through notice(). */
#include <stdio.h>
#include <string.h>

#include "json/schema.h"
#include "run/client_internal.h"

/* The compiled schema of doc: the last one, when doc is the same
 * schema (every record of --json-schema, most of a plan's), or made
 * anew.  NULL with err when doc does not compile. */
static struct schema *
schema_of(struct client *c, json_object *doc, char *err, size_t errlen)
{
	if (c->answer_schema && schema_equal(schema_doc(c->answer_schema), doc))
		return c->answer_schema;
	schema_free(c->answer_schema);
	c->answer_schema = schema_compile(doc, 0, err, errlen);
	return c->answer_schema;
}

int
client_schema_check(struct client *c, struct job *j, struct llm_error *e)
{
	json_object *doc = schema_asked(j->body), *content, *parsed;
	struct schema *s;
	char err[ERRLEN];

	if (!doc)
		return 0;
	content = json_get(j->result, "content");
	if (!(s = schema_of(c, doc, err, sizeof err))) {
		/* not the answer's fault, nor retryable: the request's */
		llm_error_set(e, "bad_input", 0, "%s: response_format's schema: %s", j->id, err);
		return -1;
	}
	json_object_put(j->kept);
	j->kept = json_ref(content);
	json_object_put(j->kept_usage);
	j->kept_usage = json_ref(json_get(j->result, "usage"));
	if (!json_object_is_type(content, json_type_string)) {
		llm_error_set(e, "schema", 0, "the answer has no content to check against the schema");
		return -1;
	}
	if (json_parse_any(json_object_get_string(content),
	                   (size_t)json_object_get_string_len(content), &parsed, err,
	                   sizeof err) < 0) {
		llm_error_set(e, "schema", 0, "the answer is not JSON: %s", err);
		return -1;
	}
	if (schema_validate(s, parsed, err, sizeof err) < 0) {
		json_object_put(parsed);
		llm_error_set(e, "schema", 0, "the answer does not follow the schema: %s", err);
		return -1;
	}
	json_set(j->result, "parsed", parsed);
	json_object_put(j->kept);
	j->kept = NULL;
	json_object_put(j->kept_usage);
	j->kept_usage = NULL;
	return 0;
}

int
client_schema_refused(struct client *c, struct job *j, struct http_xfer *x)
{
	if (j->tgt->no_json_schema || !schema_asked(j->body) ||
	    !openai_schema_refused(x->status, x->body.data ? x->body.data : "", x->body.len))
		return 0;
	j->tgt->no_json_schema = 1;
	if (c->io.notice) {
		char msg[ERRLEN];

		snprintf(msg, sizeof msg, "%s does not take response_format json_schema: sending "
		         "json_object with the schema in the system message, the answers still "
		         "checked against it", j->tgt->chat_url);
		c->io.notice(c->io.arg, msg);
	}
	return 1;
}

json_object *
client_schema_wire(struct job *j)
{
	if (j->tgt->no_json_schema && schema_asked(j->body))
		return openai_schema_fallback(j->body);
	return json_ref(j->body);
}
