/* Serial settings of an organization and of a product (allocation.h, docs/pool.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "gs1.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "serial_gen.h"
#include "service_internal.h"
#include "tx.h"

/* ---- small checks --------------------------------------------------------------------- */

static px_rc settings_parse(px_serial_settings *out, const px_settings_input *in, px_err *err)
{
    px_serial_strategy st;
    px_rc rc = px_serial_strategy_parse(&st, in->strategy ? in->strategy : "", err);
    if (rc != PX_OK)
        return rc;
    if (in->length < PX_SERIAL_LEN_MIN || in->length > PX_SERIAL_LEN_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_length", "length",
                                "length %lld is not between %d and %d", in->length,
                                PX_SERIAL_LEN_MIN, PX_SERIAL_LEN_MAX);
    /* Symbols are RANDOM_ALPHANUMERIC's alphabet; a numeric strategy draws from 0-9, so
     * symbols sent with one would be dropped unseen, and settings once used never change. */
    if (in->symbols && st != PX_SERIAL_RANDOM_ALPHANUMERIC)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "symbols",
                                "symbols are RANDOM_ALPHANUMERIC's; %s serials are digits",
                                px_serial_strategy_name(st));
    /* REQ-POOL-3: strategy, length 6..20, symbols all in set 82 with at least 3 distinct
     * (domain/serial_gen: px_serial_settings_validate). */
    return px_serial_settings_init(out, st, (int)in->length, in->symbols, err);
}

static void settings_audit(px_audit_details *d, const px_serial_settings *s)
{
    px_audit_str(d, "strategy", px_serial_strategy_name(s->strategy));
    px_audit_int(d, "length", s->length);
    px_audit_str(d, "symbols", s->symbols);
}

/* ---- settings ----------------------------------------------------------------------------- */

/* SEQUENTIAL_NUMERIC is allowed as an organization default (its US products may use it); an
 * EU product refuses it when it would copy it (REQ-POOL-5). */
static px_rc org_settings_body(px_tx *tx, void *vs, px_err *err)
{
    const px_serial_settings *s = vs;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = px_store_org_settings_insert(px_tx_db(tx), by->org_id, s, err);
    if (rc == PX_OK)
        settings_audit(px_tx_audit(tx, by->org_id, "settings.org", by->org_id), s);
    return rc;
}

px_rc px_svc_org_settings_put(px_db *db, const px_actor *by, const px_settings_input *in,
                              px_serial_settings *out, px_err *err)
{
    px_rc rc = settings_parse(out, in, err);
    if (rc != PX_OK)
        return rc;
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "only a MAH organization has serial settings");
    return px_tx_run(db, by, org_settings_body, out, err);
}

px_rc px_svc_org_settings_get(px_db *db, const px_actor *by, px_serial_settings *out, px_err *err)
{
    px_rc rc = px_store_org_settings_get(db, out, by->org_id, err);
    if (rc == PX_ENOTFOUND)
        px_err_set(err, PX_ENOTFOUND, "not_found", "no serial settings are set");
    return rc;
}

typedef struct product_settings_ctx {
    const char *gtin;
    const px_serial_settings *s;
} product_settings_ctx;

static px_rc product_settings_body(px_tx *tx, void *vc, px_err *err)
{
    product_settings_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    px_product p;
    px_rc rc = px_svc_product_access(db, px_tx_actor(tx), c->gtin, 1, &p, err);
    if (rc != PX_OK)
        return rc;
    if (p.has_settings)
        return px_err_set(err, PX_ECONFLICT, "settings_immutable",
                          "the serial settings of product %s are already set and never change",
                          c->gtin);
    /* REQ-POOL-5: Delegated Regulation (EU) 2016/161 Art. 4(b)(ii) and (c) — randomised
     * serials, and room for 10,000 values per serial already known for this GTIN, and for one
     * more: settings that allow no serial at all (three symbols, six characters, in the EU)
     * would hold the product, immutably, to none. */
    if ((rc = px_serial_space_check(c->s, (uint64_t)p.issued_count, 1,
                                    px_market_requires_randomisation(p.market), err)) != PX_OK ||
        (rc = px_store_product_settings_set(db, c->gtin, c->s, err)) != PX_OK)
        return rc;
    settings_audit(px_tx_audit(tx, p.mah_id, "settings.product", c->gtin), c->s);
    return PX_OK;
}

px_rc px_svc_product_settings_put(px_db *db, const px_actor *by, const char *gtin,
                                  const px_settings_input *in, px_serial_settings *out, px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = px__product_gtin(g, gtin, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = settings_parse(out, in, err)) != PX_OK)
        return rc;
    product_settings_ctx c = {g, out};
    return px_tx_run(db, by, product_settings_body, &c, err);
}

px_rc px_svc_product_settings_get(px_db *db, const px_actor *by, const char *gtin,
                                  px_serial_settings *out, int *from_org, px_err *err)
{
    px_product p;
    px_rc rc = px_svc_product_get(db, by, gtin, &p, err);
    if (rc != PX_OK)
        return rc;
    *from_org = !p.has_settings;
    rc = p.has_settings ? px_store_product_settings_parse(out, &p, err)
                        : px_store_org_settings_get(db, out, p.mah_id, err);
    if (rc == PX_ENOTFOUND)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "neither product %s nor its organization has serial settings", p.gtin);
    if (rc != PX_OK || p.has_settings)
        return rc;
    /* The settings an allocation would use: an organization default the product's market
     * refuses (SEQUENTIAL_NUMERIC where randomisation is required, Delegated Regulation (EU)
     * 2016/161 Art. 4(b)) is none, as the allocation would say (px_serial_space_check, the
     * one rule, asked for nothing more than is issued). */
    px_err e = PX_ERR_INIT;
    if (px_serial_space_check(out, (uint64_t)p.issued_count, 0,
                              px_market_requires_randomisation(p.market), &e) == PX_EINVALID)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "product %s has no serial settings, and its organization's default "
                          "does not apply to it: %s; PUT /v1/products/%s/serial-settings first",
                          p.gtin, e.message, p.gtin);
    return PX_OK;
}
