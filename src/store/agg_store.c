/* SQL of set-based packing (sscc_store.h "set-based packing", docs/aggregation.md "Speed"):
 * the parents of a request locked in one statement, every rule and every change of every
 * child in one more, the aggregations and their events in a third. The three are prepared
 * once per connection (px__exec_cached): their plans are reused by every request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_sql.h"
#include "lifecycle_store.h"
#include "px_array.h"
#include "px_str.h"
#include "sscc_store.h"
#include "store_internal.h"

/* The text[] literals of a statement's array parameters, in one growable set. */
typedef struct arrays {
    px_buf b[20];
    size_t n;
} arrays;

static void arrays_dispose(arrays *a)
{
    for (size_t i = 0; i < a->n; i++)
        px_buf_dispose(&a->b[i]);
    a->n = 0;
}

/* Appends v as a text[] literal; NULL with err set when it outgrows its bound. */
static const char *arrays_add(arrays *a, const char *const *v, size_t n, px_err *err)
{
    /* 100,000 children's EPC URIs (at most 60 characters each) stay well under 64 MiB. */
    return px__text_array(&a->b[a->n++], v, n, "children", err);
}

/* ---- the parents ------------------------------------------------------------------------ */

/* REQ-AGG-3, REQ-AGG-6: the listed parents and every container above them, locked in key
 * order before any child is checked. A request that would close a cycle through a parent's
 * ancestors then queues behind whoever is changing those ancestors, and its checks (the next
 * statement, a later snapshot) see that change. */
static const char PARENTS_LOCK[] =
    "WITH RECURSIVE l AS (SELECT p::char(18) AS s, o FROM unnest($1::text[]) WITH ORDINALITY "
    "AS t(p, o)), "
    "a(s, d) AS (SELECT x.parent_sscc, 1 FROM sscc x JOIN l ON x.sscc = l.s WHERE "
    "x.parent_sscc IS NOT NULL UNION " PX_AGG_UP_STEP ") "
    "SELECT " PX_CONTAINER_COLS(
        "x") ", coalesce(l.o, 0) FROM sscc x LEFT JOIN l ON "
             "l.s = x.sscc WHERE x.sscc IN (SELECT s FROM l UNION SELECT s FROM a) ORDER BY x.sscc "
             "FOR UPDATE OF x";

