/* Unit tests for domain/pack_identity: GTIN/schema, batch, serial, expiry (DD=00, not past
 * with an injected today), request size and duplicates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pack_identity.h"
#include "pack_state.h"
#include "px_array.h"

#define DAY_US (86400LL * 1000000)

static int64_t at(int y, int m, int d, int hour)
{
    return px_civil_days(y, m, d) * DAY_US + (int64_t)hour * 3600 * 1000000;
}

static void test_domain__commission_gtin(void)
{
    char g[GS1_GTIN_LEN + 1];
    px_err err;
    assert_int_equal(px_commission_gtin_check(g, "09506000134352", "GTIN", &err), PX_OK);
    assert_string_equal(g, "09506000134352");
    assert_int_equal(px_commission_gtin_check(g, "9506000134352", "GTIN", &err), PX_OK);
    assert_string_equal(g, "09506000134352");
    assert_int_equal(px_commission_gtin_check(g, "09506000134353", "GTIN", &err), PX_EINVALID);
    assert_string_equal(err.field, "product_code");
    assert_int_equal(px_commission_gtin_check(g, "09506000134352", "PPN", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_schema");
    assert_string_equal(err.field, "product_code_schema");
    assert_int_equal(px_commission_gtin_check(g, "09506000134352", NULL, &err), PX_EINVALID);
    assert_int_equal(px_commission_gtin_check(g, NULL, "GTIN", &err), PX_EINVALID);
    assert_string_equal(err.field, "product_code");
}

/* REQ-COMMISSION-1 (batch, AI 10) and REQ-COMMISSION-2 (serial, AI 21): 1..20 characters of
 * GS1 set 82, the bad character's position and the field of each. */
