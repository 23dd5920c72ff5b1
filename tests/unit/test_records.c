/* Unit tests for lib/json/records.c: the NDJSON reader, rec_write, the error
 * record builder. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "json/records.h"

/* An fd positioned at the start of a memory file holding s[0..n). */
static int
memfd_with(const char *s, size_t n)
{
	int fd = memfd_create("records", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, s, n), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
nonblocking_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK), 0);
}

/* What a test holds, released by the teardown even when a failed
 * assertion ends the test early (so sanitizer runs stay leak-free). */
static struct {
	struct rec_reader r[4];
	int nr;
	int fd[8];
	int nfd;
	void *p[8];
	int np;
} held;

static struct rec_reader *
held_reader(int fd, const char *name, size_t max)
{
	assert_true(held.nr < 4 && held.nfd < 8);
	held.fd[held.nfd++] = fd;
	rec_reader_init(&held.r[held.nr], fd, name, max);
	return &held.r[held.nr++];
}

static void *
held_ptr(void *p)
{
	assert_true(held.np < 8);
	held.p[held.np++] = p;
	return p;
}

static int
release(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < held.nr; i++)
		rec_reader_free(&held.r[i]);
	for (i = 0; i < held.nfd; i++)
		close(held.fd[i]);
	for (i = 0; i < held.np; i++)
		free(held.p[i]);
	memset(&held, 0, sizeof held);
	return 0;
}

static void
put(int fd, const char *s)
{
	assert_int_equal(write_all(fd, s, strlen(s)), 0);
}

static const char *
status_name(enum rec_status st)
{
	switch (st) {
	case REC_OK: return "REC_OK";
	case REC_BAD: return "REC_BAD";
	case REC_AGAIN: return "REC_AGAIN";
	case REC_EOF: return "REC_EOF";
	case REC_IOERR: return "REC_IOERR";
	}
	return "?";
}

/* One step of a reader: what rec_next must return.  For REC_OK, text is
 * the record on one line; for REC_BAD and REC_IOERR, the error message,
 * matched as a prefix when it ends in '*'. */
struct step {
	enum rec_status st;
	long line;
	const char *text;
};

static void
expect_step(struct rec_reader *r, const struct step *want, const char *label)
{
	char err[ERRLEN] = "", msg[3 * ERRLEN] = "";
	json_object *obj = NULL;
	enum rec_status st = rec_next(r, &obj, err, sizeof err);
	struct buf b = {0};

	if (st != want->st)
		snprintf(msg, sizeof msg, "%s: got %s (%s), want %s", label, status_name(st), err,
		         status_name(want->st));
	else if (st == REC_OK && (!obj || strcmp(json_line(obj, &b), want->text) != 0))
		snprintf(msg, sizeof msg, "%s: got record %s, want %s", label,
		         obj ? b.data : "(none)", want->text);
	else if (st != REC_OK && obj)
		snprintf(msg, sizeof msg, "%s: a record with %s", label, status_name(st));
	else if (st == REC_BAD || st == REC_IOERR) {
		size_t n = strlen(want->text);
		int prefix = n > 0 && want->text[n - 1] == '*';

		if (prefix ? strncmp(err, want->text, n - 1) != 0 : strcmp(err, want->text) != 0)
			snprintf(msg, sizeof msg, "%s: error '%s', want '%s'", label, err, want->text);
	}
	if (!msg[0] && (st == REC_OK || st == REC_BAD) && r->lineno != want->line)
		snprintf(msg, sizeof msg, "%s: line %ld, want %ld", label, r->lineno, want->line);
	json_object_put(obj);
	buf_free(&b);
	if (msg[0])
		fail_msg("%s", msg);
}

#define MAXSTEPS 8

