/* llm-runner: play multi-turn tool-calling scenarios against a model,
 * the tool calls answered by mocks; one trace record per scenario. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "text/bound.h"
#include "plan/config.h"
#include "plan/plan.h"
#include "json/records.h"
#include "text/redact.h"
#include "run/runner.h"
#include "plan/scenario.h"
#include "text/msgredact.h"

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-runner [options] [SCENARIO...]   scenario files ('-': stdin; none: records on stdin) -> traces\n"
"\n"
"  -c, --chat CMD           the record-speaking command (default 'llm-chat -q'; split on blanks)\n"
"  -j, --jobs N             scenarios played at once (default 1)\n"
"  -m, --model MODEL        the model of scenarios that name none\n"
"      --timeout SEC        longest wait for one turn or one mock_exec (default 600)\n"
"      --store DIR          also write each trace to DIR/<run_id>.json\n"
"      --max-cost USD       play no more scenarios once those played cost USD\n"
"      --max-total-tokens N play no more scenarios once those played used N tokens\n"
"      --max-string BYTES   cut longer string values of a trace (default 50000; 0: no bound)\n"
"      --max-record BYTES   bound a trace's line (default 5000000; 0: no bound)\n"
"  -q, --quiet              no summary on a terminal\n"
"  -h, --help               this help\n"
"      --version            print the version and exit\n");
	exit(status);
}

struct out {
	struct redact *red;
	struct bound b;
	struct buf line, scratch;
	const char *store;
	int summary;
	int failed;
};

/* SIGINT and SIGTERM end the run at once, as 130 and 143 like the other
 * programs; the scenario being played gets no trace.  They wait while a
 * trace is written, so none is left half-written. */
static sigset_t stop_signals;

static void
on_signal(int signo)
{
	_exit(128 + signo);
}

