/* Edges: the cases where packid and GS1's reference engine disagreed, each as data. */
#include <stdlib.h>

#include "gs1_test.h"

#include "gs1_ai.h"
#include "px_array.h"

static const element_vec edges[] = {
    /* REQ-GS1-2: after ]d2/]Q3/]C1/]e0/]J1 the first FNC1 is implied; a GS there is refused */
    {AT, "]d2<GS>0109506000134352", "unexpected_separator", 3, -1, NULL},
    {AT, "]Q3<GS>0109506000134352", "unexpected_separator", 3, -1, NULL},
    {AT, "]C1<GS>0109506000134352", "unexpected_separator", 3, -1, NULL},
    {AT, "]J1<GS>0109506000134352", "unexpected_separator", 3, -1, NULL},
    {AT, "<GS>0109506000134352", NULL, 0, -1, "(01)09506000134352"}, /* raw: FNC1 as GS */
    {AT, "]d20109506000134352", NULL, 0, -1, "(01)09506000134352"},
    /* REQ-GS1-5: GS1 DotCode reads like DataMatrix: ]J1 = ]d2, ]J0 = ]d1 */
    {AT, "]J10109506000134352<GS>10ABC", NULL, 0, -1, "(01)09506000134352(10)ABC"},
    {AT, "]J0https://id.gs1.org/01/09506000134352/10/ABC", NULL, 0, -1,
     "(01)09506000134352(10)ABC"},
    {AT, "]J00109506000134352", "invalid_symbology", 0, -1, NULL},
    {AT, "]d1https://id.gs1.org/01/09506000134352/10/ABC", NULL, 0, -1,
     "(01)09506000134352(10)ABC"},
    /* REQ-GS1-4: DL host without userinfo or IPv6 zone; "?=1" is not a query parameter */
    {AT, "https://user@id.gs1.org/01/09506000134352", "invalid_domain", 8, -1, NULL},
    {AT, "https://user:pw@example.com/01/09506000134352", "invalid_domain", 8, -1, NULL},
    {AT, "https://[fe80::1%25eth0]/01/09506000134352", "invalid_domain", 8, -1, NULL},
    {AT, "http://[20/01/09506000134352", "invalid_domain", 7, -1, NULL}, /* found by fuzz_gs1_dl */
    {AT, "https://example.com:65536/01/09506000134352", "invalid_domain", 8, -1, NULL},
    {AT, "https://[2001:db8::1]/01/09506000134352", NULL, 0, -1, "(01)09506000134352"},
    {AT, "https://example.com:8443/01/09506000134352", NULL, 0, -1, "(01)09506000134352"},
    {AT, "https://id.gs1.org/01/09506000134352?=1", "invalid_query", 37, -1, NULL},
    {AT, "https://id.gs1.org/01/09506000134352?17=261231&=1", "invalid_query", 47, -1, NULL},
    {AT, "https://id.gs1.org/01/09506000134352?linkType=all", NULL, 0, -1, "(01)09506000134352"},
    {AT, "https://id.gs1.org/01/09506000134352?17=261231", NULL, 0, -1,
     "(01)09506000134352(17)261231"},
    /* compressed data holding an AI the key cannot carry (found by fuzz_gs1_dl) */
    {AT, "https://example.com/8010/0636--/QUSaVjC_dHBAVlCrg", "not_dl_attribute", -1, -1, NULL},
    {AT, "https://id.gs1.org/01/09506000134352/EEarwSM", NULL, 0, -1,
     "(01)09506000134352(10)ABC123"},
    {AT, "https://id.gs1.org/gAYMBI_bNGwJk", "invalid_value", -1, -1,
     NULL},                                                  /* (8006) piece 2 of 1 */
    {AT, "https://id.gs1.org/x", "no_dl_key", -1, -1, NULL}, /* decodes to nothing */
    /* the key is the primary key the other AIs fit: (414) with (7040), (01) as an attribute
     * (found by fuzz_gs1_dl) */
    {AT, "https://id.gs1.org/AVPe1LE7_GIEoVcIKJNKxhfujggKh7w", NULL, 0, -1,
     "(01)46108258115070(3102)330424(414)5060917510004(7040)51EF"},
    {AT, "https://id.gs1.org/01/09506000134352/QUSaVjC_dHBAVlCrg", "not_dl_attribute", -1, -1,
     NULL},
    /* REQ-GS1-1: AI 8011 refuses 0 in every syntax */
    {AT, "https://id.gs1.org/8010/0614141AB/8011/0", "invalid_character", 39, -1, NULL},
    {AT, "(8010)0614141AB(8011)0", "invalid_character", 21, -1, NULL},
    /* REQ-GS1-7: "\(" in HRI is a "(" of the data */
    {AT, "(01)09506000134352(10)A\\(B(21)\\(17)X", NULL, 0, -1,
     "(01)09506000134352(10)A(B(21)(17)X"},
};

