/* What to answer a request: the messages walked, the directives and rules
 * applied, faults and error statuses injected, usage counted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fnv.h"
#include "base/utf8.h"
#include "json/json.h"
#include "json/schema.h"
#include "mock/mock_internal.h"

static void
add_header(struct mock_answer *a, const char *name, const char *value)
{
	if (a->nhdrs == MOCK_MAXHDRS)
		return;
	a->hdrs[a->nhdrs].name = estrdup(name);
	a->hdrs[a->nhdrs].value = estrdup(value);
	a->nhdrs++;
}

static void
fail(struct mock_answer *a, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fail(struct mock_answer *a, int status, const char *type, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	a->status = status;
	a->raw = 1;
	buf_reset(&a->body);
	mock_error_json(&a->body, msg, type ? type : mock_status_row(status)->type,
	                type ? NULL : mock_status_row(status)->ecode);
}

/* The text of a message's content: a string, or the "text" of its parts
 * joined by newlines. */
static void
content_text(json_object *c, struct buf *out)
{
	size_t i, n;
	int first = 1;

	if (json_object_is_type(c, json_type_string)) {
		buf_add(out, json_object_get_string(c), (size_t)json_object_get_string_len(c));
		return;
	}
	if (!json_object_is_type(c, json_type_array))
		return;
	n = json_object_array_length(c);
	for (i = 0; i < n; i++) {
		json_object *t = json_get(json_object_array_get_idx(c, i), "text");

		if (!json_object_is_type(t, json_type_string))
			continue;
		if (!first)
			buf_add(out, "\n", 1);
		buf_add(out, json_object_get_string(t), (size_t)json_object_get_string_len(t));
		first = 0;
	}
}

static void
inject_status(struct mock_answer *a, const struct mock_status *st)
{
	char v[64];

	fail(a, st->code, NULL, "mock: injected %d %s", st->code, mock_status_row(st->code)->reason);
	if (st->retry_after >= 0) {
		snprintf(v, sizeof v, "%lld", st->retry_after);
		add_header(a, "Retry-After", v);
	}
	if (st->retry_after_date >= 0) {
		mock_http_date(time(NULL) + (time_t)st->retry_after_date, v, sizeof v);
		add_header(a, "Retry-After", v);
	}
	if (st->retry_after_ms >= 0) {
		snprintf(v, sizeof v, "%lld", st->retry_after_ms);
		add_header(a, "retry-after-ms", v);
	}
	if (st->should_retry >= 0)
		add_header(a, "x-should-retry", st->should_retry ? "true" : "false");
}

/* Drop the faults whose times= is used up at this attempt; return the
 * error status to inject, if any. */
static const struct mock_status *
active_faults(struct mock *m, struct mock_answer *a, struct mock_directives *d)
{
	unsigned long long n = 1;
	int counted = 0;
	size_t i;

	for (i = 0; i < MOCK_NFAULTS; i++)
		counted |= d->times[i] > 0;
	for (i = 0; i < d->nstatus; i++)
		counted |= d->status[i].times > 0;
	/* only requests asking for times= touch the shared table */
	if (counted)
		n = mock_attempt(m, a->hash);
	for (i = 0; i < MOCK_NFAULTS; i++)
		if (d->times[i] > 0 && n > (unsigned long long)d->times[i])
			d->faults &= ~(1u << i);
	for (i = 0; i < d->nstatus; i++)
		if (d->status[i].times == 0 || n <= (unsigned long long)d->status[i].times)
			return &d->status[i];
	return NULL;
}

static void
rule_answer(struct mock_answer *a, const struct rule *r)
{
	size_t i;

	a->delay_ms += r->delay_ms;
	for (i = 0; i < r->nhdrs; i++)
		add_header(a, r->hdrs[i].name, r->hdrs[i].value);
	if (r->body) {
		a->status = r->status ? r->status : 200;
		a->raw = 1;
		buf_reset(&a->body);
		buf_adds(&a->body, r->body);
		a->injected = a->status >= 400;
		return;
	}
	if (r->status >= 400) {
		fail(a, r->status, NULL, "mock: injected %d %s (rule at line %ld)", r->status,
		     mock_status_row(r->status)->reason, r->line);
		a->injected = 1;
		return;
	}
	if (r->status)
		a->status = r->status;
	if (r->content) {
		buf_reset(&a->content);
		buf_adds(&a->content, r->content);
		a->has_content = 1;
	}
	for (i = 0; i < r->ntools; i++) {
		a->tools[i].name = estrdup(r->tools[i].name);
		a->tools[i].args = estrdup(r->tools[i].args);
	}
	a->ntools = r->ntools;
	if (r->ntools && !r->content)
		a->has_content = 0;
}

