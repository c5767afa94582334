/* Unit tests for domain/market: which codes are markets (REQ-MARKET-1), the EU FMD list
 * (REQ-SERIAL-4) and each market's regime (REQ-MARKET-2). The country list is checked against
 * an outside oracle, the tz database's ISO 3166 table, when the system has one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "market.h"
#include "px_array.h"

/* REQ-MARKET-1: syntax first ("invalid_market"), then the code must name a country or the EU
 * ("unknown_market"); both carry field "market". */
static void test_domain__market_check(void)
{
    static const struct {
        const char *market;
        px_rc rc;
        const char *code;
        int line;
    } v[] = {
        {"EU", PX_OK, "", __LINE__},
        {"US", PX_OK, "", __LINE__},
        {"DE", PX_OK, "", __LINE__},
        {"GB", PX_OK, "", __LINE__},
        {"CH", PX_OK, "", __LINE__},
        {"EL", PX_OK, "", __LINE__},                     /* Greece, as the EU writes it */
        {"ZW", PX_OK, "", __LINE__},                     /* last of the sorted list */
        {"AD", PX_OK, "", __LINE__},                     /* first of the sorted list */
        {"SS", PX_OK, "", __LINE__},                     /* South Sudan, assigned 2011 */
        {"UK", PX_EINVALID, "unknown_market", __LINE__}, /* reserved, not assigned */
        {"XI", PX_EINVALID, "unknown_market", __LINE__}, /* Northern Ireland: EU use only */
        {"XX", PX_EINVALID, "unknown_market", __LINE__},
        {"AA", PX_EINVALID, "unknown_market", __LINE__},
        {"YU", PX_EINVALID, "unknown_market", __LINE__}, /* Yugoslavia, withdrawn */
        {"eu", PX_EINVALID, "invalid_market", __LINE__},
        {"De", PX_EINVALID, "invalid_market", __LINE__},
        {"EUR", PX_EINVALID, "invalid_market", __LINE__},
        {"europe", PX_EINVALID, "invalid_market", __LINE__},
        {"E", PX_EINVALID, "invalid_market", __LINE__},
        {"", PX_EINVALID, "invalid_market", __LINE__},
        {"1A", PX_EINVALID, "invalid_market", __LINE__},
        {"D ", PX_EINVALID, "invalid_market", __LINE__},
        {NULL, PX_EINVALID, "invalid_market", __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_rc rc = px_market_check(v[i].market, &err);
        if (rc != v[i].rc || strcmp(err.code, v[i].code) != 0 ||
            strcmp(err.field, v[i].rc == PX_OK ? "" : "market") != 0)
            fail_msg("%s:%d: '%s' -> rc %d code '%s' field '%s'", __FILE__, v[i].line,
                     v[i].market ? v[i].market : "(null)", (int)rc, err.code, err.field);
    }
    assert_int_equal(px_market_check("XX", NULL), PX_EINVALID); /* err may be NULL */
}

/* A product's or endpoint's market is one packid reports to (unknown_market otherwise, as a
 * release to it is refused); a release stays in its product's regime (market_mismatch), and a
 * release market of no regime is left to the report preconditions. */
static void test_domain__market_reporting_and_release(void)
{
    static const struct {
        const char *product, *market, *code;
        int line;
    } v[] = {
        {"EU", "DE", "", __LINE__},
        {"DE", "FR", "", __LINE__}, /* one regime: the EU FMD's serial and master data rules */
        {"EU", "EU", "", __LINE__},
        {"US", "US", "", __LINE__},
        {"US", "DE", "market_mismatch", __LINE__},
        {"EU", "US", "market_mismatch", __LINE__},
        {"JP", "DE", "market_mismatch", __LINE__}, /* a product registered before the rule */
        {"EU", "CH", "", __LINE__},                /* no regime: report_precondition's */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_market_release_check(v[i].product, v[i].market, &err);
        if (strcmp(err.code, v[i].code) != 0 || strcmp(err.field, v[i].code[0] ? "market" : ""))
            fail_msg("%s:%d: %s to %s -> '%s'", __FILE__, v[i].line, v[i].product, v[i].market,
                     err.code);
    }
    static const char *const reported[] = {"EU", "DE", "EL", "NO", "US"};
    for (size_t i = 0; i < PX_COUNT(reported); i++)
        assert_int_equal(px_market_reporting_check(reported[i], NULL), PX_OK);
    static const char *const not_reported[] = {"JP", "CH", "GB"};
    for (size_t i = 0; i < PX_COUNT(not_reported); i++) {
        px_err err = PX_ERR_INIT;
        assert_int_equal(px_market_reporting_check(not_reported[i], &err), PX_EINVALID);
        assert_string_equal(err.code, "unknown_market");
        assert_string_equal(err.field, "market");
    }
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_market_reporting_check("eu", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_market"); /* the syntax first */
}

/* REQ-MARKET-1 against the tz database's iso3166.tab: every pair of upper-case letters is a
 * market exactly when the table lists it (or it is EU/EL). */
static void test_domain__market_iso3166_oracle(void)
{
    FILE *f = fopen("/usr/share/zoneinfo/iso3166.tab", "r");
    if (!f)
        skip();
    unsigned char listed[26][26];
    memset(listed, 0, sizeof(listed));
    char line[256];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] < 'A' || line[0] > 'Z' || line[1] < 'A' || line[1] > 'Z')
            continue;
        listed[line[0] - 'A'][line[1] - 'A'] = 1;
        n++;
    }
    fclose(f);
    assert_true(n >= 240);
    listed['E' - 'A']['U' - 'A'] = listed['E' - 'A']['L' - 'A'] = 1;
    for (int a = 0; a < 26; a++)
        for (int b = 0; b < 26; b++) {
            char code[3] = {(char)('A' + a), (char)('A' + b), 0};
            int ok = px_market_check(code, NULL) == PX_OK;
            if (ok != listed[a][b])
                fail_msg("%s: packid says %s, iso3166.tab says %s", code, ok ? "market" : "no",
                         listed[a][b] ? "country" : "none");
        }
}

