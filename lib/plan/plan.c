/* Loading a plan: parse, check, find its assistant folder and queries. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"
#include "json/schema.h"
#include "plan/plan.h"
#include "wire/openai.h"

int
plan_parse_file(const char *file, json_object **out, struct toml_where **where, char *err,
                size_t errlen)
{
	char why[ERRLEN];
	size_t len, n = strlen(file), i;
	char *text;
	int json, rc = 0;

	*out = NULL;
	if (where)
		*where = NULL;
	/* "-" is stdin, as for every file operand of the tools */
	if (!(text = read_file(strcmp(file, "-") == 0 ? "/dev/stdin" : file, PLAN_MAX_PLAN, &len,
	                       err, errlen))) {
		if (errno == EFBIG)
			snprintf(err, errlen, "%s: a plan is at most %u MiB (about 250,000 queries): "
			         "split it into several plans", file, PLAN_MAX_PLAN >> 20);
		return -1;
	}
	for (i = 0; i < len && strchr(" \t\r\n", text[i]); i++)
		;
	json = (n >= 5 && strcmp(file + n - 5, ".json") == 0) || (i < len && text[i] == '{');
	if (json && (rc = json_parse_any(text, len, out, why, sizeof why)) < 0)
		snprintf(err, errlen, "%s: invalid JSON: %s", file, why);
	else if (!json && !(*out = toml_parse(text, len, file, where, err, errlen)))
		rc = -1;
	free(text);
	return rc;
}

/* ---- checking, with the position of the value at fault ---- */

struct check {
	struct plan *pl;
	char *err;
	size_t errlen;
	json_object *seen;	/* query ids so far, as keys */
};

/* Every message names the plan file and the place of the value at, when
 * known: toml_message's. */
#define bad(c, at, ...) \
	toml_message((c)->pl->where, (c)->pl->file, at, (c)->err, (c)->errlen, __VA_ARGS__)

/* The string at key in obj: *s set (NULL when missing and optional). */
static int
get_string(struct check *c, json_object *obj, const char *key, const char *path, int required,
           const char **s)
{
	json_object *v;

	*s = NULL;
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required)
			return bad(c, obj, "%s is missing", path);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(c, v, "%s: expected a string, got %s", path, toml_type_name(v));
	*s = json_object_get_string(v);
	return 0;
}

/* The table at key in obj; a missing one is an error naming what needed it. */
static json_object *
get_table(struct check *c, json_object *obj, const char *key, const char *path, const char *need)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v)) {
		bad(c, obj, "%s is missing (%s goes in it)", path, need);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_object)) {
		bad(c, v, "%s: expected a table, got %s", path, toml_type_name(v));
		return NULL;
	}
	return v;
}

/* The keys each table of a plan may hold, as tuna writes them. */
static const char *const top_keys[] = {"plan_id", "assistant_id", "assistant", "query", NULL};
static const char *const assistant_keys[] = {"system_prompt", "llm", "json_schema", "assert",
                                              NULL};
static const char *const llm_keys[] = {"models", "temperature", "max_tokens", NULL};
static const char *const query_keys[] = {"id", "json_schema", "assert", NULL};

/* A misspelt key would silently leave a setting out (temprature = 0
 * runs at the server's default), so every key of table t must be known;
 * the message points at the key's value, or at the table when the value
 * has no position (a table made by a dotted key). */
static int
check_keys(struct check *c, json_object *t, const char *const *known, const char *table)
{
	struct buf list = {0};
	const char *const *k;
	json_object *at;
	unsigned line, col;
	int rc;

	json_object_object_foreach(t, key, v) {
		if (str_listed(key, known))
			continue;
		for (k = known; *k; k++)
			buf_addf(&list, "%s%s", k == known ? "" : ", ", *k);
		/* [[x]] marks its tables, not the array holding them */
		at = json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0
		     && toml_where_get(c->pl->where, v, &line, &col) < 0
		     ? json_object_array_get_idx(v, 0) : v;
		rc = bad(c, toml_where_get(c->pl->where, at, &line, &col) == 0 ? at : t,
		         "unknown key '%s' %s (known: %s)", key, table, list.data);
		buf_free(&list);
		return rc;
	}
	return 0;
}

