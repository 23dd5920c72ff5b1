/* llm-rubric: a grading prompt, sent as a request record to a
 * record-speaking command (default `llm-chat -q`) that stays up for the
 * whole run; its answer's content, a JSON object {pass, score, reason},
 * is the check's result.  Up to max requests are in flight at once; the
 * command answers in any order, matched by id.  A command that ends, or
 * says nothing for RUBRIC_TIMEOUT_MS, fails the checks waiting on it
 * and every later one. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/child.h"
#include "grade/grade.h"
#include "json/records.h"

#define RUBRIC_TIMEOUT_MS 600000
#define RUBRIC_GRACE_MS 2000

static const char system_prompt[] =
	"You grade an answer against a rubric. Reply with one JSON object and nothing "
	"else: {\"pass\": true or false, \"score\": a number from 0 to 1, \"reason\": "
	"\"one short sentence\"}.";

struct ask {
	long long seq;
	struct verdict *v;
};

struct rubric {
	char **argv;
	char *model;
	size_t max;
	struct child ch;
	int running;
	char dead[2 * ERRLEN];	/* "": alive */
	struct rec_reader rd;
	struct ask *asks;
	size_t n;
	long long seq;
	struct buf line;
	size_t off;		/* of line written */
};

struct rubric *
rubric_new(char **argv, const char *model, int max_inflight)
{
	struct rubric *r = ecalloc(1, sizeof *r);

	r->argv = argv;
	r->model = model ? estrdup(model) : NULL;
	r->max = max_inflight > 0 ? (size_t)max_inflight : 1;
	r->asks = ecalloc(r->max, sizeof *r->asks);
	rec_reader_init(&r->rd, -1, argv[0], 0);
	return r;
}

/* The command is gone: every check waiting fails, and every later one. */
static void
gone(struct rubric *r, const char *why)
{
	size_t i;

	if (r->running) {
		child_signal(&r->ch, SIGTERM);
		child_end(&r->ch, RUBRIC_GRACE_MS);
		r->running = 0;
	}
	snprintf(r->dead, sizeof r->dead, "the grader %s %s", r->argv[0], why);
	for (i = 0; i < r->n; i++)
		verdict_say(r->asks[i].v, 0, 0, "%s", r->dead);
	r->n = 0;
}

/* The grader's answer text: a JSON object, maybe in a ``` fence. */
static void
verdict_of(struct verdict *v, const char *s, size_t n)
{
	char err[ERRLEN];
	json_object *o, *p, *sc;
	const char *reason, *b, *e;
	double score;
	int pass;

	/* from the first '{' to the last '}', so a fence or a word around
	 * the object does not matter */
	b = memchr(s, '{', n);
	for (e = s + n; e > s && e[-1] != '}'; e--)
		;
	if (!b || e <= b || !(o = json_parse(b, (size_t)(e - b), err, sizeof err))) {
		verdict_say(v, 0, 0, "the grader's answer is not a JSON object");
		return;
	}
	p = json_get(o, "pass");
	sc = json_get(o, "score");
	reason = json_get_str(o, "reason");
	score = json_object_is_type(sc, json_type_int) || json_object_is_type(sc, json_type_double)
	        ? json_object_get_double(sc) : NAN;
	if (!json_object_is_type(p, json_type_boolean) && isnan(score)) {
		verdict_say(v, 0, 0, "the grader's answer has neither pass nor score");
		json_object_put(o);
		return;
	}
	if (!isnan(score))
		score = score < 0 ? 0 : score > 1 ? 1 : score;
	pass = p ? json_object_get_boolean(p) : score >= 0.5;
	verdict_say(v, pass, isnan(score) ? pass : score, "%s", reason ? reason : "");
	json_object_put(o);
}

static void
answered(struct rubric *r, json_object *rec)
{
	const char *id = json_get_str(rec, "id"), *status = json_get_str(rec, "status");
	json_object *c, *e;
	long long seq;
	size_t i;

	if (!id || sscanf(id, "llm-assert-rubric-%lld", &seq) != 1)
		return;	/* not ours, or a stream event */
	for (i = 0; i < r->n && r->asks[i].seq != seq; i++)
		;
	if (i == r->n)
		return;
	if (!status || strcmp(status, "ok")) {
		e = json_get(rec, "error");
		verdict_say(r->asks[i].v, 0, 0, "the grader failed: %s: %s",
		       json_get_str(e, "kind") ? json_get_str(e, "kind") : "?",
		       json_get_str(e, "message") ? json_get_str(e, "message") : "");
	} else {
		c = json_get(rec, "content");
		verdict_of(r->asks[i].v, json_object_get_string(c),
		           (size_t)json_object_get_string_len(c));
	}
	r->asks[i] = r->asks[--r->n];
}

