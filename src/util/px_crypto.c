#include "px_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"

px_rc px_random_bytes(void *out, size_t len)
{
    while (len > 0) {
        int chunk = len > 1 << 20 ? 1 << 20 : (int)len;
        if (RAND_bytes(out, chunk) != 1)
            return PX_EINTERNAL;
        out = (uint8_t *)out + chunk;
        len -= (size_t)chunk;
    }
    return PX_OK;
}

void px_sha256(uint8_t out[PX_SHA256_LEN], const void *data, size_t len)
{
    SHA256(data, len, out);
}

/* A lowercase hex digit's value, or -1. */
static int lower_hex(char c)
{
    return c >= 'A' && c <= 'F' ? -1 : px_hexval((unsigned char)c);
}

int px_hex_decode(uint8_t *out, size_t len, const char *hex)
{
    if (strlen(hex) != 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int hi = lower_hex(hex[2 * i]), lo = lower_hex(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return 0;
}

void px_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void px_sha256_hex(char out[PX_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
    uint8_t md[PX_SHA256_LEN];
    px_sha256(md, data, len);
    px_hex_encode(out, md, sizeof(md));
}

void px_hmac_sha256(uint8_t out[PX_SHA256_LEN], const void *key, size_t key_len,
                    const void *data, size_t len)
{
    unsigned int out_len = PX_SHA256_LEN;
    HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len);
}

void px_hmac_sha256_hex(char out[PX_SHA256_HEX_LEN + 1], const void *key, size_t key_len,
                        const void *data, size_t len)
{
    uint8_t md[PX_SHA256_LEN];
    px_hmac_sha256(md, key, key_len, data, len);
    px_hex_encode(out, md, sizeof(md));
}

int px_secure_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

void px_cleanse(void *p, size_t len)
{
    if (p)
        OPENSSL_cleanse(p, len);
}

void px_secret_free(char *s)
{
    if (!s)
        return;
    px_cleanse(s, strlen(s));
    free(s);
}

/* RFC 4648 §5, Table 2: the URL- and filename-safe alphabet. */
static const char base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int px_base64url_value(int c)
{
    const char *p = c > 0 && c < 128 ? strchr(base64url, c) : NULL;
    return p ? (int)(p - base64url) : -1;
}

size_t px_base64url_span(const char *s)
{
    return strspn(s, base64url);
}

void px_base64url_encode(char *out, const uint8_t *in, size_t len)
{
    const char *al = base64url;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = al[v >> 18 & 63];
        out[o++] = al[v >> 12 & 63];
        out[o++] = al[v >> 6 & 63];
        out[o++] = al[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = al[v >> 18 & 63];
        out[o++] = al[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = al[v >> 18 & 63];
        out[o++] = al[v >> 12 & 63];
        out[o++] = al[v >> 6 & 63];
    }
    out[o] = '\0';
}

px_rc px_uuid_v4(char out[PX_UUID_LEN + 1])
{
    uint8_t b[16];
    if (px_random_bytes(b, sizeof(b)) != PX_OK)
        return PX_EINTERNAL;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* RFC 4122 §4.4: version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10xx */
    snprintf(out, PX_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return PX_OK;
}

px_rc px_aes128_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16], int encrypt)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL, encrypt) &&
                    EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_CipherUpdate(ctx, out, &n, in, 16) &&
                    n == 16;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? PX_OK : PX_EINTERNAL;
}
