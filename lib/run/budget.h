/* budget: a limit on what a run spends (--max-cost USD, --max-total-tokens
 * N), counted as answers arrive, with what is in flight held at its most.
 *
 * Before a request goes, budget_hold() holds what it could cost at most:
 * its prompt (estimated from its bytes, four a token, as --tpm does) and
 * every completion token max_tokens allows (BUDGET_DEFAULT_COMPLETION when
 * it sets none), at the model's price.  When what was spent, what is held
 * and this request's hold together could pass a limit, the budget is
 * spent: nothing more is sent, and the caller gives this record and every
 * later one an error of kind "budget".  So the spending never passes the
 * limit while the answers keep within their bounds, and never by more
 * than what was in flight.  When the answer is in, budget_settle() lets
 * the hold go and counts what its usage says it cost; a failed request
 * costs nothing (servers do not bill refused requests), and a cached
 * answer is never held.
 *
 * The budget and its holds are the caller's; nothing is allocated.
 */
#ifndef LLM_BUDGET_H
#define LLM_BUDGET_H

#include "json/json.h"
#include "report/prices.h"

#define BUDGET_DEFAULT_COMPLETION 4096	/* held for a request without max_tokens */

struct budget {
	double max_cost;	/* USD; < 0: no limit */
	double max_tokens;	/* < 0: no limit */
	double spent_cost, spent_tokens;
	double held_cost, held_tokens;
	int spent;		/* a request could pass a limit: send no more */
};

struct budget_hold {
	double cost, tokens;
	struct price price;
	int priced;
	int held;		/* 0: nothing held */
};

/* No limits. */
void budget_init(struct budget *b, double max_cost, double max_tokens);
int budget_on(const struct budget *b);

/* Hold a request of model (as the record names it) at endpoint_url, of
 * req_bytes bytes asking max_completion tokens at most (<= 0: not said).
 * 0, or -1 with why: the budget is spent (now or before), or the model has
 * no price and a cost limit is set (that record alone is refused). */
int budget_hold(struct budget *b, struct budget_hold *h, const char *model,
                const char *endpoint_url, double req_bytes, long long max_completion,
                char *why, size_t whylen);

/* The answer is in (usage NULL: none, or the request failed): let the
 * hold go, count what its usage says it cost.  Nothing when nothing is
 * held. */
void budget_settle(struct budget *b, struct budget_hold *h, json_object *usage);

#endif
