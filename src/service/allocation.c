/* Serial settings, allocations and the allocation job runner (allocation.h, docs/pool.md). */
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

/* ---- small checks --------------------------------------------------------------------- */

static px_rc settings_parse(px_serial_settings *out, const px_settings_input *in, px_err *err)
{
    px_serial_strategy st;
    px_rc rc = px_serial_strategy_parse(&st, in->strategy ? in->strategy : "", err);
    if (rc != PX_OK)
        return rc;
    if (in->length < PX_SERIAL_LEN_MIN || in->length > PX_SERIAL_LEN_MAX) {
        px_err_set(err, PX_EINVALID, "invalid_length", "length %lld is not between %d and %d",
                   in->length, PX_SERIAL_LEN_MIN, PX_SERIAL_LEN_MAX);
        px_err_field(err, "length");
        return PX_EINVALID;
    }
    /* REQ-POOL-3: strategy, length 6..20, symbols all in set 82 with at least 3 distinct
     * (domain/serial_gen: px_serial_settings_validate). */
    return px_serial_settings_init(out, st, (int)in->length, in->symbols, err);
}

static void settings_json(char *out, size_t cap, const px_serial_settings *s)
{
    char sym[PX_SERIAL_SYMBOLS_MAX * 6 + 1];
    px_json_escape(sym, sizeof(sym), s->symbols);
    snprintf(out, cap, "{\"strategy\":\"%s\",\"length\":%d,\"symbols\":\"%s\"}",
             px_serial_strategy_name(s->strategy), s->length, sym);
}

/* ---- settings ----------------------------------------------------------------------------- */

px_rc px_svc_org_settings_put(px_db *db, const px_actor *by, const px_settings_input *in,
                              px_serial_settings *out, px_err *err)
{
    px_rc rc = settings_parse(out, in, err);
    if (rc != PX_OK)
        return rc;
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "only a MAH organization has serial settings");
    if ((rc = px_db_begin(db, err)) != PX_OK)
        return rc;
    /* SEQUENTIAL_NUMERIC is allowed as an organization default (its US products may use
     * it); an EU product refuses it when it would copy it (REQ-POOL-5). */
    if ((rc = px_store_org_settings_insert(db, by->org_id, out, err)) != PX_OK)
        goto fail;
    char details[700];
    settings_json(details, sizeof(details), out);
    if ((rc = px_svc_audit(db, by, by->org_id, "settings.org", by->org_id, details, err)))
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}

px_rc px_svc_org_settings_get(px_db *db, const px_actor *by, px_serial_settings *out,
                              px_err *err)
{
    px_rc rc = px_store_org_settings_get(db, out, by->org_id, err);
    if (rc == PX_ENOTFOUND)
        px_err_set(err, PX_ENOTFOUND, "not_found", "no serial settings are set");
    return rc;
}

static px_rc normalize_gtin(char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err)
{
    if (gs1_gtin_normalize(g, gtin, err) != PX_OK)
        return px_err_set(err, PX_ENOTFOUND, "product_not_found", "product not found");
    return PX_OK;
}

px_rc px_svc_product_settings_put(px_db *db, const px_actor *by, const char *gtin,
                                  const px_settings_input *in, px_serial_settings *out,
                                  px_err *err)
{
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = normalize_gtin(g, gtin, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = settings_parse(out, in, err)) != PX_OK)
        return rc;
    if ((rc = px_db_begin(db, err)) != PX_OK)
        return rc;
    px_product p;
    if ((rc = px_svc_product_access(db, by, g, 1, &p, err)) != PX_OK)
        goto fail;
    if (p.has_settings) {
        rc = px_err_set(err, PX_ECONFLICT, "settings_immutable",
                        "the serial settings of product %s are already set and never change",
                        g);
        goto fail;
    }
    /* REQ-POOL-5: Delegated Regulation (EU) 2016/161 Art. 4(b)(ii) and (c) — randomised
     * serials, and room for 10,000 values per serial already known for this GTIN. */
    if ((rc = px_serial_space_check(out, (uint64_t)p.issued_count, 0,
                                    px_market_requires_randomisation(p.market), err)) != PX_OK)
        goto fail;
    if ((rc = px_store_product_settings_set(db, g, out, err)) != PX_OK)
        goto fail;
    char details[700];
    settings_json(details, sizeof(details), out);
    if ((rc = px_svc_audit(db, by, p.mah_id, "settings.product", g, details, err)))
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
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
        px_err_set(err, PX_ENOTFOUND, "not_found",
                   "neither product %s nor its organization has serial settings", p.gtin);
    return rc;
}

