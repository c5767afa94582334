/* Allotments and their monthly usage (allotment_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allotment_store.h"
#include "px_str.h"
#include "store_internal.h"

/* The month is the calendar month in UTC, whatever the server's or the session's time zone. */
#define THIS_MONTH "(date_trunc('month', now() AT TIME ZONE 'UTC'))::date"

/* The columns every read returns, in row_allotment's order, over `o` (the organization's id),
 * `a` (allotment) and `u` (this month's usage). */
#define ALLOTMENT_COLS                                                                         \
    "o.id, coalesce(a.serials_per_month, -1), coalesce(a.carriers_per_month, -1), "            \
    "coalesce(u.serials, 0), coalesce(u.carriers, 0), to_char(" THIS_MONTH ", 'YYYY-MM'), "    \
    "to_char((" THIS_MONTH " + interval '1 month'), 'YYYY-MM-DD\"T\"00:00:00\"Z\"')"
#define ALLOTMENT_FROM                                                                         \
    " FROM organization o LEFT JOIN allotment a ON a.org_id = o.id "                           \
    "LEFT JOIN allotment_usage u ON u.org_id = o.id AND u.period = " THIS_MONTH

static void row_allotment(px_allotment *out, const PGresult *r, int i)
{
    memset(out, 0, sizeof(*out));
    px_strlcpy(out->org_id, px__val(r, i, 0), sizeof(out->org_id));
    for (int k = 0; k < PX_ALLOT__COUNT; k++) {
        out->limit[k] = strtoll(px__val(r, i, 1 + k), NULL, 10);
        out->used[k] = strtoll(px__val(r, i, 3 + k), NULL, 10);
    }
    px_strlcpy(out->period, px__val(r, i, 5), sizeof(out->period));
    px_strlcpy(out->resets_at, px__val(r, i, 6), sizeof(out->resets_at));
}

px_rc px_store_allotment_get(px_db *db, const char *org_id, px_allotment *out, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT " ALLOTMENT_COLS ALLOTMENT_FROM " WHERE o.id = $1::uuid",
                           PX__ARGS(org_id), err);
    return PX__ONE_ROW(r, err, row_allotment, out, "not_found", "organization not found");
}

static const char *limit_param(char *buf, size_t cap, long long v)
{
    if (v < 0)
        return NULL;
    snprintf(buf, cap, "%lld", v);
    return buf;
}

px_rc px_store_allotment_put(px_db *db, const char *org_id, const long long limit[PX_ALLOT__COUNT],
                             px_allotment *out, px_err *err)
{
    char s[24], c[24];
    /* The organization is checked in the same statement: no row inserted, no such org. */
    PGresult *r =
        px__exec(db,
                 "INSERT INTO allotment (org_id, serials_per_month, carriers_per_month) "
                 "SELECT id, $2::bigint, $3::bigint FROM organization WHERE id = $1::uuid "
                 "ON CONFLICT (org_id) DO UPDATE SET serials_per_month = "
                 "EXCLUDED.serials_per_month, carriers_per_month = "
                 "EXCLUDED.carriers_per_month, updated_at = now()",
                 PX__ARGS(org_id, limit_param(s, sizeof(s), limit[PX_ALLOT_SERIALS]),
                          limit_param(c, sizeof(c), limit[PX_ALLOT_CARRIERS])),
                 err);
    long long n = 0;
    if (px__changed(r, &n, err) != PX_OK)
        return err->rc;
    if (n != 1)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "organization not found");
    return px_store_allotment_get(db, org_id, out, err);
}

px_rc px_store_allotment_charge(px_db *db, const char *org_id, px_allot_kind kind, long long n,
                                px_allotment *out, px_err *err)
{
    const char *amount = PX__INT(n);
    /* REQ-ALLOT-2: under READ COMMITTED the conflicting row is locked and re-read at its latest committed
     * version, so the sum never misses a concurrent charge that committed first. */
    if (px__exec_cmd(db,
                     "INSERT INTO allotment_usage AS u (org_id, period, serials, carriers) "
                     "VALUES ($1::uuid, " THIS_MONTH ", $2::bigint, $3::bigint) "
                     "ON CONFLICT (org_id, period) DO UPDATE SET serials = u.serials + "
                     "EXCLUDED.serials, carriers = u.carriers + EXCLUDED.carriers",
                     PX__ARGS(org_id, kind == PX_ALLOT_SERIALS ? amount : "0",
                              kind == PX_ALLOT_CARRIERS ? amount : "0"),
                     err) != PX_OK)
        return err->rc;
    return px_store_allotment_get(db, org_id, out, err);
}

