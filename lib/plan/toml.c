/* A recursive-descent TOML 1.0.0 parser (toml.h): positions and errors,
 * characters, white space and comments, the scalar values (strings,
 * numbers, booleans, dates and times), then the nested values, keys,
 * tables and the document. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "json/canon.h"
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


/* ---- positions and errors ---- */

static int toml_fail(struct toml_parser *P, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Move the line/column cursor forward to at (positions are asked for in
 * the order of the text, so the whole parse scans each byte once). */
static void
advance(struct toml_parser *P, const char *at)
{
	for (; P->lc_p < at; P->lc_p++) {
		if (*P->lc_p == '\n') {
			P->lc_line++;
			P->lc_col = 1;
		} else if (((unsigned char)*P->lc_p & 0xc0) != 0x80) {
			P->lc_col++;
		}
	}
}

static void
linecol(struct toml_parser *P, const char *at, unsigned *line, unsigned *col)
{
	if (at < P->lc_p) {
		P->lc_p = P->s;
		P->lc_line = P->lc_col = 1;
	}
	advance(P, at);
	*line = P->lc_line;
	*col = P->lc_col;
}

static int
toml_fail(struct toml_parser *P, const char *at, const char *fmt, ...)
{
	char msg[ERRLEN];
	unsigned line, col;
	va_list ap;

	if (P->failed)
		return -1;
	P->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	one_line(msg, sizeof msg - 1);
	linecol(P, at, &line, &col);
	snprintf(P->err, P->errlen, "%s:%u:%u: %s", P->name, line, col, msg);
	return -1;
}

/* A printable form of the character at p, for messages. */
static const char *
toml_what(const struct toml_parser *P, const char *p, char buf[32])
{
	if (p >= P->end)
		return "the end of the file";
	if (*p == '\n' || (*p == '\r' && p + 1 < P->end && p[1] == '\n'))
		return "the end of the line";
	if (*p == '\r')
		return "a carriage return without a line feed";
	if ((unsigned char)*p < 0x20 || *p == 0x7f)
		snprintf(buf, 32, "control character 0x%02x", (unsigned char)*p);
	else
		snprintf(buf, 32, "'%.*s'", (int)utf8_char_len(p, P->end) ? (int)utf8_char_len(p, P->end) : 1, p);
	return buf;
}

const char *
toml_type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_object: return "a table";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	case json_type_int: return "an integer";
	case json_type_double: return "a float";
	case json_type_boolean: return "a boolean";
	}
	return "a value";
}

/* ---- the position table ----
 *
 * Positions are looked up only to write a message about a value (once,
 * as the document is refused), so they are kept in the order the values
 * were parsed and scanned for: the last marking of a value counts. */

struct toml_where {
	size_t cap, n;
	struct wslot {
		const void *k;
		unsigned line, col;
	} *e;
};

/* Where the value about to be parsed at `at` begins, taken before the
 * values inside it move the cursor on. */
static void
toml_pos(struct toml_parser *P, const char *at, unsigned pos[2])
{
	if (P->where)
		linecol(P, at, &pos[0], &pos[1]);
}

static void
toml_mark_where(struct toml_parser *P, json_object *v, const unsigned pos[2])
{
	struct toml_where *w = P->where;

	if (!w || !v)
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->e = erealloc(w->e, w->cap * sizeof *w->e);
	}
	w->e[w->n++] = (struct wslot){v, pos[0], pos[1]};
}

int
toml_where_get(const struct toml_where *w, const json_object *v, unsigned *line, unsigned *col)
{
	size_t i;

	for (i = w ? w->n : 0; i-- > 0;)	/* the last marking first */
		if (w->e[i].k == v) {
			*line = w->e[i].line;
			*col = w->e[i].col;
			return 0;
		}
	return -1;
}

int
toml_message(const struct toml_where *w, const char *name, const json_object *v, char *err,
             size_t errlen, const char *fmt, ...)
{
	char msg[ERRLEN];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!name)
		snprintf(err, errlen, "%s", msg);
	else if (toml_where_get(w, v, &line, &col) == 0)
		snprintf(err, errlen, "%s:%u:%u: %s", name, line, col, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
	return -1;
}

void
toml_where_free(struct toml_where *w)
{
	if (w) {
		free(w->e);
		free(w);
	}
}

/* ---- characters ---- */

