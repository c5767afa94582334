#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"
#include "store_internal.h"

#define PRODUCT_COLS                                                                        \
    "gtin, mah_id, company_prefix_length, name, market, coalesce(nhrn_ai, ''), "            \
    "coalesce(nhrn_value, ''), coalesce(master_data->>'regulated_product_name', ''), "      \
    "coalesce(master_data->>'dosage_form', ''), coalesce(master_data->>'strength', ''), "   \
    "coalesce(master_data->>'pack_size', ''), coalesce(master_data->>'manufacturer', ''), " \
    "coalesce(master_data->>'ndc', ''), coalesce(serial_strategy, ''), "                    \
    "coalesce(serial_length, 0), coalesce(serial_symbols, ''), issued_count, "              \
    PX__SQL_ISO("created_at") ", master_version"

static void product_row(px_product *p, const PGresult *r, int i)
{
    memset(p, 0, sizeof(*p));
    px_strlcpy(p->gtin, px__val(r, i, 0), sizeof(p->gtin));
    px_strlcpy(p->mah_id, px__val(r, i, 1), sizeof(p->mah_id));
    p->company_prefix_length = (int)strtol(px__val(r, i, 2), NULL, 10);
    px__texts(r, i, 3, PX__TEXT(p->name), PX__TEXT(p->market), PX__TEXT(p->nhrn_ai),
              PX__TEXT(p->nhrn_value), NULL);
    px_master_data *m = &p->master;
    px__texts(r, i, 7, PX__TEXT(m->regulated_product_name), PX__TEXT(m->dosage_form),
              PX__TEXT(m->strength), PX__TEXT(m->pack_size), PX__TEXT(m->manufacturer),
              PX__TEXT(m->ndc), PX__TEXT(p->serial_strategy), NULL);
    p->has_settings = p->serial_strategy[0] != '\0';
    p->serial_length = (int)strtol(px__val(r, i, 14), NULL, 10);
    px_strlcpy(p->serial_symbols, px__val(r, i, 15), sizeof(p->serial_symbols));
    p->issued_count = strtoll(px__val(r, i, 16), NULL, 10);
    px_strlcpy(p->created_at, px__val(r, i, 17), sizeof(p->created_at));
    p->master_version = (int)strtol(px__val(r, i, 18), NULL, 10);
}

/* The optional members an insert and an update both write, in this order: the NHRN, then
 * the master data (SQL NULL where empty: jsonb_strip_nulls drops them). */
static void optional_params(const char *out[8], const px_product *p)
{
    const px_master_data *m = &p->master;
    const char *v[8] = {p->nhrn_ai,  p->nhrn_value, m->regulated_product_name, m->dosage_form,
                        m->strength, m->pack_size,  m->manufacturer,           m->ndc};
    for (int i = 0; i < 8; i++)
        out[i] = px__nz(v[i]);
}

px_rc px_store_product_insert(px_db *db, px_product *p, px_err *err)
{
    const char *params[13] = {p->gtin, p->mah_id, PX__INT(p->company_prefix_length), p->name,
                              p->market};
    optional_params(params + 5, p);
    /* ON CONFLICT DO NOTHING + no row back = the GTIN is taken (by this or another MAH). */
    PGresult *r = px__exec(
        db,
        "INSERT INTO product (gtin, mah_id, company_prefix_length, name, market, nhrn_ai, "
        "nhrn_value, master_data) VALUES ($1, $2, $3, $4, $5, $6, $7, jsonb_strip_nulls("
        "jsonb_build_object('regulated_product_name', $8::text, 'dosage_form', $9::text, "
        "'strength', $10::text, 'pack_size', $11::text, 'manufacturer', $12::text, "
        "'ndc', $13::text))) ON CONFLICT (gtin) DO NOTHING RETURNING " PRODUCT_COLS,
        13, params, err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    if (PQntuples(r) == 0)
        rc = px_err_set(err, PX_EEXISTS, "product_exists",
                        "GTIN %s is already registered", p->gtin);
    else
        product_row(p, r, 0);
    PQclear(r);
    return rc;
}

px_rc px_store_product_update(px_db *db, px_product *p, px_err *err)
{
    const char *params[10] = {p->gtin, p->name};
    optional_params(params + 2, p);
    PGresult *r = px__exec(
        db,
        "UPDATE product SET name = $2, nhrn_ai = $3, nhrn_value = $4, master_data = "
        "jsonb_strip_nulls(jsonb_build_object('regulated_product_name', $5::text, "
        "'dosage_form', $6::text, 'strength', $7::text, 'pack_size', $8::text, "
        "'manufacturer', $9::text, 'ndc', $10::text)), master_version = master_version + 1 "
        "WHERE gtin = $1 RETURNING " PRODUCT_COLS,
        10, params, err);
    return PX__ONE_ROW(r, err, product_row, p, "product_not_found", "product %s not found", p->gtin);
}

px_rc px_store_product_master_lock(px_db *db, const char *gtin, int exclusive, px_err *err)
{
    return px__exec_cmd(db,
                        exclusive ? "SELECT pg_advisory_xact_lock(" PX__LOCK_PRODUCT_MASTER
                                    ", hashtext($1::text))"
                                  : "SELECT pg_advisory_xact_lock_shared(" PX__LOCK_PRODUCT_MASTER
                                    ", hashtext($1::text))",
                        PX__ARGS(gtin), err);
}

px_rc px_store_product_release_markets(px_db *db, const char *gtin, char (*out)[3], int *n,
                                       px_err *err)
{
    *n = 0;
    PGresult *r = px__exec(db,
                           "SELECT DISTINCT market FROM market_release WHERE gtin = $1 "
                           "ORDER BY market",
                           PX__ARGS(gtin), err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r) && i < PX_MARKET_CODES; i++)
        px_strlcpy(out[(*n)++], px__val(r, i, 0), 3);
    PQclear(r);
    return PX_OK;
}

px_rc px_store_product_get(px_db *db, px_product *out, const char *gtin, int for_update,
                           px_err *err)
{
    PGresult *r =
        px__exec(db,
                 /* No key changes: rows referencing the product (its serials' inserts, which
                  * hold its key share) are not waited for. */
                 for_update ? "SELECT " PRODUCT_COLS " FROM product WHERE gtin = $1 FOR NO KEY "
                              "UPDATE"
                            : "SELECT " PRODUCT_COLS " FROM product WHERE gtin = $1",
                 PX__ARGS(gtin), err);
    return PX__ONE_ROW(r, err, product_row, out, "product_not_found", "product %s not found", gtin);
}

/* The CMO of $2 is actively partnered on the product. */
#define CMO_2_PARTNERED PX__CMO_PARTNERED("$2::uuid", "product.gtin")

px_rc px_store_product_each(px_db *db, const char *mah_id, const char *cmo_id,
                            const char *after, long limit, px_product_fn fn, void *ctx,
                            px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT " PRODUCT_COLS " FROM product WHERE gtin > $3 AND "
                           "(($1::uuid IS NOT NULL AND mah_id = $1::uuid) OR ($2::uuid IS NOT NULL "
                           "AND " CMO_2_PARTNERED ")) ORDER BY gtin LIMIT $4::bigint",
                           PX__ARGS(mah_id, cmo_id, after ? after : "", PX__INT(limit)), err);
    PX__RETURN_EACH_ROW(r, err, px_product, product_row, fn, ctx);
}
