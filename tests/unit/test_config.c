/* Unit tests for lib/plan/config.c: base URL and token from the environment,
 * the providers file, routing of provider/model names; and the chat URL
 * the client (lib/run/client.c) makes of an endpoint. */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "unit.h"

#include "plan/config.h"
#include "run/client.h"
#include "base/util.h"

static const char *const env_vars[] = {
	"LLM_BASE_URL", "OPENAI_BASE_URL", "LLM_API_TOKEN", "OPENAI_API_KEY",
	"LLM_CONFIG_DIR", "TEST_OR_KEY", "TEST_UNSET_KEY",
};

static char dir[64];	/* the scratch LLM_CONFIG_DIR of the running test */

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(env_vars); i++)
		unsetenv(env_vars[i]);
	snprintf(dir, sizeof dir, "/tmp/llm-test-config.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("LLM_CONFIG_DIR", dir, 1);
	setenv("HOME", dir, 1);	/* never the user's own ~/.config/llm */
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	rm_tree(dir);
	for (i = 0; i < N(env_vars); i++)
		unsetenv(env_vars[i]);
	return 0;
}

static void
set_or_unset(const char *name, const char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

/* Write s to dir/rel; returns the path (caller frees). */
static char *
put_file(const char *rel, const char *s)
{
	struct buf p = {0};
	char err[ERRLEN];

	buf_addf(&p, "%s/%s", dir, rel);
	if (atomic_write(p.data, s, strlen(s), 1, err, sizeof err) < 0)
		fail_msg("%s", err);
	return p.data;
}

/* s with every "@" replaced by the scratch directory. */
static char *
with_dir(const char *s)
{
	struct buf b = {0};

	buf_adds(&b, "");
	for (; *s; s++)
		if (*s == '@')
			buf_adds(&b, dir);
		else
			buf_add(&b, s, 1);
	return b.data;
}

/* The URL a chat completion to ep goes to. */
static void
assert_chat_url(const struct endpoint *ep, const char *want)
{
	char *url = client_chat_url(ep, 0);

	assert_string_equal(url, want);
	free(url);
}

/* ---- the default endpoint ---- */

static const struct {
	const char *llm_base_url;
	const char *openai_base_url;
	const char *cmdline;
	const char *base;	/* NULL: none configured */
	const char *chat;
	const char *err;	/* config_load fails with this */
} url_cases[] = {
	{"http://a/v1", "http://b/v1", NULL, "http://a/v1", "http://a/v1/chat/completions", NULL},
	{NULL, "http://b/v1", NULL, "http://b/v1", "http://b/v1/chat/completions", NULL},
	{"", "https://b/v1", NULL, "https://b/v1", "https://b/v1/chat/completions", NULL},
	{"https://api.openai.com/v1/", NULL, NULL, "https://api.openai.com/v1",
	 "https://api.openai.com/v1/chat/completions", NULL},
	{"http://localhost:11434/v1///", NULL, NULL, "http://localhost:11434/v1",
	 "http://localhost:11434/v1/chat/completions", NULL},
	{"http://a/v1", NULL, "http://c:8080/v1/", "http://c:8080/v1",
	 "http://c:8080/v1/chat/completions", NULL},
	{NULL, NULL, NULL, NULL, NULL, NULL},
	{"", "", NULL, NULL, NULL, NULL},
	{"ftp://a/v1", NULL, NULL, NULL, NULL,
	 "base URL must start with http:// or https://: 'ftp://a/v1'"},
	{"localhost:11434/v1", NULL, NULL, NULL, NULL,
	 "base URL must start with http:// or https://: 'localhost:11434/v1'"},
	{NULL, "api.openai.com", NULL, NULL, NULL,
	 "base URL must start with http:// or https://: 'api.openai.com'"},
	{NULL, NULL, "file:///etc", NULL, NULL,
	 "base URL must start with http:// or https://: 'file:///etc'"},
	/* a query stays after the path (Azure OpenAI's api-version) */
	{"http://h/ok/v1?api-version=2024-02-01", NULL, NULL,
	 "http://h/ok/v1?api-version=2024-02-01",
	 "http://h/ok/v1/chat/completions?api-version=2024-02-01", NULL},
	{"https://h/v1/?a=1&b=/x/", NULL, NULL, "https://h/v1?a=1&b=/x/",
	 "https://h/v1/chat/completions?a=1&b=/x/", NULL},
	{"http://h/?a=1", NULL, NULL, "http://h?a=1", "http://h/chat/completions?a=1", NULL},
	/* a fragment is refused, shown with its secrets masked */
	{"http://h/v1#top", NULL, NULL, NULL, NULL,
	 "base URL has a fragment ('#...'), which is never sent: remove it: 'http://h/v1#top'"},
	{NULL, NULL, "http://u:pw@h/v1?api-key=s3#x", NULL, NULL,
	 "base URL has a fragment ('#...'), which is never sent: remove it: "
	 "'http://[REDACTED]@h/v1?api-key=[REDACTED]'"},
};

/* ---- URLs as -v shows them ---- */

static const struct {
	const char *base;
	const char *shown;	/* config_url(ep, "/chat/completions", 1) */
} mask_cases[] = {
	{"http://h/v1", "http://h/v1/chat/completions"},
	{"http://user:pw@h:8080/v1", "http://[REDACTED]@h:8080/v1/chat/completions"},
	{"https://tok@h/v1", "https://[REDACTED]@h/v1/chat/completions"},
	{"https://h/v1?api-version=2024-02-01&api-key=s3cret",
	 "https://h/v1/chat/completions?api-version=2024-02-01&api-key=[REDACTED]"},
	{"https://h/v1?API_KEY=a&sig=b&X-Token=c&password=d&code=e",
	 "https://h/v1/chat/completions?API_KEY=[REDACTED]&sig=[REDACTED]&X-Token=[REDACTED]"
	 "&password=[REDACTED]&code=e"},
	{"https://h/v1?key", "https://h/v1/chat/completions?key"},
	{"https://h/a@b/v1?x=u@v", "https://h/a@b/v1/chat/completions?x=u@v"},
};

static void
test_url_masked(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(mask_cases); i++) {
		struct endpoint ep = {.base_url = (char *)mask_cases[i].base};
		char *url = config_url(&ep, "/chat/completions", 1);

		assert_string_equal(url, mask_cases[i].shown);
		free(url);
	}
}

