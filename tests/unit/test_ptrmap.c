/* Unit tests for lib/base/ptrmap.c: set, get, replace, delete, and a long run
 * of random operations checked against a plain array. */
#include "unit.h"

#include "base/ptrmap.h"

static const struct {
	char op;		/* p put, d delete, g get */
	const char *key;
	const char *val;	/* put: the value; g, d: the value expected (NULL: none) */
	const char *was;	/* put: the value replaced */
} ops[] = {
	{'g', "a", NULL, NULL},
	{'d', "a", NULL, NULL},
	{'p', "a", "1", NULL},
	{'g', "a", "1", NULL},
	{'p', "b", "2", NULL},
	{'p', "a", "3", "1"},
	{'g', "a", "3", NULL},
	{'g', "b", "2", NULL},
	{'g', "", NULL, NULL},
	{'p', "", "empty", NULL},
	{'g', "", "empty", NULL},
	{'d', "a", "3", NULL},
	{'g', "a", NULL, NULL},
	{'d', "a", NULL, NULL},
	{'g', "b", "2", NULL},
	{'p', "stdin:12", "x", NULL},
	{'g', "stdin:1", NULL, NULL},
	{'g', "stdin:12", "x", NULL},
};

static void
test_ops(void **state)
{
	struct ptrmap m = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(ops); i++) {
		const char *got;

		switch (ops[i].op) {
		case 'p':
			got = ptrmap_put(&m, ops[i].key, (void *)ops[i].val);
			if (ops[i].was ? !got || strcmp(got, ops[i].was) : got != NULL)
				fail_msg("op %zu: put replaced '%s'", i, got ? got : "(none)");
			break;
		case 'd':
		case 'g':
			got = ops[i].op == 'd' ? ptrmap_del(&m, ops[i].key) : ptrmap_get(&m, ops[i].key);
			if (ops[i].val ? !got || strcmp(got, ops[i].val) : got != NULL)
				fail_msg("op %zu: %c '%s' gave '%s'", i, ops[i].op, ops[i].key,
				         got ? got : "(none)");
			break;
		}
	}
	assert_int_equal(m.len, 3);
	ptrmap_free(&m);
}

/* Keys come and go far past the size of the table: every answer agrees
 * with a plain array, and the table stays as small as the most keys held
 * at once needs. */
#define KEYS 500

static void
test_churn(void **state)
{
	static char keys[KEYS][24];
	static int in[KEYS];
	struct ptrmap m = {0};
	size_t held = 0, maxheld = 0;
	unsigned seed = 1;
	long i;

	(void)state;
	for (i = 0; i < KEYS; i++)
		snprintf(keys[i], sizeof keys[i], "k%ld", i);
	for (i = 0; i < 200000; i++) {
		int k = (int)(rand_r(&seed) % KEYS), op = (int)(rand_r(&seed) % 3);
		void *got;

		if (op == 0) {
			got = ptrmap_put(&m, keys[k], keys[k]);
			assert_true(in[k] ? got == keys[k] : got == NULL);
			held += !in[k];
			in[k] = 1;
		} else if (op == 1) {
			got = ptrmap_del(&m, keys[k]);
			assert_true(in[k] ? got == keys[k] : got == NULL);
			held -= in[k];
			in[k] = 0;
		} else {
			got = ptrmap_get(&m, keys[k]);
			assert_true(in[k] ? got == keys[k] : got == NULL);
		}
		assert_int_equal(m.len, held);
		if (held > maxheld)
			maxheld = held;
	}
	assert_true(m.cap <= 4 * maxheld);
	for (i = 0; i < KEYS; i++)
		assert_true((ptrmap_get(&m, keys[i]) != NULL) == in[i]);
	ptrmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
