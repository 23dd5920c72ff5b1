/* llm-redact: replace secrets in records (every string value) or in text
 * lines, and bound their sizes, so keys and tokens stay out of logs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "text/bound.h"
#include "base/lineout.h"
#include "base/utf8.h"
#include "json/records.h"
#include "text/redact.h"
#include "text/msgredact.h"

#define TEXT_SLACK (64u << 10)	/* text kept past --max-string, for redaction */

struct job {
	struct redact *r;
	struct bound b;
	struct lineout out;	/* stdout */
	struct buf line, tmp, tmp2;
	int failed;
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-redact [options] [FILE...]          records in, records redacted out\n"
"       llm-redact --text [options] [FILE...]   text lines in, lines redacted out\n"
"\n"
"  -t, --text               plain text lines, not records\n"
"  -e, --regexp REGEX       redact what REGEX matches too (named e1, e2, ...); repeatable\n"
"      --patterns FILE      add the patterns of FILE (name and regex a line); repeatable\n"
"      --stable             append a keyed hash of each secret to its marker\n"
"      --max-string BYTES   cut longer string values (default 50000; 0: no bound)\n"
"      --max-record BYTES   cut the longest strings of longer records (default 5000000)\n"
"  -v, --verbose            counts per pattern on stderr at the end\n"
"  -h, --help               this help\n"
"      --version            print the version and exit\n");
	exit(status);
}

/* Queue s[0..n) and a newline (nl) as one line: whole lines a write.
 * A line that passes unchanged may hold bytes that are not UTF-8: they
 * go out as U+FFFD, as every record is UTF-8 (text lines too, for the
 * logs they go to). */
static void
emit(struct job *j, const char *s, size_t n, int nl)
{
	char *m = NULL;

	if (utf8_invalid_at(s, n) < n) {
		m = emalloc(3 * n);
		n = utf8_mend(m, s, n);
		s = m;
	}
	if (nl)
		lineout_line(&j->out, s, n);
	else
		lineout_add(&j->out, s, n);	/* the last line had no newline */
	free(m);
}

static void
emit_error(struct job *j, const char *id, const char *kind, const char *msg)
{
	struct llm_error e;
	json_object *rec;

	llm_error_set(&e, kind, 0, "%s", msg);
	rec = rec_error(id, &e, 1, NULL, NULL);
	bound_record(&j->b, j->r, rec, &j->line);
	emit(j, j->line.data, j->line.len, 1);
	json_object_put(rec);
	j->failed = 1;
}

static void
one_record(struct job *j, struct rec_reader *rd, const char *line, size_t len)
{
	char err[ERRLEN], id[64];
	json_object *rec, *v;

	/* untouched and short enough: the line as it came, byte for byte */
	if (bound_line_clean(&j->b, j->r, line, len)) {
		emit(j, line, len, 1);
		return;
	}
	snprintf(id, sizeof id, "%s:%ld", rd->name, rd->lineno);
	if (rec_parse(rd, line, len, &rec, err, sizeof err) != REC_OK) {
		emit_error(j, id, "bad_input", err);
		return;
	}
	bound_json(&j->b, j->r, rec);
	if (bound_fit(&j->b, rec, &j->line) == 0) {
		emit(j, j->line.data, j->line.len, 1);
	} else {
		snprintf(err, sizeof err, "%s: record of %zu bytes does not fit --max-record %zu "
		         "even with every string cut", id, len, j->b.max_record);
		v = json_get(rec, "id");
		emit_error(j, v && json_object_is_type(v, json_type_string)
		              ? json_object_get_string(v) : id, "bad_input", err);
	}
	json_object_put(rec);
}

static void
records(struct job *j, int fd, const char *name)
{
	struct rec_reader rd;
	char err[ERRLEN];
	size_t max = j->b.max_record > REC_MAX_LINE ? j->b.max_record : REC_MAX_LINE;

	rec_reader_init(&rd, fd, name, max);
	while (!j->out.err) {
		const char *line;
		size_t len;
		enum rec_status st;

		if (!rec_pending(&rd))
			(void)lineout_flush(&j->out);
		st = rec_next_line(&rd, &line, &len, err, sizeof err);
		if (st == REC_EOF)
			break;
		if (st == REC_OK) {
			one_record(j, &rd, line, len);
			continue;
		}
		/* an overlong line or a failed read is a record of its own */
		{
			char id[64];

			snprintf(id, sizeof id, "%s:%ld", name, rd.lineno);
			emit_error(j, id, st == REC_BAD ? "bad_input" : "io", err);
		}
		if (st == REC_IOERR) {
			weprintf("%s", err);	/* not only in the record */
			break;
		}
	}
	rec_reader_free(&rd);
}

/* One text line: its first kept bytes held in j->line, total bytes long. */
static void
text_line(struct job *j, size_t total, int nl)
{
	const char *s = j->line.data ? j->line.data : "";
	size_t n = j->line.len, max = j->b.max_string;

	buf_reset(&j->tmp);
	if (redact_span(j->r, s, n, &j->tmp)) {
		s = j->tmp.data;
		n = j->tmp.len;
	}
	if ((max && n > max) || total > j->line.len) {
		buf_reset(&j->tmp2);
		bound_cut(&j->tmp2, s, n, max ? max : n, total);
		s = j->tmp2.data;
		n = j->tmp2.len;
		j->b.cut++;
	}
	emit(j, s, n, nl);
	buf_reset(&j->line);
}

