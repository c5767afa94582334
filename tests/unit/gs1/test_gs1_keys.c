/* Keys, character sets and dates: DOMAIN.md §1 and §2.2, §2.4 vectors. */
#include "gs1_test.h"
#include "px_array.h"

typedef struct {
    const char *file;
    int line;
    const char *in;
    int ok;
    int pos; /* expected error position when !ok (-1: don't care) */
} key_vec;

/* DOMAIN.md §1.1 pass and fail vectors, plus the computed keys of §1.1–§1.4. */
static const key_vec key_vectors[] = {
    {AT, "02345673", 1, 0},
    {AT, "416000336108", 1, 0},
    {AT, "1234567890128", 1, 0},
    {AT, "12345678901231", 1, 0},
    {AT, "123456789012345675", 1, 0},
    {AT, "12345673", 0, 7},
    {AT, "416000336109", 0, 11},
    {AT, "1234567890129", 0, 12},
    {AT, "12345678901232", 0, 13},
    {AT, "123456789012345670", 0, 17},
    {AT, " 23456789012345675", 0, 0},
    {AT, "4006381333931", 1, 0},
    {AT, "09506000134352", 1, 0},
    {AT, "0614141073467", 1, 0},
    {AT, "106141411234567897", 1, 0},
    {AT, "00355154944954", 1, 0},
    {AT, "50355154944959", 1, 0},
    {AT, "355154944954", 1, 0},
    {AT, "", 0, -1},
    {AT, "123A5678901231", 0, 3},
};

static void test_gs1__key_validate(void)
{
    for (size_t i = 0; i < PX_COUNT(key_vectors); i++) {
        const key_vec *v = &key_vectors[i];
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_key_validate(v->in, strlen(v->in), &err);
        VCHECK(v, (rc == PX_OK) == v->ok, "\"%s\": rc %d", v->in, rc);
        if (!v->ok && v->pos >= 0)
            VCHECK(v, err.pos == v->pos && err.len == 1, "\"%s\": pos %d len %d", v->in, err.pos,
                   err.len);
    }
}

typedef struct {
    const char *file;
    int line;
    const char *data;
    int check;
} cd_vec;

static const cd_vec cd_vectors[] = {
    {AT, "400638133393", '1'},  {AT, "0950600013435", '2'},
    {AT, "061414107346", '7'},  {AT, "10614141123456789", '7'},
    {AT, "0035515494495", '4'}, {AT, "0234567", '3'},
    {AT, "5035515494495", '9'}, {AT, "12A", -1},
};

static void test_gs1__check_digit(void)
{
    for (size_t i = 0; i < PX_COUNT(cd_vectors); i++) {
        const cd_vec *v = &cd_vectors[i];
        int cd = gs1_check_digit(v->data, strlen(v->data));
        VCHECK(v, cd == v->check, "\"%s\": got %d", v->data, cd);
    }
}

typedef struct {
    const char *file;
    int line;
    const char *in, *out; /* out NULL: invalid */
    const char *code;
} gtin_vec;

/* DOMAIN.md §1.2 */
static const gtin_vec gtin_vectors[] = {
    {AT, "02345673", "00000002345673", NULL},
    {AT, "416000336108", "00416000336108", NULL},
    {AT, "2112345678900", "02112345678900", NULL},
    {AT, "09506000134352", "09506000134352", NULL},
    {AT, "355154944954", "00355154944954", NULL},
    {AT, "0950600013435", NULL, "invalid_check_digit"},
    {AT, "123456789", NULL, "invalid_length"},
    {AT, "0950600013435X", NULL, "invalid_character"},
    {AT, "09506000134353", NULL, "invalid_check_digit"},
};

static void test_gs1__gtin_normalize(void)
{
    for (size_t i = 0; i < PX_COUNT(gtin_vectors); i++) {
        const gtin_vec *v = &gtin_vectors[i];
        char out[GS1_GTIN_LEN + 1];
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_gtin_normalize(out, v->in, &err);
        if (v->out) {
            VCHECK(v, rc == PX_OK, "\"%s\": %s", v->in, err.message);
            VCHECK(v, strcmp(out, v->out) == 0, "\"%s\" -> \"%s\"", v->in, out);
        } else {
            VCHECK(v, rc == PX_EINVALID && strcmp(err.code, v->code) == 0, "\"%s\": %s", v->in,
                   err.code);
        }
    }
}

