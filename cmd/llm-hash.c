/* llm-hash: the tuna model hash of names, the RFC 8785 hash of JSON
 * documents, or records with the hash of a part of each added. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "json/hash.h"
#include "json/jpath.h"
#include "json/jsondoc.h"
#include "base/lineout.h"
#include "text/msgredact.h"

struct hash {
	int len;		/* hex digits printed */
	int location;		/* print where each hash came from */
	const char *into;	/* filter: the member added to each record */
	const char *pathtext;
	struct jpath path;
	int status;
	struct lineout out;	/* stdout */
	struct buf line;
	struct buf canon;	/* canonical form of the part hashed */
};

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-hash -m [-n LEN] [-l] [NAME...]       model hashes (tuna layout)\n"
"       llm-hash [--json] [--field PATH] [-n LEN] [-l] [FILE...]\n"
"                                                 RFC 8785 hashes of JSON documents\n"
"       llm-hash --field PATH --into NAME [-n LEN] [FILE...]\n"
"                                                 records with the hash added\n"
"\n"
"  -m, --model          hash model names: operands, or lines of stdin\n"
"      --json           hash JSON documents (the default)\n"
"      --field PATH     hash the part of each document at PATH (.a.b, .a[0], .\"k\")\n"
"      --into NAME      write each record with NAME set to the hash\n"
"  -n, --length LEN     print the first LEN hex digits (default 8 with -m, else 64)\n"
"  -l, --location       print the name, or FILE:LINE, after each hash\n"
"  -h, --help           this help\n"
"      --version        print the version and exit\n");
	exit(status);
}

/* h->line as the next line of output. */
static void
put_line(struct hash *h)
{
	lineout_line(&h->out, h->line.data, h->line.len);
}

static void
model_line(struct hash *h, const char *name, size_t n, int with_name)
{
	char hex[HASH_HEX];

	sha256_hex(name, n, hex);
	buf_reset(&h->line);
	buf_add(&h->line, hex, (size_t)h->len);
	if (with_name) {
		buf_add(&h->line, "  ", 2);
		buf_add(&h->line, name, n);
	}
	put_line(h);
}

/* Model names, one a line of fd. */
static void
models_from(struct hash *h, int fd)
{
	struct rec_reader r;
	char err[ERRLEN];
	const char *s;
	size_t n;
	enum rec_status st;

	rec_reader_init(&r, fd, "stdin", 0);
	for (;;) {
		if (!rec_pending(&r))
			(void)lineout_flush(&h->out);
		if ((st = rec_next_line(&r, &s, &n, err, sizeof err)) == REC_EOF)
			break;
		if (st == REC_OK) {
			model_line(h, s, n, 1);
			continue;
		}
		weprintf("%s", err);
		if (st == REC_IOERR) {
			h->status = EXIT_USAGE;
			break;
		}
		h->status = EXIT_FAILED;	/* an overlong line */
	}
	rec_reader_free(&r);
}

/* The hash of the part of doc at the path, into hex; -1 with why. */
static int
hash_part(struct hash *h, json_object *doc, char hex[HASH_HEX], char *why, size_t whylen)
{
	char err[ERRLEN / 2];
	json_object *v;

	if (jpath_get(&h->path, doc, &v, err, sizeof err) < 0) {
		snprintf(why, whylen, "%s: %s", h->pathtext, err);
		return -1;
	}
	if (json_hash_buf(v, &h->canon, hex, err, sizeof err) < 0) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	return 0;
}

/* One document (NULL for null, or a bad one with bad set): its hash, or
 * "error", on a line. */
static void
list_doc(struct hash *h, json_object *doc, const char *name, long line, const char *bad)
{
	char hex[HASH_HEX], why[ERRLEN];

	if (!bad && hash_part(h, doc, hex, why, sizeof why) < 0) {
		weprintf("%s:%ld: %s", name, line, why);
		bad = why;
	}
	buf_reset(&h->line);
	if (bad) {
		h->status = EXIT_FAILED;
		buf_adds(&h->line, "error");
	} else {
		buf_add(&h->line, hex, (size_t)h->len);
	}
	if (h->location)
		buf_addf(&h->line, "  %s:%ld", name, line);
	put_line(h);
}

/* One record with the hash set, or an error record of kind bad_input
 * in its place. */
