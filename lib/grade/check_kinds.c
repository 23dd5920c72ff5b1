/* The kinds of check that need no child: each looks at the fields
 * record.c picked and gives pass, a score and a reason. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "grade/grade.h"
#include "json/schema.h"

static const char *const kind_names[CK_NKINDS] = {
	"equals", "contains", "icontains", "contains-any", "contains-all", "regex",
	"starts-with", "is-json", "json-schema", "jq", "finish-reason", "max-cost",
	"max-latency-ms", "max-tokens", "tool-called", "levenshtein", "similar-to",
	"llm-rubric", "error",
};

const char *
check_kind_name(enum check_kind k)
{
	return kind_names[k];
}

int
check_kind_of(const char *name)
{
	int k;

	for (k = 0; k < CK_NKINDS; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return -1;
}

int
check_applies(const struct check *c, const struct graded *g)
{
	if (c->query && (!g->has_query || fnmatch(c->query, g->query.data, 0) != 0))
		return 0;
	if (c->model && fnmatch(c->model, g->model.data, FNM_CASEFOLD) != 0)
		return 0;
	return 1;
}

void
verdict_say(struct verdict *v, int pass, double score, const char *fmt, ...)
{
	char tmp[ERRLEN];
	va_list ap;

	v->pass = pass;
	v->score = score;
	v->fixed = -1;
	v->pending = 0;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	one_line(tmp, sizeof tmp - 1);
	buf_reset(&v->reason);
	buf_adds(&v->reason, tmp);
}

/* The verdict of a kind whose reasons check_prepare made. */
static void
fix(struct verdict *v, int pass)
{
	v->pass = pass;
	v->score = pass;
	v->fixed = pass;
}

/* A value for a reason: at most 40 bytes of it, on one line. */
static const char *
shown(const char *s, size_t n, char out[64])
{
	size_t k = utf8_cut(s, n, 40);

	memcpy(out, s, k);
	out[k] = 0;
	one_line(out, 63);
	if (k < n)
		strcat(out, "...");
	return out;
}

static const char *
memmem_ci(const char *h, size_t hn, const char *nd, size_t nn)
{
	size_t i, j;

	if (nn == 0)
		return h;
	for (i = 0; i + nn <= hn; i++) {
		for (j = 0; j < nn && tolower((unsigned char)h[i + j]) ==
		     tolower((unsigned char)nd[j]); j++)
			;
		if (j == nn)
			return h + i;
	}
	return NULL;
}

static int
has(const struct graded *g, const char *s, size_t n)
{
	return memmem(g->content.data, g->content.len, s, n) != NULL;
}

/* White space at both ends is not compared: a model's answer often ends
 * in a newline the checks file cannot easily spell. */
static void
trimmed(const char *s, size_t n, const char **out, size_t *on)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*out = s;
	*on = n;
}

static void
eval_list(const struct check *c, const struct graded *g, struct verdict *v)
{
	char sh[64];
	size_t i, found = 0, first = (size_t)-1, miss = (size_t)-1;

	for (i = 0; i < c->nlist; i++) {
		if (has(g, c->list[i], strlen(c->list[i]))) {
			found++;
			if (first == (size_t)-1)
				first = i;
		} else if (miss == (size_t)-1) {
			miss = i;
		}
	}
	if (c->kind == CK_CONTAINS_ANY) {
		if (found)
			verdict_say(v, 1, 1, "contains \"%s\"", shown(c->list[first], strlen(c->list[first]), sh));
		else
			verdict_say(v, 0, 0, "contains none of the %zu strings", c->nlist);
	} else if (found == c->nlist) {
		verdict_say(v, 1, 1, "contains all %zu strings", c->nlist);
	} else {
		verdict_say(v, 0, c->nlist ? (double)found / (double)c->nlist : 0,
		    "does not contain \"%s\" (%zu of %zu found)",
		    shown(c->list[miss], strlen(c->list[miss]), sh), found, c->nlist);
	}
}

static void
eval_regex(const struct check *c, const struct graded *g, struct verdict *v)
{
	char sh[64];
	int rc;

	rc = pcre2_match(c->re, (PCRE2_SPTR)g->content.data, g->content.len, 0, 0, c->md, NULL);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
		fix(v, rc >= 0);
	else
		verdict_say(v, 0, 0, "regex error %d with /%s/", rc, shown(c->text, c->textlen, sh));
}

static void
eval_max(const struct check *c, double have, const char *what, const char *unit,
         struct verdict *v)
{
	if (isnan(have))
		verdict_say(v, 0, 0, "%s unknown", what);
	else if (have <= c->num)
		verdict_say(v, 1, 1, "%s %g%s <= %g%s", what, have, unit, c->num, unit);
	else
		verdict_say(v, 0, 0, "%s %g%s > %g%s", what, have, unit, c->num, unit);
}

