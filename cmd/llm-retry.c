/* llm-retry: run a record-speaking command and send the records that
 * failed with a retryable error to it again, with backoff; or, with
 * --whole, re-run a command while it exits 75. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "base/child.h"
#include "base/lineout.h"
#include "run/retry.h"
#include "base/sigwake.h"
#include "text/msgredact.h"

#define STOP_GRACE_MS 5000
#define PROGRESS_MS 200

/* The one progress line on stderr: llm-retry's, its command told to
 * draw none.  It counts final outcomes, so a record that failed and then
 * succeeded is counted once, as ok (and as retried). */
static struct {
	int on;			/* draw it */
	int shown;		/* on the screen now */
	int stdout_tty;		/* records share the screen */
	double last;		/* when it was drawn */
	struct retry_stats st;	/* what it shows */
} prog;

static void
progress_clear(void)
{
	if (prog.shown)
		(void)!write(2, "\r\033[K", 4);
	prog.shown = 0;
}

static void
progress_draw(int final)
{
	char line[256];
	int n;

	if (!prog.on || (final && prog.st.records == 0))
		return;
	n = snprintf(line, sizeof line, "\r%s: %ld done, %ld ok, %ld failed, %ld retried\033[K%s",
	             progname(), prog.st.records, prog.st.ok, prog.st.failed, prog.st.retries,
	             final ? "\n" : "");
	(void)!write(2, line, (size_t)n);
	prog.shown = !final;
	prog.last = now_ms_f();
}

/* retry_opts.progress: the counts kept, redrawn at most every
 * PROGRESS_MS; NULL: records are about to go to a terminal we share. */
static void
progress(void *arg, const struct retry_stats *st)
{
	(void)arg;
	if (!st) {
		if (prog.stdout_tty)
			progress_clear();
		return;
	}
	prog.st = *st;
	if (prog.on && (!prog.shown || now_ms_f() - prog.last >= PROGRESS_MS))
		progress_draw(0);
}

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-retry [options] -- COMMAND [ARGS...]   request records -> result records\n"
"       llm-retry --whole [options] -- COMMAND [ARGS...]\n"
"\n"
"  -n, --retries N            retries of a record after its first attempt (default 3)\n"
"      --base SEC             first backoff, doubled per retry (default 1)\n"
"      --cap SEC              longest backoff (default 300)\n"
"      --max-retry-after SEC  longest wait a server may ask for (default 120)\n"
"      --on LIST              HTTP statuses that are retried, e.g. 429,503,5xx;\n"
"                             schema: answers not following their schema too\n"
"      --max-time SEC         bound the whole run\n"
"      --fallback MODEL       when a record's model fails for good, ask MODEL; repeatable\n"
"      --max-cost USD         send nothing that could take the spending past USD\n"
"      --max-total-tokens N   send nothing that could take the tokens used past N\n"
"  -w, --window N             records read ahead of their answers (default 2048)\n"
"      --whole                re-run COMMAND as a whole while it exits 75\n"
"  -v, --verbose              say each retry, and a summary at the end\n"
"  -q, --quiet                no progress line\n"
"  -h, --help                 this help\n"
"      --version              print the version and exit\n");
	exit(status);
}

/* A message makes way for the progress line, which comes back under it. */
static void
note(void *arg, const char *msg)
{
	int shown = prog.shown;

	(void)arg;
	progress_clear();
	weprintf("%s", msg);
	if (shown)
		progress_draw(0);
}

static void
on_signal(int signo)
{
	sigwake_raise(signo);
}

/* Sleep ms, or less when a signal comes. */
static void
nap(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);
}

/* Wait for c to end, passing a signal on; how long: until deadline (0:
 * no bound).  0, or -1 when time ran out (c is ended). */
