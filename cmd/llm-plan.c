/* llm-plan: expand a plan (models x queries) into request records. */
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
#include "plan/config.h"
#include "plan/plan.h"
#include "report/prices.h"
#include "text/msgredact.h"

#define MAX_MODELS 1024

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
"usage: llm-plan [options] PLAN_FILE            a plan.toml or plan.json ('-': stdin) -> request records\n"
"       llm-plan [options] [-C DIR] PLAN_ID     the plan */Output/PLAN_ID/plan.toml under DIR\n"
"       llm-plan [options] -m MODEL... QUERY_FILE...   ad hoc, no plan file\n"
"       llm-plan --dump FILE                    a TOML or JSON file as one JSON document\n"
"\n"
"  -C, --directory DIR      look for PLAN_ID under DIR (default .)\n"
"  -n, --dry-run            print a summary of the plan, not the records\n"
"      --estimate           print what the records to send would cost, not the records\n"
"      --max-cost USD       refuse (exit 1) when the cost could pass USD; else write as usual\n"
"      --skip-existing      leave out pairs whose response file exists\n"
"      --done LOG           leave out ids with an ok record in the result log LOG; repeatable\n"
"      --repeat N           N samples of every pair (ids end in /r0 .. /rN-1)\n"
"  -m, --model MODEL        ad hoc: a model; repeatable\n"
"  -s, --system-file FILE   ad hoc: the system prompt, from FILE\n"
"      --temperature T      ad hoc: temperature (0 to 2)\n"
"      --max-tokens N       ad hoc: max_tokens\n"
"      --plan-id ID         ad hoc: the plan id (default adhoc)\n"
"      --dump FILE          print FILE (TOML or JSON; '-': stdin) as JSON and exit\n"
"  -h, --help               this help\n"
"      --version            print the version and exit\n");
	exit(status);
}

static int
write_out(void *arg, const char *p, size_t n)
{
	(void)arg;
	return write_all(1, p, n) < 0 ? errno : 0;
}

/* b to stdout, or end as a failed write ends */
static void
print_or_die(struct buf *b)
{
	if (write_all(1, b->data, b->len) < 0) {
		stdout_failed(errno);	/* `| head` ends it quietly, as the others */
		exit(EXIT_FAILED);
	}
}

/* JSON has no inf or nan: --dump writes them as the strings TOML spells. */
static void
nonfinite_to_strings(json_object *v)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, c) {
			if (json_object_is_type(c, json_type_double) && !isfinite(json_object_get_double(c)))
				json_object_object_add(v, key, json_object_new_string(
					isnan(json_object_get_double(c)) ? "nan" : json_object_get_double(c) > 0 ? "inf" : "-inf"));
			else
				nonfinite_to_strings(c);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (i = 0, n = json_object_array_length(v); i < n; i++) {
			json_object *c = json_object_array_get_idx(v, i);
			double d = json_object_get_double(c);

			if (json_object_is_type(c, json_type_double) && !isfinite(d))
				json_object_array_put_idx(v, i, json_object_new_string(
					isnan(d) ? "nan" : d > 0 ? "inf" : "-inf"));
			else
				nonfinite_to_strings(c);
		}
	}
}

