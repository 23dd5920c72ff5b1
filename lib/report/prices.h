/* prices: what a model's tokens cost, from the price table
 * (share/llm/prices.json, or the file LLM_PRICES names; llm-prices(5)).
 *
 * The table gives USD per 1M input and output tokens by model name (and,
 * when known, the rates through a batch API and of cached input): an
 * exact name, or a glob ("gpt-4o-mini*", fnmatch(3)).  Names are compared
 * without regard to case.  An exact name beats every glob; among globs the
 * one with the most literal (non-wildcard) characters wins, a tie going
 * to the one written first.  A model routed as "provider/model" is looked
 * up as written, then by what follows each '/' in turn, the first name
 * with an entry deciding.  An endpoint on this machine (host localhost,
 * 127.0.0.0/8 or ::1) costs 0 whatever the model, unless the table says
 * "local_is_free": false (a local proxy to a hosted provider; tests
 * against llm-mock).  A model the table does
 * not know has no price: its cost is unknown (JSON null), never 0.
 *
 * A struct prices owns its entries; the struct price filled by a lookup
 * is the caller's.  The process-wide table of price_lookup() is loaded
 * once, on first use, and never freed.
 */
#ifndef LLM_PRICES_H
#define LLM_PRICES_H

#include <stddef.h>

#include "base/strmap.h"

#define PRICES_FILE "prices.json"

struct price {
	double input;		/* USD per 1M prompt tokens */
	double output;		/* USD per 1M completion tokens */
	/* USD per 1M prompt tokens written to and read from a prompt cache
	 * (Anthropic's cache_creation_input_tokens, cache_read_input_tokens):
	 * the table's cache_write and cache_read, else the input price */
	double cache_write, cache_read;
	int local;		/* a local endpoint: both are 0 */
	const char *entry;	/* the table's name that matched, NULL when local;
				 * valid while the table lives */
	/* through a batch API: the table's batch_input and batch_output,
	 * or the list rates when it gives none */
	double batch_input, batch_output;
};

struct prices;

/* Load a table: path, or else $LLM_PRICES, or else the datadir's
 * prices.json (datadir.h).  NULL with err naming the file. */
struct prices *prices_load(const char *path, char *err, size_t errlen);
void prices_free(struct prices *t);

/* The table's "written" date, "" when it has none. */
const char *prices_written(const struct prices *t);

/* The price of model at endpoint_url (NULL: not known to be local) in
 * table t (NULL: none; only a local endpoint has a price then).  1 with
 * *p filled, or 0: no price. */
int prices_find(const struct prices *t, const char *model, const char *endpoint_url,
                struct price *p);

/* Is the URL's host on this machine: localhost, 127.0.0.0/8, ::1? */
int price_local_url(const char *url);

/* The same through the process-wide table: 1, 0, or -1 with err when the
 * table could not be loaded (a local endpoint needs no table: 1). */
int price_lookup(const char *model, const char *endpoint_url, struct price *p, char *err,
                 size_t errlen);

/* price_lookup() asked once for each model and endpoint, for a reader
 * of many records.  Starts zeroed; it owns what it was told, until
 * price_memo_free(). */
struct price_memo {
	struct strmap keys;	/* the model, and NUL and the endpoint if any */
	struct price *p;
	signed char *known;
};

/* The price of model at endpoint_url (NULL: none), valid until the next
 * call, or NULL when it has none; err is set when the table could not be
 * loaded (the first time the pair is asked only). */
const struct price *price_memo_find(struct price_memo *m, const char *model,
                                    const char *endpoint_url, char *err, size_t errlen);
void price_memo_free(struct price_memo *m);

/* USD for the tokens at price p. */
double price_cost(const struct price *p, long long prompt_tokens, long long completion_tokens);

/* USD for an answer's tokens at price p: through a batch API (batch)
 * at the batch rates; of its prompt tokens (which count them all),
 * cache_write written to and cache_read read from a prompt cache at the
 * cache rates (a batch's discount applied to those too), the rest at the
 * input rate.  Counts that do not fit in the prompt are taken as 0. */
double price_cost_full(const struct price *p, int batch, long long prompt_tokens,
                       long long cache_write, long long cache_read,
                       long long completion_tokens);

#endif
