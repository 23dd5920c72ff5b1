#include <string.h>

#include "json/jscan.h"
#include "wire/members.h"

void
member_keys_init(struct member_keys *k, const char *const *keys, int n)
{
	if (n > MEMBERS_MAX)
		eprintf("members: %d keys, at most %d", n, MEMBERS_MAX);
	k->keys = keys;
	k->spec = jfield_spec_of(keys, n);	/* flat keys: key i in slot i */
}

/* json-c's tree of a part of a text jfield took.  json-c takes every
 * text jfield takes (jfield.h), so NULL, read as absent, would be a bug
 * of one of the two: fuzz_completion and fuzz_sse hold the readers to
 * json-c's tree of the whole text. */
static json_object *
parse(const char *s, size_t n)
{
	char why[ERRLEN];

	return json_parse(s, n, why, sizeof why);
}

static void
init(struct members *o, const struct member_keys *k)
{
	o->k = k;
	o->text = 0;
	o->tree = o->own = NULL;
	o->used = 0;
}

/* Whether s[0..n) holds an escaped NUL (\u0000).  memchr finds the rare
 * backslash; an escape is stepped over whole, so "\\u0000" is none. */
static int
escaped_nul(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0)
			return 1;
		if ((p += 2) >= end)
			break;
	}
	return 0;
}

int
members_of(struct members *o, const char *s, size_t n, const struct member_keys *k,
           char *why, size_t whylen)
{
	init(o, k);
	/* json-c ends a key at an escaped NUL ("model\u0000x" is "model",
	 * and may stand for it); jfield does not: such a text is its tree */
	if (!escaped_nul(s, n) && jfield_scan(k->spec, s, n, o->f)) {
		o->text = 1;
		return 0;
	}
	/* json-c's verdict and words stand for what jfield refuses */
	if (!(o->own = json_parse(s, n, why, whylen)))
		return -1;
	o->tree = o->own;
	return 0;
}

int
members_open(struct members *e, struct members *o, int i, const struct member_keys *k)
{
	const struct jfield *f = &o->f[i];

	init(e, k);
	if (!o->text) {
		e->tree = json_get(o->tree, o->k->keys[i]);
		return json_object_is_type(e->tree, json_type_object);
	}
	if (f->type != JF_OBJECT)
		return 0;
	if (jfield_scan(k->spec, f->raw, f->len, e->f)) {
		e->text = 1;
		return 1;
	}
	e->tree = e->own = parse(f->raw, f->len);
	return e->tree != NULL;
}

void
members_free(struct members *o)
{
	int i;

	json_object_put(o->own);
	o->own = NULL;
	for (i = 0; o->used; i++, o->used >>= 1)
		if (o->used & 1)
			buf_free(&o->str[i]);
}

int
members_is_object(const struct members *o)
{
	return o->text || json_object_is_type(o->tree, json_type_object);
}

const char *
member_str(struct members *o, int i, size_t *n)
{
	struct buf *b = &o->str[i];
	const struct jfield *f = &o->f[i];
	json_object *v;

	if (!o->text) {
		v = json_get(o->tree, o->k->keys[i]);
		if (!json_object_is_type(v, json_type_string))
			return NULL;
		*n = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	}
	if (f->type != JF_STRING)
		return NULL;
	if (!f->escaped) {
		*n = f->len;
		return f->raw;
	}
	if (!(o->used & 1u << i))
		memset(b, 0, sizeof *b);
	o->used |= 1u << i;
	buf_reset(b);
	/* an escape jfield leaves to json-c (a lone surrogate): json-c's
	 * reading of the string alone, its quotes around raw in the text */
	if (jfield_string(f, b) < 0) {
		if (!(v = parse(f->raw - 1, f->len + 2)))
			return NULL;
		buf_reset(b);
		buf_add(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		json_object_put(v);
	}
	*n = b->len;
	return b->data ? b->data : "";
}

json_object *
member_value(struct members *o, int i)
{
	const struct jfield *f = &o->f[i];
	const char *t;
	size_t n;

	if (!o->text)
		return json_ref(json_get(o->tree, o->k->keys[i]));
	switch (f->type) {
	case JF_NONE:
	case JF_NULL:
		return NULL;
	case JF_STRING:
		t = member_str(o, i, &n);
		return t ? json_object_new_string_len(t, (int)n) : NULL;
	default:
		return parse(f->raw, f->len);
	}
}

int
member_int(struct members *o, int i)
{
	const struct jfield *f = &o->f[i];
	size_t at, neg;
	json_object *v;
	int r = 0;

	if (!o->text)
		return json_object_get_int(json_get(o->tree, o->k->keys[i]));
	if (f->type == JF_NONE || f->type == JF_NULL)
		return 0;
	/* the usual index, a short integer, read here; json-c reads the
	 * rest (fractions, exponents, past an int, strings) its own way */
	neg = f->type == JF_NUMBER && f->len > 0 && f->raw[0] == '-';
	for (at = neg; f->type == JF_NUMBER && at < f->len && at - neg < 9 &&
	     f->raw[at] >= '0' && f->raw[at] <= '9'; at++)
		r = r * 10 + (f->raw[at] - '0');
	if (f->type == JF_NUMBER && at == f->len && at > neg)
		return neg ? -r : r;
	v = member_value(o, i);
	r = json_object_get_int(v);
	json_object_put(v);
	return r;
}

int
members_iter(struct member_iter *it, struct members *o, int i)
{
	const struct jfield *f = &o->f[i];

	memset(it, 0, sizeof *it);
	if (!o->text) {
		it->arr = json_get(o->tree, o->k->keys[i]);
		if (!json_object_is_type(it->arr, json_type_array))
			return -1;
		it->n = json_object_array_length(it->arr);
		return 0;
	}
	if (f->type != JF_ARRAY)
		return -1;
	it->in = f->raw + 1;
	it->len = f->len - 2;
	if (jscan_ws(it->in, it->in + it->len) == it->in + it->len)
		it->in = NULL;	/* [] */
	return 0;
}

int
members_next(struct member_iter *it, struct members *e, const struct member_keys *k)
{
	if (it->in) {
		const char *in = it->in;

		it->in = NULL;
		init(e, k);
		if (jfield_scan(k->spec, in, it->len, e->f)) {
			e->text = 1;
			return 1;
		}
		/* more than one element, or one that is no object: the
		 * array's tree, brackets and all */
		if (!(it->arr = parse(in - 1, it->len + 2)))
			return 0;
		it->own = 1;
		it->n = json_object_array_length(it->arr);
	}
	if (it->i >= it->n)
		return 0;
	init(e, k);
	e->tree = json_object_array_get_idx(it->arr, it->i++);
	return 1;
}

void
members_iter_free(struct member_iter *it)
{
	if (it->own)
		json_object_put(it->arr);
	it->arr = NULL;
	it->own = 0;
}
