/* toml: a TOML 1.0.0 parser that builds a json-c tree, so a plan or a
 * scenario written in TOML takes the same path as one written in JSON.
 *
 * The tree: a table is a JSON object, an array (arrays of tables too) a
 * JSON array, a string a string (embedded NUL bytes kept), an integer an
 * int64, a float a double (inf and nan as those doubles; finite ones
 * serialize in their shortest round-trip form, 1.0 as "1.0"), a boolean a
 * boolean, and each of the four date-time types a string holding its text
 * as written.  Multi-line strings have CRLF line ends turned into LF.  A
 * UTF-8 byte order mark at the start is skipped.  Nesting (the tables
 * and arrays a value is in below the root, whether made by headers,
 * arrays of tables, dotted keys, inline tables or arrays) is bounded by
 * TOML_MAX_DEPTH.  Keys cannot hold a NUL (json-c keys are C strings).
 *
 * Ownership: toml_parse() returns a new reference (json_object_put); the
 * position table it fills is the caller's (toml_where_free), and is
 * looked up by the borrowed values of that tree.
 */
#ifndef LLM_TOML_H
#define LLM_TOML_H

#include <stddef.h>

#include "json/json.h"

/* With the root table that is 32 levels, as deep as json-c reads, so a
 * TOML plan or scenario also goes through a JSON record. */
#define TOML_MAX_DEPTH 31

struct toml_where;

/* Parse text[0..len) as a TOML document.  Returns its root table, or NULL
 * with "name:LINE:COL: message" in err (LINE and COL from 1, COL counting
 * characters).  When where is not NULL, *where receives a table of the
 * position of every value and of every table a header defined. */
json_object *toml_parse(const char *text, size_t len, const char *name,
                        struct toml_where **where, char *err, size_t errlen);

/* The line and column where v begins: 0, or -1 when v is not in w. */
int toml_where_get(const struct toml_where *w, const json_object *v,
                   unsigned *line, unsigned *col);

void toml_where_free(struct toml_where *w);

/* A message about v of the document name to err: "name:LINE:COL: ..."
 * when w knows where v is, else "name: ...", or only "..." when name is
 * NULL.  Returns -1, for "return toml_message(...)". */
int toml_message(const struct toml_where *w, const char *name, const json_object *v,
                 char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* v's type in TOML's words, for messages: "a table", "an integer", ... */
const char *toml_type_name(json_object *v);

#endif