px_rc px_store_agg_parents_lock(px_db *db, const char *const *ssccs, size_t n, px_container *out,
                                size_t *found, px_err *err)
{
    *found = 0;
    for (size_t i = 0; i < n; i++)
        out[i].sscc[0] = '\0';
    arrays a = {.n = 0};
    const char *p[1];
    if (!(p[0] = arrays_add(&a, ssccs, n, err))) {
        arrays_dispose(&a);
        return err->rc;
    }
    PGresult *r = px__exec_cached(db, PX__Q_AGG_PARENTS, PARENTS_LOCK, 1, p, err);
    arrays_dispose(&a);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        long o = strtol(px__val(r, i, PX_CONTAINER_NCOLS), NULL, 10);
        if (o < 1 || (size_t)o > n)
            continue; /* an ancestor: locked, not listed */
        px__container_row(&out[o - 1], r, i);
        (*found)++;
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_agg_nesting_turn(px_db *db, px_err *err)
{
    return px_db_exec(db, "SELECT pg_advisory_xact_lock(" PX__LOCK_NESTING ")", err);
}

/* ---- the children: every rule, then every change, in one statement ---------------------- */

/* One row per child (k) with its first broken rule (bad); when no child breaks one, the
 * parent links of packs (us) and containers (ux) are set, and first packings commission their
 * containers, in the same statement. The WHEN arms are in the order of the answer: a child
 * the caller may not see is not_found whatever else is wrong with it (nothing leaks:
 * docs/architecture.md "Requests").
 *
 * REQ-AGG-6: the rules read the statement's snapshot; the updates re-read each row they
 * change and take it only if it is still commissioned and still in the container the rules
 * saw (PostgreSQL re-checks an UPDATE's condition on the newest version of a row another
 * transaction changed, after that transaction ends). Of two packers of one child the second
 * finds it packed and changes nothing there: its count falls short and the use case starts
 * over, where the rules then name the child already_packed.
 *
 * $1 parents (in request order), $2 each child's parent (1-based), $3 GTINs, $4 serials,
 * $5 SSCCs ('' where none), $6 the tenant, $7 a CMO caller (else NULL), $8 repack, $9 and
 * $10 the parents that are cases (GTIN and serial; '' for a container, whose SSCC is in $1,
 * '' there for a case). */
static const char APPLY_RULES[] =
    "WITH RECURSIVE par AS MATERIALIZED (SELECT o::int AS grp, nullif(p, '')::char(18) AS "
    "parent, nullif(pg, '')::char(14) AS pgtin, nullif(ps, '') AS pserial FROM "
    "unnest($1::text[], $9::text[], $10::text[]) WITH ORDINALITY AS t(p, pg, ps, o)), "
    "req AS MATERIALIZED (SELECT o - 1 AS i, g AS grp, nullif(gt, '')::char(14) AS gtin, "
    "nullif(se, '') AS serial, nullif(x, '')::char(18) AS sscc, row_number() OVER "
    "(PARTITION BY gt, se, x ORDER BY o) AS rn FROM unnest($2::int[], $3::text[], $4::text[], "
    "$5::text[]) WITH ORDINALITY AS t(g, gt, se, x, o)), "
    /* REQ-AGG-5: the children the caller may use (agg_sql.h). */
    "k AS MATERIALIZED (SELECT r.i, r.rn, r.gtin, r.serial, r.sscc, q.parent AS target, "
    "  q.pgtin, q.pserial, s.parent_gtin AS was_gtin, s.parent_serial AS was_serial, "
    "  q.pgtin IS NOT NULL AND s.gtin IS NOT NULL AND EXISTS (SELECT 1 FROM serial c WHERE "
    "    c.parent_gtin = s.gtin AND c.parent_serial = s.serial) AS holds, "
    "  " PX_AGG_SEEN(
        "r", "$6",
        "$7") " AS seen, "
              "  coalesce(s.state, x.state, '') AS state, coalesce(s.parent_sscc, x.parent_sscc) "
              "AS was_in, "
              /* Whether the caller may use the child's present parent: a CMO takes a child out of
               * its own unreleased container or case only (PX_AGG_CMO_BOX, PX_AGG_CMO_PACK), as it
               * may unpack only those; a MAH any of its tenant's. */
              "  ($7::uuid IS NULL OR EXISTS (SELECT 1 FROM sscc w WHERE w.sscc = "
              "coalesce(s.parent_sscc, "
              "    x.parent_sscc) AND " PX_AGG_CMO_BOX(
                  "w", "$7") ") OR EXISTS (SELECT 1 FROM serial w "
                             "    WHERE w.gtin = s.parent_gtin AND w.serial = s.parent_serial AND "
                             "    " PX_AGG_CMO_PACK(
                                 "w",
                                 "$7") ")) AS was_usable, "
                                       "  CASE WHEN r.sscc IS NULL THEN p.company_prefix_length "
                                       "ELSE length(x.company_prefix) END "
                                       "    AS gcp "
                                       "  FROM req r JOIN par q USING (grp) "
                                       "  LEFT JOIN serial s ON r.sscc IS NULL AND s.gtin = r.gtin "
                                       "AND s.serial = r.serial "
                                       "  LEFT JOIN product p ON p.gtin = s.gtin "
                                       "  LEFT JOIN sscc x ON x.sscc = r.sscc), ";
static const char APPLY_CHECKS[] =
    /* REQ-AGG-3: no cycles. The walk goes up from each container child's new parent over the
     * links as they will be (the request's own links first, the stored ones above them); a
     * walk that meets the child would put the container inside itself. */
    "up(i, child, node, d) AS (SELECT i, sscc, target, 1 FROM k WHERE sscc IS NOT NULL "
    "  UNION ALL SELECT up.i, up.child, coalesce(n.target, x.parent_sscc), up.d + 1 FROM up "
    "  LEFT JOIN k n ON n.sscc = up.node AND n.rn = 1 "
    "  LEFT JOIN sscc x ON n.sscc IS NULL AND x.sscc = up.node "
    "  WHERE up.node <> up.child AND up.d < " PX_AGG_DEPTH_GUARD "), "
    "cyc AS (SELECT DISTINCT i FROM up WHERE node = child), "
    /* REQ-AGG-2: a child is commissioned before it is packed, and has at most one current
     * parent (docs/aggregation.md "Packing, unpacking, repacking"). A container listed as a
     * parent in the same request is commissioned by it before it is packed onto its own parent. */
    /* A child already packed names its container or case only to a caller who may see it:
     * a CMO is told of another's container that there is one, not which (nothing leaks:
     * docs/architecture.md "Requests"). */
    /* clang-format off */
    "bad AS MATERIALIZED (SELECT i, code, state, CASE WHEN was_usable THEN coalesce(was_in, "
    "  was_gtin || ' ' || was_serial, '') ELSE '' END AS was_in FROM (SELECT k.i, k.state, "
    "  k.was_in, k.was_gtin, k.was_serial, k.was_usable, CASE "
    "  WHEN k.rn > 1 THEN 'duplicate' "
    "  WHEN NOT coalesce(k.seen, false) THEN 'not_found' "
    /* REQ-AGG-11: a case that carries its own GTIN holds packs of another GTIN, and no
     * case: cases are one level deep, so a case never ends up inside itself. */
    "  WHEN k.pgtin IS NOT NULL AND (k.sscc IS NOT NULL OR k.gtin = k.pgtin) THEN "
    "    'invalid_child' "
    "  WHEN k.pgtin IS NOT NULL AND (k.holds OR (k.gtin, k.serial) IN (SELECT pgtin, pserial "
    "    FROM par WHERE pgtin IS NOT NULL)) THEN 'nested_case' "
    "  WHEN cyc.i IS NOT NULL THEN 'cycle' "
    "  WHEN k.state <> 'commissioned' AND NOT (k.sscc IS NOT NULL AND k.state = 'allocated' "
    "    AND k.sscc IN (SELECT parent FROM par)) THEN 'invalid_state' "
    /* A repack moves a child out of a parent the caller may use; out of another's it is
     * packed there, as for a packing. */
    "  WHEN (k.was_in IS NOT NULL OR k.was_gtin IS NOT NULL) AND (NOT $8::bool OR "
    "    NOT k.was_usable OR k.was_in = k.target OR (k.was_gtin = k.pgtin AND "
    "    k.was_serial = k.pserial)) THEN 'already_packed' "
    "  END AS code FROM k LEFT JOIN cyc USING (i)) c WHERE code IS NOT NULL), ";
/* clang-format on */
static const char APPLY_CHANGES[] =
    "us AS (UPDATE serial s SET parent_sscc = k.target, parent_gtin = k.pgtin, "
    "  parent_serial = k.pserial FROM k WHERE (SELECT count(*) FROM bad) = 0 AND "
    "  k.sscc IS NULL AND s.gtin = k.gtin AND s.serial = k.serial AND "
    "  s.state = 'commissioned' AND s.parent_sscc IS NOT DISTINCT FROM k.was_in AND "
    "  s.parent_gtin IS NOT DISTINCT FROM k.was_gtin AND s.parent_serial IS NOT DISTINCT FROM "
    "  k.was_serial RETURNING 1), "
    "xs AS (SELECT sscc, bool_or(is_parent) AS is_parent, bool_or(NOT is_parent) AS is_child, "
    "  max(target) AS target, max(was_in) AS was_in FROM (SELECT parent AS sscc, true AS "
    "  is_parent, NULL::char(18) AS target, NULL::char(18) AS was_in FROM par WHERE parent IS "
    "  NOT NULL UNION ALL "
    "  SELECT sscc, false, target, was_in FROM k WHERE sscc IS NOT NULL) u GROUP BY sscc), "
    "ux AS (UPDATE sscc x SET "
    "  parent_sscc = CASE WHEN xs.is_child THEN xs.target ELSE x.parent_sscc END, "
    "  state = CASE WHEN xs.is_parent AND x.state = 'allocated' THEN 'commissioned' "
    "    ELSE x.state END, "
    "  commissioned_at = CASE WHEN xs.is_parent AND x.state = 'allocated' THEN now() "
    "    ELSE x.commissioned_at END "
    "  FROM xs WHERE (SELECT count(*) FROM bad) = 0 AND x.sscc = xs.sscc AND (NOT xs.is_child "
    "  OR (x.parent_sscc IS NOT DISTINCT FROM xs.was_in AND (x.state = 'commissioned' OR "
    "  xs.is_parent))) RETURNING xs.is_child) "
    "SELECT 'bad', i, code, state, was_in, NULL::int FROM bad "
    "UNION ALL SELECT 'moved', (SELECT count(*) FROM us) + (SELECT count(*) FROM ux WHERE "
    "  is_child), NULL, NULL, NULL, NULL "
    "UNION ALL SELECT 'gcp', NULL, gtin, NULL, NULL, min(gcp) FROM k WHERE sscc IS NULL AND "
    "  (SELECT count(*) FROM bad) = 0 GROUP BY gtin "
    "UNION ALL SELECT 'kid', k.i, NULL, NULL, coalesce(k.was_in, k.was_gtin || ' ' || "
    "  k.was_serial, ''), CASE WHEN k.sscc IS NULL THEN coalesce(length(w.company_prefix), "
    "  wp.company_prefix_length) ELSE k.gcp END FROM k LEFT JOIN sscc w ON w.sscc = k.was_in "
    "  LEFT JOIN product wp ON wp.gtin = k.was_gtin WHERE (SELECT count(*) FROM bad) = 0 AND "
    "  (k.sscc IS NOT NULL OR k.was_in IS NOT NULL OR k.was_gtin IS NOT NULL)";

void px_agg_applied_dispose(px_agg_applied *a)
{
    px_agg_misfits_dispose(&a->misfits);
    free(a->gcp_len);
    free(a->was_in);
    free(a->was_gcp_len);
    memset(a, 0, sizeof(*a));
}

static int misfit_before(const void *a, const void *b)
{
    long x = ((const px_agg_misfit *)a)->index, y = ((const px_agg_misfit *)b)->index;
    return (x > y) - (x < y);
}

/* The rows of APPLY into out: misfits, the count, and per child its EPC's prefix length and
 * the container it left. */
static px_rc applied_read(px_agg_applied *out, const PGresult *r, const px_agg_set *s,
                          px_err *err)
{
    size_t k = s->n ? s->n : 1, nbad = 0;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++)
        nbad += strcmp(px__val(r, i, 0), "bad") == 0;
    out->gcp_len = calloc(k, sizeof(*out->gcp_len));
    out->was_in = calloc(k, sizeof(*out->was_in));
    out->was_gcp_len = calloc(k, sizeof(*out->was_gcp_len));
    if (nbad)
        out->misfits.items = calloc(nbad, sizeof(*out->misfits.items));
    if (!out->gcp_len || !out->was_in || !out->was_gcp_len || (nbad && !out->misfits.items))
        return px_err_oom(err);
    for (int i = 0; i < rows; i++) {
        const char *kind = px__val(r, i, 0);
        long idx = strtol(px__val(r, i, 1), NULL, 10);
        if (strcmp(kind, "bad") == 0) {
            px_agg_misfit *m = &out->misfits.items[out->misfits.n++];
            m->index = idx;
            px__texts(r, i, 2, PX__TEXT(m->code), PX__TEXT(m->state), PX__TEXT(m->parent), NULL);
        } else if (strcmp(kind, "moved") == 0) {
            out->moved = idx;
        } else if (strcmp(kind, "gcp") == 0) {
            /* a product's prefix length, for every child pack of its GTIN */
            const char *gtin = px__val(r, i, 2);
            int len = (int)strtol(px__val(r, i, 5), NULL, 10);
            for (size_t c = 0; c < s->n; c++)
                if (!s->children[c].sscc && strcmp(s->children[c].gtin, gtin) == 0)
                    out->gcp_len[c] = len;
        } else if (idx >= 0 && (size_t)idx < s->n) {
            int len = (int)strtol(px__val(r, i, 5), NULL, 10);
            px_strlcpy(out->was_in[idx], px__val(r, i, 4), sizeof(out->was_in[idx]));
            if (s->children[idx].sscc)
                out->gcp_len[idx] = len;
            else
                out->was_gcp_len[idx] = len;
        }
    }
    /* The refusal's details in the children's order, as every list's refusal gives them (the
     * statement's rows come in no order). */
    if (out->misfits.n > 1)
        qsort(out->misfits.items, out->misfits.n, sizeof(*out->misfits.items), misfit_before);
    return PX_OK;
}

