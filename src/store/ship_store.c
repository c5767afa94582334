/* What shipping, decommissioning and recalling do to the packing hierarchy (ship_store.h). */
#include "ship_store.h"

#include <stdlib.h>

#include "agg_sql.h"
#include "lifecycle_store.h"
#include "px_buf.h"
#include "store_internal.h"

/* Runs sql with the list v as its last parameter, one text[] ($1, or $2 after gtin when gtin
 * is given); NULL with err set when the list is too big or the statement fails. */
static PGresult *exec_list(px_db *db, const char *sql, const char *gtin, const char *const *v,
                           size_t n, px_err *err)
{
    px_buf b;
    const char *a = px__text_array(&b, v, n, "items", err);
    PGresult *r = NULL;
    if (a) {
        const char *p[] = {gtin ? gtin : a, a};
        r = px__exec(db, sql, gtin ? 2 : 1, p, err);
    }
    px_buf_dispose(&b);
    return r;
}

static void left_child_row(px_left_child *lc, const PGresult *r, int i)
{
    *lc = (px_left_child){px__val(r, i, 0), px__val(r, i, 1), px__val(r, i, 2), px__val(r, i, 3),
                          px__val(r, i, 4)};
}

/* Each child row of a leave: parent, its prefix, the child, the child's prefix, the parent
 * case's GTIN. */
static px_rc each_left(PGresult *r, px_left_child_fn fn, void *ctx, px_err *err)
{
    PX__RETURN_EACH_ROW(r, err, px_left_child, left_child_row, fn, ctx);
}

/* The CTE reads the links as they were; the UPDATE clears them in the same statement (a
 * data-modifying WITH sees the snapshot of the statement's start). The rows are the caller's,
 * already locked by the operation that changed them. A case's company prefix is the one of its
 * product's GTIN (digits 2 … 1 + its length). `cond` narrows the packs that leave. */
#define PACKS_LEAVE(cond)                                                                          \
    "WITH was AS (SELECT serial, parent_sscc, parent_gtin, parent_serial FROM serial w WHERE "    \
    "gtin = $1 AND serial = ANY ($2::text[]) AND (parent_sscc IS NOT NULL OR parent_gtin IS NOT " \
    "NULL)" cond "), cleared AS (UPDATE serial s SET parent_sscc = NULL, parent_gtin = NULL, "    \
    "parent_serial = NULL FROM was WHERE s.gtin = $1 AND s.serial = was.serial) "                 \
    "SELECT coalesce(was.parent_sscc::text, was.parent_serial), "                                  \
    "coalesce(x.company_prefix::text, substr(was.parent_gtin, 2, p.company_prefix_length)), "     \
    "was.serial, '', coalesce(was.parent_gtin, '') FROM was LEFT JOIN sscc x ON x.sscc = "        \
    "was.parent_sscc LEFT JOIN product p ON p.gtin = was.parent_gtin ORDER BY 5, 1, 3"

px_rc px_store_packs_leave_containers(px_db *db, const char *gtin, const char *const *serials,
                                      size_t n, int dead_only, px_left_child_fn fn, void *ctx,
                                      px_err *err)
{
    /* REQ-AGG-15: a reactivated pack leaves only a container (or case) that stays
     * decommissioned; one reactivated in the same request, or never decommissioned, keeps it. */
    static const char dead[] =
        PACKS_LEAVE(" AND (EXISTS (SELECT 1 FROM sscc d WHERE d.sscc = w.parent_sscc AND "
                    "d.state = 'decommissioned') OR EXISTS (SELECT 1 FROM serial d WHERE "
                    "d.gtin = w.parent_gtin AND d.serial = w.parent_serial AND d.state = "
                    "'decommissioned'))");
    return each_left(exec_list(db, dead_only ? dead : PACKS_LEAVE(""), gtin, serials, n, err), fn,
                     ctx, err);
}

/* The listed containers ($1) not below another listed one (top: r, o = first position): walks
 * up from each; one with a listed ancestor travels inside it. */
#define TOP_LISTED                                                                                 \
    "WITH RECURSIVE l AS (SELECT q.r, min(q.o) AS o FROM unnest($1::char(18)[]) WITH "             \
    "ORDINALITY AS q(r, o) GROUP BY q.r), up(sscc, anc, d) AS (SELECT x.sscc, "                    \
    "x.parent_sscc, 1 FROM sscc x JOIN l ON x.sscc = l.r WHERE x.parent_sscc IS NOT NULL "         \
    "UNION ALL SELECT up.sscc, x.parent_sscc, up.d + 1 FROM up JOIN sscc x ON x.sscc = "           \
    "up.anc WHERE x.parent_sscc IS NOT NULL AND up.d < " PX_AGG_DEPTH_GUARD                        \
    "), top AS (SELECT l.r, l.o FROM l "                                                           \
    "WHERE NOT EXISTS (SELECT 1 FROM up JOIN l AS l2 ON l2.r = up.anc WHERE up.sscc = "            \
    "l.r)) "

px_rc px_store_containers_leave_parents(px_db *db, const char *const *ssccs, size_t n,
                                        px_left_child_fn fn, void *ctx, px_err *err)
{
    return each_left(exec_list(db,
                               TOP_LISTED
                               ", was AS (SELECT x.sscc, x.company_prefix, x.parent_sscc FROM "
                               "top JOIN sscc x ON x.sscc = top.r WHERE x.parent_sscc IS NOT "
                               "NULL), cleared AS (UPDATE sscc s SET parent_sscc = NULL FROM "
                               "was WHERE s.sscc = was.sscc) SELECT was.parent_sscc, "
                               "x.company_prefix, was.sscc, was.company_prefix, '' FROM was "
                               "JOIN sscc x ON x.sscc = was.parent_sscc ORDER BY 1, 3",
                               NULL, ssccs, n, err),
                     fn, ctx, err);
}

px_rc px_store_containers_top_each(px_db *db, const char *const *ssccs, size_t n,
                                   px_top_container_fn fn, void *ctx, px_err *err)
{
    PGresult *r = exec_list(db,
                            TOP_LISTED "SELECT top.r, x.company_prefix FROM top JOIN sscc x ON "
                                       "x.sscc = top.r ORDER BY top.o",
                            NULL, ssccs, n, err);
    return px__each_pair(r, fn, ctx, err);
}
