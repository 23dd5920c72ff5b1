#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strmap.h"
#include "report/prices.h"
#include "run/batch_internal.h"
#include "run/cache.h"
#include "run/client.h"
#include "run/result.h"
#include "text/redact.h"

struct batch *
batch_open(const struct batch_opts *o, struct config *cfg, char *err, size_t errlen)
{
	struct batch *b = ecalloc(1, sizeof *b);
	struct stat sb;

	b->o = *o;
	b->cfg = cfg;
	b->pend_off = b->pend_len = -1;
	if (stat(o->state, &sb) == 0) {
		b->exists = 1;
		if (batch_state_load(b, err, errlen) < 0) {
			batch_free(b);
			return NULL;
		}
	}
	return b;
}

void
batch_free(struct batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nparts; i++)
		batch_part_free(&b->parts[i]);
	free(b->parts);
	redact_free(b->red);
	free(b);
}

int
batch_exists(const struct batch *b)
{
	return b->exists;
}

void
batch_kill_point(const char *step)
{
	const char *k = getenv("LLM_BATCH_KILL");

	if (k && !strcmp(k, step))
		raise(SIGKILL);
}

/* A run's id: 16 random bytes in hex, on the server's names of its
 * files and batches. */
static void
new_run_id(char out[33])
{
	unsigned char r[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
		/* no /dev/urandom: time and pid are unique enough for a name */
		unsigned long long t = (unsigned long long)now_ms() ^ ((unsigned long long)getpid() << 40);

		for (i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

const char *
batch_custom_id(const struct batch *b, const struct batch_dialect *d, int part, size_t i,
                const char *id, char out[64])
{
	if (!d->own_ids)
		return id;
	snprintf(out, 64, "r%.12sp%dn%zu", b->run, part, i);
	return out;
}

const struct endpoint *
batch_endpoint(struct batch *b, const struct batch_part *p, char *err, size_t errlen)
{
	const struct endpoint *ep = NULL;
	const struct batch_dialect *now;
	size_t i;

	if (!p->endpoint[0]) {
		if (!b->cfg->def.base_url) {
			snprintf(err, errlen, "%s", config_help());
			return NULL;
		}
		ep = &b->cfg->def;
	}
	for (i = 0; !ep && i < b->cfg->nprov; i++)
		if (!strcmp(b->cfg->prov[i].name, p->endpoint))
			ep = &b->cfg->prov[i];
	if (!ep) {
		snprintf(err, errlen, "no provider '%s' in the providers file", p->endpoint);
		return NULL;
	}
	/* the batch is on the server of the API it was sent through: an
	 * endpoint that now speaks another cannot be asked about it */
	if (p->d && (now = batch_dialect_of(ep)) != p->d) {
		snprintf(err, errlen, "part %d was sent through the %s API, and its endpoint now "
		         "speaks %s: set %s as when it was submitted", p->index, p->d->name,
		         now ? now->name : "another", p->endpoint[0] ? "the provider's api" : "LLM_API");
		return NULL;
	}
	return ep;
}

/* The files a part is written to while records are read. */
struct wpart {
	FILE *rec, *up;
	long long n, bytes;
	int part;
};

struct plan {
	struct batch *b;
	int dry;
	struct wpart *w;	/* by part index */
	int open_of[1 + 256];	/* endpoint index -> its open part, -1 none */
	int local;		/* the local part, -1 none */
	struct strmap ids;
	struct buf line, hashbuf;
	struct batch_estimate *est;
	char err[ERRLEN];
	int failed;
};

/* The plan has failed: the first failure's message is the one kept. */
static void __attribute__((format(printf, 2, 3)))
plan_fail(struct plan *pl, const char *fmt, ...)
{
	va_list ap;

	if (pl->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(pl->err, sizeof pl->err, fmt, ap);
	va_end(ap);
	pl->failed = 1;
}

/* s written to fp (NULL: nothing to write to). */
static void
put_str(struct plan *pl, FILE *fp, const char *s)
{
	if (fp && fputs(s, fp) == EOF)
		plan_fail(pl, "cannot write the batch files: %s", strerror(errno));
}

static FILE *
open_tmp(struct plan *pl, int part, const char *what)
{
	char *path = batch_part_path(pl->b, part, what);
	struct buf tmp = {0};
	FILE *fp;

	buf_addf(&tmp, "%s.tmp", path);
	if (!(fp = fopen(tmp.data, "w")))
		plan_fail(pl, "%s: %s", tmp.data, strerror(errno));
	free(path);
	buf_free(&tmp);
	return fp;
}

static struct wpart *
wpart_new(struct plan *pl, const char *endpoint, const struct batch_dialect *d, int local)
{
	struct batch_part *p = batch_part_add(pl->b, endpoint, d, local);
	struct wpart *w;

	pl->w = erealloc(pl->w, pl->b->nparts * sizeof *pl->w);
	w = &pl->w[p->index];
	memset(w, 0, sizeof *w);
	w->part = p->index;
	if (!pl->dry) {
		w->rec = open_tmp(pl, p->index, "records");
		if (!local)
			w->up = open_tmp(pl, p->index, "jsonl");
	}
	if (d && d->head) {
		w->bytes = (long long)(strlen(d->head) + (d->tail ? strlen(d->tail) : 0));
		put_str(pl, w->up, d->head);
	}
	return w;
}

/* The line s[0..n) and its newline written to fp (NULL: nothing). */
static void
put(struct plan *pl, FILE *fp, const char *s, size_t n)
{
	if (fp && (fwrite(s, 1, n, fp) != n || putc('\n', fp) == EOF))
		plan_fail(pl, "cannot write the batch files: %s", strerror(errno));
}

/* A record answered here: its result goes to the local part. */
static void
local_result(struct plan *pl, const char *id, json_object *res)
{
	struct wpart *w;

	if (pl->local < 0)
		pl->local = wpart_new(pl, "", NULL, 1)->part;
	w = &pl->w[pl->local];
	json_line(res, &pl->line);
	put(pl, w->rec, pl->line.data, pl->line.len);
	batch_rec_add(&pl->b->parts[w->part], id, strlen(id), "");
	pl->b->parts[w->part].total++;
	json_object_put(res);
}

static void
local_error(struct plan *pl, const char *id, struct llm_error *e, json_object *rec)
{
	result_redact(&pl->b->red, pl->b->cfg, e);
	local_result(pl, id, rec_error(id, e, rec_attempt(rec), json_get(rec, "meta"),
	                                json_get(rec, "request")));
}

/* The estimate: about four bytes a prompt token (as llm-chat's rate
 * limit reckons), max_tokens the most a completion costs. */
static void
estimate(struct plan *pl, const struct endpoint *ep, json_object *body, size_t bytes)
{
	long long mt = json_object_get_int64(json_get(body, "max_completion_tokens"));
	long long prompt = (long long)bytes / 4;
	struct price pr;
	char *url = client_chat_url(ep, 0), err[ERRLEN];

	if (mt <= 0)
		mt = json_object_get_int64(json_get(body, "max_tokens"));
	if (mt < 0)
		mt = 0;
	pl->est->requests++;
	pl->est->prompt_tokens = add_sat(pl->est->prompt_tokens, prompt);
	pl->est->completion_tokens = add_sat(pl->est->completion_tokens, mt);
	if (price_lookup(json_get_str(body, "model"), url, &pr, err, sizeof err) == 1)
		pl->est->usd += ((double)prompt * pr.batch_input + (double)mt * pr.batch_output) / 1e6;
	else
		pl->est->unpriced++;
	free(url);
}

/* The input file's line for body as record n of part into pl->line, in
 * d's shape. */
static int
line_of(struct plan *pl, const struct batch_dialect *d, const char *id, int part, long long n,
        json_object *body, struct llm_error *e)
{
	char cid[64], why[ERRLEN];
	json_object *sent = d->wire ? d->wire(body, 0, e) : json_ref(body);
	struct jw w;

	if (!sent) {
		snprintf(why, sizeof why, "%s", e->message);
		llm_error_set(e, "bad_input", 0, "%s: %s", id, why);
		return -1;
	}
	buf_reset(&pl->line);
	jw_start(&w, &pl->line);
	jw_open(&w, '{');
	jw_kv_str(&w, "custom_id", batch_custom_id(pl->b, d, part, (size_t)n, id, cid));
	if (d->post_url) {
		jw_kv_str(&w, "method", "POST");
		jw_kv_str(&w, "url", d->post_url);
	}
	jw_key(&w, d->body_key);
	jw_tree(&w, sent);
	jw_close(&w, '}');
	json_object_put(sent);
	return 0;
}

/* One record read: to a part, or answered here. */
static void
plan_record(struct plan *pl, json_object *rec, struct rec_reader *r)
{
	struct batch *b = pl->b;
	char *id = rec_id(rec, r), key[HASH_HEX], hash[HASH_HEX], err[ERRLEN];
	json_object *body, *meta, *hit;
	struct endpoint *ep;
	const struct batch_dialect *d;
	struct llm_error e;
	struct wpart *w;
	long long maxreq, maxbytes;
	size_t epi;
	int added;

	strmap_intern(&pl->ids, id, strlen(id), &added);
	if (!added) {
		/* a batch's custom_id must be unique: a second one is refused */
		llm_error_set(&e, "bad_input", 0, "%s: the id is used by an earlier record", id);
		local_error(pl, id, &e, rec);
		goto done;
	}
	if (!(body = result_body_of(rec, id, &meta, &e)) || !(ep = result_route(b->cfg, body, &e)) ||
	    (b->o.save && result_save_check(id, meta, &e) < 0)) {
		local_error(pl, id, &e, rec);
		goto done;
	}
	if (json_hash_buf(body, &pl->hashbuf, hash, err, sizeof err) < 0) {
		llm_error_set(&e, "bad_input", 0, "%s: %s", id, err);
		local_error(pl, id, &e, rec);
		goto done;
	}
	if (b->o.cache_dir) {
		char *url = client_chat_url(ep, 0);
		int rc = cache_key(url, body, json_get(meta, "repeat"), key, err, sizeof err);

		free(url);
		if (rc == 0 && (hit = cache_get(b->o.cache_dir, key))) {
			json_object *res = result_from_cache(id, hit);
			char *shown = config_url(ep, "", 1);

			json_object_put(hit);
			result_finish(res, body, meta, rec_attempt(rec), 1, b->o.echo, shown);
			free(shown);
			if (b->o.save && !pl->dry && result_save(meta, res, &e) < 0) {
				json_object_put(res);
				local_error(pl, id, &e, rec);
			} else
				local_result(pl, id, res);
			goto done;
		}
	}
	if (!(d = batch_dialect_of(ep))) {
		llm_error_set(&e, "config", 0, "%s: no batch API for the endpoint's api", id);
		local_error(pl, id, &e, rec);
		goto done;
	}
	epi = ep == &b->cfg->def ? 0 : (size_t)(ep - b->cfg->prov) + 1;
	w = epi < sizeof pl->open_of / sizeof *pl->open_of && pl->open_of[epi] >= 0 ?
	    &pl->w[pl->open_of[epi]] : NULL;
	/* the line as the open part would send it: a record the API cannot
	 * be asked is answered here, bad_input, and never sent */
	if (line_of(pl, d, id, w ? w->part : (int)b->nparts, w ? w->n : 0, body, &e) < 0) {
		local_error(pl, id, &e, rec);
		goto done;
	}
	maxreq = b->o.max_requests > 0 && b->o.max_requests < d->max_requests ?
	         b->o.max_requests : d->max_requests;
	maxbytes = b->o.max_bytes > 0 && b->o.max_bytes < d->max_bytes ? b->o.max_bytes :
	           d->max_bytes;
	if (!w || w->n >= maxreq ||
	    (w->n > 0 && w->bytes + (long long)pl->line.len + 1 > maxbytes)) {
		w = wpart_new(pl, epi ? ep->name : "", d, 0);
		if (epi < sizeof pl->open_of / sizeof *pl->open_of)
			pl->open_of[epi] = w->part;
		/* its custom_id names the new part */
		if (d->own_ids)
			(void)line_of(pl, d, id, w->part, 0, body, &e);
	}
	estimate(pl, ep, body, pl->line.len);
	if (w->n > 0 && d->sep)
		put_str(pl, w->up, d->sep);
	w->n++;
	w->bytes += (long long)pl->line.len + 1 + (d->sep ? (long long)strlen(d->sep) : 0);
	put(pl, w->up, pl->line.data, pl->line.len);
	/* the record as read: its meta and request for the result */
	put(pl, w->rec, r->line, r->line_len);
	batch_rec_add(&b->parts[w->part], id, strlen(id), hash);
	b->parts[w->part].total++;
	b->parts[w->part].bytes = w->bytes;
done:
	free(id);
}

/* Close a part's file: flushed, synced, renamed into place. */
static void
finish_file(struct plan *pl, FILE *fp, int part, const char *what)
{
	char *path;
	struct buf tmp = {0};

	if (!fp)
		return;
	path = batch_part_path(pl->b, part, what);
	buf_addf(&tmp, "%s.tmp", path);
	if (fflush(fp) != 0 || fsync(fileno(fp)) < 0 || fclose(fp) != 0 ||
	    (!pl->failed && !pl->dry && rename(tmp.data, path) < 0))
		plan_fail(pl, "%s: %s", path, strerror(errno));
	if (pl->failed || pl->dry)
		unlink(tmp.data);
	free(path);
	buf_free(&tmp);
}

int
batch_plan(struct batch *b, int fd, const char *name, int dry, double max_cost,
           struct batch_estimate *est, char *err, size_t errlen)
{
	struct plan pl = { .b = b, .dry = dry, .local = -1, .est = est };
	struct rec_reader r;
	size_t i;
	int rc = 0;

	memset(est, 0, sizeof *est);
	for (i = 0; i < sizeof pl.open_of / sizeof *pl.open_of; i++)
		pl.open_of[i] = -1;
	new_run_id(b->run);
	b->created_at = (long long)time(NULL);
	rec_reader_init(&r, fd, name, REC_MAX_LINE);
	for (;;) {
		json_object *rec = NULL;
		char rerr[ERRLEN];
		enum rec_status st = rec_next(&r, &rec, rerr, sizeof rerr);

		if (st == REC_EOF)
			break;
		if (st == REC_IOERR) {
			plan_fail(&pl, "%s", rerr);
			break;
		}
		if (st == REC_BAD) {
			struct llm_error e;
			char *id = rec_id(NULL, &r);

			llm_error_set(&e, "bad_input", 0, "%s", rerr);
			local_error(&pl, id, &e, NULL);
			free(id);
			continue;
		}
		if (st == REC_OK)
			plan_record(&pl, rec, &r);
		json_object_put(rec);
	}
	rec_reader_free(&r);
	if (max_cost > 0 && est->usd > max_cost)
		plan_fail(&pl, "the estimate, $%.4f at batch prices, is more than --max-cost $%.4f: "
		          "nothing was sent", est->usd, max_cost);
	for (i = 0; i < b->nparts; i++) {
		const struct batch_dialect *d = b->parts[i].d;

		if (d && d->tail)
			put_str(&pl, pl.w[i].up, d->tail);
		finish_file(&pl, pl.w[i].rec, (int)i, "records");
		finish_file(&pl, pl.w[i].up, (int)i, "jsonl");
	}
	if (!pl.failed && !dry) {
		for (i = 0; i < b->nparts; i++)
			if (b->parts[i].local)
				snprintf(b->parts[i].step, sizeof b->parts[i].step, "created");
		if (batch_state_save(b, pl.err, sizeof pl.err) < 0)
			pl.failed = 1;
		else
			b->exists = 1;
	}
	if (pl.failed) {
		snprintf(err, errlen, "%s", pl.err);
		rc = -1;
	}
	free(pl.w);
	strmap_free(&pl.ids);
	buf_free(&pl.line);
	buf_free(&pl.hashbuf);
	return rc;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s && *s ? estrdup(s) : NULL;
}

static void
take_info(struct batch_part *p, const struct batch_info *bi)
{
	set_str(&p->batch_id, bi->id);
	snprintf(p->status, sizeof p->status, "%s", bi->status);
	snprintf(p->message, sizeof p->message, "%s", bi->message);
	set_str(&p->output_id, bi->output);
	set_str(&p->error_id, bi->error);
	if (bi->total)
		p->total = bi->total;
	p->completed = bi->completed;
	p->failed = bi->failed;
	p->updated_at = (long long)time(NULL);
}

static int
step(struct batch *b, struct batch_part *p, const char *s, char *err, size_t errlen)
{
	snprintf(p->step, sizeof p->step, "%s", s);
	p->updated_at = (long long)time(NULL);
	return batch_state_save(b, err, errlen);
}

/* Is part p finished: answered here, or its batch has ended? */
static int
finished(const struct batch_part *p)
{
	return p->local || str_listed(p->status, p->d->ended);
}

/* Upload a part's file and make its batch, each at most once: the intent
 * is saved before the call, the result after, and an intent found saved
 * without its result is looked for on the server first. */
static int
submit_part(struct batch *b, struct batch_part *p, char *err, size_t errlen)
{
	const struct endpoint *ep = batch_endpoint(b, p, err, errlen);
	struct batch_conn c = { .ep = ep, .o = &b->o.http };
	struct batch_info bi;
	char id[128], name[128], *path;
	int found = 0, rc = -1;

	if (!ep)
		return -1;
	path = batch_part_path(b, p->index, "jsonl");
	snprintf(name, sizeof name, "llm-batch-%s-%d.jsonl", b->run, p->index);
	/* a dialect with no upload sends the input file with the create */
	if (!p->file_id && p->d->upload) {
		if (!strcmp(p->step, "uploading") &&
		    (found = p->d->find_file(&c, name, id, sizeof id, err, errlen)) < 0)
			goto out;
		if (!found && (step(b, p, "uploading", err, errlen) < 0 ||
		               p->d->upload(&c, path, name, id, sizeof id, err, errlen) < 0))
			goto out;
		batch_kill_point("after-upload");
		set_str(&p->file_id, id);
		if (step(b, p, "uploaded", err, errlen) < 0)
			goto out;
	}
	if (!p->batch_id) {
		found = 0;
		if (!strcmp(p->step, "creating") &&
		    (found = p->d->find_batch(&c, b, p, &bi, err, errlen)) < 0)
			goto out;
		if (!found) {
			if (step(b, p, "creating", err, errlen) < 0)
				goto out;
			batch_kill_point("before-create");
			if (p->d->create(&c, p->file_id, path, b->run, p->index, &bi, err, errlen) < 0)
				goto out;
		}
		batch_kill_point("after-create");
		take_info(p, &bi);
		if (step(b, p, "created", err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

int
batch_submit(struct batch *b, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < b->nparts; i++)
		if (!finished(&b->parts[i]) && submit_part(b, &b->parts[i], err, errlen) < 0)
			return -1;
	return 0;
}

int
batch_refresh(struct batch *b, char *err, size_t errlen)
{
	size_t i;
	int running = 0, changed = 0;

	for (i = 0; i < b->nparts; i++) {
		struct batch_part *p = &b->parts[i];
		struct batch_info bi;
		struct batch_conn c = { .o = &b->o.http };

		if (finished(p))
			continue;
		if (!p->batch_id) {
			running++;	/* not submitted yet: submit takes it up */
			continue;
		}
		if (!(c.ep = batch_endpoint(b, p, err, errlen)))
			return -1;
		if (batch_call_at(&c, p->d, p->batch_id, 0, &bi, err, errlen) < 0)
			return -1;
		take_info(p, &bi);
		changed = 1;
		if (!finished(p))
			running++;
	}
	if (changed && batch_state_save(b, err, errlen) < 0)
		return -1;
	return running;
}

void
batch_status_text(const struct batch *b, int json, struct buf *out)
{
	size_t i;

	for (i = 0; i < b->nparts; i++) {
		const struct batch_part *p = &b->parts[i];
		const char *st = p->local ? "local" : p->status[0] ? p->status : p->step;
		size_t done = 0, k;

		for (k = 0; k < p->nrecs; k++)
			done += p->recs[k].written == 1;
		if (json) {
			struct jw w;

			jw_start(&w, out);
			jw_open(&w, '{');
			jw_kv_int(&w, "part", p->index);
			jw_kv_str(&w, "endpoint", p->endpoint);
			jw_key(&w, "batch_id");
			if (p->batch_id) jw_strz(&w, p->batch_id); else jw_null(&w);
			jw_kv_str(&w, "status", st);
			jw_key(&w, "request_counts");
			jw_open(&w, '{');
			jw_kv_int(&w, "total", (long long)p->nrecs);
			jw_kv_int(&w, "completed", p->local ? (long long)p->nrecs : p->completed);
			jw_kv_int(&w, "failed", p->failed);
			jw_close(&w, '}');
			jw_kv_int(&w, "written", (long long)done);
			if (p->message[0]) {
				jw_kv_str(&w, "message", p->message);
			}
			jw_close(&w, '}');
			buf_add(out, "\n", 1);
		} else {
			buf_addf(out, "%d %s %s %lld/%zu failed %lld written %zu%s%s\n", p->index,
			         p->batch_id ? p->batch_id : "-", st,
			         p->local ? (long long)p->nrecs : p->completed, p->nrecs, p->failed,
			         done, p->message[0] ? " " : "", p->message);
		}
	}
}

int
batch_cancel(struct batch *b, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < b->nparts; i++) {
		struct batch_part *p = &b->parts[i];
		struct batch_conn c = { .o = &b->o.http };
		struct batch_info bi;
		int found = 0;

		if (finished(p))
			continue;
		if (!(c.ep = batch_endpoint(b, p, err, errlen)))
			return -1;
		/* a batch whose making was cut short may be on the server */
		if (!p->batch_id && !strcmp(p->step, "creating") &&
		    (found = p->d->find_batch(&c, b, p, &bi, err, errlen)) < 0)
			return -1;
		if (found)
			take_info(p, &bi);
		if (!p->batch_id) {
			/* never sent: it is cancelled here, and never will be */
			snprintf(p->status, sizeof p->status, "cancelled");
			snprintf(p->step, sizeof p->step, "cancelled");
		} else {
			if (batch_call_at(&c, p->d, p->batch_id, 1, &bi, err, errlen) < 0)
				return -1;
			take_info(p, &bi);
		}
		if (batch_state_save(b, err, errlen) < 0)
			return -1;
	}
	return 0;
}
