#include <stdio.h>
#include <string.h>

#include "net/sse.h"

/* Where in a line the parser is.  There is no line buffer: the field name
 * is recognised as it arrives and value bytes go straight to where they
 * belong, so memory stays bounded by the limits on values. */
enum state {
	S_NAME,		/* before the colon (or the line end) */
	S_SPACE,	/* just after the colon: one space there is dropped */
	S_VALUE,	/* in the value */
};

enum field {
	F_IGNORE,	/* a comment or an unknown field */
	F_DATA,
	F_EVENT,
	F_ID,
	F_RETRY,
};

static const char bom[] = "\xef\xbb\xbf";

static void
fail(struct sse_parser *p, const char *what)
{
	snprintf(p->err, sizeof p->err, "%s longer than %zu bytes", what, p->max);
}

/* The line state for the start of a new line. */
static void
line_reset(struct sse_parser *p)
{
	p->state = S_NAME;
	p->field = F_IGNORE;
	p->namelen = 0;
	buf_reset(&p->val);
}

void
sse_init(struct sse_parser *p, size_t max,
         void (*on_event)(void *, const char *, const char *, size_t, const char *),
         void *arg)
{
	*p = (struct sse_parser){.on_event = on_event, .arg = arg,
	                         .max = max ? max : SSE_MAX_DATA, .retry = -1};
	line_reset(p);
}

void
sse_free(struct sse_parser *p)
{
	buf_free(&p->data);
	buf_free(&p->type);
	buf_free(&p->id);
	buf_free(&p->val);
}

const char *
sse_error(const struct sse_parser *p)
{
	return p->err[0] ? p->err : NULL;
}

/* The field named by the name bytes seen; names longer than the buffer
 * match no field we know. */
static enum field
field_of(const struct sse_parser *p)
{
	static const struct {
		const char *name;
		enum field f;
	} names[] = {
		{"data", F_DATA}, {"event", F_EVENT}, {"id", F_ID}, {"retry", F_RETRY},
	};
	size_t i;

	if (p->namelen >= sizeof p->name)
		return F_IGNORE;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (p->namelen == strlen(names[i].name) &&
		    memcmp(p->name, names[i].name, p->namelen) == 0)
			return names[i].f;
	return F_IGNORE;
}

/* Append value bytes of the current line. */
static void
value_add(struct sse_parser *p, const char *s, size_t n)
{
	if (p->field == F_DATA) {
		/* the '\n' ending the data so far counts: it stays when this
		 * line is joined to it */
		if (p->data.len + n > p->max)
			fail(p, "event data");
		else
			buf_add(&p->data, s, n);
	} else if (p->field != F_IGNORE) {
		if (p->val.len + n > p->max)
			fail(p, "field value");
		else
			buf_add(&p->val, s, n);
	}
}

/* Bytes of a line, without its line end. */
static void
line_bytes(struct sse_parser *p, const char *s, size_t n)
{
	while (n > 0 && p->state == S_NAME) {
		if (*s == ':') {
			p->field = field_of(p);
			p->state = S_SPACE;
		} else {
			if (p->namelen < sizeof p->name)
				p->name[p->namelen] = *s;
			p->namelen++;
		}
		s++;
		n--;
	}
	if (n > 0 && p->state == S_SPACE) {
		p->state = S_VALUE;
		if (*s == ' ') {
			s++;
			n--;
		}
	}
	if (n > 0)
		value_add(p, s, n);
}

/* Digits only, as the standard asks; huge values saturate. */
static void
set_retry(struct sse_parser *p, const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return;
		v = v > (1LL << 50) ? v : v * 10 + (s[i] - '0');
	}
	p->retry = v;
}

static void
dispatch(struct sse_parser *p)
{
	if (p->data.len > 0) {
		p->data.data[--p->data.len] = '\0';	/* the last '\n' */
		p->events++;
		if (p->on_event)
			p->on_event(p->arg, p->type.len ? p->type.data : NULL, p->data.data,
			            p->data.len, p->id.len ? p->id.data : NULL);
	}
	buf_reset(&p->data);
	buf_reset(&p->type);
}

static void
line_end(struct sse_parser *p)
{
	if (p->state == S_NAME) {
		if (p->namelen == 0) {
			dispatch(p);
			return;
		}
		/* a name without a colon: the field with an empty value */
		p->field = field_of(p);
	}
	switch (p->field) {
	case F_DATA:
		if (p->data.len > p->max)
			fail(p, "event data");
		else
			buf_add(&p->data, "\n", 1);
		break;
	case F_EVENT:
		buf_reset(&p->type);
		buf_add(&p->type, p->val.data ? p->val.data : "", p->val.len);
		break;
	case F_ID:
		/* an id with NUL would be cut short by C strings: the
		 * standard has it ignored anyway */
		if (!p->val.len || !memchr(p->val.data, '\0', p->val.len)) {
			buf_reset(&p->id);
			buf_add(&p->id, p->val.data ? p->val.data : "", p->val.len);
		}
		break;
	case F_RETRY:
		set_retry(p, p->val.data, p->val.len);
		break;
	}
	line_reset(p);
}

/* Bytes after the BOM check: split into lines. */
static void
feed_lines(struct sse_parser *p, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end && !p->err[0]) {
		const char *e = s;

		if (p->after_cr) {
			p->after_cr = 0;
			if (*s == '\n') {
				s++;
				continue;
			}
		}
		while (e < end && *e != '\n' && *e != '\r')
			e++;
		line_bytes(p, s, (size_t)(e - s));
		if (e == end || p->err[0])
			break;
		p->after_cr = *e == '\r';
		line_end(p);
		s = e + 1;
	}
}

int
sse_feed(struct sse_parser *p, const char *buf, size_t n)
{
	/* The BOM may come in pieces: hold back what matches so far, and
	 * give it back as ordinary bytes when the stream turns out to start
	 * otherwise. */
	while (n > 0 && p->bom >= 0 && !p->err[0]) {
		if (*buf == bom[p->bom]) {
			buf++;
			n--;
			if (++p->bom == 3)
				p->bom = -1;
		} else {
			int held = p->bom;

			p->bom = -1;
			feed_lines(p, bom, (size_t)held);
		}
	}
	if (n > 0 && !p->err[0])
		feed_lines(p, buf, n);
	return p->err[0] ? -1 : 0;
}

int
sse_finish(struct sse_parser *p)
{
	int st;

	if (p->err[0])
		st = -1;
	else if (p->data.len > 0 || p->field == F_DATA)
		st = 1;
	else
		st = (p->state == S_NAME && p->namelen > 0) || p->bom > 0;
	buf_reset(&p->data);
	buf_reset(&p->type);
	line_reset(p);
	p->after_cr = 0;
	p->bom = 0;
	p->err[0] = '\0';
	return st;
}
