#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json/jfield.h"
#include "json/jscan.h"

/* The paths as a tree of keys: a node's kids are the keys looked for in
 * the object that is its value. */
struct node {
	char *key;
	size_t klen;
	int slot;		/* -1: only on the way to deeper keys */
	struct node *kids, *next;
};

struct jfield_spec {
	struct node root;
	int n;
};

struct walk {
	const char *end;
	struct jfield *out;
	struct buf key;		/* an escaped key, decoded */
	jfield_fn fn;		/* NULL, or called for each string value */
	void *arg;
};

struct jfield_spec *
jfield_spec_new(void)
{
	struct jfield_spec *sp = ecalloc(1, sizeof *sp);

	sp->root.slot = -1;
	return sp;
}

static void
free_kids(struct node *k)
{
	while (k) {
		struct node *next = k->next;

		free_kids(k->kids);
		free(k->key);
		free(k);
		k = next;
	}
}

struct jfield_spec *
jfield_spec_of(const char *const *paths, int n)
{
	struct jfield_spec *sp = jfield_spec_new();
	int i;

	for (i = 0; i < n; i++)
		if (jfield_spec_add(sp, paths[i]) != i)
			eprintf("jfield_spec_of: %s is not path %d", paths[i], i);
	return sp;
}

void
jfield_spec_free(struct jfield_spec *sp)
{
	if (!sp)
		return;
	free_kids(sp->root.kids);
	free(sp);
}

static struct node *
kid(struct node *parent, const char *key, size_t klen)
{
	struct node *k;

	for (k = parent->kids; k; k = k->next)
		if (k->klen == klen && memcmp(k->key, key, klen) == 0)
			return k;
	k = ecalloc(1, sizeof *k);
	k->key = estrndup(key, klen);
	k->klen = klen;
	k->slot = -1;
	k->next = parent->kids;
	parent->kids = k;
	return k;
}

int
jfield_spec_add(struct jfield_spec *sp, const char *path)
{
	struct node *at = &sp->root;

	for (;;) {
		size_t klen = strcspn(path, ".");

		if (klen == 0)
			return -1;
		at = kid(at, path, klen);
		if (!path[klen])
			break;
		path += klen + 1;
	}
	if (at->slot < 0)
		at->slot = sp->n++;
	return at->slot;
}

size_t
jfield_spec_count(const struct jfield_spec *sp)
{
	return (size_t)sp->n;
}

static const char *value(struct walk *w, const char *p, const struct node *at, int depth,
                         struct jfield *f);

/* The kid of at named by the key raw[0..len), NULL when none is. */
static const struct node *
match(struct walk *w, const struct node *at, const char *raw, size_t len, int escaped)
{
	const struct node *k;

	if (!at || !at->kids)
		return NULL;
	if (escaped) {
		buf_reset(&w->key);
		if (jscan_decode(raw, len, &w->key) < 0)
			return NULL;
		raw = w->key.data;
		len = w->key.len;
	}
	for (k = at->kids; k; k = k->next)
		if (k->klen == len && memcmp(k->key, raw, len) == 0)
			return k;
	return NULL;
}

/* A key's value replaces all of an earlier one of that key, as in json-c:
 * forget what was found below k before. */
static void
forget(struct walk *w, const struct node *k)
{
	for (k = k->kids; k; k = k->next) {
		if (k->slot >= 0)
			w->out[k->slot].type = JF_NONE;
		forget(w, k);
	}
}

