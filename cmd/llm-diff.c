/* llm-diff: two logs of result records compared: what changed for each
 * id (status, assertion, content) and for each model (tokens, cost,
 * latency), and whether anything regressed, for a CI gate. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "base/utf8.h"
#include "json/records.h"
#include "report/difftext.h"
#include "report/diffmt.h"
#include "text/msgredact.h"

#define BAD_SHOWN 5		/* bad lines named on stderr; the rest counted */

struct input {
	const char *name;
	int fd;
	int regular;		/* a file: records are read again from it */
	FILE *spool;		/* -v and a pipe: its results, to read again */
	long long spooled;
	struct rec_reader rd;
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-diff [options] OLD NEW     two logs of result records compared\n"
"\n"
"      --by PATH[,PATH...]       join records on these fields, not on id\n"
"      --markdown                the report as Markdown tables\n"
"      --tsv                     the report as tab-separated values\n"
"      --max-cost-increase PCT   regressed when a model's cost per request rises more\n"
"      --max-latency-increase PCT  regressed when a model's median latency rises more\n"
"  -v, --verbose                 a unified diff of each changed content\n"
"  -h, --help                    this help\n"
"      --version                 print the version and exit\n");
	exit(status);
}

static void
open_input(struct input *in, const char *path, int verbose)
{
	struct stat st;

	in->name = strcmp(path, "-") == 0 ? "stdin" : path;
	in->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		enprintf(EXIT_USAGE, "%s:", path);
	if (fstat(in->fd, &st) < 0)
		enprintf(EXIT_USAGE, "%s:", in->name);
	if (S_ISDIR(st.st_mode))
		enprintf(EXIT_USAGE, "%s: is a directory", in->name);
	in->regular = S_ISREG(st.st_mode);
	if (verbose && !in->regular && !(in->spool = tmpfile()))
		enprintf(EXIT_USAGE, "spool file for -v:");
	rec_reader_init(&in->rd, in->fd, in->name, 0);
}

/* Where the line starting at line is in its file. */
static long long
offset(struct input *in, const char *line)
{
	off_t pos = lseek(in->fd, 0, SEEK_CUR);

	return (long long)pos - (long long)(in->rd.len - (size_t)(line - in->rd.buf));
}

static void
bad_line(long long *bad, const char *err)
{
	if (++*bad <= BAD_SHOWN)
		weprintf("%s", err);
}

/* Every line of a log into the diff; the bad ones counted in *bad. */
static void
read_log(struct diff *d, int side, struct input *in, int verbose, long long *bad)
{
	char err[ERRLEN], where[4096];
	const char *line;
	size_t len;
	enum rec_status st;

	while ((st = rec_next_line(&in->rd, &line, &len, err, sizeof err)) != REC_EOF) {
		struct sum_loc loc = {where, side, 0};

		if (st == REC_IOERR)
			enprintf(EXIT_USAGE, "%s", err);
		if (st == REC_BAD) {	/* a line too long */
			bad_line(bad, err);
			continue;
		}
		snprintf(where, sizeof where, "%s:%ld", in->name, in->rd.lineno);
		/* only -v reads records again: an lseek a line costs otherwise */
		if (in->spool)
			loc.off = in->spooled;
		else if (verbose)
			loc.off = offset(in, line);
		if (diff_add(d, side, line, len, &loc, err, sizeof err) == SUM_BAD)
			bad_line(bad, err);
		else if (in->spool) {
			if (fwrite(line, 1, len, in->spool) != len)
				enprintf(EXIT_USAGE, "spool file:");
			in->spooled += (long long)len;
		}
	}
}

/* The content of a record read again from where it was: allocated, or
 * NULL. */
static char *
content_of(struct input *in, const struct diff_rec *x, size_t *n)
{
	int fd = in->spool ? fileno(in->spool) : in->fd;
	char *line = emalloc(x->len + 1), *text = NULL, err[ERRLEN];
	json_object *rec;
	const char *s;

	if (pread(fd, line, x->len, (off_t)x->off) != (ssize_t)x->len) {
		weprintf("%s: the record of %s could not be read again", in->name, x->id);
		free(line);
		return NULL;
	}
	if ((rec = json_parse(line, x->len, err, sizeof err))) {
		json_object *c = json_get(rec, "content");

		if (!json_object_is_type(c, json_type_string))
			c = json_get(rec, "final_content");
		if ((s = json_object_get_string(c)) && json_object_is_type(c, json_type_string)) {
			*n = (size_t)json_object_get_string_len(c);
			text = emalloc(*n + 1);
			memcpy(text, s, *n + 1);
		}
		json_object_put(rec);
	}
	free(line);
	return text;
}

