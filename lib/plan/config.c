/* The configuration: the environment, the command line, and the
 * providers file read by the TOML parser (lib/plan/toml.c). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "plan/config.h"
#include "plan/toml.h"
#include "base/util.h"

#define PROVIDERS_MAX_FILE (64u << 20)	/* as for a plan: far past any real one */

const char *
config_help(void)
{
	return "no endpoint configured: set LLM_BASE_URL, e.g. "
	       "LLM_BASE_URL=https://api.openai.com/v1 with your key in LLM_API_TOKEN for OpenAI, "
	       "or LLM_BASE_URL=http://localhost:11434/v1 for a local Ollama";
}

/* Whether a query parameter's name says its value is a secret: an API
 * key (Azure's api-key), a token, a signature (a SAS URL's sig). */
static int
secret_param(const char *name, size_t n)
{
	static const char *const words[] = {"key", "token", "secret", "pass", "sig", "auth",
	                                    "cred"};
	size_t i, j, k;

	for (i = 0; i < sizeof words / sizeof *words; i++)
		for (j = 0, k = strlen(words[i]); j + k <= n; j++)
			if (strncasecmp(name + j, words[i], k) == 0)
				return 1;
	return 0;
}

/* The query q ("?..." or "") onto u, secret values masked when mask. */
static void
add_query(struct buf *u, const char *q, int mask)
{
	while (*q) {
		size_t n = strcspn(q + 1, "&") + 1;	/* "?k=v" or "&k=v" */
		const char *eq = memchr(q, '=', n);

		if (mask && eq && secret_param(q + 1, (size_t)(eq - q - 1))) {
			buf_add(u, q, (size_t)(eq - q) + 1);
			buf_adds(u, "[REDACTED]");
		} else
			buf_add(u, q, n);
		q += n;
	}
}

char *
config_url(const struct endpoint *ep, const char *path, int mask)
{
	const char *url = ep->base_url;
	size_t n = strcspn(url, "?");
	struct buf u = {0};

	buf_adds(&u, "");
	if (mask) {
		/* user:password@ before the host is a secret as a whole */
		const char *host = strstr(url, "://") + 3;
		size_t alen = strcspn(host, "/?");
		const char *at = memchr(host, '@', alen);

		if (at) {
			buf_add(&u, url, (size_t)(host - url));
			buf_adds(&u, "[REDACTED]");
			url = at;
			n -= (size_t)(at - ep->base_url);
		}
	}
	buf_add(&u, url, n);
	buf_adds(&u, path);
	add_query(&u, url + n, mask);
	return u.data;
}

/* Trailing slashes of the path go, the query stays: the path of a request
 * is put between the two (config_url).  A fragment is refused: it is
 * never sent, and what was meant by it cannot be guessed. */
static int
set_url(struct endpoint *ep, const char *url, char *err, size_t errlen)
{
	size_t n = strcspn(url, "?#"), end = n;
	struct endpoint shown = {.base_url = (char *)url};
	char *text;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n == 0 || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "base URL must start with http:// or https://: '%s'", url);
		return -1;
	}
	text = config_url(&shown, "", 1);
	if (strchr(url, '#')) {
		snprintf(err, errlen, "base URL has a fragment ('#...'), which is never sent: "
		         "remove it: '%s'", text);
		free(text);
		return -1;
	}
	free(text);
	free(ep->base_url);
	ep->base_url = emalloc(strlen(url) + 1);
	memcpy(ep->base_url, url, n);
	strcpy(ep->base_url + n, url + end);
	return 0;
}

static int
set_token(struct endpoint *ep, const char *tok, char *err, size_t errlen)
{
	if (strpbrk(tok, "\r\n")) {
		snprintf(err, errlen, "token contains a line break");
		return -1;
	}
	free(ep->token);
	ep->token = *tok ? estrdup(tok) : NULL;
	return 0;
}

