/* packid partitions list | ensure [--from YYYY-MM] [--ahead N] | detach [NAME | sandbox.NAME]
 * (docs/scaling.md "Partitioning"): the live schema's months and the sandbox's. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "partitions.h"
#include "px_str.h"

static int partitions_list(px_cli *cli, px_db *db, px_app *app, px_err *err)
{
    px_partition_row *rows;
    int n;
    long long deflt[PX_PARTITIONED_N], total = 0;
    if (px_svc_partitions_list(app, db, &rows, &n, deflt, err) != PX_OK)
        return px_cli_fail(cli, err);
    json_t *by_table = json_object();
    for (int t = 0; t < PX_PARTITIONED_N; t++) {
        total += deflt[t];
        json_object_set_new(by_table, px_partitioned_tables[t], json_integer(deflt[t]));
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        const px_partition_row *p = &rows[i];
        if (cli->json)
            json_array_append_new(
                items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:b}", "table", p->table,
                                 "schema", p->sandbox ? "sandbox" : "live", "name", p->name, "from",
                                 p->from, "to", p->to, "rows_estimate", (json_int_t)p->rows,
                                 "keep_until", p->keep_until, "held_by",
                                 px_partition_held_code(p->held_by), "detachable", p->detachable));
        else if (p->held_by == PX_HELD_BY_CUT && p->sandbox)
            /* `audit checkpoint` cuts the live chains only (docs/scaling.md): no hint to run it */
            printf("%-24s %s .. %s  ~%lld rows  held: %s (the sandbox's chains are not cut)\n",
                   p->name, p->from, p->to, p->rows, px_partition_held_text(p->held_by));
        else if (p->held_by == PX_HELD_BY_CUT)
            printf("%-24s %s .. %s  ~%lld rows  held: %s (packid audit checkpoint "
                   "--cut-before %s)\n",
                   p->name, p->from, p->to, p->rows, px_partition_held_text(p->held_by), p->to);
        else
            printf("%-24s %s .. %s  ~%lld rows  kept until %s (%s)%s\n", p->name, p->from, p->to,
                   p->rows, p->keep_until, px_partition_held_text(p->held_by),
                   p->detachable ? "  DETACHABLE" : "");
    }
    if (cli->json)
        px_cli_print_json(json_pack("{s:o, s:I, s:o}", "items", items, "default_rows",
                                    (json_int_t)total, "default_rows_by_table", by_table),
                          JSON_COMPACT);
    else {
        json_decref(items);
        for (int t = 0; t < PX_PARTITIONED_N; t++)
            printf("%s_default: %lld rows\n", px_partitioned_tables[t], deflt[t]);
        json_decref(by_table);
    }
    free(rows);
    return PX_EXIT_OK;
}

static int partitions_ensure(px_cli *cli, px_db *db, px_app *app, int argc, char **argv,
                             px_err *err)
{
    long ahead = app->cfg.partitions_ahead;
    const char *a = px_cli_opt(argc, argv, "ahead");
    if (a && px_parse_long(a, 1, 24, &ahead) != 0)
        return px_cli_usage("partitions ensure [--from YYYY-MM] [--ahead 1..24]");
    int created;
    if (px_svc_partitions_ensure(app, db, px_cli_opt(argc, argv, "from"), (int)ahead, &created,
                                 err) != PX_OK)
        return px_cli_fail(cli, err);
    if (cli->json)
        px_cli_print_json(json_pack("{s:i, s:i}", "created", created, "ahead", (int)ahead),
                          JSON_COMPACT);
    else
        printf("%d partitions created (this month and %ld ahead, live and sandbox)\n", created,
               ahead);
    return PX_EXIT_OK;
}

/* NAME: that month (sandbox.NAME: the sandbox's), refused while its retention runs; no NAME:
 * every month whose retention has passed, the live schema's and the sandbox's. Each month is
 * judged again in its own detaching transaction. */
static int partitions_detach(px_cli *cli, px_db *db, px_app *app, const px_actor *me,
                             const char *name, px_err *err)
{
    json_t *done = json_array();
    int rc = PX_EXIT_OK;
    if (name) {
        if (px_svc_partition_detach(app, db, me, name, err) != PX_OK) {
            json_decref(done);
            return px_cli_fail(cli, err);
        }
        json_array_append_new(done, json_string(name));
    } else {
        px_partition_row *rows;
        int n;
        long long deflt[PX_PARTITIONED_N];
        if (px_svc_partitions_list(app, db, &rows, &n, deflt, err) != PX_OK) {
            json_decref(done);
            return px_cli_fail(cli, err);
        }
        for (int i = 0; i < n && rc == PX_EXIT_OK; i++) {
            if (!rows[i].detachable)
                continue;
            if (px_svc_partition_detach(app, db, me, rows[i].name, err) != PX_OK)
                rc = px_cli_fail(cli, err);
            else
                json_array_append_new(done, json_string(rows[i].name));
        }
        free(rows);
    }
    if (rc != PX_EXIT_OK) {
        json_decref(done);
        return rc;
    }
    if (cli->json) {
        px_cli_print_json(json_pack("{s:o}", "detached", done), JSON_COMPACT);
        return rc;
    }
    for (size_t i = 0; i < json_array_size(done); i++)
        printf("detached %s: archive it (pg_dump -t) and drop it\n",
               json_string_value(json_array_get(done, i)));
    if (!json_array_size(done))
        printf("no partition's retention has passed\n");
    json_decref(done);
    return rc;
}

int px_cmd_partitions(px_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    const char *usage =
        "partitions list | ensure [--from YYYY-MM] [--ahead N] | detach [NAME | sandbox.NAME] "
        "[--json]";
    static const char *const ensure_options[] = {"--from=", "--ahead=", NULL};
    int ensure = strcmp(sub, "ensure") == 0, detach = strcmp(sub, "detach") == 0;
    if (strcmp(sub, "list") != 0 && !ensure && !detach)
        return px_cli_usage(usage);
    int ex =
        px_cli_check(argc, argv, 2, ensure ? ensure_options : px_cli_no_options, detach, usage);
    if (ex != PX_EXIT_OK)
        return ex;
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK)
        return px_cli_fail(cli, &s.err);
    int rc;
    if (ensure)
        rc = partitions_ensure(cli, s.db, &s.app, argc, argv, &s.err);
    else if (detach)
        rc = partitions_detach(cli, s.db, &s.app, &s.me,
                               px_cli_positional(argc, argv, 2, px_cli_no_options), &s.err);
    else
        rc = partitions_list(cli, s.db, &s.app, &s.err);
    px_cli_close(&s);
    return rc;
}
