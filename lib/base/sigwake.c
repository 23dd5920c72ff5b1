#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "base/sigwake.h"
#include "base/util.h"

static volatile sig_atomic_t signo_seen;
static int wake[2] = {-1, -1};

void
sigwake_init(void)
{
	if (wake[0] < 0 && pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		eprintf("pipe:");
}

void
sigwake_raise(int signo)
{
	int saved = errno;

	signo_seen = signo;
	if (wake[1] >= 0)
		(void)!write(wake[1], "", 1);
	errno = saved;
}

int
sigwake_signo(void)
{
	return signo_seen;
}

int
sigwake_fd(void)
{
	return wake[0];
}

void
sigwake_drain(void)
{
	char drain[64];

	while (wake[0] >= 0 && read(wake[0], drain, sizeof drain) > 0)
		;
}
