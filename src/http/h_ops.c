/* Operations: health, metrics, whoami. */
#include <stdatomic.h>
#include <stdlib.h>

#include "allocation.h"
#include "allotments.h"
#include "handlers.h"
#include "reports.h"
#include "scan_buffer.h"
#include "verify_batch.h"
#include "webhook.h"
#include "workers.h"

/* Whether the database answers ask (a ping, the schema check) on a connection of the pool's
 * that goes back at once: the probes answer their own 503 body, never the error shape, so they
 * do not take the request's database (px_req_db). */
static int db_answers(px_req *r, px_rc (*ask)(px_db *, px_err *), px_err *err)
{
    px_db *db = px_pool_acquire(r->app->pool, err);
    int ok = db && ask(db, err) == PX_OK;
    if (db)
        px_pool_release(r->app->pool, db);
    return ok;
}

void h_healthz(px_req *r)
{
    px_err err = PX_ERR_INIT;
    int ok = db_answers(r, px_db_ping, &err);
    px_reply_json(r, ok ? 200 : 503,
                  json_pack("{s:s, s:s}", "status", ok ? "ok" : "degraded", "database",
                            ok ? "ok" : "unavailable"));
}

static int add_report_count(void *ctx, const char *state, long long n)
{
    px_buf_printf(ctx, "packid_reports{state=\"%s\"} %lld\n", state, n);
    return 0;
}

static int add_webhook_count(void *ctx, const char *state, long long n)
{
    px_buf_printf(ctx, "packid_webhook_deliveries{state=\"%s\"} %lld\n", state, n);
    return 0;
}

static int add_job_count(void *ctx, const char *kind, const char *status, long long n)
{
    px_buf_printf(ctx, "packid_jobs{kind=\"%s\",status=\"%s\"} %lld\n", kind, status, n);
    return 0;
}

/* A counter of delivery outcomes since start (reports' and webhooks' alike): its HELP and TYPE
 * lines, then one line per outcome, every outcome listed (0 when none). */
static void put_outcomes(px_buf *b, const char *metric, const char *what,
                         const _Atomic unsigned long counts[PX_DELIVERY_OUTCOME__COUNT])
{
    px_buf_printf(b, "# HELP %s %s delivery outcomes since start.\n# TYPE %s counter\n", metric,
                  what, metric);
    for (int i = 0; i < PX_DELIVERY_OUTCOME__COUNT; i++)
        px_buf_printf(b, "%s{outcome=\"%s\"} %lu\n", metric,
                      px_delivery_outcome_name((px_delivery_outcome)i), (unsigned long)counts[i]);
}

/* What can fail after the request that caused it: report and webhook deliveries by outcome
 * and runner failures since start, reports and webhook deliveries by state (every state, 0
 * when none; one already retried is repaired, not counted), jobs not
 * completed by kind and status (a failed one stays counted: alert on its increase). */
