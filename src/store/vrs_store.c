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
    /* The product row by its key and the pack by (gtin, serial): two index probes, one trip. */
    PGresult *r = px__exec_cached(
        db, PX__Q_VRS_LOOKUP,
        "SELECT p.mah_id, coalesce(o.gln, ''), s.gtin IS NOT NULL, " PX__SQL_PACK_STATE ", "
        "coalesce(s.batch, ''), coalesce(s.expiry, ''), "
        "coalesce(v.recalled, 'B2'), coalesce(v.expired, 'B1'), p.market FROM product p "
        "JOIN organization o ON o.id = p.mah_id LEFT JOIN serial s ON "
        "s.gtin = p.gtin AND s.serial = $2::text" PX__SQL_PACK_BATCH_JOIN
        " LEFT JOIN vrs_settings v ON v.tenant_id = p.mah_id WHERE p.gtin = $1",
        PX__ARGS(gtin, serial), err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1) {
        out->product_found = 1;
        px_strlcpy(out->tenant_id, px__val(r, 0, 0), sizeof(out->tenant_id));
        px_strlcpy(out->responder_gln, px__val(r, 0, 1), sizeof(out->responder_gln));
        out->found = px__val(r, 0, 2)[0] == 't';
        px__texts(r, 0, 3, PX__TEXT(out->state), PX__TEXT(out->reason), PX__TEXT(out->batch),
                  PX__TEXT(out->expiry), PX__TEXT(out->recalled), PX__TEXT(out->expired),
                  PX__TEXT(out->market), NULL);
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_vrs_settings_get(px_db *db, const char *tenant_id, char recalled[8], char expired[8],
                                px_err *err)
{
    PGresult *r = px__exec(db, "SELECT recalled, expired FROM vrs_settings WHERE tenant_id = $1",
                           PX__ARGS(tenant_id), err);
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
    return px__exec_cmd(db,
                        "INSERT INTO vrs_settings (tenant_id, recalled, expired) VALUES ($1, "
                        "$2, $3) ON CONFLICT (tenant_id) DO UPDATE SET recalled = "
                        "EXCLUDED.recalled, expired = EXCLUDED.expired, updated_at = now()",
                        PX__ARGS(tenant_id, recalled, expired), err);
}

px_rc px_store_vrs_log_insert(px_db *db, const px_vrs_log *l, px_err *err)
{
    const char *verified = l->verified < 0 ? NULL : l->verified ? "t" : "f";
    return px__cmd(
        px__exec_cached(
            db, PX__Q_VRS_LOG,
            "INSERT INTO vrs_request (at, kind, tenant_id, requester_id, key_id, req_gln, "
            "responder_gln, gtin, lot, serial, exp, context, corr_uuid, verified, failure_reason, "
            "additional_info, ctrl_possess_att, email, telephone) VALUES ($1::timestamptz, $2, "
            "$3::uuid, $4::uuid, $5::uuid, $6, $7, $8, $9, $10, $11, $12, $13, $14::bool, $15, "
            "$16, "
            "$17::bool, $18, $19)",
            PX__ARGS(l->at, l->kind, l->tenant_id, l->requester_id, l->key_id, l->req_gln,
                     l->responder_gln, l->gtin, l->lot, l->serial, l->exp, l->context, l->corr_uuid,
                     verified, l->reason, l->info, l->ctrl_possess_att, l->email, l->telephone),
            err),
        err);
}

static void log_row(px_vrs_log_row *o, const PGresult *r, int i)
{
    memset(o, 0, sizeof(*o));
    px__texts(r, i, 0, PX__TEXT(o->id), PX__TEXT(o->at), PX__TEXT(o->kind),
              PX__TEXT(o->requester_id), PX__TEXT(o->key_id), PX__TEXT(o->req_gln),
              PX__TEXT(o->responder_gln), PX__TEXT(o->gtin), PX__TEXT(o->lot), PX__TEXT(o->serial),
              PX__TEXT(o->exp), PX__TEXT(o->context), PX__TEXT(o->corr_uuid), NULL);
    o->verified = px__isnull(r, i, 13) ? -1 : px__val(r, i, 13)[0] == 't';
    px_strlcpy(o->reason, px__val(r, i, 14), sizeof(o->reason));
    px_strlcpy(o->info, px__val(r, i, 15), sizeof(o->info));
    o->ctrl_possess_att = px__isnull(r, i, 16) ? -1 : px__val(r, i, 16)[0] == 't';
    px__texts(r, i, 17, PX__TEXT(o->email), PX__TEXT(o->telephone), NULL);
}

px_rc px_store_vrs_log_page(px_db *db, const char *org_id, int as_requester, const char *after_id,
                            long limit, px_vrs_log_fn fn, void *ctx, px_err *err)
{
    /* clang-format off */
    PGresult *r = px__page(
        db,
        PX__PAGE("SELECT q.id, " PX__SQL_ISO("q.at") ", q.kind, q.requester_id, q.key_id, "
                 "q.req_gln, q.responder_gln, q.gtin, coalesce(q.lot, ''), coalesce(q.serial, ''), "
                 "coalesce(q.exp, ''), q.context, coalesce(q.corr_uuid, ''), q.verified, "
                 "coalesce(q.failure_reason, ''), coalesce(q.additional_info, ''), "
                 "q.ctrl_possess_att, coalesce(q.email, ''), coalesce(q.telephone, ''), q.at "
                 "FROM vrs_request q WHERE ($2::bool AND q.requester_id = $1::uuid) OR "
                 "(NOT $2::bool AND q.tenant_id = $1::uuid)",
                 "true", "$3", "$4"),
        PX__ARGS(org_id, as_requester ? "t" : "f"), after_id, limit, err);
    /* clang-format on */
    PX__RETURN_EACH_ROW(r, err, px_vrs_log_row, log_row, fn, ctx);
}
