/* util: messages, allocators that die, time, files written atomically.
 *
 * The e* functions and the message functions are the one place in lib/
 * that prints and exits (by design, as in sbase): everything else returns
 * a status and fills an error buffer.  Messages are prefixed with the
 * program name set by setprogname(); a format ending in ':' gets
 * strerror(errno) appended.
 */
#ifndef LLM_UTIL_H
#define LLM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ERRLEN 512

/* Exit statuses of DESIGN.md 'Exit status'. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_TEMPFAIL = 75,
	EXIT_INTERRUPTED = 130,
};

void setprogname(const char *argv0);
const char *progname(void);

void weprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like eprintf, exiting with the given status. */
_Noreturn void enprintf(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Standard output failed with err.  A reader that went away (EPIPE, as in
 * `prog | head -1`) ends the program quietly, as if SIGPIPE had killed
 * it, like any filter; another error is said as "prog: stdout: ..." and
 * the caller goes on to exit with a failure. */
void stdout_failed(int err);

/* A hook every message that ends the program (eprintf, enprintf,
 * usage_error: the errors, which may echo an argument) passes through
 * before it is written, to redact secrets (text/msgredact.h installs one;
 * base/ cannot call text/).  It edits the NUL-terminated line in place,
 * within size bytes. */
void set_message_filter(void (*filter)(char *line, size_t size));

/* The command line's helpers, the same in every program.
 *
 * version_exit: --version, "prog VERSION" on stdout (LLM_VERSION, from the
 * tree's VERSION file), exit 0.
 * usage_error: the message, then "try 'prog --help'", exit 2.
 * option_error: getopt_long (with opterr = 0 and an optstring starting
 * with ':') returned c, '?' or ':'; say which option of argv was wrong,
 * by its name and never its value, the way usage_error does.
 * token_file_arg: the value of --token-file, at the getopt_long call that
 * returned it; refused with a usage error when the option was typed as
 * --token or shorter (--tok=...), which getopt_long takes for
 * --token-file: what follows is then most likely the token itself. */
_Noreturn void version_exit(void);
_Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct option;
_Noreturn void option_error(int c, char *const *argv, const struct option *longopts);
const char *token_file_arg(char *const *argv);

void *emalloc(size_t n);
void *ecalloc(size_t n, size_t size);
void *erealloc(void *p, size_t n);
char *estrdup(const char *s);
char *estrndup(const char *s, size_t n);

/* Parse s as a number in [min, max]; on failure print a usage message
 * naming opt and exit 2. */
long long estrtonum(const char *s, long long min, long long max, const char *opt);
double estrtod(const char *s, double min, double max, const char *opt);

/* Monotonic milliseconds, for latencies. */
int64_t now_ms(void);
double now_ms_f(void);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
/* Room for need more bytes and the NUL, for a writer that fills
 * b->data + b->len itself. */
void buf_grow(struct buf *b, size_t need);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Write all of p to fd, retrying on EINTR and partial writes. -1 on error. */
int write_all(int fd, const void *p, size_t n);

/* Create dir and its parents (mode 0777 before umask). 0 or -1 with err. */
int mkdir_p(const char *dir, char *err, size_t errlen);

/* Write data to path atomically: an unnamed file (O_TMPFILE) in the same
 * directory, fsync, then linked in as path — or, when path exists,
 * linked as ".NAME.PID.tmp" and renamed over it.  A process killed at
 * any point leaves either the old file or the new one whole, and a
 * temporary name only between that link and the rename.  Where the file
 * system has no O_TMPFILE (or there is no /proc), the data goes to
 * ".NAME.PID.tmp" first, which a kill can leave behind; its leading dot
 * keeps it out of globs.  Parent directories are created when mkdirs is
 * set.  0, or -1 with a message in err. */
int atomic_write(const char *path, const void *data, size_t len, int mkdirs,
                 char *err, size_t errlen);

/* Is the relative path p confined to its directory?  Rejects empty paths,
 * absolute paths, '..' components and embedded NUL (len counts bytes, so a
 * NUL inside is seen).  0 when safe, -1 with a reason in err. */
int path_confined(const char *p, size_t len, char *err, size_t errlen);

/* Read a whole file (at most max bytes). NULL with err on failure. */
char *read_file(const char *path, size_t max, size_t *lenp, char *err, size_t errlen);

/* Replace control characters (newlines among them) by spaces and cut to
 * max bytes on a UTF-8 boundary, so s fits a one-line message. In place. */
void one_line(char *s, size_t max);

#endif
