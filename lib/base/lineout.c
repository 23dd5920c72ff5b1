#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/lineout.h"

void
lineout_init(struct lineout *o, int fd, size_t max)
{
	*o = (struct lineout){.fd = fd, .max = max ? max : PIPE_BUF};
}

void
lineout_free(struct lineout *o)
{
	buf_free(&o->buf);
}

int
lineout_flush(struct lineout *o)
{
	/* after a failed write, what comes is dropped */
	if (!o->err && o->buf.len > 0 && write_all(o->fd, o->buf.data, o->buf.len) < 0)
		o->err = errno;
	buf_reset(&o->buf);
	return o->err ? -1 : 0;
}

void
lineout_add(struct lineout *o, const char *s, size_t n)
{
	buf_add(&o->buf, s, n);
}

void
lineout_line(struct lineout *o, const char *s, size_t n)
{
	if (o->buf.len > 0 && o->buf.len + n + 1 > o->max)
		(void)lineout_flush(o);
	buf_add(&o->buf, s, n);
	buf_add(&o->buf, "\n", 1);
}

int
progress_wanted(int fd)
{
	const char *e = getenv("LLM_PROGRESS");

	if (e && !strcmp(e, "0"))
		return 0;
	if (e && !strcmp(e, "1"))
		return 1;
	return isatty(fd);
}
