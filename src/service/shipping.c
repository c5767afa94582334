/* The shipping data of a release: source, destination and business transaction of its
 * shipping event (pack_internal.h; docs/lifecycle.md "Release: shipping data"). */
#include <stdio.h>
#include <string.h>

#include "gs1.h"
#include "pack_internal.h"
#include "px_str.h"
#include "reports.h"

/* A ship_to GLN as SGLN: the GLN checked as a GS1 key (mod-10 check digit, GS1 General
 * Specifications §7.9), its company prefix length given, else from GS1's prefix list (gcppos1
 * in the GS1 Barcode Syntax Dictionary), else 422. */
static px_rc ship_sgln(char out[64], char gln_out[14], const px_app *app, const char *gln,
                       const char *field, int given, const char *len_field, px_err *err)
{
    if (!gln)
        return px_err_set_field(err, PX_EINVALID, "required", field, "%s is required", field);
    if (gs1_gln_validate(gln, err) != PX_OK) {
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    int cpl = 0;
    if (px_svc_gln_prefix_length(&cpl, app, gln, given, err) != PX_OK) {
        px_err_field(err, "%s", len_field);
        return PX_EINVALID;
    }
    if (cpl == 0)
        return px_err_set_field(err, PX_EINVALID, "unknown_company_prefix", len_field,
                                "the company prefix length of GLN %s is not known (not in "
                                "GS1's prefix list): give %s",
                                gln, len_field);
    px_strlcpy(gln_out, gln, 14);
    if (gs1_epc_sgln_format(out, 64, gln, cpl, NULL, err) != PX_OK) {
        px_err_field(err, "%s", field);
        return PX_EINVALID;
    }
    return PX_OK;
}

static px_rc parties_prepare(px__shipping *sh, const px_app *app, const px_actor *by,
                             const px_product *prod, const px_ship_to *t, px_err *err)
{
    int loc_len = t->location_prefix_length ? t->location_prefix_length : t->prefix_length;
    const char *loc_field =
        t->location_prefix_length ? "ship_to.location_prefix_length" : "ship_to.prefix_length";
    px_rc rc;
    if ((rc = ship_sgln(sh->dst_party, sh->to_party, app, t->owning_party, "ship_to.owning_party",
                        t->prefix_length, "ship_to.prefix_length", err)) != PX_OK ||
        (rc = ship_sgln(sh->dst_location, sh->to_location, app, t->location, "ship_to.location",
                        loc_len, loc_field, err)) != PX_OK)
        return rc;
    /* The source is the releasing organization, at its read point (events.c). */
    px__org_sgln(sh->src_sgln, by, prod);
    if (!sh->src_sgln[0])
        return px_err_set_field(err, PX_EINVALID, "unknown_company_prefix", "ship_to",
                                "the releasing organization needs a GLN with a known company "
                                "prefix length to be the shipping source (packid org create --gln "
                                "--gln-prefix-length)");
    px_strlcpy(sh->ship_from, by->org_gln, sizeof(sh->ship_from));
    /* EPCIS 1.2 §7.3.5.4 / GS1 US guideline: owning_party and location on each side. */
    sh->sources[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, sh->src_sgln};
    sh->sources[1] = (px_epcis_party){PX_SDT_LOCATION, sh->src_sgln};
    sh->destinations[0] = (px_epcis_party){PX_SDT_OWNING_PARTY, sh->dst_party};
    sh->destinations[1] = (px_epcis_party){PX_SDT_LOCATION, sh->dst_location};
    sh->has_parties = 1;
    return PX_OK;
}

/* The business transaction: CBV 1.2 §7.3 type word and the GLN-based id
 * urn:epcglobal:cbv:bt:GLN:ID, GLN = the party that issued the id: the buyer (ship_to owning
 * party) for a purchase order (po, poc), the releasing organization otherwise (desadv, inv,
 * bol, …). */
static px_rc transaction_prepare(px__shipping *sh, const px_actor *by, const px_release_req *req,
                                 px_err *err)
{
    if (!req->transaction_type)
        return px_err_set_field(err, PX_EINVALID, "required", "transaction.type",
                                "transaction.type is required");
    if (!req->transaction_id)
        return px_err_set_field(err, PX_EINVALID, "required", "transaction.id",
                                "transaction.id is required");
    px_cbv_btt type = px_cbv_btt_lookup(req->transaction_type);
    if (type == PX_BTT_NONE)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "transaction.type",
                                "transaction.type '%.40s' is not a CBV business transaction "
                                "type (po, poc, desadv, inv, bol, recadv, rma, prodorder, "
                                "pedigree, …)",
                                req->transaction_type);
    if (!px_ascii_printable(req->transaction_id, 100))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "transaction.id",
                                "transaction.id must be 1 to 100 printable ASCII characters");
    const char *issuer =
        (type == PX_BTT_PO || type == PX_BTT_POC) && sh->to_party[0] ? sh->to_party : by->org_gln;
    if (strlen(issuer) != GS1_GLN_LEN)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "transaction",
                                "a business transaction id needs the GLN of the party that "
                                "issued it: the releasing organization has none (give ship_to "
                                "for a po)");
    /* The id is percent-encoded (RFC 3986 §2.1) but for ALPHA, DIGIT, "-", "." and "_": '~',
     * unreserved in a URI, is not a URN character (RFC 2141 §2.2), and this is a URN. So the
     * URI is valid xsd:anyURI and is hashed and written byte for byte the same. */
    size_t o = (size_t)snprintf(sh->bt_uri, sizeof(sh->bt_uri), "urn:epcglobal:cbv:bt:%s:", issuer);
    for (size_t i = 0; req->transaction_id[i]; i++) {
        unsigned char c = (unsigned char)req->transaction_id[i];
        if (px_uri_unreserved(c) && c != '~') {
            sh->bt_uri[o++] = (char)c;
        } else {
            px_pct_byte(sh->bt_uri + o, c);
            o += 3;
        }
    }
    sh->bt_uri[o] = '\0';
    px_strlcpy(sh->btt, px_cbv_btt_name(type), sizeof(sh->btt));
    sh->bt.type = type;
    sh->bt.id = sh->bt_uri;
    sh->has_tx = 1;
    return PX_OK;
}

