/* SSCC pools: allocating SSCCs of a company prefix, reading an allocation and its SSCCs
 * (packing.h, docs/aggregation.md "SSCC pools"; the SSCC: GS1 General Specifications §3.3.1). */
#include <stdlib.h>
#include <string.h>

#include "allotments.h"
#include "gs1.h"
#include "packing.h"
#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

typedef struct sscc_alloc_ctx {
    const px_sscc_alloc_request *req;
    int random;
    px_sscc_alloc_result *out;
    char gtin[GS1_GTIN_LEN + 1];     /* req->gtin normalised; "" when not given */
    char (*ssccs)[GS1_SSCC_LEN + 1]; /* scratch: count SSCCs */
    const char **ptrs;
} sscc_alloc_ctx;

/* A uniform random serial reference below cap (rejection sampling: no modulo bias). */
static px_rc random_ref(uint64_t *out, uint64_t cap, px_err *err)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % cap;
    for (;;) {
        uint64_t v;
        if (px_random_bytes(&v, sizeof(v)) != PX_OK)
            return px_err_no_random(err);
        if (v < limit) {
            *out = v % cap;
            return PX_OK;
        }
    }
}

/* Builds `need` SSCCs into c->ssccs and inserts those that are new; *added counts them. */
static px_rc generate(px_db *db, sscc_alloc_ctx *c, long need, long *added, px_err *err)
{
    px_sscc_allocation *a = &c->out->allocation;
    uint64_t cap = gs1_sscc_capacity((int)strlen(a->company_prefix));
    uint64_t first = 0;
    px_rc rc;
    if (!c->random) {
        /* REQ-SSCC-4: sequential serial references come from one counter per prefix and
         * extension digit, a block per request (sequential is allowed for SSCCs: the
         * randomisation of Delegated Regulation (EU) 2016/161 Art. 4 covers pack serials
         * only). */
        if ((rc = px_store_sscc_sequence_take(db, &first, a->company_prefix,
                                              a->extension_digit, need, err)) != PX_OK)
            return rc;
        if (first + (uint64_t)need > cap)
            return px_err_set(err, PX_EEXHAUSTED, "sscc_exhausted",
                              "company prefix %s with extension digit %d has no %ld serial "
                              "references left",
                              a->company_prefix, a->extension_digit, need);
    }
    for (long i = 0; i < need; i++) {
        uint64_t ref = first + (uint64_t)i;
        if (c->random && (rc = random_ref(&ref, cap, err)) != PX_OK)
            return rc;
        if ((rc = gs1_sscc_build(c->ssccs[i], a->extension_digit, a->company_prefix, ref,
                                 err)) != PX_OK)
            return rc;
        c->ptrs[i] = c->ssccs[i];
    }
    return px_store_sscc_insert(db, added, c->ptrs, (size_t)need, a->company_prefix,
                                a->tenant_id, a->org_id, a->id, "generated", err);
}

/* Whose prefix, and for which MAH (docs/aggregation.md "Whose prefix"): the one pair (MAH,
 * company prefix) the caller may use that the request names. REQ-SSCC-7: a CMO's own prefixes
 * serve every MAH it is partnered with, so the MAH is named (mah_id, or gtin of a partnered
 * product) when there are several; checked before anything is written. */
