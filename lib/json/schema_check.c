/* schema_check: a value checked against a compiled schema, keyword by
 * keyword in a fixed order, stopping at the first failure; its message
 * names the failing place in the value. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/schema.h"
#include "json/schema_internal.h"

/* A $ref loop ({"$ref": "#"}) would recurse without end, and nested
 * anyOf over $refs can take exponential time: past either limit the
 * whole check stops, every branch failing at once. */
#define CHECK_DEPTH 256
#define CHECK_STEPS 10000000L

struct vctx {
	const struct schema *s;
	struct buf path;	/* where in the value, a JSON pointer */
	char *where;
	size_t wherelen;
	int depth;
	long steps;
	int fatal;		/* stop everything: where says why */
	pcre2_match_data *md;
};

static int check(struct vctx *c, json_object *sch, json_object *v);

static int __attribute__((format(printf, 2, 3)))
fail(struct vctx *c, const char *fmt, ...)
{
	char why[ERRLEN];
	va_list ap;

	if (c->fatal)
		return -1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(c->where, c->wherelen, "%s %s", c->path.len ? c->path.data : "(root)", why);
	return -1;
}

/* "is a number": what v is, for messages */
static const char *
what(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	default:
		return "an object";
	}
}

static int
is_integer(json_object *v)
{
	double d;

	if (json_object_is_type(v, json_type_int))
		return 1;
	if (!json_object_is_type(v, json_type_double))
		return 0;
	d = json_object_get_double(v);
	return isfinite(d) && d == floor(d);
}

/* <0, 0, >0 as a is below, equal to or above b (numbers) */
static int
num_cmp(json_object *a, json_object *b)
{
	long double x, y;

	if (json_object_is_type(a, json_type_int) && json_object_is_type(b, json_type_int)) {
		int64_t i = json_object_get_int64(a), j = json_object_get_int64(b);

		return (i > j) - (i < j);
	}
	x = json_object_is_type(a, json_type_int) ? (long double)json_object_get_int64(a)
	                                          : json_object_get_double(a);
	y = json_object_is_type(b, json_type_int) ? (long double)json_object_get_int64(b)
	                                          : json_object_get_double(b);
	return (x > y) - (x < y);
}

int
schema_equal(json_object *a, json_object *b)
{
	size_t i, n;

	if (schema_is_number(a) && schema_is_number(b))
		return num_cmp(a, b) == 0;
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	switch (json_object_get_type(a)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
		       !memcmp(json_object_get_string(a), json_object_get_string(b),
		               (size_t)json_object_get_string_len(a));
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!schema_equal(json_object_array_get_idx(a, i),
			                  json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	default:
		if (json_object_object_length(a) != json_object_object_length(b))
			return 0;
		json_object_object_foreach(a, key, av) {
			json_object *bv;

			if (!json_object_object_get_ex(b, key, &bv) || !schema_equal(av, bv))
				return 0;
		}
		return 1;
	}
}

/* ---- type, enum, const ---- */

static int
type_is(json_object *v, const char *t)
{
	switch (t[0]) {
	case 'n':
		return t[1] == 'u' ? (t[2] == 'l' ? json_object_is_type(v, json_type_null)
		                                 : schema_is_number(v))
		                   : 0;
	case 'b':
		return json_object_is_type(v, json_type_boolean);
	case 'o':
		return json_object_is_type(v, json_type_object);
	case 'a':
		return json_object_is_type(v, json_type_array);
	case 's':
		return json_object_is_type(v, json_type_string);
	case 'i':
		return is_integer(v);
	}
	return 0;
}

static const char *
article(const char *t)
{
	return !strcmp(t, "null") ? "" : strchr("aeiou", t[0]) ? "an " : "a ";
}

/* type: one name, or an array of names, the value of any of them */
static int
check_type(struct vctx *c, json_object *t, json_object *v)
{
	int list = json_object_is_type(t, json_type_array);
	size_t i, n = list ? json_object_array_length(t) : 1;
	char want[256] = "";

	for (i = 0; i < n; i++)
		if (type_is(v, json_object_get_string(list ? json_object_array_get_idx(t, i) : t)))
			return 0;
	for (i = 0; i < n; i++) {
		const char *name = json_object_get_string(list ? json_object_array_get_idx(t, i) : t);
		size_t len = strlen(want);

		snprintf(want + len, sizeof want - len, "%s%s%s",
		         i == 0 ? "" : i + 1 == n ? " or " : ", ", article(name), name);
	}
	return fail(c, "is %s, not %s", what(v), n ? want : "of any type (type is [])");
}

static int
check_enum(struct vctx *c, json_object *e, json_object *v)
{
	size_t i, n = json_object_array_length(e);

	for (i = 0; i < n; i++)
		if (schema_equal(json_object_array_get_idx(e, i), v))
			return 0;
	return fail(c, "is not one of the %zu values of enum", n);
}

/* ---- numbers ---- */

static const char *
num_text(json_object *n)
{
	return json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN);
}

