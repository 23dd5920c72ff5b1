#include <arpa/inet.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/datadir.h"
#include "json/json.h"
#include "report/prices.h"

struct entry {
	char *name;
	struct price price;	/* what a lookup that finds it fills */
	int glob;
	size_t literal;		/* characters a glob matches as themselves */
};

struct prices {
	struct entry *e;
	size_t n;
	char *written;
	int local_priced;	/* "local_is_free": false, for a local proxy */
};

static size_t
literal_chars(const char *g)
{
	size_t n = 0;

	for (; *g; g++) {
		if (*g == '*' || *g == '?')
			continue;
		if (*g == '[' && strchr(g + 1, ']'))
			g = strchr(g + 1, ']');	/* a bracket expression is one character */
		n++;
	}
	return n;
}

static int
number(json_object *o, const char *key, double *v)
{
	json_object *x = json_get(o, key);

	if (!x || !(json_object_is_type(x, json_type_double) || json_object_is_type(x, json_type_int)))
		return -1;
	*v = json_object_get_double(x);
	return *v >= 0 ? 0 : -1;
}

/* An optional rate: key's number, or dflt when it is not there. */
static int
rate(json_object *o, const char *key, double dflt, double *v)
{
	if (!json_get(o, key)) {
		*v = dflt;
		return 0;
	}
	return number(o, key, v);
}

static int
fill(struct prices *t, json_object *models, const char *path, char *err, size_t errlen)
{
	t->e = ecalloc((size_t)json_object_object_length(models), sizeof *t->e);
	json_object_object_foreach(models, name, v) {
		struct entry *e = &t->e[t->n];
		struct price *p = &e->price;

		if (number(v, "input", &p->input) < 0 || number(v, "output", &p->output) < 0) {
			snprintf(err, errlen, "%s: models.%s: needs \"input\" and \"output\", numbers >= 0",
			         path, name);
			return -1;
		}
		/* the optional rates: one not given is the list rate (no
		 * discount known) */
		if (rate(v, "cache_write", p->input, &p->cache_write) < 0 ||
		    rate(v, "cache_read", p->input, &p->cache_read) < 0 ||
		    rate(v, "batch_input", p->input, &p->batch_input) < 0 ||
		    rate(v, "batch_output", p->output, &p->batch_output) < 0) {
			snprintf(err, errlen, "%s: models.%s: cache_write, cache_read, batch_input and "
			         "batch_output are numbers >= 0", path, name);
			return -1;
		}
		e->name = estrdup(name);
		p->entry = e->name;
		e->glob = strpbrk(name, "*?[") != NULL;
		e->literal = literal_chars(name);
		t->n++;
	}
	return 0;
}

struct prices *
prices_load(const char *path, char *err, size_t errlen)
{
	char found[PATH_MAX], why[ERRLEN];
	struct prices *t;
	json_object *doc, *models;
	size_t len;
	char *text;

	if (!path && (path = getenv("LLM_PRICES")) && !*path)
		path = NULL;
	if (!path) {
		if (datadir_find(PRICES_FILE, found, sizeof found) < 0) {
			snprintf(err, errlen, "%s: path too long", PRICES_FILE);
			return NULL;
		}
		path = found;
	}
	if (!(text = read_file(path, 16u << 20, &len, err, errlen)))
		return NULL;
	doc = json_parse(text, len, why, sizeof why);
	free(text);
	if (!doc) {
		snprintf(err, errlen, "%s: invalid JSON: %s", path, why);
		return NULL;
	}
	models = json_get(doc, "models");
	if (!models || !json_object_is_type(models, json_type_object)) {
		snprintf(err, errlen, "%s: no \"models\" object", path);
		json_object_put(doc);
		return NULL;
	}
	t = ecalloc(1, sizeof *t);
	t->written = estrdup(json_get_str(doc, "written") ? json_get_str(doc, "written") : "");
	t->local_priced = json_object_is_type(json_get(doc, "local_is_free"), json_type_boolean) &&
	                  !json_object_get_boolean(json_get(doc, "local_is_free"));
	if (fill(t, models, path, err, errlen) < 0) {
		prices_free(t);
		t = NULL;
	}
	json_object_put(doc);
	return t;
}

void
prices_free(struct prices *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->e[i].name);
	free(t->e);
	free(t->written);
	free(t);
}

const char *
prices_written(const struct prices *t)
{
	return t->written;
}

