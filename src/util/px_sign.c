/* Ed25519 keys, signatures and the key ring of the audit trail (px_sign.h). */
#include "px_sign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "px_crypto.h"
#include "px_str.h"

/* The entry seal key is derived, not the signing key itself: one secret, two uses kept apart
 * (a MAC of an entry can never be mistaken for a signature). */
static void derive(px_sign_key *k)
{
    static const char label[] = "packid audit entry seal v1";
    px_hmac_sha256(k->mac, k->seed, sizeof(k->seed), label, sizeof(label) - 1);
    uint8_t h[PX_SHA256_LEN];
    px_sha256(h, k->pub, sizeof(k->pub));
    px_hex_encode(k->id, h, PX_SIGN_ID_LEN / 2);
}

static px_rc from_pkey(px_sign_key *k, EVP_PKEY *p, px_err *err)
{
    size_t sl = sizeof(k->seed), pl = sizeof(k->pub);
    if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_private_key(p, k->seed, &sl) != 1 || sl != sizeof(k->seed) ||
        EVP_PKEY_get_raw_public_key(p, k->pub, &pl) != 1 || pl != sizeof(k->pub))
        return px_err_set(err, PX_EINVALID, "bad_config", "the audit key is not an Ed25519 key");
    derive(k);
    return PX_OK;
}

px_rc px_sign_key_generate(px_sign_key *k, px_err *err)
{
    uint8_t seed[PX_SIGN_SEED_LEN];
    if (px_random_bytes(seed, sizeof(seed)) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no random bytes for a new audit key");
    px_rc rc = px_sign_key_from_seed(k, seed, err);
    px_cleanse(seed, sizeof(seed));
    return rc;
}

px_rc px_sign_key_from_seed(px_sign_key *k, const uint8_t seed[PX_SIGN_SEED_LEN], px_err *err)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->seed, seed, sizeof(k->seed));
    EVP_PKEY *p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, sizeof(k->seed));
    if (!p)
        return px_err_set(err, PX_EINTERNAL, "internal", "cannot make an Ed25519 key");
    px_rc rc = from_pkey(k, p, err);
    EVP_PKEY_free(p);
    return rc;
}

px_rc px_sign_key_save(const px_sign_key *k, const char *path, px_err *err)
{
    px_rc rc = PX_OK;
    EVP_PKEY *p = NULL;
    FILE *f = NULL;
    /* O_EXCL: a second process starting at the same moment never overwrites the key the first
     * one may already sign with. 0600 from the first byte: never readable by others. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        rc = px_err_set(err, errno == EEXIST ? PX_EEXISTS : PX_EINVALID, "bad_config",
                        "cannot create the audit key file %s: %s", path, strerror(errno));
        goto done;
    }
    if (!(f = fdopen(fd, "w"))) {
        close(fd);
        rc = px_err_set(err, PX_EINTERNAL, "internal", "cannot write %s", path);
        goto done;
    }
    p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, sizeof(k->seed));
    if (!p || PEM_write_PrivateKey(f, p, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 ||
        fsync(fileno(f)) != 0)
        rc = px_err_set(err, PX_EINTERNAL, "internal", "cannot write the audit key %s", path);
done:
    EVP_PKEY_free(p);
    if (f)
        fclose(f);
    if (rc != PX_OK && fd >= 0)
        unlink(path);
    return rc;
}

px_rc px_sign_key_load(px_sign_key *k, const char *path, px_err *err)
{
    memset(k, 0, sizeof(*k));
    px_rc rc = PX_OK;
    EVP_PKEY *p = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return px_err_set(err, errno == ENOENT ? PX_ENOTFOUND : PX_EINVALID, "bad_config",
                          "cannot read the audit key file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
        rc = px_err_set(err, PX_EFORBIDDEN, "bad_config",
                        "the audit key file %s may be read by others (mode %03o): chmod 600 it",
                        path, (unsigned)(st.st_mode & 0777));
        goto done;
    }
    if (!(p = PEM_read_PrivateKey(f, NULL, NULL, NULL))) {
        rc = px_err_set(err, PX_EINVALID, "bad_config", "%s holds no PEM private key", path);
        goto done;
    }
    rc = from_pkey(k, p, err);
done:
    EVP_PKEY_free(p);
    fclose(f);
    if (rc != PX_OK)
        px_sign_key_dispose(k);
    return rc;
}

void px_sign_key_dispose(px_sign_key *k)
{
    px_cleanse(k->seed, sizeof(k->seed));
    px_cleanse(k->mac, sizeof(k->mac));
}

px_rc px_sign(uint8_t sig[PX_SIGN_SIG_LEN], const px_sign_key *k, const void *msg, size_t len,
              px_err *err)
{
    px_rc rc = PX_OK;
    EVP_MD_CTX *c = NULL;
    EVP_PKEY *p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, sizeof(k->seed));
    size_t sl = PX_SIGN_SIG_LEN;
    /* Ed25519 is "pure": no separate digest, so the digest argument is NULL. */
    if (!p || !(c = EVP_MD_CTX_new()) || EVP_DigestSignInit(c, NULL, NULL, NULL, p) != 1 ||
        EVP_DigestSign(c, sig, &sl, msg, len) != 1 || sl != PX_SIGN_SIG_LEN)
        rc = px_err_set(err, PX_EINTERNAL, "internal", "cannot sign with the audit key");
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(p);
    return rc;
}

