/* members: the members of one JSON object of an OpenAI answer (a
 * completion body, a stream chunk, a choice, a message, a delta), read
 * the one way the wire readers read them.
 *
 * An object is read as its text: jfield picks out the members its keys
 * name, and a value is made only when a reader asks for it, so the usual
 * answer costs no json-c tree.  Where the text is not that (text jfield
 * refuses, an array holding other than one object), json-c's tree of
 * that part is read instead.  Either way a member comes out as json-c's
 * tree holds it: a key written twice counts with its last value, strings
 * are decoded as json-c decodes them, null is as good as absent.  The
 * choice between text and tree is made here (members_of, members_open,
 * members_next), so a reader names the members it needs and never learns
 * which way they were read.
 *
 * Ownership: a struct members points into the text it was read from and
 * into its parent's tree: it must not outlive them.  Strings returned live
 * as long as the struct members; member_value() returns a new reference.
 * Every struct members filled by members_of(), members_open() or
 * members_next() is released with members_free().
 */
#ifndef LLM_MEMBERS_H
#define LLM_MEMBERS_H

#include <stddef.h>

#include "json/jfield.h"
#include "json/json.h"

#define MEMBERS_MAX 8	/* keys an object is read with */

/* The keys of one kind of object; member i is the one keys[i] names. */
struct member_keys {
	const char *const *keys;
	struct jfield_spec *spec;
};

struct members {
	const struct member_keys *k;
	int text;			/* read as text: f holds the members */
	struct jfield f[MEMBERS_MAX];
	json_object *tree;		/* read as a tree: borrowed (or own) */
	json_object *own;		/* the tree made here, released by members_free */
	struct buf str[MEMBERS_MAX];	/* strings decoded */
	unsigned used;			/* which of str are in use */
};

/* The elements of an array member, each read with the same keys. */
struct member_iter {
	const char *in;		/* inside the brackets, while not yet read */
	size_t len;
	json_object *arr;	/* the array's tree, when its text is unusual */
	int own;		/* arr was made here */
	size_t i, n;
};

/* keys[0..n) (n at most MEMBERS_MAX) into k, once per program (a
 * pthread_once function: the spec is shared by every thread). */
void member_keys_init(struct member_keys *k, const char *const *keys, int n);

/* o read from the text s[0..n): 0, or -1 when it is not JSON, with
 * json-c's words in why.  The text may be any JSON value: members of
 * what is not an object are all absent (members_is_object says which). */
int members_of(struct members *o, const char *s, size_t n, const struct member_keys *k,
               char *why, size_t whylen);

/* The object member i of o read into e with k: 1, or 0 when the member
 * is no object (e then has no members, and is to be freed all the
 * same). */
int members_open(struct members *e, struct members *o, int i, const struct member_keys *k);

void members_free(struct members *o);

int members_is_object(const struct members *o);

/* The string member i, as json-c holds it (it may hold NUL): its bytes,
 * *n set, valid while o is; NULL when it is no string. */
const char *member_str(struct members *o, int i, size_t *n);

/* Whether member i is there and not null: what member_value() would
 * make a value of, told without making it (inline: it stands before a
 * member the usual answer lacks). */
static inline int
member_present(const struct members *o, int i)
{
	if (!o->text)
		return json_get(o->tree, o->k->keys[i]) != NULL;
	return o->f[i].type != JF_NONE && o->f[i].type != JF_NULL;
}

/* Member i as a json-c value: a new reference, NULL for absent or null. */
json_object *member_value(struct members *o, int i);

/* json_object_get_int() of member i (0 when absent, as json-c says). */
int member_int(struct members *o, int i);

/* Start on the array member i of o: 0, or -1 when it is no array. */
int members_iter(struct member_iter *it, struct members *o, int i);

/* The next element read into e with k: 1, or 0 after the last (e then
 * untouched).  Each e given back is freed by the caller. */
int members_next(struct member_iter *it, struct members *e, const struct member_keys *k);

void members_iter_free(struct member_iter *it);

#endif
