/* Reads from hot standbys (docs/scaling.md "Reads from standbys").
 *
 * The rule that keeps a standby from answering a stale verdict: a read goes to a standby only
 * once that standby has replayed the primary's WAL up to the fence, the primary's WAL insert
 * position read when the request began. Every commit whose answer was sent before the request
 * began (by this process, another packid, a worker or psql) lies before that position, and a
 * hot standby makes a transaction visible when it replays its commit record, so a statement
 * that starts after the standby reached the fence sees every one of those commits. A standby
 * that does not get there within PACKID_READ_MAX_WAIT_MS is passed over and the primary
 * answers. The fence costs the primary one query that touches no table and takes no lock. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"
#include "store_internal.h"

#define PX_REPLICAS_MAX 8

struct px_replicas {
    px_pool *pools[PX_REPLICAS_MAX];
    int n;
    long max_wait_ms;
    atomic_uint next;              /* round robin over the standbys */
    atomic_ulong standby_reads;    /* reads a standby answered */
    atomic_ulong fallback_reads;   /* reads the primary answered: no standby was fenced */
};

/* "X/Y" (two hex halves, pg_lsn's text form) as one 64-bit position; -1 when malformed. */
int px__lsn_parse(const char *s, uint64_t *out)
{
    unsigned hi, lo;
    char tail;
    if (!s || sscanf(s, "%8X/%8X%c", &hi, &lo, &tail) != 2)
        return -1;
    *out = ((uint64_t)hi << 32) | lo;
    return 0;
}

static px_rc fence_at(px_db *primary, const char *sql, uint64_t *out, px_err *err)
{
    PGresult *r = px__exec(primary, sql, 0, NULL, err);
    if (!r)
        return err->rc;
    int bad = PQntuples(r) != 1 || px__lsn_parse(px__val(r, 0, 0), out) != 0;
    PQclear(r);
    if (bad)
        return px_err_set(err, PX_EINTERNAL, "internal", "the primary has no WAL position");
    return PX_OK;
}

px_rc px_db_wal_fence(px_db *primary, uint64_t *out, px_err *err)
{
    /* The insert position, not the flush position: a commit acknowledged under
     * synchronous_commit = off is inserted but may not be flushed yet, and must still be
     * covered (the standby catches up once the WAL writer flushes it, or the read falls
     * back). */
    return fence_at(primary, "SELECT pg_current_wal_insert_lsn()::text", out, err);
}

px_rc px_db_wal_fence_durable(px_db *primary, uint64_t *out, px_err *err)
{
    /* A synchronous commit is acknowledged only once its commit record is flushed, so it lies
     * before the flush position; the walsender ships exactly what is flushed. */
    return fence_at(primary, "SELECT pg_current_wal_flush_lsn()::text", out, err);
}

/* The standby's replay position; -1 when db is not a standby (promoted, or a primary named
 * by mistake: no LSN comparison can fence it) or does not answer. */
static int replay_lsn(px_db *db, uint64_t *out)
{
    px_err err;
    PGresult *r = px__exec(db,
                           "SELECT pg_is_in_recovery(), "
                           "coalesce(pg_last_wal_replay_lsn()::text, '')",
                           0, NULL, &err);
    if (!r)
        return -1;
    int ok = PQntuples(r) == 1 && strcmp(px__val(r, 0, 0), "t") == 0 &&
             px__lsn_parse(px__val(r, 0, 1), out) == 0;
    PQclear(r);
    return ok ? 0 : -1;
}

px_rc px_replicas_new(px_replicas **out, const char *urls, int pool_size, long max_wait_ms,
                      px_err *err)
{
    *out = NULL;
    px_replicas *rs = calloc(1, sizeof(*rs));
    if (!rs)
        return px_err_oom(err);
    rs->max_wait_ms = max_wait_ms;
    char *copy = strdup(urls ? urls : "");
    if (!copy) {
        free(rs);
        return px_err_oom(err);
    }
    px_rc rc = PX_OK;
    char *save = NULL;
    /* ';' separates the standbys: a libpq keyword string has spaces, a URI has none of ';'. */
    for (char *u = strtok_r(copy, ";", &save); u && rc == PX_OK; u = strtok_r(NULL, ";", &save)) {
        while (*u == ' ')
            u++;
        if (!*u)
            continue;
        if (rs->n == PX_REPLICAS_MAX) {
            rc = px_err_set(err, PX_EINVALID, "bad_config",
                            "PACKID_READ_DATABASE_URL names more than %d standbys",
                            PX_REPLICAS_MAX);
            break;
        }
        if ((rc = px_pool_new(&rs->pools[rs->n], u, pool_size, err)) != PX_OK)
            break;
        rs->n++;
    }
    free(copy);
    if (rc != PX_OK) {
        px_replicas_free(rs);
        return rc;
    }
    *out = rs;
    return PX_OK;
}

void px_replicas_free(px_replicas *rs)
{
    if (!rs)
        return;
    for (int i = 0; i < rs->n; i++)
        px_pool_free(rs->pools[i]);
    free(rs);
}

int px_replicas_count(const px_replicas *rs)
{
    return rs ? rs->n : 0;
}

px_db *px_replicas_acquire(px_replicas *rs, uint64_t fence, px_pool **pool)
{
    *pool = NULL;
    if (!rs || rs->n == 0)
        return NULL;
    double t0 = px_mono_ms();
    unsigned first = atomic_fetch_add(&rs->next, 1u);
    /* Each standby in turn, from the round robin's pick; the wait is shared, not per standby. */
    for (int k = 0; k < rs->n; k++) {
        px_pool *p = rs->pools[(first + (unsigned)k) % (unsigned)rs->n];
        px_err err;
        px_db *db = px_pool_acquire(p, &err);
        if (!db)
            continue;
        for (;;) {
            uint64_t at;
            if (replay_lsn(db, &at) != 0)
                break;
            if (at >= fence) {
                *pool = p;
                atomic_fetch_add(&rs->standby_reads, 1ul);
                return db;
            }
            if (px_mono_ms() - t0 >= (double)rs->max_wait_ms)
                break;
            px_sleep_ms(1); /* replay usually catches up within a few ms on a LAN */
        }
        px_pool_release(p, db);
        if (px_mono_ms() - t0 >= (double)rs->max_wait_ms)
            break;
    }
    atomic_fetch_add(&rs->fallback_reads, 1ul);
    return NULL;
}

void px_replicas_stats(px_replicas *rs, uint64_t *standby, uint64_t *fallback)
{
    *standby = rs ? atomic_load(&rs->standby_reads) : 0;
    *fallback = rs ? atomic_load(&rs->fallback_reads) : 0;
}
