/* packid migrate | db | org | key: the operator's commands (audit: cmd_audit.c). With --json
 * each prints one JSON object; secrets (API keys) are printed only by `key create`, once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_shapes.h"
#include "market.h"
#include "px_crypto.h"
#include "px_str.h"

int px_cmd_migrate(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 1, px_cli_no_options, 0, "migrate [--json]");
    if (ex != PX_EXIT_OK)
        return ex;
    px_err err = PX_ERR_INIT;
    px_app app;
    char conninfo[1024];
    int started = 0;
    px_rc rc = px_store_resolve(&cli->cfg, conninfo, sizeof(conninfo), &started, &err);
    if (rc != PX_OK)
        return px_cli_fail(cli, &err);
    px_db *db = NULL;
    px_migration_report rep = {0, 0};
    if ((rc = px_db_connect(&db, conninfo, &err)) == PX_OK)
        rc = px_migrate(db, &rep, &err);
    px_db_close(db);
    if (started)
        px_embedded_stop(&cli->cfg, NULL);
    (void)app;
    if (rc != PX_OK)
        return px_cli_fail(cli, &err);
    if (cli->json)
        px_cli_print_json(json_pack("{s:i, s:i}", "applied", rep.applied, "total", rep.total),
                          JSON_COMPACT);
    else
        printf("migrations: %d applied, %d in total\n", rep.applied, rep.total);
    return PX_EXIT_OK;
}

#define DB_USAGE "db start | stop | status | url [--json]"

int px_cmd_db(px_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    int ex = px_cli_check(argc, argv, 2, px_cli_no_options, 0, DB_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    px_err err = PX_ERR_INIT;
    if (cli->cfg.database_url[0] && strcmp(sub, "url") != 0) {
        px_err_set(&err, PX_EINVALID, "not_embedded",
                   "PACKID_DATABASE_URL is set: packid does not manage that server");
        return px_cli_fail(cli, &err);
    }
    if (strcmp(sub, "start") == 0 || strcmp(sub, "url") == 0) {
        char conninfo[1024];
        int started = 0;
        if (px_store_resolve(&cli->cfg, conninfo, sizeof(conninfo), &started, &err) != PX_OK)
            return px_cli_fail(cli, &err);
        if (cli->json)
            px_cli_print_json(json_pack("{s:s, s:b}", "database_url", conninfo, "started", started),
                              JSON_COMPACT);
        else
            printf("%s\n", conninfo);
        return PX_EXIT_OK;
    }
    if (strcmp(sub, "stop") == 0) {
        if (px_embedded_stop(&cli->cfg, &err) != PX_OK)
            return px_cli_fail(cli, &err);
        if (cli->json)
            px_cli_print_json(json_pack("{s:b}", "stopped", 1), JSON_COMPACT);
        return PX_EXIT_OK;
    }
    if (strcmp(sub, "status") == 0) {
        int running = px_embedded_running(cli->cfg.data_dir);
        if (cli->json)
            px_cli_print_json(json_pack("{s:b}", "running", running), JSON_COMPACT);
        else
            printf("%s\n", running ? "running" : "stopped");
        return running ? PX_EXIT_OK : PX_EXIT_FAIL;
    }
    return px_cli_usage(DB_USAGE);
}

static int add_org(void *ctx, const px_org *o)
{
    json_array_append_new(ctx, px_json_org(o));
    return 0;
}

int px_cmd_org(px_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    const char *usage = "org create --kind mah|cmo|regulator|verifier|operator --name NAME "
                        "[--gln GLN [--gln-prefix-length 6..12]] [--market CC] | org list";
    static const char *const create_options[] = {
        "--kind=", "--name=", "--gln=", "--market=", "--gln-prefix-length=", NULL};
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0)
        return px_cli_usage(usage);
    int ex = px_cli_check(
        argc, argv, 2, strcmp(sub, "create") == 0 ? create_options : px_cli_no_options, 0, usage);
    if (ex != PX_EXIT_OK)
        return ex;
    px_org org = {0};
    if (strcmp(sub, "create") == 0) {
        const char *kind = px_cli_opt(argc, argv, "kind");
        const char *name = px_cli_opt(argc, argv, "name");
        const char *gln = px_cli_opt(argc, argv, "gln");
        const char *market = px_cli_opt(argc, argv, "market");
        const char *cpl = px_cli_opt(argc, argv, "gln-prefix-length");
        if (!kind || !name)
            return px_cli_usage(usage);
        /* The GLN's GS1 Company Prefix length (the GS1 General Specifications); absent: GS1's
         * prefix list (PACKID_GCP_LIST), else unknown. Its range and its need of a GLN are the use
         * case's rules, as for POST /v1/orgs; here only whether it is a number. */
        long v = 0;
        if (cpl && px_parse_long(cpl, 1, 99, &v) != 0) {
            px_err e;
            px_err_set_field(&e, PX_EINVALID, "invalid_value", "gln_prefix_length",
                             "--gln-prefix-length must be a number from %d to %d", GS1_GCP_LEN_MIN,
                             GS1_GCP_LEN_MAX);
            return px_cli_fail(cli, &e);
        }
        org.gln_prefix_length = (int)v;
        /* REQ-MARKET-1: a market that is none is refused as POST /v1/orgs refuses it
         * (invalid_market, unknown_market), not as a value too long. */
        px_err me;
        if (market && px_market_check(market, &me) != PX_OK)
            return px_cli_fail(cli, &me);
        px_strlcpy(org.kind, kind, sizeof(org.kind));
        if (px_strlcpy(org.name, name, sizeof(org.name)) >= sizeof(org.name) ||
            px_strlcpy(org.gln, gln ? gln : "", sizeof(org.gln)) >= sizeof(org.gln) ||
            px_strlcpy(org.market, market ? market : "", sizeof(org.market)) >=
                sizeof(org.market)) {
            px_err e;
            px_err_set(&e, PX_EINVALID, "invalid_value", "a value is too long");
            return px_cli_fail(cli, &e);
        }
    }
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK)
        return px_cli_fail(cli, &s.err);
    px_rc rc;
    json_t *out = NULL;
    if (strcmp(sub, "create") == 0) {
        rc = px_svc_org_create(s.db, &s.app, &s.me, &org, &s.err);
        if (rc == PX_OK)
            out = px_json_org(&org);
    } else {
        json_t *list = json_array();
        rc = px_store_org_each(s.db, add_org, list, &s.err);
        out = json_pack("{s:o}", "items", list);
    }
    px_cli_close(&s);
    if (rc != PX_OK) {
        json_decref(out);
        return px_cli_fail(cli, &s.err);
    }
    return px_cli_print_json(out, cli->json ? JSON_COMPACT : JSON_INDENT(2));
}

