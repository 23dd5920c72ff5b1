/* llm-chat: send chat completions.  Request records in, result records
 * out; or a prompt on the command line, the answer's text out.  The loop
 * that sends them is lib/run/client.c.
 *
 * llm-stream is this program with LLM_STREAM defined (cmd/llm-stream.c):
 * it asks for streams, writes a prompt's text as it arrives and, with
 * --events, the stream events of each record before its result. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sigwake.h"
#include "base/stdfds.h"
#include "json/schema.h"
#include "run/client.h"
#include "base/lineout.h"
#include "text/msgredact.h"

struct chat {
	int prompt_mode;
	int json;		/* prompt mode: print the record */
	int tty;		/* draw a progress line */
	int printed;		/* progress line on screen */
	int stdout_tty;
	int last_ok;		/* prompt mode: the outcome */
	int last_retryable;
	int stream;		/* llm-stream */
	char last;		/* prompt mode, streaming: last byte written */
	int hinted;		/* said that stdin is not records */
	struct lineout out;	/* stdout: records not yet written */
	struct buf line;
};

static void
usage(FILE *fp, int status, int stream)
{
	const char *p = stream ? "llm-stream" : "llm-chat";

	fprintf(fp,
"usage: %s [options] [-i FILE]...          request records -> result records\n"
"       %s [options] -m MODEL PROMPT...     a prompt -> the answer's text%s\n"
"       %s [options] -m MODEL -              the prompt from stdin\n"
"\n"
"  -m, --model MODEL        model (prompt mode; in record mode, set in every request)\n"
"  -s, --system TEXT        system prompt (prompt mode)\n"
"      --system-file FILE   system prompt from a file (prompt mode)\n"
"  -i, --input FILE         read request records from FILE ('-': stdin); repeatable\n"
"  -j, --jobs N             requests in flight at most (default 8; paced, up to 64)\n"
"  -k, --keep-order         write results in input order\n"
"      --temperature T      set temperature in every request\n"
"      --max-tokens N       set max_tokens in every request\n"
"      --json-object        ask for a JSON object (response_format json_object)\n"
"      --json-schema FILE   ask for JSON that follows the schema in FILE; check it\n"
"      --json               prompt mode: print the result record, not the text\n"
"  -n, --no-stdin           prompt mode: do not read stdin (in a 'while read' loop)\n"
"%s"
"      --echo               put the request on success records too\n"
"      --save               write each answer's content to its meta.output file\n"
"      --cache DIR          keep successful answers in DIR and reuse them\n"
"      --rpm N              send at most N requests a minute\n"
"      --tpm N              send at most about N tokens a minute\n"
"      --max-cost USD       send nothing that could take the spending past USD\n"
"      --max-total-tokens N send nothing that could take the tokens used past N\n"
"      --no-pace            do not follow the servers' rate-limit headers\n"
"      --timeout SEC        give up on a request after SEC seconds (default 600)\n"
"      --connect-timeout SEC  give up connecting after SEC seconds (default 10)\n"
"      --max-response BYTES longest response body accepted (default 16777216)\n"
"      --base-url URL       endpoint, instead of LLM_BASE_URL\n"
"      --token-file FILE    read the API token from FILE\n"
"  -q, --quiet              no progress line\n"
"  -v, --verbose            trace requests on stderr (the token masked)\n"
"  -h, --help               this help\n"
"      --version            print the version and exit\n",
	        p, p, stream ? ", as it arrives" : "", p,
	        stream ? "      --events             record mode: write each record's stream events before it\n" : "");
	exit(status);
}

/* Records are gathered (lib/lineout) and written at the end of each round
 * of the loop. */
static int
flush_out(void *arg)
{
	return lineout_flush(&((struct chat *)arg)->out);
}

static int add_line(struct chat *ch, json_object *rec);

