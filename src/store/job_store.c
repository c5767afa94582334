/* Jobs in PostgreSQL (job_store.h, docs/pool.md "The job runner"). */
#include <stdlib.h>
#include <string.h>

#include "job_store.h"
#include "store_internal.h"

#define TS(col) PX__SQL_ISO0(col)

static long long ll(const PGresult *r, int row, int col)
{
    return strtoll(px__val(r, row, col), NULL, 10);
}

#define JOB_COLS                                                                                   \
    "j.id, j.kind, j.status, j.total, j.done, coalesce(j.error, ''), j.org_id, "                   \
    "coalesce(j.tenant_id::text, ''), " TS("j.created_at") ", " TS("j.started_at") ", " TS(        \
        "j.finished_at") ", coalesce((SELECT a.gtin FROM allocation a WHERE a.job_id = j.id), "    \
                         "(SELECT e.gtin FROM export e WHERE e.job_id = j.id), ''), " JOB_OBJECT

/* The object of a job, by its kind (each table's job_id index). */
#define JOB_OBJECT                                                                                 \
    "coalesce(CASE j.kind WHEN 'allocation' THEN (SELECT o.id::text FROM allocation o WHERE "      \
    "o.job_id = j.id) WHEN 'export' THEN (SELECT o.id::text FROM export o WHERE o.job_id = j.id) " \
    "WHEN 'carrier_batch' THEN (SELECT o.id::text FROM carrier_batch o WHERE o.job_id = j.id) "    \
    "WHEN 'sscc_allocation' THEN (SELECT o.id::text FROM sscc_allocation o WHERE o.job_id = "      \
    "j.id) END, '')"

static void job_row(px_job *j, const PGresult *r, int i)
{
    memset(j, 0, sizeof(*j));
    px__texts(r, i, 0, PX__TEXT(j->id), PX__TEXT(j->kind), PX__TEXT(j->status), NULL);
    j->total = ll(r, i, 3);
    j->done = ll(r, i, 4);
    px__texts(r, i, 5, PX__TEXT(j->error), PX__TEXT(j->org_id), PX__TEXT(j->tenant_id),
              PX__TEXT(j->created_at), PX__TEXT(j->started_at), PX__TEXT(j->finished_at),
              PX__TEXT(j->gtin), PX__TEXT(j->object_id), NULL);
}

px_rc px_store_job_insert(px_db *db, const char *kind, long total, const char *org_id,
                          const char *tenant_id, px_job *out, px_err *err)
{
    PGresult *r = px__exec(db,
                           "INSERT INTO job AS j (kind, total, org_id, tenant_id) "
                           "VALUES ($1, $2::bigint, $3::uuid, $4::uuid) RETURNING " JOB_COLS,
                           PX__ARGS(kind, PX__INT(total), org_id, px__nz(tenant_id)), err);
    return PX__INSERTED(r, err, job_row, out);
}

/* The organization of $2 (NULL: none) sees the job. */
#define ORG_2_SEES_JOB PX__JOB_VISIBLE("nullif($2, '')::uuid")

px_rc px_store_job_get(px_db *db, px_job *out, const char *id, const char *org_id, int all_orgs,
                       px_err *err)
{
    PGresult *r = px__exec(db,
                           "SELECT " JOB_COLS
                           " FROM job j WHERE j.id = $1::uuid AND ($3::bool OR " ORG_2_SEES_JOB ")",
                           PX__ARGS(id, org_id, all_orgs ? "true" : "false"), err);
    return PX__ONE_ROW(r, err, job_row, out, "not_found", "job %s not found", id);
}

px_rc px_store_job_lock(px_db *db, px_job *out, const char *id, const char *org_id, px_err *err)
{
    PGresult *r =
        px__exec(db,
                 "SELECT " JOB_COLS " FROM job j WHERE j.id = $1::uuid AND " ORG_2_SEES_JOB
                 " FOR UPDATE OF j",
                 PX__ARGS(id, org_id), err);
    return PX__ONE_ROW(r, err, job_row, out, "not_found", "job %s not found", id);
}

