/* TOML documents, the upper half of the parser: values (arrays and
 * inline tables nest, so they live with the tables), keys, key/value
 * pairs, [tables], [[arrays of tables]], and the rules on defining each
 * table once.  The scalars and the characters are toml.c's.
 *
 * While parsing, every table and array carries its kind in json-c's
 * userdata (cleared before the tree is returned):
 *   IMPLICIT  made as the parent of a header's table ([a.b] makes a);
 *             a later [a] defines it, dotted keys may still add to it
 *   HEADER    defined by [header] or an element of [[array]]: defined once
 *   DOTTED    made by dotted keys (a.b = 1 makes a) in one section (one
 *             header's body, or one inline table); only more dotted keys
 *             of that section add to it, a header may add sub-tables
 *   INLINE    an inline table: complete, nothing adds to it
 *   AOT       an array made by [[header]]s; other arrays (0) are values
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/toml_internal.h"

enum { K_VALUE, K_IMPLICIT, K_HEADER, K_DOTTED, K_INLINE, K_AOT };

struct key {
	char *seg[TOML_MAX_DEPTH];
	size_t n;
	const char *at;
};

static unsigned
kind(json_object *o)
{
	return (unsigned)((uintptr_t)json_object_get_userdata(o) & 7);
}

static unsigned
section_of(json_object *o)
{
	return (unsigned)((uintptr_t)json_object_get_userdata(o) >> 3);
}

static void
mark(json_object *o, unsigned k, unsigned section)
{
	json_object_set_userdata(o, (void *)(((uintptr_t)section << 3) | k), NULL);
}

static json_object *
new_table(unsigned k, unsigned section)
{
	json_object *t = json_object_new_object();

	mark(t, k, section);
	return t;
}

static void
key_free(struct key *k)
{
	while (k->n > 0)
		free(k->seg[--k->n]);
}

/* The first upto parts of k joined by dots, for messages. */
static const char *
key_name(const struct key *k, size_t upto, char *out, size_t outlen)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < upto && len < outlen; i++) {
		int w = snprintf(out + len, outlen - len, "%s%s", i ? "." : "", k->seg[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return out;
}

static int
bare_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A key (bare, quoted, dotted) at P->p, white space after it skipped. */
static int
parse_key(struct toml_parser *P, struct key *k)
{
	char b[32];

	k->n = 0;
	k->at = P->p;
	for (;;) {
		const char *s = P->p;

		if (k->n == TOML_MAX_DEPTH)
			return toml_fail(P, s, "a key of more than %d parts", TOML_MAX_DEPTH);
		if (s < P->end && (*s == '"' || *s == '\'')) {
			if (toml_string(P, 0, &P->sbuf) < 0)
				return -1;
			if (memchr(P->sbuf.data, '\0', P->sbuf.len))
				return toml_fail(P, s, "a key with a NUL character is not supported");
			k->seg[k->n++] = estrndup(P->sbuf.data, P->sbuf.len);
		} else {
			while (P->p < P->end && bare_char(*P->p))
				P->p++;
			if (P->p == s)
				return toml_fail(P, s, "expected a key, found %s", toml_what(P, s, b));
			k->seg[k->n++] = estrndup(s, (size_t)(P->p - s));
		}
		toml_skip_ws(P);
		if (P->p >= P->end || *P->p != '.')
			return 0;
		P->p++;
		toml_skip_ws(P);
	}
}

/* Put v at key k in table t, dotted parts making or entering tables of
 * the current section.  Takes v, also on failure. */
static int
assign(struct toml_parser *P, json_object *t, const struct key *k, json_object *v)
{
	char name[256];
	json_object *c;
	size_t i;

	for (i = 0; i + 1 < k->n; i++) {
		if (!json_object_object_get_ex(t, k->seg[i], &c)) {
			c = new_table(K_DOTTED, P->section);
			json_object_object_add_ex(t, k->seg[i], c, JSON_C_OBJECT_ADD_KEY_IS_NEW);
		} else if (!json_object_is_type(c, json_type_object)) {
			json_object_put(v);
			return toml_fail(P, k->at, "key '%s' is %s already, not a table",
			                 key_name(k, i + 1, name, sizeof name), toml_type_name(c));
		} else if (kind(c) == K_IMPLICIT) {
			mark(c, K_DOTTED, P->section);
		} else if (kind(c) != K_DOTTED || section_of(c) != P->section) {
			json_object_put(v);
			return toml_fail(P, k->at, "table '%s' is defined already: dotted keys cannot add to it",
			                 key_name(k, i + 1, name, sizeof name));
		}
		t = c;
	}
	if (json_object_object_get_ex(t, k->seg[i], NULL)) {
		json_object_put(v);
		return toml_fail(P, k->at, "duplicate key '%s'", key_name(k, k->n, name, sizeof name));
	}
	json_object_object_add_ex(t, k->seg[i], v, JSON_C_OBJECT_ADD_KEY_IS_NEW);
	return 0;
}

/* key = value, into table t; nested depth deep. */
static int
key_value(struct toml_parser *P, json_object *t, int depth)
{
	struct key k;
	json_object *v;
	char b[32];
	int rc = -1;

	if (parse_key(P, &k) < 0)
		goto out;
	if (P->p >= P->end || *P->p != '=') {
		toml_fail(P, P->p, "expected '=' after a key, found %s", toml_what(P, P->p, b));
		goto out;
	}
	P->p++;
	toml_skip_ws(P);
	if ((v = toml_value(P, depth + (int)k.n)))
		rc = assign(P, t, &k, v);
out:
	key_free(&k);
	return rc;
}

/* ---- arrays and values ---- */

static json_object *
array(struct toml_parser *P, int depth)
{
	json_object *a = json_object_new_array(), *v;
	char b[32];

	P->p++;
	for (;;) {
		if (toml_skip_ws_nl(P) < 0)
			break;
		if (P->p < P->end && *P->p == ']') {
			P->p++;
			return a;
		}
		if (!(v = toml_value(P, depth + 1)))
			break;
		json_object_array_add(a, v);
		if (toml_skip_ws_nl(P) < 0)
			break;
		if (P->p < P->end && *P->p == ',') {
			P->p++;
			continue;
		}
		if (P->p < P->end && *P->p == ']') {
			P->p++;
			return a;
		}
		toml_fail(P, P->p, "expected ',' or ']' in an array, found %s", toml_what(P, P->p, b));
		break;
	}
	json_object_put(a);
	return NULL;
}

json_object *
toml_value(struct toml_parser *P, int depth)
{
	const char *at = P->p;
	unsigned pos[2] = {0, 0};
	json_object *v;

	toml_pos(P, at, pos);
	if (depth > TOML_MAX_DEPTH) {
		toml_fail(P, at, "nested deeper than %d levels", TOML_MAX_DEPTH);
		return NULL;
	}
	if (at >= P->end || toml_is_newline(P, at) || *at == '#') {
		char b[32];

		toml_fail(P, at, "expected a value, found %s",
		          at < P->end && *at == '#' ? "a comment" : toml_what(P, at, b));
		return NULL;
	}
	switch (*at) {
	case '"':
	case '\'':
		v = toml_string(P, 1, &P->sbuf) < 0 ? NULL
		  : json_object_new_string_len(P->sbuf.data, (int)P->sbuf.len);
		break;
	case '[':
		v = array(P, depth);
		break;
	case '{':
		v = toml_inline_table(P, depth);
		break;
	default:
		v = toml_bare_value(P);
	}
	toml_mark_where(P, v, pos);
	return v;
}

json_object *
toml_inline_table(struct toml_parser *P, int depth)
{
	json_object *t = new_table(K_VALUE, 0);
	unsigned saved = P->section;
	char b[32];

	P->section = ++P->nsections;
	P->p++;
	toml_skip_ws(P);
	if (P->p < P->end && *P->p == '}')
		goto done;
	for (;;) {
		if (key_value(P, t, depth) < 0)
			goto fail;
		toml_skip_ws(P);
		if (P->p < P->end && *P->p == '}')
			break;
		if (P->p < P->end && *P->p == ',') {
			const char *comma = P->p++;

			toml_skip_ws(P);
			if (P->p < P->end && *P->p == '}') {
				toml_fail(P, comma, "a comma before '}' is not allowed in an inline table");
				goto fail;
			}
			continue;
		}
		if (P->p < P->end && (toml_is_newline(P, P->p) || *P->p == '#'))
			toml_fail(P, P->p, "an inline table must end on its line: expected '}'");
		else
			toml_fail(P, P->p, "expected ',' or '}' in an inline table, found %s",
			          toml_what(P, P->p, b));
		goto fail;
	}
done:
	P->p++;
	P->section = saved;
	mark(t, K_INLINE, 0);
	return t;
fail:
	P->section = saved;
	json_object_put(t);
	return NULL;
}

/* Header part k->seg[i] (not the last) inside t: the table it names,
 * made when missing; the last table of an array of tables (one level
 * more, counted in *depth). */
static json_object *
header_step(struct toml_parser *P, json_object *t, const struct key *k, size_t i, int *depth)
{
	char name[256];
	json_object *c;

	if (!json_object_object_get_ex(t, k->seg[i], &c)) {
		c = new_table(K_IMPLICIT, 0);
		json_object_object_add_ex(t, k->seg[i], c, JSON_C_OBJECT_ADD_KEY_IS_NEW);
		return c;
	}
	key_name(k, i + 1, name, sizeof name);
	if (json_object_is_type(c, json_type_object)) {
		if (kind(c) != K_INLINE)
			return c;
		toml_fail(P, k->at, "'%s' is an inline table: nothing can be added to it", name);
	} else if (json_object_is_type(c, json_type_array) && kind(c) == K_AOT) {
		++*depth;
		return json_object_array_get_idx(c, json_object_array_length(c) - 1);
	} else {
		toml_fail(P, k->at, "key '%s' is %s already, not a table", name, toml_type_name(c));
	}
	return NULL;
}

/* The table [k] defines, or that [[k]] appends, and in *depth the
 * tables and arrays it is nested in below the root, itself counted. */
static json_object *
header_table(struct toml_parser *P, const struct key *k, int aot, int *depth)
{
	static const char *why[] = {
		[K_HEADER] = "defined twice",
		[K_DOTTED] = "defined by dotted keys already",
		[K_INLINE] = "an inline table already",
	};
	char name[256];
	json_object *t = P->root, *c;
	size_t i;

	*depth = (int)k->n + aot;
	for (i = 0; i + 1 < k->n; i++)
		if (!(t = header_step(P, t, k, i, depth)))
			return NULL;
	if (*depth > TOML_MAX_DEPTH) {
		toml_fail(P, k->at, "nested deeper than %d levels", TOML_MAX_DEPTH);
		return NULL;
	}
	key_name(k, k->n, name, sizeof name);
	if (!json_object_object_get_ex(t, k->seg[i], &c)) {
		c = aot ? json_object_new_array() : new_table(K_HEADER, 0);
		if (aot)
			mark(c, K_AOT, 0);
		json_object_object_add_ex(t, k->seg[i], c, JSON_C_OBJECT_ADD_KEY_IS_NEW);
	} else if (!aot && json_object_is_type(c, json_type_object)) {
		if (kind(c) != K_IMPLICIT) {
			toml_fail(P, k->at, "table [%s] is %s", name,
			          why[kind(c)] ? why[kind(c)] : "defined already");
			return NULL;
		}
		mark(c, K_HEADER, 0);
	} else if (aot && json_object_is_type(c, json_type_array) && kind(c) == K_AOT) {
		/* another element */
	} else if (json_object_is_type(c, json_type_array) && kind(c) != K_AOT) {
		toml_fail(P, k->at, "'%s' is an array value: [%s%s%s] cannot add to it", name,
		          aot ? "[" : "", name, aot ? "]" : "");
		return NULL;
	} else {
		toml_fail(P, k->at, "'%s' is %s already, not %s", name,
		          kind(c) == K_AOT ? "an array of tables" : toml_type_name(c),
		          aot ? "an array of tables" : "a table");
		return NULL;
	}
	if (aot) {
		json_object *e = new_table(K_HEADER, 0);

		json_object_array_add(c, e);
		c = e;
	}
	return c;
}

/* [table] or [[array of tables]]: it becomes the current table. */
static int
header(struct toml_parser *P)
{
	const char *at = P->p;
	int aot = P->end - P->p >= 2 && P->p[1] == '[';
	unsigned pos[2] = {0, 0};
	struct key k;
	json_object *t = NULL;
	char b[32];
	int depth;

	toml_pos(P, at, pos);
	P->p += aot ? 2 : 1;
	toml_skip_ws(P);
	if (parse_key(P, &k) < 0)
		goto out;
	if (P->p >= P->end || *P->p != ']' || (aot && (P->p + 1 >= P->end || P->p[1] != ']'))) {
		toml_fail(P, P->p, "expected '%s' after a table name, found %s", aot ? "]]" : "]",
		          toml_what(P, P->p, b));
		goto out;
	}
	P->p += aot ? 2 : 1;
	if ((t = header_table(P, &k, aot, &depth))) {
		P->cur = t;
		P->cur_depth = depth;
		P->section = ++P->nsections;
		toml_mark_where(P, t, pos);
	}
out:
	key_free(&k);
	return t ? 0 : -1;
}

/* The kinds were for parsing only: json-c copies no userdata it does not
 * know (json_object_deep_copy fails on it). */
static void
clear_kinds(json_object *v)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_object)) {
		json_object_set_userdata(v, NULL, NULL);
		json_object_object_foreach(v, key, c) {
			(void)key;
			clear_kinds(c);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		json_object_set_userdata(v, NULL, NULL);
		for (i = 0, n = json_object_array_length(v); i < n; i++)
			clear_kinds(json_object_array_get_idx(v, i));
	}
}