static void test_gs1__gln_sscc(void)
{
    /* validate(key) is rc; when refused, with code (NULL: not checked) at pos (-1: not
     * checked). */
    static const struct {
        const char *file;
        int line;
        px_rc (*validate)(const char *, px_err *);
        const char *key;
        px_rc rc;
        const char *code;
        int pos;
    } v[] = {
        {AT, gs1_gln_validate, "0614141073467", PX_OK, NULL, -1},
        {AT, gs1_gln_validate, "0355154000001", PX_OK, NULL, -1},
        {AT, gs1_gln_validate, "0614141000005", PX_OK, NULL, -1},
        {AT, gs1_gln_validate, "0614141073468", PX_EINVALID, NULL, 12},
        {AT, gs1_gln_validate, "061414107346", PX_EINVALID, "invalid_length", -1},
        {AT, gs1_sscc_validate, "106141411234567897", PX_OK, NULL, -1},
        {AT, gs1_sscc_validate, "003551540000000179", PX_OK, NULL, -1},
        {AT, gs1_sscc_validate, "040123450000003338", PX_OK, NULL, -1},
        {AT, gs1_sscc_validate, "106141411234567898", PX_EINVALID, "invalid_check_digit", -1},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_rc rc = v[i].validate(v[i].key, &err);
        if (v[i].rc == PX_OK)
            VCHECK(&v[i], rc == PX_OK, "%s: %s", v[i].key, err.message);
        else
            check_refused(v[i].file, v[i].line, v[i].key, rc, &err, v[i].code, v[i].pos, -1);
    }
}

