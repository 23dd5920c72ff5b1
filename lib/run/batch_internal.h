/* batch_internal: what batch.c, batch_state.c, batch_fetch.c and the
 * dialects (batch_openai.c) share.  Not for programs.
 *
 * A dialect is a provider's batch API: the line of its input file for
 * a request, the calls that upload a file, make, find, read and cancel
 * a batch, and the reading of its output lines.  Its functions fill err
 * and return -1 on failure.  Each part of a run has its own, its
 * endpoint's (a run may mix OpenAI's and Anthropic's); its answers are
 * read with the endpoint's chat dialect (wire/dialect.h).
 *
 * Ownership: the state owns every string of its parts; a struct
 * batch_line owns its tree (batch_line_free).
 */
#ifndef LLM_BATCH_INTERNAL_H
#define LLM_BATCH_INTERNAL_H

#include "run/batch.h"
#include "json/hash.h"
#include "json/json.h"
#include "base/error.h"

struct redact;
struct batch_part;

/* Where a dialect's calls go. */
struct batch_conn {
	const struct endpoint *ep;
	const struct http_opts *o;
};

/* A batch as the server tells it. */
struct batch_info {
	char id[128];
	char status[32];
	char output[128], error[128];	/* file ids, "" when none */
	long long created_at;	/* Unix seconds, 0: not said */
	long long total, completed, failed;
	char message[256];	/* why it failed, "" when it did not */
};

/* One line of an output or error file. */
struct batch_line {
	json_object *tree;
	const char *custom_id;
	int status;		/* the answer's HTTP status; 0: none (code says why) */
	const char *request_id;
	json_object *body;	/* the answer's body, borrowed from tree */
	const char *code, *message;	/* a line the provider did not run */
};

struct batch_dialect {
	const char *name;		/* as the state file names it */
	long long max_requests, max_bytes;	/* of one batch */
	/* the input file is head, the lines joined by sep, then tail (each
	 * line ends in a newline; NULL: nothing) */
	const char *head, *sep, *tail;
	/* custom_ids of its own (batch_custom_id()) rather than the ids */
	int own_ids;
	/* the input file's line for a request: {"custom_id", then
	 * "method":"POST","url":post_url unless it is NULL, then body_key:
	 * the request's body, made the API's by wire unless it is NULL; wire
	 * fails (NULL, e: bad_input, naming the field) when the API cannot
	 * be asked what the body asks */
	const char *post_url, *body_key;
	json_object *(*wire)(json_object *body, int stream, struct llm_error *e);
	/* NULL both: no file to upload, create sends the input file */
	int (*upload)(const struct batch_conn *c, const char *path, const char *name,
	              char *id, size_t idlen, char *err, size_t errlen);
	/* 1 with id set when a file of that name is on the server, 0 when not */
	int (*find_file)(const struct batch_conn *c, const char *name, char *id, size_t idlen,
	                 char *err, size_t errlen);
	/* the batch of the uploaded file_id, or of the input file at path */
	int (*create)(const struct batch_conn *c, const char *file_id, const char *path,
	              const char *run, int part, struct batch_info *bi, char *err, size_t errlen);
	/* 1 with bi set when part p's batch is on the server, 0 when not,
	 * -1 with err (also when it cannot be told which it is) */
	int (*find_batch)(const struct batch_conn *c, const struct batch *b,
	                  const struct batch_part *p, struct batch_info *bi, char *err,
	                  size_t errlen);
	/* a batch is at batches+ID, asked for with a GET and cancelled with
	 * a POST of cancel_body (NULL: none) to batches+ID/cancel; its answer
	 * read into a struct batch_info by read_info */
	const char *batches, *cancel_body;
	void (*read_info)(json_object *o, struct batch_info *bi);
	/* the answers' file, at results+ID+results_what: ID an output
	 * file's, or the batch's own */
	const char *results, *results_what;
	int (*read_line)(const char *line, size_t n, struct batch_line *bl, char *err,
	                 size_t errlen);
	/* the statuses a batch ends in, NULL-ended */
	const char *const *ended;
};

extern const struct batch_dialect batch_openai, batch_anthropic;

/* The batch dialect of an endpoint; NULL when there is none. */
const struct batch_dialect *batch_dialect_of(const struct endpoint *ep);

