/* px_sign — the audit signing key: Ed25519 (RFC 8032) through OpenSSL, kept in a file outside
 * PostgreSQL (docs/audit.md "The signing key"). An attacker with database access can rewrite
 * rows and recompute SHA-256 chains; he cannot sign, because the key is not in the database.
 *
 * One key signs the chain-head checkpoints (anyone holding the public key can check them) and,
 * through a key derived from it, seals each audit entry with an HMAC (only packid can check
 * those). A key ring holds the current key and the retired ones, so a checkpoint or seal made
 * before a rotation still verifies by its key_id. */
#ifndef PX_SIGN_H
#define PX_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"

#define PX_SIGN_SEED_LEN 32
#define PX_SIGN_PUB_LEN 32
#define PX_SIGN_SIG_LEN 64
#define PX_SIGN_ID_LEN 16 /* hex digits of a key_id */
#define PX_SIGN_RING_MAX 32

typedef struct px_sign_key {
    uint8_t seed[PX_SIGN_SEED_LEN]; /* the Ed25519 private key (secret) */
    uint8_t pub[PX_SIGN_PUB_LEN];
    uint8_t mac[32];             /* entry-seal HMAC key derived from seed (secret) */
    char id[PX_SIGN_ID_LEN + 1]; /* first 16 hex digits of SHA-256(pub) */
} px_sign_key;

/* A fresh key from RAND_bytes. */
px_rc px_sign_key_generate(px_sign_key *k, px_err *err);
/* The key of a known 32-byte seed (RFC 8032 test vectors). */
px_rc px_sign_key_from_seed(px_sign_key *k, const uint8_t seed[PX_SIGN_SEED_LEN], px_err *err);
/* Writes k as a PKCS#8 PEM file (readable by `openssl pkey`) with mode 0600; never replaces
 * an existing file (PX_EEXISTS). */
px_rc px_sign_key_save(const px_sign_key *k, const char *path, px_err *err);
/* Reads a PEM Ed25519 private key. A file that its group or others may read or write is
 * refused (PX_EFORBIDDEN): a key others can read is no longer a secret. PX_ENOTFOUND when
 * the file does not exist. */
px_rc px_sign_key_load(px_sign_key *k, const char *path, px_err *err);
/* Wipes the secret parts. */
void px_sign_key_dispose(px_sign_key *k);

/* Ed25519 signature of msg. */
px_rc px_sign(uint8_t sig[PX_SIGN_SIG_LEN], const px_sign_key *k, const void *msg, size_t len,
              px_err *err);
/* 1 when sig is pub's signature of msg. */
int px_sign_verify(const uint8_t pub[PX_SIGN_PUB_LEN], const void *msg, size_t len,
                   const uint8_t sig[PX_SIGN_SIG_LEN]);

/* The current key (keys[0]) and the retired ones found beside it. */
typedef struct px_sign_ring {
    px_sign_key keys[PX_SIGN_RING_MAX];
    int n;
} px_sign_ring;

/* Loads the key file at path and every "retired-<key_id>.pem" in its folder. With create set,
 * a missing key file (and its folder, mode 0700) is made with a new key. */
px_rc px_sign_ring_open(px_sign_ring *r, const char *path, int create, px_err *err);
void px_sign_ring_dispose(px_sign_ring *r);
/* The key with that id, or NULL. */
const px_sign_key *px_sign_ring_find(const px_sign_ring *r, const char *id);
/* Retires the key at path (renamed to retired-<id>.pem beside it) and writes a new one in its
 * place; old_id and new_id receive the two key_ids. */
px_rc px_sign_ring_rotate(const char *path, char old_id[PX_SIGN_ID_LEN + 1],
                          char new_id[PX_SIGN_ID_LEN + 1], px_err *err);

#endif
