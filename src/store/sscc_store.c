/* SQL of the packing hierarchy (sscc_store.h, docs/aggregation.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_sql.h"
#include "lifecycle_store.h"
#include "px_array.h"
#include "px_str.h"
#include "sscc_store.h"
#include "store_internal.h"

#define TSUS(n) PX__SQL_US(n)
#define ISO(col) PX__SQL_ISO(col)

/* ---- SSCC pools ------------------------------------------------------------------------ */

/* The products org_id may use: its own, and those it is actively partnered on. */
#define MAY_USE(p) "(" p ".mah_id = $1::uuid OR " PX__CMO_PARTNERED("$1::uuid", p ".gtin") ")"

/* The company prefixes org_id may use: those of its own products, and of the products it is
 * actively partnered on (docs/aggregation.md "SSCC pools": a MAH may hand its SSCCs to a CMO). */
#define PREFIXES                                                                                   \
    "SELECT DISTINCT p.mah_id::text AS mah, substr(p.gtin, 2, p.company_prefix_length) AS gcp "    \
    "FROM product p WHERE " MAY_USE("p")

/* A CMO's own company prefixes (og.gcp) beside organization o: its GLN's (REQ-SSCC-6) and
 * those it lists beyond it (REQ-SSCC-8, org_company_prefix). */
#define CMO_GCPS                                                                                   \
    " JOIN LATERAL (SELECT left(o.gln, o.gln_prefix_length) AS gcp WHERE o.gln_prefix_length IS "  \
    "NOT NULL UNION SELECT x.company_prefix FROM org_company_prefix x WHERE x.org_id = o.id) og "  \
    "ON true "

/* The CMO $1's own prefixes (og.gcp), once per MAH it is actively partnered with (ps) on a
 * product at least: a partnership that grants none lets the CMO move no container of that MAH
 * (service/container_read.c, px__container_cmo_partnered), so it numbers none for it either. As
 * mah and gcp; the statement's own condition follows. */
#define CMO_OWN_PREFIXES(distinct)                                                                 \
    "SELECT " distinct " ps.mah_id::text AS mah, og.gcp FROM organization o JOIN partnership ps "  \
    "ON ps.cmo_id = o.id AND ps.status = 'active' AND " PX__PARTNERSHIP_GRANTS_ANY("ps.id")        \
        CMO_GCPS "WHERE o.id = $1::uuid AND o.kind = 'cmo' AND "

/* REQ-SSCC-7: only when named ($2), so a CMO that registers its GLN keeps allocating under its
 * one MAH prefix without naming it. */
#define OWN_ALLOC_PREFIXES CMO_OWN_PREFIXES("") "$2::text <> ''"

px_rc px_store_sscc_alloc_prefix(px_db *db, px_sscc_prefix_pick *out, const char *org_id,
                                 const char *prefix, const char *mah, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT coalesce(min(mah), ''), coalesce(min(gcp), ''), "
                           "count(DISTINCT gcp), count(DISTINCT mah) FROM (" PREFIXES
                           " UNION " OWN_ALLOC_PREFIXES ") g WHERE ($2::text = '' OR gcp = "
                           "$2::text) AND ($3::text = '' OR mah = $3::text)",
                           PX__ARGS(org_id, prefix, mah), err);
    if (!r)
        return err->rc;
    memset(out, 0, sizeof(*out));
    px_strlcpy(out->mah, px__val(r, 0, 0), sizeof(out->mah));
    px_strlcpy(out->gcp, px__val(r, 0, 1), sizeof(out->gcp));
    out->n_gcp = strtol(px__val(r, 0, 2), NULL, 10);
    out->n_mah = strtol(px__val(r, 0, 3), NULL, 10);
    PQclear(r);
    return PX_OK;
}

px_rc px_store_sscc_product_mah(px_db *db, char mah[PX_ID_LEN + 1], const char *gtin14,
                                const char *org_id, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT p.mah_id FROM product p WHERE p.gtin = $2 AND " MAY_USE("p"),
                           PX__ARGS(org_id, gtin14), err);
    px_rc rc = px__one(r, err, "product_not_found", "product %s not found", gtin14);
    if (rc == PX_OK)
        px_strlcpy(mah, px__val(r, 0, 0), PX_ID_LEN + 1);
    else if (rc == PX_ENOTFOUND)
        px_err_field(err, "gtin");
    PQclear(r);
    return rc;
}

px_rc px_store_sscc_owner_of(px_db *db, char tenant_id[PX_ID_LEN + 1], char prefix[13],
                             const char *sscc, const char *org_id, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT mah, gcp FROM (" PREFIXES ") g WHERE substr($2, 2, "
                           "length(gcp)) = gcp ORDER BY length(gcp) DESC LIMIT 1",
                           PX__ARGS(org_id, sscc), err);
    px_rc rc = px__one(r, err, "not_found", "container %s not found", sscc);
    if (rc == PX_OK) {
        px_strlcpy(tenant_id, px__val(r, 0, 0), PX_ID_LEN + 1);
        px_strlcpy(prefix, px__val(r, 0, 1), 13);
    }
    PQclear(r);
    return rc;
}

/* REQ-SSCC-6: a CMO's own company prefix is the GS1 Company Prefix of its GLN (organization.gln
 * and gln_prefix_length, the prefix it registered with GS1), or one it lists beyond it
 * (REQ-SSCC-8): a line that numbers its own SSCCs builds them under it (the GS1 General
 * Specifications: the SSCC carries the prefix of whoever builds the unit; docs/aggregation.md
 * "SSCC pools"). Such a container belongs to the MAH it
 * is packed for: one the CMO is actively partnered with on a listed pack child's GTIN ($3), or
 * the MAH of a listed container child ($4). */
#define OWN_PREFIXES                                                                               \
    CMO_OWN_PREFIXES("DISTINCT")                                                                   \
    "(EXISTS (SELECT 1 FROM partnership_product pp WHERE pp.partnership_id = ps.id AND pp.gtin = " \
    "ANY($3::text[])) OR EXISTS (SELECT 1 FROM sscc x WHERE x.sscc = ANY($4::text[]) AND "         \
    "x.tenant_id = ps.mah_id AND x.org_id = o.id))"

