/* packid serve: opens the database (starting the embedded cluster when needed), applies
 * migrations, creates the demo organizations on first start, and serves the HTTP API until
 * SIGINT/SIGTERM, then stops cleanly (and stops the embedded cluster if it started it). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "px_log.h"
#include "service.h"
#include "store.h"
#include "workers.h"

static void print_first_start(const px_bootstrap *b, const px_config *cfg)
{
    char base[128];
    snprintf(base, sizeof(base), "http://%s:%d", cfg->listen_host, cfg->listen_port);
    printf("\nFirst start: packid created %s.\n"
           "Each key is shown only this once (only its hash is stored): keep them now.\n\n"
           "  admin      (operator)            %s\n",
           b->demo ? "these organizations and API keys" : "the operator and its admin key",
           b->admin_key);
    if (b->demo)
        printf("  mah        Demo MAH  org %s  %s\n"
               "  cmo        Demo CMO  org %s  %s\n\n"
               "Demo product (GTIN %s) belongs to the Demo MAH and is granted to the Demo "
               "CMO.\n\n"
               "Try it:\n\n"
               "  curl -s -H 'Authorization: Bearer %s' %s/v1/products\n\n",
               b->mah.id, b->mah_key, b->cmo.id, b->cmo_key, b->demo_gtin, b->mah_key, base);
    else
        printf("\nTry it:\n\n"
               "  curl -s -H 'Authorization: Bearer %s' %s/v1/whoami\n\n"
               "Create organizations with POST /v1/orgs or `packid org create` (README).\n\n",
               b->admin_key, base);
    fflush(stdout);
}

int px_cmd_serve(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 1, px_cli_no_options, 0, "serve");
    if (ex != PX_EXIT_OK)
        return ex;
    /* Block the stop signals before any thread starts, so every thread inherits the mask and
     * this thread alone receives them in sigwait. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    px_err err = PX_ERR_INIT;
    px_app app;
    /* A cluster that a killed `packid serve` left running in this data folder is taken
     * over, so this server's clean stop stops it (it would otherwise run until `packid db
     * stop`). One started by `packid db start` has no owner and is left alone. */
    int orphan = !cli->cfg.database_url[0] && px_embedded_orphaned(cli->cfg.data_dir);
    /* One connection per request thread and per server thread (which read for the public
     * routes and the streamed answers: http/handler_pool.c), one per worker, one per reader
     * of the public verifications' shared reads (verify_batch.h), one spare for health
     * checks. */
    int pool = 2 * cli->cfg.threads + cli->cfg.workers + cli->cfg.verify_readers + 1;
    if (px_app_open(&app, &cli->cfg, pool, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    /* The standbys answer HTTP reads only: one connection per request and server thread. */
    if (px_app_open_replicas(&app, 2 * cli->cfg.threads, &err) != PX_OK) {
        px_app_close(&app);
        return px_cli_fail(cli, &err);
    }
    if (orphan && !app.embedded_started) {
        px_log(PX_LOG_WARN, "taking over the embedded database left running by a killed packid",
               NULL);
        app.embedded_started = 1;
    }
    if (app.embedded_started && px_embedded_own(app.cfg.data_dir, &err) != PX_OK)
        px_logf(PX_LOG_WARN, "%s", err.message);

    px_bootstrap boot;
    px_db *db = px_pool_acquire(app.pool, &err);
    if (!db || px_svc_bootstrap(db, app.cfg.demo, &boot, &err) != PX_OK) {
        if (db)
            px_pool_release(app.pool, db);
        px_app_close(&app);
        return px_cli_fail(cli, &err);
    }
    px_pool_release(app.pool, db);

    px_http_server *srv;
    if (px_http_start(&srv, &app, &err) != PX_OK) {
        px_app_close(&app);
        return px_cli_fail(cli, &err);
    }
    px_workers *workers = NULL;
    if (px_workers_start(&workers, &app, &err) != PX_OK) {
        px_http_stop(srv);
        px_app_close(&app);
        return px_cli_fail(cli, &err);
    }
    if (boot.created)
        print_first_start(&boot, &app.cfg);
    memset(&boot, 0, sizeof(boot));
    char fields[160];
    snprintf(fields, sizeof(fields), "\"host\":\"%s\",\"port\":%d,\"embedded\":%s",
             app.cfg.listen_host, app.cfg.listen_port, app.cfg.database_url[0] ? "false" : "true");
    px_log(PX_LOG_INFO, "listening", fields);

    int sig = 0;
    sigwait(&stop, &sig);
    px_logf(PX_LOG_INFO, "stopping on signal %d", sig);
    /* HTTP first: a request that stores a job wakes the workers (px_workers_wake), so they
     * must outlive every request. */
    px_http_stop(srv);
    px_workers_stop(workers);
    px_app_close(&app);
    px_log(PX_LOG_INFO, "stopped", NULL);
    return PX_EXIT_OK;
}
