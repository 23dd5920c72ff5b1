/* Anthropic's Message Batches API: /v1/messages/batches
 * (https://docs.anthropic.com/en/api/creating-message-batches).  No file
 * is uploaded: the part's input file is the body of the create call,
 * {"requests":[{"custom_id","params"},...]}, sent from disk.  A batch's
 * processing_status goes in_progress -> canceling -> ended, and its
 * results are a JSONL file of {"custom_id","result":{"type":...}}.
 *
 * Custom ids must match ^[a-zA-Z0-9_-]{1,64}$, so the ones sent are
 * batch_custom_id()'s, not the records' ids.  A batch carries no
 * metadata, so a resume finds its batch by the time it was made and its
 * count of requests (an_find_batch; llm-batch(1) 'CRASH SAFETY'). */
#include <stdio.h>
#include <string.h>

#include "run/batch_internal.h"
#include "run/pace.h"
#include "wire/anthropic.h"

/* A batch made this long before its intent was saved (the server's
 * clock against ours) is still taken for it on a resume. */
#define SLACK_S 300

/* An RFC 3339 time as Unix seconds (0: none): the time from the epoch,
 * as pace.h reads a reset time. */
static long long
unix_of(const char *s)
{
	double ms = s ? pace_reset_ms(s, 0) : -1;

	return ms > 0 ? (long long)(ms / 1000) : 0;
}

static void
info_of(json_object *o, struct batch_info *bi)
{
	json_object *n = json_get(o, "request_counts");
	/* the server's numbers, of any size: summed without overflowing */
	long long ok = json_object_get_int64(json_get(n, "succeeded")),
	          bad = json_object_get_int64(json_get(n, "errored")),
	          gone = add_sat(json_object_get_int64(json_get(n, "canceled")),
	                         json_object_get_int64(json_get(n, "expired")));
	const char *s;

	memset(bi, 0, sizeof *bi);
	snprintf(bi->id, sizeof bi->id, "%s", (s = json_get_str(o, "id")) ? s : "");
	snprintf(bi->status, sizeof bi->status, "%s",
	         (s = json_get_str(o, "processing_status")) ? s : "");
	/* the results are read by the batch's id from its endpoint (the
	 * token goes nowhere else), once there is a results_url */
	if (json_get_str(o, "results_url"))
		snprintf(bi->output, sizeof bi->output, "%s", bi->id);
	bi->total = add_sat(add_sat(add_sat(ok, bad), gone),
	                    json_object_get_int64(json_get(n, "processing")));
	bi->completed = ok;
	bi->failed = add_sat(bad, gone);
	bi->created_at = unix_of(json_get_str(o, "created_at"));
}

static int
an_create(const struct batch_conn *c, const char *file_id, const char *path, const char *run,
          int part, struct batch_info *bi, char *err, size_t errlen)
{
	(void)file_id;
	(void)run;
	(void)part;
	return batch_call_info(c, "POST", "/messages/batches", NULL, path, info_of, bi, err, errlen);
}

/* Is id the batch of another part of the run? */
static int
owned(const struct batch *b, const struct batch_part *p, const char *id)
{
	size_t i;

	for (i = 0; i < b->nparts; i++)
		if (&b->parts[i] != p && b->parts[i].batch_id && !strcmp(b->parts[i].batch_id, id))
			return 1;
	return 0;
}

/* The batches made since the part's intent was saved (less SLACK_S),
 * newest first, page by page: one whose count of requests is the part's,
 * not cancelled and not another part's, is the part's.  Two or more:
 * it cannot be told which, and none is taken. */
static int
an_find_batch(const struct batch_conn *c, const struct batch *b, const struct batch_part *p,
              struct batch_info *bi, char *err, size_t errlen)
{
	char path[256], after[128] = "";
	struct buf names = {0};
	int pages, found = 0, old = 0;