/* The statement's materialized sets hold ~150 bytes per child: at the default work_mem
 * (4 MB) a request of 100,000 children spills them to temporary files that each of their
 * readers reads again (measured: 26 s against 12 s for 100,000 children). Its plan is the
 * generic one, probing serial's key once per child: with the array sizes known, the planner
 * hashes the whole serial table instead, a cost that grows with the table rather than with the
 * request. Both for this transaction only, for a request of more than 2,000 children. */
static px_rc large_request_settings(px_db *db, size_t n, px_err *err)
{
    if (n <= 2000)
        return PX_OK;
    return px__exec_cmd(db,
                        "SELECT set_config('work_mem', '64MB', true), "
                        "set_config('plan_cache_mode', 'force_generic_plan', true)",
                        0, NULL, err);
}

/* REQ-AGG-11: the packs going into cases, locked before the rules read them. A pack is itself
 * a case another request may be filling (it locks that case as its parent): this waits for it,
 * and the rules' statement, taken after, sees what it put in (nested_case). Read from the
 * snapshot alone, a case got packed into a case while it was filled. p: px_store_agg_apply's
 * parameters (the children's groups, GTINs and serials, the parents' GTINs). */
static px_rc lock_packs_into_cases(px_db *db, const px_agg_set *s, const char *const *p,
                                   px_err *err)
{
    int into_case = 0;
    for (size_t i = 0; i < s->n_parents; i++)
        into_case |= s->parent_gtins[i][0] != '\0';
    if (!into_case)
        return PX_OK;
    const char *lp[4] = {p[1], p[2], p[3], p[8]};
    return px__exec_cmd(db,
                        "SELECT 1 FROM unnest($1::int[], $2::char(14)[], $3::text[]) AS t(g, gt, "
                        "se) JOIN serial s ON s.gtin = t.gt AND s.serial = t.se "
                        "WHERE ($4::text[])[t.g] <> '' ORDER BY s.gtin, s.serial FOR UPDATE OF s",
                        4, lp, err);
}