static const struct {
	const char *input;
	struct step steps[MAXSTEPS];	/* up to and including REC_EOF */
} reader_cases[] = {
	{"{\"a\":1}\n{\"b\":\"x\"}\n",
	 {{REC_OK, 1, "{\"a\":1}"}, {REC_OK, 2, "{\"b\":\"x\"}"}, {REC_EOF, 0, NULL}}},
	{"", {{REC_EOF, 0, NULL}}},
	{"\n\n\n", {{REC_EOF, 0, NULL}}},
	/* blank lines are skipped but counted */
	{"\n  \n{\"a\":1}\n\t\r\n{\"b\":[1,2]}\n",
	 {{REC_OK, 3, "{\"a\":1}"}, {REC_OK, 5, "{\"b\":[1,2]}"}, {REC_EOF, 0, NULL}}},
	/* CRLF line ends */
	{"{\"a\":1}\r\n{\"b\":2}\r\n",
	 {{REC_OK, 1, "{\"a\":1}"}, {REC_OK, 2, "{\"b\":2}"}, {REC_EOF, 0, NULL}}},
	/* the last line without its newline is still a record */
	{"{\"a\":1}\n{\"b\":2}",
	 {{REC_OK, 1, "{\"a\":1}"}, {REC_OK, 2, "{\"b\":2}"}, {REC_EOF, 0, NULL}}},
	{"\n  \n{\"x\":\"\\u00e9\"}",
	 {{REC_OK, 3, "{\"x\":\"\xc3\xa9\"}"}, {REC_EOF, 0, NULL}}},
	/* a blank last line without newline is no record */
	{"{\"a\":1}\n   ", {{REC_OK, 1, "{\"a\":1}"}, {REC_EOF, 0, NULL}}},
	/* white space around the object */
	{"  {\"a\":1}  \t\n", {{REC_OK, 1, "{\"a\":1}"}, {REC_EOF, 0, NULL}}},
	/* bad lines are reported and the reader carries on */
	{"{\"a\":\n{\"b\":2}\n",
	 {{REC_BAD, 1, "stdin:1: invalid JSON: *"}, {REC_OK, 2, "{\"b\":2}"},
	  {REC_EOF, 0, NULL}}},
	{"{} {}\n", {{REC_BAD, 1, "stdin:1: invalid JSON: *"}, {REC_EOF, 0, NULL}}},
	{"\n{\"a\":1}\nnot json",
	 {{REC_OK, 2, "{\"a\":1}"}, {REC_BAD, 3, "stdin:3: invalid JSON: *"},
	  {REC_EOF, 0, NULL}}},
	{"[1]\n\"s\"\n[]\n{\"ok\":true}\n",
	 {{REC_BAD, 1, "stdin:1: not a JSON object"},
	  {REC_BAD, 2, "stdin:2: not a JSON object"},
	  {REC_BAD, 3, "stdin:3: not a JSON object"},
	  {REC_OK, 4, "{\"ok\":true}"}, {REC_EOF, 0, NULL}}},
	{"[1]", {{REC_BAD, 1, "stdin:1: not a JSON object"}, {REC_EOF, 0, NULL}}},
	/* json-c reads NaN and Infinity, JSON has neither */
	{"{\"a\":NaN}\n{\"b\":[1,-Infinity]}\n{\"c\":\"NaN\",\"d\":1e999}\n",
	 {{REC_BAD, 1, "stdin:1: invalid JSON: NaN and Infinity are not JSON numbers"},
	  {REC_BAD, 2, "stdin:2: invalid JSON: NaN and Infinity are not JSON numbers"},
	  {REC_OK, 3, "{\"c\":\"NaN\",\"d\":1e999}"}, {REC_EOF, 0, NULL}}},
	/* a pair json-c 0.16 would decode as U+FFFD, on json-c's path (an
	 * escaped key) and on the fast one */
	{"{\"\\u0061\":\"\\ud837\\ude00\"}\n{\"a\":\"\\ud837\\ude00\"}\n",
	 {{REC_OK, 1, "{\"a\":\"\xf0\x9d\xb8\x80\"}"}, {REC_OK, 2, "{\"a\":\"\xf0\x9d\xb8\x80\"}"},
	  {REC_EOF, 0, NULL}}},
	/* json-c takes these numbers, and would write 1. and -.5 back out */
	{"{\"t\":1.}\n{\"t\":-.5}\n{\"t\":-01}\n{\"t\":0.5,\"u\":-0}\n",
	 {{REC_BAD, 1, "stdin:1: invalid JSON: a number not in JSON's form (such as 1. or -.5 or 01)"},
	  {REC_BAD, 2, "stdin:2: invalid JSON: a number not in JSON's form (such as 1. or -.5 or 01)"},
	  {REC_BAD, 3, "stdin:3: invalid JSON: a number not in JSON's form (such as 1. or -.5 or 01)"},
	  {REC_OK, 4, "{\"t\":0.5,\"u\":0}"}, {REC_EOF, 0, NULL}}},
};

