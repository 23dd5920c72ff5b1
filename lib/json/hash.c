#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "json/canon.h"
#include "json/hash.h"

/* SHA-256 fetched once and one digest context per thread, freed when the
 * thread ends: fetching and making them costs more than hashing a record. */
static EVP_MD *sha256;
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void
free_ctx(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void
init(void)
{
	if (pthread_key_create(&ctx_key, free_ctx) != 0)
		eprintf("pthread_key_create failed");
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
sha256_hex(const void *p, size_t n, char out[HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx;

	pthread_once(&ctx_once, init);
	if (!(ctx = pthread_getspecific(ctx_key)) && (ctx = EVP_MD_CTX_new()))
		pthread_setspecific(ctx_key, ctx);
	if (!sha256 || !ctx || !EVP_DigestInit_ex(ctx, sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, p, n) || !EVP_DigestFinal_ex(ctx, md, &len))
		eprintf("sha256 failed");
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

void
model_hash(const char *name, char out[9])
{
	char h[HASH_HEX];

	sha256_hex(name, strlen(name), h);
	memcpy(out, h, 8);
	out[8] = '\0';
}

int
json_hash_buf(json_object *v, struct buf *scratch, char out[HASH_HEX], char *err, size_t errlen)
{
	int rc;

	buf_reset(scratch);
	if ((rc = canon_json(v, scratch, err, errlen)) == 0)
		sha256_hex(scratch->data ? scratch->data : "", scratch->len, out);
	return rc;
}

int
json_hash(json_object *v, char out[HASH_HEX], char *err, size_t errlen)
{
	struct buf b = {0};
	int rc = json_hash_buf(v, &b, out, err, errlen);

	buf_free(&b);
	return rc;
}
