/* llm-assert: result records (and llm-runner traces) graded by checks,
 * each written once, in order, with "assert" added. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/lineout.h"
#include "base/stdfds.h"
#include "grade/grade.h"
#include "json/records.h"
#include "text/msgredact.h"

/* A record being graded: written when none of its checks waits. */
struct entry {
	struct buf line;	/* the record, when it waits in the queue */
	struct checks own;	/* its meta.assert's */
	const struct check **cks;
	struct verdict *v;
	size_t n, cap;
	int pending;
};

struct assert {
	struct checks cs;	/* the checks file's and -e's */
	struct jq_child *jq;
	struct rubric *rubric;
	char **grader;		/* --grader, split */
	char *grader_text;	/* the words' text */
	const char *grader_model;
	int jobs;
	int verbose;
	struct graded g;
	struct entry *q;	/* the queue, a ring of qmax */
	size_t qmax, qhead, qlen;
	struct lineout out;
	struct buf ab, fixed;
	int *jqidx;
	struct verdict **jqv;
	long long records, passed;
	int status;
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-assert [-c CHECKS] [-e CHECK]... [-j N] [--grader CMD] [FILE...]\n"
"\n"
"  -c, --checks FILE      checks from a TOML or JSON file (llm-assert(1))\n"
"  -e, --expect CHECK     a check: KIND, KIND=VALUE, or a JSON object of a check's keys\n"
"  -j, --jobs N           llm-rubric requests in flight at once (default 4)\n"
"      --grader CMD       the record-speaking grader of llm-rubric\n"
"                         (default 'llm-chat -q'; split on blanks)\n"
"      --grader-model M   the grader's model (default: the record's model)\n"
"  -v, --verbose          say on stderr how many records passed, and jq's starts\n"
"  -h, --help             this help\n"
"      --version          print the version and exit\n");
	exit(status);
}

static int
uses(const struct checks *cs, enum check_kind k)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->v[i].kind == k)
			return 1;
	return 0;
}

static struct verdict *
slot(struct entry *e, const struct check *c)
{
	if (e->n == e->cap) {
		size_t i, cap = e->cap ? 2 * e->cap : 8;

		e->v = erealloc(e->v, cap * sizeof *e->v);
		e->cks = erealloc(e->cks, cap * sizeof *e->cks);
		for (i = e->cap; i < cap; i++)
			e->v[i] = (struct verdict){0};
		e->cap = cap;
	}
	e->cks[e->n] = c;
	e->v[e->n].pending = 0;
	e->v[e->n].fixed = -1;
	return &e->v[e->n++];
}

/* A result made here, not by a check: its name. */
static const struct check *
made(const char *name)
{
	static struct check cs[] = {
		{.name = "error", .weight = 1}, {.name = "meta.assert", .weight = 1},
		{.name = "record", .weight = 1},
	};
	size_t i;

	for (i = 0; i < sizeof cs / sizeof cs[0] - 1 && strcmp(cs[i].name, name); i++)
		;
	return &cs[i];
}

static void
fail(struct entry *e, const char *name, const char *why)
{
	verdict_say(slot(e, made(name)), 0, 0, "%s", why);
}

/* Evaluate c for the record, or set it aside for jq. */
static void
run_check(struct assert *a, struct entry *e, const struct check *c, size_t *njq)
{
	struct verdict *v;

	if (!check_applies(c, &a->g))
		return;
	/* an error record has no answer to look at: only the checks that
	 * expect errors, and jq's, are run on it */
	if (a->g.is_error && c->kind != CK_ERROR && c->kind != CK_JQ)
		return;
	v = slot(e, c);
	if (c->kind == CK_JQ) {
		a->jqidx = erealloc(a->jqidx, (*njq + 1) * sizeof *a->jqidx);
		a->jqidx[*njq] = c->jq;
		(*njq)++;
		return;
	}
	if (c->kind == CK_RUBRIC) {
		if (!a->rubric)
			a->rubric = rubric_new(a->grader, a->grader_model, a->jobs);
		rubric_ask(a->rubric, c, &a->g, v);
		return;
	}
	check_eval(c, &a->g, v);
}