static int
dump(const char *file)
{
	char err[ERRLEN];
	json_object *v;
	struct buf b = {0};

	if (plan_parse_file(file, &v, NULL, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "%s", err);
	nonfinite_to_strings(v);
	if (isatty(1))
		json_pretty(v, &b);
	else
		json_line(v, &b);
	buf_add(&b, "\n", 1);
	json_object_put(v);
	print_or_die(&b);
	buf_free(&b);
	return EXIT_OK;
}

/* The plan file for a plan id: exactly one under root. */
static char *
find_plan(const char *root, const char *id)
{
	char err[ERRLEN], **paths;
	struct buf list = {0};
	size_t n, i;
	char *p;

	if (plan_find(root, id, &paths, &n, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "plan %s: %s", id, err);
	if (n == 0)
		enprintf(EXIT_USAGE, "plan %s: no plan found under %s: create it first at "
		         "<assistant>/Output/%s/plan.toml", id, root, id);
	if (n > 1) {
		for (i = 0; i < n; i++)
			buf_addf(&list, "%s%s", i ? ", " : "", paths[i]);
		enprintf(EXIT_USAGE, "plan %s: found %zu plans: %s: give the file instead", id, n, list.data);
	}
	p = paths[0];
	free(paths);
	return p;
}

/* A plan file is named by a path (an existing file, "-" for stdin, or a
 * name with '/' or a .toml or .json ending); anything else is a plan id. */
static int
is_file_arg(const char *a)
{
	size_t n = strlen(a);
	struct stat st;

	return strcmp(a, "-") == 0 || stat(a, &st) == 0 || strchr(a, '/') || (n > 5 && strcmp(a + n - 5, ".toml") == 0) ||
	       (n > 5 && strcmp(a + n - 5, ".json") == 0);
}

static void
summary(const struct plan *pl, const struct plan_expand *x, int ndone_logs)
{
	struct buf b = {0};
	size_t i;

	buf_addf(&b, "plan        %s", pl->plan_id);
	if (pl->file)
		buf_addf(&b, "  (%s)", pl->file);
	buf_addf(&b, "\nassistant   %s  (folder %s)\n", pl->assistant_id ? pl->assistant_id : "-", pl->dir);
	buf_addf(&b, "models      %zu\n", pl->nmodels);
	for (i = 0; i < pl->nmodels; i++)
		buf_addf(&b, "  %s  %s\n", pl->models[i].hash, pl->models[i].name);
	buf_addf(&b, "queries     %zu\n", pl->nqueries);
	for (i = 0; i < pl->nqueries && i < 10; i++)
		buf_addf(&b, "  %s  (%zu bytes)\n", pl->queries[i].id, pl->queries[i].len);
	if (pl->nqueries > 10)
		buf_addf(&b, "  ... and %zu more\n", pl->nqueries - 10);
	buf_adds(&b, "parameters  ");
	buf_adds(&b, pl->temperature ? "temperature " : "temperature unset");
	if (pl->temperature) {
		struct buf t = {0};

		buf_adds(&b, json_line(pl->temperature, &t));
		buf_free(&t);
	}
	buf_adds(&b, pl->max_tokens ? ", max_tokens " : ", max_tokens unset");
	if (pl->max_tokens)
		buf_addf(&b, "%lld", (long long)json_object_get_int64(pl->max_tokens));
	if (pl->system && *pl->system)
		buf_addf(&b, ", system prompt of %zu bytes\n", strlen(pl->system));
	else
		buf_adds(&b, ", no system prompt\n");
	buf_addf(&b, "jobs        %ld  (%zu queries x %zu models x %d samples)\n", x->total,
	         pl->nqueries, pl->nmodels, x->repeat > 0 ? x->repeat : 1);
	buf_addf(&b, "done        %ld with a response file", x->existing);
	if (ndone_logs)
		buf_addf(&b, ", %ld ok in the --done log", x->logged);
	buf_addf(&b, "\nto send     %ld\n", x->written);
	print_or_die(&b);
	buf_free(&b);
}

/* One model's line of the estimate, its figures added to *tot.  The
 * price comes from the table, a local endpoint (the model routed by the
 * configuration, when there is one) costing 0. */
struct est_total {
	long requests;
	double tokens, completion, low, high;
	int unpriced, unbounded;
};

static void
estimate_model(struct buf *b, struct config *cfg, const char *model,
               const struct plan_estimate *e, long long max_tokens, struct est_total *tot)
{
	char err[ERRLEN], *url = config_model_url(cfg, model, 0);
	struct price p;
	double tokens = ceil(e->bytes / 4);
	double completion = max_tokens > 0 ? (double)e->requests * (double)max_tokens : 0;
	int priced;

	priced = price_lookup(model, url, &p, err, sizeof err) == 1;
	free(url);
	buf_addf(b, "  %-28s %8ld %14.0f ", model, e->requests, tokens);
	if (max_tokens > 0)
		buf_addf(b, "%14.0f ", completion);
	else
		buf_addf(b, "%14s ", "unset");
	tot->requests += e->requests;
	tot->tokens += tokens;
	tot->completion += completion;
	if (!priced) {
		buf_adds(b, "no price\n");
		tot->unpriced += e->requests > 0;
		return;
	}
	tot->low += price_cost(&p, (long long)tokens, 0);
	buf_addf(b, "%.6f .. ", price_cost(&p, (long long)tokens, 0));
	if (max_tokens > 0) {
		tot->high += price_cost(&p, (long long)tokens, (long long)completion);
		buf_addf(b, "%.6f", price_cost(&p, (long long)tokens, (long long)completion));
	} else if (p.local || p.output == 0) {
		buf_addf(b, "%.6f", price_cost(&p, (long long)tokens, 0));
		tot->high += price_cost(&p, (long long)tokens, 0);
	} else {
		buf_adds(b, "no bound (max_tokens unset)");
		tot->unbounded += e->requests > 0;
	}
	buf_adds(b, p.local ? "  (local)\n" : "\n");
}

/* The estimate of the records to send, to b; in *tot its totals. */
static void
estimate(struct buf *b, const struct plan *pl, const struct plan_estimate *est,
         struct est_total *tot)
{
	char err[ERRLEN];
	struct config cfg;
	int have_cfg = config_load(&cfg, NULL, NULL, err, sizeof err) == 0;
	long long max_tokens = pl->max_tokens ? (long long)json_object_get_int64(pl->max_tokens) : 0;
	size_t i;

	memset(tot, 0, sizeof *tot);
	buf_addf(b, "%-30s %8s %14s %14s %s\n", "estimate", "requests", "prompt tokens",
	         "max completion", "cost USD (low .. high)");
	for (i = 0; i < pl->nmodels; i++)
		estimate_model(b, have_cfg ? &cfg : NULL, pl->models[i].name, &est[i], max_tokens, tot);
	buf_addf(b, "  %-28s %8ld %14.0f ", "total", tot->requests, tot->tokens);
	if (max_tokens > 0)
		buf_addf(b, "%14.0f ", tot->completion);
	else
		buf_addf(b, "%14s ", "unset");
	if (tot->unpriced == (int)pl->nmodels)
		buf_adds(b, "unknown");
	else if (tot->unbounded)
		buf_addf(b, "%.6f .. no bound", tot->low);
	else
		buf_addf(b, "%.6f .. %.6f", tot->low, tot->high);
	if (tot->unpriced && tot->unpriced < (int)pl->nmodels)
		buf_addf(b, "; models without a price: %d", tot->unpriced);
	buf_adds(b, "\n");
	if (have_cfg)
		config_free(&cfg);
}

/* --max-cost: the records are written only when the estimate's upper
 * bound is known and at most max; else say why and exit 1. */
static void
check_cost(const struct buf *table, const struct est_total *t, double max)
{
	if (t->unpriced)
		enprintf(EXIT_FAILED, "--max-cost %g: %d models have no price, so the cost is not "
		         "bounded: add them to the price table (llm-prices(5))\n%s", max, t->unpriced,
		         table->data);
	if (t->unbounded)
		enprintf(EXIT_FAILED, "--max-cost %g: max_tokens is not set, so the cost is not "
		         "bounded: set [assistant.llm] max_tokens\n%s", max, table->data);
	if (t->high > max)
		enprintf(EXIT_FAILED, "--max-cost %g: the plan could cost up to %.6f USD (at least "
		         "%.6f): nothing written\n%s", max, t->high, t->low, table->data);
}

static void
read_done(const char *log, json_object *done)
{
	char err[ERRLEN];
	long bad = 0;
	int fd = strcmp(log, "-") == 0 ? 0 : open(log, O_RDONLY | O_CLOEXEC);

	/* a log not written yet (tee -a creates it as the pipeline starts)
	 * means nothing is done; one that cannot be read is still an error */
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		enprintf(EXIT_USAGE, "--done %s:", log);
	if (plan_done_ids(fd, log, done, &bad, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "--done %s", err);
	if (bad)
		weprintf("%s: %ld lines are not records; ignored", log, bad);
	if (fd != 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	enum { O_SKIP = 256, O_DONE, O_REPEAT, O_TEMP, O_MAXTOK, O_PLANID, O_DUMP, O_VERSION,
	       O_ESTIMATE, O_MAXCOST };
	static const struct option longopts[] = {
		{"directory", required_argument, NULL, 'C'},
		{"dry-run", no_argument, NULL, 'n'},
		{"estimate", no_argument, NULL, O_ESTIMATE},
		{"max-cost", required_argument, NULL, O_MAXCOST},
		{"skip-existing", no_argument, NULL, O_SKIP},
		{"done", required_argument, NULL, O_DONE},
		{"repeat", required_argument, NULL, O_REPEAT},
		{"model", required_argument, NULL, 'm'},
		{"system-file", required_argument, NULL, 's'},
		{"temperature", required_argument, NULL, O_TEMP},
		{"max-tokens", required_argument, NULL, O_MAXTOK},
		{"plan-id", required_argument, NULL, O_PLANID},
		{"dump", required_argument, NULL, O_DUMP},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct plan_expand x = {0};
	struct plan pl;
	const char *root = ".", *sysfile = NULL, *plan_id = "adhoc", *dumpfile = NULL;
	const char *logs[64];
	char *models[MAX_MODELS], *file = NULL, *system = NULL;
	char err[ERRLEN];
	json_object *temp = NULL, *maxtok = NULL;
	int nmodels = 0, nlogs = 0, dry = 0, want_est = 0, opt, rc, i;
	double max_cost = -1;
	struct buf est = {0};
	struct est_total tot;

	stdfds_ensure();
	setprogname(argv[0]);
	redact_messages();
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":C:nm:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C': root = optarg; break;
		case 'n': dry = 1; break;
		case O_ESTIMATE: want_est = 1; break;
		case O_MAXCOST: max_cost = estrtod(optarg, 0, 1e12, "--max-cost"); break;
		case O_SKIP: x.skip_existing = 1; break;
		case O_DONE:
			if (nlogs == (int)(sizeof logs / sizeof *logs))
				enprintf(EXIT_USAGE, "too many --done logs");
			logs[nlogs++] = optarg;
			break;
		case O_REPEAT: x.repeat = (int)estrtonum(optarg, 1, 1000000, "--repeat"); break;
		case 'm':
			if (nmodels == MAX_MODELS)
				enprintf(EXIT_USAGE, "more than %d models", MAX_MODELS);
			models[nmodels++] = optarg;
			break;
		case 's': sysfile = optarg; break;
		case O_TEMP:
			json_object_put(temp);
			temp = json_double_text(estrtod(optarg, 0, 2, "--temperature"), optarg);
			break;
		case O_MAXTOK:
			json_object_put(maxtok);
			maxtok = json_object_new_int64(estrtonum(optarg, 1, 100000000, "--max-tokens"));
			break;
		case O_PLANID: plan_id = optarg; break;
		case O_DUMP: dumpfile = optarg; break;
		case 'h': usage(stdout, 0); break;
		case O_VERSION: version_exit();
		default: option_error(opt, argv, longopts);
		}
	}
	if (dumpfile) {
		if (optind < argc)
			enprintf(EXIT_USAGE, "--dump takes one file and nothing else");
		return dump(dumpfile);
	}
	if (nmodels == 0 && (sysfile || temp || maxtok || strcmp(plan_id, "adhoc") != 0))
		enprintf(EXIT_USAGE, "-s, --temperature, --max-tokens and --plan-id go with -m "
		         "(ad hoc); a plan file sets its own");
	if (optind == argc)
		usage(stderr, EXIT_USAGE);
	if (nmodels > 0) {
		if (sysfile && !(system = read_file(sysfile, PLAN_MAX_FILE, NULL, err, sizeof err)))
			enprintf(EXIT_USAGE, "%s", err);
		if (plan_adhoc(&pl, plan_id, models, (size_t)nmodels, argv + optind,
		               (size_t)(argc - optind), system, temp, maxtok, err, sizeof err) < 0)
			enprintf(EXIT_USAGE, "%s", err);
	} else {
		if (argc - optind > 1)
			enprintf(EXIT_USAGE, "one plan at a time (query files go with -m)");
		file = is_file_arg(argv[optind]) ? estrdup(argv[optind]) : find_plan(root, argv[optind]);
		if (plan_load(&pl, file, err, sizeof err) < 0)
			enprintf(EXIT_USAGE, "%s", err);
		free(file);
	}
	if (plan_read_queries(&pl, err, sizeof err) < 0)
		enprintf(EXIT_USAGE, "%s", err);
	if (nlogs) {
		x.done = json_object_new_object();
		for (i = 0; i < nlogs; i++)
			read_done(logs[i], x.done);
	}
	if (want_est || max_cost >= 0) {
		/* counted first, so --max-cost refuses before a record is out */
		x.est = ecalloc(pl.nmodels, sizeof *x.est);
		plan_expand(&pl, &x, NULL, NULL);
		estimate(&est, &pl, x.est, &tot);
		if (max_cost >= 0)
			check_cost(&est, &tot, max_cost);
	}
	rc = plan_expand(&pl, &x, dry || want_est ? NULL : write_out, NULL);
	if (rc != 0) {
		stdout_failed(rc);
		exit(EXIT_FAILED);
	}
	if (dry)
		summary(&pl, &x, nlogs);
	if (want_est)
		print_or_die(&est);
	else if (x.outside)
		weprintf("warning: response paths under %s lead outside the current directory, "
		         "where llm-chat --save does not write: run from a directory above it", pl.dir);
	json_object_put(x.done);
	free(x.est);
	buf_free(&est);
	plan_free(&pl);
	return EXIT_OK;
}
