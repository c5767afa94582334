/* EPC URIs (DOMAIN.md §5.3 table, §5.2 escaping) and GCP length lookup (§1.5). */
#include <stdlib.h>

#include "gs1_test.h"
#include "px_array.h"

/* The key an EPC URI is built on: (00) before (01) before (414), with where its company
 * prefix starts for the GCP list (gcppos 2 for an SSCC or GTIN, 1 for a GLN). */
static void test_gs1__epc_key(void)
{
    static const struct {
        const char *hri;
        const char *ai; /* NULL: refused */
        int gcppos;
        int line;
    } v[] = {
        {"(00)003551540000000179(01)09506000134352", "00", 2, __LINE__},
        {"(01)09506000134352(21)A1", "01", 2, __LINE__},
        {"(414)0355154000001(254)7", "414", 1, __LINE__},
        {"(01)09506000134352(414)0355154000001", "01", 2, __LINE__},
        {"(400)PO123", NULL, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        if (gs1_parse(&e, v[i].hri, &err) != PX_OK)
            fail_msg("line %d: %s", v[i].line, err.message);
        int k = -1, pos = 0;
        px_rc rc = gs1_epc_key(&e, &k, &pos, &err);
        if (!v[i].ai) {
            assert_int_equal(rc, PX_EINVALID);
            assert_string_equal(err.code, "no_epc_key");
            continue;
        }
        if (rc != PX_OK || strcmp(e.items[k].ai, v[i].ai) != 0 || pos != v[i].gcppos)
            fail_msg("line %d: key %s gcppos %d", v[i].line, rc == PX_OK ? e.items[k].ai : "-",
                     pos);
    }
}

/* MATCH_epc's two forms (EPCIS 1.2 §8.2.7.1): one instance, or every instance of a GTIN; any
 * other EPC, or a pattern that leaves the GTIN open, is refused. */
static void test_gs1__epc_sgtin_match(void)
{
    char gtin[GS1_GTIN_LEN + 1], serial[GS1_SERIAL_MAX + 1];
    px_err err = PX_ERR_INIT;
    assert_int_equal(
        gs1_epc_sgtin_match(gtin, serial, "urn:epc:id:sgtin:9506000.013435.A%2FB", &err), PX_OK);
    assert_string_equal(gtin, "09506000134352");
    assert_string_equal(serial, "A/B");
    assert_int_equal(
        gs1_epc_sgtin_match(gtin, serial, "urn:epc:idpat:sgtin:4012345.098765.*", &err), PX_OK);
    assert_string_equal(gtin, "04012345987652");
    assert_string_equal(serial, "");
    static const char *const refused[] = {
        "urn:epc:class:lgtin:4012345.012345.998877", "urn:epc:id:sscc:0355154.0000000017",
        "urn:epc:idpat:sgtin:4012345.*.*",           "urn:epc:id:sgtin:9506000.013435",
        "https://id.gs1.org/01/09506000134352/21/1", ""};
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        px_err_clear(&err);
        if (gs1_epc_sgtin_match(gtin, serial, refused[i], &err) != PX_EINVALID)
            fail_msg("%s: taken", refused[i]);
        assert_string_equal(err.code, "invalid_epc_uri");
    }
}

typedef struct {
    const char *file;
    int line;
    const char *uri;
    const char *hri; /* elements */
    const char *dl;  /* gs1_epc_to_dl */
    int gcp_len;
} epc_vec;

