/* The verification network's rows (scan_store.h, migration 0035). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_calendar.h"
#include "px_crypto.h"
#include "px_str.h"
#include "scan_store.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO0(col)
/* Microseconds since the epoch <-> timestamptz, exactly (no float seconds). */
#define AT(p) PX__SQL_US(p)
#define US(col) PX__SQL_EPOCH_US(col)

/* The pack's facts: columns 2..5 of pack_public_row. */
#define PACK_FACTS PX__SQL_PACK_STATE ", coalesce(s.batch, ''), coalesce(s.expiry, '')"
/* The public fields (only scalar master_data values the MAH listed; objects and arrays are not
 * shown): column 7. */
#define PASSPORT_COL                                                                               \
    "(SELECT coalesce(string_agg(f.key || E'\\t' || replace(replace(d.value #>> '{}', "            \
    "E'\\t', ' '), E'\\n', ' '), E'\\n' ORDER BY f.ord), '') FROM product_passport pp "            \
    "CROSS JOIN LATERAL unnest(pp.public_fields) WITH ORDINALITY AS f(key, ord) "                  \
    "JOIN LATERAL jsonb_each(p.master_data) d ON d.key = f.key "                                   \
    "WHERE pp.gtin = p.gtin AND jsonb_typeof(d.value) IN ('string', 'number', 'boolean'))"
/* Column 6 of pack_public_row: an open clone alert of serial (an SQL expression), one
 * index-only probe of clone_alert_serial (migration 0097). */
#define OPEN_ALERT_OF(serial)                                                                      \
    "EXISTS (SELECT 1 FROM clone_alert a WHERE a.gtin = p.gtin AND a.serial = " serial             \
    " AND a.kind = 'clone' AND a.state = 'open')"
/* The product, the pack, an open alert, the public fields and the product's market: columns
 * 0..8 of pack_public_row (the market a column of the product row read anyway: the resolver
 * offers the DSCSA responder by it, h_resolver.c). */
#define PACK_PUBLIC_COLS                                                                           \
    "p.mah_id, p.name, " PACK_FACTS ", " OPEN_ALERT_OF("$2") ", " PASSPORT_COL ", p.market"
#define PACK_PUBLIC_FROM                                                                           \
    " FROM product p LEFT JOIN serial s ON s.gtin = p.gtin AND s.serial = "                        \
    "$2" PX__SQL_PACK_BATCH_JOIN " WHERE p.gtin = $1"
/* The serial's scans from $3 to $5 (microseconds) and after its last closed clone alert (a
 * closed alert ends a flag), newest first, at most $4: the WHERE of px_store_scan_history.
 * Both ends of the window are bound: `scan` is partitioned by month (migration 0150) with
 * months created ahead and a default partition, and only a closed range lets the executor
 * prune all but the window's months at each execution of the prepared statement. The upper
 * end is packid's clock (px_now_us), not SQL's now(): tests move packid's clock. */
/* clang-format off */
#define HISTORY_WHERE                                                                          \
    "s.gtin = $1 AND s.serial = $2 AND s.at >= " AT("$3") " AND s.at <= " AT("$5") " AND "     \
    "s.at > coalesce((SELECT max(a.closed_at) FROM clone_alert a WHERE a.gtin = $1 AND "       \
    "a.serial = $2 AND a.kind = 'clone' AND a.state = 'closed'), '-infinity')"
/* clang-format on */

