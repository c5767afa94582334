/* Reading a pack, and the access rules every pack use case shares (lifecycle.h,
 * pack_internal.h). */
#include <string.h>

#include "gs1.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "px_str.h"

int px__cmo_sees(const px_actor *by, const char *allocated_to, const char *commissioned_by,
                 int released)
{
    return !released &&
           (strcmp(allocated_to, by->org_id) == 0 || strcmp(commissioned_by, by->org_id) == 0);
}

int px__cmo_sees_pack(const px_actor *by, const px_pack_row *row)
{
    return px__cmo_sees(by, row->allocated_to, row->commissioned_by, row->released_at[0] != '\0');
}

const char *px__cmo_scope(const px_actor *by)
{
    return by->org_kind == PX_ORG_CMO ? by->org_id : NULL;
}

px_rc px__pack_product(px_db *db, const px_actor *by, const char *gtin, char g[15],
                       px_product *prod, px_err *err)
{
    if (!gtin || gs1_gtin_normalize(g, gtin, err) != PX_OK) {
        char code[PX_ERR_CODE_MAX]; /* gs1's reason (invalid_check_digit, …), kept */
        px_strlcpy(code, gtin && err->code[0] ? err->code : "invalid_value", sizeof(code));
        return px_err_set_field(err, PX_EINVALID, code, "gtin", "gtin '%.20s' is not a valid GTIN",
                                gtin ? gtin : "");
    }
    return px_svc_product_access(db, by, g, 0, prod, err);
}

px_rc px__batch_recalled(px_err *err, const char *gtin, const char *batch, const char *recall)
{
    /* DOMAIN.md "Decommissioning & statuses": a batch recall or withdrawal is a batch-level,
     * irreversible status (Art. 40; migration 0220): the batch takes no new pack and none of
     * its packs goes to a market. */
    return px_err_set_field(err, PX_ESTATE, "batch_recalled", "batch",
                            "batch '%s' of %s is %s: it takes no new packs and releases none",
                            batch, gtin, recall);
}

px_rc px__batch_not_recalled(px_db *db, const char *gtin, const char *batch, px_err *err)
{
    int exists = 0;
    char recall[PX_BATCH_RECALL_MAX];
    px_rc rc = px_store_batch_recall_read(db, &exists, recall, gtin, batch, err);
    if (rc == PX_OK && exists && recall[0])
        rc = px__batch_recalled(err, gtin, batch, recall);
    return rc;
}

px_rc px__batch_open(px_db *db, const char *gtin, const char *batch, int64_t now_us, px_err *err)
{
    int exists = 0;
    char recall[PX_BATCH_RECALL_MAX], expiry[7] = "";
    px_rc rc = px_store_batch_recall_read(db, &exists, recall, gtin, batch, err);
    if (rc == PX_OK && !exists)
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "batch '%s' of %s not found", batch, gtin);
    if (rc == PX_OK && recall[0])
        rc = px__batch_recalled(err, gtin, batch, recall);
    if (rc == PX_OK)
        rc = px_store_batch_expiry(db, expiry, &exists, gtin, batch, NULL, err);
    /* DOMAIN.md "Decommissioning & statuses": Expired is a batch-level status in the EMVS, and
     * Art. 13(1)(c) keeps an expired pack out of saleable stock. */
    return rc == PX_OK
               ? px__batch_expiry_past(batch, expiry, now_us, "its packs are not released", err)
               : rc;
}

px_rc px__batch_expiry_past(const char *batch, const char *expiry, int64_t now_us,
                            const char *consequence, px_err *err)
{
    char iso[11];
    if (!px_expiry_text_passed(expiry, now_us) || !px_expiry_iso(iso, expiry, now_us))
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, "expiry_in_past", "batch",
                            "batch '%s' expired on %s: %s", batch, iso, consequence);
}

px_rc px__batch_cases_empty(px_db *db, const char *gtin, const char *batch, px_cases_moved moved,
                            const char *arg, px_err *err)
{
    px_cases_holding h;
    px_rc rc = px_store_batch_cases_holding(db, &h, gtin, batch, moved, arg, err);
    if (rc != PX_OK || !h.cases)
        return rc;
    if (moved == PX_CASES_RECALLED)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "%ld cases of batch '%s' hold %ld packs not decommissioned (the first: "
                          "case '%s'): recall or decommission those packs, or unpack them "
                          "(POST /v1/aggregations), first",
                          h.cases, batch, h.packs, h.first);
    return px_err_set(err, PX_ESTATE, "invalid_state",
                      "%ld cases of batch '%s' hold %ld packs still commissioned (the first: case "
                      "'%s'): release those packs (or the cases' pallets, by ssccs), unpack them, "
                      "or list the other serials",
                      h.cases, batch, h.packs, h.first);
}

int px__org_sees_product(const px_actor *by, const px_product *prod)
{
    return strcmp(prod->mah_id, by->org_id) == 0;
}

px_rc px_svc_pack_get(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                      px_pack_row *out, px_event_row_fn fn, void *ctx, px_err *err)
{
    char g[15];
    px_err read_err = PX_ERR_INIT;
    /* Path segments from outside: a GTIN and a serial of set 82 (GenSpecs §7.11), or no pack
     * to look for. */
    if (!gtin || gs1_gtin_normalize(g, gtin, &read_err) != PX_OK || !serial ||
        gs1_cset82_validate(serial, GS1_SERIAL_MAX, &read_err) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    px_product prod;
    px_rc rc;
    if (by->org_kind == PX_ORG_CMO) {
        /* A CMO reads through its partnership, like every other access of its: suspended ->
         * 403 partnership_suspended, as its allocations and commissions get; the GTIN not (or
         * no longer) granted -> the pack is outside its view: 404 not_found, the answer for
         * another tenant's pack (docs/architecture.md "Requests"). The carrier routes read
         * through here. */
        if ((rc = px_svc_product_access(db, by, g, 0, &prod, err)) != PX_OK)
            return rc == PX_ENOTFOUND ? px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found")
                                      : rc;
    } else if ((rc = px_store_product_get(db, &prod, g, 0, &read_err)) != PX_OK) {
        /* Unknown product: as an unknown pack. A failed read is that failure, never 404. */
        if (rc != PX_ENOTFOUND) {
            return px_err_pass(err, &read_err);
        }
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    }
    rc = px_store_pack_get(db, out, g, serial, err);
    if (rc != PX_OK)
        return rc;
    int visible = 0;
    switch (px_policy_scope(by->role, PX_ACT_PACK_READ)) {
    case PX_SCOPE_ORG:
        visible = px__org_sees_product(by, &prod);
        break;
    case PX_SCOPE_PARTNER: /* CMO: its serials, until released */
        visible = px__cmo_sees_pack(by, out);
        break;
    default: break;
    }
    /* Another tenant's pack answers 404, never 403 (docs/architecture.md "Requests"). */
    if (!visible)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "pack not found");
    if (!fn)
        return PX_OK;
    /* Its packing and unpacking too, found by the SGTIN URI the events name it by (a serial
     * no URI can carry has none: its container events could not name it either). */
    char epc[GS1_EPC_URI_MAX];
    px_err uri_err = PX_ERR_INIT;
    int has_epc = gs1_epc_sgtin_format(epc, sizeof(epc), g, prod.company_prefix_length, serial,
                                       &uri_err) == PX_OK;
    return px_store_pack_events_each(db, out, has_epc ? epc : NULL, fn, ctx, err);
}