/* Code points of s (bytes not UTF-8 count one each). */
static uint32_t *
points(const char *s, size_t n, size_t *out)
{
	uint32_t *p = ecalloc(n + 1, sizeof *p);
	const char *e = s + n;
	size_t k = 0, l;

	while (s < e) {
		l = utf8_char_len(s, e);
		if (l == 0)
			l = 1;
		memcpy(&p[k], s, l);	/* the bytes stand for the character (ecalloc zeroed the rest) */
		k++;
		s += l;
	}
	*out = k;
	return p;
}

#define DISTANCE_MAX_CELLS 400000000ull

/* Levenshtein distance in characters of a and b (UTF-8); -1 when the
 * table would be too large (the texts' lengths multiplied past a bound). */
static long long
text_distance(const char *a, size_t na, const char *b, size_t nb, size_t *maxlen)
{
	size_t n, m, i, j;
	uint32_t *pa = points(a, na, &n), *pb = points(b, nb, &m);
	size_t *row;
	long long d;

	*maxlen = n > m ? n : m;
	if ((unsigned long long)n * m > DISTANCE_MAX_CELLS) {
		free(pa);
		free(pb);
		return -1;
	}
	row = ecalloc(m + 1, sizeof *row);
	for (j = 0; j <= m; j++)
		row[j] = j;
	for (i = 1; i <= n; i++) {
		size_t diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= m; j++) {
			size_t best = diag + (pa[i - 1] != pb[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = (long long)row[m];
	free(row);
	free(pa);
	free(pb);
	return d;
}

static void
eval_distance(const struct check *c, const struct graded *g, struct verdict *v)
{
	const char *s;
	size_t n, maxlen;
	long long d;
	double sim;

	trimmed(g->content.data, g->content.len, &s, &n);
	d = text_distance(s, n, c->text, c->textlen, &maxlen);
	if (d < 0) {
		verdict_say(v, 0, 0, "texts too long to compare");
		return;
	}
	sim = maxlen ? 1.0 - (double)d / (double)maxlen : 1.0;
	if (c->kind == CK_LEVENSHTEIN)
		verdict_say(v, d <= (long long)c->num, sim, "distance %lld %s %g", d,
		    d <= (long long)c->num ? "<=" : ">", c->num);
	else
		verdict_say(v, sim >= c->num, sim, "similarity %.3f %s %g", sim,
		    sim >= c->num ? ">=" : "<", c->num);
}

static void
eval_schema(const struct check *c, json_object *value, struct verdict *v)
{
	char where[ERRLEN];

	if (schema_validate(c->schema, value, where, sizeof where) == 0)
		verdict_say(v, 1, 1, "matches the schema");
	else
		verdict_say(v, 0, 0, "does not match the schema at %s", where);
}

/* A tool call of a trace ({name, arguments}) or of a result record
 * ({function: {name, arguments}}): its name and arguments text. */
static void
call_parts(json_object *call, const char **name, const char **args)
{
	json_object *f = json_get(call, "function");

	*name = json_get_str(f ? f : call, "name");
	*args = json_get_str(f ? f : call, "arguments");
}

static void
eval_tool(const struct check *c, const struct graded *g, struct verdict *v)
{
	char err[ERRLEN], sh[64];
	json_object *calls = NULL, *args;
	const char *name, *text;
	size_t i, n;
	struct verdict why = {0};
	int named = 0;

	if (g->tools.type == JF_ARRAY)
		calls = json_parse(g->tools.raw, g->tools.len, err, sizeof err);
	n = calls ? json_object_array_length(calls) : 0;
	verdict_say(v, 0, 0, "no call of tool \"%s\"", shown(c->text, c->textlen, sh));
	for (i = 0; i < n; i++) {
		call_parts(json_object_array_get_idx(calls, i), &name, &text);
		if (!name || strcmp(name, c->text))
			continue;
		named++;
		if (!c->schema_doc) {
			verdict_say(v, 1, 1, "tool \"%s\" called", sh);
			break;
		}
		args = text ? json_parse(text, strlen(text), err, sizeof err) : NULL;
		if (!args) {
			verdict_say(&why, 0, 0, "arguments are not JSON");
			continue;
		}
		eval_schema(c, args, &why);
		json_object_put(args);
		if (why.pass) {
			verdict_say(v, 1, 1, "tool \"%s\" called with arguments that match", sh);
			break;
		}
	}
	if (!v->pass && named)
		verdict_say(v, 0, 0, "tool \"%s\" called, its arguments do not match: %s", sh,
		    why.reason.data ? why.reason.data : "");
	buf_free(&why.reason);
	json_object_put(calls);
}

static void
eval_error(const struct check *c, const struct graded *g, struct verdict *v)
{
	char sh[64];

	if (!g->is_error)
		verdict_say(v, 0, 0, "not an error");
	else if (c->text && strcmp(c->text, g->kind.data))
		verdict_say(v, 0, 0, "error of kind %s, not %s", shown(g->kind.data, g->kind.len, sh),
		    c->text);
	else
		verdict_say(v, 1, 1, "error of kind %s, as expected", shown(g->kind.data, g->kind.len, sh));
}

void
check_eval(const struct check *c, struct graded *g, struct verdict *v)
{
	char sh[64], err[ERRLEN];
	const char *s;
	size_t n;
	json_object *doc;

	switch (c->kind) {
	case CK_EQUALS:
		trimmed(g->content.data, g->content.len, &s, &n);
		fix(v, n == c->textlen && !memcmp(s, c->text, n));
		break;
	case CK_CONTAINS:
		fix(v, has(g, c->text, c->textlen));
		break;
	case CK_ICONTAINS:
		fix(v, memmem_ci(g->content.data, g->content.len, c->text, c->textlen) != NULL);
		break;
	case CK_CONTAINS_ANY:
	case CK_CONTAINS_ALL:
		eval_list(c, g, v);
		break;
	case CK_REGEX:
		eval_regex(c, g, v);
		break;
	case CK_STARTS_WITH:
		fix(v, g->content.len >= c->textlen &&
		    !memcmp(g->content.data, c->text, c->textlen));
		break;
	case CK_IS_JSON:
		fix(v, jfield_valid(g->content.data, g->content.len));
		break;
	case CK_JSON_SCHEMA:
		if (json_parse_any(g->content.data, g->content.len, &doc, err, sizeof err) < 0) {
			verdict_say(v, 0, 0, "is not JSON: %s", err);
			break;
		}
		eval_schema(c, doc, v);
		json_object_put(doc);
		break;
	case CK_FINISH_REASON:
		if (g->has_finish && !strcmp(g->finish.data, c->text))
			verdict_say(v, 1, 1, "finish_reason %s", c->text);
		else
			verdict_say(v, 0, 0, "finish_reason %s, not %s",
			    g->has_finish ? shown(g->finish.data, g->finish.len, sh) : "none", c->text);
		break;
	case CK_MAX_COST:
		eval_max(c, graded_cost(g), "cost", " USD", v);
		break;
	case CK_MAX_LATENCY:
		eval_max(c, g->latency, "latency", " ms", v);
		break;
	case CK_MAX_TOKENS:
		eval_max(c, g->completion < 0 ? NAN : (double)g->completion, "completion_tokens",
		         "", v);
		break;
	case CK_TOOL_CALLED:
		eval_tool(c, g, v);
		break;
	case CK_LEVENSHTEIN:
	case CK_SIMILAR:
		eval_distance(c, g, v);
		break;
	case CK_ERROR:
		eval_error(c, g, v);
		break;
	case CK_JQ:
	case CK_RUBRIC:
	case CK_NKINDS:
		verdict_say(v, 0, 0, "%s is evaluated by its child", check_kind_name(c->kind));
		break;
	}
}

void
check_prepare(struct check *c)
{
	static const char *const fmts[][2] = {
		[CK_EQUALS] = {"does not equal \"%s\"", "equals \"%s\""},
		[CK_CONTAINS] = {"does not contain \"%s\"", "contains \"%s\""},
		[CK_ICONTAINS] = {"does not contain \"%s\"", "contains \"%s\""},
		[CK_REGEX] = {"does not match /%s/", "matches /%s/"},
		[CK_STARTS_WITH] = {"does not start with \"%s\"", "starts with \"%s\""},
		[CK_IS_JSON] = {"is not JSON%s", "is JSON%s"},
	};
	struct buf b = {0};
	char sh[64];
	int k;

	json_quote(&b, c->name, strlen(c->name));
	c->qname = b.data;
	if (c->kind >= (int)(sizeof fmts / sizeof fmts[0]) || !fmts[c->kind][0])
		return;
	for (k = 0; k < 2; k++) {
		char *raw;

		if (asprintf(&raw, fmts[c->kind][k], c->text ? shown(c->text, c->textlen, sh) : "")
		    < 0)
			eprintf("out of memory");
		c->why[k] = raw;
		b = (struct buf){0};
		json_quote(&b, raw, strlen(raw));
		c->qwhy[k] = b.data;
	}
}

void
verdict_negate(const struct check *c, struct verdict *v)
{
	struct buf b = {0};

	if (!c->negate || v->pending)
		return;
	v->pass = !v->pass;
	v->score = 1 - v->score;
	if (v->fixed >= 0) {
		buf_reset(&v->reason);
		buf_adds(&v->reason, c->why[v->fixed]);
		v->fixed = -1;
	}
	buf_addf(&b, "not: %s", v->reason.data ? v->reason.data : "");
	buf_free(&v->reason);
	v->reason = b;
}