/* An id used in a path: confined, and for plan ids one directory name. */
static int
check_id(struct check *c, json_object *at, const char *what, const char *s, size_t len,
         int one_name)
{
	char why[ERRLEN];

	if (path_confined(s, len, why, sizeof why) < 0)
		return bad(c, at, "%s: %s", what, why);
	if (one_name && strchr(s, '/'))
		return bad(c, at, "%s '%s': a directory name, without '/'", what, s);
	return 0;
}

/* A string's length as json-c holds it (it sees an embedded NUL). */
static size_t
slen(json_object *v)
{
	return (size_t)json_object_get_string_len(v);
}

static int
check_models(struct check *c, json_object *llm)
{
	struct plan *pl = c->pl;
	json_object *a, *m;
	size_t i, j, n;

	if (!json_object_object_get_ex(llm, "models", &a))
		return bad(c, llm, "assistant.llm.models is missing: name at least one model");
	if (!json_object_is_type(a, json_type_array))
		return bad(c, a, "assistant.llm.models: expected an array of model names, got %s",
		           toml_type_name(a));
	if ((n = json_object_array_length(a)) == 0)
		return bad(c, a, "assistant.llm.models is empty: name at least one model");
	pl->models = ecalloc(n, sizeof *pl->models);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(a, i);
		if (!json_object_is_type(m, json_type_string) || slen(m) == 0 ||
		    strlen(json_object_get_string(m)) != slen(m))
			return bad(c, m ? m : a, "assistant.llm.models[%zu]: expected a model name, got %s", i,
			           json_object_is_type(m, json_type_string) ? "an empty or NUL-holding string"
			                                                    : toml_type_name(m));
		pl->models[i].name = json_object_get_string(m);
		for (j = 0; j < i; j++)
			if (strcmp(pl->models[j].name, pl->models[i].name) == 0)
				return bad(c, m, "assistant.llm.models: '%s' is listed twice", pl->models[i].name);
		model_hash(pl->models[i].name, pl->models[i].hash);
		pl->nmodels++;
	}
	return 0;
}

static int
check_params(struct check *c, json_object *llm)
{
	json_object *v;

	if (json_object_object_get_ex(llm, "temperature", &v)) {
		double t = json_object_get_double(v);

		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
			return bad(c, v, "assistant.llm.temperature: expected a number, got %s", toml_type_name(v));
		if (!(t >= 0 && t <= 2))
			return bad(c, v, "assistant.llm.temperature: expected a number from 0 to 2");
		c->pl->temperature = json_ref(v);
	}
	if (json_object_object_get_ex(llm, "max_tokens", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return bad(c, v, "assistant.llm.max_tokens: expected an integer, got %s", toml_type_name(v));
		if (json_object_get_int64(v) < 1)
			return bad(c, v, "assistant.llm.max_tokens: expected a whole number of 1 or more");
		c->pl->max_tokens = json_ref(v);
	}
	return 0;
}

static char *
join(const char *dir, const char *a, const char *b)
{
	struct buf p = {0};

	if (strcmp(dir, ".") != 0)
		buf_addf(&p, "%s/", dir);
	buf_adds(&p, a);
	if (b)
		buf_addf(&p, "/%s", b);
	return p.data;
}

/* The query id without the extension of its last part ("a/q1.md" ->
 * "a/q1"); a name starting with its only dot keeps it. */
static char *
query_base(const char *id)
{
	const char *slash = strrchr(id, '/'), *name = slash ? slash + 1 : id;
	const char *dot = strrchr(name, '.');

	return estrndup(id, dot && dot != name ? (size_t)(dot - id) : strlen(id));
}

/* Add a query; its id must be a new confined path. */
static int
add_query(struct check *c, json_object *at, const char *id, size_t len, const char *path)
{
	struct plan *pl = c->pl;
	struct plan_query *q = &pl->queries[pl->nqueries];

	if (check_id(c, at, "query id", id, len, 0) < 0)
		return -1;
	if (!c->seen)
		c->seen = json_object_new_object();
	if (json_object_object_get_ex(c->seen, id, NULL))
		return bad(c, at, "query '%s' is listed twice", id);
	json_object_object_add(c->seen, id, NULL);
	q->id = id;
	q->base = query_base(id);
	q->path = path ? estrdup(path) : join(pl->dir, "Input", id);
	q->at = at;
	pl->nqueries++;
	return 0;
}

/* The checks of llm-assert(1) a query or the assistant carries into
 * meta.assert: a table or an array of tables, read by llm-assert. */
static int
get_assert(struct check *c, json_object *t, const char *path, json_object **out)
{
	json_object *v;
	size_t i;

	if (!json_object_object_get_ex(t, "assert", &v))
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_object))
				break;
		if (i == json_object_array_length(v) && i > 0) {
			*out = v;
			return 0;
		}
	} else if (json_object_is_type(v, json_type_object)) {
		*out = v;
		return 0;
	}
	return bad(c, v, "%s: expected a table or an array of tables of llm-assert checks, "
	           "e.g. assert = [{ type = \"contains\", value = \"Paris\" }]", path);
}

