/* packid label — render the logistic label of an SSCC (AI (00)) to a file:
 *
 *   packid label <SSCC> -o out.png|out.svg [--datamatrix] [--module N] [--no-hri] [--json]
 *
 * GS1-128 with the human-readable line "(00)…" by default, a GS1 DataMatrix with
 * --datamatrix (docs/carrier.md "Logistic labels"). The SSCC is checked by the GS1 core (18
 * digits, check digit); the output format follows the -o extension. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carrier.h"
#include "cli.h"
#include "cli_image.h"
#include "px_str.h"

#define LABEL_USAGE                                                                                \
    "label <SSCC> -o out.png|out.svg [--datamatrix] [--module N] [--no-hri] [--json]"
#define OUT_MAX (64u * 1024 * 1024)

int px_cmd_label(px_cli *cli, int argc, char **argv)
{
    static const char *const options[] = {"-o|--output=", "--datamatrix", "--module=", "--no-hri",
                                          NULL};
    int ex = px_cli_check(argc, argv, 1, options, 1, LABEL_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *sscc = px_cli_positional(argc, argv, 1, options), *out = px_cli_output(argc, argv);
    if (!sscc || !out)
        return px_cli_usage(LABEL_USAGE);
    px_carrier_label_opts o;
    px_carrier_label_opts_init(&o);
    if (px_cli_image_format(out, &o.format) != 0)
        return px_cli_usage(LABEL_USAGE);
    if (px_cli_flag(argc, argv, "datamatrix"))
        o.symbology = PX_LABEL_DATAMATRIX;
    if (px_cli_flag(argc, argv, "no-hri"))
        o.show_hri = 0;
    const char *module = px_cli_opt(argc, argv, "module");
    if (module) {
        long n;
        if (px_parse_long(module, 1, 32, &n) != 0)
            return px_cli_usage(LABEL_USAGE);
        o.module_px = (int)n;
    }
    px_err err = PX_ERR_INIT;
    px_buf b;
    px_buf_init(&b, OUT_MAX);
    px_rc rc = px_carrier_label_sscc(&b, sscc, &o, &err);
    if (rc == PX_OK)
        rc = px_cli_write_file(out, &b, &err);
    if (rc != PX_OK) {
        px_buf_dispose(&b);
        return px_cli_fail(cli, &err);
    }
    const char *symbol = o.symbology == PX_LABEL_DATAMATRIX ? "gs1_datamatrix" : "gs1_128";
    char es[24], hri[24];
    snprintf(es, sizeof(es), "00%s", sscc);
    snprintf(hri, sizeof(hri), "(00)%s", sscc);
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "file", out, "format",
                              o.format == PX_CARRIER_SVG ? "svg" : "png", "symbol", symbol,
                              "element_string", es, "hri", hri, "bytes", (json_int_t)b.len);
        px_cli_print_json(j, JSON_COMPACT);
    } else {
        printf("%s: %s, %zu bytes\n  %s\n", out,
               o.symbology == PX_LABEL_DATAMATRIX ? "GS1 DataMatrix" : "GS1-128", b.len, hri);
    }
    px_buf_dispose(&b);
    return PX_EXIT_OK;
}
