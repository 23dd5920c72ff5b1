/* xfer_error: a transfer that failed (lib/net/http) as the error of its
 * record (DESIGN.md 'Result record (failure)'), where records meet the
 * transport: the transport's failures sorted into the record's kinds,
 * and an HTTP error answer read by the dialect (lib/wire/openai) with the
 * headers that decide retries.  e is the caller's; x is only read.
 */
#ifndef LLM_XFER_ERROR_H
#define LLM_XFER_ERROR_H

#include <time.h>

#include "base/error.h"
#include "net/http.h"
#include "wire/dialect.h"

/* A transport failure (http_failure(x) != HTTP_OK): kind connect or
 * timeout (retryable but for a refused TLS, scheme or URL), protocol for
 * a body past max_body or one its reader stopped. */
void xfer_transport_error(const struct http_xfer *x, size_t max_body, struct llm_error *e);

/* An answer of status 400 or more, at time now, read by api. */
void xfer_http_error(const struct http_xfer *x, time_t now, const struct dialect *api,
                     struct llm_error *e);

/* A status that is neither success nor error (1xx, 3xx): a protocol
 * error, naming where a redirect led. */
void xfer_status_error(const struct http_xfer *x, struct llm_error *e);

#endif
