/* Regulator endpoints of a MAH (reports.h; docs/delivery.md). */
#include <string.h>

#include "delivery.h"
#include "gs1.h"
#include "px_str.h"
#include "epcis_format.h"
#include "reports_internal.h"

/* The store keeps whatever URL px_delivery_url_check admits, uncut. */
_Static_assert(PX_ENDPOINT_URL_MAX == PX_DELIVERY_URL_MAX, "an endpoint's URL column");

/* Every field checked before anything is written: length, charset, GLN check digit; the URL
 * (when given) against the outbound policy, which resolves its host, so callers check it
 * before their transaction opens. */
static px_rc endpoint_fields(const px_endpoint_request *rq, px_err *err)
{
    px_rc rc;
    if ((rc = px_market_check(rq->market, err)) != PX_OK)
        return rc;
    if (rq->url && (rc = px_delivery_url_check(rq->url, err)) != PX_OK) {
        px_err_field(err, "url");
        return rc;
    }
    if (rq->auth_header && (rc = px_delivery_header_check(rq->auth_header, err)) != PX_OK) {
        px_err_field(err, "auth_header");
        return rc;
    }
    if (rq->hmac_secret &&
        (rc = px_delivery_secret_check(rq->hmac_secret, "hmac_secret", err)) != PX_OK)
        return rc;
    if (rq->receiver_gln && (rc = gs1_gln_validate(rq->receiver_gln, err)) != PX_OK) {
        px_err_field(err, "receiver_gln");
        return rc;
    }
    px_epcis_format f;
    if (rq->format && (rc = px_epcis_api_format_parse(&f, rq->format, err)) != PX_OK)
        return rc;
    return PX_OK;
}

typedef struct endpoint_ctx {
    const px_endpoint_request *rq;
    px_endpoint *out;
} endpoint_ctx;

static px_rc endpoint_body(px_tx *tx, void *vc, px_err *err)
{
    endpoint_ctx *c = vc;
    px_rc rc =
        px_store_endpoint_insert(px_tx_db(tx), c->out, c->rq->auth_header, c->rq->hmac_secret, err);
    if (rc != PX_OK)
        return rc;
    /* Audited without the URL's query, the auth header or the secret. */
    px_audit_details *d = px_tx_audit(tx, c->out->tenant_id, "endpoint.create", c->out->id);
    px_audit_str(d, "market", c->out->market);
    px_audit_bool(d, "auth_header", c->out->has_auth_header);
    px_audit_bool(d, "signed", c->out->has_hmac_secret);
    return PX_OK;
}