static void
filter_doc(struct hash *h, json_object *doc, const char *name, long line, const char *bad)
{
	char hex[HASH_HEX], why[ERRLEN], msg[2 * ERRLEN], made[64];
	json_object *id = json_get(doc, "id"), *rec;
	struct llm_error e;

	if (!bad) {
		if (!json_object_is_type(doc, json_type_object)) {
			snprintf(msg, sizeof msg, "%s:%ld: not a JSON object", name, line);
		} else if (hash_part(h, doc, hex, why, sizeof why) < 0) {
			snprintf(msg, sizeof msg, "%s:%ld: %s", name, line, why);
		} else {
			json_set(doc, h->into, json_object_new_string_len(hex, h->len));
			json_line(doc, &h->line);
			put_line(h);
			return;
		}
		weprintf("%s", msg);
		bad = msg;
	}
	h->status = EXIT_FAILED;
	snprintf(made, sizeof made, "%s:%ld", name, line);
	llm_error_set(&e, "bad_input", 0, "%s", bad);
	rec = rec_error(id && !json_object_is_type(id, json_type_null) ? json_object_get_string(id)
	                : made, &e, 1, json_get(doc, "meta"), json_get(doc, "request"));
	json_line(rec, &h->line);
	put_line(h);
	json_object_put(rec);
}

static void
docs_from(struct hash *h, int fd, const char *name)
{
	struct doc_reader d;
	char err[ERRLEN];
	json_object *doc;
	enum rec_status st;

	doc_reader_init(&d, fd, name);
	for (;;) {
		/* nothing is held back while waiting for input */
		if (!d.held && !rec_pending(&d.r))
			(void)lineout_flush(&h->out);
		if ((st = doc_next(&d, &doc, err, sizeof err)) == REC_EOF)
			break;
		if (st == REC_IOERR) {
			weprintf("%s", err);
			h->status = EXIT_USAGE;
			break;
		}
		if (st == REC_BAD)
			weprintf("%s", err);
		if (h->into)
			filter_doc(h, doc, name, d.first, st == REC_BAD ? err : NULL);
		else
			list_doc(h, doc, name, d.first, st == REC_BAD ? err : NULL);
		json_object_put(doc);
	}
	doc_reader_free(&d);
}

int
main(int argc, char **argv)
{
	enum { O_JSON = 256, O_FIELD, O_INTO, O_VERSION };
	static const struct option longopts[] = {
		{"model", no_argument, NULL, 'm'},
		{"json", no_argument, NULL, O_JSON},
		{"field", required_argument, NULL, O_FIELD},
		{"into", required_argument, NULL, O_INTO},
		{"length", required_argument, NULL, 'n'},
		{"location", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct hash h = {.len = 0, .pathtext = "."};
	char err[ERRLEN];
	int models = 0, json = 0, opt, i, nfiles, *fds;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	lineout_init(&h.out, 1, 0);
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":mn:lh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': models = 1; break;
		case O_JSON: json = 1; break;
		case O_FIELD: h.pathtext = optarg; json = 1; break;
		case O_INTO: h.into = optarg; json = 1; break;
		case 'n': h.len = (int)estrtonum(optarg, 1, 64, "-n"); break;
		case 'l': h.location = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (models && json)
		enprintf(EXIT_USAGE, "-m hashes names; it does not go with --json, --field or --into");
	if (h.into && h.location)
		enprintf(EXIT_USAGE, "-l does not go with --into: records say where they came from");
	if (h.into && !*h.into)
		enprintf(EXIT_USAGE, "--into needs a member name");
	if (jpath_parse(&h.path, h.pathtext, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "--field %s: %s", h.pathtext, err);
	if (!h.len)
		h.len = models ? 8 : 64;
	nfiles = argc - optind;
	/* nothing named and nothing piped in: the user wants the usage */
	if (nfiles == 0 && isatty(0))
		usage(stderr, EXIT_USAGE);

	if (models) {
		if (nfiles == 0)
			models_from(&h, 0);
		for (i = optind; i < argc; i++)
			model_line(&h, argv[i], strlen(argv[i]), h.location || nfiles > 1);
	} else {
		/* every file is opened before anything is written */
		fds = ecalloc(nfiles ? (size_t)nfiles : 1, sizeof *fds);
		for (i = 0; i < nfiles; i++) {
			const char *f = argv[optind + i];

			if ((fds[i] = strcmp(f, "-") == 0 ? 0 : open(f, O_RDONLY | O_CLOEXEC)) < 0)
				enprintf(EXIT_USAGE, "%s:", f);
		}
		if (nfiles > 1)
			h.location = !h.into;
		if (nfiles == 0)
			docs_from(&h, 0, "stdin");
		for (i = 0; i < nfiles && h.status != EXIT_USAGE && !h.out.err; i++) {
			docs_from(&h, fds[i], fds[i] == 0 ? "stdin" : argv[optind + i]);
			if (fds[i] != 0)
				close(fds[i]);
		}
		free(fds);
	}
	(void)lineout_flush(&h.out);
	if (h.out.err) {
		stdout_failed(h.out.err);
		h.status = EXIT_FAILED;
	}
	jpath_free(&h.path);
	lineout_free(&h.out);
	buf_free(&h.line);
	buf_free(&h.canon);
	return h.status;
}
