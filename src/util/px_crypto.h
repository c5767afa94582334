/* px_crypto — the few OpenSSL primitives packid needs, behind plain C types so no other layer
 * includes an OpenSSL header (docs/architecture.md "Layers"). */
#ifndef PX_CRYPTO_H
#define PX_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"
#include "px_str.h"

#define PX_SHA256_LEN 32
#define PX_SHA256_HEX_LEN 64

/* Cryptographically strong random bytes (RAND_bytes). */
px_rc px_random_bytes(void *out, size_t len);

void px_sha256(uint8_t out[PX_SHA256_LEN], const void *data, size_t len);
/* Writes PX_SHA256_HEX_LEN lowercase hex digits and a NUL into out. */
void px_sha256_hex(char out[PX_SHA256_HEX_LEN + 1], const void *data, size_t len);
void px_hmac_sha256(uint8_t out[PX_SHA256_LEN], const void *key, size_t key_len,
                    const void *data, size_t len);
void px_hmac_sha256_hex(char out[PX_SHA256_HEX_LEN + 1], const void *key, size_t key_len,
                        const void *data, size_t len);

/* One AES-128 block (FIPS 197) of in under key into out: encrypt when encrypt is 1, else
 * decrypt. A keyed permutation of 16 bytes, for values that must go out opaque and come back
 * (a page token's position); PX_EINTERNAL when OpenSSL fails. */
px_rc px_aes128_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16], int encrypt);

/* Constant-time comparison; 1 when equal. */
int px_secure_equal(const void *a, const void *b, size_t len);
/* Wipes a secret so it does not linger in memory (OPENSSL_cleanse). */
void px_cleanse(void *p, size_t len);
/* Wipes the NUL-terminated secret s and frees it; NULL is a no-op. */
void px_secret_free(char *s);

/* Lowercase hex of len bytes into out (2*len+1 bytes). */
void px_hex_encode(char *out, const uint8_t *in, size_t len);
/* Its inverse: hex of exactly 2*len lowercase hex digits (as packid and PostgreSQL's encode()
 * write them) into len bytes; 0, or -1 on anything else, upper case included. */
int px_hex_decode(uint8_t *out, size_t len, const char *hex);
/* base64url without padding of len bytes into out (4*ceil(len/3)+1 bytes is enough). */
void px_base64url_encode(char *out, const uint8_t *in, size_t len);
/* The value (0..63) of the base64url character c (RFC 4648 §5: A-Z a-z 0-9 - _), or -1. */
int px_base64url_value(int c);
/* The length of the run of base64url characters s starts with. */
size_t px_base64url_span(const char *s);
/* Random RFC 4122 version-4 UUID, 36 characters + NUL. */
px_rc px_uuid_v4(char out[PX_UUID_LEN + 1]);

#endif