static int
out_record(void *arg, json_object *rec, int ok)
{
	struct chat *ch = arg;
	json_object *err = json_get(rec, "error");

	ch->last_ok = ok;
	ch->last_retryable = json_object_get_boolean(json_get(err, "retryable"));
	if (ch->prompt_mode && !ch->json) {
		const char *s = json_get_str(rec, "content");
		size_t n = s ? strlen(s) : 0;

		if (!ok) {
			if (ch->stream && ch->last && ch->last != '\n')
				lineout_add(&ch->out, "\n", 1);	/* end what was shown */
			weprintf("%s", json_get_str(err, "message"));
			return 0;
		}
		if (ch->stream) {
			/* the text went out as it came: end its line */
			if (ch->last != '\n')
				lineout_add(&ch->out, "\n", 1);
			return 0;
		}
		if (n > 0 && s[n - 1] == '\n')
			n--;
		lineout_line(&ch->out, s ? s : "", n);
		return 0;
	}
	if (!ok && !ch->hinted && strncmp(json_get_str(err, "message"), "stdin:1: invalid JSON",
	                                  strlen("stdin:1: invalid JSON")) == 0) {
		/* text piped in without a prompt: each line stays an error
		 * record, but say once what was probably meant */
		weprintf("stdin does not look like request records (a JSON object a line); "
		         "to send text as a prompt: ... | %s -m MODEL 'what to do with it', "
		         "or %s -m MODEL - for the text alone", progname(), progname());
		ch->hinted = 1;
	}
	return add_line(ch, rec);
}

/* Queue rec as a line. */
static int
add_line(struct chat *ch, json_object *rec)
{
	if (ch->printed && ch->stdout_tty) {
		/* the progress line makes way for the records on a shared tty */
		(void)!write(2, "\r\033[K", 4);
		ch->printed = 0;
	}
	json_line(rec, &ch->line);
	lineout_line(&ch->out, ch->line.data, ch->line.len);
	return ch->out.err ? -1 : 0;
}

/* A stream event: in prompt mode its text goes out at once, else the
 * event is a record of its own. */
static int
out_event(void *arg, json_object *ev)
{
	struct chat *ch = arg;

	if (ch->prompt_mode) {
		const char *s = json_get_str(ev, "content");
		size_t n;

		if (strcmp(json_get_str(ev, "event"), "delta") != 0 || !s || !(n = strlen(s)))
			return 0;
		lineout_add(&ch->out, s, n);
		if (lineout_flush(&ch->out) < 0)
			return -1;
		ch->last = s[n - 1];
		return 0;
	}
	return add_line(ch, ev);
}

/* notice() and, with -v, trace() */
static void
say(void *arg, const char *msg)
{
	(void)arg;
	weprintf("%s", msg);
}

static void
progress(void *arg, const struct client_stats *s, int final)
{
	struct chat *ch = arg;
	double secs = (now_ms_f() - s->started) / 1000.0;
	char line[256];
	int n;

	if (!ch->tty || (final && s->done == 0))
		return;
	n = snprintf(line, sizeof line, "\r%s: %ld done, %ld ok, %ld failed, %lld tokens, %.1f req/s",
	             progname(), s->done, s->ok, s->failed, s->tokens,
	             secs > 0 ? s->done / secs : 0.0);
	/* the pace, once a server has told its limits */
	if (s->pace_window >= 0)
		n += snprintf(line + n, sizeof line - (size_t)n, ", pace %d in flight, %.1f req/s",
		              s->pace_window, s->pace_rate);
	n += snprintf(line + n, sizeof line - (size_t)n, "\033[K%s", final ? "\n" : "");
	(void)!write(2, line, (size_t)n);
	ch->printed = !final;
}

/* Prompt mode: one request from the words, stdin's text and the system
 * prompt.  Text piped on stdin comes first, then a blank line, then the
 * prompt, so "cat notes.md | llm-chat -m m 'summarize this'" reads well.
 * With no_stdin stdin is not read; a prompt of "-" alone is stdin's text
 * alone, also from a terminal. */
