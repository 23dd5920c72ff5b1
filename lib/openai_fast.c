/* The usual completion body read without json-c's tree.
 *
 * openai_parse_completion() parses a body into a json-c tree and copies
 * six values out of it; the tree costs four fifths of the instructions of
 * reading an answer (callgrind, llm-mock's answers).  Here jfield walks
 * the text and only the values kept are made.  Whatever is not the plain
 * case (an error member, no choice or more than one, tool calls, a string
 * json-c might read otherwise, text jfield refuses) is handed back to the
 * json-c path, whose answer then stands; so this path only ever says what
 * that one would.  tests/fuzz/fuzz_completion.c holds the two to that.
 *
 * Each object is walked on its own (the body, then the one element of
 * "choices", then its "message"), so a key written twice counts as json-c
 * counts it: the last value, with what is inside it.
 */
#include <pthread.h>
#include <string.h>

#include "jfield.h"
#include "openai.h"

enum { T_ERROR, T_CHOICES, T_MODEL, T_USAGE, T_N };
enum { C_MESSAGE, C_FINISH, C_N };
enum { M_CONTENT, M_TOOL_CALLS, M_REASONING_CONTENT, M_REASONING, M_N };

static struct jfield_spec *top, *choice, *message;
static pthread_once_t specs_once = PTHREAD_ONCE_INIT;

static void
make_specs(void)
{
	static const char *const t[T_N] = {"error", "choices", "model", "usage"};
	static const char *const c[C_N] = {"message", "finish_reason"};
	static const char *const m[M_N] = {"content", "tool_calls", "reasoning_content",
	                                   "reasoning"};

	top = jfield_spec_of(t, T_N);
	choice = jfield_spec_of(c, C_N);
	message = jfield_spec_of(m, M_N);
}

static int
space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A string value as json-c holds it, or NULL when jfield cannot say the
 * same bytes (a lone surrogate). */
static json_object *
string(const struct jfield *f)
{
	struct buf b = {0};
	json_object *o;

	if (!f->escaped)
		return json_object_new_string_len(f->raw, (int)f->len);
	if (jfield_string(f, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	o = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
	buf_free(&b);
	return o;
}

/* An integer json-c holds in 64 bits as it is written: 0, or
 * -?[1-9][0-9]* of up to 18 digits, with no fraction or exponent after
 * it.  Its length, or 0. */
static size_t
small_int(const char *p, const char *end, long long *v)
{
	int neg = p < end && *p == '-';
	const char *q = p + neg;
	long long n = 0;
	size_t d;

	if (q < end && *q == '0') {
		if (neg)
			return 0;	/* -0 */
		d = 1;
	} else {
		for (d = 0; q + d < end && q[d] >= '0' && q[d] <= '9'; d++) {
			if (d == 18)
				return 0;
			n = n * 10 + (q[d] - '0');
		}
		if (d == 0)
			return 0;
	}
	if (q + d < end && (q[d] == '.' || q[d] == 'e' || q[d] == 'E'))
		return 0;	/* a double */
	*v = neg ? -n : n;
	return (size_t)(q + d - p);
}

/* The usage object when it is flat: keys without escapes, each holding
 * such an integer (all of usage is, bar the nested *_details).  NULL
 * otherwise, and json-c parses it.  The text is valid JSON (jfield took
 * it), so only the shapes taken here need checking. */
static json_object *
flat_usage(const char *p, size_t n)
{
	const char *end = p + n - 1;	/* the closing brace */
	json_object *o = json_object_new_object();
	char key[64];

	for (p++;;) {
		const char *q;
		long long v;
		size_t len;

		while (space(*p))
			p++;
		if (p == end)
			return o;
		if (*p != '"' || !(q = memchr(p + 1, '"', (size_t)(end - p - 1))) ||
		    memchr(p + 1, '\\', (size_t)(q - p - 1)) || (size_t)(q - p - 1) >= sizeof key)
			break;
		memcpy(key, p + 1, (size_t)(q - p - 1));
		key[q - p - 1] = '\0';
		for (p = q + 1; space(*p) || *p == ':'; p++)
			;
		if (!(len = small_int(p, end, &v)))
			break;
		json_object_object_add(o, key, json_object_new_int64(v));
		for (p += len; space(*p); p++)
			;
		if (*p == ',')
			p++;
		else if (p != end)
			break;
	}
	json_object_put(o);
	return NULL;
}

json_object *
openai_usage(const struct jfield *f)
{
	char why[ERRLEN];
	json_object *o = flat_usage(f->raw, f->len);

	return o ? o : json_parse(f->raw, f->len, why, sizeof why);
}

int
openai_completion_fast(const char *body, size_t len, json_object *res)
{
	struct jfield t[T_N], c[C_N], m[M_N];
	const char *p, *end;
	json_object *usage = NULL, *model = NULL, *content = NULL, *reasoning = NULL;
	json_object *finish = NULL;
	const struct jfield *r;

	pthread_once(&specs_once, make_specs);
	if (!jfield_scan(top, body, len, t) || (t[T_ERROR].type != JF_NONE &&
	    t[T_ERROR].type != JF_NULL) || t[T_CHOICES].type != JF_ARRAY)
		return 0;
	/* one choice: the array's text is [, an object, ] */
	p = t[T_CHOICES].raw + 1;
	end = t[T_CHOICES].raw + t[T_CHOICES].len - 1;
	while (p < end && space(*p))
		p++;
	while (end > p && space(end[-1]))
		end--;
	if (p == end || !jfield_scan(choice, p, (size_t)(end - p), c) ||
	    c[C_MESSAGE].type != JF_OBJECT ||
	    !jfield_scan(message, c[C_MESSAGE].raw, c[C_MESSAGE].len, m) ||
	    m[M_TOOL_CALLS].type == JF_ARRAY)
		return 0;
	if ((t[T_MODEL].type != JF_NONE && t[T_MODEL].type != JF_NULL &&
	     t[T_MODEL].type != JF_STRING) ||
	    (t[T_USAGE].type != JF_NONE && t[T_USAGE].type != JF_NULL &&
	     t[T_USAGE].type != JF_OBJECT))
		return 0;	/* json-c copies them whatever they are */
	if (t[T_MODEL].type == JF_STRING && !(model = string(&t[T_MODEL])))
		goto slow;
	content = m[M_CONTENT].type == JF_STRING ? string(&m[M_CONTENT])
	                                         : json_object_new_string("");
	if (!content)
		goto slow;
	r = m[M_REASONING_CONTENT].type == JF_STRING ? &m[M_REASONING_CONTENT]
	                                              : &m[M_REASONING];
	if (r->type == JF_STRING && r->len > 0 && !(reasoning = string(r)))
		goto slow;
	if (c[C_FINISH].type == JF_STRING && !(finish = string(&c[C_FINISH])))
		goto slow;
	if (t[T_USAGE].type == JF_OBJECT && !(usage = openai_usage(&t[T_USAGE])))
		goto slow;
	if (model)
		json_set(res, "model", model);
	json_set(res, "content", content);
	if (reasoning)
		json_set(res, "reasoning", reasoning);
	json_set(res, "finish_reason", finish);
	if (usage)
		json_set(res, "usage", usage);
	return 1;
slow:
	json_object_put(model);
	json_object_put(content);
	json_object_put(reasoning);
	json_object_put(finish);
	return 0;
}
