#include <stdio.h>
#include <string.h>

#include "json/jscan.h"
#include "json/jsondoc.h"

void
doc_reader_init(struct doc_reader *d, int fd, const char *name)
{
	memset(d, 0, sizeof *d);
	rec_reader_init(&d->r, fd, name, 0);
	if (!(d->tok = json_tokener_renew(NULL)))
		eprintf("out of memory");
}

void
doc_reader_free(struct doc_reader *d)
{
	json_tokener_free(d->tok);
	ijson_free(&d->ij);
	buf_free(&d->raw);
	rec_reader_free(&d->r);
}

static enum rec_status
bad(struct doc_reader *d, long line, char *err, size_t errlen, const char *what)
{
	/* the next document gets a tokener with nothing of this one left
	 * (json_tokener_renew) */
	if (!(d->tok = json_tokener_renew(d->tok)))
		eprintf("out of memory");
	snprintf(err, errlen, "%s:%ld: invalid JSON: %s", d->r.name, line, what);
	return REC_BAD;
}

enum rec_status
doc_next(struct doc_reader *d, json_object **out, char *err, size_t errlen)
{
	char why[ERRLEN];
	size_t size = 0;
	int in_doc = 0;

	*out = NULL;
	for (;;) {
		enum rec_status st = REC_OK;
		enum json_tokener_error je;
		json_object *obj;
		const char *line, *s, *rest;
		size_t len, n, end;

		if (d->held) {
			line = d->held;
			len = d->nheld;
			d->held = NULL;
		} else {
			st = rec_next_line(&d->r, &line, &len, err, errlen);
		}
		if (st == REC_EOF && in_doc)
			return bad(d, d->first, err, errlen, "the document ends unfinished");
		if (st == REC_BAD && !in_doc)
			d->first = d->r.lineno;
		if (st != REC_OK)
			return st;	/* an overlong line ends a document too */
		if (!in_doc) {
			in_doc = 1;
			d->first = d->r.lineno;
			json_tokener_reset(d->tok);
			ijson_reset(&d->ij);
		}
		if ((size += len + 1) > d->r.max || len > INT32_MAX / 2) {
			snprintf(why, sizeof why, "document longer than %zu bytes", d->r.max);
			return bad(d, d->r.lineno, err, errlen, why);
		}
		s = line;
		n = len;
		if (ijson_scan(&d->ij, &s, &n, why, sizeof why) < 0)
			return bad(d, d->r.lineno, err, errlen, why);
		/* escaped surrogate pairs as their characters: json-c decodes
		 * some wrongly (jscan_raw_pairs); ijson has checked them */
		buf_reset(&d->raw);
		if (memmem(s, n, "\\u", 2) && jscan_raw_pairs(s, n, &d->raw)) {
			s = d->raw.data;
			n = d->raw.len;
		}
		/* the line's own newline ends a number at its end */
		je = json_feed(d->tok, s, n, "\n", &obj, &end);
		if (je == json_tokener_continue)
			continue;
		if (je == json_tokener_success && (rest = jscan_ws(s + end, s + n)) < s + n) {
			json_object_put(obj);
			snprintf(why, sizeof why, "unexpected text after the JSON value at byte %zu",
			         (size_t)(rest - s));
			return bad(d, d->r.lineno, err, errlen, why);
		}
		if (je == json_tokener_success) {
			if (ijson_check(&d->ij, obj, why, sizeof why) < 0) {
				json_object_put(obj);
				return bad(d, d->first, err, errlen, why);
			}
			*out = obj;
			return REC_OK;
		}
		if (d->r.lineno > d->first && s + end == jscan_ws(s, s + n)) {
			/* the document was cut short and this line starts another */
			d->held = line;
			d->nheld = len;
			return bad(d, d->first, err, errlen, "the document ends unfinished");
		}
		snprintf(why, sizeof why, "%s at byte %zu", json_tokener_error_desc(je), end);
		return bad(d, d->r.lineno, err, errlen, why);
	}
}
