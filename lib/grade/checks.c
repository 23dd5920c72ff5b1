/* Checks read from a checks file (TOML or JSON: one tree either way),
 * from -e, and from a record's meta.assert; each compiled once (regex,
 * schema, jq expression) when read. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/grade.h"
#include "json/schema.h"

#define CHECKS_MAX_FILE (16u << 20)

/* Where a check came from, for messages. */
struct at {
	const struct toml_where *w;
	const char *src;	/* the file, "-e", "meta.assert" */
	int n;			/* the check's number, from 1 */
	const char *kind;	/* its type when known */
};

static int __attribute__((format(printf, 5, 6)))
bad(const struct at *a, json_object *v, char *err, size_t errlen, const char *fmt, ...)
{
	char what[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (a->kind)
		return toml_message(a->w, a->src, v, err, errlen, "check %d (%s): %s", a->n,
		                    a->kind, what);
	return toml_message(a->w, a->src, v, err, errlen, "check %d: %s", a->n, what);
}

/* The right form of each kind's value, for messages. */
static const char *const example[CK_NKINDS] = {
	"value = \"Paris\"", "value = \"Paris\"", "value = \"paris\"",
	"value = [\"Paris\", \"paris\"]", "value = [\"Paris\", \"France\"]",
	"value = '^[0-9]+$'", "value = \"Yes\"", "(no value)",
	"schema = { type = \"object\", required = [\"name\"] } or schema_file = \"answer.json\"",
	"value = '.usage.total_tokens < 500'", "value = \"stop\"", "value = 0.01",
	"value = 2000", "value = 256", "tool = \"get_weather\"",
	"value = \"the reference text\", threshold = 3",
	"value = \"the reference text\", threshold = 0.8",
	"value = \"The answer names Paris as the capital\"", "value = \"http\" (or none)",
};

static const char *const keys[] = {
	"type", "name", "weight", "not", "optional", "query", "model", "value", "threshold",
	"schema", "schema_file", "tool", "arguments", "grader_model", NULL,
};

static int
known_keys(const struct at *a, json_object *t, char *err, size_t errlen)
{
	json_object_object_foreach(t, key, v) {
		if (!str_listed(key, keys))
			return bad(a, v ? v : t, err, errlen, "unknown key '%s' (known: type, name, "
			           "weight, not, optional, query, model, value, threshold, schema, "
			           "schema_file, tool, arguments, grader_model)", key);
	}
	return 0;
}

static int
get_str(const struct at *a, json_object *t, const char *key, char **out, size_t *len,
        const char *eg, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(t, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(a, v ? v : t, err, errlen, "'%s' must be a string, not %s; e.g. %s", key,
		           toml_type_name(v), eg);
	*out = estrndup(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return 1;
}

static int
get_bool(const struct at *a, json_object *t, const char *key, int *out, char *err,
         size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(t, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return bad(a, v ? v : t, err, errlen, "'%s' must be true or false, not %s; e.g. "
		           "%s = true", key, toml_type_name(v), key);
	*out = json_object_get_boolean(v);
	return 1;
}

static int
get_num(const struct at *a, json_object *t, const char *key, double min, double max,
        double *out, const char *eg, char *err, size_t errlen)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(t, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return bad(a, v ? v : t, err, errlen, "'%s' must be a number, not %s; e.g. %s",
		           key, toml_type_name(v), eg);
	d = json_object_get_double(v);
	if (isnan(d) || d < min || d > max)
		return bad(a, v, err, errlen, "'%s' must be from %g to %g; e.g. %s", key, min, max,
		           eg);
	*out = d;
	return 1;
}

static int
compile_regex(const struct at *a, json_object *at, struct check *c, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)c->text, c->textlen,
	                               PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);

	if (!re) {
		pcre2_get_error_message(code, msg, sizeof msg);
		return bad(a, at, err, errlen, "regex at offset %zu: %s; e.g. %s", (size_t)off,
		           (char *)msg, example[CK_REGEX]);
	}
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);	/* without JIT it still works */
	c->re = re;
	if (!(c->md = pcre2_match_data_create(1, NULL)))
		eprintf("pcre2: out of memory");
	return 0;
}

/* The list of contains-any / contains-all: an array of strings, or one. */
static int
get_list(const struct at *a, json_object *v, struct check *c, char *err, size_t errlen)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_string)) {
		c->list = ecalloc(1, sizeof *c->list);
		c->list[c->nlist++] = estrdup(json_object_get_string(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || !(n = json_object_array_length(v)))
		return bad(a, v, err, errlen, "'value' must be an array of strings; e.g. %s",
		           example[c->kind]);
	c->list = ecalloc(n, sizeof *c->list);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			return bad(a, v, err, errlen, "'value' item %zu must be a string, not %s; "
			           "e.g. %s", i + 1, toml_type_name(e), example[c->kind]);
		c->list[c->nlist++] = estrdup(json_object_get_string(e));
	}
	return 0;
}

