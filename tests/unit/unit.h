/* unit: what every cmocka test in tests/unit/ shares: the headers cmocka
 * needs before it, N(), parsing test JSON, a UTF-8 check and a scratch
 * directory per test.
 *
 * Each test_X.c is built alone against the library, so the helpers are
 * static inline: a test that does not use one pays nothing for it and
 * gets no unused-function warning.
 *
 * Ownership: parse() returns a new reference (json_object_put); the
 * scratch directory of setup_dir() is the test's *state, removed with
 * everything in it and freed by teardown_dir().
 */
#ifndef LLM_UNIT_H
#define LLM_UNIT_H

/* cmocka.h wants these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "json/json.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* s parsed, failing the test when the test's own JSON is broken. */
static inline json_object *
parse(const char *s)
{
	char err[ERRLEN];
	json_object *v = json_parse(s, strlen(s), err, sizeof err);

	if (!v)
		fail_msg("bad test JSON '%s': %s", s, err);
	return v;
}

/* Is s well-formed UTF-8 in its lead and continuation bytes? */
static inline int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
		      : (*p & 0xf8) == 0xf0 ? 3 : -1;

		if (n < 0)
			return 0;
		for (p++; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* Does json-c's tokener take s[0..n) (as json_parse_c does)? */
static inline int
json_c_takes(const char *s, size_t n)
{
	char err[ERRLEN];
	json_object *v;

	if (json_parse_c(s, n, &v, err, sizeof err) < 0)
		return 0;
	json_object_put(v);
	return 1;
}

/* The texts at json-c's depth limit: {"a": in front of inner put in
 * arrays arrays, with limit[i] what json-c says of text i.  Each reader
 * must say the same of them.  Text i in b, for i below N_NEST. */
#define N_NEST 12
static inline void
nested(struct buf *b, int i)
{
	static const char *const inner[] = {"", "1", "{\"k\":[]}"};
	int arrays = JSON_TOKENER_DEFAULT_DEPTH - 3 + i / 3, k;

	buf_reset(b);
	buf_adds(b, "{\"a\":");
	for (k = 0; k < arrays; k++)
		buf_add(b, "[", 1);
	buf_adds(b, inner[i % 3]);
	for (k = 0; k < arrays; k++)
		buf_add(b, "]", 1);
	buf_add(b, "}", 1);
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove dir and everything below it, links not followed. */
static inline void
rm_tree(const char *dir)
{
	nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* cmocka setup: a fresh directory under /tmp as *state. */
static inline int
setup_dir(void **state)
{
	char *dir = estrdup("/tmp/llm-unit.XXXXXX");

	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* cmocka teardown of setup_dir; made writable first, as a test may have
 * taken the write bit away. */
static inline int
teardown_dir(void **state)
{
	char *dir = *state;

	chmod(dir, 0700);
	rm_tree(dir);
	free(dir);
	return 0;
}

#endif