	for (pages = 0; pages < 1000 && !old; pages++) {
		json_object *o, *data;
		const char *last;
		size_t i;

		snprintf(path, sizeof path, "/messages/batches?limit=100%s%s",
		         after[0] ? "&after_id=" : "", after);
		if (!(o = batch_call_json(c, "GET", path, NULL, NULL, err, errlen))) {
			buf_free(&names);
			return -1;
		}
		data = json_get(o, "data");
		if (!json_object_is_type(data, json_type_array)) {
			json_object_put(o);
			buf_free(&names);
			snprintf(err, errlen, "the server's list of batches has no data");
			return -1;
		}
		for (i = 0; i < json_object_array_length(data); i++) {
			json_object *x = json_object_array_get_idx(data, i);
			struct batch_info xi;

			info_of(x, &xi);
			if (xi.created_at && xi.created_at < p->updated_at - SLACK_S) {
				old = 1;
				break;
			}
			if (xi.total != (long long)p->nrecs || json_get_str(x, "cancel_initiated_at") ||
			    !xi.id[0] || owned(b, p, xi.id))
				continue;
			if (found++ == 0)
				*bi = xi;
			buf_addf(&names, "%s%s", names.len ? ", " : "", xi.id);
		}
		last = json_get_str(o, "last_id");
		snprintf(after, sizeof after, "%s", last ? last : "");
		if (!json_object_get_boolean(json_get(o, "has_more")) || !after[0])
			old = 1;
		json_object_put(o);
	}
	if (found > 1) {
		snprintf(err, errlen, "batch %d: %d batches made while it was being sent could be "
		         "its own (%s) and none names its run: nothing was sent again; cancel "
		         "those that are not this run's and run the command again",
		         p->index, found, names.data);
		buf_free(&names);
		return -1;
	}
	buf_free(&names);
	return found;
}

/* The HTTP status an error type stands for, for the dialect's reading
 * of errors: a result line carries the type alone. */
static int
status_of(const char *type)
{
	static const struct { const char *type; int status; } t[] = {
		{"invalid_request_error", 400}, {"authentication_error", 401},
		{"billing_error", 402}, {"permission_error", 403}, {"not_found_error", 404},
		{"request_too_large", 413}, {"rate_limit_error", 429}, {"api_error", 500},
		{"timeout_error", 504}, {"overloaded_error", 529},
	};
	size_t i;

	for (i = 0; type && i < sizeof t / sizeof *t; i++)
		if (!strcmp(t[i].type, type))
			return t[i].status;
	return 500;
}

static int
an_read_line(const char *line, size_t n, struct batch_line *bl, char *err, size_t errlen)
{
	json_object *res;
	const char *type;

	if (batch_line_open(line, n, bl, err, errlen) < 0)
		return -1;
	res = json_get(bl->tree, "result");
	type = json_get_str(res, "type");
	if (type && !strcmp(type, "succeeded") &&
	    json_object_is_type(json_get(res, "message"), json_type_object)) {
		bl->status = 200;
		bl->body = json_get(res, "message");
		bl->request_id = json_get_str(bl->body, "id");
	} else if (type && !strcmp(type, "errored")) {
		bl->body = json_get(res, "error");
		bl->status = status_of(json_get_str(json_get(bl->body, "error"), "type"));
	} else if (type && !strcmp(type, "canceled")) {
		bl->code = "batch_cancelled";
		bl->message = "the batch was cancelled before it reached this request";
	} else if (type && !strcmp(type, "expired")) {
		bl->code = "batch_expired";
		bl->message = "the batch expired before it reached this request";
	} else {
		bl->code = type ? type : "unknown";
		bl->message = "a result of a type llm-batch does not know";
	}
	return 0;
}

/* "cancelled" is llm-batch's own word for a part cancelled unsent. */
static const char *const an_ended[] = {"ended", "cancelled", NULL};

const struct batch_dialect batch_anthropic = {
	.name = "anthropic",
	.max_requests = 100000,
	.max_bytes = 256LL << 20,
	.head = "{\"requests\":[\n",
	.sep = ",",
	.tail = "]}\n",
	.own_ids = 1,
	.body_key = "params",
	.wire = anthropic_request,
	.upload = NULL,
	.find_file = NULL,
	.create = an_create,
	.find_batch = an_find_batch,
	.batches = "/messages/batches/",
	.read_info = info_of,
	.results = "/messages/batches/",
	.results_what = "/results",
	.read_line = an_read_line,
	.ended = an_ended,
};