px_rc px_store_sscc_register_external(px_db *db, const char *const *ssccs, size_t n,
                                      const px_agg_child *kids, size_t n_kids, const char *org_id,
                                      int *usable, long *added, px_err *err)
{
    *added = 0;
    memset(usable, 0, n * sizeof(*usable));
    px_buf b, bg, bs;
    px_buf_init(&bg, 0);
    px_buf_init(&bs, 0);
    const char **gt = calloc(n_kids + 1, sizeof(*gt)), **ss = calloc(n_kids + 1, sizeof(*ss));
    size_t ng = 0, ns = 0;
    for (size_t i = 0; gt && ss && i < n_kids; i++) {
        if (kids[i].gtin)
            gt[ng++] = kids[i].gtin;
        else if (kids[i].sscc)
            ss[ns++] = kids[i].sscc;
    }
    const char *a = px__text_array(&b, ssccs, n, "children", err);
    const char *ag = a && gt && ss ? px__text_array(&bg, gt, ng, "children", err) : NULL;
    const char *as = ag ? px__text_array(&bs, ss, ns, "children", err) : NULL;
    px_rc rc = PX_OK;
    if (!gt || !ss)
        rc = px_err_oom(err);
    else if (!as)
        rc = err->rc;
    PGresult *r = NULL;
    if (rc == PX_OK) {
        /* REQ-SSCC-5: an outside SSCC is accepted at its first packing when its prefix is one
         * the caller may use (the longest that matches) and it is new; its check digit was
         * checked before any SQL. Of a CMO's own prefix partnered with several MAHs, the one
         * first by id: the child rules refuse children of any other. Every SSCC of such a
         * prefix is answered (u), new or not, so an SSCC of a prefix the caller may not use is
         * refused alike whether another organization numbered it or nobody did. */
        r = px__exec(db,
                     "WITH u AS (SELECT DISTINCT ON (t.s) t.s, t.i, g.gcp, g.mah FROM "
                     "unnest($2::text[]) WITH ORDINALITY AS t(s, i) JOIN (" PREFIXES
                     " UNION " OWN_PREFIXES
                     ") g ON substr(t.s, 2, length(g.gcp)) = g.gcp ORDER BY t.s, "
                     "length(g.gcp) DESC, g.mah), "
                     "ins AS (INSERT INTO sscc (sscc, company_prefix, tenant_id, org_id, origin) "
                     "SELECT u.s, u.gcp, u.mah::uuid, $1::uuid, 'external' FROM u "
                     "ON CONFLICT (sscc) DO NOTHING RETURNING sscc) "
                     "SELECT u.i, (SELECT count(*) FROM ins) FROM u",
                     PX__ARGS(org_id, a, ag, as), err);
        if (!r)
            rc = err->rc;
    }
    if (r) {
        for (int i = 0; i < PQntuples(r); i++) {
            long at = strtol(px__val(r, i, 0), NULL, 10);
            if (at >= 1 && (size_t)at <= n)
                usable[at - 1] = 1;
            *added = strtol(px__val(r, i, 1), NULL, 10);
        }
        PQclear(r);
    }
    free(gt);
    free(ss);
    px_buf_dispose(&b);
    px_buf_dispose(&bg);
    px_buf_dispose(&bs);
    return rc;
}

px_rc px_store_sscc_sequence_take(px_db *db, uint64_t *first, const char *prefix, int ext, long n,
                                  px_err *err)
{
    /* The row lock of the upsert orders concurrent allocations of one sequence: each takes a
     * block the other never sees. */
    long long taken = 0;
    px_rc rc = px__exec_number(db,
                               "INSERT INTO sscc_sequence AS q (company_prefix, extension_digit, "
                               "next_ref) VALUES ($1, $2::smallint, $3::bigint) ON CONFLICT "
                               "(company_prefix, extension_digit) DO UPDATE SET next_ref = "
                               "q.next_ref + $3::bigint RETURNING next_ref - $3::bigint",
                               PX__ARGS(prefix, PX__INT(ext), PX__INT(n)), &taken, err);
    *first = (uint64_t)taken;
    return rc;
}

#define ALLOC_COLS                                                                                 \
    "id, org_id, tenant_id, company_prefix, extension_digit, strategy, count, "                    \
    "coalesce(job_id::text, ''), " ISO("created_at")

static void alloc_row(px_sscc_allocation *a, const PGresult *r, int i)
{
    memset(a, 0, sizeof(*a));
    px__texts(r, i, 0, PX__TEXT(a->id), PX__TEXT(a->org_id), PX__TEXT(a->tenant_id),
              PX__TEXT(a->company_prefix), NULL);
    a->extension_digit = (int)strtol(px__val(r, i, 4), NULL, 10);
    px_strlcpy(a->strategy, px__val(r, i, 5), sizeof(a->strategy));
    a->count = strtol(px__val(r, i, 6), NULL, 10);
    px_strlcpy(a->job_id, px__val(r, i, 7), sizeof(a->job_id));
    px_strlcpy(a->created_at, px__val(r, i, 8), sizeof(a->created_at));
}

px_rc px_store_sscc_allocation_insert(px_db *db, px_sscc_allocation *a, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "INSERT INTO sscc_allocation (org_id, tenant_id, company_prefix, "
                 "extension_digit, strategy, count, job_id) VALUES ($1::uuid, "
                 "$2::uuid, $3, $4::smallint, $5, $6::integer, $7::uuid) RETURNING " ALLOC_COLS,
                 PX__ARGS(a->org_id, a->tenant_id, a->company_prefix, PX__INT(a->extension_digit),
                          a->strategy, PX__INT(a->count), px__nz(a->job_id)),
                 err);
    return PX__INSERTED(r, err, alloc_row, a);
}

px_rc px_store_sscc_allocation_get(px_db *db, px_sscc_allocation *out, const char *id, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " ALLOC_COLS " FROM sscc_allocation WHERE id = $1::uuid",
                           PX__ARGS(id), err);
    return PX__ONE_ROW(r, err, alloc_row, out, "not_found", "allocation %s not found", id);
}

/* Runs sql with $1 the SSCCs ssccs[n] as a text array and $2… the np values of more: the one
 * shape of every statement over a list of containers. NULL (err set) on failure. */
#define SSCCS_MORE_MAX 9
static PGresult *exec_on_ssccs(px_db *db, const char *sql, const char *const *ssccs, size_t n,
                               int np, const char *const *more, px_err *err)
{
    const char *p[1 + SSCCS_MORE_MAX];
    px_buf b;
    PGresult *r = NULL;
    if (np > SSCCS_MORE_MAX) {
        px_err_set(err, PX_EINTERNAL, "internal", "too many parameters");
        return NULL;
    }
    if ((p[0] = px__text_array(&b, ssccs, n, "children", err))) {
        for (int i = 0; i < np; i++)
            p[i + 1] = more[i];
        r = px__exec(db, sql, 1 + np, p, err);
    }
    px_buf_dispose(&b);
    return r;
}

static px_rc cmd_on_ssccs(px_db *db, const char *sql, const char *const *ssccs, size_t n, int np,
                          const char *const *more, px_err *err)
{
    return px__cmd(exec_on_ssccs(db, sql, ssccs, n, np, more, err), err);
}

/* px__changed that adds the rows r wrote to *n: a write of several statements counts them all. */
static px_rc count_cmd(PGresult *r, long *n, px_err *err)
{
    long long k = 0;
    px_rc rc = px__changed(r, &k, err);
    *n += (long)k;
    return rc;
}

