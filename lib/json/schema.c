/* schema: compiling a JSON Schema document: its keywords checked for
 * form, its patterns compiled once, its $refs resolved once.  The checks
 * of values are in schema_check.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <stdarg.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/schema.h"
#include "json/schema_internal.h"

/* deeper than any schema written by hand; json-c parses 32 levels */
#define COMPILE_DEPTH 200

/* ---- the tables: json-c's linkhash, keyed by pointer ---- */

void *
schema_tab_get(struct lh_table *t, const void *key)
{
	void *v;

	return lh_table_lookup_ex(t, key, &v) ? v : NULL;
}

static void
tab_put(struct lh_table *t, const void *key, void *val)
{
	if (lh_table_insert(t, key, val) < 0)
		eprintf("json-c: out of memory");
}

static struct lh_table *
tab_new(lh_entry_free_fn *free_fn)
{
	struct lh_table *t = lh_kptr_table_new(16, free_fn);

	if (!t)
		eprintf("json-c: out of memory");
	return t;
}

static void
free_pattern(struct lh_entry *e)
{
	pcre2_code_free((pcre2_code *)lh_entry_v(e));
}

/* ---- compiling ---- */

struct cctx {
	struct schema *s;
	struct buf at;		/* the place in the schema, a JSON pointer */
	char *err;
	size_t errlen;
	int depth;
	json_object **pending;	/* $ref targets still to walk */
	size_t npending, cappending;
};

static int walk(struct cctx *c, json_object *sch);

static int __attribute__((format(printf, 2, 3)))
cfail(struct cctx *c, const char *fmt, ...)
{
	char why[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "at %s: %s", c->at.len ? c->at.data : "(root)", why);
	return -1;
}

void
schema_ptr_push(struct buf *b, const char *key)
{
	buf_add(b, "/", 1);
	for (; *key; key++)
		if (*key == '~')
			buf_adds(b, "~0");
		else if (*key == '/')
			buf_adds(b, "~1");
		else
			buf_add(b, key, 1);
}

void
schema_ptr_pop(struct buf *b, size_t len)
{
	b->len = len;
	b->data[len] = '\0';
}

static int
is_count(json_object *v)
{
	double d;

	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) >= 0;
	if (!json_object_is_type(v, json_type_double))
		return 0;
	d = json_object_get_double(v);
	return d >= 0 && d == floor(d) && d < 9e18;
}

static const char *const type_names[] = {"null", "boolean", "object", "array", "number",
                                         "string", "integer", NULL};

/* type: one name, or an array of names, each checked alike */
static int
check_type(struct cctx *c, json_object *t)
{
	int list = json_object_is_type(t, json_type_array);
	size_t i, n = list ? json_object_array_length(t) : 1;

	for (i = 0; i < n; i++) {
		json_object *e = list ? json_object_array_get_idx(t, i) : t;

		if (!json_object_is_type(e, json_type_string))
			return cfail(c, "type is a string or an array of strings");
		if (!str_listed(json_object_get_string(e), type_names))
			return cfail(c, "\"%s\" is not a JSON Schema type", json_object_get_string(e));
	}
	return 0;
}

static int
check_strings(struct cctx *c, json_object *v, const char *kw)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array))
		return cfail(c, "%s is an array of strings", kw);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return cfail(c, "%s is an array of strings", kw);
	return 0;
}

/* ECMA-262 as PCRE2 has it closest: '$' only at the very end; UTF-8
 * subjects, a bad one matched as it is rather than refused */
static int
compile_pattern(struct cctx *c, const char *re)
{
	struct schema *s = c->s;
	pcre2_code *code;
	int errcode;
	PCRE2_SIZE off;
	char msg[256];

	if (schema_tab_get(s->rx, re))
		return 0;
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY, &errcode,
	                     &off, NULL);
	if (!code) {
		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof msg);
		return cfail(c, "pattern \"%s\" does not compile: %s at offset %zu", re, msg,
		             (size_t)off);
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	tab_put(s->rx, re, code);
	return 0;
}

