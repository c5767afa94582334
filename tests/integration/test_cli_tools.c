/* The GS1 and DataMatrix commands end to end, through the real `packid` binary (issues 3 and
 * 7): `packid gs1 check|convert` and `packid datamatrix`, whose output is read back by an
 * independent decoder (ZXingReader, Debian zxing-cpp-tools). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

static px_test_env env; /* no database (setup): these commands are pure */

static json_t *cli(int *rc, const char *const *args)
{
    return px_test_cli(&env, rc, args);
}

static void test_cli__gs1_check_reports_elements(void)
{
    int rc;
    const char *a[] = {"gs1", "check", "(01)09506000134352(17)201225(10)ABC123(21)12345", NULL};
    json_t *o = cli(&rc, a);
    assert_int_equal(rc, 0);
    assert_true(json_is_true(json_object_get(o, "valid")));
    json_t *els = json_object_get(o, "elements");
    assert_int_equal(json_array_size(els), 4);
    assert_string_equal(px_test_str(json_array_get(els, 3), "ai"), "21");
    /* DOMAIN.md §3 worked payload and §4.3 Digital Link. */
    assert_string_equal(px_test_str(o, "element_string"), "01095060001343521720122510ABC123\x1d"
                                                          "2112345");
    assert_string_equal(px_test_str(o, "digital_link"),
                        "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225");
    json_decref(o);
}

static void test_cli__gs1_check_names_the_bad_character(void)
{
    int rc;
    /* A code of 3,000 bytes is read, as POST /v1/gs1/parse reads up to 16,384, and judged by
     * the GS1 rules (here a serial too long), not refused as a usage error. */
    static char longer[3100];
    snprintf(longer, sizeof(longer), "(01)09506000134352(21)%03000d", 0);
    const char *l[] = {"gs1", "check", longer, NULL};
    json_t *lo = cli(&rc, l);
    assert_int_equal(rc, 1);
    assert_string_equal(px_test_str(json_object_get(lo, "error"), "code"), "invalid_length");
    json_decref(lo);
    /* Check digit of the GTIN is wrong: position 17 (0-based) of the HRI input. */
    const char *a[] = {"gs1", "check", "(01)09506000134353(21)12345", NULL};
    json_t *o = cli(&rc, a);
    assert_int_equal(rc, 1);
    json_t *e = json_object_get(o, "error");
    assert_string_equal(px_test_str(e, "code"), "invalid_check_digit");
    assert_int_equal(px_test_int(e, "position"), 17);
    assert_int_equal(px_test_int(e, "length"), 1);
    json_decref(o);
    /* '~' is not in character set 82. */
    const char *b[] = {"gs1", "check", "(01)09506000134352(21)AB~C", NULL};
    o = cli(&rc, b);
    assert_int_equal(rc, 1);
    e = json_object_get(o, "error");
    assert_int_equal(px_test_int(e, "position"), 24);
    json_decref(o);
}

static void test_cli__gs1_convert(void)
{
    int rc;
    const char *a[] = {
        "gs1", "convert", "--to", "epc", "--gcp-length", "7", "(01)09506000134352(21)A/B%1", NULL};
    json_t *o = cli(&rc, a);
    assert_int_equal(rc, 0);
    char *dump = json_dumps(o, 0);
    /* DOMAIN.md §5.3: serial A/B%1 escapes to A%2FB%251. */
    assert_non_null(strstr(dump, "urn:epc:id:sgtin:9506000.013435.A%2FB%251"));
    free(dump);
    json_decref(o);
}

static void decode(const char *file, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ZXingReader '%s' 2>&1", file);
    px_test_read(cmd, 1, out, cap);
}

/* file decodes as a GS1 DataMatrix (]d2) of the test's element string; ZXing prints the
 * separator FNC1 as the raw GS byte (0x1D) in its Text line. */
static void decodes_as_gs1_datamatrix(const char *file)
{
    char text[4096];
    decode(file, text, sizeof(text));
    assert_non_null(strstr(text, "Identifier: ]d2"));
    assert_non_null(strstr(text, "\"01095060001343521726111510BATCH002\x1d"
                                 "21DI8U86IYQI9KS4G87WGI\""));
}

