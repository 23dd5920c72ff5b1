/* toml_internal: what lib/plan/toml.c (positions, characters, scalar
 * values) and lib/plan/toml_doc.c (nested values, keys, tables, the
 * document) share.  Calls go one way: toml_doc.c calls toml.c.  Not for
 * use outside lib/plan/toml*.c. */
#ifndef LLM_TOML_INTERNAL_H
#define LLM_TOML_INTERNAL_H

#include "plan/toml.h"

struct toml_parser {
	const char *s, *end, *p;	/* the text and the current position */
	const char *name;		/* for messages */
	char *err;
	size_t errlen;
	int failed;
	struct toml_where *where;	/* NULL when positions are not wanted */
	const char *lc_p;		/* line/column cursor: lc_p is at */
	unsigned lc_line, lc_col;	/* lc_line:lc_col */
	json_object *root, *cur;	/* the root and the table key/values go to */
	int cur_depth;			/* nesting of cur */
	unsigned section;		/* the header (or inline table) being read */
	unsigned nsections;
	struct buf sbuf;		/* a string being read */
};

/* Record an error at `at` (the first one only).  Returns -1. */
int toml_fail(struct toml_parser *P, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int toml_bad_char(struct toml_parser *P, const char *p, const char *where);
const char *toml_what(const struct toml_parser *P, const char *p, char buf[32]);

void toml_pos(struct toml_parser *P, const char *at, unsigned pos[2]);
void toml_mark_where(struct toml_parser *P, json_object *v, const unsigned pos[2]);
struct toml_where *toml_where_new(void);

int toml_is_newline(const struct toml_parser *P, const char *p);
void toml_skip_ws(struct toml_parser *P);
int toml_skip_comment(struct toml_parser *P);
int toml_skip_ws_nl(struct toml_parser *P);

/* A quoted string at P->p into b (its bytes; NUL bytes possible). */
int toml_string(struct toml_parser *P, int multi_ok, struct buf *b);
json_object *toml_double(double d);

/* A boolean, a number, a date or a time at P->p: a new reference, or
 * NULL.  toml.c. */
json_object *toml_bare_value(struct toml_parser *P);

/* A value at P->p, nested depth deep: a new reference, or NULL.
 * toml_doc.c. */
json_object *toml_value(struct toml_parser *P, int depth);
json_object *toml_inline_table(struct toml_parser *P, int depth);

#endif
