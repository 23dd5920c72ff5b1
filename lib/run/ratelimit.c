#include "run/ratelimit.h"

void
bucket_init(struct bucket *b, double per_minute, double now)
{
	b->per_ms = per_minute > 0 ? per_minute / 60000.0 : 0;
	b->cap = per_minute / 60.0;
	if (b->cap < 1)
		b->cap = 1;
	/* start full: the first second's worth goes at once */
	b->level = b->cap;
	b->last = now;
}

static void
refill(struct bucket *b, double now)
{
	if (now > b->last) {
		b->level += (now - b->last) * b->per_ms;
		if (b->level > b->cap)
			b->level = b->cap;
	}
	b->last = now;
}

double
bucket_wait_for(struct bucket *b, double n, double now)
{
	if (b->per_ms == 0)
		return 0;
	refill(b, now);
	if (b->level >= n)
		return 0;
	return (n - b->level) / b->per_ms + 0.001;
}

double
bucket_wait(struct bucket *b, double now)
{
	/* one whole unit must be there (a debt paid back first) */
	return bucket_wait_for(b, 1, now);
}

void
bucket_take(struct bucket *b, double n, double now)
{
	if (b->per_ms == 0)
		return;
	refill(b, now);
	b->level -= n;
	if (b->level > b->cap)
		b->level = b->cap;
}
