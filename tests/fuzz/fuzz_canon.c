/* fuzz_canon: RFC 8785 canonical JSON (canon.h) of the documents that
 * llm-hash reads (jsondoc.h: a line at a time, checked against I-JSON by
 * ijson.h), the input given through a memfd.
 *
 * Invariants: a document read has a canonical form (unless it holds the
 * NaN or Infinity json-c reads), valid UTF-8, that passes the I-JSON checks
 * itself and is a fixed point: canon(parse(canon(x))) == canon(x).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/utf8.h"
#include "json/canon.h"
#include "fuzz.h"
#include "json/ijson.h"
#include "json/jsondoc.h"

/* The canonical text c parsed the way llm-hash would read it. */
static json_object *
reparse(struct ijson *ij, const char *c, size_t n)
{
	char err[ERRLEN];
	const char *s = c;
	json_object *v;

	ijson_reset(ij);
	if (ijson_scan(ij, &s, &n, err, sizeof err) < 0)
		fuzz_fail("canonical form breaks I-JSON: %s: %s", err, c);
	if (json_parse_any(s, n, &v, err, sizeof err) < 0)
		fuzz_fail("canonical form does not parse: %s: %s", err, c);
	if (ijson_check(ij, v, err, sizeof err) < 0)
		fuzz_fail("canonical form has a duplicate: %s: %s", err, c);
	return v;
}

static void
check(struct ijson *ij, json_object *v)
{
	struct buf c1 = {0}, c2 = {0};
	char err[ERRLEN];
	json_object *back;

	if (canon_json(v, &c1, err, sizeof err) < 0) {
		/* json-c reads NaN and Infinity; llm-hash says it cannot hash them */
		if (!strstr(err, "cannot be canonicalized"))
			fuzz_fail("no canonical form: %s", err);
		buf_free(&c1);
		return;
	}
	if (utf8_invalid_at(c1.data, c1.len) != c1.len)
		fuzz_fail("canonical form not UTF-8: %s", c1.data);
	back = reparse(ij, c1.data, c1.len);
	if (canon_json(back, &c2, err, sizeof err) < 0)
		fuzz_fail("read back, no canonical form: %s", err);
	if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len) != 0)
		fuzz_fail("not a fixed point:\n%s\n%s", c1.data, c2.data);
	json_object_put(back);
	buf_free(&c1);
	buf_free(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	struct doc_reader d;
	struct ijson ij = {0};
	char err[ERRLEN];
	enum rec_status st;

	if (fd < 0 || write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		fuzz_fail("memfd: %s", strerror(errno));
	doc_reader_init(&d, fd, "fuzz");
	for (;;) {
		json_object *v = NULL;

		st = doc_next(&d, &v, err, sizeof err);
		if (st == REC_EOF || st == REC_IOERR)
			break;
		if (st == REC_OK)
			check(&ij, v);
		json_object_put(v);
	}
	doc_reader_free(&d);
	ijson_free(&ij);
	close(fd);
	return 0;
}
