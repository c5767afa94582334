/* The DSCSA lightweight verification responder (GS1 Lightweight Messaging Standard for
 * Verification of Product Identifiers; docs/verification.md): the verify and checkConnectivity
 * use cases and the request log. */
#ifndef PX_SERVICE_RESPONDER_H
#define PX_SERVICE_RESPONDER_H

#include "service.h"
#include "vrs.h"
#include "vrs_store.h"

/* The answer of a verify (or checkConnectivity: responder_gln only). */
typedef struct px_vrs_result {
    int64_t decided_us; /* when the responder decided (µs since the epoch) */
    char timestamp[32]; /* verificationTimestamp: RFC 3339 UTC with ms */
    char responder_gln[14];
    char corr_uuid[PX_UUID_LEN + 1]; /* the request's, or one made here when it sent none */
    px_vrs_answer answer;
} px_vrs_result;

/* Checks the parameters (400 bad_request), that reqGLN is the caller's own GLN (403
 * gln_mismatch: a verifier key speaks for its organization's GLN only), that the GTIN is a
 * product of a MAH with a GLN (404 not_found), then decides from one lookup and logs the
 * request and its answer with one INSERT. by must be a verifier (policy PX_ACT_VRS_VERIFY). */
px_rc px_svc_vrs_verify(px_db *db, const px_actor *by, const px_vrs_params *p, px_vrs_result *out,
                        px_err *err);
/* The same checks for checkConnectivity (docs/verification.md, GET /vrs/checkConnectivity);
 * logged too. */
px_rc px_svc_vrs_connectivity(px_db *db, const px_actor *by, const px_vrs_params *p,
                              px_vrs_result *out, px_err *err);

/* GET /v1/verification-requests: a MAH (and its auditors) the requests about its products, a
 * verifier its own organization's requests; newest first, after the row after_id ("" for the
 * first page; not a UUID: 400 bad_request), at most limit. */
px_rc px_svc_vrs_log_page(px_db *db, const px_actor *by, const char *after_id, long limit,
                          px_vrs_log_fn fn, void *ctx, px_err *err);

/* GET and PUT /v1/vrs-settings (MAH, policy PX_ACT_VRS_SETTINGS): the GS1 US scenario for
 * recalled packs ("B1" | "B2") and for expired ones ("B1" | "B2" | "default"). A NULL member
 * of a PUT keeps its value. A change is audited (vrs.settings) with old and new values. */
px_rc px_svc_vrs_settings_get(px_db *db, const px_actor *by, px_vrs_policy *out, px_err *err);
px_rc px_svc_vrs_settings_put(px_db *db, const px_actor *by, const char *recalled,
                              const char *expired, px_vrs_policy *out, px_err *err);

#endif