static int
check_queries(struct check *c, json_object *tree)
{
	json_object *a, *t, *v;
	size_t i, n;

	if (!json_object_object_get_ex(tree, "query", &a) ||
	    (json_object_is_type(a, json_type_array) && json_object_array_length(a) == 0))
		return bad(c, a, "no queries: add at least one [[query]] with an id");
	if (!json_object_is_type(a, json_type_array))
		return bad(c, a, "query: expected an array of tables ([[query]]), got %s", toml_type_name(a));
	n = json_object_array_length(a);
	c->pl->queries = ecalloc(n, sizeof *c->pl->queries);
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(a, i);
		if (!json_object_is_type(t, json_type_object))
			return bad(c, t ? t : a, "query[%zu]: expected a table, got %s", i, toml_type_name(t));
		if (check_keys(c, t, query_keys, "in [[query]]") < 0)
			return -1;
		if (!json_object_object_get_ex(t, "id", &v))
			return bad(c, t, "query[%zu]: id is missing", i);
		if (!json_object_is_type(v, json_type_string))
			return bad(c, v, "query[%zu].id: expected a string, got %s", i, toml_type_name(v));
		if (add_query(c, v, json_object_get_string(v), slen(v), NULL) < 0 ||
		    get_assert(c, t, "query.assert", &c->pl->queries[c->pl->nqueries - 1].assert) < 0)
			return -1;
	}
	return 0;
}

/* path made relative to the current directory when it lies below it. */
static char *
relative(const char *path)
{
	char cwd[PATH_MAX], real[PATH_MAX];
	size_t n;

	while (path[0] == '.' && path[1] == '/')
		for (path += 2; *path == '/'; path++)
			;
	if (!*path)
		return estrdup(".");
	if (path[0] != '/' || !getcwd(cwd, sizeof cwd) || !realpath(path, real))
		return estrdup(path);
	n = strlen(cwd);
	if (strcmp(real, cwd) == 0)
		return estrdup(".");
	if (strncmp(real, cwd, n) == 0 && real[n] == '/')
		return estrdup(real + n + 1);
	return estrdup(path);
}

/* The directory part of p ("." when none), as dirname(3) without
 * touching p. */
static char *
parent(const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	while (n > 0 && p[n - 1] != '/')
		n--;
	while (n > 1 && p[n - 1] == '/')
		n--;
	return n == 0 ? estrdup(".") : estrndup(p, n);
}

static const char *
last_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* <assistant> of DESIGN.md: up from <assistant>/Output/<plan_id>/, where
 * the directory must be named as the plan; or the plan file's directory. */
static int
find_dir(struct check *c, json_object *idv)
{
	struct plan *pl = c->pl;
	char *d1, *d2, *d3;
	int rc = 0;

	/* a plan on stdin has the current directory as <assistant> */
	if (strcmp(pl->file, "-") == 0) {
		pl->dir = estrdup(".");
		return 0;
	}
	d1 = parent(pl->file), d2 = parent(d1), d3 = parent(d2);

	if (strcmp(last_name(d2), "Output") == 0 && strcmp(d1, d2) != 0) {
		if (strcmp(last_name(d1), pl->plan_id) != 0)
			rc = bad(c, idv, "plan_id '%s' does not match the plan's directory %s",
			         pl->plan_id, d1);
		pl->dir = relative(d3);
	} else {
		pl->dir = relative(d1);
	}
	free(d1);
	free(d2);
	free(d3);
	return rc;
}