static json_object *
prompt_record(char **words, int nwords, const char *model, const char *system, int no_stdin)
{
	json_object *body = json_object_new_object(), *msgs = json_object_new_array();
	json_object *m;
	struct buf text = {0};
	int i;

	int dash = nwords == 1 && strcmp(words[0], "-") == 0;

	if (dash)
		nwords = 0;
	if (dash || (!no_stdin && !isatty(0))) {
		char err[ERRLEN];
		size_t len;
		char *in = read_file("/dev/stdin", 64u << 20, &len, err, sizeof err);

		if (!in)
			enprintf(EXIT_USAGE, "stdin: %s", err);
		while (len > 0 && in[len - 1] == '\n')
			len--;
		if (len > 0) {
			buf_add(&text, in, len);
			if (nwords)
				buf_adds(&text, "\n\n");
		}
		free(in);
	}
	for (i = 0; i < nwords; i++) {
		if (i)
			buf_add(&text, " ", 1);
		buf_adds(&text, words[i]);
	}
	json_set(body, "model", json_object_new_string(model));
	if (system) {
		m = json_object_new_object();
		json_set(m, "role", json_object_new_string("system"));
		json_set(m, "content", json_object_new_string(system));
		json_object_array_add(msgs, m);
	}
	m = json_object_new_object();
	json_set(m, "role", json_object_new_string("user"));
	json_set(m, "content", json_object_new_string(text.data ? text.data : ""));
	json_object_array_add(msgs, m);
	json_set(body, "messages", msgs);
	buf_free(&text);
	return body;
}

/* --json-schema FILE: the response_format asking for it, the schema
 * compiled first so a wrong one stops here, before anything is sent. */
static json_object *
schema_format(const char *path, int json_object_too)
{
	char err[ERRLEN], name[65];
	struct schema *s;
	json_object *rf;

	if (json_object_too)
		usage_error("give --json-object or --json-schema, not both");
	if (!(s = schema_load(path, 0, err, sizeof err)))
		enprintf(EXIT_USAGE, "--json-schema: %s", err);
	openai_schema_name(path, name, sizeof name);
	rf = openai_schema_format(schema_doc(s), name);
	schema_free(s);
	return rf;
}

static void
on_signal(int signo)
{
	sigwake_raise(signo);
}

#ifndef LLM_STREAM
#define LLM_STREAM 0
#endif

