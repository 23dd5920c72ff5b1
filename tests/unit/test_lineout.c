/* Unit tests for lib/base/lineout.c: whole lines, batched up to max bytes a
 * write, a longer line alone, and a failed write kept. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "unit.h"

#include "base/lineout.h"

/* Each read of a pipe returns what one write put there, when the reader
 * reads after every write: so count the writes by reading in between. */
static void
test_batches(void **state)
{
	struct lineout o;
	char got[256];
	int p[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	lineout_init(&o, p[1], 10);
	lineout_line(&o, "aaa", 3);	/* 4 bytes */
	lineout_line(&o, "bbb", 3);	/* 8 */
	lineout_line(&o, "ccc", 3);	/* would be 12: the first two go out */
	n = read(p[0], got, sizeof got);
	assert_int_equal(n, 8);
	assert_memory_equal(got, "aaa\nbbb\n", 8);
	lineout_line(&o, "a line longer than max", 22);	/* alone, after ccc */
	n = read(p[0], got, sizeof got);
	assert_int_equal(n, 4);
	assert_int_equal(lineout_flush(&o), 0);
	n = read(p[0], got, sizeof got);
	assert_int_equal(n, 23);
	assert_int_equal(lineout_flush(&o), 0);	/* nothing queued: no write */
	lineout_add(&o, "part", 4);
	assert_int_equal(lineout_flush(&o), 0);
	n = read(p[0], got, sizeof got);
	assert_int_equal(n, 4);
	lineout_free(&o);
	close(p[0]);
	close(p[1]);
}

static void
test_error_kept(void **state)
{
	struct lineout o;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	lineout_init(&o, p[1], 0);
	lineout_line(&o, "x", 1);
	assert_int_equal(lineout_flush(&o), -1);
	assert_int_equal(o.err, EPIPE);
	lineout_line(&o, "y", 1);
	assert_int_equal(lineout_flush(&o), -1);	/* later output dropped */
	assert_int_equal(o.buf.len, 0);
	lineout_free(&o);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_error_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
