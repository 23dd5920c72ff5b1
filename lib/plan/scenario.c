/* Scenarios checked and resolved (scenario.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/scenario.h"
#include "plan/toml.h"

static const char *const known[] = {
	"description", "model", "system", "prompt", "temperature", "seed",
	"max_tokens", "max_turns", "extras", "tools", NULL,
};

/* extras the loop owns; the scenario's own request fields come after */
static const char *const owned[] = {
	"messages", "tools", "tool_choice", "stream", "model",
	"temperature", "seed", "max_tokens", NULL,
};

static const char *const tool_known[] = {
	"name", "description", "parameters", "mock_response", "mock_exec", NULL,
};

/* Every message names the scenario's source. */
#define bad(err, errlen, src, ...) toml_message(NULL, src, NULL, err, errlen, __VA_ARGS__)

/* An optional string field: 0 (*out NULL when absent), -1 when not a string. */
static int
opt_str(json_object *o, const char *key, const char **out)
{
	json_object *v = json_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

static int
is_int(json_object *v, long long min)
{
	return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= min;
}

static int
check_fields(json_object *v, const char *src, char *err, size_t errlen)
{
	json_object *x;

	json_object_object_foreach(v, k, val) {
		(void)val;
		if (!str_listed(k, known))
			return bad(err, errlen, src, "unknown field '%s'", k);
	}
	if ((x = json_get(v, "temperature")) && !json_object_is_type(x, json_type_double) &&
	    !json_object_is_type(x, json_type_int))
		return bad(err, errlen, src, "temperature: expected a number");
	if ((x = json_get(v, "seed")) && !json_object_is_type(x, json_type_int))
		return bad(err, errlen, src, "seed: expected an integer");
	if ((x = json_get(v, "max_tokens")) && !is_int(x, 1))
		return bad(err, errlen, src, "max_tokens: expected an integer of at least 1");
	if ((x = json_get(v, "max_turns")) && (!is_int(x, 1) || json_object_get_int64(x) > 1000000))
		return bad(err, errlen, src, "max_turns: expected an integer from 1 to 1000000");
	if ((x = json_get(v, "extras"))) {
		if (!json_object_is_type(x, json_type_object))
			return bad(err, errlen, src, "extras: expected an object");
		json_object_object_foreach(x, ek, ev) {
			(void)ev;
			if (str_listed(ek, owned))
				return bad(err, errlen, src, "extras: '%s' is set by the loop or by the "
				           "scenario's own field, not by extras", ek);
		}
	}
	return 0;
}

static int
tool_exec(json_object *t, struct scenario_tool *st, const char *src, size_t i, char *err,
          size_t errlen)
{
	json_object *x = json_get(t, "mock_exec");
	size_t j, n;

	if (!json_object_is_type(x, json_type_array) || !(n = json_object_array_length(x)))
		return bad(err, errlen, src, "tools[%zu].mock_exec: expected a non-empty array of "
		           "strings (argv)", i);
	st->exec = ecalloc(n + 1, sizeof *st->exec);
	for (j = 0; j < n; j++) {
		json_object *a = json_object_array_get_idx(x, j);

		if (!json_object_is_type(a, json_type_string))
			return bad(err, errlen, src, "tools[%zu].mock_exec[%zu]: expected a string", i, j);
		st->exec[j] = (char *)json_object_get_string(a);
	}
	return 0;
}

static int
check_tool(struct scenario *s, json_object *t, size_t i, char *err, size_t errlen)
{
	const char *src = s->source, *desc;
	struct scenario_tool *st = &s->tools[i];
	json_object *p;
	size_t j;

	if (!json_object_is_type(t, json_type_object))
		return bad(err, errlen, src, "tools[%zu]: expected an object", i);
	json_object_object_foreach(t, k, val) {
		(void)val;
		if (!str_listed(k, tool_known))
			return bad(err, errlen, src, "tools[%zu]: unknown field '%s'", i, k);
	}
	if (opt_str(t, "name", &st->name) < 0 || !st->name || !*st->name)
		return bad(err, errlen, src, "tools[%zu].name: expected a non-empty string", i);
	for (j = 0; j < i; j++)
		if (!strcmp(s->tools[j].name, st->name))
			return bad(err, errlen, src, "tools[%zu]: tool '%s' is defined twice", i,
			           st->name);
	if (opt_str(t, "description", &desc) < 0)
		return bad(err, errlen, src, "tools[%zu].description: expected a string", i);
	if ((p = json_get(t, "parameters")) && !json_object_is_type(p, json_type_object))
		return bad(err, errlen, src, "tools[%zu].parameters: expected an object "
		           "(a JSON Schema)", i);
	st->has_response = json_object_object_get_ex(t, "mock_response", &st->response);
	if (json_get(t, "mock_exec")) {
		if (st->has_response)
			return bad(err, errlen, src, "tools[%zu]: give mock_response or mock_exec, "
			           "not both", i);
		return tool_exec(t, st, src, i, err, errlen);
	}
	return 0;
}

static int
resolve(struct scenario *s, const char *def_model, char *err, size_t errlen)
{
	json_object *v = s->tree, *tools;
	const char *src = s->source;
	size_t i;

	if (!json_object_is_type(v, json_type_object))
		return bad(err, errlen, src, "a scenario must be an object (a table)");
	if (check_fields(v, src, err, errlen) < 0)
		return -1;
	if (opt_str(v, "description", &s->description) < 0)
		return bad(err, errlen, src, "description: expected a string");
	if (opt_str(v, "system", &s->system) < 0)
		return bad(err, errlen, src, "system: expected a string");
	if (opt_str(v, "prompt", &s->prompt) < 0 || !s->prompt)
		return bad(err, errlen, src, "prompt: a string is required");
	if (opt_str(v, "model", &s->model) < 0)
		return bad(err, errlen, src, "model: expected a string");
	if (!s->model || !*s->model) {
		if (!def_model)
			return bad(err, errlen, src, "model: none given (set it, or use --model)");
		json_set(v, "model", json_object_new_string(def_model));
		s->model = json_get_str(v, "model");
	}
	if (!json_get(v, "max_turns"))
		json_set(v, "max_turns", json_object_new_int(SCENARIO_MAX_TURNS));
	s->max_turns = (long)json_object_get_int64(json_get(v, "max_turns"));
	s->extras = json_get(v, "extras");
	if (!(tools = json_get(v, "tools")))
		return 0;
	if (!json_object_is_type(tools, json_type_array))
		return bad(err, errlen, src, "tools: expected an array of tables");
	s->ntools = json_object_array_length(tools);
	s->tools = ecalloc(s->ntools ? s->ntools : 1, sizeof *s->tools);
	for (i = 0; i < s->ntools; i++)
		if (check_tool(s, json_object_array_get_idx(tools, i), i, err, errlen) < 0)
			return -1;
	return 0;
}

int
scenario_resolve(json_object *v, const char *source, const char *def_model,
                 struct scenario *s, char *err, size_t errlen)
{
	char why[ERRLEN];

	memset(s, 0, sizeof *s);
	s->source = estrdup(source);
	if (!v || json_object_deep_copy(v, &s->tree, NULL) < 0 || resolve(s, def_model, err, errlen) < 0)
		goto fail;
	if (json_hash(s->tree, s->hash, why, sizeof why) < 0) {
		bad(err, errlen, source, "%s", why);
		goto fail;
	}
	return 0;
fail:
	if (!s->tree)
		bad(err, errlen, source, "a scenario must be an object (a table)");
	scenario_free(s);
	return -1;
}

const struct scenario_tool *
scenario_tool(const struct scenario *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ntools; i++)
		if (!strcmp(s->tools[i].name, name))
			return &s->tools[i];
	return NULL;
}

void
scenario_mock_names(const struct scenario *s, struct buf *out)
{
	size_t i, n = 0;

	buf_add(out, "", 0);
	for (i = 0; i < s->ntools; i++) {
		if (!s->tools[i].has_response && !s->tools[i].exec)
			continue;
		if (n++)
			buf_adds(out, ", ");
		buf_adds(out, s->tools[i].name);
	}
	if (!n)
		buf_adds(out, "none");
}

void
scenario_free(struct scenario *s)
{
	size_t i;

	for (i = 0; i < s->ntools; i++)
		free(s->tools[i].exec);
	free(s->tools);
	free(s->source);
	json_object_put(s->tree);
	memset(s, 0, sizeof *s);
}
