/* The DSCSA responder's use cases (vrs.h). Each request is a read and one INSERT of its log
 * row; there is nothing else to change, so no transaction spans the two. */
#include <string.h>

#include "market.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_cursor.h"
#include "px_str.h"
#include "responder.h"
#include "tx.h"

/* The checks both requests share; fills row (and out's GLN and timestamp). */
static px_rc prepare(px_db *db, const px_actor *by, const px_vrs_params *p, int verify,
                     char gtin[15], px_vrs_row *row, px_vrs_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc = px_vrs_params_check(p, verify, gtin, px_now_us(), err);
    if (rc != PX_OK)
        return rc;
    /* REQ-VRS-6: reqGLN is the requester's identity inside the message (docs/verification.md
     * "reqGLN must be the key's GLN"); a verifier key speaks for its own organization's GLN
     * only, so any other reqGLN is a requester not permitted (403). */
    if (by->role != PX_ROLE_VERIFIER || strcmp(p->req_gln, by->org_gln) != 0)
        return px_err_set_field(err, PX_EFORBIDDEN, "gln_mismatch", "reqGLN",
                                "reqGLN '%s' is not the GLN of this key's organization",
                                p->req_gln);
    if ((rc = px_store_vrs_lookup(db, row, gtin, verify ? p->serial : NULL, err)) != PX_OK)
        return rc;
    /* A GTIN this responder does not serve is 404 (docs/verification.md); a MAH without a GLN
     * cannot be named as responder, so its GTINs are not served either, nor a product for
     * another market than the US (px_market_vrs_answers: the VRS Lookup Directory lists US
     * products, and an EU pack is not one a US trading partner asks about). */
    if (!row->product_found || !row->responder_gln[0] || !px_market_vrs_answers(row->market))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "GTIN %s is not served by this responder",
                          gtin);
    px_strlcpy(out->responder_gln, row->responder_gln, sizeof(out->responder_gln));
    out->decided_us = px_now_us();
    px_time_format(out->timestamp, out->decided_us);
    if (p->corr_uuid)
        px_strlcpy(out->corr_uuid, p->corr_uuid, sizeof(out->corr_uuid));
    else if (px_uuid_v4(out->corr_uuid) != PX_OK)
        return px_err_no_random(err);
    return PX_OK;
}

/* REQ-VRS-7: every answered request is logged — who (organization, key, reqGLN), when (the
 * answer's own timestamp), what (the identifier asked about) and the answer. */
static px_rc log_it(px_db *db, const px_actor *by, const px_vrs_params *p, const char *kind,
                    const char *gtin, const px_vrs_row *row, const px_vrs_result *out, int verified,
                    px_err *err)
{
    px_vrs_log l = {.at = out->timestamp,
                    .kind = kind,
                    .tenant_id = row->tenant_id,
                    .requester_id = by->org_id,
                    .key_id = by->key_id,
                    .req_gln = p->req_gln,
                    .responder_gln = out->responder_gln,
                    .gtin = gtin,
                    .lot = verified >= 0 ? p->lot : NULL,
                    .serial = verified >= 0 ? p->serial : NULL,
                    .exp = verified >= 0 ? p->exp : NULL,
                    .context = PX_VRS_CONTEXT,
                    .corr_uuid = out->corr_uuid[0] ? out->corr_uuid : NULL,
                    .verified = verified,
                    .reason = verified >= 0 ? px_vrs_reason_name(out->answer.reason) : NULL,
                    .info = verified >= 0 ? px_vrs_info_name(out->answer.info) : NULL,
                    .ctrl_possess_att = verified >= 0 ? p->ctrl_possess_att : NULL,
                    .email = verified >= 0 ? p->email : NULL,
                    .telephone = verified >= 0 ? p->telephone : NULL};
    return px_store_vrs_log_insert(db, &l, err);
}

