/* fuzz_records: the NDJSON record reader (records.h) on a non-blocking
 * pipe, the input written into it in pieces cut where its first bytes say
 * (fuzz.h), with a line limit of 40 bytes so overlong lines are common.
 *
 * Invariant: whatever the pieces, the reader gives what splitting the
 * whole input at '\n' gives: each line over the limit a REC_BAD naming
 * its line, blank lines nothing, every other line itself ('\r' at its
 * end left out) and REC_OK exactly when it is a JSON object, then REC_EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "json/records.h"

#define MAXLINE 40

struct want {
	const uint8_t *p;	/* the whole input */
	size_t size, pos;
	long lineno;
};

static int
blank(const uint8_t *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 0;
}

/* The next line the reader should give: REC_OK with *s, *n; REC_BAD for
 * an overlong one; REC_EOF. */
static enum rec_status
want_next(struct want *w, const uint8_t **s, size_t *n)
{
	while (w->pos < w->size) {
		const uint8_t *p = w->p + w->pos;
		size_t avail = w->size - w->pos;
		const uint8_t *nl = memchr(p, '\n', avail);
		size_t len = nl ? (size_t)(nl - p) : avail;

		w->pos += nl ? len + 1 : len;
		w->lineno++;
		if (len > MAXLINE)
			return REC_BAD;
		if (blank(p, len))
			continue;
		if (p[len - 1] == '\r')
			len--;
		*s = p;
		*n = len;
		return REC_OK;
	}
	return REC_EOF;
}

/* Take every answer the reader has now; 1 once it said REC_EOF. */
static int
drain(struct rec_reader *r, struct want *w)
{
	char err[ERRLEN];

	for (;;) {
		const char *line;
		size_t len, n = 0;
		const uint8_t *s = NULL;
		enum rec_status st = rec_next_line(r, &line, &len, err, sizeof err);
		enum rec_status ws;
		json_object *obj = NULL, *ref = NULL;

		if (st == REC_AGAIN)
			return 0;
		ws = want_next(w, &s, &n);
		if (st != ws)
			fuzz_fail("line %ld: status %d, want %d (%s)", r->lineno, st, ws, err);
		if (r->lineno != w->lineno && st != REC_EOF)
			fuzz_fail("line number %ld, want %ld", r->lineno, w->lineno);
		if (st == REC_EOF)
			return 1;
		if (st != REC_OK)
			continue;
		if (len != n || memcmp(line, s, n) != 0)
			fuzz_fail("line %ld: %zu bytes, want %zu", r->lineno, len, n);
		st = rec_parse(r, line, len, &obj, err, sizeof err);
		if (json_parse_any(line, len, &ref, err, sizeof err) == 0 &&
		    json_object_is_type(ref, json_type_object)) {
			if (st != REC_OK || !obj)
				fuzz_fail("line %ld: an object refused", r->lineno);
		} else if (st != REC_BAD || obj) {
			fuzz_fail("line %ld: not an object, taken", r->lineno);
		}
		json_object_put(obj);
		json_object_put(ref);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cuts[FUZZ_MAXCUTS], ncuts, at = 0, i;
	struct want w;
	struct rec_reader r;
	int fd[2], done = 0;

	fuzz_cuts(&data, &size, cuts, &ncuts);
	w = (struct want){.p = data, .size = size};
	if (pipe2(fd, O_NONBLOCK) < 0)
		fuzz_fail("pipe2: %s", strerror(errno));
	rec_reader_init(&r, fd[0], "fuzz", MAXLINE);
	for (i = 0; i < ncuts; i++) {
		while (at < cuts[i]) {
			ssize_t k = write(fd[1], data + at, cuts[i] - at);

			if (k < 0 && errno != EAGAIN)
				fuzz_fail("write: %s", strerror(errno));
			if (k > 0)
				at += (size_t)k;
			drain(&r, &w);
		}
	}
	close(fd[1]);
	while (!done)
		done = drain(&r, &w);
	rec_reader_free(&r);
	close(fd[0]);
	return 0;
}