px_rc px_store_sscc_insert(px_db *db, long *inserted, const char *const *ssccs, size_t n,
                           const char *prefix, const char *tenant_id, const char *org_id,
                           const char *allocation_id, const char *origin, px_err *err)
{
    *inserted = 0;
    /* REQ-SSCC-2: an SSCC is unique forever: one already known (generated, external, or of
     * another allocation) is never inserted again; the caller makes up the shortfall. */
    return count_cmd(
        exec_on_ssccs(db,
                      "INSERT INTO sscc (sscc, company_prefix, tenant_id, org_id, "
                      "allocation_id, origin) SELECT t.s, $2, $3::uuid, $4::uuid, "
                      "$5::uuid, $6 FROM unnest($1::text[]) AS t(s) ORDER BY t.s "
                      "ON CONFLICT (sscc) DO NOTHING",
                      ssccs, n, PX__ARGS(prefix, tenant_id, org_id, px__nz(allocation_id), origin),
                      err),
        inserted, err);
}

static void sscc_item_row(px_sscc_item *it, const PGresult *r, int i)
{
    *it = (px_sscc_item){px__val(r, i, 0), px__val(r, i, 1)};
}

px_rc px_store_sscc_each(px_db *db, const char *allocation_id, const char *after, long limit,
                         int hide_released, px_sscc_item_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(
        db,
        "SELECT sscc, state FROM sscc WHERE allocation_id = $1::uuid AND "
        "sscc > $2 AND NOT ($4::bool AND " PX_SSCC_RELEASED("sscc") ") ORDER BY sscc "
                                                                    "LIMIT $3::bigint",
        PX__ARGS(allocation_id, after ? after : "", PX__INT(limit), hide_released ? "t" : "f"),
        err);
    PX__RETURN_EACH_ROW(r, err, px_sscc_item, sscc_item_row, fn, ctx);
}

/* ---- containers ------------------------------------------------------------------------ */

void px__container_row(px_container *c, const PGresult *r, int i)
{
    memset(c, 0, sizeof(*c));
    px__texts(r, i, 0, PX__TEXT(c->sscc), PX__TEXT(c->company_prefix), PX__TEXT(c->tenant_id),
              PX__TEXT(c->org_id), PX__TEXT(c->state), PX__TEXT(c->parent), PX__TEXT(c->origin),
              NULL);
    c->released = px__val(r, i, 7)[0] == '1';
}

px_rc px_store_container_get(px_db *db, px_container *out, const char *sscc, int for_update,
                             px_err *err)
{
#define CONTAINER_GET "SELECT " PX_CONTAINER_COLS("x") " FROM sscc x WHERE x.sscc = $1"
    PGresult *r =
        px__exec(db, for_update ? CONTAINER_GET " FOR UPDATE" : CONTAINER_GET, PX__ARGS(sscc), err);
#undef CONTAINER_GET
    return PX__ONE_ROW(r, err, px__container_row, out, "not_found", "container %s not found", sscc);
}

px_rc px_store_container_commission(px_db *db, const char *sscc, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE sscc SET state = 'commissioned', commissioned_at = now() "
                        "WHERE sscc = $1 AND state = 'allocated'",
                        PX__ARGS(sscc), err);
}

