#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jfield.h"
#include "json/jscan.h"
#include "wire/chat_stream.h"

void
chat_stream_init(struct chat_stream *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max ? max : CHAT_STREAM_MAX;
}

void
chat_stream_free(struct chat_stream *s)
{
	size_t i;

	for (i = 0; i < s->ntools; i++) {
		buf_free(&s->tools[i].id);
		buf_free(&s->tools[i].type);
		buf_free(&s->tools[i].name);
		buf_free(&s->tools[i].args);
	}
	free(s->tools);
	free(s->model);
	free(s->finish_reason);
	json_object_put(s->usage);
	buf_free(&s->content);
	buf_free(&s->reasoning);
	memset(s, 0, sizeof *s);
}

/* Every failure of a stream is kind protocol; the first one sticks. */
__attribute__((format(printf, 3, 4)))
static int
fail(struct chat_stream *s, int retryable, const char *fmt, ...)
{
	va_list ap;
	char msg[ERRLEN];

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
		return fail(s, 0, "answer larger than %zu bytes", s->max);
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

static int
add_text(struct chat_stream *s, struct buf *b, const char *kind, const char *t, size_t n)
{
	if (!t || n == 0)
		return 0;
	if (charge(s, n) < 0)
		return -1;
	buf_add(b, t, n);
	if (s->on_delta)
		s->on_delta(s->arg, kind, t, n);
	return 0;
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
	if (charge(s, n) < 0)
		return -1;
	buf_add(b, t, n);
	return 0;
}

/* The tool call of this index, added in index order when new. */
static struct chat_tool *
tool_at(struct chat_stream *s, int index)
{
	size_t i;

	for (i = 0; i < s->ntools && s->tools[i].index < index; i++)
		;
	if (i < s->ntools && s->tools[i].index == index)
		return &s->tools[i];
	if (s->ntools == CHAT_STREAM_MAX_TOOLS) {
		fail(s, 0, "answer has more than %d tool calls", CHAT_STREAM_MAX_TOOLS);
		return NULL;
	}
	s->tools = erealloc(s->tools, (s->ntools + 1) * sizeof *s->tools);
	memmove(s->tools + i + 1, s->tools + i, (s->ntools - i) * sizeof *s->tools);
	memset(&s->tools[i], 0, sizeof s->tools[i]);
	s->tools[i].index = index;
	s->ntools++;
	return &s->tools[i];
}

/* One element of delta.tool_calls; pos is its place in that array, the
 * index of servers that send whole calls without one. */
static int
take_tool(struct chat_stream *s, json_object *tc, size_t pos)
{
	json_object *iv = json_get(tc, "index"), *fn = json_get(tc, "function");
	size_t nid = 0, ntype = 0, nname = 0, nargs = 0;
	const char *id = str_of(tc, "id", &nid), *type = str_of(tc, "type", &ntype);
	const char *name = str_of(fn, "name", &nname), *args = str_of(fn, "arguments", &nargs);
	int64_t index = iv ? json_object_get_int64(iv) : (int64_t)pos;
	struct chat_tool *t;

	if ((iv && !json_object_is_type(iv, json_type_int)) || index < 0 || index > INT_MAX)
		return fail(s, 1, "stream chunk has a tool call with a bad index");
	if (!(t = tool_at(s, (int)index)))
		return -1;
	if (set_text(s, &t->id, id, nid) < 0 || set_text(s, &t->type, type, ntype) < 0 ||
	    set_text(s, &t->name, name, nname) < 0)
		return -1;
	if (nargs) {
		if (charge(s, nargs) < 0)
			return -1;
		buf_add(&t->args, args, nargs);
	}
	if (s->on_tool_call && (nid || nname || nargs))
		s->on_tool_call(s->arg, (int)index, nid ? id : NULL, nname ? name : NULL,
		                nargs ? args : NULL);
	return 0;
}

static int
take_choice(struct chat_stream *s, json_object *choice)
{
	json_object *delta = json_get(choice, "delta");
	json_object *tcs = json_get(delta, "tool_calls");
	const char *t, *fr = json_get_str(choice, "finish_reason");
	size_t n = 0, i;

	t = str_of(delta, "content", &n);
	if (add_text(s, &s->content, "content", t, n) < 0)
		return -1;
	/* reasoning_content (DeepSeek, vLLM, llama.cpp) or reasoning
	 * (Ollama, OpenRouter), as openai_parse_completion reads them */
	if (!(t = str_of(delta, "reasoning_content", &n)))
		t = str_of(delta, "reasoning", &n);
	if (add_text(s, &s->reasoning, "reasoning", t, n) < 0)
		return -1;
	for (i = 0; json_object_is_type(tcs, json_type_array) &&
	     i < json_object_array_length(tcs); i++)
		if (take_tool(s, json_object_array_get_idx(tcs, i), i) < 0)
			return -1;
	if (fr) {
		free(s->finish_reason);
		s->finish_reason = estrdup(fr);
	}
	return 0;
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

	if (!m)
		m = err ? json_object_to_json_string_ext(err, JSON_C_TO_STRING_PLAIN) : raw;
	return fail(s, 1, "server sent an error in the stream: %s", m);
}

static int
take_chunk(struct chat_stream *s, json_object *doc)
{
	json_object *v = json_get(doc, "error"), *choices;
	const char *object = json_get_str(doc, "object"), *model = json_get_str(doc, "model");
	size_t i;

	if (v)
		return server_error(s, v, NULL);
	if (object && strcmp(object, "error") == 0)
		return server_error(s, doc, NULL);
	/* Azure's content-filter chunk has "model":"": not a model name */
	if (model && *model) {
		free(s->model);
		s->model = estrdup(model);
	}
	/* usage comes in its own chunk, with "choices":[] */
	if (json_object_is_type(v = json_get(doc, "usage"), json_type_object)) {
		json_object_put(s->usage);
		s->usage = json_ref(v);
	}
	choices = json_get(doc, "choices");
	for (i = 0; json_object_is_type(choices, json_type_array) &&
	     i < json_object_array_length(choices); i++) {
		json_object *c = json_object_array_get_idx(choices, i);

		if (json_object_get_int(json_get(c, "index")) != 0)
			continue;
		s->choices++;
		if (take_choice(s, c) < 0)
			return -1;
	}
	s->chunks++;
	return 0;
}

/* The usual chunk read without json-c's tree, as openai_fast.c reads a
 * whole completion: jfield walks the chunk, its one choice and its delta,
 * and take_chunk's effects follow, in its order.  Anything else (an
 * error, an "object" that is not a plain string, more than one choice or
 * one that is no object, an index that is not a plain integer, tool
 * calls, a string jfield cannot decode as json-c would) is left to
 * take_chunk, with nothing done here.  tests/fuzz/fuzz_sse.c holds the
 * two to the same answers. */
enum { K_ERROR, K_OBJECT, K_MODEL, K_USAGE, K_CHOICES, K_N };
enum { C_INDEX, C_DELTA, C_FINISH, C_N };
enum { D_CONTENT, D_REASONING_CONTENT, D_REASONING, D_TOOL_CALLS, D_N };

static struct jfield_spec *chunk_spec, *choice_spec, *delta_spec;
static pthread_once_t specs_once = PTHREAD_ONCE_INIT;

static void
make_specs(void)
{
	static const char *const k[K_N] = {"error", "object", "model", "usage", "choices"};
	static const char *const c[C_N] = {"index", "delta", "finish_reason"};
	static const char *const d[D_N] = {"content", "reasoning_content", "reasoning",
	                                   "tool_calls"};

	chunk_spec = jfield_spec_of(k, K_N);
	choice_spec = jfield_spec_of(c, C_N);
	delta_spec = jfield_spec_of(d, D_N);
}

/* An index json_object_get_int() would read as 0 (none, null, 0), 1
 * for any other plain integer, -1 for what is left to json-c. */
static int
index_other(const struct jfield *f)
{
	size_t i = f->len > 0 && f->raw[0] == '-';

	if (f->type == JF_NONE || f->type == JF_NULL)
		return 0;
	if (f->type != JF_NUMBER || i == f->len)
		return -1;
	for (; i < f->len; i++)
		if (f->raw[i] < '0' || f->raw[i] > '9')
			return -1;	/* a fraction or an exponent */
	return !(f->len == 1 && f->raw[0] == '0');
}

/* 1 with *rc when the chunk was taken here, 0 to leave it to take_chunk. */
static int
take_chunk_fast(struct chat_stream *s, const char *data, size_t len, int *rc)
{
	struct jfield k[K_N], c[C_N], d[D_N];
	struct buf bm = {0}, bc = {0}, br = {0}, bf = {0};
	const char *model = NULL, *content = NULL, *reasoning = NULL, *finish = NULL;
	size_t nm = 0, nc = 0, nr = 0, nf = 0;
	const char *in, *end;
	json_object *usage = NULL;
	int one = 0, other = 0, ok = 0;
	char why[ERRLEN];

	pthread_once(&specs_once, make_specs);
	if (!jfield_scan(chunk_spec, data, len, k) ||
	    (k[K_ERROR].type != JF_NONE && k[K_ERROR].type != JF_NULL) ||
	    (k[K_OBJECT].type == JF_STRING && (k[K_OBJECT].escaped ||
	     (k[K_OBJECT].len == 5 && memcmp(k[K_OBJECT].raw, "error", 5) == 0))))
		return 0;
	if (k[K_CHOICES].type == JF_ARRAY) {
		in = k[K_CHOICES].raw + 1;
		end = k[K_CHOICES].raw + k[K_CHOICES].len - 1;
		if (jscan_ws(in, end) < end) {
			/* one choice, an object (white space around it allowed) */
			if (!jfield_scan(choice_spec, in, (size_t)(end - in), c) ||
			    (other = index_other(&c[C_INDEX])) < 0)
				return 0;
			one = 1;
			if (c[C_DELTA].type == JF_OBJECT) {
				if (!jfield_scan(delta_spec, c[C_DELTA].raw, c[C_DELTA].len, d) ||
				    d[D_TOOL_CALLS].type == JF_ARRAY)
					return 0;
			} else {
				d[D_CONTENT].type = d[D_REASONING_CONTENT].type = JF_NONE;
				d[D_REASONING].type = JF_NONE;
			}
		}
	} else if (k[K_CHOICES].type != JF_NONE && k[K_CHOICES].type != JF_NULL) {
		return 0;
	}
	/* every string decoded, and usage made, before anything is done */
	if (jfield_text(&k[K_MODEL], &bm, &model, &nm) < 0 ||
	    (one && !other && (jfield_text(&d[D_CONTENT], &bc, &content, &nc) < 0 ||
	     jfield_text(d[D_REASONING_CONTENT].type == JF_STRING ? &d[D_REASONING_CONTENT]
	             : &d[D_REASONING], &br, &reasoning, &nr) < 0 ||
	     jfield_text(&c[C_FINISH], &bf, &finish, &nf) < 0)) ||
	    (k[K_USAGE].type == JF_OBJECT &&
	     !(usage = json_parse(k[K_USAGE].raw, k[K_USAGE].len, why, sizeof why))))
		goto done;
	ok = 1;
	if (model && nm && model[0]) {
		free(s->model);
		s->model = estrndup(model, nm);
	}
	if (usage) {
		json_object_put(s->usage);
		s->usage = usage;
		usage = NULL;
	}
	*rc = 0;
	if (one && !other) {
		s->choices++;
		if (add_text(s, &s->content, "content", content, nc) < 0 ||
		    add_text(s, &s->reasoning, "reasoning", reasoning, nr) < 0) {
			*rc = -1;
			goto done;
		}
		if (finish) {
			free(s->finish_reason);
			s->finish_reason = estrndup(finish, nf);
		}
	}
	s->chunks++;
done:
	json_object_put(usage);
	buf_free(&bm);
	buf_free(&bc);
	buf_free(&br);
	buf_free(&bf);
	return ok;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		n--;
	return n == 0;
}

int
chat_stream_data(struct chat_stream *s, const char *data, size_t len)
{
	char why[ERRLEN];
	json_object *doc;
	int rc;

	if (s->failed)
		return -1;
	if (s->done || blank(data, len))
		return 0;
	if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
		s->done = 1;
		return 0;
	}
	if (!s->tree_only && take_chunk_fast(s, data, len, &rc))
		return rc;
	if (!(doc = json_parse(data, len, why, sizeof why)))
		return fail(s, 1, "stream chunk is not valid JSON: %s", why);
	if (!json_object_is_type(doc, json_type_object))
		rc = fail(s, 1, "stream chunk is not a JSON object: %.80s", data);
	else
		rc = take_chunk(s, doc);
	json_object_put(doc);
	return rc;
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
tools_json(const struct chat_stream *s)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < s->ntools; i++) {
		const struct chat_tool *t = &s->tools[i];
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

int
chat_stream_finish(struct chat_stream *s, json_object *res, struct llm_error *e)
{
	if (s->failed) {
		*e = s->err;
		return -1;
	}
	if (!s->done && !s->finish_reason) {
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
	json_set(res, "content", str_json(&s->content, ""));
	if (s->ntools)
		json_set(res, "tool_calls", tools_json(s));
	if (s->reasoning.len)
		json_set(res, "reasoning", str_json(&s->reasoning, ""));
	json_set(res, "finish_reason", s->finish_reason
	         ? json_object_new_string(s->finish_reason) : NULL);
	if (s->usage)
		json_set(res, "usage", json_ref(s->usage));
	return 0;
}
