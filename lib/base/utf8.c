#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

/* How many bytes from p (before end) follow one UTF-8 sequence, and in
 * *need how many the whole sequence takes: a return below *need is the
 * "maximal subpart" of Unicode's chapter 3 (0 when *p cannot start one). */
static size_t
seq_prefix(const unsigned char *s, const unsigned char *end, size_t *need)
{
	unsigned char lo = 0x80, hi = 0xbf;	/* the second byte's range */
	size_t n, i;

	if (s[0] < 0x80)
		return *need = 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return *need = 1, 0;
	*need = n;
	/* the second byte alone tells an overlong form, a surrogate and a
	 * code point past U+10FFFF (RFC 3629's table) */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (end - s < 2 || s[1] < lo || s[1] > hi)
		return 1;
	for (i = 2; i < n && s + i < end; i++)
		if ((s[i] & 0xc0) != 0x80)
			break;
	return i;
}

size_t
utf8_char_len(const char *p, const char *end)
{
	size_t need, k = seq_prefix((const unsigned char *)p, (const unsigned char *)end, &need);

	return k == need ? k : 0;
}

size_t
utf8_bad_len(const char *p, const char *end)
{
	size_t need, k = seq_prefix((const unsigned char *)p, (const unsigned char *)end, &need);

	return k ? k : 1;
}

size_t
utf8_partial_tail(const char *s, size_t n)
{
	size_t i, k, need;

	/* the last lead byte among the last three: a tail of four or more
	 * bytes is no beginning of a sequence */
	for (i = n; i > 0 && n - i < 3; i--) {
		unsigned char c = (unsigned char)s[i - 1];

		if ((c & 0xc0) == 0x80)
			continue;
		if (c < 0x80)
			return 0;
		k = seq_prefix((const unsigned char *)s + i - 1, (const unsigned char *)s + n, &need);
		return k == n - (i - 1) && k < need ? k : 0;
	}
	return 0;
}

size_t
utf8_invalid_at(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	size_t k;

	while (p < end) {
		uint64_t w;

		/* ASCII eight bytes at a time: most text is */
		if (end - p >= 8 && (memcpy(&w, p, 8), !(w & UINT64_C(0x8080808080808080)))) {
			p += 8;
			continue;
		}
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		if (!(k = utf8_char_len(p, end)))
			break;
		p += k;
	}
	return (size_t)(p - s);
}

size_t
utf8_mend(char *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	char *o = out;

	while (p < end) {
		size_t k = utf8_invalid_at(p, (size_t)(end - p));

		memcpy(o, p, k);
		o += k;
		p += k;
		if (p < end) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			p += utf8_bad_len(p, end);
		}
	}
	return (size_t)(o - out);
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* back up over continuation bytes so no character is split */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

size_t
utf8_encode(char u[4], unsigned long cp)
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (char)(0xf0 | cp >> 18);
	u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}
