/* hash: SHA-256 (OpenSSL libcrypto) as hex, the tuna model hash, and the
 * hash of a JSON value's RFC 8785 canonical form, which the cache key, the
 * request hash and the scenario hash all use.
 */
#ifndef LLM_HASH_H
#define LLM_HASH_H

#include <stddef.h>

#include "json/json.h"

#define HASH_HEX 65	/* 64 hex digits and a NUL */

void sha256_hex(const void *p, size_t n, char out[HASH_HEX]);

/* The tuna model hash: the first 8 hex digits of SHA-256(name). */
void model_hash(const char *name, char out[9]);

/* SHA-256 of the canonical form of v.  0, or -1 with err. */
int json_hash(json_object *v, char out[HASH_HEX], char *err, size_t errlen);

/* The same, the canonical form written in scratch (kept by the caller
 * from one call to the next, so a loop over records allocates once). */
int json_hash_buf(json_object *v, struct buf *scratch, char out[HASH_HEX], char *err,
                  size_t errlen);

#endif