int
plan_load(struct plan *pl, const char *file, char *err, size_t errlen)
{
	struct check c = {pl, err, errlen, NULL};
	json_object *assistant, *llm, *idv;
	int rc;

	memset(pl, 0, sizeof *pl);
	pl->file = estrdup(file);
	if (plan_parse_file(file, &pl->tree, &pl->where, err, errlen) < 0)
		return -1;
	if (!json_object_is_type(pl->tree, json_type_object))
		return bad(&c, NULL, "expected a table (a JSON object) at the top, got %s",
		           toml_type_name(pl->tree));
	if (check_keys(&c, pl->tree, top_keys, "at the top level") < 0 ||
	    get_string(&c, pl->tree, "plan_id", "plan_id", 1, &pl->plan_id) < 0 ||
	    get_string(&c, pl->tree, "assistant_id", "assistant_id", 1, &pl->assistant_id) < 0)
		return -1;
	idv = json_get(pl->tree, "plan_id");
	if (check_id(&c, idv, "plan_id", pl->plan_id, slen(idv), 1) < 0 || find_dir(&c, idv) < 0)
		return -1;
	if (!(assistant = get_table(&c, pl->tree, "assistant", "assistant", "llm.models")) ||
	    check_keys(&c, assistant, assistant_keys, "in [assistant]") < 0 ||
	    get_string(&c, assistant, "system_prompt", "assistant.system_prompt", 0, &pl->system) < 0 ||
	    get_assert(&c, assistant, "assistant.assert", &pl->assert) < 0 ||
	    !(llm = get_table(&c, assistant, "llm", "assistant.llm", "models")) ||
	    check_keys(&c, llm, llm_keys, "in [assistant.llm]") < 0 ||
	    check_models(&c, llm) < 0 || check_params(&c, llm) < 0)
		return -1;
	rc = check_queries(&c, pl->tree);
	json_object_put(c.seen);
	return rc;
}

int
plan_adhoc(struct plan *pl, const char *plan_id, char **models, size_t nmodels, char **files,
           size_t nfiles, char *system, json_object *temperature, json_object *max_tokens,
           char *err, size_t errlen)
{
	struct check c = {pl, err, errlen, NULL};
	size_t i, j;
	int rc = 0;

	memset(pl, 0, sizeof *pl);
	pl->dir = estrdup(".");
	pl->plan_id = plan_id;
	pl->system = pl->owned_system = system;
	pl->temperature = temperature;
	pl->max_tokens = max_tokens;
	if (check_id(&c, NULL, "plan id", plan_id, strlen(plan_id), 1) < 0)
		return -1;
	pl->models = ecalloc(nmodels, sizeof *pl->models);
	for (i = 0; i < nmodels; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(models[j], models[i]) == 0)
				return bad(&c, NULL, "model '%s' is given twice", models[i]);
		if (!*models[i])
			return bad(&c, NULL, "an empty model name");
		pl->models[i].name = models[i];
		model_hash(models[i], pl->models[i].hash);
		pl->nmodels++;
	}
	pl->queries = ecalloc(nfiles, sizeof *pl->queries);
	for (i = 0; i < nfiles && rc == 0; i++)
		rc = add_query(&c, NULL, files[i], strlen(files[i]), files[i]);
	json_object_put(c.seen);
	return rc;
}

/* The json_schema key of table t: its file read beneath <assistant>,
 * compiled to be sure it is a schema, made the response_format asking
 * for it into *rf.  0 (*rf NULL when t has none), or -1. */
static int
read_schema(struct check *c, json_object *t, json_object **rf)
{
	json_object *v = json_get(t, "json_schema"), *doc;
	char why[ERRLEN], name[65];
	struct schema *s;
	size_t len;
	char *text;

	*rf = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(c, v, "json_schema: expected the path of a JSON Schema file, got %s",
		           toml_type_name(v));
	text = read_file_beneath(c->pl->dir, json_object_get_string(v), PLAN_MAX_FILE, &len, why,
	                         sizeof why);
	if (!text)
		return bad(c, v, "json_schema: %s", why);
	doc = json_parse(text, len, why, sizeof why);
	free(text);
	if (!doc)
		return bad(c, v, "json_schema '%s': invalid JSON: %s", json_object_get_string(v), why);
	if (!(s = schema_compile(doc, 0, why, sizeof why))) {
		json_object_put(doc);
		return bad(c, v, "json_schema '%s': %s", json_object_get_string(v), why);
	}
	schema_free(s);
	openai_schema_name(json_object_get_string(v), name, sizeof name);
	*rf = openai_schema_format(doc, name);
	json_object_put(doc);
	return 0;
}