static int
line(struct toml_parser *P)
{
	char b[32];
	int n;

	toml_skip_ws(P);
	if (toml_skip_comment(P) < 0)
		return -1;
	if (P->p >= P->end)
		return 0;
	if ((n = toml_is_newline(P, P->p))) {
		P->p += n;
		return 0;
	}
	if (*P->p == '[') {
		if (header(P) < 0)
			return -1;
	} else if (key_value(P, P->cur, P->cur_depth) < 0) {
		return -1;
	}
	toml_skip_ws(P);
	if (toml_skip_comment(P) < 0)
		return -1;
	if (P->p >= P->end)
		return 0;
	if (!(n = toml_is_newline(P, P->p)))
		return toml_fail(P, P->p, "expected the end of the line, found %s",
		                 toml_what(P, P->p, b));
	P->p += n;
	return 0;
}

json_object *
toml_parse(const char *text, size_t len, const char *name, struct toml_where **where,
           char *err, size_t errlen)
{
	struct toml_parser P = {
		.s = text, .end = text + len, .p = text, .name = name, .err = err, .errlen = errlen,
		.lc_p = text, .lc_line = 1, .lc_col = 1,
	};

	if (where)
		*where = P.where = toml_where_new();
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		P.p = P.lc_p = text + 3;
	P.root = P.cur = new_table(K_HEADER, 0);
	while (P.p < P.end)
		if (line(&P) < 0)
			break;
	buf_free(&P.sbuf);
	if (P.failed) {
		json_object_put(P.root);
		if (where) {
			toml_where_free(*where);
			*where = NULL;
		}
		return NULL;
	}
	clear_kinds(P.root);
	return P.root;
}
