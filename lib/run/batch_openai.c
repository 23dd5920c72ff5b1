/* OpenAI's batch API: /v1/files and /v1/batches
 * (https://platform.openai.com/docs/api-reference/batch), which the
 * providers that copy OpenAI's API copy too. */
#include <stdio.h>
#include <string.h>

#include "run/batch_internal.h"

static int
copy_id(json_object *o, char *id, size_t idlen, char *err, size_t errlen)
{
	const char *s = json_get_str(o, "id");

	if (!s || strlen(s) >= idlen) {
		snprintf(err, errlen, "the server's answer has no usable id");
		return -1;
	}
	snprintf(id, idlen, "%s", s);
	return 0;
}

static int
oa_upload(const struct batch_conn *c, const char *path, const char *name, char *id,
          size_t idlen, char *err, size_t errlen)
{
	struct buf ans = {0};
	json_object *o;
	int rc = -1;

	if (batch_call(c, "POST", "/files", NULL, NULL, path, name, -1, &ans, err, errlen) == 0 &&
	    (o = json_parse(ans.data ? ans.data : "", ans.len, err, errlen))) {
		rc = copy_id(o, id, idlen, err, errlen);
		json_object_put(o);
	}
	buf_free(&ans);
	return rc;
}

static int
oa_find_file(const struct batch_conn *c, const char *name, char *id, size_t idlen, char *err,
             size_t errlen)
{
	json_object *o = batch_call_json(c, "GET", "/files", NULL, NULL, err, errlen), *data;
	size_t i;
	int rc = 0;

	if (!o)
		return -1;
	data = json_get(o, "data");
	for (i = 0; json_object_is_type(data, json_type_array) && i < json_object_array_length(data);
	     i++) {
		json_object *f = json_object_array_get_idx(data, i);
		const char *fn = json_get_str(f, "filename");

		if (fn && !strcmp(fn, name)) {
			rc = copy_id(f, id, idlen, err, errlen) < 0 ? -1 : 1;
			break;
		}
	}
	json_object_put(o);
	return rc;
}

static void
info_of(json_object *o, struct batch_info *bi)
{
	json_object *counts = json_get(o, "request_counts");
	json_object *errs = json_get(json_get(o, "errors"), "data"), *e0 = NULL;
	const char *s;

	if (json_object_is_type(errs, json_type_array) && json_object_array_length(errs) > 0)
		e0 = json_object_array_get_idx(errs, 0);

	memset(bi, 0, sizeof *bi);
	snprintf(bi->id, sizeof bi->id, "%s", (s = json_get_str(o, "id")) ? s : "");
	snprintf(bi->status, sizeof bi->status, "%s", (s = json_get_str(o, "status")) ? s : "");
	snprintf(bi->output, sizeof bi->output, "%s",
	         (s = json_get_str(o, "output_file_id")) ? s : "");
	snprintf(bi->error, sizeof bi->error, "%s", (s = json_get_str(o, "error_file_id")) ? s : "");
	bi->total = json_object_get_int64(json_get(counts, "total"));
	bi->completed = json_object_get_int64(json_get(counts, "completed"));
	bi->failed = json_object_get_int64(json_get(counts, "failed"));
	if (e0) {
		const char *code = json_get_str(e0, "code"), *msg = json_get_str(e0, "message");

		snprintf(bi->message, sizeof bi->message, "%s%s%s", code ? code : "",
		         code ? ": " : "", msg ? msg : "");
	}
	one_line(bi->message, sizeof bi->message - 1);
}

