#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strmap.h"
#include "json/json.h"
#include "mock/mock_batch.h"
#include "mock/mock_internal.h"

/* One file held: an upload or a batch's output. */
struct mfile {
	char id[40];
	char *name;
	const char *purpose;	/* "batch" or "batch_output" */
	long long created;
	struct buf data;
	int deleted;
};

struct mbatch {
	char id[40];
	char input[40];		/* the input file's id */
	char *endpoint;
	char *metadata;		/* its JSON text, or NULL */
	double created;		/* wall seconds */
	double cancel_at;	/* wall seconds; 0: not cancelled */
	const char *end;	/* the status it ended in; NULL: not ended */
	double ended;
	char output[40], error[40];	/* file ids, "" when none */
	long long total, completed, failed;
	char *errors;		/* JSON of a failed validation, or NULL */
	int anthropic;		/* a Message Batch: completed counts the succeeded,
				 * failed the errored */
	long long canceled, expired;
};

struct mock_batch {
	struct mock *m;
	struct mock_batch_opts o;
	pthread_mutex_t lock;
	struct mfile *files;
	size_t nfiles;
	struct mbatch *batches;
	size_t nbatches;
	long long held;		/* bytes of files held */
	unsigned long long seq;
};

static const char ctype_json[] = "application/json";

#define AN_URL "/v1/messages/batches"
#define AN_MAX_REQUESTS 100000	/* Anthropic's limit of one batch */

struct mock_batch *
mock_batch_new(struct mock *m, const struct mock_batch_opts *o)
{
	struct mock_batch *b = ecalloc(1, sizeof *b);

	b->m = m;
	b->o = *o;
	if (b->o.max_bytes <= 0)
		b->o.max_bytes = MOCK_BATCH_MAXBYTES;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void
mock_batch_free(struct mock_batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nfiles; i++) {
		free(b->files[i].name);
		buf_free(&b->files[i].data);
	}
	for (i = 0; i < b->nbatches; i++) {
		free(b->batches[i].endpoint);
		free(b->batches[i].metadata);
		free(b->batches[i].errors);
	}
	free(b->files);
	free(b->batches);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int
mock_batch_route(const char *url)
{
	return !strcmp(url, "/v1/files") || !strncmp(url, "/v1/files/", 10) ||
	       !strcmp(url, "/v1/batches") || !strncmp(url, "/v1/batches/", 12) ||
	       !strcmp(url, AN_URL) || !strncmp(url, AN_URL "/", sizeof AN_URL);
}

/* An error answer in OpenAI's shape, or with an in Anthropic's (which
 * has no code); its status. */
static int
error(struct buf *out, int an, int status, const char *code, const char *msg)
{
	if (an)
		mock_anthropic_error_json(out, status, msg);
	else
		mock_error_json(out, msg, mock_status_row(status)->type, code);
	return status;
}

static struct mfile *
file_find(struct mock_batch *b, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < b->nfiles; i++)
		if (!b->files[i].deleted && strlen(b->files[i].id) == n &&
		    !memcmp(b->files[i].id, id, n))
			return &b->files[i];
	return NULL;
}

static struct mbatch *
batch_find(struct mock_batch *b, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < b->nbatches; i++)
		if (strlen(b->batches[i].id) == n && !memcmp(b->batches[i].id, id, n))
			return &b->batches[i];
	return NULL;
}

/* A new file holding data (moved in); NULL past the cap on bytes. */
static struct mfile *
file_add(struct mock_batch *b, const char *name, size_t namelen, const char *purpose,
         struct buf *data)
{
	struct mfile *f;

	if (b->held + (long long)data->len > b->o.max_bytes)
		return NULL;
	b->files = erealloc(b->files, (b->nfiles + 1) * sizeof *b->files);
	f = &b->files[b->nfiles++];
	memset(f, 0, sizeof *f);
	snprintf(f->id, sizeof f->id, "file-mock%llu", ++b->seq);
	f->name = estrndup(name, namelen);
	f->purpose = purpose;
	f->created = (long long)mock_wall();
	f->data = *data;
	memset(data, 0, sizeof *data);
	b->held += (long long)f->data.len;
	return f;
}

