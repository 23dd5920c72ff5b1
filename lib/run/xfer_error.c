#include "run/xfer_error.h"
#include "wire/openai.h"

void
xfer_transport_error(const struct http_xfer *x, size_t max_body, struct llm_error *e)
{
	const char *detail = http_failure_text(x);

	switch (http_failure(x)) {
	case HTTP_TIMEOUT:
		llm_error_set(e, "timeout", 1, "timed out: %s", detail);
		break;
	case HTTP_NO_CONNECT:
		llm_error_set(e, "connect", 1, "cannot connect: %s", detail);
		break;
	case HTTP_NO_FDS:
		/* the process's limit, not the server: other transfers' ends
		 * free descriptors, so a later attempt may work */
		llm_error_set(e, "connect", 1, "cannot connect: too many open files "
		              "(lower -j or raise ulimit -n)");
		break;
	case HTTP_TOO_BIG:
		llm_error_set(e, "protocol", 0, "response larger than %zu bytes", max_body);
		break;
	case HTTP_HEADERS_TOO_BIG:
		llm_error_set(e, "protocol", 0, "response headers too large to read (HTTP %ld)",
		              x->status);
		break;
	case HTTP_ABORTED:
		llm_error_set(e, "protocol", 0, "response aborted: %s", detail);
		break;
	case HTTP_REFUSED:
		llm_error_set(e, "connect", 0, "%s", detail);
		break;
	case HTTP_OK:	/* not a failure: not asked */
	case HTTP_BROKEN:
		llm_error_set(e, "connect", 1, "connection failed after %zu bytes: %s",
		              x->body.len, detail);
		break;
	}
	if (x->status >= 400)
		e->http_status = (int)x->status;
}

void
xfer_http_error(const struct http_xfer *x, time_t now, const struct dialect *api,
                struct llm_error *e)
{
	/* the headers as the dialect reads them: NULL when absent */
	struct retry_headers h = {
		.retry_after_ms = x->h_retry_after_ms[0] ? x->h_retry_after_ms : NULL,
		.retry_after = x->h_retry_after[0] ? x->h_retry_after : NULL,
		.should_retry = x->h_should_retry[0] ? x->h_should_retry : NULL,
	};

	api->http_error(e, x->status, x->body.data, x->body.len, &h, now);
}

void
xfer_status_error(const struct http_xfer *x, struct llm_error *e)
{
	/* redirects are not followed (a POST would be resent, or its body
	 * dropped, and a token sent elsewhere): say where it led, so the
	 * base URL can be set to it */
	if (x->status >= 300 && x->status < 400 && x->h_location[0])
		llm_error_set(e, "protocol", 0, "HTTP %ld: redirected to %s, not followed "
		              "(set the base URL to where it leads)", x->status, x->h_location);
	else
		llm_error_set(e, "protocol", 0, "unexpected HTTP status %ld", x->status);
	e->http_status = (int)x->status;
}
