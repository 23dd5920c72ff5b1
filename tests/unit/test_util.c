/* Unit tests for lib/base/util.c: path confinement, atomic writes, mkdir_p,
 * read_file, one_line, the growable buffer, messages. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "base/util.h"

/* ---- files in the scratch directory ---- */

static char *
path_in(const char *dir, const char *rel)
{
	struct buf b = {0};

	buf_addf(&b, "%s/%s", dir, rel);
	return b.data;
}

static void
write_file(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, s, n), 0);
	close(fd);
}

/* The names in dir, sorted, joined by spaces. */
static void
list_dir(const char *dir, struct buf *out)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), i;

	assert_true(n >= 0);
	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
			if (out->len)
				buf_add(out, " ", 1);
			buf_adds(out, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	if (!out->data)
		buf_adds(out, "");
}

/* ---- path_confined ---- */

static const struct {
	const char *p;
	size_t len;	/* 0: strlen */
	const char *err;	/* NULL: confined */
} confined_cases[] = {
	{"a", 0, NULL},
	{"a/b.md", 0, NULL},
	{"a/..b", 0, NULL},
	{"..a/b", 0, NULL},
	{"a../b", 0, NULL},
	{"a/b/", 0, NULL},
	{"a/.../b", 0, NULL},
	{".hidden", 0, NULL},
	{"./a", 0, NULL},
	{"donn\xc3\xa9" "es/\xc3\xbc.md", 0, NULL},
	{"p1/1a2b3c4d/q1_response.md", 0, NULL},
	{"", 0, "empty path"},
	{"/abs", 0, "absolute path not allowed: /abs"},
	{"/", 0, "absolute path not allowed: /"},
	{"..", 0, "'..' not allowed in path: .."},
	{"a/../b", 0, "'..' not allowed in path: a/../b"},
	{"a/..", 0, "'..' not allowed in path: a/.."},
	{"../x", 0, "'..' not allowed in path: ../x"},
	{"a/b/../../..", 0, "'..' not allowed in path: a/b/../../.."},
	{"a//../b", 0, "'..' not allowed in path: a//../b"},
	{"a\0b", 3, "path contains a NUL byte"},
	{"ab\0", 3, "path contains a NUL byte"},
	{"\0/etc/passwd", 12, "path contains a NUL byte"},
};

static void
test_path_confined(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(confined_cases); i++) {
		const char *p = confined_cases[i].p;
		size_t len = confined_cases[i].len ? confined_cases[i].len : strlen(p);
		char err[ERRLEN] = "";
		int rc = path_confined(p, len, err, sizeof err);

		if (confined_cases[i].err) {
			if (rc != -1)
				fail_msg("case %zu '%s' accepted", i, p);
			assert_string_equal(err, confined_cases[i].err);
		} else if (rc != 0)
			fail_msg("case %zu '%s' rejected: %s", i, p, err);
	}
}

/* ---- mkdir_p ---- */