static int
expects_error(const struct assert *a, const struct entry *e)
{
	size_t i;

	for (i = 0; i < a->cs.n; i++)
		if (a->cs.v[i].kind == CK_ERROR && check_applies(&a->cs.v[i], &a->g))
			return 1;
	return uses(&e->own, CK_ERROR);
}

/* The record's own checks, from meta.assert. */
static int
own_checks(struct assert *a, struct entry *e)
{
	char err[ERRLEN];
	json_object *v;

	if (a->g.meta_assert.type != JF_OBJECT && a->g.meta_assert.type != JF_ARRAY)
		return 0;
	v = json_parse(a->g.meta_assert.raw, a->g.meta_assert.len, err, sizeof err);
	if (!v || checks_add_json(&e->own, v, NULL, "meta.assert", a->jq, err, sizeof err) < 0) {
		fail(e, "meta.assert", err);
		json_object_put(v);
		return -1;
	}
	json_object_put(v);
	return 0;
}

static void
grade(struct assert *a, struct entry *e)
{
	size_t i, njq = 0, k;

	if (own_checks(a, e) < 0)
		return;
	if (a->g.is_error && !expects_error(a, e)) {
		char why[ERRLEN];

		snprintf(why, sizeof why, "an error record, of kind %s",
		         *a->g.kind.data ? a->g.kind.data : "unknown");
		fail(e, "error", why);
		return;
	}
	for (i = 0; i < a->cs.n; i++)
		run_check(a, e, &a->cs.v[i], &njq);
	for (i = 0; i < e->own.n; i++)
		run_check(a, e, &e->own.v[i], &njq);
	if (njq) {
		a->jqv = erealloc(a->jqv, njq * sizeof *a->jqv);
		for (i = 0, k = 0; i < e->n; i++)
			if (e->cks[i]->kind == CK_JQ)
				a->jqv[k++] = &e->v[i];
		jq_run(a->jq, &a->g, a->jqidx, njq, a->jqv);
	}
	for (i = 0; i < e->n; i++)
		e->pending |= e->v[i].pending;
}

static void
score_text(struct jw *w, double s)
{
	char t[32];

	if (s == 0 || s == 1)	/* most scores: said without printf */
		jw_raw(w, s == 1 ? "1" : "0", 1);
	else
		jw_raw(w, t, (size_t)snprintf(t, sizeof t, "%.4g", s));
}