static px_rc chain(px_db *db, const char *sql, int np, const char *const *p, char (*out)[19],
                   size_t max, size_t *n, px_err *err)
{
    *n = 0;
    PGresult *r = px__exec(db, sql, np, p, err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    if ((size_t)PQntuples(r) > max) /* never a list cut short without a word */
        rc = px_err_set(err, PX_EINTERNAL, "internal", "a chain of %d containers, past %zu",
                        PQntuples(r), max);
    for (int i = 0; rc == PX_OK && i < PQntuples(r); i++)
        px_strlcpy(out[(*n)++], px__val(r, i, 0), 19);
    PQclear(r);
    return rc;
}

/* The containers above start (a container's parent first); for a CMO (cmo, a uuid's text;
 * NULL: everyone else) up to the first it may not see (PX_AGG_CMO_BOX): of another's
 * container it learns nothing, not even what holds it. */
#define ANCESTORS_OF(start, cmo)                                                                   \
    "WITH RECURSIVE a(s, d) AS (SELECT " start ", 1 UNION ALL " PX_AGG_UP_STEP ") "                \
    "SELECT s FROM a WHERE s IS NOT NULL AND (" cmo "::uuid IS NULL OR d < coalesce((SELECT "      \
    "min(h.d) FROM a h JOIN sscc x ON x.sscc = h.s WHERE NOT " PX_AGG_CMO_BOX(                     \
        "x", cmo) "), " PX_AGG_DEPTH_GUARD " + 1)) ORDER BY d"

px_rc px_store_pack_parents(px_db *db, char (*out)[19], size_t max, size_t *n, const char *gtin,
                            const char *serial, const char *cmo_org, px_err *err)
{
    return chain(db,
                 /* a pack in a case that carries its own GTIN: the case's containers (none for
                  * a CMO that may not see the case) */
                 ANCESTORS_OF("(SELECT coalesce(s.parent_sscc, c.parent_sscc) FROM serial s "
                              "LEFT JOIN serial c ON c.gtin = s.parent_gtin AND c.serial = "
                              "s.parent_serial WHERE s.gtin = $1 AND s.serial = $2 AND (c.gtin "
                              "IS NULL OR " PX__CMO_SEES("c", "$3") "))",
                              "$3"),
                 PX__ARGS(gtin, serial, px__nz(cmo_org)), out, max, n, err);
}

/* Packs whose container is one of t's, found through serial_parent by t's list: the planner
 * guesses a recursive CTE at thousands of rows (it has a few hundred at most), and joined on
 * parent_sscc it could merge t with the whole serial_parent index — every packed pack of the
 * database read for one pallet (0.9 s a pallet at 100,000 packs). An array the executor
 * builds once keeps the read to the containers' own packs. */
#define IN_T(col) " " col " = ANY (ARRAY(SELECT sscc FROM t)) "

/* The containers below $1 with their depth (the container itself at 0); for a CMO (cmo, a
 * uuid's text; NULL: everyone else) only those it may see (PX_AGG_CMO_BOX), and nothing below
 * one it may not: another's container in its pallet is not shown, nor what it holds. */
#define SUBTREE(cmo)                                                                               \
    "WITH RECURSIVE t(sscc, depth) AS (SELECT $1::char(18), 0 UNION ALL SELECT x.sscc, "           \
    "t.depth + 1 FROM sscc x JOIN t ON x.parent_sscc = t.sscc WHERE t.depth < " PX_AGG_DEPTH_GUARD \
    " AND (" cmo "::uuid IS NULL OR " PX_AGG_CMO_BOX("x", cmo) ")) "

static void tree_row(px_tree_row *row, const PGresult *r, int i)
{
    *row = (px_tree_row){px__val(r, i, 0),
                         px__val(r, i, 1),
                         px__val(r, i, 2),
                         px__val(r, i, 3),
                         px__val(r, i, 4),
                         px__val(r, i, 5),
                         (int)strtol(px__val(r, i, 6), NULL, 10)};
}

/* A pack row s a CMO ($n, a uuid's text; NULL: not a CMO, every row) sees: service/
 * pack_internal.h's px__cmo_sees in SQL, as px_store_export_freeze's manifest query. */
px_rc px_store_container_tree_each(px_db *db, const char *sscc, int all, const char *cmo_org,
                                   px_tree_row_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(
        db,
        SUBTREE("$3") "SELECT * FROM (SELECT x.sscc::text AS sscc, '' AS gtin, '' AS serial, '' AS "
                      "batch, "
                      "x.parent_sscc::text AS parent, x.state, t.depth FROM t JOIN sscc x ON "
                      "x.sscc = t.sscc "
                      "WHERE t.depth BETWEEN 1 AND $2::int UNION ALL SELECT '', s.gtin, s.serial, "
                      "coalesce(s.batch, ''), s.parent_sscc::text, s.state, t.depth + 1 FROM t "
                      "JOIN serial s ON "
                      "s.parent_sscc = t.sscc WHERE t.depth < $2::int AND s.parent_sscc = ANY "
                      "(ARRAY(SELECT "
                      "sscc FROM t WHERE depth < $2::int)) AND " PX__CMO_SEES(
                          "s", "$3") ") n "
                                     "ORDER BY depth, sscc = '', sscc, gtin, serial",
        PX__ARGS(sscc, all ? PX_AGG_DEPTH_GUARD : "1", px__nz(cmo_org)), err);
    PX__RETURN_EACH_ROW(r, err, px_tree_row, tree_row, fn, ctx);
}

static void tree_count_row(px_tree_count *c, const PGresult *r, int i)
{
    *c = (px_tree_count){(int)strtol(px__val(r, i, 0), NULL, 10), px__val(r, i, 1),
                         px__val(r, i, 2), strtoll(px__val(r, i, 3), NULL, 10)};
}

px_rc px_store_container_counts_each(px_db *db, const char *sscc, const char *cmo_org,
                                     px_tree_count_fn fn, void *ctx, px_err *err)
{
    /* REQ-AGG-16: a case that carries its own GTIN (a serial that has been the parent of a
     * packing: its events name it, container_event_case) is a container of its level, not a
     * pack of the case GTIN, whether it holds packs or none; the packs in it count one level
     * below. */
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        SUBTREE("$2") ", k AS (SELECT s.gtin, s.serial, coalesce(s.batch, '') AS batch, t.depth + 1 "
                "AS depth, EXISTS (SELECT 1 FROM container_event e WHERE e.parent_gtin = s.gtin "
                "AND e.parent_serial = s.serial) AS is_case FROM t JOIN serial s ON "
                "s.parent_sscc = t.sscc WHERE" IN_T("s.parent_sscc") "AND " PX__CMO_SEES("s", "$2")
                ") "
                "SELECT depth, '', '', count(*) FROM (SELECT depth FROM t WHERE depth > 0 UNION "
                "ALL SELECT depth FROM k WHERE is_case) d GROUP BY depth "
                "UNION ALL SELECT depth, gtin, batch, count(*) FROM k WHERE NOT is_case "
                "GROUP BY 1, 2, 3 "
                "UNION ALL SELECT k.depth + 1, c.gtin, coalesce(c.batch, ''), count(*) FROM k "
                "JOIN serial c ON c.parent_gtin = k.gtin AND c.parent_serial = k.serial WHERE "
                "k.is_case AND " PX__CMO_SEES("c", "$2") " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        PX__ARGS(sscc, px__nz(cmo_org)), err);
    /* clang-format on */
    PX__RETURN_EACH_ROW(r, err, px_tree_count, tree_count_row, fn, ctx);
}

/* Whether the partnership $2 grants nothing, or a pack of the CMO $3 (allocated to or
 * commissioned by it, unreleased) below the container $1, or in a case there, is of a product
 * it does not grant: packs that move with the container (every container below it moves too,
 * whoever holds it). */
px_rc px_store_container_cmo_ungranted(px_db *db, const char *sscc, const char *partnership_id,
                                       const char *cmo_id, int *ungranted, px_err *err)
{
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "WITH RECURSIVE t(sscc, depth) AS (SELECT $1::char(18), 0 UNION ALL "
        "  SELECT x.sscc, t.depth + 1 FROM sscc x JOIN t ON x.parent_sscc = t.sscc "
        "  WHERE t.depth < " PX_AGG_DEPTH_GUARD "), "
        "k AS (SELECT s.gtin, s.serial, s.allocated_to, s.commissioned_by, s.released_at "
        "  FROM serial s WHERE" IN_T("s.parent_sscc") "), "
        "m AS (SELECT gtin, allocated_to, commissioned_by, released_at FROM k UNION ALL "
        "  SELECT c.gtin, c.allocated_to, c.commissioned_by, c.released_at FROM k "
        "  JOIN serial c ON c.parent_gtin = k.gtin AND c.parent_serial = k.serial) "
        "SELECT (NOT " PX__PARTNERSHIP_GRANTS_ANY("$2::uuid") " "
        "        OR EXISTS (SELECT 1 FROM m WHERE " PX__CMO_OWNS("m", "$3::uuid") " "
        "                   AND NOT EXISTS (SELECT 1 FROM partnership_product pp "
        "                               WHERE pp.partnership_id = $2::uuid "
        "                                 AND pp.gtin = m.gtin)))::int",
        PX__ARGS(sscc, partnership_id, cmo_id), err);
    /* clang-format on */
    if (!r)
        return err->rc;
    *ungranted = px__val(r, 0, 0)[0] == '1';
    PQclear(r);
    return PX_OK;
}

/* ---- shipping containers ----------------------------------------------------------------- */

/* The listed containers ($1) and every container below them, with the listed one's index. */
#define BELOW_LISTED                                                                               \
    "WITH RECURSIVE roots AS (SELECT r, o - 1 AS idx FROM unnest($1::char(18)[]) WITH "            \
    "ORDINALITY AS q(r, o)), t(sscc, root, depth) AS (SELECT x.sscc, roots.idx, 0 "                \
    "FROM roots JOIN sscc x ON x.sscc = roots.r UNION ALL SELECT x.sscc, t.root, "                 \
    "t.depth + 1 FROM sscc x JOIN t ON x.parent_sscc = t.sscc WHERE t.depth < " PX_AGG_DEPTH_GUARD \
    ") "

