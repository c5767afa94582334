/* A CMO's company prefixes beyond its GLN's (service_internal.h, REQ-SSCC-8, docs/aggregation.md
 * "A CMO's own company prefixes"). */
#include <stdio.h>
#include <string.h>

#include "audit_details.h"
#include "gs1.h"
#include "px_str.h"
#include "service_internal.h"

px_rc px__org_prefixes_check(const px_org *o, const char *const *prefixes, size_t n, px_err *err)
{
    /* A MAH's prefixes are those of its products; a CMO's are what it builds SSCCs under. */
    if (strcmp(o->kind, "cmo") != 0)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "company_prefixes",
                                "only a CMO lists company prefixes of its own");
    if (n > PX_ORG_GCP_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "company_prefixes",
                                "at most %d company prefixes", PX_ORG_GCP_MAX);
    char field[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof(field), "company_prefixes[%zu]", i);
        if (!gs1_gcp_valid(prefixes[i]))
            return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                                    "a company prefix is %d to %d digits", GS1_GCP_LEN_MIN,
                                    GS1_GCP_LEN_MAX);
        for (size_t j = 0; j < i; j++)
            if (strcmp(prefixes[i], prefixes[j]) == 0)
                return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                                        "company prefix %s is listed twice", prefixes[i]);
    }
    return PX_OK;
}

/* The one refusal of a company prefix another organization holds (docs/aggregation.md "One
 * organization per prefix"): it names the caller's own value, never whose it is. */
static px_rc prefix_taken(const char *field, const char *gcp, px_err *err)
{
    return px_err_set_field(err, PX_ECONFLICT, "company_prefix_taken", field,
                            "company prefix %s is another organization's", gcp);
}

px_rc px__gtin_prefix_free(px_db *db, const char *mah_id, const char *gtin, int prefix_len,
                           px_err *err)
{
    char gcp[16];
    snprintf(gcp, sizeof(gcp), "%.*s", prefix_len, gtin + 1); /* after the indicator digit */
    int taken = 0;
    px_rc rc = px_store_gtin_prefix_taken(db, &taken, mah_id, gcp, err);
    return rc == PX_OK && taken ? prefix_taken("gtin", gcp, err) : rc;
}

px_rc px__gln_free(px_db *db, const px_org *org, px_err *err)
{
    if (!org->gln[0])
        return PX_OK;
    /* A GLN identifies one party or location (the GS1 GLN Allocation Rules): another
     * organization's would let this one answer as it (a VRS responderGLN, a read point, a
     * report's sender). Two sites of one company share a prefix, never a GLN. */
    int taken = 0;
    px_rc rc = px_store_gln_taken(db, &taken, org->id, org->gln, err);
    if (rc == PX_OK && taken)
        rc = px_err_set_field(err, PX_ECONFLICT, "gln_taken", "gln",
                              "gln %s is another organization's", org->gln);
    return rc;
}

px_rc px__gln_prefix_free(px_db *db, const px_actor *by, const px_org *org, px_err *err)
{
    if (!org->gln[0])
        return PX_OK;
    /* Its prefix at its length; with the length unknown the whole GLN, which overlaps a prefix
     * exactly when it lies under it: then the prefix at any length it could be given would be
     * refused, so it is refused now, not when its length comes (its read point never could). */
    char gcp[16];
    int len = org->gln_prefix_length ? org->gln_prefix_length : GS1_GLN_LEN;
    snprintf(gcp, sizeof(gcp), "%.*s", len, org->gln);
    int taken = 0;
    /* A MAH acting is the partner of the CMO it creates or changes (orgs.c: a MAH changes only
     * a CMO that is its alone). */
    px_rc rc = px_store_gln_prefix_taken(db, &taken, org, gcp,
                                         by->org_kind == PX_ORG_MAH ? by->org_id : NULL, err);
    if (rc != PX_OK || !taken)
        return rc;
    if (!org->gln_prefix_length)
        return px_err_set_field(err, PX_ECONFLICT, "company_prefix_taken", "gln",
                                "gln %s lies under another organization's company prefix",
                                org->gln);
    return prefix_taken("gln", gcp, err);
}

px_rc px__org_prefixes_set(px_db *db, const px_org *o, const char *const *prefixes, size_t n,
                           px_audit_details *d, px_err *err)
{
    px_rc rc = px__org_prefixes_check(o, prefixes, n, err);
    if (rc != PX_OK)
        return rc;
    char field[48];
    long taken = -1;
    rc = px_store_org_prefix_taken(db, &taken, o->id, prefixes, n, err);
    if (rc != PX_OK)
        return rc;
    if (taken >= 0) {
        snprintf(field, sizeof(field), "company_prefixes[%ld]", taken);
        return px_err_set_field(err, PX_ECONFLICT, "company_prefix_taken", field,
                                "company prefix %s is another organization's", prefixes[taken]);
    }
    if ((rc = px_store_org_prefixes_set(db, o->id, prefixes, n, err)) != PX_OK)
        return rc;
    if (d) {
        char now[PX_ORG_GCP_MAX * 13] = "";
        size_t at = 0;
        /* Fits: at most PX_ORG_GCP_MAX prefixes of at most 12 digits, checked above. */
        for (size_t i = 0; i < n && at < sizeof(now); i++)
            at += (size_t)snprintf(now + at, sizeof(now) - at, "%s%s", i ? "," : "", prefixes[i]);
        px_audit_str(d, "old_company_prefixes", o->company_prefixes);
        px_audit_str(d, "company_prefixes", now);
    }
    return PX_OK;
}