/* Row i of r, whose columns from c on are PACK_PUBLIC_COLS'. */
static void pack_public_row(px_pack_public *out, const PGresult *r, int i, int c)
{
    out->product_found = 1;
    px_strlcpy(out->mah_id, px__val(r, i, c + 0), sizeof(out->mah_id));
    px_strlcpy(out->product_name, px__val(r, i, c + 1), sizeof(out->product_name));
    if (!px__isnull(r, i, c + 2)) {
        out->pack.found = 1;
        px_strlcpy(out->pack.state, px__val(r, i, c + 2), sizeof(out->pack.state));
        px_strlcpy(out->pack.reason, px__val(r, i, c + 3), sizeof(out->pack.reason));
        px_strlcpy(out->pack.batch, px__val(r, i, c + 4), sizeof(out->pack.batch));
        px_strlcpy(out->pack.expiry, px__val(r, i, c + 5), sizeof(out->pack.expiry));
    }
    out->open_alert = strcmp(px__val(r, i, c + 6), "t") == 0;
    const char *f = px__val(r, i, c + 7);
    while (*f && out->nfields < PX_PASSPORT_FIELDS_MAX) {
        size_t line = strcspn(f, "\n"), tab = strcspn(f, "\t");
        if (tab < line) {
            size_t kn = tab < 64 ? tab : 64, vn = line - tab - 1 < 200 ? line - tab - 1 : 200;
            memcpy(out->fields[out->nfields].key, f, kn);
            out->fields[out->nfields].key[kn] = '\0';
            memcpy(out->fields[out->nfields].value, f + tab + 1, vn);
            out->fields[out->nfields].value[vn] = '\0';
            out->nfields++;
        }
        f += line + (f[line] ? 1 : 0);
    }
    px_strlcpy(out->market, px__val(r, i, c + 8), sizeof(out->market));
}

px_rc px_store_pack_public(px_db *db, px_pack_public *out, const char *gtin, const char *serial,
                           px_err *err)
{
    memset(out, 0, sizeof(*out));
    PGresult *r =
        px__exec(db, "SELECT " PACK_PUBLIC_COLS PACK_PUBLIC_FROM, PX__ARGS(gtin, serial), err);
    if (!r)
        return err->rc;
    if (PQntuples(r) == 1)
        pack_public_row(out, r, 0, 0);
    PQclear(r);
    return PX_OK;
}

/* The lookup of a batch of serials (px_store_scan_lookup_many): per item k (of $1 GTINs, $2
 * serials, $6 "wide" flags, numbered k.i from 1; the GTINs as char(14), product.gtin's own
 * type, so that its primary key answers the join) the product, the pack, an open alert, the
 * name and public fields when wide, and the serial's newest scans from $3 to $5
 * (microseconds), at most $4 from each table read, one output row each (none: one row of
 * NULLs) — columns 10..15, ordered by item; the caller keeps the newest $4. An item whose GTIN
 * is nobody's product has no row. No aggregate and no closed-alert probe: plan nodes are
 * what this read's CPU goes to (executor start of each, once per statement: a batch of
 * serials shares it), and the hot read runs for every public hit. The history comes from the
 * one or two month partitions the window lies in, named (scan_months): through the parent
 * `scan` a prepared (generic) plan holds every month, and locks each with its index and
 * prunes them at executor start on every hit — that part was most of this read's cost in
 * PostgreSQL. The history here is not cut at the serial's last closed clone alert as
 * px_store_scan_history's is: it may hold more scans, never fewer, and the clone rules only
 * raise more flags on more scans, so a flag the longer history raises sends the scan to the
 * transaction, which decides on px_store_scan_history's exact rows (scans.c fast_verify). */
/* clang-format off */
#define LOOKUP_SELECT                                                                          \
    "SELECT k.i, p.mah_id, CASE WHEN k.wide THEN p.name ELSE '' END, " PACK_FACTS ", "         \
    OPEN_ALERT_OF("k.serial") ", CASE WHEN k.wide THEN " PASSPORT_COL " ELSE '' END, "        \
    "p.market, " US("h.at") ", h.lat IS NOT NULL, coalesce(h.lat, 0), coalesce(h.lon, 0), "    \
    "coalesce(h.country, ''), left(h.client, 16)"
