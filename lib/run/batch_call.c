/* The calls of a batch API, whichever it is: the request in the chat
 * dialect's auth and headers, tried again as DESIGN.md says, an error
 * answer in the dialect's words; and what every answer file's line
 * starts with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/batch_internal.h"
#include "run/client.h"

#define TRIES 5

/* Tried TRIES times in all, waits doubling from half a second. */
int
batch_call(const struct batch_conn *c, const char *method, const char *path, const char *body,
           const char *body_path, const char *file, const char *name, int sink, struct buf *ans,
           char *err, size_t errlen)
{
	const struct dialect *api = endpoint_api(c->ep);
	char *url = config_url(c->ep, path, 0), *shown = config_url(c->ep, path, 1);
	const char *hdrs[8];
	struct buf beta = {0};
	struct http_call hc = {
		.method = method, .url = url, .shown = shown, .token = c->ep->token,
		.auth = api->auth, .headers = hdrs, .body = body, .body_path = body_path,
		.field = "purpose", .value = "batch", .file_field = "file",
		.file_path = file, .file_name = name, .sink = sink, .o = c->o,
	};
	long status = 0;
	/* A call that makes something (an upload, a batch; a POST that is
	 * not a cancel) is sent again only when it surely was not made: no
	 * connection, or the server's refusal to take it.  A lost answer
	 * fails the step, whose intent is saved: the next run looks for
	 * what was made before it makes anything (batch.c submit_part). */
	int makes = !strcmp(method, "POST") && !strstr(path, "/cancel");
	int retryable, tries, rc = -1;
	useconds_t wait = 500000;

	client_headers(c->ep, hdrs, &beta);
	for (tries = 1; tries <= TRIES; tries++, wait *= 2) {
		if (sink >= 0 && (ftruncate(sink, 0) < 0 || lseek(sink, 0, SEEK_SET) < 0)) {
			snprintf(err, errlen, "cannot rewind the download");
			break;
		}
		if (http_call(&hc, &status, ans, &retryable, err, errlen) < 0) {
			if (!retryable || (makes && retryable != 2))
				break;
		} else if (status >= 200 && status < 300) {
			rc = 0;
			break;
		} else {
			struct llm_error e;
			struct retry_headers h = {0};

			api->http_error(&e, status, ans->data ? ans->data : "", ans->len, &h, time(NULL));
			snprintf(err, errlen, "%s %s: %s", method, shown, e.message);
			if (!e.retryable || (makes && status != 408 && status != 429 &&
			                     status != 503 && status != 529))
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

int
batch_call_info(const struct batch_conn *c, const char *method, const char *path,
                const char *body, const char *body_path,
                void (*read_info)(json_object *o, struct batch_info *bi), struct batch_info *bi,
                char *err, size_t errlen)
{
	json_object *o = batch_call_json(c, method, path, body, body_path, err, errlen);

	if (!o)
		return -1;
	read_info(o, bi);
	json_object_put(o);
	if (!bi->id[0] || !bi->status[0]) {
		snprintf(err, errlen, "the server's batch has no id or status");
		return -1;
	}
	return 0;
}

int
batch_call_at(const struct batch_conn *c, const struct batch_dialect *d, const char *id,
              int cancel, struct batch_info *bi, char *err, size_t errlen)
{
	char path[256];

	snprintf(path, sizeof path, "%s%s%s", d->batches, id, cancel ? "/cancel" : "");
	return batch_call_info(c, cancel ? "POST" : "GET", path, cancel ? d->cancel_body : NULL,
	                       NULL, d->read_info, bi, err, errlen);
}

int
batch_line_open(const char *line, size_t n, struct batch_line *bl, char *err, size_t errlen)
{
	memset(bl, 0, sizeof *bl);
	if (!(bl->tree = json_parse(line, n, err, errlen)))
		return -1;
	if (!(bl->custom_id = json_get_str(bl->tree, "custom_id"))) {
		snprintf(err, errlen, "a line of the batch's answers has no custom_id");
		batch_line_free(bl);
		return -1;
	}
	return 0;
}

void
batch_line_free(struct batch_line *bl)
{
	json_object_put(bl->tree);
	bl->tree = NULL;
}