static void
run_steps(struct rec_reader *r, const struct step *steps, const char *label)
{
	char l[128];
	int i;

	for (i = 0; i < MAXSTEPS; i++) {
		snprintf(l, sizeof l, "%s step %d", label, i);
		expect_step(r, &steps[i], l);
		if (steps[i].st == REC_EOF)
			break;
	}
	/* EOF stays EOF */
	expect_step(r, &(struct step){REC_EOF, 0, NULL}, label);
}

static void
test_reader_table_memfd(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof reader_cases / sizeof reader_cases[0]; i++) {
		struct rec_reader r;
		char label[64];
		int fd = memfd_with(reader_cases[i].input, strlen(reader_cases[i].input));

		snprintf(label, sizeof label, "case %zu", i);
		rec_reader_init(&r, fd, "stdin", 100);
		run_steps(&r, reader_cases[i].steps, label);
		rec_reader_free(&r);
		close(fd);
	}
}

/* The same table through a non-blocking pipe fed one byte at a time: the
 * reader must see the same records however the input is split. */
static void
test_reader_table_byte_by_byte(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof reader_cases / sizeof reader_cases[0]; i++) {
		const char *in = reader_cases[i].input;
		const struct step *steps = reader_cases[i].steps;
		struct rec_reader r;
		int p[2], k = 0;
		char label[64];

		snprintf(label, sizeof label, "case %zu", i);
		nonblocking_pipe(p);
		rec_reader_init(&r, p[0], "stdin", 100);
		for (j = 0; in[j]; j++) {
			assert_int_equal(write_all(p[1], in + j, 1), 0);
			for (;;) {
				char err[ERRLEN] = "";
				json_object *obj;
				enum rec_status st;

				if (steps[k].st == REC_EOF) {
					st = rec_next(&r, &obj, err, sizeof err);
					assert_int_equal(st, REC_AGAIN);
					break;
				}
				/* peek: a line completes only at its newline */
				st = rec_next(&r, &obj, err, sizeof err);
				if (st == REC_AGAIN)
					break;
				if (st != steps[k].st)
					fail_msg("%s byte %zu: got %s (%s), want %s", label, j,
					         status_name(st), err, status_name(steps[k].st));
				if (st == REC_OK) {
					struct buf b = {0};

					assert_string_equal(json_line(obj, &b), steps[k].text);
					buf_free(&b);
					json_object_put(obj);
				}
				assert_int_equal(r.lineno, steps[k].line);
				k++;
			}
		}
		close(p[1]);
		run_steps(&r, steps + k, label);
		rec_reader_free(&r);
		close(p[0]);
	}
}

static void
test_reader_name_in_messages(void **state)
{
	const char *in = "{\"a\":1}\n\n[2]\n{";
	struct rec_reader r;
	int fd = memfd_with(in, strlen(in));

	(void)state;
	rec_reader_init(&r, fd, "runs/in.ndjson", 0);
	assert_int_equal(r.max, REC_MAX_LINE);
	run_steps(&r, (const struct step[]){
		{REC_OK, 1, "{\"a\":1}"},
		{REC_BAD, 3, "runs/in.ndjson:3: not a JSON object"},
		{REC_BAD, 4, "runs/in.ndjson:4: invalid JSON: *"},
		{REC_EOF, 0, NULL},
	}, "named");
	rec_reader_free(&r);
	close(fd);
}

/* Empty input, before anything was read: the reader's buffer is NULL,
 * and pointer arithmetic on it (NULL + 0) is undefined; found by
 * fuzz_records (clang's UBSan reports it, gcc's does not look). */
static void
test_reader_empty_input(void **state)
{
	struct rec_reader *r;
	const char *line;
	size_t len;
	char err[ERRLEN];

	(void)state;
	r = held_reader(memfd_with("", 0), "stdin", 100);
	assert_false(rec_pending(r));
	assert_int_equal(rec_next_line(r, &line, &len, err, sizeof err), REC_EOF);
	assert_int_equal(rec_next_line(r, &line, &len, err, sizeof err), REC_EOF);
	assert_true(rec_pending(r));
	assert_int_equal(r->lineno, 0);
}

