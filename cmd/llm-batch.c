/* llm-batch: request records through a provider's batch API, at batch
 * prices; the answers come back as the result records llm-chat writes.
 * The work lives in lib/run/batch*.c; this is the command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/lineout.h"
#include "base/stdfds.h"
#include "run/batch.h"
#include "text/msgredact.h"

static void
usage(FILE *fp, int status)
{
	fputs("usage: llm-batch submit [-o STATE] [options] [FILE]  records -> a batch; prints STATE\n"
	      "       llm-batch status [--json] STATE         where each batch is (75: running)\n"
	      "       llm-batch fetch [--all] STATE           result records of finished batches\n"
	      "       llm-batch cancel STATE                  cancel unfinished batches\n"
	      "       llm-batch run [-o STATE] [--max-wait SEC] [options] [FILE]\n"
	      "                                              submit, wait, fetch\n"
	      "\n"
	      "  -o, --state FILE         the state file (default llm-batch-TIME-PID.json)\n"
	      "      --json               status: one JSON object a batch\n"
	      "      --all                fetch: write every record again, not only new ones\n"
	      "      --max-wait SEC       run: stop waiting after SEC seconds (exit 75)\n"
	      "      --save               write each answer's content to its meta.output file\n"
	      "      --cache DIR          answer cached records from DIR; cache the answers\n"
	      "      --echo               put the request on success records too\n"
	      "      --estimate           print what the records would cost; send nothing\n"
	      "      --max-cost USD       send nothing when the estimate is more\n"
	      "      --max-requests N     requests in one batch, at most (default the provider's limit)\n"
	      "      --max-bytes N        bytes of one batch's file, at most (default the provider's limit)\n"
	      "      --timeout SEC        give up on one call after SEC seconds (default 600)\n"
	      "      --base-url URL       endpoint, instead of LLM_BASE_URL\n"
	      "      --token-file FILE    read the API token from FILE\n"
	      "  -q, --quiet              no progress line\n"
	      "  -v, --verbose            trace the calls on stderr (the token masked)\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version and exit\n", fp);
	exit(status);
}

struct cli {
	int json, quiet, tty, printed;
	double max_wait;	/* seconds; 0: none */
	int estimate;
	double max_cost;
};

static void
say(void *arg, const char *msg)
{
	(void)arg;
	weprintf("%s", msg);
}

static void
print(const struct buf *b)
{
	if (b->len && write_all(1, b->data, b->len) < 0)
		stdout_failed(errno);
}

static void
progress(struct cli *cl, struct batch *b, double waited)
{
	struct buf t = {0};
	char line[512];
	int n;

	if (!cl->tty)
		return;
	batch_status_text(b, 0, &t);
	/* the first batch not finished, and how long the wait has been */
	n = snprintf(line, sizeof line, "\r%s: %.0fs: %.*s\033[K", progname(), waited / 1000,
	             (int)(strchr(t.data ? t.data : "", '\n') ? strchr(t.data, '\n') - t.data : 0),
	             t.data ? t.data : "");
	(void)!write(2, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1));
	cl->printed = 1;
	buf_free(&t);
}

/* Fetch; *failed counts the error records written. */
static int
fetch_status(struct batch *b, long long *failed)
{
	struct batch_counts n;
	char err[ERRLEN];

	if (batch_fetch(b, &n, err, sizeof err) < 0)
		eprintf("%s", err);
	*failed += n.failed;
	return n.running ? EXIT_TEMPFAIL : *failed ? EXIT_FAILED : EXIT_OK;
}

