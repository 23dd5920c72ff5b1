#include <stdint.h>
#include <string.h>

#include "json/jscan.h"

struct scan {
	const char *end;
	jscan_fn fn;
	void *arg;
};

static const char *value(struct scan *sc, const char *p, int depth);

const char *
jscan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Past the bytes from p on that are plain string content, eight at a time:
 * a word goes by when none of its bytes is '"', '\\' or below 0x20 (the
 * tests of "Bit Twiddling Hacks": exact about whether there is one). */
static const char *
plain(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t x, q, b;

		memcpy(&x, p, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & high)
			break;
		p += 8;
	}
	return p;
}

const char *
jscan_string(const char *p, const char *end, int *escaped)
{
	*escaped = 0;
	for (p++; (p = plain(p, end)) < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		*escaped = 1;
		if (++p == end)
			return NULL;
		if (*p == 'u') {
			if (end - p < 5 || hex(p[1]) < 0 || hex(p[2]) < 0 || hex(p[3]) < 0 || hex(p[4]) < 0)
				return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return NULL;
}

static const char *
digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
const char *
jscan_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		p = digits(p, end);
	}
	return p;
}

const char *
jscan_literal(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* The members or elements of the object or array opening at p. */
static const char *
container(struct scan *sc, const char *p, int depth)
{
	char close = *p == '{' ? '}' : ']';
	int escaped;

	if (depth > JSCAN_DEPTH)
		return NULL;
	p = jscan_ws(p + 1, sc->end);
	if (p < sc->end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p == sc->end || *p != '"' || !(p = jscan_string(p, sc->end, &escaped)))
				return NULL;
			p = jscan_ws(p, sc->end);
			if (p == sc->end || *p != ':')
				return NULL;
			p = jscan_ws(p + 1, sc->end);
		}
		if (!(p = value(sc, p, depth + 1)))
			return NULL;
		p = jscan_ws(p, sc->end);
		if (p == sc->end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = jscan_ws(p + 1, sc->end);
	}
}

static const char *
value(struct scan *sc, const char *p, int depth)
{
	const char *q;
	int escaped;

	if (p == sc->end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return container(sc, p, depth);
	case '"':
		if (!(q = jscan_string(p, sc->end, &escaped)))
			return NULL;
		return sc->fn(sc->arg, p + 1, (size_t)(q - p - 2), escaped) ? NULL : q;
	case 't':
		return jscan_literal(p, sc->end, "true");
	case 'f':
		return jscan_literal(p, sc->end, "false");
	case 'n':
		return jscan_literal(p, sc->end, "null");
	default:
		return jscan_number(p, sc->end);
	}
}

int
jscan_object(const char *s, size_t n, jscan_fn fn, void *arg)
{
	struct scan sc = {.end = s + n, .fn = fn, .arg = arg};
	const char *p = jscan_ws(s, sc.end);

	if (p == sc.end || *p != '{' || !(p = container(&sc, p, 1)))
		return 0;
	return jscan_ws(p, sc.end) == sc.end;
}

static void
utf8(struct buf *out, unsigned long c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	buf_add(out, u, n);
}

static unsigned long
hex4(const char *p)
{
	return (unsigned long)(hex(p[0]) << 12 | hex(p[1]) << 8 | hex(p[2]) << 4 | hex(p[3]));
}

int
jscan_decode(const char *raw, size_t len, struct buf *out)
{
	const char *p = raw, *end = raw + len;

	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		unsigned long c;

		if (!bs) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(bs - p));
		p = bs + 1;
		switch (*p) {
		case 'b': buf_add(out, "\b", 1); break;
		case 'f': buf_add(out, "\f", 1); break;
		case 'n': buf_add(out, "\n", 1); break;
		case 'r': buf_add(out, "\r", 1); break;
		case 't': buf_add(out, "\t", 1); break;
		case 'u':
			c = hex4(p + 1);
			p += 4;
			if (c >= 0xdc00 && c < 0xe000)
				return -1;
			if (c >= 0xd800 && c < 0xdc00) {
				unsigned long lo;

				if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
				    (lo = hex4(p + 3)) < 0xdc00 || lo >= 0xe000)
					return -1;
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			utf8(out, c);
			break;
		default:	/* " \ / */
			buf_add(out, p, 1);
		}
		p++;
	}
	return 0;
}
