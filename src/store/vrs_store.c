/* The DSCSA responder's reads and its request log (vrs_store.h). */
#include <stdio.h>
#include <string.h>

#include "px_str.h"
#include "store_internal.h"
#include "vrs_store.h"

px_rc px_store_vrs_lookup(px_db *db, px_vrs_row *out, const char *gtin, const char *serial,
                          px_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *p[] = {gtin, serial};
    /* The product row by its key and the pack by (gtin, serial): two index probes, one trip. */
    PGresult *r = px__exec_cached(db, PX__Q_VRS_LOOKUP,
                           "SELECT p.mah_id, coalesce(o.gln, ''), s.gtin IS NOT NULL, "
                           "coalesce(s.state, ''), coalesce(s.reason, ''), "
                           "coalesce(s.batch, ''), coalesce(s.expiry, ''), "
                           "coalesce(v.recalled, 'B2'), coalesce(v.expired, 'B1') FROM product p "
                           "JOIN organization o ON o.id = p.mah_id LEFT JOIN serial s ON "
                           "s.gtin = p.gtin AND s.serial = $2::text LEFT JOIN vrs_settings v "
                           "ON v.tenant_id = p.mah_id WHERE p.gtin = $1",
                           2, p, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1) {
        out->product_found = 1;
        px_strlcpy(out->tenant_id, px__val(r, 0, 0), sizeof(out->tenant_id));
        px_strlcpy(out->responder_gln, px__val(r, 0, 1), sizeof(out->responder_gln));
        out->found = px__val(r, 0, 2)[0] == 't';
        px_strlcpy(out->state, px__val(r, 0, 3), sizeof(out->state));
        px_strlcpy(out->reason, px__val(r, 0, 4), sizeof(out->reason));
        px_strlcpy(out->batch, px__val(r, 0, 5), sizeof(out->batch));
        px_strlcpy(out->expiry, px__val(r, 0, 6), sizeof(out->expiry));
        px_strlcpy(out->recalled, px__val(r, 0, 7), sizeof(out->recalled));
        px_strlcpy(out->expired, px__val(r, 0, 8), sizeof(out->expired));
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_vrs_settings_get(px_db *db, const char *tenant_id, char recalled[8], char expired[8],
                                px_err *err)
{
    const char *p[] = {tenant_id};
    PGresult *r =
        px__exec(db, "SELECT recalled, expired FROM vrs_settings WHERE tenant_id = $1", 1, p, err);
    if (!r)
        return err->rc;
    int found = PQntuples(r) == 1;
    px_strlcpy(recalled, found ? px__val(r, 0, 0) : "B2", 8);
    px_strlcpy(expired, found ? px__val(r, 0, 1) : "B1", 8);
    PQclear(r);
    return PX_OK;
}

px_rc px_store_vrs_settings_put(px_db *db, const char *tenant_id, const char *recalled,
                                const char *expired, px_err *err)
{
    const char *p[] = {tenant_id, recalled, expired};
    return px__exec_cmd(db,
                        "INSERT INTO vrs_settings (tenant_id, recalled, expired) VALUES ($1, "
                        "$2, $3) ON CONFLICT (tenant_id) DO UPDATE SET recalled = "
                        "EXCLUDED.recalled, expired = EXCLUDED.expired, updated_at = now()",
                        3, p, err);
}

px_rc px_store_vrs_log_insert(px_db *db, const px_vrs_log *l, px_err *err)
{
    const char *verified = l->verified < 0 ? NULL : l->verified ? "t" : "f";
    const char *p[] = {l->at,        l->kind,    l->tenant_id,     l->requester_id,
                       l->key_id,    l->req_gln, l->responder_gln, l->gtin,
                       l->lot,       l->serial,  l->exp,           l->context,
                       l->corr_uuid, verified,   l->reason,        l->info};
    PGresult *r = px__exec_cached(
        db, PX__Q_VRS_LOG,
        "INSERT INTO vrs_request (at, kind, tenant_id, requester_id, key_id, req_gln, "
        "responder_gln, gtin, lot, serial, exp, context, corr_uuid, verified, failure_reason, "
        "additional_info) VALUES ($1::timestamptz, $2, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8, "
        "$9, $10, $11, $12, $13, $14::bool, $15, $16)",
        16, p, err);
    if (!r)
        return err->rc;
    PQclear(r);
    return PX_OK;
}

static void log_row(px_vrs_log_row *o, const PGresult *r, int i)
{
    memset(o, 0, sizeof(*o));
    px_strlcpy(o->id, px__val(r, i, 0), sizeof(o->id));
    px_strlcpy(o->at, px__val(r, i, 1), sizeof(o->at));
    px_strlcpy(o->kind, px__val(r, i, 2), sizeof(o->kind));
    px_strlcpy(o->requester_id, px__val(r, i, 3), sizeof(o->requester_id));
    px_strlcpy(o->key_id, px__val(r, i, 4), sizeof(o->key_id));
    px_strlcpy(o->req_gln, px__val(r, i, 5), sizeof(o->req_gln));
    px_strlcpy(o->responder_gln, px__val(r, i, 6), sizeof(o->responder_gln));
    px_strlcpy(o->gtin, px__val(r, i, 7), sizeof(o->gtin));
    px_strlcpy(o->lot, px__val(r, i, 8), sizeof(o->lot));
    px_strlcpy(o->serial, px__val(r, i, 9), sizeof(o->serial));
    px_strlcpy(o->exp, px__val(r, i, 10), sizeof(o->exp));
    px_strlcpy(o->context, px__val(r, i, 11), sizeof(o->context));
    px_strlcpy(o->corr_uuid, px__val(r, i, 12), sizeof(o->corr_uuid));
    o->verified = px__isnull(r, i, 13) ? -1 : px__val(r, i, 13)[0] == 't';
    px_strlcpy(o->reason, px__val(r, i, 14), sizeof(o->reason));
    px_strlcpy(o->info, px__val(r, i, 15), sizeof(o->info));
}

px_rc px_store_vrs_log_page(px_db *db, const char *org_id, int as_requester, const char *after_id,
                            long limit, px_vrs_log_fn fn, void *ctx, px_err *err)
{
    char lim[24];
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *p[] = {org_id, as_requester ? "t" : "f", after_id && *after_id ? after_id : NULL,
                       lim};
    /* Keyset paging on (at, id), newest first, as every list (docs/api.md "Paging"). */
    PGresult *r = px__exec(
        db,
        "SELECT v.id, " PX__SQL_ISO("v.at") ", "
        "v.kind, v.requester_id, v.key_id, v.req_gln, v.responder_gln, v.gtin, "
        "coalesce(v.lot, ''), coalesce(v.serial, ''), coalesce(v.exp, ''), v.context, "
        "coalesce(v.corr_uuid, ''), v.verified, coalesce(v.failure_reason, ''), "
        "coalesce(v.additional_info, '') FROM vrs_request v WHERE (($2::bool AND "
        "v.requester_id = $1::uuid) OR (NOT $2::bool AND v.tenant_id = $1::uuid)) AND ($3::uuid IS "
        "NULL OR "
        "(v.at, v.id) < (SELECT k.at, k.id FROM vrs_request k WHERE k.id = $3::uuid AND "
        "(($2::bool AND k.requester_id = $1::uuid) OR (NOT $2::bool AND k.tenant_id = "
        "$1::uuid)))) "
        "ORDER BY v.at DESC, v.id DESC LIMIT $4::bigint",
        4, p, err);
    if (!r)
        return err->rc;
    PX__EACH_ROW(r, px_vrs_log_row, log_row, fn, ctx);
    return PX_OK;
}
