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
#include "px_calendar.h"
#include "px_clock.h"
#include "px_file.h"
#include "px_str.h"

#define GS1_USAGE                                                                                  \
    "gs1 check <element string | HRI | Digital Link | EPC URI> [--gs-char C] [--json]\n"           \
    "       packid gs1 convert --to hri|dl|element|epc <input> [--domain URL] "                    \
    "[--gcp-length N] [--gs-char C] [--json]"
#define GCP_LIST_MAX (64u * 1024 * 1024)
#define IN_MAX 2048

static const char *const k_check_options[] = {"--gs-char=", NULL};
static const char *const k_convert_options[] = {
    "--to=", "--domain=", "--gcp-length=", "--gs-char=", NULL};

/* EPC URIs are accepted wherever an element string is. */
static px_rc parse_any(gs1_elements *e, const char *in, px_err *err, const char **format)
{
    if (strncmp(in, "urn:epc:", 8) == 0) {
        *format = "epc_uri";
        return gs1_epc_parse(e, NULL, NULL, in, err);
    }
    const char *s = in;
    if (s[0] == ']' && s[1] && s[2])
        s += 3;
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 ||
        strncmp(s, "HTTP://", 7) == 0 || strncmp(s, "HTTPS://", 8) == 0)
        *format = "digital_link";
    else if (s[0] == '(' || (s[0] == ' ' && strchr(s, '(')))
        *format = "hri";
    else
        *format = in[0] == ']' ? "scan_data" : "element_string";
    return gs1_parse(e, in, err);
}

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
    if (parse_any(&g->e, g->in, &g->err, &g->format) != PX_OK)
        return fail_at(cli, &g->err, g->in);
    return PX_EXIT_OK;
}

/* ISO date of a date AI (YYMMDD first: 11, 13, 15, 16, 17, 7003), for EPCIS-minded readers;
 * DD=00 resolves to the month's last day (the GS1 General Specifications). */
static int element_date(char iso[11], const gs1_ai_def *d, const char *value, int year)
{
    const char *l = d->comp[0].linters;
    if (!l || (strncmp(l, "yymmd0", 6) != 0 && strncmp(l, "yymmdd", 6) != 0) || strlen(value) < 6)
        return 0;
    char six[7];
    memcpy(six, value, 6);
    six[6] = '\0';
    gs1_date date;
    if (gs1_date_parse(&date, six, l[5] == '0', year, NULL) != PX_OK)
        return 0;
    gs1_date_iso(iso, &date);
    return 1;
}

static int cmd_check(px_cli *cli, int argc, char **argv)
{
    int ex = px_cli_check(argc, argv, 2, k_check_options, 1, GS1_USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    gs1_input g;
    if ((ex = read_input(cli, argc, argv, k_check_options, &g)) != PX_EXIT_OK)
        return ex;
    int year = px_year_of_us(px_now_us());
    char es[1024], hri[1024], dl[GS1_DL_MAX];
    gs1_element_string_format(es, sizeof(es), &g.e, NULL);
    gs1_hri_format(hri, sizeof(hri), &g.e, NULL);
    int have_dl = gs1_dl_format(dl, sizeof(dl), cli->cfg.dl_domain, &g.e, NULL) == PX_OK;
    if (cli->json) {
        json_t *list = json_array();
        for (int i = 0; i < g.e.count; i++) {
            const gs1_ai_def *d = gs1_ai_lookup(g.e.items[i].ai, strlen(g.e.items[i].ai));
            json_t *it = json_pack("{s:s, s:s, s:s}", "ai", g.e.items[i].ai, "title", d->title,
                                   "value", g.e.items[i].value);
            char iso[11];
            if (element_date(iso, d, g.e.items[i].value, year))
                json_object_set_new(it, "date", json_string(iso));
            json_array_append_new(list, it);
        }
        json_t *o = json_pack("{s:b, s:s, s:o, s:s, s:s}", "valid", 1, "format", g.format,
                              "elements", list, "element_string", es, "hri", hri);
        if (have_dl)
            json_object_set_new(o, "digital_link", json_string(dl));
        return px_cli_print_json(o, JSON_COMPACT);
    }
    printf("valid %s, %d element%s\n", g.format, g.e.count, g.e.count == 1 ? "" : "s");
    for (int i = 0; i < g.e.count; i++) {
        const gs1_ai_def *d = gs1_ai_lookup(g.e.items[i].ai, strlen(g.e.items[i].ai));
        printf("  (%s) %-22s %s", g.e.items[i].ai, d->title, g.e.items[i].value);
        char iso[11];
        if (element_date(iso, d, g.e.items[i].value, year))
            printf("  (%s)", iso);
        printf("\n");
    }
    if (!g.gsc) {
        printf("element string: ");
        for (const char *p = es; *p; p++) {
            if (*p == GS1_GS)
                fputs("<GS>", stdout);
            else
                putchar(*p);
        }
        printf("\n");
    } else {
        swap_gs(es, (char)GS1_GS, g.gsc[0]);
        printf("element string: %s\n", es);
    }
    printf("hri: %s\n", hri);
    if (have_dl)
        printf("digital link: %s\n", dl);
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
        if (px_parse_long(opt, 6, 12, &v) != 0)
            return px_err_set(err, PX_EINVALID, "invalid_gcp_length",
                              "--gcp-length must be 6..12, got \"%s\"", opt);
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
    rc = px_file_read(cli->cfg.gcp_list, GCP_LIST_MAX, &xml, &len, err);
    if (rc != PX_OK)
        return rc;
    int n = gs1_gcp_length_lookup(xml, len, key, gcppos);
    free(xml);
    if (n < 6 || n > 12)
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
    char out[2048];
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