/* ---- allocation requests ----------------------------------------------------------------- */

/* Who receives the serials: the caller, or (MAH) a CMO partnered on the product. */
static px_rc allocation_target(px_db *db, const px_actor *by, const px_product *p,
                               const char *for_org, char *to, px_err *err)
{
    if (!for_org || strcmp(for_org, by->org_id) == 0) {
        px_strlcpy(to, by->org_id, PX_ID_LEN + 1);
        return PX_OK;
    }
    if (by->org_kind != PX_ORG_MAH)
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "only the MAH may allocate serials to another organization");
    px_partnership ps;
    px_rc rc = px_uuid_valid(for_org) ? px_store_partner_access(db, &ps, for_org, p->gtin, err)
                                : PX_ENOTFOUND;
    if (rc == PX_ENOTFOUND || (rc == PX_OK && strcmp(ps.mah_id, by->org_id) != 0)) {
        px_err_set(err, PX_EINVALID, "not_a_partner",
                   "for_org is not a CMO partnered on product %s", p->gtin);
        px_err_field(err, "for_org");
        return PX_EINVALID;
    }
    if (rc != PX_OK)
        return rc;
    /* REQ-POOL-6: a suspended partnership stops the CMO's access at once. */
    if (strcmp(ps.status, "active") != 0)
        return px_err_set(err, PX_EFORBIDDEN, "partnership_suspended",
                          "the partnership for product %s is suspended", p->gtin);
    px_strlcpy(to, for_org, PX_ID_LEN + 1);
    return PX_OK;
}

/* The product's settings, or (REQ-POOL-3) its MAH's default copied into the product at its
 * first allocation; neither: 422 settings_missing. */
static px_rc allocation_settings(px_db *db, px_product *p, px_serial_settings *s, px_err *err)
{
    if (p->has_settings)
        return px_store_product_settings_parse(s, p, err);
    px_rc rc = px_store_org_settings_get(db, s, p->mah_id, err);
    if (rc == PX_ENOTFOUND)
        return px_err_set(err, PX_EINVALID, "settings_missing",
                          "product %s has no serial settings and neither has its "
                          "organization: PUT /v1/serial-settings or "
                          "/v1/products/%s/serial-settings first",
                          p->gtin, p->gtin);
    if (rc != PX_OK)
        return rc;
    /* The copy is part of the allocation's transaction: if the allocation is refused below
     * (say, SEQUENTIAL_NUMERIC for an EU product) the product stays without settings. */
    return px_store_product_settings_set(db, p->gtin, s, err);
}

