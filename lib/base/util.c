#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void
usage_error(const char *fmt, ...)
{
	va_list ap;
	char line[256];
	int n;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	/* the second line, as curl and git say it: the whole usage would
	 * push the message itself off the screen */
	n = snprintf(line, sizeof line, "try '%s --help'\n", prog);
	(void)write_all(2, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0);
	exit(EXIT_USAGE);
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

static void
token_refused(void)
{
	usage_error("a token is not taken on the command line, where ps(1) shows it: "
	            "set LLM_API_TOKEN, or put it in a file and give --token-file FILE");
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
	/* "--tok" begins --token-file and another option (llm-mock's
	 * --tokens-per-s): what follows is likely a token, refused as one */
	if (nmatch > 1 && len >= 5 && len <= 7 && strncmp(arg, "--token", (size_t)len) == 0)
		token_refused();
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
		token_refused();
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
str_listed(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

long long
add_sat(long long a, long long b)
{
	long long s;

	if (__builtin_add_overflow(a, b, &s))
		return b < 0 ? LLONG_MIN : LLONG_MAX;
	return s;
}

int
poll_ms(double left)
{
	if (!(left > 0))
		return 1;
	return left >= INT_MAX - 1 ? INT_MAX : (int)left + 1;
}

long long
ll_of_double(double d)
{
	if (isnan(d))
		return 0;
	if (d >= LL_LIMIT)
		return LLONG_MAX;
	if (d < -LL_LIMIT)
		return LLONG_MIN;
	return (long long)d;
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

char **
split_words(char *cmd)
{
	char **v = ecalloc(strlen(cmd) / 2 + 2, sizeof *v), *w, *save;
	size_t n = 0;

	for (w = strtok_r(cmd, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		v[n++] = w;
	if (!n) {
		free(v);
		return NULL;
	}
	return v;
}