static void
file_json(struct jw *w, const struct mfile *f)
{
	jw_open(w, '{');
	jw_kv_str(w, "id", f->id);
	jw_kv_str(w, "object", "file");
	jw_kv_int(w, "bytes", (long long)f->data.len);
	jw_kv_int(w, "created_at", f->created);
	jw_kv_str(w, "filename", f->name);
	jw_kv_str(w, "purpose", f->purpose);
	jw_close(w, '}');
}

/* The value of attribute attr ("name=") in a part's headers, or NULL. */
static const char *
part_attr(const char *h, size_t hn, const char *attr, size_t *n)
{
	size_t an = strlen(attr);
	const char *p = h, *end = h + hn, *q;

	while ((p = memmem(p, (size_t)(end - p), attr, an))) {
		if (p > h && (p[-1] == ' ' || p[-1] == ';')) {
			p += an;
			if (p < end && *p == '"') {
				p++;
				if (!(q = memchr(p, '"', (size_t)(end - p))))
					return NULL;
			} else {
				for (q = p; q < end && *q != ';' && *q != '\r'; q++)
					;
			}
			*n = (size_t)(q - p);
			return p;
		}
		p += an;
	}
	return NULL;
}

/* POST /v1/files: multipart/form-data with purpose=batch and file. */
static int
upload(struct mock_batch *b, const char *ctype, const char *body, size_t len, struct buf *out)
{
	const char *bd, *p, *end = body + len, *fname = NULL, *fdata = NULL, *purpose = NULL;
	size_t bn, fnl = 0, fdl = 0, pl = 0;
	char delim[256];
	struct buf data = {0};
	struct jw w;
	struct mfile *f;

	if (!ctype || strncmp(ctype, "multipart/form-data", 19) ||
	    !(bd = part_attr(ctype, strlen(ctype), "boundary=", &bn)) || bn + 4 > sizeof delim)
		return error(out, 0, 400, "invalid_request", "mock: a file comes as multipart/form-data");
	snprintf(delim, sizeof delim, "--%.*s", (int)bn, bd);
	bn += 2;
	p = memmem(body, len, delim, bn);
	while (p && (p += bn) + 2 <= end && memcmp(p, "--", 2)) {
		const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4), *content, *next,
		           *name;
		size_t nl;

		if (!hend)
			break;
		content = hend + 4;
		if (!(next = memmem(content, (size_t)(end - content), delim, bn)) || next - content < 2)
			break;
		name = part_attr(p, (size_t)(hend - p), "name=", &nl);
		if (name && nl == 7 && !memcmp(name, "purpose", 7)) {
			purpose = content;
			pl = (size_t)(next - 2 - content);
		} else if (name && nl == 4 && !memcmp(name, "file", 4)) {
			fdata = content;
			fdl = (size_t)(next - 2 - content);
			if (!(fname = part_attr(p, (size_t)(hend - p), "filename=", &fnl)))
				fname = "upload.jsonl", fnl = 12;
		}
		p = next;
	}
	if (!purpose || pl != 5 || memcmp(purpose, "batch", 5))
		return error(out, 0, 400, "invalid_request", "mock: purpose must be 'batch'");
	if (!fdata)
		return error(out, 0, 400, "invalid_request", "mock: no 'file' part");
	buf_add(&data, fdata, fdl);
	pthread_mutex_lock(&b->lock);
	if (!(f = file_add(b, fname, fnl, "batch", &data))) {
		pthread_mutex_unlock(&b->lock);
		buf_free(&data);
		return error(out, 0, 413, "file_too_large", "mock: the batch store is full (--batch-max-bytes)");
	}
	jw_start(&w, out);
	file_json(&w, f);
	pthread_mutex_unlock(&b->lock);
	return 200;
}

/* A line's answer: status, the body (JSON) into resp. */
static int
line_answer(struct mock_batch *b, int anthropic, json_object *body, struct buf *resp,
            struct buf *scratch)
{
	struct mock_answer a;
	json_object *o;
	char err[ERRLEN];
	int status;

	json_line(body, scratch);
	(anthropic ? mock_anthropic_reply : mock_reply)(b->m, scratch->data, scratch->len, &a);
	status = a.status;
	buf_reset(resp);
	if (a.raw) {
		/* a rule's body may be anything: kept when it is JSON */
		if ((o = json_parse(a.body.data ? a.body.data : "", a.body.len, err, sizeof err))) {
			json_line(o, resp);
			json_object_put(o);
		} else
			error(resp, anthropic, 500, NULL, "mock: the answer was not JSON");
	} else {
		a.faults &= ~(unsigned)MOCK_F_HUGE;
		(anthropic ? mock_anthropic_completion : mock_completion)(&a, resp, NULL);
	}
	mock_answer_free(&a);
	return status;
}

