/* batch_internal: what batch.c, batch_state.c, batch_fetch.c and the
 * dialects (batch_openai.c) share.  Not for programs.
 *
 * A dialect is a provider's batch API: the line of its input file for
 * a request, the calls that upload a file, make, find, read and cancel
 * a batch, and the reading of its output lines.  Its functions fill err
 * and return -1 on failure.
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
	const char *name;
	/* the input file's line for body, sent as custom_id id: out's text */
	void (*line)(struct buf *out, const char *id, size_t idlen, json_object *body);
	int (*upload)(const struct batch_conn *c, const char *path, const char *name,
	              char *id, size_t idlen, char *err, size_t errlen);
	/* 1 with id set when a file of that name is on the server, 0 when not */
	int (*find_file)(const struct batch_conn *c, const char *name, char *id, size_t idlen,
	                 char *err, size_t errlen);
	int (*create)(const struct batch_conn *c, const char *file_id, const char *run, int part,
	              struct batch_info *bi, char *err, size_t errlen);
	/* 1 with bi set when a batch of that run and part is on the server */
	int (*find_batch)(const struct batch_conn *c, const char *run, int part,
	                  struct batch_info *bi, char *err, size_t errlen);
	int (*retrieve)(const struct batch_conn *c, const char *id, struct batch_info *bi,
	                char *err, size_t errlen);
	int (*cancel)(const struct batch_conn *c, const char *id, struct batch_info *bi,
	              char *err, size_t errlen);
	/* the file's bytes to fd */
	int (*download)(const struct batch_conn *c, const char *file_id, int fd, char *err,
	                size_t errlen);
	int (*read_line)(const char *line, size_t n, struct batch_line *bl, char *err,
	                 size_t errlen);
	/* is the status one a batch ends in? */
	int (*finished)(const char *status);
};

extern const struct batch_dialect batch_openai;

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
	const struct batch_dialect *d;
	int exists;
	char run[33];		/* the run's id, on the server's names */
	long long created_at;
	long long pend_off, pend_len;	/* a chunk being written, -1: none */
	int dirty;		/* written records the saved state has pending */
	struct batch_part *parts;
	size_t nparts;
	struct redact *red;
	struct buf scratch;
};

/* batch_state.c */
int batch_state_load(struct batch *b, char *err, size_t errlen);
/* The state of text[0..len) into b (empty before).  0, or -1 with err
 * (parts read before the fault stay in b, for batch_free). */
int batch_state_parse(struct batch *b, const char *text, size_t len, char *err, size_t errlen);
int batch_state_save(struct batch *b, char *err, size_t errlen);
/* STATE.K.WHAT, allocated */
char *batch_part_path(const struct batch *b, int part, const char *what);
struct batch_part *batch_part_add(struct batch *b, const char *endpoint, int local);
void batch_rec_add(struct batch_part *p, const char *id, size_t idlen, const char *hash);
void batch_part_free(struct batch_part *p);

/* batch.c */
/* A test's hook: LLM_BATCH_KILL=STEP kills the process with SIGKILL at
 * that step, as a crash would (tests/llm-batch.bats, tests/soak/batch.sh). */
void batch_kill_point(const char *step);
/* The endpoint of part p, NULL with err when the configuration has lost it. */
const struct endpoint *batch_endpoint(struct batch *b, const struct batch_part *p, char *err,
                                      size_t errlen);
#endif