static void test_domain__commission_batch_and_serial(void)
{
    static const struct {
        const char *value;
        px_rc rc;
        const char *code;
        int pos;
        int line;
    } v[] = {
        {"BATCH002", PX_OK, "", -1, __LINE__},
        {"A", PX_OK, "", -1, __LINE__},
        {"12345678901234567890", PX_OK, "", -1, __LINE__},
        {"!\"%&'()*+,-./:;<=>?_z", PX_EINVALID, "invalid_length", 20, __LINE__}, /* 21 chars */
        {"", PX_EINVALID, "invalid_length", 0, __LINE__},
        {NULL, PX_EINVALID, "invalid_length", 0, __LINE__},
        {"AB~C", PX_EINVALID, "invalid_character", 2, __LINE__},
        {"AB C", PX_EINVALID, "invalid_character", 2, __LINE__},
        {"#", PX_EINVALID, "invalid_character", 0, __LINE__},
        {"AB\x1d"
         "C",
         PX_EINVALID, "invalid_character", 2, __LINE__},
        {"\xc3\xa9", PX_EINVALID, "invalid_character", 0, __LINE__},
        /* URI dot-segments: no Digital Link path could carry them (RFC 3986 §5.2.4) */
        {".", PX_EINVALID, "invalid_value", -1, __LINE__},
        {"..", PX_EINVALID, "invalid_value", -1, __LINE__},
        {"...", PX_OK, "", -1, __LINE__},
        {".A", PX_OK, "", -1, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_rc rc = px_commission_batch_check(v[i].value, &err);
        if (rc != v[i].rc || strcmp(err.code, v[i].code) || err.pos != v[i].pos)
            fail_msg("line %d: batch rc %d code %s pos %d", v[i].line, rc, err.code, err.pos);
        if (rc != PX_OK)
            assert_string_equal(err.field, "batch");
        px_err_clear(&err);
        rc = px_commission_serial_check(v[i].value, 7, &err);
        if (rc != v[i].rc || strcmp(err.code, v[i].code) || err.pos != v[i].pos)
            fail_msg("line %d: serial rc %d code %s pos %d", v[i].line, rc, err.code, err.pos);
        if (rc != PX_OK)
            assert_string_equal(err.field, "serials[7]");
    }
    px_err err;
    assert_int_equal(px_commission_serial_check("A~", -1, &err), PX_EINVALID);
    assert_string_equal(err.field, "serial");
}

/* REQ-COMMISSION-3: expiry YYMMD0 with DD=00 as the month's last day, the §7.12 century, and
 * not past (the expiry day itself is still acceptable). */
static void test_domain__commission_expiry(void)
{
    const struct {
        const char *yymmdd;
        int64_t now;
        px_rc rc;
        const char *code;
        int y, m, d;
        int line;
    } v[] = {
        {"261115", at(2026, 3, 15, 12), PX_OK, "", 2026, 11, 15, __LINE__},
        {"260315", at(2026, 3, 15, 23), PX_OK, "", 2026, 3, 15, __LINE__},  /* today */
        {"260314", at(2026, 3, 15, 0), PX_EINVALID, "expiry_in_past", 0, 0, 0, __LINE__},
        {"260300", at(2026, 3, 31, 23), PX_OK, "", 2026, 3, 31, __LINE__},  /* DD=00 */
        {"260300", at(2026, 4, 1, 0), PX_EINVALID, "expiry_in_past", 0, 0, 0, __LINE__},
        {"280200", at(2026, 3, 15, 0), PX_OK, "", 2028, 2, 29, __LINE__},   /* leap year */
        {"270229", at(2026, 3, 15, 0), PX_EINVALID, "invalid_date", 0, 0, 0, __LINE__},
        {"261315", at(2026, 3, 15, 0), PX_EINVALID, "invalid_date", 0, 0, 0, __LINE__},
        {"2611", at(2026, 3, 15, 0), PX_EINVALID, "invalid_length", 0, 0, 0, __LINE__},
        {"26111A", at(2026, 3, 15, 0), PX_EINVALID, "invalid_character", 0, 0, 0, __LINE__},
        /* §7.12: in 2026, "76" is 2076 (diff 50), "77" is 1977 (past) */
        {"761231", at(2026, 3, 15, 0), PX_OK, "", 2076, 12, 31, __LINE__},
        {"770101", at(2026, 3, 15, 0), PX_EINVALID, "expiry_in_past", 0, 0, 0, __LINE__},
        {NULL, at(2026, 3, 15, 0), PX_EINVALID, "invalid_length", 0, 0, 0, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        gs1_date d = {0};
        px_err err = PX_ERR_INIT;
        px_rc rc = px_commission_expiry_check(&d, v[i].yymmdd, v[i].now, &err);
        if (rc != v[i].rc || strcmp(err.code, v[i].code))
            fail_msg("line %d: rc %d code '%s' (%s)", v[i].line, rc, err.code, err.message);
        if (rc == PX_OK) {
            if (d.year != v[i].y || d.month != v[i].m || d.day != v[i].d)
                fail_msg("line %d: %04d-%02d-%02d", v[i].line, d.year, d.month, d.day);
        } else {
            assert_string_equal(err.field, "expiry_date");
        }
    }
}

/* A stored expiry as the date it stands for (px_expiry_iso, what the answers' expiry_date and
 * the verification page show): day 00 is the month's last day, the century is GenSpecs §7.12's
 * against the clock's year, and no date is no date. A past expiry is still a date. */
static void test_domain__expiry_iso(void)
{
    const struct {
        const char *yymmdd;
        int64_t now;
        const char *iso; /* "" when no date */
        int line;
    } v[] = {
        {"301231", at(2026, 3, 15, 0), "2030-12-31", __LINE__},
        {"261200", at(2026, 3, 15, 0), "2026-12-31", __LINE__},
        {"240200", at(2026, 3, 15, 0), "2024-02-29", __LINE__}, /* past, leap */
        {"250200", at(2026, 3, 15, 0), "2025-02-28", __LINE__},
        {"900101", at(2026, 3, 15, 0), "1990-01-01", __LINE__}, /* diff 64: the century before */
        {"900101", at(2081, 6, 1, 0), "2090-01-01", __LINE__},  /* diff 9 */
        {"761231", at(2026, 3, 15, 0), "2076-12-31", __LINE__}, /* diff 50: this century */
        {"301301", at(2026, 3, 15, 0), "", __LINE__},
        {"3012", at(2026, 3, 15, 0), "", __LINE__},
        {"", at(2026, 3, 15, 0), "", __LINE__},
        {NULL, at(2026, 3, 15, 0), "", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char iso[11] = "x";
        int ok = px_expiry_iso(iso, v[i].yymmdd, v[i].now);
        if (ok != (v[i].iso[0] != '\0') || strcmp(iso, v[i].iso) != 0)
            fail_msg("line %d: %d '%s', want '%s'", v[i].line, ok, iso, v[i].iso);
    }
}

/* REQ-COMMISSION-4: 1..100,000 serials per request. */
static void test_domain__commission_count(void)
{
    px_err err;
    assert_int_equal(px_commission_count_check(1, &err), PX_OK);
    assert_int_equal(px_commission_count_check(100000, &err), PX_OK);
    assert_int_equal(px_commission_count_check(100001, &err), PX_EINVALID);
    assert_string_equal(err.code, "too_many_serials");
    assert_string_equal(err.field, "serials");
    assert_int_equal(px_commission_count_check(0, &err), PX_EINVALID);
    assert_string_equal(err.code, "serials_required");
}

/* REQ-COMMISSION-5: every repeat inside a request is marked, the first occurrence is not. */
static void test_domain__commission_duplicates(void)
{
    const char *serials[] = {"B", "A", "C", "A", "B", "A", "D", NULL, ""};
    unsigned char dup[9];
    px_serial_ref scratch[9];
    size_t n = px_commission_mark_duplicates(dup, serials, 9, scratch);
    static const unsigned char want[9] = {0, 0, 0, 1, 1, 1, 0, 0, 1};
    assert_int_equal(n, 4);
    assert_memory_equal(dup, want, 9);
    px_err err;
    assert_int_equal(px_commission_duplicate_error(&err, "A", 3), PX_EINVALID);
    assert_string_equal(err.code, "duplicate_serial_in_request");
    assert_string_equal(err.field, "serials[3]");
    assert_int_equal(px_commission_mark_duplicates(dup, serials, 0, scratch), 0);
    assert_int_equal(px_commission_mark_duplicates(dup, serials, 1, scratch), 0);

    /* 100,000 distinct serials plus one repeat at the end */
    enum { N = 100001 };
    static char buf[N][12];
    static const char *many[N];
    static unsigned char d2[N];
    static px_serial_ref sc[N];
    for (int i = 0; i < N - 1; i++) {
        snprintf(buf[i], sizeof(buf[i]), "S%09d", (i * 7919) % (N - 1));
        many[i] = buf[i];
    }
    many[N - 1] = buf[12345];
    assert_int_equal(px_commission_mark_duplicates(d2, many, N, sc), 1);
    assert_int_equal(d2[N - 1], 1);
}
