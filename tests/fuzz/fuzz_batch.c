/* fuzz_batch: the readers of the batch API, both ends.  The first byte
 * picks one:
 *  0  llm-batch's state file (batch_state_parse): taken or refused, never
 *     a crash; a state taken is written and read back the same.
 *  1  an output file's line (batch_openai.read_line): a line taken has a
 *     custom_id.
 *  2  llm-mock's upload (multipart/form-data, boundary "B"), then a batch
 *     made of it and ended at once, every line answered: each answer is
 *     JSON, and so is every line of its output and error files.
 *  3  a Message Batch's result line (batch_anthropic.read_line): a line
 *     taken has a custom_id, and an answer (a status) or a code.
 *  4  llm-mock's POST /v1/messages/batches of the bytes: the answer is
 *     JSON; a batch made ends at once, and its results are a JSON line
 *     for each of its requests.
 *  5  a batch object as a server answers it, read by each dialect's
 *     read_info: counts that are not negative give a total no smaller
 *     than the completed or failed requests (held at LLONG_MAX, never
 *     overflowing), and every string read ends inside its field.
 */
#include <unistd.h>

#include "fuzz.h"
#include "mock/mock_batch.h"
#include "run/batch_internal.h"

static void
state(const char *s, size_t n)
{
	struct batch *b = ecalloc(1, sizeof *b), *again = ecalloc(1, sizeof *again);
	char err[ERRLEN], path[] = "/tmp/fuzz_batch.XXXXXX";
	size_t i;
	int fd;

	b->pend_off = again->pend_off = -1;
	if (batch_state_parse(b, s, n, err, sizeof err) == 0) {
		if ((fd = mkstemp(path)) < 0)
			fuzz_fail("mkstemp");
		close(fd);
		b->o.state = again->o.state = path;
		if (batch_state_save(b, err, sizeof err) < 0 || batch_state_load(again, err, sizeof err) < 0)
			fuzz_fail("a state taken is not read back: %s", err);
		if (again->nparts != b->nparts || strcmp(again->run, b->run))
			fuzz_fail("the state read back differs");
		for (i = 0; i < b->nparts; i++)
			if (again->parts[i].nrecs != b->parts[i].nrecs)
				fuzz_fail("part %zu read back with other records", i);
		unlink(path);
	}
	batch_free(b);
	batch_free(again);
}

/* A line of d's answer files: a line taken has a custom_id, and an
 * answer (a status) or a code; a Message Batch's succeeded line its
 * message. */
static void
answer_line(const struct batch_dialect *d, const char *s, size_t n)
{
	struct batch_line bl;
	char err[ERRLEN];

	if (d->read_line(s, n, &bl, err, sizeof err) == 0) {
		if (!bl.custom_id)
			fuzz_fail("a line taken without a custom_id");
		if (!bl.status && !bl.code)
			fuzz_fail("a line taken with neither an answer nor a code");
		if (d == &batch_anthropic && bl.status == 200 &&
		    !json_object_is_type(bl.body, json_type_object))
			fuzz_fail("a succeeded line without its message");
		batch_line_free(&bl);
	}
}

static void
is_json(const struct buf *b, const char *what)
{
	char err[ERRLEN];
	json_object *o = json_parse(b->data ? b->data : "", b->len, err, sizeof err);

	if (!o)
		fuzz_fail("%s is not JSON: %s", what, err);
	json_object_put(o);
}

static void
lines_json(const struct buf *b)
{
	const char *p = b->data, *end = p + b->len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct buf one = {0};

		buf_add(&one, p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		is_json(&one, "an output line");
		buf_free(&one);
		p = nl ? nl + 1 : end;
	}
}

