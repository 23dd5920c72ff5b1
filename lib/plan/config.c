/* The configuration: the environment, the command line, and the
 * providers file read by the TOML parser (lib/plan/toml.c). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
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

const struct dialect *
endpoint_api(const struct endpoint *ep)
{
	return ep->api ? ep->api : &dialect_openai;
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

#define TOKEN_BROKEN "token contains a line break"
#define BETA_BROKEN "anthropic_beta: a line break in the value"

/* A value sent in a header line (a token, the beta header's value): one
 * line, never two, else broken is the message; "" is none. */
static int
set_header_value(char **field, const char *val, const char *broken, char *err, size_t errlen)
{
	if (strpbrk(val, "\r\n")) {
		snprintf(err, errlen, "%s", broken);
		return -1;
	}
	free(*field);
	*field = *val ? estrdup(val) : NULL;
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
	int rc = t ? set_header_value(&ep->token, t, TOKEN_BROKEN, err, errlen) : -1;

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

/* An array of model names: the value of key. */
static int
model_list(struct model_list *l, const char *key, json_object *v, char *why, size_t whylen)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array)) {
		snprintf(why, whylen, "%s: expected an array of model names, "
		         "[\"gpt-4o-mini\", \"local/llama3\"], got %s", key, toml_type_name(v));
		return -1;
	}
	n = json_object_array_length(v);
	l->v = ecalloc(n + 1, sizeof *l->v);
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(v, i);

		if (!json_object_is_type(m, json_type_string) || !*json_object_get_string(m) ||
		    strlen(json_object_get_string(m)) != (size_t)json_object_get_string_len(m)) {
			snprintf(why, whylen, "%s[%zu]: expected a model name, got %s", key, i,
			         toml_type_name(m));
			return -1;
		}
		l->v[l->n++] = estrdup(json_object_get_string(m));
	}
	return 0;
}

static void
model_list_free(struct model_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* [[fallback]] tables: model (a glob) and to (the models, in order). */
static int
read_rules(struct config *c, json_object *a, const struct toml_where *w, const char *path,
           char *err, size_t errlen)
{
	char why[ERRLEN];
	size_t i, n;

	if (!json_object_is_type(a, json_type_array))
		return toml_message(w, path, a, err, errlen, "fallback: expected [[fallback]] tables "
		                    "with model = \"glob\" and to = [models]");
	n = json_object_array_length(a);
	c->rules = ecalloc(n, sizeof *c->rules);
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(a, i), *m = json_get(t, "model"),
		            *to = json_get(t, "to");
		struct fallback_rule *r = &c->rules[c->nrules++];

		if (!json_object_is_type(t, json_type_object))
			return toml_message(w, path, t, err, errlen, "fallback: expected a table");
		json_object_object_foreach(t, key, v)
			if (strcmp(key, "model") && strcmp(key, "to"))
				return toml_message(w, path, v, err, errlen, "[[fallback]]: unknown key "
				                    "'%s' (model, to)", key);
		if (!json_object_is_type(m, json_type_string))
			return toml_message(w, path, m ? m : t, err, errlen, "[[fallback]]: model: "
			                    "expected a model name or glob, model = \"gpt-4o*\"");
		r->glob = estrdup(json_object_get_string(m));
		if (!to)
			return toml_message(w, path, t, err, errlen, "[[fallback]]: to is missing: "
			                    "to = [\"gpt-4o-mini\"]");
		if (model_list(&r->to, "to", to, why, sizeof why) < 0)
			return toml_message(w, path, to, err, errlen, "[[fallback]]: %s", why);
	}
	return 0;
}

/* The provider a "prefix/model" names, or NULL. */
static struct endpoint *
provider_of(const struct config *c, const char *model)
{
	const char *slash = model ? strchr(model, '/') : NULL;
	size_t i;

	for (i = 0; slash && i < c->nprov; i++)
		if (strlen(c->prov[i].name) == (size_t)(slash - model) &&
		    strncmp(c->prov[i].name, model, (size_t)(slash - model)) == 0)
			return &c->prov[i];
	return NULL;
}

const struct model_list *
config_fallbacks(const struct config *c, const char *model)
{
	const struct endpoint *ep = provider_of(c, model);
	size_t i;

	for (i = 0; model && i < c->nrules; i++)
		if (fnmatch(c->rules[i].glob, model, 0) == 0)
			return c->rules[i].to.n ? &c->rules[i].to : NULL;
	return ep && ep->fallbacks.n ? &ep->fallbacks : NULL;
}

/* The API an endpoint speaks, by its name; what names the setting, for
 * the message. */
static int
set_api(struct endpoint *ep, const char *what, const char *name, char *err, size_t errlen)
{
	if (!(ep->api = dialect_find(name))) {
		snprintf(err, errlen, "%s: unknown API '%.40s' (%s)", what, name, dialect_names());
		return -1;
	}
	return 0;
}

