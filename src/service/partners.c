/* Partnerships between a MAH and its CMOs (docs/api.md "Organizations and partnerships"). */
#include <stdlib.h>
#include <string.h>

#include "display_name.h"
#include "epcis.h"
#include "events.h"
#include "gs1.h"
#include "pack_identity.h"
#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"

/* A granted product as the partnership's rules need it: its GTIN (normalised), market and
 * company prefix length, read once (check_gtins) for the read-point warning too. */
typedef struct granted {
    char gtin[GS1_GTIN_LEN + 1];
    char market[3];
    int company_prefix_length;
} granted;

/* Normalises every GTIN into norm[] (gp[] pointing at their GTINs) and checks each is the MAH's
 * own product, keeping its market and prefix length. */
static px_rc check_gtins(px_db *db, const px_actor *by, const char *const *gtins, int n,
                         granted *norm, const char **gp, px_err *err)
{
    if (n > PX_PARTNER_GTINS_MAX)
        return px_err_set(err, PX_EINVALID, "too_many", "at most %d gtins",
                          PX_PARTNER_GTINS_MAX);
    for (int i = 0; i < n; i++) {
        if (gs1_gtin_normalize(norm[i].gtin, gtins[i], err) != PX_OK) {
            px_err_field(err, "gtins[%d]", i);
            return PX_EINVALID;
        }
        gp[i] = norm[i].gtin;
    }
    /* A product granted twice would be stored once: the list is refused, not merged (the
     * first repeat named, found as the commission's repeated serials are). */
    unsigned char *dup = n ? calloc((size_t)n, 1) : NULL;
    px_serial_ref *scratch = n ? calloc((size_t)n, sizeof(*scratch)) : NULL;
    if (n && (!dup || !scratch)) {
        free(dup);
        free(scratch);
        return px_err_oom(err);
    }
    size_t repeats = n ? px_commission_mark_duplicates(dup, gp, (size_t)n, scratch) : 0;
    int first = 0;
    while (repeats && !dup[first])
        first++;
    free(dup);
    free(scratch);
    if (repeats) {
        px_err_set(err, PX_EINVALID, "duplicate_gtin", "%s is granted twice", norm[first].gtin);
        px_err_field(err, "gtins[%d]", first);
        return PX_EINVALID;
    }
    for (int i = 0; i < n; i++) {
        px_product p;
        px_rc rc = px_svc_product_access(db, by, norm[i].gtin, 0, &p, err);
        if (rc != PX_OK) {
            px_err_field(err, "gtins[%d]", i);
            return rc;
        }
        px_strlcpy(norm[i].market, p.market, sizeof(norm[i].market));
        norm[i].company_prefix_length = p.company_prefix_length;
    }
    return PX_OK;
}

/* The first granted product's market whose commissioning by the CMO would be refused for want
 * of a read point (into market, "" none): the commission's own rule asked ahead
 * (px__commission_read_point), so the warning and the refusal never disagree. */
static void read_point_gap(const px_org *cmo, const granted *g, int n, char market[3])
{
    px_actor as = {.org_kind = PX_ORG_CMO, .org_gln_prefix_length = cmo->gln_prefix_length};
    px_strlcpy(as.org_gln, cmo->gln, sizeof(as.org_gln));
    px_product p = {0}; /* the members the rule reads: GTIN, market, prefix length */
    market[0] = '\0';
    for (int i = 0; i < n && !market[0]; i++) {
        px_strlcpy(p.gtin, g[i].gtin, sizeof(p.gtin));
        px_strlcpy(p.market, g[i].market, sizeof(p.market));
        p.company_prefix_length = g[i].company_prefix_length;
        px_err refused;
        if (px__commission_read_point(&as, &p, NULL, &refused) != PX_OK)
            px_strlcpy(market, p.market, 3);
    }
}

typedef struct partner_ctx {
    const px_app *app;
    const char *name, *gln, *org_id;
    int gln_prefix_length;
    const char *const *gtins;
    int n;
    granted *norm;
    const char **gp;
    px_partner_result *out;
    const char *partnership_id; /* update: the partnership */
    const char *status;         /* update: NULL = unchanged */
    px_partnership *updated;
    char *read_point_market; /* update: [3], px_svc_partner_update's */
} partner_ctx;

/* The CMO of a new partnership: an existing CMO organization (org_id), or a new one with its
 * site GLN, which its EPCIS events carry as read point (an SGLN, EPC Tag Data Standard). */