static void
upload(const char *s, size_t n)
{
	struct mock *m = mock_new();
	struct mock_batch_opts o = { .seconds = 0, .expire = 1, .max_bytes = 1 << 20 };
	struct mock_batch *b = mock_batch_new(m, &o);
	struct buf out = {0}, body = {0};
	const char *ctype;
	json_object *f, *x;
	char err[ERRLEN], path[160];
	int st;

	st = mock_batch_answer(b, "POST", "/v1/files", "multipart/form-data; boundary=B", s, n, NULL, &out,
	                       &ctype);
	is_json(&out, "the upload's answer");
	if (st == 200) {
		f = json_parse(out.data, out.len, err, sizeof err);
		buf_addf(&body, "{\"input_file_id\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
		         "\"completion_window\":\"24h\"}", json_get_str(f, "id"));
		json_object_put(f);
		buf_reset(&out);
		if (mock_batch_answer(b, "POST", "/v1/batches", NULL, body.data, body.len, NULL, &out,
		                      &ctype) != 200)
			fuzz_fail("a batch of an uploaded file refused: %s", out.data);
		is_json(&out, "the batch");
		x = json_parse(out.data, out.len, err, sizeof err);
		snprintf(path, sizeof path, "/v1/batches/%s", json_get_str(x, "id"));
		buf_reset(&out);
		(void)mock_batch_answer(b, "GET", path, NULL, "", 0, NULL, &out, &ctype);
		is_json(&out, "the batch retrieved");
		json_object_put(x);
		x = json_parse(out.data, out.len, err, sizeof err);
		if (json_get_str(x, "output_file_id") || json_get_str(x, "error_file_id")) {
			const char *ids[2] = {json_get_str(x, "output_file_id"), json_get_str(x, "error_file_id")};
			int k;

			for (k = 0; k < 2; k++) {
				if (!ids[k])
					continue;
				snprintf(path, sizeof path, "/v1/files/%s/content", ids[k]);
				buf_reset(&out);
				if (mock_batch_answer(b, "GET", path, NULL, "", 0, NULL, &out, &ctype) != 200)
					fuzz_fail("an output file not there");
				lines_json(&out);
			}
		}
		json_object_put(x);
	}
	buf_free(&out);
	buf_free(&body);
	mock_batch_free(b);
	mock_free(m);
}

static void
an_create(const char *s, size_t n)
{
	struct mock *m = mock_new();
	struct mock_batch_opts o = { .seconds = 0, .expire = 1, .max_bytes = 1 << 20 };
	struct mock_batch *b = mock_batch_new(m, &o);
	struct buf out = {0};
	const char *ctype;
	char err[ERRLEN], path[160];
	json_object *x;

	if (mock_batch_answer(b, "POST", "/v1/messages/batches", "application/json", s, n, NULL,
	                      &out, &ctype) == 200) {
		long long total;
		size_t k = 0;

		x = json_parse(out.data, out.len, err, sizeof err);
		if (!x)
			fuzz_fail("the batch is not JSON: %s", err);
		/* ended at once (no --batch-seconds): every request is counted */
		total = 0;
		json_object_object_foreach(json_get(x, "request_counts"), key, v) {
			(void)key;
			total += json_object_get_int64(v);
		}
		snprintf(path, sizeof path, "/v1/messages/batches/%s/results", json_get_str(x, "id"));
		json_object_put(x);
		buf_reset(&out);
		if (mock_batch_answer(b, "GET", path, NULL, "", 0, NULL, &out, &ctype) != 200)
			fuzz_fail("the results of an ended batch not there");
		lines_json(&out);
		for (const char *p = out.data; p && (p = memchr(p, '\n', out.len - (size_t)(p - out.data))); p++)
			k++;
		if ((long long)k != total)
			fuzz_fail("%zu result lines for %lld requests", k, total);
	} else
		is_json(&out, "the refusal");
	buf_free(&out);
	mock_batch_free(b);
	mock_free(m);
}

static void
info(const char *s, size_t n)
{
	const struct batch_dialect *d[] = {&batch_openai, &batch_anthropic};
	char err[ERRLEN];
	json_object *o = json_parse(s, n, err, sizeof err);
	json_object *counts;
	int negative = 0;
	size_t i;

	if (!o)
		return;
	/* json-c's foreach takes an object only */
	if (json_object_is_type(counts = json_get(o, "request_counts"), json_type_object)) {
		json_object_object_foreach(counts, key, v) {
			(void)key;
			negative |= json_object_get_int64(v) < 0;
		}
	}
	for (i = 0; i < sizeof d / sizeof *d; i++) {
		struct batch_info bi;

		d[i]->read_info(o, &bi);
		if (strnlen(bi.id, sizeof bi.id) == sizeof bi.id ||
		    strnlen(bi.status, sizeof bi.status) == sizeof bi.status ||
		    strnlen(bi.message, sizeof bi.message) == sizeof bi.message)
			fuzz_fail("a field read past its end");
		if (d[i] == &batch_anthropic && !negative &&
		    (bi.total < bi.completed || bi.total < bi.failed))
			fuzz_fail("total %lld below completed %lld or failed %lld", bi.total,
			          bi.completed, bi.failed);
	}
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0: state(s, size - 1); break;
	case 1: answer_line(&batch_openai, s, size - 1); break;
	case 3: answer_line(&batch_anthropic, s, size - 1); break;
	case 4: an_create(s, size - 1); break;
	case 5: info(s, size - 1); break;
	default: upload(s, size - 1); break;
	}
	return 0;
}