/* Add one output line to o: its response, or its error code. */
static void
out_line(struct buf *o, unsigned long long n, const char *custom_id, size_t idlen, int status,
         const struct buf *resp, const char *code, const char *msg)
{
	struct jw w;

	jw_start(&w, o);
	jw_open(&w, '{');
	jw_key(&w, "id");
	buf_addf(o, "\"batch_req_%llu\"", n);
	w.more = 1;
	jw_key(&w, "custom_id"); jw_str(&w, custom_id, idlen);
	jw_key(&w, "response");
	if (code)
		jw_null(&w);
	else {
		jw_open(&w, '{');
		jw_kv_int(&w, "status_code", status);
		jw_key(&w, "request_id");
		buf_addf(o, "\"req_mock%llu\"", n);
		w.more = 1;
		jw_key(&w, "body"); jw_raw(&w, resp->data, resp->len);
		jw_close(&w, '}');
	}
	jw_key(&w, "error");
	if (code) {
		jw_open(&w, '{');
		jw_kv_str(&w, "code", code);
		jw_kv_str(&w, "message", msg);
		jw_close(&w, '}');
	} else
		jw_null(&w);
	jw_close(&w, '}');
	buf_add(o, "\n", 1);
}

/* Add one result line of a Message Batch to o: type, and the message
 * or error (resp) for succeeded and errored. */
static void
an_line(struct buf *o, const char *custom_id, size_t idlen, const char *type,
        const struct buf *resp)
{
	struct jw w;

	jw_start(&w, o);
	jw_open(&w, '{');
	jw_key(&w, "custom_id"); jw_str(&w, custom_id, idlen);
	jw_key(&w, "result");
	jw_open(&w, '{');
	jw_kv_str(&w, "type", type);
	if (resp) {
		jw_key(&w, strcmp(type, "succeeded") ? "error" : "message");
		jw_raw(&w, resp->data, resp->len);
	}
	jw_close(&w, '}');
	jw_close(&w, '}');
	buf_add(o, "\n", 1);
}

/* Check the input file: every line a request with a custom_id.  NULL, or
 * the errors JSON of a failed validation. */
