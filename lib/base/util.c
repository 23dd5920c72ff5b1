#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/utf8.h"
#include "base/util.h"

#ifndef LLM_VERSION
#error "LLM_VERSION is set by the Makefile, from the file VERSION"
#endif

static const char *prog = "llm";
static void (*msg_filter)(char *line, size_t size);

void
setprogname(const char *argv0)
{
	const char *s = strrchr(argv0, '/');

	prog = s ? s + 1 : argv0;
}

const char *
progname(void)
{
	return prog;
}

/* fatal: the message ends the program, so it is the filter's (an error
 * that may echo an argument); the running messages of -v and of records
 * pass as they are, already redacted where they carry secrets */
static void
vmsg(int fatal, const char *fmt, va_list ap)
{
	char line[2048];
	int saved = errno;
	size_t n;
	int k;

	k = snprintf(line, sizeof line, "%s: ", prog);
	n = k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (k > 0)
		n = n + (size_t)k < sizeof line ? n + (size_t)k : sizeof line - 1;
	if (fmt[0] && fmt[strlen(fmt) - 1] == ':')
		n += (size_t)snprintf(line + n, sizeof line - n, " %s", strerror(saved));
	if (n >= sizeof line - 1)
		n = sizeof line - 2;
	if (fatal && msg_filter) {
		line[n] = '\0';
		msg_filter(line, sizeof line - 1);
		n = strlen(line);
	}
	line[n++] = '\n';
	/* one write, so messages from parallel runs do not interleave */
	(void)write_all(2, line, n);
}

void
weprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void
eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILED);
}

void
enprintf(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
stdout_failed(int err)
{
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	errno = err;
	weprintf("stdout:");
}

void
set_message_filter(void (*filter)(char *line, size_t size))
{
	msg_filter = filter;
}

void
version_exit(void)
{
	printf("%s %s\n", prog, LLM_VERSION);
	if (fclose(stdout) != 0) {
		stdout_failed(errno);
		exit(EXIT_FAILED);
	}
	exit(EXIT_OK);
}

/* The second line, as curl and git say it: the whole usage would push
 * the message itself off the screen. */
static _Noreturn void
try_help(void)
{
	char line[256];
	int n = snprintf(line, sizeof line, "try '%s --help'\n", prog);

	(void)write_all(2, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
	exit(EXIT_USAGE);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	try_help();
}

/* The long option the argument "--name[=value]" names: exact, or the one
 * it abbreviates; *nmatch counts the options it abbreviates. */
static const struct option *
long_match(const char *arg, const struct option *lo, int *nmatch)
{
	size_t n = strcspn(arg, "=");
	const struct option *found = NULL;

	*nmatch = 0;
	for (; lo && lo->name; lo++) {
		if (strncmp(lo->name, arg, n) != 0)
			continue;
		if (strlen(lo->name) == n) {
			*nmatch = 1;
			return lo;
		}
		found = lo;
		++*nmatch;
	}
	return found;
}

void
option_error(int c, char *const *argv, const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const struct option *o = NULL;
	int nmatch = 0;
	/* the name as typed, never "=value": that may be a secret */
	int len = (int)strcspn(arg, "=");

	if (len > 64)
		len = 64;
	if (strncmp(arg, "--", 2) == 0 && arg[2])
		o = long_match(arg + 2, longopts, &nmatch);
	/* a short option's error leaves optind on the argument before it when
	 * more letters follow (-xk): the long option there must be the one
	 * getopt_long spoke of */
	if (o && optopt && o->val != optopt)
		o = NULL, nmatch = 0;
	if (c == ':') {
		if (o)
			usage_error("option --%s needs an argument", o->name);
		usage_error("option -%c needs an argument", optopt);
	}
	if (nmatch > 1)
		usage_error("option %.*s is ambiguous", len, arg);
	if (o && strchr(arg, '='))
		usage_error("option --%s takes no argument", o->name);
	if (optopt && !o && optopt < 128 && optopt > ' ')
		usage_error("unknown option -%c", optopt);
	usage_error("unknown option %.*s", len, arg);
}

const char *
token_file_arg(char *const *argv)
{
	/* "--tok VALUE" is two arguments, "--tok=VALUE" one */
	const char *typed = optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];

	if (strcspn(typed, "=") <= strlen("--token"))
		usage_error("a token is not taken on the command line, where ps(1) shows it: "
		            "set LLM_API_TOKEN, or put it in a file and give --token-file FILE");
	return optarg;
}

void *
emalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		eprintf("malloc:");
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		eprintf("calloc:");
	return p;
}

