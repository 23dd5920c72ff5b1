/* cache: successful results kept on disk by request (DESIGN.md 'Files
 * the tools write').  The key is the SHA-256 of the RFC 8785 form of
 * {"endpoint":URL,"request":BODY} plus "repeat" when meta.repeat is set, so
 * repeated samples of one request are kept apart.  An entry is
 * DIR/<key[0..2]>/<key>.json, written atomically; an unreadable or
 * corrupt entry is a miss.
 */
#ifndef LLM_CACHE_H
#define LLM_CACHE_H

#include "json/hash.h"
#include "json/json.h"

/* 0, or -1 with err when the body cannot be canonicalized. */
int cache_key(const char *url, json_object *body, json_object *repeat,
              char key[HASH_HEX], char *err, size_t errlen);

/* The stored result (a new reference), or NULL on a miss. */
json_object *cache_get(const char *dir, const char *key);

/* Store the result fields of res that belong to the answer (not id, meta,
 * attempt, request).  0, or -1 with err. */
int cache_put(const char *dir, const char *key, json_object *res, char *err, size_t errlen);

#endif