/* Scalars that end where the line ends are valid JSON, just not objects. */
static void
test_reader_scalars_not_objects(void **state)
{
	const char *in = "3\n-1.5\nnull\ntrue\nfalse\n\"s\"\n{\"ok\":true}\n7";
	struct rec_reader *r;
	int fd = memfd_with(in, strlen(in));

	(void)state;
	r = held_reader(fd, "stdin", 100);
	run_steps(r, (const struct step[]){
		{REC_BAD, 1, "stdin:1: not a JSON object"},
		{REC_BAD, 2, "stdin:2: not a JSON object"},
		{REC_BAD, 3, "stdin:3: not a JSON object"},
		{REC_BAD, 4, "stdin:4: not a JSON object"},
		{REC_BAD, 5, "stdin:5: not a JSON object"},
		{REC_BAD, 6, "stdin:6: not a JSON object"},
		{REC_OK, 7, "{\"ok\":true}"},
		{REC_BAD, 8, "stdin:8: not a JSON object"},
	}, "scalars");
	close(fd);
}

/* A line made of NUL bytes is not blank: it must not vanish silently
 * (every input line yields a record or an error). */
static void
test_reader_nul_line_is_not_blank(void **state)
{
	static const char in[] = "\0\n{\"a\":1}\n";
	struct rec_reader *r;
	int fd = memfd_with(in, sizeof in - 1);

	(void)state;
	r = held_reader(fd, "stdin", 100);
	run_steps(r, (const struct step[]){
		{REC_BAD, 1, "stdin:1: invalid JSON*"},
		{REC_OK, 2, "{\"a\":1}"},
		{REC_EOF, 0, NULL},
	}, "nul");
	close(fd);
}

/* {"a":"xxx..."} of exactly n bytes */
static char *
line_of(size_t n)
{
	char *s = emalloc(n + 1);

	assert_true(n >= 8);
	memcpy(s, "{\"a\":\"", 6);
	memset(s + 6, 'x', n - 8);
	memcpy(s + n - 2, "\"}", 3);
	return s;
}

/* A line longer than max, its newline in the same read as the line. */
static void
test_reader_overlong_line_in_one_read(void **state)
{
	char *big = held_ptr(line_of(150));
	struct buf in = {0};
	struct rec_reader *r;
	int fd;

	(void)state;
	buf_addf(&in, "{\"first\":1}\n%s\n{\"b\":2}\n", big);
	fd = memfd_with(in.data, in.len);
	held_ptr(in.data);
	r = held_reader(fd, "stdin", 100);
	run_steps(r, (const struct step[]){
		{REC_OK, 1, "{\"first\":1}"},
		{REC_BAD, 2, "stdin:2: line longer than 100 bytes"},
		{REC_OK, 3, "{\"b\":2}"},
		{REC_EOF, 0, NULL},
	}, "overlong");
}

/* A line of exactly max bytes is accepted; one more byte is not. */
static void
test_reader_line_at_limit(void **state)
{
	char *at = held_ptr(line_of(100)), *over = held_ptr(line_of(101));
	struct buf in = {0};
	struct rec_reader *r;
	int fd;

	(void)state;
	buf_addf(&in, "%s\n%s\n{\"b\":2}\n", at, over);
	fd = memfd_with(in.data, in.len);
	held_ptr(in.data);
	r = held_reader(fd, "stdin", 100);
	run_steps(r, (const struct step[]){
		{REC_OK, 1, at},
		{REC_BAD, 2, "stdin:2: line longer than 100 bytes"},
		{REC_OK, 3, "{\"b\":2}"},
		{REC_EOF, 0, NULL},
	}, "limit");
}

/* A line longer than a whole read (64 KiB) with a small limit: the reader
 * discards it as it goes and resumes at the next line. */
static void
test_reader_overlong_line_across_reads(void **state)
{
	size_t n = 200000;
	char *big = line_of(n);
	struct buf in = {0};
	struct rec_reader r;
	int fd;

	(void)state;
	buf_addf(&in, "%s\n{\"b\":2}\n\n%s\n{\"c\":3}", big, big);
	fd = memfd_with(in.data, in.len);
	rec_reader_init(&r, fd, "stdin", 100);
	run_steps(&r, (const struct step[]){
		{REC_BAD, 1, "stdin:1: line longer than 100 bytes"},
		{REC_OK, 2, "{\"b\":2}"},
		{REC_BAD, 4, "stdin:4: line longer than 100 bytes"},
		{REC_OK, 5, "{\"c\":3}"},
		{REC_EOF, 0, NULL},
	}, "across");
	/* the buffer stayed bounded by the limit plus one read */
	assert_true(r.cap <= 100 + 65536);
	rec_reader_free(&r);
	close(fd);
	buf_free(&in);
	free(big);
}