/* The entry for one name: an exact one, else the most literal glob. */
static const struct entry *
entry_for(const struct prices *t, const char *name)
{
	const struct entry *best = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct entry *e = &t->e[i];

		if (!e->glob && strcasecmp(e->name, name) == 0)
			return e;
		if (e->glob && (!best || e->literal > best->literal) &&
		    fnmatch(e->name, name, FNM_CASEFOLD) == 0)
			best = e;
	}
	return best;
}

int
prices_find(const struct prices *t, const char *model, const char *endpoint_url,
            struct price *p)
{
	const char *name;

	if (endpoint_url && (!t || !t->local_priced) && price_local_url(endpoint_url)) {
		*p = (struct price){.local = 1};
		return 1;
	}
	if (!t)
		return 0;
	for (name = model; name && *name; name = strchr(name, '/') ? strchr(name, '/') + 1 : NULL) {
		const struct entry *e = entry_for(t, name);

		if (e) {
			*p = e->price;
			return 1;
		}
	}
	return 0;
}

int
price_local_url(const char *url)
{
	const char *a = strstr(url, "://"), *end, *at, *stop;
	struct in6_addr a6;
	struct in_addr a4;
	char host[256];
	size_t n;

	a = a ? a + 3 : url;
	end = a + strcspn(a, "/?#");
	if ((at = memrchr(a, '@', (size_t)(end - a))))
		a = at + 1;
	if (*a == '[') {
		if (!(stop = memchr(a, ']', (size_t)(end - a))))
			return 0;
		a++;
	} else if (!(stop = memchr(a, ':', (size_t)(end - a)))) {
		stop = end;
	}
	n = (size_t)(stop - a);
	if (n == 0 || n >= sizeof host)
		return 0;
	memcpy(host, a, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ntohl(a4.s_addr) >> 24 == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

static struct prices *table;
static char table_err[ERRLEN];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
load_table(void)
{
	table = prices_load(NULL, table_err, sizeof table_err);
}

int
price_lookup(const char *model, const char *endpoint_url, struct price *p, char *err,
             size_t errlen)
{
	/* a local endpoint needs no table, unless the table says it has a
	 * price (a local proxy to a hosted provider) */
	pthread_once(&table_once, load_table);
	if (!table && (!endpoint_url || !price_local_url(endpoint_url))) {
		snprintf(err, errlen, "%s", table_err);
		return -1;
	}
	return prices_find(table, model, endpoint_url, p);
}

const struct price *
price_memo_find(struct price_memo *m, const char *model, const char *endpoint_url, char *err,
                size_t errlen)
{
	struct buf key = {0};
	size_t k;
	int added;

	buf_adds(&key, model);
	if (endpoint_url) {
		buf_add(&key, "", 1);
		buf_adds(&key, endpoint_url);
	}
	k = strmap_intern(&m->keys, key.data, key.len, &added);
	buf_free(&key);
	if (added) {
		m->p = erealloc(m->p, m->keys.n * sizeof *m->p);
		m->known = erealloc(m->known, m->keys.n);
		m->known[k] = price_lookup(model, endpoint_url, &m->p[k], err, errlen) == 1;
	}
	return m->known[k] ? &m->p[k] : NULL;
}

void
price_memo_free(struct price_memo *m)
{
	strmap_free(&m->keys);
	free(m->p);
	free(m->known);
	memset(m, 0, sizeof *m);
}

double
price_cost(const struct price *p, long long prompt_tokens, long long completion_tokens)
{
	return price_cost_full(p, 0, prompt_tokens, 0, 0, completion_tokens);
}

double
price_cost_full(const struct price *p, int batch, long long prompt_tokens, long long cache_write,
                long long cache_read, long long completion_tokens)
{
	double in = batch ? p->batch_input : p->input, out = batch ? p->batch_output : p->output;
	double cw = p->cache_write, cr = p->cache_read;

	if (cache_write < 0 || cache_read < 0 || cache_write + cache_read > prompt_tokens)
		cache_write = cache_read = 0;
	/* a batch's cached tokens get the batch's discount too, when the
	 * table knows one */
	if (batch && p->input > 0) {
		cw *= p->batch_input / p->input;
		cr *= p->batch_input / p->input;
	}
	return ((double)(prompt_tokens - cache_write - cache_read) * in + (double)cache_write * cw +
	        (double)cache_read * cr + (double)completion_tokens * out) / 1e6;
}
