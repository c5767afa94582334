#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"
#include "store_internal.h"

/* REQ-SSCC-8: the organization's company prefixes beyond its GLN's, one text. */
#define ORG_PREFIXES                                                                               \
    "coalesce((SELECT string_agg(x.company_prefix, ',' ORDER BY x.company_prefix) FROM "           \
    "org_company_prefix x WHERE x.org_id = organization.id), '')"
#define ORG_COLS                                                                                   \
    "id, kind, name, coalesce(gln, ''), coalesce(market, ''), " PX__SQL_ISO(                       \
        "created_at") ", coalesce(gln_prefix_length, 0), " ORG_PREFIXES

static void org_row(px_org *o, const PGresult *r, int i)
{
    px__texts(r, i, 0, PX__TEXT(o->id), PX__TEXT(o->kind), PX__TEXT(o->name), PX__TEXT(o->gln),
              PX__TEXT(o->market), PX__TEXT(o->created_at), NULL);
    o->gln_prefix_length = (int)strtol(px__val(r, i, 6), NULL, 10);
    px_strlcpy(o->company_prefixes, px__val(r, i, 7), sizeof(o->company_prefixes));
}

/* The organization's GLN and its company prefix length as parameters, NULL for none: a length
 * is stored only with a GLN. */
typedef struct gln_params {
    char len_text[8];
    const char *gln, *len;
} gln_params;

static void gln_params_set(gln_params *g, const px_org *org)
{
    snprintf(g->len_text, sizeof(g->len_text), "%d", org->gln_prefix_length);
    g->gln = px__nz(org->gln);
    g->len = g->gln && org->gln_prefix_length ? g->len_text : NULL;
}

px_rc px_store_org_insert(px_db *db, px_org *org, px_err *err)
{
    gln_params g;
    gln_params_set(&g, org);
    PGresult *r = px__exec(db,
                           "INSERT INTO organization (kind, name, gln, market, "
                           "gln_prefix_length) VALUES ($1, $2, $3, $4, $5::smallint) "
                           "RETURNING " ORG_COLS,
                           PX__ARGS(org->kind, org->name, g.gln, px__nz(org->market), g.len), err);
    return PX__INSERTED(r, err, org_row, org);
}

px_rc px_store_org_hold(px_db *db, const char *id, px_org_hold how, px_err *err)
{
    static const char *const sql[] = {
        [PX_ORG_HOLD_SHARE] = "SELECT 1 FROM organization WHERE id::text = lower($1) FOR SHARE",
        [PX_ORG_HOLD_CHANGE] =
            "SELECT 1 FROM organization WHERE id::text = lower($1) FOR NO KEY UPDATE",
        [PX_ORG_HOLD_GLN] = "SELECT 1 FROM organization WHERE id::text = lower($1) FOR UPDATE",
    };
    return px__exec_cmd(db, sql[how], PX__ARGS(id), err);
}

px_rc px_store_org_get(px_db *db, px_org *out, const char *id, px_err *err)
{
    /* ids come from outside: a malformed uuid is simply not found (no SQL error). */
    PGresult *r = px__exec(db, "SELECT " ORG_COLS " FROM organization WHERE id::text = lower($1)",
                           PX__ARGS(id), err);
    /* Not found as a foreign one's. */
    return PX__ONE_ROW(r, err, org_row, out, "not_found", "organization not found");
}

px_rc px_store_org_count(px_db *db, const char *kind, long *out, px_err *err)
{
    long long n = 0;
    px_rc rc = px__exec_number(db, "SELECT count(*) FROM organization WHERE kind = $1",
                               PX__ARGS(kind), &n, err);
    if (rc == PX_OK)
        *out = (long)n;
    return rc;
}

px_rc px_store_org_each(px_db *db, px_org_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " ORG_COLS " FROM organization ORDER BY created_at, id",
                           0, NULL, err);
    PX__RETURN_EACH_ROW(r, err, px_org, org_row, fn, ctx);
}

px_rc px_store_first_start_lock(px_db *db, px_err *err)
{
    return px_db_exec(db, "SELECT pg_advisory_xact_lock(" PX__LOCK_FIRST_START ")", err);
}

px_rc px_store_org_update(px_db *db, px_org *org, px_err *err)
{
    gln_params g;
    gln_params_set(&g, org);
    PGresult *r = px__exec(db,
                           "UPDATE organization SET name = $2, gln = $3, "
                           "gln_prefix_length = $4::smallint WHERE id = $1::uuid "
                           "RETURNING " ORG_COLS,
                           PX__ARGS(org->id, org->name, g.gln, g.len), err);
    return PX__ONE_ROW(r, err, org_row, org, "not_found", "organization not found");
}

px_rc px_store_org_partners(px_db *db, int *out, const char *mah_id, const char *cmo_id,
                             px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT coalesce(bool_or(mah_id = $1::uuid), false), "
                           "coalesce(bool_or(mah_id <> $1::uuid), false) FROM partnership "
                           "WHERE cmo_id::text = lower($2)",
                           PX__ARGS(mah_id, cmo_id), err);
    if (!r)
        return err->rc;
    *out = px__val(r, 0, 0)[0] != 't' ? PX_PARTNER_NONE
           : px__val(r, 0, 1)[0] == 't' ? PX_PARTNER_SHARED
                                         : PX_PARTNER_SOLE;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_org_partner_mahs(px_db *db, const char *cmo_id,
                                int (*fn)(void *ctx, const char *mah_id), void *ctx, px_err *err)
{
    return px__each_text(px__exec(db,
                                  "SELECT DISTINCT mah_id::text FROM partnership WHERE cmo_id = "
                                  "$1::uuid ORDER BY 1",
                                  PX__ARGS(cmo_id), err),
                         fn, ctx, err);
}
