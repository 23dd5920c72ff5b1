/* config: where requests go and with which token (DESIGN.md
 * 'Configuration').
 *
 * The default endpoint comes from LLM_BASE_URL (else OPENAI_BASE_URL) and
 * its token from --token-file, LLM_API_TOKEN or OPENAI_API_KEY.  Named
 * endpoints come from the providers file, $LLM_CONFIG_DIR/providers.toml
 * (default ~/.config/llm/providers.toml):
 *
 *	[openrouter]
 *	base_url = "https://openrouter.ai/api/v1"
 *	token_env = "OPENROUTER_API_KEY"	# or token_file = "/path"
 *	fallbacks = ["local/llama3"]		# for all its models
 *
 *	[[fallback]]				# for the models a glob names
 *	model = "gpt-4o*"
 *	to = ["gpt-4o-mini", "openrouter/openai/gpt-4o"]
 *	api = "openai"				# or "anthropic"
 *
 * A model "openrouter/meta-llama/llama-3-8b" goes to that endpoint as
 * "meta-llama/llama-3-8b"; a prefix that names no provider is part of a
 * plain model name.  The file is TOML, read by lib/plan/toml.c, and its
 * errors name their place as "path:LINE:COL: ...".  Tokens are secrets:
 * they live in struct endpoint only and are never printed.
 *
 * Config knows where an endpoint is, not what is asked of it: the path of
 * a request below base_url is its users' (lib/run/client.c), who make
 * its URL with config_url(); the transport's state for an endpoint is
 * theirs too.  Everything here is owned by
 * struct config, freed by config_free().
 */
#ifndef LLM_CONFIG_H
#define LLM_CONFIG_H

#include <stddef.h>

/* Model names, in order. */
struct model_list {
	char **v;
	size_t n;
};
#include "wire/dialect.h"

struct endpoint {
	char *name;		/* provider name; "" for the default endpoint */
	/* up to /v1, no trailing slash, then the query if any (Azure's
	 * ?api-version=...); never a fragment; NULL: not set */
	char *base_url;
	char *token;		/* NULL: send no Authorization */
	struct model_list fallbacks;	/* its models' fallbacks, in order */
	/* the API it speaks: providers.toml's api = "openai" (the default)
	 * or "anthropic", LLM_API for the default endpoint */
	const struct dialect *api;
	char *beta;		/* anthropic_beta / LLM_ANTHROPIC_BETA: the beta
				 * header's value, NULL: none */
};

struct config {
	struct endpoint def;
	struct endpoint *prov;
	size_t nprov;
	char *providers_path;	/* the file read, NULL when there was none */
	/* [[fallback]] model = "glob", to = [...]: in the file's order */
	struct fallback_rule {
		char *glob;
		struct model_list to;
	} *rules;
	size_t nrules;
};

/* Load the configuration.  base_url and token_file come from the command
 * line (NULL: use the environment).  0, or -1 with err: a bad providers
 * file, an unreadable token file, a token with a line break. */
int config_load(struct config *c, const char *base_url, const char *token_file,
                char *err, size_t errlen);
void config_free(struct config *c);

/* The endpoint for model (NULL model: the default).  *model_out is set to
 * the name to send: model without the provider prefix, or model itself.
 * NULL with err when the default endpoint is needed and not configured. */
struct endpoint *config_route(struct config *c, const char *model, const char **model_out,
                              char *err, size_t errlen);

/* The URL of path ("/chat/completions") below ep's base URL: the path
 * goes before the base URL's query, which is kept.  With mask, the URL as
 * it may be shown: credentials before the host and the values of query
 * parameters named like secrets (key, token, secret, pass, sig, auth,
 * cred, in any case, anywhere in the name) are "[REDACTED]".  Every URL
 * of an endpoint is made here.  The caller frees it. */
char *config_url(const struct endpoint *ep, const char *path, int mask);

/* The API ep speaks: its own, or OpenAI's when it names none (an
 * endpoint made by hand rather than by config_load). */
const struct dialect *endpoint_api(const struct endpoint *ep);

/* The base URL model (as a record names it) goes to, for pricing it (a
 * local endpoint costs 0), its secrets masked as config_url's when mask
 * (for output); NULL when c is NULL or cannot route it.  The caller
 * frees it. */
char *config_model_url(struct config *c, const char *model, int mask);

/* Is value one of the tokens of c (its default endpoint's or a
 * provider's)?  So a child that has no business with them can be given
 * an environment without them, whatever variable holds them. */
int config_is_token(const struct config *c, const char *value);

/* The models to try, in order, when model (as a record names it) fails
 * in a way asking it again cannot mend: the first [[fallback]] whose
 * model glob matches it, else its provider's fallbacks; NULL when none. */
const struct model_list *config_fallbacks(const struct config *c, const char *model);

/* The text that says what to set, with examples, for messages. */
const char *config_help(void);

/* Read a token file: its first line, white space trimmed.  NULL with err,
 * an empty first line among the errors. */
char *config_read_token(const char *path, char *err, size_t errlen);

#endif
