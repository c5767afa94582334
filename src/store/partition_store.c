/* SQL of epcis_event's monthly partitions (partition_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition_store.h"
#include "px_str.h"
#include "store_internal.h"

px_rc px_store_partitions_ensure(px_db *db, const char *month, int ahead, int *created,
                                 px_err *err)
{
    *created = 0;
    char n[16];
    snprintf(n, sizeof(n), "%d", ahead);
    const char *p[] = {month, n};
    /* One statement: epcis_event_add_partition (migration 0111) is idempotent per month. */
    PGresult *r = px__exec(db,
                           "SELECT count(*) FILTER (WHERE epcis_event_add_partition(m::date)) "
                           "FROM generate_series(date_trunc('month', coalesce($1::date, "
                           "current_date)), date_trunc('month', coalesce($1::date, "
                           "current_date)) + make_interval(months => $2::int), "
                           "interval '1 month') AS m",
                           2, p, err);
    if (!r)
        return err->rc;
    *created = atoi(px__val(r, 0, 0));
    PQclear(r);
    return PX_OK;
}

px_rc px_store_partition_default_rows(px_db *db, long long *rows, px_err *err)
{
    PGresult *r = px__exec(db, "SELECT count(*) FROM epcis_event_default", 0, NULL, err);
    if (!r)
        return err->rc;
    *rows = strtoll(px__val(r, 0, 0), NULL, 10);
    PQclear(r);
    return PX_OK;
}

