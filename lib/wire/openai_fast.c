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

#include "json/jfield.h"
#include "wire/openai.h"

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

/* A string value as json-c holds it, or NULL when jfield cannot say the
 * same bytes (a lone surrogate). */
static json_object *
string(const struct jfield *f)
{
	struct buf b = {0};
	const char *t;
	size_t n;
	json_object *o = jfield_text(f, &b, &t, &n) < 0 ? NULL
	               : json_object_new_string_len(t, (int)n);

	buf_free(&b);
	return o;
}

int
openai_completion_fast(const char *body, size_t len, json_object *res)
{
	struct jfield t[T_N], c[C_N], m[M_N];
	json_object *usage = NULL, *model = NULL, *content = NULL, *reasoning = NULL;
	json_object *finish = NULL;
	const struct jfield *r;
	char why[ERRLEN];

	pthread_once(&specs_once, make_specs);
	if (!jfield_scan(top, body, len, t) || (t[T_ERROR].type != JF_NONE &&
	    t[T_ERROR].type != JF_NULL) || t[T_CHOICES].type != JF_ARRAY)
		return 0;
	/* one choice: inside the brackets, one object (jfield_scan allows
	 * the white space around it) */
	if (!jfield_scan(choice, t[T_CHOICES].raw + 1, t[T_CHOICES].len - 2, c) ||
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
	if (t[T_USAGE].type == JF_OBJECT &&
	    !(usage = json_parse(t[T_USAGE].raw, t[T_USAGE].len, why, sizeof why)))
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
