/* The fields of a record the checks look at, picked with jfield: no tree
 * is built, so a large record costs one scan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grade/grade.h"

enum {
	F_STATUS, F_KIND, F_CONTENT, F_FINAL, F_FINISH, F_META_MODEL, F_MODEL, F_REQ_MODEL,
	F_ENDPOINT, F_META_ENDPOINT, F_QUERY, F_LATENCY, F_COST, F_PROMPT, F_COMPLETION,
	F_TOOLS, F_META_ASSERT, F_ASSERT, NFIELDS
};

static const char *const paths[NFIELDS] = {
	"status", "error.kind", "content", "final_content", "finish_reason", "meta.model",
	"model", "request.model", "endpoint", "meta.endpoint", "meta.query_id", "latency_ms",
	"cost_usd", "usage.prompt_tokens", "usage.completion_tokens", "tool_calls",
	"meta.assert", "assert",
};

void
graded_init(struct graded *g)
{
	memset(g, 0, sizeof *g);
	g->spec = jfield_spec_of(paths, NFIELDS);
	g->f = ecalloc(NFIELDS, sizeof *g->f);
}

void
graded_free(struct graded *g)
{
	buf_free(&g->kind);
	buf_free(&g->content);
	buf_free(&g->finish);
	buf_free(&g->model);
	buf_free(&g->endpoint);
	buf_free(&g->query);
	jfield_spec_free(g->spec);
	free(g->f);
	price_memo_free(&g->prices);
}

/* The string at slot i into b: 1, or 0 (b empty) when it is none. */
static int
str_of(struct graded *g, int i, struct buf *b)
{
	buf_reset(b);
	buf_add(b, "", 0);
	if (jfield_string(&g->f[i], b) == 0)
		return 1;
	buf_reset(b);	/* a failed decoding may have left a part */
	buf_add(b, "", 0);
	return 0;
}

static double
num_of(const struct graded *g, int i)
{
	double v;

	return jfield_double(&g->f[i], &v) == 0 ? v : NAN;
}

static long long
count_of(const struct graded *g, int i)
{
	long long v;

	return jfield_llong(&g->f[i], &v) == 0 ? v : -1;
}

int
graded_read(struct graded *g, const char *line, size_t len)
{
	g->line = line;
	g->len = len;
	if (!jfield_scan(g->spec, line, len, g->f))
		return -1;
	g->is_error = g->f[F_STATUS].type == JF_STRING && g->f[F_STATUS].len == 5 &&
	              !memcmp(g->f[F_STATUS].raw, "error", 5);
	str_of(g, F_KIND, &g->kind);
	if (!str_of(g, F_CONTENT, &g->content))
		str_of(g, F_FINAL, &g->content);
	g->has_finish = str_of(g, F_FINISH, &g->finish);
	if (!str_of(g, F_META_MODEL, &g->model) && !str_of(g, F_MODEL, &g->model))
		str_of(g, F_REQ_MODEL, &g->model);
	if (!str_of(g, F_ENDPOINT, &g->endpoint))
		str_of(g, F_META_ENDPOINT, &g->endpoint);
	g->has_query = str_of(g, F_QUERY, &g->query);
	g->latency = num_of(g, F_LATENCY);
	g->cost = num_of(g, F_COST);
	g->prompt = count_of(g, F_PROMPT);
	g->completion = count_of(g, F_COMPLETION);
	g->tools = g->f[F_TOOLS];
	g->meta_assert = g->f[F_META_ASSERT];
	g->assert = g->f[F_ASSERT];
	return 0;
}

double
graded_cost(struct graded *g)
{
	const struct price *p;
	char err[ERRLEN];

	if (!isnan(g->cost))
		return g->cost;
	if (g->prompt < 0 && g->completion < 0)
		return NAN;
	p = price_memo_find(&g->prices, g->model.data, g->endpoint.len ? g->endpoint.data : NULL,
	                    err, sizeof err);
	if (!p)
		return NAN;
	return price_cost(p, g->prompt < 0 ? 0 : g->prompt, g->completion < 0 ? 0 : g->completion);
}