static void
test_reader_overlong_last_line(void **state)
{
	char *big = line_of(150);
	struct buf in = {0};
	struct rec_reader r;
	int fd;

	(void)state;
	buf_addf(&in, "{\"a\":1}\n%s", big);
	fd = memfd_with(in.data, in.len);
	rec_reader_init(&r, fd, "stdin", 100);
	run_steps(&r, (const struct step[]){
		{REC_OK, 1, "{\"a\":1}"},
		{REC_BAD, 2, "stdin:2: line longer than 100 bytes"},
		{REC_EOF, 0, NULL},
	}, "last");
	rec_reader_free(&r);
	close(fd);
	buf_free(&in);
	free(big);
}

/* An overlong last line, no newline, longer than several reads: its tail
 * after the last discard is dropped too, not read as one more line. */
static void
test_reader_overlong_last_line_across_reads(void **state)
{
	size_t n;
	struct buf in = {0};
	struct rec_reader r;
	int fd;

	(void)state;
	buf_adds(&in, "{\"a\":1}\n");
	for (n = 0; n < 3 * 65536 + 50; n++)
		buf_add(&in, "x", 1);
	fd = memfd_with(in.data, in.len);
	rec_reader_init(&r, fd, "stdin", 100);
	run_steps(&r, (const struct step[]){
		{REC_OK, 1, "{\"a\":1}"},
		{REC_BAD, 2, "stdin:2: line longer than 100 bytes"},
		{REC_EOF, 0, NULL},
	}, "last across");
	rec_reader_free(&r);
	close(fd);
	buf_free(&in);
}

/* An overlong line arriving in pieces on a non-blocking pipe. */
static void
test_reader_overlong_line_in_pieces(void **state)
{
	char *big = line_of(150);
	struct rec_reader r;
	int p[2];

	(void)state;
	nonblocking_pipe(p);
	rec_reader_init(&r, p[0], "stdin", 100);
	assert_int_equal(write_all(p[1], big, 120), 0);
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "first part");
	put(p[1], big + 120);
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "second part");
	put(p[1], "\n{\"b\":2}\n");
	close(p[1]);
	run_steps(&r, (const struct step[]){
		{REC_BAD, 1, "stdin:1: line longer than 100 bytes"},
		{REC_OK, 2, "{\"b\":2}"},
		{REC_EOF, 0, NULL},
	}, "pieces");
	rec_reader_free(&r);
	close(p[0]);
	free(big);
}

/* Exactly max bytes before the newline arrives: not overlong. */
static void
test_reader_limit_in_pieces(void **state)
{
	char *at = line_of(100);
	struct rec_reader r;
	int p[2];

	(void)state;
	nonblocking_pipe(p);
	rec_reader_init(&r, p[0], "stdin", 100);
	put(p[1], at);
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "no newline yet");
	put(p[1], "\n");
	close(p[1]);
	run_steps(&r, (const struct step[]){{REC_OK, 1, at}, {REC_EOF, 0, NULL}}, "limit");
	rec_reader_free(&r);
	close(p[0]);
	free(at);
}

static void
test_reader_again_then_records(void **state)
{
	struct rec_reader r;
	int p[2];

	(void)state;
	nonblocking_pipe(p);
	rec_reader_init(&r, p[0], "stdin", 100);
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "empty");
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "still empty");
	put(p[1], "{\"a\":1}\n{\"b\"");
	expect_step(&r, &(struct step){REC_OK, 1, "{\"a\":1}"}, "a");
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "half b");
	put(p[1], ":2}\n\n");
	expect_step(&r, &(struct step){REC_OK, 2, "{\"b\":2}"}, "b");
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "after b");
	put(p[1], "{\"c\":3}");
	expect_step(&r, &(struct step){REC_AGAIN, 0, NULL}, "c without newline");
	close(p[1]);
	run_steps(&r, (const struct step[]){{REC_OK, 4, "{\"c\":3}"}, {REC_EOF, 0, NULL}}, "c");
	rec_reader_free(&r);
	close(p[0]);
}

/* Many records crossing read and buffer boundaries, split into writes of
 * odd sizes through a blocking pipe from a child process. */
