/* GS1 Digital Link: DOMAIN.md §4 vectors (build table §4.3, parse, error cases §4.1–4.2). */
#include "gs1_test.h"
#include "px_array.h"

typedef struct {
    const char *file;
    int line;
    const char *hri, *domain, *dl;
} build_vec;

/* DOMAIN.md §4.3 table. */
static const build_vec build_vectors[] = {
    {AT, "(01)09506000134352(17)201225(10)ABC123(21)12345", NULL,
     "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=201225"},
    {AT, "(21)XYZ(01)12312312312333(10)ABC123(99)XYZ", "https://example.com",
     "https://example.com/01/12312312312333/10/ABC123/21/XYZ?99=XYZ"},
    {AT, "(01)09506000134352(21)A/B%1(10)X+Y(17)251200", NULL,
     "https://id.gs1.org/01/09506000134352/10/X%2BY/21/A%2FB%251?17=251200"},
    {AT, "(00)106141411234567897", NULL, "https://id.gs1.org/00/106141411234567897"},
    {AT, "(414)0614141073467(254)1234", NULL, "https://id.gs1.org/414/0614141073467/254/1234"},
    {AT, "(01)09506000134352(21)12345(714)1234567", NULL,
     "https://id.gs1.org/01/09506000134352/21/12345?714=1234567"},
    {AT, "(01)09506000134352(22)CPV(10)L(21)S", "https://example.com/stem",
     "https://example.com/stem/01/09506000134352/22/CPV/10/L/21/S"},
    {AT, "(01)09506000134352(235)TPX(10)ABC123", NULL,
     "https://id.gs1.org/01/09506000134352/235/TPX?10=ABC123"},
    {AT, "(01)09506000134352(21)!\"%&'()*+,/:;<=>?", NULL,
     "https://id.gs1.org/01/09506000134352/21/%21%22%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D"
     "%3E%3F"},
};

static void test_gs1__dl_build(void)
{
    for (size_t i = 0; i < PX_COUNT(build_vectors); i++) {
        const build_vec *v = &build_vectors[i];
        gs1_elements e, e2;
        px_err err = PX_ERR_INIT;
        char dl[GS1_DL_MAX], a[512], b[512];
        VCHECK(v, gs1_parse(&e, v->hri, &err) == PX_OK, "%s: %s", v->hri, err.message);
        VCHECK(v, gs1_dl_format(dl, sizeof(dl), v->domain, &e, &err) == PX_OK, "%s", err.message);
        VCHECK(v, strcmp(dl, v->dl) == 0, "got %s", dl);
        /* and back: same data (the order may differ: path first, then query) */
        VCHECK(v, gs1_dl_parse(&e2, dl, &err) == PX_OK, "%s", err.message);
        VCHECK(v, gs1_dl_format(a, sizeof(a), v->domain, &e2, &err) == PX_OK, "%s", err.message);
        VCHECK(v, strcmp(a, dl) == 0, "reformat %s", a);
        elements_hri(b, sizeof(b), &e2);
        VCHECK(v, e2.count == e.count, "count %d vs %d (%s)", e2.count, e.count, b);
    }
}

typedef struct {
    const char *file;
    int line;
    const char *uri;
    const char *hri;  /* expected elements, or NULL */
    const char *code; /* expected error code when hri is NULL */
    int pos;          /* expected error position, -1: don't check */
} parse_vec;