static void
test_base_url(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(url_cases); i++) {
		struct config c;
		char err[ERRLEN] = "";
		int rc;

		set_or_unset("LLM_BASE_URL", url_cases[i].llm_base_url);
		set_or_unset("OPENAI_BASE_URL", url_cases[i].openai_base_url);
		rc = config_load(&c, url_cases[i].cmdline, NULL, err, sizeof err);
		if (url_cases[i].err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, url_cases[i].err);
		} else {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			assert_string_equal(c.def.name, "");
			if (url_cases[i].base) {
				assert_non_null(c.def.base_url);
				assert_string_equal(c.def.base_url, url_cases[i].base);
				assert_chat_url(&c.def, url_cases[i].chat);
			} else {
				/* no base URL: no chat URL either */
				assert_null(c.def.base_url);
				assert_null(url_cases[i].chat);
			}
			assert_int_equal(c.nprov, 0);
			assert_null(c.providers_path);
		}
		config_free(&c);
	}
}

/* ---- the token ---- */

static const struct {
	const char *llm_api_token;
	const char *openai_api_key;
	const char *file;	/* token file content; NULL: no --token-file */
	const char *token;	/* NULL: no Authorization */
	const char *err;
} token_cases[] = {
	{"t1", "t2", NULL, "t1", NULL},
	{NULL, "t2", NULL, "t2", NULL},
	{"", "t2", NULL, "t2", NULL},
	{NULL, NULL, NULL, NULL, NULL},
	{"", "", NULL, NULL, NULL},
	{"sk-a\nb", NULL, NULL, NULL, "token contains a line break"},
	{NULL, "sk-a\r", NULL, NULL, "token contains a line break"},
	/* the file wins over the environment; first line, trimmed */
	{"t1", NULL, "  sk-file \t\nsecond line\n", "sk-file", NULL},
	{NULL, NULL, "sk-only", "sk-only", NULL},
	{NULL, NULL, "\r\n  sk-crlf\r\n", "sk-crlf", NULL},
	/* an empty file is an error, not a run sent with no token (the
	 * message names the file, whose path varies: its end is checked) */
	{"t1", NULL, "", NULL, ": no token on its first line"},
	{NULL, NULL, " \n\n", NULL, ": no token on its first line"},
};