static px_rc partner_cmo(partner_ctx *c, px_tx *tx, px_org *cmo, px_err *err)
{
    px_db *db = px_tx_db(tx);
    memset(cmo, 0, sizeof(*cmo));
    if (c->org_id && *c->org_id) {
        /* Held (shared) to COMMIT: another MAH's change of this CMO's data, made as if the CMO
         * were its alone, waits for this partnership or is seen by it (orgs.c). */
        px_rc rc = px_store_org_hold(db, c->org_id, PX_ORG_HOLD_SHARE, err);
        if (rc == PX_OK)
            rc = px_store_org_get(db, cmo, c->org_id, err);
        /* An unknown id and another kind's answer alike: nothing says which ids exist. */
        if ((rc == PX_OK && strcmp(cmo->kind, "cmo") != 0) || rc == PX_ENOTFOUND)
            rc = px_err_set(err, PX_ENOTFOUND, "not_found", "no CMO organization %s", c->org_id);
        return rc;
    }
    if (px__org_name_gln_check(c->name ? c->name : "", "invalid_value", c->gln ? c->gln : "",
                               c->gln_prefix_length, err) != PX_OK)
        return PX_EINVALID;
    if (px_svc_gln_prefix_length(&cmo->gln_prefix_length, c->app, c->gln, c->gln_prefix_length,
                                 err) != PX_OK) {
        px_err_field(err, "gln_prefix_length");
        return PX_EINVALID;
    }
    px_strlcpy(cmo->kind, "cmo", sizeof(cmo->kind));
    px_strlcpy(cmo->name, c->name, sizeof(cmo->name));
    px_strlcpy(cmo->gln, c->gln ? c->gln : "", sizeof(cmo->gln));
    return px__org_insert_in_tx(tx, px_tx_actor(tx), cmo, err);
}

static px_rc partner_create_body(px_tx *tx, void *vc, px_err *err)
{
    partner_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    px_partner_result *out = c->out;
    memset(out, 0, sizeof(*out));
    px_org cmo;
    px_rc rc;
    if ((rc = check_gtins(db, by, c->gtins, c->n, c->norm, c->gp, err)) != PX_OK ||
        (rc = partner_cmo(c, tx, &cmo, err)) != PX_OK)
        return rc;
    read_point_gap(&cmo, c->norm, c->n, out->read_point_market);
    px_strlcpy(out->partnership.mah_id, by->org_id, sizeof(out->partnership.mah_id));
    px_strlcpy(out->partnership.cmo_id, cmo.id, sizeof(out->partnership.cmo_id));
    if ((rc = px_store_partnership_insert(db, &out->partnership, err)) != PX_OK ||
        (rc = px_store_partnership_set_gtins(db, out->partnership.id, c->gp, c->n, err)))
        return rc;
    px_audit_details *d = px_tx_audit(tx, by->org_id, "partner.create", out->partnership.id);
    px_audit_str(d, "cmo_id", cmo.id);
    px_audit_strs(d, "gtins", c->gp, (size_t)c->n);
    /* A new CMO gets its key in the same transaction: no partnership without its key. A CMO
     * that already exists (org_id) keeps using its own keys: minting one here would hand this
     * MAH a credential that also reaches the CMO's work for other MAHs, breaking tenant
     * isolation. */
    px_key_info key = {0};
    /* On a sandbox connection the key is a test key (keys.c): a sandbox partner's CMO. */
    if (!(c->org_id && *c->org_id) &&
        (rc = px__key_create_in_tx(tx, by, cmo.id, "cmo", "partner", PX_KEY_LIVE, out->api_key,
                                   &key, err)) != PX_OK)
        return rc;
    px_strlcpy(out->cmo_org_id, cmo.id, sizeof(out->cmo_org_id));
    px_strlcpy(out->key_id, key.id, sizeof(out->key_id));
    return PX_OK;
}

/* The GTIN scratch of a request: n normalised GTINs and pointers to them. */
static px_rc gtins_alloc(partner_ctx *c, int n, px_err *err)
{
    c->norm = n ? calloc((size_t)n, sizeof(*c->norm)) : NULL;
    c->gp = n ? calloc((size_t)n, sizeof(char *)) : NULL;
    return n && (!c->norm || !c->gp) ? px_err_oom(err) : PX_OK;
}

