/* schema_format: the formats "format" can assert (SCHEMA_FORMAT):
 * date-time (RFC 3339), email (RFC 5321's dot-atom@domain, no quoted or
 * bracketed parts), uri (RFC 3986, absolute) and uuid (RFC 4122's
 * 8-4-4-4-12 hex digits).  Any other format is an annotation. */
#include <ctype.h>
#include <string.h>

#include "json/schema.h"

/* n digits at s: their value, or -1 */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* full-date "T" full-time, with the ranges of RFC 3339 section 5.7 */
static int
date_time_ok(const char *s, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec;
	size_t i;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60)
		return 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return 0;
	i = 19;
	if (s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			;
		if (i == 20)
			return 0;
	}
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
		return 1;
	if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return 0;
	h = digits(s + i + 1, 2), mi = digits(s + i + 4, 2);
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59;
}

static int
atext(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

static int
email_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t i, local;

	if (!at)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++)
		if (!(atext((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	/* the domain: labels of letters, digits and hyphens, not at their ends */
	if (local + 1 == len)
		return 0;
	for (i = local + 1; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		int start = i == local + 1 || s[i - 1] == '.', end = i + 1 == len || s[i + 1] == '.';

		if (ch == '.' ? start || end : !(isalnum(ch) || (ch == '-' && !start && !end)))
			return 0;
	}
	return 1;
}

static int
uri_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len && s[i] != ':'; i++)
		if (!isalnum((unsigned char)s[i]) && !(s[i] && strchr("+-.", s[i])))
			return 0;
	if (i == len)
		return 0;
	for (i++; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '%') {
			if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return 0;
			i += 2;
		} else if (!isalnum(ch) && !(ch && strchr("-._~:/?#[]@!$&'()*+,;=", ch))) {
			return 0;
		}
	}
	return 1;
}

static int
uuid_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return 0;
	for (i = 0; i < len; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
		                                            : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
schema_format_ok(const char *name, const char *s, size_t len)
{
	if (!strcmp(name, "date-time"))
		return date_time_ok(s, len);
	if (!strcmp(name, "email"))
		return email_ok(s, len);
	if (!strcmp(name, "uri"))
		return uri_ok(s, len);
	if (!strcmp(name, "uuid"))
		return uuid_ok(s, len);
	return 1;
}