static const epc_vec epc_vectors[] = {
    {AT, "urn:epc:id:sgtin:0614141.107346.2017", "(01)10614141073464(21)2017",
     "https://id.gs1.org/01/10614141073464/21/2017", 7},
    {AT, "urn:epc:id:sgtin:9506000.013435.12345", "(01)09506000134352(21)12345",
     "https://id.gs1.org/01/09506000134352/21/12345", 7},
    {AT, "urn:epc:id:sgtin:0614141.812345.6789", "(01)80614141123458(21)6789",
     "https://id.gs1.org/01/80614141123458/21/6789", 7},
    {AT, "urn:epc:id:sgtin:4012345.011111.987", "(01)04012345111118(21)987",
     "https://id.gs1.org/01/04012345111118/21/987", 7},
    {AT, "urn:epc:id:sgtin:9506000.013435.A%2FB%251", "(01)09506000134352(21)A/B%1",
     "https://id.gs1.org/01/09506000134352/21/A%2FB%251", 7},
    {AT, "urn:epc:class:lgtin:4012345.012345.998877", "(01)04012345123456(10)998877",
     "https://id.gs1.org/01/04012345123456/10/998877", 7},
    {AT, "urn:epc:idpat:sgtin:4012345.098765.*", "(01)04012345987652",
     "https://id.gs1.org/01/04012345987652", 7},
    {AT, "urn:epc:id:sscc:4012345.0000000333", "(00)040123450000003338",
     "https://id.gs1.org/00/040123450000003338", 7},
    {AT, "urn:epc:id:sscc:0614141.1234567890", "(00)106141412345678908",
     "https://id.gs1.org/00/106141412345678908", 7},
    {AT, "urn:epc:id:sscc:0614141.1123456789", "(00)106141411234567897",
     "https://id.gs1.org/00/106141411234567897", 7},
    {AT, "urn:epc:id:sgln:0614141.07346.1234", "(414)0614141073467(254)1234",
     "https://id.gs1.org/414/0614141073467/254/1234", 7},
    {AT, "urn:epc:id:sgln:4012345.00011.987", "(414)4012345000115(254)987",
     "https://id.gs1.org/414/4012345000115/254/987", 7},
    {AT, "urn:epc:id:sgln:0355154.00000.0", "(414)0355154000001",
     "https://id.gs1.org/414/0355154000001", 7},
    {AT, "urn:epc:id:sgln:1414141.12945.32a%2Fb", "(414)1414141129459(254)32a/b",
     "https://id.gs1.org/414/1414141129459/254/32a%2Fb", 7},
    /* Appendix A */
    {AT, "urn:epc:id:sgtin:0355154.094495.100000001", "(01)00355154944954(21)100000001",
     "https://id.gs1.org/01/00355154944954/21/100000001", 7},
    {AT, "urn:epc:id:sscc:0355154.0000000017", "(00)003551540000000179",
     "https://id.gs1.org/00/003551540000000179", 7},
    {AT, "urn:epc:idpat:sgtin:0355154.094495.*", "(01)00355154944954",
     "https://id.gs1.org/01/00355154944954", 7},
    /* company prefix lengths 6 and 12; SGLN with an empty location reference */
    {AT, "urn:epc:id:sgtin:950600.0013435.1", "(01)09506000134352(21)1",
     "https://id.gs1.org/01/09506000134352/21/1", 6},
    {AT, "urn:epc:id:sgtin:950600013435.0.1", "(01)09506000134352(21)1",
     "https://id.gs1.org/01/09506000134352/21/1", 12},
    {AT, "urn:epc:id:sgln:061414107346..0", "(414)0614141073467",
     "https://id.gs1.org/414/0614141073467", 12},
};