static void test_gs1__edges(void)
{
    for (size_t i = 0; i < PX_COUNT(edges); i++)
        check_element_parse(&edges[i]);
}

/* REQ-GS1-7: every "(" in data is printed "\(" and reads back as the same data, whatever
 * follows it — the form GS1's engine reads too. */
static void test_gs1__hri_escape_round_trip(void)
{
    static const char *const values[] = {"(", "A(B", "(10)X", "((", "(21)(", "X)(", "()"};
    for (size_t i = 0; i < PX_COUNT(values); i++) {
        gs1_elements e, back;
        memset(&e, 0, sizeof(e));
        px_err err = PX_ERR_INIT;
        assert_int_equal(gs1_elements_add(&e, "01", "09506000134352", &err), PX_OK);
        assert_int_equal(gs1_elements_add(&e, "10", values[i], &err), PX_OK);
        assert_int_equal(gs1_elements_add(&e, "21", values[i], &err), PX_OK);
        char hri[256];
        assert_int_equal(gs1_hri_format(hri, sizeof(hri), &e, &err), PX_OK);
        /* no unescaped "(" inside data */
        for (const char *p = strstr(hri, "(10)") + 4; *p; p++)
            if (*p == '(' && p[-1] != '\\')
                assert_true(strncmp(p, "(21)", 4) == 0);
        if (gs1_parse(&back, hri, &err) != PX_OK)
            print_error("%s: %s\n", hri, err.message);
        assert_int_equal(back.count, 3);
        assert_string_equal(back.items[1].value, values[i]);
        assert_string_equal(back.items[2].value, values[i]);
    }
    gs1_elements e = {0};
    px_err err;
    assert_int_equal(gs1_elements_add(&e, "01", "09506000134352", &err), PX_OK);
    assert_int_equal(gs1_elements_add(&e, "21", "A(B", &err), PX_OK);
    char hri[64];
    assert_int_equal(gs1_hri_format(hri, sizeof(hri), &e, &err), PX_OK);
    assert_string_equal(hri, "(01)09506000134352(21)A\\(B");
}

/* The printed HRI (GS1 General Specifications §4.15; GS1's syntax engine writes each element
 * "(AI) data"): DOMAIN.md's worked example, and data shown as it is, "(" unescaped, since a
 * label shows the data's own characters. */
static void test_gs1__hri_text(void)
{
    gs1_elements e;
    px_err err = PX_ERR_INIT;
    assert_int_equal(gs1_parse(&e, "(01)09506000134352(17)201225(10)ABC123(21)12345", &err), PX_OK);
    char text[128];
    assert_int_equal(gs1_hri_text_format(text, sizeof(text), &e, &err), PX_OK);
    assert_string_equal(text, "(01) 09506000134352 (17) 201225 (10) ABC123 (21) 12345");
    assert_int_equal(gs1_parse(&e, "(01)09506000134352(10)A\\(B(21)(X)", &err), PX_OK);
    assert_int_equal(gs1_hri_text_format(text, sizeof(text), &e, &err), PX_OK);
    assert_string_equal(text, "(01) 09506000134352 (10) A(B (21) (X)");
    /* too small a buffer is an error, never a cut text */
    char small[20];
    assert_int_equal(gs1_hri_text_format(small, sizeof(small), &e, &err), PX_ETOOBIG);
}