#define LOOKUP_FROM_HEAD                                                                       \
    " FROM unnest($1::char(14)[], $2::text[], $6::boolean[]) WITH ORDINALITY "                 \
    "k(gtin, serial, wide, i) JOIN product p ON p.gtin = k.gtin LEFT JOIN serial s ON "        \
    "s.gtin = p.gtin AND s.serial = k.serial" PX__SQL_PACK_BATCH_JOIN " LEFT JOIN LATERAL ("
#define LOOKUP_FROM_TAIL ") h ON true ORDER BY k.i"
/* The history's part of one table (%s: scan or one month of it). */
#define LOOKUP_PART                                                                            \
    "(SELECT sc.at, sc.lat, sc.lon, sc.country, sc.client FROM %s sc WHERE sc.gtin = p.gtin "  \
    "AND sc.serial = k.serial AND sc.at >= " AT("$3") " AND sc.at <= " AT("$5")               \
    " ORDER BY sc.at DESC LIMIT $4::int)"
/* clang-format on */
#define LOOKUP_COL_HISTORY 10

/* The month partitions of `scan` that hold the window [since, until], newest first, when they
 * cover it without a gap: bounds read from the catalogue, so the months are PostgreSQL's own
 * (its time zone, not packid's). No partition can be attached inside a covered range, and a
 * month leaves only past the retention (partitions.c), far behind the window, so the names
 * stay exact while the window stays inside [lo, hi). Otherwise (a month not created yet: its
 * rows are in scan_default, and the partitions runner may move them into a new month at any
 * time) the parent table, whose plan sees every partition, asked again a second later; so is
 * a window over more than three months (the window is the clone rules' longest, 30 days by
 * default). */
/* The SQL is laid out as it reads. */
/* clang-format off */
#define BOUND(w) "substring(b FROM $r$" w " \\('([^']*)'\\)$r$)::timestamptz"
#define MONTHS_SQL                                                                             \
    "SELECT c.relname, " US("x.lo") ", " US("x.hi") " FROM pg_inherits i JOIN pg_class c "    \
    "ON c.oid = i.inhrelid CROSS JOIN LATERAL (SELECT " BOUND("FROM") " AS lo, "              \
    BOUND("TO") " AS hi FROM pg_get_expr(c.relpartbound, c.oid) b) x "                        \
    "WHERE i.inhparent = 'scan'::regclass AND x.lo <= " AT("$2") " AND x.hi > " AT("$1")      \
    " ORDER BY x.lo DESC"
/* clang-format on */
static px_rc scan_months_resolve(px_db *db, struct px__scan_months *m, int64_t since_us,
                                 int64_t until_us, px_err *err)
{
    const char *since = PX__INT(since_us), *until = PX__INT(until_us);
    PGresult *r = px__exec(db, MONTHS_SQL, PX__ARGS(since, until), err);
    if (!r)
        return err->rc;
    int months = PQntuples(r), ok = months >= 1 && months <= 3;
    int64_t lo = 0, hi = 0;
    for (int i = 0; ok && i < months; i++) {
        int64_t l = strtoll(px__val(r, i, 1), NULL, 10), h = strtoll(px__val(r, i, 2), NULL, 10);
        ok = (i == 0 || h == lo) && strlen(px__val(r, i, 0)) < sizeof(m->name[i]);
        hi = i == 0 ? h : hi;
        lo = l; /* contiguous, newest first */
    }
    int covered = ok && lo <= since_us && hi > until_us;
    m->n = covered ? months : 0;
    for (int i = 0; i < m->n; i++)
        px_strlcpy(m->name[i], px__val(r, i, 0), sizeof(m->name[i]));
    m->lo_us = covered ? lo : since_us;
    m->hi_us = covered ? hi : until_us + 1000000;
    PQclear(r);
    return PX_OK;
}

static int same_names(const struct px__scan_months *a, const struct px__scan_months *b)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->name[i], b->name[i]) != 0)
            return 0;
    return 1;
}

/* The tables the history of window [since, until] is read from on this connection: asked
 * when the window leaves the range they were asked for (about once a month, or once a
 * second while a month is missing); a change drops the prepared lookup so that it is
 * prepared again on the new tables. */