static int
oa_create(const struct batch_conn *c, const char *file_id, const char *path, const char *run,
          int part, struct batch_info *bi, char *err, size_t errlen)
{
	struct buf body = {0};
	struct jw w;
	int rc;

	(void)path;
	jw_start(&w, &body);
	jw_open(&w, '{');
	jw_kv_str(&w, "input_file_id", file_id);
	jw_kv_str(&w, "endpoint", "/v1/chat/completions");
	jw_kv_str(&w, "completion_window", "24h");
	/* what names the run on the server, for a resume to find it by */
	jw_key(&w, "metadata");
	jw_open(&w, '{');
	jw_kv_str(&w, "llm_batch_run", run);
	jw_key(&w, "llm_batch_part");
	buf_addf(&body, "\"%d\"", part);
	w.more = 1;
	jw_close(&w, '}');
	jw_close(&w, '}');
	rc = batch_call_info(c, "POST", "/batches", body.data, NULL, info_of, bi, err, errlen);
	buf_free(&body);
	return rc;
}

/* The batches listed, page by page (newest first), until one of run and
 * part is found. */
static int
oa_find_batch(const struct batch_conn *c, const struct batch *b, const struct batch_part *bp,
              struct batch_info *bi, char *err, size_t errlen)
{
	char path[256], want[16], after[128] = "";
	const char *run = b->run;
	int pages;

	snprintf(want, sizeof want, "%d", bp->index);
	for (pages = 0; pages < 1000; pages++) {
		json_object *o, *data;
		size_t i;

		snprintf(path, sizeof path, "/batches?limit=100%s%s", after[0] ? "&after=" : "", after);
		if (!(o = batch_call_json(c, "GET", path, NULL, NULL, err, errlen)))
			return -1;
		data = json_get(o, "data");
		if (!json_object_is_type(data, json_type_array)) {
			json_object_put(o);
			snprintf(err, errlen, "the server's list of batches has no data");
			return -1;
		}
		for (i = 0; i < json_object_array_length(data); i++) {
			json_object *x = json_object_array_get_idx(data, i), *m = json_get(x, "metadata");
			const char *r = json_get_str(m, "llm_batch_run"), *p = json_get_str(m, "llm_batch_part");

			if (r && p && !strcmp(r, run) && !strcmp(p, want)) {
				info_of(x, bi);
				json_object_put(o);
				return 1;
			}
		}
		i = json_object_array_length(data);
		if (!json_object_get_boolean(json_get(o, "has_more")) || i == 0) {
			json_object_put(o);
			return 0;
		}
		snprintf(after, sizeof after, "%s",
		         json_get_str(json_object_array_get_idx(data, i - 1), "id") ?
		         json_get_str(json_object_array_get_idx(data, i - 1), "id") : "");
		json_object_put(o);
		if (!after[0])
			return 0;
	}
	return 0;
}

static int
oa_read_line(const char *line, size_t n, struct batch_line *bl, char *err, size_t errlen)
{
	json_object *resp, *e;

	if (batch_line_open(line, n, bl, err, errlen) < 0)
		return -1;
	resp = json_get(bl->tree, "response");
	e = json_get(bl->tree, "error");
	if (resp) {
		bl->status = (int)json_object_get_int(json_get(resp, "status_code"));
		bl->request_id = json_get_str(resp, "request_id");
		bl->body = json_get(resp, "body");
	}
	if (!resp || bl->status == 0) {
		bl->status = 0;
		bl->code = json_get_str(e, "code");
		bl->message = json_get_str(e, "message");
		if (!bl->code)
			bl->code = "unknown";
	}
	return 0;
}

static const char *const oa_ended[] = {"completed", "failed", "expired", "cancelled", NULL};

const struct batch_dialect batch_openai = {
	.name = "openai",
	.max_requests = 50000,
	.max_bytes = 200LL << 20,
	.post_url = "/v1/chat/completions",
	.body_key = "body",
	.upload = oa_upload,
	.find_file = oa_find_file,
	.create = oa_create,
	.find_batch = oa_find_batch,
	.batches = "/batches/",
	.cancel_body = "{}",
	.read_info = info_of,
	.results = "/files/",
	.results_what = "/content",
	.read_line = oa_read_line,
	.ended = oa_ended,
};