static void test_gs1__epc_vectors(void)
{
    for (size_t i = 0; i < PX_COUNT(epc_vectors); i++) {
        const epc_vec *v = &epc_vectors[i];
        gs1_elements e;
        gs1_epc_kind kind;
        int L = 0;
        px_err err = PX_ERR_INIT;
        char got[512], uri[GS1_EPC_URI_MAX], dl[GS1_DL_MAX];
        VCHECK(v, gs1_epc_parse(&e, &kind, &L, v->uri, &err) == PX_OK, "%s: %s", v->uri,
               err.message);
        elements_hri(got, sizeof(got), &e);
        VCHECK(v, strcmp(got, v->hri) == 0, "%s -> %s", v->uri, got);
        VCHECK(v, L == v->gcp_len, "gcp length %d", L);
        /* back: elements -> EPC URI */
        VCHECK(v, gs1_epc_format(uri, sizeof(uri), &e, L, &err) == PX_OK, "%s", err.message);
        VCHECK(v, strcmp(uri, v->uri) == 0, "format -> %s", uri);
        VCHECK(v, gs1_epc_to_dl(dl, sizeof(dl), v->uri, &err) == PX_OK, "%s", err.message);
        VCHECK(v, strcmp(dl, v->dl) == 0, "DL %s", dl);
    }
}

/* gs1_sgtin_to_dl writes what gs1_dl_format writes for (01)(21): every set-82 character in a
 * serial, and the checks it keeps. */
static void test_gs1__sgtin_to_dl_matches_dl_format(void)
{
    static const char *const serials[] = {"1", "ABCxyz0189", "\"%&/<>?!'()*+", ",-.:;=_aZ9",
                                          "12345678901234567890"};
    char direct[GS1_DL_MAX], general[GS1_DL_MAX];
    px_err err;
    for (size_t i = 0; i < PX_COUNT(serials); i++) {
        gs1_elements e = {0};
        assert_int_equal(gs1_elements_add(&e, "01", "09506000134352", &err), PX_OK);
        assert_int_equal(gs1_elements_add(&e, "21", serials[i], &err), PX_OK);
        assert_int_equal(gs1_dl_format(general, sizeof(general), NULL, &e, &err), PX_OK);
        assert_int_equal(
            gs1_sgtin_to_dl(direct, sizeof(direct), "09506000134352", serials[i], &err), PX_OK);
        assert_string_equal(direct, general);
    }
    assert_int_equal(gs1_sgtin_to_dl(direct, sizeof(direct), "09506000134352", "", &err),
                     PX_EINVALID);
    assert_int_equal(gs1_sgtin_to_dl(direct, sizeof(direct), "09506000134352", "a b", &err),
                     PX_EINVALID);
    assert_int_equal(
        gs1_sgtin_to_dl(direct, sizeof(direct), "09506000134352", "123456789012345678901", &err),
        PX_EINVALID);
    assert_int_equal(gs1_sgtin_to_dl(direct, sizeof(direct), "09506000134353", "1", &err),
                     PX_EINVALID);
    assert_int_equal(gs1_sgtin_to_dl(direct, 20, "09506000134352", "1", &err), PX_ETOOBIG);
}