int
main(int argc, char **argv)
{
	const int stream = LLM_STREAM;

	enum { O_SYSFILE = 256, O_TEMP, O_MAXTOK, O_JSONOBJ, O_JSON, O_ECHO, O_SAVE, O_CACHE,
	       O_TIMEOUT, O_CTIMEOUT, O_MAXRESP, O_BASE, O_TOKFILE, O_RPM, O_TPM, O_NOPACE, O_EVENTS,
	       O_VERSION, O_MAXCOST, O_MAXTOTAL, O_SCHEMA };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"system", required_argument, NULL, 's'},
		{"system-file", required_argument, NULL, O_SYSFILE},
		{"input", required_argument, NULL, 'i'},
		{"jobs", required_argument, NULL, 'j'},
		{"keep-order", no_argument, NULL, 'k'},
		{"temperature", required_argument, NULL, O_TEMP},
		{"max-tokens", required_argument, NULL, O_MAXTOK},
		{"json-object", no_argument, NULL, O_JSONOBJ},
		{"json-schema", required_argument, NULL, O_SCHEMA},
		{"json", no_argument, NULL, O_JSON},
		{"no-stdin", no_argument, NULL, 'n'},
		{"echo", no_argument, NULL, O_ECHO},
		{"save", no_argument, NULL, O_SAVE},
		{"cache", required_argument, NULL, O_CACHE},
		{"rpm", required_argument, NULL, O_RPM},
		{"tpm", required_argument, NULL, O_TPM},
		{"max-cost", required_argument, NULL, O_MAXCOST},
		{"max-total-tokens", required_argument, NULL, O_MAXTOTAL},
		{"no-pace", no_argument, NULL, O_NOPACE},
		{"events", no_argument, NULL, O_EVENTS},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"connect-timeout", required_argument, NULL, O_CTIMEOUT},
		{"max-response", required_argument, NULL, O_MAXRESP},
		{"base-url", required_argument, NULL, O_BASE},
		{"token-file", required_argument, NULL, O_TOKFILE},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct client_opts o = {
		.jobs = 8,
		.ov = {.max_tokens = -1, .stream = 0},
		.http = {.timeout_ms = 600000, .connect_timeout_ms = 10000, .max_body = 16u << 20},
		.progress_ms = 200,
		.max_cost = -1,
		.max_total_tokens = -1,
	};
	struct chat ch = {0};
	struct config cfg;
	struct client *c;
	const char *inputs[64], *system = NULL, *sysfile = NULL, *base = NULL, *tokfile = NULL;
	char err[ERRLEN];
	int fds[64];
	int ninputs = 0, quiet = 0, events = 0, no_stdin = 0, opt, rc = 0, i;
	int no_pace = 0, jobs_given = 0;
	struct client_io io = {
		.out = out_record, .flush = flush_out, .progress = progress, .notice = say, .arg = &ch,
	};
	char *systext = NULL;
	const char *schemafile = NULL;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	lineout_init(&ch.out, 1, 0);
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":m:s:i:j:knqvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': o.ov.model = optarg; break;
		case 's': system = optarg; break;
		case O_SYSFILE: sysfile = optarg; break;
		case 'i':
			if (ninputs == (int)(sizeof inputs / sizeof *inputs))
				enprintf(EXIT_USAGE, "too many -i files");
			inputs[ninputs++] = optarg;
			break;
		case 'j': o.jobs = (int)estrtonum(optarg, 1, 1024, "-j"); jobs_given = 1; break;
		case 'k': o.keep_order = 1; break;
		case O_TEMP:
			o.ov.temperature = json_double_text(estrtod(optarg, 0, 2, "--temperature"), optarg);
			break;
		case O_MAXTOK: o.ov.max_tokens = estrtonum(optarg, 1, 100000000, "--max-tokens"); break;
		case O_JSONOBJ: o.ov.json_object_format = 1; break;
		case O_SCHEMA: schemafile = optarg; break;
		case O_JSON: ch.json = 1; break;
		case O_ECHO: o.echo = 1; break;
		case O_SAVE: o.save = 1; break;
		case O_CACHE: o.cache_dir = optarg; break;
		case O_RPM: o.rpm = estrtod(optarg, 0.001, 1e9, "--rpm"); break;
		case O_TPM: o.tpm = estrtod(optarg, 1, 1e12, "--tpm"); break;
		case O_MAXCOST: o.max_cost = estrtod(optarg, 0, 1e12, "--max-cost"); break;
		case O_MAXTOTAL:
			o.max_total_tokens = (double)estrtonum(optarg, 0, 1000000000000LL,
			                                       "--max-total-tokens");
			break;
		case O_NOPACE: no_pace = 1; break;
		case O_EVENTS:
			if (!stream)
				usage_error("--events is llm-stream's option");
			events = 1;
			break;
		case O_TIMEOUT:
			o.http.timeout_ms = (long)(estrtod(optarg, 0.001, 86400, "--timeout") * 1000);
			break;
		case O_CTIMEOUT:
			o.http.connect_timeout_ms =
				(long)(estrtod(optarg, 0.001, 3600, "--connect-timeout") * 1000);
			break;
		case O_MAXRESP:
			o.http.max_body = (size_t)estrtonum(optarg, 1024, 1LL << 32, "--max-response");
			break;
		case O_BASE: base = optarg; break;
		case O_TOKFILE: tokfile = token_file_arg(argv); break;
		case 'n': no_stdin = 1; break;
		case 'q': quiet = 1; break;
		case 'v': io.trace = say; break;
		case 'h': usage(stdout, 0, stream); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	ch.prompt_mode = optind < argc;
	if (!ch.prompt_mode && (system || sysfile || ch.json || no_stdin))
		usage_error("-s, --system-file, --json and -n go with a PROMPT");
	if (no_stdin && argc - optind == 1 && strcmp(argv[optind], "-") == 0)
		usage_error("the prompt '-' is read from stdin: it does not go with -n");
	if (ch.prompt_mode && events)
		enprintf(EXIT_USAGE, "--events goes with records, not a PROMPT");
	if (ch.prompt_mode && ninputs)
		enprintf(EXIT_USAGE, "-i reads records; it does not go with a PROMPT");
	/* no records named and none piped in: the user wants the usage */
	if (!ch.prompt_mode && ninputs == 0 && isatty(0))
		usage(stderr, EXIT_USAGE, stream);
	if (system && sysfile)
		enprintf(EXIT_USAGE, "give -s or --system-file, not both");
	if (schemafile)
		o.ov.response_format = schema_format(schemafile, o.ov.json_object_format);
	if (!o.cache_dir && getenv("LLM_CACHE_DIR") && *getenv("LLM_CACHE_DIR"))
		o.cache_dir = getenv("LLM_CACHE_DIR");
	if (ch.prompt_mode && !o.ov.model && !(o.ov.model = getenv("LLM_MODEL")))
		enprintf(EXIT_USAGE, "no model: give -m MODEL (or set LLM_MODEL)");
	if (sysfile && !(system = systext = read_file(sysfile, 16u << 20, NULL, err, sizeof err)))
		enprintf(EXIT_USAGE, "%s", err);
	/* every input is opened before anything is sent */
	for (i = 0; i < ninputs; i++)
		if ((fds[i] = strcmp(inputs[i], "-") == 0 ? 0 : open(inputs[i], O_RDONLY | O_CLOEXEC)) < 0)
			enprintf(EXIT_USAGE, "%s:", inputs[i]);
	if (config_load(&cfg, base, tokfile, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "%s", err);
	if (!cfg.def.base_url && cfg.nprov == 0)
		enprintf(EXIT_USAGE, "%s", config_help());
	if (ch.prompt_mode) {
		const char *sent;

		if (!config_route(&cfg, o.ov.model, &sent, err, sizeof err))
			enprintf(EXIT_USAGE, "%s", err);
	}
	/* paced, -j is the window's ceiling; not given, the window starts at
	 * 8 and may grow to 64 for a server that tells its limits */
	o.pace = !no_pace;
	if (o.pace && !jobs_given) {
		o.pace_start = o.jobs;
		o.jobs = 64;
	}
	ch.tty = !quiet && !ch.prompt_mode && progress_wanted(2);
	ch.stdout_tty = isatty(1);
	if (!ch.tty)
		o.progress_ms = 0;
	ch.stream = o.stream = stream;
	if (stream && (events || (ch.prompt_mode && !ch.json)))
		io.event = out_event;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!(c = client_new(&o, &cfg, &io, err, sizeof err)))
		eprintf("%s", err);
	if (ch.prompt_mode) {
		json_object *rec = prompt_record(argv + optind, argc - optind, o.ov.model, system,
		                                 no_stdin);

		rc = client_run_record(c, rec);
	} else if (ninputs == 0) {
		rc = client_run_fd(c, 0, "stdin");
	}
	for (i = 0; i < ninputs && rc == 0; i++) {
		rc = client_run_fd(c, fds[i], fds[i] == 0 ? "stdin" : inputs[i]);
		if (fds[i] != 0)
			close(fds[i]);
	}
	if (rc == -1 && !sigwake_signo())
		stdout_failed(ch.out.err);
	{
		const struct client_stats *st = client_stats(c);
		int status = st->failed ? EXIT_FAILED : EXIT_OK;

		if (ch.prompt_mode && !ch.last_ok)
			status = ch.last_retryable ? EXIT_TEMPFAIL : EXIT_FAILED;
		if (rc == -1)
			status = sigwake_signo() ? 128 + sigwake_signo() : EXIT_FAILED;
		client_free(c);
		config_free(&cfg);
		json_object_put(o.ov.temperature);
		json_object_put(o.ov.response_format);
		free(systext);
		lineout_free(&ch.out);
		buf_free(&ch.line);
		curl_global_cleanup();
		return status;
	}
}
