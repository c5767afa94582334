/* Migrations: migrations/NNNN_name.sql, embedded into the binary by the build (so `packid
 * migrate` works from any directory), applied in order, each in its own transaction and
 * recorded with the SHA-256 of its text. An advisory lock serialises concurrent migrators
 * (two packid processes starting at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_crypto.h"
#include "px_log.h"
#include "store_internal.h"

static const char *const create_table =
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    "  name text PRIMARY KEY,"
    "  checksum text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";

/* Applies every migration not yet recorded in the current schema's schema_migration; counts
 * the ones it applied into *applied. */
static px_rc apply_all(px_db *db, int *applied, px_err *err)
{
    px_rc rc;
    if ((rc = px_db_exec(db, create_table, err)))
        return rc;
    for (int i = 0; i < px__migration_count; i++) {
        const px__migration *m = &px__migrations[i];
        char sum[PX_SHA256_HEX_LEN + 1];
        px_sha256_hex(sum, m->sql, strlen(m->sql));
        PGresult *r = px__exec(db, "SELECT checksum FROM schema_migration WHERE name = $1",
                               PX__ARGS(m->name), err);
        if (!r)
            return err->rc;
        int done = PQntuples(r) > 0;
        int same = done && strcmp(px__val(r, 0, 0), sum) == 0;
        PQclear(r);
        if (done && !same)
            return px_err_set(err, PX_ECONFLICT, "migration_changed",
                              "migration %s was changed after it was applied; restore its "
                              "original text and put the change in a new migration", m->name);
        if (done)
            continue;
        if ((rc = px_db_begin(db, err)))
            return rc;
        if ((rc = px_db_exec(db, m->sql, err))) {
            px_db_rollback(db);
            px_logf(PX_LOG_ERROR, "migration %s failed", m->name);
            err->rc = rc;
            return rc;
        }
        r = px__exec(db, "INSERT INTO schema_migration (name, checksum) VALUES ($1, $2)",
                     PX__ARGS(m->name, sum), err);
        if (!r) {
            px_db_rollback(db);
            return err->rc;
        }
        PQclear(r);
        if ((rc = px_db_commit(db, err)))
            return rc;
        (*applied)++;
        px_logf(PX_LOG_INFO, "applied migration %s%s", px_db_is_sandbox(db) ? "(sandbox) " : "",
                m->name);
    }
    return PX_OK;
}

px_rc px_migrate(px_db *db, px_migration_report *rep, px_err *err)
{
    px_rc rc;
    int sandbox_applied = 0;
    rep->applied = 0;
    rep->total = px__migration_count;
    if ((rc = px_db_exec(db, "SELECT pg_advisory_lock(" PX__LOCK_MIGRATIONS ")", err)))
        return rc;
    /* The live schema, then the sandbox schema with the same migrations (docs/sandbox.md): the
     * two can never differ in shape, and every table a migration adds exists in both. */
    if ((rc = apply_all(db, &rep->applied, err)) ||
        (rc = px_db_exec(db, "CREATE SCHEMA IF NOT EXISTS " PX_SANDBOX_SCHEMA, err)) ||
        (rc = px_db_set_sandbox(db, 1, err)))
        goto done;
    rc = apply_all(db, &sandbox_applied, err);
    px_db_set_sandbox(db, 0, NULL);
done:
    px_db_exec(db, "SELECT pg_advisory_unlock(" PX__LOCK_MIGRATIONS ")", NULL);
    return rc;
}

px_rc px_migration_status(px_db *db, px_migration_report *rep, px_err *err)
{
    rep->applied = 0;
    rep->total = px__migration_count;
    long long applied = 0;
    px_rc rc = px__exec_number(db, "SELECT count(*) FROM schema_migration", 0, NULL, &applied, err);
    rep->applied = (int)applied;
    return rc;
}
