#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "run/cache.h"

/* Fields of a result that describe the request's run, not its answer. */
static const char *const run_fields[] = {
	"id", "meta", "attempt", "request", "cached", "latency_ms", "ttft_ms", NULL,
};

int
cache_key(const char *url, json_object *body, json_object *repeat, char key[HASH_HEX],
          char *err, size_t errlen)
{
	json_object *k = json_object_new_object();
	int rc;

	json_set(k, "endpoint", json_object_new_string(url));
	json_set(k, "request", json_ref(body));
	if (repeat)
		json_set(k, "repeat", json_ref(repeat));
	rc = json_hash(k, key, err, errlen);
	json_object_put(k);
	return rc;
}

json_object *
cache_get(const char *dir, const char *key)
{
	char path[PATH_MAX], err[ERRLEN];
	size_t len;
	char *s;
	json_object *v;

	/* an entry is a regular file below dir: not a FIFO to wait on */
	snprintf(path, sizeof path, "%.2s/%s.json", key, key);
	if (!(s = read_file_beneath(dir, path, 256u << 20, &len, err, sizeof err)))
		return NULL;
	v = json_parse(s, len, err, sizeof err);
	free(s);
	if (v && (!json_object_is_type(v, json_type_object) ||
	          !json_object_is_type(json_get(v, "content"), json_type_string))) {
		json_object_put(v);
		v = NULL;
	}
	return v;
}

int
cache_put(const char *dir, const char *key, json_object *res, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct buf b = {0};
	json_object *v = json_object_new_object();
	int rc;

	json_object_object_foreach(res, k, val)
		if (!str_listed(k, run_fields))
			json_set(v, k, json_ref(val));
	snprintf(path, sizeof path, "%s/%.2s/%s.json", dir, key, key);
	json_line(v, &b);
	buf_add(&b, "\n", 1);
	rc = atomic_write(path, b.data, b.len, 1, err, errlen);
	buf_free(&b);
	json_object_put(v);
	return rc;
}