/* The object or array opening at p; at names the keys wanted in it. */
static const char *
container(struct walk *w, const char *p, const struct node *at, int depth)
{
	char close = *p == '{' ? '}' : ']';

	p = jscan_ws(p + 1, w->end);
	if (p < w->end && *p == close)
		return p + 1;
	for (;;) {
		const struct node *k = NULL;
		struct jfield dummy;

		if (close == '}') {
			const char *q;
			struct jscan_str st;

			if (p == w->end || *p != '"' || !(q = jscan_string(p, w->end, 0, &st)))
				return NULL;
			if ((k = match(w, at, p + 1, (size_t)(q - p - 2), st.escaped)))
				forget(w, k);
			p = jscan_ws(q, w->end);
			if (p == w->end || *p != ':')
				return NULL;
			p = jscan_ws(p + 1, w->end);
		}
		p = value(w, p, k, depth + 1, k && k->slot >= 0 ? &w->out[k->slot] : &dummy);
		if (!p)
			return NULL;
		p = jscan_ws(p, w->end);
		if (p == w->end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = jscan_ws(p + 1, w->end);
	}
}

/* The value at p, described in *f; past it, or NULL. */
static const char *
value(struct walk *w, const char *p, const struct node *at, int depth, struct jfield *f)
{
	const char *q;
	struct jscan_str st;

	if (p == w->end || depth > JSCAN_DEPTH)
		return NULL;
	f->raw = p;
	f->escaped = 0;
	f->shrink = 0;
	switch (*p) {
	case '{':
		f->type = JF_OBJECT;
		q = container(w, p, at, depth);
		break;
	case '[':
		f->type = JF_ARRAY;
		q = container(w, p, NULL, depth);
		break;
	case '"':
		f->type = JF_STRING;
		if (!(q = jscan_string(p, w->end, 0, &st)))
			return NULL;
		f->raw = p + 1;
		f->len = (size_t)(q - p - 2);
		f->escaped = st.escaped;
		f->shrink = st.shrink;
		return w->fn && w->fn(w->arg, f->raw, f->len, f->escaped) ? NULL : q;
	case 't':
		f->type = JF_TRUE;
		q = jscan_literal(p, w->end);
		break;
	case 'f':
		f->type = JF_FALSE;
		q = jscan_literal(p, w->end);
		break;
	case 'n':
		f->type = JF_NULL;
		q = jscan_literal(p, w->end);
		break;
	default:
		f->type = JF_NUMBER;
		q = jscan_number(p, w->end);
	}
	if (q)
		f->len = (size_t)(q - p);
	return q;
}

/* One object (any value, when root is NULL) with white space around it
 * at most. */
static int
walk(struct walk *w, const char *s, const struct node *root)
{
	const char *p = jscan_ws(s, w->end);
	struct jfield f;
	int ok = p < w->end && (root ? *p == '{' && (p = container(w, p, root, 1))
	                             : (p = value(w, p, NULL, 1, &f)) != NULL) &&
	         jscan_ws(p, w->end) == w->end;

	buf_free(&w->key);
	return ok;
}

int
jfield_scan(const struct jfield_spec *sp, const char *s, size_t n, struct jfield *out)
{
	struct walk w = {.end = s + n, .out = out};

	memset(out, 0, (size_t)sp->n * sizeof *out);
	return walk(&w, s, &sp->root);
}

int
jfield_walk(const char *s, size_t n, jfield_fn fn, void *arg)
{
	static const struct node none = {.slot = -1};
	struct walk w = {.end = s + n, .fn = fn, .arg = arg};

	return walk(&w, s, &none);
}

int
jfield_valid(const char *s, size_t n)
{
	struct walk w = {.end = s + n};

	return walk(&w, s, NULL);
}

int
jfield_string(const struct jfield *f, struct buf *out)
{
	if (f->type != JF_STRING)
		return -1;
	if (!f->escaped) {
		buf_add(out, f->raw, f->len);
		return 0;
	}
	return jscan_decode(f->raw, f->len, out);
}

size_t
jfield_strlen(const struct jfield *f)
{
	return f->type == JF_STRING ? f->len - f->shrink : 0;
}

/* The number's text, NUL-terminated, in tmp or a copy to free. */
static char *
number_text(const struct jfield *f, char *tmp, size_t tmplen)
{
	if (f->len < tmplen) {
		memcpy(tmp, f->raw, f->len);
		tmp[f->len] = '\0';
		return tmp;
	}
	return estrndup(f->raw, f->len);
}

int
jfield_double(const struct jfield *f, double *v)
{
	char tmp[64], *s;

	if (f->type != JF_NUMBER)
		return -1;
	s = number_text(f, tmp, sizeof tmp);
	*v = strtod(s, NULL);
	if (s != tmp)
		free(s);
	return 0;
}

int
jfield_llong(const struct jfield *f, long long *v)
{
	char tmp[64], *s;
	double d;

	if (f->type != JF_NUMBER)
		return -1;
	s = number_text(f, tmp, sizeof tmp);
	errno = 0;
	if (!strpbrk(s, ".eE")) {
		*v = strtoll(s, NULL, 10);
	} else {
		/* 12.0 or 1e3: what json-c's get_int64 would give */
		d = strtod(s, NULL);
		*v = ll_of_double(d);
	}
	if (s != tmp)
		free(s);
	return 0;
}