px_rc px_store_agg_apply(px_db *db, const px_agg_set *s, px_agg_applied *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t k = s->n ? s->n : 1;
    const char **g = calloc(k, sizeof(*g)), **gt = calloc(k, sizeof(*gt)),
               **se = calloc(k, sizeof(*se)), **x = calloc(k, sizeof(*x));
    char (*num)[24] = calloc(k, sizeof(*num));
    arrays a = {.n = 0};
    PGresult *r = NULL;
    px_rc rc = PX_OK;
    px_buf sql;
    px_buf_init(&sql, 16384);
    if (!g || !gt || !se || !x || !num) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        snprintf(num[i], sizeof(num[i]), "%zu", s->group[i] + 1);
        g[i] = num[i];
        gt[i] = s->children[i].gtin ? s->children[i].gtin : "";
        se[i] = s->children[i].serial ? s->children[i].serial : "";
        x[i] = s->children[i].sscc ? s->children[i].sscc : "";
    }
    const char *p[10];
    if (!(p[0] = arrays_add(&a, s->parents, s->n_parents, err)) ||
        !(p[1] = arrays_add(&a, g, s->n, err)) || !(p[2] = arrays_add(&a, gt, s->n, err)) ||
        !(p[3] = arrays_add(&a, se, s->n, err)) || !(p[4] = arrays_add(&a, x, s->n, err))) {
        rc = err->rc;
        goto done;
    }
    if ((rc = large_request_settings(db, s->n, err)) != PX_OK)
        goto done;
    p[5] = s->tenant_id;
    p[6] = px__nz(s->cmo_org);
    p[7] = s->moving ? "true" : "false";
    if (!(p[8] = arrays_add(&a, s->parent_gtins, s->n_parents, err)) ||
        !(p[9] = arrays_add(&a, s->parent_serials, s->n_parents, err))) {
        rc = err->rc;
        goto done;
    }
    if ((rc = lock_packs_into_cases(db, s, p, err)) != PX_OK)
        goto done;
    /* One statement in three literals: C11 compilers need only take literals of 4,095
     * characters (-Woverlength-strings). */
    if (px_buf_printf(&sql, "%s%s%s", APPLY_RULES, APPLY_CHECKS, APPLY_CHANGES) != PX_OK) {
        rc = px_err_oom(err);
        goto done;
    }
    if (!(r = px__exec_cached(db, PX__Q_AGG_APPLY, sql.data, 10, p, err))) {
        rc = err->rc;
        goto done;
    }
    rc = applied_read(out, r, s, err);