static void
test_mkdir_p(void **state)
{
	const char *dir = *state;
	char *deep = path_in(dir, "a/b/c"), *slash = path_in(dir, "x/y/");
	char err[ERRLEN] = "";
	struct stat st;

	assert_int_equal(mkdir_p(deep, err, sizeof err), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* again: it exists, fine */
	assert_int_equal(mkdir_p(deep, err, sizeof err), 0);
	assert_int_equal(mkdir_p(slash, err, sizeof err), 0);
	assert_int_equal(stat(slash, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_p("", err, sizeof err), 0);
	free(deep);
	free(slash);
}

static void
test_mkdir_p_through_file(void **state)
{
	const char *dir = *state;
	char *file = path_in(dir, "f"), *under = path_in(dir, "f/x/y");
	char err[ERRLEN] = "", want[PATH_MAX + 64];

	write_file(file, "data", 4);
	assert_int_equal(mkdir_p(under, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s/f/x: Not a directory", dir);
	assert_string_equal(err, want);
	free(file);
	free(under);
}

/* Like mkdir -p: an existing file where the directory should be is an
 * error, not success. */
static void
test_mkdir_p_on_file(void **state)
{
	const char *dir = *state;
	char *file = path_in(dir, "f");
	char err[ERRLEN] = "";
	int rc;

	write_file(file, "data", 4);
	rc = mkdir_p(file, err, sizeof err);
	free(file);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "Not a directory"));
}

/* ---- atomic_write ---- */

static void
assert_file(const char *path, const char *want, size_t n)
{
	char err[ERRLEN];
	size_t len;
	char *got = read_file(path, 1 << 20, &len, err, sizeof err);

	if (!got)
		fail_msg("%s", err);
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
	free(got);
}

static void
test_atomic_write_mkdirs(void **state)
{
	const char *dir = *state;
	static const char data[] = "line one\n\0binary\xff\n";
	char *path = path_in(dir, "out/p1/abcd1234/q1_response.md");
	char *parent = path_in(dir, "out/p1/abcd1234");
	char err[ERRLEN] = "";
	struct buf names = {0};

	assert_int_equal(atomic_write(path, data, sizeof data - 1, 1, err, sizeof err), 0);
	assert_file(path, data, sizeof data - 1);
	/* no temporary file left next to it */
	list_dir(parent, &names);
	assert_string_equal(names.data, "q1_response.md");
	/* overwrite with shorter content: replaced whole */
	assert_int_equal(atomic_write(path, "new", 3, 1, err, sizeof err), 0);
	assert_file(path, "new", 3);
	assert_int_equal(atomic_write(path, "", 0, 0, err, sizeof err), 0);
	assert_file(path, "", 0);
	list_dir(parent, &names);
	assert_string_equal(names.data, "q1_response.md");
	buf_free(&names);
	free(path);
	free(parent);
}

static void
test_atomic_write_relative(void **state)
{
	const char *dir = *state;
	char cwd[PATH_MAX], err[ERRLEN] = "";
	struct buf names = {0};

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(atomic_write("plain.txt", "abc", 3, 1, err, sizeof err), 0);
	assert_int_equal(atomic_write("sub/more.txt", "de", 2, 1, err, sizeof err), 0);
	assert_int_equal(chdir(cwd), 0);
	list_dir(dir, &names);
	assert_string_equal(names.data, "plain.txt sub");
	buf_free(&names);
	{
		char *p = path_in(dir, "plain.txt"), *q = path_in(dir, "sub/more.txt");

		assert_file(p, "abc", 3);
		assert_file(q, "de", 2);
		free(p);
		free(q);
	}
}

static void
test_atomic_write_no_parent(void **state)
{
	const char *dir = *state;
	char *path = path_in(dir, "missing/out.txt");
	char err[ERRLEN] = "";
	struct stat st;

	assert_int_equal(atomic_write(path, "x", 1, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(stat(path, &st), -1);
	free(path);
}

static void
test_atomic_write_parent_is_file(void **state)
{
	const char *dir = *state;
	char *file = path_in(dir, "f"), *path = path_in(dir, "f/out.txt");
	char *deeper = path_in(dir, "f/sub/out.txt");
	char err[ERRLEN] = "";

	write_file(file, "data", 4);
	assert_int_equal(atomic_write(path, "x", 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "Not a directory"));
	err[0] = '\0';
	assert_int_equal(atomic_write(deeper, "x", 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "Not a directory"));
	assert_file(file, "data", 4);
	free(file);
	free(path);
	free(deeper);
}

/* A directory we may not write to.  Root may write anywhere, so the
 * attempt runs in a child that gives up root first. */
static void
test_atomic_write_readonly_dir(void **state)
{
	const char *dir = *state;
	char *ro = path_in(dir, "ro"), *path = path_in(dir, "ro/out.txt");
	struct buf names = {0};
	int status;
	pid_t pid;

	assert_int_equal(mkdir(ro, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[ERRLEN] = "";

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(77);
		if (atomic_write(path, "x", 1, 1, err, sizeof err) != -1)
			_exit(1);
		if (!strstr(err, "Permission denied"))
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		free(ro);
		free(path);
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	list_dir(ro, &names);
	assert_string_equal(names.data, "");
	buf_free(&names);
	free(ro);
	free(path);
}

/* ---- read_file ---- */

static void
test_read_file(void **state)
{
	const char *dir = *state;
	char *path = path_in(dir, "f"), *empty = path_in(dir, "empty");
	char *missing = path_in(dir, "missing");
	static const char data[] = "0123456789";
	char err[ERRLEN] = "", want[PATH_MAX + 64];
	size_t len = 99;
	char *s;

	write_file(path, data, 10);
	write_file(empty, "", 0);
	s = read_file(path, 10, &len, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(len, 10);
	assert_string_equal(s, data);
	free(s);
	s = read_file(path, 1000, NULL, err, sizeof err);
	assert_string_equal(s, data);
	free(s);
	assert_null(read_file(path, 9, &len, err, sizeof err));
	snprintf(want, sizeof want, "%s: larger than 9 bytes", path);
	assert_string_equal(err, want);
	s = read_file(empty, 10, &len, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	free(s);
	assert_null(read_file(missing, 10, &len, err, sizeof err));
	snprintf(want, sizeof want, "%s: No such file or directory", missing);
	assert_string_equal(err, want);
	free(path);
	free(empty);
	free(missing);
}

static void
test_read_file_large(void **state)
{
	const char *dir = *state;
	char *path = path_in(dir, "big");
	size_t n = 200001, len, i;
	char *data = emalloc(n), *s, err[ERRLEN];

	for (i = 0; i < n; i++)
		data[i] = (char)(i * 31 % 251);
	write_file(path, data, n);
	s = read_file(path, n, &len, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(len, n);
	assert_memory_equal(s, data, n);
	assert_int_equal(s[n], '\0');
	free(s);
	assert_null(read_file(path, 100000, &len, err, sizeof err));
	assert_non_null(strstr(err, ": larger than 100000 bytes"));
	free(data);
	free(path);
}

/* ---- one_line ---- */

static const struct {
	const char *in;
	size_t max;
	const char *out;
} one_line_cases[] = {
	{"plain", 100, "plain"},
	{"a\nb\tc\r", 100, "a b c "},
	{"\x01\x1f\x7f!", 100, "   !"},
	{"", 10, ""},
	{"abc", 3, "abc"},
	{"abc", 2, "ab"},
	{"abc", 0, ""},
	{"h\xc3\xa9llo", 1, "h"},
	{"h\xc3\xa9llo", 2, "h"},
	{"h\xc3\xa9llo", 3, "h\xc3\xa9"},
	{"\xe6\x97\xa5\xe6\x9c\xac", 2, ""},
	{"\xe6\x97\xa5\xe6\x9c\xac", 4, "\xe6\x97\xa5"},
	{"\xe6\x97\xa5\xe6\x9c\xac", 5, "\xe6\x97\xa5"},
	{"\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5\xe6\x9c\xac"},
	{"\xf0\x9f\x98\x80x", 3, ""},
	{"\xf0\x9f\x98\x80x", 4, "\xf0\x9f\x98\x80"},
	{"a\n\xc3\xa9\n", 4, "a \xc3\xa9"},
	{"a\n\xc3\xa9\n", 3, "a "},
};

static void
test_one_line(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(one_line_cases); i++) {
		char s[64];

		snprintf(s, sizeof s, "%s", one_line_cases[i].in);
		one_line(s, one_line_cases[i].max);
		if (strcmp(s, one_line_cases[i].out) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, s, one_line_cases[i].out);
	}
}

/* ---- numbers held at the ends of long long ---- */

static void
test_saturating(void **state)
{
	static const struct {
		double d;
		long long want;
	} cases[] = {
		{0, 0}, {1.9, 1}, {-1.9, -1}, {9.21e18, 9210000000000000000LL},
		{9223372036854774784.0, 9223372036854774784LL},	/* the last double below 2^63 */
		{9223372036854775808.0, LLONG_MAX}, {1e19, LLONG_MAX}, {-1e19, LLONG_MIN},
		{-9223372036854775808.0, LLONG_MIN}, {HUGE_VAL, LLONG_MAX}, {-HUGE_VAL, LLONG_MIN},
		{NAN, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++)
		if (ll_of_double(cases[i].d) != cases[i].want)
			fail_msg("case %zu: %g gave %lld, want %lld", i, cases[i].d,
			         ll_of_double(cases[i].d), cases[i].want);
	assert_int_equal(add_sat(LLONG_MAX - 1, 1), LLONG_MAX);
	assert_int_equal(add_sat(LLONG_MAX, 1), LLONG_MAX);
	assert_int_equal(add_sat(LLONG_MAX, LLONG_MAX), LLONG_MAX);
	assert_int_equal(add_sat(LLONG_MIN, -1), LLONG_MIN);
	assert_int_equal(add_sat(LLONG_MAX, LLONG_MIN), -1);
	assert_int_equal(add_sat(-5, 3), -2);
}

/* ---- struct buf ---- */

static void
test_buf_growth(void **state)
{
	struct buf b = {0};
	int i;

	(void)state;
	buf_add(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	for (i = 0; i < 1000; i++)
		buf_add(&b, "0123456789", 10);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap >= b.len + 1);
	assert_int_equal(b.data[b.len], '\0');
	for (i = 0; i < 1000; i++)
		assert_memory_equal(b.data + 10 * i, "0123456789", 10);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_true(b.cap >= 10001);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_reset(&b);	/* on an empty buf: harmless */
	assert_null(b.data);
}

static void
test_buf_embedded_nul(void **state)
{
	struct buf b = {0};

	(void)state;
	buf_add(&b, "a\0b", 3);
	buf_adds(&b, "cd");
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "a\0bcd", 6);
	buf_free(&b);
}

/* Adding nothing from an empty buf's data (NULL) is allowed: found by
 * fuzz_mock, a tool message without content copied from NULL (UBSan:
 * memcpy's source may not be NULL, even for 0 bytes). */
static void
test_buf_add_null_empty(void **state)
{
	struct buf b = {0}, empty = {0};

	(void)state;
	buf_add(&b, empty.data, empty.len);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void
test_buf_addf(void **state)
{
	struct buf b = {0}, big = {0};
	int i;

	(void)state;
	buf_addf(&b, "%d-%s", 42, "x");
	buf_addf(&b, "%s", "");
	buf_addf(&b, "[%5.2f]", 3.14159);
	assert_string_equal(b.data, "42-x[ 3.14]");
	assert_int_equal(b.len, 11);
	/* one formatted piece larger than the first allocation */
	for (i = 0; i < 300; i++)
		buf_adds(&big, "abcdefghij");
	buf_reset(&b);
	buf_addf(&b, "<%s>", big.data);
	assert_int_equal(b.len, 3002);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1, big.data, 3000);
	assert_string_equal(b.data + 3001, ">");
	buf_free(&b);
	buf_free(&big);
}

/* ---- write_all and messages ---- */

static void
test_write_all(void **state)
{
	char got[64];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_all(p[1], "hello", 5), 0);
	assert_int_equal(read(p[0], got, sizeof got), 5);
	assert_memory_equal(got, "hello", 5);
	close(p[0]);
	close(p[1]);
	assert_int_equal(write_all(-1, "x", 1), -1);
}

/* FILES_BENEATH: a link that stays in the tree is followed, one that
 * leads out is refused and nothing is written outside; a file replaced
 * keeps its mode. */
static void
test_atomic_write_beneath(void **state)
{
	const char *dir = *state;
	char cwd[PATH_MAX], err[ERRLEN] = "";
	struct stat st;
	int flags = FILES_MKDIRS | FILES_BENEATH;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("tree", 0777), 0);
	assert_int_equal(mkdir("outside", 0777), 0);
	assert_int_equal(chdir("tree"), 0);
	assert_int_equal(mkdir("Output", 0777), 0);
	assert_int_equal(mkdir("Shared", 0777), 0);
	assert_int_equal(symlink("../../outside", "Output/out"), 0);
	assert_int_equal(symlink("../Shared", "Output/in"), 0);
	assert_int_equal(symlink("/etc/passwd", "Output/abs"), 0);
	assert_int_equal(atomic_write("Output/out/x.md", "no", 2, flags, err, sizeof err), -1);
	assert_string_equal(err, "Output/out: leads out of the directory through a symbolic link");
	assert_int_equal(atomic_write("Output/out/new/x.md", "no", 2, flags, err, sizeof err), -1);
	assert_int_equal(stat("../outside/x.md", &st), -1);
	assert_int_equal(stat("../outside/new", &st), -1);
	/* without FILES_BENEATH the same path is written where the link goes */
	assert_int_equal(atomic_write("Output/out/y.md", "yes", 3, FILES_MKDIRS, err, sizeof err), 0);
	assert_int_equal(stat("../outside/y.md", &st), 0);
	/* a link that stays below is followed (openat2); without openat2
	 * every link is refused, which is safe too */
	if (atomic_write("Output/in/z.md", "in", 2, flags, err, sizeof err) == 0)
		assert_int_equal(stat("Shared/z.md", &st), 0);
	else
		assert_non_null(strstr(err, "leads out"));
	/* the file itself a link: replaced by the file, /etc/passwd untouched */
	assert_int_equal(atomic_write("Output/abs", "mine", 4, flags, err, sizeof err), 0);
	assert_int_equal(lstat("Output/abs", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* a mode-600 file stays 600 when replaced */
	assert_int_equal(atomic_write("Output/secret.md", "a", 1, flags, err, sizeof err), 0);
	assert_int_equal(chmod("Output/secret.md", 0600), 0);
	assert_int_equal(atomic_write("Output/secret.md", "b", 1, flags, err, sizeof err), 0);
	assert_int_equal(stat("Output/secret.md", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_read_file_beneath(void **state)
{
	const char *dir = *state;
	char cwd[PATH_MAX], err[ERRLEN] = "";
	size_t len;
	char *s;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("a", 0777), 0);
	assert_int_equal(mkdir("a/Input", 0777), 0);
	assert_int_equal(mkdir("secret", 0777), 0);
	write_file("secret/key.txt", "sk", 2);
	write_file("a/Input/q.md", "ask", 3);
	assert_int_equal(symlink("../../secret", "a/Input/lnk"), 0);
	assert_null(read_file_beneath("a/Input", "lnk/key.txt", 100, &len, err, sizeof err));
	assert_string_equal(err, "a/Input/lnk/key.txt: leads out of the directory through a symbolic link");
	/* the message names the way out the path takes */
	assert_null(read_file_beneath("a/Input", "../../secret/key.txt", 100, &len, err, sizeof err));
	assert_string_equal(err, "a/Input/../../secret/key.txt: leads out of the directory through \"..\"");
	assert_null(read_file_beneath("a/Input", "./../Input/q.md", 100, &len, err, sizeof err));
	assert_string_equal(err, "a/Input/./../Input/q.md: leads out of the directory through \"..\"");
	assert_null(read_file_beneath("a", "/etc/passwd", 100, &len, err, sizeof err));
	assert_string_equal(err, "a//etc/passwd: is an absolute path: it must stay inside the directory");
	/* a ".." that stays inside is no way out */
	assert_non_null(s = read_file_beneath("a", "Input/../Input/q.md", 100, &len, err, sizeof err));
	free(s);
	assert_non_null(s = read_file_beneath("a/Input", "q.md", 100, &len, err, sizeof err));
	assert_int_equal(len, 3);
	assert_memory_equal(s, "ask", 3);
	free(s);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_setprogname(void **state)
{
	static const struct {
		const char *argv0;
		const char *name;
	} cases[] = {
		{"/usr/local/bin/llm-chat", "llm-chat"},
		{"./build/bin/llm-mock", "llm-mock"},
		{"llm-hash", "llm-hash"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		setprogname(cases[i].argv0);
		assert_string_equal(progname(), cases[i].name);
	}
}

/* What weprintf writes to stderr. */
static void
capture_stderr_start(int *saved, int p[2])
{
	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(p[1], 2), 2);
	close(p[1]);
}

static void
capture_stderr_end(int saved, int p[2], struct buf *out)
{
	char chunk[4096];
	ssize_t k;

	dup2(saved, 2);
	close(saved);
	buf_reset(out);
	while ((k = read(p[0], chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)k);
	close(p[0]);
}

static void
test_weprintf(void **state)
{
	struct buf out = {0}, big = {0};
	int saved, p[2], i;

	(void)state;
	setprogname("/bin/llm-test");
	capture_stderr_start(&saved, p);
	weprintf("x %d", 5);
	capture_stderr_end(saved, p, &out);
	assert_string_equal(out.data, "llm-test: x 5\n");

	capture_stderr_start(&saved, p);
	errno = ENOENT;
	weprintf("open %s:", "plan.toml");
	capture_stderr_end(saved, p, &out);
	assert_string_equal(out.data, "llm-test: open plan.toml: No such file or directory\n");

	/* an overlong message is still one line */
	for (i = 0; i < 5000; i++)
		buf_add(&big, "m", 1);
	capture_stderr_start(&saved, p);
	weprintf("%s", big.data);
	capture_stderr_end(saved, p, &out);
	assert_true(out.len <= 2048);
	assert_true(out.len > 1000);
	assert_int_equal(out.data[out.len - 1], '\n');
	assert_ptr_equal(strchr(out.data, '\n'), out.data + out.len - 1);
	assert_int_equal(strncmp(out.data, "llm-test: mmm", 13), 0);
	buf_free(&out);
	buf_free(&big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_confined),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_through_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_on_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_mkdirs, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_beneath, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_file_beneath, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_relative, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_no_parent, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_parent_is_file, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_write_readonly_dir, setup_dir,
		                                teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_read_file_large, setup_dir, teardown_dir),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_saturating),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_embedded_nul),
		cmocka_unit_test(test_buf_add_null_empty),
		cmocka_unit_test(test_buf_addf),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_setprogname),
		cmocka_unit_test(test_weprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
