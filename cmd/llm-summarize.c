/* llm-summarize: result and trace records in, a report out: per-model
 * counts, tokens, cost and latency, the failures, the best result per
 * query; or, with --follow, the same redrawn as a log grows. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "base/utf8.h"
#include "json/records.h"
#include "report/sumfmt.h"
#include "text/msgredact.h"

#define BAD_SHOWN 5		/* bad lines named on stderr; the rest counted */
#define REDRAW_MS 500		/* --follow: a redraw at most this often */
#define POLL_MS 200		/* --follow: how often a file is looked at */

struct input {
	const char *name;
	int fd;
	int regular;		/* a file: offsets are read back; followed */
	int done;
	struct rec_reader rd;
};

struct run {
	struct summary *s;
	struct input *in;
	int nin;
	int best;		/* --best: the records, not a report */
	int follow;
	int verbose;
	int all_errors;
	enum sum_format format;
	FILE *spool;		/* --best: results read from pipes, to read back */
	long long spooled;
	int ioerr;
	int ungrouped;		/* --best: results were in no group */
	long long bad;		/* bad lines, for the first few named */
	int changed;		/* lines counted since the last draw */
	int drawn;
	int werr;		/* errno of a failed write on stdout */
};

static volatile sig_atomic_t stop;

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-summarize [options] [FILE...]     result and trace records -> a report\n"
"\n"
"      --json               the report as one line of JSON\n"
"      --markdown           the report as Markdown tables\n"
"      --tsv                the report as tab-separated values\n"
"      --best               the best record of each group, as NDJSON, not a report\n"
"      --by PATH            group by PATH for the best result (default meta.query_id)\n"
"      --best-by RANK       score, cost or output (default score when records carry\n"
"                           llm-assert's assert, else cost)\n"
"      --all-attempts       count every record, not the last of each id\n"
"      --all-errors         list every failure, not the first 20\n"
"  -f, --follow             keep reading files as they grow and redraw the report\n"
"  -v, --verbose            what was read, on stderr at the end\n"
"  -h, --help               this help\n"
"      --version            print the version and exit\n");
	exit(status);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Write p[0..n), its bytes that are not UTF-8 (a model name, a message
 * or a --best record as they came) made U+FFFD, as every record is. */
static void
out(struct run *r, const char *p, size_t n)
{
	char *m = NULL;

	if (utf8_invalid_at(p, n) < n) {
		m = emalloc(3 * n);
		n = utf8_mend(m, p, n);
		p = m;
	}
	if (!r->werr && write_all(1, p, n) < 0)
		r->werr = errno;
	free(m);
}

static void
bad_line(struct run *r, const char *err)
{
	if (++r->bad <= BAD_SHOWN)
		weprintf("%s", err);
}

/* Where the line starting at line is in its file, for reading it back. */
static long long
offset(struct input *in, const char *line)
{
	off_t pos = lseek(in->fd, 0, SEEK_CUR);

	return (long long)pos - (long long)(in->rd.len - (size_t)(line - in->rd.buf));
}

static void
one_line_in(struct run *r, int i, const char *line, size_t len)
{
	struct input *in = &r->in[i];
	char where[4096], err[ERRLEN];
	struct sum_loc loc = {where, i, 0};
	enum sum_line rc;

	snprintf(where, sizeof where, "%s:%ld", in->name, in->rd.lineno);
	if (r->best && in->regular) {
		loc.off = offset(in, line);
	} else if (r->best) {
		loc.src = r->nin;
		loc.off = r->spooled;
	}
	rc = summary_add(r->s, line, len, &loc, err, sizeof err);
	if (rc == SUM_BAD)
		bad_line(r, err);
	if (rc == SUM_RESULT && r->best && !in->regular) {
		if (fwrite(line, 1, len, r->spool) != len || putc('\n', r->spool) == EOF)
			enprintf(EXIT_FAILED, "spool file:");
		r->spooled += (long long)len + 1;
	}
	r->changed = 1;
}

/* Read what the input holds now: to its end, or what a pipe has. */
static void
drain(struct run *r, int i)
{
	struct input *in = &r->in[i];
	char err[ERRLEN];

	while (!in->done && !stop) {
		const char *line;
		size_t len;
		enum rec_status st = rec_next_line(&in->rd, &line, &len, err, sizeof err);

		if (st == REC_AGAIN)
			return;
		if (st == REC_OK) {
			one_line_in(r, i, line, len);
		} else if (st == REC_BAD) {	/* a line too long */
			summary_count_bad(r->s);
			bad_line(r, err);
		} else {
			if (st == REC_IOERR) {
				weprintf("%s", err);
				r->ioerr = 1;
			}
			in->done = 1;
		}
	}
}

