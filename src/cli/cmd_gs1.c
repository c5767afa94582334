/* packid gs1 — GS1 syntax at the command line:
 *   packid gs1 check <element string | ]d2 scan data | HRI | Digital Link | EPC URI>
 *   packid gs1 convert --to hri|dl|element|epc <input> [--domain URL] [--gcp-length N]
 *                      [--gs-char C]
 * Element strings on the command line may spell the GS separator (0x1D) as the character given
 * with --gs-char (e.g. --gs-char '^'); `convert --to element` writes it the same way. Without
 * --gs-char, `check` shows separators as <GS> and `convert` writes the raw 0x1D byte. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gs1.h"
#include "gs1_ai.h"
#include "json_shapes.h"
#include "px_calendar.h"
#include "px_clock.h"
#include "px_file.h"
#include "px_str.h"

#define GS1_USAGE                                                                                  \
    "gs1 check <element string | HRI | Digital Link | EPC URI> [--gs-char C] [--json]\n"           \
    "       packid gs1 convert --to hri|dl|element|epc <input> [--domain URL] "                    \
    "[--gcp-length N] [--gs-char C] [--json]"
/* Room for one byte past the longest code gs1 reads (POST /v1/gs1/parse's bound), so that gs1
 * itself refuses a code just too long (input_too_long); a longer argument is a usage error. */
#define IN_MAX (GS1_INPUT_MAX + 2)

static const char *const k_check_options[] = {"--gs-char=", NULL};
static const char *const k_convert_options[] = {
    "--to=", "--domain=", "--gcp-length=", "--gs-char=", NULL};

static void swap_gs(char *s, char from, char to)
{
    for (; *s; s++)
        if (*s == from)
            *s = to;
}

/* Text-mode errors: the input with a caret under the bad characters. */
static int fail_at(const px_cli *cli, const px_err *err, const char *in)
{
    if (!cli->json && err->pos >= 0 && (size_t)err->pos <= strlen(in)) {
        fprintf(stderr, "  ");
        for (const char *p = in; *p; p++)
            fputc((unsigned char)*p < 0x20 ? '?' : *p, stderr);
        fprintf(stderr, "\n  %*s", err->pos, "");
        for (int i = 0; i < (err->len > 0 ? err->len : 1); i++)
            fputc('^', stderr);
        fputc('\n', stderr);
    }
    return px_cli_fail(cli, err);
}

/* Reads the input, mapping --gs-char to GS. */
static int get_input(char *in, int argc, char **argv, const char *const *options, const char **gsc)
{
    const char *raw = px_cli_positional(argc, argv, 2, options); /* after the subcommand */
    *gsc = px_cli_opt(argc, argv, "gs-char");
    if (!raw || (*gsc && strlen(*gsc) != 1))
        return 0;
    if (px_strlcpy(in, raw, IN_MAX) >= IN_MAX)
        return 0;
    if (*gsc)
        swap_gs(in, (*gsc)[0], (char)GS1_GS);
    return 1;
}

/* A command's input parsed: the text (GS mapped from --gs-char), what it was and its
 * elements. */
typedef struct gs1_input {
    char in[IN_MAX];
    const char *gsc;
    const char *format;
    gs1_elements e;
    px_err err;
} gs1_input;

/* Reads and parses the command's input into g: PX_EXIT_OK, or the usage error or the parse's
 * failure, told. */
static int read_input(const px_cli *cli, int argc, char **argv, const char *const *options,
                      gs1_input *g)
{
    g->format = "";
    px_err_clear(&g->err);
    if (!get_input(g->in, argc, argv, options, &g->gsc))
        return px_cli_usage(GS1_USAGE);
    if (gs1_parse_form(&g->e, g->in, &g->format, &g->err) != PX_OK)
        return fail_at(cli, &g->err, g->in);
    return PX_EXIT_OK;
}

/* Member name of o as text ("" when it is not a string). */
static const char *text_of(const json_t *o, const char *name)
{
    const char *v = json_string_value(json_object_get(o, name));
    return v ? v : "";
}