static void
test_token(void **state)
{
	size_t i;

	(void)state;
	setenv("LLM_BASE_URL", "http://localhost:8080/v1", 1);
	for (i = 0; i < N(token_cases); i++) {
		char *file = token_cases[i].file ? put_file("tok", token_cases[i].file) : NULL;
		char err[ERRLEN] = "";
		struct config c;
		int rc;

		set_or_unset("LLM_API_TOKEN", token_cases[i].llm_api_token);
		set_or_unset("OPENAI_API_KEY", token_cases[i].openai_api_key);
		rc = config_load(&c, NULL, file, err, sizeof err);
		if (token_cases[i].err && token_cases[i].err[0] == ':') {
			size_t n = strlen(err), m = strlen(token_cases[i].err);

			assert_int_equal(rc, -1);
			assert_true(n >= m && strcmp(err + n - m, token_cases[i].err) == 0);
		} else if (token_cases[i].err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, token_cases[i].err);
		} else {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			if (token_cases[i].token) {
				assert_non_null(c.def.token);
				assert_string_equal(c.def.token, token_cases[i].token);
			} else
				assert_null(c.def.token);
		}
		config_free(&c);
		free(file);
	}
}

static void
test_token_file_missing(void **state)
{
	char *missing = with_dir("@/no-such-token"), *want;
	char err[ERRLEN] = "";
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, "http://x/v1", missing, err, sizeof err), -1);
	want = with_dir("token file @/no-such-token: No such file or directory");
	assert_string_equal(err, want);
	config_free(&c);
	free(missing);
	free(want);
}

static void
test_read_token(void **state)
{
	char *file = put_file("t", "\t sk-123 \nrest\n");
	char err[ERRLEN];
	char *t = config_read_token(file, err, sizeof err);

	(void)state;
	assert_non_null(t);
	assert_string_equal(t, "sk-123");
	free(t);
	free(file);
}

/* ---- the providers file ---- */