static void
test_reader_many_records_split(void **state)
{
	enum { N = 5000 };
	struct buf in = {0};
	struct rec_reader r;
	pid_t pid;
	int p[2], i, status;

	(void)state;
	for (i = 0; i < N; i++)
		buf_addf(&in, "{\"i\":%d,\"pad\":\"%0*d\"}%s\n", i, i % 97, 0,
		         i % 3 == 0 ? "\r" : "");
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t off = 0, k = 1;

		close(p[0]);
		while (off < in.len) {
			size_t n = k < in.len - off ? k : in.len - off;

			if (write_all(p[1], in.data + off, n) < 0)
				_exit(1);
			off += n;
			k = k * 7 % 5003 + 1;
		}
		_exit(0);
	}
	close(p[1]);
	rec_reader_init(&r, p[0], "stdin", 1000);
	for (i = 0; i < N; i++) {
		char err[ERRLEN];
		json_object *obj;
		enum rec_status st = rec_next(&r, &obj, err, sizeof err);

		if (st != REC_OK)
			fail_msg("record %d: %s %s", i, status_name(st), err);
		assert_int_equal(json_object_get_int(json_get(obj, "i")), i);
		assert_int_equal(strlen(json_get_str(obj, "pad")), (size_t)(i % 97 ? i % 97 : 1));
		assert_int_equal(r.lineno, i + 1);
		json_object_put(obj);
	}
	expect_step(&r, &(struct step){REC_EOF, 0, NULL}, "end");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rec_reader_free(&r);
	close(p[0]);
	buf_free(&in);
}

static void
test_reader_ioerror(void **state)
{
	struct rec_reader r;
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_true(fd >= 0);
	rec_reader_init(&r, fd, "dir", 100);
	expect_step(&r, &(struct step){REC_IOERR, 0, "dir: Is a directory"}, "eisdir");
	expect_step(&r, &(struct step){REC_EOF, 0, NULL}, "after error");
	rec_reader_free(&r);
	close(fd);
}

/* ---- rec_write ---- */

static const struct {
	const char *in;
	const char *out;
} write_cases[] = {
	{"{}", "{}\n"},
	{"{\"id\":\"p1/abc/q1\",\"n\":[1,2.5,true,null]}",
	 "{\"id\":\"p1/abc/q1\",\"n\":[1,2.5,true,null]}\n"},
	{"{\"s\":\"two\\nlines\\r\\n\"}", "{\"s\":\"two\\nlines\\r\\n\"}\n"},
	{"{ \"a\" : { \"b\" : [ ] } }", "{\"a\":{\"b\":[]}}\n"},
	{"{\"u\":\"\\u00e9\\u20ac\"}", "{\"u\":\"\xc3\xa9\xe2\x82\xac\"}\n"},
};

/* rec_write produces one line, with one write(2): a SOCK_SEQPACKET
 * socket keeps write boundaries, so one recv must get all of it. */
static void
test_rec_write(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof write_cases / sizeof write_cases[0]; i++) {
		json_object *obj = json_tokener_parse(write_cases[i].in);
		char got[4096];
		ssize_t k;
		int sv[2];

		assert_non_null(obj);
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		assert_int_equal(rec_write(sv[0], obj, &b), 0);
		close(sv[0]);
		k = recv(sv[1], got, sizeof got - 1, 0);
		assert_true(k > 0);
		got[k] = '\0';
		assert_string_equal(got, write_cases[i].out);
		assert_int_equal(recv(sv[1], got, sizeof got, 0), 0);	/* nothing more */
		close(sv[1]);
		json_object_put(obj);
	}
	buf_free(&b);
}

static void
test_rec_write_error(void **state)
{
	json_object *obj = json_tokener_parse("{\"a\":1}");
	struct buf b = {0};

	(void)state;
	errno = 0;
	assert_int_equal(rec_write(-1, obj, &b), -1);
	assert_int_equal(errno, EBADF);
	json_object_put(obj);
	buf_free(&b);
}

/* ---- error records ---- */

static void
test_rec_error_full(void **state)
{
	struct llm_error e;
	json_object *meta = json_tokener_parse("{\"k\":1}");
	json_object *req = json_tokener_parse("{\"model\":\"m\",\"messages\":[]}");
	json_object *rec;
	struct buf b = {0};

	(void)state;
	llm_error_set(&e, "http", 1, "HTTP %d %s: %s", 429, "Too Many Requests", "slow down");
	e.http_status = 429;
	e.retry_after_ms = 2000;
	rec = rec_error("r1", &e, 2, meta, req);
	assert_string_equal(json_line(rec, &b),
		"{\"id\":\"r1\",\"status\":\"error\",\"error\":{\"kind\":\"http\",\"http_status\":429,"
		"\"message\":\"HTTP 429 Too Many Requests: slow down\",\"retryable\":true,"
		"\"retry_after_ms\":2000},\"attempt\":2,\"meta\":{\"k\":1},"
		"\"request\":{\"model\":\"m\",\"messages\":[]}}");
	json_object_put(rec);
	/* meta and request were borrowed: still ours */
	assert_string_equal(json_line(meta, &b), "{\"k\":1}");
	assert_string_equal(json_line(req, &b), "{\"model\":\"m\",\"messages\":[]}");
	json_object_put(meta);
	json_object_put(req);
	buf_free(&b);
}

