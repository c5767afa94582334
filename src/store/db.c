#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_calendar.h"
#include "px_log.h"
#include "store_internal.h"

/* Server NOTICEs (e.g. "relation already exists, skipping") are not errors; keep them off
 * the user's terminal. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

px_rc px__session_init(PGconn *conn, px_err *err)
{
    PGresult *r = PQexec(conn, "SET TIME ZONE 'UTC'");
    px_rc rc = PQresultStatus(r) == PGRES_COMMAND_OK ? PX_OK : px__sqlstate_map(r, conn, err);
    PQclear(r);
    return rc;
}

px_rc px_db_connect(px_db **out, const char *conninfo, px_err *err)
{
    *out = NULL;
    /* A URL libpq cannot parse is said without libpq's reason: the reason quotes the text at
     * fault, which may be the password ("invalid percent-encoded token: \"50%off\""), and
     * secrets never reach the log. */
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    PQfreemem(why);
    if (!opts) {
        px_log(PX_LOG_ERROR, "database unavailable",
               "\"detail\":\"the database URL does not parse (libpq's reason is not logged: "
               "it may quote the password)\"");
        return px_err_set(err, PX_EUNAVAIL, "unavailable", "the database URL does not parse");
    }
    PQconninfoFree(opts);
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        px__sqlstate_map(NULL, conn, err);
        PQfinish(conn);
        return PX_EUNAVAIL;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    px_rc rc = px__session_init(conn, err);
    px_db *db = rc == PX_OK ? calloc(1, sizeof(*db)) : NULL;
    if (!db) {
        PQfinish(conn);
        return rc != PX_OK ? rc : px_err_oom(err);
    }
    db->conn = conn;
    *out = db;
    return PX_OK;
}

void px_db_close(px_db *db)
{
    if (!db)
        return;
    PQfinish(db->conn);
    free(db);
}

/* A statement's result when it succeeded; else NULL with err mapped from its SQLSTATE. */
static PGresult *checked(px_db *db, PGresult *res, px_err *err)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    px__sqlstate_map(res, db->conn, err);
    PQclear(res);
    return NULL;
}

PGresult *px__exec(px_db *db, const char *sql, int nparams, const char *const *params, px_err *err)
{
    return checked(db, PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0), err);
}

static unsigned cached_bit(const px_db *db, px__cached id)
{
    return (unsigned)id + (db->sandbox ? 32u : 0u);
}

static void cached_name(const px_db *db, px__cached id, char name[16])
{
    snprintf(name, 16, "px%s%d", db->sandbox ? "s" : "l", (int)id);
}

int px__is_cached(const px_db *db, px__cached id)
{
    return (db->prepared & (1ULL << cached_bit(db, id))) != 0;
}

px_rc px__uncache(px_db *db, px__cached id, px_err *err)
{
    if (!px__is_cached(db, id))
        return PX_OK;
    char name[16], sql[32];
    cached_name(db, id, name);
    snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
    px_rc rc = px_db_exec(db, sql, err);
    if (rc == PX_OK)
        db->prepared &= ~(1ULL << cached_bit(db, id));
    return rc;
}

PGresult *px__exec_cached(px_db *db, px__cached id, const char *sql, int nparams,
                          const char *const *params, px_err *err)
{
    unsigned bit = cached_bit(db, id);
    char name[16];
    cached_name(db, id, name);
    if (!(db->prepared & (1ULL << bit))) {
        PGresult *p = PQprepare(db->conn, name, sql, nparams, NULL);
        if (PQresultStatus(p) != PGRES_COMMAND_OK) {
            px__sqlstate_map(p, db->conn, err);
            PQclear(p);
            return NULL;
        }
        PQclear(p);
        db->prepared |= 1ULL << bit;
    }
    return checked(db, PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0), err);
}

px_rc px_db_set_sandbox(px_db *db, int on, px_err *err)
{
    px_rc rc =
        px_db_exec(db, on ? "SET search_path = " PX_SANDBOX_SCHEMA : "RESET search_path", err);
    if (rc == PX_OK)
        db->sandbox = on;
    return rc;
}

px_rc px_db_set_sandbox_local(px_db *db, int on, px_err *err)
{
    px_rc rc = px_db_exec(
        db, on ? "SET LOCAL search_path = " PX_SANDBOX_SCHEMA : "SET LOCAL search_path TO DEFAULT",
        err);
    db->sandbox = on && rc == PX_OK;
    return rc;
}

int px_db_is_sandbox(const px_db *db)
{
    return db->sandbox;
}