/* REQ-GS1-ZERO: keys of zeros only (their check digit is a valid 0) are refused. */
static void test_gs1__all_zero_keys(void)
{
    px_err err;
    char g[15];
    static const char *const gtins[] = {"00000000", "000000000000", "0000000000000",
                                        "00000000000000", NULL};
    for (int i = 0; gtins[i]; i++) {
        assert_int_equal(gs1_gtin_normalize(g, gtins[i], &err), PX_EINVALID);
        assert_string_equal(err.code, "invalid_key");
    }
    assert_int_equal(gs1_gln_validate("0000000000000", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_key");
    assert_int_equal(gs1_sscc_validate("000000000000000000", &err), PX_EINVALID);
    /* one non-zero digit is a key again */
    assert_int_equal(gs1_gtin_normalize(g, "00000000000017", &err), PX_OK);
}

/* DOMAIN.md §2.2: set 82 is exactly these 82 characters; set 39 these 39. */
static void test_gs1__charsets(void)
{
    const char *cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                         "abcdefghijklmnopqrstuvwxyz";
    const char *cset39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    assert_int_equal(strlen(cset82), 82);
    assert_int_equal(strlen(cset39), 39);
    for (int c = 0; c < 256; c++) {
        assert_int_equal(gs1_cset82_char((unsigned char)c), c && strchr(cset82, c) != NULL);
        assert_int_equal(gs1_cset39_char((unsigned char)c), c && strchr(cset39, c) != NULL);
    }
    px_err err;
    assert_int_equal(gs1_cset82_validate("ABC123", 20, &err), PX_OK);
    assert_int_equal(gs1_cset82_validate("AB C", 20, &err), PX_EINVALID);
    assert_int_equal(err.pos, 2);
    assert_int_equal(err.len, 1);
    assert_string_equal(err.code, "invalid_character");
    assert_int_equal(gs1_cset82_validate("AB#C", 20, &err), PX_EINVALID);
    assert_int_equal(err.pos, 2);
    assert_int_equal(gs1_cset82_validate("AB~", 20, &err), PX_EINVALID);
    assert_string_equal(err.message, "'~' is not in the GS1 AI character set 82");
    assert_int_equal(gs1_cset82_validate("", 20, &err), PX_EINVALID);
    assert_int_equal(gs1_cset82_validate("123456789012345678901", 20, &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_length");
    assert_int_equal(gs1_cset82_validate("12345678901234567890", 20, &err), PX_OK);
}

typedef struct {
    const char *file;
    int line;
    const char *in;
    int day00, year;
    const char *iso; /* NULL: invalid */
    int pos;
} date_vec;

/* DOMAIN.md §2.4: lint_yymmd0 vectors, DD=00, century rule examples. */
static const date_vec date_vectors[] = {
    {AT, "200131", 1, 2025, "2020-01-31", 0},
    {AT, "200229", 1, 2025, "2020-02-29", 0},
    {AT, "240229", 1, 2025, "2024-02-29", 0},
    {AT, "000229", 1, 2025, "2000-02-29", 0},
    {AT, "200600", 1, 2025, "2020-06-30", 0},
    {AT, "200010", 1, 2025, NULL, 2},
    {AT, "201310", 1, 2025, NULL, 2},
    {AT, "200132", 1, 2025, NULL, 4},
    {AT, "200230", 1, 2025, NULL, 4},
    {AT, "210229", 1, 2025, NULL, 4},
    {AT, "200431", 1, 2025, NULL, 4},
    {AT, "x00131", 1, 2025, NULL, 0},
    {AT, "1111111", 1, 2025, NULL, 0},
    {AT, "251200", 1, 2025, "2025-12-31", 0},
    {AT, "240200", 1, 2025, "2024-02-29", 0},
    {AT, "250200", 1, 2025, "2025-02-28", 0},
    {AT, "251200", 0, 2025, NULL, 4}, /* YYMMDD AIs (7003) have no DD=00 */
    {AT, "250230", 1, 2025, NULL, 4},
    {AT, "251300", 1, 2025, NULL, 2},
    /* century, current year 2025 */
    {AT, "740101", 0, 2025, "2074-01-01", 0},
    {AT, "750101", 0, 2025, "2075-01-01", 0},
    {AT, "760101", 0, 2025, "1976-01-01", 0},
    {AT, "000101", 0, 2025, "2000-01-01", 0},
    /* century, current year 2060 */
    {AT, "090101", 0, 2060, "2109-01-01", 0},
    {AT, "100101", 0, 2060, "2110-01-01", 0},
    {AT, "110101", 0, 2060, "2011-01-01", 0},
    /* Appendix A: itemExpirationDate 2026-12-31 */
    {AT, "261231", 1, 2026, "2026-12-31", 0},
    {AT, "261115", 1, 2026, "2026-11-15", 0},
};

static void test_gs1__dates(void)
{
    for (size_t i = 0; i < PX_COUNT(date_vectors); i++) {
        const date_vec *v = &date_vectors[i];
        gs1_date d;
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_date_parse(&d, v->in, v->day00, v->year, &err);
        if (v->iso) {
            VCHECK(v, rc == PX_OK, "\"%s\": %s", v->in, err.message);
            char iso[11];
            gs1_date_iso(iso, &d);
            VCHECK(v, strcmp(iso, v->iso) == 0, "\"%s\" -> %s", v->in, iso);
            VCHECK(v, d.day_unspecified == (v->in[4] == '0' && v->in[5] == '0'), "day00 flag");
        } else {
            check_refused(v->file, v->line, v->in, rc, &err, NULL, v->pos, -1);
        }
    }
}

/* The NHRN AIs are 710 to 717 (GS1 Barcode Syntax Dictionary), nothing around them. */
static void test_gs1__nhrn_ais(void)
{
    assert_int_equal(gs1_nhrn_ai_index("710"), 0);
    assert_int_equal(gs1_nhrn_ai_index("715"), 5);
    assert_int_equal(gs1_nhrn_ai_index("717"), 7);
    static const char *const none[] = {"718", "709", "71", "7100", "", "01", "7a0"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        assert_int_equal(gs1_nhrn_ai_index(none[i]), -1);
    assert_int_equal(gs1_nhrn_ai_index(NULL), -1);
}
