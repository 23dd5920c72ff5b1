#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "report/sumfmt.h"

/* fmt and its arguments printed into a new string. */
static char *
vfmt(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		eprintf("out of memory");
	return s;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cell = erealloc(t->cell, t->cap * sizeof *t->cell);
	}
	va_start(ap, fmt);
	t->cell[t->n++] = vfmt(fmt, ap);
	va_end(ap);
}

/* Characters, not bytes: UTF-8 continuation bytes take no column. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* s as a cell may show it: control characters as spaces, and in
 * Markdown '|' escaped. */
static void
add_clean(struct buf *out, const char *s, enum sum_format f)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_add(out, " ", 1);
		else if (*s == '|' && f == SUMFMT_MARKDOWN)
			buf_add(out, "\\|", 2);
		else
			buf_add(out, s, 1);
	}
}

/* A row of cells: padded to the widths w in an aligned table; between
 * pipes in Markdown; tab-separated in TSV. */
static void
row(struct buf *out, const struct table *t, const char *const *c, const size_t *w,
    enum sum_format f)
{
	size_t i;

	if (f == SUMFMT_MARKDOWN)
		buf_add(out, "| ", 2);
	for (i = 0; i < t->ncol; i++) {
		size_t gap = f == SUMFMT_TABLE ? w[i] - width(c[i]) : 0;
		int last = i + 1 == t->ncol;

		if (t->align[i] == 'r')
			buf_addf(out, "%*s", (int)gap, "");
		add_clean(out, c[i], f);
		if (t->align[i] == 'l' && !last)
			buf_addf(out, "%*s", (int)gap, "");
		if (!last)
			buf_adds(out, f == SUMFMT_MARKDOWN ? " | " : f == SUMFMT_TSV ? "\t" : "  ");
	}
	buf_adds(out, f == SUMFMT_MARKDOWN ? " |\n" : "\n");
}