/* A character allowed in a comment or a string as it is: tab, printable
 * ASCII, valid UTF-8.  Its length, or 0 (the caller says why). */
static size_t
text_char(const char *p, const char *end)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\t' || (c >= 0x20 && c < 0x7f))
		return 1;
	if (c < 0x80)
		return 0;
	return utf8_char_len(p, end);
}

static int
toml_bad_char(struct toml_parser *P, const char *p, const char *where)
{
	char b[32];

	if ((unsigned char)*p >= 0x80)
		return toml_fail(P, p, "invalid UTF-8 in %s", where);
	if (*p == '\r')
		return toml_fail(P, p, "carriage return without a line feed in %s", where);
	return toml_fail(P, p, "%s not allowed in %s", toml_what(P, p, b), where);
}

static int
toml_is_newline(const struct toml_parser *P, const char *p)
{
	if (p < P->end && *p == '\n')
		return 1;
	if (p + 1 < P->end && p[0] == '\r' && p[1] == '\n')
		return 2;
	return 0;
}

static void
toml_skip_ws(struct toml_parser *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t'))
		P->p++;
}

/* A comment, when there is one, up to the end of its line. */
static int
toml_skip_comment(struct toml_parser *P)
{
	size_t n;

	if (P->p >= P->end || *P->p != '#')
		return 0;
	for (P->p++; P->p < P->end && !toml_is_newline(P, P->p); P->p += n)
		if (!(n = text_char(P->p, P->end)))
			return toml_bad_char(P, P->p, "a comment");
	return 0;
}

/* White space and a comment, then the end of the line (taken) or of the
 * file: 1 there, 0 when something else follows, -1 on a bad comment. */
static int
line_end(struct toml_parser *P)
{
	int n;

	toml_skip_ws(P);
	if (toml_skip_comment(P) < 0)
		return -1;
	if (P->p >= P->end)
		return 1;
	if ((n = toml_is_newline(P, P->p)))
		P->p += n;
	return n > 0;
}

/* White space, comments and newlines, as arrays allow between values:
 * line ends, one after another. */
static int
toml_skip_ws_nl(struct toml_parser *P)
{
	int rc;

	while ((rc = line_end(P)) > 0 && P->p < P->end)
		;
	return rc < 0 ? -1 : 0;
}

/* ---- strings ---- */