static const parse_vec parse_vectors[] = {
    /* DOMAIN.md §4.3 DL -> element string */
    {AT, "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
     "(01)09520123456788(10)ABC1(21)12345(17)180426", NULL, 0},
    {AT, "https://id.gs1.org/414/9520123456788/254/32a%2Fb", "(414)9520123456788(254)32a/b", NULL,
     0},
    /* §4.1 stem: rightmost key */
    {AT, "https://a/00/faux/00/006141411234567890", "(00)006141411234567890", NULL, 0},
    {AT, "https://example.com/some/stem/01/09506000134352/21/X", "(01)09506000134352(21)X", NULL,
     0},
    {AT, "HTTPS://ID.GS1.ORG/01/09506000134352", "(01)09506000134352", NULL, 0},
    {AT, "http://example.com:8080/01/09506000134352", "(01)09506000134352", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/22/C/10/L/21/S", "(01)09506000134352(22)C(10)L(21)S",
     NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/21/S", "(01)09506000134352(21)S", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/10/L", "(01)09506000134352(10)L", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/235/XYZ?10=ABC123",
     "(01)09506000134352(235)XYZ(10)ABC123", NULL, 0},
    /* non-numeric keys and singletons ignored; empty query and fragment allowed */
    {AT, "https://id.gs1.org/01/09506000134352?linkType=gs1:pip&foo&17=261231#frag",
     "(01)09506000134352(17)261231", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352?", "(01)09506000134352", NULL, 0},
    /* percent-decoding: lower-case hex, invalid sequence stays literal */
    {AT, "https://id.gs1.org/01/09506000134352/21/a%2fb", "(01)09506000134352(21)a/b", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/21/A%ZZ", "(01)09506000134352(21)A%ZZ", NULL, 0},
    {AT, "https://id.gs1.org/01/09506000134352/21/A%2", "(01)09506000134352(21)A%2", NULL, 0},
    /* path "+" is a literal plus */
    {AT, "https://id.gs1.org/01/09506000134352/21/A+B", "(01)09506000134352(21)A+B", NULL, 0},
    /* errors: order, qualifier in query, escapes, unknown numeric keys (§4.1–4.2) */
    {AT, "https://id.gs1.org/01/09506000134352/10/ABC/22/X", NULL, "invalid_key_qualifiers", 18},
    {AT, "https://id.gs1.org/01/09506000134352/21/S/10/L", NULL, "invalid_key_qualifiers", 18},
    {AT, "https://id.gs1.org/01/09506000134352/22/C/10/L/235/T", NULL, "invalid_key_qualifiers",
     18},
    {AT, "https://id.gs1.org/01/09506000134352?10=ABC", NULL, "qualifier_in_query", 37},
    {AT, "https://id.gs1.org/01/09506000134352/21/S?10=ABC", NULL, "qualifier_in_query", 42},
    {AT, "https://id.gs1.org/01/09506000134352/21/A%00B", NULL, "invalid_escape", 41},
    {AT, "https://id.gs1.org/01/09506000134352?999=x", NULL, "unknown_ai", 37},
    {AT, "https://id.gs1.org/01/09506000134352/9999/x", NULL, "unknown_ai", 37},
    {AT, "https://id.gs1.org/01/09506000134352?98=XYZ+987", NULL, "invalid_character", 40},
    {AT, "https://id.gs1.org/01/09506000134352?17=", NULL, "empty_value", 40},
    {AT, "https://id.gs1.org/01/09506000134352?17=261231&17=261231", NULL, "duplicate_ai", 50},
    {AT, "https://id.gs1.org/01/09506000134352/21/S?21=S", NULL, "not_dl_attribute", 42},
    {AT, "https://id.gs1.org/01/09506000134352?22=X", NULL, "not_dl_attribute", 37},
    {AT, "https://id.gs1.org/01/09506000134352/", NULL, "invalid_path", 36},
    {AT, "https://id.gs1.org/01/", NULL, "invalid_path", 21},
    {AT, "https://id.gs1.org/01//21/X", NULL, "empty_value", 22},
    {AT, "https://id.gs1.org/", NULL, "invalid_path", 18},
    {AT, "https://id.gs1.org", NULL, "no_dl_key", 18},
    {AT, "https://id.gs1.org/gtin/09506000134352", NULL, "no_dl_key", 18},
    {AT, "https://id.gs1.org/10/ABC", NULL, "no_dl_key", 18},
    /* DOMAIN.md §1.2 [V: gs1-syntax-engine test_dl_parseDLuri]: a GTIN-8/12/13 in a Digital
     * Link is padded to 14 digits (the Solidsoft feature files agree) */
    {AT, "https://id.gs1.org/01/9506000134352", "(01)09506000134352", NULL, 0},
    {AT, "https://id.gs1.org/01/416000336108", "(01)00416000336108", NULL, 0},
    {AT, "https://id.gs1.org/01/02345673", "(01)00000002345673", NULL, 0},
    {AT, "https://id.gs1.org/01/950600013435", NULL, "invalid_check_digit", 22},
    {AT, "https://id.gs1.org/01/095060001343520", NULL, "invalid_length", 22},
    {AT, "https://id.gs1.org/01/09506000134353", NULL, "invalid_check_digit", 22},
    {AT, "Https://id.gs1.org/01/09506000134352", NULL, "invalid_scheme", 0},
    {AT, "ftp://id.gs1.org/01/09506000134352", NULL, "invalid_scheme", 0},
    {AT, "https://id.gs1.org/01/09506000134352/21/a{b", NULL, "invalid_character", 41},
    {AT, "https://id.gs1.org/01/09506000134352/21/a b", NULL, "invalid_character", 41},
    {AT, "https:///01/09506000134352", NULL, "invalid_domain", 8},
};

static void test_gs1__dl_parse(void)
{
    for (size_t i = 0; i < PX_COUNT(parse_vectors); i++) {
        const parse_vec *v = &parse_vectors[i];
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_dl_parse(&e, v->uri, &err);
        if (v->hri) {
            char got[512];
            VCHECK(v, rc == PX_OK, "%s: %s", v->uri, err.message);
            elements_hri(got, sizeof(got), &e);
            VCHECK(v, strcmp(got, v->hri) == 0, "%s -> %s", v->uri, got);
            /* gs1_parse dispatches URIs to the DL parser */
            VCHECK(v, gs1_parse(&e, v->uri, &err) == PX_OK, "gs1_parse: %s", err.message);
        } else {
            check_refused(v->file, v->line, v->uri, rc, &err, v->code, v->pos, -1);
        }
    }
}

static void test_gs1__dl_build_errors(void)
{
    gs1_elements e;
    px_err err;
    char out[GS1_DL_MAX];
    /* no primary key */
    assert_int_equal(gs1_parse(&e, "(90)ABC", &err), PX_OK);
    assert_int_equal(gs1_dl_format(out, sizeof(out), NULL, &e, &err), PX_EINVALID);
    assert_string_equal(err.code, "no_dl_key");
    /* 22 without a place: (01)(235)(22) — 22 is neither on the 235 path nor an attribute */
    assert_int_equal(gs1_parse(&e, "(01)09506000134352(235)T(22)C", &err), PX_OK);
    assert_int_equal(gs1_dl_format(out, sizeof(out), NULL, &e, &err), PX_EINVALID);
    assert_string_equal(err.code, "not_dl_attribute");
    /* bad domains */
    assert_int_equal(gs1_parse(&e, "(01)09506000134352", &err), PX_OK);
    assert_int_equal(gs1_dl_format(out, sizeof(out), "https://example.com/", &e, &err),
                     PX_EINVALID);
    assert_int_equal(gs1_dl_format(out, sizeof(out), "example.com", &e, &err), PX_EINVALID);
    assert_int_equal(gs1_dl_format(out, 20, NULL, &e, &err), PX_ETOOBIG);
    assert_int_equal(gs1_dl_format(out, sizeof(out), "", &e, &err), PX_OK);
    assert_string_equal(out, "https://id.gs1.org/01/09506000134352");
    /* fuzz finding: a DL whose canonical form is longer than GS1_DL_MAX still round-trips */
    char big[1024], longer[2048];
    snprintf(big, sizeof(big), "https://x/01/09506000134352?91=%s&92=%s",
             "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
             "!!!!!",
             "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
             "!!!!!");
    assert_int_equal(gs1_dl_parse(&e, big, &err), PX_OK);
    assert_int_equal(gs1_dl_format(longer, sizeof(longer), NULL, &e, &err), PX_OK);
    assert_true(strlen(longer) > GS1_DL_MAX);
    assert_int_equal(gs1_dl_parse(&e, longer, &err), PX_OK);
    assert_int_equal(e.count, 3);
}
