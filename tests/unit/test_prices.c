/* Unit tests for lib/report/prices.c: exact names, glob families and which one
 * wins, provider/model names, local endpoints, unknown models, LLM_PRICES
 * and bad tables. */
#include "unit.h"

#include <math.h>

#include "report/prices.h"

static struct prices *
shipped(void)
{
	char err[ERRLEN];
	struct prices *t;

	unsetenv("LLM_SHARE_DIR");
	unsetenv("LLM_PRICES");
	if (!(t = prices_load(NULL, err, sizeof err)))
		fail_msg("shipped table: %s", err);
	return t;
}

static const struct {
	const char *model, *url;
	int found;
	double input, output;
	const char *entry;
} cases[] = {
	/* exact names */
	{"gpt-4o", NULL, 1, 2.50, 10.00, "gpt-4o"},
	{"deepseek-chat", NULL, 1, 0.28, 0.42, "deepseek-chat"},
	{"GPT-4o", NULL, 1, 2.50, 10.00, "gpt-4o"},
	/* an exact name beats the glob that matches it too */
	{"gpt-4o-2024-05-13", NULL, 1, 5.00, 15.00, "gpt-4o-2024-05-13"},
	{"gpt-4o-2024-08-06", NULL, 1, 2.50, 10.00, "gpt-4o-2024-*"},
	/* glob families; the most literal glob wins */
	{"gpt-4o-mini-2024-07-18", NULL, 1, 0.15, 0.60, "gpt-4o-mini*"},
	{"gpt-4.1-nano-2025-04-14", NULL, 1, 0.10, 0.40, "gpt-4.1-nano*"},
	{"o3-mini-2025-01-31", NULL, 1, 1.10, 4.40, "o3-mini*"},
	{"claude-3-5-sonnet-20241022", NULL, 1, 3.00, 15.00, "claude-3-5-sonnet*"},
	{"claude-3-5-haiku-latest", NULL, 1, 0.80, 4.00, "claude-3-5-haiku*"},
	/* Opus 4.5 and later cost a third of Opus 4 and 4.1: the longer
	 * glob wins over claude-opus-4*; 5.5 over 5 */
	{"claude-opus-4-7", NULL, 1, 5.00, 25.00, "claude-opus-4-7*"},
	{"claude-opus-4-1-20250805", NULL, 1, 15.00, 75.00, "claude-opus-4*"},
	{"claude-opus-5-5", NULL, 1, 4.00, 20.00, "claude-opus-5-5*"},
	{"claude-opus-5", NULL, 1, 5.00, 25.00, "claude-opus-5*"},
	{"claude-sonnet-5-5", NULL, 1, 2.00, 10.00, "claude-sonnet-5-5*"},
	{"claude-sonnet-4-6", NULL, 1, 3.00, 15.00, "claude-sonnet-4*"},
	{"claude-haiku-5-5", NULL, 1, 0.10, 0.50, "claude-haiku-5-5*"},
	{"gemini-2.0-flash-lite-001", NULL, 1, 0.075, 0.30, "gemini-2.0-flash-lite*"},
	{"gemini-2.0-flash-001", NULL, 1, 0.10, 0.40, "gemini-2.0-flash*"},
	/* mistral-large-latest is Large 3 now, at a quarter of Large 2 */
	{"mistral-large-latest", NULL, 1, 0.50, 1.50, "mistral-large-latest"},
	{"mistral-large-2411", NULL, 1, 2.00, 6.00, "mistral-large*"},
	/* GPT-5.x: the bare name and its dated snapshots; mini, nano and pro
	 * by their longer globs; gpt-5.3 has no row, and no glob catches it */
	{"gpt-5.4", NULL, 1, 2.50, 15.00, "gpt-5.4"},
	{"gpt-5.4-2026-03-05", NULL, 1, 2.50, 15.00, "gpt-5.4-2026-*"},
	{"gpt-5.4-mini-2026-03-17", NULL, 1, 0.75, 4.50, "gpt-5.4-mini*"},
	{"gpt-5.5-pro", NULL, 1, 30.00, 180.00, "gpt-5.5-pro*"},
	{"gpt-5.2", NULL, 1, 1.75, 14.00, "gpt-5.2"},
	{"gpt-5.3", NULL, 0, 0, 0, NULL},
	{"gemini-3-flash-preview", NULL, 1, 0.50, 3.00, "gemini-3-flash*"},
	/* provider/model: the bare name after each '/' */
	{"openrouter/anthropic/claude-3.5-sonnet", NULL, 1, 3.00, 15.00, "claude-3.5-sonnet*"},
	{"openai/gpt-4o-mini", NULL, 1, 0.15, 0.60, "gpt-4o-mini*"},
	/* local endpoints cost 0, known model or not */
	{"llama3.1:8b", "http://localhost:11434/v1", 1, 0, 0, NULL},
	{"gpt-4o", "http://127.3.2.1:8080/v1", 1, 0, 0, NULL},
	{"x", "http://[::1]:8000/v1", 1, 0, 0, NULL},
	{"x", "http://user:pw@LOCALHOST/v1", 1, 0, 0, NULL},
	/* unknown: no price, never 0 */
	{"llama3.1:8b", "http://10.0.0.5:11434/v1", 0, 0, 0, NULL},
	{"gpt-4o", "https://localhost.example.com/v1", 1, 2.50, 10.00, "gpt-4o"},
	{"gpt-4o", "http://128.0.0.1/v1", 1, 2.50, 10.00, "gpt-4o"},
	{"my-finetune", NULL, 0, 0, 0, NULL},
	{"gpt-40", NULL, 0, 0, 0, NULL},
	{"claude-2.1", NULL, 0, 0, 0, NULL},
	{"", NULL, 0, 0, 0, NULL},
};