static void
text(struct job *j, int fd, const char *name)
{
	size_t keep = j->b.max_string ? j->b.max_string + TEXT_SLACK : REC_MAX_LINE;
	size_t total = 0;
	char chunk[65536];

	buf_reset(&j->line);
	while (!j->out.err) {
		ssize_t k;
		const char *p, *end;

		(void)lineout_flush(&j->out);
		k = read(fd, chunk, sizeof chunk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			weprintf("%s:", name);
			j->failed = 1;
			break;
		}
		if (k == 0) {
			if (total > 0)
				text_line(j, total, 0);
			break;
		}
		for (p = chunk, end = chunk + k; p < end; ) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t seg = (size_t)((nl ? nl : end) - p);

			/* past keep bytes a line is only counted: it is cut there */
			if (j->line.len < keep)
				buf_add(&j->line, p, seg < keep - j->line.len ? seg : keep - j->line.len);
			total += seg;
			if (!nl)
				break;
			text_line(j, total, 1);
			total = 0;
			p = nl + 1;
		}
	}
}

static void
die_if(int rc, const char *err)
{
	if (rc < 0)
		enprintf(EXIT_USAGE, "%s", err);
}

int
main(int argc, char **argv)
{
	enum { O_PATTERNS = 256, O_STABLE, O_MAXSTR, O_MAXREC, O_VERSION };
	static const struct option longopts[] = {
		{"text", no_argument, NULL, 't'},
		{"regexp", required_argument, NULL, 'e'},
		{"patterns", required_argument, NULL, O_PATTERNS},
		{"stable", no_argument, NULL, O_STABLE},
		{"max-string", required_argument, NULL, O_MAXSTR},
		{"max-record", required_argument, NULL, O_MAXREC},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct job j = {.b = {.max_string = 50000, .max_record = 5000000}};
	const char *extra[256];
	int isfile[256];
	int nextra = 0, ne = 0, textmode = 0, stable = 0, verbose = 0, opt, i, nfd;
	int *fds;
	char err[ERRLEN];
	struct stat st;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":te:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': textmode = 1; break;
		case 'e':
		case O_PATTERNS:
			if (nextra == (int)(sizeof extra / sizeof *extra))
				enprintf(EXIT_USAGE, "too many -e and --patterns");
			isfile[nextra] = opt == O_PATTERNS;
			extra[nextra++] = optarg;
			break;
		case O_STABLE: stable = 1; break;
		case O_MAXSTR:
			j.b.max_string = (size_t)estrtonum(optarg, 0, 1LL << 40, "--max-string");
			break;
		case O_MAXREC:
			j.b.max_record = (size_t)estrtonum(optarg, 0, 1LL << 40, "--max-record");
			break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (optind == argc && isatty(0))
		usage(stderr, EXIT_USAGE);

	j.r = redact_new();
	die_if(redact_load_default(j.r, err, sizeof err), err);
	for (i = 0; i < nextra; i++) {
		if (isfile[i]) {
			die_if(redact_load(j.r, extra[i], err, sizeof err), err);
		} else {
			char name[16];

			snprintf(name, sizeof name, "e%d", ++ne);
			die_if(redact_add(j.r, name, extra[i], err, sizeof err), err);
		}
	}
	if (stable) {
		const char *key = getenv("LLM_REDACT_KEY");

		if (redact_stable(j.r, key && *key ? key : NULL, key ? strlen(key) : 0) < 0)
			enprintf(EXIT_USAGE, "--stable: no random key could be made");
	}
	/* every input is opened before anything is written */
	nfd = optind < argc ? argc - optind : 1;
	fds = ecalloc((size_t)nfd, sizeof *fds);
	for (i = 0; i < argc - optind; i++) {
		const char *f = argv[optind + i];

		if ((fds[i] = strcmp(f, "-") == 0 ? 0 : open(f, O_RDONLY | O_CLOEXEC)) < 0)
			enprintf(EXIT_USAGE, "%s:", f);
	}
	/* whole lines a write: at most PIPE_BUF into a pipe, so writers
	 * sharing it never interleave; a file or a terminal takes more */
	lineout_init(&j.out, 1, fstat(1, &st) == 0 && S_ISFIFO(st.st_mode) ? PIPE_BUF : 65536);

	for (i = 0; i < nfd && !j.out.err; i++) {
		const char *name = optind < argc && strcmp(argv[optind + i], "-") != 0
			? argv[optind + i] : "stdin";

		if (textmode)
			text(&j, fds[i], name);
		else
			records(&j, fds[i], name);
		if (fds[i] != 0)
			close(fds[i]);
	}
	(void)lineout_flush(&j.out);
	if (j.out.err) {
		stdout_failed(j.out.err);
		j.failed = 1;
	}
	if (verbose) {
		for (i = 0; i < (int)redact_count(j.r); i++)
			weprintf("%s: %llu", redact_name(j.r, (size_t)i), redact_hits(j.r, (size_t)i));
		weprintf("truncated: %llu", j.b.cut);
	}
	redact_free(j.r);
	bound_free(&j.b);
	lineout_free(&j.out);
	buf_free(&j.line);
	buf_free(&j.tmp);
	buf_free(&j.tmp2);
	free(fds);
	return j.failed ? EXIT_FAILED : EXIT_OK;
}
