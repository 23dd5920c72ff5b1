/* The jq check: one long-lived `jq -c --unbuffered` for every record.
 * Its program holds every expression seen as a function c0, c1, ...;
 * each record goes in as {"k":[the expressions to run],"r":record} and
 * one line comes back, an array with true or the reason it failed for
 * each.  A new expression (from a record's meta.assert) starts a jq with
 * the longer program; a jq that dies, or takes too long, fails that
 * record's jq checks and is started again for the next. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/child.h"
#include "base/strmap.h"
#include "grade/grade.h"
#include "json/records.h"

#define JQ_TIMEOUT_MS 30000	/* one record's expressions */
#define JQ_MAX_LINE (1u << 20)	/* its answer */
#define JQ_MAX_EXPRS 1000
#define JQ_GRACE_MS 500

/* Put before every expression: a check neither reads the next record
 * (it would answer for two) nor stops jq (jq 1.6's halt_error does not
 * even stop: it goes on without answering, then crashes), so these are
 * errors of the check that uses them. */
static const char guards[] =
	"def input: error(\"input cannot be used in a check\");"
	" def inputs: error(\"inputs cannot be used in a check\");"
	" def halt: error(\"halt cannot be used in a check\");"
	" def halt_error: error(\"halt_error cannot be used in a check\");"
	" def halt_error(f): error(\"halt_error cannot be used in a check\");\n";

struct jq_child {
	char *jq;
	struct strmap exprs;
	struct child ch;
	int running;
	struct rec_reader rd;
	struct buf prog, in;
	long starts;
};

struct jq_child *
jq_new(const char *jq)
{
	struct jq_child *q = ecalloc(1, sizeof *q);

	q->jq = estrdup(jq ? jq : "jq");
	rec_reader_init(&q->rd, -1, "jq", JQ_MAX_LINE);
	return q;
}

static void
stop(struct jq_child *q)
{
	if (!q->running)
		return;
	child_signal(&q->ch, SIGTERM);
	child_end(&q->ch, JQ_GRACE_MS);
	q->running = 0;
}

void
jq_free(struct jq_child *q)
{
	if (!q)
		return;
	stop(q);
	rec_reader_free(&q->rd);
	strmap_free(&q->exprs);
	buf_free(&q->prog);
	buf_free(&q->in);
	free(q->jq);
	free(q);
}

long
jq_starts(const struct jq_child *q)
{
	return q->starts;
}

/* Run jq on program with no input: its exit status, or -1 with err. */
static int
jq_try(struct jq_child *q, const char *program, char *err, size_t errlen)
{
	char *argv[] = {q->jq, "-n", (char *)program, NULL};
	struct child c;

	if (child_spawn(&c, argv, 0, err, errlen) < 0)
		return -1;
	child_wait(&c, -1);
	return child_exit_code(c.status);
}

int
jq_expr(struct jq_child *q, const char *expr, char *err, size_t errlen)
{
	struct buf p = {0};
	size_t k = strmap_find(&q->exprs, expr, strlen(expr));
	int rc;

	if (k != (size_t)-1)
		return (int)k;
	if (q->exprs.n >= JQ_MAX_EXPRS) {
		snprintf(err, errlen, "jq: more than %d expressions", JQ_MAX_EXPRS);
		return -1;
	}
	/* compiled alone first, so a bad one is named and the program
	 * of the good ones stays good */
	buf_addf(&p, "%sdef c: (%s); empty", guards, expr);
	rc = jq_try(q, p.data, err, errlen);
	buf_free(&p);
	if (rc != 0) {
		if (rc > 0)
			snprintf(err, errlen, "jq cannot compile the expression (it exited with "
			         "status %d)", rc);
		return -1;
	}
	stop(q);	/* the next record starts one with the new program */
	return (int)strmap_intern(&q->exprs, expr, strlen(expr), NULL);
}

