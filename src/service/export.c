/* Print manifests (docs/print.md "Exports").
 *
 * The export job is cheap and exact: it freezes the selection (the serials of the allocation,
 * or the commissioned packs of the batch the caller may see) into export_item, numbered in
 * serial order, and records the count. The file itself is never stored: a download renders
 * it from export_item (export_download.c).
 *
 * The download link is signed over the export's id, expiry, format and GS style
 * (signed_link.h, tag "export"); the download itself is export_download.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "lifecycle.h"
#include "pack_identity.h"
#include "pack_internal.h"
#include "print.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_log.h"
#include "px_str.h"
#include "service_internal.h"
#include "signed_link.h"
#include "tx.h"
#include "webhook.h"
#include "workers.h"

/* ---- creating and reading exports ----------------------------------------------------------- */

static void file_part(char *out, size_t cap, const char *s)
{
    /* File names carry the batch: keep [A-Za-z0-9._-], replace anything else. */
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

static px_rc check_uuid(const char *s, const char *field, px_err *err)
{
    if (px_uuid_valid(s))
        return PX_OK;
    px_err_set(err, PX_ENOTFOUND, "not_found", "%s not found", field);
    return PX_ENOTFOUND;
}

typedef struct export_ctx {
    px_export *e;
    const px_export_request *req;
} export_ctx;

/* The selection the export freezes: an allocation the caller may read (the MAH of the
 * product, or the CMO it was allocated to while partnered), or a commissioned batch of a
 * product the caller may access; anything else is not found. */
static px_rc export_source(px_db *db, const px_actor *by, px_export *e, const char *alloc_id,
                           px_product *prod, px_err *err)
{
    px_rc rc;
    char expiry[7];
    int found = 0;
    if (!alloc_id) {
        rc = px_svc_product_access(db, by, e->gtin, 0, prod, err);
        /* A CMO knows a batch it made packs of, as its batch read (GET /v1/batches): another
         * organization's batch of a shared GTIN is unknown to it, as an unknown one. */
        if (rc == PX_OK)
            rc = px_store_batch_expiry(db, expiry, &found, e->gtin, e->batch, px__cmo_scope(by),
                                       err);
        if (rc == PX_OK && !found)
            rc = px_err_set(err, PX_ENOTFOUND, "not_found", "batch '%s' of %s not found", e->batch,
                            e->gtin);
        return rc;
    }
    px_allocation a;
    if ((rc = px_svc_allocation_get(db, by, alloc_id, &a, err)) != PX_OK ||
        (rc = px_svc_product_access(db, by, a.gtin, 0, prod, err)) != PX_OK)
        return rc;
    /* An allocation whose job failed has no serials to come: refused now rather than
     * accepted and failed by the runner. */
    px_job job;
    if ((rc = px_store_job_get(db, &job, a.job_id, "", 1, err)) != PX_OK)
        return rc;
    if (strcmp(job.status, "failed") == 0)
        return px_err_set_field(err, PX_ESTATE, "allocation_failed", "allocation_id",
                                "allocation %s failed: %s", a.id, job.error);
    px_strlcpy(e->allocation_id, a.id, sizeof(e->allocation_id));
    px_strlcpy(e->gtin, a.gtin, sizeof(e->gtin));
    /* One batch has one expiry (docs/api.md batch_expiry_mismatch). */
    if (!e->run_batch[0])
        return PX_OK;
    /* The production run's batch takes its expiry now (as a commission would), so the
     * manifest's labels and the later commission cannot disagree. */
    char recall[PX_BATCH_RECALL_MAX];
    rc = px_store_batch_claim(db, expiry, recall, e->gtin, e->run_batch, e->run_expiry, err);
    if (rc == PX_OK && recall[0])
        rc = px__batch_recalled(err, e->gtin, e->run_batch, recall);
    else if (rc == PX_OK && strcmp(expiry, e->run_expiry) != 0)
        rc = px_err_set_field(err, PX_ECONFLICT, "batch_expiry_mismatch", "expiry",
                              "batch '%s' already has expiry %s", e->run_batch, expiry);
    if (rc != PX_OK)
        return rc;
    /* A serial printed with another batch keeps that label (a print job's outranks a
     * manifest's, px_store_printed_other_batch): a manifest naming this batch for it would
     * print labels its commission then refuses (printed_batch_mismatch). Refused now. */
    long long printed = 0;
    rc = px_store_allocation_printed_other_batch(db, e->gtin, e->allocation_id, e->run_batch,
                                                 &printed, err);
    if (rc == PX_OK && printed > 0)
        rc = px_err_set_field(err, PX_ESTATE, "printed_batch_mismatch", "batch",
                              "%lld of the serials of allocation %s were printed with another "
                              "batch than '%s' (GET /v1/print-jobs?gtin=%s lists the jobs)",
                              printed, e->allocation_id, e->run_batch, e->gtin);
    return rc;
}

px_rc px__export_retry(px_tx *tx, const px_job *j, px_err *err)
{
    px_db *db = px_tx_db(tx);
    px_export e;
    px_product prod;
    /* Its selection asked again as at the request: still readable, an allocation not failed
     * (retry the allocation first), a production run's batch not recalled since and its
     * expiry not past (its labels would be refused at commission). */
    px_rc rc = px_store_export_get(db, &e, j->object_id, err);
    if (rc == PX_OK)
        rc = export_source(db, px_tx_actor(tx), &e, e.allocation_id[0] ? e.allocation_id : NULL,
                           &prod, err);
    gs1_date expiry;
    if (rc == PX_OK && e.run_expiry[0] &&
        (rc = px_commission_expiry_check(&expiry, e.run_expiry, px_now_us(), err)) != PX_OK) {
        px_err_field(err, "expiry");
        return rc;
    }
    if (rc != PX_OK || (rc = px_store_export_requeue(db, e.id, err)) != PX_OK ||
        (rc = px_store_job_requeue(db, j->id, 0, err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, e.tenant_id, "export.retry", e.id);
    px_audit_str(d, "job_id", j->id);
    px_audit_str(d, "gtin", e.gtin);
    px_audit_str(d, "failed_with", j->error);
    return PX_OK;
}

static px_rc export_body(px_tx *tx, void *vc, px_err *err)
{
    export_ctx *c = vc;
    px_export *e = c->e;
    px_db *db = px_tx_db(tx);
    const px_actor *by = px_tx_actor(tx);
    int by_alloc = c->req->allocation_id != NULL;
    px_product prod;
    px_rc rc = export_source(db, by, e, c->req->allocation_id, &prod, err);
    if (rc != PX_OK)
        return rc;
    /* A CMO's manifest — of a batch or of its allocation — holds only its own serials and
     * never a pack already released (a CMO never sees packs after release). */
    if (by->org_kind == PX_ORG_CMO)
        px_strlcpy(e->scope_org, by->org_id, sizeof(e->scope_org));
    px_strlcpy(e->tenant_id, prod.mah_id, sizeof(e->tenant_id));
    char what[48], idpart[9];
    file_part(what, sizeof(what), by_alloc ? e->allocation_id : e->batch);
    if (by_alloc)
        what[8] = '\0';
    px_strlcpy(idpart, e->id, sizeof(idpart));
    snprintf(e->filename, sizeof(e->filename), "packid-%s-%s-%s.%s", e->gtin, what, idpart,
             e->format);
    if ((rc = px_store_export_insert(db, e, px_now_us(), err)) != PX_OK)
        return rc;
    px_audit_details *d = px_tx_audit(tx, e->tenant_id, "export.create", e->id);
    px_audit_str(d, "gtin", e->gtin);
    px_audit_str(d, "allocation_id", by_alloc ? e->allocation_id : NULL);
    /* The batch exported, or the production run an allocation's labels carry: its expiry was
     * claimed here (every later commission of the batch must match it). */
    px_audit_str(d, "batch", by_alloc ? NULL : e->batch);
    px_audit_str(d, "run_batch", e->run_batch[0] ? e->run_batch : NULL);
    px_audit_str(d, "run_expiry", e->run_expiry[0] ? e->run_expiry : NULL);
    px_audit_str(d, "format", e->format);
    px_audit_str(d, "job_id", e->job_id);
    return PX_OK;
}

px_rc px_svc_export_create(px_db *db, const px_actor *by, const px_export_request *req,
                           px_export *out, px_err *err)
{
    px_export e = {0};
    int by_alloc = req->allocation_id != NULL;
    if (by_alloc == (req->gtin != NULL)) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "give either allocation_id (with the run's batch and expiry, optional), or "
                   "gtin and batch");
        px_err_field(err, "allocation_id");
        return PX_EINVALID;
    }
    /* A batch export's rows carry each pack's own expiry: an expiry given there is the member
     * at fault, not the form. */
    if (!by_alloc && req->expiry) {
        px_err_set(err, PX_EINVALID, "invalid_value",
                   "a batch export takes no expiry (its packs carry their own); expiry goes "
                   "with an allocation export's production run");
        px_err_field(err, "expiry");
        return PX_EINVALID;
    }
    if (by_alloc && (req->batch != NULL) != (req->expiry != NULL)) {
        /* Refused before anything is printed: a label needs both (print
         * governance; Delegated Regulation (EU) 2016/161 Art. 4(b)(iv)-(v)). */
        px_err_set(err, PX_EINVALID, "required",
                   "the production run's batch and expiry are given together");
        px_err_field(err, req->batch ? "expiry" : "batch");
        return PX_EINVALID;
    }
    if (by_alloc && req->batch) {
        gs1_date d;
        /* The batch the run's packs will be commissioned in: its rule (pack_identity.h). */
        if (px_commission_batch_check(req->batch, err) != PX_OK)
            return PX_EINVALID;
        /* The commissioning rule: YYMMDD (DD=00 allowed), not already past. */
        if (px_commission_expiry_check(&d, req->expiry, px_now_us(), err) != PX_OK) {
            px_err_field(err, "expiry");
            return PX_EINVALID;
        }
        px_strlcpy(e.run_batch, req->batch, sizeof(e.run_batch));
        px_strlcpy(e.run_expiry, req->expiry, sizeof(e.run_expiry));
    }
    static const char *const gs_styles[] = {"escape", "tag"};
    const char *gs = req->gs && *req->gs ? req->gs : "escape";
    px_rc rc = px_name_pick(gs_styles, PX_COUNT(gs_styles), gs, "invalid_value", "gs", NULL, err);
    if (rc != PX_OK)
        return rc;
    if (!by_alloc) {
        if (!req->gtin || !req->batch) {
            return px_err_set_field(err, PX_EINVALID, "required", req->gtin ? "batch" : "gtin",
                                    "gtin and batch are both required");
        }
        if (px__gtin_field(e.gtin, req->gtin, err) != PX_OK)
            return PX_EINVALID;
        if (gs1_cset82_validate(req->batch, GS1_BATCH_MAX, err) != PX_OK) {
            px_err_field(err, "batch");
            return PX_EINVALID;
        }
        px_strlcpy(e.batch, req->batch, sizeof(e.batch));
    } else if (check_uuid(req->allocation_id, "allocation", err) != PX_OK) {
        return err->rc;
    }
    px_strlcpy(e.format, req->jsonl ? "jsonl" : "csv", sizeof(e.format));
    px_strlcpy(e.gs_style, gs, sizeof(e.gs_style));
    px_strlcpy(e.org_id, by->org_id, sizeof(e.org_id));
    px_strlcpy(e.key_id, by->key_id, sizeof(e.key_id));
    if (px_uuid_v4(e.id) != PX_OK || px_uuid_v4(e.job_id) != PX_OK)
        return px_err_no_random(err);

    export_ctx c = {&e, req};
    rc = px_tx_run(db, by, export_body, &c, err);
    if (rc == PX_OK)
        *out = e;
    return rc;
}

/* A CMO's manifest is handed out only while the CMO's partnership still serves the product
 * (as the CMO's own reads of it: 403 partnership_suspended, 404), whoever holds its link. */
px_rc px__export_scope_served(px_db *db, const px_export *e, px_err *err)
{
    return e->scope_org[0]
               ? px__cmo_org_reads_through_partnership(db, e->scope_org, e->gtin, "export", err)
               : PX_OK;
}

/* A CMO's manifest is frozen with the packs the CMO saw then; once the MAH releases one of
 * them, the CMO no longer sees it (DESIGN's pack visibility rule), and the file must not shrink
 * under its count either. So the manifest is no longer handed out, to anyone: 409
 * export_released, saying how many; a new export holds the packs still unreleased. */
px_rc px__export_unreleased(px_db *db, const px_export *e, px_err *err)
{
    long long n = 0;
    if (px_store_export_released(db, e, &n, err) != PX_OK)
        return err->rc;
    if (n == 0)
        return PX_OK;
    return px_err_set(err, PX_ECONFLICT, "export_released",
                      "%lld of the %lld packs of export %s were released since it was made; "
                      "the CMO's manifest is no longer handed out: make a new export",
                      n, e->count, e->id);
}

px_rc px_svc_export_get(px_db *db, const px_app *app, const px_actor *by, const char *id,
                        px_export *out, px_export_link *link, px_err *err)
{
    memset(link, 0, sizeof(*link));
    if (check_uuid(id, "export", err) != PX_OK)
        return err->rc;
    px_rc rc = px_store_export_get(db, out, id, err);
    if (rc == PX_OK && !px__maker_or_its_mah(by, out->org_id, out->tenant_id))
        rc = px_err_set(err, PX_ENOTFOUND, "not_found", "export not found");
    /* No fresh download link for a CMO whose partnership no longer serves the product. */
    if (rc == PX_OK)
        rc = px__cmo_reads_through_partnership(db, by, out->gtin, "export", err);
    if (rc != PX_OK || strcmp(out->status, "completed") != 0)
        return rc;
    if (px__export_unreleased(db, out, err) != PX_OK)
        return err->rc;
    /* The product's MAH reading its CMO's manifest while the CMO's partnership no longer
     * serves the product: the export without a link, rather than one its download refuses.
     * (A CMO caller's own partnership was asked above.) */
    if (by->org_kind != PX_ORG_CMO) {
        px_err refused = PX_ERR_INIT;
        if ((rc = px__export_scope_served(db, out, &refused)) == PX_EFORBIDDEN ||
            rc == PX_ENOTFOUND)
            return PX_OK;
        if (rc != PX_OK)
            return px_err_set(err, rc, refused.code, "%s", refused.message);
    }
    char path[96];
    snprintf(path, sizeof(path), "/v1/exports/%s/download", out->id);
    return px__link_mint(db, app, "export", out->id, out->format, out->gs_style, path, link, err);
}

/* ---- the runner --------------------------------------------------------------------------- */

/* An export that can never complete: failed with its reason, audited (export.fail), told to
 * the MAH's webhook (job.failed, docs/webhooks.md), as an allocation's failure, and logged once
 * that commits. */
static px_rc export_fail(px_tx *tx, const px_export *e, const char *why, px_err *err)
{
    px_tx_log(tx, PX_LOG_ERROR, "export %s failed: %s", e->id, why);
    px_rc rc = px_store_export_fail(px_tx_db(tx), e, why, px_now_us(), err);
    if (rc != PX_OK)
        return rc;
    px_audit_details *d =
        px_tx_audit_job(tx, e->org_id, e->tenant_id, "export.fail", e->id, e->job_id);
    px_audit_str(d, "gtin", e->gtin);
    px_audit_str(d, "allocation_id", e->allocation_id[0] ? e->allocation_id : NULL);
    px_audit_str(d, "error", why);
    return px_svc_webhook_job_failed(tx, e->tenant_id, "export", e->job_id, e->id, e->gtin, why,
                                     err);
}

typedef struct export_run {
    px_export e;
    int found;
    px_job_try_outcome try_out; /* the freeze's try */
} export_run;

static px_rc freeze_body(px_tx *tx, void *vc, px_err *err)
{
    export_run *c = vc;
    return px_store_export_freeze(px_tx_db(tx), &c->e, px_now_us(), err);
}

/* Claims the oldest runnable export (its job row locked until COMMIT) and freezes it as a try
 * (px_job_try); after its last try it fails, in the same transaction. */
static px_rc export_run_body(px_tx *tx, void *vc, px_err *err)
{
    export_run *c = vc;
    memset(&c->try_out, 0, sizeof(c->try_out));
    int alloc_failed = 0;
    px_rc rc = px_store_export_claim(px_tx_db(tx), &c->e, &c->found, &alloc_failed, err);
    if (rc != PX_OK || !c->found)
        return rc;
    if (alloc_failed)
        return export_fail(tx, &c->e, "the allocation failed", err);
    rc = px_job_try(tx, "export", c->e.job_id, freeze_body, c, &c->try_out, err);
    if (rc != PX_OK || !c->try_out.exhausted)
        return rc;
    return export_fail(tx, &c->e, c->try_out.err.message, err);
}

px_rc px_run_export(px_app *app, px_db *db, int *did_work, px_err *err)
{
    (void)app;
    export_run c = {0};
    px_rc rc = px_tx_run(db, NULL, export_run_body, &c, err);
    *did_work = rc == PX_OK && c.found;
    return px_job_try_result(rc, &c.try_out, err);
}
