#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "json/jscan.h"
#include "wire/chat_stream.h"
#include "wire/members.h"

void
chat_stream_init(struct chat_stream *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max ? max : CHAT_STREAM_MAX;
}

static void
choice_free(struct chat_choice *c)
{
	size_t i;

	for (i = 0; i < c->ntools; i++) {
		buf_free(&c->tools[i].id);
		buf_free(&c->tools[i].type);
		buf_free(&c->tools[i].name);
		buf_free(&c->tools[i].args);
	}
	free(c->tools);
	buf_free(&c->content);
	free(c->finish_reason);
}

void
chat_stream_free(struct chat_stream *s)
{
	size_t i;

	choice_free(&s->choice0);
	for (i = 0; i < s->nmore; i++)
		choice_free(&s->more[i]);
	free(s->more);
	free(s->model);
	free(s->fingerprint);
	json_object_put(s->usage);
	json_object_put(s->logprobs);
	buf_free(&s->reasoning);
	memset(s, 0, sizeof *s);
}

/* Every failure of a stream is kind protocol; the first one sticks. */
int
chat_stream_fail(struct chat_stream *s, int retryable, const char *fmt, ...)
{
	va_list ap;
	char msg[ERRLEN];

	if (s->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	llm_error_set(&s->err, "protocol", retryable, "%s", msg);
	s->failed = 1;
	return -1;
}

/* Count n more answer bytes against the limit. */
static int
charge(struct chat_stream *s, size_t n)
{
	if (n > s->max - s->bytes)
		return chat_stream_fail(s, 0, "answer larger than %zu bytes", s->max);
	s->bytes += n;
	return 0;
}

/* The string value of key with its length (it may hold NUL), or NULL. */
static const char *
str_of(json_object *obj, const char *key, size_t *len)
{
	json_object *v = json_get(obj, key);

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Add t to b, and tell on_delta when kind is given: b's text up to its
 * last whole character, from where the last call stopped.  A character
 * a server splits across two chunks so reaches on_delta whole, not as
 * two invalid pieces; the bytes held back are b's own, so nothing more
 * is kept (chat_stream_finish gives what the end leaves held). */
static int
add_text(struct chat_stream *s, struct buf *b, const char *kind, const char *t, size_t n)
{
	size_t from = b->len - utf8_partial_tail(b->data, b->len), to;

	if (!t || n == 0)
		return 0;
	if (charge(s, n) < 0)
		return -1;
	buf_add(b, t, n);
	to = b->len - utf8_partial_tail(b->data, b->len);
	if (kind && s->on_delta && to > from)
		s->on_delta(s->arg, kind, b->data + from, to - from);
	return 0;
}

/* The stream ended: a character still held back is never finished, and
 * on_delta gets its bytes (which a record shows as U+FFFD). */
static void
flush_held(struct chat_stream *s)
{
	size_t k;

	if (!s->on_delta)
		return;
	if ((k = utf8_partial_tail(s->choice0.content.data, s->choice0.content.len)))
		s->on_delta(s->arg, "content", s->choice0.content.data + s->choice0.content.len - k, k);
	if ((k = utf8_partial_tail(s->reasoning.data, s->reasoning.len)))
		s->on_delta(s->arg, "reasoning", s->reasoning.data + s->reasoning.len - k, k);
}

/* Replace b by t (a field a server may send again): the old bytes stop
 * counting against the limit. */
static int
set_text(struct chat_stream *s, struct buf *b, const char *t, size_t n)
{
	if (!t || n == 0)
		return 0;
	s->bytes -= b->len;
	buf_reset(b);
	return add_text(s, b, NULL, t, n);
}

/* The array a of n elements of sz bytes grown by one, a zeroed one at
 * i: the place of a new tool call or choice in index order. */
static void *
insert_at(void *a, size_t n, size_t sz, size_t i)
{
	char *p = erealloc(a, (n + 1) * sz);

	memmove(p + (i + 1) * sz, p + i * sz, (n - i) * sz);
	memset(p + i * sz, 0, sz);
	return p;
}

/* The tool call of this index, added in index order when new. */
static struct chat_tool *
tool_at(struct chat_stream *s, struct chat_choice *c, int index)
{
	struct chat_tool *t = c->tools;
	size_t i, n = c->ntools;

	for (i = 0; i < n && t[i].index < index; i++)
		;
	if (i < n && t[i].index == index)
		return &t[i];
	if (n == CHAT_STREAM_MAX_TOOLS) {
		chat_stream_fail(s, 0, "answer has more than %d tool calls", CHAT_STREAM_MAX_TOOLS);
		return NULL;
	}
	c->tools = t = insert_at(t, n, sizeof *t, i);
	t[i].index = index;
	c->ntools++;
	return &t[i];
}

/* The choice of this index (not 0), added in index order when new. */
static struct chat_choice *
choice_at(struct chat_stream *s, int index)
{
	size_t i;

	for (i = 0; i < s->nmore && s->more[i].index < index; i++)
		;
	if (i < s->nmore && s->more[i].index == index)
		return &s->more[i];
	if (s->nmore + 1 == CHAT_STREAM_MAX_CHOICES) {
		chat_stream_fail(s, 0, "answer has more than %d choices", CHAT_STREAM_MAX_CHOICES);
		return NULL;
	}
	s->more = insert_at(s->more, s->nmore, sizeof *s->more, i);
	s->more[i].index = index;
	s->nmore++;
	return &s->more[i];
}

/* One element of delta.tool_calls; pos is its place in that array, the
 * index of servers that send whole calls without one. */
static int
take_tool(struct chat_stream *s, struct chat_choice *c, json_object *tc, size_t pos)
{
	json_object *iv = json_get(tc, "index"), *fn = json_get(tc, "function");
	size_t nid = 0, ntype = 0, nname = 0, nargs = 0;
	const char *id = str_of(tc, "id", &nid), *type = str_of(tc, "type", &ntype);
	const char *name = str_of(fn, "name", &nname), *args = str_of(fn, "arguments", &nargs);
	int64_t index = iv ? json_object_get_int64(iv) : (int64_t)pos;
	struct chat_tool *t;

	if ((iv && !json_object_is_type(iv, json_type_int)) || index < 0 || index > INT_MAX)
		return chat_stream_fail(s, 1, "stream chunk has a tool call with a bad index");
	if (!(t = tool_at(s, c, (int)index)))
		return -1;
	if (set_text(s, &t->id, id, nid) < 0 || set_text(s, &t->type, type, ntype) < 0 ||
	    set_text(s, &t->name, name, nname) < 0 || add_text(s, &t->args, NULL, args, nargs) < 0)
		return -1;
	if (c == &s->choice0 && s->on_tool_call && (nid || nname || nargs))
		s->on_tool_call(s->arg, (int)index, nid ? id : NULL, nname ? name : NULL,
		                nargs ? args : NULL);
	return 0;
}

void
chat_stream_text(struct chat_stream *s, const char *kind, const char *t, size_t n)
{
	if (!s->failed)
		add_text(s, strcmp(kind, "content") == 0 ? &s->choice0.content : &s->reasoning, kind, t, n);
}

void
chat_stream_tool(struct chat_stream *s, int index, const char *id, const char *name,
                 const char *args, size_t nargs)
{
	struct chat_tool *t;

	if (s->failed || !(t = tool_at(s, &s->choice0, index)))
		return;
	if ((id && set_text(s, &t->id, id, strlen(id)) < 0) ||
	    (name && set_text(s, &t->name, name, strlen(name)) < 0) ||
	    add_text(s, &t->args, NULL, args, nargs) < 0)
		return;
	if (s->on_tool_call && (id || name || nargs)) {
		/* the fragment as a C string, as the OpenAI reader hands it */
		char *a = nargs ? estrndup(args, nargs) : NULL;

		s->on_tool_call(s->arg, index, id, name, a);
		free(a);
	}
}

/* The members a chunk is read for, at its three levels: the chunk, each
 * of its choices, a choice's delta.  A field more is a key here and a
 * line in take_chunk() or take_choice(). */
enum { K_ERROR, K_OBJECT, K_MODEL, K_USAGE, K_CHOICES, K_FINGERPRINT, K_N };
enum { C_INDEX, C_DELTA, C_FINISH, C_LOGPROBS, C_N };
enum { D_CONTENT, D_REASONING_CONTENT, D_REASONING, D_TOOL_CALLS, D_N };

static struct member_keys chunk_keys, choice_keys, delta_keys;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void
make_keys(void)
{
	static const char *const k[K_N] = {"error", "object", "model", "usage", "choices",
	                                   "system_fingerprint"};
	static const char *const c[C_N] = {"index", "delta", "finish_reason", "logprobs"};
	static const char *const d[D_N] = {"content", "reasoning_content", "reasoning",
	                                   "tool_calls"};

	member_keys_init(&chunk_keys, k, K_N);
	member_keys_init(&choice_keys, c, C_N);
	member_keys_init(&delta_keys, d, D_N);
}

/* The entries of a chunk's logprobs.content, added to choice 0's; they
 * count against the limit as json-c writes them. */
static int
take_logprobs(struct chat_stream *s, struct members *choice)
{
	json_object *lp, *a;
	size_t i, n;
	int rc = 0;

	if (!member_present(choice, C_LOGPROBS))
		return 0;	/* the usual chunk */
	lp = member_value(choice, C_LOGPROBS);
	a = json_get(lp, "content");
	if (json_object_is_type(a, json_type_array)) {
		json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN, &n);
		if ((rc = charge(s, n)) == 0) {
			if (!s->logprobs)
				s->logprobs = json_object_new_array();
			for (i = 0; i < json_object_array_length(a); i++)
				json_object_array_add(s->logprobs,
				                      json_ref(json_object_array_get_idx(a, i)));
		}
	}
	json_object_put(lp);
	return rc;
}

/* Choice index of a chunk, into choice 0's fields or one of s->more. */
static int
take_choice(struct chat_stream *s, struct members *choice, int index)
{
	/* choice 0 has reasoning, logprobs and the callbacks too */
	struct chat_choice *c = index ? choice_at(s, index) : &s->choice0;
	int zero = index == 0;
	struct members delta;
	json_object *tcs = NULL;
	const char *t;
	size_t n = 0, i;
	int rc = -1;

	if (!c)
		return -1;
	members_open(&delta, choice, C_DELTA, &delta_keys);
	t = member_str(&delta, D_CONTENT, &n);
	if (add_text(s, &c->content, zero ? "content" : NULL, t, n) < 0)
		goto out;
	/* reasoning_content (DeepSeek, vLLM, llama.cpp) or reasoning
	 * (Ollama, OpenRouter), as openai_parse_completion reads them */
	if (zero && !(t = member_str(&delta, D_REASONING_CONTENT, &n)))
		t = member_str(&delta, D_REASONING, &n);
	if (zero && add_text(s, &s->reasoning, "reasoning", t, n) < 0)
		goto out;
	tcs = member_value(&delta, D_TOOL_CALLS);
	for (i = 0; json_object_is_type(tcs, json_type_array) &&
	     i < json_object_array_length(tcs); i++)
		if (take_tool(s, c, json_object_array_get_idx(tcs, i), i) < 0)
			goto out;
	/* a C string, as json-c's tree gives it */
	if ((t = member_str(choice, C_FINISH, &n))) {
		free(c->finish_reason);
		c->finish_reason = estrndup(t, strnlen(t, n));
	}
	if (zero && take_logprobs(s, choice) < 0)
		goto out;
	rc = 0;
out:
	json_object_put(tcs);
	members_free(&delta);
	return rc;
}

/* err on one line, as json-c's plain writer writes it: json_line's bytes
 * with each '/' escaped (json_line leaves them, json-c's plain writer
 * does not, and these messages always had them escaped).  A '/' of JSON
 * text is always inside a string. */
static const char *
error_text(json_object *err, struct buf *b)
{
	struct buf line = {0};
	const char *p, *slash;

	json_line(err, &line);
	buf_reset(b);
	for (p = line.data; (slash = strchr(p, '/')); p = slash + 1) {
		buf_add(b, p, (size_t)(slash - p));
		buf_add(b, "\\/", 2);
	}
	buf_adds(b, p);
	buf_free(&line);
	return b->data;
}

/* An error the server sent inside the stream: OpenAI and llama.cpp send
 * {"error":{"message"}}, older vLLM {"object":"error","message"}.  Always
 * retryable: a stream that started was accepted, so what broke it is the
 * server's trouble, not the request's. */
static int
server_error(struct chat_stream *s, json_object *err, const char *raw)
{
	const char *m = json_object_is_type(err, json_type_string)
	              ? json_object_get_string(err) : json_get_str(err, "message");
	struct buf b = {0};
	int rc;

	if (!m)
		m = err ? error_text(err, &b) : raw;
	rc = chat_stream_fail(s, 1, "server sent an error in the stream: %s", m);
	buf_free(&b);
	return rc;
}

/* One JSON chunk. */
static int
take_chunk(struct chat_stream *s, const char *data, size_t len)
{
	struct members chunk, choice;
	struct member_iter it;
	json_object *v;
	const char *t;
	size_t n = 0;
	char why[ERRLEN];
	int rc = 0;

	pthread_once(&keys_once, make_keys);
	if (members_of(&chunk, data, len, &chunk_keys, why, sizeof why) < 0)
		return chat_stream_fail(s, 1, "stream chunk is not valid JSON: %s", why);
	if (!members_is_object(&chunk)) {
		rc = chat_stream_fail(s, 1, "stream chunk is not a JSON object: %.80s", data);
		goto out;
	}
	if ((v = member_value(&chunk, K_ERROR))) {
		rc = server_error(s, v, NULL);
		json_object_put(v);
		goto out;
	}
	/* "object":"error", read as a C string as json-c's tree gives it */
	t = member_str(&chunk, K_OBJECT, &n);
	if (t && strnlen(t, n) == 5 && memcmp(t, "error", 5) == 0) {
		v = json_parse(data, len, why, sizeof why);
		rc = server_error(s, v, NULL);
		json_object_put(v);
		goto out;
	}
	/* Azure's content-filter chunk has "model":"": not a model name */
	if ((t = member_str(&chunk, K_MODEL, &n)) && n && t[0]) {
		free(s->model);
		s->model = estrndup(t, strnlen(t, n));
	}
	/* sent with every chunk, the same each time: the first one is read */
	if (!s->fingerprint && (t = member_str(&chunk, K_FINGERPRINT, &n)) && n && t[0])
		s->fingerprint = estrndup(t, strnlen(t, n));
	/* usage comes in its own chunk, with "choices":[] */
	v = member_value(&chunk, K_USAGE);
	if (json_object_is_type(v, json_type_object)) {
		json_object_put(s->usage);
		s->usage = json_ref(v);
	}
	json_object_put(v);
	if (members_iter(&it, &chunk, K_CHOICES) == 0) {
		while (rc == 0 && members_next(&it, &choice, &choice_keys)) {
			int index = member_int(&choice, C_INDEX);

			s->choices += index == 0;
			if (index >= 0)
				rc = take_choice(s, &choice, index);
			members_free(&choice);
		}
		members_iter_free(&it);
	}
	if (rc == 0)
		s->chunks++;
out:
	members_free(&chunk);
	return rc;
}

int
chat_stream_data(struct chat_stream *s, const char *data, size_t len)
{
	if (s->failed)
		return -1;
	if (s->done || jscan_ws(data, data + len) == data + len)
		return 0;
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		s->done = 1;
		return 0;
	}
	return take_chunk(s, data, len);
}

