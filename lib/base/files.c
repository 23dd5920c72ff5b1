#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/files.h"
#include "base/util.h"

/* path opened from the directory at with oflags, beneath it: openat2's
 * RESOLVE_BENEATH, else one name at a time following no link.  -1 with
 * errno (EXDEV for a path that leads out). */
static int
open_beneath(int at, const char *path, int oflags)
{
	struct open_how how = {.flags = (unsigned long long)(oflags | O_CLOEXEC),
	                       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	char name[NAME_MAX + 1];
	int fd = (int)syscall(SYS_openat2, at, path, &how, sizeof how), cur = at;

	if (fd >= 0 || errno != ENOSYS)
		return fd;
	if (*path == '/') {
		errno = EXDEV;
		return -1;
	}
	for (;;) {
		size_t n = strcspn(path, "/");
		int last = path[n] == '\0' || path[n + strspn(path + n, "/")] == '\0';

		if (n > NAME_MAX) {
			fd = -1;
			errno = ENAMETOOLONG;
		} else if (n == 2 && path[0] == '.' && path[1] == '.') {
			fd = -1;
			errno = EXDEV;
		} else {
			memcpy(name, n ? path : ".", n ? n : 1);
			name[n ? n : 1] = '\0';
			fd = openat(cur, name, (last ? oflags : O_PATH | O_DIRECTORY) | O_NOFOLLOW |
			                       O_CLOEXEC);
			if (fd < 0 && errno == ELOOP)
				errno = EXDEV;
		}
		if (cur != at) {
			int e = errno;

			close(cur);
			errno = e;
		}
		if (fd < 0 || last)
			return fd;
		cur = fd;
		path += n + strspn(path + n, "/");
	}
}

/* dir[0..len) opened as a directory, from the working directory. */
static int
open_dir(const char *dir, size_t len, int flags)
{
	char path[PATH_MAX];

	if (len >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, len);
	path[len] = '\0';
	if (flags & FILES_BENEATH)
		return open_beneath(AT_FDCWD, path, O_PATH | O_DIRECTORY);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* "path: what" in err, the path shortened from its start ("...") when
 * both would not fit with room to spare for the caller's own words
 * before them: the reason is what a reader needs. */
static void
say_what(char *err, size_t errlen, const char *path, size_t len, const char *what)
{
	size_t room = errlen > 128 ? errlen - 96 : errlen, wl = strlen(what) + 2;

	if (len + wl < room || room <= wl + 3)
		snprintf(err, errlen, "%.*s: %s", (int)len, path, what);
	else
		snprintf(err, errlen, "...%.*s: %s", (int)(room - wl - 3),
		         path + len - (room - wl - 3), what);
}

/* Why path[0..len) leads out of its directory: an absolute path, a ".."
 * that climbs above its start (read from the text alone), else a link. */
static const char *
way_out(const char *path, size_t len)
{
	size_t i = 0, n;
	long depth = 0;

	if (len && path[0] == '/')
		return "is an absolute path: it must stay inside the directory";
	while (i < len) {
		n = i;
		while (n < len && path[n] != '/')
			n++;
		if (n - i == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (--depth < 0)
				return "leads out of the directory through \"..\"";
		} else if (n > i && !(n - i == 1 && path[i] == '.'))
			depth++;
		i = n + 1;
	}
	return "leads out of the directory through a symbolic link";
}

static void
say(char *err, size_t errlen, const char *path, size_t len, int e)
{
	say_what(err, errlen, path, len, e == EXDEV ? way_out(path, len) : strerror(e));
}

/* dir opened (O_PATH), made with its parents first when flags hold
 * FILES_MKDIRS; -1 with err. */
static int
make_dir(const char *dir, int flags, char *err, size_t errlen)
{
	size_t n = strlen(dir), at = 0;
	int fd = open_dir(dir, n, flags), e;

	if (fd >= 0 || !(flags & FILES_MKDIRS) || (errno != ENOENT && errno != ENOTDIR)) {
		if (fd < 0)
			say(err, errlen, dir, n, errno);
		return fd;
	}
	/* each missing directory made inside its resolved parent, so a
	 * link met on the way is judged before anything is made past it */
	for (;;) {
		size_t start;

		at += strspn(dir + at, "/");
		start = at;
		at += strcspn(dir + at, "/");
		if ((fd = open_dir(dir, at, flags)) < 0 && errno == ENOENT) {
			int parent = start ? open_dir(dir, start, flags) : open(".", O_PATH | O_CLOEXEC);
			char name[NAME_MAX + 1];

			if (parent < 0)
				break;
			snprintf(name, sizeof name, "%.*s", (int)(at - start), dir + start);
			if (mkdirat(parent, name, 0777) == 0 || errno == EEXIST)
				fd = open_dir(dir, at, flags);
			e = errno;
			close(parent);
			errno = e;
		}
		if (fd < 0 || at == n)
			break;
		close(fd);
	}
	if (fd >= 0)
		return fd;
	/* a file on the way: named with the entry it kept from being made,
	 * as mkdir(2) would */
	if ((e = errno) == ENOTDIR && at < n)
		at += strspn(dir + at, "/") + strcspn(dir + at + strspn(dir + at, "/"), "/");
	say(err, errlen, dir, at, e == EEXIST ? ENOTDIR : e);
	return -1;
}

int
mkdir_p(const char *dir, char *err, size_t errlen)
{
	int fd;

	if (!*dir)
		return 0;
	if ((fd = make_dir(dir, FILES_MKDIRS, err, errlen)) < 0)
		return -1;
	close(fd);
	return 0;
}

/* A file that path replaces keeps its permissions in the new one. */
static void
keep_mode(int dirfd, const char *name, int fd)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		(void)fchmod(fd, st.st_mode & 07777);
}

/* Write, fsync; 0, or -1 with errno set. */
static int
write_sync(int fd, const void *data, size_t len)
{
	return write_all(fd, data, len) < 0 || fsync(fd) < 0 ? -1 : 0;
}

/* data written as name in dirfd: through an unnamed file (O_TMPFILE)
 * linked in once complete, so a kill at any point leaves no temporary
 * file; a name that exists is replaced by a rename from tmp, linked just
 * before.  1 when there is no O_TMPFILE or /proc (the caller falls back),
 * 0 done, -1 with errno. */
static int
write_unnamed(int dirfd, const char *name, const char *tmp, const void *data, size_t len)
{
	char proc[64];
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666), e;

	if (fd < 0)
		return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? 1 : -1;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	keep_mode(dirfd, name, fd);
	if (write_sync(fd, data, len) < 0)
		goto fail;
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return close(fd);
	if (errno == ENOENT && access("/proc/self/fd", F_OK) < 0) {
		close(fd);
		return 1;
	}
	if (errno != EEXIST)
		goto fail;
	(void)unlinkat(dirfd, tmp, 0);	/* left by a killed writer that had our pid */
	if (linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW) < 0)
		goto fail;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
		goto fail;
	}
	return close(fd);
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The named way: tmp written, then renamed over name. */
static int
write_named(int dirfd, const char *name, const char *tmp, const void *data, size_t len)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666), e;

	if (fd < 0)
		return -1;
	keep_mode(dirfd, name, fd);
	if (write_sync(fd, data, len) < 0) {
		e = errno;
		close(fd);
		errno = e;
	} else if (close(fd) == 0 && renameat(dirfd, tmp, dirfd, name) == 0) {
		return 0;
	}
	e = errno;
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return -1;
}

