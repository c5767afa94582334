/* Unit tests for util/px_sign: Ed25519 against the RFC 8032 test vectors (an outside oracle),
 * the key file's mode rules, and the key ring across a rotation; util/px_crypto's AES block
 * against FIPS 197's example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_sign.h"

static void hex(uint8_t *out, size_t len, const char *h)
{
    assert_int_equal(px_hex_decode(out, len, h), 0);
}

static void test_util__sign_rfc8032_vectors(void)
{
    /* RFC 8032 section 7.1, TEST 1, TEST 2 and TEST 3. */
    static const struct {
        const char *seed, *pub, *msg, *sig;
        int line;
    } v[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
         "1cf9b46bd25bf5f0595bbe24655141438e7a100b",
         __LINE__},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
         "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
         __LINE__},
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
         "984dc6594a7c15e9716ed28dc027beceea1ec40a",
         __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        uint8_t seed[32], pub[32], msg[8], want[64], sig[64];
        size_t mlen = strlen(v[i].msg) / 2;
        hex(seed, 32, v[i].seed);
        hex(pub, 32, v[i].pub);
        hex(msg, mlen, v[i].msg);
        hex(want, 64, v[i].sig);
        px_sign_key k;
        px_err err;
        assert_int_equal(px_sign_key_from_seed(&k, seed, &err), PX_OK);
        if (memcmp(k.pub, pub, 32) != 0)
            fail_msg("%s:%d: public key", __FILE__, v[i].line);
        assert_int_equal(px_sign(sig, &k, msg, mlen, &err), PX_OK);
        if (memcmp(sig, want, 64) != 0)
            fail_msg("%s:%d: signature", __FILE__, v[i].line);
        assert_true(px_sign_verify(pub, msg, mlen, sig));
        /* One bit off in the message or the signature: refused. */
        sig[0] ^= 1;
        assert_false(px_sign_verify(pub, msg, mlen, sig));
        sig[0] ^= 1;
        uint8_t other[9] = {0};
        memcpy(other, msg, mlen);
        other[mlen] = 1;
        assert_false(px_sign_verify(pub, other, mlen + 1, sig));
        px_sign_key_dispose(&k);
        /* Disposal wipes the secrets. */
        static const uint8_t zero[32];
        assert_memory_equal(k.seed, zero, 32);
        assert_memory_equal(k.mac, zero, 32);
    }
}

static void test_util__sign_key_id_and_seal_key(void)
{
    uint8_t seed[32];
    hex(seed, 32, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    px_sign_key k;
    px_err err;
    assert_int_equal(px_sign_key_from_seed(&k, seed, &err), PX_OK);
    /* key_id: the first 16 hex digits of SHA-256 over the raw public key. */
    char h[65];
    px_sha256_hex(h, k.pub, 32);
    assert_int_equal(strlen(k.id), 16);
    assert_memory_equal(k.id, h, 16);
    /* The seal key is derived (never the seed itself). */
    assert_memory_not_equal(k.mac, k.seed, 32);
    px_sign_key_dispose(&k);
}

/* A fresh folder (dir) and the path of a key file name in it (not created). */
static void tmp_key(char dir[64], char path[128], const char *name)
{
    snprintf(dir, 64, "/tmp/px-sign-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, 128, "%s/%s", dir, name);
}

static void rm_rf(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_util__sign_key_file_mode(void)
{
    char dir[64], path[128];
    tmp_key(dir, path, "k/key.pem");
    px_sign_ring r;
    px_err err;
    /* Missing and not to be created: not found. */
    assert_int_equal(px_sign_ring_open(&r, path, 0, &err), PX_ENOTFOUND);
    /* Created with its folder: 0600 in 0700. */
    assert_int_equal(px_sign_ring_open(&r, path, 1, &err), PX_OK);
    assert_int_equal(r.n, 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char sub[100];
    snprintf(sub, sizeof(sub), "%s/k", dir);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* Opened again: the same key. */
    px_sign_ring again;
    assert_int_equal(px_sign_ring_open(&again, path, 1, &err), PX_OK);
    assert_string_equal(again.keys[0].id, r.keys[0].id);
    assert_memory_equal(again.keys[0].seed, r.keys[0].seed, 32);
    px_sign_ring_dispose(&again);
    /* Saving never replaces a key. */
    assert_int_equal(px_sign_key_save(&r.keys[0], path, &err), PX_EEXISTS);
    /* Readable or writable by group or others: refused, whatever the bits. */
    static const mode_t bad[] = {0640, 0604, 0620, 0602, 0660};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        assert_int_equal(px_sign_ring_open(&again, path, 1, &err), PX_EFORBIDDEN);
        assert_non_null(strstr(err.message, "may be read by others"));
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(px_sign_ring_open(&again, path, 1, &err), PX_OK);
    px_sign_ring_dispose(&again);
    px_sign_ring_dispose(&r);
    rm_rf(dir);
}

static void test_util__sign_ring_rotation(void)
{
    char dir[64], path[128];
    tmp_key(dir, path, "key.pem");
    px_sign_ring r;
    px_err err;
    assert_int_equal(px_sign_ring_open(&r, path, 1, &err), PX_OK);
    char first[17];
    snprintf(first, sizeof(first), "%s", r.keys[0].id);
    uint8_t sig[64];
    assert_int_equal(px_sign(sig, &r.keys[0], "m", 1, &err), PX_OK);
    px_sign_ring_dispose(&r);
    char old_id[17], new_id[17];
    assert_int_equal(px_sign_ring_rotate(path, old_id, new_id, &err), PX_OK);
    assert_string_equal(old_id, first);
    assert_string_not_equal(new_id, first);
    assert_int_equal(px_sign_ring_rotate(path, old_id, new_id, &err), PX_OK);
    /* The ring: the current key first, both retired ones found by id. */
    assert_int_equal(px_sign_ring_open(&r, path, 0, &err), PX_OK);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.keys[0].id, new_id);
    const px_sign_key *k = px_sign_ring_find(&r, first);
    assert_non_null(k);
    assert_true(px_sign_verify(k->pub, "m", 1, sig));
    assert_null(px_sign_ring_find(&r, "0000000000000000"));
    px_sign_ring_dispose(&r);
    rm_rf(dir);
}

static void test_util__sign_hex_decode(void)
{
    uint8_t b[2];
    assert_int_equal(px_hex_decode(b, 2, "0aff"), 0);
    assert_int_equal(b[0], 0x0a);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(px_hex_decode(b, 2, "0AFF"), -1); /* lowercase only, as written */
    assert_int_equal(px_hex_decode(b, 2, "0af"), -1);
    assert_int_equal(px_hex_decode(b, 2, "0afff"), -1);
    assert_int_equal(px_hex_decode(b, 2, "0ag0"), -1);
}

/* FIPS 197 Appendix C.1 (AES-128): the example block, both ways. */
static void test_util__aes128_fips197_vector(void)
{
    uint8_t key[16], plain[16], want[16], out[16], back[16];
    hex(key, 16, "000102030405060708090a0b0c0d0e0f");
    hex(plain, 16, "00112233445566778899aabbccddeeff");
    hex(want, 16, "69c4e0d86a7b0430d8cdb78070b4c55a");
    assert_int_equal(px_aes128_block(out, key, plain, 1), PX_OK);
    assert_memory_equal(out, want, 16);
    assert_int_equal(px_aes128_block(back, key, out, 0), PX_OK);
    assert_memory_equal(back, plain, 16);
}
