/* A carrier's design and the saved designs, templates (docs/carrier.md "Batches"): a design
 * request checked and completed with its defaults, and turned into the renderer's options. */
#include <stdio.h>
#include <string.h>

#include "carrier_batch.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

/* ---- designs ------------------------------------------------------------------------------ */

static px_rc color(char out[8], const char *in, const char *dflt, const char *field, px_err *err)
{
    uint32_t v;
    if (px_carrier_color_parse(&v, in ? in : dflt, err) != PX_OK) {
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    snprintf(out, 8, "#%06x", (unsigned)(v & 0xFFFFFFu));
    return PX_OK;
}

px_rc px_svc_carrier_design_check(px_carrier_design *d, const px_carrier_design_request *in,
                                  px_err *err)
{
    memset(d, 0, sizeof(*d));
    const char *ec = in && in->ec ? in->ec : "M";
    /* QR Code error correction levels (ISO/IEC 18004): L, M, Q, H and nothing else. */
    if (strlen(ec) != 1 || !strchr("LMQH", ec[0]))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "design.error_correction",
                                "error_correction must be \"L\", \"M\", \"Q\" or \"H\"");
    d->ec[0] = ec[0];
    if (color(d->fg, in ? in->fg : NULL, "#000000", "design.colors.foreground", err) != PX_OK ||
        color(d->bg, in ? in->bg : NULL, "#ffffff", "design.colors.background", err) != PX_OK)
        return PX_EINVALID;
    uint32_t fg = 0, bg = 0;
    px_carrier_color_parse(&fg, d->fg, err);
    px_carrier_color_parse(&bg, d->bg, err);
    if (px_carrier_contrast_check(fg, bg, err) != PX_OK) {
        px_err_field(err, "design.colors");
        return PX_EINVALID;
    }
    int q = in ? in->quiet_zone : -2;
    if (q != -2 && (q < 0 || q > PX_CARRIER_QUIET_MAX))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "design.quiet_zone",
                                "quiet_zone must be 0 to %d modules", PX_CARRIER_QUIET_MAX);
    d->quiet_zone = q == -2 ? -1 : q;
    int m = in ? in->module_px : -2;
    if (m != -2 && (m < 1 || m > PX_CARRIER_MODULE_PX_MAX))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "design.module_px",
                                "module_px must be 1 to %d pixels", PX_CARRIER_MODULE_PX_MAX);
    d->module_px = m == -2 ? 5 : m;
    return PX_OK;
}

void px_svc_carrier_design_opts(px_carrier_opts *o, const px_carrier_design *d,
                                px_carrier_format fmt)
{
    px_carrier_opts_init(o);
    o->format = fmt;
    o->module_px = d->module_px;
    o->quiet_zone_modules = d->quiet_zone < 0 ? PX_CARRIER_QUIET_DEFAULT : d->quiet_zone;
    switch (d->ec[0]) {
    case 'L': o->qr_ec = PX_CARRIER_EC_L; break;
    case 'Q': o->qr_ec = PX_CARRIER_EC_Q; break;
    case 'H': o->qr_ec = PX_CARRIER_EC_H; break;
    default: o->qr_ec = PX_CARRIER_EC_M; break;
    }
    uint32_t fg = 0, bg = 0xFFFFFFu;
    px_err ignore;
    px_carrier_color_parse(&fg, d->fg, &ignore);
    px_carrier_color_parse(&bg, d->bg, &ignore);
    /* Black on white keeps the plain gray PNG (the smallest, what label printers want). */
    if (fg != 0 || bg != 0xFFFFFFu) {
        o->colors = 1;
        o->fg_rgb = fg;
        o->bg_rgb = bg;
    }
}

/* ---- templates ---------------------------------------------------------------------------- */

typedef struct template_ctx {
    px_carrier_template *t;
} template_ctx;

static px_rc template_body(px_tx *tx, void *vc, px_err *err)
{
    template_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    /* Read back (its created_at) in the transaction that writes it: an answer that fails
     * after the COMMIT would make a client's retry a second template. */
    px_rc rc = px_store_carrier_template_insert(px_tx_db(tx), c->t, err);
    if (rc != PX_OK || (rc = px_store_carrier_template_get(px_tx_db(tx), c->t, c->t->id, by->org_id,
                                                           err)) != PX_OK)
        return rc;
    px_audit_str(px_tx_audit(tx, px_tenant_of(by), "carrier_template.create", c->t->id), "name",
                 c->t->name);
    return PX_OK;
}

px_rc px_svc_carrier_template_create(px_db *db, const px_actor *by, const char *name,
                                     const px_carrier_design_request *design,
                                     px_carrier_template *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > PX_CARRIER_TEMPLATE_NAME_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "name",
                                "name must be 1 to %d characters", PX_CARRIER_TEMPLATE_NAME_MAX);
    /* Text as every name: no control character, C0 or C1 (docs/api.md "Limits"). */
    if (!px_str_printable(name, PX_CARRIER_TEMPLATE_NAME_MAX))
        return px_err_set_field(err, PX_EINVALID, "invalid_character", "name",
                                "name must be text: no control character, U+FFFE or U+FFFF, "
                                "no bidirectional control");
    if (px_str_blank(name))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "name",
                                "name must not be only spaces");
    px_rc rc = px_svc_carrier_design_check(&out->design, design, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(out->name, name, sizeof(out->name));
    px_strlcpy(out->org_id, by->org_id, sizeof(out->org_id));
    if (px_uuid_v4(out->id) != PX_OK)
        return px_err_no_random(err);
    template_ctx c = {out};
    return px_tx_run(db, by, template_body, &c, err);
}

px_rc px_svc_carrier_template_get(px_db *db, const px_actor *by, const char *id,
                                  px_carrier_template *out, px_err *err)
{
    if (!id || !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "carrier template not found");
    return px_store_carrier_template_get(db, out, id, by->org_id, err);
}