void
chat_stream_on_event(void *arg, const char *type, const char *data, size_t len,
                     const char *id)
{
	struct chat_stream *s = arg;
	char why[ERRLEN];
	json_object *doc;

	(void)id;
	if (!type || strcmp(type, "error") != 0 || s->failed || s->done) {
		chat_stream_data(s, data, len);
		return;
	}
	/* "event: error": its data is the error, JSON or text */
	doc = json_parse(data, len, why, sizeof why);
	server_error(s, json_get(doc, "error") ? json_get(doc, "error") : doc, data);
	json_object_put(doc);
}

static json_object *
str_json(const struct buf *b, const char *dflt)
{
	return b->len ? json_object_new_string_len(b->data, (int)b->len)
	              : json_object_new_string(dflt);
}

/* tool_calls in the message format of a whole completion. */
static json_object *
tools_json(const struct chat_tool *tools, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		const struct chat_tool *t = &tools[i];
		json_object *tc = json_object_new_object(), *fn = json_object_new_object();

		json_set(tc, "id", str_json(&t->id, ""));
		json_set(tc, "type", str_json(&t->type, "function"));
		json_set(fn, "name", str_json(&t->name, ""));
		json_set(fn, "arguments", str_json(&t->args, ""));
		json_set(tc, "function", fn);
		json_object_array_add(a, tc);
	}
	return a;
}

