/* SQL of the monthly partitions (partition_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "partition_store.h"
#include "px_buf.h"
#include "px_clock.h"
#include "px_str.h"
#include "store_internal.h"

/* px_partitioned_tables as an SQL array, in the same order. */
#define TABLES_SQL                                                                                 \
    "unnest(ARRAY['epcis_event', 'scan', 'vrs_request', 'report_attempt', 'webhook_attempt', "     \
    "'webhook_delivery', 'audit_log'])"

const char *const px_partitioned_tables[PX_PARTITIONED_N] = {
    "epcis_event",      "scan",     "vrs_request", "report_attempt", "webhook_attempt",
    "webhook_delivery", "audit_log"};

/* The expiries (YYMMDD) of the packs the rows of partition {p} name, per table; NULL when its
 * rows name no pack, so that only the month's age holds it (docs/scaling.md "Partitioning"):
 *   epcis_event: the packs of a commission, a release (by lot) or a list of serials; a
 *     release event without a lot cannot be joined to its packs through the batch index: it
 *     holds the month forever, to be safe;
 *   scan: the scanned pack (an unknown serial names none);
 *   vrs_request: the expiry the requester sent, and the pack's own;
 *   report_attempt, webhook_attempt: a POST's outcome; the packs are in the report or the
 *     event it carried, which stay (only the attempts leave);
 *   webhook_delivery: a copy of an event for a subscriber; the event stays in epcis_event;
 *   audit_log: an entry names what was done, not a pack's life; its month is held by the
 *     signed cuts instead (uncut_sql). */