void *
erealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		eprintf("realloc:");
	return p;
}

char *
estrdup(const char *s)
{
	return estrndup(s, strlen(s));
}

char *
estrndup(const char *s, size_t n)
{
	char *p = emalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

long long
estrtonum(const char *s, long long min, long long max, const char *opt)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		enprintf(EXIT_USAGE, "%s: expected a whole number from %lld to %lld, got '%s'",
		         opt, min, max, s);
	return v;
}

double
estrtod(const char *s, double min, double max, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		enprintf(EXIT_USAGE, "%s: expected a number from %g to %g, got '%s'",
		         opt, min, max, s);
	return v;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
now_ms_f(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	b->data = erealloc(b->data, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)	/* p may be NULL then (an empty buf's data): memcpy may not */
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t k = write(fd, s, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

int
mkdir_p(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	char *p;

	if (n == 0)
		return 0;
	if (n >= sizeof path) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0) {
			struct stat sb;
			int e = errno;

			/* a file in the middle makes the next mkdir fail
			 * with ENOTDIR; a file at the end is no directory */
			if (e != EEXIST || (c == '\0' && (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode)))) {
				snprintf(err, errlen, "%s: %s", path, strerror(e == EEXIST ? ENOTDIR : e));
				return -1;
			}
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/* Write, fsync and close fd; 0, or -1 with errno set (fd closed). */
static int
write_sync_close(int fd, const void *data, size_t len)
{
	int e;

	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* The temporary name next to path: ".NAME.PID.tmp", a dot first so
 * globs over the directory pass it over, the pid so parallel writers
 * never share one. */
static int
temp_name(char *tmp, size_t size, const char *path, const char *slash)
{
	int n;

	if (slash)
		n = snprintf(tmp, size, "%.*s/.%s.%ld.tmp", (int)(slash - path), path, slash + 1,
		             (long)getpid());
	else
		n = snprintf(tmp, size, ".%s.%ld.tmp", path, (long)getpid());
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Write through an unnamed file (O_TMPFILE) linked in once complete, so
 * a process killed at any point leaves no temporary file behind: the
 * file gets its name only when whole.  A path that exists already is
 * replaced by a rename from a name of its own, linked just before.
 * 1 when the file system has no O_TMPFILE (the caller falls back), 0
 * done, -1 with err. */
static int
write_unnamed(const char *path, const char *slash, const void *data, size_t len, char *err,
              size_t errlen)
{
	char dir[PATH_MAX], proc[64], tmp[PATH_MAX];
	int fd;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
		return 1;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto fail;
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		goto done;
	if (errno == ENOENT && access("/proc/self/fd", F_OK) < 0) {
		close(fd);	/* no /proc: the named way */
		return 1;
	}
	if (errno != EEXIST)
		goto fail;
	/* path exists: a name of its own, then a rename over it */
	if (temp_name(tmp, sizeof tmp, path, slash) < 0) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	(void)unlink(tmp);	/* left by a killed writer that had our pid */
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
		goto fail;
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		goto fail;
	}
done:
	if (close(fd) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

int
atomic_write(const char *path, const void *data, size_t len, int mkdirs,
             char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (mkdirs && slash && slash != path) {
		char dir[PATH_MAX];
		size_t dl = (size_t)(slash - path);

		if (dl >= sizeof dir) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		if (mkdir_p(dir, err, errlen) < 0)
			return -1;
	}
	if (strlen(path) >= PATH_MAX || temp_name(tmp, sizeof tmp, path, slash) < 0) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((rc = write_unnamed(path, slash, data, len, err, errlen)) <= 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_sync_close(fd, data, len) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
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

char *
read_file(const char *path, size_t max, size_t *lenp, char *err, size_t errlen)
{
	struct buf b = {0};
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((k = read(fd, chunk, sizeof chunk)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (b.len + (size_t)k > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
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
	close(fd);
	buf_free(&b);
	return NULL;
}

void
one_line(char *s, size_t max)
{
	size_t n;

	size_t lead, need;

	for (n = 0; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			s[n] = ' ';
	if (n > max) {
		n = utf8_cut(s, n, max);
		s[n] = '\0';
	}
	/* a snprintf before us may have cut a sequence short: drop its head */
	for (lead = n; lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80; lead--)
		;
	if (lead == 0 || (unsigned char)s[lead - 1] < 0xc0)
		return;
	lead--;
	need = (unsigned char)s[lead] >= 0xf0 ? 4 : (unsigned char)s[lead] >= 0xe0 ? 3 : 2;
	if (n - lead < need)
		s[lead] = '\0';
}