static long long
max_tokens(json_object *req)
{
	json_object *v = json_get(req, "max_completion_tokens");

	if (!v)
		v = json_get(req, "max_tokens");
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	return json_object_get_int64(v);
}

/* An integer member from min to max, or dflt when absent: 0, or -1 (a
 * 400 answer made) when it is something else. */
static int
int_option(struct mock_answer *a, json_object *req, const char *key, long long min,
           long long max, int dflt, int *out)
{
	json_object *v = json_get(req, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max) {
		fail(a, 400, NULL, "'%s' must be an integer from %lld to %lld", key, min, max);
		return -1;
	}
	*out = (int)json_object_get_int64(v);
	return 0;
}

/* finish_reason and usage (of every choice); max_tokens cuts the
 * content. */
static void
finish(struct mock_answer *a, long long max)
{
	char sfx[MOCK_SUFFIX_MAX];
	long long tools = 0;
	size_t i;
	int k;

	a->finish = a->ntools ? "tool_calls" : "stop";
	if (a->faults & MOCK_F_HUGE) {
		a->completion_tokens = mock_tokens((size_t)a->huge_bytes);
		return;
	}
	if (max >= 0 && a->has_content && mock_tokens(a->content.len) > max) {
		size_t cap = (size_t)max * 4 < a->content.len ? (size_t)max * 4 : a->content.len;

		a->content.len = utf8_cut(a->content.data, a->content.len, cap);
		a->content.data[a->content.len] = '\0';
		a->finish = "length";
	}
	for (i = 0; i < a->ntools; i++)
		tools += mock_tokens(strlen(a->tools[i].name)) + mock_tokens(strlen(a->tools[i].args));
	for (k = 0; k < a->n; k++)
		a->completion_tokens += tools + (a->has_content
		                        ? mock_tokens(a->content.len + mock_choice_suffix(k, sfx)) : 0);
}

/* Walk the messages: prompt tokens, the last user text, the last role,
 * the rounds of tool calls (assistant messages) after the last user
 * message and, when the last message is a tool result, its text.  -1 on a
 * bad message. */
static int
walk(struct mock_answer *a, json_object *msgs, struct buf *user, const char **lastrole,
     struct buf *tool, long long *rounds)
{
	size_t i, n = json_object_array_length(msgs);
	json_object *lastuser = NULL;
	struct buf tmp = {0};

	for (i = 0; i < n; i++) {
		json_object *msg = json_object_array_get_idx(msgs, i);
		const char *role = json_get_str(msg, "role");

		if (!json_object_is_type(msg, json_type_object)) {
			fail(a, 400, NULL, "'messages[%zu]' must be an object", i);
			buf_free(&tmp);
			return -1;
		}
		buf_reset(&tmp);
		content_text(json_get(msg, "content"), &tmp);
		a->prompt_tokens += mock_tokens(tmp.len) + 4;
		if (role && !strcmp(role, "user")) {
			lastuser = msg;
			*rounds = 0;
		} else if (role && !strcmp(role, "assistant"))
			++*rounds;
		*lastrole = role ? role : "";
		if (i == n - 1 && role && !strcmp(role, "tool"))
			buf_add(tool, tmp.data, tmp.len);
	}
	buf_free(&tmp);
	buf_add(user, "", 0);
	if (lastuser)
		content_text(json_get(lastuser, "content"), user);
	return 0;
}