px_rc px_svc_allocate(px_db *db, const px_actor *by, const px_alloc_request *req,
                      px_alloc_result *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = normalize_gtin(g, req->gtin, err);
    if (rc != PX_OK)
        return rc;
    if (req->count < 1 || req->count > PX_ALLOC_MAX) {
        px_err_set(err, PX_EINVALID, "invalid_value", "count must be from 1 to %d",
                   PX_ALLOC_MAX);
        px_err_field(err, "count");
        return PX_EINVALID;
    }
    if (req->label && !px_str_printable(req->label, 200)) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "label must be 1 to 200 characters without control characters");
        px_err_field(err, "label");
        return PX_EINVALID;
    }
    if ((rc = px_db_begin(db, err)) != PX_OK)
        return rc;
    /* The product row stays locked to COMMIT: concurrent allocations of one GTIN pass the
     * 10,000x gate one after the other, each seeing the other's reservation. */
    px_product p;
    if ((rc = px_svc_product_access(db, by, g, 1, &p, err)) != PX_OK)
        goto fail;
    px_allocation *a = &out->allocation;
    if ((rc = allocation_target(db, by, &p, req->for_org, a->org_id, err)) != PX_OK)
        goto fail;
    px_serial_settings s;
    if ((rc = allocation_settings(db, &p, &s, err)) != PX_OK)
        goto fail;
    /* REQ-POOL-5: Delegated Regulation (EU) 2016/161 Art. 4(b)(ii): randomised serials (no
     * SEQUENTIAL_NUMERIC), Art. 4(c): guessing probability < 1/10,000, i.e. at least 10,000
     * possible values per serial issued for the GTIN, counting this request. */
    if ((rc = px_serial_space_check(&s, (uint64_t)p.issued_count, (uint64_t)req->count,
                                    px_market_requires_randomisation(p.market), err)) != PX_OK)
        goto fail;
    if ((rc = px_store_product_issued_add(db, g, req->count, err)) != PX_OK)
        goto fail;
    px_job *j = &out->job;
    px_strlcpy(j->kind, "allocation", sizeof(j->kind));
    j->total = req->count;
    px_strlcpy(j->org_id, by->org_id, sizeof(j->org_id));
    px_strlcpy(j->tenant_id, p.mah_id, sizeof(j->tenant_id));
    if ((rc = px_store_job_insert(db, j, err)) != PX_OK)
        goto fail;
    px_strlcpy(a->gtin, g, sizeof(a->gtin));
    px_strlcpy(a->requested_by, by->org_id, sizeof(a->requested_by));
    px_strlcpy(a->label, req->label ? req->label : "", sizeof(a->label));
    a->count = req->count;
    px_strlcpy(a->job_id, j->id, sizeof(a->job_id));
    if ((rc = px_store_allocation_insert(db, a, err)) != PX_OK)
        goto fail;
    char details[600], label[420];
    px_json_escape(label, sizeof(label), a->label);
    snprintf(details, sizeof(details),
             "{\"gtin\":\"%s\",\"count\":%lld,\"job_id\":\"%s\",\"allocated_to\":\"%s\","
             "\"strategy\":\"%s\",\"label\":\"%s\"}",
             g, a->count, j->id, a->org_id, px_serial_strategy_name(s.strategy), label);
    if ((rc = px_svc_audit(db, by, p.mah_id, "allocation.create", a->id, details, err)))
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}

/* ---- reading jobs and allocations ------------------------------------------------------ */

px_rc px_svc_job_get(px_db *db, const px_actor *by, const char *id, px_job *out, px_err *err)
{
    if (!px_uuid_valid(id) || px_policy_scope(by->role, PX_ACT_JOB_READ) == PX_SCOPE_DENY)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "job not found");
    return px_store_job_get(db, out, id, by->org_id, 0, err);
}

px_rc px_svc_allocation_get(px_db *db, const px_actor *by, const char *id, px_allocation *out,
                            px_err *err)
{
    if (!px_uuid_valid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation not found");
    px_rc rc = px_store_allocation_get(db, out, id, err);
    if (rc != PX_OK)
        return rc;
    switch (by->org_kind) {
    case PX_ORG_MAH: /* mah and auditor keys: the MAH's products */
        if (strcmp(out->mah_id, by->org_id) == 0)
            return PX_OK;
        break;
    case PX_ORG_CMO: {
        /* REQ-POOL-6: a CMO sees only its own allocations, while partnered. */
        if (strcmp(out->org_id, by->org_id) != 0)
            break;
        px_product p;
        return px_svc_product_access(db, by, out->gtin, 0, &p, err);
    }
    default:
        break;
    }
    /* Another tenant's (or another CMO's) allocation: 404, nothing leaks. */
    return px_err_set(err, PX_ENOTFOUND, "not_found", "allocation %s not found", id);
}

px_rc px_svc_allocation_serials_each(px_db *db, const px_actor *by, const char *id,
                                     const char *after, long limit, px_serial_item_fn fn,
                                     void *ctx, px_err *err)
{
    px_allocation a;
    px_rc rc = px_svc_allocation_get(db, by, id, &a, err);
    if (rc != PX_OK)
        return rc;
    return px_store_allocation_serials_each(db, a.id, after, limit, fn, ctx, err);
}

/* ---- the runner ------------------------------------------------------------------------ */

static px_rc fill_random(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    /* REQ-POOL-4: OpenSSL RAND_bytes (util/px_crypto), drawn into serial_gen's 4 KiB pool. */
    return px_random_bytes(buf, len);
}

/* Candidate serials of one round, free of duplicates among themselves (an open-addressing
 * set over the packed strings), so the COPY fast path never trips over its own rows. */
typedef struct cand {
    char *serials;          /* n * PX_SERIAL_STRIDE */
    size_t n, cap;
    uint32_t *slots;        /* index + 1, 0 = empty */
    size_t nslots;          /* power of two >= 2 * cap */
} cand;

static int cand_init(cand *c, size_t cap)
{
    memset(c, 0, sizeof(*c));
    c->cap = cap;
    c->nslots = 1;
    while (c->nslots < 2 * cap)
        c->nslots <<= 1;
    c->serials = malloc(cap * PX_SERIAL_STRIDE);
    c->slots = calloc(c->nslots, sizeof(uint32_t));
    return c->serials && c->slots ? 0 : -1;
}

static void cand_dispose(cand *c)
{
    if (c->serials)
        px_cleanse(c->serials, c->cap * PX_SERIAL_STRIDE);
    free(c->serials);
    free(c->slots);
    memset(c, 0, sizeof(*c));
}

static void cand_reset(cand *c)
{
    c->n = 0;
    memset(c->slots, 0, c->nslots * sizeof(uint32_t));
}

/* 1 when s was added, 0 when it was already in the set. */
static int cand_add(cand *c, const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *q = s; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211ULL;
    size_t mask = c->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t v = c->slots[i];
        if (!v) {
            memcpy(c->serials + c->n * PX_SERIAL_STRIDE, s, PX_SERIAL_STRIDE);
            c->slots[i] = (uint32_t)(++c->n);
            return 1;
        }
        if (strcmp(c->serials + (v - 1) * PX_SERIAL_STRIDE, s) == 0)
            return 0;
    }
}

