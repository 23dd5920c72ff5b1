/* Expanding a plan into request records, leaving out the done ones.
 *
 * The records are written piece by piece (struct jw), not built as
 * json-c trees: each query's text is quoted once and copied into each of
 * its models' records, so 10,000 queries x 10 models cost 10,000
 * quotings.  Whole records are gathered up to PIPE_BUF bytes a write (one longer record
 * alone), so writers sharing a pipe never interleave half lines. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan/plan.h"
#include "json/records.h"


/* <plan_id>/<model_hash>/<query>[<sep>r<K>], the part a record id
 * (sep '/') and a response path share. */
static void
add_job(struct buf *b, const struct plan *pl, const struct plan_model *m, const char *query,
        char sep, int k, int repeat)
{
	buf_adds(b, pl->plan_id);
	buf_add(b, "/", 1);
	buf_add(b, m->hash, 8);
	buf_add(b, "/", 1);
	buf_adds(b, query);
	if (repeat)
		buf_addf(b, "%cr%d", sep, k);
}

/* <assistant>/Output/<plan_id>/<model_hash>/<query_base>[_r<K>]_response.md */
static void
output_path(const struct plan *pl, const struct plan_model *m, const struct plan_query *q,
            int k, int repeat, struct buf *b)
{
	buf_reset(b);
	if (strcmp(pl->dir, ".") != 0) {
		buf_adds(b, pl->dir);
		buf_add(b, "/", 1);
	}
	buf_adds(b, "Output/");
	add_job(b, pl, m, q->base, '_', k, repeat);
	buf_adds(b, "_response.md");
}

/* What every record of the plan shares, written once. */
struct parts {
	struct buf sys;		/* the system message, or nothing */
	struct buf params;	/* the members "temperature":..,"max_tokens":.. */
	struct buf meta;	/* the members "plan_id":..,"assistant_id":.. */
	struct buf *models;	/* each model's name, quoted */
	struct buf user;	/* the current query's user message */
	struct buf qid;		/* the current query's id, quoted */
	json_object *rf;	/* the current query's response_format, or NULL */
	struct buf assert;	/* its meta.assert, or nothing */
	struct buf id, out;
	struct buf rec;		/* the record being made */
};

/* {"role":role,"content":text} into b, replacing what it held. */
static void
message(struct buf *b, const char *role, const char *text, size_t len)
{
	struct jw w;

	buf_reset(b);
	jw_start(&w, b);
	jw_open(&w, '{');
	jw_kv_str(&w, "role", role);
	jw_key(&w, "content");
	jw_str(&w, text, len);
	jw_close(&w, '}');
}

static void
parts_init(struct parts *P, const struct plan *pl)
{
	struct jw w;
	size_t i;

	memset(P, 0, sizeof *P);
	if (pl->system && *pl->system)
		message(&P->sys, "system", pl->system, strlen(pl->system));
	jw_start(&w, &P->params);
	if (pl->temperature) {
		jw_key(&w, "temperature");
		jw_tree(&w, pl->temperature);
	}
	if (pl->max_tokens)
		jw_kv_int(&w, "max_tokens", (long long)json_object_get_int64(pl->max_tokens));
	jw_start(&w, &P->meta);
	jw_kv_str(&w, "plan_id", pl->plan_id);
	if (pl->assistant_id)
		jw_kv_str(&w, "assistant_id", pl->assistant_id);
	P->models = ecalloc(pl->nmodels, sizeof *P->models);
	for (i = 0; i < pl->nmodels; i++)
		json_quote(&P->models[i], pl->models[i].name, strlen(pl->models[i].name));
}

static void
parts_free(struct parts *P, size_t nmodels)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		buf_free(&P->models[i]);
	free(P->models);
	buf_free(&P->sys);
	buf_free(&P->params);
	buf_free(&P->meta);
	buf_free(&P->user);
	buf_free(&P->qid);
	buf_free(&P->assert);
	buf_free(&P->id);
	buf_free(&P->out);
	buf_free(&P->rec);
}

/* The checks of the assistant, then the query's, as one meta.assert. */
static void
assert_of(struct buf *b, const struct plan *pl, const struct plan_query *q)
{
	json_object *parts[] = {pl->assert, q->assert};
	size_t i, k;
	struct jw w;

	buf_reset(b);
	jw_start(&w, b);
	if (!pl->assert || !q->assert) {
		if (pl->assert || q->assert)
			jw_tree(&w, pl->assert ? pl->assert : q->assert);
		return;
	}
	/* both: their checks in one array, written as they are joined */
	jw_open(&w, '[');
	for (i = 0; i < 2; i++) {
		if (!json_object_is_type(parts[i], json_type_array)) {
			jw_tree(&w, parts[i]);
			continue;
		}
		for (k = 0; k < json_object_array_length(parts[i]); k++)
			jw_tree(&w, json_object_array_get_idx(parts[i], k));
	}
	jw_close(&w, ']');
}