/* Write what is left of r->line and take in the answers that came; when
 * wait, go on until something happened (an answer came, or the line
 * was all written).  -1 when the command is gone. */
static int
step(struct rubric *r, int wait)
{
	char err[ERRLEN], how[160];
	json_object *rec;
	int got, writing;
	enum rec_status st;

	for (;;) {
		writing = r->off < r->line.len;
		if (writing && child_write_some(&r->ch, r->line.data, r->line.len, &r->off) < 0)
			r->off = r->line.len;	/* it closed its input: its output says why */
		got = 0;
		while ((st = rec_next(&r->rd, &rec, err, sizeof err)) == REC_OK || st == REC_BAD) {
			if (st == REC_OK) {
				answered(r, rec);
				json_object_put(rec);
				got = 1;
			}
		}
		if (st != REC_AGAIN) {
			child_end(&r->ch, RUBRIC_GRACE_MS);
			r->running = 0;
			gone(r, child_status_text(r->ch.status, how, sizeof how));
			return -1;
		}
		if (!wait || got || (writing && r->off == r->line.len) ||
		    (r->off == r->line.len && r->n == 0))
			return 0;
		if (child_wait_io(&r->ch, r->off < r->line.len,
		                  now_ms_f() + RUBRIC_TIMEOUT_MS) < 0) {
			gone(r, "gave no answer in 600 s");
			return -1;
		}
	}
}

static int
ensure(struct rubric *r)
{
	char err[ERRLEN];

	if (r->running)
		return 0;
	if (child_spawn(&r->ch, r->argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, sizeof err) < 0) {
		snprintf(r->dead, sizeof r->dead, "cannot start the grader: %s", err);
		return -1;
	}
	rec_reader_free(&r->rd);
	rec_reader_init(&r->rd, r->ch.out, r->argv[0], 0);
	r->running = 1;
	return 0;
}

void
rubric_wait(struct rubric *r, int all)
{
	while (r->n && r->running) {
		if (step(r, 1) < 0 || !all)
			return;
	}
}

void
rubric_ask(struct rubric *r, const struct check *c, const struct graded *g,
           struct verdict *v)
{
	const char *model = c->grader ? c->grader : r->model ? r->model : g->model.data;
	struct buf user = {0};
	struct jw w;

	if (!*model) {
		verdict_say(v, 0, 0, "no grader model: give grader_model or --grader-model");
		return;
	}
	if (r->dead[0] || ensure(r) < 0) {
		verdict_say(v, 0, 0, "%s", r->dead);
		return;
	}
	while (r->n >= r->max && r->running)
		rubric_wait(r, 0);
	if (r->dead[0]) {
		verdict_say(v, 0, 0, "%s", r->dead);
		return;
	}
	buf_adds(&user, "Rubric:\n");
	buf_add(&user, c->text, c->textlen);
	buf_adds(&user, "\n\nAnswer to grade:\n");
	buf_add(&user, g->content.data, g->content.len);
	buf_reset(&r->line);
	jw_start(&w, &r->line);
	jw_open(&w, '{');
	jw_key(&w, "id");
	jw_str_open(&w);
	buf_addf(&r->line, "llm-assert-rubric-%lld", ++r->seq);
	jw_str_close(&w);
	jw_key(&w, "request");
	jw_open(&w, '{');
	jw_kv_str(&w, "model", model);
	jw_key(&w, "messages");
	jw_open(&w, '[');
	jw_open(&w, '{');
	jw_kv_str(&w, "role", "system");
	jw_kv_str(&w, "content", system_prompt);
	jw_close(&w, '}');
	jw_open(&w, '{');
	jw_kv_str(&w, "role", "user");
	jw_key(&w, "content");
	jw_str(&w, user.data, user.len);
	jw_close(&w, '}');
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_key(&w, "meta");
	jw_open(&w, '{');
	jw_kv_str(&w, "assert_check", c->name);
	jw_close(&w, '}');
	jw_close(&w, '}');
	buf_add(&r->line, "\n", 1);
	buf_free(&user);
	v->pending = 1;
	r->asks[r->n++] = (struct ask){.seq = r->seq, .v = v};
	r->off = 0;
	while (r->off < r->line.len && r->running)
		if (step(r, 1) < 0)
			return;
}

void
rubric_free(struct rubric *r)
{
	if (!r)
		return;
	if (r->running) {
		child_close_in(&r->ch);
		child_end(&r->ch, RUBRIC_GRACE_MS);
	}
	rec_reader_free(&r->rd);
	buf_free(&r->line);
	free(r->asks);
	free(r->model);
	free(r);
}
