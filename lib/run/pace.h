/* pace: how fast llm-chat sends to one endpoint, learnt from the server.
 *
 * Each answer's rate-limit headers (OpenAI's x-ratelimit-*, Anthropic's
 * anthropic-ratelimit-*; net/http.h captures them) say what the server
 * has left of its requests and tokens a minute.  The pace keeps a mirror
 * of each of those buckets (run/ratelimit.h): its level set from what
 * the server said was left, less the requests still in flight, refilled
 * at the limit a minute (or, with no limit said, at what is left over the
 * time to its reset), so no more is sent than the server has left.
 *
 * The number in flight is a window, grown by one a round trip while
 * answers come back with room to spare (additive increase) and halved on
 * a 429, or cut when what is left nears zero (multiplicative decrease),
 * once for each round trip: a burst of 429s from one window is one cut.
 * A 429 from a server that tells its limits also holds sending for its
 * retry-after, up to PACE_HOLD_MAX (another server's 429 may speak of one
 * request only, and llm-retry waits for it).  The window stays
 * between 1 and the ceiling (-j); until a server speaks of its limits
 * it is the start given (nothing changes for a server that never does).
 *
 * Times are now_ms_f().  A struct pace holds no memory of its own.
 */
#ifndef LLM_PACE_H
#define LLM_PACE_H

#include "run/ratelimit.h"

/* What one answer said of the limits; -1: not said. */
struct pace_hdrs {
	double req_limit, req_left, req_reset_ms;
	double tok_limit, tok_left, tok_reset_ms;
};

struct pace {
	int ceiling;		/* most in flight (-j) */
	int start;		/* the window until the server tells its limits */
	double window;		/* in flight now allowed */
	int informed;		/* the server has told its limits */
	int inflight;
	struct bucket req, tok;	/* the server's, as reckoned; per_ms 0: not known */
	double tok_est;		/* tokens of the last request sent */
	double hold_until;	/* a 429's wait: nothing is sent before */
	double last_cut;	/* when the window was last cut */
	double rate;		/* requests a second sent, smoothed */
	double last_sent;
};

/* The longest a 429's retry-after holds an endpoint, in ms. */
#define PACE_HOLD_MAX 60000

/* The window is full: wait for an answer. */
#define PACE_FULL (-1.0)

void pace_init(struct pace *p, int ceiling, int start, double now);

/* Milliseconds until the next request may go: 0 now, PACE_FULL while
 * the window is full. */
double pace_wait(struct pace *p, double now);

/* A request of tokens (estimated) was sent. */
void pace_sent(struct pace *p, double tokens, double now);

/* A request sent at sent_at has finished with HTTP status (0: no
 * answer), what its headers said (NULL: nothing) and its retry-after
 * (-1: none). */
void pace_answer(struct pace *p, int status, const struct pace_hdrs *h, long long retry_after_ms,
                 double sent_at, double now);

/* A reset as the headers give it, in milliseconds from now: a duration
 * as OpenAI writes it ("1s", "6m0s", "120ms", "0.5s", "1h2m3.5s"), a
 * number of seconds, or an RFC 3339 time (Anthropic's, now_s the wall
 * clock in seconds).  -1 when it is none of those. */
double pace_reset_ms(const char *s, double now_s);

/* The headers' text (NULL or "": absent) into h; a value that does not
 * parse is taken as absent.  v is in the order of struct pace_hdrs. */
void pace_hdrs_read(struct pace_hdrs *h, const char *const v[6], double now_s);

#endif
