/* The turn loop of llm-runner (runner.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/runner_internal.h"

struct runner *
runner_new(const struct runner_opts *o)
{
	struct runner *r = ecalloc(1, sizeof *r);

	r->o = *o;
	r->ch.in = r->ch.out = -1;
	rec_reader_init(&r->rd, -1, "chat", 0);
	return r;
}

void
runner_free(struct runner *r)
{
	if (!r)
		return;
	if (r->running)
		child_end(&r->ch, RUNNER_GRACE_MS);
	rec_reader_free(&r->rd);
	buf_free(&r->out);
	free(r);
}

static json_object *
message(const char *role, const char *content)
{
	return rn_pair("role", role, "content", content);
}

/* The tools as the request gives them. */
static json_object *
request_tools(const struct scenario *s)
{
	json_object *a = json_object_new_array(), *src = json_get(s->tree, "tools");
	size_t i;

	for (i = 0; i < s->ntools; i++) {
		json_object *t = json_object_array_get_idx(src, i), *f = json_object_new_object();
		json_object *w = json_object_new_object(), *p = json_get(t, "parameters");

		json_set(f, "name", json_object_new_string(s->tools[i].name));
		if (json_get(t, "description"))
			json_set(f, "description", json_ref(json_get(t, "description")));
		json_set(f, "parameters", p ? json_ref(p) :
		         json_tokener_parse("{\"type\":\"object\",\"properties\":{}}"));
		json_set(w, "type", json_object_new_string("function"));
		json_set(w, "function", f);
		json_object_array_add(a, w);
	}
	return a;
}

/* The request of every turn but its messages. */
static json_object *
base_request(const struct scenario *s)
{
	static const char *const copied[] = { "temperature", "seed", "max_tokens" };
	json_object *req = json_object_new_object();
	size_t i;

	if (s->extras) {
		json_object_object_foreach(s->extras, k, v)
			json_set(req, k, json_ref(v));
	}
	json_set(req, "model", json_object_new_string(s->model));
	for (i = 0; i < sizeof copied / sizeof copied[0]; i++)
		if (json_get(s->tree, copied[i]))
			json_set(req, copied[i], json_ref(json_get(s->tree, copied[i])));
	if (s->ntools)
		json_set(req, "tools", request_tools(s));
	return req;
}

static void
add_usage(struct run *u, json_object *ans)
{
	json_object *us = json_get(ans, "usage");

	if (!json_object_is_type(us, json_type_object))
		return;
	u->usage_seen = 1;
	u->prompt_tokens = add_sat(u->prompt_tokens,
	                           json_object_get_int64(json_get(us, "prompt_tokens")));
	u->completion_tokens = add_sat(u->completion_tokens,
	                               json_object_get_int64(json_get(us, "completion_tokens")));
	u->total_tokens = add_sat(u->total_tokens,
	                          json_object_get_int64(json_get(us, "total_tokens")));
}

/* The mock's answer to one call, into out: 0, or -1 with the run failed. */
static int
mock_result(struct runner *r, struct run *u, const char *name, const char *args,
            struct buf *out)
{
	const struct scenario_tool *t = scenario_tool(u->s, name);
	char err[ERRLEN];

	buf_reset(out);
	if (!t || (!t->has_response && !t->exec)) {
		struct buf names = {0};

		scenario_mock_names(u->s, &names);
		run_fail(u, "tool", "the model called tool '%s', which has %s (tools with a mock: %s)",
		         name, t ? "no mock" : "no definition and no mock", names.data);
		buf_free(&names);
		return -1;
	}
	if (t->exec) {
		if (rn_exec(r->o.cfg, t->exec, args, strlen(args), r->o.turn_ms, out, err, sizeof err) < 0) {
			run_fail(u, "tool", "tool '%s': mock_exec failed: %s", name, err);
			return -1;
		}
		return 0;
	}
	if (json_object_is_type(t->response, json_type_string))
		buf_adds(out, json_object_get_string(t->response));
	else
		json_line(t->response, out);
	return 0;
}