static int
multiple_of(json_object *v, json_object *m)
{
	double q;

	if (json_object_is_type(v, json_type_int) && json_object_is_type(m, json_type_int))
		return json_object_get_int64(v) % json_object_get_int64(m) == 0;
	q = json_object_get_double(v) / json_object_get_double(m);
	if (!isfinite(q))
		return 0;
	return fabs(q - nearbyint(q)) <= 1e-9 * fmax(1.0, fabs(q));
}

static int
check_number(struct vctx *c, json_object *sch, json_object *v)
{
	json_object *k;

	if (json_object_object_get_ex(sch, "minimum", &k) && num_cmp(v, k) < 0)
		return fail(c, "is %s, below the minimum %s", num_text(v), num_text(k));
	if (json_object_object_get_ex(sch, "exclusiveMinimum", &k) && num_cmp(v, k) <= 0)
		return fail(c, "is %s, not above the exclusiveMinimum %s", num_text(v), num_text(k));
	if (json_object_object_get_ex(sch, "maximum", &k) && num_cmp(v, k) > 0)
		return fail(c, "is %s, above the maximum %s", num_text(v), num_text(k));
	if (json_object_object_get_ex(sch, "exclusiveMaximum", &k) && num_cmp(v, k) >= 0)
		return fail(c, "is %s, not below the exclusiveMaximum %s", num_text(v), num_text(k));
	if (json_object_object_get_ex(sch, "multipleOf", &k) && !multiple_of(v, k))
		return fail(c, "is %s, not a multiple of %s", num_text(v), num_text(k));
	return 0;
}

/* ---- strings ---- */

static int64_t
count_of(json_object *k)
{
	return json_object_is_type(k, json_type_int) ? json_object_get_int64(k)
	                                             : (int64_t)json_object_get_double(k);
}

static size_t
code_points(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* 1 match, 0 none, -1 the match limit reached (said in where) */
static int
matches(struct vctx *c, const char *re, const char *s, size_t len)
{
	pcre2_code *code = schema_tab_get(c->s->rx, re);
	int rc;

	if (!c->md) {
		c->md = pcre2_match_data_create(1, NULL);
		if (!c->md)
			eprintf("pcre2: out of memory");
	}
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, c->md, c->s->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	fail(c, "pattern \"%s\" could not be matched (%s)", re,
	     rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT
	     ? "it backtracks too much" : "pcre2 error");
	return -1;
}

static int
check_string(struct vctx *c, json_object *sch, json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v), n = code_points(s, len);
	json_object *k;
	int m;

	if (json_object_object_get_ex(sch, "minLength", &k) && (int64_t)n < count_of(k))
		return fail(c, "is %zu characters long, fewer than minLength %s", n, num_text(k));
	if (json_object_object_get_ex(sch, "maxLength", &k) && (int64_t)n > count_of(k))
		return fail(c, "is %zu characters long, more than maxLength %s", n, num_text(k));
	if (json_object_object_get_ex(sch, "pattern", &k)) {
		m = matches(c, json_object_get_string(k), s, len);
		if (m < 0)
			return -1;
		if (!m)
			return fail(c, "does not match the pattern \"%s\"", json_object_get_string(k));
	}
	if ((c->s->flags & SCHEMA_FORMAT) && json_object_object_get_ex(sch, "format", &k) &&
	    !schema_format_ok(json_object_get_string(k), s, len))
		return fail(c, "is not a valid %s", json_object_get_string(k));
	return 0;
}

