/* llm-mock: a deterministic offline OpenAI-compatible server, for demos,
 * tests and CI, with faults injected on request. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/stdfds.h"
#include "plan/config.h"
#include "mock/mock.h"
#include "mock/mock_http.h"
#include "base/util.h"
#include "text/msgredact.h"

#define MAXMODELS 64

static const char usage_text[] =
	"usage: llm-mock [-qv] [--host ADDR] [--port N] [--port-file FILE]\n"
	"                [--model NAME]... [--latency MS] [--chunk-delay MS]\n"
	"                [--rules FILE] [--token-file FILE] [--close-after-stream]\n"
	"                [--no-json-schema] [--batch-seconds S] [--batch-expire N]\n"
	"                [--batch-max-bytes N] [--batch-lose N]\n"
	"                [--limit-rpm N] [--limit-tpm N] [--quota-tokens N] [--tokens-per-s N]\n"
	"\n"
	"A deterministic OpenAI-compatible server: it echoes the last user\n"
	"message and acts out [[mock:...]] directives found in it.\n"
	"\n"
	"  -H, --host ADDR       address to listen on (default 127.0.0.1)\n"
	"  -p, --port N          port to listen on, 0 for any free one (default 8080)\n"
	"      --port-file FILE  write the port listened on to FILE\n"
	"  -m, --model NAME      a model listed by /v1/models (repeatable; default mock)\n"
	"      --latency MS      wait MS milliseconds before every answer\n"
	"      --chunk-delay MS  wait MS milliseconds between streamed chunks\n"
	"  -r, --rules FILE      scripted answers, one JSON rule per line\n"
	"      --token-file FILE require 'Authorization: Bearer <first line of FILE>'\n"
	"      --close-after-stream  close connections after streamed answers (as llama-server)\n"
	"      --no-json-schema  refuse response_format json_schema with a 400 (as older servers)\n"
	"      --batch-seconds S each step of a batch takes S seconds (default 1; 0.1 allowed)\n"
	"      --batch-expire N  the last N requests of every batch expire unanswered\n"
	"      --batch-max-bytes N  bytes of batch files held at most (default 1 GiB)\n"
	"      --batch-lose N    make the first N uploads and batches, then drop their answers\n"
	"      --limit-rpm N     allow each token N requests a minute, then answer 429\n"
	"      --limit-tpm N     allow each token N tokens a minute (prompt + max_tokens)\n"
	"      --quota-tokens N  after N tokens answered, 429 insufficient_quota to all\n"
	"      --tokens-per-s N  take completion_tokens / N seconds to answer\n"
	"  -q, --quiet           say nothing on start\n"
	"  -v, --verbose         log every request on stderr\n"
	"  -h, --help            show this help\n"
	"      --version         print the version and exit\n"
	"\n"
	"Directives: [[mock:429 retry-after=2 times=1]], [[mock:tool name=f args={}]],\n"
	"[[mock:slow ms=500]], drop, no-done, truncate, invalid-json, empty-choices,\n"
	"huge bytes=N, stream-error, tools-no-stream, bad-utf8, schema-break.  See llm-mock(1).\n";

static const struct option longopts[] = {
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "model", required_argument, NULL, 'm' },
	{ "latency", required_argument, NULL, 'L' },
	{ "chunk-delay", required_argument, NULL, 'D' },
	{ "rules", required_argument, NULL, 'r' },
	{ "token-file", required_argument, NULL, 'T' },
	{ "close-after-stream", no_argument, NULL, 'C' },
	{ "no-json-schema", no_argument, NULL, 'J' },
	{ "batch-seconds", required_argument, NULL, 'S' },
	{ "batch-expire", required_argument, NULL, 'E' },
	{ "batch-max-bytes", required_argument, NULL, 'B' },
	{ "batch-lose", required_argument, NULL, 'O' },
	{ "limit-rpm", required_argument, NULL, 'R' },
	{ "limit-tpm", required_argument, NULL, 'K' },
	{ "quota-tokens", required_argument, NULL, 'Q' },
	{ "tokens-per-s", required_argument, NULL, 'W' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
log_line(const char *line)
{
	weprintf("%s", line);
}

static int
write_port_file(const char *path, int port, char *err, size_t errlen)
{
	char text[16];
	int n = snprintf(text, sizeof text, "%d\n", port);

	/* atomic: whoever polls for the file never reads half a number */
	return atomic_write(path, text, (size_t)n, 0, err, errlen);
}