int
plan_read_queries(struct plan *pl, char *err, size_t errlen)
{
	struct check c = {pl, err, errlen, NULL};
	json_object *queries = json_get(pl->tree, "query");
	char why[ERRLEN];
	size_t i;

	if (pl->system && utf8_invalid_at(pl->system, strlen(pl->system)) < strlen(pl->system))
		return bad(&c, json_get(json_get(pl->tree, "assistant"), "system_prompt"),
		           "the system prompt is not UTF-8 text (byte %zu)",
		           utf8_invalid_at(pl->system, strlen(pl->system)));
	for (i = 0; i < pl->nqueries; i++) {
		struct plan_query *q = &pl->queries[i];

		/* a plan's query is read beneath <assistant>/Input: a symbolic
		 * link there that leads out of it is refused */
		if (q->at) {
			char *input = join(pl->dir, "Input", NULL);

			q->text = read_file_beneath(input, q->id, PLAN_MAX_FILE, &q->len, why, sizeof why);
			free(input);
		} else {
			q->text = read_file(q->path, PLAN_MAX_FILE, &q->len, why, sizeof why);
		}
		if (!q->text)
			return pl->file ? bad(&c, q->at, "query '%s': %s", q->id, why)
			                : bad(&c, NULL, "query file %s", why);
		if (utf8_invalid_at(q->text, q->len) < q->len)
			return bad(&c, NULL, "query '%s': %s is not UTF-8 text (byte %zu)", q->id,
			           q->path, utf8_invalid_at(q->text, q->len));
	}
	if (!pl->file)
		return 0;
	if (read_schema(&c, json_get(pl->tree, "assistant"), &pl->response_format) < 0)
		return -1;
	/* a plan file's queries are its [[query]] tables, in order */
	for (i = 0; i < pl->nqueries; i++)
		if (read_schema(&c, json_object_array_get_idx(queries, i),
		                &pl->queries[i].response_format) < 0)
			return -1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add root/rel to the list when it is a file. */
static void
add_if_file(const char *root, const char *rel, char ***paths, size_t *n)
{
	char *p = join(root, rel, NULL);
	struct stat st;

	if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
		*paths = erealloc(*paths, (*n + 1) * sizeof **paths);
		(*paths)[(*n)++] = p;
	} else {
		free(p);
	}
}

int
plan_find(const char *root, const char *plan_id, char ***paths, size_t *n, char *err,
          size_t errlen)
{
	struct plan tmp = {0};
	struct check c = {&tmp, err, errlen, NULL};
	struct buf rel = {0};
	struct dirent *e;
	DIR *d;

	*paths = NULL;
	*n = 0;
	if (check_id(&c, NULL, "plan id", plan_id, strlen(plan_id), 1) < 0)
		return -1;
	if (!(d = opendir(root))) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	/* root may be an assistant folder itself, or hold some */
	buf_addf(&rel, "Output/%s/plan.toml", plan_id);
	add_if_file(root, rel.data, paths, n);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&rel);
		buf_addf(&rel, "%s/Output/%s/plan.toml", e->d_name, plan_id);
		add_if_file(root, rel.data, paths, n);
	}
	closedir(d);
	buf_free(&rel);
	if (*n > 1)
		qsort(*paths, *n, sizeof **paths, cmp_str);
	return 0;
}

void
plan_free(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->nqueries; i++) {
		free(pl->queries[i].base);
		free(pl->queries[i].path);
		free(pl->queries[i].text);
		json_object_put(pl->queries[i].response_format);
	}
	free(pl->queries);
	free(pl->models);
	free(pl->file);
	free(pl->dir);
	free(pl->owned_system);
	json_object_put(pl->temperature);
	json_object_put(pl->max_tokens);
	json_object_put(pl->response_format);
	json_object_put(pl->tree);
	toml_where_free(pl->where);
	memset(pl, 0, sizeof *pl);
}