static void
test_providers(void **state)
{
	char *tok = put_file("local.tok", "sk-local\n");
	char *text = with_dir(
		"# providers\n"
		"\n"
		"[openrouter]\n"
		"base_url = \"https://openrouter.ai/api/v1/\"  # trailing comment\n"
		"token_env = \"TEST_OR_KEY\"\n"
		"\r\n"
		"  [local]   \r\n"
		"\tbase_url='http://localhost:11434/v1'\r\n"
		"token_file = \"@/local.tok\"\n"
		"[anon]\n"
		"base_url = \"http://anon/v1\"\n"
		"token_env = \"TEST_UNSET_KEY\"\n");
	char *path = put_file("providers.toml", text);
	char err[ERRLEN] = "";
	struct config c;

	(void)state;
	setenv("TEST_OR_KEY", "sk-or", 1);
	if (config_load(&c, NULL, NULL, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.providers_path, path);
	assert_null(c.def.base_url);
	assert_int_equal(c.nprov, 3);
	assert_string_equal(c.prov[0].name, "openrouter");
	assert_string_equal(c.prov[0].base_url, "https://openrouter.ai/api/v1");
	assert_chat_url(&c.prov[0], "https://openrouter.ai/api/v1/chat/completions");
	assert_string_equal(c.prov[0].token, "sk-or");
	assert_string_equal(c.prov[1].name, "local");
	assert_string_equal(c.prov[1].base_url, "http://localhost:11434/v1");
	assert_chat_url(&c.prov[1], "http://localhost:11434/v1/chat/completions");
	assert_string_equal(c.prov[1].token, "sk-local");
	assert_string_equal(c.prov[2].name, "anon");
	assert_null(c.prov[2].token);
	config_free(&c);
	free(tok);
	free(text);
	free(path);
}

/* api = "anthropic" makes a provider speak the Messages API: its URL
 * ends in /messages; LLM_API does so for the default endpoint, whose
 * token may then come from ANTHROPIC_API_KEY (never OpenAI's key). */
static void
test_providers_api(void **state)
{
	char *path = put_file("providers.toml",
		"[claude]\nbase_url = \"https://api.anthropic.com/v1\"\napi = \"anthropic\"\n"
		"anthropic_beta = \"prompt-caching-2024-07-31\"\n"
		"[oa]\nbase_url = \"https://api.openai.com/v1\"\napi = \"openai\"\n"
		"[plain]\nbase_url = \"http://x/v1\"\n");
	char err[ERRLEN] = "";
	struct config c;

	(void)state;
	setenv("LLM_BASE_URL", "http://local/v1", 1);
	setenv("LLM_API", "anthropic", 1);
	setenv("OPENAI_API_KEY", "sk-openai", 1);
	setenv("ANTHROPIC_API_KEY", "sk-ant", 1);
	if (config_load(&c, NULL, NULL, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_ptr_equal(c.prov[0].api, &dialect_anthropic);
	assert_string_equal(c.prov[0].beta, "prompt-caching-2024-07-31");
	assert_chat_url(&c.prov[0], "https://api.anthropic.com/v1/messages");
	assert_ptr_equal(c.prov[1].api, &dialect_openai);
	assert_ptr_equal(c.prov[2].api, &dialect_openai);
	assert_null(c.prov[2].beta);
	assert_chat_url(&c.prov[2], "http://x/v1/chat/completions");
	assert_ptr_equal(c.def.api, &dialect_anthropic);
	assert_chat_url(&c.def, "http://local/v1/messages");
	assert_string_equal(c.def.token, "sk-ant");
	config_free(&c);
	setenv("LLM_API", "claude", 1);
	assert_int_equal(config_load(&c, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "LLM_API: unknown API 'claude' (openai, anthropic)");
	config_free(&c);
	unsetenv("LLM_API");
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("OPENAI_API_KEY");
	unsetenv("LLM_BASE_URL");
	free(path);
}

/* The providers file from $HOME when LLM_CONFIG_DIR is not set. */
static void
test_providers_home(void **state)
{
	char *path = put_file(".config/llm/providers.toml", "[h]\nbase_url = \"http://h/v1\"\n");
	char err[ERRLEN] = "";
	struct config c;

	(void)state;
	unsetenv("LLM_CONFIG_DIR");
	if (config_load(&c, NULL, NULL, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.providers_path, path);
	assert_int_equal(c.nprov, 1);
	assert_string_equal(c.prov[0].base_url, "http://h/v1");
	config_free(&c);
	free(path);
}

/* The file is TOML (lib/plan/toml.c): its syntax errors are the parser's,
 * and every message names the line and column of the value at fault. */
static const struct {
	const char *text;
	const char *err;	/* '@' stands for the file's path */
} bad_providers[] = {
	{"[p]\nbase_url = \"http://x/v1\"\nfoo = \"bar\"\n",
	 "@:3:7: unknown key 'foo' (base_url, token_env, token_file, api, anthropic_beta, fallbacks)"},
	{"[p]\nbase_url = \"http://x\"\napi = \"gemini\"\n",
	 "@:3:7: api: unknown API 'gemini' (openai, anthropic)"},
	{"[p]\nbase_url = \"http://x\"\napi = 1\n", "@:3:7: api: expected a string, got an integer"},
	{"[p]\nbase_url = \"http://x\"\nanthropic_beta = \"a\\nb\"\n",
	 "@:3:18: anthropic_beta: a line break in the value"},
	{"[p]\nbase_url = \"http://x\"\n\n[p]\nbase_url = \"http://y\"\n",
	 "@:4:2: table [p] is defined twice"},
	{"[p]\ntoken_env = \"X\"\n", "@:1:1: provider 'p' has no base_url"},
	{"[ok]\nbase_url = \"http://x\"\n[empty]\n", "@:3:1: provider 'empty' has no base_url"},
	{"[bad name]\n", "@:1:6: expected ']' after a table name, found 'n'"},
	{"# c\n[]\n", "@:2:2: expected a key, found ']'"},
	{"[p\n", "@:1:3: expected ']' after a table name, found the end of the line"},
	{"[p/q]\n", "@:1:3: expected ']' after a table name, found '/'"},
	{"[\"p/q\"]\nbase_url = \"http://x\"\n", "@:1:1: expected [provider-name]"},
	{"[\"\"]\nbase_url = \"http://x\"\n", "@:1:1: expected [provider-name]"},
	{"base_url = \"http://x\"\n", "@:1:12: key outside a [provider] table"},
	{"[p]\nbase_url = http://x\n", "@:2:12: expected a value, found 'http:'"},
	{"[p]\nbase_url = \"http://x\" junk\n", "@:2:23: expected the end of the line, found 'j'"},
	{"[p]\nbase_url = \"http://x\n", "@:2:12: unterminated string"},
	{"[p]\nbase_url \"http://x\"\n", "@:2:10: expected '=' after a key, found '\"'"},
	{"[p]\n= \"http://x\"\n", "@:2:1: expected a key, found '='"},
	{"[p]\nbase_url = 5\n", "@:2:12: base_url: expected a string, got an integer"},
	{"[p]\nbase_url = \"http://x\\u0000y\"\n", "@:2:12: base_url: a NUL byte in the string"},
	{"[p.q]\nbase_url = \"http://x\"\n",
	 "@:1:1: 'q' is a table: a provider name with a dot is quoted, [\"p.q\"]"},
	{"[p]\nbase_url = \"ftp://x\"\n",
	 "@:2:12: base URL must start with http:// or https://: 'ftp://x'"},
	{"[p]\nbase_url = \"http://x\"\ntoken_file = \"/nonexistent/tok\"\n",
	 "@:3:14: token file /nonexistent/tok: No such file or directory"},
	{"[p]\nbase_url = \"http://x\"\nfallbacks = \"m\"\n",
	 "@:3:13: fallbacks: expected an array of model names, [\"gpt-4o-mini\", \"local/llama3\"], got a string"},
	{"[p]\nbase_url = \"http://x\"\nfallbacks = [\"m\", 3]\n",
	 "@:3:13: fallbacks[1]: expected a model name, got an integer"},
	{"[[fallback]]\nmodel = \"gpt-4o*\"\n", "@:1:1: [[fallback]]: to is missing: to = [\"gpt-4o-mini\"]"},
	{"[[fallback]]\nto = [\"m\"]\n",
	 "@:1:1: [[fallback]]: model: expected a model name or glob, model = \"gpt-4o*\""},
	{"[[fallback]]\nmodel = \"a\"\nto = [\"m\"]\nfrom = 1\n",
	 "@:4:8: [[fallback]]: unknown key 'from' (model, to)"},
	{"[fallback]\nmodel = \"a\"\n", "@:2:9: unknown key 'model' (base_url, token_env, token_file, api, anthropic_beta, fallbacks)"},
};

/* [[fallback]] rules first, in order, then the provider's fallbacks. */
static void
test_fallbacks(void **state)
{
	char *path = put_file("providers.toml",
	                      "[p]\nbase_url = \"http://x\"\nfallbacks = [\"q/small\", \"tiny\"]\n"
	                      "[q]\nbase_url = \"http://y\"\n"
	                      "[[fallback]]\nmodel = \"gpt-4o*\"\nto = [\"gpt-4o-mini\"]\n"
	                      "[[fallback]]\nmodel = \"p/special\"\nto = [\"q/special\"]\n");
	char err[ERRLEN] = "";
	const struct model_list *l;
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, NULL, NULL, err, sizeof err), 0);
	assert_non_null(l = config_fallbacks(&c, "gpt-4o-2024-08-06"));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0], "gpt-4o-mini");
	assert_non_null(l = config_fallbacks(&c, "p/special"));
	assert_string_equal(l->v[0], "q/special");
	assert_non_null(l = config_fallbacks(&c, "p/other"));
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0], "q/small");
	assert_string_equal(l->v[1], "tiny");
	assert_null(config_fallbacks(&c, "q/other"));
	assert_null(config_fallbacks(&c, "claude"));
	assert_null(config_fallbacks(&c, NULL));
	config_free(&c);
	free(path);
}