static px_rc prefix_owner(px_db *db, const px_actor *by, const sscc_alloc_ctx *c,
                          px_sscc_allocation *a, px_err *err)
{
    const px_sscc_alloc_request *req = c->req;
    const char *prefix = req->company_prefix ? req->company_prefix : "";
    const char *field = req->gtin ? "gtin" : "mah_id";
    char mah[PX_ID_LEN + 1] = "";
    px_rc rc = PX_OK;
    px_partnership ps;
    if (req->mah_id) {
        px_uuid_lower(mah, req->mah_id); /* compared as the database writes a uuid */
        /* A CMO whose partnership with that MAH is suspended: 403, as its other requests for
         * that MAH's products (docs/api.md "Roles"), not "not partnered". */
        if (by->org_kind == PX_ORG_CMO) {
            rc = px_store_partnership_between(db, &ps, mah, by->org_id, err);
            if (rc == PX_OK && strcmp(ps.status, "active") != 0)
                return px_err_set_field(err, PX_EFORBIDDEN, "partnership_suspended", "mah_id",
                                        "the partnership with MAH %s is suspended", mah);
            if (rc != PX_OK && rc != PX_ENOTFOUND)
                return rc;
            rc = PX_OK;
        }
    } else if (c->gtin[0]) {
        /* A CMO's granted product under a suspended partnership: 403, as its serial
         * allocations of it, not "product not found". */
        if (by->org_kind == PX_ORG_CMO) {
            rc = px_store_partner_access(db, &ps, by->org_id, c->gtin, err);
            if (rc == PX_OK && (rc = px__partnership_active(&ps, c->gtin, err)) != PX_OK) {
                px_err_field(err, "gtin");
                return rc;
            }
            if (rc != PX_OK && rc != PX_ENOTFOUND)
                return rc;
        }
        rc = px_store_sscc_product_mah(db, mah, c->gtin, by->org_id, err);
    }
    px_sscc_prefix_pick pk;
    if (rc != PX_OK ||
        (rc = px_store_sscc_alloc_prefix(db, &pk, by->org_id, prefix, mah, err)) != PX_OK)
        return rc;
    /* Nothing for that MAH: the prefix itself unknown, or the MAH not one it serves. */
    int other_mah = 0;
    if (pk.n_gcp == 0 && mah[0]) {
        if ((rc = px_store_sscc_alloc_prefix(db, &pk, by->org_id, prefix, "", err)) != PX_OK)
            return rc;
        other_mah = pk.n_gcp > 0;
    }
    if (pk.n_gcp == 0 && prefix[0])
        return px_err_set_field(err, PX_ENOTFOUND, "unknown_company_prefix", "company_prefix",
                                "company prefix %s is not the prefix of a product you may use",
                                prefix);
    if (pk.n_gcp == 0)
        return px_err_set(err, PX_ENOTFOUND, "unknown_company_prefix",
                          by->org_kind == PX_ORG_CMO
                              ? "no product an active partnership grants you carries a company "
                                "prefix"
                              : "no product you may use carries a company prefix: register one "
                                "first");
    if (other_mah)
        return px_err_set_field(err, PX_ENOTFOUND, "not_partnered", field,
                                "you may not allocate SSCCs for MAH %s%s%s", mah,
                                prefix[0] ? " under company prefix " : "", prefix);
    if (pk.n_gcp > 1)
        return px_err_set_field(err, PX_EINVALID, "company_prefix_ambiguous", "company_prefix",
                                "your products carry several company prefixes: name one in "
                                "company_prefix");
    if (pk.n_mah > 1)
        return px_err_set_field(err, PX_EINVALID, "mah_ambiguous", "mah_id",
                                "company prefix %s serves several MAHs: name one in mah_id or "
                                "gtin",
                                pk.gcp);
    px_strlcpy(a->tenant_id, pk.mah, sizeof(a->tenant_id));
    px_strlcpy(a->company_prefix, pk.gcp, sizeof(a->company_prefix));
    return PX_OK;
}

static px_rc sscc_allocate_body(px_tx *tx, void *vc, px_err *err)
{
    sscc_alloc_ctx *c = vc;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    const px_sscc_alloc_request *req = c->req;
    px_sscc_allocation *a = &c->out->allocation;
    px_job *j = &c->out->job;
    memset(c->out, 0, sizeof(*c->out));
    px_rc rc = prefix_owner(db, by, c, a, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_store_job_insert(db, "sscc_allocation", req->count, by->org_id, a->tenant_id, j,
                                  err)) != PX_OK)
        return rc;
    px_strlcpy(a->org_id, by->org_id, sizeof(a->org_id));
    a->extension_digit = req->extension_digit;
    px_strlcpy(a->strategy, c->random ? "random" : "sequential", sizeof(a->strategy));
    a->count = req->count;
    px_strlcpy(a->job_id, j->id, sizeof(a->job_id));
    if ((rc = px_store_sscc_allocation_insert(db, a, err)) != PX_OK)
        return rc;
    /* An SSCC already known (an external one registered earlier, or a random draw that hit
     * an issued one) is skipped, and the shortfall drawn again: bounded, since a space this
     * full is better reported than searched. */
    long done = 0;
    for (int round = 0; done < req->count; round++) {
        if (round == 16)
            return px_err_set(err, PX_EEXHAUSTED, "sscc_exhausted",
                              "company prefix %s has too few free serial references left",
                              a->company_prefix);
        long added = 0;
        if ((rc = generate(db, c, req->count - done, &added, err)) != PX_OK)
            return rc;
        done += added;
    }
    /* SSCCs are serials too (of containers): they count against the caller's serials
     * allotment (docs/allotments.md). */
    if ((rc = px_store_job_complete_now(db, j->id, err)) != PX_OK ||
        (rc = px_svc_allotment_charge(tx, PX_ALLOT_SERIALS, req->count, "count", err)) != PX_OK)
        return rc;
    px_strlcpy(j->status, "completed", sizeof(j->status));
    j->done = j->total;
    px_audit_details *d = px_tx_audit(tx, a->tenant_id, "sscc_allocation.create", a->id);
    px_audit_str(d, "company_prefix", a->company_prefix);
    px_audit_int(d, "extension_digit", a->extension_digit);
    px_audit_int(d, "count", a->count);
    px_audit_str(d, "strategy", a->strategy);
    px_audit_str(d, "job_id", j->id);
    return PX_OK;
}

