/* util: messages, allocators that die, time, buffers, the command line.
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

/* left milliseconds as the int wait poll(2) and child_wait() take:
 * rounded up, at least 1 (0 would not wait), at most INT_MAX (a --timeout
 * of days is past an int, and casting such a double is undefined). */
int poll_ms(double left);

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

/* Split cmd on blanks into a NULL-terminated argv of words pointing
 * into cmd (which is changed; the array is the caller's to free), as a
 * --chat or --grader command is given; NULL when it has no word. */
char **split_words(char *cmd);

/* Is s one of the strings of list (NULL-ended)? */
int str_listed(const char *s, const char *const *list);

/* a + b, held at LLONG_MAX or LLONG_MIN rather than overflowing: token
 * counts are a server's numbers, of any size. */
long long add_sat(long long a, long long b);

/* 2^63 as a double: a double d fits a long long when -LL_LIMIT <= d <
 * LL_LIMIT (LLONG_MAX itself is not a double; it rounds up to this). */
#define LL_LIMIT 9223372036854775808.0

/* d as a whole number toward zero, held at LLONG_MAX or LLONG_MIN when it is
 * beyond them, 0 when it is NaN: a cast alone is undefined there, and these
 * doubles are a schema's or a server's numbers, of any size. */
long long ll_of_double(double d);

/* Replace control characters (newlines among them) by spaces and cut to
 * max bytes on a UTF-8 boundary, so s fits a one-line message. In place. */
void one_line(char *s, size_t max);

/* files made, written and read (files.h): most callers of util want them */
#include "base/files.h"

#endif