static void test_cli__datamatrix_png_and_svg_decode(void)
{
    char dir[] = "/tmp/packid-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char png[256], svg[256], svgpng[256], cmd[800], text[4096];
    snprintf(png, sizeof(png), "%s/dm.png", dir);
    snprintf(svg, sizeof(svg), "%s/dm.svg", dir);
    snprintf(svgpng, sizeof(svgpng), "%s/dm-svg.png", dir);
    int rc;
    const char *hri = "(01)09506000134352(17)261115(10)BATCH002(21)DI8U86IYQI9KS4G87WGI";
    const char *a[] = {"datamatrix", hri, "-o", png, NULL};
    json_decref(cli(&rc, a));
    assert_int_equal(rc, 0);
    decodes_as_gs1_datamatrix(png);

    const char *b[] = {"datamatrix", hri, "-o", svg, "--rect", NULL};
    json_decref(cli(&rc, b));
    assert_int_equal(rc, 0);
    snprintf(cmd, sizeof(cmd), "rsvg-convert -o '%s' '%s'", svgpng, svg);
    assert_int_equal(px_test_shell(cmd), 0);
    decodes_as_gs1_datamatrix(svgpng);

    const char *c[] = {"datamatrix", hri, "-o", png, "--qr", NULL};
    json_decref(cli(&rc, c));
    assert_int_equal(rc, 0);
    decode(png, text, sizeof(text));
    assert_non_null(strstr(
        text,
        "https://id.gs1.org/01/09506000134352/10/BATCH002/21/DI8U86IYQI9KS4G87WGI?17=261115"));

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    px_test_shell(cmd);
}

/* A file the command line cannot read or write is one code each, whatever the command: the
 * error names the file and the system's reason (README "Command line"). */
static void test_cli__file_errors(void)
{
    char dir[] = "/tmp/packid-cli-files-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char missing[96], out[96], nowhere[96];
    snprintf(missing, sizeof(missing), "%s/missing.json", dir);
    snprintf(out, sizeof(out), "%s/out.xml", dir);
    snprintf(nowhere, sizeof(nowhere), "%s/no-such-folder/out.xml", dir);
    static const char *const codes[] = {"file_not_found", "write_failed"};
    const char *const targets[] = {out, nowhere};
    for (int i = 0; i < 2; i++) {
        int rc;
        const char *a[] = {"epcis", "convert", "--to", "2.0-xml", missing, "-o", targets[i], NULL};
        json_t *o = cli(&rc, a);
        assert_int_equal(rc, 1);
        json_t *e = json_object_get(o, "error");
        assert_string_equal(px_test_str(e, "code"), codes[i]);
        const char *msg = px_test_str(e, "message");
        if (!strstr(msg, i ? nowhere : missing) || !strstr(msg, "No such file or directory"))
            fail_msg("%s: %s", codes[i], msg);
        json_decref(o);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    px_test_shell(cmd);
}

/* Every command checks its words before it does anything: an unknown or mistyped option, an
 * option given twice, a value missing or given to a flag, an argument too many are usage
 * errors (exit 2, nothing on stdout). This environment has no database (setup), so a command
 * that got past its words and tried to reach one fails with 1: the 2s below were refused
 * before. The same commands spelled right get past (1 where they need the database, 0 where
 * pure). */
static void test_cli__words_checked_first(void)
{
    static const struct {
        const char *args[10];
        int rc;
    } v[] = {
        {{NULL}, 2},     /* "packid --json" alone: usage, no command to read */
        {{"--help"}, 0}, /* --json stands anywhere, before --help too */
        /* a command's usage, asked after its subcommand too (it was a usage error, 2) */
        {{"key", "create", "--help"}, 0},
        {{"org", "create", "--kind", "mah", "--help"}, 0},
        {{"gs1", "check", "--help"}, 0},
        {{"partitions", "ensure", "--ahaed", "5"}, 2}, /* mistyped: never the default */
        {{"partitions", "ensure", "--ahead", "5"}, 1},
        {{"partitions", "ensure", "--ahead"}, 2}, /* no value */
        {{"partitions", "detach", "a", "b"}, 2},  /* one NAME at most */
        {{"partitions", "list", "--bogus"}, 2},
        {{"audit", "verify", "--checkpiont", "f.json"}, 2},
        {{"audit", "checkpoint", "--checkpoint", "f.json"}, 2}, /* verify's, not checkpoint's */
        {{"org", "create", "--kind", "mah", "--name", "A", "--name", "B"}, 2}, /* twice */
        {{"org", "create", "--kind", "regulator", "--name", "A", "--market=FR"}, 1},
        {{"key", "create", "--org", "x", "--role", "mah", "--mode", "live", "extra"}, 2},
        {{"key", "revoke", "k1", "k2"}, 2},
        {{"key", "revoke", "k1"}, 1},
        {{"migrate", "now"}, 2},
        {{"serve", "--port", "80"}, 2},
        {{"db", "status", "--verbose"}, 2},
        {{"gs1", "check", "--gs-char=^", "(01)09506000134352"}, 0},
        {{"gs1", "check", "(01)09506000134352", "(21)1"}, 2},
        {{"gs1", "check", "--to", "hri", "(01)09506000134352"}, 2}, /* convert's option */
        {{"gs1", "convert", "(01)09506000134353"}, 2}, /* no --to: usage, before the input */
        {{"datamatrix", "(01)09506000134352", "-o", "/dev/null/x.png", "--gray=yes"}, 2},
        {{"label", "--no-hri=1", "-o", "x.png", "000000000000000000"}, 2},
        {{"epcis", "convert", "--to", "2.0-json", "--bogus=1", "in.xml"}, 2},
        {{"epcis", "export", "--gtin", "09506000134352", "-o", "a.xml", "-o", "b.xml"}, 2},
        {{"epcis", "export", "--gtin", "09506000134352", "-o", "a.xml", "--output", "b.xml"}, 2},
        {{"epcis", "validate", "--format", "1.2-xml"}, 2}, /* no file */
        {{"epcis", "validate", "--xsd-dir"}, 2},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        int rc;
        json_t *o = cli(&rc, v[i].args);
        if (rc != v[i].rc || (rc == 2 && o))
            fail_msg("%s %s …: exit %d, wanted %d", v[i].args[0] ? v[i].args[0] : "",
                     v[i].args[0] && v[i].args[1] ? v[i].args[1] : "", rc, v[i].rc);
        json_decref(o);
    }
}

/* The Digital Link domain (printed in every pack's link) and the public URL (the root of
 * signed links) are checked when a command opens packid's context, before the database: a
 * malformed one is bad_config at once, not a failure of the first print job. So is a GS1
 * prefix list that cannot be read. The same command with each well formed gets as far as
 * the database (not there here). */
static void test_cli__urls_checked_at_start(void)
{
    static const struct {
        const char *setting, *code;
    } v[] = {
        {"PACKID_DL_DOMAIN=id.example.com", "bad_config"},          /* no scheme */
        {"PACKID_DL_DOMAIN=https://id.example.com/", "bad_config"}, /* trailing slash */
        {"PACKID_PUBLIC_URL=packid.example.com", "bad_config"},
        {"PACKID_PUBLIC_URL=https://packid example.com", "bad_config"},
        {"PACKID_DL_DOMAIN=https://id.example.com/stem", NULL},
        {"PACKID_PUBLIC_URL=https://packid.example.com:8443/", NULL},
        {"PACKID_GCP_LIST=/proc/packid-no-such-list.xml", "bad_config"},
        {"PACKID_GCP_LIST=/dev/null", NULL},         /* readable (empty: every look-up unknown) */
        {"PACKID_GCP_LIST=/dev/zero", "bad_config"}, /* past GS1_GCP_LIST_MAX: never read whole */
    };
    const char *a[] = {"org", "list", NULL};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_test_setenv(&env, v[i].setting);
        int rc;
        json_t *o = cli(&rc, a);
        const char *code = px_test_str(json_object_get(o, "error"), "code");
        int refused = rc == 1 && code && strcmp(code, "bad_config") == 0;
        if (refused != (v[i].code != NULL))
            fail_msg("%s: exit %d %s", v[i].setting, rc, code ? code : "");
        json_decref(o);
        char unset[64];
        snprintf(unset, sizeof(unset), "%.*s=", (int)strcspn(v[i].setting, "="), v[i].setting);
        px_test_setenv(&env, unset);
    }
}