static int
get_schema(const struct at *a, json_object *t, const char *key, struct check *c, int need,
           char *err, size_t errlen)
{
	char why[ERRLEN];
	json_object *v, *doc = NULL;
	char *file = NULL, *text;
	size_t len;
	int rc;

	if (json_object_object_get_ex(t, key, &v)) {
		doc = json_ref(v);
	} else if (!strcmp(key, "schema") && (rc = get_str(a, t, "schema_file", &file, NULL,
	           example[CK_JSON_SCHEMA], err, errlen)) != 0) {
		if (rc < 0)
			return -1;
		text = read_file(file, CHECKS_MAX_FILE, &len, why, sizeof why);
		if (!text || !(doc = json_parse(text, len, why, sizeof why))) {
			free(text);
			rc = bad(a, json_get(t, "schema_file"), err, errlen, "schema_file %s: %s",
			         file, why);
			free(file);
			return rc;
		}
		free(text);
		free(file);
	} else if (need) {
		return bad(a, t, err, errlen, "needs a schema; e.g. %s", example[c->kind]);
	} else {
		return 0;
	}
	c->schema_doc = doc;
	if (!(c->schema = schema_compile(doc, 0, why, sizeof why)))
		return bad(a, v ? v : t, err, errlen, "the schema: %s", why);
	return 0;
}

/* A default name: the kind and the start of its value. */
static char *
default_name(const struct check *c)
{
	struct buf b = {0};
	const char *s = c->text ? c->text : c->nlist ? c->list[0] : NULL;

	buf_adds(&b, check_kind_name(c->kind));
	if (s) {
		size_t n = strlen(s);

		buf_addf(&b, ":%.*s%s", (int)(n > 32 ? 32 : n), s, n > 32 ? "..." : "");
		one_line(b.data, b.len);
	} else if (c->kind >= CK_MAX_COST && c->kind <= CK_MAX_TOKENS) {
		buf_addf(&b, ":%g", c->num);
	}
	return b.data;
}

/* The kind's value. */
static int
get_value(const struct at *a, json_object *t, struct check *c, struct jq_child *jq, char *err,
          size_t errlen)
{
	json_object *v = json_get(t, "value");
	const char *eg = example[c->kind];
	int rc;

	switch (c->kind) {
	case CK_CONTAINS_ANY:
	case CK_CONTAINS_ALL:
		if (!v)
			return bad(a, t, err, errlen, "needs 'value'; e.g. %s", eg);
		return get_list(a, v, c, err, errlen);
	case CK_MAX_COST:
	case CK_MAX_LATENCY:
	case CK_MAX_TOKENS:
		if ((rc = get_num(a, t, "value", 0, INFINITY, &c->num, eg, err, errlen)) <= 0)
			return rc < 0 ? -1 : bad(a, t, err, errlen, "needs 'value'; e.g. %s", eg);
		return 0;
	case CK_IS_JSON:
		return v ? bad(a, v, err, errlen, "takes no 'value'") : 0;
	case CK_JSON_SCHEMA:
		return get_schema(a, t, "schema", c, 1, err, errlen);
	case CK_ERROR:
		return get_str(a, t, "value", &c->text, &c->textlen, eg, err, errlen) < 0 ? -1 : 0;
	case CK_TOOL_CALLED:
		if ((rc = get_str(a, t, "tool", &c->text, &c->textlen, eg, err, errlen)) == 0)
			rc = get_str(a, t, "value", &c->text, &c->textlen, eg, err, errlen);
		if (rc <= 0)
			return rc < 0 ? -1 : bad(a, t, err, errlen, "needs 'tool'; e.g. %s", eg);
		return get_schema(a, t, "arguments", c, 0, err, errlen);
	default:
		break;
	}
	if ((rc = get_str(a, t, "value", &c->text, &c->textlen, eg, err, errlen)) <= 0)
		return rc < 0 ? -1 : bad(a, t, err, errlen, "needs 'value'; e.g. %s", eg);
	if (c->kind == CK_LEVENSHTEIN || c->kind == CK_SIMILAR) {
		c->num = c->kind == CK_LEVENSHTEIN ? 0 : 0.8;
		if (get_num(a, t, "threshold", 0, c->kind == CK_LEVENSHTEIN ? 1e9 : 1, &c->num, eg,
		            err, errlen) < 0)
			return -1;
	}
	if (c->kind == CK_REGEX)
		return compile_regex(a, v, c, err, errlen);
	if (c->kind == CK_JQ) {
		char why[ERRLEN];

		if ((c->jq = jq_expr(jq, c->text, why, sizeof why)) < 0)
			return bad(a, v, err, errlen, "%s; e.g. %s", why, eg);
	}
	if (c->kind == CK_RUBRIC &&
	    get_str(a, t, "grader_model", &c->grader, NULL, "grader_model = \"gpt-4o-mini\"", err,
	            errlen) < 0)
		return -1;
	return 0;
}

