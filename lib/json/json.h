/* json: the few helpers we add to json-c, and json-c's ownership rules,
 * written once so every caller follows the same ones.
 *
 * Ownership (json-c reference counts):
 *  - A parse result (json_parse, json_tokener_*) is owned by the caller,
 *    who releases it with json_object_put().
 *  - json_object_object_get(), json_get() and json_object_array_get_idx()
 *    return a BORROWED child: valid while the parent lives; do not put it.
 *  - json_object_object_add() and json_object_array_add() TAKE ownership
 *    of the value added.  To add a child that another tree also keeps,
 *    pass json_object_get(child) (one more reference), never a deep copy.
 *  - json_object_new_*() returns a new reference owned by the caller.
 *  - The text json_line() and the other writers of json/jsonwrite.h
 *    write lives in the caller's buf.
 */
#ifndef LLM_JSON_H
#define LLM_JSON_H

#include <json-c/json.h>
#include <stddef.h>

#include "base/util.h"
#include "json/jsonwrite.h"

/* Parse exactly one JSON value spanning s[0..len) (white space around it
 * allowed).  Returns a new reference, or NULL with err set; JSON null,
 * which json-c holds as NULL, is refused as "null".  The usual text is
 * made by json_build, the rest by json-c's parser: the same tree. */
json_object *json_parse(const char *s, size_t len, char *err, size_t errlen);

/* The same, null allowed: 0 with *out set (NULL for null), or -1. */
int json_parse_any(const char *s, size_t len, json_object **out, char *err, size_t errlen);

/* json_parse_any with json-c's parser alone, which json_build must agree
 * with (tests/unit/test_jsonbuild.c, tests/fuzz/fuzz_jscan.c). */
int json_parse_c(const char *s, size_t len, json_object **out, char *err, size_t errlen);

/* Feed s[0..n) to tok, and the one byte after[0] when the text ends
 * inside a value (a number or a literal waits for its end): tok's
 * verdict, *obj the value when complete, *end where json-c stopped (n
 * when after was fed). */
enum json_tokener_error json_feed(json_tokener *tok, const char *s, size_t n,
                                  const char *after, json_object **obj, size_t *end);

/* A new strict tokener of json-c's default depth, old freed (NULL: none).
 * json-c 0.16's json_tokener_reset() keeps the high surrogate of a text
 * that ended inside a "\ud800\u" escape, and puts a U+FFFD into the next
 * text's first \u escape: a tokener whose text failed is renewed, not
 * reset.  NULL when out of memory. */
json_tokener *json_tokener_renew(json_tokener *old);

/* The tree json-c's parser makes of s[0..len), made without it for the
 * usual text: 1 with *out set (NULL for null), or 0 with *out NULL for a
 * text json_parse_any must read (anything unusual, and every error, so
 * its verdict and message stand).  jsonbuild.c. */
int json_build(const char *s, size_t len, json_object **out);

/* 1 when fn(v, arg) is nonzero for o or a value inside it, looked at in
 * text order (an object before its members); 0 otherwise. */
int json_any(json_object *o, int (*fn)(json_object *v, void *arg), void *arg);

/* Borrowed child of obj by key, NULL when obj is not an object or key is
 * missing. */
json_object *json_get(json_object *obj, const char *key);

/* The string value of key, or NULL when missing or not a string. */
const char *json_get_str(json_object *obj, const char *key);

/* Set key to val (taking ownership of val), replacing any old value. */
void json_set(json_object *obj, const char *key, json_object *val);

/* A double that serializes as the text given (e.g. "0.7", not
 * 0.69999999999999996), for values from the command line. */
json_object *json_double_text(double v, const char *text);

/* A borrowed reference added once more, or NULL for NULL. */
json_object *json_ref(json_object *obj);

#endif