px_rc px_svc_vrs_verify(px_db *db, const px_actor *by, const px_vrs_params *p, px_vrs_result *out,
                        px_err *err)
{
    char gtin[15];
    px_vrs_row row;
    px_rc rc = prepare(db, by, p, 1, gtin, &row, out, err);
    if (rc != PX_OK)
        return rc;
    px_verify_facts f = {.found = row.found,
                         .batch = row.batch,
                         .expiry = row.expiry,
                         .asked_batch = p->lot,
                         .asked_expiry = p->exp};
    if (px_verify_facts_state(&f, row.state, row.reason, err) != PX_OK)
        return PX_EINTERNAL;
    /* Decided at the instant the answer names (verificationTimestamp, docs/verification.md
     * "The answer"). */
    int64_t now = out->decided_us;
    /* The MAH's scenario choices came with the lookup; a value the CHECK allows always parses. */
    px_vrs_policy pol = {PX_VRS_RECALL_B2, PX_VRS_EXPIRY_B1};
    if (px_vrs_recall_rule_parse(&pol.recalled, row.recalled, NULL) != PX_OK ||
        px_vrs_expiry_rule_parse(&pol.expired, row.expired, NULL) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    out->answer = px_vrs_decide(&f, &pol, now);
    return log_it(db, by, p, "verify", gtin, &row, out, out->answer.verified, err);
}

px_rc px_svc_vrs_connectivity(px_db *db, const px_actor *by, const px_vrs_params *p,
                              px_vrs_result *out, px_err *err)
{
    char gtin[15];
    px_vrs_row row;
    px_rc rc = prepare(db, by, p, 0, gtin, &row, out, err);
    if (rc != PX_OK)
        return rc;
    return log_it(db, by, p, "check_connectivity", gtin, &row, out, -1, err);
}

px_rc px_svc_vrs_log_page(px_db *db, const px_actor *by, const char *after_id, long limit,
                          px_vrs_log_fn fn, void *ctx, px_err *err)
{
    if (px_cursor_check_uuid(after_id, err) != PX_OK)
        return PX_EINVALID;
    /* REQ-VRS-8: scope ORG (policy PX_ACT_VRS_LOG_READ): a MAH or auditor sees the requests
     * about its own products, a verifier those its own organization made — never another
     * verifier's, never another MAH's. */
    int as_requester = by->role == PX_ROLE_VERIFIER;
    if (!as_requester && by->role != PX_ROLE_MAH && by->role != PX_ROLE_AUDITOR)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role", "role '%s' may not %s",
                          px_role_name(by->role), px_action_phrase(PX_ACT_VRS_LOG_READ));
    return px_store_vrs_log_page(db, by->org_id, as_requester, after_id, limit, fn, ctx, err);
}

static px_rc policy_of(px_vrs_policy *out, const char *recalled, const char *expired, px_err *err)
{
    if (px_vrs_recall_rule_parse(&out->recalled, recalled, err) != PX_OK ||
        px_vrs_expiry_rule_parse(&out->expired, expired, err) != PX_OK)
        return err ? err->rc : PX_EINVALID;
    return PX_OK;
}

px_rc px_svc_vrs_settings_get(px_db *db, const px_actor *by, px_vrs_policy *out, px_err *err)
{
    char recalled[8], expired[8];
    px_rc rc = px_store_vrs_settings_get(db, by->org_id, recalled, expired, err);
    if (rc != PX_OK)
        return rc;
    if (policy_of(out, recalled, expired, NULL) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    return PX_OK;
}

typedef struct settings_ctx {
    const char *recalled, *expired;
    px_vrs_policy *out;
} settings_ctx;

static px_rc settings_body(px_tx *tx, void *vc, px_err *err)
{
    settings_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    char old_r[8], old_e[8];
    px_rc rc = px_store_vrs_settings_get(px_tx_db(tx), by->org_id, old_r, old_e, err);
    if (rc != PX_OK)
        return rc;
    const char *r = c->recalled ? c->recalled : old_r, *e = c->expired ? c->expired : old_e;
    if ((rc = policy_of(c->out, r, e, err)) != PX_OK)
        return rc;
    if ((rc = px_store_vrs_settings_put(px_tx_db(tx), by->org_id, r, e, err)) != PX_OK)
        return rc;
    /* REQ-VRS-9: what trading partners are told about recalled and expired packs is the MAH's
     * decision; who changed it, and from what, is in the audit log. */
    px_audit_details *d = px_tx_audit(tx, by->org_id, "vrs.settings", by->org_id);
    px_audit_str(d, "old_recalled", old_r);
    px_audit_str(d, "recalled", r);
    px_audit_str(d, "old_expired", old_e);
    px_audit_str(d, "expired", e);
    return PX_OK;
}

px_rc px_svc_vrs_settings_put(px_db *db, const px_actor *by, const char *recalled,
                              const char *expired, px_vrs_policy *out, px_err *err)
{
    settings_ctx c = {recalled, expired, out};
    return px_tx_run(db, by, settings_body, &c, err);
}