void
table_write(struct table *t, enum sum_format f, struct buf *out)
{
	size_t *w = ecalloc(t->ncol, sizeof *w), i, r;

	if (f == SUMFMT_TABLE) {
		for (i = 0; i < t->ncol; i++)
			w[i] = width(t->head[i]);
		for (i = 0; i < t->n; i++)
			if (width(t->cell[i]) > w[i % t->ncol])
				w[i % t->ncol] = width(t->cell[i]);
	}
	row(out, t, t->head, w, f);
	if (f == SUMFMT_MARKDOWN) {
		buf_add(out, "|", 1);
		for (i = 0; i < t->ncol; i++)
			buf_adds(out, t->align[i] == 'r' ? " ---: |" : " --- |");
		buf_add(out, "\n", 1);
	}
	for (r = 0; r < t->n; r += t->ncol)
		row(out, t, (const char *const *)t->cell + r, w, f);
	free(w);
	for (i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* Known cost, a lower bound, or unknown: never 0 for what is not known. */
static void
cost_cell(struct table *t, double cost, long long known, long long unknown, enum sum_format f)
{
	const char *dollar = f == SUMFMT_TSV ? "" : "$";

	if (unknown == 0)
		table_cell(t, "%s%.6f", dollar, cost);
	else if (known == 0)
		table_cell(t, "unknown");
	else
		table_cell(t, ">=%s%s%.6f", f == SUMFMT_TSV ? "" : " ", dollar, cost);
}

static void
ms_cell(struct table *t, const struct sum_row *r, double v, enum sum_format f)
{
	if (r->nlat == 0)
		table_cell(t, "-");
	else
		table_cell(t, f == SUMFMT_TSV ? "%.10g" : "%.0f", v);
}

/* A share of n as a rate and a mean, "-" for none. */
static void
grade_cells(struct table *t, long long n, long long passed, double score_sum)
{
	if (n == 0) {
		table_cell(t, "-");
		table_cell(t, "-");
		return;
	}
	table_cell(t, "%.3f", (double)passed / (double)n);
	table_cell(t, "%.3f", score_sum / (double)n);
}

static void
model_row(struct table *t, const struct sum_row *r, enum sum_format f, int graded)
{
	struct buf k = {0};
	size_t i;

	for (i = 0; i < r->nkinds; i++)
		buf_addf(&k, "%s%s:%lld", i ? " " : "", r->kinds[i].kind, r->kinds[i].n);
	table_cell(t, "%s", r->model ? r->model : "total");
	table_cell(t, "%lld", r->requests);
	table_cell(t, "%lld", r->ok);
	table_cell(t, "%lld", r->failed);
	table_cell(t, "%s", k.len ? k.data : "-");
	table_cell(t, "%lld", r->cached);
	table_cell(t, "%lld", r->prompt_tokens);
	table_cell(t, "%lld", r->completion_tokens);
	cost_cell(t, r->cost, r->cost_known, r->cost_unknown, f);
	ms_cell(t, r, r->p50, f);
	ms_cell(t, r, r->p95, f);
	ms_cell(t, r, r->max, f);
	if (graded)
		grade_cells(t, r->graded, r->passed, r->score_sum);
	buf_free(&k);
}

static void
title(struct buf *out, enum sum_format f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
title(struct buf *out, enum sum_format f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	buf_addf(out, "\n%s%s\n%s", f == SUMFMT_MARKDOWN ? "### " : "", s,
	         f == SUMFMT_MARKDOWN ? "\n" : "");
	free(s);
}

static void
models(const struct sum_report *r, enum sum_format f, struct buf *out)
{
	static const char *const head[] = {
		"model", "requests", "ok", "failed", "errors", "cached", "prompt_tokens",
		"completion_tokens", "cost_usd", "p50_ms", "p95_ms", "max_ms", "pass_rate",
		"mean_score",
	};
	int graded = r->total.graded > 0;
	struct table t = {head, "lrrrlrrrrrrrrr", graded ? 14 : 12, NULL, 0, 0};
	size_t i;

	for (i = 0; i < r->nrows; i++)
		model_row(&t, &r->rows[i], f, graded);
	model_row(&t, &r->total, f, graded);
	if (f == SUMFMT_MARKDOWN)
		buf_adds(out, "### models\n\n");
	table_write(&t, f, out);
}

static void
failures(const struct sum_report *r, enum sum_format f, int all, struct buf *out)
{
	static const char *const head[] = {"id", "model", "kind", "message"};
	struct table t = {head, "llll", 4, NULL, 0, 0};
	size_t i, n = all || r->nfails <= SUMFMT_ERRORS ? r->nfails : SUMFMT_ERRORS;

	if (r->nfails == 0)
		return;
	if (n < r->nfails)
		title(out, f, "failed: %zu (the first %zu; --all-errors for every one)", r->nfails, n);
	else
		title(out, f, "failed: %zu", r->nfails);
	for (i = 0; i < n; i++) {
		table_cell(&t, "%s", r->fails[i].id);
		table_cell(&t, "%s", r->fails[i].model);
		table_cell(&t, "%s", r->fails[i].kind);
		table_cell(&t, "%s", r->fails[i].message);
	}
	table_write(&t, f, out);
}

static void
grades(const struct sum_report *r, enum sum_format f, struct buf *out)
{
	const char *head[] = {r->by, "graded", "passed", "pass_rate", "mean_score"};
	struct table t = {head, "lrrrr", 5, NULL, 0, 0};
	size_t i;

	if (r->ngrades == 0)
		return;
	title(out, f, "asserts per %s: %zu", r->by, r->ngrades);
	for (i = 0; i < r->ngrades; i++) {
		table_cell(&t, "%s", r->grades[i].group);
		table_cell(&t, "%lld", r->grades[i].graded);
		table_cell(&t, "%lld", r->grades[i].passed);
		grade_cells(&t, r->grades[i].graded, r->grades[i].passed, r->grades[i].score_sum);
	}
	table_write(&t, f, out);
}

static void
best(const struct sum_report *r, enum sum_format f, struct buf *out)
{
	const char *head[] = {r->by, "id", "model", "status", "cost_usd", "content_bytes",
	                      "score"};
	int scored = r->total.graded > 0;
	struct table t = {head, "llllrrr", scored ? 7 : 6, NULL, 0, 0};
	size_t i;

	if (r->nbest == 0)
		return;
	if (strcmp(r->rank, "cost"))
		title(out, f, "best per %s (by %s): %zu", r->by, r->rank, r->nbest);
	else
		title(out, f, "best per %s: %zu", r->by, r->nbest);
	for (i = 0; i < r->nbest; i++) {
		const struct sum_best *b = &r->best[i];

		table_cell(&t, "%s", b->group);
		table_cell(&t, "%s", b->id);
		table_cell(&t, "%s", b->model);
		table_cell(&t, "%s", b->ok ? "ok" : "failed");
		cost_cell(&t, b->cost, !isnan(b->cost), isnan(b->cost), f);
		table_cell(&t, "%llu", b->bytes);
		if (scored && isnan(b->score))
			table_cell(&t, "-");
		else if (scored)
			table_cell(&t, "%.3f", b->score);
	}
	table_write(&t, f, out);
}

/* One line on what was read, its parts that are not 0. */
static void
footer(const struct sum_report *r, struct buf *out)
{
	buf_addf(out, "\nresults: %lld", r->results);
	if (r->superseded)
		buf_addf(out, ", replaced by a later record of their id: %lld", r->superseded);
	if (r->events)
		buf_addf(out, ", stream events: %lld", r->events);
	if (r->other)
		buf_addf(out, ", records without status: %lld", r->other);
	if (r->bad)
		buf_addf(out, ", bad lines: %lld", r->bad);
	buf_add(out, "\n", 1);
}

/* A double that prints as %.10g, not json-c's %.17g. */
static json_object *
num(double v)
{
	char s[32];

	snprintf(s, sizeof s, "%.10g", v);
	return json_double_text(v, s);
}

static json_object *
row_json(const struct sum_row *r)
{
	json_object *o = json_object_new_object(), *k = json_object_new_object();
	json_object *lat = json_object_new_object();
	size_t i;

	if (r->model)
		json_set(o, "model", json_object_new_string(r->model));
	json_set(o, "requests", json_object_new_int64(r->requests));
	json_set(o, "ok", json_object_new_int64(r->ok));
	json_set(o, "failed", json_object_new_int64(r->failed));
	for (i = 0; i < r->nkinds; i++)
		json_set(k, r->kinds[i].kind, json_object_new_int64(r->kinds[i].n));
	json_set(o, "errors", k);
	json_set(o, "cached", json_object_new_int64(r->cached));
	json_set(o, "prompt_tokens", json_object_new_int64(r->prompt_tokens));
	json_set(o, "completion_tokens", json_object_new_int64(r->completion_tokens));
	json_set(o, "cost_usd", r->cost_unknown > 0 && r->cost_known == 0 ? NULL : num(r->cost));
	json_set(o, "cost_incomplete", json_object_new_boolean(r->cost_unknown > 0));
	json_set(lat, "n", json_object_new_int64((long long)r->nlat));
	json_set(lat, "p50", r->nlat ? num(r->p50) : NULL);
	json_set(lat, "p95", r->nlat ? num(r->p95) : NULL);
	json_set(lat, "max", r->nlat ? num(r->max) : NULL);
	json_set(o, "latency_ms", lat);
	if (r->graded) {
		json_set(o, "graded", json_object_new_int64(r->graded));
		json_set(o, "passed", json_object_new_int64(r->passed));
		json_set(o, "pass_rate", num((double)r->passed / (double)r->graded));
		json_set(o, "mean_score", num(r->score_sum / (double)r->graded));
	}
	return o;
}

static void
json_write(const struct sum_report *r, int all, struct buf *out)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	json_object *rec = json_object_new_object();
	size_t i, n = all || r->nfails <= SUMFMT_ERRORS ? r->nfails : SUMFMT_ERRORS;
	struct buf line = {0};

	for (i = 0; i < r->nrows; i++)
		json_object_array_add(a, row_json(&r->rows[i]));
	json_set(o, "models", a);
	json_set(o, "total", row_json(&r->total));
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *x = json_object_new_object();

		json_set(x, "id", json_object_new_string(r->fails[i].id));
		json_set(x, "model", json_object_new_string(r->fails[i].model));
		json_set(x, "kind", json_object_new_string(r->fails[i].kind));
		json_set(x, "message", json_object_new_string(r->fails[i].message));
		json_object_array_add(a, x);
	}
	json_set(o, "failed", a);
	json_set(o, "failed_count", json_object_new_int64((long long)r->nfails));
	json_set(o, "best_by", json_object_new_string(r->by));
	a = json_object_new_array();
	for (i = 0; i < r->nbest; i++) {
		const struct sum_best *b = &r->best[i];
		json_object *x = json_object_new_object();

		json_set(x, "group", json_object_new_string(b->group));
		json_set(x, "id", json_object_new_string(b->id));
		json_set(x, "model", json_object_new_string(b->model));
		json_set(x, "status", json_object_new_string(b->ok ? "ok" : "failed"));
		json_set(x, "cost_usd", isnan(b->cost) ? NULL : num(b->cost));
		json_set(x, "content_bytes", json_object_new_int64((long long)b->bytes));
		if (!isnan(b->score))
			json_set(x, "score", num(b->score));
		json_object_array_add(a, x);
	}
	json_set(o, "best", a);
	json_set(o, "best_rank", json_object_new_string(r->rank));
	if (r->ngrades) {
		a = json_object_new_array();
		for (i = 0; i < r->ngrades; i++) {
			const struct sum_grade *g = &r->grades[i];
			json_object *x = json_object_new_object();

			json_set(x, "group", json_object_new_string(g->group));
			json_set(x, "graded", json_object_new_int64(g->graded));
			json_set(x, "passed", json_object_new_int64(g->passed));
			json_set(x, "pass_rate", num((double)g->passed / (double)g->graded));
			json_set(x, "mean_score", num(g->score_sum / (double)g->graded));
			json_object_array_add(a, x);
		}
		json_set(o, "asserts", a);
	}
	json_set(rec, "results", json_object_new_int64(r->results));
	json_set(rec, "superseded", json_object_new_int64(r->superseded));
	json_set(rec, "events", json_object_new_int64(r->events));
	json_set(rec, "other", json_object_new_int64(r->other));
	json_set(rec, "bad", json_object_new_int64(r->bad));
	json_set(o, "records", rec);
	buf_adds(out, json_line(o, &line));
	buf_add(out, "\n", 1);
	buf_free(&line);
	json_object_put(o);
}

void
sumfmt_write(const struct sum_report *r, enum sum_format f, int all_errors, struct buf *out)
{
	if (f == SUMFMT_JSON) {
		json_write(r, all_errors, out);
		return;
	}
	models(r, f, out);
	failures(r, f, all_errors, out);
	grades(r, f, out);
	best(r, f, out);
	if (f != SUMFMT_TSV)
		footer(r, out);
}