static void
test_rec_error_minimal(void **state)
{
	struct llm_error e;
	json_object *rec;
	struct buf b = {0};

	(void)state;
	memset(&e, 0x55, sizeof e);
	llm_error_set(&e, "connect", 1, "cannot connect to %s", "localhost:1");
	assert_int_equal(e.http_status, 0);
	assert_int_equal(e.retry_after_ms, -1);
	rec = rec_error("x", &e, 1, NULL, NULL);
	assert_string_equal(json_line(rec, &b),
		"{\"id\":\"x\",\"status\":\"error\",\"error\":{\"kind\":\"connect\","
		"\"message\":\"cannot connect to localhost:1\",\"retryable\":true},"
		"\"attempt\":1,\"request\":null}");
	json_object_put(rec);
	buf_free(&b);
}

static const struct {
	const char *kind;
	int retryable;
	int http_status;
	long long retry_after_ms;
	const char *error;	/* the "error" member on one line */
} error_cases[] = {
	{"timeout", 1, 0, -1, "{\"kind\":\"timeout\",\"message\":\"m\",\"retryable\":true}"},
	{"bad_input", 0, 0, -1, "{\"kind\":\"bad_input\",\"message\":\"m\",\"retryable\":false}"},
	{"http", 0, 400, -1,
	 "{\"kind\":\"http\",\"http_status\":400,\"message\":\"m\",\"retryable\":false}"},
	{"http", 1, 503, 0,
	 "{\"kind\":\"http\",\"http_status\":503,\"message\":\"m\",\"retryable\":true,"
	 "\"retry_after_ms\":0}"},
	{"http", 1, 429, 120000,
	 "{\"kind\":\"http\",\"http_status\":429,\"message\":\"m\",\"retryable\":true,"
	 "\"retry_after_ms\":120000}"},
};

static void
test_rec_error_fields(void **state)
{
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
		struct llm_error e;
		json_object *rec;

		llm_error_set(&e, error_cases[i].kind, error_cases[i].retryable, "m");
		e.http_status = error_cases[i].http_status;
		e.retry_after_ms = error_cases[i].retry_after_ms;
		rec = rec_error("id", &e, 1, NULL, NULL);
		assert_string_equal(json_line(json_get(rec, "error"), &b), error_cases[i].error);
		assert_null(json_get(rec, "meta"));
		assert_true(json_object_object_get_ex(rec, "request", NULL));
		assert_null(json_get(rec, "request"));
		json_object_put(rec);
	}
	buf_free(&b);
}

static void
test_llm_error_set_one_line(void **state)
{
	struct llm_error e;
	struct buf big = {0};
	int i;

	(void)state;
	llm_error_set(&e, "protocol", 0, "bad\nanswer:\t%s\r\n", "x\x01y");
	assert_string_equal(e.message, "bad answer: x y  ");
	assert_string_equal(e.kind, "protocol");
	assert_int_equal(e.retryable, 0);

	for (i = 0; i < 1000; i++)
		buf_adds(&big, "\xc3\xa9");	/* é */
	llm_error_set(&e, "io", 0, "%s", big.data);
	buf_free(&big);
	assert_true(strlen(e.message) < ERRLEN);
	assert_true(strlen(e.message) >= ERRLEN - 4);
	/* cut on a character boundary, so the record stays valid UTF-8 */
	if (!utf8_valid(e.message))
		fail_msg("message cut inside a UTF-8 sequence (%zu bytes, last byte 0x%02x)",
		         strlen(e.message),
		         (unsigned char)e.message[strlen(e.message) - 1]);
}

/* The line of each record as read, for programs that pass records on
 * unchanged: no newline, no '\r', white space inside kept. */
