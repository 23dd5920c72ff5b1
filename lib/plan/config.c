#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/config.h"
#include "base/util.h"

const char *
config_help(void)
{
	return "no endpoint configured: set LLM_BASE_URL, e.g. "
	       "LLM_BASE_URL=https://api.openai.com/v1 with LLM_API_TOKEN=sk-... for OpenAI, "
	       "or LLM_BASE_URL=http://localhost:11434/v1 for a local Ollama";
}

static int
set_url(struct endpoint *ep, const char *url, char *err, size_t errlen)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n == 0 || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "base URL must start with http:// or https://: '%s'", url);
		return -1;
	}
	free(ep->base_url);
	free(ep->chat_url);
	ep->base_url = estrndup(url, n);
	ep->chat_url = emalloc(n + sizeof "/chat/completions");
	memcpy(ep->chat_url, url, n);
	strcpy(ep->chat_url + n, "/chat/completions");
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
	memmove(s, p, (size_t)(e - p) + 1);
	return s;
}

static const char *
env(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

/* A TOML basic or literal string value, the subset providers.toml uses. */
static int
toml_string(const char *s, char *out, size_t outlen)
{
	char q = *s++;
	size_t n = 0;

	if (q != '"' && q != '\'')
		return -1;
	for (; *s && *s != q; s++) {
		char c = *s;

		if (q == '"' && c == '\\') {
			switch (*++s) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			default: return -1;
			}
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	if (*s != q)
		return -1;
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	if (*s && *s != '#')
		return -1;
	out[n] = '\0';
	return 0;
}

static int
provider_key(struct endpoint *ep, const char *key, const char *val, const char *where,
             char *err, size_t errlen)
{
	char why[ERRLEN];

	if (strcmp(key, "base_url") == 0) {
		if (set_url(ep, val, why, sizeof why) < 0)
			goto bad;
	} else if (strcmp(key, "token_env") == 0) {
		const char *t = getenv(val);

		if (t && set_token(ep, t, why, sizeof why) < 0)
			goto bad;
	} else if (strcmp(key, "token_file") == 0) {
		char *t = config_read_token(val, why, sizeof why);

		if (!t)
			goto bad;
		if (set_token(ep, t, why, sizeof why) < 0) {
			free(t);
			goto bad;
		}
		free(t);
	} else {
		snprintf(err, errlen, "%s: unknown key '%s' (base_url, token_env, token_file)",
		         where, key);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: %s", where, why);
	return -1;
}

static int
load_providers(struct config *c, const char *path, char *err, size_t errlen)
{
	char where[PATH_MAX + 32], key[128], val[4096];
	FILE *fp = fopen(path, "r");
	struct endpoint *cur = NULL;
	char *line = NULL;
	size_t cap = 0, i;
	long lineno = 0;
	int rc = -1;

	if (!fp) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	c->providers_path = estrdup(path);
	while (getline(&line, &cap, fp) > 0) {
		char *s = line, *e;

		lineno++;
		snprintf(where, sizeof where, "%s:%ld", path, lineno);
		s[strcspn(s, "\r\n")] = '\0';
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			e = strchr(s, ']');
			if (!e || e == s + 1 || strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789_-.") != (size_t)(e - s - 1)) {
				snprintf(err, errlen, "%s: expected [provider-name]", where);
				goto out;
			}
			*e = '\0';
			for (i = 0; i < c->nprov; i++)
				if (strcmp(c->prov[i].name, s + 1) == 0) {
					snprintf(err, errlen, "%s: provider '%s' defined twice", where, s + 1);
					goto out;
				}
			c->prov = erealloc(c->prov, (c->nprov + 1) * sizeof *c->prov);
			cur = &c->prov[c->nprov++];
			memset(cur, 0, sizeof *cur);
			cur->name = estrdup(s + 1);
			continue;
		}
		e = s + strcspn(s, " \t=");
		if ((size_t)(e - s) >= sizeof key || e == s) {
			snprintf(err, errlen, "%s: expected key = \"value\"", where);
			goto out;
		}
		memcpy(key, s, (size_t)(e - s));
		key[e - s] = '\0';
		s = e + strspn(e, " \t");
		if (*s != '=') {
			snprintf(err, errlen, "%s: expected key = \"value\"", where);
			goto out;
		}
		s += 1 + strspn(s + 1, " \t");
		if (toml_string(s, val, sizeof val) < 0) {
			snprintf(err, errlen, "%s: expected a quoted string value", where);
			goto out;
		}
		if (!cur) {
			snprintf(err, errlen, "%s: key outside a [provider] table", where);
			goto out;
		}
		if (provider_key(cur, key, val, where, err, errlen) < 0)
			goto out;
	}
	for (i = 0; i < c->nprov; i++)
		if (!c->prov[i].base_url) {
			snprintf(err, errlen, "%s: provider '%s' has no base_url", path, c->prov[i].name);
			goto out;
		}
	rc = 0;
out:
	free(line);
	fclose(fp);
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
	if (url && set_url(&c->def, url, err, errlen) < 0)
		return -1;
	if (token_file) {
		char *t = config_read_token(token_file, err, errlen);

		if (!t)
			return -1;
		if (set_token(&c->def, t, err, errlen) < 0) {
			free(t);
			return -1;
		}
		free(t);
	} else if ((tok = env("LLM_API_TOKEN", "OPENAI_API_KEY")) &&
	           set_token(&c->def, tok, err, errlen) < 0)
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
	free(ep->chat_url);
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