static px_rc scan_months(px_db *db, int64_t since_us, int64_t until_us, int force, px_err *err)
{
    struct px__scan_months *m = &db->scan_months[db->sandbox ? 1 : 0];
    if (!force && since_us >= m->lo_us && until_us < m->hi_us)
        return PX_OK;
    struct px__scan_months was = *m;
    px_rc rc = scan_months_resolve(db, m, since_us, until_us, err);
    if (rc != PX_OK)
        return rc;
    if (!force && was.n == m->n && same_names(&was, m))
        return PX_OK;
    return px__uncache(db, PX__Q_SCAN_LOOKUP, err);
}

/* The statement: LOOKUP_SELECT and its FROM with the history of the tables scan_months
 * chose. */
static void lookup_sql(const px_db *db, char *out, size_t cap)
{
    const struct px__scan_months *m = &db->scan_months[db->sandbox ? 1 : 0];
    int o = snprintf(out, cap, LOOKUP_SELECT LOOKUP_FROM_HEAD);
    for (int i = 0; i < (m->n ? m->n : 1) && o > 0 && (size_t)o < cap; i++) {
        if (i)
            o += snprintf(out + o, cap - (size_t)o, " UNION ALL ");
        o += snprintf(out + o, cap - (size_t)o, LOOKUP_PART, m->n ? m->name[i] : "scan");
    }
    if (o > 0 && (size_t)o < cap)
        snprintf(out + o, cap - (size_t)o, LOOKUP_FROM_TAIL);
}

static int newest_first(const void *a, const void *b)
{
    int64_t x = ((const px_scan_row *)a)->at_us, y = ((const px_scan_row *)b)->at_us;
    return x < y ? 1 : x > y ? -1 : 0;
}

static PGresult *lookup_exec(px_db *db, const char *const *p, px_err *err)
{
    char sql[4096];
    if (!px__is_cached(db, PX__Q_SCAN_LOOKUP))
        lookup_sql(db, sql, sizeof(sql));
    return px__exec_cached(db, PX__Q_SCAN_LOOKUP, sql, 6, p, err);
}

/* The history rows [from, to) of r, all of one item, into it: the newest
 * PX_SCAN_HISTORY_MAX, newest first. */
static void lookup_history(px_scan_lookup *it, const PGresult *r, int from, int to)
{
    px_scan_row all[2 * PX_SCAN_HISTORY_MAX];
    int k = 0;
    for (int i = from; i < to && k < 2 * PX_SCAN_HISTORY_MAX; i++) {
        int c = LOOKUP_COL_HISTORY;
        if (px__isnull(r, i, c))
            continue; /* no scan in the window */
        px_scan_row *s = &all[k++];
        s->at_us = strtoll(px__val(r, i, c), NULL, 10);
        s->has_pos = px__val(r, i, c + 1)[0] == 't';
        s->lat = strtod(px__val(r, i, c + 2), NULL);
        s->lon = strtod(px__val(r, i, c + 3), NULL);
        px_strlcpy(s->country, px__val(r, i, c + 4), sizeof(s->country));
        px_strlcpy(s->client, px__val(r, i, c + 5), sizeof(s->client));
    }
    if (k > 1)
        qsort(all, (size_t)k, sizeof(all[0]), newest_first);
    it->n = k < PX_SCAN_HISTORY_MAX ? k : PX_SCAN_HISTORY_MAX;
    memcpy(it->rows, all, (size_t)it->n * sizeof(it->rows[0]));
}

