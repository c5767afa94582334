/* packid epcis — EPCIS documents from the command line.
 *
 *   packid epcis validate [--xsd-dir DIR] FILE...
 *       Validates each FILE against the official GS1 EPCIS 1.2 XSD. The XSD
 *       directory (the 10 files of EPCIS 1.2, EPCglobal-epcis-1_2.xsd among them) comes from
 *       --xsd-dir, else PACKID_EPCIS_XSD_DIR (px_config's epcis_xsd_dir). Exit 0 when every
 *       file is valid, 1 with the schema's reason (line and message) otherwise, 2 on usage.
 *
 *   packid epcis export --gtin G [--batch B] [--profile none|eu|us-dscsa] [-o FILE]
 *       Writes the events of GTIN G (and batch B) as one EPCIS 1.2 document with the product's
 *       master data, to FILE or stdout. Events are streamed from the database
 *       in keyset chunks straight into the file, so memory stays bounded whatever their number.
 *       The profile is the product's market's unless --profile is given. With --json (and -o)
 *       prints {"file", "events", "bytes"}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "epcis.h"
#include "reports.h"

#define USAGE                                                                              \
    "epcis validate [--xsd-dir DIR] FILE... | epcis export --gtin G [--batch B] "            \
    "[--profile none|eu|us-dscsa] [-o FILE]"

static int cmd_validate(px_cli *cli, int argc, char **argv)
{
    const char *dir = px_cli_opt(argc, argv, "xsd-dir");
    if (!dir || !dir[0])
        dir = cli->cfg.epcis_xsd_dir;
    if (!dir || !dir[0]) {
        fprintf(stderr, "packid: no EPCIS XSD directory: pass --xsd-dir DIR or set "
                        "PACKID_EPCIS_XSD_DIR\n");
        return px_cli_usage(USAGE);
    }
    int nfiles = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--xsd-dir") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--", 2) == 0) {
            if (strncmp(argv[i], "--xsd-dir=", 10) == 0)
                continue;
            fprintf(stderr, "packid: unknown option %s\n", argv[i]);
            return px_cli_usage(USAGE);
        }
        nfiles++;
    }
    if (nfiles == 0)
        return px_cli_usage(USAGE);

    px_err err;
    px_err_clear(&err);
    px_epcis_validator *v = NULL;
    if (px_epcis_validator_new(&v, dir, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    int status = PX_EXIT_OK;
    json_t *results = cli->json ? json_array() : NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--xsd-dir") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--", 2) == 0)
            continue;
        px_err_clear(&err);
        px_rc rc = px_epcis_validate_file(v, argv[i], &err);
        if (rc != PX_OK)
            status = PX_EXIT_FAIL;
        if (results) {
            json_t *r = json_pack("{s:s, s:b}", "file", argv[i], "valid", rc == PX_OK);
            if (rc != PX_OK)
                json_object_set_new(r, "error",
                                    json_pack("{s:s, s:s}", "code", err.code, "message",
                                              err.message));
            json_array_append_new(results, r);
        } else if (rc == PX_OK) {
            printf("%s: valid\n", argv[i]);
        } else {
            fprintf(stderr, "%s: %s [%s]\n", argv[i], err.message, err.code);
        }
    }
    if (results) {
        json_t *o = json_pack("{s:b, s:o}", "valid", status == PX_EXIT_OK, "files", results);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    }
    px_epcis_validator_free(v);
    return status;
}

typedef struct {
    FILE *fp;
    long long bytes;
} file_sink;

static int sink_counted(void *ctx, const char *data, size_t len)
{
    file_sink *s = ctx;
    s->bytes += (long long)len;
    return fwrite(data, 1, len, s->fp) == len ? 0 : -1;
}

static int cmd_export(px_cli *cli, int argc, char **argv)
{
    const char *gtin = px_cli_opt(argc, argv, "gtin");
    const char *batch = px_cli_opt(argc, argv, "batch");
    const char *profile = px_cli_opt(argc, argv, "profile");
    const char *out = px_cli_opt(argc, argv, "output");
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--gtin") == 0 || strcmp(argv[i], "--batch") == 0 ||
                 strcmp(argv[i], "--profile") == 0 || strcmp(argv[i], "--output") == 0)
            i++;
        else if (strcmp(argv[i], "--json") != 0 && strncmp(argv[i], "--gtin=", 7) != 0 &&
                 strncmp(argv[i], "--batch=", 8) != 0 && strncmp(argv[i], "--profile=", 10) != 0 &&
                 strncmp(argv[i], "--output=", 9) != 0) {
            fprintf(stderr, "packid: unexpected argument %s\n", argv[i]);
            return px_cli_usage(USAGE);
        }
    }
    if (!gtin || !gtin[0])
        return px_cli_usage(USAGE);
    if (cli->json && !out) {
        fprintf(stderr, "packid: --json needs -o FILE (the document would share stdout)\n");
        return px_cli_usage(USAGE);
    }
    px_err err;
    px_err_clear(&err);
    px_app app;
    px_db *db = NULL;
    if (px_cli_open(cli, &app, &db, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    file_sink fs = {stdout, 0};
    if (out && !(fs.fp = fopen(out, "wb"))) {
        px_cli_close(&app, db);
        px_err_set(&err, PX_EINVALID, "cannot_open", "cannot write \"%s\"", out);
        return px_cli_fail(cli, &err);
    }
    px_actor actor;
    px_actor_cli(&actor);
    size_t count = 0;
    px_rc rc =
        px_svc_epcis_export(db, &actor, gtin, batch, profile, sink_counted, &fs, &count, &err);
    int close_failed = out ? fclose(fs.fp) != 0 : fflush(stdout) != 0;
    px_cli_close(&app, db);
    if (rc == PX_OK && close_failed)
        rc = px_err_set(&err, PX_EUNAVAIL, "write_failed", "cannot write the document");
    if (rc != PX_OK) {
        if (out)
            remove(out);
        return px_cli_fail(cli, &err);
    }
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:I, s:I}", "file", out, "events", (json_int_t)count,
                              "bytes", (json_int_t)fs.bytes);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else if (out) {
        fprintf(stderr, "%s: %zu events, %lld bytes\n", out, count, fs.bytes);
    }
    return PX_EXIT_OK;
}

int px_cmd_epcis(px_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return px_cli_usage(USAGE);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(cli, argc, argv);
    if (strcmp(argv[1], "export") == 0)
        return cmd_export(cli, argc, argv);
    fprintf(stderr, "packid: unknown epcis subcommand \"%s\"\n", argv[1]);
    return px_cli_usage(USAGE);
}