/* s[0..n) with %XX decoded, into b; -1 on a bad escape */
static int
percent_decode(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < n; i++) {
		unsigned hi, lo;
		char ch;

		if (s[i] != '%') {
			buf_add(b, s + i, 1);
			continue;
		}
		if (i + 2 >= n)
			return -1;
		if (sscanf(s + i + 1, "%1x%1x", &hi, &lo) != 2)
			return -1;
		ch = (char)(hi << 4 | lo);
		if (!ch)
			return -1;
		buf_add(b, &ch, 1);
		i += 2;
	}
	return 0;
}

/* The value at the JSON pointer p (decoded) beneath root, or NULL. */
static json_object *
pointer_get(json_object *root, const char *p)
{
	json_object *cur = root;
	struct buf tok = {0};

	while (cur && *p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1), i;

		buf_reset(&tok);
		for (i = 0; i < n; i++) {
			const char *q = p + 1 + i;

			if (*q == '~' && i + 1 < n && (q[1] == '0' || q[1] == '1')) {
				buf_add(&tok, q[1] == '0' ? "~" : "/", 1);
				i++;
			} else {
				buf_add(&tok, q, 1);
			}
		}
		if (json_object_is_type(cur, json_type_object)) {
			cur = json_get(cur, tok.data ? tok.data : "");
		} else if (json_object_is_type(cur, json_type_array)) {
			char *e;
			unsigned long k = tok.len ? strtoul(tok.data, &e, 10) : 0;

			if (!tok.len || *e || (tok.data[0] == '0' && tok.len > 1) ||
			    tok.data[0] == '-' || tok.data[0] == '+' ||
			    k >= json_object_array_length(cur))
				cur = NULL;
			else
				cur = json_object_array_get_idx(cur, k);
		} else {
			cur = NULL;
		}
		p += 1 + n;
	}
	buf_free(&tok);
	return *p ? NULL : cur;
}

/* The local part of a $ref: after '#', or after the root's $id and '#' */
static const char *
ref_fragment(json_object *root, const char *ref)
{
	const char *id = json_get_str(root, "$id");
	size_t n;

	if (*ref == '#')
		return ref + 1;
	if (!id)
		return NULL;
	n = strcspn(id, "#");
	if (strncmp(ref, id, n) != 0)
		return NULL;
	if (ref[n] == '#')
		return ref + n + 1;
	return ref[n] ? NULL : "";
}

static int
resolve_ref(struct cctx *c, json_object *ref)
{
	const char *r = json_object_get_string(ref), *frag;
	json_object *target;
	struct buf dec = {0};

	if (!json_object_is_type(ref, json_type_string))
		return cfail(c, "$ref is a string");
	frag = ref_fragment(schema_doc(c->s), r);
	if (!frag)
		return cfail(c, "remote $ref \"%s\" is not supported: only refs within the "
		             "document (\"#/$defs/name\")", r);
	if (*frag && *frag != '/')
		return cfail(c, "$ref \"%s\" names an anchor: only JSON pointers (\"#/$defs/name\") "
		             "are supported", r);
	if (percent_decode(&dec, frag, strlen(frag)) < 0) {
		buf_free(&dec);
		return cfail(c, "$ref \"%s\" has a bad %%-escape", r);
	}
	target = pointer_get(schema_doc(c->s), dec.data ? dec.data : "");
	buf_free(&dec);
	if (!target)
		return cfail(c, "$ref \"%s\" leads nowhere in the schema", r);
	tab_put(c->s->refs, ref, target);
	if (!schema_tab_get(c->s->seen, target)) {
		if (c->npending == c->cappending) {
			c->cappending = c->cappending ? 2 * c->cappending : 8;
			c->pending = erealloc(c->pending, c->cappending * sizeof *c->pending);
		}
		c->pending[c->npending++] = target;
	}
	return 0;
}

