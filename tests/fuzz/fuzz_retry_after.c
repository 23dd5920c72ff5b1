/* fuzz_retry_after: the retry headers (openai_retry_after and the
 * x-should-retry override of openai_http_error).  The input is up to
 * three header values split at '\n': retry-after-ms, Retry-After,
 * x-should-retry.  Its first four bytes also make a date, written the way
 * llm-mock writes Retry-After dates, which must read back exactly.
 *
 * Invariants: the wait is -1 (none) or at least 0; a value of only
 * digits gives that many ms (seconds, for Retry-After), up to
 * OPENAI_WAIT_MAX_MS; an HTTP date
 * D seconds ahead gives D * 1000 ms.
 */
#include <time.h>

#include "fuzz.h"
#include "mock/mock.h"
#include "wire/openai.h"

#define NOW ((time_t)1700000000)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *v[3] = {NULL, NULL, NULL}, *p = s, date[64];
	struct retry_headers h;
	struct llm_error e;
	long long ms, want;
	uint32_t d = 0;
	size_t i;

	for (i = 0; i < 3 && p; i++) {
		v[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = '\0';
	}
	h = (struct retry_headers){v[0], v[1], v[2]};
	ms = openai_retry_after(&h, NOW);
	if (ms < -1)
		fuzz_fail("wait %lld", ms);
	for (i = 0; i < 2; i++) {
		struct retry_headers one = {0};
		const char *x = v[i];

		if (!x || !*x || strlen(x) > 12 || strspn(x, "0123456789") != strlen(x))
			continue;
		if (i == 0)
			one.retry_after_ms = x;
		else
			one.retry_after = x;
		ms = openai_retry_after(&one, NOW);
		want = strtoll(x, NULL, 10) * (i ? 1000 : 1);
		if (want > OPENAI_WAIT_MAX_MS)
			want = OPENAI_WAIT_MAX_MS;
		if (ms != want)
			fuzz_fail("%s: %s gave %lld", i ? "retry-after" : "retry-after-ms", x, ms);
	}
	openai_http_error(&e, 500, "", 0, &h, NOW);
	if (e.retryable != !(v[2] && strcasecmp(v[2], "false") == 0))
		fuzz_fail("x-should-retry %s: retryable %d", v[2], e.retryable);
	if (size >= 4) {
		struct retry_headers one = {0};

		memcpy(&d, data, 4);
		d %= 10 * 365 * 86400;
		mock_http_date(NOW + (time_t)d, date, sizeof date);
		one.retry_after = date;
		if ((ms = openai_retry_after(&one, NOW)) != (long long)d * 1000)
			fuzz_fail("%s: %lld ms, want %u s", date, ms, d);
	}
	free(s);
	return 0;
}