static int render_reports(px_req *r, px_buf *b)
{
    put_outcomes(b, "packid_report_deliveries_total", "Report", r->app->deliveries);
    put_outcomes(b, "packid_webhook_deliveries_total", "Webhook", r->app->webhook_deliveries);
    px_buf_puts(b, "# HELP packid_runner_errors_total Failed calls of a background runner since "
                   "start (each also logged at error level).\n"
                   "# TYPE packid_runner_errors_total counter\n");
    for (int i = 0; px_workers_runner_name(i); i++)
        px_buf_printf(b, "packid_runner_errors_total{runner=\"%s\"} %lu\n",
                      px_workers_runner_name(i), (unsigned long)r->app->runner_errors[i]);
    px_buf_printf(b,
                  "# HELP packid_carrier_items_failed_total Carrier batch items the job could "
                  "not render since start (each chunk's also logged at error level; the batch "
                  "lists why).\n# TYPE packid_carrier_items_failed_total counter\n"
                  "packid_carrier_items_failed_total %lu\n",
                  (unsigned long)r->app->carrier_items_failed);
    px_buf_printf(b,
                  "# HELP packid_scans_lost_total Verification scans lost since start: their "
                  "write failed and the buffer had no room to keep them (each loss also logged "
                  "at error level).\n# TYPE packid_scans_lost_total counter\n"
                  "packid_scans_lost_total %lu\n",
                  r->app->scans ? px_scan_buffer_lost(r->app->scans) : 0UL);
    unsigned long reads, served;
    px_verify_batch_stats(r->app->verify_batch, &reads, &served);
    px_buf_printf(b,
                  "# HELP packid_verify_reads_total Reads tried for public verifications "
                  "together, failed ones too (verify_batch.h).\n"
                  "# TYPE packid_verify_reads_total counter\n"
                  "packid_verify_reads_total %lu\n"
                  "# HELP packid_verify_read_requests_total Public verifications those "
                  "reads answered.\n# TYPE packid_verify_read_requests_total counter\n"
                  "packid_verify_read_requests_total %lu\n",
                  reads, served);
    px_db *db = px_req_db(r);
    px_err err = PX_ERR_INIT;
    px_buf_puts(b, "# HELP packid_reports Reports by state.\n# TYPE packid_reports gauge\n");
    int ok = db && px_svc_report_counts(db, add_report_count, b, &err) == PX_OK;
    /* Read from the database, as the reports' gauge: every process and a restart see the
     * dead deliveries (the _total counters are this process's since start). */
    px_buf_puts(b, "# HELP packid_webhook_deliveries Webhook deliveries by state.\n"
                   "# TYPE packid_webhook_deliveries gauge\n");
    ok = ok && px_svc_webhook_delivery_counts(db, add_webhook_count, b, &err) == PX_OK;
    px_buf_puts(b, "# HELP packid_jobs Background jobs queued, running or failed, by kind and "
                   "status.\n# TYPE packid_jobs gauge\n");
    return db && px_svc_job_counts(db, add_job_count, b, &err) == PX_OK && ok;
}

/* Allotments (docs/allotments.md): this month's use over all organizations and how many have
 * used all of a limit. Totals only: the public metrics name no organization. */
static int render_allotments(px_req *r, px_buf *b)
{
    static const char *const kinds[PX_ALLOT__COUNT] = {"serials", "carriers"};
    long long used[PX_ALLOT__COUNT], exhausted[PX_ALLOT__COUNT];
    px_err err = PX_ERR_INIT;
    px_db *db = px_req_db(r);
    if (!db || px_svc_allotment_totals(db, used, exhausted, &err) != PX_OK)
        return 0;
    px_buf_puts(b, "# HELP packid_allotment_used This month's use counted against allotments.\n"
                   "# TYPE packid_allotment_used gauge\n");
    for (int k = 0; k < PX_ALLOT__COUNT; k++)
        px_buf_printf(b, "packid_allotment_used{kind=\"%s\"} %lld\n", kinds[k], used[k]);
    px_buf_puts(b, "# HELP packid_allotments_exhausted Organizations that used all of a monthly "
                   "allotment.\n# TYPE packid_allotments_exhausted gauge\n");
    for (int k = 0; k < PX_ALLOT__COUNT; k++)
        px_buf_printf(b, "packid_allotments_exhausted{kind=\"%s\"} %lld\n", kinds[k],
                      exhausted[k]);
    return 1;
}

/* Readiness, beside liveness (/healthz): a load balancer sends traffic only when the database
 * answers and carries this build's schema (a rolling upgrade's new process waits here). */
void h_readyz(px_req *r)
{
    px_err err = PX_ERR_INIT;
    int ok = db_answers(r, px_svc_ready, &err);
    px_reply_json(r, ok ? 200 : 503,
                  ok ? json_pack("{s:s}", "status", "ready")
                     : json_pack("{s:s, s:s}", "status", "not_ready", "reason", err.message));
}

