/* inject: an LD_PRELOAD shim that makes system calls fail, to test the
 * I/O error paths of the programs (as jq's tests do).
 *
 *   INJECT_FAIL='CALL:ERRNO:WHERE[;CALL:ERRNO:WHERE...]'
 *
 * CALL is write, read, fsync, close, open (open and openat), rename
 * (rename and renameat) or linkat; ERRNO a name (EIO, ENOSPC, EACCES, EROFS, EPERM, EEXIST,
 * EXDEV) or KILL, which kills the process with SIGKILL there instead,
 * as a crash at that point would.  WHERE is a glob (fnmatch(3)) matched
 * against the file the call is about: the path of a descriptor (as
 * /proc/self/fd shows it: "pipe:[123]" for a pipe), the path given to
 * open, the new path of rename and linkat (a name given relative to a
 * directory's descriptor shown as the path it makes); or @N for
 * descriptor N.
 * INJECT_AFTER=n lets the first n matching calls through.  Writes to
 * standard error always pass, so the programs' messages come out.  An
 * unnamed file (O_TMPFILE) shows as "DIR/#INODE (deleted)".
 *
 * Built without sanitizers; for a SAN=1 build the tests put the ASan
 * runtime first in LD_PRELOAD (see tests/inject.bats).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAXRULES 8

struct rule {
	char call[16];
	int err;		/* 0: SIGKILL */
	char where[256];
};

static struct rule rules[MAXRULES];
static int nrules = -1;
static long after;

static int
errno_of(const char *s)
{
	static const struct { const char *name; int err; } names[] = {
		{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EACCES", EACCES}, {"EROFS", EROFS},
		{"EPERM", EPERM}, {"EEXIST", EEXIST}, {"EXDEV", EXDEV}, {"EDQUOT", EDQUOT},
		{"KILL", 0},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].err;
	return EIO;
}

static void
load(void)
{
	const char *env = getenv("INJECT_FAIL"), *a = getenv("INJECT_AFTER");
	char spec[1024], *save = NULL, *tok;

	nrules = 0;
	after = a ? atol(a) : 0;
	if (!env || strlen(env) >= sizeof spec)
		return;
	strcpy(spec, env);
	for (tok = strtok_r(spec, ";", &save); tok && nrules < MAXRULES;
	     tok = strtok_r(NULL, ";", &save)) {
		char *c1 = strchr(tok, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct rule *r = &rules[nrules];

		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		snprintf(r->call, sizeof r->call, "%s", tok);
		r->err = errno_of(c1 + 1);
		snprintf(r->where, sizeof r->where, "%s", c2 + 1);
		nrules++;
	}
}

/* Does call on fd (or path, when fd < 0) fail?  -1 with errno set when
 * it does. */
static int
inject(const char *call, int fd, const char *path)
{
	char link[64], target[4096];
	int i, saved = errno;

	if (nrules < 0)
		load();
	for (i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];
		int hit;

		if (strcmp(r->call, call) != 0)
			continue;
		if (r->where[0] == '@')
			hit = fd >= 0 && fd == atoi(r->where + 1);
		else if (fd >= 0) {
			ssize_t n;

			snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof target - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			hit = fnmatch(r->where, target, 0) == 0;
		} else
			hit = path && fnmatch(r->where, path, 0) == 0;
		if (!hit)
			continue;
		if (after > 0) {
			after--;
			continue;
		}
		if (r->err == 0)
			kill(getpid(), SIGKILL);
		errno = r->err;
		return -1;
	}
	errno = saved;
	return 0;
}

#define REAL(name) static __typeof__(name) *real; if (!real) real = dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *p, size_t n)
{
	REAL(write);
	if (fd != 2 && inject("write", fd, NULL) < 0)
		return -1;
	return real(fd, p, n);
}

ssize_t
read(int fd, void *p, size_t n)
{
	REAL(read);
	if (inject("read", fd, NULL) < 0)
		return -1;
	return real(fd, p, n);
}

int
fsync(int fd)
{
	REAL(fsync);
	if (inject("fsync", fd, NULL) < 0)
		return -1;
	return real(fd);
}

int
close(int fd)
{
	REAL(close);
	if (inject("close", fd, NULL) < 0) {
		int e = errno;

		real(fd);	/* closed all the same, as Linux does */
		errno = e;
		return -1;
	}
	return real(fd);
}

/* path as the file it names: relative to the directory dfd stands for,
 * and shown relative to the working directory when it lies below it, so
 * that "cache/..." matches a file a program made through a descriptor of
 * its directory (openat, linkat, renameat) as it did through a path. */
static const char *
at_path(int dfd, const char *path, char *buf, size_t size)
{
	char proc[64], dir[4096], cwd[4096];
	const char *rel;
	ssize_t k;
	size_t cl;

	if (dfd == AT_FDCWD || path[0] == '/')
		return path;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", dfd);
	if ((k = readlink(proc, dir, sizeof dir - 1)) < 0 || !getcwd(cwd, sizeof cwd))
		return path;
	dir[k] = '\0';
	cl = strlen(cwd);
	rel = strncmp(dir, cwd, cl) == 0 && dir[cl] == '/' ? dir + cl + 1
	    : strcmp(dir, cwd) == 0 ? "" : dir;
	snprintf(buf, size, "%s%s%s", rel, *rel ? "/" : "", path);
	return buf;
}

int
rename(const char *from, const char *to)
{
	REAL(rename);
	if (inject("rename", -1, to) < 0)
		return -1;
	return real(from, to);
}

int
renameat(int dfd1, const char *from, int dfd2, const char *to)
{
	char buf[8192];

	REAL(renameat);
	if (inject("rename", -1, at_path(dfd2, to, buf, sizeof buf)) < 0)
		return -1;
	return real(dfd1, from, dfd2, to);
}

int
linkat(int dfd1, const char *from, int dfd2, const char *to, int flags)
{
	char buf[8192];

	REAL(linkat);
	if (inject("linkat", -1, at_path(dfd2, to, buf, sizeof buf)) < 0)
		return -1;
	return real(dfd1, from, dfd2, to, flags);
}

static int
open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	REAL(open);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (inject("open", -1, path) < 0)
		return -1;
	return real(path, flags, mode);
}

int
openat(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode;
	char buf[8192];

	REAL(openat);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (inject("open", -1, at_path(dfd, path, buf, sizeof buf)) < 0)
		return -1;
	return real(dfd, path, flags, mode);
}
