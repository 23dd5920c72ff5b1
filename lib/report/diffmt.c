#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/canon.h"
#include "json/jsonwrite.h"
#include "report/diffmt.h"

/* A number member: null when unknown or infinite. */
static void
num_member(struct jw *w, const char *key, double v)
{
	char s[40];

	jw_key(w, key);
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	canon_number(v, s, sizeof s);
	jw_raw(w, s, strlen(s));
}

/* A token count member: null when not given. */
static void
count_member(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	if (v < 0)
		jw_null(w);
	else
		jw_int(w, v);
}

/* The key of a change: with --by, an object of each path's value. */
static void
key_json(struct jw *w, const struct diff_report *r, const char *key)
{
	int i;

	jw_key(w, "key");
	jw_open(w, '{');
	for (i = 0; i < r->nby; i++) {
		jw_strz(w, r->by[i]);	/* as a key: quoted like a string */
		w->more = 0;
		buf_add(w->b, ":", 1);
		jw_strz(w, key);
		key += strlen(key) + 1;
	}
	jw_close(w, '}');
}

static void
rec_json(struct jw *w, const char *name, const struct diff_rec *x)
{
	char hex[17];

	jw_key(w, name);
	if (!x) {
		jw_null(w);
		return;
	}
	jw_open(w, '{');
	jw_kv_str(w, "id", x->id);
	jw_kv_str(w, "status", x->ok ? "ok" : "error");
	if (x->kind)
		jw_kv_str(w, "error_kind", x->kind);
	if (x->pass >= 0) {
		jw_key(w, "pass");
		jw_raw(w, x->pass ? "true" : "false", x->pass ? 4 : 5);
	}
	jw_key(w, "content_hash");
	if (x->hashed) {
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)x->hash);
		jw_strz(w, hex);
	} else {
		jw_null(w);
	}
	count_member(w, "prompt_tokens", x->prompt);
	count_member(w, "completion_tokens", x->completion);
	num_member(w, "cost_usd", x->cost);
	num_member(w, "latency_ms", x->latency);
	jw_close(w, '}');
}

static void
change_json(const struct diff_report *r, const struct diff_change *c, struct buf *out)
{
	const struct diff_rec *x = c->new ? c->new : c->old;
	struct jw w;
	int i;

	jw_start(&w, out);
	jw_open(&w, '{');
	jw_kv_str(&w, "diff", "change");
	jw_kv_str(&w, "id", x->id);
	if (r->nby)
		key_json(&w, r, c->key);
	jw_kv_str(&w, "model", x->model);
	jw_key(&w, "changes");
	jw_open(&w, '[');
	for (i = 0; i < DIFF_NWHAT; i++)
		if (c->what & (1u << i))
			jw_strz(&w, diff_what_name(i));
	jw_close(&w, ']');
	jw_key(&w, "regressed");
	jw_raw(&w, c->regressed ? "true" : "false", c->regressed ? 4 : 5);
	rec_json(&w, "old", c->old);
	rec_json(&w, "new", c->new);
	if (c->text_diff)
		jw_kv_str(&w, "text_diff", c->text_diff);
	jw_close(&w, '}');
	buf_add(out, "\n", 1);
}

static void
side_json(struct jw *w, const char *name, const struct sum_row *s, double per_request)
{
	jw_key(w, name);
	if (!s) {
		jw_null(w);
		return;
	}
	jw_open(w, '{');
	jw_kv_int(w, "requests", s->requests);
	jw_kv_int(w, "ok", s->ok);
	jw_kv_int(w, "failed", s->failed);
	jw_kv_int(w, "prompt_tokens", s->prompt_tokens);
	jw_kv_int(w, "completion_tokens", s->completion_tokens);
	num_member(w, "cost_usd", s->cost_known && !s->cost_unknown ? s->cost : NAN);
	num_member(w, "cost_per_request_usd", per_request);
	num_member(w, "latency_p50_ms", s->nlat ? s->p50 : NAN);
	num_member(w, "latency_p95_ms", s->nlat ? s->p95 : NAN);
	jw_close(w, '}');
}

static void
model_json(const struct diff_model *m, struct buf *out)
{
	struct jw w;

	jw_start(&w, out);
	jw_open(&w, '{');
	jw_kv_str(&w, "diff", "model");
	jw_kv_str(&w, "model", m->model);
	side_json(&w, "old", m->old, m->cost_old);
	side_json(&w, "new", m->new, m->cost_new);
	num_member(&w, "cost_change_pct", m->cost_pct);
	num_member(&w, "latency_p50_change_pct", m->p50_pct);
	num_member(&w, "latency_p95_change_pct", m->p95_pct);
	jw_key(&w, "regressed");
	jw_raw(&w, m->cost_regressed || m->latency_regressed ? "true" : "false",
	       m->cost_regressed || m->latency_regressed ? 4 : 5);
	jw_close(&w, '}');
	buf_add(out, "\n", 1);
}

static void
total_json(const struct diff_report *r, struct buf *out)
{
	struct jw w;
	int i;

	jw_start(&w, out);
	jw_open(&w, '{');
	jw_kv_str(&w, "diff", "total");
	jw_kv_int(&w, "keys", r->keys);
	jw_kv_int(&w, "same", r->same);
	for (i = 0; i < DIFF_NWHAT; i++)
		jw_kv_int(&w, diff_what_name(i), r->count[i]);
	jw_key(&w, "regressed");
	jw_raw(&w, r->regressed ? "true" : "false", r->regressed ? 4 : 5);
	jw_close(&w, '}');
	buf_add(out, "\n", 1);
}