static void
test_lookup(void **state)
{
	struct prices *t = shipped();
	size_t i;

	(void)state;
	assert_string_equal(prices_written(t), "2025-08-15");
	for (i = 0; i < N(cases); i++) {
		struct price p = {.input = -1, .output = -1};
		int found = prices_find(t, cases[i].model, cases[i].url, &p);

		if (found != cases[i].found)
			fail_msg("case %zu (%s at %s): found %d", i, cases[i].model,
			         cases[i].url ? cases[i].url : "-", found);
		if (!found)
			continue;
		assert_true(p.input == cases[i].input);
		assert_true(p.output == cases[i].output);
		assert_int_equal(p.local, cases[i].entry == NULL);
		if (cases[i].entry)
			assert_string_equal(p.entry, cases[i].entry);
	}
	prices_free(t);
}

static void
test_cost(void **state)
{
	struct price p = {.input = 2.5, .output = 10};

	(void)state;
	assert_true(price_cost(&p, 1000000, 0) == 2.5);
	assert_true(price_cost(&p, 1000, 500) == 0.0075);
}

/* Prompt tokens written to or read from a prompt cache go at its prices:
 * 1M prompt tokens of which 200k written and 500k read, at 3 / 3.75 /
 * 0.30 a million, and 100k out at 15. */
static void
test_cost_cached(void **state)
{
	struct price p = {.input = 3, .output = 15, .cache_write = 3.75, .cache_read = 0.3};
	double want = 0.3 * 3 + 0.2 * 3.75 + 0.5 * 0.3 + 0.1 * 15;

	(void)state;
	assert_true(fabs(price_cost_full(&p, 0, 1000000, 200000, 500000, 100000) - want) < 1e-12);
	assert_true(price_cost_full(&p, 0, 1000, 0, 0, 500) == price_cost(&p, 1000, 500));
}

/* Batch and cached rates: the table's, or the list rates when it has
 * none; a batch's cached tokens get the batch discount too. */
static void
test_batch_cached(void **state)
{
	struct prices *t = shipped();
	struct price p;

	(void)state;
	assert_int_equal(prices_find(t, "gpt-4o-mini", NULL, &p), 1);
	assert_true(p.batch_input == 0.075 && p.batch_output == 0.30 && p.cache_read == 0.075);
	/* DeepSeek has no batch API: its batch rates are the list's */
	assert_int_equal(prices_find(t, "deepseek-chat", NULL, &p), 1);
	assert_true(p.batch_input == 0.28 && p.batch_output == 0.42 && p.cache_read == 0.028);
	prices_free(t);
	p = (struct price){.input = 2, .output = 8, .batch_input = 1, .batch_output = 4,
	                   .cache_read = 0.5};
	assert_true(price_cost_full(&p, 0, 1000000, 0, 0, 1000000) == 10);
	assert_true(price_cost_full(&p, 1, 1000000, 0, 0, 1000000) == 5);
	assert_true(price_cost_full(&p, 0, 1000000, 0, 500000, 0) == 1.25);
	assert_true(price_cost_full(&p, 1, 1000000, 0, 500000, 0) == 0.625);
	/* more cached than prompt tokens is a server's mistake: ignored */
	assert_true(price_cost_full(&p, 0, 10, 0, 20, 0) == price_cost(&p, 10, 0));
}