/* Each value of the object v a schema (properties, $defs, ...). */
static int
walk_map(struct cctx *c, json_object *v, const char *kw, int patterns)
{
	size_t len = c->at.len;

	if (!json_object_is_type(v, json_type_object))
		return cfail(c, "%s is an object of schemas", kw);
	json_object_object_foreach(v, key, sub) {
		schema_ptr_push(&c->at, key);
		if ((patterns && compile_pattern(c, key) < 0) || walk(c, sub) < 0)
			return -1;
		schema_ptr_pop(&c->at, len);
	}
	return 0;
}

/* Each item of the array v a schema (allOf, prefixItems, ...). */
static int
walk_list(struct cctx *c, json_object *v, const char *kw)
{
	size_t len = c->at.len, i, n;
	char idx[32];

	if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v))
		return cfail(c, "%s is a non-empty array of schemas", kw);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		snprintf(idx, sizeof idx, "%zu", i);
		schema_ptr_push(&c->at, idx);
		if (walk(c, json_object_array_get_idx(v, i)) < 0)
			return -1;
		schema_ptr_pop(&c->at, len);
	}
	return 0;
}

static const char *const single_kw[] = {
	"additionalProperties", "items", "contains", "propertyNames", "not", "if", "then",
	"else", NULL,
};
static const char *const map_kw[] = {"properties", "$defs", "definitions", "dependentSchemas",
                                     NULL};
static const char *const list_kw[] = {"allOf", "anyOf", "oneOf", "prefixItems", NULL};
static const char *const count_kw[] = {
	"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
	"minContains", "maxContains", NULL,
};
static const char *const number_kw[] = {"minimum", "maximum", "exclusiveMinimum",
                                        "exclusiveMaximum", NULL};
/* llm-schema(5) 'NOT SUPPORTED': refused, since passing them over would
 * pass values the schema's author meant to refuse */
static const char *const refused_kw[] = {
	"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef", NULL,
};

static int
walk_keyword(struct cctx *c, const char *key, json_object *v)
{
	if (!strcmp(key, "items") && json_object_is_type(v, json_type_array))
		return cfail(c, "items is one schema in draft 2020-12: for a list of schemas "
		             "use prefixItems");
	if (str_listed(key, single_kw))
		return walk(c, v);
	if (str_listed(key, map_kw))
		return walk_map(c, v, key, 0);
	if (!strcmp(key, "patternProperties"))
		return walk_map(c, v, key, 1);
	if (str_listed(key, list_kw))
		return walk_list(c, v, key);
	if (str_listed(key, count_kw))
		return is_count(v) ? 0 : cfail(c, "%s is a non-negative integer", key);
	if (str_listed(key, number_kw))
		return schema_is_number(v) ? 0 : cfail(c, "%s is a number", key);
	if (!strcmp(key, "multipleOf"))
		return schema_is_number(v) && json_object_get_double(v) > 0
		       ? 0 : cfail(c, "multipleOf is a number above 0");
	if (!strcmp(key, "pattern"))
		return json_object_is_type(v, json_type_string)
		       ? compile_pattern(c, json_object_get_string(v))
		       : cfail(c, "pattern is a string");
	if (!strcmp(key, "type"))
		return check_type(c, v);
	if (!strcmp(key, "enum"))
		return json_object_is_type(v, json_type_array) ? 0 : cfail(c, "enum is an array");
	if (!strcmp(key, "required"))
		return check_strings(c, v, key);
	if (!strcmp(key, "dependentRequired")) {
		if (!json_object_is_type(v, json_type_object))
			return cfail(c, "dependentRequired is an object of arrays of strings");
		json_object_object_foreach(v, k, list) {
			(void)k;
			if (check_strings(c, list, key) < 0)
				return -1;
		}
		return 0;
	}
	if (!strcmp(key, "format"))
		return json_object_is_type(v, json_type_string) ? 0 : cfail(c, "format is a string");
	if (!strcmp(key, "$ref"))
		return resolve_ref(c, v);
	if (str_listed(key, refused_kw))
		return cfail(c, "%s is not supported (llm-schema(5))", key);
	/* annotations ($schema, $id, title, default, ...) and keywords not
	 * of 2020-12 are passed over, as the specification says */
	return 0;
}

