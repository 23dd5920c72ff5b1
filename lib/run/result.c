#include <string.h>

#include "run/result.h"
#include "text/redact.h"
#include "wire/openai.h"

json_object *
result_body_of(json_object *rec, const char *id, json_object **meta, struct llm_error *e)
{
	json_object *body;
	char err[ERRLEN];

	*meta = json_get(rec, "meta");
	if (!(body = openai_request_of(rec, err, sizeof err))) {
		llm_error_set(e, "bad_input", 0, "%s: %s", id, err);
		return NULL;
	}
	if (body == rec) {
		/* a bare body: our fields are not the server's */
		json_object_object_del(body, "id");
		json_object_object_del(body, "meta");
		json_object_object_del(body, "attempt");
		*meta = NULL;
	}
	return body;
}

struct endpoint *
result_route(struct config *cfg, json_object *body, struct llm_error *e)
{
	const char *model = json_get_str(body, "model"), *send_model;
	struct endpoint *ep;
	char err[ERRLEN];

	if (!(ep = config_route(cfg, model, &send_model, err, sizeof err))) {
		llm_error_set(e, "config", 0, "%s", err);
		return NULL;
	}
	if (send_model != model)
		json_set(body, "model", json_object_new_string(send_model));
	return ep;
}

void
result_finish(json_object *res, json_object *body, json_object *meta, int attempt, int cached,
              int echo, const char *endpoint)
{
	if (!json_get(res, "model") && json_get(body, "model"))
		json_set(res, "model", json_ref(json_get(body, "model")));
	/* where it went, so a report prices a local model at 0 */
	if (endpoint)
		json_set(res, "endpoint", json_object_new_string(endpoint));
	json_set(res, "attempt", json_object_new_int(attempt));
	json_set(res, "cached", json_object_new_boolean(cached));
	if (meta)
		json_set(res, "meta", json_ref(meta));
	if (echo)
		json_set(res, "request", json_ref(body));
}

int
result_save_check(const char *id, json_object *meta, struct llm_error *e)
{
	const char *out = json_get_str(meta, "output");
	char err[ERRLEN];

	if (!out) {
		llm_error_set(e, "bad_input", 0, "%s: --save needs meta.output", id);
		return -1;
	}
	/* its JSON length, not strlen: a \u0000 inside is refused, not
	 * taken as the end of a shorter path */
	if (path_confined(out, (size_t)json_object_get_string_len(json_get(meta, "output")), err,
	                  sizeof err) < 0) {
		llm_error_set(e, "bad_input", 0, "%s: meta.output: %s", id, err);
		return -1;
	}
	return 0;
}

int
result_save(json_object *meta, json_object *res, struct llm_error *e)
{
	const char *path = json_get_str(meta, "output");
	json_object *content = json_get(res, "content");
	char err[ERRLEN];

	/* beneath the working directory: a symbolic link on the way that
	 * leads out of it is refused, not followed */
	if (atomic_write(path, json_object_get_string(content),
	                 (size_t)json_object_get_string_len(content), FILES_MKDIRS | FILES_BENEATH,
	                 err, sizeof err) < 0) {
		llm_error_set(e, "io", 0, "cannot save response: %s", err);
		return -1;
	}
	return 0;
}

json_object *
result_from_cache(const char *id, json_object *hit)
{
	json_object *res = json_object_new_object();

	json_set(res, "id", json_object_new_string(id));
	json_set(res, "status", json_object_new_string("ok"));
	json_object_object_foreach(hit, k, v)
		if (strcmp(k, "id") && strcmp(k, "status"))
			json_set(res, k, json_ref(v));
	return res;
}

/* A server may echo a request's headers or body in its error message:
 * the message goes through the redaction patterns, the configured tokens
 * among them, before it is written.  Made at the first error, so a run
 * without errors never pays for compiling the patterns. */
void
result_redact(struct redact **red, const struct config *cfg, struct llm_error *e)
{
	char err[ERRLEN];
	size_t i;

	if (!*red) {
		*red = redact_new();
		/* without the patterns file the tokens are still taken out */
		(void)redact_load_default(*red, err, sizeof err);
		if (cfg->def.token)
			(void)redact_add_literal(*red, "token", cfg->def.token, err, sizeof err);
		for (i = 0; i < cfg->nprov; i++)
			if (cfg->prov[i].token)
				(void)redact_add_literal(*red, "token", cfg->prov[i].token, err,
				                         sizeof err);
	}
	redact_cstr(*red, e->message, sizeof e->message);
}
