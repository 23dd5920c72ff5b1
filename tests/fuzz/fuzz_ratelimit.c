/* fuzz_ratelimit: the rate-limit headers as the pace reads them
 * (pace_reset_ms, pace_hdrs_read).  The input is up to six header values
 * split at '\n', in the order of struct pace_hdrs.  Its first four bytes
 * also make a duration, written the way llm-mock writes its reset
 * headers, which must read back.
 *
 * Invariants: a reset is -1 (unreadable) or a finite wait of at least 0;
 * a count is -1 or at least 0; llm-mock's duration of m ms reads back as
 * m, to the millisecond it rounds to.
 */
#include <math.h>

#include "fuzz.h"
#include "mock/mock_limits.h"
#include "run/pace.h"

#define NOW 1700000000.0

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *p = s, d[64];
	const char *v[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	struct pace_hdrs h;
	double ms, back;
	uint32_t u = 0;
	size_t i;

	for (i = 0; i < 6 && p; i++) {
		v[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
	}
	pace_hdrs_read(&h, v, NOW);
	if (h.req_limit < -1 || h.req_left < -1 || h.tok_limit < -1 || h.tok_left < -1)
		fuzz_fail("a count below -1");
	if (h.req_reset_ms != -1 && !(h.req_reset_ms >= 0 && isfinite(h.req_reset_ms)))
		fuzz_fail("reset %g", h.req_reset_ms);
	if (h.tok_reset_ms != -1 && !(h.tok_reset_ms >= 0 && isfinite(h.tok_reset_ms)))
		fuzz_fail("reset %g", h.tok_reset_ms);
	for (i = 0; i < 4 && i < size; i++)
		u = u << 8 | data[i];
	ms = (double)u / 16;	/* up to about 74 hours, in sixteenths of a ms */
	mock_duration(ms, d, sizeof d);
	back = pace_reset_ms(d, NOW);
	if (ms < 1000 ? back != ceil(ms) : fabs(back - ms) > 0.501)
		fuzz_fail("%g ms written '%s' reads %g", ms, d, back);
	free(s);
	return 0;
}
