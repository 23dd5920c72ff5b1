#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/canon.h"

/* The p significant digits of x (finite, > 0) correctly rounded, into
 * dig[0..p); returns n with x ~ 0.DIG x 10^n. */
static int
rounded(double x, int p, char *dig)
{
	char tmp[40], *s;
	int k = 0;

	snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
	for (s = tmp; *s != 'e'; s++)
		if (*s != '.')
			dig[k++] = *s;
	return atoi(s + 1) + 1;
}

/* Does 0.DIG x 10^n, DIG being dig[0..k), read back as x? */
static int
reads_back(const char *dig, int k, int n, double x)
{
	char tmp[48];

	snprintf(tmp, sizeof tmp, "0.%.*se%d", k, dig, n);
	return strtod(tmp, NULL) == x;
}

/* dig[0..k) one unit in the last place higher; the exponent *n moves on
 * a carry out of the first digit (9.99 -> 10.0). */
static void
bump(char *dig, int k, int *n)
{
	int i = k - 1;

	while (i >= 0 && dig[i] == '9')
		dig[i--] = '0';
	if (i >= 0) {
		dig[i]++;
	} else {
		dig[0] = '1';
		(*n)++;
	}
}

/* The digits ECMAScript's Number::toString picks for x (finite, > 0): the
 * fewest that read back as x and, of those, the nearest to x.  Fills
 * dig[0..k) without trailing zeros and returns k; *np as rounded().
 *
 * A normal double is told apart from its neighbours by 17 digits and
 * every decimal of 15 digits or fewer names one double only (DBL_DIG), so
 * when some answer has at most 15 digits, x rounded to 15 digits is that
 * answer with zeros after it; the search starts there.  A subnormal has
 * fewer digits of precision and is searched from one digit.  A power of
 * two has a neighbour below twice as close as the one above: the nearest
 * p-digit decimal may fall outside its interval below while the next
 * p-digit decimal up is inside it, and is then the answer. */
static int
shortest(double x, char dig[20], int *np)
{
	uint64_t bits;
	int p, n, pow2;

	memcpy(&bits, &x, sizeof bits);
	pow2 = x >= DBL_MIN && (bits & ((UINT64_C(1) << 52) - 1)) == 0;
	for (p = x >= DBL_MIN ? DBL_DIG : 1; p < 17; p++) {
		n = rounded(x, p, dig);
		if (reads_back(dig, p, n, x))
			break;
		if (pow2) {
			bump(dig, p, &n);
			if (reads_back(dig, p, n, x))
				break;
		}
	}
	if (p == 17)
		n = rounded(x, 17, dig);
	while (p > 1 && dig[p - 1] == '0')
		p--;
	*np = n;
	return p;
}

void
canon_number(double d, char *out, size_t outlen)
{
	char digits[20];
	int k, n, i = 0;

	if (d == 0) {
		snprintf(out, outlen, "0");	/* -0 too */
		return;
	}
	if (d < 0)
		out[i++] = '-';
	k = shortest(fabs(d), digits, &n);
	digits[k] = '\0';
	/* ECMA-262 Number::toString, steps for k digits and exponent n */
	if (k <= n && n <= 21) {
		snprintf(out + i, outlen - (size_t)i, "%s%.*s", digits, n - k,
		         "000000000000000000000");
	} else if (0 < n && n <= 21) {
		snprintf(out + i, outlen - (size_t)i, "%.*s.%s", n, digits, digits + n);
	} else if (-6 < n && n <= 0) {
		snprintf(out + i, outlen - (size_t)i, "0.%.*s%s", -n, "000000", digits);
	} else {
		int x = n - 1;

		if (k == 1)
			snprintf(out + i, outlen - (size_t)i, "%se%c%d", digits, x < 0 ? '-' : '+',
			         abs(x));
		else
			snprintf(out + i, outlen - (size_t)i, "%c.%se%c%d", digits[0], digits + 1,
			         x < 0 ? '-' : '+', abs(x));
	}
}

