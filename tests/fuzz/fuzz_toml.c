/* fuzz_toml: the TOML parser (toml.h), and a document it takes resolved
 * as an llm-runner scenario (scenario.h).
 *
 * Invariants: a document refused has "fuzz:LINE:COL: " before its
 * message; one taken has a position for every value in it that is not
 * a table or an array (those dotted keys make have none), and (when it
 * holds no inf or nan) serializes to JSON whose canonical form is the
 * tree's own.
 */
#include "json/canon.h"
#include "fuzz.h"
#include "plan/scenario.h"
#include "plan/toml.h"

static void
check_where(const struct toml_where *w, json_object *v)
{
	unsigned line, col;
	size_t i, n;

	if (!v)
		return;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, c) {
			(void)k;
			check_where(w, c);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			check_where(w, json_object_array_get_idx(v, i));
	} else if (toml_where_get(w, v, &line, &col) < 0) {
		fuzz_fail("%s without a position", toml_type_name(v));
	} else if (line == 0 || col == 0) {
		fuzz_fail("position %u:%u", line, col);
	}
}

static void
check_json(json_object *v)
{
	struct buf c1 = {0}, c2 = {0}, line = {0};
	char err[ERRLEN];
	json_object *back;

	if (canon_json(v, &c1, err, sizeof err) < 0)
		goto out;	/* inf or nan */
	json_line(v, &line);
	if (!(back = json_parse(line.data, line.len, err, sizeof err)))
		fuzz_fail("tree does not read back: %s: %s", err, line.data);
	if (canon_json(back, &c2, err, sizeof err) < 0)
		fuzz_fail("read back, not canonical: %s", err);
	if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len) != 0)
		fuzz_fail("canonical form changed:\n%s\n%s", c1.data, c2.data);
	json_object_put(back);
out:
	buf_free(&c1);
	buf_free(&c2);
	buf_free(&line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_where *w = NULL;
	struct scenario sc;
	char err[ERRLEN];
	json_object *v = toml_parse((const char *)data, size, "fuzz", &w, err, sizeof err);

	if (!v) {
		unsigned line, col;
		int end = 0;

		if (sscanf(err, "fuzz:%u:%u: %n", &line, &col, &end) != 2 || !end || !line || !col)
			fuzz_fail("message without its position: %s", err);
		toml_where_free(w);
		return 0;
	}
	check_where(w, v);
	check_json(v);
	if (scenario_resolve(v, "fuzz", "m", &sc, err, sizeof err) == 0)
		scenario_free(&sc);
	json_object_put(v);
	toml_where_free(w);
	return 0;
}