/* One check of table t. */
static int
check_of(struct check *c, json_object *t, struct at *a, struct jq_child *jq, char *err,
         size_t errlen)
{
	json_object *ty;
	struct buf kinds = {0};
	int k, rc;

	memset(c, 0, sizeof *c);
	c->weight = 1;
	c->jq = -1;
	if (!json_object_is_type(t, json_type_object))
		return bad(a, t, err, errlen, "must be a table, not %s; e.g. "
		           "{ type = \"contains\", value = \"Paris\" }", toml_type_name(t));
	if (known_keys(a, t, err, errlen) < 0)
		return -1;
	if (!(ty = json_get(t, "type")))
		return bad(a, t, err, errlen, "needs 'type'; e.g. type = \"contains\"");
	if (!json_object_is_type(ty, json_type_string) ||
	    (k = check_kind_of(json_object_get_string(ty))) < 0) {
		for (k = 0; k < CK_NKINDS; k++)
			buf_addf(&kinds, "%s%s", k ? ", " : "", check_kind_name(k));
		rc = bad(a, ty, err, errlen, "type %s is not a kind of check (%s); e.g. "
		         "type = \"contains\"", json_object_to_json_string(ty), kinds.data);
		buf_free(&kinds);
		return rc;
	}
	c->kind = (enum check_kind)k;
	a->kind = check_kind_name(c->kind);
	if (get_str(a, t, "name", &c->name, NULL, "name = \"mentions Paris\"", err, errlen) < 0 ||
	    get_num(a, t, "weight", 0, 1e9, &c->weight, "weight = 2", err, errlen) < 0 ||
	    get_bool(a, t, "not", &c->negate, err, errlen) < 0 ||
	    get_bool(a, t, "optional", &c->optional, err, errlen) < 0 ||
	    get_str(a, t, "query", &c->query, NULL, "query = \"q1\"", err, errlen) < 0 ||
	    get_str(a, t, "model", &c->model, NULL, "model = \"gpt-4o*\"", err, errlen) < 0 ||
	    get_value(a, t, c, jq, err, errlen) < 0)
		return -1;
	if (json_get(t, "threshold") && c->kind != CK_LEVENSHTEIN && c->kind != CK_SIMILAR)
		return bad(a, json_get(t, "threshold"), err, errlen, "'threshold' is for "
		           "levenshtein and similar-to");
	if (json_get(t, "grader_model") && c->kind != CK_RUBRIC)
		return bad(a, json_get(t, "grader_model"), err, errlen, "'grader_model' is for "
		           "llm-rubric");
	if (!c->name)
		c->name = default_name(c);
	check_prepare(c);
	return 0;
}

static void
check_free(struct check *c)
{
	size_t i;

	free(c->name);
	free(c->query);
	free(c->model);
	free(c->text);
	for (i = 0; i < c->nlist; i++)
		free(c->list[i]);
	free(c->list);
	pcre2_match_data_free(c->md);
	pcre2_code_free(c->re);
	schema_free(c->schema);
	json_object_put(c->schema_doc);
	free(c->grader);
	free(c->why[0]);
	free(c->why[1]);
	free(c->qwhy[0]);
	free(c->qwhy[1]);
	free(c->qname);
}

