#include <openssl/evp.h>
#include <string.h>

#include "canon.h"
#include "hash.h"

void
sha256_hex(const void *p, size_t n, char out[HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL))
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
json_hash(json_object *v, char out[HASH_HEX], char *err, size_t errlen)
{
	struct buf b = {0};
	int rc = canon_json(v, &b, err, errlen);

	if (rc == 0)
		sha256_hex(b.data ? b.data : "", b.len, out);
	buf_free(&b);
	return rc;
}