px_rc px_store_containers_missing(px_db *db, const char *tenant_id, const char *const *ssccs,
                                  size_t n, long **idx, size_t *n_idx, px_err *err)
{
    *idx = NULL;
    *n_idx = 0;
    PGresult *r = exec_on_ssccs(db,
                                "SELECT o - 1 FROM unnest($1::char(18)[]) WITH ORDINALITY AS "
                                "q(r, o) WHERE NOT EXISTS (SELECT 1 FROM sscc x WHERE x.sscc = "
                                "q.r AND x.tenant_id = $2::uuid) ORDER BY o",
                                ssccs, n, PX__ARGS(tenant_id), err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    int k = PQntuples(r);
    if (k > 0 && !(*idx = malloc((size_t)k * sizeof(**idx))))
        rc = px_err_oom(err);
    for (int i = 0; rc == PX_OK && i < k; i++)
        (*idx)[(*n_idx)++] = strtol(px__val(r, i, 0), NULL, 10);
    PQclear(r);
    return rc;
}

px_rc px_store_containers_lock(px_db *db, const char *const *ssccs, size_t n, px_err *err)
{
    /* The containers first, then the packs directly in them (cases among them), then the
     * packs in those cases, each in key order: packing, unpacking and repacking lock parents
     * before children too. A case and a loose pack of one pallet are locked together in key
     * order, so a packing of that pack into that case can meet this in the other order: one
     * of the two is then a deadlock that PostgreSQL ends and px_tx_run starts over, never a
     * wrong result. A pack another transaction moved out before its lock is granted no longer
     * matches (READ COMMITTED re-checks the row) and stays unlocked: the caller's read sees
     * the same. Without the third, a pack repacked out of its case while the case's pallet
     * was released was released where it went. */
    px_rc rc = cmd_on_ssccs(db,
                            BELOW_LISTED "SELECT 1 FROM sscc x WHERE x.sscc IN (SELECT sscc FROM "
                                         "t) ORDER BY x.sscc FOR UPDATE OF x",
                            ssccs, n, 0, NULL, err);
    if (rc == PX_OK)
        rc = cmd_on_ssccs(db,
                          BELOW_LISTED "SELECT 1 FROM serial s WHERE s.parent_sscc IN (SELECT "
                                       "sscc FROM t) ORDER BY s.gtin, s.serial FOR UPDATE OF s",
                          ssccs, n, 0, NULL, err);
    if (rc == PX_OK)
        rc = cmd_on_ssccs(db,
                          BELOW_LISTED "SELECT 1 FROM serial s JOIN serial k ON k.gtin = "
                                       "s.parent_gtin AND k.serial = s.parent_serial WHERE "
                                       "k.parent_sscc IN (SELECT sscc FROM t) ORDER BY s.gtin, "
                                       "s.serial FOR UPDATE OF s",
                          ssccs, n, 0, NULL, err);
    return rc;
}

px_rc px_store_container_packs_each(px_db *db, const char *const *ssccs, size_t n, long limit,
                                    px_held_pack_fn fn, void *ctx, px_err *err)
{
    /* Read, not locked here: a use case that moves them locks the containers and their packs
     * first (px_store_containers_lock) in its own transaction. */
    /* clang-format off */
    PGresult *r = exec_on_ssccs(
        db,
        BELOW_LISTED
        ", d AS (SELECT t.root, s.gtin, s.serial, s.batch, s.state FROM t JOIN "
        "serial s ON s.parent_sscc = t.sscc WHERE" IN_T("s.parent_sscc") "), "
        "h AS (SELECT d.*, EXISTS (SELECT 1 FROM serial k WHERE k.parent_gtin = d.gtin AND "
        "k.parent_serial = d.serial) AS is_case FROM d UNION ALL SELECT d.root, k.gtin, k.serial, "
        "k.batch, k.state, false FROM d JOIN serial k ON k.parent_gtin = d.gtin "
        "AND k.parent_serial = d.serial) "
        "SELECT min(root), gtin, serial, coalesce(batch, ''), state, "
        "bool_or(is_case) FROM h GROUP BY gtin, serial, batch, state "
        "ORDER BY gtin, serial LIMIT $2::bigint",
        ssccs, n, PX__ARGS(PX__INT(limit)), err);
    /* clang-format on */
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        px_held_pack hp = {strtol(px__val(r, i, 0), NULL, 10),
                           px__val(r, i, 1),
                           px__val(r, i, 2),
                           px__val(r, i, 3),
                           px__val(r, i, 4),
                           strcmp(px__val(r, i, 5), "t") == 0};
        if (fn(ctx, &hp))
            break;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_containers_set_state(px_db *db, const char *const *ssccs, size_t n,
                                    const char *state, px_err *err)
{
    /* REQ-AGG-15: a decommissioned container keeps the state it had (a second decommission,
     * a recall of a destroyed pallet, keeps the first one), so a reactivation brings it back
     * as it went (px_store_containers_reactivate). */
    return cmd_on_ssccs(db,
                        BELOW_LISTED "UPDATE sscc x SET state = $2, prior_state = CASE WHEN $2 "
                                     "<> 'decommissioned' THEN NULL WHEN x.state = "
                                     "'decommissioned' THEN x.prior_state ELSE x.state END FROM "
                                     "t WHERE x.sscc = t.sscc",
                        ssccs, n, PX__ARGS(state), err);
}

px_rc px_store_containers_reactivate(px_db *db, const char *const *ssccs, size_t n, px_err *err)
{
    /* A container decommissioned before prior_state was kept comes back commissioned. */
    return cmd_on_ssccs(db,
                        BELOW_LISTED "UPDATE sscc x SET state = CASE WHEN x.state = "
                                     "'decommissioned' THEN coalesce(x.prior_state, "
                                     "'commissioned') ELSE x.state END, prior_state = NULL FROM "
                                     "t WHERE x.sscc = t.sscc",
                        ssccs, n, 0, NULL, err);
}

static void case_batch_row(px_case_batch *b, const PGresult *r, int i)
{
    *b = (px_case_batch){px__val(r, i, 0), px__val(r, i, 1), px__val(r, i, 2)};
}

px_rc px_store_cases_below_batches(px_db *db, const char *const *ssccs, size_t n,
                                   const char *const *states, size_t n_states, px_case_batch_fn fn,
                                   void *ctx, px_err *err)
{
    px_buf b;
    const char *st = px__text_array(&b, states, n_states, "states", err);
    PGresult *r =
        !st ? NULL
            : exec_on_ssccs(db,
                            BELOW_LISTED
                            "SELECT c.gtin, c.batch, min(c.serial) FROM serial c WHERE" IN_T(
                                "c.parent_sscc") "AND c.state = ANY ($2::text[]) AND EXISTS "
                                                 "(SELECT 1 FROM serial k WHERE k.parent_gtin = "
                                                 "c.gtin AND k.parent_serial = c.serial) GROUP BY "
                                                 "c.gtin, c.batch ORDER BY 1, 2",
                            ssccs, n, PX__ARGS(st), err);
    px_buf_dispose(&b);
    PX__RETURN_EACH_ROW(r, err, px_case_batch, case_batch_row, fn, ctx);
}

px_rc px_store_cases_below_move(px_db *db, const char *const *ssccs, size_t n,
                                const px_case_move *m, px_err *err)
{
    return px_store_cases_below_move_op(db, ssccs, n, m, NULL, err);
}

px_rc px_store_cases_below_move_op(px_db *db, const char *const *ssccs, size_t n,
                                   const px_case_move *m, const char *op_id, px_err *err)
{
    px_buf a1, a2;
    const char *states, *reasons;
    if (px__text_arrays2(&a1, &states, m->from_states, m->n_states, &a2, &reasons, m->from_reasons,
                         m->n_reasons, "states", err) != PX_OK)
        return err->rc;
    const char *t = PX__INT(m->now_us);
    /* The columns a release or a decommission of a pack sets (store/lifecycle.c), so the case
     * reads as any released or decommissioned pack; a decommissioned case moved again keeps
     * the state it had before (as px_store_recall_batch keeps a pack's). */
    /* clang-format off */
    px_rc rc = cmd_on_ssccs(
        db,
        BELOW_LISTED
        ", moved AS (UPDATE serial c SET state = $2, "
        "released_by = CASE WHEN $2 = 'released' THEN $3::uuid ELSE released_by END, "
        "released_at = CASE WHEN $2 = 'released' THEN " TSUS("$4") " ELSE released_at END, "
        "release_id = coalesce($5::uuid, release_id), market = coalesce($6, market), "
        "prior_state = CASE WHEN $2 <> 'decommissioned' THEN prior_state "
        "WHEN c.state = 'decommissioned' THEN c.prior_state ELSE c.state END, "
        "reason = coalesce($7, reason), "
        "decommissioned_by = CASE WHEN $2 = 'decommissioned' THEN $3::uuid ELSE "
        "decommissioned_by END, decommissioned_at = CASE WHEN $2 = 'decommissioned' "
        "THEN " TSUS("$4") " ELSE decommissioned_at END "
        "FROM t WHERE c.parent_sscc = t.sscc AND" IN_T("c.parent_sscc") "AND "
        "(c.state = ANY ($8::text[]) OR (c.state = 'decommissioned' AND "
        "c.reason = ANY ($9::text[]))) "
        "AND EXISTS (SELECT 1 FROM serial k WHERE k.parent_gtin = c.gtin AND "
        "k.parent_serial = c.serial) RETURNING c.gtin, c.serial) "
        /* the operation that moved each case, for its history (migration 0223) */
        "INSERT INTO case_op (gtin, serial, op_id) SELECT gtin, serial, $10::uuid FROM moved "
        "WHERE $10::uuid IS NOT NULL ON CONFLICT DO NOTHING",
        ssccs, n,
        PX__ARGS(m->state, m->by, t, px__nz(m->release_id), px__nz(m->market), px__nz(m->reason),
                 states, reasons, px__nz(op_id)),
        err);
    /* clang-format on */
    px_buf_dispose(&a1);
    px_buf_dispose(&a2);
    return rc;
}

px_rc px_store_cases_below_reactivate(px_db *db, const char *const *ssccs, size_t n,
                                      const char *const *reasons, size_t n_reasons,
                                      const char *op_id, px_err *err)
{
    px_buf b;
    const char *rs = px__text_array(&b, reasons, n_reasons, "reasons", err);
    if (!rs)
        return err->rc;
    /* clang-format off */
    px_rc rc = cmd_on_ssccs(
        db,
        BELOW_LISTED
        ", moved AS (UPDATE serial c SET state = c.prior_state, reason = NULL, "
        "prior_state = NULL, decommissioned_by = NULL, "
        "decommissioned_at = NULL FROM t WHERE c.parent_sscc = t.sscc "
        "AND" IN_T("c.parent_sscc") "AND c.state = 'decommissioned' "
        "AND c.reason = ANY ($2::text[]) AND c.prior_state IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM serial k WHERE k.parent_gtin = "
        "c.gtin AND k.parent_serial = c.serial) RETURNING c.gtin, c.serial) "
        "INSERT INTO case_op (gtin, serial, op_id) SELECT gtin, serial, $3::uuid FROM moved "
        "ON CONFLICT DO NOTHING",
        ssccs, n, PX__ARGS(rs, op_id), err);
    /* clang-format on */
    px_buf_dispose(&b);
    return rc;
}

px_rc px_store_release_container_events_each(px_db *db, const char *gtin, const char *batch,
                                             const char *release_id, px_container_event_fn fn,
                                             void *ctx, px_err *err)
{
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        /* the released packs, the cases (carrying their own GTIN) they are in, and every
         * container above either */
        "WITH RECURSIVE rel AS (SELECT parent_sscc, parent_gtin, parent_serial FROM serial "
        "WHERE gtin = $1 AND batch = $2 AND release_id = $3::uuid AND (parent_sscc IS NOT NULL "
        "OR parent_gtin IS NOT NULL)), "
        "cases AS (SELECT DISTINCT c.gtin, c.serial, c.parent_sscc FROM rel JOIN serial c ON "
        "c.gtin = rel.parent_gtin AND c.serial = rel.parent_serial), "
        "a(s, d) AS (SELECT parent_sscc, 1 FROM rel WHERE parent_sscc IS NOT NULL UNION "
        "SELECT parent_sscc, 1 FROM cases WHERE parent_sscc IS NOT NULL UNION " PX_AGG_UP_STEP ") "
        "SELECT type, action, biz_step, coalesce(disposition, ''), "
        PX__SQL_EPOCH_US("event_time") ", coalesce(parent_id, ''), "
        "array_to_string(epcs, ' '), coalesce(read_point, ''), coalesce(biz_location, ''), "
        "event_hash, tz_offset_min FROM container_event WHERE parent_sscc IN (SELECT s FROM a) OR "
        "(parent_gtin, parent_serial) IN (SELECT gtin, serial FROM cases) ORDER BY seq",
        PX__ARGS(gtin, batch, release_id), err);
    /* clang-format on */
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        px_container_event_row row = {px__val(r, i, 0),
                                      px__val(r, i, 1),
                                      px__val(r, i, 2),
                                      px__val(r, i, 3),
                                      strtoll(px__val(r, i, 4), NULL, 10),
                                      (int)strtol(px__val(r, i, 10), NULL, 10),
                                      px__val(r, i, 5),
                                      px__val(r, i, 6),
                                      px__val(r, i, 7),
                                      px__val(r, i, 8),
                                      px__val(r, i, 9)};
        if (fn(ctx, &row))
            break;
    }
    PQclear(r);
    return PX_OK;
}