/* batch_call.c: one call to c's endpoint at path (below its base URL),
 * in its chat dialect's auth and headers, tried again on a failed
 * transport or a retryable status; the body is body, or the file at
 * body_path, or a multipart upload of file (named name); the answer to
 * sink (>= 0) or ans.  0 with a 2xx answer, or -1 with err (the
 * dialect's words for an error answer). */
int batch_call(const struct batch_conn *c, const char *method, const char *path,
               const char *body, const char *body_path, const char *file, const char *name,
               int sink, struct buf *ans, char *err, size_t errlen);
/* batch_call_json() of a batch object, read into bi by read_info: 0, or
 * -1 with err (also when it has no id or status). */
int batch_call_info(const struct batch_conn *c, const char *method, const char *path,
                    const char *body, const char *body_path,
                    void (*read_info)(json_object *o, struct batch_info *bi),
                    struct batch_info *bi, char *err, size_t errlen);
/* The batch id of dialect d asked for, or with cancel cancelled: the
 * answer read into bi as batch_call_info() reads it. */
int batch_call_at(const struct batch_conn *c, const struct batch_dialect *d, const char *id,
                  int cancel, struct batch_info *bi, char *err, size_t errlen);
/* batch_call() of a JSON answer: the tree (owned), or NULL with err. */
json_object *batch_call_json(const struct batch_conn *c, const char *method, const char *path,
                             const char *body, const char *body_path, char *err, size_t errlen);

/* batch_call.c: a line of an answer file parsed into bl (tree and
 * custom_id set, the rest 0), for a dialect's read_line to go on: 0, or
 * -1 with err (not JSON, no custom_id). */
int batch_line_open(const char *line, size_t n, struct batch_line *bl, char *err, size_t errlen);
void batch_line_free(struct batch_line *bl);

/* A record of a part: 0 not written, 1 written, 2 in a chunk being
 * written (batch_fetch.c). */
struct batch_rec {
	char *id;
	char hash[HASH_HEX];
	char written;
};

struct batch_part {
	int index;
	const struct batch_dialect *d;	/* its endpoint's; NULL for the local part */
	char *endpoint;		/* provider name; "" the default endpoint */
	int local;		/* answered here (cache, bad input): no batch */
	char step[16];		/* planned uploading uploaded creating created */
	char *file_id, *batch_id, *output_id, *error_id;
	char status[32];	/* the server's word, "" before it was asked */
	char message[256];	/* why the batch failed */
	long long total, completed, failed;
	long long bytes;	/* of its input file */
	long long created_at, updated_at;	/* Unix seconds */
	struct batch_rec *recs;
	size_t nrecs, caprecs;
};

struct batch {
	struct batch_opts o;
	struct config *cfg;
	int exists;
	char run[33];		/* the run's id, on the server's names */
	long long created_at;
	long long pend_off, pend_len;	/* a chunk being written, -1: none */
	int dirty;		/* written records the saved state has pending */
	struct batch_part *parts;
	size_t nparts;
	struct redact *red;
};

/* batch_state.c */
int batch_state_load(struct batch *b, char *err, size_t errlen);
/* The state of text[0..len) into b (empty before).  0, or -1 with err
 * (parts read before the fault stay in b, for batch_free). */
int batch_state_parse(struct batch *b, const char *text, size_t len, char *err, size_t errlen);
int batch_state_save(struct batch *b, char *err, size_t errlen);
/* STATE.K.WHAT, allocated */
char *batch_part_path(const struct batch *b, int part, const char *what);
struct batch_part *batch_part_add(struct batch *b, const char *endpoint,
                                  const struct batch_dialect *d, int local);
void batch_rec_add(struct batch_part *p, const char *id, size_t idlen, const char *hash);
void batch_part_free(struct batch_part *p);

/* batch.c */
/* A test's hook: LLM_BATCH_KILL=STEP kills the process with SIGKILL at
 * that step, as a crash would (tests/llm-batch.bats, tests/soak/batch.sh). */
void batch_kill_point(const char *step);
/* The custom_id record i (of id id) of part is sent with through d: its
 * id, or when the dialect makes its own r<run, 12 hex>p<part>n<i> in
 * out, so a result names its run and part. */
const char *batch_custom_id(const struct batch *b, const struct batch_dialect *d, int part,
                            size_t i, const char *id, char out[64]);
/* The endpoint of part p, NULL with err when the configuration has lost it. */
const struct endpoint *batch_endpoint(struct batch *b, const struct batch_part *p, char *err,
                                      size_t errlen);
#endif
