/* An organization's company prefixes beyond its GLN's (store.h, REQ-SSCC-8,
 * migrations/0183_org_company_prefixes.sql). */
#include <stdlib.h>

#include "store_internal.h"

/* Runs sql with $1 org_id and $2 the prefixes as a text array; the result or NULL (err set). */
static PGresult *with_prefixes(px_db *db, const char *sql, const char *org_id,
                               const char *const *prefixes, size_t n, px_err *err)
{
    px_buf b;
    const char *a = px__text_array(&b, prefixes, n, "company_prefixes", err);
    const char *p[] = {org_id, a};
    PGresult *r = a ? px__exec(db, sql, 2, p, err) : NULL;
    px_buf_dispose(&b);
    return r;
}

px_rc px_store_org_prefix_taken(px_db *db, long *taken, const char *org_id,
                                const char *const *prefixes, size_t n, px_err *err)
{
    *taken = -1;
    /* GS1 licenses a prefix to one company: another organization's (listed, or its GLN's) or
     * a product's (a MAH's) is not this one's to build SSCCs under. */
    PGresult *r = with_prefixes(db,
                                "SELECT t.i - 1 FROM unnest($2::text[]) WITH ORDINALITY AS "
                                "t(p, i) WHERE EXISTS (SELECT 1 FROM org_company_prefix x WHERE "
                                "x.company_prefix = t.p AND x.org_id <> $1::uuid) OR EXISTS "
                                "(SELECT 1 FROM organization o WHERE o.id <> $1::uuid AND "
                                "o.gln_prefix_length IS NOT NULL AND left(o.gln, "
                                "o.gln_prefix_length) = t.p) OR EXISTS (SELECT 1 FROM product "
                                "pr WHERE substr(pr.gtin, 2, pr.company_prefix_length) = t.p) "
                                "ORDER BY t.i LIMIT 1",
                                org_id, prefixes, n, err);
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0)
        *taken = strtol(px__val(r, 0, 0), NULL, 10);
    PQclear(r);
    return PX_OK;
}

px_rc px_store_org_prefixes_set(px_db *db, const char *org_id, const char *const *prefixes,
                                size_t n, px_err *err)
{
    /* One statement: the prefixes left off go, the new ones come (ON CONFLICT: kept ones). */
    PGresult *r = with_prefixes(db,
                                "WITH gone AS (DELETE FROM org_company_prefix WHERE org_id = "
                                "$1::uuid AND company_prefix <> ALL ($2::text[])) INSERT INTO "
                                "org_company_prefix (org_id, company_prefix) SELECT $1::uuid, "
                                "t.p FROM unnest($2::text[]) AS t(p) ON CONFLICT (org_id, "
                                "company_prefix) DO NOTHING",
                                org_id, prefixes, n, err);
    if (!r)
        return err->rc;
    PQclear(r);
    return PX_OK;
}
