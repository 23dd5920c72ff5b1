/* fuzz_jpath: a jq path (jpath.h, as llm-redact's and llm-hash's
 * options take it) on the first line of the input, looked up in the JSON
 * document of the rest.
 *
 * Invariants: a path parsed has at least one step unless it is "."; what
 * jpath_get() finds is a value of the document (NULL only for null).
 */
#include "fuzz.h"
#include "json/jpath.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *doc = strchr(s, '\n');
	struct jpath p;
	char err[ERRLEN];
	json_object *v, *out;

	if (doc)
		*doc++ = '\0';
	if (jpath_parse(&p, s, err, sizeof err) < 0) {
		free(s);
		return 0;
	}
	if (p.n == 0 && strcmp(s, ".") != 0)
		fuzz_fail("'%s' parsed to no step", s);
	if (doc && json_parse_any(doc, strlen(doc), &v, err, sizeof err) == 0) {
		if (jpath_get(&p, v, &out, err, sizeof err) == 0 && p.n == 0 && out != v)
			fuzz_fail("'.' is not the document");
		json_object_put(v);
	}
	jpath_free(&p);
	free(s);
	return 0;
}