/* The record line[0..len) with "assert" added, out. */
static void
put(struct assert *a, const char *line, size_t len, struct entry *e)
{
	struct jw w;
	double sum = 0, sumw = 0;
	int pass = 1;
	size_t i, end = len;

	for (i = 0; i < e->n; i++) {
		verdict_negate(e->cks[i], &e->v[i]);
		if (!e->v[i].pass && !e->cks[i]->optional)
			pass = 0;
		sumw += e->cks[i]->weight;
		sum += e->cks[i]->weight * e->v[i].score;
	}
	buf_reset(&a->ab);
	jw_start(&w, &a->ab);
	jw_key(&w, "assert");
	jw_open(&w, '{');
	jw_key(&w, "pass");
	jw_raw(&w, pass ? "true" : "false", pass ? 4 : 5);
	jw_key(&w, "score");
	score_text(&w, sumw > 0 ? sum / sumw : pass);
	jw_key(&w, "results");
	jw_open(&w, '[');
	for (i = 0; i < e->n; i++) {
		const struct check *c = e->cks[i];
		const struct verdict *v = &e->v[i];

		jw_open(&w, '{');
		jw_key(&w, "name");
		if (c->qname)
			jw_raw(&w, c->qname, strlen(c->qname));
		else
			jw_strz(&w, c->name);
		jw_key(&w, "pass");
		jw_raw(&w, v->pass ? "true" : "false", v->pass ? 4 : 5);
		jw_key(&w, "score");
		score_text(&w, v->score);
		jw_key(&w, "reason");
		if (v->fixed >= 0)
			jw_raw(&w, c->qwhy[v->fixed], strlen(c->qwhy[v->fixed]));
		else
			jw_str(&w, v->reason.data ? v->reason.data : "", v->reason.len);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	/* the object's last '}' gives way to the new member */
	while (end && line[end - 1] != '}')
		end--;
	end--;
	for (i = end; i && (line[i - 1] == ' ' || line[i - 1] == '\t' || line[i - 1] == '\n' ||
	     line[i - 1] == '\r'); i--)
		;
	lineout_add(&a->out, line, end);
	if (i && line[i - 1] != '{')
		lineout_add(&a->out, ",", 1);
	lineout_add(&a->out, a->ab.data, a->ab.len);
	lineout_line(&a->out, "}", 1);
	a->records++;
	if (pass)
		a->passed++;
	else
		a->status = EXIT_FAILED;
}

static void
entry_clear(struct entry *e)
{
	checks_free(&e->own);
	e->n = 0;
	e->pending = 0;
	buf_reset(&e->line);
}

/* Write the records at the head of the queue that wait no more. */
static void
flush(struct assert *a)
{
	struct entry *e;
	size_t i;

	while (a->qlen) {
		e = &a->q[a->qhead];
		for (i = 0, e->pending = 0; i < e->n; i++)
			e->pending |= e->v[i].pending;
		if (e->pending)
			return;
		put(a, e->line.data, e->line.len, e);
		entry_clear(e);
		a->qhead = (a->qhead + 1) % a->qmax;
		a->qlen--;
	}
}

/* The record at the queue's tail is in: written when it can be; with
 * the queue full, wait for the grader until the head can be. */
static void
queued(struct assert *a)
{
	a->qlen++;
	flush(a);
	while (a->qlen == a->qmax && a->rubric) {
		rubric_wait(a->rubric, 0);
		flush(a);
	}
}

/* A line that is no record: an error record of kind bad_input, failed. */
static void
bad_line(struct assert *a, const char *name, long line, const char *why)
{
	struct entry *e = &a->q[(a->qhead + a->qlen) % a->qmax];
	struct llm_error err;
	char id[64];
	json_object *rec;

	weprintf("%s:%ld: %s", name, line, why);
	snprintf(id, sizeof id, "%s:%ld", name, line);
	llm_error_set(&err, "bad_input", 0, "%s:%ld: %s", name, line, why);
	rec = rec_error(id, &err, 1, NULL, NULL);
	json_line(rec, &e->line);
	json_object_put(rec);
	fail(e, "record", "not a record: bad_input");
	queued(a);
}

/* The record written again without its old "assert" (it was graded
 * before); NULL when it cannot be read. */
static const char *
rewritten(struct assert *a, const char *s, size_t *n)
{
	char err[ERRLEN];
	json_object *o = NULL;

	if (json_parse_any(s, *n, &o, err, sizeof err) < 0 || !o ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_del(o, "assert");
	json_line(o, &a->fixed);
	json_object_put(o);
	*n = a->fixed.len;
	return a->fixed.data;
}

static void
one(struct assert *a, const char *s, size_t n, const char *name, long line)
{
	struct entry *e;

	if (graded_read(&a->g, s, n) < 0 || (a->g.assert.type != JF_NONE &&
	    (!(s = rewritten(a, s, &n)) || graded_read(&a->g, s, n) < 0))) {
		bad_line(a, name, line, "not a JSON object");
		return;
	}
	e = &a->q[(a->qhead + a->qlen) % a->qmax];
	grade(a, e);
	if (!e->pending && a->qlen == 0) {
		put(a, s, n, e);
		entry_clear(e);
		return;
	}
	buf_reset(&e->line);
	buf_add(&e->line, s, n);
	queued(a);
}

static void
records_from(struct assert *a, int fd, const char *name)
{
	struct rec_reader r;
	char err[ERRLEN];
	const char *s;
	size_t n;
	enum rec_status st;

	rec_reader_init(&r, fd, name, 0);
	for (;;) {
		if (!rec_pending(&r))
			(void)lineout_flush(&a->out);
		if ((st = rec_next_line(&r, &s, &n, err, sizeof err)) == REC_EOF)
			break;
		if (st == REC_IOERR) {
			weprintf("%s", err);
			a->status = EXIT_USAGE;
			break;
		}
		if (st == REC_BAD)
			bad_line(a, name, r.lineno, "line too long");
		else
			one(a, s, n, name, r.lineno);
		if (a->out.err)
			break;
	}
	rec_reader_free(&r);
}

static void
finish(struct assert *a)
{
	size_t i;

	if (a->rubric)
		rubric_wait(a->rubric, 1);
	flush(a);
	(void)lineout_flush(&a->out);
	if (a->verbose)
		weprintf("%lld records, %lld passed, %lld failed; jq started %ld time%s",
		         a->records, a->passed, a->records - a->passed, jq_starts(a->jq),
		         jq_starts(a->jq) == 1 ? "" : "s");
	rubric_free(a->rubric);
	jq_free(a->jq);
	checks_free(&a->cs);
	graded_free(&a->g);
	for (i = 0; i < a->qmax; i++) {
		size_t k;

		entry_clear(&a->q[i]);
		for (k = 0; k < a->q[i].cap; k++)
			buf_free(&a->q[i].v[k].reason);
		free(a->q[i].v);
		free(a->q[i].cks);
		buf_free(&a->q[i].line);
	}
	free(a->q);
	free(a->jqidx);
	free(a->jqv);
	free(a->grader);
	free(a->grader_text);
	buf_free(&a->ab);
	buf_free(&a->fixed);
}

int
main(int argc, char **argv)
{
	enum { O_GRADER = 256, O_GRADER_MODEL, O_VERSION };
	static const struct option longopts[] = {
		{"checks", required_argument, NULL, 'c'},
		{"expect", required_argument, NULL, 'e'},
		{"jobs", required_argument, NULL, 'j'},
		{"grader", required_argument, NULL, O_GRADER},
		{"grader-model", required_argument, NULL, O_GRADER_MODEL},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct assert a = {.jobs = 4};
	char err[ERRLEN], *grader = NULL;
	struct stat st;
	int opt, i, nfiles, *fds, nexpr = 0;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	a.jq = jq_new(getenv("LLM_JQ"));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:e:j:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (checks_load(&a.cs, optarg, a.jq, err, sizeof err) < 0)
				enprintf(EXIT_USAGE, "%s", err);
			break;
		case 'e':
			if (checks_add_expr(&a.cs, optarg, ++nexpr, a.jq, err, sizeof err) < 0)
				enprintf(EXIT_USAGE, "%s", err);
			break;
		case 'j': a.jobs = (int)estrtonum(optarg, 1, 1024, "-j"); break;
		case O_GRADER: grader = optarg; break;
		case O_GRADER_MODEL: a.grader_model = optarg; break;
		case 'v': a.verbose = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	a.grader_text = estrdup(grader ? grader : "llm-chat -q");
	a.grader = split_words(a.grader_text);
	if (!a.grader)
		enprintf(EXIT_USAGE, "--grader: empty command");
	nfiles = argc - optind;
	if (nfiles == 0 && isatty(0))
		usage(stderr, EXIT_USAGE);
	fds = ecalloc(nfiles ? (size_t)nfiles : 1, sizeof *fds);
	for (i = 0; i < nfiles; i++) {
		const char *f = argv[optind + i];

		if ((fds[i] = strcmp(f, "-") == 0 ? 0 : open(f, O_RDONLY | O_CLOEXEC)) < 0)
			enprintf(EXIT_USAGE, "%s:", f);
	}
	graded_init(&a.g);
	a.qmax = (size_t)a.jobs + 1;
	a.q = ecalloc(a.qmax, sizeof *a.q);
	/* a pipe gets lines in writes it keeps whole; a file, larger ones */
	lineout_init(&a.out, 1, fstat(1, &st) == 0 && S_ISFIFO(st.st_mode) ? PIPE_BUF : 65536);
	if (nfiles == 0)
		records_from(&a, 0, "stdin");
	for (i = 0; i < nfiles && a.status != EXIT_USAGE && !a.out.err; i++) {
		records_from(&a, fds[i], fds[i] == 0 ? "stdin" : argv[optind + i]);
		if (fds[i] != 0)
			close(fds[i]);
	}
	free(fds);
	finish(&a);
	if (a.out.err) {
		stdout_failed(a.out.err);
		a.status = EXIT_FAILED;
	}
	lineout_free(&a.out);
	return a.status;
}