/* Read the records and write the parts, unless the state holds them. */
static void
plan(struct cli *cl, struct batch *b, const char *input)
{
	struct batch_estimate est;
	char err[ERRLEN];
	int fd = 0;

	if (batch_exists(b)) {
		if (cl->estimate)
			enprintf(EXIT_USAGE, "--estimate goes with records, not a state file that exists");
		return;	/* a run taken up again: its records are read */
	}
	if (input && strcmp(input, "-") && (fd = open(input, O_RDONLY | O_CLOEXEC)) < 0)
		enprintf(EXIT_USAGE, "%s:", input);
	if (!input && isatty(0))
		usage(stderr, EXIT_USAGE);
	if (batch_plan(b, fd, fd ? input : "stdin", cl->estimate, cl->max_cost, &est, err,
	               sizeof err) < 0)
		enprintf(cl->max_cost > 0 && strstr(err, "--max-cost") ? EXIT_USAGE : EXIT_FAILED,
		         "%s", err);
	if (fd)
		close(fd);
	if (cl->estimate) {
		struct buf t = {0};

		buf_addf(&t, "%lld requests, about %lld prompt tokens and at most %lld completion "
		         "tokens: about $%.4f at batch prices", est.requests, est.prompt_tokens,
		         est.completion_tokens, est.usd);
		if (est.unpriced)
			buf_addf(&t, " (%lld requests of models without a price not counted)",
			         est.unpriced);
		buf_add(&t, "\n", 1);
		print(&t);
		buf_free(&t);
		exit(EXIT_OK);
	}
}

static int
run(struct cli *cl, struct batch *b)
{
	double start = now_ms_f(), wait = 250;
	long long failed = 0;
	int st;

	for (;;) {
		st = fetch_status(b, &failed);
		if (st != EXIT_TEMPFAIL)
			break;
		if (cl->max_wait > 0 && now_ms_f() - start >= cl->max_wait * 1000)
			break;
		progress(cl, b, now_ms_f() - start);
		if (cl->max_wait > 0 && now_ms_f() + wait - start > cl->max_wait * 1000)
			wait = cl->max_wait * 1000 - (now_ms_f() - start) + 1;
		usleep((useconds_t)(wait * 1000));
		/* polling backs off to once a minute: a batch takes hours */
		wait = wait * 2 > 60000 ? 60000 : wait * 2;
	}
	if (cl->printed)
		(void)!write(2, "\r\033[K", 4);
	return st;
}