int
atomic_write(const char *path, const void *data, size_t len, int flags, char *err,
             size_t errlen)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	int dirfd, rc, n;

	if (strlen(path) >= PATH_MAX || !*name) {
		say(err, errlen, path, strlen(path), !*name ? EISDIR : ENAMETOOLONG);
		return -1;
	}
	/* ".NAME.PID.tmp": a dot first so globs pass it over, the pid so
	 * parallel writers never share one */
	n = snprintf(tmp, sizeof tmp, ".%s.%ld.tmp", name, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp) {
		say(err, errlen, path, strlen(path), ENAMETOOLONG);
		return -1;
	}
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (!*dir)
		snprintf(dir, sizeof dir, "/");
	if ((dirfd = make_dir(dir, flags, err, errlen)) < 0)
		return -1;
	if ((rc = write_unnamed(dirfd, name, tmp, data, len)) == 1)
		rc = write_named(dirfd, name, tmp, data, len);
	if (rc < 0)
		say(err, errlen, path, strlen(path), errno);
	close(dirfd);
	return rc;
}

int
path_confined(const char *p, size_t len, char *err, size_t errlen)
{
	size_t i, start;

	if (len == 0) {
		snprintf(err, errlen, "empty path");
		return -1;
	}
	if (memchr(p, '\0', len)) {
		snprintf(err, errlen, "path contains a NUL byte");
		return -1;
	}
	if (p[0] == '/') {
		snprintf(err, errlen, "absolute path not allowed: %.*s", (int)len, p);
		return -1;
	}
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		if (i - start == 2 && p[start] == '.' && p[start + 1] == '.') {
			snprintf(err, errlen, "'..' not allowed in path: %.*s", (int)len, p);
			return -1;
		}
		start = i + 1;
	}
	return 0;
}

/* All of fd (closed after), at most max bytes; path names it. */
static char *
read_fd(int fd, const char *path, size_t max, size_t *lenp, char *err, size_t errlen)
{
	struct buf b = {0};
	char chunk[65536];
	ssize_t k;

	while ((k = read(fd, chunk, sizeof chunk)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			say(err, errlen, path, strlen(path), errno);
			goto fail;
		}
		if (b.len + (size_t)k > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			errno = EFBIG;
			goto fail;
		}
		buf_add(&b, chunk, (size_t)k);
	}
	close(fd);
	if (!b.data)
		b.data = estrdup("");
	if (lenp)
		*lenp = b.len;
	return b.data;
fail:
	k = errno;
	close(fd);
	buf_free(&b);
	errno = (int)k;
	return NULL;
}

char *
read_file(const char *path, size_t max, size_t *lenp, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		say(err, errlen, path, strlen(path), errno);
		return NULL;
	}
	return read_fd(fd, path, max, lenp, err, errlen);
}

char *
read_file_beneath(const char *root, const char *rel, size_t max, size_t *lenp, char *err,
                  size_t errlen)
{
	char path[PATH_MAX];
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	struct stat st;

	if (rootfd >= 0) {
		/* O_NONBLOCK: a FIFO planted there must not block the open */
		fd = open_beneath(rootfd, rel, O_RDONLY | O_NONBLOCK);
		close(rootfd);
	}
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		say_what(err, errlen, path, strlen(path), "not a regular file");
		return NULL;
	}
	if (fd < 0) {
		/* the way out is judged on rel: root itself may hold ".." */
		say_what(err, errlen, path, strlen(path),
		         errno == EXDEV ? way_out(rel, strlen(rel)) : strerror(errno));
		return NULL;
	}
	return read_fd(fd, path, max, lenp, err, errlen);
}

int
fd_nonblock_pipe(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	struct stat sb;

	if (flags >= 0 && !(flags & O_NONBLOCK) && fstat(fd, &sb) == 0 &&
	    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	return flags;
}
