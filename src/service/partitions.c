/* The monthly partitions of the tables that grow without end (partitions.h, migrations 0111,
 * 0150, 0200 and 0202). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitions.h"
#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"
#include "tx.h"

/* px_clock's today as YYYY-MM-DD: the retention is judged on the clock the rules read (tests
 * move it), while the months ahead follow the database's clock, which stamps created_at. */
static void today_of(char out[11])
{
    char ts[32];
    px_time_format(ts, px_now_us());
    memcpy(out, ts, 10);
    out[10] = '\0';
}

typedef struct {
    const char *month;
    int ahead;
    int created;
} ensure_ctx;

/* In a transaction of its own, as every statement of a runner: the worker's connection bounds
 * its lock waits there (PACKID_RUNNER_LOCK_TIMEOUT_MS, px_db_set_lock_timeout), and making a
 * month waits for an exclusive lock on its table. */
static px_rc ensure_body(px_tx *tx, void *vc, px_err *err)
{
    ensure_ctx *c = vc;
    return px_store_partitions_ensure(px_tx_db(tx), c->month, c->ahead, &c->created, err);
}

/* "YYYY-MM" as the first day of that month (out[11]): the store's date. A month before any
 * packid data would only make empty tables, one after the next millennium none a row fits. */
static px_rc first_day_of(char out[11], const char *ym, px_err *err)
{
    if (strlen(ym) != 7 || !px_digits(ym, 4) || ym[4] != '-' || !px_digits(ym + 5, 2) ||
        ym[0] != '2' || strncmp(ym + 5, "01", 2) < 0 || strncmp(ym + 5, "12", 2) > 0)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "from",
                                "from must be a month YYYY-MM from 2000-01 to 2999-12");
    snprintf(out, 11, "%.7s-01", ym);
    return PX_OK;
}

px_rc px_svc_partitions_ensure(const px_app *app, px_db *db, const char *month, int ahead,
                               int *created, px_err *err)
{
    *created = 0;
    char day[11];
    if (month && first_day_of(day, month, err) != PX_OK)
        return PX_EINVALID;
    const char *from = month ? day : NULL;
    /* Bounded however it is started (the runner, the CLI, the API): behind a long reader the
     * month's exclusive lock would otherwise be waited for without end, with every writer of
     * the table queued behind it. */
    px_db_set_lock_timeout(db, app->cfg.runner_lock_timeout_ms);
    ensure_ctx live = {from, ahead, 0}, sandbox = {from, ahead, 0};
    /* A sandbox connection (a test key's) makes the sandbox's months alone, and stays there:
     * nothing done with a test key reaches live (REQ-SANDBOX-2), nor does what it reads next. */
    if (px_db_is_sandbox(db)) {
        px_rc rc = px_tx_run(db, NULL, ensure_body, &sandbox, err);
        *created = sandbox.created;
        return rc;
    }
    px_rc rc = px_tx_run(db, NULL, ensure_body, &live, err);
    if (rc != PX_OK)
        return rc;
    /* The sandbox's tables are partitioned the same way (docs/sandbox.md): its months too,
     * so that test traffic never piles up in its default partition. The schema is switched
     * between transactions, never inside one (a rollback would undo the switch). */
    if ((rc = px_db_set_sandbox(db, 1, err)) != PX_OK)
        return rc;
    rc = px_tx_run(db, NULL, ensure_body, &sandbox, err);
    px_err back = PX_ERR_INIT;
    if (px_db_set_sandbox(db, 0, &back) != PX_OK && rc == PX_OK) {
        rc = px_err_pass(err, &back);
    }
    *created = live.created + sandbox.created;
    return rc;
}

typedef struct {
    const px_app *app;
    px_partition_row **rows;
    int *n;
    long long *default_rows;
} list_ctx;

/* The months and the default partitions' rows, in one snapshot (and so with its lock waits
 * bounded on a worker's connection, as ensure_body's). */
static px_rc list_body(px_tx *tx, void *vc, px_err *err)
{
    list_ctx *c = vc;
    char today[11];
    today_of(today);
    px_rc rc =
        px_store_partitions_list(px_tx_db(tx), today, c->app->cfg.retention_months,
                                 c->app->cfg.retention_after_expiry_months, c->rows, c->n, err);
    if (rc == PX_OK &&
        (rc = px_store_partition_default_rows(px_tx_db(tx), c->default_rows, err)) != PX_OK) {
        free(*c->rows);
        *c->rows = NULL;
        *c->n = 0;
    }
    return rc;
}

