/* mock_schema: llm-mock's answers to structured-output requests
 * (response_format json_schema): the smallest plain value that follows
 * the schema, made from its keywords and checked with json/schema.h, or
 * for [[mock:schema-break]] one that does not follow it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json/schema.h"
#include "mock/mock_internal.h"

/* deep enough for any schema a test writes; a $ref loop stops here */
#define GEN_DEPTH 24

/* sch with its $ref followed (to the end of a chain of them) */
static json_object *
deref(const struct schema *s, json_object *sch)
{
	json_object *ref;
	int hops = 0;

	while (hops++ < GEN_DEPTH && json_object_object_get_ex(sch, "$ref", &ref) &&
	       schema_ref(s, ref))
		sch = schema_ref(s, ref);
	return sch;
}

/* The type a value for sch takes: the first named that is not "null"
 * (a more telling answer), or one its keywords imply. */
static const char *
type_of(json_object *sch)
{
	json_object *t = json_get(sch, "type");
	size_t i, n;

	if (json_object_is_type(t, json_type_string))
		return json_object_get_string(t);
	if (json_object_is_type(t, json_type_array) && (n = json_object_array_length(t))) {
		for (i = 0; i < n; i++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(t, i)), "null"))
				return json_object_get_string(json_object_array_get_idx(t, i));
		return "null";
	}
	if (json_get(sch, "properties") || json_get(sch, "required"))
		return "object";
	if (json_get(sch, "items") || json_get(sch, "prefixItems"))
		return "array";
	return "null";
}

static json_object *gen(const struct schema *s, json_object *sch, int depth);

static json_object *
gen_number(json_object *sch, int integer)
{
	json_object *k;
	double v = 0, m = 0;

	if (json_object_object_get_ex(sch, "minimum", &k) && json_object_get_double(k) > v)
		v = json_object_get_double(k);
	if (json_object_object_get_ex(sch, "exclusiveMinimum", &k) &&
	    json_object_get_double(k) >= v)
		v = floor(json_object_get_double(k)) + 1;
	if (json_object_object_get_ex(sch, "maximum", &k) && json_object_get_double(k) < v)
		v = json_object_get_double(k);
	if (json_object_object_get_ex(sch, "exclusiveMaximum", &k) &&
	    json_object_get_double(k) <= v)
		v = ceil(json_object_get_double(k)) - 1;
	if (json_object_object_get_ex(sch, "multipleOf", &k))
		m = json_object_get_double(k);
	if (m > 0)
		v = ceil(v / m) * m;
	if (!isfinite(v))	/* a bound of Infinity (json-c reads it): no finite answer fits */
		v = 0;
	if (integer)
		v = ceil(v);
	/* a whole number past int64 (a minimum of 1e19) is still an integer as a double */
	if (v == floor(v) && v >= -LL_LIMIT && v < LL_LIMIT)
		return json_object_new_int64((int64_t)v);
	return json_object_new_double(v);
}

static json_object *
gen_string(json_object *sch)
{
	static const struct {
		const char *format, *value;
	} formats[] = {
		{"date-time", "2026-01-01T00:00:00Z"},
		{"email", "mock@example.com"},
		{"uri", "https://example.com/"},
		{"uuid", "00000000-0000-4000-8000-000000000000"},
	};
	const char *format = json_get_str(sch, "format");
	json_object *k;
	char text[256] = "mock";
	size_t i, n, lo = 0, hi = sizeof text - 1;

	for (i = 0; format && i < NELEM(formats); i++)
		if (!strcmp(format, formats[i].format))
			snprintf(text, sizeof text, "%s", formats[i].value);
	if (json_object_object_get_ex(sch, "minLength", &k) && json_object_get_int64(k) > 0)
		lo = (size_t)json_object_get_int64(k) < hi ? (size_t)json_object_get_int64(k) : hi;
	if (json_object_object_get_ex(sch, "maxLength", &k) &&
	    (size_t)json_object_get_int64(k) < hi)
		hi = (size_t)json_object_get_int64(k);
	n = strlen(text);
	while (n < lo)
		text[n++] = 'x';
	if (n > hi)
		n = hi;
	return json_object_new_string_len(text, (int)n);
}

