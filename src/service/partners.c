/* Partnerships between a MAH and its CMOs (API.md "Organizations and partnerships"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "px_log.h"
#include "px_str.h"
#include "px_crypto.h"
#include "service.h"
#include "service_internal.h"

#define PX_PARTNER_GTINS_MAX 10000

/* Normalises every GTIN in place into norm[] and checks each is the MAH's own product. */
static px_rc check_gtins(px_db *db, const px_actor *by, const char *const *gtins, int n,
                         char (*norm)[GS1_GTIN_LEN + 1], px_err *err)
{
    if (n > PX_PARTNER_GTINS_MAX)
        return px_err_set(err, PX_EINVALID, "too_many", "at most %d gtins",
                          PX_PARTNER_GTINS_MAX);
    for (int i = 0; i < n; i++) {
        px_product p;
        if (gs1_gtin_normalize(norm[i], gtins[i], err) != PX_OK) {
            px_err_field(err, "gtins[%d]", i);
            return PX_EINVALID;
        }
        px_rc rc = px_svc_product_access(db, by, norm[i], 0, &p, err);
        if (rc != PX_OK) {
            px_err_field(err, "gtins[%d]", i);
            return rc;
        }
    }
    return PX_OK;
}

px_rc px_svc_partner_create(px_db *db, const px_app *app, const px_actor *by, const char *name,
                            const char *gln, int gln_prefix_length, const char *org_id,
                            const char *const *gtins, int n, px_partner_result *out,
                            px_err *err)
{
    memset(out, 0, sizeof(*out));
    char(*norm)[GS1_GTIN_LEN + 1] = n ? calloc((size_t)n, GS1_GTIN_LEN + 1) : NULL;
    const char **gp = n ? calloc((size_t)n, sizeof(char *)) : NULL;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        goto out;
    if ((rc = check_gtins(db, by, gtins, n, norm, err)) != PX_OK)
        goto fail;
    px_org cmo;
    memset(&cmo, 0, sizeof(cmo));
    if (org_id && *org_id) {
        if ((rc = px_store_org_get(db, &cmo, org_id, err)) != PX_OK)
            goto fail;
        if (strcmp(cmo.kind, "cmo") != 0) {
            rc = px_err_set(err, PX_ENOTFOUND, "not_found", "no CMO organization %s", org_id);
            goto fail;
        }
    } else {
        if (!name || !px_str_printable(name, 200)) {
            rc = px_err_set(err, PX_EINVALID, "invalid_value",
                            "name must be 1 to 200 characters without control characters");
            px_err_field(err, "name");
            goto fail;
        }
        /* GLN: 13 digits with a valid mod-10 check digit (GS1 General Specifications). */
        if (gln && gs1_gln_validate(gln, err) != PX_OK) {
            rc = PX_EINVALID;
            px_err_field(err, "gln");
            goto fail;
        }
        /* The site GLN's company prefix length, needed for its SGLN (DOMAIN.md §1.5, §5.1):
         * as given, else GS1's prefix list, else unknown. */
        if (gln_prefix_length && !gln) {
            rc = px_err_set(err, PX_EINVALID, "invalid_value", "gln_prefix_length needs a gln");
            px_err_field(err, "gln_prefix_length");
            goto fail;
        }
        if ((rc = px_svc_gln_prefix_length(&cmo.gln_prefix_length, app, gln, gln_prefix_length,
                                           err)) != PX_OK) {
            px_err_field(err, "gln_prefix_length");
            goto fail;
        }
        px_strlcpy(cmo.kind, "cmo", sizeof(cmo.kind));
        px_strlcpy(cmo.name, name, sizeof(cmo.name));
        px_strlcpy(cmo.gln, gln ? gln : "", sizeof(cmo.gln));
        if ((rc = px_store_org_insert(db, &cmo, err)) != PX_OK)
            goto fail;
    }
    px_strlcpy(out->partnership.mah_id, by->org_id, sizeof(out->partnership.mah_id));
    px_strlcpy(out->partnership.cmo_id, cmo.id, sizeof(out->partnership.cmo_id));
    if ((rc = px_store_partnership_insert(db, &out->partnership, err)) != PX_OK)
        goto fail;
    for (int i = 0; i < n; i++)
        gp[i] = norm[i];
    if ((rc = px_store_partnership_set_gtins(db, out->partnership.id, gp, n, err)) != PX_OK)
        goto fail;
    char details[200];
    snprintf(details, sizeof(details), "{\"cmo_id\":\"%s\",\"gtins\":%d}", cmo.id, n);
    if ((rc = px_svc_audit(db, by, by->org_id, "partner.create", out->partnership.id, details,
                           err)) != PX_OK)
        goto fail;
    /* A new CMO gets its key in the same transaction: no partnership without its key. A CMO
     * that already exists (org_id) keeps using its own keys: minting one here would hand this
     * MAH a credential that also reaches the CMO's work for other MAHs (DESIGN.md "Security":
     * tenant isolation). */
    px_key_info key;
    memset(&key, 0, sizeof(key));
    if (!(org_id && *org_id) &&
        (rc = px__key_create_in_tx(db, by, cmo.id, "cmo", "partner", out->api_key, &key,
                                   err)) != PX_OK)
        goto fail;
    if ((rc = px_db_commit(db, err)) != PX_OK) {
        px_cleanse(out->api_key, sizeof(out->api_key));
        out->api_key[0] = '\0';
        goto out;
    }
    px_strlcpy(out->cmo_org_id, cmo.id, sizeof(out->cmo_org_id));
    px_strlcpy(out->key_id, key.id, sizeof(out->key_id));
    goto out;
fail:
    px_db_rollback(db);
out:
    free(norm);
    free(gp);
    return rc;
}