/* ---- arrays ---- */

/* v, the member key of its parent (or the item of that index), checked
 * against sch with key on the path */
static int
check_member(struct vctx *c, json_object *sch, const char *key, json_object *v)
{
	size_t len = c->path.len;
	int rc;

	schema_ptr_push(&c->path, key);
	rc = check(c, sch, v);
	schema_ptr_pop(&c->path, len);
	return rc;
}

static int
check_item(struct vctx *c, json_object *sch, json_object *v, size_t i)
{
	char idx[32];

	snprintf(idx, sizeof idx, "%zu", i);
	return check_member(c, sch, idx, v);
}

/* The member key fails at its own place (the path is its parent's): why,
 * and the member that required it when by is set. */
static int
fail_member(struct vctx *c, const char *key, const char *why, const char *by)
{
	size_t len = c->path.len;

	schema_ptr_push(&c->path, key);
	if (by)
		fail(c, "%s (required by \"%s\")", why, by);
	else
		fail(c, "%s", why);
	schema_ptr_pop(&c->path, len);
	return -1;
}

static int
check_unique(struct vctx *c, json_object *v)
{
	size_t i, j, n = json_object_array_length(v);

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (schema_equal(json_object_array_get_idx(v, i),
			                 json_object_array_get_idx(v, j)))
				return fail(c, "items %zu and %zu are equal (uniqueItems)", i, j);
	return 0;
}

/* contains, minContains, maxContains: how many items match contains */
static int
check_contains(struct vctx *c, json_object *sch, json_object *v)
{
	json_object *con, *k;
	size_t i, n = json_object_array_length(v), hits = 0;
	int64_t lo = 1, hi = -1;

	if (!json_object_object_get_ex(sch, "contains", &con))
		return 0;
	if (json_object_object_get_ex(sch, "minContains", &k))
		lo = count_of(k);
	if (json_object_object_get_ex(sch, "maxContains", &k))
		hi = count_of(k);
	for (i = 0; i < n; i++) {
		if (check_item(c, con, json_object_array_get_idx(v, i), i) == 0)
			hits++;
		if (c->fatal)
			return -1;
	}
	if ((int64_t)hits < lo)
		return fail(c, "has %zu items matching contains, fewer than %" PRId64, hits, lo);
	if (hi >= 0 && (int64_t)hits > hi)
		return fail(c, "has %zu items matching contains, more than maxContains %" PRId64,
		            hits, hi);
	return 0;
}

static int
check_array(struct vctx *c, json_object *sch, json_object *v)
{
	size_t i, n = json_object_array_length(v), first = 0;
	json_object *k;

	if (json_object_object_get_ex(sch, "minItems", &k) && (int64_t)n < count_of(k))
		return fail(c, "has %zu items, fewer than minItems %s", n, num_text(k));
	if (json_object_object_get_ex(sch, "maxItems", &k) && (int64_t)n > count_of(k))
		return fail(c, "has %zu items, more than maxItems %s", n, num_text(k));
	if (json_object_object_get_ex(sch, "uniqueItems", &k) && json_object_get_boolean(k) &&
	    check_unique(c, v) < 0)
		return -1;
	if (json_object_object_get_ex(sch, "prefixItems", &k)) {
		first = json_object_array_length(k);
		for (i = 0; i < n && i < first; i++)
			if (check_item(c, json_object_array_get_idx(k, i),
			               json_object_array_get_idx(v, i), i) < 0)
				return -1;
	}
	if (json_object_object_get_ex(sch, "items", &k))
		for (i = first; i < n; i++)
			if (check_item(c, k, json_object_array_get_idx(v, i), i) < 0)
				return -1;
	return check_contains(c, sch, v);
}