/* An escape after a backslash at P->p (which points past it). */
static int
escape(struct toml_parser *P, struct buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *at = P->p - 1, *hit;
	char c, what[32], u[4];
	int digits, i;
	uint32_t cp = 0;

	if (P->p >= P->end)
		return toml_fail(P, at, "unterminated string");
	c = *P->p;
	if (c && (hit = strchr(from, c))) {
		buf_add(b, &to[hit - from], 1);
		P->p++;
		return 0;
	}
	if (c != 'u' && c != 'U')
		return toml_fail(P, at, "invalid escape '\\' followed by %s",
		                 toml_what(P, P->p, what));
	digits = c == 'u' ? 4 : 8;
	P->p++;
	for (i = 0; i < digits; i++, P->p++) {
		char h = P->p < P->end ? *P->p : 0;
		int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
		      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;

		if (v < 0)
			return toml_fail(P, at, "\\%c needs %d hexadecimal digits", c, digits);
		cp = cp << 4 | (uint32_t)v;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return toml_fail(P, at, "\\%c%.*s is not a Unicode scalar value", c, digits,
		                 P->p - digits);
	buf_add(b, u, utf8_encode(u, cp));
	return 0;
}

/* One character of a string's text, as it is. */
static int
copy_char(struct toml_parser *P, struct buf *b, const char *what)
{
	size_t n = text_char(P->p, P->end);

	if (!n)
		return toml_bad_char(P, P->p, what);
	buf_add(b, P->p, n);
	P->p += n;
	return 0;
}

/* A run of closing quotes q at P->p (3 of them at least): up to two more
 * belong to the string.  1 when the string ended, 0 when not a close. */
static int
close_quotes(struct toml_parser *P, char q, struct buf *b)
{
	size_t n = 0;

	while (P->p + n < P->end && P->p[n] == q)
		n++;
	if (n < 3)
		return 0;
	if (n > 5)
		return toml_fail(P, P->p + 5, "too many quotes at the end of a multi-line string");
	buf_add(b, P->p, n - 3);
	P->p += n;
	return 1;
}

/* Multi-line basic ("""...""") or literal ('''...''') string; P->p is
 * past the opening quotes. */
static int
ml_string(struct toml_parser *P, char q, const char *start, struct buf *b)
{
	const char *what = q == '"' ? "a multi-line string" : "a multi-line literal string";
	size_t n;
	int rc;

	P->p += toml_is_newline(P, P->p);	/* a newline right after the quotes is trimmed */
	for (;;) {
		if (P->p >= P->end)
			return toml_fail(P, start, "unterminated multi-line string");
		if (*P->p == q) {
			if ((rc = close_quotes(P, q, b)) != 0)
				return rc < 0 ? -1 : 0;
			buf_add(b, P->p++, 1);
		} else if ((n = toml_is_newline(P, P->p))) {
			buf_add(b, "\n", 1);
			P->p += n;
		} else if (*P->p == '\\' && q == '"') {
			const char *e = ++P->p;

			while (e < P->end && (*e == ' ' || *e == '\t'))
				e++;
			if (toml_is_newline(P, e)) {
				/* a line-ending backslash: eat white space and newlines */
				P->p = e;
				while (P->p < P->end && (*P->p == ' ' || *P->p == '\t' || toml_is_newline(P, P->p)))
					P->p += *P->p == '\r' ? 2 : 1;
			} else if (escape(P, b) < 0) {
				return -1;
			}
		} else if (copy_char(P, b, what) < 0) {
			return -1;
		}
	}
}

/* A one-line basic ("...") or literal ('...') string; P->p is past the
 * opening quote. */
static int
line_string(struct toml_parser *P, char q, const char *start, struct buf *b)
{
	const char *what = q == '"' ? "a string" : "a literal string";

	for (;;) {
		if (P->p >= P->end || toml_is_newline(P, P->p))
			return toml_fail(P, start, "unterminated string");
		if (*P->p == q) {
			P->p++;
			return 0;
		}
		if (*P->p == '\\' && q == '"') {
			P->p++;
			if (escape(P, b) < 0)
				return -1;
		} else if (copy_char(P, b, what) < 0) {
			return -1;
		}
	}
}

static int
toml_string(struct toml_parser *P, int multi_ok, struct buf *b)
{
	const char *start = P->p;
	char q = *P->p;

	buf_reset(b);
	if (!b->data)
		buf_add(b, "", 0);
	if (P->end - P->p >= 3 && P->p[1] == q && P->p[2] == q) {
		if (!multi_ok)
			return toml_fail(P, start, "a key cannot be a multi-line string");
		P->p += 3;
		return ml_string(P, q, start, b);
	}
	P->p++;
	return line_string(P, q, start, b);
}

/* ---- numbers, booleans, dates and times ---- */

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits of base with single underscores between them: s[0..n). */
static int
digits_ok(const char *s, size_t n, int base)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int ok = base == 16 ? (isdig(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
		       : base == 8 ? (c >= '0' && c <= '7')
		       : base == 2 ? (c == '0' || c == '1') : isdig(c);

		if (c == '_') {
			if (i == 0 || i == n - 1 || s[i + 1] == '_')
				return 0;
		} else if (!ok) {
			return 0;
		}
	}
	return 1;
}

static json_object *
integer(struct toml_parser *P, const char *s, size_t n)
{
	const char *t = s, *e = s + n;
	int neg = 0, base = 10;
	uint64_t v = 0, lim;

	if (*t == '+' || *t == '-')
		neg = *t++ == '-';
	if (e - t > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o' || t[1] == 'b')) {
		base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
		if (t != s) {
			toml_fail(P, s, "a %s integer cannot have a sign",
			          base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary");
			return NULL;
		}
		t += 2;
	}
	if (!digits_ok(t, (size_t)(e - t), base)) {
		toml_fail(P, s, "invalid number '%.*s'", (int)n, s);
		return NULL;
	}
	if (base == 10 && t[0] == '0' && e - t > 1) {
		toml_fail(P, s, "leading zeros are not allowed: '%.*s'", (int)n, s);
		return NULL;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; t < e; t++) {
		unsigned d;

		if (*t == '_')
			continue;
		d = isdig(*t) ? (unsigned)(*t - '0') : (unsigned)((*t | 0x20) - 'a' + 10);
		if (v > (lim - d) / (unsigned)base) {
			toml_fail(P, s, "integer out of the 64-bit range: '%.*s'", (int)n, s);
			return NULL;
		}
		v = v * (unsigned)base + d;
	}
	return json_object_new_int64(neg ? (int64_t)(0 - v) : (int64_t)v);
}

/* A double that prints in its shortest round-trip form, and as a float
 * (1.0, not 1). */
static json_object *
toml_double(double d)
{
	char text[40];

	if (!isfinite(d))
		return json_object_new_double(d);
	if (d == 0)
		return json_object_new_double_s(d, signbit(d) ? "-0.0" : "0.0");
	canon_number(d, text, sizeof text - 2);
	if (!strpbrk(text, ".e"))
		strcat(text, ".0");
	return json_object_new_double_s(d, text);
}

static json_object *
floating(struct toml_parser *P, const char *s, size_t n)
{
	const char *t = s, *e = s + n, *dot, *exp;
	char clean[128], *end;
	size_t k = 0;
	double d;

	if (*t == '+' || *t == '-')
		t++;
	if (e - t == 3 && (memcmp(t, "inf", 3) == 0 || memcmp(t, "nan", 3) == 0))
		return toml_double(t[0] == 'i' ? (*s == '-' ? -INFINITY : INFINITY)
		                               : (*s == '-' ? -NAN : NAN));
	exp = memchr(t, 'e', (size_t)(e - t));
	if (!exp)
		exp = memchr(t, 'E', (size_t)(e - t));
	dot = memchr(t, '.', (size_t)((exp ? exp : e) - t));
	/* integer part as a decimal integer; a fraction; an exponent with
	 * an optional sign and leading zeros allowed */
	if (!digits_ok(t, (size_t)((dot ? dot : exp ? exp : e) - t), 10) ||
	    (t[0] == '0' && (dot ? dot : exp ? exp : e) - t > 1) ||
	    (dot && !digits_ok(dot + 1, (size_t)((exp ? exp : e) - dot - 1), 10)) ||
	    (exp && !digits_ok(exp + 1 + (exp + 1 < e && (exp[1] == '+' || exp[1] == '-')),
	                       (size_t)(e - exp - 1 - (exp + 1 < e && (exp[1] == '+' || exp[1] == '-'))), 10)) ||
	    n >= sizeof clean) {
		toml_fail(P, s, "invalid number '%.*s'", (int)n, s);
		return NULL;
	}
	for (t = s; t < e; t++)
		if (*t != '_')
			clean[k++] = *t;
	clean[k] = '\0';
	errno = 0;
	d = strtod(clean, &end);
	if (errno == ERANGE && isinf(d)) {
		toml_fail(P, s, "float out of range: '%.*s'", (int)n, s);
		return NULL;
	}
	return toml_double(d);
}

static int
num2(const char *s, int lo, int hi)
{
	int v;

	if (!isdig(s[0]) || !isdig(s[1]))
		return -1;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	return v >= lo && v <= hi ? v : -1;
}

/* HH:MM:SS(.frac)? at s, within e: its length, or 0. */
static size_t
time_len(const char *s, const char *e)
{
	const char *t = s + 8;

	if (e - s < 8 || num2(s, 0, 23) < 0 || s[2] != ':' || num2(s + 3, 0, 59) < 0 ||
	    s[5] != ':' || num2(s + 6, 0, 60) < 0)
		return 0;
	if (t < e && *t == '.') {
		if (t + 1 >= e || !isdig(t[1]))
			return 0;
		for (t++; t < e && isdig(*t); t++)
			;
	}
	return (size_t)(t - s);
}

/* YYYY-MM-DD at s with a real day of the month. */
static int
date_ok(const char *s, const char *e)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, i;

	if (e - s < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (y = 0, i = 0; i < 4; i++) {
		if (!isdig(s[i]))
			return 0;
		y = y * 10 + s[i] - '0';
	}
	if ((m = num2(s + 5, 1, 12)) < 0 || (d = num2(s + 8, 1, 31)) < 0 || d > mdays[m - 1])
		return 0;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

/* An offset date-time, a local date-time, a local date or a local time:
 * the whole of s[0..n) must be one.  Kept as its text. */
static json_object *
datetime(struct toml_parser *P, const char *s, size_t n)
{
	const char *e = s + n, *t = s;
	size_t k;

	if (date_ok(s, e)) {
		t = s + 10;
		if (t < e && (*t == 'T' || *t == 't' || *t == ' ')) {
			if (!(k = time_len(t + 1, e)))
				goto bad;
			t += 1 + k;
			if (t < e && (*t == 'Z' || *t == 'z'))
				t++;
			else if (t < e && (*t == '+' || *t == '-')) {
				if (e - t < 6 || num2(t + 1, 0, 23) < 0 || t[3] != ':' || num2(t + 4, 0, 59) < 0)
					goto bad;
				t += 6;
			}
		}
	} else if ((k = time_len(s, e))) {
		t = s + k;
	}
	if (t == e)
		return json_object_new_string_len(s, (int)n);
bad:
	toml_fail(P, s, "invalid date or time '%.*s'", (int)n, s);
	return NULL;
}

static int
token_char(char c)
{
	return isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '+' || c == '-' || c == '.' || c == ':';
}

/* A bare value: a boolean, a number, a date or a time. */
static json_object *
toml_bare_value(struct toml_parser *P)
{
	const char *s = P->p, *e = s;
	size_t n;
	char b[32];

	while (e < P->end && token_char(*e))
		e++;
	/* a date, a space and a time are one value */
	if (e - s == 10 && date_ok(s, e) && e + 1 < P->end && *e == ' ' &&
	    time_len(e + 1, P->end)) {
		for (e++; e < P->end && token_char(*e); e++)
			;
	}
	n = (size_t)(e - s);
	if (n == 0) {
		toml_fail(P, s, "expected a value, found %s", toml_what(P, s, b));
		return NULL;
	}
	P->p = e;
	if (n == 4 && memcmp(s, "true", 4) == 0)
		return json_object_new_boolean(1);
	if (n == 5 && memcmp(s, "false", 5) == 0)
		return json_object_new_boolean(0);
	if ((n >= 10 && s[4] == '-' && isdig(s[0])) || (n >= 8 && s[2] == ':' && isdig(s[0])))
		return datetime(P, s, n);
	if (!isdig(*s) && *s != '+' && *s != '-' && *s != 'i' && *s != 'n') {
		toml_fail(P, s, "expected a value, found '%.*s'", (int)n, s);
		return NULL;
	}
	if ((memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n) ||
	     (n >= 3 && (memcmp(e - 3, "inf", 3) == 0 || memcmp(e - 3, "nan", 3) == 0))) &&
	    !(n > 2 && s[0] == '0' && s[1] == 'x'))
		return floating(P, s, n);
	return integer(P, s, n);
}

/* ---- values, keys, tables and the document ----
 *
 * While parsing, every table and array carries its kind in json-c's
 * userdata (cleared before the tree is returned):
 *   IMPLICIT  made as the parent of a header's table ([a.b] makes a);
 *             a later [a] defines it, dotted keys may still add to it
 *   HEADER    defined by [header] or an element of [[array]]: defined once
 *   DOTTED    made by dotted keys (a.b = 1 makes a) in one section (one
 *             header's body, or one inline table); only more dotted keys
 *             of that section add to it, a header may add sub-tables
 *   INLINE    an inline table: complete, nothing adds to it
 *   AOT       an array made by [[header]]s; other arrays (0) are values
 */
enum { K_VALUE, K_IMPLICIT, K_HEADER, K_DOTTED, K_INLINE, K_AOT };

struct key {
	char *seg[TOML_MAX_DEPTH];
	size_t n;
	const char *at;
};

static unsigned
kind(json_object *o)
{
	return (unsigned)((uintptr_t)json_object_get_userdata(o) & 7);
}

static unsigned
section_of(json_object *o)
{
	return (unsigned)((uintptr_t)json_object_get_userdata(o) >> 3);
}

static void
mark(json_object *o, unsigned k, unsigned section)
{
	json_object_set_userdata(o, (void *)(((uintptr_t)section << 3) | k), NULL);
}

static json_object *
new_table(unsigned k, unsigned section)
{
	json_object *t = json_object_new_object();

	mark(t, k, section);
	return t;
}

static void
key_free(struct key *k)
{
	while (k->n > 0)
		free(k->seg[--k->n]);
}

/* The first upto parts of k joined by dots, for messages. */
static const char *
key_name(const struct key *k, size_t upto, char *out, size_t outlen)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < upto && len < outlen; i++) {
		int w = snprintf(out + len, outlen - len, "%s%s", i ? "." : "", k->seg[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return out;
}

static int
bare_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A key (bare, quoted, dotted) at P->p, white space after it skipped. */
static int
parse_key(struct toml_parser *P, struct key *k)
{
	char b[32];

	k->n = 0;
	k->at = P->p;
	for (;;) {
		const char *s = P->p;

		if (k->n == TOML_MAX_DEPTH)
			return toml_fail(P, s, "a key of more than %d parts", TOML_MAX_DEPTH);
		if (s < P->end && (*s == '"' || *s == '\'')) {
			if (toml_string(P, 0, &P->sbuf) < 0)
				return -1;
			if (memchr(P->sbuf.data, '\0', P->sbuf.len))
				return toml_fail(P, s, "a key with a NUL character is not supported");
			k->seg[k->n++] = estrndup(P->sbuf.data, P->sbuf.len);
		} else {
			while (P->p < P->end && bare_char(*P->p))
				P->p++;
			if (P->p == s)
				return toml_fail(P, s, "expected a key, found %s", toml_what(P, s, b));
			k->seg[k->n++] = estrndup(s, (size_t)(P->p - s));
		}
		toml_skip_ws(P);
		if (P->p >= P->end || *P->p != '.')
			return 0;
		P->p++;
		toml_skip_ws(P);
	}
}

/* Key part k->seg[i] (not the last) inside t: the table it names, made
 * when missing.  For a dotted key (depth NULL) that is a table of the
 * current section's dotted keys; for a header any table but an inline
 * one, or the last table of an array of tables (one level more, counted
 * in *depth).  NULL when it is none of those. */
static json_object *
step(struct toml_parser *P, json_object *t, const struct key *k, size_t i, int *depth)
{
	char name[256];
	json_object *c;

	if (!json_object_object_get_ex(t, k->seg[i], &c)) {
		c = new_table(depth ? K_IMPLICIT : K_DOTTED, depth ? 0 : P->section);
		json_object_object_add_ex(t, k->seg[i], c, JSON_C_OBJECT_ADD_KEY_IS_NEW);
		return c;
	}
	key_name(k, i + 1, name, sizeof name);
	if (depth && json_object_is_type(c, json_type_array) && kind(c) == K_AOT) {
		++*depth;
		return json_object_array_get_idx(c, json_object_array_length(c) - 1);
	}
	if (!json_object_is_type(c, json_type_object)) {
		toml_fail(P, k->at, "key '%s' is %s already, not a table", name, toml_type_name(c));
	} else if (depth && kind(c) == K_INLINE) {
		toml_fail(P, k->at, "'%s' is an inline table: nothing can be added to it", name);
	} else if (depth || (kind(c) == K_DOTTED && section_of(c) == P->section)) {
		return c;
	} else if (kind(c) == K_IMPLICIT) {
		mark(c, K_DOTTED, P->section);
		return c;
	} else {
		toml_fail(P, k->at, "table '%s' is defined already: dotted keys cannot add to it", name);
	}
	return NULL;
}

/* Put v at key k in table t, dotted parts making or entering tables of
 * the current section.  Takes v, also on failure. */
static int
assign(struct toml_parser *P, json_object *t, const struct key *k, json_object *v)
{
	char name[256];
	size_t i;

	for (i = 0; i + 1 < k->n && t; i++)
		t = step(P, t, k, i, NULL);
	if (t && json_object_object_get_ex(t, k->seg[i], NULL)) {
		toml_fail(P, k->at, "duplicate key '%s'", key_name(k, k->n, name, sizeof name));
	} else if (t) {
		json_object_object_add_ex(t, k->seg[i], v, JSON_C_OBJECT_ADD_KEY_IS_NEW);
		return 0;
	}
	json_object_put(v);
	return -1;
}

/* A value at P->p, nested depth deep: a new reference, or NULL. */
static json_object *toml_value(struct toml_parser *P, int depth);

/* key = value, into table t; nested depth deep. */
static int
key_value(struct toml_parser *P, json_object *t, int depth)
{
	struct key k;
	json_object *v;
	char b[32];
	int rc = -1;

	if (parse_key(P, &k) < 0)
		goto out;
	if (P->p >= P->end || *P->p != '=') {
		toml_fail(P, P->p, "expected '=' after a key, found %s", toml_what(P, P->p, b));
		goto out;
	}
	P->p++;
	toml_skip_ws(P);
	if ((v = toml_value(P, depth + (int)k.n)))
		rc = assign(P, t, &k, v);
out:
	key_free(&k);
	return rc;
}

/* ---- arrays and values ---- */

static json_object *
array(struct toml_parser *P, int depth)
{
	json_object *a = json_object_new_array(), *v;
	char b[32];

	P->p++;
	for (;;) {
		if (toml_skip_ws_nl(P) < 0)
			break;
		if (P->p < P->end && *P->p == ']') {
			P->p++;
			return a;
		}
		if (!(v = toml_value(P, depth + 1)))
			break;
		json_object_array_add(a, v);
		if (toml_skip_ws_nl(P) < 0)
			break;
		/* a ']' ends the array at the top of the loop */
		if (P->p < P->end && *P->p == ',')
			P->p++;
		else if (P->p >= P->end || *P->p != ']') {
			toml_fail(P, P->p, "expected ',' or ']' in an array, found %s",
			          toml_what(P, P->p, b));
			break;
		}
	}
	json_object_put(a);
	return NULL;
}

static json_object *
toml_inline_table(struct toml_parser *P, int depth)
{
	json_object *t = new_table(K_VALUE, 0);
	unsigned saved = P->section;
	char b[32];

	P->section = ++P->nsections;
	P->p++;
	toml_skip_ws(P);
	if (P->p < P->end && *P->p == '}')
		goto done;
	for (;;) {
		if (key_value(P, t, depth) < 0)
			goto fail;
		toml_skip_ws(P);
		if (P->p < P->end && *P->p == '}')
			break;
		if (P->p < P->end && *P->p == ',') {
			const char *comma = P->p++;

			toml_skip_ws(P);
			if (P->p < P->end && *P->p == '}') {
				toml_fail(P, comma, "a comma before '}' is not allowed in an inline table");
				goto fail;
			}
			continue;
		}
		if (P->p < P->end && (toml_is_newline(P, P->p) || *P->p == '#'))
			toml_fail(P, P->p, "an inline table must end on its line: expected '}'");
		else
			toml_fail(P, P->p, "expected ',' or '}' in an inline table, found %s",
			          toml_what(P, P->p, b));
		goto fail;
	}
done:
	P->p++;
	P->section = saved;
	mark(t, K_INLINE, 0);
	return t;
fail:
	P->section = saved;
	json_object_put(t);
	return NULL;
}

static json_object *
toml_value(struct toml_parser *P, int depth)
{
	const char *at = P->p;
	unsigned pos[2] = {0, 0};
	json_object *v;

	toml_pos(P, at, pos);
	if (depth > TOML_MAX_DEPTH) {
		toml_fail(P, at, "nested deeper than %d levels", TOML_MAX_DEPTH);
		return NULL;
	}
	if (at >= P->end || toml_is_newline(P, at) || *at == '#') {
		char b[32];

		toml_fail(P, at, "expected a value, found %s",
		          at < P->end && *at == '#' ? "a comment" : toml_what(P, at, b));
		return NULL;
	}
	switch (*at) {
	case '"':
	case '\'':
		v = toml_string(P, 1, &P->sbuf) < 0 ? NULL
		  : json_object_new_string_len(P->sbuf.data, (int)P->sbuf.len);
		break;
	case '[':
		v = array(P, depth);
		break;
	case '{':
		v = toml_inline_table(P, depth);
		break;
	default:
		v = toml_bare_value(P);
	}
	toml_mark_where(P, v, pos);
	return v;
}

/* The table [k] defines, or that [[k]] appends, and in *depth the
 * tables and arrays it is nested in below the root, itself counted. */
static json_object *
header_table(struct toml_parser *P, const struct key *k, int aot, int *depth)
{
	static const char *why[] = {
		[K_HEADER] = "defined twice",
		[K_DOTTED] = "defined by dotted keys already",
		[K_INLINE] = "an inline table already",
	};
	char name[256];
	json_object *t = P->root, *c;
	size_t i;

	*depth = (int)k->n + aot;
	for (i = 0; i + 1 < k->n; i++)
		if (!(t = step(P, t, k, i, depth)))
			return NULL;
	if (*depth > TOML_MAX_DEPTH) {
		toml_fail(P, k->at, "nested deeper than %d levels", TOML_MAX_DEPTH);
		return NULL;
	}
	key_name(k, k->n, name, sizeof name);
	if (!json_object_object_get_ex(t, k->seg[i], &c)) {
		c = aot ? json_object_new_array() : new_table(K_HEADER, 0);
		if (aot)
			mark(c, K_AOT, 0);
		json_object_object_add_ex(t, k->seg[i], c, JSON_C_OBJECT_ADD_KEY_IS_NEW);
	} else if (!aot && json_object_is_type(c, json_type_object)) {
		if (kind(c) != K_IMPLICIT) {
			toml_fail(P, k->at, "table [%s] is %s", name,
			          why[kind(c)] ? why[kind(c)] : "defined already");
			return NULL;
		}
		mark(c, K_HEADER, 0);
	} else if (aot && json_object_is_type(c, json_type_array) && kind(c) == K_AOT) {
		/* another element */
	} else if (json_object_is_type(c, json_type_array) && kind(c) != K_AOT) {
		toml_fail(P, k->at, "'%s' is an array value: [%s%s%s] cannot add to it", name,
		          aot ? "[" : "", name, aot ? "]" : "");
		return NULL;
	} else {
		toml_fail(P, k->at, "'%s' is %s already, not %s", name,
		          kind(c) == K_AOT ? "an array of tables" : toml_type_name(c),
		          aot ? "an array of tables" : "a table");
		return NULL;
	}
	if (aot) {
		json_object *e = new_table(K_HEADER, 0);

		json_object_array_add(c, e);
		c = e;
	}
	return c;
}

/* [table] or [[array of tables]]: it becomes the current table. */
static int
header(struct toml_parser *P)
{
	const char *at = P->p;
	int aot = P->end - P->p >= 2 && P->p[1] == '[';
	unsigned pos[2] = {0, 0};
	struct key k;
	json_object *t = NULL;
	char b[32];
	int depth;

	toml_pos(P, at, pos);
	P->p += aot ? 2 : 1;
	toml_skip_ws(P);
	if (parse_key(P, &k) < 0)
		goto out;
	if (P->p >= P->end || *P->p != ']' || (aot && (P->p + 1 >= P->end || P->p[1] != ']'))) {
		toml_fail(P, P->p, "expected '%s' after a table name, found %s", aot ? "]]" : "]",
		          toml_what(P, P->p, b));
		goto out;
	}
	P->p += aot ? 2 : 1;
	if ((t = header_table(P, &k, aot, &depth))) {
		P->cur = t;
		P->cur_depth = depth;
		P->section = ++P->nsections;
		toml_mark_where(P, t, pos);
	}
out:
	key_free(&k);
	return t ? 0 : -1;
}

/* The kinds were for parsing only: json-c copies no userdata it does not
 * know (json_object_deep_copy fails on it).  A float's userdata is its
 * text (json_object_new_double_s): kept.  For json_any, which it never
 * stops. */
static int
clear_kind(json_object *v, void *arg)
{
	(void)arg;
	if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
		json_object_set_userdata(v, NULL, NULL);
	return 0;
}

static int
line(struct toml_parser *P)
{
	char b[32];
	int rc;

	if ((rc = line_end(P)) != 0)
		return rc < 0 ? -1 : 0;
	if ((*P->p == '[' ? header(P) : key_value(P, P->cur, P->cur_depth)) < 0)
		return -1;
	if ((rc = line_end(P)) != 0)
		return rc < 0 ? -1 : 0;
	return toml_fail(P, P->p, "expected the end of the line, found %s", toml_what(P, P->p, b));
}

json_object *
toml_parse(const char *text, size_t len, const char *name, struct toml_where **where,
           char *err, size_t errlen)
{
	struct toml_parser P = {
		.s = text, .end = text + len, .p = text, .name = name, .err = err, .errlen = errlen,
		.lc_p = text, .lc_line = 1, .lc_col = 1,
	};

	if (where)
		*where = P.where = ecalloc(1, sizeof **where);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		P.p = P.lc_p = text + 3;
	P.root = P.cur = new_table(K_HEADER, 0);
	while (P.p < P.end)
		if (line(&P) < 0)
			break;
	buf_free(&P.sbuf);
	if (P.failed) {
		json_object_put(P.root);
		if (where) {
			toml_where_free(*where);
			*where = NULL;
		}
		return NULL;
	}
	json_any(P.root, clear_kind, NULL);
	return P.root;
}
