/* json_build: a JSON text made into the tree json-c's parser makes of it,
 * for the usual text, at a fraction of json-c's cost.
 *
 * json-c's tokener goes a byte at a time through a state machine, copies
 * every token into a printbuf, and sets up and tears down a locale for
 * each document: half the instructions of reading a request record.
 * Here jscan.h's tokenizer finds each token and json-c's own
 * constructors make the same values.  Whatever this does not say exactly
 * as json-c would (an escape in a key, a lone surrogate, an integer of
 * more than 18 digits, -0, a double strtod cannot hold, nesting past
 * json-c's limit, and every error) it hands back, and json-c parses the
 * text as before; so json-c's verdict and message stand.
 * tests/unit/test_jsonbuild.c and tests/fuzz/fuzz_jscan.c hold the two
 * to the same trees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json/jscan.h"
#include "json/json.h"

struct build {
	const char *end;
	struct buf str;		/* a string with escapes, decoded */
};

static const char *value(struct build *b, const char *p, int depth, json_object **out);

static const char *
string(struct build *b, const char *p, json_object **out)
{
	struct jscan_str st;
	const char *q = jscan_string(p, b->end, 0, &st);

	if (!q)
		return NULL;
	if (!st.escaped) {
		*out = json_object_new_string_len(p + 1, (int)(q - p - 2));
		return q;
	}
	buf_reset(&b->str);
	if (jscan_decode(p + 1, (size_t)(q - p - 2), &b->str) < 0)
		return NULL;
	*out = json_object_new_string_len(b->str.data ? b->str.data : "", (int)b->str.len);
	return q;
}

/* A number as json-c holds it: an integer in 64 bits, a double with the
 * text it was written in (json-c writes that text back). */
static const char *
number(const char *p, const char *end, json_object **out)
{
	const char *q = jscan_number(p, end);
	char text[64], *e;
	size_t n;
	double d;

	if (!q || (n = (size_t)(q - p)) >= sizeof text)
		return NULL;
	memcpy(text, p, n);
	text[n] = '\0';
	if (!strpbrk(text, ".eE")) {
		if (n - (text[0] == '-') > 18 || strcmp(text, "-0") == 0)
			return NULL;
		*out = json_object_new_int64(strtoll(text, NULL, 10));
		return q;
	}
	errno = 0;
	d = strtod(text, &e);
	if (errno || e != text + n)
		return NULL;
	*out = json_object_new_double_s(d, text);
	return q;
}

/* The object or array opening at p, walked as jfield.c walks it. */
static const char *
container(struct build *b, const char *p, int depth, json_object **out)
{
	char close = *p == '{' ? '}' : ']';
	json_object *c = close == '}' ? json_object_new_object() : json_object_new_array(), *v;
	char key[128];

	p = jscan_ws(p + 1, b->end);
	if (p < b->end && *p == close) {
		*out = c;
		return p + 1;
	}
	for (;;) {
		const char *q;
		struct jscan_str st;

		/* json-c keeps a key as a C string: one with an escape (\u0000
		 * among them) is its to read */
		if (close == '}') {
			if (p == b->end || *p != '"' || !(q = jscan_string(p, b->end, 0, &st)) ||
			    st.escaped || (size_t)(q - p - 2) >= sizeof key)
				break;
			memcpy(key, p + 1, (size_t)(q - p - 2));
			key[q - p - 2] = '\0';
			p = jscan_ws(q, b->end);
			if (p == b->end || *p != ':')
				break;
			p = jscan_ws(p + 1, b->end);
		}
		if (!(p = value(b, p, depth + 1, &v)))
			break;
		if (close == '}')
			json_object_object_add(c, key, v);	/* a key again replaces, as in json-c */
		else
			json_object_array_add(c, v);
		p = jscan_ws(p, b->end);
		if (p < b->end && *p == close) {
			*out = c;
			return p + 1;
		}
		if (p == b->end || *p != ',')
			break;
		p = jscan_ws(p + 1, b->end);
	}
	json_object_put(c);
	return NULL;
}

/* The value at p into *out; past it, or NULL with nothing made. */
static const char *
value(struct build *b, const char *p, int depth, json_object **out)
{
	const char *q;

	*out = NULL;
	if (p == b->end || depth > JSCAN_DEPTH)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return container(b, p, depth, out);
	case '"':
		return string(b, p, out);
	case 't':
		if ((q = jscan_literal(p, b->end)))
			*out = json_object_new_boolean(1);
		return q;
	case 'f':
		if ((q = jscan_literal(p, b->end)))
			*out = json_object_new_boolean(0);
		return q;
	case 'n':
		return jscan_literal(p, b->end);	/* json-c's null is NULL */
	default:
		return number(p, b->end, out);
	}
}

int
json_build(const char *s, size_t n, json_object **out)
{
	struct build b = {.end = s + n};
	const char *p = value(&b, jscan_ws(s, b.end), 1, out);

	buf_free(&b.str);
	if (p && jscan_ws(p, b.end) == b.end)
		return 1;
	json_object_put(*out);
	*out = NULL;
	return 0;
}