/* Gives back n of column (serials, carriers) to the use of the month and organization the
 * object id of table was charged to: its charged_period (a retry's month, migration 0224),
 * else its creation month (UTC); by_col its organization. The names are this file's
 * constants, never input. Never below 0. */
static px_rc refund(px_db *db, const char *column, const char *table, const char *by_col,
                    const char *id, long long n, px_err *err)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "UPDATE allotment_usage u SET %s = greatest(u.%s - $2::bigint, 0) FROM %s o WHERE "
             "o.id = $1::uuid AND u.org_id = o.%s AND u.period = coalesce(o.charged_period, "
             "(date_trunc('month', o.created_at AT TIME ZONE 'UTC'))::date)",
             column, column, table, by_col);
    return px__exec_cmd(db, sql, PX__ARGS(id, PX__INT(n)), err);
}

px_rc px_store_allotment_refund_allocation(px_db *db, const char *allocation_id, long long n,
                                           px_err *err)
{
    return refund(db, "serials", "allocation", "requested_by", allocation_id, n, err);
}

/* Marks the object id of table as charged this month (a retry's charge). */
static px_rc recharged(px_db *db, const char *table, const char *id, px_err *err)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "UPDATE %s SET charged_period = " THIS_MONTH " WHERE id = $1::uuid",
             table);
    return px__exec_cmd(db, sql, PX__ARGS(id), err);
}

px_rc px_store_allotment_recharged_allocation(px_db *db, const char *allocation_id, px_err *err)
{
    return recharged(db, "allocation", allocation_id, err);
}

px_rc px_store_allotment_recharged_carrier_batch(px_db *db, const char *batch_id, px_err *err)
{
    return recharged(db, "carrier_batch", batch_id, err);
}

px_rc px_store_allotment_refund_carrier_batch(px_db *db, const char *batch_id, long long n,
                                              px_err *err)
{
    return refund(db, "carriers", "carrier_batch", "org_id", batch_id, n, err);
}

px_rc px_store_allotments_each(px_db *db, const char *only_org, const char *after, long limit,
                               px_allotment_fn fn, void *ctx, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "SELECT " ALLOTMENT_COLS ALLOTMENT_FROM
                 " WHERE (a.org_id IS NOT NULL OR u.org_id IS NOT NULL) "
                 "AND ($1::uuid IS NULL OR o.id = $1::uuid) "
                 "AND ($2::uuid IS NULL OR o.id > $2::uuid) ORDER BY o.id LIMIT $3::bigint",
                 PX__ARGS(only_org, px__nz(after), PX__INT(limit)), err);
    PX__RETURN_EACH_ROW(r, err, px_allotment, row_allotment, fn, ctx);
}

px_rc px_store_allotment_totals(px_db *db, long long used[PX_ALLOT__COUNT],
                                long long exhausted[PX_ALLOT__COUNT], px_err *err)
{
    PGresult *r = px__exec(
        db,
        "SELECT coalesce(sum(u.serials), 0), coalesce(sum(u.carriers), 0), "
        "count(*) FILTER (WHERE coalesce(u.serials, 0) >= a.serials_per_month), "
        "count(*) FILTER (WHERE coalesce(u.carriers, 0) >= a.carriers_per_month) "
        "FROM (SELECT org_id, serials, carriers FROM allotment_usage WHERE period = " THIS_MONTH
        ") u FULL JOIN allotment a ON a.org_id = u.org_id",
        0, NULL, err);
    if (!r)
        return err->rc;
    for (int k = 0; k < PX_ALLOT__COUNT; k++) {
        used[k] = strtoll(px__val(r, 0, k), NULL, 10);
        exhausted[k] = strtoll(px__val(r, 0, 2 + k), NULL, 10);
    }
    PQclear(r);
    return PX_OK;
}