px_rc px_svc_partner_get(px_db *db, const px_actor *by, const char *id, px_partnership *out,
                         px_err *err)
{
    return px_store_partnership_get(db, out, id, by->org_id, err);
}

px_rc px_svc_partners_each(px_db *db, const px_actor *by, px_partnership_fn fn, void *ctx,
                           px_err *err)
{
    return px_store_partnership_each(db, by->org_id, fn, ctx, err);
}

px_rc px_svc_partner_update(px_db *db, const px_actor *by, const char *id,
                            const char *const *gtins, int n, const char *status,
                            px_partnership *out, px_err *err)
{
    if (status && strcmp(status, "active") != 0 && strcmp(status, "suspended") != 0) {
        px_err_set(err, PX_EINVALID, "invalid_status", "status must be active or suspended");
        px_err_field(err, "status");
        return PX_EINVALID;
    }
    char(*norm)[GS1_GTIN_LEN + 1] = n ? calloc((size_t)n, GS1_GTIN_LEN + 1) : NULL;
    const char **gp = n ? calloc((size_t)n, sizeof(char *)) : NULL;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        goto out;
    if ((rc = px_store_partnership_get(db, out, id, by->org_id, err)) != PX_OK)
        goto fail;
    if (gtins) {
        if ((rc = check_gtins(db, by, gtins, n, norm, err)) != PX_OK)
            goto fail;
        for (int i = 0; i < n; i++)
            gp[i] = norm[i];
        if ((rc = px_store_partnership_set_gtins(db, out->id, gp, n, err)) != PX_OK)
            goto fail;
    }
    if (status && (rc = px_store_partnership_set_status(db, out, status, err)) != PX_OK)
        goto fail;
    char details[160];
    snprintf(details, sizeof(details), "{\"status\":\"%s\",\"gtins\":%d}", out->status,
             gtins ? n : -1);
    if ((rc = px_svc_audit(db, by, by->org_id, "partner.update", out->id, details, err)))
        goto fail;
    rc = px_db_commit(db, err);
    goto out;
fail:
    px_db_rollback(db);
out:
    free(norm);
    free(gp);
    return rc;
}