/* ---- objects ---- */

static int
check_required(struct vctx *c, json_object *list, json_object *v, const char *by)
{
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(list, i));

		if (!json_object_object_get_ex(v, key, NULL))
			return fail_member(c, key, by ? "is missing" : "is missing (required)", by);
	}
	return 0;
}

/* properties, patternProperties, additionalProperties, member by member */
static int
check_members(struct vctx *c, json_object *sch, json_object *v)
{
	json_object *props = json_get(sch, "properties"), *pats = json_get(sch, "patternProperties");
	json_object *extra = json_get(sch, "additionalProperties"), *sub;

	json_object_object_foreach(v, key, val) {
		int known = 0, m;

		if (props && json_object_object_get_ex(props, key, &sub)) {
			known = 1;
			if (check_member(c, sub, key, val) < 0)
				return -1;
		}
		if (pats) {
			json_object_object_foreach(pats, re, psub) {
				m = matches(c, re, key, strlen(key));
				if (m < 0)
					return -1;
				if (!m)
					continue;
				known = 1;
				if (check_member(c, psub, key, val) < 0)
					return -1;
			}
		}
		if (!known && extra) {
			if (json_object_is_type(extra, json_type_boolean) &&
			    !json_object_get_boolean(extra)) {
				return fail_member(c, key, "is not allowed "
				                   "(additionalProperties is false)", NULL);
			}
			if (check_member(c, extra, key, val) < 0)
				return -1;
		}
	}
	return 0;
}

static int
check_object(struct vctx *c, json_object *sch, json_object *v)
{
	size_t n = (size_t)json_object_object_length(v);
	json_object *k;

	if (json_object_object_get_ex(sch, "required", &k) && check_required(c, k, v, NULL) < 0)
		return -1;
	if (json_object_object_get_ex(sch, "dependentRequired", &k)) {
		json_object_object_foreach(k, key, list)
			if (json_object_object_get_ex(v, key, NULL) &&
			    check_required(c, list, v, key) < 0)
				return -1;
	}
	if (json_object_object_get_ex(sch, "minProperties", &k) && (int64_t)n < count_of(k))
		return fail(c, "has %zu properties, fewer than minProperties %s", n, num_text(k));
	if (json_object_object_get_ex(sch, "maxProperties", &k) && (int64_t)n > count_of(k))
		return fail(c, "has %zu properties, more than maxProperties %s", n, num_text(k));
	if (check_members(c, sch, v) < 0)
		return -1;
	if (json_object_object_get_ex(sch, "propertyNames", &k)) {
		json_object_object_foreach(v, key, val) {
			json_object *name = json_object_new_string(key);
			int rc = check_member(c, k, key, name);

			(void)val;
			json_object_put(name);
			if (rc < 0)
				return -1;
		}
	}
	if (json_object_object_get_ex(sch, "dependentSchemas", &k)) {
		json_object_object_foreach(k, key, dep)
			if (json_object_object_get_ex(v, key, NULL) && check(c, dep, v) < 0)
				return -1;
	}
	return 0;
}

/* ---- combinations ---- */

/* How many of the schemas of list v matches; *first the index of the
 * first that does (or -1), *second of the second; the message of the
 * first failure kept in first_why. */
static size_t
count_matches(struct vctx *c, json_object *list, json_object *v, long *first, long *second,
              char *first_why, size_t whylen)
{
	size_t i, n = json_object_array_length(list), hits = 0;

	*first = *second = -1;
	first_why[0] = '\0';
	for (i = 0; i < n && !c->fatal; i++) {
		if (check(c, json_object_array_get_idx(list, i), v) == 0) {
			if (hits++ == 0)
				*first = (long)i;
			else if (hits == 2)
				*second = (long)i;
		} else if (!first_why[0]) {
			snprintf(first_why, whylen, "%s", c->where);
		}
	}
	return hits;
}

