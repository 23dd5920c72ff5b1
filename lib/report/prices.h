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
 * 127.0.0.0/8 or ::1) costs 0 whatever the model.  A model the table does
 * not know has no price: its cost is unknown (JSON null), never 0.
 *
 * A struct prices owns its entries; the struct price filled by a lookup
 * is the caller's.  The process-wide table of price_lookup() is loaded
 * once, on first use, and never freed.
 */
#ifndef LLM_PRICES_H
#define LLM_PRICES_H

#include <stddef.h>

#define PRICES_FILE "prices.json"

struct price {
	double input;		/* USD per 1M prompt tokens */
	double output;		/* USD per 1M completion tokens */
	int local;		/* a local endpoint: both are 0 */
	const char *entry;	/* the table's name that matched, NULL when local;
				 * valid while the table lives */
	/* through a batch API, and prompt tokens the provider had cached:
	 * the table's batch_input, batch_output and cached_input, or the
	 * list rates when it gives none */
	double batch_input, batch_output, cached_input;
};

struct prices;

/* Load a table: path, or else $LLM_PRICES, or else the datadir's
 * prices.json (datadir.h).  NULL with err naming the file. */
struct prices *prices_load(const char *path, char *err, size_t errlen);
void prices_free(struct prices *t);

/* The table's "written" date, "" when it has none. */
const char *prices_written(const struct prices *t);

/* The price of model at endpoint_url (NULL: not known to be local).
 * 1 with *p filled, or 0: no price. */
int prices_find(const struct prices *t, const char *model, const char *endpoint_url,
                struct price *p);

/* Is the URL's host on this machine: localhost, 127.0.0.0/8, ::1? */
int price_local_url(const char *url);

/* The same through the process-wide table: 1, 0, or -1 with err when the
 * table could not be loaded (a local endpoint needs no table: 1). */
int price_lookup(const char *model, const char *endpoint_url, struct price *p, char *err,
                 size_t errlen);

/* USD for the tokens at price p. */
double price_cost(const struct price *p, long long prompt_tokens, long long completion_tokens);

/* The same for an answer of a batch (batch) whose prompt had
 * cached_tokens cached (usage.prompt_tokens_details.cached_tokens). */
double price_cost_at(const struct price *p, int batch, long long prompt_tokens,
                     long long cached_tokens, long long completion_tokens);

#endif