/* A database URL libpq cannot parse is said without libpq's reason, which quotes the text at
 * fault: here the password (a '%' not followed by two hex digits, in the URL form and a space
 * in the keyword form). Nothing of it reaches the log or the terminal. */
static void test_cli__database_url_password_not_logged(void)
{
    static const char *const urls[] = {"postgresql://u:pwq%zz@127.0.0.1:1/x",
                                       "host=127.0.0.1 port=1 password=pwq qqz"};
    for (size_t i = 0; i < PX_COUNT(urls); i++) {
        char cmd[512], out[4096];
        snprintf(cmd, sizeof(cmd), "env PACKID_DATABASE_URL='%s' '%s' org list 2>&1", urls[i],
                 PX_PACKID_BIN);
        px_test_pipe(cmd, "", 0, out, sizeof(out));
        assert_non_null(strstr(out, "the database URL does not parse"));
        if (strstr(out, "pwq") || strstr(out, "qqz"))
            fail_msg("%s: the output quotes the password: %s", urls[i], out);
    }
}

static int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof(env));
    /* No database: a server at a socket folder that cannot exist (not even for root), so a
     * command that needs one fails to connect (exit 1) and none is ever made. */
    snprintf(env.data_dir, sizeof(env.data_dir), "/proc/packid-cli-test");
    snprintf(env.conninfo, sizeof(env.conninfo), "host=/proc/packid-cli-test dbname=packid");
    return 0;
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
