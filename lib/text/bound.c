#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "text/bound.h"
#include "json/jfield.h"
#include "json/jscan.h"

/* A string value of the record being bounded. */
struct bound_str {
	json_object *s;
	size_t orig;		/* bytes as it came in */
	size_t len;		/* bytes of its text now, the marker not counted */
	int marked;
};

#define MARKER "[TRUNCATED:%zu bytes]"

void
bound_cut(struct buf *out, const char *s, size_t n, size_t max, size_t orig)
{
	buf_add(out, s, utf8_cut(s, n, max));
	buf_addf(out, MARKER, orig);
}

/* Cut e's text to max bytes and mark it. */
static void
cut_to(struct bound *b, struct bound_str *e, const char *s, size_t max)
{
	size_t keep = utf8_cut(s, e->len, max);	/* s is e->s's: gone once it is set */

	buf_reset(&b->tmp2);
	bound_cut(&b->tmp2, s, e->len, max, e->orig);
	json_object_set_string_len(e->s, b->tmp2.data, (int)b->tmp2.len);
	e->len = keep;
	if (!e->marked)
		b->cut++;
	e->marked = 1;
}

static size_t
one_string(struct bound *b, struct redact *r, json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	struct bound_str *e;
	int changed = 0;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = erealloc(b->v, b->cap * sizeof *b->v);
	}
	e = &b->v[b->n++];
	e->s = v;
	e->orig = n;
	e->marked = 0;
	buf_reset(&b->tmp);
	if (r && redact_span(r, s, n, &b->tmp)) {
		s = b->tmp.data;
		n = b->tmp.len;
		changed = 1;
	}
	e->len = n;
	if (b->max_string && n > b->max_string)
		cut_to(b, e, s, b->max_string);
	else if (changed)
		json_object_set_string_len(v, s, (int)n);
	return changed || e->marked;
}

/* The bound and redaction of a record's walk (bound_json) or of a line's
 * check (bound_line_clean), and the strings the walk changed. */
struct pass {
	struct bound *b;
	struct redact *r;
	size_t changed;
};

static int
visit(json_object *v, void *arg)
{
	struct pass *p = arg;

	if (json_object_is_type(v, json_type_string))
		p->changed += one_string(p->b, p->r, v);
	return 0;
}

size_t
bound_json(struct bound *b, struct redact *r, json_object *rec)
{
	struct pass p = {b, r, 0};

	b->n = 0;
	json_any(rec, visit, &p);
	return p.changed;
}

/* What cutting string e to c bytes saves, at least: a byte of text is a
 * byte of JSON or more; a string not yet marked gets its marker. */
static size_t
gain(const struct bound_str *e, size_t c)
{
	char m[64];
	size_t cost = e->marked ? 0 : (size_t)snprintf(m, sizeof m, MARKER, e->orig);

	return e->len > c && e->len - c > cost ? e->len - c - cost : 0;
}

/* The longest common length c that saves excess bytes: the largest c
 * whose total gain is at least excess, found by bisection (the gain
 * shrinks as c grows); 0 when even that falls short. */
static size_t
common_length(const struct bound *b, size_t excess)
{
	size_t lo = 0, hi = 0, i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].len > hi)
			hi = b->v[i].len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2, total = 0;

		for (i = 0; i < b->n && total < excess; i++)
			total += gain(&b->v[i], mid);
		if (total >= excess)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int
bound_fit(struct bound *b, json_object *rec, struct buf *line)
{
	json_line(rec, line);
	while (b->max_record && line->len > b->max_record) {
		size_t c = common_length(b, line->len - b->max_record), i, cut = 0;

		for (i = 0; i < b->n; i++) {
			struct bound_str *e = &b->v[i];

			if (gain(e, c) > 0) {
				cut_to(b, e, json_object_get_string(e->s), c);
				cut++;
			}
		}
		if (cut == 0)
			return -1;
		json_line(rec, line);
	}
	return 0;
}

static int
string_dirty(void *arg, const char *raw, size_t n, int escaped)
{
	struct pass *c = arg;

	/* the raw form is never shorter than the value: within the bound
	 * raw, within it decoded; over it, the slow path measures */
	if (c->b->max_string && n > c->b->max_string)
		return 1;
	if (escaped) {
		buf_reset(&c->b->tmp);
		if (jscan_decode(raw, n, &c->b->tmp) < 0)
			return 1;
		raw = c->b->tmp.data;
		n = c->b->tmp.len;
	}
	return c->r && redact_test(c->r, raw, n);
}

int
bound_line_clean(struct bound *b, struct redact *r, const char *line, size_t len)
{
	struct pass c = {b, r, 0};

	if (b->max_record && len > b->max_record)
		return 0;
	/* bytes that are not UTF-8 are written U+FFFD, which can make a
	 * string or the line longer: such a line takes the slow path */
	if (utf8_invalid_at(line, len) < len)
		return 0;
	return jfield_walk(line, len, string_dirty, &c);
}

int
bound_record(struct bound *b, struct redact *r, json_object *rec, struct buf *line)
{
	bound_json(b, r, rec);
	return bound_fit(b, rec, line);
}

void
bound_free(struct bound *b)
{
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
	buf_free(&b->tmp);
	buf_free(&b->tmp2);
}
