/* Unit tests for lib/run/cache.c: the key, and entries put and got back. */
#include <dirent.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "run/cache.h"

static void
key_of(const char *url, const char *body, int repeat, char key[HASH_HEX])
{
	json_object *b = parse(body), *r = repeat >= 0 ? json_object_new_int(repeat) : NULL;
	char err[ERRLEN];

	if (cache_key(url, b, r, key, err, sizeof err) != 0)
		fail_msg("%s", err);
	json_object_put(b);
	json_object_put(r);
}

/* ---- the key ---- */

static const struct {
	const char *url;
	const char *body;
	int repeat;	/* meta.repeat; -1: none */
	const char *key;	/* SHA-256 of the canonical form, by sha256sum */
} key_cases[] = {
	/* printf %s '{"endpoint":"http://x/v1","request":{"messages":[],"model":"m"}}' */
	{"http://x/v1", "{\"model\":\"m\",\"messages\":[]}", -1,
	 "91d722cd28b620e9e232de973234b4fddb4f809b62ad2e3fb94a4fdf46c4bd9a"},
	{"http://x/v1", "{\"messages\":[],\"model\":\"m\"}", -1,
	 "91d722cd28b620e9e232de973234b4fddb4f809b62ad2e3fb94a4fdf46c4bd9a"},
	/* ... '{"endpoint":"http://x/v1","repeat":2,"request":{"messages":[],"model":"m"}}' */
	{"http://x/v1", "{\"model\":\"m\",\"messages\":[]}", 2,
	 "4db687ba547ec89f76150dddae4e6cd5f3bc7b91a472e88806f449e6cb6d66e3"},
};

static void
test_key_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(key_cases); i++) {
		char key[HASH_HEX];

		key_of(key_cases[i].url, key_cases[i].body, key_cases[i].repeat, key);
		assert_string_equal(key, key_cases[i].key);
	}
}

static void
test_key_differs(void **state)
{
	const char *body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
	                   "\"temperature\":0.5}";
	const char *permuted = "{\"temperature\":0.50,\"messages\":[{\"content\":\"hi\","
	                       "\"role\":\"user\"}],\"model\":\"m\"}";
	char base[HASH_HEX], k[HASH_HEX];

	(void)state;
	key_of("http://a/v1", body, -1, base);
	key_of("http://a/v1", permuted, -1, k);
	assert_string_equal(k, base);
	key_of("http://b/v1", body, -1, k);
	assert_string_not_equal(k, base);
	key_of("http://a/v1", body, 1, k);
	assert_string_not_equal(k, base);
	{
		char k2[HASH_HEX];

		key_of("http://a/v1", body, 2, k2);
		assert_string_not_equal(k2, k);
		assert_string_not_equal(k2, base);
	}
	key_of("http://a/v1", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	       "\"content\":\"hi\"}],\"temperature\":0.6}", -1, k);
	assert_string_not_equal(k, base);
}

/* ---- entries ---- */

static void
test_put_get(void **state)
{
	const char *dir = *state;
	json_object *res = parse(
		"{\"id\":\"p1/abc/q1\",\"status\":\"ok\",\"model\":\"m-1\",\"content\":\"hi\","
		"\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,"
		"\"total_tokens\":4},\"latency_ms\":12,\"ttft_ms\":5,\"attempt\":2,"
		"\"cached\":false,\"meta\":{\"query_id\":\"q1\"},\"request\":{\"messages\":[]}}");
	char key[HASH_HEX], err[ERRLEN] = "";
	struct buf b = {0}, path = {0};
	json_object *got;
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)state;
	key_of("http://x/v1", "{\"model\":\"m\",\"messages\":[]}", -1, key);
	assert_null(cache_get(dir, key));
	if (cache_put(dir, key, res, err, sizeof err) != 0)
		fail_msg("%s", err);
	got = cache_get(dir, key);
	assert_non_null(got);
	assert_string_equal(json_line(got, &b),
		"{\"status\":\"ok\",\"model\":\"m-1\",\"content\":\"hi\",\"finish_reason\":\"stop\","
		"\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}");
	json_object_put(got);
	/* the result given was not changed */
	assert_non_null(json_get(res, "id"));
	assert_non_null(json_get(res, "meta"));
	/* the entry is DIR/<key[0..2]>/<key>.json, alone in its directory */
	buf_addf(&path, "%s/%.2s", dir, key);
	d = opendir(path.data);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			char want[HASH_HEX + 8];

			snprintf(want, sizeof want, "%s.json", key);
			assert_string_equal(de->d_name, want);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	buf_free(&path);
	buf_free(&b);
	json_object_put(res);
}

static void
test_corrupt_entries(void **state)
{
	static const char *const bodies[] = {
		"",
		"{\"content\":\"hi\"",	/* cut short */
		"not json\n",
		"[1,2]\n",
		"{\"status\":\"ok\"}\n",	/* no content */
		"{\"content\":5}\n",
	};
	const char *dir = *state;
	char key[HASH_HEX], err[ERRLEN];
	struct buf path = {0};
	size_t i;

	(void)state;
	key_of("http://x/v1", "{\"messages\":[]}", -1, key);
	buf_addf(&path, "%s/%.2s/%s.json", dir, key, key);
	for (i = 0; i < N(bodies); i++) {
		if (atomic_write(path.data, bodies[i], strlen(bodies[i]), 1, err, sizeof err) != 0)
			fail_msg("%s", err);
		if (cache_get(dir, key))
			fail_msg("entry '%s' was a hit", bodies[i]);
	}
	/* a FIFO planted as the entry is a miss, at once, not a wait for a
	 * writer that never comes */
	assert_int_equal(unlink(path.data), 0);
	assert_int_equal(mkfifo(path.data, 0600), 0);
	assert_null(cache_get(dir, key));
	assert_int_equal(unlink(path.data), 0);
	/* a good one is a hit */
	assert_int_equal(atomic_write(path.data, "{\"content\":\"\"}\n", 15, 1, err, sizeof err), 0);
	{
		json_object *v = cache_get(dir, key);

		assert_non_null(v);
		json_object_put(v);
	}
	buf_free(&path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_vectors),
		cmocka_unit_test(test_key_differs),
		cmocka_unit_test_setup_teardown(test_put_get, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_corrupt_entries, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