static int
wait_whole(struct child *c, double deadline)
{
	int forwarded = 0;

	for (;;) {
		double left = deadline ? deadline - now_ms_f() : -1;

		if (sigwake_signo() && !forwarded) {
			child_signal(c, sigwake_signo());
			forwarded = 1;
			deadline = now_ms_f() + STOP_GRACE_MS;
			continue;
		}
		if (deadline && left <= 0) {
			child_signal(c, forwarded ? SIGKILL : SIGTERM);
			child_end(c, STOP_GRACE_MS);
			return -1;
		}
		if (child_wait(c, left < 0 ? -1 : poll_ms(left)))
			return 0;
	}
}

/* --whole: run argv, and again after a backoff while it exits 75. */
static int
run_whole(const struct retry_policy *p, char **argv, double max_time_ms, int verbose)
{
	double deadline = max_time_ms ? now_ms_f() + max_time_ms : 0;
	struct stat sb;
	/* a file on stdin is read from the same place by every run */
	off_t off = fstat(0, &sb) == 0 && S_ISREG(sb.st_mode) ? lseek(0, 0, SEEK_CUR) : -1;
	char err[ERRLEN];
	int retry;

	srand48((long)getpid() ^ (long)time(NULL));
	for (retry = 0;; retry++) {
		struct child c;
		double delay;
		int code, ended;

		if (retry > 0 && off >= 0)
			lseek(0, off, SEEK_SET);
		if (child_spawn(&c, argv, 0, err, sizeof err) < 0)
			enprintf(EXIT_USAGE, "%s", err);
		ended = wait_whole(&c, deadline) == 0;
		/* the signal was passed on: the command's own answer to it is
		 * ours, unless it had to be killed */
		if (sigwake_signo())
			return ended ? child_exit_code(c.status) : 128 + sigwake_signo();
		if (!ended) {
			weprintf("--max-time passed: %s stopped", argv[0]);
			return EXIT_TEMPFAIL;
		}
		code = child_exit_code(c.status);
		if (code != EXIT_TEMPFAIL)
			return code;
		if (retry >= p->max_retries) {
			if (verbose)
				weprintf("%s exited 75 %d time%s: giving up", argv[0], retry + 1,
				         retry ? "s" : "");
			return EXIT_TEMPFAIL;
		}
		delay = backoff_delay(p, retry + 1, drand48());
		if (deadline && now_ms_f() + delay >= deadline) {
			weprintf("--max-time would pass before the next run of %s", argv[0]);
			return EXIT_TEMPFAIL;
		}
		if (verbose)
			weprintf("%s: attempt %d in %.3f s: exited 75", argv[0], retry + 2, delay / 1000);
		for (delay += now_ms_f(); now_ms_f() < delay && !sigwake_signo();)
			nap(delay - now_ms_f());
		if (sigwake_signo())
			return 128 + sigwake_signo();
	}
}

static int
run_records(struct retry_opts *o)
{
	const struct retry_stats *st;
	char err[ERRLEN];
	struct retry *r;
	int rc, status;

	if (!(r = retry_new(o, err, sizeof err)))
		enprintf(EXIT_USAGE, "%s", err);
	rc = retry_run(r);
	st = retry_stats(r);
	prog.st = *st;
	progress_clear();
	progress_draw(1);
	if (rc < 0) {
		int e = errno;

		retry_free(r);
		stdout_failed(e);
		exit(EXIT_FAILED);
	}
	if (o->verbose)
		weprintf("%ld records: %ld ok, %ld failed; %ld retries, %ld restarts of %s, "
		         "%ld lines not records, %ld answers dropped", st->records, st->ok,
		         st->failed, st->retries, st->restarts, o->argv[0], st->garbage, st->dropped);
	/* 130 for SIGINT, 143 for SIGTERM, as the command (given the same
	 * signal) exits */
	status = rc == 1 ? 128 + sigwake_signo() : st->usage_exit ? EXIT_USAGE :
	         st->failed ? EXIT_FAILED : EXIT_OK;
	retry_free(r);
	return status;
}

static double
seconds(const char *s, double min, const char *opt)
{
	return estrtod(s, min, 1e7, opt) * 1000;
}

