#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "run/budget.h"

void
budget_init(struct budget *b, double max_cost, double max_tokens)
{
	memset(b, 0, sizeof *b);
	b->max_cost = max_cost;
	b->max_tokens = max_tokens;
}

int
budget_on(const struct budget *b)
{
	return b->max_cost >= 0 || b->max_tokens >= 0;
}

/* "spent 0.0123 of 0.05 USD, 1234 of 5000 tokens", for messages. */
static void
budget_text(const struct budget *b, char *out, size_t outlen)
{
	int n = 0;

	out[0] = '\0';
	if (b->max_cost >= 0)
		n = snprintf(out, outlen, "spent %.6f of %g USD", b->spent_cost, b->max_cost);
	if (b->max_tokens >= 0 && n >= 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - (size_t)n, "%s%.0f of %.0f tokens", n ? ", " : "spent ",
		         b->spent_tokens, b->max_tokens);
}

int
budget_hold(struct budget *b, struct budget_hold *h, const char *model,
            const char *endpoint_url, double req_bytes, long long max_completion,
            char *why, size_t whylen)
{
	char err[ERRLEN], spent[128];
	double prompt = req_bytes / 4;
	double completion = max_completion > 0 ? (double)max_completion : BUDGET_DEFAULT_COMPLETION;

	memset(h, 0, sizeof *h);
	if (b->spent) {
		budget_text(b, spent, sizeof spent);
		snprintf(why, whylen, "not sent: the budget allows no more requests (%s)", spent);
		return -1;
	}
	if (b->max_cost >= 0) {
		h->priced = price_lookup(model ? model : "", endpoint_url, &h->price, err,
		                         sizeof err) == 1;
		if (!h->priced) {
			snprintf(why, whylen, "not sent: model '%s' has no price, so --max-cost "
			         "cannot count it (llm-prices(5))", model ? model : "");
			return -1;
		}
		h->cost = price_cost(&h->price, (long long)prompt, (long long)completion);
	}
	h->tokens = prompt + completion;
	if ((b->max_cost >= 0 && b->spent_cost + b->held_cost + h->cost > b->max_cost) ||
	    (b->max_tokens >= 0 && b->spent_tokens + b->held_tokens + h->tokens > b->max_tokens)) {
		b->spent = 1;
		budget_text(b, spent, sizeof spent);
		snprintf(why, whylen, "not sent: it could pass the budget (%s; held for the answers "
		         "in flight %.6f USD, %.0f tokens; for this one %.6f USD, %.0f tokens)", spent,
		         b->held_cost, b->held_tokens, h->cost, h->tokens);
		memset(h, 0, sizeof *h);
		return -1;
	}
	b->held_cost += h->cost;
	b->held_tokens += h->tokens;
	h->held = 1;
	return 0;
}

void
budget_settle(struct budget *b, struct budget_hold *h, json_object *usage)
{
	long long prompt_tokens, completion_tokens;

	if (!h->held)
		return;
	prompt_tokens = json_object_get_int64(json_get(usage, "prompt_tokens"));
	completion_tokens = json_object_get_int64(json_get(usage, "completion_tokens"));
	b->held_cost -= h->cost;
	b->held_tokens -= h->tokens;
	if (h->priced)
		b->spent_cost += price_cost(&h->price, prompt_tokens, completion_tokens);
	b->spent_tokens += (double)prompt_tokens + (double)completion_tokens;
	memset(h, 0, sizeof *h);
}