/* A market whose EPCIS profile requires source/destination and a bizTransaction (US: GS1 US
 * Implementation Guideline "Applying GS1 Standards for DSCSA and Traceability") refuses a
 * release without them: FD&C Act §581(26),(27) transaction information and statement
 * accompany the change of ownership, so the shipping event is not recorded (and its report not
 * queued) without them. */
px_rc px__shipping_prepare(px__shipping *sh, const px_app *app, const px_actor *by,
                           const px_product *prod, const px_release_req *req, px_err *err)
{
    memset(sh, 0, sizeof(*sh));
    const px_epcis_profile_info *pi = px_epcis_profile_get(px_epcis_profile_for_market(req->market));
    if (pi && pi->shipping_parties && !req->ship_to)
        return px_err_set_field(err, PX_EINVALID, "required", "ship_to",
                                "market %s needs ship_to (owning_party and location GLNs): "
                                "DSCSA transaction information accompanies the change of "
                                "ownership",
                                req->market);
    if (pi && pi->shipping_transaction && !req->transaction_type && !req->transaction_id)
        return px_err_set_field(err, PX_EINVALID, "required", "transaction",
                                "market %s needs transaction (type and id): DSCSA transaction "
                                "information accompanies the change of ownership",
                                req->market);
    px_rc rc;
    if (req->ship_to && (rc = parties_prepare(sh, app, by, prod, req->ship_to, err)) != PX_OK)
        return rc;
    if ((req->transaction_given || req->transaction_type || req->transaction_id) &&
        (rc = transaction_prepare(sh, by, req, err)) != PX_OK)
        return rc;
    return PX_OK;
}
