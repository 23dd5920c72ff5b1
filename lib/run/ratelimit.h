/* ratelimit: a token bucket for client-side rate limits (--rpm, --tpm).
 *
 * The bucket refills continuously at rate per minute and holds at most a
 * second's worth (at least 1), so a batch starts at once but never bursts
 * a whole minute's quota.  A take may drive the level below zero (a
 * request larger than the bucket still goes, once the level is positive);
 * the debt is paid back before the next take.  Times are now_ms_f().
 */
#ifndef LLM_RATELIMIT_H
#define LLM_RATELIMIT_H

struct bucket {
	double per_ms;		/* refill rate; 0: no limit */
	double cap;		/* most it holds */
	double level;
	double last;		/* when level was last brought up to date */
};

/* per_minute 0 makes a bucket that never holds anything up. */
void bucket_init(struct bucket *b, double per_minute, double now);

/* Milliseconds until a take may go (0: now). */
double bucket_wait(struct bucket *b, double now);

/* Milliseconds until the level is at least n (0: now); the same as
 * bucket_wait() for n 1. */
double bucket_wait_for(struct bucket *b, double n, double now);

/* Take n (may be negative: a correction gives back what was over-taken). */
void bucket_take(struct bucket *b, double n, double now);

#endif
