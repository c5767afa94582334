/* packid datamatrix — render a pack's GS1 DataMatrix (or its Digital Link QR) to a file
 *:
 *   packid datamatrix <HRI | element string | ]d2 scan data | Digital Link> -o out.png|out.svg
 *                     [--rect | --auto] [--module N] [--quiet N] [--gray] [--gs-char C]
 *                     [--qr [--domain URL]] [--json]
 * The input is parsed and validated by the GS1 core (gs1_parse), re-formatted as an element
 * string in packid's order (01, 17, 10, 21, NHRN, then the rest as given), and rendered by the
 *carrier: ECC 200 with FNC1 in first position (GS1 General Specifications), the data carrier of the
 *EU FMD unique identifier (Delegated Regulation (EU) 2016/161 Art. 5). The output format follows
 *the -o extension. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carrier.h"
#include "cli.h"
#include "cli_image.h"
#include "gs1.h"
#include "px_array.h"
#include "px_str.h"

#define DM_USAGE                                                                                   \
    "datamatrix <HRI | element string | Digital Link> -o out.png|out.svg [--rect | --auto]\n"      \
    "       [--module N] [--quiet N] [--gray] [--gs-char C] [--qr [--domain URL]] [--json]"
#define IN_MAX 2048
#define OUT_MAX (64u * 1024 * 1024)

static const char *const k_options[] = {"-o|--output=", "--rect", "--auto",     "--module=",
                                        "--quiet=",     "--gray", "--gs-char=", "--qr",
                                        "--domain=",    NULL};

/* A small non-negative integer option; def when absent, -1 when malformed. */
static int int_opt(int argc, char **argv, const char *name, int def)
{
    const char *v = px_cli_opt(argc, argv, name);
    if (!v)
        return def;
    long n;
    if (px_parse_long(v, 0, 1000, &n) != 0)
        return -1;
    return (int)n;
}

/* packid's element order (gs1_pack_elements): 01, 17, 10, 21, NHRN (710..717), then any other
 * AI as given. Predefined-length AIs first and variable-length ones last minimise separators
 * (GS1 General Specifications §7.8.4: no separator after a predefined-length AI); a Digital Link,
 * whose query comes after its path, is reordered the same way. */
static int rank(const char *ai)
{
    static const char *const order[] = {"01", "17", "10", "21"};
    for (size_t i = 0; i < PX_COUNT(order); i++)
        if (strcmp(ai, order[i]) == 0)
            return (int)i;
    if (gs1_nhrn_ai_index(ai) >= 0)
        return 4;
    return 5;
}

static void packid_order(gs1_elements *e)
{
    for (int i = 1; i < e->count; i++) { /* stable insertion sort, at most 32 elements */
        gs1_element t = e->items[i];
        int j = i;
        for (; j > 0 && rank(e->items[j - 1].ai) > rank(t.ai); j--)
            e->items[j] = e->items[j - 1];
        e->items[j] = t;
    }
}

/* The image's options from the command line (format from out's extension): 0, or -1 for
 * the usage. */
static int render_opts(const char *out, int argc, char **argv, px_carrier_opts *o)
{
    px_carrier_opts_init(o);
    if (px_cli_image_format(out, &o->format) != 0)
        return -1;
    if (px_cli_flag(argc, argv, "rect"))
        o->shape = PX_CARRIER_RECT;
    else if (px_cli_flag(argc, argv, "auto"))
        o->shape = PX_CARRIER_AUTO;
    if (px_cli_flag(argc, argv, "gray"))
        o->png_depth = PX_CARRIER_PNG_GRAY8;
    o->module_px = int_opt(argc, argv, "module", o->module_px);
    o->quiet_zone_modules = int_opt(argc, argv, "quiet", PX_CARRIER_QUIET_DEFAULT);
    return o->module_px < 0 || o->quiet_zone_modules < PX_CARRIER_QUIET_DEFAULT ? -1 : 0;
}

int px_cmd_datamatrix(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 1, k_options, 1, DM_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *raw = px_cli_positional(argc, argv, 1, k_options);
    const char *out = px_cli_output(argc, argv);
    const char *gsc = px_cli_opt(argc, argv, "gs-char");
    int qr = px_cli_flag(argc, argv, "qr");
    if (!raw || !out || (gsc && strlen(gsc) != 1))
        return px_cli_usage(DM_USAGE);

    px_carrier_opts o;
    if (render_opts(out, argc, argv, &o) != 0)
        return px_cli_usage(DM_USAGE);

    px_err err = PX_ERR_INIT;
    char in[IN_MAX];
    if (strlen(raw) >= sizeof(in)) {
        px_err_set(&err, PX_ETOOBIG, "payload_too_large", "input longer than %d characters",
                   IN_MAX - 1);
        return px_cli_fail(cli, &err);
    }
    snprintf(in, sizeof(in), "%s", raw);
    if (gsc)
        for (char *p = in; *p; p++)
            if (*p == gsc[0])
                *p = (char)GS1_GS;

    gs1_elements el;
    char es[IN_MAX], hri[IN_MAX], dl[GS1_DL_MAX + 1];
    const char *domain = px_cli_opt(argc, argv, "domain");
    if (gs1_parse(&el, in, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    packid_order(&el);
    if (gs1_element_string_format(es, sizeof(es), &el, &err) != PX_OK ||
        gs1_hri_format(hri, sizeof(hri), &el, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    /* Not every element string has a Digital Link (e.g. no primary key); only --qr needs one. */
    int has_dl =
        gs1_dl_format(dl, sizeof(dl), domain ? domain : GS1_DL_CANONICAL, &el, &err) == PX_OK;
    if (qr && !has_dl)
        return px_cli_fail(cli, &err);
    px_err_clear(&err);

    px_carrier_matrix m;
    px_buf b;
    px_buf_init(&b, OUT_MAX);
    px_rc rc = qr ? px_carrier_qr_encode(&m, dl, &err)
                  : px_carrier_datamatrix_encode(&m, es, strlen(es), o.shape, &err);
    if (rc == PX_OK)
        rc = px_carrier_render(&b, &m, &o, &err);
    if (rc == PX_OK)
        rc = px_cli_write_file(out, &b, &err);
    if (rc != PX_OK) {
        px_buf_dispose(&b);
        return px_cli_fail(cli, &err);
    }

    const char *symbol = qr ? "qr" : "gs1_datamatrix";
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:I}", "file", out, "format",
                              o.format == PX_CARRIER_SVG ? "svg" : "png", "symbol", symbol,
                              "element_string", es, "rows", m.height, "columns", m.width, "bytes",
                              (json_int_t)b.len);
        json_object_set_new(j, "hri", json_string(hri));
        if (has_dl)
            json_object_set_new(j, "digital_link", json_string(dl));
        px_cli_print_json(j, JSON_COMPACT);
    } else {
        printf("%s: %s %dx%d, %zu bytes\n  %s\n", out, qr ? "QR Code" : "GS1 DataMatrix", m.height,
               m.width, b.len, qr ? dl : hri);
    }
    px_buf_dispose(&b);
    return PX_EXIT_OK;
}