static void test_gs1__epc_typed_api(void)
{
    char out[GS1_EPC_URI_MAX], gtin[GS1_GTIN_LEN + 1], serial[GS1_SERIAL_MAX + 1];
    px_err err;
    int L = 0;
    assert_int_equal(gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 7, "A/B%1", &err),
                     PX_OK);
    assert_string_equal(out, "urn:epc:id:sgtin:9506000.013435.A%2FB%251");
    assert_int_equal(gs1_epc_sgtin_parse(gtin, serial, &L, out, &err), PX_OK);
    assert_string_equal(gtin, "09506000134352");
    assert_string_equal(serial, "A/B%1");
    assert_int_equal(L, 7);
    /* §5.2: exactly seven characters escaped on output */
    assert_int_equal(
        gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 7, "\"%&/<>?!'()*+", &err), PX_OK);
    assert_string_equal(out, "urn:epc:id:sgtin:9506000.013435.%22%25%26%2F%3C%3E%3F!'()*+");
    assert_int_equal(
        gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 7, ",-.:;=_aZ9", &err), PX_OK);
    assert_string_equal(out, "urn:epc:id:sgtin:9506000.013435.,-.:;=_aZ9");
    assert_int_equal(gs1_epc_idpat_sgtin_format(out, sizeof(out), "04012345987652", 7, &err),
                     PX_OK);
    assert_string_equal(out, "urn:epc:idpat:sgtin:4012345.098765.*");
    assert_int_equal(gs1_epc_lgtin_format(out, sizeof(out), "04012345123456", 7, "998877", &err),
                     PX_OK);
    assert_string_equal(out, "urn:epc:class:lgtin:4012345.012345.998877");
    assert_int_equal(gs1_epc_sgln_format(out, sizeof(out), "0355154000001", 7, NULL, &err), PX_OK);
    assert_string_equal(out, "urn:epc:id:sgln:0355154.00000.0");
    assert_int_equal(gs1_epc_sgln_format(out, sizeof(out), "0355154000001", 7, "", &err), PX_OK);
    assert_string_equal(out, "urn:epc:id:sgln:0355154.00000.0");
    assert_int_equal(gs1_epc_sgln_format(out, sizeof(out), "1414141129459", 7, "32a/b", &err),
                     PX_OK);
    assert_string_equal(out, "urn:epc:id:sgln:1414141.12945.32a%2Fb");
    assert_int_equal(gs1_epc_sscc_format(out, sizeof(out), "003551540000000179", 7, &err), PX_OK);
    assert_string_equal(out, "urn:epc:id:sscc:0355154.0000000017");
    /* errors */
    assert_int_equal(gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 5, "1", &err),
                     PX_EINVALID);
    assert_string_equal(err.code, "invalid_gcp_length");
    assert_int_equal(gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 13, "1", &err),
                     PX_EINVALID);
    assert_int_equal(gs1_epc_sgtin_format(out, sizeof(out), "09506000134353", 7, "1", &err),
                     PX_EINVALID);
    assert_string_equal(err.code, "invalid_check_digit");
    assert_int_equal(gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 7, "A B", &err),
                     PX_EINVALID);
    assert_int_equal(err.pos, 1);
    assert_int_equal(
        gs1_epc_sgtin_format(out, sizeof(out), "09506000134352", 7, "123456789012345678901", &err),
        PX_EINVALID);
    assert_int_equal(gs1_epc_sgtin_format(out, 20, "09506000134352", 7, "1", &err), PX_ETOOBIG);
    assert_int_equal(
        gs1_epc_sgtin_parse(gtin, serial, &L, "urn:epc:id:sscc:0614141.1234567890", &err),
        PX_EINVALID);
    /* fuzz finding: an escaped "0" extension is still "no extension" */
    gs1_elements e;
    assert_int_equal(gs1_epc_parse(&e, NULL, NULL, "urn:epc:id:sgln:1414141.12945.%30", &err),
                     PX_OK);
    assert_int_equal(e.count, 1);
}

typedef struct {
    const char *file;
    int line;
    const char *uri;
    const char *code;
    int pos;
} epc_bad_vec;

