#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/datadir.h"
#include "base/utf8.h"
#include "text/redact.h"

#define NAME_MAX_LEN 64

struct pat {
	char *name;
	pcre2_code *code;
	int jit;		/* JIT-compiled */
	int secret;		/* number of the group "secret", 0: the whole match */
	size_t minlen;		/* no match in fewer bytes than this */
	unsigned long long hits;
};

/* A marker this redaction wrote, [start, end) in the string. */
struct mark {
	size_t start, end;
};

/* A pattern's next match in the string being redacted. */
struct hit {
	int live;
	size_t start, end;	/* the match */
	size_t from, to;	/* the part replaced */
};

struct redact {
	struct pat *p;
	struct hit *h;
	size_t n, cap;
	pcre2_match_data *md;
	uint32_t md_pairs;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	int stable;
	unsigned char key[64];
	size_t keylen;
	struct buf tmp;
	struct buf again;	/* redact_span's last pass, redacted once more */
	struct mark *marks;	/* the markers in the string being redacted */
	size_t nmarks, capmarks;
};

struct redact *
redact_new(void)
{
	struct redact *r = ecalloc(1, sizeof *r);

	r->mctx = pcre2_match_context_create(NULL);
	/* a lazy [\s\S]*? over a long string wants more than the 32 KiB
	 * the JIT has by default */
	r->stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!r->mctx || !r->stack)
		eprintf("pcre2: out of memory");
	pcre2_jit_stack_assign(r->mctx, NULL, r->stack);
	return r;
}

void
redact_free(struct redact *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->p[i].name);
		pcre2_code_free(r->p[i].code);
	}
	free(r->p);
	free(r->h);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_jit_stack_free(r->stack);
	buf_free(&r->tmp);
	buf_free(&r->again);
	free(r->marks);
	OPENSSL_cleanse(r->key, sizeof r->key);
	free(r);
}

static int
valid_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= NAME_MAX_LEN && strspn(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int
redact_add(struct redact *r, const char *name, const char *regex, char *err, size_t errlen)
{
	struct pat *p;
	pcre2_code *code;
	PCRE2_SIZE off;
	uint32_t groups, minlen;
	int ec, secret;

	if (!valid_name(name)) {
		snprintf(err, errlen, "bad pattern name '%.*s': letters, digits and _.- only",
		         NAME_MAX_LEN, name);
		return -1;
	}
	code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
	                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(ec, msg, sizeof msg);
		snprintf(err, errlen, "pattern %s: %s at offset %zu", name, (char *)msg, (size_t)off);
		return -1;
	}
	secret = pcre2_substring_number_from_name(code, (PCRE2_SPTR)"secret");
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen);
	if (groups + 1 > r->md_pairs) {
		pcre2_match_data_free(r->md);
		r->md_pairs = groups + 1;
		if (!(r->md = pcre2_match_data_create(r->md_pairs, NULL)))
			eprintf("pcre2: out of memory");
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->p = erealloc(r->p, r->cap * sizeof *r->p);
		r->h = erealloc(r->h, r->cap * sizeof *r->h);
	}
	p = &r->p[r->n++];
	p->name = estrdup(name);
	p->code = code;
	/* without a JIT (an unsupported CPU) the interpreter does the same;
	 * LLM_REDACT_NO_JIT asks for it, for valgrind, which cannot follow
	 * code made at run time */
	p->jit = !getenv("LLM_REDACT_NO_JIT") && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	p->secret = secret > 0 ? secret : 0;
	/* MINLENGTH counts characters; each is a byte at least */
	p->minlen = minlen;
	p->hits = 0;
	return 0;
}

int
redact_add_literal(struct redact *r, const char *name, const char *text, char *err,
                   size_t errlen)
{
	struct buf re = {0};
	const unsigned char *c;
	int rc;

	if (!*text)
		return 0;
	/* a backslash before any ASCII character that is not a letter or
	 * digit makes it literal; bytes past ASCII are never special */
	for (c = (const unsigned char *)text; *c; c++) {
		if (*c < 0x80 && !isalnum(*c))
			buf_add(&re, "\\", 1);
		buf_add(&re, c, 1);
	}
	rc = redact_add(r, name, re.data, err, errlen);
	OPENSSL_cleanse(re.data, re.len);
	buf_free(&re);
	return rc;
}

int
redact_load(struct redact *r, const char *path, char *err, size_t errlen)
{
	char why[ERRLEN];
	size_t len;
	char *text = read_file(path, 1u << 20, &len, err, errlen);
	char *line, *next;
	long lineno = 0;
	int rc = 0;

	if (!text)
		return -1;
	for (line = text; line && rc == 0; line = next) {
		char *name, *regex, *end;

		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		name = line + strspn(line, " \t");
		if (*name == '\0' || *name == '#')
			continue;
		regex = name + strcspn(name, " \t");
		if (*regex == '\0') {
			snprintf(err, errlen, "%s:%ld: expected a name and a regex", path, lineno);
			rc = -1;
			break;
		}
		*regex++ = '\0';
		regex += strspn(regex, " \t");
		if (redact_add(r, name, regex, why, sizeof why) < 0) {
			snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
			rc = -1;
		}
	}
	free(text);
	return rc;
}