/* One record, its id and output path in P->id and P->out. */
static void
record(struct buf *b, struct parts *P, const struct buf *model, const char *hash, int k,
       int repeat)
{
	struct jw w;

	jw_start(&w, b);
	jw_open(&w, '{');
	jw_key(&w, "id");
	jw_str(&w, P->id.data, P->id.len);
	jw_key(&w, "request");
	jw_open(&w, '{');
	jw_key(&w, "model");
	jw_raw(&w, model->data, model->len);
	jw_key(&w, "messages");
	jw_open(&w, '[');
	if (P->sys.len)
		jw_raw(&w, P->sys.data, P->sys.len);
	jw_raw(&w, P->user.data, P->user.len);
	jw_close(&w, ']');
	jw_members(&w, P->params.data, P->params.len);
	if (P->rf) {
		jw_key(&w, "response_format");
		jw_tree(&w, P->rf);
	}
	jw_close(&w, '}');
	jw_key(&w, "meta");
	jw_open(&w, '{');
	jw_members(&w, P->meta.data, P->meta.len);
	jw_key(&w, "query_id");
	jw_raw(&w, P->qid.data, P->qid.len);
	jw_key(&w, "model");
	jw_raw(&w, model->data, model->len);
	jw_key(&w, "model_hash");
	jw_str(&w, hash, 8);
	jw_key(&w, "output");
	jw_str(&w, P->out.data, P->out.len);
	if (P->assert.len) {
		jw_key(&w, "assert");
		jw_raw(&w, P->assert.data, P->assert.len);
	}
	if (repeat)
		jw_kv_int(&w, "repeat", k);
	jw_close(&w, '}');
	jw_close(&w, '}');
	buf_add(b, "\n", 1);
}

/* Count a record of model mi into e: the bytes its request body takes,
 * {"model":..,"messages":[..],..} as record() writes it, without
 * writing it. */
static void
estimate(struct plan_estimate *e, const struct parts *P, size_t mi)
{
	e->requests++;
	e->bytes += (double)(sizeof "{\"model\":,\"messages\":[]}" - 1 + P->models[mi].len +
	                     (P->sys.len ? P->sys.len + 1 : 0) + P->user.len +
	                     (P->params.len ? P->params.len + 1 : 0));
}

/* In the done set; with skip_existing, a logged pair whose log record
 * named a response file counts only while that file is there, so deleting
 * one answer has it asked again. */
static int
is_done(const struct plan_expand *x, const char *id)
{
	json_object *output;
	struct stat st;

	if (!x->done || !json_object_object_get_ex(x->done, id, &output))
		return 0;
	return !x->skip_existing || !output || stat(json_object_get_string(output), &st) == 0;
}

int
plan_expand(const struct plan *pl, struct plan_expand *x,
            int (*write_fn)(void *arg, const char *p, size_t n), void *arg)
{
	struct parts P;
	struct buf b = {0};
	int samples = x->repeat > 0 ? x->repeat : 1, repeat = x->repeat > 0, rc = 0, k;
	size_t qi, mi;
	struct stat st;
	char why[ERRLEN];

	x->total = x->existing = x->logged = x->written = 0;
	parts_init(&P, pl);
	if (x->est)
		memset(x->est, 0, pl->nmodels * sizeof *x->est);
	for (qi = 0; qi < pl->nqueries && rc == 0; qi++) {
		const struct plan_query *q = &pl->queries[qi];

		message(&P.user, "user", q->text ? q->text : "", q->len);
		buf_reset(&P.qid);
		json_quote(&P.qid, q->id, strlen(q->id));
		P.rf = q->response_format ? q->response_format : pl->response_format;
		assert_of(&P.assert, pl, q);
		for (mi = 0; mi < pl->nmodels && rc == 0; mi++) {
			const struct plan_model *m = &pl->models[mi];

			for (k = 0; k < samples; k++) {
				int exists = 0, logged;

				buf_reset(&P.id);
				add_job(&P.id, pl, m, q->id, '/', k, repeat);
				output_path(pl, m, q, k, repeat, &P.out);
				x->total++;
				if (!x->outside && path_confined(P.out.data, P.out.len, why, sizeof why) < 0)
					x->outside = 1;
				if (x->skip_existing || !write_fn)
					exists = stat(P.out.data, &st) == 0;
				logged = is_done(x, P.id.data);
				x->existing += exists;
				x->logged += logged;
				if ((x->skip_existing && exists) || logged)
					continue;
				x->written++;
				if (x->est)
					estimate(&x->est[mi], &P, mi);
				if (!write_fn)
					continue;
				buf_reset(&P.rec);
				record(&P.rec, &P, &P.models[mi], m->hash, k, repeat);
				if (b.len > 0 && b.len + P.rec.len > PIPE_BUF) {
					if ((rc = write_fn(arg, b.data, b.len)) != 0)
						break;
					buf_reset(&b);
				}
				buf_add(&b, P.rec.data, P.rec.len);
			}
		}
	}
	if (rc == 0 && b.len > 0)
		rc = write_fn(arg, b.data, b.len);
	buf_free(&b);
	parts_free(&P, pl->nmodels);
	return rc;
}

int
plan_done_ids(int fd, const char *name, json_object *done, long *bad, char *err, size_t errlen)
{
	struct rec_reader r;
	json_object *rec;
	enum rec_status st;
	int rc = 0;

	rec_reader_init(&r, fd, name, 0);
	while ((st = rec_next(&r, &rec, err, errlen)) != REC_EOF) {
		const char *id, *status, *output;
		json_object *prev;

		if (st == REC_IOERR) {
			rc = -1;
			break;
		}
		if (st != REC_OK) {
			(*bad)++;
			continue;
		}
		id = json_get_str(rec, "id");
		status = json_get_str(rec, "status");
		output = json_get_str(json_get(rec, "meta"), "output");
		/* a record without meta.output is done whatever is on disk */
		if (id && status && strcmp(status, "ok") == 0 &&
		    (!json_object_object_get_ex(done, id, &prev) || (prev && !output)))
			json_object_object_add(done, id, output ? json_object_new_string(output) : NULL);
		json_object_put(rec);
	}
	rec_reader_free(&r);
	return rc;
}