static void
program(struct jq_child *q)
{
	size_t i;

	buf_reset(&q->prog);
	buf_adds(&q->prog, guards);
	for (i = 0; i < q->exprs.n; i++)
		buf_addf(&q->prog, "def c%zu: (%s);\n", i, strmap_key(&q->exprs, i));
	buf_adds(&q->prog, ".r as $r | [.k[] as $i | $r | try ([");
	for (i = 0; i < q->exprs.n; i++)
		buf_addf(&q->prog, "%sif $i == %zu then c%zu", i ? " el" : "", i, i);
	buf_adds(&q->prog, " else empty end] | if length > 0 and all(. == true) then true"
	         " elif length == 0 then \"gave nothing\""
	         " else \"gave \" + (map(tojson) | join(\", \") | .[0:200]) end)"
	         " catch (\"error: \" + (tostring | .[0:200]))]");
}

static int
start(struct jq_child *q, char *err, size_t errlen)
{
	char *argv[] = {q->jq, "-c", "--unbuffered", NULL, NULL};

	if (q->running)
		return 0;
	program(q);
	argv[3] = q->prog.data;
	if (child_spawn(&q->ch, argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, errlen) < 0)
		return -1;
	rec_reader_free(&q->rd);
	rec_reader_init(&q->rd, q->ch.out, "jq", JQ_MAX_LINE);
	q->running = 1;
	q->starts++;
	return 0;
}

static void
fail_all(struct verdict **v, size_t n, const char *why)
{
	size_t i;

	for (i = 0; i < n; i++)
		verdict_say(v[i], 0, 0, "jq: %s", why);
}

/* jq's answer line, or NULL with why (jq stopped then). */
static json_object *
exchange(struct jq_child *q, char *why, size_t whylen)
{
	double deadline = now_ms_f() + JQ_TIMEOUT_MS;
	char how[128];
	size_t off = 0, n;
	const char *line;
	json_object *ans;

	for (;;) {
		if (off < q->in.len && child_write_some(&q->ch, q->in.data, q->in.len, &off) < 0)
			off = q->in.len;	/* it closed its input: its output tells */
		switch (rec_next_line(&q->rd, &line, &n, why, whylen)) {
		case REC_OK:
			if (!(ans = json_parse(line, n, why, whylen)))
				stop(q);
			return ans;
		case REC_BAD:
			stop(q);
			return NULL;
		case REC_EOF:
		case REC_IOERR:
			child_end(&q->ch, JQ_GRACE_MS);
			q->running = 0;
			snprintf(why, whylen, "jq %s before answering",
			         child_status_text(q->ch.status, how, sizeof how));
			return NULL;
		case REC_AGAIN:
			break;
		}
		if (child_wait_io(&q->ch, off < q->in.len, deadline) < 0) {
			stop(q);
			snprintf(why, whylen, "no answer in %d ms", JQ_TIMEOUT_MS);
			return NULL;
		}
	}
}

void
jq_run(struct jq_child *q, const struct graded *g, const int *idx, size_t n,
       struct verdict **v)
{
	char why[ERRLEN];
	json_object *ans, *e;
	size_t i;

	if (start(q, why, sizeof why) < 0) {
		fail_all(v, n, why);
		return;
	}
	buf_reset(&q->in);
	buf_adds(&q->in, "{\"k\":[");
	for (i = 0; i < n; i++)
		buf_addf(&q->in, "%s%d", i ? "," : "", idx[i]);
	buf_adds(&q->in, "],\"r\":");
	buf_add(&q->in, g->line, g->len);
	buf_adds(&q->in, "}\n");
	if (!(ans = exchange(q, why, sizeof why))) {
		fail_all(v, n, why);
		return;
	}
	if (!json_object_is_type(ans, json_type_array) || json_object_array_length(ans) != n) {
		fail_all(v, n, "an answer of the wrong shape");
		json_object_put(ans);
		return;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(ans, i);
		if (json_object_is_type(e, json_type_boolean))
			verdict_say(v[i], 1, 1, "gave true");
		else
			verdict_say(v[i], 0, 0, "%s", json_object_get_string(e));
	}
	json_object_put(ans);
}