px_rc px_svc_sscc_allocate(px_db *db, const px_actor *by, const px_sscc_alloc_request *req,
                           px_sscc_alloc_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    if (req->count < 1 || req->count > PX_SSCC_ALLOC_MAX)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "count",
                                "count must be from 1 to %d", PX_SSCC_ALLOC_MAX);
    if (req->extension_digit < 0 || req->extension_digit > 9)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "extension_digit",
                                "extension_digit must be from 0 to 9");
    static const char *const strategies[] = {"sequential", "random"}; /* random: 1 */
    int random = 0;
    px_rc rc = req->strategy ? px_name_pick(strategies, PX_COUNT(strategies), req->strategy,
                                            "invalid_value", "strategy", &random, err)
                             : PX_OK;
    if (rc != PX_OK)
        return rc;
    if (req->company_prefix && !gs1_gcp_valid(req->company_prefix))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "company_prefix",
                                "company_prefix must be %d to %d digits", GS1_GCP_LEN_MIN,
                                GS1_GCP_LEN_MAX);
    sscc_alloc_ctx c = {req, random, out, "", NULL, NULL};
    if (req->mah_id && req->gtin)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "gtin",
                                "name the MAH by mah_id or by gtin, not both");
    if (req->mah_id && !px_uuid_valid(req->mah_id))
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "mah_id",
                                "mah_id must be an organization id");
    if (req->gtin && gs1_gtin_normalize(c.gtin, req->gtin, err) != PX_OK)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "gtin",
                                "gtin must be a valid GTIN");
    c.ssccs = malloc((size_t)req->count * sizeof(*c.ssccs));
    c.ptrs = malloc((size_t)req->count * sizeof(*c.ptrs));
    if (!c.ssccs || !c.ptrs)
        rc = px_err_oom(err);
    else
        rc = px_tx_run(db, by, sscc_allocate_body, &c, err);
    free(c.ssccs);
    free(c.ptrs);
    return rc;
}

px_rc px_svc_sscc_allocation_get(px_db *db, const px_actor *by, const char *id,
                                 px_sscc_allocation *out, px_err *err)
{
    if (!id || !px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation not found");
    px_rc rc = px_store_sscc_allocation_get(db, out, id, err);
    if (rc != PX_OK)
        return rc;
    /* The MAH (mah and auditor keys) reads its prefix's allocations; a CMO its own. Anyone
     * else: 404, nothing leaks (docs/architecture.md "Requests"). */
    if ((by->org_kind == PX_ORG_MAH && strcmp(out->tenant_id, by->org_id) == 0) ||
        (by->org_kind == PX_ORG_CMO && strcmp(out->org_id, by->org_id) == 0))
        return PX_OK;
    return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation %s not found", id);
}

px_rc px_svc_sscc_list(px_db *db, const px_actor *by, const char *id, const char *after,
                       long limit, px_sscc_item_fn fn, void *ctx, px_err *err)
{
    px_sscc_allocation a;
    px_rc rc = px_svc_sscc_allocation_get(db, by, id, &a, err);
    if (rc != PX_OK)
        return rc;
    /* A CMO never sees a container after its release, as its packs. */
    return px_store_sscc_each(db, a.id, after, limit, by->org_kind == PX_ORG_CMO, fn, ctx, err);
}