char *
config_read_token(const char *path, char *err, size_t errlen)
{
	char why[ERRLEN];
	char *s = read_file(path, 65536, NULL, why, sizeof why);
	char *p, *e;

	if (!s) {
		snprintf(err, errlen, "token file %s", why);
		return NULL;
	}
	for (p = s; isspace((unsigned char)*p); p++)
		;
	e = p + strcspn(p, "\r\n");
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	if (e == p) {
		/* sent as no token at all, a 401 far from its cause */
		snprintf(err, errlen, "token file %s: no token on its first line", path);
		free(s);
		return NULL;
	}
	memmove(s, p, (size_t)(e - p) + 1);
	return s;
}

static int
set_token_file(struct endpoint *ep, const char *path, char *err, size_t errlen)
{
	char *t = config_read_token(path, err, errlen);
	int rc = t ? set_token(ep, t, err, errlen) : -1;

	free(t);
	return rc;
}

static const char *
env(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

/* The API an endpoint speaks, by its name. */
static int
set_api(struct endpoint *ep, const char *name, char *err, size_t errlen)
{
	if (!(ep->api = dialect_find(name))) {
		snprintf(err, errlen, "api: unknown API '%.40s' (%s)", name, dialect_names());
		return -1;
	}
	return 0;
}

/* The value of the beta header: one header line, never two. */
static int
set_beta(struct endpoint *ep, const char *val, char *err, size_t errlen)
{
	if (strpbrk(val, "\r\n")) {
		snprintf(err, errlen, "anthropic_beta: a line break in the value");
		return -1;
	}
	free(ep->beta);
	ep->beta = *val ? estrdup(val) : NULL;
	return 0;
}

/* One key of a provider's table; why is set when the value is refused. */
static int
provider_key(struct endpoint *ep, const char *key, json_object *v, char *why, size_t whylen)
{
	const char *val = json_object_get_string(v);

	if (strcmp(key, "base_url") && strcmp(key, "token_env") && strcmp(key, "token_file") &&
	    strcmp(key, "api") && strcmp(key, "anthropic_beta")) {
		if (json_object_is_type(v, json_type_object))
			/* [a.b] is table b in table a, as TOML has it */
			snprintf(why, whylen, "'%s' is a table: a provider name with a dot is "
			         "quoted, [\"%s.%s\"]", key, ep->name, key);
		else
			snprintf(why, whylen, "unknown key '%s' (base_url, token_env, token_file, "
			         "api, anthropic_beta)", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, whylen, "%s: expected a string, got %s", key, toml_type_name(v));
		return -1;
	}
	if (strlen(val) != (size_t)json_object_get_string_len(v)) {
		snprintf(why, whylen, "%s: a NUL byte in the string", key);
		return -1;
	}
	if (strcmp(key, "base_url") == 0)
		return set_url(ep, val, why, whylen);
	if (strcmp(key, "api") == 0)
		return set_api(ep, val, why, whylen);
	if (strcmp(key, "anthropic_beta") == 0)
		return set_beta(ep, val, why, whylen);
	if (strcmp(key, "token_env") == 0)
		return getenv(val) ? set_token(ep, getenv(val), why, whylen) : 0;
	return set_token_file(ep, val, why, whylen);
}

/* A provider name is the prefix of a model name, up to its first '/'. */
static int
provider_name_ok(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                       "0123456789_-.") == strlen(s);
}

/* The providers file, read by the TOML parser: a table per provider. */
static int
read_providers(struct config *c, json_object *root, const struct toml_where *w,
               const char *path, char *err, size_t errlen)
{
	char why[ERRLEN];
	size_t i = 0;

	c->prov = ecalloc((size_t)json_object_object_length(root), sizeof *c->prov);
	json_object_object_foreach(root, name, t) {
		struct endpoint *ep;

		if (!json_object_is_type(t, json_type_object))
			return toml_message(w, path, t, err, errlen, "key outside a [provider] table");
		if (!provider_name_ok(name))
			return toml_message(w, path, t, err, errlen, "expected [provider-name]");
		ep = &c->prov[c->nprov++];
		ep->name = estrdup(name);
		ep->api = &dialect_openai;
		json_object_object_foreach(t, key, v)
			if (provider_key(ep, key, v, why, sizeof why) < 0)
				return toml_message(w, path, v, err, errlen, "%s", why);
	}
	json_object_object_foreach(root, name2, t2) {
		if (!c->prov[i++].base_url)
			return toml_message(w, path, t2, err, errlen, "provider '%s' has no base_url", name2);
	}
	return 0;
}