static void
catch_stop_signals(void)
{
	struct sigaction sa;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_mask = stop_signals;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void write_trace_now(struct out *o, json_object *t);

/* The pool's done(): the trace written with the stop signals held off. */
static void
write_trace(void *arg, json_object *t)
{
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	write_trace_now(arg, t);
	sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
}

/* t summarized, bounded and written. */
static void
write_trace_now(struct out *o, json_object *t)
{
	char err[ERRLEN];
	const char *run_id = json_get_str(t, "run_id");
	/* a copy: bounding the trace may cut its strings */
	char *source = estrdup(json_get_str(t, "source") ? json_get_str(t, "source") : "");

	if (strcmp(json_get_str(t, "status"), "ok") ||
	    json_object_get_boolean(json_get(t, "cut_off")))
		o->failed = 1;
	if (o->summary) {
		runner_summary(t, source, &o->scratch);
		redact_cstr(o->red, o->scratch.data, o->scratch.len + 1);
		weprintf("%s", o->scratch.data);
	}
	if (bound_record(&o->b, o->red, t, &o->line) < 0) {
		json_object *e = runner_bad_trace(source, "bad_input",
		                                  "the trace does not fit --max-record");

		o->failed = 1;
		if (run_id)
			json_set(e, "run_id", json_ref(json_get(t, "run_id")));
		json_line(e, &o->line);
		json_object_put(e);
	}
	buf_add(&o->line, "\n", 1);
	if (write_all(STDOUT_FILENO, o->line.data, o->line.len) < 0) {
		stdout_failed(errno);
		exit(EXIT_FAILED);
	}
	if (o->store && run_id) {
		buf_reset(&o->scratch);
		buf_addf(&o->scratch, "%s/%s.json", o->store, run_id);
		if (atomic_write(o->scratch.data, o->line.data, o->line.len, 1, err, sizeof err) < 0) {
			weprintf("%s", err);
			o->failed = 1;
		}
	}
	free(source);
}

/* Scenario records on stdin: a bad one gives an error trace. */
static void
run_stdin(struct runner_pool *p, const char *model)
{
	char err[ERRLEN], src[64];
	struct rec_reader rd;
	struct scenario s;
	json_object *v;
	enum rec_status st;

	rec_reader_init(&rd, STDIN_FILENO, "stdin", SCENARIO_MAX_FILE);
	while ((st = rec_next(&rd, &v, err, sizeof err)) != REC_EOF) {
		snprintf(src, sizeof src, "stdin:%ld", rd.lineno);
		if (st == REC_IOERR)
			eprintf("stdin: %s", err);
		if (st == REC_BAD || scenario_resolve(v, src, model, &s, err, sizeof err) < 0) {
			runner_pool_add_trace(p, runner_bad_trace(src, "bad_input", err));
		} else {
			runner_pool_add(p, &s);
			scenario_free(&s);
		}
		json_object_put(v);
	}
	rec_reader_free(&rd);
}

int
main(int argc, char *argv[])
{
	enum { O_TIMEOUT = 256, O_STORE, O_MAXSTR, O_MAXREC, O_VERSION, O_MAXCOST, O_MAXTOTAL };
	static const struct option lo[] = {
		{"chat", required_argument, NULL, 'c'},
		{"model", required_argument, NULL, 'm'},
		{"jobs", required_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"store", required_argument, NULL, O_STORE},
		{"max-cost", required_argument, NULL, O_MAXCOST},
		{"max-total-tokens", required_argument, NULL, O_MAXTOTAL},
		{"max-string", required_argument, NULL, O_MAXSTR},
		{"max-record", required_argument, NULL, O_MAXREC},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{0},
	};
	char err[ERRLEN], cfgerr[ERRLEN], *chat = estrdup("llm-chat -q"), *model = NULL;
	struct out o = { .b = { .max_string = 50000, .max_record = 5000000 } };
	struct runner_opts ro = { .turn_ms = 600000, .max_cost = -1, .max_total_tokens = -1 };
	struct config cfg;
	struct scenario *sc;
	struct runner_pool *p;
	int c, quiet = 0, own_chat = 0, i, n, jobs = 1;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	catch_stop_signals();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:j:m:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			free(chat);
			chat = estrdup(optarg);
			own_chat = 1;
			break;
		case 'm':
			model = optarg;
			break;
		case 'j':
			jobs = (int)estrtonum(optarg, 1, 1000, "-j");
			break;
		case O_TIMEOUT:
			ro.turn_ms = estrtod(optarg, 0.001, 1e7, "--timeout") * 1000;
			break;
		case O_MAXCOST:
			ro.max_cost = estrtod(optarg, 0, 1e12, "--max-cost");
			break;
		case O_MAXTOTAL:
			ro.max_total_tokens = (double)estrtonum(optarg, 0, 1000000000000LL,
			                                        "--max-total-tokens");
			break;
		case O_STORE:
			o.store = optarg;
			break;
		case O_MAXSTR:
			o.b.max_string = (size_t)estrtonum(optarg, 0, 1LL << 40, "--max-string");
			break;
		case O_MAXREC:
			o.b.max_record = (size_t)estrtonum(optarg, 0, 1LL << 40, "--max-record");
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		case O_VERSION:
			version_exit();
		default:
			option_error(c, argv, lo);
		}
	}
	if (!(ro.chat = split_words(chat)))
		enprintf(EXIT_USAGE, "--chat: empty command");
	o.summary = !quiet && isatty(STDERR_FILENO);
	o.red = redact_new();
	if (redact_load_default(o.red, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "%s", err);
	/* only for the trace's endpoint: a chat command of one's own needs none */
	ro.cfg = config_load(&cfg, NULL, NULL, cfgerr, sizeof cfgerr) == 0 ? &cfg : NULL;
	/* every file is read and checked before anything runs */
	n = argc - optind;
	sc = ecalloc((size_t)n + 1, sizeof *sc);
	for (i = 0; i < n; i++) {
		json_object *v;

		if (plan_parse_file(argv[optind + i], &v, NULL, err, sizeof err) < 0 ||
		    scenario_resolve(v, argv[optind + i], model, &sc[i], err, sizeof err) < 0)
			enprintf(EXIT_USAGE, "%s", err);
		json_object_put(v);
	}
	/* llm-chat would fail every turn of every scenario for want of it:
	 * missing configuration is said once, before anything runs */
	if (!own_chat && !ro.cfg)
		enprintf(EXIT_USAGE, "%s", cfgerr);
	if (!own_chat && !cfg.def.base_url && cfg.nprov == 0)
		enprintf(EXIT_USAGE, "%s", config_help());
	p = runner_pool_new(&ro, jobs, write_trace, &o);
	if (n == 0)
		run_stdin(p, model);
	for (i = 0; i < n; i++) {
		runner_pool_add(p, &sc[i]);
		scenario_free(&sc[i]);
	}
	runner_pool_free(p);
	free(sc);
	free(ro.chat);
	free(chat);
	if (ro.cfg)
		config_free(&cfg);
	bound_free(&o.b);
	redact_free(o.red);
	buf_free(&o.line);
	buf_free(&o.scratch);
	return o.failed ? EXIT_FAILED : EXIT_OK;
}