#define HELD_FOR_GOOD "for-good" /* packs_sql's word for "no expiry lets it go" */
#define KEPT_FOR_GOOD "9999-12-31"
static const char *const packs_sql[PX_PARTITIONED_N] = {
    "SELECT expiry FROM {p} WHERE expiry IS NOT NULL "
    "UNION ALL SELECT s.expiry FROM {p} e JOIN serial s ON s.gtin = e.gtin AND s.batch = e.lot "
    "AND s.commission_id = e.commission_id WHERE e.serial_set = 'commission' "
    "UNION ALL SELECT s.expiry FROM {p} e JOIN serial s ON s.gtin = e.gtin AND s.batch = e.lot "
    "AND s.release_id = e.release_id WHERE e.serial_set = 'release' "
    "UNION ALL SELECT '" HELD_FOR_GOOD "' FROM {p} e WHERE e.serial_set = 'release' AND "
    "e.lot IS NULL "
    "UNION ALL SELECT s.expiry FROM {p} e JOIN serial s ON s.gtin = e.gtin AND s.serial = ANY "
    "(e.serials) WHERE e.serial_set = 'list'",
    "SELECT s.expiry FROM {p} t JOIN serial s ON s.gtin = t.gtin AND s.serial = t.serial",
    "SELECT exp FROM {p} WHERE exp IS NOT NULL UNION ALL SELECT s.expiry FROM {p} t JOIN "
    "serial s ON s.gtin = t.gtin AND s.serial = t.serial",
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Every table's months from $1 (NULL: this month) and $2 more, as t (table) and m (month). */
#define RANGE_SQL                                                                                  \
    " FROM " TABLES_SQL " AS t, generate_series(date_trunc('month', coalesce($1::date, "           \
    "current_date)), date_trunc('month', coalesce($1::date, current_date)) + "                     \
    "make_interval(months => $2::int), interval '1 month') AS m"

/* A month detached (its table still there, to be archived and dropped) cannot be made again:
 * partition_add_month would fail creating its table. The first such month's table name, ""
 * none. */
static px_rc detached_month(px_db *db, const char *month, const char *ahead, char name[64],
                            px_err *err)
{
    return px__exec_text(
        db,
        "SELECT n FROM (SELECT t || '_p' || to_char(m, 'YYYYMM') AS n, t, m" RANGE_SQL
        ") x WHERE to_regclass(n) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        "pg_inherits i WHERE i.inhrelid = to_regclass(n) AND i.inhparent = "
        "to_regclass(t)) ORDER BY m, t LIMIT 1",
        PX__ARGS(month, ahead), name, 64, NULL, err);
}

px_rc px_store_partitions_ensure(px_db *db, const char *month, int ahead, int *created, px_err *err)
{
    *created = 0;
    const char *n_ahead = PX__INT(ahead);
    char gone[64];
    px_rc rc = detached_month(db, month, n_ahead, gone, err);
    if (rc != PX_OK)
        return rc;
    if (gone[0])
        return px_err_set_field(err, PX_ECONFLICT, "partition_detached", "from",
                                "month %s was detached (its table stays until it is archived and "
                                "dropped) and is not made again: ensure from a later month",
                                gone);
    /* One statement: partition_add_month (migration 0150) is idempotent per month. */
    long long n = 0;
    rc = px__exec_number(db,
                         "SELECT count(*) FILTER (WHERE partition_add_month(t, m::date))" RANGE_SQL,
                         PX__ARGS(month, n_ahead), &n, err);
    *created = (int)n;
    return rc;
}

px_rc px_store_partition_default_rows(px_db *db, long long rows[PX_PARTITIONED_N], px_err *err)
{
    for (int i = 0; i < PX_PARTITIONED_N; i++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s_default", px_partitioned_tables[i]);
        if (px__exec_number(db, sql, 0, NULL, &rows[i], err) != PX_OK)
            return err->rc;
    }
    return PX_OK;
}

void px__sql_month(px_buf *b, const char *sql, const char *name)
{
    for (const char *q = sql; *q;) {
        const char *hole = strstr(q, "{p}");
        size_t len = hole ? (size_t)(hole - q) : strlen(q);
        px_buf_printf(b, "%.*s%s", (int)len, q, hole ? name : "");
        q = hole ? hole + 3 : q + len;
    }
}

int px_partition_table_of(const char *s)
{
    for (int t = 0; t < PX_PARTITIONED_N; t++) {
        size_t k = strlen(px_partitioned_tables[t]);
        if (strncmp(s, px_partitioned_tables[t], k) != 0 || strncmp(s + k, "_p", 2) != 0 ||
            strlen(s) != k + 8)
            continue;
        if (px_digits(s + k + 2, 6))
            return t;
    }
    return -1;
}

const char *px_partition_month_in(const px_db *db, const char *name, int *table)
{
    static const char qualifier[] = PX_SANDBOX_SCHEMA ".";
    int qualified = strncmp(name, qualifier, sizeof(qualifier) - 1) == 0;
    const char *month = qualified ? name + sizeof(qualifier) - 1 : name;
    *table = qualified == px_db_is_sandbox(db) ? px_partition_table_of(month) : -1;
    return *table >= 0 ? month : NULL;
}

/* The rows of another table that name rows of partition {p} through a foreign key, per table:
 * their own partition keys; NULL when no table references it. PostgreSQL refuses to detach a
 * month that rows of an attached month still reference, so such a month is held until the
 * latest of those rows' months may go by its age (docs/scaling.md "Partitioning"):
 *   webhook_delivery: its attempts (an attempt may start in the month after its delivery). */
static const char *const referrers_sql[PX_PARTITIONED_N] = {
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    "SELECT a.started_at FROM webhook_attempt a JOIN {p} d ON d.id = a.delivery_id AND "
    "d.created_at = a.delivery_created_at",
    NULL,
};

/* The chains of partition {p} whose entries a signed cut does not cover, per table; NULL for
 * the tables without chains. REQ-SCALE-3 for audit_log: a month may leave only when each chain
 * that has entries in it has a cut (migration 0201, `packid audit checkpoint --cut-before`) at
 * or after its last entry there, so that `audit verify`, which starts each chain at its newest
 * cut, never asks for an entry that left (docs/audit.md "Cuts"). A cut at or after a chain's
 * last entry of the month covers its earlier ones. The entries of the old single chain (chain
 * NULL, before migration 0060) are never cut: they hold their month for good. A few index probes
 * per chain (PX__AUDIT_MONTH_CHAINS), asked only of a month whose age has passed. */
static const char *const uncut_sql[PX_PARTITIONED_N] = {
    NULL, NULL, NULL, NULL, NULL, NULL,
    /* clang-format off */
    "SELECT e.chain FROM " PX__AUDIT_MONTH_CHAINS("{p}") " WHERE e.chain IS NULL OR NOT EXISTS "
    "(SELECT 1 FROM audit_checkpoint x WHERE " PX__AUDIT_CUT_COVERS("x") ")",
    /* clang-format on */
};

/* Runs head || body (with {p} replaced by partition `name`) || tail, with $1 = months when
 * months >= 0 (no parameter otherwise); NULL (err set) on failure. */
static PGresult *rows_of(px_db *db, const char *head, const char *body, const char *tail,
                         const char *name, int months, px_err *err)
{
    px_buf sql;
    px_buf_init(&sql, 8192);
    px_buf_printf(&sql, "%s", head);
    px__sql_month(&sql, body, name);
    px_buf_printf(&sql, "%s", tail);
    const char *p[] = {PX__INT(months)};
    PGresult *r = NULL;
    if (px_buf_failed(&sql) != PX_OK)
        px_err_set(err, PX_EINTERNAL, "internal", "the retention query of %s does not fit", name);
    else
        r = px__exec(db, sql.data, months >= 0 ? 1 : 0, months >= 0 ? p : NULL, err);
    px_buf_dispose(&sql);
    return r;
}

/* rows_of's one text value into out (cap bytes); "" when there is no body. */
static px_rc value_of(px_db *db, const char *head, const char *body, const char *tail,
                      const char *name, int months, char *out, size_t cap, px_err *err)
{
    out[0] = '\0';
    if (!body)
        return PX_OK;
    PGresult *r = rows_of(db, head, body, tail, name, months, err);
    if (!r)
        return err->rc;
    px_strlcpy(out, px__val(r, 0, 0), cap);
    PQclear(r);
    return PX_OK;
}

/* The day the packs named by partition `name`'s rows let it go: the first day of the month
 * after the latest expiry among them, plus after_expiry_months (YYYY-MM-DD); "" when they
 * name no pack with an expiry. An expiry YYMMDD counts as the end of its month (DD 00 is
 * allowed) in the year GS1's century rule gives it against the clock (gs1_expiry_parse,
 * GenSpecs §7.12), as the pack's answers read it: the distinct expiries are read in C. */
static px_rc packs_keep_until(px_db *db, int table, const char *name, int after_expiry_months,
                              char out[11], px_err *err)
{
    out[0] = '\0';
    if (!packs_sql[table])
        return PX_OK;
    PGresult *r =
        rows_of(db, "SELECT DISTINCT x FROM (", packs_sql[table],
                ") t(x) WHERE x ~ '^[0-9]{6}$' OR x = '" HELD_FOR_GOOD "'", name, -1, err);
    if (!r)
        return err->rc;
    int64_t now = px_now_us();
    int last = -1, for_good = 0; /* last: year * 12 + month - 1 of the latest expiry */
    for (int i = 0; i < PQntuples(r); i++) {
        gs1_date d;
        for_good |= strcmp(px__val(r, i, 0), HELD_FOR_GOOD) == 0;
        if (gs1_expiry_parse(&d, px__val(r, i, 0), now, NULL) == PX_OK &&
            d.year * 12 + d.month - 1 > last)
            last = d.year * 12 + d.month - 1;
    }
    PQclear(r);
    if (for_good)
        px_strlcpy(out, KEPT_FOR_GOOD, 11);
    else if (last >= 0) {
        int keep = last + 1 + after_expiry_months; /* the month after, then the months kept */
        char day[32];
        snprintf(day, sizeof(day), "%04d-%02d-01", keep / 12, keep % 12 + 1);
        px_strlcpy(out, day, 11);
    }
    return PX_OK;
}

/* The day the month of the latest row referencing partition `name` may go by its age
 * (retention_months after that month's end), "" when none references it. */
static px_rc referrers_keep_until(px_db *db, int table, const char *name, int retention_months,
                                  char out[11], px_err *err)
{
    return value_of(db,
                    "SELECT coalesce(to_char((date_trunc('month', max(x)) + interval '1 month' + "
                    "make_interval(months => $1::int))::date, 'YYYY-MM-DD'), '') FROM (",
                    referrers_sql[table], ") t(x)", name, retention_months, out, 11, err);
}

/* *uncut = 1 when a chain with entries in partition `name` has no signed cut covering them. */
static px_rc chains_uncut(px_db *db, int table, const char *name, int *uncut, px_err *err)
{
    char n[24];
    px_rc rc = value_of(db, "SELECT count(*) FROM (", uncut_sql[table], ") t", name, -1, n,
                        sizeof(n), err);
    *uncut = rc == PX_OK && n[0] && strcmp(n, "0") != 0;
    return rc;
}

/* Decides one row: keep_until is the latest of its age's, its packs' and its referrers' day;
 * a month of chains no signed cut covers is held past that day, until a cut is made. */
static px_rc judge(px_db *db, px_partition_row *row, const char *today, int retention_months,
                   int after_expiry_months, px_err *err)
{
    row->held_by = PX_HELD_BY_AGE;
    row->detachable = 0;
    if (strcmp(row->keep_until, today) > 0)
        return PX_OK; /* its age alone keeps it: the packs need not be asked */
    char packs[11], refs[11];
    int uncut = 0;
    px_rc rc = packs_keep_until(db, row->table_index, row->name, after_expiry_months, packs, err);
    if (rc == PX_OK)
        rc = referrers_keep_until(db, row->table_index, row->name, retention_months, refs, err);
    if (rc == PX_OK)
        rc = chains_uncut(db, row->table_index, row->name, &uncut, err);
    if (rc != PX_OK)
        return rc;
    if (packs[0] && strcmp(packs, row->keep_until) > 0) {
        px_strlcpy(row->keep_until, packs, sizeof(row->keep_until));
        row->held_by = PX_HELD_BY_PACKS;
    }
    /* A referrer's month goes by its age: held_by stays "age" unless a pack holds it longer. */
    if (refs[0] && strcmp(refs, row->keep_until) > 0) {
        px_strlcpy(row->keep_until, refs, sizeof(row->keep_until));
        row->held_by = PX_HELD_BY_AGE;
    }
    row->detachable = strcmp(row->keep_until, today) <= 0;
    if (row->detachable && uncut) {
        row->held_by = PX_HELD_BY_CUT;
        row->detachable = 0;
    }
    return PX_OK;
}

const char *px_partition_held_code(px_partition_held h)
{
    return h == PX_HELD_BY_PACKS ? "pack_expiry" : h == PX_HELD_BY_CUT ? "audit_cut" : "age";
}

const char *px_partition_held_text(px_partition_held h)
{
    return h == PX_HELD_BY_PACKS ? "a pack's expiry"
           : h == PX_HELD_BY_CUT ? "entries no signed cut covers"
                                 : "the month's age";
}

/* The months of every partitioned table, with the first day each may go by its age ($1). */
#define MONTHS_SQL                                                                                 \
    "SELECT c.relname, to_char(b.m, 'YYYY-MM-DD'), to_char(b.m + interval '1 month', "             \
    "'YYYY-MM-DD'), greatest(c.reltuples, 0)::bigint, to_char(b.m + interval '1 month' + "         \
    "make_interval(months => $1::int), 'YYYY-MM-DD') FROM " TABLES_SQL " WITH ORDINALITY "         \
    "AS t(name, k) JOIN pg_inherits i ON i.inhparent = to_regclass(t.name) JOIN pg_class c ON "    \
    "c.oid = i.inhrelid, LATERAL (SELECT to_date(right(c.relname, 6), 'YYYYMM')::timestamp "       \
    "AS m) b WHERE c.relname ~ ('^' || t.name || '_p[0-9]{6}$')"

/* A row of MONTHS_SQL; a month of the sandbox's named sandbox.<month> (px_partition_month_in),
 * as its SQL in judge names it too. */
static void row_of(const px_db *db, px_partition_row *row, const PGresult *r, int i)
{
    memset(row, 0, sizeof(*row));
    px__texts(r, i, 0, PX__TEXT(row->name), PX__TEXT(row->from), PX__TEXT(row->to), NULL);
    row->rows = strtoll(px__val(r, i, 3), NULL, 10);
    px_strlcpy(row->keep_until, px__val(r, i, 4), sizeof(row->keep_until));
    row->table_index = px_partition_table_of(row->name);
    row->sandbox = px_db_is_sandbox(db);
    if (row->sandbox) {
        char month[sizeof(row->name) - sizeof(PX_SANDBOX_SCHEMA)]; /* room for the qualifier */
        px_strlcpy(month, row->name, sizeof(month));
        snprintf(row->name, sizeof(row->name), "%s.%s", PX_SANDBOX_SCHEMA, month);
    }
    if (row->table_index >= 0)
        px_strlcpy(row->table, px_partitioned_tables[row->table_index], sizeof(row->table));
}

px_rc px_store_partitions_list(px_db *db, const char *today, int retention_months,
                               int after_expiry_months, px_partition_row **rows, int *n,
                               px_err *err)
{
    *rows = NULL;
    *n = 0;
    PGresult *r = px__exec(db, MONTHS_SQL " ORDER BY t.k, c.relname",
                           PX__ARGS(PX__INT(retention_months)), err);
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
        row_of(db, &out[i], r, i);
        if (out[i].table_index >= 0)
            rc = judge(db, &out[i], today, retention_months, after_expiry_months, err);
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
    int t;
    const char *month = px_partition_month_in(db, name, &t);
    if (!month)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "%s is not a month of a partitioned table", name);
    /* The parent's lock first: no row enters or leaves the month while it is judged. */
    char sql[128];
    snprintf(sql, sizeof(sql), "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE",
             px_partitioned_tables[t]);
    if (px__exec_cmd(db, sql, 0, NULL, err) != PX_OK)
        return err->rc;
    PGresult *r = px__exec(db, MONTHS_SQL " AND c.relname = $2",
                           PX__ARGS(PX__INT(retention_months), month), err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    px_partition_row row;
    if (PQntuples(r) != 1) {
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "%s is not a month of %s", name,
                        px_partitioned_tables[t]);
        goto done;
    }
    row_of(db, &row, r, 0);
    if ((rc = judge(db, &row, today, retention_months, after_expiry_months, err)) != PX_OK)
        goto done;
    /* REQ-SCALE-3: a month leaves its table only when its age and every pack its rows name
     * are past the retention (PACKID_RETENTION_MONTHS, PACKID_RETENTION_AFTER_EXPIRY_MONTHS);
     * tables whose rows name no pack (the delivery attempts) by their age alone, and a month
     * other rows reference (webhook_delivery's, by its attempts) not before their month.
     * A month of audit_log not before a signed cut covers its entries (uncut_sql). */
    if (!row.detachable && row.held_by == PX_HELD_BY_CUT) {
        /* The sandbox's chains are never cut (`audit checkpoint` cuts the live ones): no hint. */
        if (px_db_is_sandbox(db))
            rc = px_err_set(err, PX_ESTATE, "audit_not_cut",
                            "%s holds entries no signed cut covers, and the sandbox's audit "
                            "chains are not cut: it stays",
                            name);
        else
            rc = px_err_set(err, PX_ESTATE, "audit_not_cut",
                            "%s holds entries no signed cut covers: make one first (packid audit "
                            "checkpoint --cut-before %s)",
                            name, row.to);
        goto done;
    }
    if (!row.detachable) {
        rc = px_err_set(err, PX_ESTATE, "retention_not_passed", "%s is kept until %s (%s)", name,
                        row.keep_until, px_partition_held_text(row.held_by));
        goto done;
    }
    snprintf(sql, sizeof(sql), "ALTER TABLE %s DETACH PARTITION %s", px_partitioned_tables[t],
             month);
    rc = px_db_exec(db, sql, err);
done:
    PQclear(r);
    return rc;
}