/* ---- aggregation ----------------------------------------------------------------------- */

void px_agg_misfits_dispose(px_agg_misfits *m)
{
    free(m->items);
    m->items = NULL;
    m->n = 0;
}

/* A temporary table per transaction: the checks, the locks and the update below are each one
 * statement over all children (docs/aggregation.md "Speed"). */
static px_rc agg_child_table(px_db *db, px_err *err)
{
    px_rc rc = px__exec_cmd(db,
                            "CREATE TEMP TABLE IF NOT EXISTS agg_child (idx bigint, gtin "
                            "char(14), serial text, sscc char(18)) ON COMMIT DROP",
                            0, NULL, err);
    return rc != PX_OK ? rc : px__exec_cmd(db, "TRUNCATE agg_child", 0, NULL, err);
}

/* The loaded children's rows, locked. */
static px_rc agg_child_lock(px_db *db, px_err *err)
{
    /* A temporary table has no statistics: without them the planner guesses thousands of
     * rows and hashes the whole serial table instead of probing its key once per child. */
    px_rc rc = px__exec_cmd(db, "ANALYZE agg_child", 0, NULL, err);
    /* REQ-AGG-6: the rows are locked before they are checked, in key order: of two requests
     * packing the same child at the same moment the second waits for the first to commit and
     * then sees the child packed (already_packed): exactly one wins. */
    if (rc == PX_OK)
        rc = px__exec_cmd(db,
                          "SELECT 1 FROM serial s JOIN agg_child c ON s.gtin = c.gtin AND "
                          "s.serial = c.serial ORDER BY s.gtin, s.serial FOR UPDATE OF s",
                          0, NULL, err);
    if (rc == PX_OK)
        rc = px__exec_cmd(db,
                          "SELECT 1 FROM sscc x JOIN agg_child c ON x.sscc = c.sscc ORDER BY "
                          "x.sscc FOR UPDATE OF x",
                          0, NULL, err);
    return rc;
}