/* REQ-SERIAL-4, REQ-MARKET-2: the EU FMD markets and the regime of each market (the DSCSA
 * responder answers for the US regime's alone). */
static void test_domain__market_regime(void)
{
    /* Each regime's markets, listed under it (case as sent; the last list's NULL: no market). */
    static const char *const eu_fmd[] = {"EU", "eu", "DE", "de", "FR", "IT", "ES", "NL", "BE",
                                         "AT", "PL", "SE", "FI", "DK", "IE", "PT", "GR", "EL",
                                         "CY", "MT", "LU", "LV", "LT", "EE", "SK", "SI", "HR",
                                         "HU", "CZ", "RO", "BG", "IS", "LI", "NO"};
    static const char *const us_dscsa[] = {"US", "us"};
    static const char *const none[] = {"GB", "UK", "XI",  "CH",  "RU",  "CN", "BR",
                                       "",   "E",  "EUR", "DEU", "D E", "E1", NULL};
    static const struct {
        px_market_regime regime;
        const char *const *markets;
        size_t n;
    } v[] = {
        {PX_MARKET_REGIME_EU_FMD, eu_fmd, PX_COUNT(eu_fmd)},
        {PX_MARKET_REGIME_US_DSCSA, us_dscsa, PX_COUNT(us_dscsa)},
        {PX_MARKET_REGIME_NONE, none, PX_COUNT(none)},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        for (size_t k = 0; k < v[i].n; k++) {
            const char *m = v[i].markets[k];
            int fmd = v[i].regime == PX_MARKET_REGIME_EU_FMD;
            if (px_market_regime_of(m) != v[i].regime || px_market_is_eu_fmd(m) != fmd ||
                px_market_requires_randomisation(m) != fmd ||
                px_market_needs_reporting(m) != (v[i].regime != PX_MARKET_REGIME_NONE) ||
                px_market_vrs_answers(m) != (v[i].regime == PX_MARKET_REGIME_US_DSCSA))
                fail_msg("'%s' -> regime %s, want %s", m ? m : "(null)",
                         px_market_regime_name(px_market_regime_of(m)),
                         px_market_regime_name(v[i].regime));
        }
    assert_string_equal(px_market_regime_name(PX_MARKET_REGIME_NONE), "none");
    assert_string_equal(px_market_regime_name(PX_MARKET_REGIME_EU_FMD), "eu-fmd");
    assert_string_equal(px_market_regime_name(PX_MARKET_REGIME_US_DSCSA), "us-dscsa");
    assert_string_equal(px_market_regime_name((px_market_regime)9), "?");
}