/* The base URL to announce; an IPv6 address goes in brackets. */
static void
announce(const char *host, int port)
{
	if (strchr(host, ':'))
		weprintf("listening on http://[%s]:%d/v1", host, port);
	else
		weprintf("listening on http://%s:%d/v1", host, port);
}

int
main(int argc, char *argv[])
{
	struct mock_http_opts o = { .host = "127.0.0.1", .port = 8080 };
	struct mock_limits_opts lo = {0};
	const char *models[MAXMODELS], *port_file = NULL, *rules = NULL, *token_file = NULL;
	char *token = NULL;
	size_t nmodels = 0;
	int c, quiet = 0, verbose = 0, no_json_schema = 0, sig;
	char err[ERRLEN];
	struct mock *m;
	struct mock_http *h;
	struct mock_batch_opts bo = { .seconds = 1, .max_bytes = MOCK_BATCH_MAXBYTES };
	sigset_t set;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":H:p:m:r:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o.host = optarg;
			break;
		case 'p':
			o.port = (int)estrtonum(optarg, 0, 65535, "--port");
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'm':
			if (nmodels == MAXMODELS)
				usage_error("too many --model options");
			models[nmodels++] = optarg;
			break;
		case 'L':
			o.latency_ms = estrtonum(optarg, 0, MOCK_MAXMS, "--latency");
			break;
		case 'D':
			o.chunk_delay_ms = estrtonum(optarg, 0, MOCK_MAXMS, "--chunk-delay");
			break;
		case 'r':
			rules = optarg;
			break;
		case 'T':
			token_file = token_file_arg(argv);
			break;
		case 'C':
			o.close_after_stream = 1;
			break;
		case 'J':
			no_json_schema = 1;
			break;
		case 'S':
			bo.seconds = estrtod(optarg, 0, 86400, "--batch-seconds");
			break;
		case 'E':
			bo.expire = estrtonum(optarg, 0, 1LL << 40, "--batch-expire");
			break;
		case 'B':
			bo.max_bytes = estrtonum(optarg, 1, 1LL << 40, "--batch-max-bytes");
			break;
		case 'O':
			bo.lose = estrtonum(optarg, 0, 1LL << 40, "--batch-lose");
			break;
		case 'R':
			lo.rpm = estrtonum(optarg, 1, 1000000000, "--limit-rpm");
			break;
		case 'K':
			lo.tpm = estrtonum(optarg, 1, 1000000000000LL, "--limit-tpm");
			break;
		case 'Q':
			lo.quota_tokens = estrtonum(optarg, 1, 1000000000000LL, "--quota-tokens");
			break;
		case 'W':
			lo.tokens_per_s = estrtonum(optarg, 1, 1000000000, "--tokens-per-s");
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return fclose(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
		case 'V':
			version_exit();
		default:
			option_error(c, argv, longopts);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (nmodels == 0)
		models[nmodels++] = "mock";
	o.models = models;
	o.nmodels = nmodels;
	o.log = verbose ? log_line : NULL;
	if (token_file && !(token = config_read_token(token_file, err, sizeof err)))
		enprintf(EXIT_USAGE, "%s", err);
	o.token = token;

	/* made even with no limits given: POST /v1/mock/limits sets them */
	o.limits = mock_limits_new(&lo);
	m = mock_new();
	mock_set_no_json_schema(m, no_json_schema);
	if (rules && mock_load_rules(m, rules, err, sizeof err) < 0) {
		mock_free(m);
		enprintf(EXIT_USAGE, "%s", err);
	}
	o.batch = mock_batch_new(m, &bo);

	/* the server's threads inherit this mask, so the signals come
	 * to sigwait() below and nowhere else; a shell starts background
	 * jobs with SIGINT ignored, which would make sigwait() miss it */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (!(h = mock_http_start(m, &o, err, sizeof err))) {
		mock_free(m);
		enprintf(EXIT_FAILED, "%s", err);
	}
	if (port_file && write_port_file(port_file, mock_http_port(h), err, sizeof err) < 0) {
		mock_http_stop(h);
		mock_free(m);
		enprintf(EXIT_FAILED, "%s", err);
	}
	if (!quiet)
		announce(o.host, mock_http_port(h));
	while (sigwait(&set, &sig) != 0)
		;
	mock_http_stop(h);
	mock_batch_free(o.batch);
	mock_free(m);
	mock_limits_free(o.limits);
	free(token);
	return EXIT_OK;
}