done:
    PQclear(r);
    px_buf_dispose(&sql);
    arrays_dispose(&a);
    free(g);
    free(gt);
    free(se);
    free(x);
    free(num);
    return rc;
}

/* ---- the aggregations and their events: one multi-row insert ---------------------------- */

/* The aggregation rows (one per parent) and the container events (each with its EPCs as one
 * space-separated text: EPC URIs hold no space), in event order: seq follows it. The events'
 * aggregation_id references rows of the same statement: the foreign key is checked at its
 * end. */
/* clang-format off */
static const char RECORD[] =
    "WITH a AS (INSERT INTO aggregation (id, org_id, tenant_id, action, parent_sscc, "
    "parent_gtin, parent_serial, children, created_at) SELECT t.id, $1::uuid, $2::uuid, $3, "
    "nullif(t.p, ''), nullif(t.pg, ''), nullif(t.ps, ''), t.n, "
    PX__SQL_US("$4") " FROM "
    "unnest($5::uuid[], $6::text[], $19::text[], $20::text[], $7::int[]) AS t(id, p, pg, ps, n) "
    "RETURNING 1) "
    "INSERT INTO container_event (id, tenant_id, org_id, aggregation_id, type, action, "
    "biz_step, disposition, event_time, tz_offset_min, parent_id, parent_sscc, parent_gtin, "
    "parent_serial, epcs, read_point, biz_location, event_hash) SELECT e.id, $2::uuid, "
    "$1::uuid, e.agg, e.ty, e.ac, e.bs, nullif(e.di, ''), " PX__SQL_US("$23") ", $24::smallint, "
    "nullif(e.pid, ''), nullif(e.ps, ''), "
    "nullif(e.pg, ''), nullif(e.pse, ''), string_to_array(e.ep, ' '), nullif(e.rp, ''), "
    "nullif(e.bl, ''), e.h FROM "
    "unnest($8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[], "
    "$14::text[], $15::text[], $21::text[], $22::text[], $16::text[], $17::text[], $25::text[], "
    "$18::text[]) WITH ORDINALITY AS e(id, agg, ty, ac, bs, di, pid, ps, pg, pse, ep, rp, bl, "
    "h, o) ORDER BY e.o";
