#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jpath.h"

static struct jpath_step *
add_step(struct jpath *p)
{
	p->steps = erealloc(p->steps, (size_t)(p->n + 1) * sizeof *p->steps);
	memset(&p->steps[p->n], 0, sizeof *p->steps);
	return &p->steps[p->n++];
}

static int
name_char(int c, int first)
{
	return isalpha(c) || c == '_' || (!first && (isdigit(c) || c == '-'));
}

/* A quoted name at s[*i] (the opening quote): parsed as a JSON string. */
static int
quoted(struct jpath_step *st, const char *s, size_t *i, char *err, size_t errlen)
{
	size_t j = *i + 1;
	json_object *v;
	char why[ERRLEN] = "not a string";

	while (s[j] && s[j] != '"')
		j += s[j] == '\\' && s[j + 1] ? 2 : 1;
	if (!s[j]) {
		snprintf(err, errlen, "unclosed quote at %zu", *i);
		return -1;
	}
	if (!(v = json_parse(s + *i, j + 1 - *i, why, sizeof why)) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "bad quoted name at %zu: %s", *i, why);
		json_object_put(v);
		return -1;
	}
	st->key = estrdup(json_object_get_string(v));
	json_object_put(v);
	*i = j + 1;
	return 0;
}

static int
index_step(struct jpath_step *st, const char *s, size_t *i, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	st->index = strtol(s + *i + 1, &end, 10);
	if (end == s + *i + 1 || *end != ']' || errno || isspace((unsigned char)s[*i + 1])) {
		snprintf(err, errlen, "bad index at %zu", *i);
		return -1;
	}
	*i = (size_t)(end - s) + 1;
	return 0;
}

int
jpath_parse(struct jpath *p, const char *s, char *err, size_t errlen)
{
	size_t i = 0;

	memset(p, 0, sizeof *p);
	if (strcmp(s, ".") == 0)
		return 0;
	if (!*s) {
		snprintf(err, errlen, "empty path (the whole document is '.')");
		return -1;
	}
	while (s[i]) {
		struct jpath_step *st;
		int dot = s[i] == '.';

		if (i == 0 && !dot) {
			snprintf(err, errlen, "a path starts with '.'");
			goto fail;
		}
		i += dot;
		st = add_step(p);
		if (s[i] == '[') {
			if (index_step(st, s, &i, err, errlen) < 0)
				goto fail;
		} else if (dot && s[i] == '"') {
			if (quoted(st, s, &i, err, errlen) < 0)
				goto fail;
		} else if (dot && name_char((unsigned char)s[i], 1)) {
			size_t j = i;

			while (name_char((unsigned char)s[j], j == i))
				j++;
			st->key = estrndup(s + i, j - i);
			i = j;
		} else {
			snprintf(err, errlen, "unexpected '%.1s' at %zu", s[i] ? s + i : "end", i);
			goto fail;
		}
	}
	return 0;
fail:
	jpath_free(p);
	return -1;
}

void
jpath_free(struct jpath *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->steps[i].key);
	free(p->steps);
	p->steps = NULL;
	p->n = 0;
}

int
jpath_get(const struct jpath *p, json_object *v, json_object **out, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < p->n; i++) {
		const struct jpath_step *st = &p->steps[i];

		if (st->key) {
			json_object *next;

			if (!json_object_is_type(v, json_type_object)) {
				snprintf(err, errlen, "no member \"%s\" (not an object)", st->key);
				return -1;
			}
			if (!json_object_object_get_ex(v, st->key, &next)) {
				snprintf(err, errlen, "no member \"%s\"", st->key);
				return -1;
			}
			v = next;
		} else {
			long n = json_object_is_type(v, json_type_array)
			         ? (long)json_object_array_length(v) : -1;
			long k = st->index < 0 ? n + st->index : st->index;

			if (n < 0 || k < 0 || k >= n) {
				snprintf(err, errlen, "no element [%ld]%s", st->index,
				         n < 0 ? " (not an array)" : "");
				return -1;
			}
			v = json_object_array_get_idx(v, (size_t)k);
		}
	}
	*out = v;
	return 0;
}