static int
check_combined(struct vctx *c, json_object *sch, json_object *v)
{
	json_object *k, *cond;
	char why[ERRLEN];
	long first, second;
	size_t i, n;

	if (json_object_object_get_ex(sch, "allOf", &k)) {
		n = json_object_array_length(k);
		for (i = 0; i < n; i++)
			if (check(c, json_object_array_get_idx(k, i), v) < 0)
				return -1;
	}
	if (json_object_object_get_ex(sch, "anyOf", &k) &&
	    count_matches(c, k, v, &first, &second, why, sizeof why) == 0)
		return fail(c, "matches none of the schemas of anyOf (the first: %s)", why);
	if (json_object_object_get_ex(sch, "oneOf", &k)) {
		n = count_matches(c, k, v, &first, &second, why, sizeof why);
		if (n == 0)
			return fail(c, "matches none of the schemas of oneOf (the first: %s)", why);
		if (n > 1)
			return fail(c, "matches schemas %ld and %ld of oneOf, not one", first, second);
	}
	if (json_object_object_get_ex(sch, "not", &k) && check(c, k, v) == 0)
		return fail(c, "matches the schema of not");
	if (json_object_object_get_ex(sch, "if", &cond)) {
		int ok = check(c, cond, v) == 0;

		if (c->fatal)
			return -1;
		if (json_object_object_get_ex(sch, ok ? "then" : "else", &k) && check(c, k, v) < 0)
			return -1;
	}
	return 0;
}

static int
check_keywords(struct vctx *c, json_object *sch, json_object *v)
{
	json_object *k;

	if (json_object_object_get_ex(sch, "$ref", &k) &&
	    check(c, schema_ref(c->s, k), v) < 0)
		return -1;
	if (json_object_object_get_ex(sch, "type", &k) && check_type(c, k, v) < 0)
		return -1;
	if (json_object_object_get_ex(sch, "const", &k) && !schema_equal(k, v))
		return fail(c, "is not the value of const");
	if (json_object_object_get_ex(sch, "enum", &k) && check_enum(c, k, v) < 0)
		return -1;
	if ((schema_is_number(v) && check_number(c, sch, v) < 0) ||
	    (json_object_is_type(v, json_type_string) && check_string(c, sch, v) < 0) ||
	    (json_object_is_type(v, json_type_array) && check_array(c, sch, v) < 0) ||
	    (json_object_is_type(v, json_type_object) && check_object(c, sch, v) < 0))
		return -1;
	return check_combined(c, sch, v);
}

static int
check(struct vctx *c, json_object *sch, json_object *v)
{
	int rc;

	if (c->fatal)
		return -1;
	if (json_object_is_type(sch, json_type_boolean))
		return json_object_get_boolean(sch) ? 0 : fail(c, "is not allowed here (false schema)");
	if (c->depth >= CHECK_DEPTH || ++c->steps > CHECK_STEPS) {
		fail(c, c->depth >= CHECK_DEPTH ? "the schema recurses more than %d levels deep "
		     "($ref loop?)" : "the schema is too costly to check (more than %d steps)",
		     c->depth >= CHECK_DEPTH ? CHECK_DEPTH : (int)CHECK_STEPS);
		c->fatal = 1;
		return -1;
	}
	c->depth++;
	rc = check_keywords(c, sch, v);
	c->depth--;
	/* a stop inside not or if is no verdict of theirs */
	return c->fatal ? -1 : rc;
}

int
schema_validate(const struct schema *s, json_object *value, char *where, size_t wherelen)
{
	struct vctx c = {.s = s, .where = where, .wherelen = wherelen};
	int rc;

	where[0] = '\0';
	buf_adds(&c.path, "");
	rc = check(&c, s->doc, value);
	if (rc == 0)
		where[0] = '\0';
	buf_free(&c.path);
	pcre2_match_data_free(c.md);
	return rc;
}