static int
walk(struct cctx *c, json_object *sch)
{
	size_t len = c->at.len;

	if (json_object_is_type(sch, json_type_boolean))
		return 0;
	if (!json_object_is_type(sch, json_type_object))
		return cfail(c, "a schema is an object or true or false");
	if (schema_tab_get(c->s->seen, sch))
		return 0;
	if (++c->depth > COMPILE_DEPTH)
		return cfail(c, "the schema nests more than %d levels deep", COMPILE_DEPTH);
	tab_put(c->s->seen, sch, sch);
	json_object_object_foreach(sch, key, v) {
		schema_ptr_push(&c->at, key);
		if (walk_keyword(c, key, v) < 0)
			return -1;
		schema_ptr_pop(&c->at, len);
	}
	c->depth--;
	return 0;
}

struct schema *
schema_compile(json_object *doc, int flags, char *err, size_t errlen)
{
	struct schema *s = ecalloc(1, sizeof *s);
	struct cctx c = {.s = s, .err = err, .errlen = errlen};
	int rc;

	s->doc = json_object_get(doc);
	s->flags = flags;
	s->rx = tab_new(free_pattern);
	s->refs = tab_new(NULL);
	s->seen = tab_new(NULL);
	buf_adds(&c.at, "");
	rc = walk(&c, doc);
	while (rc == 0 && c.npending) {
		json_object *t = c.pending[--c.npending];

		/* a $ref's target is named by its pointer, which it is */
		buf_reset(&c.at);
		buf_adds(&c.at, "a $ref's target");
		c.depth = 0;
		rc = walk(&c, t);
	}
	free(c.pending);
	buf_free(&c.at);
	if (rc < 0) {
		schema_free(s);
		return NULL;
	}
	if (s->rx->count) {
		s->mctx = pcre2_match_context_create(NULL);
		if (!s->mctx)
			eprintf("pcre2: out of memory");
		/* a pattern that backtracks without end fails its value
		 * instead of holding the program */
		pcre2_set_match_limit(s->mctx, 1000000);
		pcre2_set_depth_limit(s->mctx, 10000);
	}
	return s;
}

struct schema *
schema_load(const char *path, int flags, char *err, size_t errlen)
{
	char why[ERRLEN];
	size_t len;
	char *text = read_file(path, 16u << 20, &len, err, errlen);
	json_object *doc;
	struct schema *s;

	if (!text)
		return NULL;
	if (json_parse_any(text, len, &doc, why, sizeof why) < 0) {
		free(text);
		snprintf(err, errlen, "%s: invalid JSON: %s", path, why);
		return NULL;
	}
	free(text);
	if (!doc) {
		snprintf(err, errlen, "%s: a schema is an object or true or false, not null", path);
		return NULL;
	}
	s = schema_compile(doc, flags, why, sizeof why);
	json_object_put(doc);
	if (!s)
		snprintf(err, errlen, "%s: %s", path, why);
	return s;
}

json_object *
schema_doc(const struct schema *s)
{
	return s->doc;
}

json_object *
schema_asked(json_object *body)
{
	json_object *rf = json_get(body, "response_format");
	const char *type = json_get_str(rf, "type");

	if (!type || strcmp(type, "json_schema") != 0)
		return NULL;
	return json_get(json_get(rf, "json_schema"), "schema");
}

json_object *
schema_ref(const struct schema *s, json_object *ref)
{
	return schema_tab_get(s->refs, ref);
}

void
schema_free(struct schema *s)
{
	if (!s)
		return;
	lh_table_free(s->rx);
	lh_table_free(s->refs);
	lh_table_free(s->seen);
	pcre2_match_context_free(s->mctx);
	json_object_put(s->doc);
	free(s);
}