static void
test_providers_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(bad_providers); i++) {
		char *path = put_file("providers.toml", bad_providers[i].text);
		char err[ERRLEN] = "";
		struct buf want = {0};
		struct config c;

		buf_addf(&want, "%s%s", path, bad_providers[i].err + 1);
		if (config_load(&c, NULL, NULL, err, sizeof err) != -1)
			fail_msg("case %zu accepted", i);
		assert_string_equal(err, want.data);
		config_free(&c);
		free(path);
		buf_free(&want);
	}
}

static void
test_providers_token_line_break(void **state)
{
	char *path = put_file("providers.toml",
	                      "[p]\nbase_url = \"http://x\"\ntoken_env = \"TEST_OR_KEY\"\n");
	char err[ERRLEN] = "";
	struct buf want = {0};
	struct config c;

	(void)state;
	setenv("TEST_OR_KEY", "sk-1\nsk-2", 1);
	assert_int_equal(config_load(&c, NULL, NULL, err, sizeof err), -1);
	buf_addf(&want, "%s:3:13: token contains a line break", path);
	assert_string_equal(err, want.data);
	config_free(&c);
	buf_free(&want);
	free(path);
}

/* ---- routing ---- */

static const struct {
	const char *model;
	const char *endpoint;	/* provider name; "" the default */
	const char *sent;
} route_cases[] = {
	{"prov/model", "prov", "model"},
	{"prov/a/b", "prov", "a/b"},
	{"other/gpt-4o", "other", "gpt-4o"},
	{"meta-llama/Llama-3-8B", "", "meta-llama/Llama-3-8B"},
	{"gpt-4o", "", "gpt-4o"},
	{"prov", "", "prov"},
	{"pro/x", "", "pro/x"},
	{"provx/y", "", "provx/y"},
	{"/x", "", "/x"},
	{NULL, "", NULL},
};

