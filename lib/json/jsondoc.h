/* jsondoc: JSON documents from a stream, for tools that take any JSON
 * (llm-hash): one document a line (NDJSON), or one spread over lines (a
 * pretty-printed file), each checked against I-JSON (ijson.h).
 *
 * A document starts on a new line; when the line does not complete it,
 * it goes on over the next lines until it does.  After a bad document,
 * reading goes on at the next line.  A document cut short, followed by a
 * line that begins another (the next line's first character is where
 * json-c stops), is reported on its own and the next line read as the
 * start of a new one, so a truncated NDJSON line costs no more than itself.
 *
 * Ownership: a document returned is owned by the caller (json.h rules).
 */
#ifndef LLM_JSONDOC_H
#define LLM_JSONDOC_H

#include "json/ijson.h"
#include "json/records.h"

struct doc_reader {
	struct rec_reader r;
	json_tokener *tok;
	struct ijson ij;
	long first;		/* the line the last document began on */
	const char *held;		/* a line that begins the next document */
	size_t nheld;
	struct buf raw;		/* a line with its surrogate pairs as UTF-8 */
};

/* Read from fd; name ("stdin" or the file) is used in messages. */
void doc_reader_init(struct doc_reader *d, int fd, const char *name);
void doc_reader_free(struct doc_reader *d);

/* The next document: REC_OK with *out (NULL for JSON null), REC_BAD with
 * err ("NAME:LINE: invalid JSON: ..."), REC_EOF or REC_IOERR.  Blank lines
 * between documents are passed over.  d->first names the document's line. */
enum rec_status doc_next(struct doc_reader *d, json_object **out, char *err, size_t errlen);

#endif