/* The statement's parameters $1 and $2 for items (text[]), and $6 (boolean[]) into wide. */
static px_rc lookup_arrays(px_buf *g, px_buf *s, char wide[2 * PX_SCAN_LOOKUP_MAX + 2],
                           px_scan_lookup *const *items, int n, px_err *err)
{
    const char *gt[PX_SCAN_LOOKUP_MAX], *se[PX_SCAN_LOOKUP_MAX];
    int o = 0;
    wide[o++] = '{';
    for (int i = 0; i < n; i++) {
        gt[i] = items[i]->gtin;
        se[i] = items[i]->serial;
        if (i)
            wide[o++] = ',';
        wide[o++] = items[i]->wide ? 't' : 'f';
    }
    wide[o++] = '}';
    wide[o] = '\0';
    if (!px__text_array(g, gt, (size_t)n, "GTINs", err) ||
        !px__text_array(s, se, (size_t)n, "serials", err))
        return err->rc;
    return PX_OK;
}

px_rc px_store_scan_lookup_many(px_db *db, px_scan_lookup *const *items, int n, int64_t since_us,
                                int64_t until_us, px_err *err)
{
    for (int i = 0; i < n; i++) {
        memset(&items[i]->pub, 0, sizeof(items[i]->pub));
        items[i]->n = 0;
    }
    if (n < 1 || n > PX_SCAN_LOOKUP_MAX)
        return n < 1 ? PX_OK : px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    const char *since = PX__INT(since_us), *until = PX__INT(until_us);
    px_buf g, s;
    px_buf_init(&g, 0);
    px_buf_init(&s, 0);
    char wide[2 * PX_SCAN_LOOKUP_MAX + 2];
    px_rc rc = lookup_arrays(&g, &s, wide, items, n, err);
    PGresult *r = NULL;
    if (rc == PX_OK && (rc = scan_months(db, since_us, until_us, 0, err)) == PX_OK) {
        const char *params[] = {g.data, s.data, since, PX__INT(PX_SCAN_HISTORY_MAX), until, wide};
        r = lookup_exec(db, params, err);
        if (!r && db->scan_months[db->sandbox ? 1 : 0].n &&
            (rc = scan_months(db, since_us, until_us, 1, err)) == PX_OK)
            /* A month read by name is gone (dropped under this connection): ask again. */
            r = lookup_exec(db, params, err);
        rc = r ? PX_OK : err->rc;
    }
    px_buf_dispose(&g);
    px_buf_dispose(&s);
    if (rc != PX_OK)
        return rc;
    /* Rows come ordered by item: each item's rows are one run. */
    for (int i = 0, end; i < PQntuples(r); i = end) {
        long k = strtol(px__val(r, i, 0), NULL, 10);
        for (end = i + 1; end < PQntuples(r) && strcmp(px__val(r, end, 0), px__val(r, i, 0)) == 0;
             end++)
            ;
        if (k < 1 || k > n)
            continue;
        pack_public_row(&items[k - 1]->pub, r, i, 1);
        lookup_history(items[k - 1], r, i, end);
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_scan_history(px_db *db, px_scan_row *out, int *n, const char *gtin,
                            const char *serial, int64_t now_us, int64_t window_us, px_err *err)
{
    *n = 0;
    const char *since = PX__INT(now_us - window_us), *until = PX__INT(now_us);
    /* clang-format off */
    PGresult *r = px__exec(
        db,
        "SELECT " US("s.at") ", s.lat IS NOT NULL, coalesce(s.lat, 0), coalesce(s.lon, 0), "
        "coalesce(s.country, ''), left(s.client, 16) FROM scan s WHERE " HISTORY_WHERE
        " ORDER BY s.at DESC LIMIT $4::int",
        PX__ARGS(gtin, serial, since, PX__INT(PX_SCAN_HISTORY_MAX), until), err);
    /* clang-format on */
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r) && i < PX_SCAN_HISTORY_MAX; i++) {
        px_scan_row *s = &out[(*n)++];
        memset(s, 0, sizeof(*s));
        s->at_us = strtoll(px__val(r, i, 0), NULL, 10);
        s->has_pos = strcmp(px__val(r, i, 1), "t") == 0;
        s->lat = strtod(px__val(r, i, 2), NULL);
        s->lon = strtod(px__val(r, i, 3), NULL);
        px_strlcpy(s->country, px__val(r, i, 4), sizeof(s->country));
        px_strlcpy(s->client, px__val(r, i, 5), sizeof(s->client));
    }
    PQclear(r);
    return PX_OK;
}