/* clang-format on */

px_rc px_store_agg_record(px_db *db, const px_agg_record_set *s, px_err *err)
{
    arrays a = {.n = 0};
    const char *t = PX__INT(s->created_us);
    size_t k = s->n_aggs ? s->n_aggs : 1;
    char (*num)[24] = calloc(k, sizeof(*num));
    const char **nums = calloc(k, sizeof(*nums));
    px_rc rc = PX_OK;
    if (!num || !nums) {
        rc = px_err_oom(err);
        goto done;
    }
    for (size_t i = 0; i < s->n_aggs; i++) {
        snprintf(num[i], sizeof(num[i]), "%ld", s->children[i]);
        nums[i] = num[i];
    }
    const char *p[25] = {s->org_id, s->tenant_id, s->action, t};
    p[22] = PX__INT(s->event_us);
    p[23] = PX__INT(s->tz_offset_min);
    const px_agg_event_cols *e = &s->events;
    if (!(p[4] = arrays_add(&a, s->agg_ids, s->n_aggs, err)) ||
        !(p[5] = arrays_add(&a, s->parents, s->n_aggs, err)) ||
        !(p[6] = arrays_add(&a, nums, s->n_aggs, err)) ||
        !(p[7] = arrays_add(&a, e->id, e->n, err)) ||
        !(p[8] = arrays_add(&a, e->aggregation_id, e->n, err)) ||
        !(p[9] = arrays_add(&a, e->type, e->n, err)) ||
        !(p[10] = arrays_add(&a, e->action, e->n, err)) ||
        !(p[11] = arrays_add(&a, e->biz_step, e->n, err)) ||
        !(p[12] = arrays_add(&a, e->disposition, e->n, err)) ||
        !(p[13] = arrays_add(&a, e->parent_id, e->n, err)) ||
        !(p[14] = arrays_add(&a, e->parent_sscc, e->n, err)) ||
        !(p[15] = arrays_add(&a, e->epcs, e->n, err)) ||
        !(p[16] = arrays_add(&a, e->read_point, e->n, err)) ||
        !(p[17] = arrays_add(&a, e->event_hash, e->n, err)) ||
        !(p[18] = arrays_add(&a, s->parent_gtins, s->n_aggs, err)) ||
        !(p[19] = arrays_add(&a, s->parent_serials, s->n_aggs, err)) ||
        !(p[20] = arrays_add(&a, e->parent_gtin, e->n, err)) ||
        !(p[21] = arrays_add(&a, e->parent_serial, e->n, err)) ||
        !(p[24] = arrays_add(&a, e->biz_location, e->n, err))) {
        rc = err->rc;
        goto done;
    }
    rc = px__cmd(px__exec_cached(db, PX__Q_AGG_RECORD, RECORD, (int)PX_COUNT(p), p, err), err);
done:
    arrays_dispose(&a);
    free(num);
    free(nums);
    return rc;
}

