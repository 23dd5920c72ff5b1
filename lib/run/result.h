/* result: a record's request taken out and routed, and the finishing of
 * its result record, the same wherever its answer
 * came from — llm-chat's transfers (client.c) or a batch's output file
 * (batch.c) — so both write one shape (DESIGN.md 'Records').
 *
 * Ownership: res is the caller's and is edited in place; body and meta
 * are borrowed (references are taken when they go onto res).  The
 * redactor made by result_redact is the caller's (*red, redact_free).
 */
#ifndef LLM_RESULT_H
#define LLM_RESULT_H

#include "base/error.h"
#include "json/json.h"
#include "plan/config.h"

struct redact;

/* The request body of rec (openai_request_of), borrowed; a bare body
 * loses our fields (id, meta, attempt) and *meta is NULL, else *meta is
 * rec's meta.  NULL with e (bad_input) naming id. */
json_object *result_body_of(json_object *rec, const char *id, json_object **meta,
                            struct llm_error *e);

/* The endpoint of body's model; the model is rewritten without the
 * provider's prefix.  NULL with e (config). */
struct endpoint *result_route(struct config *cfg, json_object *body, struct llm_error *e);

/* A success record made whole: the request's model when the server named
 * none, the endpoint (its base URL as shown, secrets masked; NULL: not
 * known), attempt, cached, meta, and with echo the request. */
void result_finish(json_object *res, json_object *body, json_object *meta, int attempt,
                   int cached, int echo, const char *endpoint);

/* --save: is meta.output a path that may be written?  0, or -1 with e
 * (bad_input) naming id. */
int result_save_check(const char *id, json_object *meta, struct llm_error *e);

/* --save: write res's content to meta.output, atomically and beneath the
 * working directory.  0, or -1 with e (io). */
int result_save(json_object *meta, json_object *res, struct llm_error *e);

/* The success record of a cache hit for id: status ok and the stored
 * fields (hit is borrowed). */
json_object *result_from_cache(const char *id, json_object *hit);

/* Take secrets out of e's message: the redaction patterns and every
 * token of cfg, the redactor made at the first call and kept in *red. */
void result_redact(struct redact **red, const struct config *cfg, struct llm_error *e);

#endif
