/* packid epcis — EPCIS documents from the command line.
 *
 *   packid epcis validate [--xsd-dir DIR] FILE...
 *       Validates each FILE against the official GS1 EPCIS 1.2 XSD (issue 6 part 3). The XSD
 *       directory (the 10 files of EPCIS 1.2, EPCglobal-epcis-1_2.xsd among them) comes from
 *       --xsd-dir, else PACKID_EPCIS_XSD_DIR (px_config's epcis_xsd_dir). Exit 0 when every
 *       file is valid, 1 with the schema's reason (line and message) otherwise, 2 on usage.
 *
 *   packid epcis export …  needs the database: not available in this build (the service layer
 *       wires it on top of the epcis writer). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "epcis.h"

#define USAGE "epcis validate [--xsd-dir DIR] FILE... | epcis export --gtin G [--batch B] [-o FILE]"

static int cmd_validate(px_cli *cli, int argc, char **argv)
{
    const char *dir = px_cli_opt(argc, argv, "xsd-dir");
    if (!dir || !dir[0])
        dir = cli->cfg.epcis_xsd_dir[0] ? cli->cfg.epcis_xsd_dir : getenv("PACKID_EPCIS_XSD_DIR");
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

int px_cmd_epcis(px_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return px_cli_usage(USAGE);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(cli, argc, argv);
    if (strcmp(argv[1], "export") == 0) {
        /* The export reads events from the database; this build has no database-backed
         * export wired to the CLI (the writer is in src/epcis; the service adds the query). */
        fprintf(stderr, "packid: \"epcis export\" is not available in this build: it needs the "
                        "database-backed export service\n");
        return px_cli_usage("epcis validate [--xsd-dir DIR] FILE...");
    }
    fprintf(stderr, "packid: unknown epcis subcommand \"%s\"\n", argv[1]);
    return px_cli_usage(USAGE);
}