static int add_key(void *ctx, const px_key_info *k)
{
    /* the CLI works on the live database: its keys are live keys */
    json_array_append_new(ctx, px_json_key(k, PX_KEY_LIVE));
    return 0;
}

int px_cmd_key(px_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    const char *usage = "key create --org ORG_ID --role admin|mah|cmo|auditor|regulator|"
                        "verifier [--label L] [--mode live|test] | key revoke KEY_ID | key list "
                        "[--org ORG_ID]";
    static const char *const create_options[] = {"--org=", "--role=", "--label=", "--mode=", NULL};
    static const char *const list_options[] = {"--org=", NULL};
    int create = strcmp(sub, "create") == 0, revoke = strcmp(sub, "revoke") == 0;
    if (!create && !revoke && strcmp(sub, "list") != 0)
        return px_cli_usage(usage);
    const char *const *options = create   ? create_options
                                 : revoke ? px_cli_no_options
                                          : list_options;
    int ex = px_cli_check(argc, argv, 2, options, revoke, usage);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *org = px_cli_opt(argc, argv, "org");
    const char *role = px_cli_opt(argc, argv, "role");
    const char *label = px_cli_opt(argc, argv, "label");
    const char *mode = px_cli_opt(argc, argv, "mode");
    const char *key_id = px_cli_positional(argc, argv, 2, options);
    if ((create && (!org || !role)) || (revoke && !key_id))
        return px_cli_usage(usage);
    px_key_mode m = PX_KEY_LIVE;
    if (mode && px_key_mode_parse(&m, mode, NULL) != PX_OK)
        return px_cli_usage(usage);
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK)
        return px_cli_fail(cli, &s.err);
    px_rc rc;
    json_t *out = NULL;
    if (create) {
        char secret[PX_API_KEY_LEN + 1];
        px_key_info info;
        rc = px_svc_key_create(s.db, &s.me, org, role, label, m, secret, &info, &s.err);
        if (rc == PX_OK) {
            out = px_json_key_created(&info, secret, m);
            px_cleanse(secret, sizeof(secret));
        }
    } else if (revoke) {
        rc = px_svc_key_revoke(s.db, &s.me, key_id, &s.err);
        if (rc == PX_OK)
            out = json_pack("{s:s, s:b}", "key_id", key_id, "revoked", 1);
    } else {
        json_t *list = json_array();
        rc = px_store_key_each(s.db, org, add_key, list, &s.err);
        out = json_pack("{s:o}", "items", list);
    }
    px_cli_close(&s);
    if (rc != PX_OK) {
        json_decref(out);
        return px_cli_fail(cli, &s.err);
    }
    if (cli->json) {
        px_cli_print_json(out, JSON_COMPACT);
    } else if (create) {
        printf("key %s (role %s) created. The key is shown only now:\n%s\n",
               json_string_value(json_object_get(out, "key_id")), role,
               json_string_value(json_object_get(out, "api_key")));
        json_decref(out);
    } else {
        return px_cli_print_json(out, JSON_INDENT(2));
    }
    return PX_EXIT_OK;
}
