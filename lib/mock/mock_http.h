/* mock_http: llm-mock's HTTP side on GNU libmicrohttpd: routing, request
 * bodies, counters, delays and the faults that need the wire (dropped
 * connections, cut streams).  What to answer comes from mock.h.
 *
 * One thread per connection, so a delay is a plain wait in that thread;
 * the waits end early when the server stops.  Nothing here prints: a
 * log callback, when given, receives one line per request.
 *
 * Ownership: the server borrows the struct mock and the option strings
 * until mock_http_stop(), which frees the server.
 */
#ifndef LLM_MOCK_HTTP_H
#define LLM_MOCK_HTTP_H

#include <stddef.h>

#include "mock/mock.h"
#include "mock/mock_batch.h"
#include "mock/mock_limits.h"

#define MOCK_MAXBODY (16u << 20)

struct mock_http_opts {
	const char *host;		/* address to bind, "127.0.0.1" when NULL */
	int port;			/* 0: any free port */
	long long latency_ms;		/* before every answer */
	long long chunk_delay_ms;	/* between streamed events */
	const char *const *models;	/* for /v1/models */
	size_t nmodels;
	void (*log)(const char *line);	/* one line per request, or NULL */
	const char *token;		/* required Bearer token, or NULL */
	/* close the socket right after each streamed answer while the
	 * answer's headers still say keep-alive, as llama.cpp's server does */
	int close_after_stream;
	struct mock_batch *batch;	/* the batch API, or NULL: none */
	/* a provider's limits (mock_limits.h), borrowed; NULL: none */
	struct mock_limits *limits;
};

struct mock_http;

/* Listen and serve in background threads.  NULL with err on failure. */
struct mock_http *mock_http_start(struct mock *m, const struct mock_http_opts *o,
                                  char *err, size_t errlen);
/* The port listened on (the chosen one when o->port was 0). */
int mock_http_port(const struct mock_http *h);
/* Stop listening, end waits and connections, free h. */
void mock_http_stop(struct mock_http *h);

#endif