/* An object member, for sorting. */
struct member {
	const char *key;
	size_t len;
	json_object *val;
};

/* Member names in the order of their UTF-16 code units.  UTF-8 bytes
 * compare as code points do, and code points as UTF-16 units do but in one
 * case: U+10000 and up (lead bytes F0-F4) are surrogate pairs D800-DBFF in
 * UTF-16 and go before U+E000-U+FFFF (lead bytes EE and EF).  Bytes that
 * are not UTF-8 compare as bytes. */
static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	const unsigned char *s = (const unsigned char *)x->key, *t = (const unsigned char *)y->key;
	size_t n = x->len < y->len ? x->len : y->len, i = 0;

	while (i < n && s[i] == t[i])
		i++;
	if (i == n)
		return x->len < y->len ? -1 : x->len > y->len;
	if (s[i] >= 0xee && t[i] >= 0xee && (s[i] >= 0xf0) != (t[i] >= 0xf0))
		return s[i] >= 0xf0 ? -1 : 1;
	return s[i] < t[i] ? -1 : 1;
}

static int
canon_object(json_object *v, struct buf *out, char *err, size_t errlen)
{
	struct member small[16], *m = small;
	size_t i = 0, n = (size_t)json_object_object_length(v);
	int rc = 0;

	if (n > sizeof small / sizeof *small)
		m = emalloc(n * sizeof *m);
	json_object_object_foreach(v, key, val) {
		m[i].key = key;
		m[i].len = strlen(key);
		m[i++].val = val;
	}
	qsort(m, n, sizeof *m, member_cmp);
	buf_add(out, "{", 1);
	for (i = 0; i < n && rc == 0; i++) {
		if (i)
			buf_add(out, ",", 1);
		json_quote(out, m[i].key, m[i].len);
		buf_add(out, ":", 1);
		rc = canon_json(m[i].val, out, err, errlen);
	}
	buf_add(out, "}", 1);
	if (m != small)
		free(m);
	return rc;
}

/* JSON numbers are IEEE doubles to JCS: an integer json-c holds in 64
 * bits is written as the double it denotes, which for one beyond 2^53 is
 * the nearest double (9007199254740993 -> 9007199254740992). */
static void
canon_int(json_object *v, struct buf *out)
{
	int64_t iv = json_object_get_int64(v);
	char num[40];

	if (iv > -(INT64_C(1) << 53) && iv < (INT64_C(1) << 53)) {
		json_int(out, iv);
		return;
	}
	/* json-c gives INT64_MAX for a value held as uint64 above it */
	canon_number(iv == INT64_MAX ? (double)json_object_get_uint64(v) : (double)iv, num,
	             sizeof num);
	buf_adds(out, num);
}

int
canon_json(json_object *v, struct buf *out, char *err, size_t errlen)
{
	char num[40];
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_add(out, "null", 4);
		return 0;
	case json_type_boolean:
		buf_adds(out, json_object_get_boolean(v) ? "true" : "false");
		return 0;
	case json_type_int:
		canon_int(v, out);
		return 0;
	case json_type_double: {
		double d = json_object_get_double(v);

		if (!isfinite(d)) {
			snprintf(err, errlen, "number %g cannot be canonicalized", d);
			return -1;
		}
		canon_number(d, num, sizeof num);
		buf_adds(out, num);
		return 0;
	}
	case json_type_string:
		json_quote(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		return 0;
	case json_type_array:
		buf_add(out, "[", 1);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i)
				buf_add(out, ",", 1);
			if (canon_json(json_object_array_get_idx(v, i), out, err, errlen) < 0)
				return -1;
		}
		buf_add(out, "]", 1);
		return 0;
	case json_type_object:
		return canon_object(v, out, err, errlen);
	}
	snprintf(err, errlen, "unknown JSON type");
	return -1;
}
