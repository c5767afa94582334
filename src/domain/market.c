#include "market.h"

#include <string.h>

#include "gs1.h"
#include "px_array.h"

/* Where Delegated Regulation (EU) 2016/161 applies — the EU member states and, through the
 * EEA Agreement, Iceland, Liechtenstein and Norway. Not the UK (GB; Northern Ireland left the
 * EU FMD system on 2025-01-01) and not Switzerland (own SMVS system). Italy and Greece, late
 * adopters, are included: the randomisation rule is the stricter choice. */
static const char k_fmd_markets[][3] = {
    "EU", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
};

static int upper2(const char *s)
{
    return s && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && !s[2];
}

/* Copies a two-letter code to upper case; 0 when market is not two ASCII letters. */
static int fold2(char up[3], const char *market)
{
    if (!market || !market[0] || !market[1] || market[2])
        return 0;
    for (int i = 0; i < 2; i++) {
        char c = market[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return 0;
        up[i] = c;
    }
    up[2] = '\0';
    return 1;
}

static int in_list(const char (*list)[3], size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(list[i], code, 2) == 0)
            return 1;
    return 0;
}

px_rc px_market_check(const char *market, px_err *err)
{
    if (!upper2(market))
        return px_err_set_field(
            err, PX_EINVALID, "invalid_market", "market",
            "market must be EU, US or another ISO 3166 code: two upper-case letters");
    /* REQ-MARKET-1 */
    if (strcmp(market, "EU") != 0 && strcmp(market, "EL") != 0 &&
        !gs1_iso3166_alpha2(market)) /* ISO 3166-1 alpha-2, gs1's one list */
        return px_err_set_field(err, PX_EINVALID, "unknown_market", "market",
                                "market '%s' is not EU or an ISO 3166 country code", market);
    return PX_OK;
}

int px_market_is_eu_fmd(const char *market)
{
    /* REQ-SERIAL-4 */
    char up[3];
    return fold2(up, market) && in_list(k_fmd_markets, PX_COUNT(k_fmd_markets), up);
}

px_market_regime px_market_regime_of(const char *market)
{
    /* REQ-MARKET-2 */
    char up[3];
    if (!fold2(up, market))
        return PX_MARKET_REGIME_NONE;
    if (in_list(k_fmd_markets, PX_COUNT(k_fmd_markets), up))
        return PX_MARKET_REGIME_EU_FMD;
    if (strcmp(up, "US") == 0)
        return PX_MARKET_REGIME_US_DSCSA;
    return PX_MARKET_REGIME_NONE;
}

int px_market_vrs_answers(const char *market)
{
    return px_market_regime_of(market) == PX_MARKET_REGIME_US_DSCSA;
}

int px_market_needs_reporting(const char *market)
{
    return px_market_regime_of(market) != PX_MARKET_REGIME_NONE;
}

px_rc px_market_reporting_check(const char *market, px_err *err)
{
    px_rc rc = px_market_check(market, err);
    if (rc == PX_OK && !px_market_needs_reporting(market))
        rc = px_err_set_field(err, PX_EINVALID, "unknown_market", "market",
                              "packid has no reporting profile for market '%s' (EU, the EU/EEA "
                              "member states and US): its packs could never be released",
                              market);
    return rc;
}

px_rc px_market_release_check(const char *product_market, const char *market, px_err *err)
{
    px_market_regime to = px_market_regime_of(market);
    if (to == PX_MARKET_REGIME_NONE || to == px_market_regime_of(product_market))
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, "market_mismatch", "market",
                            "the product is registered for %.8s (%s), not for %s's regime (%s): "
                            "its packs were serialized by other rules",
                            product_market,
                            px_market_regime_name(px_market_regime_of(product_market)), market,
                            px_market_regime_name(to));
}

int px_market_requires_randomisation(const char *market)
{
    return px_market_is_eu_fmd(market);
}

const char *px_market_regime_name(px_market_regime regime)
{
    switch (regime) {
    case PX_MARKET_REGIME_NONE: return "none";
    case PX_MARKET_REGIME_EU_FMD: return "eu-fmd";
    case PX_MARKET_REGIME_US_DSCSA: return "us-dscsa";
    }
    return "?";
}
