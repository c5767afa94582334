/* AI values, element strings, scan data and HRI: DOMAIN.md §2 and §3 vectors. */
#include "gs1_test.h"

#include "gs1_ai.h"
#include "px_array.h"

typedef struct {
    const char *file;
    int line;
    const char *hri;  /* input, bracketed */
    const char *scan; /* expected "]d2" + element string, <GS> for 0x1D */
} payload_vec;

/* DOMAIN.md §3 "Worked payloads" and §2.3 consequences. */
static const payload_vec payloads[] = {
    {AT, "(01)09506000134352(17)201225(10)ABC123(21)12345",
     "]d201095060001343521720122510ABC123<GS>2112345"},
    {AT, "(01)09506000134352(10)ABC123(17)201225(21)12345",
     "]d2010950600013435210ABC123<GS>172012252112345"},
    {AT, "(01)09506000134352(21)12345(714)1234567", "]d201095060001343522112345<GS>7141234567"},
    {AT, "(01)09506000134352(91)AB12(92)ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq+/=",
     "]d2010950600013435291AB12<GS>92ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq+/="},
    {AT, "(01)00355154944954(21)100000001(17)261231(10)LOT1",
     "]d2010035515494495421100000001<GS>1726123110LOT1"},
    {AT, "(01)09506000134352(7003)2512311430(10)L1", "]d2010950600013435270032512311430<GS>10L1"},
    {AT, "(00)106141411234567897", "]d200106141411234567897"},
    {AT, "(414)0614141073467(254)1234", "]d241406141410734672541234"},
    {AT, "(01)09520123456788(10)ABC1(21)12345(17)180426",
     "]d2010952012345678810ABC1<GS>2112345<GS>17180426"},
    {AT, "(01)09506000134352(17)261115(10)BATCH002(21)X(712)ABC",
     "]d201095060001343521726111510BATCH002<GS>21X<GS>712ABC"},
};

static void test_gs1__worked_payloads(void)
{
    for (size_t i = 0; i < PX_COUNT(payloads); i++) {
        const payload_vec *v = &payloads[i];
        gs1_elements e, e2, e3;
        px_err err = PX_ERR_INIT;
        VCHECK(v, gs1_parse(&e, v->hri, &err) == PX_OK, "%s: %s", v->hri, err.message);
        char es[256], want[256], hri[256], back[256];
        VCHECK(v, gs1_element_string_format(es, sizeof(es), &e, &err) == PX_OK, "%s", err.message);
        gs_expand(want, sizeof(want), v->scan);
        VCHECK(v, strcmp(es, want + 3) == 0, "element string differs for %s", v->hri);
        /* scan data ]d2 and ]Q3 parse back to the same elements */
        VCHECK(v, gs1_parse(&e2, want, &err) == PX_OK, "%s: %s", v->scan, err.message);
        elements_hri(back, sizeof(back), &e2);
        VCHECK(v, strcmp(back, v->hri) == 0, "]d2 parse gave %s", back);
        want[1] = 'Q';
        want[2] = '3';
        VCHECK(v, gs1_parse(&e3, want, &err) == PX_OK, "]Q3: %s", err.message);
        elements_hri(back, sizeof(back), &e3);
        VCHECK(v, strcmp(back, v->hri) == 0, "]Q3 parse gave %s", back);
        /* raw data with a leading GS (FNC1 in first position) */
        char raw[260];
        snprintf(raw, sizeof(raw), "%c%s", GS1_GS, es);
        VCHECK(v, gs1_parse(&e3, raw, &err) == PX_OK, "raw: %s", err.message);
        VCHECK(v, gs1_hri_format(hri, sizeof(hri), &e, &err) == PX_OK, "%s", err.message);
        VCHECK(v, strcmp(hri, v->hri) == 0, "HRI %s", hri);
    }
}