static void
draw(struct run *r)
{
	struct sum_report rep;
	struct buf b = {0};

	summary_report(r->s, &rep);
	if (r->follow && isatty(1))
		buf_adds(&b, "\033[H\033[2J");
	else if (r->drawn && r->format != SUMFMT_JSON)
		buf_adds(&b, "\n");
	sumfmt_write(&rep, r->format, r->all_errors, &b);
	out(r, b.data, b.len);
	sum_report_free(&rep);
	buf_free(&b);
	r->drawn = 1;
	r->changed = 0;
}

/* --best: the best record of each group, read back from where it was. */
static void
write_best(struct run *r)
{
	struct sum_report rep;
	size_t i;

	if (r->spool && fflush(r->spool) == EOF)
		enprintf(EXIT_FAILED, "spool file:");
	summary_report(r->s, &rep);
	for (i = 0; i < rep.nbest; i++) {
		const struct sum_best *x = &rep.best[i];
		int spooled = x->src == r->nin;
		char *line = emalloc(x->len + 1);

		if (pread(spooled ? fileno(r->spool) : r->in[x->src].fd, line, x->len,
		          (off_t)x->off) == (ssize_t)x->len) {
			line[x->len] = '\n';
			out(r, line, x->len + 1);
		} else {
			weprintf("%s: the record of %s could not be read again",
			         spooled ? "spool file" : r->in[x->src].name, x->id);
			r->ioerr = 1;
		}
		free(line);
	}
	/* a record left out of every group must not pass for "no results" */
	if (rep.ungrouped > 0) {
		weprintf("%lld result%s without %s: in no group, left out (--by PATH groups by "
		         "another field)", rep.ungrouped, rep.ungrouped == 1 ? "" : "s", rep.by);
		r->ungrouped = 1;
	}
	sum_report_free(&rep);
}

static int64_t
ms_now(void)
{
	return now_ms();
}

/* A followed file that got shorter was truncated: start over. */
static int
truncated(struct run *r)
{
	int i, t = 0;

	for (i = 0; i < r->nin; i++) {
		struct stat st;

		if (r->in[i].regular && fstat(r->in[i].fd, &st) == 0 &&
		    st.st_size < lseek(r->in[i].fd, 0, SEEK_CUR)) {
			weprintf("%s: file truncated, starting over", r->in[i].name);
			t = 1;
		}
	}
	if (!t)
		return 0;
	summary_reset(r->s);
	for (i = 0; i < r->nin; i++) {
		if (!r->in[i].regular)
			continue;
		lseek(r->in[i].fd, 0, SEEK_SET);
		rec_reader_free(&r->in[i].rd);
		rec_reader_init(&r->in[i].rd, r->in[i].fd, r->in[i].name, 0);
		r->in[i].rd.follow = 1;
	}
	r->changed = 1;
	return 1;
}

static void
follow(struct run *r)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct pollfd *pfd = ecalloc((size_t)r->nin, sizeof *pfd);
	int64_t last = 0;
	int i, open_files, np;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r->changed = 1;		/* the first draw at once, even of nothing */
	for (i = 0; i < r->nin; i++) {
		r->in[i].rd.follow = r->in[i].regular;
		if (!r->in[i].regular)
			fcntl(r->in[i].fd, F_SETFL, fcntl(r->in[i].fd, F_GETFL) | O_NONBLOCK);
	}
	while (!stop && !r->werr) {
		truncated(r);
		for (i = 0, open_files = 0, np = 0; i < r->nin; i++) {
			drain(r, i);
			open_files += !r->in[i].done;
			if (!r->in[i].done && !r->in[i].regular)
				pfd[np++] = (struct pollfd){.fd = r->in[i].fd, .events = POLLIN};
		}
		if (!open_files || stop)
			break;
		if (r->changed && (!r->drawn || ms_now() - last >= REDRAW_MS)) {
			draw(r);
			last = ms_now();
		}
		/* pipes wake us; files are looked at again after a while */
		poll(pfd, (nfds_t)np, POLL_MS);
	}
	free(pfd);
}

