#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net/http.h"

struct sink {
	CURL *easy;
	int fd;
	struct buf *body;
	int failed;		/* writing to fd failed: errno kept */
	int err;
};

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	long status = 0;

	n *= size;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	/* an error's body is a message to read, not the file asked for */
	if (s->fd < 0 || status < 200 || status >= 300) {
		buf_add(s->body, p, n);
		return n;
	}
	if (write_all(s->fd, p, n) < 0) {
		s->failed = 1;
		s->err = errno;
		return 0;
	}
	return n;
}

/* A body_path's bytes, as curl asks for them. */
static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	size_t got = fread(p, 1, size * n, arg);

	return got == 0 && ferror((FILE *)arg) ? CURL_READFUNC_ABORT : got;
}

int
http_call(const struct http_call *c, long *status, struct buf *body, int *retryable,
          char *err, size_t errlen)
{
	CURL *e = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	curl_mime *mime = NULL;
	struct sink s = { .easy = e, .fd = c->sink, .body = body };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf auth = {0};
	CURLcode rc;
	double t0 = now_ms_f();
	FILE *in = NULL;
	size_t i;
	int ret = -1;

	*status = 0;
	*retryable = 0;
	if (!e) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	buf_reset(body);
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; c->headers && c->headers[i]; i++)
		hdrs = curl_slist_append(hdrs, c->headers[i]);
	if (c->token) {
		buf_addf(&auth, "%s%s", c->auth, c->token);
		hdrs = curl_slist_append(hdrs, auth.data);
		memset(auth.data, 0, auth.len);
		buf_free(&auth);
	}
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "llm-batch/0.1");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
	if (c->o) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->o->timeout_ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o->connect_timeout_ms);
	}
	if (c->file_path) {
		curl_mimepart *part;

		mime = curl_mime_init(e);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, c->field);
		curl_mime_data(part, c->value, CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, c->file_field);
		if (curl_mime_filedata(part, c->file_path) != CURLE_OK) {
			snprintf(err, errlen, "%s: cannot read", c->file_path);
			goto out;
		}
		curl_mime_filename(part, c->file_name);
		curl_mime_type(part, "application/jsonl");
		curl_easy_setopt(e, CURLOPT_MIMEPOST, mime);
	} else if (c->body_path) {
		struct stat sb;

		if (!(in = fopen(c->body_path, "r")) || fstat(fileno(in), &sb) < 0) {
			snprintf(err, errlen, "%s: %s", c->body_path, strerror(errno));
			goto out;
		}
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, in);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sb.st_size);
	} else if (c->body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(c->body));
	}
	if (strcmp(c->method, c->body || c->body_path || c->file_path ? "POST" : "GET"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	if (c->o && c->o->trace) {
		char line[1024];

		snprintf(line, sizeof line, "> %s %s", c->method, c->shown ? c->shown : c->url);
		c->o->trace(c->o->trace_arg, line);
	}
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	if (s.failed) {
		snprintf(err, errlen, "cannot write the answer: %s", strerror(s.err));
		goto out;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		/* 2: no connection was made, so the server never saw it */
		*retryable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		             rc == CURLE_COULDNT_RESOLVE_PROXY ? 2 :
		             rc != CURLE_URL_MALFORMAT && rc != CURLE_UNSUPPORTED_PROTOCOL &&
		             rc != CURLE_READ_ERROR;
		goto out;
	}
	if (c->o && c->o->trace) {
		char line[256];

		snprintf(line, sizeof line, "< %ld (%.0f ms)", *status, now_ms_f() - t0);
		c->o->trace(c->o->trace_arg, line);
	}
	ret = 0;
out:
	if (in)
		fclose(in);
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(e);
	return ret;
}