int px_sign_verify(const uint8_t pub[PX_SIGN_PUB_LEN], const void *msg, size_t len,
                   const uint8_t sig[PX_SIGN_SIG_LEN])
{
    EVP_MD_CTX *c = NULL;
    EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PX_SIGN_PUB_LEN);
    int ok = p && (c = EVP_MD_CTX_new()) && EVP_DigestVerifyInit(c, NULL, NULL, NULL, p) == 1 &&
             EVP_DigestVerify(c, sig, PX_SIGN_SIG_LEN, msg, len) == 1;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(p);
    return ok;
}

static px_rc folder_of(char *dir, size_t cap, const char *path, px_err *err)
{
    if (px_strlcpy(dir, path, cap) >= cap)
        return px_err_set(err, PX_EINVALID, "bad_config", "the audit key path is too long");
    char *slash = strrchr(dir, '/');
    if (!slash)
        px_strlcpy(dir, ".", cap);
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return PX_OK;
}

/* mkdir -p with mode 0700 for every folder it makes (the key's folder and, on a first start
 * with PACKID_DATABASE_URL, the data folder itself). */
static int make_dirs(const char *dir)
{
    char p[512];
    if (px_strlcpy(p, dir, sizeof(p)) >= sizeof(p))
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int is_retired_name(const char *name)
{
    size_t n = strlen(name);
    if (n != 8 + PX_SIGN_ID_LEN + 4 || strncmp(name, "retired-", 8) != 0 ||
        strcmp(name + n - 4, ".pem") != 0)
        return 0;
    for (size_t i = 8; i < 8 + PX_SIGN_ID_LEN; i++)
        if (!strchr("0123456789abcdef", name[i]))
            return 0;
    return 1;
}

px_rc px_sign_ring_open(px_sign_ring *r, const char *path, int create, px_err *err)
{
    memset(r, 0, sizeof(*r));
    char dir[512], file[600];
    px_rc rc = folder_of(dir, sizeof(dir), path, err);
    if (rc != PX_OK)
        return rc;
    rc = px_sign_key_load(&r->keys[0], path, err);
    if (rc == PX_ENOTFOUND && create) {
        if (make_dirs(dir) != 0)
            return px_err_set(err, PX_EINVALID, "bad_config", "cannot create %s: %s", dir,
                              strerror(errno));
        if ((rc = px_sign_key_generate(&r->keys[0], err)) == PX_OK)
            rc = px_sign_key_save(&r->keys[0], path, err);
        /* Another process made it first: use its key. */
        if (rc == PX_EEXISTS)
            rc = px_sign_key_load(&r->keys[0], path, err);
    }
    if (rc != PX_OK) {
        px_sign_ring_dispose(r);
        return rc;
    }
    r->n = 1;
    DIR *d = opendir(dir);
    if (!d)
        return PX_OK;
    struct dirent *de;
    while ((de = readdir(d)) && r->n < PX_SIGN_RING_MAX) {
        if (!is_retired_name(de->d_name))
            continue;
        /* The name is checked above: 8 + 16 + 4 characters. */
        snprintf(file, sizeof(file), "%s/%.28s", dir, de->d_name);
        if ((rc = px_sign_key_load(&r->keys[r->n], file, err)) != PX_OK)
            break;
        r->n++;
    }
    closedir(d);
    if (rc != PX_OK)
        px_sign_ring_dispose(r);
    return rc;
}

void px_sign_ring_dispose(px_sign_ring *r)
{
    for (int i = 0; i < PX_SIGN_RING_MAX; i++)
        px_sign_key_dispose(&r->keys[i]);
    r->n = 0;
}

const px_sign_key *px_sign_ring_find(const px_sign_ring *r, const char *id)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->keys[i].id, id) == 0)
            return &r->keys[i];
    return NULL;
}

px_rc px_sign_ring_rotate(const char *path, char old_id[PX_SIGN_ID_LEN + 1],
                          char new_id[PX_SIGN_ID_LEN + 1], px_err *err)
{
    px_sign_key old, fresh;
    memset(&fresh, 0, sizeof(fresh));
    char dir[512], retired[600];
    px_rc rc = folder_of(dir, sizeof(dir), path, err);
    if (rc != PX_OK || (rc = px_sign_key_load(&old, path, err)) != PX_OK)
        return rc;
    snprintf(retired, sizeof(retired), "%s/retired-%s.pem", dir, old.id);
    /* The old key stays in the ring: checkpoints and seals it made must still verify. */
    if (rename(path, retired) != 0) {
        rc = px_err_set(err, PX_EINVALID, "bad_config", "cannot retire %s: %s", path,
                        strerror(errno));
        goto done;
    }
    if ((rc = px_sign_key_generate(&fresh, err)) != PX_OK ||
        (rc = px_sign_key_save(&fresh, path, err)) != PX_OK) {
        rename(retired, path); /* put the old key back: never leave no current key */
        goto done;
    }
    px_strlcpy(old_id, old.id, PX_SIGN_ID_LEN + 1);
    px_strlcpy(new_id, fresh.id, PX_SIGN_ID_LEN + 1);
done:
    px_sign_key_dispose(&old);
    px_sign_key_dispose(&fresh);
    return rc;
}