/* Answer every tool call of the turn: the tool messages appended. */
static int
answer_calls(struct runner *r, struct run *u, json_object *calls)
{
	size_t i, n = json_object_array_length(calls);
	struct buf res = {0};
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		json_object *c = json_object_array_get_idx(calls, i), *f = json_get(c, "function");
		const char *id = json_get_str(c, "id"), *name = json_get_str(f, "name");
		const char *args = json_get_str(f, "arguments");
		json_object *tm, *tc;

		if (!name) {
			run_fail(u, "protocol", "turn %ld: tool call %zu has no function name",
			         u->turns, i);
			rc = -1;
			break;
		}
		if (!args)
			args = "{}";
		if ((rc = mock_result(r, u, name, args, &res)) < 0)
			break;
		tm = message("tool", res.data);
		json_set(tm, "tool_call_id", json_object_new_string(id ? id : ""));
		json_object_array_add(u->messages, tm);
		tc = json_object_new_object();
		json_set(tc, "turn", json_object_new_int64(u->turns));
		json_set(tc, "id", json_object_new_string(id ? id : ""));
		json_set(tc, "name", json_object_new_string(name));
		json_set(tc, "arguments", json_object_new_string(args));
		json_set(tc, "result", json_object_new_string(res.data));
		json_object_array_add(u->tool_calls, tc);
	}
	buf_free(&res);
	return rc;
}

/* The answer taken in: usage, the assistant message, the end of the run
 * when it calls no tool.  1: go on with its calls, 0: done, -1: error. */
static int
take_answer(struct run *u, json_object *ans)
{
	json_object *calls = json_get(ans, "tool_calls"), *am, *c = json_get(ans, "content");
	const char *model = json_get_str(ans, "model");

	add_usage(u, ans);
	if (model) {
		free(u->model);
		u->model = estrdup(model);
	}
	if (strcmp(json_get_str(ans, "status") ? json_get_str(ans, "status") : "", "ok")) {
		json_object *e = json_get(ans, "error");
		const char *msg = json_get_str(e, "message"), *kind = json_get_str(e, "kind");

		run_fail(u, kind ? kind : "protocol", "turn %ld: %s", u->turns,
		         msg ? msg : "the chat command answered an error");
		return -1;
	}
	json_object_put(u->finish_reason);
	u->finish_reason = json_ref(json_get(ans, "finish_reason"));
	am = json_object_new_object();
	json_set(am, "role", json_object_new_string("assistant"));
	json_set(am, "content", json_ref(c));
	if (json_object_is_type(calls, json_type_array) && json_object_array_length(calls)) {
		json_set(am, "tool_calls", json_ref(calls));
		json_object_array_add(u->messages, am);
		return 1;
	}
	json_object_array_add(u->messages, am);
	json_object_put(u->final_content);
	/* a copy: the trace is redacted and bounded in place, a string
	 * held twice would be cut twice */
	u->final_content = json_object_is_type(c, json_type_string) ?
		json_object_new_string_len(json_object_get_string(c), json_object_get_string_len(c)) :
		NULL;
	return 0;
}

static void
turns(struct runner *r, struct run *u)
{
	json_object *req = base_request(u->s), *rec = json_object_new_object(), *ans;
	char id[160];
	int rc;

	json_set(req, "messages", json_ref(u->messages));
	json_set(rec, "request", req);
	for (;;) {
		u->turns++;
		snprintf(id, sizeof id, "%s/t%ld", u->run_id, u->turns);
		json_set(rec, "id", json_object_new_string(id));
		json_line(rec, &r->out);
		buf_add(&r->out, "\n", 1);
		if (!(ans = rn_exchange(r, u, r->out.data, r->out.len, id)))
			break;
		rc = take_answer(u, ans);
		if (rc == 1)
			rc = answer_calls(r, u, json_get(ans, "tool_calls"));
		else if (rc == 0) {
			json_object_put(ans);
			break;
		}
		json_object_put(ans);
		if (rc < 0)
			break;
		if (u->turns >= u->s->max_turns) {
			u->max_hit = 1;
			break;
		}
	}
	json_object_put(rec);
}

json_object *
runner_run(struct runner *r, const struct scenario *s)
{
	struct run u;

	run_start(r, &u, s);
	if (s->system)
		json_object_array_add(u.messages, message("system", s->system));
	json_object_array_add(u.messages, message("user", s->prompt));
	turns(r, &u);
	return run_trace(r, &u);
}