static char *
write_table(const char *dir, const char *text)
{
	struct buf path = {0};
	FILE *fp;

	buf_addf(&path, "%s/prices.json", dir);
	fp = fopen(path.data, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path.data;
}

static void
test_llm_prices(void **state)
{
	char *path = write_table(*state, "{\"written\":\"2000-01-01\",\"models\":{\"m*\":{\"input\":1,"
	                                 "\"output\":2},\"mx*\":{\"input\":3,\"output\":4,"
	                                 "\"cache_write\":5,\"cache_read\":0.5}}}");
	char err[ERRLEN];
	struct prices *t;
	struct price p;

	setenv("LLM_PRICES", path, 1);
	t = prices_load(NULL, err, sizeof err);
	unsetenv("LLM_PRICES");
	assert_non_null(t);
	assert_string_equal(prices_written(t), "2000-01-01");
	assert_int_equal(prices_find(t, "mxy", NULL, &p), 1);
	assert_true(p.input == 3 && p.output == 4 && p.cache_write == 5 && p.cache_read == 0.5);
	assert_int_equal(prices_find(t, "my", NULL, &p), 1);
	/* no cache prices: the input price */
	assert_true(p.input == 1 && p.output == 2 && p.cache_write == 1 && p.cache_read == 1);
	assert_int_equal(prices_find(t, "gpt-4o", NULL, &p), 0);
	prices_free(t);
	free(path);
}

static void
test_bad_tables(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"{\"models\":{\"m\":{\"input\":1}}}", "models.m: needs \"input\" and \"output\", numbers >= 0"},
		{"{\"models\":{\"m\":{\"input\":-1,\"output\":1}}}", "models.m: needs"},
		{"{\"models\":{\"m\":{\"input\":\"1\",\"output\":1}}}", "models.m: needs"},
		{"{\"written\":\"x\"}", "no \"models\" object"},
		{"{\"models\":{\"m\":{\"input\":1,\"output\":1,\"cache_read\":-1}}}",
		 "models.m: cache_write, cache_read, batch_input and batch_output are numbers >= 0"},
		{"{\"models\":{\"m\":{\"input\":1,\"output\":1,\"cache_write\":\"x\"}}}",
		 "models.m: cache_write"},
		{"{\"models\":{\"m\":{\"input\":1,\"output\":1,\"batch_input\":-1}}}",
		 "models.m: cache_write, cache_read, batch_input and batch_output are numbers >= 0"},
		{"{\"models\":", "invalid JSON"},
	};
	char err[ERRLEN];
	size_t i;

	for (i = 0; i < N(bad); i++) {
		char *path = write_table(*state, bad[i].text);

		assert_null(prices_load(path, err, sizeof err));
		if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, bad[i].why))
			fail_msg("case %zu: '%s'", i, err);
		free(path);
	}
	assert_null(prices_load("/nonexistent/prices.json", err, sizeof err));
	assert_string_equal(err, "/nonexistent/prices.json: No such file or directory");
}

static void
test_local_url(void **state)
{
	(void)state;
	assert_true(price_local_url("http://127.0.0.1:8080/v1"));
	assert_true(price_local_url("localhost:1234"));
	assert_true(price_local_url("http://[::ffff:127.0.0.1]/v1"));
	assert_false(price_local_url("http://[::2]/v1"));
	assert_false(price_local_url("https://api.openai.com/v1"));
	assert_false(price_local_url("http://evil.com/?x=http://localhost/"));
	assert_false(price_local_url("http://localhost@evil.com/v1"));
	assert_false(price_local_url(""));
}

static void
test_price_lookup_global(void **state)
{
	struct price p;
	char err[ERRLEN];

	(void)state;
	unsetenv("LLM_SHARE_DIR");
	unsetenv("LLM_PRICES");
	assert_int_equal(price_lookup("gpt-4o-mini", NULL, &p, err, sizeof err), 1);
	assert_true(p.input == 0.15);
	assert_int_equal(price_lookup("nope", "https://api.example.com/v1", &p, err, sizeof err), 0);
	assert_int_equal(price_lookup("nope", "http://127.0.0.1/v1", &p, err, sizeof err), 1);
	assert_true(p.local);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_cost_cached),
		cmocka_unit_test(test_batch_cached),
		cmocka_unit_test_setup_teardown(test_llm_prices, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_tables, setup_dir, teardown_dir),
		cmocka_unit_test(test_local_url),
		cmocka_unit_test(test_price_lookup_global),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