/* A partition name the catalogue gave and the pattern below admitted: safe to put in SQL. */
static int month_name(const char *s)
{
    if (strncmp(s, "epcis_event_p", 13) != 0 || strlen(s) != 19)
        return 0;
    for (int i = 13; i < 19; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The day the packs named by partition `name`'s events let it go: the latest expiry among
 * them plus after_expiry_months (YYYY-MM-DD), "" when its events name no pack with an expiry.
 * An expiry YYMMDD counts as the end of its month (DD 00 is allowed, GS1 General
 * Specifications 3.4.7), years 20YY (valid to 2099). A release event without a lot cannot be
 * joined to its packs through the batch index: it holds the month forever, to be safe. */
static px_rc packs_keep_until(px_db *db, const char *name, int after_expiry_months,
                              char out[11], px_err *err)
{
    char sql[2048], m[16];
    snprintf(m, sizeof(m), "%d", after_expiry_months);
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(to_char(max((make_date(2000 + left(x, 2)::int, substr(x, 3, "
             "2)::int, 1) + interval '1 month')::date + make_interval(months => $1::int)), "
             "'YYYY-MM-DD'), '') FROM ("
             "SELECT expiry FROM %s WHERE expiry IS NOT NULL "
             "UNION ALL SELECT s.expiry FROM %s e JOIN serial s ON s.gtin = e.gtin AND "
             "s.batch = e.lot AND s.commission_id = e.commission_id WHERE e.serial_set = "
             "'commission' "
             "UNION ALL SELECT s.expiry FROM %s e JOIN serial s ON s.gtin = e.gtin AND "
             "s.batch = e.lot AND s.release_id = e.release_id WHERE e.serial_set = 'release' "
             "UNION ALL SELECT '991231' FROM %s e WHERE e.serial_set = 'release' AND e.lot IS "
             "NULL "
             "UNION ALL SELECT s.expiry FROM %s e JOIN serial s ON s.gtin = e.gtin AND "
             "s.serial = ANY (e.serials) WHERE e.serial_set = 'list') t(x) "
             "WHERE x ~ '^[0-9]{2}(0[1-9]|1[0-2])[0-9]{2}$'",
             name, name, name, name, name);
    const char *p[] = {m};
    PGresult *r = px__exec(db, sql, 1, p, err);
    if (!r)
        return err->rc;
    px_strlcpy(out, px__val(r, 0, 0), 11);
    PQclear(r);
    return PX_OK;
}

/* Decides one row: keep_until is the later of its age's and its packs' day. */
static px_rc judge(px_db *db, px_partition_row *row, const char *today, int after_expiry_months,
                   px_err *err)
{
    row->held_by_packs = 0;
    row->detachable = 0;
    if (strcmp(row->keep_until, today) > 0)
        return PX_OK; /* its age alone keeps it: the packs need not be asked */
    char packs[11];
    px_rc rc = packs_keep_until(db, row->name, after_expiry_months, packs, err);
    if (rc != PX_OK)
        return rc;
    if (packs[0] && strcmp(packs, row->keep_until) > 0) {
        px_strlcpy(row->keep_until, packs, sizeof(row->keep_until));
        row->held_by_packs = 1;
    }
    row->detachable = strcmp(row->keep_until, today) <= 0;
    return PX_OK;
}

#define MONTHS_SQL                                                                               \
    "SELECT c.relname, to_char(b.m, 'YYYY-MM-DD'), to_char(b.m + interval '1 month', "         \
    "'YYYY-MM-DD'), greatest(c.reltuples, 0)::bigint, to_char(b.m + interval '1 month' + "      \
    "make_interval(months => $1::int), 'YYYY-MM-DD') FROM pg_inherits i JOIN pg_class c ON "    \
    "c.oid = i.inhrelid, LATERAL (SELECT to_date(substr(c.relname, 14), 'YYYYMM')::timestamp " \
    "AS m) b WHERE i.inhparent = 'epcis_event'::regclass AND c.relname ~ "                      \
    "'^epcis_event_p[0-9]{6}$'"

static void row_of(px_partition_row *row, const PGresult *r, int i)
{
    memset(row, 0, sizeof(*row));
    px_strlcpy(row->name, px__val(r, i, 0), sizeof(row->name));
    px_strlcpy(row->from, px__val(r, i, 1), sizeof(row->from));
    px_strlcpy(row->to, px__val(r, i, 2), sizeof(row->to));
    row->rows = strtoll(px__val(r, i, 3), NULL, 10);
    px_strlcpy(row->keep_until, px__val(r, i, 4), sizeof(row->keep_until));
}

px_rc px_store_partitions_list(px_db *db, const char *today, int retention_months,
                               int after_expiry_months, px_partition_row **rows, int *n,
                               px_err *err)
{
    *rows = NULL;
    *n = 0;
    char m[16];
    snprintf(m, sizeof(m), "%d", retention_months);
    const char *p[] = {m};
    PGresult *r = px__exec(db, MONTHS_SQL " ORDER BY c.relname", 1, p, err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    int count = PQntuples(r);
    px_partition_row *out = calloc((size_t)(count ? count : 1), sizeof(*out));
    if (!out) {
        rc = px_err_oom(err);
        goto done;
    }
    for (int i = 0; i < count && rc == PX_OK; i++) {
        row_of(&out[i], r, i);
        if (month_name(out[i].name))
            rc = judge(db, &out[i], today, after_expiry_months, err);
    }
    if (rc != PX_OK) {
        free(out);
        goto done;
    }
    *rows = out;
    *n = count;
done:
    PQclear(r);
    return rc;
}

px_rc px_store_partition_detach(px_db *db, const char *name, const char *today,
                                int retention_months, int after_expiry_months, px_err *err)
{
    if (!month_name(name))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "%s is not a month of epcis_event",
                          name);
    /* The parent's lock first: no event enters or leaves the month while it is judged. */
    PGresult *r = px__exec(db, "LOCK TABLE epcis_event IN SHARE ROW EXCLUSIVE MODE", 0, NULL,
                           err);
    if (!r)
        return err->rc;
    PQclear(r);
    char m[16];
    snprintf(m, sizeof(m), "%d", retention_months);
    const char *p[] = {m, name};
    if (!(r = px__exec(db, MONTHS_SQL " AND c.relname = $2", 2, p, err)))
        return err->rc;
    px_rc rc = PX_OK;
    px_partition_row row;
    if (PQntuples(r) != 1) {
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "%s is not a month of epcis_event",
                        name);
        goto done;
    }
    row_of(&row, r, 0);
    if ((rc = judge(db, &row, today, after_expiry_months, err)) != PX_OK)
        goto done;
    /* REQ-SCALE-3: a month leaves epcis_event only when its age and every pack its events
     * name are past the retention (PACKID_RETENTION_MONTHS, PACKID_RETENTION_AFTER_EXPIRY_MONTHS). */
    if (!row.detachable) {
        rc = px_err_set(err, PX_ESTATE, "retention_not_passed",
                        "%s is kept until %s (%s)", name, row.keep_until,
                        row.held_by_packs ? "a pack's expiry" : "the month's age");
        goto done;
    }
    char sql[128];
    snprintf(sql, sizeof(sql), "ALTER TABLE epcis_event DETACH PARTITION %s", name);
    rc = px_db_exec(db, sql, err);
done:
    PQclear(r);
    return rc;
}