px_rc px_svc_endpoint_create(px_db *db, const px_actor *by, const px_endpoint_request *rq,
                             px_endpoint *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* A new endpoint is for a market packid reports to (no report would ever reach another);
     * one made before this rule may still be changed or switched off. */
    px_rc rc = endpoint_fields(rq, err);
    if (rc == PX_OK)
        rc = px_market_reporting_check(rq->market, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(out->tenant_id, by->org_id, sizeof(out->tenant_id));
    px_strlcpy(out->market, rq->market, sizeof(out->market));
    px_strlcpy(out->url, rq->url, sizeof(out->url));
    px_strlcpy(out->receiver_gln, rq->receiver_gln ? rq->receiver_gln : "",
               sizeof(out->receiver_gln));
    px_strlcpy(out->format, rq->format ? rq->format : "", sizeof(out->format));
    endpoint_ctx c = {rq, out};
    return px_tx_run(db, by, endpoint_body, &c, err);
}

px_rc px_svc_endpoints_each(px_db *db, const px_actor *by, px_endpoint_fn fn, void *ctx,
                            px_err *err)
{
    return px_store_endpoint_each(db, by->org_id, NULL, 0, fn, ctx, err);
}

typedef struct endpoint_patch_ctx {
    const char *id;
    const px_endpoint_patch *rq;
    px_endpoint *out;
} endpoint_patch_ctx;

/* Never yes now, failure later: a market's last active endpoint stays on while a pack released
 * there can still change (decommissioned, recalled, reactivated, destroyed: every pack but
 * those of a final reason, px_decom_reason_final), whose report it must receive: switched off, that
 * change would be refused (report_precondition no_endpoint, a recall too). Its successor is added
 * first. Judged under the tenant's endpoints lock (px_store_endpoint_get), which a release queueing
 * reports holds shared. */
static px_rc last_endpoint_check(px_db *db, const px_endpoint *e, px_err *err)
{
    const char *final[PX_REASON__COUNT];
    size_t n = px__final_reasons(final);
    int found = 0;
    char gtin[15], batch[21];
    px_rc rc = px_store_market_left_open(db, e->tenant_id, e->market, e->id, final, n, &found, gtin,
                                         batch, err);
    if (rc != PX_OK || !found)
        return rc;
    return px_err_set_field(err, PX_ESTATE, "endpoint_needed", "active",
                            "market %s has no other active endpoint, and packs released there "
                            "can still change (batch '%s' of %s): add its new endpoint first",
                            e->market, batch, gtin);
}

static px_rc endpoint_patch_body(px_tx *tx, void *vc, px_err *err)
{
    endpoint_patch_ctx *c = vc;
    const px_endpoint_patch *rq = c->rq;
    const px_actor *by = px_tx_actor(tx);
    px_endpoint *e = c->out;
    px_rc rc = px_store_endpoint_get(px_tx_db(tx), e, c->id, by->org_id, err);
    if (rc != PX_OK)
        return rc;
    int was_active = e->active, had_auth = e->has_auth_header;
    /* The field rules of creation, on the endpoint as it would become (a new URL was checked
     * before the transaction: a name lookup must not hold it open). */
    px_endpoint_request check = {
        .market = e->market,
        .auth_header = rq->set_auth_header ? rq->auth_header : NULL,
        .hmac_secret = rq->hmac_secret,
        .format = rq->format,
    };
    if ((rc = endpoint_fields(&check, err)) != PX_OK)
        return rc;
    char old_format[sizeof(e->format)];
    px_strlcpy(old_format, e->format, sizeof(old_format));
    if (rq->format)
        px_strlcpy(e->format, rq->format, sizeof(e->format));
    if (rq->url)
        px_strlcpy(e->url, rq->url, sizeof(e->url));
    if (rq->active >= 0)
        e->active = rq->active;
    if (was_active && !e->active && (rc = last_endpoint_check(px_tx_db(tx), e, err)) != PX_OK)
        return rc;
    if ((rc = px_store_endpoint_update(px_tx_db(tx), e, rq->set_auth_header, rq->auth_header,
                                       rq->hmac_secret, err)) != PX_OK)
        return rc;
    /* Audited without the URL's query, the auth header or the secret: what changed only. */
    px_audit_details *d = px_tx_audit(tx, e->tenant_id, "endpoint.update", e->id);
    px_audit_bool(d, "url_changed", rq->url != NULL);
    px_audit_bool(d, "old_auth_header", had_auth);
    px_audit_bool(d, "auth_header", e->has_auth_header);
    px_audit_bool(d, "secret_rotated", rq->hmac_secret != NULL);
    px_audit_bool(d, "old_active", was_active);
    px_audit_bool(d, "active", e->active);
    if (rq->format) {
        px_audit_str(d, "old_format", old_format);
        px_audit_str(d, "format", e->format);
    }
    return PX_OK;
}

px_rc px_svc_endpoint_update(px_db *db, const px_actor *by, const char *id,
                             const px_endpoint_patch *rq, px_endpoint *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "regulator endpoint not found");
    if (rq->url && px_delivery_url_check(rq->url, err) != PX_OK) {
        px_err_field(err, "url");
        return err->rc;
    }
    endpoint_patch_ctx c = {id, rq, out};
    return px_tx_run(db, by, endpoint_patch_body, &c, err);
}