static int cmd_check(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 2, k_check_options, 1, GS1_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    gs1_input g;
    if ((ex = read_input(cli, argc, argv, k_check_options, &g)) != PX_EXIT_OK)
        return ex;
    json_t *o = px_json_gs1_reading(&g.e, g.format, cli->cfg.dl_domain, px_year_of_us(px_now_us()));
    if (cli->json || !o)
        return px_cli_print_json(o, JSON_COMPACT);
    /* The same reading in words: one element a line, then its forms. */
    json_t *els = json_object_get(o, "elements"), *it;
    size_t i;
    printf("valid %s, %zu element%s\n", g.format, json_array_size(els),
           json_array_size(els) == 1 ? "" : "s");
    json_array_foreach(els, i, it)
    {
        printf("  (%s) %-22s %s", text_of(it, "ai"), text_of(it, "title"), text_of(it, "value"));
        if (json_object_get(it, "date"))
            printf("  (%s)", text_of(it, "date"));
        printf("\n");
    }
    /* The separator as --gs-char spells it, else as <GS>. */
    printf("element string: ");
    for (const char *p = text_of(o, "element_string"); *p; p++) {
        if (*p != GS1_GS)
            putchar(*p);
        else if (g.gsc)
            putchar(g.gsc[0]);
        else
            fputs("<GS>", stdout);
    }
    printf("\n");
    printf("hri: %s\n", text_of(o, "hri"));
    if (json_is_string(json_object_get(o, "digital_link")))
        printf("digital link: %s\n", text_of(o, "digital_link"));
    json_decref(o);
    return PX_EXIT_OK;
}

/* --gcp-length N, else the GCP prefix format list named by PACKID_GCP_LIST (GS1's
 * gcpprefixformatlist.xml or .json). */
static px_rc gcp_length(const px_cli *cli, int argc, char **argv, const gs1_elements *e, int *out,
                        px_err *err)
{
    const char *opt = px_cli_opt(argc, argv, "gcp-length");
    long v;
    if (opt) {
        if (px_parse_long(opt, GS1_GCP_LEN_MIN, GS1_GCP_LEN_MAX, &v) != 0)
            return px_err_set(err, PX_EINVALID, "invalid_gcp_length",
                              "--gcp-length must be %d..%d, got \"%s\"", GS1_GCP_LEN_MIN,
                              GS1_GCP_LEN_MAX, opt);
        *out = (int)v;
        return PX_OK;
    }
    if (!cli->cfg.gcp_list[0])
        return px_err_set(err, PX_EINVALID, "gcp_length_unknown",
                          "the GS1 Company Prefix length is needed: give --gcp-length N or set "
                          "PACKID_GCP_LIST to GS1's GCP prefix format list");
    int k = 0, gcppos = 0;
    px_rc rc = gs1_epc_key(e, &k, &gcppos, err);
    if (rc != PX_OK)
        return rc;
    const char *key = e->items[k].value;
    char *xml = NULL;
    size_t len = 0;
    rc = px_file_read(cli->cfg.gcp_list, GS1_GCP_LIST_MAX, &xml, &len, err);
    if (rc != PX_OK)
        return rc;
    int n = gs1_gcp_length_lookup(xml, len, key, gcppos);
    free(xml);
    if (!gs1_gcp_len_valid(n))
        return px_err_set(err, PX_ENOTFOUND, "gcp_length_unknown",
                          "no GS1 Company Prefix for \"%s\" in %s; give --gcp-length N", key,
                          cli->cfg.gcp_list);
    *out = n;
    return PX_OK;
}

static int cmd_convert(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 2, k_convert_options, 1, GS1_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *to = px_cli_opt(argc, argv, "to");
    if (!to)
        return px_cli_usage(GS1_USAGE);
    gs1_input g;
    if ((ex = read_input(cli, argc, argv, k_convert_options, &g)) != PX_EXIT_OK)
        return ex;
    char out[GS1_INPUT_MAX + 1]; /* every form of it, as POST /v1/gs1/parse sizes them */
    px_rc rc;
    int gcp = 0;
    if (strcmp(to, "hri") == 0) {
        rc = gs1_hri_format(out, sizeof(out), &g.e, &g.err);
    } else if (strcmp(to, "element") == 0) {
        rc = gs1_element_string_format(out, sizeof(out), &g.e, &g.err);
        if (rc == PX_OK && g.gsc)
            swap_gs(out, (char)GS1_GS, g.gsc[0]);
    } else if (strcmp(to, "dl") == 0) {
        const char *domain = px_cli_opt(argc, argv, "domain");
        rc = gs1_dl_format(out, sizeof(out), domain, &g.e, &g.err);
    } else if (strcmp(to, "epc") == 0) {
        rc = gcp_length(cli, argc, argv, &g.e, &gcp, &g.err);
        if (rc == PX_OK)
            rc = gs1_epc_format(out, sizeof(out), &g.e, gcp, &g.err);
    } else {
        return px_cli_usage(GS1_USAGE);
    }
    if (rc != PX_OK)
        return px_cli_fail(cli, &g.err);
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "from", g.format, "to", to, "result", out);
        if (gcp)
            json_object_set_new(o, "gcp_length", json_integer(gcp));
        return px_cli_print_json(o, JSON_COMPACT);
    }
    printf("%s\n", out);
    return PX_EXIT_OK;
}

int px_cmd_gs1(px_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return px_cli_usage(GS1_USAGE);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(cli, argc, argv);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(cli, argc, argv);
    return px_cli_usage(GS1_USAGE);
}