/* §5.2: any %XX of a set-82 character is accepted on input, other escapes are rejected. */
static const epc_bad_vec epc_bad[] = {
    {AT, "urn:epc:id:sgtin:9506000.013435.%41%2a%21%7A", NULL, 0},
    {AT, "urn:epc:id:sgtin:9506000.013435.%23", "invalid_escape", 32},
    {AT, "urn:epc:id:sgtin:9506000.013435.A%20", "invalid_escape", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A%7E", "invalid_escape", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A%2", "invalid_escape", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A%G1", "invalid_escape", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A/B", "invalid_character", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A\"B", "invalid_character", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.A#B", "invalid_character", 33},
    {AT, "urn:epc:id:sgtin:9506000.013435.", "invalid_epc_uri", 32},
    {AT, "urn:epc:id:sgtin:9506000.013435.123456789012345678901", "invalid_length", 52},
    {AT, "urn:epc:id:sgtin:9506000.01343.1", "invalid_epc_uri", 25},
    {AT, "urn:epc:id:sgtin:95060.0013435.1", "invalid_epc_uri", 17},
    {AT, "urn:epc:id:sgtin:9506000.013435", "invalid_epc_uri", 31},
    {AT, "urn:epc:id:sscc:0614141.123456789", "invalid_epc_uri", 24},
    {AT, "urn:epc:id:sscc:0614141.1234567890x", "invalid_epc_uri", 34},
    {AT, "urn:epc:id:sgln:0614141.07346", "invalid_epc_uri", 29},
    {AT, "urn:epc:idpat:sgtin:4012345.098765.1", "invalid_epc_uri", 35},
    {AT, "urn:epc:id:giai:0614141.1", "invalid_epc_uri", 0},
    {AT, "URN:EPC:ID:SGTIN:9506000.013435.1", "invalid_epc_uri", 0},
    /* REQ-GS1-ZERO: keys of zeros only, refused as gs1_epc_format refuses them (fuzz_gs1_epc) */
    {AT, "urn:epc:id:sgln:000000000000..0", "invalid_key", 16},
    {AT, "urn:epc:id:sgtin:0000000.000000.1", "invalid_key", 17},
    {AT, "urn:epc:id:sscc:0000000.0000000000", "invalid_key", 16},
};

static void test_gs1__epc_errors(void)
{
    for (size_t i = 0; i < PX_COUNT(epc_bad); i++) {
        const epc_bad_vec *v = &epc_bad[i];
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_epc_parse(&e, NULL, NULL, v->uri, &err);
        if (!v->code) {
            VCHECK(v, rc == PX_OK, "%s: %s", v->uri, err.message);
            continue;
        }
        check_refused(v->file, v->line, v->uri, rc, &err, v->code, v->pos, -1);
    }
}

/* ---- GCP length (§1.5) --------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

typedef struct {
    const char *file;
    int line;
    const char *key;
    int gcppos;
    int want;
} gcp_vec;

/* Entries of GS1's list (2021-09-14 snapshot): 06141 -> 7, 035 -> 7, 401 -> 7,
 * 535028899990 -> 12, 0000030 -> 12, 000000 -> 7, 950600013 -> 11. */
static const gcp_vec gcp_vectors[] = {
    {AT, "10614141073464", 2, 7}, /* GTIN, indicator dropped */
    {AT, "00355154944954", 2, 7},
    {AT, "04012345111118", 2, 7},
    {AT, "0614141073467", 1, 7}, /* GLN */
    {AT, "0355154000001", 1, 7},
    {AT, "106141411234567897", 2, 7}, /* SSCC, extension digit dropped */
    {AT, "05350288999901", 2, 12},
    {AT, "00000030123457", 2, 12},
    {AT, "0000000123457", 1, 7},
    /* DOMAIN.md §5.3 assumes 7 for 9506000 (GS1's example prefix); the list says 950600013
     * -> 11, which is why packid stores the GCP length per product and only falls back */
    {AT, "09506000134352", 2, 11},
    {AT, "09999999999999", 2, -1}, /* no entry: ask the brand owner */
    {AT, "0614141073467", 3, -1},  /* bad gcppos */
};

static void test_gs1__gcp_lookup(void)
{
    size_t len = 0;
    char *xml = read_all(PX_SHARED_DIR "/reference/gcp/GCPPrefixFormatList.xml", &len);
    assert_non_null(xml);
    for (size_t i = 0; i < PX_COUNT(gcp_vectors); i++) {
        const gcp_vec *v = &gcp_vectors[i];
        int got = gs1_gcp_length_lookup(xml, len, v->key, v->gcppos);
        VCHECK(v, got == v->want, "%s: %d", v->key, got);
    }
    free(xml);
}

/* The real list is prefix-free; the longest-prefix rule needs a synthetic list. */
static void test_gs1__gcp_longest_prefix(void)
{
    const char *xml = "<GCPPrefixFormatList date=\"x\">\n"
                      "  <entry prefix=\"061\" gcpLength=\"6\"/>\n"
                      "  <entry gcpLength=\"9\" prefix=\"0614141\"/>\n"
                      "  <entry prefix=\"06141\" gcpLength=\"7\"/>\n"
                      "  <entry prefix=\"0614141073467999\" gcpLength=\"12\"/>\n"
                      "  <entry prefix=\"bad\" gcpLength=\"x\"/>\n"
                      "</GCPPrefixFormatList>\n";
    assert_int_equal(gs1_gcp_length_lookup(xml, strlen(xml), "0614141073467", 1), 9);
    assert_int_equal(gs1_gcp_length_lookup(xml, strlen(xml), "0614200000000", 1), 6);
    assert_int_equal(gs1_gcp_length_lookup(xml, strlen(xml), "0614100000000", 1), 7);
    assert_int_equal(gs1_gcp_length_lookup(xml, strlen(xml), "1700000000000", 1), -1);
    assert_int_equal(gs1_gcp_length_lookup(xml, 10, "0614141073467", 1), -1);
}

/* EPCIS 2.0 §8.2: an instance EPC is its URN or its constrained Digital Link on any domain; a
 * Digital Link carrying anything beside its key (a lot, an expiry) is no EPC. */
static void test_gs1__epc_instance_parse(void)
{
    static const struct {
        const char *uri;
        int ok;
        gs1_epc_kind kind;
        const char *key, *serial;
    } v[] = {
        {"urn:epc:id:sgtin:0614141.812345.6789", 1, GS1_EPC_SGTIN, "80614141123458", "6789"},
        {"https://id.gs1.org/01/80614141123458/21/6789", 1, GS1_EPC_SGTIN, "80614141123458",
         "6789"},
        {"https://example.com/stem/01/80614141123458/21/A%2FB", 1, GS1_EPC_SGTIN, "80614141123458",
         "A/B"},
        {"urn:epc:id:sscc:0614141.1234567890", 1, GS1_EPC_SSCC, "106141412345678908", NULL},
        {"https://id.gs1.org/00/106141412345678908", 1, GS1_EPC_SSCC, "106141412345678908", NULL},
        {"https://id.gs1.org/01/80614141123458/10/L1/21/6789", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/80614141123458/21/6789?17=261231", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/80614141123458", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/80614141123459/21/6789", 0, 0, NULL, NULL}, /* check digit */
        {"urn:epc:id:bogus:1", 0, 0, NULL, NULL},
        /* anything beside the key: a query GS1 does not define, a fragment, compression */
        {"https://id.gs1.org/01/09506000134352/21/abc?linkType=gs1:pip", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/09506000134352/21/abc#x", 0, 0, NULL, NULL},
        {"https://id.gs1.org/00/106141412345678908?a=b", 0, 0, NULL, NULL},
        {"https://id.gs1.org/ARFKk4XBoEJHV4", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/09506000134352/ISOrw", 0, 0, NULL, NULL},
        /* a '%' that starts no %hh escape (RFC 3986 §2.1): no URI, as its URN is refused */
        {"https://id.gs1.org/01/09506000134352/21/Q%2", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/09506000134352/21/R%zz2", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/09506000134352/21/R%3", 0, 0, NULL, NULL},
        {"https://id.gs1.org/01/09506000134352/21/R%25", 1, GS1_EPC_SGTIN, "09506000134352", "R%"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        gs1_elements e;
        gs1_epc_kind k = GS1_EPC_SGLN;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_epc_instance_parse(&e, &k, v[i].uri, &err);
        if ((rc == PX_OK) != v[i].ok)
            fail_msg("%s: rc %d (%s)", v[i].uri, (int)rc, err.message);
        if (!v[i].ok)
            continue;
        assert_int_equal(k, v[i].kind);
        assert_string_equal(e.items[0].value, v[i].key);
        if (v[i].serial)
            assert_string_equal(e.items[1].value, v[i].serial);
    }
}