static void
open_inputs(struct run *r, int argc, char **argv)
{
	int i;

	r->nin = argc > 0 ? argc : 1;
	r->in = ecalloc((size_t)r->nin + 1, sizeof *r->in);
	for (i = 0; i < r->nin; i++) {
		struct input *in = &r->in[i];
		struct stat st;

		in->name = argc == 0 || strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];
		in->fd = strcmp(in->name, "stdin") == 0 ? 0 : open(argv[i], O_RDONLY | O_CLOEXEC);
		if (in->fd < 0)
			enprintf(EXIT_USAGE, "%s:", argv[i]);
		if (fstat(in->fd, &st) < 0)
			enprintf(EXIT_USAGE, "%s:", in->name);
		if (S_ISDIR(st.st_mode))
			enprintf(EXIT_USAGE, "%s: is a directory", in->name);
		in->regular = S_ISREG(st.st_mode);
		rec_reader_init(&in->rd, in->fd, in->name, 0);
		if (r->best && !in->regular && !r->spool && !(r->spool = tmpfile()))
			enprintf(EXIT_USAGE, "spool file for --best:");
	}
}

static int
finish(struct run *r)
{
	struct sum_report rep;
	const char *perr = summary_price_error(r->s);
	int status;

	summary_report(r->s, &rep);
	if (rep.bad > BAD_SHOWN)
		weprintf("%lld bad lines in all (the first %d named)", rep.bad, BAD_SHOWN);
	if (perr)
		weprintf("%s: costs left unknown", perr);
	if (r->verbose)
		weprintf("%lld results (%lld replaced by a later record of their id), "
		         "%lld stream events, %lld records without status, %lld bad lines",
		         rep.results, rep.superseded, rep.events, rep.other, rep.bad);
	status = rep.total.failed > 0 || rep.bad > 0 || r->ioerr || r->ungrouped ? EXIT_FAILED : EXIT_OK;
	sum_report_free(&rep);
	if (r->werr) {
		stdout_failed(r->werr);
		status = EXIT_FAILED;
	}
	return status;
}

int
main(int argc, char **argv)
{
	enum { O_JSON = 256, O_MARKDOWN, O_TSV, O_BEST, O_BY, O_BEST_BY, O_ALL_ATTEMPTS, O_ALL_ERRORS, O_VERSION };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, O_JSON},
		{"markdown", no_argument, NULL, O_MARKDOWN},
		{"tsv", no_argument, NULL, O_TSV},
		{"best", no_argument, NULL, O_BEST},
		{"by", required_argument, NULL, O_BY},
		{"best-by", required_argument, NULL, O_BEST_BY},
		{"all-attempts", no_argument, NULL, O_ALL_ATTEMPTS},
		{"all-errors", no_argument, NULL, O_ALL_ERRORS},
		{"follow", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct run r = {.format = SUMFMT_TABLE};
	const char *by = NULL;
	enum sum_rank rank = SUM_RANK_AUTO;
	int opt, formats = 0, all_attempts = 0, status, i;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":fvh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_JSON: r.format = SUMFMT_JSON; formats++; break;
		case O_MARKDOWN: r.format = SUMFMT_MARKDOWN; formats++; break;
		case O_TSV: r.format = SUMFMT_TSV; formats++; break;
		case O_BEST: r.best = 1; break;
		case O_BY: by = optarg; break;
		case O_BEST_BY:
			if (!strcmp(optarg, "score"))
				rank = SUM_RANK_SCORE;
			else if (!strcmp(optarg, "cost"))
				rank = SUM_RANK_COST;
			else if (!strcmp(optarg, "output"))
				rank = SUM_RANK_OUTPUT;
			else
				usage_error("--best-by %s: score, cost or output", optarg);
			break;
		case O_ALL_ATTEMPTS: all_attempts = 1; break;
		case O_ALL_ERRORS: r.all_errors = 1; break;
		case 'f': r.follow = 1; break;
		case 'v': r.verbose = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (formats > 1)
		enprintf(EXIT_USAGE, "--json, --markdown and --tsv: one at a time");
	if (r.best && (formats || r.follow))
		enprintf(EXIT_USAGE, "--best writes records: not with --follow or a report format");
	if (optind == argc && isatty(0))
		usage(stderr, EXIT_USAGE);
	if (!(r.s = summary_new(by, all_attempts)))
		enprintf(EXIT_USAGE, "--by %s: not a path (keys joined by '.')", by);
	summary_rank(r.s, rank);
	open_inputs(&r, argc - optind, argv + optind);

	if (r.follow) {
		follow(&r);
		draw(&r);
	} else {
		for (i = 0; i < r.nin; i++)
			drain(&r, i);
		if (r.best)
			write_best(&r);
		else
			draw(&r);
	}
	status = finish(&r);
	/* stopped by a signal: the way --follow ends, not a failure */
	if (r.follow && stop && !r.werr)
		status = EXIT_OK;
	for (i = 0; i < r.nin; i++) {
		rec_reader_free(&r.in[i].rd);
		if (r.in[i].fd != 0)
			close(r.in[i].fd);
	}
	if (r.spool)
		fclose(r.spool);
	free(r.in);
	summary_free(r.s);
	return status;
}
