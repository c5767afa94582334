/* Signed, expiring download links (signed_link.h). */
#include <stdio.h>
#include <string.h>

#include "print_store.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_str.h"
#include "signed_link.h"

static px_rc link_secret(px_db *db, const px_app *app, uint8_t key[32], px_err *err)
{
    const char *conf = app->cfg.link_secret;
    if (conf[0]) {
        /* Hash the operator's secret to a fixed-size key (any length and alphabet works);
         * px_config refused one shorter than 32 bytes. */
        px_sha256(key, conf, strlen(conf));
        return PX_OK;
    }
    uint8_t proposal[32];
    if (px_random_bytes(proposal, sizeof(proposal)) != PX_OK)
        return px_err_no_random(err);
    px_rc rc = px_store_secret_get(db, key, "link", proposal, err);
    px_cleanse(proposal, sizeof(proposal));
    return rc;
}

/* The signature of (tag, id, expires, format, gs_style) under the link secret. */
static px_rc link_sig(px_db *db, const px_app *app, char out[PX_SHA256_HEX_LEN + 1],
                      const char *tag, const char *id, long long expires, const char *format,
                      const char *gs_style, px_err *err)
{
    uint8_t key[32];
    px_rc rc = link_secret(db, app, key, err);
    if (rc != PX_OK)
        return rc;
    char msg[200];
    int n = snprintf(msg, sizeof(msg), "packid-%s-v1|%s|%lld|%s|%s", tag, id, expires, format,
                     gs_style);
    /* Callers pass checked ids (UUIDs) and their own tags and formats: a cut message would be
     * a bug, never a signature over part of it. */
    if (n < 0 || (size_t)n >= sizeof(msg)) {
        px_cleanse(key, sizeof(key));
        return px_err_set(err, PX_EINTERNAL, "internal", "link message too long");
    }
    px_hmac_sha256_hex(out, key, 32, msg, (size_t)n);
    px_cleanse(key, sizeof(key));
    return PX_OK;
}

px_rc px__link_mint(px_db *db, const px_app *app, const char *tag, const char *id,
                    const char *format, const char *gs_style, const char *path,
                    px_export_link *link, px_err *err)
{
    memset(link, 0, sizeof(*link));
    int64_t now_us = px_now_us();
    long long expires = (long long)(now_us / 1000000) + app->cfg.export_link_ttl;
    char sig[PX_SHA256_HEX_LEN + 1], base[256];
    px_rc rc = link_sig(db, app, sig, tag, id, expires, format, gs_style, err);
    if (rc != PX_OK)
        return rc;
    px_app_public_base(app, base, sizeof(base));
    snprintf(link->url, sizeof(link->url), "%s%s?expires=%lld&sig=%s", base, path, expires, sig);
    link->expires_at = expires;
    link->expires_in_ms = expires * 1000 - now_us / 1000;
    return PX_OK;
}

int px__link_shape(const char *expires, const char *sig, long *exp_s)
{
    uint8_t bytes[PX_SHA256_HEX_LEN / 2];
    /* The expiry as it was minted (%lld of a time after 1970): digits without a sign or a
     * leading zero. Another spelling of the same number ("0…", "+…") is not the link that was
     * signed: a link with any byte changed is malformed (docs/print.md "Signed links"). */
    size_t n = expires ? strlen(expires) : 0;
    return n && (expires[0] != '0' || n == 1) && px_digits(expires, n) && sig &&
           px_parse_long(expires, 0, 99999999999L, exp_s) == 0 &&
           px_hex_decode(bytes, sizeof(bytes), sig) == 0;
}

px_rc px__link_sig_check(px_db *db, const px_app *app, const char *tag, const char *id, long exp_s,
                         const char *format, const char *gs_style, const char *sig, int *ok,
                         px_err *err)
{
    *ok = 0;
    char want[PX_SHA256_HEX_LEN + 1];
    px_rc rc = link_sig(db, app, want, tag, id, exp_s, format, gs_style, err);
    if (rc == PX_OK)
        *ok = px_secure_equal(want, sig, PX_SHA256_HEX_LEN);
    return rc;
}

int px__link_expired(long exp_s)
{
    return px_now_us() / 1000000 > (int64_t)exp_s;
}

px_rc px__link_refused(px_err *err)
{
    return px_err_set(err, PX_EFORBIDDEN, "forbidden", "the link is not valid");
}

px_rc px_svc_link_mint(px_db *db, const px_app *app, const char *tag, const char *id,
                       const char *path, px_export_link *link, px_err *err)
{
    return px__link_mint(db, app, tag, id, "", "", path, link, err);
}

px_rc px_svc_link_check(px_db *db, const px_app *app, const char *tag, const char *id,
                        const char *expires, const char *sig, px_err *err)
{
    long exp_s = 0;
    int ok = 0;
    if (!id || !px__link_shape(expires, sig, &exp_s))
        return px__link_refused(err);
    px_rc rc = px__link_sig_check(db, app, tag, id, exp_s, "", "", sig, &ok, err);
    if (rc != PX_OK)
        return rc;
    if (!ok)
        return px__link_refused(err);
    if (px__link_expired(exp_s))
        return px_err_set(err, PX_EFORBIDDEN, "link_expired", "the link has expired");
    return PX_OK;
}