/* Fills the set with `want` distinct candidates. SEQUENTIAL_NUMERIC takes a fresh disjoint
 * range of the product's counter; random strategies draw from the generator. */
static px_rc cand_fill(cand *c, px_db *db, px_serial_gen *gen, const px_alloc_claim *cl,
                       size_t want, px_err *err)
{
    cand_reset(c);
    char s[PX_SERIAL_LEN_MAX + 1];
    if (cl->settings.strategy == PX_SERIAL_SEQUENTIAL_NUMERIC) {
        long long first;
        px_rc rc = px_store_sequence_reserve(db, cl->gtin, (long long)want, &first, err);
        if (rc != PX_OK)
            return rc;
        px_serial_gen_seek(gen, (uint64_t)first);
    }
    memset(s, 0, sizeof(s));
    size_t draws = 0;
    while (c->n < want) {
        px_rc rc = px_serial_gen_next(gen, s, err);
        if (rc != PX_OK)
            return rc;
        cand_add(c, s);
        /* A space too small to yield `want` distinct values in reasonable time. */
        if (++draws > 64 * want + 4096)
            return px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                              "no more unused serials under these settings");
    }
    return PX_OK;
}

/* Expected collisions of `n` new random serials with the `known` ones of the GTIN. */
static double collision_risk(const px_alloc_claim *cl, size_t n)
{
    if (cl->settings.strategy == PX_SERIAL_SEQUENTIAL_NUMERIC)
        return 0.0; /* disjoint ranges: only external serials can collide */
    double space = (double)px_serial_space(&cl->settings);
    return space > 0 ? (double)n * (double)cl->issued_count / space : 1.0;
}

/* Generates and inserts `need` new serials for the claimed job inside the open
 * transaction. REQ-POOL-4: a collision (with earlier allocations, another CMO's, or external
 * serials) is never surfaced: the serial is skipped and another one drawn. */
static px_rc run_chunk(px_db *db, const px_alloc_claim *cl, long long need, px_err *err)
{
    px_serial_gen gen;
    px_rc rc = px_serial_gen_init(&gen, &cl->settings, fill_random, NULL, err);
    if (rc != PX_OK)
        return rc;
    cand c;
    if (cand_init(&c, (size_t)need) != 0) {
        cand_dispose(&c);
        px_serial_gen_dispose(&gen);
        return px_err_set(err, PX_EINTERNAL, "internal", "out of memory");
    }
    long long inserted = 0;
    if ((rc = cand_fill(&c, db, &gen, cl, (size_t)need, err)) != PX_OK)
        goto done;
    px_serial_set set = {c.serials, c.n};
    /* Fast path: when a collision is unlikely, COPY straight into the table (the raw
     * limit); a collision makes the COPY fail as a whole, and the same candidates go in
     * through INSERT … ON CONFLICT DO NOTHING instead. */
    if (collision_risk(cl, c.n) < 1e-3) {
        rc = px_store_serials_copy(db, cl, &set, err);
        if (rc == PX_OK) {
            inserted = need;
            goto done;
        }
        if (rc != PX_EEXISTS)
            goto done;
        px_err_clear(err);
    }
    for (int round = 0;; round++) {
        long long got = 0;
        if ((rc = px_store_serials_insert_new(db, cl, &set, &got, err)) != PX_OK)
            goto done;
        inserted += got;
        if (inserted >= need)
            break;
        if (round >= 1000) {
            rc = px_err_set(err, PX_EEXHAUSTED, "serial_space_exhausted",
                            "no more unused serials under these settings");
            goto done;
        }
        if ((rc = cand_fill(&c, db, &gen, cl, (size_t)(need - inserted), err)) != PX_OK)
            goto done;
        set.serials = c.serials;
        set.n = c.n;
    }
done:
    cand_dispose(&c);
    px_serial_gen_dispose(&gen);
    return rc;
}