px_rc px_db_exec(px_db *db, const char *sql, px_err *err)
{
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        PQclear(res);
        return PX_OK;
    }
    px_rc rc = px__sqlstate_map(res, db->conn, err);
    PQclear(res);
    return rc;
}

px_rc px__copy(px_db *db, const char *sql, const px_buf *b, const char *what, px_err *err)
{
    if (px_buf_failed(b) == PX_ETOOBIG)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large", "too many %s", what);
    if (px_buf_failed(b) != PX_OK)
        return px_err_oom(err);
    const char *data = b->data ? b->data : "";
    size_t len = b->len;
    if (len > (size_t)0x7fffffff)
        return px_err_set(err, PX_ETOOBIG, "payload_too_large", "COPY data over 2 GiB");
    PGresult *r = PQexec(db->conn, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        px_rc rc = px__sqlstate_map(r, db->conn, err);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    px_rc rc = PX_OK;
    /* The COPY is ended in every case, aborted when its data did not go: a COPY left open
     * answers every PQgetResult with another COPY_IN, for ever. */
    int sent = len == 0 || PQputCopyData(db->conn, data, (int)len) == 1;
    if (PQputCopyEnd(db->conn, sent ? NULL : "packid: the COPY data could not be sent") != 1 ||
        !sent)
        rc = px__sqlstate_map(NULL, db->conn, err);
    while ((r = PQgetResult(db->conn))) {
        ExecStatusType st = PQresultStatus(r);
        if (rc == PX_OK && st != PGRES_COMMAND_OK)
            rc = px__sqlstate_map(r, db->conn, err);
        PQclear(r);
        if (st == PGRES_COPY_IN) /* the end did not reach the server: the connection is gone */
            break;
    }
    return rc;
}

const char *px__val(const PGresult *res, int r, int c)
{
    return PQgetvalue(res, r, c);
}

int px__isnull(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c);
}

px_rc px_db_ping(px_db *db, px_err *err)
{
    return px_db_exec(db, "SELECT 1", err);
}

void px_db_set_lock_timeout(px_db *db, long ms)
{
    db->lock_timeout_ms = ms > 0 ? ms : 0;
}

/* BEGIN begin (with its lock wait bound, in the same round trip) and marks the transaction. */
static px_rc begin(px_db *db, const char *begin, int writes, px_err *err)
{
    char sql[160];
    if (db->lock_timeout_ms > 0)
        snprintf(sql, sizeof(sql), "%s; SET LOCAL lock_timeout = %ld", begin, db->lock_timeout_ms);
    else
        snprintf(sql, sizeof(sql), "%s", begin);
    px_rc rc = px_db_exec(db, sql, err);
    if (rc != PX_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        px_db_rollback(db); /* BEGIN ran, its SET did not */
    db->in_tx = rc == PX_OK;
    db->tx_writes = db->in_tx && writes;
    return rc;
}

px_rc px_db_begin(px_db *db, px_err *err)
{
    return begin(db, "BEGIN", 1, err);
}

px_rc px_db_begin_read(px_db *db, px_err *err)
{
    return begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, err);
}

px_rc px_db_commit(px_db *db, px_err *err)
{
    db->in_tx = 0;
    return px_db_exec(db, "COMMIT", err);
}

int px_db_in_tx(const px_db *db)
{
    return db->in_tx;
}

void px_db_rollback(px_db *db)
{
    if (!db)
        return;
    db->in_tx = 0;
    PGresult *r = PQexec(db->conn, "ROLLBACK");
    PQclear(r);
}

px_rc px__copy_text(px_buf *b, const char *s)
{
    px_rc rc = PX_OK;
    for (const char *p = s; *p && rc == PX_OK;) {
        size_t run = strcspn(p, "\\\t\n\r");
        rc = px_buf_add(b, p, run);
        p += run;
        if (*p && rc == PX_OK) {
            char esc[2] = {'\\', *p == '\t' ? 't' : *p == '\n' ? 'n' : *p == '\r' ? 'r' : '\\'};
            rc = px_buf_add(b, esc, 2);
            p++;
        }
    }
    return rc;
}

/* "YYYY-MM-DD HH:MM:SS.ffffff+00" of µs since the epoch, for COPY. */
void px__copy_ts(char out[40], int64_t us)
{
    int64_t rem = us - px_floor_div(us, PX_DAY_US) * PX_DAY_US; /* of its day, before 1970 too */
    int y, m, dd;
    px_civil_from_us(us, &y, &m, &dd);
    int64_t sec = rem / PX_SEC_US;
    snprintf(out, 40, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", y, m, dd, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60), (long long)(rem % PX_SEC_US));
}
