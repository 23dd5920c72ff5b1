/* A provider's limits, per bearer token: buckets of a minute's requests
 * and tokens, a quota, the x-ratelimit-* headers. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "mock/mock.h"
#include "mock/mock_limits.h"

/* One budget: a bucket of up to limit, refilled at limit a minute. */
struct budget {
	double level, last;
};

/* What one token has left. */
struct holder {
	struct budget req, tok;
};

struct mock_limits {
	struct mock_limits_opts o;
	pthread_mutex_t mu;
	struct strmap tokens;	/* token -> its holder's index */
	struct holder *h;
	size_t nh;
	long long used;		/* tokens answered, for the quota */
	unsigned long long limited, quota;
};

struct mock_limits *
mock_limits_new(const struct mock_limits_opts *o)
{
	struct mock_limits *l = ecalloc(1, sizeof *l);

	l->o = *o;
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void
mock_limits_free(struct mock_limits *l)
{
	if (!l)
		return;
	strmap_free(&l->tokens);
	free(l->h);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int
mock_limits_on(const struct mock_limits *l)
{
	return l && (l->o.rpm > 0 || l->o.tpm > 0 || l->o.quota_tokens > 0);
}

void
mock_duration(double ms, char *out, size_t outlen)
{
	long long whole, h, m;
	double s;
	int n;

	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(out, outlen, "%.0fms", ceil(ms));
		return;
	}
	whole = (long long)ms;
	h = whole / 3600000;
	m = whole / 60000 % 60;
	s = (ms - (double)(h * 3600000 + m * 60000)) / 1000.0;
	n = 0;
	if (h)
		n = snprintf(out, outlen, "%lldh%lldm", h, m);
	else if (m)
		n = snprintf(out, outlen, "%lldm", m);
	/* three decimals at most, their trailing zeros dropped: "1.5s", "1s" */
	snprintf(out + n, outlen - (size_t)n, "%.3f", s);
	{
		char *e = out + strlen(out);

		while (e[-1] == '0')
			*--e = '\0';
		if (e[-1] == '.')
			*--e = '\0';
		snprintf(e, outlen - (size_t)(e - out), "s");
	}
}

static void
refill(struct budget *b, long long limit, double now)
{
	if (now > b->last)
		b->level += (now - b->last) * (double)limit / 60000.0;
	if (b->level > (double)limit)
		b->level = (double)limit;
	b->last = now;
}

static struct holder *
holder_of(struct mock_limits *l, const char *tok, double now)
{
	int added = 0;
	size_t i = strmap_intern(&l->tokens, tok ? tok : "", tok ? strlen(tok) : 0, &added);

	if (added) {
		l->h = erealloc(l->h, (i + 1) * sizeof *l->h);
		l->nh = i + 1;
		/* a new token starts with its whole minute */
		l->h[i].req = (struct budget){ (double)l->o.rpm, now };
		l->h[i].tok = (struct budget){ (double)l->o.tpm, now };
	}
	return &l->h[i];
}

/* The header named name and what (a budget's, or ""), its value fmt's. */
static void
header(struct mock_verdict *v, const char *name, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
header(struct mock_verdict *v, const char *name, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (v->nhdrs == MOCK_LIMIT_HDRS)
		return;
	snprintf(v->name[v->nhdrs], sizeof v->name[0], "%s%s", name, what);
	va_start(ap, fmt);
	vsnprintf(v->value[v->nhdrs], sizeof v->value[0], fmt, ap);
	va_end(ap);
	v->nhdrs++;
}

/* The three headers of one budget: its limit, what is left, and the time
 * until it is full again. */
static void
budget_headers(struct mock_verdict *v, const char *what, const struct budget *b, long long limit)
{
	char d[32];
	double left = b->level > 0 ? floor(b->level) : 0;

	mock_duration(((double)limit - b->level) * 60000.0 / (double)limit, d, sizeof d);
	header(v, "x-ratelimit-limit-", what, "%lld", limit);
	header(v, "x-ratelimit-remaining-", what, "%.0f", left);
	header(v, "x-ratelimit-reset-", what, "%s", d);
}

/* Milliseconds until b holds need. */
static double
wait_for(const struct budget *b, long long limit, double need)
{
	return need <= b->level ? 0 : (need - b->level) * 60000.0 / (double)limit;
}

static void
refuse(struct mock_limits *l, struct mock_verdict *v, const char *what, long long limit,
       double level, double need, double wait)
{
	char msg[256];

	v->status = 429;
	l->limited++;
	snprintf(msg, sizeof msg, "mock: rate limit reached for %s: limit %lld a minute, "
	         "%.0f left, %.0f requested; try again in %.0fms", what, limit,
	         level > 0 ? floor(level) : 0, need, ceil(wait));
	mock_error_json(&v->body, msg, what, "rate_limit_exceeded");
	header(v, "retry-after-ms", "", "%.0f", ceil(wait));
	header(v, "retry-after", "", "%.0f", ceil(wait / 1000.0));
}

void
mock_limits_check(struct mock_limits *l, const char *tok, long long tokens, double now,
                  struct mock_verdict *v)
{
	struct holder *h;
	double wr = 0, wt = 0;

	memset(v, 0, sizeof *v);
	if (!mock_limits_on(l))
		return;
	pthread_mutex_lock(&l->mu);
	if (l->o.quota_tokens > 0 && l->used >= l->o.quota_tokens) {
		v->status = 429;
		l->quota++;
		mock_error_json(&v->body, "mock: you exceeded your current quota, please check "
		                "your plan and billing details", "insufficient_quota",
		                "insufficient_quota");
		pthread_mutex_unlock(&l->mu);
		return;
	}
	h = holder_of(l, tok, now);
	if (l->o.rpm > 0) {
		refill(&h->req, l->o.rpm, now);
		wr = wait_for(&h->req, l->o.rpm, 1);
	}
	if (l->o.tpm > 0) {
		refill(&h->tok, l->o.tpm, now);
		/* a request larger than the whole bucket goes once it is full */
		wt = wait_for(&h->tok, l->o.tpm,
		              (double)(tokens < l->o.tpm ? tokens : l->o.tpm));
	}
	if (wr > 0 || wt > 0) {
		if (wr >= wt)
			refuse(l, v, "requests", l->o.rpm, h->req.level, 1, wr);
		else
			refuse(l, v, "tokens", l->o.tpm, h->tok.level, (double)tokens, wt);
	} else {
		h->req.level -= 1;
		h->tok.level -= (double)tokens;
	}
	if (l->o.rpm > 0)
		budget_headers(v, "requests", &h->req, l->o.rpm);
	if (l->o.tpm > 0)
		budget_headers(v, "tokens", &h->tok, l->o.tpm);
	pthread_mutex_unlock(&l->mu);
}

void
mock_limits_used(struct mock_limits *l, long long tokens)
{
	if (!l || l->o.quota_tokens <= 0)
		return;
	pthread_mutex_lock(&l->mu);
	l->used += tokens;
	pthread_mutex_unlock(&l->mu);
}

long long
mock_limits_delay_ms(const struct mock_limits *l, long long completion)
{
	if (!l || l->o.tokens_per_s <= 0 || completion <= 0)
		return 0;
	return completion * 1000 / l->o.tokens_per_s;
}

void
mock_limits_set(struct mock_limits *l, long long rpm, long long tpm, double now)
{
	size_t i;

	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->nh; i++) {
		/* brought up to now at the old rate, then cut to the new size */
		if (l->o.rpm > 0)
			refill(&l->h[i].req, l->o.rpm, now);
		if (l->o.tpm > 0)
			refill(&l->h[i].tok, l->o.tpm, now);
		if (rpm >= 0 && l->h[i].req.level > (double)rpm)
			l->h[i].req.level = (double)rpm;
		if (tpm >= 0 && l->h[i].tok.level > (double)tpm)
			l->h[i].tok.level = (double)tpm;
	}
	if (rpm >= 0)
		l->o.rpm = rpm;
	if (tpm >= 0)
		l->o.tpm = tpm;
	pthread_mutex_unlock(&l->mu);
}

void
mock_limits_counts(struct mock_limits *l, unsigned long long *limited, unsigned long long *quota)
{
	pthread_mutex_lock(&l->mu);
	*limited = l->limited;
	*quota = l->quota;
	pthread_mutex_unlock(&l->mu);
}