static void
reply(struct mock *m, json_object *req, struct mock_answer *a)
{
	char err[ERRLEN];
	json_object *msgs = json_get(req, "messages"), *so, *schema = schema_asked(req);
	struct mock_directives d;
	struct buf user = {0}, tool = {0};
	const char *lastrole = "", *model = json_get_str(req, "model");
	const struct mock_status *st;
	const struct rule *r = NULL;
	long long rounds = 0;
	size_t i;

	if (!json_object_is_type(req, json_type_object)) {
		fail(a, 400, NULL, "the request body must be a JSON object");
		return;
	}
	if (!json_object_is_type(msgs, json_type_array)) {
		fail(a, 400, NULL, "'messages' is required and must be an array");
		return;
	}
	a->stream = json_object_get_boolean(json_get(req, "stream"));
	so = json_get(req, "stream_options");
	a->include_usage = a->stream && json_object_get_boolean(json_get(so, "include_usage"));
	a->model = estrdup(model ? model : "mock");
	/* what the request asks of the answer's shape: n choices, logprobs */
	if (int_option(a, req, "n", 1, MOCK_MAXN, 1, &a->n) < 0 ||
	    int_option(a, req, "top_logprobs", 0, MOCK_MAXTOP, 0, &a->top_logprobs) < 0)
		goto out;
	a->logprobs = json_object_get_boolean(json_get(req, "logprobs"));
	if (schema && mock_no_json_schema(m)) {
		fail(a, 400, "invalid_request_error", "response_format json_schema is not supported");
		goto out;
	}
	if (walk(a, msgs, &user, &lastrole, &tool, &rounds) < 0)
		goto out;
	if (mock_parse_directives(user.data, user.len, &d, err, sizeof err) < 0) {
		mock_directives_free(&d);
		fail(a, 400, NULL, "mock: %s", err);
		goto out;
	}
	st = active_faults(m, a, &d);
	a->faults = d.faults;
	if (!a->stream)
		a->faults &= ~(unsigned)MOCK_F_STREAM_ONLY;
	/* shapes and reasoning are how a server talks, not faults */
	a->injected = st || (a->faults & ~(unsigned)(MOCK_F_SSE_SHAPES | MOCK_F_REASONING));
	if (a->faults & MOCK_F_SLOW)
		a->delay_ms += d.slow_ms;
	if (st) {
		inject_status(a, st);
		goto done;
	}
	if (a->faults & MOCK_F_TOOLS_NO_STREAM) {
		fail(a, 400, "invalid_request_error", "Cannot use tools with stream");
		goto done;
	}
	if (a->faults & MOCK_F_INVALID_JSON && !a->stream) {
		a->raw = 1;
		buf_adds(&a->body, "{\"id\":\"x\",\"choices\":[{\"mess");
		goto done;
	}
	a->has_content = 1;
	/* the tool calls still due: each for its turns= rounds */
	for (i = 0; i < d.ntools; i++) {
		if (rounds < (d.tools[i].turns ? d.tools[i].turns : 1)) {
			a->tools[a->ntools++] = d.tools[i];
			d.tools[i].name = d.tools[i].args = NULL;
		}
	}
	if (a->ntools)
		a->has_content = 0;
	else if (!strcmp(lastrole, "tool")) {
		buf_adds(&a->content, "tool result: ");
		buf_add(&a->content, tool.data, tool.len);
	} else
		buf_add(&a->content, d.text.data, d.text.len);
	/* a tool directive outranks the rules; a tool result does not */
	if (!a->ntools)
		r = mock_match_rule(m, a->model, lastrole, user.data);
	if (r) {
		rule_answer(a, r);
		if (a->raw)
			goto done;
	}
	/* a structured answer: a value that follows the schema, or breaks it
	 * ([[mock:schema-break]]); a rule's content stands as it is written (a
	 * test's crafted answer) */
	if (schema && !a->ntools && !(r && r->content) &&
	    mock_schema_content(schema, (a->faults & MOCK_F_SCHEMA_BREAK) != 0, &a->content, err,
	                        sizeof err) < 0) {
		fail(a, 400, NULL, "response_format.json_schema.schema: %s", err);
		goto done;
	}
	if (a->faults & MOCK_F_HUGE) {
		a->huge_bytes = d.huge_bytes;
		a->has_content = 1;
		a->n = 1;	/* one huge content is enough */
		a->logprobs = 0;
		buf_reset(&a->content);
	}
	a->max_tokens = max_tokens(req);
	finish(a, a->max_tokens);
done:
	mock_directives_free(&d);
out:
	buf_free(&user);
	buf_free(&tool);
}

void
mock_reply(struct mock *m, const char *body, size_t len, struct mock_answer *a)
{
	char err[ERRLEN];
	json_object *req;

	req = json_parse(body, len, err, sizeof err);
	mock_reply_tree(m, req, fnv1a(body, len), a);
	if (!req)
		fail(a, 400, NULL, "invalid JSON in request body: %s", err);
	json_object_put(req);
}

void
mock_reply_tree(struct mock *m, json_object *req, uint64_t hash, struct mock_answer *a)
{
	memset(a, 0, sizeof *a);
	a->status = 200;
	a->max_tokens = -1;
	a->hash = hash;
	snprintf(a->id, sizeof a->id, "chatcmpl-mock-%016llx", (unsigned long long)a->hash);
	if (req)
		reply(m, req, a);
}

void
mock_answer_free(struct mock_answer *a)
{
	size_t i;

	free(a->model);
	a->model = NULL;
	buf_free(&a->content);
	buf_free(&a->body);
	mock_tools_free(a->tools, a->ntools);
	a->ntools = 0;
	for (i = 0; i < a->nhdrs; i++) {
		free(a->hdrs[i].name);
		free(a->hdrs[i].value);
	}
	a->nhdrs = 0;
}