static void
test_route(void **state)
{
	char *path = put_file("providers.toml",
	                      "[prov]\nbase_url = \"http://prov/v1\"\n"
	                      "[other]\nbase_url = \"http://other/v1\"\n");
	char err[ERRLEN] = "";
	struct config c;
	size_t i;

	(void)state;
	setenv("LLM_BASE_URL", "http://def/v1", 1);
	if (config_load(&c, NULL, NULL, err, sizeof err) != 0)
		fail_msg("%s", err);
	for (i = 0; i < N(route_cases); i++) {
		const char *sent = "unset";
		struct endpoint *ep = config_route(&c, route_cases[i].model, &sent, err, sizeof err);

		assert_non_null(ep);
		assert_string_equal(ep->name, route_cases[i].endpoint);
		if (route_cases[i].endpoint[0])
			assert_ptr_not_equal(ep, &c.def);
		else
			assert_ptr_equal(ep, &c.def);
		if (route_cases[i].sent)
			assert_string_equal(sent, route_cases[i].sent);
		else
			assert_null(sent);
	}
	assert_chat_url(config_route(&c, "prov/m", &(const char *){NULL}, err, sizeof err),
	                "http://prov/v1/chat/completions");
	config_free(&c);
	free(path);
}

static void
test_route_no_default(void **state)
{
	char *path = put_file("providers.toml", "[prov]\nbase_url = \"http://prov/v1\"\n");
	char err[ERRLEN] = "";
	const char *sent = NULL;
	struct endpoint *ep;
	struct config c;

	(void)state;
	if (config_load(&c, NULL, NULL, err, sizeof err) != 0)
		fail_msg("%s", err);
	ep = config_route(&c, "prov/m", &sent, err, sizeof err);
	assert_non_null(ep);
	assert_string_equal(ep->name, "prov");
	assert_string_equal(sent, "m");
	ep = config_route(&c, "gpt-4o", &sent, err, sizeof err);
	assert_null(ep);
	assert_string_equal(err, config_help());
	assert_non_null(strstr(err, "LLM_BASE_URL"));
	assert_non_null(strstr(err, "LLM_BASE_URL=https://api.openai.com/v1"));
	assert_non_null(strstr(err, "LLM_BASE_URL=http://localhost:11434/v1"));
	err[0] = '\0';
	assert_null(config_route(&c, "meta-llama/Llama-3-8B", &sent, err, sizeof err));
	assert_non_null(strstr(err, "LLM_BASE_URL"));
	assert_null(config_route(&c, NULL, &sent, err, sizeof err));
	config_free(&c);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_base_url, setup, teardown),
		cmocka_unit_test(test_url_masked),
		cmocka_unit_test_setup_teardown(test_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers_token_line_break, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_no_default, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