/* One key of a provider's table; why is set when the value is refused. */
static int
provider_key(struct endpoint *ep, const char *key, json_object *v, char *why, size_t whylen)
{
	const char *val = json_object_get_string(v);

	if (strcmp(key, "fallbacks") == 0)
		return model_list(&ep->fallbacks, key, v, why, whylen);
	if (strcmp(key, "base_url") && strcmp(key, "token_env") && strcmp(key, "token_file") &&
	    strcmp(key, "api") && strcmp(key, "anthropic_beta")) {
		if (json_object_is_type(v, json_type_object))
			/* [a.b] is table b in table a, as TOML has it */
			snprintf(why, whylen, "'%s' is a table: a provider name with a dot is "
			         "quoted, [\"%s.%s\"]", key, ep->name, key);
		else
			snprintf(why, whylen, "unknown key '%s' (base_url, token_env, token_file, "
			         "api, anthropic_beta, fallbacks)", key);
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
		return set_api(ep, key, val, why, whylen);
	if (strcmp(key, "anthropic_beta") == 0)
		return set_header_value(&ep->beta, val, BETA_BROKEN, why, whylen);
	if (strcmp(key, "token_env") == 0)
		return getenv(val) ? set_header_value(&ep->token, getenv(val), TOKEN_BROKEN, why, whylen)
		                   : 0;
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

	c->prov = ecalloc((size_t)json_object_object_length(root), sizeof *c->prov);
	json_object_object_foreach(root, name, t) {
		struct endpoint *ep;

		if (strcmp(name, "fallback") == 0 && !json_object_is_type(t, json_type_object)) {
			if (read_rules(c, t, w, path, err, errlen) < 0)
				return -1;
			continue;
		}
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
		if (!ep->base_url)
			return toml_message(w, path, t, err, errlen, "provider '%s' has no base_url", name);
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
	if (env("LLM_API", NULL) && set_api(&c->def, "LLM_API", env("LLM_API", NULL), err, errlen) < 0)
		return -1;
	if (env("LLM_ANTHROPIC_BETA", NULL) &&
	    set_header_value(&c->def.beta, env("LLM_ANTHROPIC_BETA", NULL), BETA_BROKEN, err,
	                     errlen) < 0)
		return -1;
	/* an Anthropic endpoint's own key before OpenAI's */
	tok = env("LLM_API_TOKEN", c->def.api == &dialect_anthropic ? "ANTHROPIC_API_KEY"
	                                                             : "OPENAI_API_KEY");
	if (url && set_url(&c->def, url, err, errlen) < 0)
		return -1;
	if (token_file) {
		if (set_token_file(&c->def, token_file, err, errlen) < 0)
			return -1;
	} else if (tok && set_header_value(&c->def.token, tok, TOKEN_BROKEN, err, errlen) < 0)
		return -1;
	if (dir && *dir)
		snprintf(path, sizeof path, "%s/providers.toml", dir);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/llm/providers.toml", home);
	else
		return 0;
	return load_providers(c, path, err, errlen);
}

char *
config_model_url(struct config *c, const char *model, int mask)
{
	char err[ERRLEN];
	const char *sent;
	struct endpoint *ep = c ? config_route(c, model, &sent, err, sizeof err) : NULL;

	return ep && ep->base_url ? config_url(ep, "", mask) : NULL;
}

int
config_is_token(const struct config *c, const char *value)
{
	size_t i;

	if (!c || !*value)
		return 0;
	if (c->def.token && strcmp(c->def.token, value) == 0)
		return 1;
	for (i = 0; i < c->nprov; i++)
		if (c->prov[i].token && strcmp(c->prov[i].token, value) == 0)
			return 1;
	return 0;
}

static void
endpoint_free(struct endpoint *ep)
{
	free(ep->name);
	free(ep->base_url);
	model_list_free(&ep->fallbacks);
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
	for (i = 0; i < c->nrules; i++) {
		free(c->rules[i].glob);
		model_list_free(&c->rules[i].to);
	}
	free(c->rules);
	free(c->providers_path);
	memset(c, 0, sizeof *c);
}

/* A "prefix/model" whose prefix names no provider, and no default
 * endpoint to take it as a plain model name: say which providers there
 * are, the likeliest meant first when one differs only in case. */
static struct endpoint *
unknown_provider(const struct config *c, const char *model, size_t n, char *err, size_t errlen)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < c->nprov; i++)
		if (strlen(c->prov[i].name) == n && strncasecmp(c->prov[i].name, model, n) == 0)
			buf_addf(&b, "did you mean '%s'? ", c->prov[i].name);
	buf_addf(&b, "%s has:", c->providers_path);
	for (i = 0; i < c->nprov; i++)
		buf_addf(&b, " %s", c->prov[i].name);
	snprintf(err, errlen, "model '%s': no provider '%.*s' (%s); a name with '/' that is not "
	         "a provider's goes to the default endpoint, and LLM_BASE_URL is not set", model,
	         (int)n, model, b.data);
	buf_free(&b);
	return NULL;
}

struct endpoint *
config_route(struct config *c, const char *model, const char **model_out, char *err,
             size_t errlen)
{
	const char *slash = model ? strchr(model, '/') : NULL;
	struct endpoint *ep = provider_of(c, model);

	*model_out = ep ? slash + 1 : model;
	if (ep)
		return ep;
	if (!c->def.base_url) {
		if (slash && c->nprov)
			return unknown_provider(c, model, (size_t)(slash - model), err, errlen);
		snprintf(err, errlen, "%s", config_help());
		return NULL;
	}
	return &c->def;
}