/* ---- cases that carry their own GTIN --------------------------------------------------- */

/* The listed cases with what the use case decides on: state, MAH, who commissioned them or
 * was allocated them, whether that holder (the commissioner, else the allocatee) is a CMO
 * actively partnered on the product, whether they are inside a case. */
#define HOLDER_PARTNERED PX__CMO_PARTNERED("coalesce(s.commissioned_by, s.allocated_to)", "s.gtin")
static const char CASES_LOCK[] =
    "SELECT l.o, s.state, p.mah_id, coalesce(s.commissioned_by::text, ''), "
    "s.released_at IS NOT NULL, " HOLDER_PARTNERED ", s.parent_gtin IS NOT NULL, "
    "p.company_prefix_length, coalesce(s.allocated_to::text, '') "
    "FROM unnest($1::char(14)[], $2::text[]) WITH ORDINALITY AS l(g, se, o) "
    "JOIN serial s ON s.gtin = l.g AND s.serial = l.se JOIN product p ON p.gtin = s.gtin "
    "ORDER BY s.gtin, s.serial FOR UPDATE OF s";

px_rc px_store_agg_cases_lock(px_db *db, const char *const *gtins, const char *const *serials,
                              size_t n, px_case_parent *out, px_err *err)
{
    memset(out, 0, n * sizeof(*out));
    arrays a = {.n = 0};
    const char *p[2];
    if (!(p[0] = arrays_add(&a, gtins, n, err)) || !(p[1] = arrays_add(&a, serials, n, err))) {
        arrays_dispose(&a);
        return err->rc;
    }
    PGresult *r = px__exec(db, CASES_LOCK, 2, p, err);
    arrays_dispose(&a);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++) {
        long o = strtol(px__val(r, i, 0), NULL, 10);
        if (o < 1 || (size_t)o > n)
            continue;
        px_case_parent *c = &out[o - 1];
        c->found = 1;
        px__texts(r, i, 1, PX__TEXT(c->state), PX__TEXT(c->tenant_id), PX__TEXT(c->commissioned_by),
                  NULL);
        c->released = strcmp(px__val(r, i, 4), "t") == 0;
        c->partnered = strcmp(px__val(r, i, 5), "t") == 0;
        c->in_case = strcmp(px__val(r, i, 6), "t") == 0;
        c->gcp_len = (int)strtol(px__val(r, i, 7), NULL, 10);
        px_strlcpy(c->allocated_to, px__val(r, i, 8), sizeof(c->allocated_to));
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_pack_case(px_db *db, char gtin[15], char serial[21], const char *pack_gtin,
                         const char *pack_serial, const char *cmo_org, px_err *err)
{
    gtin[0] = serial[0] = '\0';
    PGresult *r = px__exec(db,
                           "SELECT s.parent_gtin, s.parent_serial FROM serial s JOIN serial c ON "
                           "c.gtin = s.parent_gtin AND c.serial = s.parent_serial WHERE s.gtin = "
                           "$1 AND s.serial = $2 AND " PX__CMO_SEES("c", "$3"),
                           PX__ARGS(pack_gtin, pack_serial, px__nz(cmo_org)), err);
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0) {
        px_strlcpy(gtin, px__val(r, 0, 0), 15);
        px_strlcpy(serial, px__val(r, 0, 1), 21);
    }
    PQclear(r);
    return PX_OK;
}