static const element_vec parse_vectors[] = {
    /* trailing GS tolerated (DOMAIN.md §3), GS after a predefined-length AI tolerated */
    {AT, "]d20109506000134352<GS>10ABC<GS>", NULL, 0, 0, "(01)09506000134352(10)ABC"},
    {AT, "]C10109506000134352<GS>10ABC", NULL, 0, 0, "(01)09506000134352(10)ABC"},
    /* REQ-GS1-3: spaces are reported where they stand, never dropped */
    {AT, "(01) 09506000134352(17)201225", "invalid_character", 4, 1, NULL},
    {AT, "(01)09506000134352 (17)201225", "invalid_character", 18, 1, NULL},
    {AT, " (01)09506000134352", "invalid_character", 0, 1, NULL},
    {AT, "(01)09506000134352(21)ABC ", "invalid_character", 25, 1, NULL},
    {AT, "(01)09506000134352(21)A\\(10)B", NULL, 0, 0, "(01)09506000134352(21)A(10)B"},
    {AT, "(01)09506000134352(21)A(B", NULL, 0, 0, "(01)09506000134352(21)A(B"},
    {AT, "]d20109506000134352<GS><GS>10ABC", "unexpected_separator", 20, 1, NULL},
    /* engine checks [V] */
    {AT, "(01)09506000134352(21)AB C", "invalid_character", 24, 1, NULL},
    {AT, "(01)09506000134352(21)AB#C", "invalid_character", 24, 1, NULL},
    {AT, "]d20109506000134352<GS>21AB#C", "invalid_character", 24, 1, NULL},
    {AT, "(01)09506000134352(17)250230", "invalid_date", 26, 2, NULL},
    {AT, "(01)09506000134352(17)251300", "invalid_date", 24, 2, NULL},
    {AT, "(01)09506000134352(7003)2512312460", "invalid_time", 30, 2, NULL},
    {AT, "(21)ABC", "missing_required_ai", -1, 0, NULL},
    {AT, "(01)09506000134352(21)ABC(235)XYZ", "excluded_ai", -1, 0, NULL},
    {AT, "(01)09506000134353", "invalid_check_digit", 17, 1, NULL},
    {AT, "]d20109506000134353", "invalid_check_digit", 18, 1, NULL},
    {AT, "]d201095060001343", "invalid_length", 5, 12, NULL},
    {AT, "]d20109506000134352211234567890123456789012", "invalid_length", 41, 2, NULL},
    {AT, "]d20109506000134352(99)X", "invalid_ai", 19, 1, NULL},
    {AT, "]d2010950600013435223X", "unknown_ai", 19, 2, NULL},
    {AT, "(01)09506000134352(8999)http", "unknown_ai", 19, 4, NULL},
    {AT, "(01)09506000134352(21)ABC(21)ABD", "duplicate_ai", -1, 0, NULL},
    {AT, "(01)09506000134352(10)", "invalid_length", -1, 0, NULL},
    {AT, "(01)0950600013435X", "invalid_character", 17, 1, NULL},
    {AT, "]d1(01)09506000134352", "invalid_symbology", 0, 3, NULL},
    {AT, "]d1https://id.gs1.org/01/09506000134352", NULL, 0, 0, "(01)09506000134352"},
    {AT, "]Q1https://id.gs1.org/01/09506000134352/21/X", NULL, 0, 0, "(01)09506000134352(21)X"},
    {AT, "", "no_elements", -1, 0, NULL},
    {AT, "(11)200600(01)09506000134352", NULL, 0, 0, "(11)200600(01)09506000134352"},
    {AT, "(8006)095060001343520102", NULL, 0, 0, "(8006)095060001343520102"},
    {AT, "(8006)095060001343520302", "invalid_value", 20, 4, NULL},
    {AT, "(8010)0614141AB#1/X(8011)12", NULL, 0, 0, "(8010)0614141AB#1/X(8011)12"},
    {AT, "(8010)ABC#1/X(8011)12", "invalid_character", 6, 1, NULL},
    {AT, "(8010)0614141AB#1/X(8011)012", "invalid_character", 25, 1, NULL},
    {AT, "(8010)0614141AB#1/X(8011)0", "invalid_character", 25, 1, NULL}, /* REQ-GS1-1 */
    {AT, "]d20109506000134352<GS>80100614141AB<GS>80110", "invalid_character", 38, 1, NULL},
    {AT, "(253)0614141000005X1", NULL, 0, 0, "(253)0614141000005X1"},
    {AT, "(414)0614141073467(7040)1AB-", NULL, 0, 0, "(414)0614141073467(7040)1AB-"},
    {AT, "(414)0614141073467(7040)1AB+", "invalid_character", 27, 1, NULL},
};

static void test_gs1__parse(void)
{
    for (size_t i = 0; i < PX_COUNT(parse_vectors); i++)
        check_element_parse(&parse_vectors[i]);
}