px_rc px_store_scan_insert(px_db *db, const px_scan_in *s, char client_out[PX_SHA256_HEX_LEN + 1],
                           px_err *err)
{
    const char *at = PX__INT(s->at_us);
    char lat[32], lon[32];
    snprintf(lat, sizeof(lat), "%.7f", s->lat);
    snprintf(lon, sizeof(lon), "%.7f", s->lon);
    /* The address is hashed here with the salt that never leaves the database; only the
     * hash is stored (docs/resolver.md "Privacy"). set_config(…, true) in RETURNING (one row)
     * chooses, in the same round trip, whether this transaction's COMMIT waits for the WAL
     * flush: a scan that opened no alert is an observation, and a PostgreSQL crash may lose
     * the last ~0.6 s of those (never a committed alert or webhook; a killed packid loses
     * none, the server still flushes them). */
    /* clang-format off */
    return px__exec_text(
        db,
        "INSERT INTO scan (gtin, serial, at, country, lat, lon, client, known, verdict, source) "
        "VALUES ($1, $2, " AT("$3") ", $4, $5::double precision, $6::double precision, "
        "encode(sha256((SELECT secret FROM server_secret WHERE name = 'scan_salt') || "
        "convert_to($7, 'UTF8')), 'hex'), $8::boolean, $9, $10) RETURNING client, "
        "set_config('synchronous_commit', $11, true)",
        PX__ARGS(s->gtin, s->serial, at, s->country, s->has_pos ? lat : NULL,
                 s->has_pos ? lon : NULL, s->client_addr, s->known ? "t" : "f", s->verdict,
                 s->source, s->durable ? "on" : "off"),
        client_out, PX_SHA256_HEX_LEN + 1, NULL, err);
    /* clang-format on */
}

px_rc px_store_scan_unknown_count(px_db *db, long *out, const char *mah_id, const char *client,
                                  int64_t now_us, px_err *err)
{
    const char *since = PX__INT(now_us - PX_HOUR_US);
    long long n = 0;
    px_rc rc = px__exec_number(db,
                               "SELECT count(DISTINCT (s.gtin, s.serial)) FROM scan s JOIN product "
                               "p ON p.gtin = s.gtin WHERE p.mah_id = $1::uuid AND s.client = $2 "
                               "AND NOT s.known AND s.at >= " AT("$3"),
                               PX__ARGS(mah_id, client, since), &n, err);
    *out = (long)n;
    return rc;
}

px_rc px_store_alert_open(px_db *db, int *opened, char id[PX_UUID_LEN + 1], const char *tenant_id,
                          const char *gtin, const char *serial, const char *client,
                          const char *kind, const char *rules, int64_t at_us, px_err *err)
{
    *opened = 0;
    id[0] = '\0';
    const char *at = PX__INT(at_us);
    /* The partial unique indexes of migration 0035 make "one open alert" hold across
     * processes: a second flag of the same serial inserts nothing. */
    /* clang-format off */
    return px__exec_text(
        db,
        "INSERT INTO clone_alert (tenant_id, gtin, serial, client, kind, rules, opened_at) "
        "VALUES ($1::uuid, $2, $3, $4, $5, $6, " AT("$7") ") ON CONFLICT DO NOTHING RETURNING id",
        PX__ARGS(tenant_id, gtin, serial, client, kind, rules, at),
        id, PX_UUID_LEN + 1, opened, err);
    /* clang-format on */
}

#define ALERT_COLS                                                                                 \
    "a.id, a.kind, a.gtin, coalesce(a.serial, ''), a.rules, a.state, " TS("a.opened_at") ", " TS(  \
        "a.closed_at") ", coalesce(a.close_reason, '')"

