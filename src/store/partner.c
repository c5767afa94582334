#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_str.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO(col)
#define PS_COLS "s.id, s.mah_id, s.cmo_id, s.status, " TS("s.created_at") ", " TS("s.updated_at")

static void ps_row(px_partnership *p, const PGresult *r, int i)
{
    memset(p, 0, sizeof(*p));
    px__texts(r, i, 0, PX__TEXT(p->id), PX__TEXT(p->mah_id), PX__TEXT(p->cmo_id),
              PX__TEXT(p->status), PX__TEXT(p->created_at), PX__TEXT(p->updated_at), NULL);
}

static px_rc one(PGresult *r, px_partnership *out, px_err *err)
{
    return PX__ONE_ROW(r, err, ps_row, out, "not_found", "partnership not found");
}

px_rc px_store_partnership_insert(px_db *db, px_partnership *p, px_err *err)
{
    PGresult *r = px__exec(db,
                           "INSERT INTO partnership AS s (mah_id, cmo_id) VALUES ($1, $2) "
                           "ON CONFLICT (mah_id, cmo_id) DO NOTHING RETURNING " PS_COLS,
                           PX__ARGS(p->mah_id, p->cmo_id), err);
    if (r && PQntuples(r) == 0) {
        PQclear(r);
        return px_err_set(err, PX_EEXISTS, "partnership_exists",
                          "this CMO is already a partner; PATCH its partnership instead");
    }
    return one(r, p, err);
}

px_rc px_store_partnership_get(px_db *db, px_partnership *out, const char *id,
                               const char *mah_id, px_err *err)
{
    return one(px__exec(db,
                        "SELECT " PS_COLS " FROM partnership s WHERE s.id::text = lower($1) "
                        "AND s.mah_id = $2::uuid",
                        PX__ARGS(id, mah_id), err),
               out, err);
}

px_rc px_store_partnership_lock(px_db *db, px_partnership *out, const char *id, px_err *err)
{
    return one(px__exec(db,
                        "SELECT " PS_COLS " FROM partnership s WHERE s.id = $1::uuid FOR NO KEY "
                        "UPDATE",
                        PX__ARGS(id), err),
               out, err);
}

px_rc px_store_partnership_set_status(px_db *db, px_partnership *p, const char *status,
                                      px_err *err)
{
    return one(px__exec(db,
                        "UPDATE partnership s SET status = $2, updated_at = now() "
                        "WHERE s.id = $1::uuid RETURNING " PS_COLS,
                        PX__ARGS(p->id, status), err),
               p, err);
}

px_rc px_store_partnership_set_gtins(px_db *db, const char *partnership_id,
                                     const char *const *gtins, int n, px_err *err)
{
    /* One statement for the whole set: gtins travel as one text[] parameter. */
    px_buf arr;
    const char *a = px__text_array(&arr, gtins, (size_t)n, "products", err);
    const char *params[] = {partnership_id, a};
    px_rc rc = a ? PX_OK : err->rc;
    if (rc == PX_OK)
        rc = px__exec_cmd(db, "DELETE FROM partnership_product WHERE partnership_id = $1", 1,
                          params, err);
    if (rc == PX_OK)
        rc = px__exec_cmd(db,
                          "INSERT INTO partnership_product (partnership_id, gtin) "
                          "SELECT $1, g FROM unnest($2::text[]) AS g ON CONFLICT DO NOTHING",
                          2, params, err);
    px_buf_dispose(&arr);
    return rc;
}

px_rc px_store_partner_access(px_db *db, px_partnership *out, const char *cmo_id,
                              const char *gtin, px_err *err)
{
    const char *params[] = {cmo_id, gtin};
    /* In a writing transaction (a background job's too, which has no actor hold) the CMO's
     * partnerships are held (shared) until COMMIT: a change of one (partner_update_body locks
     * it first) waits for this work, and the read below, a statement of its own, sees a change
     * that committed while this waited. A read-only transaction (a standby's) takes no lock. */
    px_rc rc = px_db_in_tx(db) && db->tx_writes
                   ? px__exec_cmd(db, "SELECT 1 FROM partnership WHERE cmo_id = $1::uuid FOR SHARE",
                                  1, params, err)
                   : PX_OK;
    if (rc != PX_OK)
        return rc;
    rc = one(px__exec(db,
                      "SELECT " PS_COLS " FROM partnership s JOIN partnership_product pp ON "
                      "pp.partnership_id = s.id WHERE s.cmo_id = $1::uuid AND pp.gtin = $2",
                      2, params, err),
             out, err);
    if (rc == PX_ENOTFOUND)
        px_err_set(err, PX_ENOTFOUND, "product_not_found", "product %s not found", gtin);
    return rc;
}

px_rc px_store_partnership_between(px_db *db, px_partnership *out, const char *mah_id,
                                   const char *cmo_id, px_err *err)
{
    /* In a writing transaction the row is held (shared) until COMMIT, as px_store_partner_access
     * holds it: a change of the partnership waits for this work. */
    return one(px__exec(db,
                        px_db_in_tx(db) && db->tx_writes
                            ? "SELECT " PS_COLS " FROM partnership s WHERE s.mah_id = $1::uuid "
                              "AND s.cmo_id = $2::uuid FOR SHARE"
                            : "SELECT " PS_COLS " FROM partnership s WHERE s.mah_id = $1::uuid "
                              "AND s.cmo_id = $2::uuid",
                        PX__ARGS(mah_id, cmo_id), err),
               out, err);
}

px_rc px_store_partnership_each(px_db *db, const char *mah_id, const char *id, px_partnership_fn fn,
                                void *ctx, px_err *err)
{
    /* The granted GTINs come with each row (one statement for the whole list). */
    PGresult *r =
        px__exec(db,
                 "SELECT " PS_COLS ", (SELECT coalesce(json_agg(pp.gtin ORDER BY "
                 "pp.gtin), '[]')::text FROM partnership_product pp "
                 "WHERE pp.partnership_id = s.id) FROM partnership s "
                 "WHERE s.mah_id = $1::uuid AND ($2::text IS NULL OR s.id::text = lower($2)) "
                 "ORDER BY s.created_at, s.id",
                 PX__ARGS(mah_id, id), err);
    if (!r)
        return err->rc;
    if (id && PQntuples(r) == 0) {
        PQclear(r);
        return px_err_set(err, PX_ENOTFOUND, "not_found", "partnership not found");
    }
    for (int i = 0; i < PQntuples(r); i++) {
        px_partnership p;
        ps_row(&p, r, i);
        p.gtins_json = px__val(r, i, 6);
        if (fn(ctx, &p))
            break;
    }
    PQclear(r);
    return PX_OK;
}