int
redact_load_default(struct redact *r, char *err, size_t errlen)
{
	static const char *const envs[] = {"LLM_API_TOKEN", "OPENAI_API_KEY"};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof envs / sizeof *envs; i++) {
		const char *v = getenv(envs[i]);

		if (v && redact_add_literal(r, envs[i], v, err, errlen) < 0)
			return -1;
	}
	if (datadir_find(REDACT_PATTERNS_FILE, path, sizeof path) < 0) {
		snprintf(err, errlen, "%s: path too long", REDACT_PATTERNS_FILE);
		return -1;
	}
	return redact_load(r, path, err, errlen);
}

int
redact_stable(struct redact *r, const void *key, size_t keylen)
{
	if (key) {
		if (keylen > sizeof r->key) {
			/* HMAC hashes a long key first anyway; so do we */
			unsigned int n = 0;

			EVP_Digest(key, keylen, r->key, &n, EVP_sha256(), NULL);
			keylen = n;
		} else {
			memcpy(r->key, key, keylen);
		}
	} else {
		keylen = 32;
		if (RAND_bytes(r->key, (int)keylen) != 1)
			return -1;
	}
	r->keylen = keylen;
	r->stable = 1;
	return 0;
}

/* Past one character at s[i]. */
static size_t
next_char(const char *s, size_t n, size_t i)
{
	for (i++; i < n && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
		;
	return i;
}

#define MARK_PREFIX "[REDACTED:"

/* The length of the marker at s[0..n) (MARK_PREFIX, a pattern's name,
 * with --stable a colon and 8 hex digits, and "]"), or 0 when there is
 * none.  Only a name of ours counts: text that merely looks like a marker
 * is searched like any other. */
static size_t
mark_len(struct redact *r, const char *s, size_t n)
{
	size_t pre = sizeof MARK_PREFIX - 1, i, k, len;

	if (n <= pre || memcmp(s, MARK_PREFIX, pre) != 0)
		return 0;
	for (i = 0; i < r->n; i++) {
		len = pre + strlen(r->p[i].name);
		if (len >= n || memcmp(s + pre, r->p[i].name, len - pre) != 0)
			continue;
		if (s[len] == ']')
			return len + 1;
		if (s[len] != ':' || n - len < 10 || s[len + 9] != ']')
			continue;
		for (k = 1; k <= 8 && s[len + k] && strchr("0123456789abcdef", s[len + k]); k++)
			;
		if (k > 8)
			return len + 10;
	}
	return 0;
}

/* Note the markers in s[0..n), which no match may take a part of: a
 * marker's own text can look like a secret (with --stable,
 * "kv-secret:1a2b3c4d]" is a header-secret), and redacting it again
 * would nest markers without end. */
static void
find_marks(struct redact *r, const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	r->nmarks = 0;
	while ((p = memmem(p, (size_t)(end - p), MARK_PREFIX, sizeof MARK_PREFIX - 1))) {
		size_t len = mark_len(r, p, (size_t)(end - p));

		if (!len) {
			p++;
			continue;
		}
		if (r->nmarks == r->capmarks) {
			r->capmarks = r->capmarks ? 2 * r->capmarks : 8;
			r->marks = erealloc(r->marks, r->capmarks * sizeof *r->marks);
		}
		r->marks[r->nmarks].start = (size_t)(p - s);
		r->marks[r->nmarks++].end = (size_t)(p - s) + len;
		p += len;
	}
}

/* Whether [from, to) takes a part of a marker. */
static int
in_mark(const struct redact *r, size_t from, size_t to)
{
	size_t i;

	for (i = 0; i < r->nmarks; i++)
		if (r->marks[i].start < to && from < r->marks[i].end)
			return 1;
	return 0;
}

/* Find pattern i's first match in s[0..n) at or after from, outside the
 * markers find_marks() noted. */
static void
search(struct redact *r, size_t i, const char *s, size_t n, size_t from)
{
	struct pat *p = &r->p[i];
	struct hit *h = &r->h[i];

	h->live = 0;
	while (from <= n && n - from >= p->minlen) {
		PCRE2_SIZE *ov;
		int rc = p->jit
			? pcre2_jit_match(p->code, (PCRE2_SPTR)s, n, from, 0, r->md, r->mctx)
			: pcre2_match(p->code, (PCRE2_SPTR)s, n, from, 0, r->md, r->mctx);

		if (rc == PCRE2_ERROR_NOMATCH)
			return;
		h->live = 1;
		if (rc < 0) {
			/* a limit was hit: hide the rest rather than pass it */
			h->start = h->from = from;
			h->end = h->to = n;
			return;
		}
		ov = pcre2_get_ovector_pointer(r->md);
		h->start = ov[0];
		h->end = ov[1];
		if (p->secret && ov[2 * p->secret] != PCRE2_UNSET) {
			h->from = ov[2 * p->secret];
			h->to = ov[2 * p->secret + 1];
		} else {
			h->from = ov[0];
			h->to = ov[1];
		}
		if (h->to > h->from && h->from >= from && !in_mark(r, h->from, h->to))
			return;
		h->live = 0;
		if (h->to > h->from && h->from >= from) {
			/* a marker: a match may still start after this one's start */
			from = next_char(s, n, from > ov[0] ? from : ov[0]);
			continue;
		}
		/* nothing to replace here: search on past it */
		from = ov[1] > ov[0] && ov[1] > from ? ov[1] : next_char(s, n, from > ov[0] ? from : ov[0]);
	}
}

static void
mark(struct redact *r, struct buf *out, const char *name, const char *secret, size_t n)
{
	buf_adds(out, MARK_PREFIX);
	buf_adds(out, name);
	if (r->stable) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;

		HMAC(EVP_sha256(), r->key, (int)r->keylen, (const unsigned char *)secret, n, md,
		     &mdlen);
		buf_addf(out, ":%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
	}
	buf_add(out, "]", 1);
}

/* One pass of redact_span: every match replaced, left to right. */
static size_t
redact_pass(struct redact *r, const char *s, size_t n, struct buf *out)
{
	size_t i, done = 0, count = 0;

	find_marks(r, s, n);
	for (i = 0; i < r->n; i++)
		search(r, i, s, n, 0);
	for (;;) {
		size_t best = r->n, pos;
		struct hit *h;

		for (i = 0; i < r->n; i++)
			if (r->h[i].live && (best == r->n || r->h[i].start < r->h[best].start))
				best = i;
		if (best == r->n)
			break;
		h = &r->h[best];
		buf_add(out, s + done, h->from - done);
		mark(r, out, r->p[best].name, s + h->from, h->to - h->from);
		done = h->to;
		pos = h->end > h->to ? h->end : h->to;
		r->p[best].hits++;
		count++;
		/* the matches this one overlaps are searched again past it */
		for (i = 0; i < r->n; i++)
			if (r->h[i].live && (r->h[i].start < pos || r->h[i].from < pos))
				search(r, i, s, n, pos);
	}
	if (count)
		buf_add(out, s + done, n - done);
	return count;
}

/* A marker can complete a match that its secret's text prevented: in
 * "Basic dXNpassword=hunter1" basic-auth's lookahead refuses the base64
 * word, kv-secret takes hunter1, and "Basic dXNpassword=[REDACTED:..."
 * then is basic-auth's.  So the output is redacted again until a pass
 * changes nothing, and redacting a redacted text changes nothing.  Each
 * pass only turns secrets into markers, which the patterns refuse, so it
 * settles in a pass or two; REDACT_PASSES bounds it all the same. */
#define REDACT_PASSES 4

size_t
redact_span(struct redact *r, const char *s, size_t n, struct buf *out)
{
	size_t start = out->len, count = redact_pass(r, s, n, out), more;
	int pass;

	for (pass = 1; count && pass < REDACT_PASSES; pass++) {
		buf_reset(&r->again);
		buf_add(&r->again, out->data + start, out->len - start);
		out->len = start;
		if (!(more = redact_pass(r, r->again.data, r->again.len, out))) {
			buf_add(out, r->again.data, r->again.len);
			break;
		}
		count += more;
	}
	return count;
}

int
redact_test(struct redact *r, const char *s, size_t n)
{
	size_t i;

	find_marks(r, s, n);
	for (i = 0; i < r->n; i++) {
		search(r, i, s, n, 0);
		if (r->h[i].live)
			return 1;
	}
	return 0;
}

size_t
redact_cstr(struct redact *r, char *s, size_t size)
{
	size_t count, n;

	buf_reset(&r->tmp);
	if (size == 0 || !(count = redact_span(r, s, strlen(s), &r->tmp)))
		return 0;
	n = utf8_cut(r->tmp.data, r->tmp.len, size - 1);
	memcpy(s, r->tmp.data, n);
	s[n] = '\0';
	return count;
}

size_t
redact_count(const struct redact *r)
{
	return r->n;
}

const char *
redact_name(const struct redact *r, size_t i)
{
	return r->p[i].name;
}

unsigned long long
redact_hits(const struct redact *r, size_t i)
{
	return r->p[i].hits;
}
