/* Unit tests for lib/base/child.c: pipes both ways, non-blocking ends, a
 * command that cannot start, statuses, signals at their defaults. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "base/child.h"

static void
test_echo_through(void **state)
{
	char *const argv[] = {"tr", "a-z", "A-Z", NULL};
	struct child c;
	char err[ERRLEN], out[64];
	size_t got = 0;

	(void)state;
	assert_int_equal(child_spawn(&c, argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, sizeof err), 0);
	assert_true(c.pid > 0 && c.in >= 0 && c.out >= 0);
	/* our ends never block, and do not reach an exec'd program */
	assert_true(fcntl(c.in, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(c.out, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(c.in, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(c.in, "hello\n", 6), 6);
	child_close_in(&c);
	assert_int_equal(c.in, -1);
	for (;;) {
		struct pollfd pf = {.fd = c.out, .events = POLLIN};
		ssize_t k;

		assert_int_equal(poll(&pf, 1, 5000), 1);
		k = read(c.out, out + got, sizeof out - 1 - got);
		if (k == 0)
			break;
		assert_true(k > 0);
		got += (size_t)k;
	}
	out[got] = '\0';
	assert_string_equal(out, "HELLO\n");
	child_close_out(&c);
	assert_int_equal(child_wait(&c, -1), 1);
	assert_int_equal(c.pid, 0);
	assert_int_equal(child_exit_code(c.status), 0);
}

static void
test_not_found(void **state)
{
	char *const argv[] = {"llm-no-such-command-here", NULL};
	struct child c;
	char err[ERRLEN] = "";

	(void)state;
	assert_int_equal(child_spawn(&c, argv, CHILD_PIPE_IN | CHILD_PIPE_OUT, err, sizeof err), -1);
	assert_string_equal(err, "llm-no-such-command-here: No such file or directory");
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.in, -1);
	assert_int_equal(c.out, -1);
}

static const struct {
	const char *script;
	int code;
	const char *text;
} status_cases[] = {
	{"exit 0", 0, "exited with status 0"},
	{"exit 3", 3, "exited with status 3"},
	{"exit 75", 75, "exited with status 75"},
	{"kill -9 $$", 137, "was killed by signal 9 (Killed)"},
	{"kill -TERM $$", 143, "was killed by signal 15 (Terminated)"},
	/* SIGPIPE is at its default in the command even when ignored here */
	{"trap - PIPE; kill -PIPE $$", 141, "was killed by signal 13 (Broken pipe)"},
};

static void
test_statuses(void **state)
{
	size_t i;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < N(status_cases); i++) {
		char *const argv[] = {"sh", "-c", (char *)status_cases[i].script, NULL};
		struct child c;
		char err[ERRLEN], text[128];

		assert_int_equal(child_spawn(&c, argv, 0, err, sizeof err), 0);
		assert_int_equal(c.in, -1);
		assert_int_equal(c.out, -1);
		assert_int_equal(child_wait(&c, -1), 1);
		assert_int_equal(child_exit_code(c.status), status_cases[i].code);
		assert_string_equal(child_status_text(c.status, text, sizeof text), status_cases[i].text);
	}
	signal(SIGPIPE, SIG_DFL);
}

static void
test_wait_timeout_and_end(void **state)
{
	char *const argv[] = {"sleep", "30", NULL};
	struct child c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(child_spawn(&c, argv, CHILD_PIPE_IN, err, sizeof err), 0);
	assert_int_equal(child_wait(&c, 0), 0);
	assert_int_equal(child_wait(&c, 20), 0);
	assert_true(c.pid > 0);
	/* it does not end by itself: killed after the grace */
	child_end(&c, 20);
	assert_int_equal(c.pid, 0);
	assert_true(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL);
	assert_int_equal(c.in, -1);
	/* nothing left to wait for */
	assert_int_equal(child_wait(&c, -1), 1);
}

static void
test_signal(void **state)
{
	char *const argv[] = {"sleep", "30", NULL};
	struct child c;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(child_spawn(&c, argv, 0, err, sizeof err), 0);
	child_signal(&c, SIGTERM);
	assert_int_equal(child_wait(&c, 5000), 1);
	assert_int_equal(child_exit_code(c.status), 143);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_through),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_wait_timeout_and_end),
		cmocka_unit_test(test_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
