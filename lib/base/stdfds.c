#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/stdfds.h"
#include "base/util.h"

void
stdfds_ensure(void)
{
	/* the wrong way round for 0 and 1: a closed stdin still reads as
	 * "Bad file descriptor" and a closed stdout still fails its writes,
	 * as the user asked for by closing them; stderr's messages go */
	static const int modes[3] = {O_WRONLY, O_RDONLY, O_WRONLY};
	int fd;

	for (fd = 0; fd < 3; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open() takes the lowest free number: fd itself */
		got = open("/dev/null", modes[fd]);
		if (got != fd) {
			/* no message: stderr may be the one missing */
			if (got >= 0)
				close(got);
			exit(EXIT_USAGE);
		}
	}
}
