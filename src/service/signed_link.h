/* Signed, expiring download links (docs/print.md "Exports", docs/carrier.md): an export's file
 * and a carrier batch's ZIP are fetched without a key, through a link whose signature only
 * packid can make. The signature is HMAC-SHA256 over "packid-<tag>-v1|id|expires|format|
 * gs_style" with the server's link secret: PACKID_LINK_SECRET, or a random secret generated
 * once and kept in the database, so every packid process on it (and a restarted one) verifies
 * the same links. tag names what the link opens ("export", "carrier-batch"): a link minted for
 * one kind of object never opens another with the same id. */
#ifndef PX_SIGNED_LINK_H
#define PX_SIGNED_LINK_H

#include <stdint.h>

#include "service.h"

typedef struct px_export_link {
    char url[512];      /* "" until the object can be downloaded */
    int64_t expires_at; /* unix seconds */
    int64_t expires_in_ms;
} px_export_link;

/* A link to path on packid's public base (px_app_public_base), valid PACKID_EXPORT_LINK_TTL
 * seconds: url = base + path + "?expires=<unix s>&sig=<hex>". format and gs_style are signed
 * with it ("" for an object that has neither): a link cannot be turned into another file. */
px_rc px__link_mint(px_db *db, const px_app *app, const char *tag, const char *id,
                    const char *format, const char *gs_style, const char *path,
                    px_export_link *link, px_err *err);
/* 1 when expires is a time in unix seconds (*exp_s) and sig a signature's shape (64 lower-case
 * hex digits): what a link must look like before anything is read for it. */
int px__link_shape(const char *expires, const char *sig, long *exp_s);
/* *ok = 1 when sig signs (tag, id, exp_s, format, gs_style), compared in constant time. Fails
 * only when the link secret cannot be had. */
px_rc px__link_sig_check(px_db *db, const px_app *app, const char *tag, const char *id, long exp_s,
                         const char *format, const char *gs_style, const char *sig, int *ok,
                         px_err *err);
/* The one answer to a link that is malformed, not signed by packid, or for an object that
 * cannot be downloaded: PX_EFORBIDDEN "forbidden", the same for every cause, so the answer
 * says nothing about which objects exist. */
px_rc px__link_refused(px_err *err);
/* 1 when a link of expiry exp_s has expired. */
int px__link_expired(long exp_s);

/* The links of objects without a format (a carrier batch's ZIP): px__link_mint with "" for
 * both, and its check whole: a bad or tampered link is PX_EFORBIDDEN "forbidden", an expired
 * one PX_EFORBIDDEN "link_expired". */
px_rc px_svc_link_mint(px_db *db, const px_app *app, const char *tag, const char *id,
                       const char *path, px_export_link *link, px_err *err);
px_rc px_svc_link_check(px_db *db, const px_app *app, const char *tag, const char *id,
                        const char *expires, const char *sig, px_err *err);

#endif
