/* fuzz_mock: what llm-mock parses: a --rules file (mock_load_rules_text)
 * and a request body with its [[mock:...]] directives (mock_reply).  The
 * input is the rules, a line holding only "--", then the body (no such
 * line: the whole input is the body, and the directives are parsed from
 * it too).  Bodies without rules share one struct mock, so a times=
 * directive may see the attempts of earlier inputs.
 *
 * Invariant: an ordinary answer (status 200, no fault, not raw) says the
 * same through both of the mock's ways of writing it and the client's two
 * ways of reading it: the completion body (openai_parse_completion) and
 * the event stream (sse.h and stream.h) give the same content, tool calls
 * and finish_reason.
 */
#include "fuzz.h"
#include "mock/mock.h"
#include "wire/openai.h"
#include "net/sse.h"
#include "wire/chat_stream.h"

static const char *const same[] = {"content", "tool_calls", "finish_reason"};

static void
check_answer(const struct mock_answer *a)
{
	struct buf body = {0}, ev = {0}, l1 = {0}, l2 = {0};
	struct mock_stream ms = {0};
	struct chat_stream cs;
	struct sse_parser p;
	struct llm_error e;
	json_object *r1 = json_object_new_object(), *r2 = json_object_new_object();
	int k, n = 0;
	size_t i;

	mock_completion(a, &body, NULL);
	if (openai_parse_completion(body.data, body.len, r1, &e) < 0)
		fuzz_fail("mock body refused: %s: %s", e.message, body.data);
	chat_stream_init(&cs, 0);
	sse_init(&p, 0, chat_stream_on_event, &cs);
	while ((k = mock_stream_next(a, &ms, 0, &ev)) == MOCK_EV_DATA && n++ < 100000) {
		sse_feed(&p, ev.data, ev.len);
		buf_reset(&ev);
	}
	if (k != MOCK_EV_END)
		fuzz_fail("stream of an ordinary answer did not end cleanly");
	if (sse_finish(&p) != 0 || chat_stream_finish(&cs, r2, &e) < 0)
		fuzz_fail("mock stream refused: %s", e.message);
	for (i = 0; i < sizeof same / sizeof same[0]; i++) {
		json_line(json_get(r1, same[i]), &l1);
		json_line(json_get(r2, same[i]), &l2);
		if (strcmp(l1.data, l2.data) != 0)
			fuzz_fail("%s: body %s, stream %s", same[i], l1.data, l2.data);
	}
	sse_free(&p);
	chat_stream_free(&cs);
	json_object_put(r1);
	json_object_put(r2);
	buf_free(&body);
	buf_free(&ev);
	buf_free(&l1);
	buf_free(&l2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *body = s;
	const char *sep = size > 3 ? memmem(s, size, "\n--\n", 4) : NULL;
	static struct mock *plain;	/* no rules; mock_new() costs a 1 MiB table */
	struct mock *m = NULL;
	struct mock_answer a;
	struct mock_directives d;
	char err[ERRLEN];
	size_t n = size;

	if (!plain)
		plain = mock_new();
	if (sep) {
		m = mock_new();
		if (mock_load_rules_text(m, "fuzz", s, (size_t)(sep - s), err, sizeof err) < 0) {
			mock_free(m);
			m = NULL;
		}
		body = sep + 4;
		n = size - (size_t)(body - s);
	} else {
		mock_parse_directives(s, size, &d, err, sizeof err);
		mock_directives_free(&d);	/* the caller's, failed or not */
	}
	mock_reply(m ? m : plain, body, n, &a);
	if (a.status == 200 && !a.raw && !a.faults && !a.huge_bytes)
		check_answer(&a);
	mock_answer_free(&a);
	if (m)
		mock_free(m);
	return 0;
}