void
checks_free(struct checks *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		check_free(&cs->v[i]);
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

static int
add_one(struct checks *cs, json_object *t, struct at *a, struct jq_child *jq, char *err,
        size_t errlen)
{
	struct check c;

	a->kind = NULL;
	if (check_of(&c, t, a, jq, err, errlen) < 0) {
		check_free(&c);
		return -1;
	}
	cs->v = erealloc(cs->v, (cs->n + 1) * sizeof *cs->v);
	cs->v[cs->n++] = c;
	return 0;
}

int
checks_add_json(struct checks *cs, json_object *v, const struct toml_where *w,
                const char *src, struct jq_child *jq, char *err, size_t errlen)
{
	struct at a = {.w = w, .src = src, .n = 1};
	size_t i, n;

	if (!json_object_is_type(v, json_type_array))
		return add_one(cs, v, &a, jq, err, errlen);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++, a.n++)
		if (add_one(cs, json_object_array_get_idx(v, i), &a, jq, err, errlen) < 0)
			return -1;
	return 0;
}

int
checks_load(struct checks *cs, const char *path, struct jq_child *jq, char *err,
            size_t errlen)
{
	char why[ERRLEN];
	struct toml_where *w = NULL;
	json_object *doc, *list;
	size_t len, i;
	char *text = read_file(path, CHECKS_MAX_FILE, &len, why, sizeof why);
	int rc, json;

	if (!text) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	json = i < len && text[i] == '{';
	if (json)
		doc = json_parse(text, len, why, sizeof why);
	else
		doc = toml_parse(text, len, path, &w, why, sizeof why);
	free(text);
	if (!doc) {
		/* toml_parse names the file and the place itself */
		snprintf(err, errlen, "%s%s%s", json ? path : "", json ? ": " : "", why);
		return -1;
	}
	rc = 0;
	json_object_object_foreach(doc, key, v) {
		if (strcmp(key, "check")) {
			rc = toml_message(w, path, v ? v : doc, err, errlen, "unknown key '%s' (the "
			                  "checks are [[check]] tables; e.g. [[check]] type = "
			                  "\"contains\" value = \"Paris\")", key);
			break;
		}
	}
	list = json_get(doc, "check");
	if (rc == 0 && !list)
		rc = toml_message(w, path, doc, err, errlen, "no checks: add [[check]] tables; e.g. "
		                  "[[check]] type = \"contains\" value = \"Paris\"");
	if (rc == 0)
		rc = checks_add_json(cs, list, w, path, jq, err, errlen);
	toml_where_free(w);
	json_object_put(doc);
	return rc;
}

int
checks_add_expr(struct checks *cs, const char *expr, int n, struct jq_child *jq, char *err,
                size_t errlen)
{
	struct at a = {.src = "-e", .n = n};
	json_object *t;
	const char *eq = strchr(expr, '=');
	char why[ERRLEN];
	char *kind;
	int k, rc;

	if (*expr == '{') {
		if (!(t = json_parse(expr, strlen(expr), why, sizeof why))) {
			snprintf(err, errlen, "-e %d: %s", n, why);
			return -1;
		}
	} else {
		kind = eq ? estrndup(expr, (size_t)(eq - expr)) : estrdup(expr);
		t = json_object_new_object();
		json_set(t, "type", json_object_new_string(kind));
		k = check_kind_of(kind);
		free(kind);
		if (eq && (k == CK_MAX_COST || k == CK_MAX_LATENCY || k == CK_MAX_TOKENS)) {
			char *end;
			double d = strtod(eq + 1, &end);

			json_set(t, "value", *end || end == eq + 1 ? json_object_new_string(eq + 1)
			         : json_object_new_double(d));
		} else if (eq && (k == CK_CONTAINS_ANY || k == CK_CONTAINS_ALL) && eq[1] == '[') {
			json_set(t, "value", json_parse(eq + 1, strlen(eq + 1), why, sizeof why));
		} else if (eq) {
			json_set(t, "value", json_object_new_string(eq + 1));
		}
	}
	rc = add_one(cs, t, &a, jq, err, errlen);
	json_object_put(t);
	return rc;
}