static void
test_reader_raw_line(void **state)
{
	static const char in[] = "{\"a\": 1}\n\n  {\"b\":2}\r\n{\"c\":3}";
	static const char *want[] = {"{\"a\": 1}", "  {\"b\":2}", "{\"c\":3}"};
	struct rec_reader *r = held_reader(memfd_with(in, sizeof in - 1), "f", 0);
	char err[ERRLEN];
	json_object *rec;
	size_t i;

	(void)state;
	for (i = 0; i < N(want); i++) {
		assert_int_equal(rec_next(r, &rec, err, sizeof err), REC_OK);
		assert_int_equal(r->line_len, strlen(want[i]));
		assert_memory_equal(r->line, want[i], r->line_len);
		json_object_put(rec);
	}
	assert_int_equal(rec_next(r, &rec, err, sizeof err), REC_EOF);
}

/* ---- rec_id, rec_attempt ---- */

static const struct {
	const char *rec;
	const char *id;		/* read at line 12 of "stdin" */
	int attempt;
} id_attempt_cases[] = {
	{"{\"id\":\"p1/q1\"}", "p1/q1", 1},
	{"{\"id\":7}", "7", 1},
	{"{\"id\":null}", "stdin:12", 1},
	{"{}", "stdin:12", 1},
	{"{\"id\":\"a\",\"attempt\":3}", "a", 3},
	{"{\"id\":\"a\",\"attempt\":0}", "a", 1},
	{"{\"id\":\"a\",\"attempt\":\"2\"}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":2}", "a", 3},
	{"{\"id\":\"a\",\"status\":\"error\"}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"ok\",\"attempt\":2}", "a", 2},
	/* absurd values: never below 1, never past REC_ATTEMPT_MAX, never
	 * an overflow */
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":-1}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":0}", "a", 1},
	{"{\"id\":\"a\",\"attempt\":-5}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":2147483647}", "a", REC_ATTEMPT_MAX},
	{"{\"id\":\"a\",\"attempt\":2147483647}", "a", REC_ATTEMPT_MAX},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":999999999}", "a", REC_ATTEMPT_MAX},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":9223372036854775807}", "a",
	 REC_ATTEMPT_MAX},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":-9223372036854775808}", "a", 1},
	{"{\"id\":\"a\",\"attempt\":99999999999999999999}", "a", REC_ATTEMPT_MAX},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":1e30}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":3.5}", "a", 1},
	{"{\"id\":\"a\",\"status\":\"error\",\"attempt\":\"3\"}", "a", 1},
};

static void
test_rec_id_attempt(void **state)
{
	struct rec_reader r;
	size_t i;

	(void)state;
	rec_reader_init(&r, -1, "stdin", 0);
	r.lineno = 12;
	for (i = 0; i < N(id_attempt_cases); i++) {
		json_object *rec = parse(id_attempt_cases[i].rec);
		char *id = rec_id(rec, &r);

		assert_string_equal(id, id_attempt_cases[i].id);
		assert_int_equal(rec_attempt(rec), id_attempt_cases[i].attempt);
		free(id);
		json_object_put(rec);
	}
	{
		char *id = rec_id(NULL, NULL);

		assert_string_equal(id, "1");
		free(id);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_table_memfd),
		cmocka_unit_test_teardown(test_reader_empty_input, release),
		cmocka_unit_test(test_reader_table_byte_by_byte),
		cmocka_unit_test(test_reader_name_in_messages),
		cmocka_unit_test_teardown(test_reader_scalars_not_objects, release),
		cmocka_unit_test_teardown(test_reader_nul_line_is_not_blank, release),
		cmocka_unit_test_teardown(test_reader_overlong_line_in_one_read, release),
		cmocka_unit_test(test_reader_overlong_last_line_across_reads),
		cmocka_unit_test_teardown(test_reader_line_at_limit, release),
		cmocka_unit_test(test_reader_overlong_line_across_reads),
		cmocka_unit_test(test_reader_overlong_last_line),
		cmocka_unit_test(test_reader_overlong_line_in_pieces),
		cmocka_unit_test(test_reader_limit_in_pieces),
		cmocka_unit_test(test_reader_again_then_records),
		cmocka_unit_test(test_reader_many_records_split),
		cmocka_unit_test(test_reader_ioerror),
		cmocka_unit_test(test_rec_write),
		cmocka_unit_test(test_rec_write_error),
		cmocka_unit_test(test_rec_error_full),
		cmocka_unit_test(test_rec_error_minimal),
		cmocka_unit_test(test_rec_error_fields),
		cmocka_unit_test(test_llm_error_set_one_line),
		cmocka_unit_test(test_rec_id_attempt),
		cmocka_unit_test_teardown(test_reader_raw_line, release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