static void system_actor(px_actor *a, const char *org_id)
{
    memset(a, 0, sizeof(*a));
    a->role = PX_ROLE_ADMIN;
    px_strlcpy(a->org_id, org_id, sizeof(a->org_id));
}

/* A job that can never finish (settings unusable, serial space exhausted): failed, with the
 * reason, and the unissued part of the reservation given back to the product. */
static px_rc fail_job(px_db *db, const px_alloc_claim *cl, const char *why, px_err *err)
{
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    px_actor sys;
    system_actor(&sys, cl->job_org_id);
    char details[400], esc[300];
    px_json_escape(esc, sizeof(esc), why);
    snprintf(details, sizeof(details), "{\"job_id\":\"%s\",\"gtin\":\"%s\",\"error\":\"%s\"}",
             cl->job_id, cl->gtin, esc);
    /* Only a job still queued or running fails (another process may have finished or
     * failed it meanwhile); the UPDATE waits for a chunk in progress to commit. */
    int changed = 0;
    if ((rc = px_store_job_fail(db, cl->job_id, why, &changed, err)) != PX_OK)
        goto fail;
    if (!changed) {
        px_db_rollback(db);
        return PX_OK;
    }
    if ((rc = px_store_product_issued_add(db, cl->gtin, -(cl->total - cl->done), err)) !=
            PX_OK ||
        (rc = px_svc_audit(db, &sys, cl->tenant_id, "allocation.fail", cl->allocation_id,
                           details, err)) != PX_OK)
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}

px_rc px_run_allocation(px_app *app, px_db *db, int *did_work, px_err *err)
{
    (void)app;
    *did_work = 0;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    px_alloc_claim cl;
    int found = 0;
    if ((rc = px_store_alloc_claim(db, &cl, &found, err)) != PX_OK)
        goto fail;
    if (!found) {
        px_db_rollback(db);
        return PX_OK;
    }
    *did_work = 1;
    if (!cl.settings_ok) {
        px_db_rollback(db);
        return fail_job(db, &cl, cl.settings_error, err);
    }
    long long need = cl.total - cl.done;
    if (need > PX_ALLOC_CHUNK)
        need = PX_ALLOC_CHUNK;
    if (need > 0 && (rc = run_chunk(db, &cl, need, err)) != PX_OK) {
        px_db_rollback(db);
        if (rc == PX_EEXHAUSTED || rc == PX_EINVALID) {
            char why[PX_ERR_MSG_MAX];
            px_strlcpy(why, err->message, sizeof(why));
            px_err_clear(err);
            px_logf(PX_LOG_WARN, "allocation job %s failed: %s", cl.job_id, why);
            return fail_job(db, &cl, why, err);
        }
        return rc; /* transient (database): the job stays runnable and is retried */
    }
    /* REQ-POOL-7: the chunk's serials and the job's progress commit together, so a crash
     * loses at most the uncommitted chunk, which the next claim redoes. */
    int completed = 0;
    if ((rc = px_store_job_advance(db, cl.job_id, need, &completed, err)) != PX_OK)
        goto fail;
    if (completed) {
        px_actor sys;
        system_actor(&sys, cl.job_org_id);
        char details[200];
        snprintf(details, sizeof(details), "{\"job_id\":\"%s\",\"gtin\":\"%s\",\"count\":%lld}",
                 cl.job_id, cl.gtin, cl.total);
        if ((rc = px_svc_audit(db, &sys, cl.tenant_id, "allocation.complete",
                               cl.allocation_id, details, err)) != PX_OK)
            goto fail;
    }
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}
