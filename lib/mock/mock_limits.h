/* mock_limits: a provider's limits acted out by llm-mock.  Requests and
 * tokens a minute per bearer token (--limit-rpm, --limit-tpm), a quota of
 * tokens (--quota-tokens), and OpenAI's x-ratelimit-* headers saying
 * where each token stands.
 *
 * Each budget is a bucket holding a minute's limit, refilled continuously
 * (as OpenAI's are: its reset headers give the time until the bucket is
 * full again); it starts full.  A request costs one request and its
 * estimate of tokens (the caller's: the prompt plus max_tokens); a request
 * refused with 429 costs nothing.  The quota counts the tokens of the
 * answers given (mock_limits_used) and does not refill.
 *
 * Ownership: mock_limits_new() returns a table the caller frees with
 * mock_limits_free(); a verdict owns its header strings (fixed arrays).
 * Every function may be called from many threads at once.
 */
#ifndef LLM_MOCK_LIMITS_H
#define LLM_MOCK_LIMITS_H

#include "base/util.h"

struct mock_limits_opts {
	long long rpm, tpm;		/* a minute, per token; 0: no limit */
	long long quota_tokens;		/* 0: no quota */
	long long tokens_per_s;		/* completion tokens a second; 0: at once */
};

#define MOCK_LIMIT_HDRS 8

/* What the limits say of one request. */
struct mock_verdict {
	int status;		/* 0: go on; 429: refused */
	struct buf body;	/* the error body of a refusal */
	size_t nhdrs;
	char name[MOCK_LIMIT_HDRS][40];
	char value[MOCK_LIMIT_HDRS][40];
};

struct mock_limits;

struct mock_limits *mock_limits_new(const struct mock_limits_opts *o);
void mock_limits_free(struct mock_limits *l);

/* Any limit or quota to act out? */
int mock_limits_on(const struct mock_limits *l);

/* A request of token tok (NULL or "": none) costing tokens, at now (ms):
 * v is filled, its body the caller's to release (buf_free). */
void mock_limits_check(struct mock_limits *l, const char *tok, long long tokens, double now,
                       struct mock_verdict *v);

/* The tokens an answer used, for the quota. */
void mock_limits_used(struct mock_limits *l, long long tokens);

/* The wait --tokens-per-s asks for an answer of completion tokens. */
long long mock_limits_delay_ms(const struct mock_limits *l, long long completion);

/* New limits a minute (-1: keep); buckets keep what they hold, cut to
 * the new size. */
void mock_limits_set(struct mock_limits *l, long long rpm, long long tpm, double now);

/* Counters for /v1/mock/stats: 429s for the rate limits, for the quota. */
void mock_limits_counts(struct mock_limits *l, unsigned long long *limited,
                        unsigned long long *quota);

/* A duration as OpenAI writes it (Go's style): "120ms", "1s", "1.5s",
 * "6m0s", "1h0m0s". */
void mock_duration(double ms, char *out, size_t outlen);

#endif
