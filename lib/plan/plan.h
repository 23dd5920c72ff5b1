/* plan: a tuna plan (plan.toml, or the same as JSON) loaded into a checked
 * struct, or one made from command-line models and query files; and the
 * request records it expands into (lib/plan/plan_expand.c).
 *
 * Layout (DESIGN.md 'Files the tools write'): a plan file at
 * <assistant>/Output/<plan_id>/plan.toml reads its queries from
 * <assistant>/Input/<query_id> and answers go to
 * <assistant>/Output/<plan_id>/<model_hash>/<query_base>_response.md.
 * A plan file anywhere else takes its own directory as <assistant>.
 *
 * Ownership: struct plan owns everything it points to (plan_free); its
 * strings may point into the parsed tree it keeps.
 */
#ifndef LLM_PLAN_H
#define LLM_PLAN_H

#include <stddef.h>

#include "json/hash.h"
#include "json/json.h"
#include "plan/toml.h"

#define PLAN_MAX_FILE (64u << 20)	/* largest query or system prompt file read */
/* The largest plan file: its tree takes some 35 times its size in memory
 * (a json-c table per [[query]]), so 8 MiB, about 250,000 queries, is
 * some 300 MB, and a bigger plan is refused before it is parsed. */
#define PLAN_MAX_PLAN (8u << 20)

struct plan_model {
	const char *name;
	char hash[9];
};

struct plan_query {
	const char *id;		/* as in the plan: a path below <assistant>/Input */
	char *base;		/* id without its extension */
	char *path;		/* the file to read */
	char *text;		/* its content, once plan_read_queries() ran */
	size_t len;
	json_object *at;	/* the id in the plan's tree (borrowed), NULL ad hoc */
	json_object *response_format;	/* its json_schema's, owned; NULL: the plan's */
	json_object *assert;	/* its checks for llm-assert (borrowed), or NULL */
};

struct plan {
	char *file;		/* the plan file, NULL for a plan made of options */
	char *dir;		/* <assistant>, relative to the current directory when it can be */
	const char *plan_id;
	const char *assistant_id;	/* NULL when there is none (ad hoc) */
	const char *system;	/* NULL or "" for no system message */
	json_object *temperature;	/* a number, or NULL */
	json_object *max_tokens;	/* an integer, or NULL */
	struct plan_model *models;
	size_t nmodels;
	struct plan_query *queries;
	size_t nqueries;
	json_object *tree;	/* the parsed file */
	struct toml_where *where;	/* positions in it (TOML) */
	char *owned_system;	/* a system prompt read from a file */
	json_object *response_format;	/* [assistant] json_schema's, owned, or NULL */
	json_object *assert;	/* [assistant] assert: every query's checks
				 * (borrowed), or NULL */
};

/* Parse a TOML or JSON file into *out (NULL for JSON null): JSON when the
 * name ends in ".json", or else when the first character that is not
 * white space is '{' (a TOML document cannot start so); TOML otherwise.  *where (TOML only; where
 * may be NULL) gets positions.  0, or -1 with "file:LINE:COL: message"
 * (TOML) or "file: message" in err. */
int plan_parse_file(const char *file, json_object **out, struct toml_where **where,
                    char *err, size_t errlen);

/* Load and check a plan file: its types, plan_id against its directory,
 * models and queries present and unique, ids confined.  Query files are
 * not read yet.  0, or -1 with "file[:LINE:COL]: message" in err. */
int plan_load(struct plan *pl, const char *file, char *err, size_t errlen);

/* A plan of models, query files (paths confined to the current
 * directory; their ids are these paths) and the rest, for ad hoc runs.
 * Takes temperature, max_tokens and system. 0, or -1 with err. */
int plan_adhoc(struct plan *pl, const char *plan_id, char **models, size_t nmodels,
               char **files, size_t nfiles, char *system, json_object *temperature,
               json_object *max_tokens, char *err, size_t errlen);

/* Read every query file once, and the schema files of json_schema keys
 * ([assistant] and [[query]], paths beneath <assistant> as the queries'
 * are; each made a response_format asking for it, a query's over the
 * assistant's).  0, or -1 with err naming the query and its path, or the
 * json_schema key. */
int plan_read_queries(struct plan *pl, char *err, size_t errlen);

/* The plan files <root>/<any>/Output/<plan_id>/plan.toml, sorted: 0 with
 * *paths (free each and the array) and *n set, or -1 with err. */
int plan_find(const char *root, const char *plan_id, char ***paths, size_t *n, char *err,
              size_t errlen);

void plan_free(struct plan *pl);

/* ---- expansion (plan_expand.c) ---- */

struct plan_expand {
	int repeat;		/* samples of each pair; 0: one, without meta.repeat */
	int skip_existing;	/* leave out pairs whose output file exists */
	json_object *done;	/* ids to leave out (keys of an object, each with
				 * its record's meta.output or null), or NULL */
	/* counted by plan_expand() */
	long total;		/* records of the whole matrix */
	long existing;		/* of them with an output file on disk */
	long logged;		/* of them in done */
	long written;		/* records written */
	int outside;		/* an output path is not below the current directory */
	struct plan_estimate *est;	/* NULL, or one per model, filled */
};

/* What a model's records to be written ask: how many, and the bytes of
 * their request bodies (tokens are estimated from them as llm-chat's
 * --tpm does, about four bytes a token). */
struct plan_estimate {
	long requests;
	double bytes;
};

/* Write every record not left out, query by query, each query's models in
 * plan order, each pair's samples in order, through write_fn in chunks of
 * whole lines (write_fn NULL: only count).  The queries must have been
 * read.  0, or what write_fn returned when it failed. */
int plan_expand(const struct plan *pl, struct plan_expand *x,
                int (*write_fn)(void *arg, const char *p, size_t n), void *arg);

/* Add the id of every ok result record in the log at fd to the set done
 * (an object: id -> its meta.output string, or null when a record of it
 * had none).  Lines that are not records are counted in *bad.  0, or -1
 * with err on a read error. */
int plan_done_ids(int fd, const char *name, json_object *done, long *bad, char *err,
                  size_t errlen);

#endif