/* DOMAIN.md §2.3: the predefined-length table, and the '*' flags of packid's table agree. */
static void test_gs1__predefined_length(void)
{
    assert_int_equal(gs1_ai_prefix_length("00"), 18);
    assert_int_equal(gs1_ai_prefix_length("01"), 14);
    assert_int_equal(gs1_ai_prefix_length("04"), 16);
    assert_int_equal(gs1_ai_prefix_length("17"), 6);
    assert_int_equal(gs1_ai_prefix_length("20"), 2);
    assert_int_equal(gs1_ai_prefix_length("3103"), 6);
    assert_int_equal(gs1_ai_prefix_length("414"), 13);
    assert_int_equal(gs1_ai_prefix_length("10"), -1);
    assert_int_equal(gs1_ai_prefix_length("235"), -1);
    assert_int_equal(gs1_ai_prefix_length("7003"), -1);
    for (size_t i = 0; i < gs1_ai_count(); i++) {
        const gs1_ai_def *d = gs1_ai_at(i);
        int pl = gs1_ai_prefix_length(d->ai);
        if (d->flags & GS1_AI_PREDEFINED) {
            assert_int_equal((int)gs1_ai_max_len(d), pl);
            assert_int_equal(gs1_ai_min_len(d), gs1_ai_max_len(d));
        } else {
            assert_int_equal(pl, -1);
        }
    }
}

static void test_gs1__elements_format_errors(void)
{
    gs1_elements e = {0};
    px_err err;
    assert_int_equal(gs1_elements_add(&e, "01", "09506000134352", &err), PX_OK);
    assert_int_equal(gs1_elements_add(&e, "10", "ABC", &err), PX_OK);
    assert_int_equal(gs1_elements_add(&e, "8999", "x", &err), PX_EINVALID);
    assert_string_equal(err.code, "unknown_ai");
    char small[10];
    assert_int_equal(gs1_element_string_format(small, sizeof(small), &e, &err), PX_ETOOBIG);
    assert_int_equal(gs1_hri_format(small, sizeof(small), &e, &err), PX_ETOOBIG);
    char out[64];
    assert_int_equal(gs1_element_string_format(out, sizeof(out), &e, &err), PX_OK);
    assert_string_equal(out, "010950600013435210ABC");
    assert_int_equal(gs1_elements_add(&e, "21", "A B", &err), PX_OK);
    assert_int_equal(gs1_element_string_format(out, sizeof(out), &e, &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_character");
    assert_int_equal(err.pos, 1);
    assert_string_equal(err.field, "(21)");
}

typedef struct {
    const char *file;
    int line;
    gs1_pack pack;
    const char *scan; /* NULL: invalid */
    const char *field;
} pack_vec;

static const pack_vec pack_vectors[] = {
    {AT,
     {"09506000134352", "261115", "BATCH002", "X7R2P", "", ""},
     "010950600013435217261115"
     "10BATCH002<GS>21X7R2P",
     NULL},
    {AT,
     {"9506000134352", "201225", "ABC123", "12345", "", ""},
     "01095060001343521720122510ABC123<GS>2112345",
     NULL},
    {AT,
     {"09506000134352", "", "", "12345", "714", "1234567"},
     "01095060001343522112345<GS>7141234567",
     NULL},
    {AT,
     {"09506000134352", "261115", "B1", "S1", "710", "12345678"},
     "01095060001343521726111510B1<GS>21S1<GS>71012345678",
     NULL},
    {AT, {"09506000134353", "", "", "1", "", ""}, NULL, "gtin"},
    {AT, {"09506000134352", "261131", "B", "1", "", ""}, NULL, "expiry"},
    {AT, {"09506000134352", "", "B~", "1", "", ""}, NULL, "batch"},
    {AT, {"09506000134352", "", "", "1 2", "", ""}, NULL, "serial"},
    {AT, {"09506000134352", "", "", "1", "718", "X"}, NULL, ""},
};

static void test_gs1__pack_elements(void)
{
    for (size_t i = 0; i < PX_COUNT(pack_vectors); i++) {
        const pack_vec *v = &pack_vectors[i];
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_pack_elements(&e, &v->pack, &err);
        if (v->scan) {
            char want[128], out[128];
            VCHECK(v, rc == PX_OK, "%s", err.message);
            gs_expand(want, sizeof(want), v->scan);
            VCHECK(v, gs1_element_string_format(out, sizeof(out), &e, &err) == PX_OK, "%s",
                   err.message);
            VCHECK(v, strcmp(out, want) == 0, "got %s", out);
        } else {
            VCHECK(v, rc == PX_EINVALID, "accepted");
            VCHECK(v, strcmp(err.field, v->field) == 0, "field %s (%s)", err.field, err.message);
        }
    }
}
