/* The calls of a batch API, whichever it is: the request in the chat
 * dialect's auth and headers, tried again as DESIGN.md says, an error
 * answer in the dialect's words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/batch_internal.h"

#define TRIES 5

/* Tried TRIES times in all, waits doubling from half a second. */
int
batch_call(const struct batch_conn *c, const char *method, const char *path, const char *body,
           const char *body_path, const char *file, const char *name, int sink, struct buf *ans,
           char *err, size_t errlen)
{
	const struct dialect *api = c->ep->api ? c->ep->api : &dialect_openai;
	char *url = config_url(c->ep, path, 0), *shown = config_url(c->ep, path, 1);
	const char *hdrs[8];
	struct buf beta = {0};
	struct http_call hc = {
		.method = method, .url = url, .shown = shown, .token = c->ep->token,
		.auth = api->auth, .headers = hdrs, .body = body, .len = body ? strlen(body) : 0,
		.body_path = body_path, .field = "purpose", .value = "batch", .file_field = "file",
		.file_path = file, .file_name = name, .sink = sink, .o = c->o,
	};
	long status = 0;
	int retryable, tries, rc = -1;
	size_t n = 0;
	useconds_t wait = 500000;

	for (; api->headers && api->headers[n] && n < 6; n++)
		hdrs[n] = api->headers[n];
	if (api->beta && c->ep->beta) {
		buf_addf(&beta, "%s: %s", api->beta, c->ep->beta);
		hdrs[n++] = beta.data;
	}
	hdrs[n] = NULL;
	for (tries = 1; tries <= TRIES; tries++, wait *= 2) {
		if (sink >= 0 && (ftruncate(sink, 0) < 0 || lseek(sink, 0, SEEK_SET) < 0)) {
			snprintf(err, errlen, "cannot rewind the download");
			break;
		}
		if (http_call(&hc, &status, ans, &retryable, err, errlen) < 0) {
			if (!retryable)
				break;
		} else if (status >= 200 && status < 300) {
			rc = 0;
			break;
		} else {
			struct llm_error e;
			struct retry_headers h = {0};

			api->http_error(&e, status, ans->data ? ans->data : "", ans->len, &h, time(NULL));
			snprintf(err, errlen, "%s %s: %s", method, shown, e.message);
			if (!e.retryable)
				break;
		}
		if (tries < TRIES)
			usleep(wait);
	}
	free(url);
	free(shown);
	buf_free(&beta);
	return rc;
}

json_object *
batch_call_json(const struct batch_conn *c, const char *method, const char *path,
                const char *body, const char *body_path, char *err, size_t errlen)
{
	struct buf ans = {0};
	json_object *o = NULL;

	if (batch_call(c, method, path, body, body_path, NULL, NULL, -1, &ans, err, errlen) == 0)
		o = json_parse(ans.data ? ans.data : "", ans.len, err, errlen);
	buf_free(&ans);
	return o;
}