/* The sandbox's months after the live ones: *rows grows by them. Its default partitions' rows
 * are not reported (default_rows are the live ones). */
static px_rc list_sandbox(const px_app *app, px_db *db, px_partition_row **rows, int *n,
                          px_err *err)
{
    px_partition_row *more = NULL;
    int m = 0;
    long long deflt[PX_PARTITIONED_N];
    list_ctx c = {app, &more, &m, deflt};
    /* Switched between transactions, as px_svc_partitions_ensure does. */
    px_rc rc = px_db_set_sandbox(db, 1, err);
    if (rc != PX_OK)
        return rc;
    rc = px_tx_read(db, list_body, &c, err);
    px_err back = PX_ERR_INIT;
    if (px_db_set_sandbox(db, 0, &back) != PX_OK && rc == PX_OK)
        rc = px_err_pass(err, &back);
    px_partition_row *all =
        rc == PX_OK && m ? realloc(*rows, (size_t)(*n + m) * sizeof(**rows)) : NULL;
    if (rc == PX_OK && m && !all)
        rc = px_err_oom(err);
    if (all) {
        memcpy(all + *n, more, (size_t)m * sizeof(*more));
        *rows = all;
        *n += m;
    }
    free(more);
    return rc;
}

px_rc px_svc_partitions_list(const px_app *app, px_db *db, px_partition_row **rows, int *n,
                             long long default_rows[PX_PARTITIONED_N], px_err *err)
{
    list_ctx c = {app, rows, n, default_rows};
    px_db_set_lock_timeout(db, app->cfg.runner_lock_timeout_ms); /* as px_svc_partitions_ensure */
    px_rc rc = px_tx_read(db, list_body, &c, err);
    /* A sandbox connection's (a test key's) months were the sandbox's: those alone. */
    if (rc != PX_OK || px_db_is_sandbox(db))
        return rc;
    if ((rc = list_sandbox(app, db, rows, n, err)) != PX_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

typedef struct {
    const px_app *app;
    const char *name; /* as asked: sandbox.<month> for one of the sandbox's */
    int sandbox;      /* a month of the sandbox's asked on a live connection: switch to it */
    char today[11];
} detach_ctx;

typedef struct {
    const px_sign_ring *keys;
    char reason[200]; /* "" while every cut holds */
} cuts_check;

static int cut_holds(void *vc, const px_audit_checkpoint *cp)
{
    cuts_check *c = vc;
    return px_audit_checkpoint_check(cp, c->keys, c->reason, sizeof(c->reason));
}

/* Judges and detaches month c->name in the connection's schema (px_partition_month_in). */
static px_rc detach_month(px_tx *tx, const detach_ctx *c, px_err *err)
{
    /* A month of audit_log leaves only under cuts packid signed: the store counts the cut rows
     * (partition_store.c, uncut_sql), and a row anyone with database access could insert is
     * checked here against the key ring, so that `audit verify` holds after the detach. The
     * store reads the cuts under the locks the detach then judges under, so no cut row enters
     * between this check and that count. */
    int t;
    const char *month = px_partition_month_in(px_tx_db(tx), c->name, &t);
    if (month && strcmp(px_partitioned_tables[t], "audit_log") == 0) {
        cuts_check k = {.keys = &c->app->audit_keys};
        px_rc rc = px_store_audit_month_cuts(px_tx_db(tx), c->name, cut_holds, &k, err);
        if (rc != PX_OK)
            return rc;
        if (k.reason[0])
            return px_err_set(err, PX_ESTATE, "audit_cut_invalid", "%s is not detached: %s",
                              c->name, k.reason);
    }
    return px_store_partition_detach(px_tx_db(tx), c->name, c->today, c->app->cfg.retention_months,
                                     c->app->cfg.retention_after_expiry_months, err);
}

static px_rc detach_body(px_tx *tx, void *vctx, px_err *err)
{
    detach_ctx *c = vctx;
    px_db *db = px_tx_db(tx);
    /* A month of the sandbox's is judged on the sandbox's rows, packs and audit cuts, and
     * detached from its table there, in the same transaction as its audit entry (SET LOCAL:
     * the switch ends with the transaction however it ends). */
    px_rc rc = c->sandbox ? px_db_set_sandbox_local(db, 1, err) : PX_OK;
    if (rc == PX_OK)
        rc = detach_month(tx, c, err);
    px_err back = PX_ERR_INIT;
    if (c->sandbox && px_db_set_sandbox_local(db, 0, &back) != PX_OK && rc == PX_OK)
        rc = px_err_pass(err, &back);
    /* A month of pack history leaves its tables: who did it, and when, is on record (the
     * operator's chain; the entry lands in this month's audit_log, never the one detached).
     * A sandbox month's too, in the live log: the operator acts on the installation, and the
     * sandbox's own log is one of the tables whose months it detaches. */
    if (rc == PX_OK)
        px_audit_str(px_tx_audit(tx, NULL, "partition.detach", c->name), "today", c->today);
    return rc;
}

px_rc px_svc_partition_detach(const px_app *app, px_db *db, const px_actor *by, const char *name,
                              px_err *err)
{
    /* On a sandbox connection (a test key's) every month is the sandbox's already. */
    detach_ctx c = {.app = app,
                    .name = name,
                    .sandbox =
                        !px_db_is_sandbox(db) &&
                        strncmp(name, PX_SANDBOX_SCHEMA ".", strlen(PX_SANDBOX_SCHEMA ".")) == 0};
    today_of(c.today);
    px_db_set_lock_timeout(db, app->cfg.runner_lock_timeout_ms); /* as px_svc_partitions_ensure */
    px_rc rc = px_tx_run(db, by, detach_body, &c, err);
    if (rc == PX_OK)
        px_logf(PX_LOG_INFO, "partition %s detached (retention passed)", name);
    return rc;
}

/* The runner: once an hour (and at start), the months ahead in both schemas, and the gauges
 * of /metrics. It never detaches: leaving the table is the operator's act (the detached
 * month is to be archived first). */
px_rc px_run_partitions(px_app *app, px_db *db, int *did_work, px_err *err)
{
    *did_work = 0;
    /* It ensures both schemas itself, from the live side: the workers' sandbox pass, which
     * runs every runner too, must not take its turn (it would ensure the sandbox twice and
     * leave the live months for the next hour). */
    if (px_db_is_sandbox(db))
        return PX_OK;
    long long now = (long long)(px_mono_ms() / 1000); /* an interval: the monotonic clock */
    long long next = app->partitions_next;
    if (now < next || !atomic_compare_exchange_strong(&app->partitions_next, &next, now + 3600))
        return PX_OK;
    int created = 0, n = 0;
    long long deflt[PX_PARTITIONED_N] = {0};
    px_partition_row *rows = NULL;
    px_rc rc = px_svc_partitions_ensure(app, db, NULL, app->cfg.partitions_ahead, &created, err);
    if (rc == PX_OK)
        rc = px_svc_partitions_list(app, db, &rows, &n, deflt, err);
    if (rc == PX_OK) {
        int months[PX_PARTITIONED_N] = {0}, detachable[PX_PARTITIONED_N] = {0};
        /* The gauges count the live months (docs/api.md "GET /metrics"). */
        for (int i = 0; i < n; i++) {
            if (rows[i].table_index < 0 || rows[i].sandbox)
                continue;
            months[rows[i].table_index]++;
            detachable[rows[i].table_index] += rows[i].detachable;
        }
        for (int t = 0; t < PX_PARTITIONED_N; t++) {
            atomic_store(&app->partitions_months[t], months[t]);
            atomic_store(&app->partitions_detachable[t], detachable[t]);
            atomic_store(&app->partitions_default_rows[t], deflt[t]);
            if (deflt[t])
                px_logf(PX_LOG_WARN, "%s_default holds %lld rows (a month was missing)",
                        px_partitioned_tables[t], deflt[t]);
        }
        if (created)
            px_logf(PX_LOG_INFO, "monthly partitions created: %d", created);
    }
    free(rows);
    /* A failure is tried again a minute later; returned, so the worker loop logs it at error
     * level and counts it (packid_runner_errors_total{runner="partitions"}), and goes on to
     * the other runners. */
    if (rc != PX_OK)
        atomic_store(&app->partitions_next, now + 60);
    return rc;
}