static char *
validate(const struct mfile *in, long long *total)
{
	const char *p = in->data.data, *end = p + in->data.len;
	struct buf e = {0};
	long line = 0;

	*total = 0;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_object *o;
		char err[ERRLEN];

		line++;
		if (n > 0) {
			o = json_parse(p, n, err, sizeof err);
			if (!o || !json_get_str(o, "custom_id") ||
			    !json_object_is_type(json_get(o, "body"), json_type_object)) {
				struct jw w;

				jw_start(&w, &e);
				jw_open(&w, '{');
				jw_kv_str(&w, "object", "list");
				jw_key(&w, "data"); jw_open(&w, '[');
				jw_open(&w, '{');
				jw_kv_str(&w, "code", "invalid_request");
				jw_kv_str(&w, "message",
				       o ? "a line needs custom_id and a body object" : err);
				jw_kv_int(&w, "line", line);
				jw_close(&w, '}');
				jw_close(&w, ']');
				jw_close(&w, '}');
				json_object_put(o);
				return e.data;
			}
			json_object_put(o);
			(*total)++;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

/* The batch has ended as status (at reached lines answered): write its
 * output and error files.  Called with the lock held. */
static void
batch_end(struct mock_batch *b, struct mbatch *x, const char *status, long long reached)
{
	struct mfile *in = file_find(b, x->input, strlen(x->input)), *f;
	struct buf ok = {0}, bad = {0}, resp = {0}, scratch = {0};
	const char *p, *end;
	long long k = 0;
	char name[80];

	x->end = status;
	x->ended = mock_wall();
	if (!in)
		return;
	p = in->data.data;
	end = p + in->data.len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_object *o;
		char err[ERRLEN];

		if (n > 0 && (o = json_parse(p, n, err, sizeof err))) {
			json_object *cid = json_get(o, "custom_id");
			const char *id = json_object_get_string(cid);
			size_t idl = (size_t)json_object_get_string_len(cid);
			unsigned long long seq = ++b->seq;

			if (k < reached) {
				int st = line_answer(b, x->anthropic,
				                     json_get(o, x->anthropic ? "params" : "body"), &resp,
				                     &scratch);

				/* Anthropic's: one results file, a line for every request */
				if (x->anthropic)
					an_line(&ok, id, idl, st == 200 ? "succeeded" : "errored", &resp);
				else
					out_line(st == 200 ? &ok : &bad, seq, id, idl, st, &resp, NULL, NULL);
				if (st == 200)
					x->completed++;
				else
					x->failed++;
			} else if (x->anthropic && !strcmp(status, "expired")) {
				an_line(&ok, id, idl, "expired", NULL);
				x->expired++;
			} else if (x->anthropic) {
				an_line(&ok, id, idl, "canceled", NULL);
				x->canceled++;
			} else if (!strcmp(status, "expired")) {
				out_line(&bad, seq, id, idl, 0, NULL, "batch_expired",
				         "This request could not be executed before the completion "
				         "window expired.");
				x->failed++;
			}
			k++;
			json_object_put(o);
		}
		p = nl ? nl + 1 : end;
	}
	if (ok.len) {
		snprintf(name, sizeof name, "%s_output.jsonl", x->id);
		if ((f = file_add(b, name, strlen(name), x->anthropic ? "messages_results" :
		                  "batch_output", &ok)))
			snprintf(x->output, sizeof x->output, "%s", f->id);
	}
	if (bad.len) {
		snprintf(name, sizeof name, "%s_error.jsonl", x->id);
		if ((f = file_add(b, name, strlen(name), "batch_output", &bad)))
			snprintf(x->error, sizeof x->error, "%s", f->id);
	}
	if ((ok.len && !x->output[0]) || (bad.len && !x->error[0])) {
		x->end = "failed";
		free(x->errors);
		x->errors = estrdup("{\"object\":\"list\",\"data\":[{\"code\":\"mock_store_full\","
		                    "\"message\":\"mock: the batch store is full (--batch-max-bytes)\"}]}");
	}
	buf_free(&ok);
	buf_free(&bad);
	buf_free(&resp);
	buf_free(&scratch);
}

/* Where a batch is now; ends it when its time has come.  Lock held. */
static const char *
batch_status(struct mock_batch *b, struct mbatch *x)
{
	double now = mock_wall(), s = b->o.seconds, e = now - x->created;

	if (x->end)
		return x->end;
	if (x->cancel_at > 0) {
		double at = x->cancel_at - x->created;
		long long reached = at < s ? 0 : at >= 2 * s ? x->total :
		                    (long long)((double)x->total * (at - s) / s);

		if (now - x->cancel_at < s)
			return "cancelling";
		batch_end(b, x, "cancelled", reached);
		return x->end;
	}
	if (e < s)
		return "validating";
	if (e < 2 * s)
		return "in_progress";
	if (e < 3 * s)
		return "finalizing";
	if (b->o.expire > 0)
		batch_end(b, x, "expired", x->total > b->o.expire ? x->total - b->o.expire : 0);
	else
		batch_end(b, x, "completed", x->total);
	return x->end;
}

static void
batch_json(struct mock_batch *b, struct jw *w, struct mbatch *x)
{
	const char *st = batch_status(b, x);
	long long created = (long long)x->created, s = (long long)b->o.seconds;

	jw_open(w, '{');
	jw_kv_str(w, "id", x->id);
	jw_kv_str(w, "object", "batch");
	jw_kv_str(w, "endpoint", x->endpoint);
	jw_key(w, "errors");
	if (x->errors)
		jw_raw(w, x->errors, strlen(x->errors));
	else
		jw_null(w);
	jw_kv_str(w, "input_file_id", x->input);
	jw_kv_str(w, "completion_window", "24h");
	jw_kv_str(w, "status", st);
	jw_key(w, "output_file_id");
	if (x->output[0]) jw_strz(w, x->output); else jw_null(w);
	jw_key(w, "error_file_id");
	if (x->error[0]) jw_strz(w, x->error); else jw_null(w);
	jw_kv_int(w, "created_at", created);
	jw_kv_int(w, "expires_at", created + 86400);
	jw_key(w, "in_progress_at");
	if (strcmp(st, "validating") && !x->errors) jw_int(w, created + s); else jw_null(w);
	jw_key(w, "completed_at");
	if (!strcmp(st, "completed")) jw_int(w, (long long)x->ended); else jw_null(w);
	jw_key(w, "expired_at");
	if (!strcmp(st, "expired")) jw_int(w, (long long)x->ended); else jw_null(w);
	jw_key(w, "failed_at");
	if (!strcmp(st, "failed")) jw_int(w, (long long)x->ended); else jw_null(w);
	jw_key(w, "cancelling_at");
	if (x->cancel_at > 0) jw_int(w, (long long)x->cancel_at); else jw_null(w);
	jw_key(w, "cancelled_at");
	if (!strcmp(st, "cancelled")) jw_int(w, (long long)x->ended); else jw_null(w);
	jw_key(w, "request_counts");
	jw_open(w, '{');
	jw_kv_int(w, "total", x->total);
	jw_kv_int(w, "completed", x->completed);
	jw_kv_int(w, "failed", x->failed);
	jw_close(w, '}');
	jw_key(w, "metadata");
	if (x->metadata)
		jw_raw(w, x->metadata, strlen(x->metadata));
	else
		jw_null(w);
	jw_close(w, '}');
}

/* POST /v1/batches: {"input_file_id","endpoint","completion_window","metadata"}. */
static int
create(struct mock_batch *b, const char *body, size_t len, struct buf *out)
{
	char err[ERRLEN];
	json_object *o = json_parse(body, len, err, sizeof err), *meta;
	const char *in = json_get_str(o, "input_file_id"), *ep = json_get_str(o, "endpoint");
	struct mfile *f;
	struct mbatch *x;
	struct buf mb = {0};
	struct jw w;

	if (!o || !in || !ep) {
		json_object_put(o);
		return error(out, 0, 400, "invalid_request",
		             "mock: a batch needs input_file_id and endpoint");
	}
	if (strcmp(ep, "/v1/chat/completions")) {
		json_object_put(o);
		return error(out, 0, 400, "invalid_request", "mock: the endpoint must be /v1/chat/completions");
	}
	pthread_mutex_lock(&b->lock);
	if (!(f = file_find(b, in, strlen(in))) || strcmp(f->purpose, "batch")) {
		pthread_mutex_unlock(&b->lock);
		json_object_put(o);
		return error(out, 0, 404, "not_found", "mock: no such input file");
	}
	b->batches = erealloc(b->batches, (b->nbatches + 1) * sizeof *b->batches);
	x = &b->batches[b->nbatches++];
	memset(x, 0, sizeof *x);
	snprintf(x->id, sizeof x->id, "batch_mock%llu", ++b->seq);
	snprintf(x->input, sizeof x->input, "%s", f->id);
	x->endpoint = estrdup(ep);
	if ((meta = json_get(o, "metadata")) && json_object_is_type(meta, json_type_object)) {
		json_line(meta, &mb);
		x->metadata = mb.data;
	}
	x->created = mock_wall();
	if ((x->errors = validate(f, &x->total))) {
		x->end = "failed";
		x->ended = x->created;
	}
	jw_start(&w, out);
	batch_json(b, &w, x);
	pthread_mutex_unlock(&b->lock);
	json_object_put(o);
	return 200;
}

static int
list(struct mock_batch *b, int files, struct buf *out)
{
	struct jw w;
	size_t i;

	jw_start(&w, out);
	jw_open(&w, '{');
	jw_kv_str(&w, "object", "list");
	jw_key(&w, "data"); jw_open(&w, '[');
	pthread_mutex_lock(&b->lock);
	if (files) {
		for (i = 0; i < b->nfiles; i++)
			if (!b->files[i].deleted && strncmp(b->files[i].purpose, "messages", 8))
				file_json(&w, &b->files[i]);
	} else {
		/* newest first, as OpenAI lists them */
		for (i = b->nbatches; i-- > 0;)
			if (!b->batches[i].anthropic)
				batch_json(b, &w, &b->batches[i]);
	}
	pthread_mutex_unlock(&b->lock);
	jw_close(&w, ']');
	jw_key(&w, "has_more"); jw_raw(&w, "false", 5);
	jw_close(&w, '}');
	return 200;
}

/* rest is "ID" or "ID" + suffix: *n the ID's length, *with whether the
 * suffix follows; -1 for anything else. */
static int
path_id(const char *rest, const char *suffix, size_t *n, int *with)
{
	const char *slash = strchr(rest, '/');

	*n = slash ? (size_t)(slash - rest) : strlen(rest);
	*with = slash != NULL;
	return slash && strcmp(slash, suffix) ? -1 : 0;
}

/* /v1/files/ID[/content] */
static int
file_req(struct mock_batch *b, const char *method, const char *rest, struct buf *out,
         const char **ctype)
{
	size_t n;
	int slash;
	struct mfile *f;
	struct jw w;
	int st = 200;

	if (path_id(rest, "/content", &n, &slash) < 0)
		return error(out, 0, 404, "unknown_url", "mock: unknown request URL");
	pthread_mutex_lock(&b->lock);
	if (!(f = file_find(b, rest, n)))
		st = error(out, 0, 404, "not_found", "mock: no such file");
	else if (slash) {
		if (strcmp(method, "GET"))
			st = error(out, 0, 405, NULL, "mock: method not allowed");
		else {
			buf_add(out, f->data.data ? f->data.data : "", f->data.len);
			*ctype = "application/octet-stream";
		}
	} else if (!strcmp(method, "DELETE")) {
		f->deleted = 1;
		b->held -= (long long)f->data.len;
		buf_free(&f->data);
		jw_start(&w, out);
		jw_open(&w, '{');
		jw_kv_str(&w, "id", f->id);
		jw_kv_str(&w, "object", "file");
		jw_key(&w, "deleted"); jw_raw(&w, "true", 4);
		jw_close(&w, '}');
	} else if (!strcmp(method, "GET")) {
		jw_start(&w, out);
		file_json(&w, f);
	} else
		st = error(out, 0, 405, NULL, "mock: method not allowed");
	pthread_mutex_unlock(&b->lock);
	return st;
}

/* Anthropic's Message Batches (https://docs.anthropic.com/en/api/
 * creating-message-batches): the same batches, in its shapes. */

/* t as RFC 3339, as Anthropic writes its times. */
static void
rfc3339(double t, char out[48])
{
	time_t s = (time_t)t;
	struct tm tm;
	char day[32];

	gmtime_r(&s, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s.%06dZ", day, (int)((t - (double)s) * 1e6));
}

static void
an_time(struct jw *w, const char *key, double t)
{
	char when[48];

	jw_key(w, key);
	if (t > 0) {
		rfc3339(t, when);
		jw_strz(w, when);
	} else
		jw_null(w);
}

static void
an_batch_json(struct mock_batch *b, struct jw *w, struct mbatch *x, const char *host)
{
	const char *st = batch_status(b, x);
	int ended = x->end != NULL, results = ended && x->output[0];
	long long done = x->completed + x->failed + x->canceled + x->expired;

	(void)st;
	jw_open(w, '{');
	jw_kv_str(w, "id", x->id);
	jw_kv_str(w, "type", "message_batch");
	jw_kv_str(w, "processing_status",
	       ended ? "ended" : x->cancel_at > 0 ? "canceling" : "in_progress");
	jw_key(w, "request_counts");
	jw_open(w, '{');
	jw_kv_int(w, "processing", ended ? 0 : x->total - done);
	jw_kv_int(w, "succeeded", x->completed);
	jw_kv_int(w, "errored", x->failed);
	jw_kv_int(w, "canceled", x->canceled);
	jw_kv_int(w, "expired", x->expired);
	jw_close(w, '}');
	an_time(w, "ended_at", ended ? x->ended : 0);
	an_time(w, "created_at", x->created);
	an_time(w, "expires_at", x->created + 86400);
	jw_key(w, "archived_at"); jw_null(w);
	an_time(w, "cancel_initiated_at", x->cancel_at);
	jw_key(w, "results_url");
	if (results) {
		jw_str_open(w);
		buf_addf(w->b, "http://%s" AN_URL "/%s/results", host ? host : "localhost", x->id);
		jw_str_close(w);
	} else
		jw_null(w);
	jw_close(w, '}');
}

/* A custom_id as Anthropic takes it: ^[a-zA-Z0-9_-]{1,64}$ */
static int
an_custom_id(const char *s, size_t n)
{
	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* POST /v1/messages/batches: {"requests":[{"custom_id","params"},...]},
 * held as a file of one request a line. */
static int
an_create(struct mock_batch *b, const char *body, size_t len, const char *host, struct buf *out)
{
	char err[ERRLEN], msg[ERRLEN + 64];
	json_object *o = json_parse(body, len, err, sizeof err), *reqs = json_get(o, "requests");
	size_t i, n = json_object_is_type(reqs, json_type_array) ? json_object_array_length(reqs) : 0;
	struct strmap ids = {0};
	struct buf data = {0};
	struct mfile *f;
	struct mbatch *x;
	struct jw w;

	msg[0] = '\0';
	if (!n || n > AN_MAX_REQUESTS)
		snprintf(msg, sizeof msg, "requests: %s", !o ? err : !n ?
		         "a list of 1 to 100000 requests is required" : "more than 100000 requests");
	for (i = 0; i < n && !msg[0]; i++) {
		json_object *r = json_object_array_get_idx(reqs, i), *cid = json_get(r, "custom_id");
		const char *id = json_object_is_type(cid, json_type_string) ?
		                 json_object_get_string(cid) : NULL;
		size_t idl = id ? (size_t)json_object_get_string_len(cid) : 0;
		int added = 0;

		if (!id || !an_custom_id(id, idl))
			snprintf(msg, sizeof msg, "requests.%zu.custom_id: String should match "
			         "pattern '^[a-zA-Z0-9_-]{1,64}$'", i);
		else if (!json_object_is_type(json_get(r, "params"), json_type_object))
			snprintf(msg, sizeof msg, "requests.%zu.params: Field required", i);
		else if (strmap_intern(&ids, id, idl, &added), !added)
			snprintf(msg, sizeof msg, "requests.%zu.custom_id: duplicate custom_id %.64s",
			         i, id);
		else {
			jw_start(&w, &data);
			jw_tree(&w, r);
			buf_add(&data, "\n", 1);
		}
	}
	strmap_free(&ids);
	json_object_put(o);
	if (msg[0]) {
		buf_free(&data);
		return error(out, 1, 400, NULL, msg);
	}
	pthread_mutex_lock(&b->lock);
	if (!(f = file_add(b, "requests.jsonl", 14, "messages_batch", &data))) {
		pthread_mutex_unlock(&b->lock);
		buf_free(&data);
		return error(out, 1, 413, NULL, "mock: the batch store is full (--batch-max-bytes)");
	}
	b->batches = erealloc(b->batches, (b->nbatches + 1) * sizeof *b->batches);
	x = &b->batches[b->nbatches++];
	memset(x, 0, sizeof *x);
	snprintf(x->id, sizeof x->id, "msgbatch_mock%llu", ++b->seq);
	snprintf(x->input, sizeof x->input, "%s", f->id);
	x->endpoint = estrdup("/v1/messages");
	x->anthropic = 1;
	x->total = (long long)n;
	x->created = mock_wall();
	jw_start(&w, out);
	an_batch_json(b, &w, x, host);
	pthread_mutex_unlock(&b->lock);
	return 200;
}

/* GET /v1/messages/batches?limit=&after_id=: newest first, a page. */
static int
an_list(struct mock_batch *b, const struct mock_batch_query *q, struct buf *out)
{
	long long limit = q && q->limit ? atoll(q->limit) : 20, k = 0;
	const char *after = q ? q->after : NULL, *first = NULL, *last = NULL;
	size_t i;
	int more = 0, on = !after;
	struct jw w;

	if (limit < 1 || limit > 1000)
		return error(out, 1, 400, NULL, "limit: Input should be between 1 and 1000");
	jw_start(&w, out);
	jw_open(&w, '{');
	jw_key(&w, "data"); jw_open(&w, '[');
	pthread_mutex_lock(&b->lock);
	for (i = b->nbatches; i-- > 0;) {
		struct mbatch *x = &b->batches[i];

		if (!x->anthropic)
			continue;
		if (!on) {
			on = !strcmp(x->id, after);
			continue;
		}
		if (k == limit) {
			more = 1;
			break;
		}
		an_batch_json(b, &w, x, q ? q->host : NULL);
		if (!first)
			first = x->id;
		last = x->id;
		k++;
	}
	jw_close(&w, ']');
	jw_key(&w, "has_more"); jw_raw(&w, more ? "true" : "false", more ? 4 : 5);
	jw_key(&w, "first_id");
	if (first) jw_strz(&w, first); else jw_null(&w);
	jw_key(&w, "last_id");
	if (last) jw_strz(&w, last); else jw_null(&w);
	pthread_mutex_unlock(&b->lock);
	jw_close(&w, '}');
	return 200;
}

/* /v1/batches/ID[/cancel], and with an Anthropic's
 * /v1/messages/batches/ID[/cancel|/results] */
static int
batch_req(struct mock_batch *b, int an, const char *method, const char *rest,
          const struct mock_batch_query *q, struct buf *out, const char **ctype)
{
	const char *slash = strchr(rest, '/'), *what = slash ? slash + 1 : "";
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	int cancel = !strcmp(what, "cancel"), results = an && !strcmp(what, "results");
	struct mbatch *x;
	struct mfile *f;
	struct jw w;
	int st = 200;

	if (slash && !cancel && !results)
		return error(out, an, 404, "unknown_url", "mock: unknown request URL");
	if (strcmp(method, cancel ? "POST" : "GET"))
		return error(out, an, 405, NULL, "mock: method not allowed");
	pthread_mutex_lock(&b->lock);
	if (!(x = batch_find(b, rest, n)) || (an && !x->anthropic))
		st = error(out, an, 404, "not_found",
		           an ? "mock: no such message batch" : "mock: no such batch");
	else if (results) {
		(void)batch_status(b, x);
		if (!x->end || !(f = file_find(b, x->output, strlen(x->output))))
			st = error(out, an, 400, NULL, "mock: the batch has not ended: no results yet");
		else {
			buf_add(out, f->data.data ? f->data.data : "", f->data.len);
			*ctype = "application/binary";
		}
	} else {
		if (cancel && !x->end && x->cancel_at == 0) {
			x->cancel_at = mock_wall();
			/* cancelled before it started: nothing to wait for */
			if (x->cancel_at - x->created < b->o.seconds || b->o.seconds <= 0)
				batch_end(b, x, "cancelled", 0);
		}
		jw_start(&w, out);
		if (an)
			an_batch_json(b, &w, x, q ? q->host : NULL);
		else
			batch_json(b, &w, x);
	}
	pthread_mutex_unlock(&b->lock);
	return st;
}

static int
answer(struct mock_batch *b, const char *method, const char *url,
       const char *content_type, const char *body, size_t len,
       const struct mock_batch_query *q, struct buf *out, const char **ctype)
{
	*ctype = ctype_json;
	if (!strcmp(url, AN_URL)) {
		if (!strcmp(method, "POST"))
			return an_create(b, body, len, q ? q->host : NULL, out);
		return strcmp(method, "GET") ? error(out, 1, 405, NULL, "mock: method not allowed")
		                             : an_list(b, q, out);
	}
	if (!strncmp(url, AN_URL "/", sizeof AN_URL))
		return batch_req(b, 1, method, url + sizeof AN_URL, q, out, ctype);
	if (!strcmp(url, "/v1/files") || !strcmp(url, "/v1/batches")) {
		int files = !strcmp(url, "/v1/files");

		if (!strcmp(method, "POST"))
			return files ? upload(b, content_type, body, len, out) : create(b, body, len, out);
		return strcmp(method, "GET") ? error(out, 0, 405, NULL, "mock: method not allowed")
		                             : list(b, files, out);
	}
	if (!strncmp(url, "/v1/files/", 10))
		return file_req(b, method, url + 10, out, ctype);
	return batch_req(b, 0, method, url + 12, q, out, ctype);
}

int
mock_batch_answer(struct mock_batch *b, const char *method, const char *url,
                  const char *content_type, const char *body, size_t len,
                  const struct mock_batch_query *q, struct buf *out, const char **ctype)
{
	int st = answer(b, method, url, content_type, body, len, q, out, ctype), lost = 0;

	/* a call that made something (a POST that is not a cancel) */
	if (st >= 200 && st < 300 && !strcmp(method, "POST") && !strstr(url, "/cancel")) {
		pthread_mutex_lock(&b->lock);
		if (b->o.lose > 0) {
			b->o.lose--;
			lost = 1;
		}
		pthread_mutex_unlock(&b->lock);
	}
	return lost ? 0 : st;
}
