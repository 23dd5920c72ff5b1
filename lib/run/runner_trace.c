/* The record of one run: its start (run_id), its first error (run_fail,
 * which the turn loop and the command talk both set), its trace
 * (llm-records(5), 'Trace record'), and the summary line llm-runner draws on a
 * terminal.  It calls nothing else of the runner: the others call it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "report/prices.h"
#include "run/runner_internal.h"

void
run_fail(struct run *u, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (u->err_kind[0])
		return;		/* the first error is the one that counts */
	snprintf(u->err_kind, sizeof u->err_kind, "%s", kind);
	va_start(ap, fmt);
	vsnprintf(u->err, sizeof u->err, fmt, ap);
	va_end(ap);
	one_line(u->err, sizeof u->err - 1);
}

/* run_id: the UTC start to the microsecond, then 8 hex digits of the
 * scenario hash, the process and the time; increasing within a process. */
void
run_start(struct runner *r, struct run *u, const struct scenario *s)
{
	struct timeval tv;
	struct tm tm;
	char day[32], mix[128], h[HASH_HEX];
	long long us;

	memset(u, 0, sizeof *u);
	u->s = s;
	u->t0 = now_ms_f();
	u->messages = json_object_new_array();
	u->tool_calls = json_object_new_array();
	gettimeofday(&tv, NULL);
	us = (long long)tv.tv_sec * 1000000 + tv.tv_usec;
	if (us <= r->last_us)
		us = r->last_us + 1;
	r->last_us = us;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(day, sizeof day, "%Y%m%dT%H%M%S", &tm);
	snprintf(mix, sizeof mix, "%s/%ld/%lld", s->hash, (long)getpid(), us);
	sha256_hex(mix, strlen(mix), h);
	snprintf(u->run_id, sizeof u->run_id, "%s.%06dZ-%.8s", day, (int)(us % 1000000), h);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(u->timestamp, sizeof u->timestamp, "%s.%03dZ", day, (int)(tv.tv_usec / 1000) % 1000);
}

json_object *
rn_pair(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();

	json_set(o, k1, json_object_new_string(v1));
	json_set(o, k2, json_object_new_string(v2));
	return o;
}

static json_object *
usage_json(const struct run *u)
{
	json_object *o = json_object_new_object();

	json_set(o, "prompt_tokens", json_object_new_int64(u->prompt_tokens));
	json_set(o, "completion_tokens", json_object_new_int64(u->completion_tokens));
	json_set(o, "total_tokens", json_object_new_int64(u->total_tokens));
	return o;
}

static json_object *
cost_json(const struct run *u, const char *url)
{
	char err[ERRLEN];
	struct price p;

	if (!u->usage_seen || price_lookup(u->s->model, url, &p, err, sizeof err) != 1)
		return NULL;	/* unknown: null, never 0 */
	return json_object_new_double(price_cost(&p, u->prompt_tokens, u->completion_tokens));
}

json_object *
run_trace(struct runner *r, struct run *u)
{
	json_object *t = json_object_new_object();
	/* the endpoint's base URL, NULL when not configured: priced as it
	 * is, written with its secrets masked, as llm-chat writes it */
	char *url = config_model_url(r->o.cfg, u->s->model, 0);
	char *shown = config_model_url(r->o.cfg, u->s->model, 1);

	json_set(t, "run_id", json_object_new_string(u->run_id));
	json_set(t, "scenario_hash", json_object_new_string(u->s->hash));
	json_set(t, "source", json_object_new_string(u->s->source));
	if (u->s->description)
		json_set(t, "description", json_object_new_string(u->s->description));
	json_set(t, "status", json_object_new_string(u->err_kind[0] ? "error" : "ok"));
	if (u->err_kind[0])
		json_set(t, "error", rn_pair("kind", u->err_kind, "message", u->err));
	json_set(t, "turns", json_object_new_int64(u->turns));
	json_set(t, "max_turns_hit", json_object_new_boolean(u->max_hit));
	json_set(t, "messages", u->messages);
	json_set(t, "tool_calls", u->tool_calls);
	json_set(t, "usage", usage_json(u));
	json_set(t, "cost_usd", cost_json(u, url));
	json_set(t, "latency_ms", json_object_new_int64((int64_t)(now_ms_f() - u->t0 + 0.5)));
	json_set(t, "model", json_object_new_string(u->model ? u->model : u->s->model));
	json_set(t, "endpoint", shown ? json_object_new_string(shown) : NULL);
	json_set(t, "timestamp", json_object_new_string(u->timestamp));
	json_set(t, "final_content", u->final_content);
	/* an answer the server stopped at max_tokens is not the model's
	 * whole answer, though the run went well: said apart from "ok" */
	json_set(t, "cut_off", json_object_new_boolean(!u->err_kind[0] && u->finish_reason &&
	         !strcmp(json_object_get_string(u->finish_reason), "length")));
	json_set(t, "finish_reason", u->finish_reason);
	free(u->model);
	free(url);
	free(shown);
	memset(u, 0, sizeof *u);
	return t;
}

json_object *
runner_bad_trace(const char *source, const char *kind, const char *msg)
{
	json_object *t = json_object_new_object();

	json_set(t, "source", json_object_new_string(source));
	json_set(t, "status", json_object_new_string("error"));
	json_set(t, "error", rn_pair("kind", kind, "message", msg));
	return t;
}

void
runner_summary(json_object *t, const char *source, struct buf *out)
{
	json_object *us = json_get(t, "usage"), *cost = json_get(t, "cost_usd");
	const char *hash = json_get_str(t, "scenario_hash");

	buf_reset(out);
	buf_addf(out, "%s: %s", source, json_get_str(t, "status"));
	if (json_get(t, "error"))
		buf_addf(out, " (%s)", json_get_str(json_get(t, "error"), "message"));
	if (json_object_get_boolean(json_get(t, "cut_off")))
		buf_adds(out, " but cut off (finish_reason length)");
	if (!hash)
		return;
	buf_addf(out, ", model %s, %lld turn%s%s, %zu tool call%s, %lld tokens, cost %s",
	         json_get_str(t, "model"), (long long)json_object_get_int64(json_get(t, "turns")),
	         json_object_get_int64(json_get(t, "turns")) == 1 ? "" : "s",
	         json_object_get_boolean(json_get(t, "max_turns_hit")) ? " (max_turns hit)" : "",
	         json_object_array_length(json_get(t, "tool_calls")),
	         json_object_array_length(json_get(t, "tool_calls")) == 1 ? "" : "s",
	         (long long)json_object_get_int64(json_get(us, "total_tokens")),
	         cost ? "" : "unknown");
	if (cost)
		buf_addf(out, "$%.6f", json_object_get_double(cost));
	buf_addf(out, ", %lld ms, hash %.12s",
	         (long long)json_object_get_int64(json_get(t, "latency_ms")), hash);
}