px_rc px_store_agg_load(px_db *db, const px_agg_child *c, size_t n, px_err *err)
{
    px_rc rc = PX_OK;
    const char **g = calloc(n ? n : 1, sizeof(*g));
    const char **s = calloc(n ? n : 1, sizeof(*s));
    const char **x = calloc(n ? n : 1, sizeof(*x));
    px_buf bg, bs, bx;
    px_buf_init(&bg, 1);
    px_buf_init(&bs, 1);
    px_buf_init(&bx, 1);
    if (!g || !s || !x) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        g[i] = c[i].gtin ? c[i].gtin : "";
        s[i] = c[i].serial ? c[i].serial : "";
        x[i] = c[i].sscc ? c[i].sscc : "";
    }
    const char *p[3];
    px_buf_dispose(&bg);
    px_buf_dispose(&bs);
    px_buf_dispose(&bx);
    if (!(p[0] = px__text_array(&bg, g, n, "children", err)) ||
        !(p[1] = px__text_array(&bs, s, n, "children", err)) ||
        !(p[2] = px__text_array(&bx, x, n, "children", err))) {
        rc = err->rc;
        goto done;
    }
    if ((rc = agg_child_table(db, err)) != PX_OK)
        goto done;
    rc =
        px__exec_cmd(db,
                     "INSERT INTO agg_child (idx, gtin, serial, sscc) SELECT o - 1, nullif(g, ''), "
                     "nullif(s, ''), nullif(x, '') FROM unnest($1::text[], $2::text[], $3::text[]) "
                     "WITH ORDINALITY AS t(g, s, x, o)",
                     3, p, err);
    if (rc == PX_OK)
        rc = agg_child_lock(db, err);
done:
    px_buf_dispose(&bg);
    px_buf_dispose(&bs);
    px_buf_dispose(&bx);
    free(g);
    free(s);
    free(x);
    return rc;
}

/* A direct child of the parent: of the container $1, or (its SSCC NULL) of the case $2/$3.
 * One rule for the lock, the read and the re-check below. */
#define IN_PARENT_SERIAL(s)                                                                        \
    "(" s ".parent_sscc = $1 OR (" s ".parent_gtin = $2 AND " s ".parent_serial = $3))"
#define IN_PARENT_SSCC(x) x ".parent_sscc = $1"

/* The parent's children the caller may use (PX_AGG_SEEN: the tenant's; a CMO's own unreleased
 * packs and containers), into agg_child. */
/* clang-format off */
static const char AGG_CONTENTS[] =
    "INSERT INTO agg_child (idx, gtin, serial, sscc) SELECT row_number() OVER (ORDER BY "
    "c.gtin, c.serial, c.sscc) - 1, c.gtin, c.serial, c.sscc FROM (SELECT gtin, serial, "
    "NULL::char(18) AS sscc FROM serial k WHERE " IN_PARENT_SERIAL("k") " UNION ALL SELECT NULL, "
    "NULL, sscc FROM sscc k WHERE " IN_PARENT_SSCC("k") ") c LEFT JOIN serial s ON c.sscc IS NULL "
    "AND s.gtin = c.gtin AND s.serial = c.serial LEFT JOIN product p ON p.gtin = s.gtin "
    "LEFT JOIN sscc x ON x.sscc = c.sscc WHERE " PX_AGG_SEEN("c", "$4", "$5");
/* clang-format on */

px_rc px_store_agg_load_contents(px_db *db, const char *sscc, const char *gtin, const char *serial,
                                 const px_agg_scope *sc, size_t *n, size_t *held, px_err *err)
{
    *n = *held = 0;
    const char *p[] = {px__nz(sscc), px__nz(gtin), px__nz(serial), sc->tenant_id,
                       px__nz(sc->cmo_org)};
    px_rc rc = agg_child_table(db, err);
    if (rc != PX_OK)
        return rc;
    /* The parent's children are locked first, in key order, and read after: a concurrent
     * repack or release of one waits for this transaction or is seen done (READ COMMITTED: each
     * statement reads what committed before it), so no child is taken out of a parent it has
     * left, nor after its release. The rows locked are what the parent holds. */
    static const struct {
        const char *sql;
        int params; /* every parameter given is one the statement names */
    } lock[] = {
        {"SELECT 1 FROM serial k WHERE " IN_PARENT_SERIAL("k") " ORDER BY gtin, serial FOR UPDATE",
         3},
        {"SELECT 1 FROM sscc k WHERE " IN_PARENT_SSCC("k") " ORDER BY sscc FOR UPDATE", 1}};
    for (size_t i = 0; i < PX_COUNT(lock); i++) {
        PGresult *r = px__exec(db, lock[i].sql, lock[i].params, p, err);
        if (!r)
            return err->rc;
        *held += (size_t)PQntuples(r);
        PQclear(r);
    }
    if ((rc = px__exec_cmd(db, AGG_CONTENTS, 5, p, err)) != PX_OK ||
        (rc = agg_child_lock(db, err)) != PX_OK)
        return rc;
    /* A child that came in between the lock and the read, and left again before its own
     * lock, is no longer the parent's: dropped, and the rest counted. */
    PGresult *r = px__exec(
        db,
        "WITH gone AS (DELETE FROM agg_child c WHERE NOT EXISTS (SELECT 1 FROM "
        "serial k WHERE c.sscc IS NULL AND k.gtin = c.gtin AND k.serial = "
        "c.serial AND " IN_PARENT_SERIAL(
            "k") ") AND NOT EXISTS (SELECT 1 FROM "
                 "sscc k WHERE k.sscc = c.sscc AND " IN_PARENT_SSCC(
                     "k") ") RETURNING "
                          "1) SELECT (SELECT count(*) FROM agg_child) - (SELECT count(*) FROM "
                          "gone)",
        3, p, err);
    if (!r)
        return err->rc;
    *n = (size_t)strtoul(px__val(r, 0, 0), NULL, 10);
    PQclear(r);
    return PX_OK;
}

/* One row per loaded child that cannot come out of the container, with its first broken rule:
 * a child the caller may not see is not_found whatever else is wrong with it (nothing leaks:
 * docs/architecture.md "Requests"). Packing's rules are agg_store.c's. */