px_rc px_store_job_requeue(px_db *db, const char *job_id, long long done, px_err *err)
{
    /* A fresh start of its tries: the failures counted before are of the failed run. */
    return px__exec_cmd(db,
                        "UPDATE job SET status = 'queued', done = $2::bigint, error = NULL, "
                        "failures = 0, not_before = NULL, finished_at = NULL, heartbeat_at = "
                        "now() WHERE id = $1::uuid AND status = 'failed'",
                        PX__ARGS(job_id, PX__INT(done)), err);
}

px_rc px_store_job_advance(px_db *db, const char *job_id, long long n, int *completed, px_err *err)
{
    return px__exec_true(
        db,
        "UPDATE job SET done = done + $2::bigint, heartbeat_at = now(), "
        "status = CASE WHEN done + $2::bigint >= total THEN 'completed' ELSE 'running' END, "
        "finished_at = CASE WHEN done + $2::bigint >= total THEN clock_timestamp() END "
        "WHERE id = $1::uuid RETURNING status = 'completed'",
        PX__ARGS(job_id, PX__INT(n)), completed, err);
}

#define JOB_1_FAIL PX__JOB_FAIL("$1::uuid", "$2")

px_rc px_store_job_fail(px_db *db, const char *job_id, const char *error, int *changed,
                        long long *undone, px_err *err)
{
    /* What is left undone is read in this statement, under the row's lock: a chunk another
     * worker committed since the caller's claim is counted as done. */
    PGresult *r = px__exec(db, JOB_1_FAIL " RETURNING greatest(total - done, 0)",
                           PX__ARGS(job_id, error), err);
    if (!r)
        return err->rc;
    *changed = PQntuples(r) == 1;
    *undone = *changed ? strtoll(px__val(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_job_failed_try(px_db *db, const char *job_id, const char *why, int *tries,
                              px_err *err)
{
    long long failures = 0;
    /* The pause counts from the failure (clock_timestamp()), not from the claim (now()): a try
     * that waited on a lock as long as the pause would otherwise have none, and the oldest
     * job, failing, would be claimed again at once ahead of the jobs after it. */
    px_rc rc = px__exec_number(db,
                               "UPDATE job SET failures = failures + 1, error = $2, not_before = "
                               "clock_timestamp() + interval '500 milliseconds' * "
                               "(1 << least(failures, 12)) "
                               "WHERE id = $1::uuid AND status IN ('queued', 'running') RETURNING "
                               "failures",
                               PX__ARGS(job_id, why), &failures, err);
    *tries = (int)failures;
    return rc;
}

px_rc px_store_job_started(px_db *db, const char *job_id, px_err *err)
{
    /* clock_timestamp(): the try's own start, not the claiming transaction's (now()). */
    return px__exec_cmd(db,
                        "UPDATE job SET started_at = clock_timestamp() WHERE id = $1::uuid AND "
                        "started_at IS NULL",
                        PX__ARGS(job_id), err);
}

px_rc px_store_job_try_ok(px_db *db, const char *job_id, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE job SET failures = 0, not_before = NULL, error = NULL WHERE id = "
                        "$1::uuid AND failures > 0",
                        PX__ARGS(job_id), err);
}

px_rc px_store_job_complete_now(px_db *db, const char *job_id, px_err *err)
{
    return px__exec_cmd(db,
                        "UPDATE job SET status = 'completed', done = total, started_at = "
                        "now(), finished_at = clock_timestamp() WHERE id = $1::uuid",
                        PX__ARGS(job_id), err);
}

px_rc px_store_job_counts(px_db *db, px_job_count_fn fn, void *ctx, px_err *err)
{
    /* An OR whose arms are the predicates of the partial indexes job_runnable and job_failed,
     * so the planner can read those two and leave the completed jobs alone (on a small table
     * it may scan instead). */
    PGresult *r = px__exec(db,
                           "SELECT kind, status, count(*) FROM job WHERE status IN ('queued', "
                           "'running') OR status = 'failed' GROUP BY kind, status ORDER BY 1, 2",
                           0, NULL, err);
    if (!r)
        return err->rc;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(ctx, px__val(r, i, 0), px__val(r, i, 1), strtoll(px__val(r, i, 2), NULL, 10)))
            break;
    PQclear(r);
    return PX_OK;
}

px_rc px_store_job_error_set(px_db *db, const char *job_id, const char *error, px_err *err)
{
    return px__exec_cmd(db, "UPDATE job SET error = $2 WHERE id = $1::uuid",
                        PX__ARGS(job_id, error), err);
}