/* -v: the unified diff of each changed content. */
static void
text_diffs(struct diff_report *r, struct input *in)
{
	struct buf b = {0}, oname = {0}, nname = {0};
	size_t i;

	for (i = 0; i < r->nchanges; i++) {
		struct diff_change *c = &r->changes[i];
		size_t on = 0, nn = 0;
		char *o, *n;

		if (!(c->what & DIFF_CONTENT))
			continue;
		o = content_of(&in[DIFF_OLD], c->old, &on);
		n = content_of(&in[DIFF_NEW], c->new, &nn);
		buf_reset(&b);
		buf_reset(&oname);
		buf_reset(&nname);
		buf_addf(&oname, "%s\t%s", in[DIFF_OLD].name, c->old->id);
		buf_addf(&nname, "%s\t%s", in[DIFF_NEW].name, c->new->id);
		if (difftext(o ? o : "", on, n ? n : "", nn, oname.data, nname.data, &b) < 0)
			buf_addf(&b, "too long to diff (more than %u bytes or %d lines changed)\n",
			         DIFFTEXT_MAX_BYTES, DIFFTEXT_MAX_EDITS);
		buf_add(&b, "", 0);
		c->text_diff = estrdup(b.data);
		free(o);
		free(n);
	}
	buf_free(&b);
	buf_free(&oname);
	buf_free(&nname);
}

/* The output so far, written: as every record, valid UTF-8. */
static void
spill(struct buf *out, void *arg)
{
	int *werr = arg;
	char *m = NULL;
	const char *p = out->data;
	size_t n = out->len;

	if (utf8_invalid_at(p, n) < n) {
		m = emalloc(3 * n);
		n = utf8_mend(m, p, n);
		p = m;
	}
	if (!*werr && write_all(1, p, n) < 0)
		*werr = errno;
	free(m);
	buf_reset(out);
}

static double
percent(const char *s, const char *opt)
{
	return estrtod(s, 0, 1e9, opt);
}

int
main(int argc, char **argv)
{
	enum { O_BY = 256, O_MARKDOWN, O_TSV, O_MAX_COST, O_MAX_LATENCY, O_VERSION };
	static const struct option longopts[] = {
		{"by", required_argument, NULL, O_BY},
		{"markdown", no_argument, NULL, O_MARKDOWN},
		{"tsv", no_argument, NULL, O_TSV},
		{"max-cost-increase", required_argument, NULL, O_MAX_COST},
		{"max-latency-increase", required_argument, NULL, O_MAX_LATENCY},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	enum sum_format format = SUMFMT_JSON;
	struct input in[2] = {{0}};
	struct diff_report rep;
	struct diff *d;
	struct buf out = {0};
	const char *by = NULL, *perr;
	char err[ERRLEN];
	double max_cost = -1, max_latency = -1;
	long long bad = 0;
	int opt, formats = 0, verbose = 0, status, werr = 0, i;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_BY: by = optarg; break;
		case O_MARKDOWN: format = SUMFMT_MARKDOWN; formats++; break;
		case O_TSV: format = SUMFMT_TSV; formats++; break;
		case O_MAX_COST: max_cost = percent(optarg, "--max-cost-increase"); break;
		case O_MAX_LATENCY: max_latency = percent(optarg, "--max-latency-increase"); break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (formats > 1)
		enprintf(EXIT_USAGE, "--markdown and --tsv: one at a time");
	if (argc - optind != 2)
		usage(stderr, EXIT_USAGE);
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
		enprintf(EXIT_USAGE, "only one of OLD and NEW can be stdin");
	if (!(d = diff_new(by, err, sizeof err)))
		enprintf(EXIT_USAGE, "%s", err);
	for (i = 0; i < 2; i++)
		open_input(&in[i], argv[optind + i], verbose);
	for (i = 0; i < 2; i++)
		read_log(d, i, &in[i], verbose, &bad);
	/* a gate must not pass over a log it could not read whole */
	if (bad > 0)
		enprintf(EXIT_USAGE, "%lld bad line%s: nothing compared", bad, bad == 1 ? "" : "s");
	if ((perr = diff_price_error(d)))
		weprintf("%s: costs left unknown", perr);
	diff_compare(d, max_cost, max_latency, &rep);
	for (i = 0; i < 2; i++) {
		if (rep.shadowed[i] > 0)
			weprintf("%s: %lld record%s shared a key with a later record of another id: "
			         "only the later compared", in[i].name, rep.shadowed[i],
			         rep.shadowed[i] == 1 ? "" : "s");
		if (rep.unkeyed[i] > 0)
			weprintf("%s: %lld record%s without a value for --by %s: left out", in[i].name,
			         rep.unkeyed[i], rep.unkeyed[i] == 1 ? "" : "s", by);
	}
	if (verbose)
		text_diffs(&rep, in);
	diffmt_write(&rep, format, in[0].name, in[1].name, &out, spill, &werr);
	spill(&out, &werr);
	status = rep.regressed ? EXIT_FAILED : EXIT_OK;
	if (werr) {
		stdout_failed(werr);
		status = EXIT_FAILED;
	}
	buf_free(&out);
	diff_report_free(&rep);
	diff_free(d);
	for (i = 0; i < 2; i++) {
		rec_reader_free(&in[i].rd);
		if (in[i].fd != 0)
			close(in[i].fd);
		if (in[i].spool)
			fclose(in[i].spool);
	}
	return status;
}