/* REQ-GS1-6: the documented limits each give their own error code. */
static void test_gs1__limits(void)
{
    gs1_elements e;
    px_err err;
    /* GS1_INPUT_MAX */
    char *big = malloc(GS1_INPUT_MAX + 2);
    assert_non_null(big);
    memset(big, '1', GS1_INPUT_MAX + 1);
    big[GS1_INPUT_MAX + 1] = '\0';
    px_err_clear(&err);
    assert_int_equal(gs1_parse(&e, big, &err), PX_ETOOBIG);
    assert_string_equal(err.code, "input_too_long");
    free(big);
    /* GS1_MAX_ELEMENTS: 33 elements (01, then 32 distinct 91–99/ 240/ … AIs) */
    char in[1024];
    size_t n = (size_t)snprintf(in, sizeof(in), "(01)09506000134352");
    static const char *const ais[] = {"10",  "21",  "22",   "240",  "241",  "250",  "251",  "243",
                                      "90",  "91",  "92",   "93",   "94",   "95",   "96",   "97",
                                      "98",  "99",  "7020", "7021", "7022", "7023", "710",  "711",
                                      "712", "713", "714",  "715",  "716",  "717",  "8200", "7240"};
    for (size_t i = 0; i < PX_COUNT(ais); i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "(%s)1234", ais[i]);
    /* The same 33 elements as an element string (]d2, GS after each variable-length value)
     * and as a Digital Link (the qualifiers in the path, the others as query attributes): each
     * parser refuses them with the span on the 33rd element. */
    char es[1024], dl[1024];
    size_t m = (size_t)snprintf(es, sizeof(es), "]d20109506000134352");
    /* 10, 21 and 22 are the GTIN's key qualifiers: in the path, in their order. */
    size_t k = (size_t)snprintf(dl, sizeof(dl),
                                "https://id.gs1.org/01/09506000134352/22/1234/10/1234/21/1234?");
    size_t last[3] = {0, 0, 0}; /* hri, element string, Digital Link */
    for (size_t i = 0; i < PX_COUNT(ais); i++) {
        if (i + 1 == PX_COUNT(ais)) {
            last[0] = n - strlen(ais[i]) - 6 + 1; /* after "(" */
            last[1] = m;
            last[2] = k + strlen(ais[i]) + 1; /* a Digital Link attribute: at its value */
        }
        m += (size_t)snprintf(es + m, sizeof(es) - m, "%s1234\x1d", ais[i]);
        /* 8200 (a product URL) is no Digital Link attribute: 3100 stands in for it there. */
        int url = strcmp(ais[i], "8200") == 0;
        if (i >= 3)
            k += (size_t)snprintf(dl + k, sizeof(dl) - k, "%s=%s&", url ? "3100" : ais[i],
                                  url ? "123456" : "1234");
    }
    es[m - 1] = '\0'; /* no GS after the last */
    dl[k - 1] = '\0'; /* no trailing '&' */
    const char *const forms[] = {in, es, dl};
    for (size_t f = 0; f < PX_COUNT(forms); f++) {
        px_err_clear(&err);
        px_rc rc = gs1_parse(&e, forms[f], &err);
        if (rc != PX_ETOOBIG)
            print_error("%s: %s\n", forms[f], err.message);
        assert_int_equal(rc, PX_ETOOBIG);
        assert_string_equal(err.code, "too_many_elements");
        assert_int_equal(err.pos, (int)last[f]);
    }
}

/* Compressed Digital Links keep every value exactly, whichever encoding the value takes: digits
 * with leading zeros (the reference decoder drops them), hex in either case, base64url, 7-bit
 * ASCII, optional components absent or present, variable numeric components. */
static void test_gs1__dl_compress_round_trip(void)
{
    static const char *const hri[] = {
        "(01)09506000134352(21)00123(10)0",
        "(01)09506000134352(21)abc123(10)ABC123(17)261231",
        "(01)09506000134352(21)A-_z(10)a&b(30)0012",
        "(253)0614141000005",
        "(253)0614141000005X1",
        "(8003)00614141000418ASSET-1",
        "(01)09506000134352(7007)250101",
        "(01)09506000134352(7007)250101250131",
        "(8013)1987654Ad4X4bL5ttr2310c2K",
        "(414)0614141073467(254)0",
        "(00)106141411234567897(4330)001230-",
        "(01)09506000134352(10)L1(21)S1(17)261231(15)261130", /* code 1A, then (15) */
        "(8017)106141411234567897(8019)12",                   /* code 9B */
        "(255)0614141000005(3902)1234",                       /* code C2 */
    };
    static const unsigned modes[] = {0, GS1_DL_PARTIAL, GS1_DL_OPTIMISE,
                                     GS1_DL_PARTIAL | GS1_DL_OPTIMISE};
    for (size_t i = 0; i < PX_COUNT(hri); i++)
        for (size_t m = 0; m < PX_COUNT(modes); m++) {
            gs1_elements e, back;
            px_err err = PX_ERR_INIT;
            if (gs1_parse(&e, hri[i], &err) != PX_OK)
                print_error("%s: %s\n", hri[i], err.message);
            assert_int_equal(gs1_parse(&e, hri[i], &err), PX_OK);
            char dl[512];
            assert_int_equal(gs1_dl_compress_elements(dl, sizeof(dl), NULL, &e, modes[m], &err),
                             PX_OK);
            if (gs1_dl_parse(&back, dl, &err) != PX_OK)
                print_error("%s -> %s: %s\n", hri[i], dl, err.message);
            assert_int_equal(back.count, e.count);
            for (int k = 0; k < e.count; k++) {
                int found = 0;
                for (int j = 0; j < back.count; j++)
                    found |= strcmp(back.items[j].ai, e.items[k].ai) == 0 &&
                             strcmp(back.items[j].value, e.items[k].value) == 0;
                if (!found)
                    print_error("%s -> %s lost (%s)%s\n", hri[i], dl, e.items[k].ai,
                                e.items[k].value);
                assert_true(found);
            }
        }
}