void h_metrics(px_req *r)
{
    px_buf b;
    px_buf_init(&b, 4 << 20);
    px_metrics_render(&b, r->app->pool);
    px_buf_printf(&b, "# HELP packid_build_info The running build.\n# TYPE packid_build_info gauge\n"
                      "packid_build_info{version=\"%s\"} 1\n",
                  PX_VERSION);
    /* A family the database could not give is not silently empty: this gauge says the scrape
     * missed some (alert on it being 0; each failed read is also logged at error level). */
    int read = render_reports(r, &b);
    read = render_allotments(r, &b) && read;
    px_buf_printf(&b,
                  "# HELP packid_metrics_database_read 1 when this scrape read every family the "
                  "database gives (reports, jobs, allotments), 0 when a read failed.\n"
                  "# TYPE packid_metrics_database_read gauge\npackid_metrics_database_read %d\n",
                  read);
    uint64_t standby, fallback;
    px_replicas_stats(r->app->replicas, &standby, &fallback);
    px_buf_printf(&b,
                  "# HELP packid_db_standby_reads_total Reads a fenced hot standby answered.\n"
                  "# TYPE packid_db_standby_reads_total counter\n"
                  "packid_db_standby_reads_total %llu\n"
                  "# HELP packid_db_standby_fallbacks_total Reads the primary answered because "
                  "no standby had replayed up to the read's fence in time.\n"
                  "# TYPE packid_db_standby_fallbacks_total counter\n"
                  "packid_db_standby_fallbacks_total %llu\n",
                  (unsigned long long)standby, (unsigned long long)fallback);
    /* What the partitions runner saw at its last pass (docs/scaling.md "Partitioning"), one
     * series per partitioned table. */
    px_buf_printf(&b, "# HELP packid_partitions Monthly partitions of a table.\n"
                      "# TYPE packid_partitions gauge\n");
    for (int t = 0; t < PX_PARTITIONED_N; t++)
        px_buf_printf(&b, "packid_partitions{table=\"%s\"} %d\n", px_partitioned_tables[t],
                      atomic_load(&r->app->partitions_months[t]));
    px_buf_printf(&b, "# HELP packid_partitions_detachable Months whose retention has passed.\n"
                      "# TYPE packid_partitions_detachable gauge\n");
    for (int t = 0; t < PX_PARTITIONED_N; t++)
        px_buf_printf(&b, "packid_partitions_detachable{table=\"%s\"} %d\n",
                      px_partitioned_tables[t], atomic_load(&r->app->partitions_detachable[t]));
    px_buf_printf(&b, "# HELP packid_partitions_default_rows Rows that found no month.\n"
                      "# TYPE packid_partitions_default_rows gauge\n");
    for (int t = 0; t < PX_PARTITIONED_N; t++)
        px_buf_printf(&b, "packid_partitions_default_rows{table=\"%s\"} %lld\n",
                      px_partitioned_tables[t], atomic_load(&r->app->partitions_default_rows[t]));
    if (r->response) { /* no database: the 503 px_req_db queued answers */
        px_buf_dispose(&b);
        return;
    }
    /* A scrape cut at some series would read as counters gone back: none rather than part. */
    if (px_buf_failed(&b) != PX_OK) {
        px_buf_dispose(&b);
        px_reply_fail(r, PX_EINTERNAL, "internal", "the metrics did not fit in memory");
        return;
    }
    size_t len = b.len;
    px_reply_take(r, 200, "text/plain; version=0.0.4", px_buf_take(&b), len);
}

void h_whoami(px_req *r)
{
    px_reply_json(r, 200,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "key_id", r->actor.key_id, "role",
                            px_role_name(r->actor.role), "org_id", r->actor.org_id, "org_kind",
                            px_org_kind_name(r->actor.org_kind), "org_name", r->actor.org_name,
                            "mode", px_key_mode_name(r->actor.mode)));
}
