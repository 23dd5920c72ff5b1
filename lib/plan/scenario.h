/* scenario: one llm-runner scenario (a TOML or JSON file, or a record),
 * checked and resolved: defaults filled in, so that its hash
 * (RFC 8785, hash.h) names exactly what was run.
 *
 * Fields: description, model, system, prompt (required), temperature,
 * seed, max_tokens, max_turns (default SCENARIO_MAX_TURNS), extras (an
 * object of further request fields; the fields the loop owns — messages,
 * tools, tool_choice, stream, model — and those set by the scenario's own
 * fields are refused), tools: an array of {name, description, parameters,
 * mock_response | mock_exec}.  Any other key is refused, so a typo is not
 * silently ignored.
 *
 * A scenario file is read as a plan file is (plan_parse_file: TOML, or
 * JSON when its name ends in .json or its text starts with '{').
 *
 * Ownership: struct scenario owns its tree (scenario_free); its string
 * pointers and tools point into it.
 */
#ifndef LLM_SCENARIO_H
#define LLM_SCENARIO_H

#include <stddef.h>

#include "json/hash.h"
#include "json/json.h"

#define SCENARIO_MAX_TURNS 10
#define SCENARIO_MAX_FILE (16u << 20)

struct scenario_tool {
	const char *name;
	json_object *response;	/* mock_response, NULL when none */
	int has_response;	/* mock_response given (it may be JSON null) */
	char **exec;		/* mock_exec argv, NULL-terminated; NULL when none */
};

struct scenario {
	char *source;		/* the file, or "stdin:LINE" */
	json_object *tree;	/* the resolved scenario */
	const char *description;	/* NULL when none */
	const char *model;
	const char *system;	/* NULL when none */
	const char *prompt;
	long max_turns;
	json_object *extras;	/* borrowed; NULL when none */
	struct scenario_tool *tools;
	size_t ntools;
	char hash[HASH_HEX];
};

/* Check v and resolve it into s (v is borrowed; s keeps a copy).
 * def_model (NULL: none) is the model of a scenario that names none.
 * 0, or -1 with err naming source and the field at fault. */
int scenario_resolve(json_object *v, const char *source, const char *def_model,
                     struct scenario *s, char *err, size_t errlen);

/* The tool named name, or NULL. */
const struct scenario_tool *scenario_tool(const struct scenario *s, const char *name);

/* "a, b, c" or "none": the tools that have a mock, for messages. */
void scenario_mock_names(const struct scenario *s, struct buf *out);

void scenario_free(struct scenario *s);

#endif