static int
load_providers(struct config *c, const char *path, char *err, size_t errlen)
{
	struct toml_where *w = NULL;
	json_object *root;
	char *text;
	size_t len;
	int rc;

	if (!(text = read_file(path, PROVIDERS_MAX_FILE, &len, err, errlen)))
		return access(path, F_OK) < 0 && errno == ENOENT ? 0 : -1;
	c->providers_path = estrdup(path);
	root = toml_parse(text, len, path, &w, err, errlen);
	free(text);
	rc = root ? read_providers(c, root, w, path, err, errlen) : -1;
	json_object_put(root);
	toml_where_free(w);
	return rc;
}

int
config_load(struct config *c, const char *base_url, const char *token_file, char *err,
            size_t errlen)
{
	char path[PATH_MAX];
	const char *dir = getenv("LLM_CONFIG_DIR"), *home = getenv("HOME");
	const char *url = base_url ? base_url : env("LLM_BASE_URL", "OPENAI_BASE_URL");
	const char *tok;

	memset(c, 0, sizeof *c);
	c->def.name = estrdup("");
	c->def.api = &dialect_openai;
	if (env("LLM_API", NULL) && !(c->def.api = dialect_find(env("LLM_API", NULL)))) {
		snprintf(err, errlen, "LLM_API: unknown API '%.40s' (%s)", env("LLM_API", NULL),
		         dialect_names());
		return -1;
	}
	if (env("LLM_ANTHROPIC_BETA", NULL) &&
	    set_beta(&c->def, env("LLM_ANTHROPIC_BETA", NULL), err, errlen) < 0)
		return -1;
	/* an Anthropic endpoint's own key before OpenAI's */
	tok = env("LLM_API_TOKEN", c->def.api == &dialect_anthropic ? "ANTHROPIC_API_KEY"
	                                                             : "OPENAI_API_KEY");
	if (url && set_url(&c->def, url, err, errlen) < 0)
		return -1;
	if (token_file) {
		if (set_token_file(&c->def, token_file, err, errlen) < 0)
			return -1;
	} else if (tok && set_token(&c->def, tok, err, errlen) < 0)
		return -1;
	if (dir && *dir)
		snprintf(path, sizeof path, "%s/providers.toml", dir);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/llm/providers.toml", home);
	else
		return 0;
	return load_providers(c, path, err, errlen);
}

static void
endpoint_free(struct endpoint *ep)
{
	free(ep->name);
	free(ep->base_url);
	free(ep->beta);
	if (ep->token) {
		/* do not leave the secret in freed memory */
		volatile char *p = ep->token;

		while (*p)
			*p++ = 0;
		free(ep->token);
	}
}

void
config_free(struct config *c)
{
	size_t i;

	endpoint_free(&c->def);
	for (i = 0; i < c->nprov; i++)
		endpoint_free(&c->prov[i]);
	free(c->prov);
	free(c->providers_path);
	memset(c, 0, sizeof *c);
}

struct endpoint *
config_route(struct config *c, const char *model, const char **model_out, char *err,
             size_t errlen)
{
	const char *slash = model ? strchr(model, '/') : NULL;
	size_t i;

	*model_out = model;
	if (slash)
		for (i = 0; i < c->nprov; i++)
			if (strlen(c->prov[i].name) == (size_t)(slash - model) &&
			    strncmp(c->prov[i].name, model, (size_t)(slash - model)) == 0) {
				*model_out = slash + 1;
				return &c->prov[i];
			}
	if (!c->def.base_url) {
		snprintf(err, errlen, "%s", config_help());
		return NULL;
	}
	return &c->def;
}
