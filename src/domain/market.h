/* market — the markets packid releases to and the rules that follow from a market code: which
 * codes are markets at all, where the EU Falsified Medicines Directive applies, and which
 * reporting regime (and so which EPCIS profile, epcis/profile.c) a market has. Every layer
 * that reads a market code asks here; no other file keeps a list of markets. */
#ifndef PX_MARKET_H
#define PX_MARKET_H

#include "px_err.h"

/* The serialization regime of a market: what its regulator expects to receive. */
typedef enum px_market_regime {
    PX_MARKET_REGIME_NONE = 0, /* no regime packid reports to: no regulator report is built */
    PX_MARKET_REGIME_EU_FMD,   /* Directive 2011/62/EU, Delegated Regulation (EU) 2016/161 */
    PX_MARKET_REGIME_US_DSCSA  /* US Drug Supply Chain Security Act, FD&C Act §581–582 */
} px_market_regime;

/* REQ-MARKET-1: a market is "EU" (the Union as a whole) or an ISO 3166-1 alpha-2 country code
 * assigned today, in upper case ("DE", "US"); "EL" (the EU's code for Greece) is accepted too.
 * PX_EINVALID "invalid_market" (not two upper-case letters) or "unknown_market" (two letters
 * that name no country), field "market". */
px_rc px_market_check(const char *market, px_err *err);

/* REQ-SERIAL-4: 1 where Delegated Regulation (EU) 2016/161 applies: "EU", the 27 member states
 * (Greece as GR or EL) and, through the EEA Agreement, IS, LI and NO; ASCII
 * case-insensitive. 0 for everything else ("US", "GB", "CH", …). */
int px_market_is_eu_fmd(const char *market);

/* REQ-MARKET-2: the market's regime: EU FMD for px_market_is_eu_fmd markets, US DSCSA for
 * "US" (case-insensitive), none for every other code and for NULL. */
px_market_regime px_market_regime_of(const char *market);

/* 1 when packid's DSCSA verification responder (/vrs, docs/verification.md) answers for a
 * product of the market: the US DSCSA regime's (FD&C Act §582(b)(4)(C)); a product of any other
 * market is not one the VRS network asks about, so no linkset offers the responder for it and
 * the responder does not serve its GTIN (404, docs/verification.md). */
int px_market_vrs_answers(const char *market);

/* 1 when a release to the market is reported to its regulator (the regime is not none). */
int px_market_needs_reporting(const char *market);

/* A product's market (and a regulator endpoint's): px_market_check, and a regime packid
 * reports to, since every release is reported (PX_EINVALID "unknown_market", field "market"):
 * a product registered for another market could never have a pack released. */
px_rc px_market_reporting_check(const char *market, px_err *err);

/* A release to market of a product registered for product_market: the same regime, whose
 * serial rules (randomisation, Art. 4(b)(ii)), master data (NHRN, NDC) and read points its
 * packs were made by (PX_EINVALID "market_mismatch", field "market"). A market of no regime
 * passes here: the release's report preconditions name it (unknown_market). */
px_rc px_market_release_check(const char *product_market, const char *market, px_err *err);

/* Art. 4(b)(ii): the serial is randomised wherever the Regulation applies. */
int px_market_requires_randomisation(const char *market);

/* "none", "eu-fmd", "us-dscsa"; "?" when out of range. */
const char *px_market_regime_name(px_market_regime regime);

#endif
