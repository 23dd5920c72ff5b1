#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/records.h"

#define READ_CHUNK 65536

void
rec_reader_init(struct rec_reader *r, int fd, const char *name, size_t max)
{
	*r = (struct rec_reader){.fd = fd, .name = name, .max = max ? max : REC_MAX_LINE};
}

void
rec_reader_free(struct rec_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->off = r->cap = 0;
}

/* Read once more into the buffer: >0 bytes, 0 at end, -1 with errno. */
static ssize_t
fill(struct rec_reader *r)
{
	ssize_t k;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < READ_CHUNK / 4) {
		/* grow up to the line limit plus a read's worth, never past */
		size_t cap = r->cap ? r->cap * 2 : READ_CHUNK;

		if (cap > r->max + READ_CHUNK)
			cap = r->max + READ_CHUNK;
		if (cap > r->cap) {
			r->buf = erealloc(r->buf, cap);
			r->cap = cap;
		}
	}
	do
		k = read(r->fd, r->buf + r->len, r->cap - r->len);
	while (k < 0 && errno == EINTR);
	if (k > 0)
		r->len += (size_t)k;
	return k;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 0;
}

enum rec_status
rec_parse(struct rec_reader *r, const char *s, size_t n, json_object **out, char *err,
          size_t errlen)
{
	char why[ERRLEN];
	json_object *obj;

	*out = NULL;
	if (json_parse_any(s, n, &obj, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s:%ld: invalid JSON: %s", r->name, r->lineno, why);
		return REC_BAD;
	}
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "%s:%ld: not a JSON object", r->name, r->lineno);
		json_object_put(obj);
		return REC_BAD;
	}
	*out = obj;
	r->line = s;
	r->line_len = n;
	return REC_OK;
}

/* A complete line, its '\r' left out. */
static enum rec_status
got_line(const char *s, size_t n, const char **line, size_t *len)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	*line = s;
	*len = n;
	return REC_OK;
}

/* The line just counted was past max: skipping ends with it. */
static enum rec_status
too_long(struct rec_reader *r, char *err, size_t errlen)
{
	r->skipping = 0;
	snprintf(err, errlen, "%s:%ld: line longer than %zu bytes", r->name, r->lineno, r->max);
	return REC_BAD;
}

enum rec_status
rec_next_line(struct rec_reader *r, const char **line, size_t *len, char *err, size_t errlen)
{
	for (;;) {
		char *s = r->buf ? r->buf + r->off : NULL;	/* NULL + 0 is undefined */
		size_t avail = r->len - r->off;
		char *nl = avail > r->scanned ? memchr(s + r->scanned, '\n', avail - r->scanned) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - s);

			r->off += n + 1;
			r->scanned = 0;
			r->lineno++;
			if (r->skipping || n > r->max)
				return too_long(r, err, errlen);
			if (blank(s, n))
				continue;
			return got_line(s, n, line, len);
		}
		r->scanned = avail;
		if (avail > r->max) {
			/* keep nothing of an overlong line but the fact of it */
			r->skipping = 1;
			r->off = r->len;
			r->scanned = 0;
			if (r->polled && !r->eof)
				return REC_AGAIN;
		}
		if (r->eof) {
			if (r->skipping) {
				/* the tail since the last discard goes too (a
				 * tail past max was made a discard above) */
				r->off = r->len;
				r->scanned = 0;
				r->lineno++;
				return too_long(r, err, errlen);
			}
			if (avail == 0)
				return REC_EOF;
			/* a last line without its newline is still a record */
			r->off = r->len;
			r->scanned = 0;
			r->lineno++;
			if (blank(s, avail))
				return REC_EOF;
			return got_line(s, avail, line, len);
		}
		ssize_t k = fill(r);
		/* a line longer than a read is under way: a polled reader goes
		 * back to its loop between reads, which may see a signal */
		if (k > 0 && r->polled && r->len - r->off > READ_CHUNK)
			return REC_AGAIN;
		if (k == 0 && r->follow)
			return REC_AGAIN;
		if (k == 0)
			r->eof = 1;
		else if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return REC_AGAIN;
			snprintf(err, errlen, "%s: %s", r->name, strerror(errno));
			r->eof = 1;
			return REC_IOERR;
		}
	}
}

enum rec_status
rec_next(struct rec_reader *r, json_object **out, char *err, size_t errlen)
{
	const char *line;
	size_t len;
	enum rec_status st = rec_next_line(r, &line, &len, err, errlen);

	*out = NULL;
	return st == REC_OK ? rec_parse(r, line, len, out, err, errlen) : st;
}

int
rec_pending(const struct rec_reader *r)
{
	size_t avail = r->len - r->off;

	return r->eof || (avail > r->scanned && memchr(r->buf + r->off + r->scanned, '\n',
	                                                avail - r->scanned));
}

char *
rec_id(json_object *rec, const struct rec_reader *r)
{
	json_object *v = json_get(rec, "id");
	char made[64];

	if (v && !json_object_is_type(v, json_type_null))
		return estrdup(json_object_get_string(v));
	if (!r)
		return estrdup("1");
	snprintf(made, sizeof made, "%s:%ld", r->name, r->lineno);
	return estrdup(made);
}

int
rec_attempt(json_object *rec)
{
	json_object *a = json_get(rec, "attempt");
	int64_t n = json_object_is_type(a, json_type_int) ? json_object_get_int64(a) : 0;
	const char *st = json_get_str(rec, "status");

	/* what a hostile or broken writer put there stays in range */
	if (n < 0)
		n = 0;
	else if (n > REC_ATTEMPT_MAX)
		n = REC_ATTEMPT_MAX;
	if (st && strcmp(st, "error") == 0 && n < REC_ATTEMPT_MAX)
		n++;
	return n > 0 ? (int)n : 1;
}

int
rec_write(int fd, json_object *obj, struct buf *b)
{
	json_line(obj, b);
	buf_add(b, "\n", 1);
	return write_all(fd, b->data, b->len);
}

json_object *
rec_error(const char *id, const struct llm_error *e, int attempt, json_object *meta,
          json_object *request)
{
	json_object *rec = json_object_new_object();
	json_object *err = json_object_new_object();

	json_set(rec, "id", json_object_new_string(id));
	json_set(rec, "status", json_object_new_string("error"));
	json_set(err, "kind", json_object_new_string(e->kind));
	if (e->http_status)
		json_set(err, "http_status", json_object_new_int(e->http_status));
	json_set(err, "message", json_object_new_string(e->message));
	json_set(err, "retryable", json_object_new_boolean(e->retryable));
	if (e->retry_after_ms >= 0)
		json_set(err, "retry_after_ms", json_object_new_int64(e->retry_after_ms));
	json_set(rec, "error", err);
	json_set(rec, "attempt", json_object_new_int(attempt));
	if (meta)
		json_set(rec, "meta", json_ref(meta));
	json_set(rec, "request", json_ref(request));
	return rec;
}