static void
num_cell(struct table *t, double v)
{
	if (isfinite(v))
		table_cell(t, "%.6g", v);
	else
		table_cell(t, "-");
}

static void
count_cell(struct table *t, const struct sum_row *s)
{
	if (s)
		table_cell(t, "%lld", s->requests);
	else
		table_cell(t, "-");
}

static void
pct_cell(struct table *t, double v)
{
	if (isnan(v))
		table_cell(t, "-");
	else if (isinf(v))
		table_cell(t, "new");
	else
		table_cell(t, "%+.1f%%", v);
}

static void
status_cell(struct table *t, const struct diff_rec *x)
{
	if (!x)
		table_cell(t, "-");
	else
		table_cell(t, "%s%s", x->ok ? "ok" : x->kind ? x->kind : "error",
		    x->pass < 0 ? "" : x->pass ? ", pass" : ", fail");
}

static void
changes_table(const struct diff_report *r, enum sum_format f, struct buf *out)
{
	static const char *const head[] = {"id", "model", "changes", "regressed", "old", "new"};
	struct table t = {head, "llllll", 6, NULL, 0, 0};
	size_t i;
	int j;

	for (i = 0; i < r->nchanges; i++) {
		const struct diff_change *c = &r->changes[i];
		const struct diff_rec *x = c->new ? c->new : c->old;
		struct buf what = {0};

		table_cell(&t, "%s", x->id);
		table_cell(&t, "%s", x->model);
		buf_add(&what, "", 0);
		for (j = 0; j < DIFF_NWHAT; j++)
			if (c->what & (1u << j))
				buf_addf(&what, "%s%s", what.len ? "," : "", diff_what_name(j));
		table_cell(&t, "%s", what.data);
		buf_free(&what);
		table_cell(&t, "%s", c->regressed ? "yes" : "no");
		status_cell(&t, c->old);
		status_cell(&t, c->new);
	}
	table_write(&t, f, out);
}

static void
models_table(const struct diff_report *r, enum sum_format f, struct buf *out)
{
	static const char *const head[] = {
		"model", "old requests", "new requests", "old cost/request", "new cost/request",
		"cost change", "old p50 ms", "new p50 ms", "p50 change", "old p95 ms",
		"new p95 ms", "p95 change", "regressed"};
	struct table t = {head, "lrrrrrrrrrrrl", 13, NULL, 0, 0};
	size_t i;

	for (i = 0; i < r->nmodels; i++) {
		const struct diff_model *m = &r->models[i];

		table_cell(&t, "%s", m->model);
		count_cell(&t, m->old);
		count_cell(&t, m->new);
		num_cell(&t, m->cost_old);
		num_cell(&t, m->cost_new);
		pct_cell(&t, m->cost_pct);
		num_cell(&t, m->old && m->old->nlat ? m->old->p50 : NAN);
		num_cell(&t, m->new && m->new->nlat ? m->new->p50 : NAN);
		pct_cell(&t, m->p50_pct);
		num_cell(&t, m->old && m->old->nlat ? m->old->p95 : NAN);
		num_cell(&t, m->new && m->new->nlat ? m->new->p95 : NAN);
		pct_cell(&t, m->p95_pct);
		table_cell(&t, "%s", m->cost_regressed || m->latency_regressed ? "yes" : "no");
	}
	table_write(&t, f, out);
}

/* -v under Markdown: each text diff in a fenced block after the tables. */
static void
text_diffs_md(const struct diff_report *r, struct buf *out)
{
	size_t i;

	for (i = 0; i < r->nchanges; i++) {
		const struct diff_change *c = &r->changes[i];

		if (!c->text_diff)
			continue;
		buf_addf(out, "\n### %s\n\n```diff\n%s", (c->new ? c->new : c->old)->id,
		         c->text_diff);
		if (c->text_diff[0] && c->text_diff[strlen(c->text_diff) - 1] != '\n')
			buf_add(out, "\n", 1);
		buf_adds(out, "```\n");
	}
}

void
diffmt_write(const struct diff_report *r, enum sum_format f, const char *old_name,
             const char *new_name, struct buf *out,
             void (*spill)(struct buf *out, void *arg), void *arg)
{
	size_t i;

	if (f == SUMFMT_JSON || f == SUMFMT_TABLE) {
		for (i = 0; i < r->nchanges; i++) {
			change_json(r, &r->changes[i], out);
			if (spill && out->len >= DIFFMT_SPILL)
				spill(out, arg);
		}
		for (i = 0; i < r->nmodels; i++)
			model_json(&r->models[i], out);
		total_json(r, out);
		return;
	}
	if (f == SUMFMT_MARKDOWN) {
		buf_addf(out, "## llm-diff %s %s\n\n", old_name, new_name);
		buf_addf(out, "%lld keys: %lld unchanged, %zu changed; %s.\n\n", r->keys, r->same,
		         r->nchanges, r->regressed ? "**regressed**" : "nothing regressed");
		buf_adds(out, "### Changes\n\n");
	}
	if (r->nchanges > 0 || f == SUMFMT_TSV)
		changes_table(r, f, out);
	buf_adds(out, f == SUMFMT_MARKDOWN ? "\n### Models\n\n" : "\n");
	models_table(r, f, out);
	if (f == SUMFMT_MARKDOWN)
		text_diffs_md(r, out);
}