static json_object *
gen_object(const struct schema *s, json_object *sch, int depth)
{
	json_object *o = json_object_new_object(), *props = json_get(sch, "properties");
	json_object *req = json_get(sch, "required");
	size_t i, n = json_object_is_type(req, json_type_array) ? json_object_array_length(req) : 0;

	/* the required members; a strict schema requires them all */
	for (i = 0; i < n; i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(req, i));

		json_set(o, key, gen(s, json_get(props, key), depth + 1));
	}
	return o;
}

static json_object *
gen_array(const struct schema *s, json_object *sch, int depth)
{
	json_object *a = json_object_new_array(), *pre = json_get(sch, "prefixItems");
	json_object *min = json_get(sch, "minItems");
	int64_t i, n = min ? json_object_get_int64(min) : 0, npre = 0;

	if (json_object_is_type(pre, json_type_array))
		npre = (int64_t)json_object_array_length(pre);
	for (i = 0; i < n && i < 64; i++)
		json_object_array_add(a, gen(s, i < npre ? json_object_array_get_idx(pre, (size_t)i)
		                                         : json_get(sch, "items"), depth + 1));
	return a;
}

static json_object *
gen(const struct schema *s, json_object *sch, int depth)
{
	json_object *k;
	const char *t;

	sch = deref(s, sch);
	if (!json_object_is_type(sch, json_type_object) || depth > GEN_DEPTH)
		return NULL;
	if (json_object_object_get_ex(sch, "const", &k))
		return json_ref(k);
	if (json_object_object_get_ex(sch, "enum", &k) && json_object_array_length(k))
		return json_ref(json_object_array_get_idx(k, 0));
	if (!json_get(sch, "type")) {
		if ((k = json_get(sch, "anyOf")) || (k = json_get(sch, "oneOf")) ||
		    (k = json_get(sch, "allOf")))
			return gen(s, json_object_array_get_idx(k, 0), depth + 1);
	}
	t = type_of(sch);
	if (!strcmp(t, "object"))
		return gen_object(s, sch, depth);
	if (!strcmp(t, "array"))
		return gen_array(s, sch, depth);
	if (!strcmp(t, "string"))
		return gen_string(sch);
	if (!strcmp(t, "number") || !strcmp(t, "integer"))
		return gen_number(sch, !strcmp(t, "integer"));
	if (!strcmp(t, "boolean"))
		return json_object_new_boolean(1);
	return NULL;
}

/* A value sch does not take by its type: a number where a string is
 * wanted, else a string. */
static json_object *
wrong(const struct schema *s, json_object *sch)
{
	sch = deref(s, sch);
	if (!strcmp(type_of(sch), "string"))
		return json_object_new_int(12345);
	return json_object_new_string("mock: schema-break");
}

static int
fails(const struct schema *s, json_object *v)
{
	char where[ERRLEN];

	return schema_validate(s, v, where, sizeof where) < 0;
}

/* The broken value: a member of the value made wrong, so the failing
 * place is a path inside it; else the whole value; else text that is not
 * JSON at all (a schema such as {} that every value follows). */
static void
broken(const struct schema *s, json_object *v, struct buf *out)
{
	json_object *sch = deref(s, schema_doc(s)), *props = json_get(sch, "properties");
	json_object *w;

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			(void)val;
			json_set(v, key, wrong(s, json_get(props, key)));
			if (fails(s, v)) {
				json_line(v, out);
				return;
			}
			break;
		}
	}
	w = wrong(s, sch);
	if (fails(s, w))
		json_line(w, out);
	else
		buf_adds(out, "mock: schema-break: no JSON value breaks this schema");
	json_object_put(w);
}

int
mock_schema_content(json_object *doc, int broken_asked, struct buf *out, char *err,
                    size_t errlen)
{
	struct schema *s = schema_compile(doc, 0, err, errlen);
	json_object *v;

	if (!s)
		return -1;
	v = gen(s, schema_doc(s), 0);
	buf_reset(out);
	if (broken_asked)
		broken(s, v, out);
	else
		json_line(v, out);
	json_object_put(v);
	schema_free(s);
	return 0;
}