static void alert_row(px_alert *a, const PGresult *r, int i)
{
    memset(a, 0, sizeof(*a));
    px__texts(r, i, 0, PX__TEXT(a->id), PX__TEXT(a->kind), PX__TEXT(a->gtin), PX__TEXT(a->serial),
              PX__TEXT(a->rules), PX__TEXT(a->state), PX__TEXT(a->opened_at),
              PX__TEXT(a->closed_at), PX__TEXT(a->close_reason), NULL);
}

px_rc px_store_alerts_each(px_db *db, const char *tenant_id, const char *state,
                           const char *after_id, long limit, px_alert_fn fn, void *ctx, px_err *err)
{
    PGresult *r = px__page(db,
                           PX__PAGE("SELECT " ALERT_COLS ", a.opened_at AS at FROM clone_alert a "
                                    "WHERE a.tenant_id = $1::uuid",
                                    "$2::text IS NULL OR v.state = $2", "$3", "$4"),
                           PX__ARGS(tenant_id, state), after_id, limit, err);
    PX__RETURN_EACH_ROW(r, err, px_alert, alert_row, fn, ctx);
}

px_rc px_store_alert_close(px_db *db, px_alert *out, const char *tenant_id, const char *id,
                           const char *reason, int64_t at_us, px_err *err)
{
    const char *at = PX__INT(at_us);
    const char *p[] = {tenant_id, id, reason, at};
    /* clang-format off */
    PGresult *r = px__exec(db,
                           "UPDATE clone_alert a SET state = 'closed', closed_at = " AT("$4") ", "
                           "close_reason = $3 WHERE a.tenant_id = $1::uuid AND a.id = $2::uuid "
                           "AND a.state = 'open' RETURNING " ALERT_COLS,
                           4, p, err);
    /* clang-format on */
    if (!r)
        return err->rc;
    int n = PQntuples(r);
    if (n == 1)
        alert_row(out, r, 0);
    PQclear(r);
    if (n == 1)
        return PX_OK;
    r = px__exec(db, "SELECT 1 FROM clone_alert WHERE tenant_id = $1::uuid AND id = $2::uuid", 2, p,
                 err);
    if (!r)
        return err->rc;
    n = PQntuples(r);
    PQclear(r);
    return n ? px_err_set(err, PX_ESTATE, "invalid_state", "alert %s is already closed", id)
             : px_err_set(err, PX_ENOTFOUND, "not_found", "no alert %s", id);
}

px_rc px_store_passport_put(px_db *db, const char *tenant_id, const char *gtin,
                            const char *const *fields, int n, px_err *err)
{
    char joined[PX_PASSPORT_FIELDS_MAX * 66 + 1];
    size_t o = 0;
    joined[0] = '\0';
    for (int i = 0; i < n && i < PX_PASSPORT_FIELDS_MAX; i++) {
        size_t len = strlen(fields[i]);
        if (o + len + 2 > sizeof(joined))
            break;
        if (i)
            joined[o++] = '\n';
        memcpy(joined + o, fields[i], len + 1);
        o += len;
    }
    /* The fields travel as one newline-joined text (keys hold no newline: the service
     * checks), split in SQL: no array literal to quote. */
    int found = 0;
    if (px__exec_found(
            db,
            "INSERT INTO product_passport (gtin, public_fields) SELECT p.gtin, "
            "coalesce(string_to_array($3, E'\\n'), '{}') FROM product p WHERE p.gtin = "
            "$2 AND p.mah_id = $1::uuid ON CONFLICT (gtin) DO UPDATE SET public_fields = "
            "excluded.public_fields, updated_at = now() RETURNING gtin",
            PX__ARGS(tenant_id, gtin, n ? joined : NULL), &found, err) != PX_OK)
        return err->rc;
    return found ? PX_OK : px_err_set(err, PX_ENOTFOUND, "not_found", "no product %s", gtin);
}

