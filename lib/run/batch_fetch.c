#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strmap.h"
#include "run/batch_internal.h"
#include "run/cache.h"
#include "run/client.h"
#include "run/result.h"
#include "wire/dialect.h"

/* Records are written in chunks of about this many bytes, the state saved
 * around each: few saves, and a chunk held in memory at a time. */
#define CHUNK (8u << 20)

struct fetch {
	struct batch *b;
	struct batch_part *p;
	struct batch_counts *n;
	const struct endpoint *ep;
	char *chat_url;
	char *shown;		/* the endpoint as records name it */
	char *text;		/* the part's records file */
	size_t *starts;		/* where each record's line starts in text */
	struct strmap ids;
	char *seen;		/* an answer was read for the record */
	struct buf chunk, line;
	int failed;
	char err[ERRLEN];
};

/* A chunk whose writing was cut short by a crash: when the output is a
 * regular file its size tells whether the chunk is in it (a write(2) to
 * a file is whole or not done); a piece of one is cut off.  Elsewhere
 * (a pipe) it cannot be told, and the chunk is written again. */
static int
resolve_pending(struct batch *b, char *err, size_t errlen)
{
	struct stat sb;
	int in = 0;
	size_t i, k;

	if (b->pend_off < 0)
		return 0;
	if (fstat(b->o.out_fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (sb.st_size >= b->pend_off + b->pend_len)
			in = 1;
		else if (sb.st_size > b->pend_off && ftruncate(b->o.out_fd, b->pend_off) < 0) {
			snprintf(err, errlen, "cannot cut a half-written chunk off the output: %s",
			         strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < b->nparts; i++)
		for (k = 0; k < b->parts[i].nrecs; k++)
			if (b->parts[i].recs[k].written == 2)
				b->parts[i].recs[k].written = in ? 1 : 0;
	b->pend_off = b->pend_len = -1;
	return batch_state_save(b, err, errlen);
}

/* Write the chunk: its records marked pending in the state first, with
 * where they go, then written in one write(2), then marked written (the
 * state saved with the next chunk, or at the end). */
static int
commit(struct fetch *f)
{
	struct batch *b = f->b;
	struct stat sb;
	int fd = b->o.out_fd, flags = fcntl(fd, F_GETFL);
	size_t k;

	if (!f->chunk.len || f->failed)
		return f->failed ? -1 : 0;
	b->pend_off = 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		off_t at = flags >= 0 && (flags & O_APPEND) ? sb.st_size : lseek(fd, 0, SEEK_CUR);

		b->pend_off = at < 0 ? sb.st_size : at;
	}
	b->pend_len = (long long)f->chunk.len;
	if (batch_state_save(b, f->err, sizeof f->err) < 0)
		goto fail;
	b->dirty = 0;
	batch_kill_point("in-fetch");
	if (write_all(fd, f->chunk.data, f->chunk.len) < 0) {
		snprintf(f->err, sizeof f->err, "stdout: %s", strerror(errno));
		goto fail;
	}
	batch_kill_point("after-write");
	/* written: saved so by the next chunk's save or the fetch's last,
	 * and a crash before either is told apart by the output's size */
	for (k = 0; k < f->p->nrecs; k++)
		if (f->p->recs[k].written == 2)
			f->p->recs[k].written = 1;
	b->pend_off = b->pend_len = -1;
	b->dirty = 1;
	buf_reset(&f->chunk);
	return 0;
fail:
	f->failed = 1;
	return -1;
}

/* Record i's result line s[0..n) into the chunk. */
static void
add_line(struct fetch *f, size_t i, const char *s, size_t n, int ok)
{
	buf_add(&f->chunk, s, n);
	buf_add(&f->chunk, "\n", 1);
	f->p->recs[i].written = 2;
	if (ok)
		f->n->ok++;
	else
		f->n->failed++;
	if (f->chunk.len >= CHUNK)
		(void)commit(f);
}

/* The record of index i, parsed from the records file (owned). */
static json_object *
record_of(struct fetch *f, size_t i)
{
	const char *s = f->text + f->starts[i], *nl = strchr(s, '\n');
	char err[ERRLEN];

	return json_parse(s, nl ? (size_t)(nl - s) : strlen(s), err, sizeof err);
}

static json_object *
batch_field(struct fetch *f, const char *request_id)
{
	json_object *o = json_object_new_object();

	json_set(o, "id", json_object_new_string(f->p->batch_id ? f->p->batch_id : ""));
	json_set(o, "provider_request_id",
	         request_id ? json_object_new_string(request_id) : NULL);
	return o;
}

/* The result of record i from its answer (bl) or, bl NULL, from e. */
static void
answer(struct fetch *f, size_t i, const struct batch_line *bl, struct llm_error *e)
{
	struct batch *b = f->b;
	json_object *rec = record_of(f, i), *body = NULL, *meta = NULL, *res = NULL;
	const char *id = f->p->recs[i].id, *rid = bl ? bl->request_id : NULL;
	const struct dialect *api = endpoint_api(f->ep);
	struct llm_error e2;
	char key[HASH_HEX], err[ERRLEN];
	int attempt = rec_attempt(rec);

	if (!rec || !(body = result_body_of(rec, id, &meta, &e2)) ||
	    !result_route(b->cfg, body, &e2)) {
		if (!rec)
			llm_error_set(&e2, "io", 0, "%s: its record is unreadable in the batch's files", id);
		e = &e2;
		bl = NULL;
	}
	if (bl && bl->status >= 200 && bl->status < 300) {
		res = json_object_new_object();
		json_set(res, "id", json_object_new_string(id));
		json_set(res, "status", json_object_new_string("ok"));
		json_line(bl->body, &f->line);
		/* read as the endpoint's chat answers are: the record llm-chat
		 * writes for the same request */
		if (api->parse(f->line.data, f->line.len, body, res, &e2) < 0) {
			json_object_put(res);
			res = NULL;
			e = &e2;
		} else {
			json_set(res, "batch", batch_field(f, rid));
			result_finish(res, body, meta, attempt, 0, b->o.echo, f->shown);
			if (b->o.save && result_save(meta, res, &e2) < 0) {
				json_object_put(res);
				res = NULL;
				e = &e2;
			} else if (b->o.cache_dir &&
			           cache_key(f->chat_url, body, json_get(meta, "repeat"), key, err,
			                     sizeof err) == 0)
				(void)cache_put(b->o.cache_dir, key, res, err, sizeof err);
		}
	} else if (bl && bl->status >= 300) {
		struct retry_headers h = {0};

		json_line(bl->body, &f->line);
		api->http_error(&e2, bl->status, f->line.data, f->line.len, &h, time(NULL));
		e = &e2;
	} else if (bl) {
		int again = !strcmp(bl->code, "batch_expired") || !strcmp(bl->code, "batch_cancelled");

		llm_error_set(&e2, again ? bl->code : "protocol", again, "%s: %s", bl->code,
		              bl->message ? bl->message : "the batch did not run it");
		e = &e2;
	}
	if (!res) {
		result_redact(&b->red, b->cfg, e);
		res = rec_error(id, e, attempt, meta, body ? body : json_get(rec, "request"));
		json_set(res, "batch", batch_field(f, rid));
	}
	json_line(res, &f->line);
	add_line(f, i, f->line.data, f->line.len, json_get(res, "error") == NULL);
	json_object_put(res);
	json_object_put(rec);
}

/* Download the answers' file file_id (at the dialect's results+ID+
 * results_what) to STATE.K.what and read each of its lines; a failure
 * says itself in f->err. */
static void
read_file_of(struct fetch *f, const char *file_id, const char *what)
{
	char *path = batch_part_path(f->b, f->p->index, what), *line = NULL;
	const struct batch_dialect *d = f->p->d;
	struct batch_conn c = { .ep = f->ep, .o = &f->b->o.http };
	struct buf at = {0}, ans = {0};
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int fd, rc;

	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		snprintf(f->err, sizeof f->err, "%s: %s", path, strerror(errno));
		free(path);
		return;
	}
	buf_addf(&at, "%s%s%s", d->results, file_id, d->results_what);
	rc = batch_call(&c, "GET", at.data, NULL, NULL, NULL, NULL, fd, &ans, f->err, sizeof f->err);
	buf_free(&at);
	buf_free(&ans);
	if (rc < 0 || lseek(fd, 0, SEEK_SET) < 0 || !(fp = fdopen(fd, "r"))) {
		close(fd);
		free(path);
		return;
	}
	while ((n = getline(&line, &cap, fp)) > 0 && !f->failed) {
		struct batch_line bl;
		size_t i;
		char err[ERRLEN];

		if (n == 1)
			continue;
		if (d->read_line(line, (size_t)n, &bl, err, sizeof err) < 0) {
			if (f->b->o.notice)
				f->b->o.notice(f->b->o.arg, err);
			continue;
		}
		i = strmap_find(&f->ids, bl.custom_id, strlen(bl.custom_id));
		if (i == (size_t)-1 && f->b->o.notice) {
			snprintf(err, sizeof err, "batch %d: an answer for custom_id '%.64s', which is "
			         "none of its records, is left out", f->p->index, bl.custom_id);
			f->b->o.notice(f->b->o.arg, err);
		}
		if (i != (size_t)-1 && !f->seen[i]) {
			f->seen[i] = 1;
			if (f->p->recs[i].written != 1 || f->b->o.all)
				answer(f, i, &bl, NULL);
		}
		batch_line_free(&bl);
	}
	if (ferror(fp))
		snprintf(f->err, sizeof f->err, "%s: read error", path);
	free(line);
	fclose(fp);
	free(path);
}

/* Why a finished batch has no answer for a record. */
static void
unreached(struct fetch *f, struct llm_error *e)
{
	const char *st = f->p->status;

	if (!strcmp(st, "expired"))
		llm_error_set(e, "batch_expired", 1, "the batch expired before it reached this request");
	else if (!strcmp(st, "cancelled"))
		llm_error_set(e, "batch_cancelled", 1,
		              "the batch was cancelled before it reached this request");
	else if (!strcmp(st, "failed"))
		llm_error_set(e, "bad_input", 0, "the batch failed: %s",
		              f->p->message[0] ? f->p->message : "no reason given");
	else
		llm_error_set(e, "protocol", 1, "the batch ended (%s) without an answer for it", st);
}

/* The local part's records are its results already. */
static void
fetch_local(struct fetch *f)
{
	size_t i;

	for (i = 0; i < f->p->nrecs && !f->failed; i++) {
		const char *s = f->text + f->starts[i], *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (f->p->recs[i].written != 1 || f->b->o.all)
			add_line(f, i, s, n, !memmem(s, n, "\"status\":\"error\"", 16));
	}
}

static int
fetch_part(struct batch *b, struct batch_part *p, struct batch_counts *n, char *err,
           size_t errlen)
{
	struct fetch f = { .b = b, .p = p, .n = n };
	char *path;
	size_t i, len, k = 0;
	int rc;

	for (i = 0; i < p->nrecs; i++)
		if (p->recs[i].written != 1)
			break;
	if (i == p->nrecs && !b->o.all)
		return 0;
	if (!p->local && !(f.ep = batch_endpoint(b, p, err, errlen)))
		return -1;
	path = batch_part_path(b, p->index, "records");
	f.text = read_file(path, (size_t)1 << 34, &len, f.err, sizeof f.err);
	free(path);
	if (!f.text) {
		snprintf(err, errlen, "%s", f.err);
		return -1;
	}
	f.starts = ecalloc(p->nrecs + 1, sizeof *f.starts);
	for (i = 0; i < len && k < p->nrecs; i++)
		if (i == 0 || f.text[i - 1] == '\n')
			f.starts[k++] = i;
	if (k < p->nrecs) {
		snprintf(err, errlen, "the records file of batch %d is short of its records", p->index);
		free(f.starts);
		free(f.text);
		return -1;
	}
	if (p->local)
		fetch_local(&f);
	else {
		struct llm_error e;

		f.chat_url = client_chat_url(f.ep, 0);
		f.shown = config_url(f.ep, "", 1);
		f.seen = ecalloc(p->nrecs ? p->nrecs : 1, 1);
		for (i = 0; i < p->nrecs; i++) {
			char cid[64];
			/* the custom_ids sent, in the records' order */
			const char *id = batch_custom_id(b, p->d, p->index, i, p->recs[i].id, cid);

			strmap_intern(&f.ids, id, strlen(id), NULL);
		}
		if (p->output_id)
			read_file_of(&f, p->output_id, "output");
		if (!f.failed && !f.err[0] && p->error_id)
			read_file_of(&f, p->error_id, "errors");
		if (!f.err[0]) {
			unreached(&f, &e);
			for (i = 0; i < p->nrecs && !f.failed; i++)
				if (!f.seen[i] && (p->recs[i].written != 1 || b->o.all))
					answer(&f, i, NULL, &e);
		}
		if (f.err[0])
			f.failed = 1;
	}
	rc = commit(&f);
	if (rc < 0)
		snprintf(err, errlen, "%s", f.err);
	strmap_free(&f.ids);
	free(f.seen);
	free(f.starts);
	free(f.text);
	free(f.chat_url);
	free(f.shown);
	buf_free(&f.chunk);
	buf_free(&f.line);
	return rc;
}

int
batch_fetch(struct batch *b, struct batch_counts *n, char *err, size_t errlen)
{
	size_t i;
	int running;

	memset(n, 0, sizeof *n);
	if (resolve_pending(b, err, errlen) < 0)
		return -1;
	if ((running = batch_refresh(b, err, errlen)) < 0)
		return -1;
	for (i = 0; i < b->nparts; i++) {
		struct batch_part *p = &b->parts[i];

		if ((p->local || str_listed(p->status, p->d->ended)) && fetch_part(b, p, n, err, errlen) < 0)
			return -1;
	}
	n->running = running;
	if (b->dirty && batch_state_save(b, err, errlen) < 0)
		return -1;
	b->dirty = 0;
	return 0;
}
