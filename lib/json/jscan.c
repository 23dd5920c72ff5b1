#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/utf8.h"
#include "json/jscan.h"

/* The code unit of the four hex digits at p, or -1. */
static long
hex4(const char *p)
{
	long u = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		u = u << 4 | d;
	}
	return u;
}

/* Past the bytes from p on that are plain string content: not '"', not
 * '\\', not below 0x20, and with ascii not 0x80 or above either.  Sixteen
 * bytes at a time with SSE2; else eight, with the tests of "Bit Twiddling
 * Hacks" (exact about whether a word holds such a byte, not where). */
static inline const char *
plain(const char *p, const char *end, int ascii)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);
	const int high = ascii ? 0xffff : 0;

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
		                         _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
		int bits = _mm_movemask_epi8(m) | (_mm_movemask_epi8(x) & high);

		if (bits)
			return p + __builtin_ctz((unsigned)bits);
		p += 16;
	}
#else
	const uint64_t ones = 0x0101010101010101ULL, hi = 0x8080808080808080ULL;
	const uint64_t high = ascii ? hi : 0;

	while (end - p >= 8) {
		uint64_t x, q, b;

		memcpy(&x, p, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		if (((((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & hi) | (x & high))
			break;
		p += 8;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 &&
	       !(ascii && (unsigned char)*p >= 0x80))
		p++;
	return p;
}

static const char *
refuse(struct jscan_str *st, enum jscan_bad why, const char *at, unsigned long unit)
{
	st->bad = why;
	st->at = at;
	st->unit = unit;
	return NULL;
}

/* jscan_string, made twice by the compiler (strict() and ijson() below):
 * with ijson a constant, the strict scan carries none of I-JSON's tests,
 * nor the registers they need. */
__attribute__((always_inline)) static inline const char *
string(const char *p, const char *end, int ijson, struct jscan_str *st)
{
	long hi = -1;		/* JSCAN_IJSON: a high surrogate waiting for its low half */
	const char *hi_at = NULL;

	st->escaped = 0;
	st->shrink = 0;
	for (p++;;) {
		const char *q = plain(p, end, ijson);
		long u;
		size_t k;

		if (hi >= 0 && q > p)
			return refuse(st, JSCAN_LONE, hi_at, (unsigned long)hi);
		if ((p = q) == end)
			return refuse(st, JSCAN_UNCLOSED, p, 0);
		if (*p == '"') {
			if (hi >= 0)
				return refuse(st, JSCAN_LONE, hi_at, (unsigned long)hi);
			return p + 1;
		}
		if ((unsigned char)*p < 0x20)
			return refuse(st, JSCAN_CONTROL, p, 0);
		if (ijson && *p != '\\') {
			/* 0x80 or above: plain() stops there for I-JSON only */
			if (hi >= 0)
				return refuse(st, JSCAN_LONE, hi_at, (unsigned long)hi);
			if (!(k = utf8_char_len(p, end)))
				return refuse(st, JSCAN_UTF8, p, 0);
			p += k;
			continue;
		}
		st->escaped = 1;
		if (!ijson) {
			switch (end - p < 2 ? 0 : p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				st->shrink++;
				p += 2;
				continue;
			case 'u':
				if (end - p < 6 || (u = hex4(p + 2)) < 0)
					return refuse(st, JSCAN_ESCAPE, p, 0);
				st->shrink += u < 0x80 ? 5 : u < 0x800 || (u >= 0xd800 && u < 0xe000) ? 4 : 3;
				p += 6;
				continue;
			default:
				return refuse(st, JSCAN_ESCAPE, p, 0);
			}
		}
		/* I-JSON: surrogates in pairs; other escapes, good or bad, are
		 * json-c's to judge */
		u = end - p >= 6 && p[1] == 'u' ? hex4(p + 2) : -1;
		if (u >= 0xdc00 && u <= 0xdfff) {
			if (hi < 0)
				return refuse(st, JSCAN_LONE, p, (unsigned long)u);
			hi = -1;
		} else {
			if (hi >= 0)
				return refuse(st, JSCAN_LONE, hi_at, (unsigned long)hi);
			if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
				hi_at = p;
			}
		}
		p += u >= 0 ? 6 : end - p >= 2 ? 2 : 1;
	}
}

__attribute__((noinline)) static const char *
strict(const char *p, const char *end, struct jscan_str *st)
{
	return string(p, end, 0, st);
}

__attribute__((noinline)) static const char *
ijson(const char *p, const char *end, struct jscan_str *st)
{
	return string(p, end, 1, st);
}

const char *
jscan_string(const char *p, const char *end, int flags, struct jscan_str *st)
{
	return flags & JSCAN_IJSON ? ijson(p, end, st) : strict(p, end, st);
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
jscan_literal(const char *p, const char *end)
{
	size_t n = end - p >= 4 && memcmp(p, "true", 4) == 0 ? 4
	         : end - p >= 4 && memcmp(p, "null", 4) == 0 ? 4
	         : end - p >= 5 && memcmp(p, "false", 5) == 0 ? 5 : 0;

	return n ? p + n : NULL;
}

int
jscan_decode(const char *raw, size_t len, struct buf *out)
{
	const char *p = raw, *end = raw + len;
	char u[4];

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
			c = (unsigned long)hex4(p + 1);
			p += 4;
			if (c >= 0xdc00 && c < 0xe000)
				return -1;
			if (c >= 0xd800 && c < 0xdc00) {
				long lo;

				if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
				    (lo = hex4(p + 3)) < 0xdc00 || lo >= 0xe000)
					return -1;
				c = 0x10000 + ((c - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
				p += 6;
			}
			buf_add(out, u, utf8_encode(u, c));
			break;
		default:	/* " \ / */
			buf_add(out, p, 1);
		}
		p++;
	}
	return 0;
}

int
jscan_raw_pairs(const char *s, size_t n, struct buf *out)
{
	const char *p = s, *end = s + n, *copied = s;
	int any = 0;

	/* outside strings JSON has no backslash: from quote to quote */
	while ((p = memchr(p, '"', (size_t)(end - p)))) {
		for (p++;;) {
			long hi, lo;
			char u[4];

			p = plain(p, end, 0);
			if (p == end || *p == '"')
				break;
			if (*p != '\\') {
				p++;	/* a control character: json-c's to refuse */
				continue;
			}
			if (end - p >= 12 && p[1] == 'u' && (hi = hex4(p + 2)) >= 0xd800 &&
			    hi <= 0xdbff && p[6] == '\\' && p[7] == 'u' &&
			    (lo = hex4(p + 8)) >= 0xdc00 && lo <= 0xdfff) {
				buf_add(out, copied, (size_t)(p - copied));
				buf_add(out, u, utf8_encode(u, 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
				                                   ((unsigned long)lo - 0xdc00)));
				copied = p += 12;
				any = 1;
				continue;
			}
			p += end - p >= 2 ? 2 : 1;
		}
		if (p == end)
			break;
		p++;
	}
	if (any)
		buf_add(out, copied, (size_t)(end - copied));
	return any;
}