px_rc px_store_passport_get(px_db *db, const char *tenant_id, const char *gtin, char fields[][65],
                            int *n, int max, px_err *err)
{
    *n = 0;
    PGresult *r = px__exec(db,
                           "SELECT f.key FROM product p LEFT JOIN product_passport pp ON "
                           "pp.gtin = p.gtin LEFT JOIN LATERAL unnest(pp.public_fields) WITH "
                           "ORDINALITY AS f(key, ord) ON true WHERE p.gtin = $2 AND "
                           "p.mah_id = $1::uuid ORDER BY f.ord",
                           PX__ARGS(tenant_id, gtin), err);
    if (!r)
        return err->rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && *n < max; i++)
        if (!px__isnull(r, i, 0))
            px_strlcpy(fields[(*n)++], px__val(r, i, 0), 65);
    PQclear(r);
    return rows ? PX_OK : px_err_set(err, PX_ENOTFOUND, "not_found", "no product %s", gtin);
}

/* The buffered scans in one COPY (docs/resolver.md "Speed"): no statement to parse or plan
 * whatever the count. Every value is free of tab, newline and backslash (GS1 set 82 serials,
 * hex clients, fixed words), so the COPY text needs no escaping. */
px_rc px_store_scans_insert(px_db *db, const px_scan_rec *v, size_t n, px_err *err)
{
    px_buf b;
    px_buf_init(&b, (size_t)64 << 20);
    for (size_t i = 0; i < n; i++) {
        const px_scan_rec *r = &v[i];
        char at[40];
        px__copy_ts(at, r->at_us);
        if (r->has_pos)
            px_buf_printf(&b, "%s\t%s\t%s\t%s\t%.7f\t%.7f\t%s\tt\t%s\t%s\n", r->gtin, r->serial, at,
                          r->country[0] ? r->country : "\\N", r->lat, r->lon, r->client, r->verdict,
                          r->source);
        else
            px_buf_printf(&b, "%s\t%s\t%s\t%s\t\\N\t\\N\t%s\tt\t%s\t%s\n", r->gtin, r->serial, at,
                          r->country[0] ? r->country : "\\N", r->client, r->verdict, r->source);
    }
    /* A buffer that could not be built is refused before any round trip. */
    if (px_buf_failed(&b) != PX_OK) {
        px_buf_dispose(&b);
        return px_err_oom(err);
    }
    px_rc rc = PX_OK;
    /* Observations: a PostgreSQL crash may lose the last ~0.6 s of them, never a committed
     * alert (those are written with their scan in their own durable transaction). Inside a
     * caller's transaction the COPY joins it and its durability is the caller's. */
    int own = !db->in_tx;
    if (own && (rc = px_db_begin(db, err)) == PX_OK)
        rc = px_db_exec(db, "SET LOCAL synchronous_commit = off", err);
    if (rc == PX_OK)
        rc = px__copy(db,
                      "COPY scan (gtin, serial, at, country, lat, lon, client, known, "
                      "verdict, source) FROM STDIN",
                      &b, "scans", err);
    px_buf_dispose(&b);
    if (own) {
        if (rc == PX_OK)
            rc = px_db_commit(db, err);
        else
            px_db_rollback(db);
    }
    return rc;
}

px_rc px_store_scan_salt(px_db *db, unsigned char *out, size_t cap, size_t *len, px_err *err)
{
    *len = 0;
    PGresult *r = px__exec(db,
                           "SELECT encode(secret, 'hex') FROM server_secret WHERE name = "
                           "'scan_salt'",
                           0, NULL, err);
    if (!r)
        return err->rc;
    px_rc rc = PX_OK;
    const char *h = PQntuples(r) == 1 ? px__val(r, 0, 0) : "";
    size_t hn = strlen(h);
    if (hn == 0 || hn % 2 || hn / 2 > cap || px_hex_decode(out, hn / 2, h) != 0)
        rc = px_err_set(err, PX_EINTERNAL, "internal", "no scan salt");
    else
        *len = hn / 2;
    PQclear(r);
    return rc;
}
