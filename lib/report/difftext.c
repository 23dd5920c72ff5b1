#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/fnv.h"
#include "report/difftext.h"

/* A line with its newline, if it has one: lines differ when one ends the
 * text without a newline and the other does not, as in diff(1). */
struct line {
	const char *p;
	size_t len;
	uint64_t h;
};

static struct line *
split(const char *s, size_t n, size_t *count)
{
	struct line *v = NULL;
	size_t cap = 0, i = 0;

	*count = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) + 1 : n - i;

		if (*count == cap) {
			cap = cap ? cap * 2 : 64;
			v = erealloc(v, cap * sizeof *v);
		}
		v[(*count)++] = (struct line){s + i, len, fnv1a(s + i, len)};
		i += len;
	}
	return v;
}

static int
same(const struct line *x, const struct line *y)
{
	return x->h == y->h && x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* The edit script from a to b: 'E' (a line of both), 'D' (of a only),
 * 'I' (of b only), in order, its length in *nops; NULL when more than
 * DIFFTEXT_MAX_EDITS edits are needed.  The furthest point reached on
 * each diagonal k after d edits is kept for every d, to walk back. */
static char *
script(const struct line *a, long n, const struct line *b, long m, size_t *nops)
{
	long max = DIFFTEXT_MAX_EDITS, d, k, x, y;
	long *base = ecalloc((size_t)(2 * max + 3), sizeof *base), *v = base + max + 1;
	long **trace = ecalloc((size_t)max + 1, sizeof *trace);
	char *ops = NULL;
	long found = -1, kept, i;

	for (d = 0; d <= max && found < 0; d++) {
		for (k = -d; k <= d; k += 2) {
			x = k == -d || (k != d && v[k - 1] < v[k + 1]) ? v[k + 1] : v[k - 1] + 1;
			y = x - k;
			while (x < n && y < m && same(&a[x], &b[y]))
				x++, y++;
			v[k] = x;
			if (x >= n && y >= m)
				found = d;
		}
		trace[d] = emalloc((size_t)(2 * d + 1) * sizeof **trace);
		memcpy(trace[d], v - d, (size_t)(2 * d + 1) * sizeof *v);
	}
	kept = d;
	if (found >= 0) {
		size_t cap = (size_t)(n + m) + 1, at = cap;	/* filled from its end */

		ops = emalloc(cap);
		x = n, y = m;
		for (d = found; d > 0; d--) {
			const long *pv = trace[d - 1] + (d - 1);	/* index by k */
			long pk, px, py;

			k = x - y;
			pk = k == -d || (k != d && pv[k - 1] < pv[k + 1]) ? k + 1 : k - 1;
			px = pv[pk];
			py = px - pk;
			for (; x > px && y > py; x--, y--)
				ops[--at] = 'E';
			ops[--at] = pk == k + 1 ? 'I' : 'D';
			x = px, y = py;
		}
		for (; x > 0; x--)
			ops[--at] = 'E';
		*nops = cap - at;
		memmove(ops, ops + at, *nops);
	}
	for (i = 0; i < kept; i++)
		free(trace[i]);
	free(trace);
	free(base);
	return ops;
}

static void
add_line(struct buf *out, char sign, const struct line *l)
{
	buf_add(out, &sign, 1);
	buf_add(out, l->p, l->len);
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		buf_adds(out, "\n\\ No newline at end of file\n");
}

/* "-START,COUNT" as diff -u writes it: a count of 1 left out, and an
 * empty range starting at the line before it. */
static void
range(struct buf *out, char sign, long start, long count)
{
	if (count == 1)
		buf_addf(out, " %c%ld", sign, start + 1);
	else
		buf_addf(out, " %c%ld,%ld", sign, count ? start + 1 : start, count);
}

/* The hunk of ops[from..to): its header, then its lines, the lines
 * removed before the lines added in each run of changes. */
static void
hunk(const char *ops, size_t from, size_t to, long ax, long by, const struct line *a,
     const struct line *b, struct buf *out)
{
	long na = 0, nb = 0;
	size_t i, j;

	for (i = from; i < to; i++) {
		na += ops[i] != 'I';
		nb += ops[i] != 'D';
	}
	buf_adds(out, "@@");
	range(out, '-', ax, na);
	range(out, '+', by, nb);
	buf_adds(out, " @@\n");
	for (i = from; i < to; i = j) {
		if (ops[i] == 'E') {
			add_line(out, ' ', &a[ax++]);
			by++;
			j = i + 1;
			continue;
		}
		for (j = i; j < to && ops[j] != 'E'; j++)
			if (ops[j] == 'D')
				add_line(out, '-', &a[ax++]);
		for (j = i; j < to && ops[j] != 'E'; j++)
			if (ops[j] == 'I')
				add_line(out, '+', &b[by++]);
	}
}

/* Hunks: each change with DIFFTEXT_CONTEXT lines around it, changes
 * closer than twice that in one hunk. */
static void
hunks(const char *ops, size_t nops, const struct line *a, const struct line *b,
      struct buf *out)
{
	const size_t ctx = DIFFTEXT_CONTEXT;
	long ax = 0, by = 0;	/* lines of a and b before ops[i] */
	size_t i = 0;

	while (i < nops) {
		size_t start, end, last, run;

		if (ops[i] == 'E') {
			ax++, by++, i++;
			continue;
		}
		start = i >= ctx ? i - ctx : 0;
		/* extend while the next change is near */
		for (last = i, end = i; end < nops; end++) {
			if (ops[end] != 'E') {
				last = end;
				continue;
			}
			for (run = 0; end + run < nops && ops[end + run] == 'E'; run++)
				;
			if (end + run >= nops || run > 2 * ctx)
				break;
			end += run - 1;
		}
		end = last + 1 + ctx < nops ? last + 1 + ctx : nops;
		hunk(ops, start, end, ax - (long)(i - start), by - (long)(i - start), a, b, out);
		for (; i < end; i++) {
			ax += ops[i] != 'I';
			by += ops[i] != 'D';
		}
	}
}

int
difftext(const char *a, size_t alen, const char *b, size_t blen, const char *aname,
         const char *bname, struct buf *out)
{
	struct line *la, *lb;
	size_t na, nb, nops = 0;
	char *ops;
	int rc;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	if (alen > DIFFTEXT_MAX_BYTES || blen > DIFFTEXT_MAX_BYTES)
		return -1;
	la = split(a, alen, &na);
	lb = split(b, blen, &nb);
	ops = script(la, (long)na, lb, (long)nb, &nops);
	if (ops) {
		buf_addf(out, "--- %s\n+++ %s\n", aname, bname);
		hunks(ops, nops, la, lb, out);
	}
	rc = ops ? 1 : -1;
	free(ops);
	free(la);
	free(lb);
	return rc;
}