/* clang-format off */
static const char MISFITS[] =
    "WITH d AS (SELECT idx, row_number() OVER (PARTITION BY gtin, serial, sscc ORDER BY idx) "
    "AS rn FROM agg_child), "
    "k AS (SELECT c.idx, d.rn, " PX_AGG_SEEN("c", "$2", "$3") " AS seen, "
    "  coalesce(s.state, x.state, '') AS state, "
    "  coalesce(s.parent_sscc::text, s.parent_gtin || ' ' || s.parent_serial, "
    "  x.parent_sscc::text, '') AS parent "
    "  FROM agg_child c JOIN d USING (idx) "
    "  LEFT JOIN serial s ON c.sscc IS NULL AND s.gtin = c.gtin AND s.serial = c.serial "
    "  LEFT JOIN product p ON p.gtin = s.gtin "
    "  LEFT JOIN sscc x ON x.sscc = c.sscc) "
    "SELECT idx, code, state, parent FROM (SELECT idx, state, parent, CASE "
    "  WHEN rn > 1 THEN 'duplicate' "
    "  WHEN NOT seen THEN 'not_found' "
    "  WHEN parent <> $1::text THEN 'not_in_parent' "
    "  END AS code FROM k) m WHERE code IS NOT NULL ORDER BY idx";
/* clang-format on */

px_rc px_store_agg_misfits(px_db *db, const px_agg_scope *sc, px_agg_misfits *out, px_err *err)
{
    out->items = NULL;
    out->n = 0;
    PGresult *r =
        px__exec(db, MISFITS, PX__ARGS(sc->parent, sc->tenant_id, px__nz(sc->cmo_org)), err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    int n = PQntuples(r);
    if (n > 0) {
        out->items = calloc((size_t)n, sizeof(*out->items));
        if (!out->items) {
            rc = px_err_oom(err);
            goto done;
        }
    }
    for (int i = 0; i < n; i++) {
        px_agg_misfit *m = &out->items[i];
        m->index = strtol(px__val(r, i, 0), NULL, 10);
        px__texts(r, i, 1, PX__TEXT(m->code), PX__TEXT(m->state), PX__TEXT(m->parent), NULL);
    }
    out->n = (size_t)n;
done:
    PQclear(r);
    return rc;
}

px_rc px_store_agg_children_each(px_db *db, px_agg_row_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT coalesce(c.gtin, ''), coalesce(c.serial, ''), "
                           "coalesce(p.company_prefix_length, 0), coalesce(c.sscc, ''), "
                           "coalesce(length(x.company_prefix), 0), "
                           "coalesce(s.parent_sscc, x.parent_sscc, '') AS parent "
                           "FROM agg_child c "
                           "LEFT JOIN serial s ON c.sscc IS NULL AND s.gtin = c.gtin AND "
                           "s.serial = c.serial LEFT JOIN product p ON p.gtin = s.gtin "
                           "LEFT JOIN sscc x ON x.sscc = c.sscc ORDER BY c.idx",
                           0, NULL, err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        px_agg_row row;
        row.gtin = px__val(r, i, 0);
        row.serial = px__val(r, i, 1);
        row.gcp_len = (int)strtol(px__val(r, i, 2), NULL, 10);
        row.sscc = px__val(r, i, 3);
        if (row.sscc[0])
            row.gcp_len = (int)strtol(px__val(r, i, 4), NULL, 10);
        row.parent = px__val(r, i, 5);
        if (fn(ctx, &row))
            break;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_agg_set_parent(px_db *db, const char *parent, long *moved, px_err *err)
{
    *moved = 0;
    const char *p[] = {parent};
    px_rc rc = count_cmd(px__exec(db,
                                  "UPDATE serial s SET parent_sscc = $1 FROM agg_child c WHERE "
                                  "c.sscc IS NULL AND s.gtin = c.gtin AND s.serial = c.serial",
                                  1, p, err),
                         moved, err);
    if (rc != PX_OK)
        return rc;
    return count_cmd(px__exec(db,
                              "UPDATE sscc x SET parent_sscc = $1 FROM agg_child c WHERE "
                              "x.sscc = c.sscc",
                              1, p, err),
                     moved, err);
}

px_rc px_store_agg_empty(px_db *db, const char *parent, long *moved, px_err *err)
{
    *moved = 0;
    const char *p[] = {parent};
    px_rc rc = count_cmd(
        px__exec(db, "UPDATE serial SET parent_sscc = NULL WHERE parent_sscc = $1", 1, p, err),
        moved, err);
    if (rc != PX_OK)
        return rc;
    return count_cmd(
        px__exec(db, "UPDATE sscc SET parent_sscc = NULL WHERE parent_sscc = $1", 1, p, err), moved,
        err);
}

px_rc px_store_agg_case_clear(px_db *db, const char *gtin, const char *serial, int listed,
                              long *moved, px_err *err)
{
    *moved = 0;
    return count_cmd(
        px__exec(db,
                 listed ? "UPDATE serial s SET parent_gtin = NULL, parent_serial = NULL FROM "
                          "agg_child c WHERE c.sscc IS NULL AND s.gtin = c.gtin AND s.serial = "
                          "c.serial AND s.parent_gtin = $1 AND s.parent_serial = $2"
                        : "UPDATE serial SET parent_gtin = NULL, parent_serial = NULL WHERE "
                          "parent_gtin = $1 AND parent_serial = $2",
                 PX__ARGS(gtin, serial), err),
        moved, err);
}

px_rc px_store_aggregation_insert(px_db *db, const px_aggregation_rec *a, px_err *err)
{
    const char *t = PX__INT(a->created_us);
    return px__exec_cmd(
        db,
        "INSERT INTO aggregation (id, org_id, tenant_id, action, "
        "parent_sscc, children, created_at, parent_gtin, parent_serial) "
        "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::integer, " TSUS("$7") ", $8, $9)",
        PX__ARGS(a->id, a->org_id, a->tenant_id, a->action, px__nz(a->parent_sscc),
                 PX__INT(a->children), t, px__nz(a->parent_gtin), px__nz(a->parent_serial)),
        err);
}

px_rc px_store_container_event_insert(px_db *db, const px_container_event_rec *e, px_err *err)
{
    px_buf b;
    const char *a = px__text_array(&b, e->epcs, e->n_epcs, "children", err);
    if (!a)
        return err->rc;
    const char *t = PX__INT(e->event_time_us);
    /* clang-format off */
    px_rc rc = px__exec_cmd(
        db,
        "INSERT INTO container_event (id, tenant_id, org_id, aggregation_id, type, action, "
        "biz_step, disposition, event_time, parent_id, parent_sscc, epcs, read_point, "
        "biz_location, event_hash, parent_gtin, parent_serial, tz_offset_min) VALUES "
        "($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, $6, $7, $8, " TSUS("$9") ", $10, $11, "
        "$12::text[], $13, $14, $15, $16, $17, $18::smallint)",
        PX__ARGS(e->id, e->tenant_id, e->org_id, px__nz(e->aggregation_id), e->type, e->action,
                 e->biz_step, px__nz(e->disposition), t, px__nz(e->parent_id),
                 px__nz(e->parent_sscc), a, px__nz(e->read_point), px__nz(e->biz_location),
                 e->event_hash, px__nz(e->parent_gtin), px__nz(e->parent_serial),
                 PX__INT(e->tz_offset_min)), err);
    /* clang-format on */
    px_buf_dispose(&b);
    return rc;
}
