#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/util.h"

extern char **environ;

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The command's end of the pipe goes to fd; ours is made non-blocking. */
static int
plumb(posix_spawn_file_actions_t *fa, int p[2], int theirs, int fd)
{
	int ours = 1 - theirs;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (fcntl(p[ours], F_SETFL, fcntl(p[ours], F_GETFL) | O_NONBLOCK) < 0)
		return -1;
	return posix_spawn_file_actions_adddup2(fa, p[theirs], fd) ? -1 : 0;
}

int
child_spawn(struct child *c, char *const argv[], int flags, char *err, size_t errlen)
{
	return child_spawn_env(c, argv, flags, environ, err, errlen);
}

int
child_spawn_env(struct child *c, char *const argv[], int flags, char *const envp[], char *err,
                size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, rc = -1, e = 0;

	c->pid = 0;
	c->in = c->out = -1;
	c->status = 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (((flags & CHILD_PIPE_IN) && plumb(&fa, pin, 0, 0) < 0) ||
	    ((flags & CHILD_PIPE_OUT) && plumb(&fa, pout, 1, 1) < 0)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((e = posix_spawnp(&c->pid, argv[0], &fa, &attr, argv, envp)) != 0) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(e));
		c->pid = 0;
		goto out;
	}
	/* our ends, -1 for a stream not piped */
	c->in = pin[1];
	c->out = pout[0];
	pin[1] = pout[0] = -1;
	rc = 0;
out:
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

void
child_close_in(struct child *c)
{
	close_fd(&c->in);
}

void
child_close_out(struct child *c)
{
	close_fd(&c->out);
}

void
child_signal(struct child *c, int sig)
{
	if (c->pid > 0)
		kill(c->pid, sig);
}

int
child_wait(struct child *c, int timeout_ms)
{
	long step = 1;
	int st;

	if (c->pid <= 0)
		return 1;
	for (;;) {
		pid_t p = waitpid(c->pid, &st, timeout_ms < 0 ? 0 : WNOHANG);

		if (p == c->pid || (p < 0 && errno == ECHILD)) {
			c->status = p == c->pid ? st : 0;
			c->pid = 0;
			return 1;
		}
		if (p < 0 || timeout_ms == 0)	/* EINTR: let the caller look */
			return 0;
		if (timeout_ms > 0) {
			/* poll with sleeps growing to 50 ms: no SIGCHLD handler
			 * to share with the caller */
			struct timespec ts;

			if (step > timeout_ms)
				step = timeout_ms;
			ts.tv_sec = 0;
			ts.tv_nsec = step * 1000000L;
			if (nanosleep(&ts, NULL) < 0)
				return 0;
			timeout_ms -= (int)step;
			if (step < 50)
				step *= 2;
		}
	}
}

void
child_end(struct child *c, int grace_ms)
{
	child_close_in(c);
	child_close_out(c);
	if (c->pid > 0 && !child_wait(c, grace_ms)) {
		child_signal(c, SIGKILL);
		while (!child_wait(c, -1))
			;
	}
}

const char *
child_status_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

int
child_exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int
child_write_some(struct child *c, const char *p, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t k = write(c->in, p + *off, len - *off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		*off += (size_t)k;
	}
	return 0;
}

int
child_wait_io(struct child *c, int writing, double deadline)
{
	struct pollfd pf[2];
	nfds_t n = 0;
	double left;
	int k;

	for (;;) {
		left = deadline - now_ms_f();
		if (left <= 0)
			return -1;
		n = 0;
		if (c->out >= 0)
			pf[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		if (writing && c->in >= 0)
			pf[n++] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		k = poll(pf, n, poll_ms(left));
		if (k > 0 || (k < 0 && errno != EINTR))
			return 0;
	}
}