int
main(int argc, char **argv)
{
	enum { O_JSON = 256, O_ALL, O_MAXWAIT, O_SAVE, O_CACHE, O_ECHO, O_ESTIMATE, O_MAXCOST,
	       O_MAXREQ, O_MAXBYTES, O_TIMEOUT, O_BASE, O_TOKFILE, O_VERSION };
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, O_JSON},
		{"all", no_argument, NULL, O_ALL},
		{"max-wait", required_argument, NULL, O_MAXWAIT},
		{"save", no_argument, NULL, O_SAVE},
		{"cache", required_argument, NULL, O_CACHE},
		{"echo", no_argument, NULL, O_ECHO},
		{"estimate", no_argument, NULL, O_ESTIMATE},
		{"max-cost", required_argument, NULL, O_MAXCOST},
		{"max-requests", required_argument, NULL, O_MAXREQ},
		{"max-bytes", required_argument, NULL, O_MAXBYTES},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"base-url", required_argument, NULL, O_BASE},
		{"token-file", required_argument, NULL, O_TOKFILE},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct batch_opts o = {
		.out_fd = 1, .notice = say,
		.http = {.timeout_ms = 600000, .connect_timeout_ms = 10000},
	};
	struct cli cl = {0};
	struct config cfg;
	struct batch *b;
	const char *cmd, *base = NULL, *tokfile = NULL, *input = NULL;
	char err[ERRLEN], defstate[64];
	int opt, status = EXIT_OK, makes;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:qvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.state = optarg; break;
		case O_JSON: cl.json = 1; break;
		case O_ALL: o.all = 1; break;
		case O_MAXWAIT: cl.max_wait = estrtod(optarg, 0.001, 1e9, "--max-wait"); break;
		case O_SAVE: o.save = 1; break;
		case O_CACHE: o.cache_dir = optarg; break;
		case O_ECHO: o.echo = 1; break;
		case O_ESTIMATE: cl.estimate = 1; break;
		case O_MAXCOST: cl.max_cost = estrtod(optarg, 0.000001, 1e12, "--max-cost"); break;
		case O_MAXREQ: o.max_requests = estrtonum(optarg, 1, BATCH_MAX_REQUESTS, "--max-requests"); break;
		case O_MAXBYTES: o.max_bytes = estrtonum(optarg, 1, BATCH_MAX_BYTES, "--max-bytes"); break;
		case O_TIMEOUT:
			o.http.timeout_ms = (long)(estrtod(optarg, 0.001, 86400, "--timeout") * 1000);
			break;
		case O_BASE: base = optarg; break;
		case O_TOKFILE: tokfile = token_file_arg(argv); break;
		case 'q': cl.quiet = 1; break;
		case 'v': o.http.trace = say; break;
		case 'h': usage(stdout, EXIT_OK); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (optind >= argc)
		usage(stderr, EXIT_USAGE);
	cmd = argv[optind++];
	makes = !strcmp(cmd, "submit") || !strcmp(cmd, "run");
	if (!makes && strcmp(cmd, "status") && strcmp(cmd, "fetch") && strcmp(cmd, "cancel"))
		usage_error("unknown command '%s'", cmd);
	if (optind < argc) {
		if (makes)
			input = argv[optind++];
		else if (!o.state)
			o.state = argv[optind++];
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!makes && !o.state)
		usage_error("%s needs the STATE file", cmd);
	if (!makes && (cl.estimate || cl.max_cost > 0 || cl.max_wait > 0))
		usage_error("--estimate, --max-cost and --max-wait go with submit and run");
	if (cl.json && strcmp(cmd, "status"))
		usage_error("--json goes with status");
	if (o.all && strcmp(cmd, "fetch"))
		usage_error("--all goes with fetch");
	if (!o.cache_dir && getenv("LLM_CACHE_DIR") && *getenv("LLM_CACHE_DIR"))
		o.cache_dir = getenv("LLM_CACHE_DIR");
	if (!o.state) {
		char t[32];
		time_t now = time(NULL);

		strftime(t, sizeof t, "%Y%m%d-%H%M%S", gmtime(&now));
		snprintf(defstate, sizeof defstate, "llm-batch-%s-%d.json", t, (int)getpid());
		o.state = defstate;
	}
	if (config_load(&cfg, base, tokfile, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "%s", err);
	if (!cfg.def.base_url && cfg.nprov == 0)
		enprintf(EXIT_USAGE, "%s", config_help());
	cl.tty = !cl.quiet && progress_wanted(2);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(b = batch_open(&o, &cfg, err, sizeof err)))
		enprintf(EXIT_USAGE, "%s", err);
	if (!makes && !batch_exists(b))
		enprintf(EXIT_USAGE, "%s: no such state file", o.state);
	if (makes) {
		plan(&cl, b, input);
		if (batch_submit(b, err, sizeof err) < 0)
			enprintf(EXIT_TEMPFAIL, "%s (run the same command again to go on)", err);
		if (!strcmp(cmd, "submit")) {
			struct buf t = {0};

			buf_addf(&t, "%s\n", o.state);
			print(&t);
			buf_free(&t);
		} else {
			if (!cl.quiet)
				weprintf("state: %s", o.state);
			status = run(&cl, b);
		}
	} else if (!strcmp(cmd, "fetch")) {
		long long failed = 0;

		status = fetch_status(b, &failed);
	} else {
		struct buf t = {0};
		int running;

		if (!strcmp(cmd, "cancel") && batch_cancel(b, err, sizeof err) < 0)
			eprintf("%s", err);
		if ((running = batch_refresh(b, err, sizeof err)) < 0)
			eprintf("%s", err);
		batch_status_text(b, cl.json, &t);
		print(&t);
		buf_free(&t);
		status = running ? EXIT_TEMPFAIL : EXIT_OK;
		if (!strcmp(cmd, "cancel"))
			status = EXIT_OK;
	}
	batch_free(b);
	config_free(&cfg);
	curl_global_cleanup();
	return status;
}
