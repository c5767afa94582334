/* An organization's company prefixes beyond its GLN's (store.h, REQ-SSCC-8,
 * migrations/0183_org_company_prefixes.sql). */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Runs sql with $1 org_id and $2 the prefixes as a text array; the result or NULL (err set). */
static PGresult *with_prefixes(px_db *db, const char *sql, const char *org_id,
                               const char *const *prefixes, size_t n, px_err *err)
{
    return px__exec_with_array(db, sql, org_id, prefixes, n, "company_prefixes", err);
}

/* Prefix t.p and a held prefix h are one licensee's numbers when either begins with the other:
 * GS1 licenses a company prefix to one company and never hands out a longer prefix that begins
 * with it, so an SSCC under the longer one would also begin with the shorter one's. */
#define OVERLAPS(h) "(starts_with(" h ", t.p) OR starts_with(t.p, " h "))"

/* A prefix listed by an organization other than $1. */
#define LISTED_BY_OTHER                                                                            \
    "EXISTS (SELECT 1 FROM org_company_prefix x WHERE x.org_id <> $1::uuid AND " OVERLAPS(         \
        "x.company_prefix") ")"

/* A CMO (its id, GLN and GLN prefix length as SQL, the length NULL when unknown) and a MAH
 * (its id) whose prefixes may meet: a CMO site's GLN may be one its MAH numbered under its own
 * prefix (docs/api.md "POST /v1/partners"), so it says nothing against a MAH it partners with,
 * nor one whose own GLN has the same prefix (its length unknown: lies under the MAH's GLN
 * prefix, the one length it could then take). The one statement of this exception, for a
 * product's prefix as for a GLN's. */
#define CMO_OF(mah, cmo, cmo_gln, cmo_len)                                                         \
    "(EXISTS (SELECT 1 FROM partnership ps WHERE ps.mah_id = " mah " AND ps.cmo_id = " cmo         \
    ") OR EXISTS (SELECT 1 FROM organization m WHERE m.id = " mah " AND m.gln_prefix_length = "    \
    "coalesce(" cmo_len                                                                            \
    ", m.gln_prefix_length) AND left(m.gln, m.gln_prefix_length) = left(" cmo_gln                  \
    ", m.gln_prefix_length)))"

px_rc px_store_org_prefix_taken(px_db *db, long *taken, const char *org_id,
                                const char *const *prefixes, size_t n, px_err *err)
{
    *taken = -1;
    /* Lists change one at a time (this mode conflicts with itself), so two organizations
     * listing overlapping prefixes at once cannot both pass the check below; the transaction
     * holds the lock until the list is written. */
    if (px__exec_cmd(db, "LOCK TABLE org_company_prefix IN SHARE ROW EXCLUSIVE MODE", 0, NULL,
                     err) != PX_OK)
        return err->rc;
    /* GS1 licenses a prefix to one company: another organization's (listed, or its GLN's) or
     * a product's (a MAH's) is not this one's to build SSCCs under. Nor is one another
     * organization's GLN lies under, its length unknown: every length it could be given would
     * overlap this prefix, so that organization would never get a read point. */
    /* clang-format off */
    PGresult *r = with_prefixes(db,
                                "SELECT t.i - 1 FROM unnest($2::text[]) WITH ORDINALITY AS "
                                "t(p, i) WHERE " LISTED_BY_OTHER " OR EXISTS (SELECT 1 FROM organization o WHERE o.id <> "
                                "$1::uuid AND o.gln_prefix_length IS NOT NULL AND "
                                OVERLAPS("left(o.gln, o.gln_prefix_length)")
                                ") OR EXISTS (SELECT 1 FROM organization o WHERE o.id <> "
                                "$1::uuid AND o.gln_prefix_length IS NULL AND "
                                "starts_with(o.gln, t.p)) OR EXISTS (SELECT 1 FROM product pr "
                                "WHERE " OVERLAPS("substr(pr.gtin, 2, pr.company_prefix_length)")
                                ") ORDER BY t.i LIMIT 1",
                                org_id, prefixes, n, err);
    /* clang-format on */
    if (!r)
        return err->rc;
    if (PQntuples(r) > 0)
        *taken = strtol(px__val(r, 0, 0), NULL, 10);
    PQclear(r);
    return PX_OK;
}