int
main(int argc, char **argv)
{
	enum { O_BASE = 256, O_CAP, O_MAXRA, O_ON, O_MAXTIME, O_WHOLE, O_VERSION, O_MAXCOST,
	       O_MAXTOTAL, O_FALLBACK };
	static const struct option longopts[] = {
		{"retries", required_argument, NULL, 'n'},
		{"base", required_argument, NULL, O_BASE},
		{"cap", required_argument, NULL, O_CAP},
		{"max-retry-after", required_argument, NULL, O_MAXRA},
		{"on", required_argument, NULL, O_ON},
		{"max-time", required_argument, NULL, O_MAXTIME},
		{"max-cost", required_argument, NULL, O_MAXCOST},
		{"fallback", required_argument, NULL, O_FALLBACK},
		{"max-total-tokens", required_argument, NULL, O_MAXTOTAL},
		{"window", required_argument, NULL, 'w'},
		{"whole", no_argument, NULL, O_WHOLE},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct retry_opts o = {.window = 2048, .in_fd = 0, .out_fd = 1, .note = note,
	                       .progress = progress, .max_cost = -1, .max_total_tokens = -1};
	struct sigaction sa;
	char err[ERRLEN];
	int whole = 0, opt, quiet = 0, status;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	retry_policy_init(&o.pol);
	/* '+': options end at COMMAND, whose own options are its own */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:n:w:vqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': o.pol.max_retries = (int)estrtonum(optarg, 0, 1000, "-n"); break;
		case O_BASE: o.pol.base_ms = seconds(optarg, 0, "--base"); break;
		case O_CAP: o.pol.cap_ms = seconds(optarg, 0, "--cap"); break;
		case O_MAXRA: o.pol.max_retry_after_ms = seconds(optarg, 0, "--max-retry-after"); break;
		case O_ON:
			if (retry_policy_on(&o.pol, optarg, err, sizeof err) < 0)
				enprintf(EXIT_USAGE, "%s", err);
			break;
		case O_MAXTIME: o.max_time_ms = seconds(optarg, 0.001, "--max-time"); break;
		case O_MAXCOST: o.max_cost = estrtod(optarg, 0, 1e12, "--max-cost"); break;
		case O_FALLBACK:
			if (!*optarg)
				enprintf(EXIT_USAGE, "--fallback: an empty model name");
			o.fallback = erealloc(o.fallback, (o.nfallback + 1) * sizeof *o.fallback);
			o.fallback[o.nfallback++] = optarg;
			break;
		case O_MAXTOTAL:
			o.max_total_tokens = (double)estrtonum(optarg, 0, 1000000000000LL,
			                                       "--max-total-tokens");
			break;
		case 'w': o.window = (long)estrtonum(optarg, 1, 1000000, "-w"); break;
		case O_WHOLE: whole = 1; break;
		case 'v': o.verbose = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (optind >= argc)
		usage(stderr, EXIT_USAGE);
	if (whole && o.nfallback)
		enprintf(EXIT_USAGE, "--fallback changes records: not with --whole");
	if (whole && (o.max_cost >= 0 || o.max_total_tokens >= 0))
		enprintf(EXIT_USAGE, "--max-cost and --max-total-tokens count records: not with "
		         "--whole (give them to the command)");
	o.argv = argv + optind;
	/* no records piped in: the user wants the usage */
	if (!whole && isatty(0))
		usage(stderr, EXIT_USAGE);
	if (o.pol.base_ms > o.pol.cap_ms)
		o.pol.cap_ms = o.pol.base_ms;

	signal(SIGPIPE, SIG_IGN);
	/* no SA_RESTART: a signal wakes the waits up */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (whole)
		return run_whole(&o.pol, argv + optind, o.max_time_ms, o.verbose);
	prog.on = !quiet && progress_wanted(2);
	prog.stdout_tty = isatty(1);
	/* the command's progress line would count its attempts, not the
	 * outcomes, and fight ours for the line: it draws none */
	setenv("LLM_PROGRESS", "0", 1);
	status = run_records(&o);
	free(o.fallback);
	return status;
}