static void case_child_row(px_case_child *c, const PGresult *r, int i)
{
    *c = (px_case_child){px__val(r, i, 0), px__val(r, i, 1), px__val(r, i, 2), px__val(r, i, 3)};
}

px_rc px_store_case_children_each(px_db *db, const char *gtin, const char *serial,
                                  const char *cmo_org, long limit, px_case_child_fn fn, void *ctx,
                                  px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT s.gtin, s.serial, s.state, coalesce(s.batch, '') FROM serial s "
                           "WHERE s.parent_gtin = $1 AND s.parent_serial = $2 AND " PX__CMO_SEES(
                               "s", "$4") " ORDER BY s.gtin, s.serial LIMIT $3::bigint",
                           PX__ARGS(gtin, serial, PX__INT(limit), px__nz(cmo_org)), err);
    PX__RETURN_EACH_ROW(r, err, px_case_child, case_child_row, fn, ctx);
}

#define LAST_EVENT_US(where)                                                                       \
    "SELECT coalesce((EXTRACT(EPOCH FROM max(event_time)) * 1000000)::bigint, 0) FROM "            \
    "container_event WHERE " where

px_rc px_store_parent_last_event_us(px_db *db, const char *sscc, const char *gtin,
                                    const char *serial, long long *us, px_err *err)
{
    *us = 0;
    return sscc ? px__exec_number(db, LAST_EVENT_US("parent_sscc = $1"), PX__ARGS(sscc), us, err)
                : px__exec_number(db, LAST_EVENT_US("parent_gtin = $1 AND parent_serial = $2"),
                                  PX__ARGS(gtin, serial), us, err);
}