px_rc px_store_gtin_prefix_taken(px_db *db, int *taken, const char *mah_id, const char *prefix,
                                 px_err *err)
{
    *taken = 0;
    /* The listings' own mode: registrations of products under overlapping prefixes by two
     * MAHs at once, or one beside a listing, cannot both pass the check below. */
    if (px__exec_cmd(db, "LOCK TABLE org_company_prefix IN SHARE ROW EXCLUSIVE MODE", 0, NULL,
                     err) != PX_OK)
        return err->rc;
    /* GS1 licenses a prefix to one company (GS1 General Specifications §1.4): one another
     * organization listed, another MAH's products are numbered under, or another
     * organization's GLN is numbered under -- at its length, or, its length unknown, lying
     * under this prefix (every length it could be given would then be refused: it would never
     * have a read point) -- unless that is a CMO of this MAH's (CMO_OF). */
    /* clang-format off */
    return px__exec_true(db,
                 "SELECT EXISTS (SELECT 1 FROM (SELECT $2::text AS p) t WHERE " LISTED_BY_OTHER
                 " OR EXISTS (SELECT 1 FROM product pr WHERE pr.mah_id <> $1::uuid AND "
                 OVERLAPS("substr(pr.gtin, 2, pr.company_prefix_length)") ") OR EXISTS (SELECT "
                 "1 FROM organization o WHERE o.id <> $1::uuid AND (o.gln_prefix_length IS NOT "
                 "NULL AND " OVERLAPS("left(o.gln, o.gln_prefix_length)") " OR o.gln_prefix_length "
                 "IS NULL AND starts_with(o.gln, t.p)) AND NOT (o.kind = 'cmo' AND "
                 CMO_OF("$1::uuid", "o.id", "o.gln", "o.gln_prefix_length") ")))",
                 PX__ARGS(mah_id, prefix), taken, err);
    /* clang-format on */
}

px_rc px_store_gln_taken(px_db *db, int *taken, const char *org_id, const char *gln, px_err *err)
{
    *taken = 0;
    /* Two organizations given one GLN at once: the second waits for the first's commit, then
     * sees it (no unique index: a row written before this rule may share one). */
    if (px__exec_cmd(db, "SELECT pg_advisory_xact_lock(" PX__LOCK_GLN ", hashtext($1::text))",
                     PX__ARGS(gln), err) != PX_OK)
        return err->rc;
    return px__exec_true(db,
                         "SELECT EXISTS (SELECT 1 FROM organization WHERE gln = $1 AND id::text "
                         "<> $2)",
                         PX__ARGS(gln, org_id), taken, err);
}

px_rc px_store_gln_prefix_taken(px_db *db, int *taken, const px_org *org, const char *prefix,
                                const char *partner_mah, px_err *err)
{
    *taken = 0;
    /* SHARE: does not wait for other GLNs, but for a list being changed or a product being
     * registered (whose SHARE ROW EXCLUSIVE locks conflict with it), and keeps both off
     * meanwhile. */
    if (px__exec_cmd(db, "LOCK TABLE org_company_prefix IN SHARE MODE", 0, NULL, err) != PX_OK)
        return err->rc;
    /* A new organization has no row yet: the nil UUID is no organization's. */
    static const char nil[] = "00000000-0000-0000-0000-000000000000";
    char len[8];
    snprintf(len, sizeof(len), "%d", org->gln_prefix_length);
    /* The mirror of the product's rule above: a prefix another organization listed, or another
     * MAH's products are numbered under, unless this is a CMO of that MAH's: one partnered, one
     * whose GLN is under the MAH's own GLN prefix, or the new CMO of the MAH's partnership
     * ($6). Another organization's GLN does not count: two sites of one company share a
     * prefix. */
    /* clang-format off */
    return px__exec_true(db,
                 "SELECT EXISTS (SELECT 1 FROM (SELECT $2::text AS p) t WHERE " LISTED_BY_OTHER
                 " OR EXISTS (SELECT 1 FROM product pr WHERE pr.mah_id <> $1::uuid AND "
                 OVERLAPS("substr(pr.gtin, 2, pr.company_prefix_length)") " AND NOT ($3 = "
                 "'cmo' AND (pr.mah_id = $6::uuid OR "
                 CMO_OF("pr.mah_id", "$1::uuid", "$4::text", "$5::int") "))))",
                 PX__ARGS(org->id[0] ? org->id : nil, prefix, org->kind, org->gln,
                          org->gln_prefix_length ? len : NULL, partner_mah ? partner_mah : nil),
                 taken, err);
    /* clang-format on */
}

px_rc px_store_org_prefixes_set(px_db *db, const char *org_id, const char *const *prefixes,
                                size_t n, px_err *err)
{
    /* One statement: the prefixes left off go, the new ones come (ON CONFLICT: kept ones). */
    return px__cmd(with_prefixes(db,
                                 "WITH gone AS (DELETE FROM org_company_prefix WHERE org_id = "
                                 "$1::uuid AND company_prefix <> ALL ($2::text[])) INSERT INTO "
                                 "org_company_prefix (org_id, company_prefix) SELECT $1::uuid, "
                                 "t.p FROM unnest($2::text[]) AS t(p) ON CONFLICT (org_id, "
                                 "company_prefix) DO NOTHING",
                                 org_id, prefixes, n, err),
                   err);
}
