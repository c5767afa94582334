/* Page tokens of the EPCIS 2.0 REST query (epcis_rest_params.h). A token carries the page's
 * last position, an installation-wide sequence number: given out in clear, two tokens a few
 * minutes apart would tell a tenant how many events every other tenant recorded meanwhile.
 * So the position goes out as one AES block (the number and eight zero bytes) under a key of
 * the installation: opaque, and a token this installation did not make does not decrypt to
 * eight zero bytes (a chance of 2^-64). */
#include <limits.h>
#include <string.h>

#include "epcis_rest_params.h"
#include "print_store.h"
#include "px_crypto.h"
#include "px_str.h"

_Static_assert(sizeof(((px_epcis_rest_page *)0)->next_token) > TOKEN_LEN, "a page's token");

px_rc px__epcis_token_key(px_db *db, uint8_t key[16], px_err *err)
{
    uint8_t secret[32], digest[PX_SHA256_LEN];
    /* Made by migration 0218: a query only reads it (it may run on a standby). Hashed, so the
     * key draws on all of its random bits. */
    px_rc rc = px_store_secret_get(db, secret, "epcis_token", NULL, err);
    if (rc == PX_OK) {
        px_sha256(digest, secret, sizeof(secret));
        memcpy(key, digest, 16);
    }
    px_cleanse(secret, sizeof(secret));
    px_cleanse(digest, sizeof(digest));
    return rc;
}

px_rc px__epcis_token_make(char *out, const uint8_t key[16], long long seq)
{
    uint8_t block[16] = {0}, sealed[16];
    for (int i = 0; i < 8; i++)
        block[i] = (uint8_t)((unsigned long long)seq >> (56 - 8 * i));
    px_rc rc = px_aes128_block(sealed, key, block, 1);
    if (rc != PX_OK)
        return rc;
    memcpy(out, TOKEN_PREFIX, 3);
    px_hex_encode(out + 3, sealed, sizeof(sealed));
    return PX_OK;
}

int px__epcis_token_read(const uint8_t key[16], const char *token, long long *seq)
{
    uint8_t sealed[16], block[16];
    if (strncmp(token, TOKEN_PREFIX, 3) != 0 || strlen(token) != TOKEN_LEN ||
        px_hex_decode(sealed, sizeof(sealed), token + 3) != 0 ||
        px_aes128_block(block, key, sealed, 0) != PX_OK)
        return -1;
    static const uint8_t zero[8] = {0};
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | block[i];
    if (memcmp(block + 8, zero, 8) != 0 || v > LLONG_MAX)
        return -1;
    *seq = (long long)v;
    return 0;
}