/* One entry of the record's "choices", as openai_parse_completion makes
 * it. */
static json_object *
choice_json(const struct chat_choice *c)
{
	json_object *o = json_object_new_object();

	json_set(o, "content", str_json(&c->content, ""));
	if (c->ntools)
		json_set(o, "tool_calls", tools_json(c->tools, c->ntools));
	json_set(o, "finish_reason", c->finish_reason ? json_object_new_string(c->finish_reason) : NULL);
	return o;
}

static json_object *
choices_json(const struct chat_stream *s)
{
	json_object *a = json_object_new_array();
	size_t i;

	json_object_array_add(a, choice_json(&s->choice0));
	for (i = 0; i < s->nmore; i++)
		json_object_array_add(a, choice_json(&s->more[i]));
	return a;
}

int
chat_stream_finish(struct chat_stream *s, json_object *res, struct llm_error *e)
{
	flush_held(s);
	if (s->failed) {
		*e = s->err;
		return -1;
	}
	if (!s->done && !s->choice0.finish_reason) {
		llm_error_set(e, "protocol", 1, "stream ended before the answer was complete "
		              "(no finish_reason, no [DONE])");
		return -1;
	}
	if (s->choices == 0) {
		/* what a whole completion with "choices":[] is too */
		llm_error_set(e, "protocol", 0, "stream had no choices (only usage or filter chunks)");
		return -1;
	}
	if (s->model)
		json_set(res, "model", json_object_new_string(s->model));
	json_set(res, "content", str_json(&s->choice0.content, ""));
	if (s->choice0.ntools)
		json_set(res, "tool_calls", tools_json(s->choice0.tools, s->choice0.ntools));
	if (s->reasoning.len)
		json_set(res, "reasoning", str_json(&s->reasoning, ""));
	json_set(res, "finish_reason", s->choice0.finish_reason
	         ? json_object_new_string(s->choice0.finish_reason) : NULL);
	if (s->usage)
		json_set(res, "usage", json_ref(s->usage));
	if (s->logprobs) {
		json_object *lp = json_object_new_object();

		json_set(lp, "content", json_ref(s->logprobs));
		json_set(res, "logprobs", lp);
	}
	if (s->fingerprint)
		json_set(res, "system_fingerprint", json_object_new_string(s->fingerprint));
	if (s->nmore)
		json_set(res, "choices", choices_json(s));
	return 0;
}