px_rc px_svc_partner_create(px_db *db, const px_app *app, const px_actor *by, const char *name,
                            const char *gln, int gln_prefix_length, const char *org_id,
                            const char *const *gtins, int n, px_partner_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    /* An existing CMO keeps its own name and GLN: a new CMO's data beside its org_id would be
     * dropped, and the MAH would believe the read point set. */
    if (org_id && *org_id && (name || gln || gln_prefix_length))
        return px_err_set_field(err, PX_EINVALID, "invalid_value",
                                name  ? "name"
                                : gln ? "gln"
                                      : "gln_prefix_length",
                                "give org_id (a CMO that exists, which keeps its own name and "
                                "GLN) or a new CMO's name and gln, not both");
    partner_ctx c = {.app = app,
                     .name = name,
                     .gln = gln,
                     .org_id = org_id,
                     .gln_prefix_length = gln_prefix_length,
                     .gtins = gtins,
                     .n = n,
                     .out = out};
    px_rc rc = gtins_alloc(&c, n, err);
    if (rc == PX_OK)
        rc = px_tx_run(db, by, partner_create_body, &c, err);
    if (rc != PX_OK) {
        px_cleanse(out->api_key, sizeof(out->api_key));
        memset(out, 0, sizeof(*out));
    }
    free(c.norm);
    free(c.gp);
    return rc;
}

px_rc px_svc_partners_each(px_db *db, const px_actor *by, const char *id, px_partnership_fn fn,
                           void *ctx, px_err *err)
{
    if (id && !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "partnership not found");
    return px_store_partnership_each(db, by->org_id, id, fn, ctx, err);
}

static px_rc partner_update_body(px_tx *tx, void *vc, px_err *err)
{
    partner_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    px_partnership *out = c->updated;
    px_rc rc;
    if ((rc = px_store_partnership_get(db, out, c->partnership_id, by->org_id, err)) != PX_OK)
        return rc;
    /* First the CMO's writes in flight end, and later ones wait (its requests' hold, tx.c);
     * then the partnership row, which background work on the CMO's behalf holds
     * (px_store_partner_access). Only then its products and status change. */
    if ((rc = px_store_actor_block(db, NULL, out->cmo_id, err)) != PX_OK ||
        (rc = px_store_partnership_lock(db, out, out->id, err)) != PX_OK)
        return rc;
    c->read_point_market[0] = '\0';
    if (c->gtins) {
        /* The products granted now, warned of as at the partnership's creation. */
        px_org cmo;
        if ((rc = check_gtins(db, by, c->gtins, c->n, c->norm, c->gp, err)) != PX_OK ||
            (rc = px_store_partnership_set_gtins(db, out->id, c->gp, c->n, err)) != PX_OK ||
            (rc = px_store_org_get(db, &cmo, out->cmo_id, err)) != PX_OK)
            return rc;
        read_point_gap(&cmo, c->norm, c->n, c->read_point_market);
    }
    char old_status[sizeof(out->status)];
    px_strlcpy(old_status, out->status, sizeof(old_status));
    /* The status it has already, and no products: nothing changes, so nothing is written or
     * audited (updated_at keeps saying when it last changed), as a product's PATCH. */
    if (!c->gtins && (!c->status || strcmp(c->status, old_status) == 0)) {
        px_tx_discard(tx);
        return PX_OK;
    }
    /* The row is written when anything changes (its status, or only its products):
     * updated_at says when the partnership last changed. */
    if ((c->status || c->gtins) && (rc = px_store_partnership_set_status(
                                        db, out, c->status ? c->status : old_status, err)) != PX_OK)
        return rc;
    /* What changed, as the organization's update keeps it: the status before and after, and
     * the products granted from now on (null: unchanged; the chain's earlier partner entries
     * hold the lists before). */
    px_audit_details *d = px_tx_audit(tx, by->org_id, "partner.update", out->id);
    px_audit_str(d, "old_status", old_status);
    px_audit_str(d, "status", out->status);
    if (c->gtins)
        px_audit_strs(d, "gtins", c->gp, (size_t)c->n);
    else
        px_audit_str(d, "gtins", NULL);
    return PX_OK;
}

px_rc px_svc_partner_update(px_db *db, const px_actor *by, const char *id, const char *const *gtins,
                            int n, const char *status, px_partnership *out,
                            char read_point_market[3], px_err *err)
{
    static const char *const statuses[] = {"active", "suspended"};
    px_rc rc = status ? px_name_pick(statuses, PX_COUNT(statuses), status, "invalid_status",
                                     "status", NULL, err)
                      : PX_OK;
    if (rc != PX_OK)
        return rc;
    /* A path segment from outside: not an id, then nothing to find (as the GET answers). */
    if (!id || !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "partnership not found");
    partner_ctx c = {.gtins = gtins,
                     .n = n,
                     .partnership_id = id,
                     .status = status,
                     .updated = out,
                     .read_point_market = read_point_market};
    rc = gtins_alloc(&c, n, err);
    if (rc == PX_OK)
        rc = px_tx_run(db, by, partner_update_body, &c, err);
    free(c.norm);
    free(c.gp);
    return rc;
}