/* GS1_DL_OPTIMISE writes the optimisation code: (01)(10)(21)(17) is "1A" (bits 0001 1010,
 * so the data starts with 'G'); without it the data starts with the key (01), 'A'. */
static void test_gs1__dl_compress_optimise(void)
{
    gs1_elements e;
    px_err err = PX_ERR_INIT;
    assert_int_equal(gs1_parse(&e, "(01)09506000134352(10)L1(21)S1(17)261231", &err), PX_OK);
    char dl[256];
    assert_int_equal(gs1_dl_compress_elements(dl, sizeof(dl), NULL, &e, GS1_DL_OPTIMISE, &err),
                     PX_OK);
    assert_true(strncmp(dl, "https://id.gs1.org/G", 20) == 0);
    assert_int_equal(gs1_dl_compress_elements(dl, sizeof(dl), NULL, &e, 0, &err), PX_OK);
    assert_true(strncmp(dl, "https://id.gs1.org/A", 20) == 0);
}

/* Non-GS1 query parameters compressed into the data come back as they were written (escapes
 * decoded for the encoding, encoded again on the way out); singletons stay in the query. */
static void test_gs1__dl_compress_other(void)
{
    static const char *const uris[] = {
        "https://id.gs1.org/01/09506000134352?x=a%20b&y=1&flag",
        "https://example.com/stem/01/09506000134352/10/L1?17=261231&k=v%26w#frag",
        "https://id.gs1.org/01/09506000134352?n=0012345678901234567890",
    };
    for (size_t i = 0; i < PX_COUNT(uris); i++)
        for (unsigned partial = 0; partial <= 1; partial++) {
            char c[512], d[512];
            px_err err = PX_ERR_INIT;
            unsigned flags = GS1_DL_COMPRESS_OTHER | (partial ? GS1_DL_PARTIAL : 0);
            assert_int_equal(gs1_dl_compress(c, sizeof(c), uris[i], flags, &err), PX_OK);
            assert_null(strchr(c, '=')); /* every key=value went into the data */
            assert_int_equal(gs1_dl_decompress(d, sizeof(d), c, &err), PX_OK);
            if (strcmp(d, uris[i]) != 0)
                print_error("%s -> %s -> %s\n", uris[i], c, d);
            assert_string_equal(d, uris[i]);
        }
}

/* A compressed link whose data carries a non-GS1 pair keyed by digits ("711", an AI's name)
 * would say two things: its own parse skips the pair, its written-out form reads AI (711)
 * from it. Refused as garbled by both (found by fuzz_gs1_dl: tests/fuzz/corpus/dl/seed19). */
static void test_gs1__dl_compressed_numeric_other_key_refused(void)
{
    static const char uri[] = "https://id.gs1.org/01/05412345000013/"
                              "EEarwSMXRuG_B966sJbXc94V2ieithG5oHw?someparameter#chapter1";
    char d[1024];
    px_err err = PX_ERR_INIT;
    assert_int_equal(gs1_dl_decompress(d, sizeof(d), uri, &err), PX_EINVALID);
    gs1_elements e;
    px_err_clear(&err);
    assert_int_equal(gs1_dl_parse(&e, uri, &err), PX_EINVALID);
}

/* A compressed path under a long stem: written out, its AIs take two segments each and the
 * link would pass the parser's bound of 64 path segments. gs1_dl_decompress refuses it
 * (dl_too_long) rather than write a link packid cannot read (found by fuzz_gs1_dl, whose input
 * is kept as tests/fuzz/corpus/dl/seed18); with a shorter stem the same path decompresses. */
static void test_gs1__dl_decompress_bound(void)
{
    char c[512], uri[1024], d[1024];
    px_err err = PX_ERR_INIT;
    assert_int_equal(gs1_dl_compress(c, sizeof(c),
                                     "https://example.com/01/09506000134352/10/L1/21/S1", 0, &err),
                     PX_OK);
    const char *path = strchr(c + strlen("https://"), '/');
    for (int stem = 58; stem <= 61; stem++) {
        size_t o = (size_t)snprintf(uri, sizeof(uri), "https://example.com");
        for (int i = 0; i < stem; i++)
            o += (size_t)snprintf(uri + o, sizeof(uri) - o, "/s");
        snprintf(uri + o, sizeof(uri) - o, "%s", path);
        px_err_clear(&err);
        px_rc rc = gs1_dl_decompress(d, sizeof(d), uri, &err);
        /* stem + 6 segments (01, 10, 21 and their values) */
        if (stem + 6 <= 64) {
            assert_int_equal(rc, PX_OK);
        } else {
            assert_int_equal(rc, PX_EINVALID);
            assert_string_equal(err.code, "dl_too_long");
        }
    }
}
