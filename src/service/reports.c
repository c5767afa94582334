/* EPCIS reports for regulators (issue 6 parts 3–7, docs/delivery.md): endpoints, the report a
 * release queues, the delivery runner (outbox), the EPCIS query and the export. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery.h"
#include "gs1.h"
#include "px_buf.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "reports.h"
#include "serial_gen.h"

/* A report document is held in memory once, while it is built and while it is sent. */
#define REPORT_DOC_MAX (256L * 1024 * 1024)

/* ---- small checks ------------------------------------------------------------------ */

static int is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

static int is_market(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

static int is_gln(const char *s)
{
    if (!s || strlen(s) != 13)
        return 0;
    for (int i = 0; i < 13; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static long env_long(const char *name, long dflt, long min, long max)
{
    const char *v = getenv(name);
    long out;
    if (v && *v && px_parse_long(v, min, max, &out) == 0)
        return out;
    return dflt;
}

px_epcis_profile px_svc_market_profile(const char *market)
{
    if (market && strcmp(market, "US") == 0)
        return PX_EPCIS_PROFILE_US_DSCSA;
    /* The EU profile wherever the EU FMD applies: domain/'s one list of those markets. */
    return px_market_is_eu_fmd(market) ? PX_EPCIS_PROFILE_EU : PX_EPCIS_PROFILE_NONE;
}

/* ---- endpoints ---------------------------------------------------------------------- */

px_rc px_svc_endpoint_create(px_db *db, const px_actor *by, const px_endpoint_request *rq,
                             px_endpoint *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    px_rc rc;
    if (!is_market(rq->market)) {
        rc = px_err_set(err, PX_EINVALID, "invalid_value", "market must be 2 upper-case letters");
        px_err_field(err, "market");
        return rc;
    }
    if ((rc = px_delivery_url_check(rq->url, err)) != PX_OK)
        return rc;
    if (rq->auth_header && (rc = px_delivery_header_check(rq->auth_header, err)) != PX_OK) {
        px_err_field(err, "auth_header");
        return rc;
    }
    if (rq->hmac_secret) {
        size_t n = strlen(rq->hmac_secret);
        if (n < PX_DELIVERY_SECRET_MIN || n > PX_DELIVERY_SECRET_MAX ||
            !px_str_printable(rq->hmac_secret, PX_DELIVERY_SECRET_MAX)) {
            rc = px_err_set(err, PX_EINVALID, "invalid_value",
                            "hmac_secret must be %d to %d characters without control characters",
                            PX_DELIVERY_SECRET_MIN, PX_DELIVERY_SECRET_MAX);
            px_err_field(err, "hmac_secret");
            return rc;
        }
    }
    if (rq->receiver_gln && (rc = gs1_gln_validate(rq->receiver_gln, err)) != PX_OK) {
        px_err_field(err, "receiver_gln");
        return rc;
    }
    px_strlcpy(out->tenant_id, by->org_id, sizeof(out->tenant_id));
    px_strlcpy(out->market, rq->market, sizeof(out->market));
    px_strlcpy(out->url, rq->url, sizeof(out->url));
    px_strlcpy(out->receiver_gln, rq->receiver_gln ? rq->receiver_gln : "",
               sizeof(out->receiver_gln));
    if ((rc = px_db_begin(db, err)) != PX_OK)
        return rc;
    if ((rc = px_store_endpoint_insert(db, out, rq->auth_header, rq->hmac_secret, err)) != PX_OK)
        goto fail;
    /* Audited without the URL's query, the auth header or the secret. */
    char details[160];
    snprintf(details, sizeof(details), "{\"market\":\"%s\",\"auth_header\":%s,\"signed\":%s}",
             out->market, out->has_auth_header ? "true" : "false",
             out->has_hmac_secret ? "true" : "false");
    if ((rc = px_svc_audit(db, by, by->org_id, "endpoint.create", out->id, details, err)) !=
        PX_OK)
        goto fail;
    return px_db_commit(db, err);
fail:
    px_db_rollback(db);
    return rc;
}

px_rc px_svc_endpoints_each(px_db *db, const px_actor *by, px_endpoint_fn fn, void *ctx,
                            px_err *err)
{
    return px_store_endpoint_each(db, by->org_id, NULL, 0, fn, ctx, err);
}

/* ---- building documents -------------------------------------------------------------- */

/* NDC as printed ("1234-5678-90", "12345-678-90", "12345-6789-1") -> the 11-digit HIPAA form
 * (5-4-2, zero-padded segments); 11 bare digits pass; anything else is copied as is (the
 * DSCSA profile then refuses it with its reason). */
static void ndc11(char out[16], const char *ndc)
{
    const char *seg[3] = {0};
    size_t len[3] = {0};
    int n = 0;
    const char *p = ndc;
    px_strlcpy(out, ndc, 16);
    while (n < 3) {
        seg[n] = p;
        const char *h = strchr(p, '-');
        len[n] = h ? (size_t)(h - p) : strlen(p);
        n++;
        if (!h)
            break;
        p = h + 1;
    }
    if (n != 3 || strchr(p, '-'))
        return;
    static const size_t want[3] = {5, 4, 2};
    char buf[16];
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        if (len[i] == 0 || len[i] > want[i])
            return;
        for (size_t k = len[i]; k < want[i]; k++)
            buf[o++] = '0';
        memcpy(buf + o, seg[i], len[i]);
        o += len[i];
    }
    buf[o] = '\0';
    px_strlcpy(out, buf, 16);
}

typedef struct product_md {
    px_epcis_product p;
    char ndc[16];
    char gcp_gtin[15];
} product_md;

static void product_master(product_md *m, const px_product *pr)
{
    memset(m, 0, sizeof(*m));
    px_strlcpy(m->gcp_gtin, pr->gtin, sizeof(m->gcp_gtin));
    m->p.gtin = m->gcp_gtin;
    m->p.gcp_len = pr->company_prefix_length;
    m->p.regulated_product_name =
        pr->master.regulated_product_name[0] ? pr->master.regulated_product_name : pr->name;
    m->p.dosage_form_type = pr->master.dosage_form;
    m->p.strength_description = pr->master.strength;
    m->p.net_content_description = pr->master.pack_size;
    m->p.manufacturer_name = pr->master.manufacturer;
    if (pr->master.ndc[0]) {
        ndc11(m->ndc, pr->master.ndc);
        m->p.ndc = m->ndc;
    }
    m->p.nhrn_ai = pr->nhrn_ai[0] ? pr->nhrn_ai : NULL;
    m->p.nhrn = pr->nhrn_value[0] ? pr->nhrn_value : NULL;
}

/* The lists an event built from a row points to (they live as long as the event). */
typedef struct row_lists {
    px_epcis_party sources[2], destinations[2];
    px_epcis_biz_transaction bt;
} row_lists;

/* A release's shipping data as the lifecycle hashed it (lifecycle.c build_event): source and
 * destination each with owning_party then location (EPCIS 1.2 §7.3.5.4), one bizTransaction. */
static void row_shipping(px_epcis_event *ev, row_lists *l, const px_epcis_row *row)
{
    size_t n = 0;
    if (row->source_party && row->source_party[0])
        l->sources[n++] = (px_epcis_party){PX_SDT_OWNING_PARTY, row->source_party};
    if (row->source_location && row->source_location[0])
        l->sources[n++] = (px_epcis_party){PX_SDT_LOCATION, row->source_location};
    ev->sources = n ? l->sources : NULL;
    ev->n_sources = n;
    n = 0;
    if (row->dest_party && row->dest_party[0])
        l->destinations[n++] = (px_epcis_party){PX_SDT_OWNING_PARTY, row->dest_party};
    if (row->dest_location && row->dest_location[0])
        l->destinations[n++] = (px_epcis_party){PX_SDT_LOCATION, row->dest_location};
    ev->destinations = n ? l->destinations : NULL;
    ev->n_destinations = n;
    if (row->biz_tx && row->biz_tx[0]) {
        l->bt.type = px_cbv_btt_lookup(row->biz_tx_type);
        l->bt.id = row->biz_tx;
        ev->biz_transactions = &l->bt;
        ev->n_biz_transactions = 1;
    }
}

/* One stored event as the writer's event. The ILMD (lot, expiry) goes with commissioning
 * only (EPCIS 1.2: ilmd only when action = ADD, DOMAIN.md §6.3). */
static px_rc row_event(px_epcis_event *ev, row_lists *lists, const px_epcis_row *row,
                       px_err *err)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = strcmp(row->type, "AggregationEvent") == 0 ? PX_EPCIS_AGGREGATION_EVENT
                                                          : PX_EPCIS_OBJECT_EVENT;
    if (strcmp(row->action, "ADD") == 0)
        ev->action = PX_EPCIS_ADD;
    else if (strcmp(row->action, "DELETE") == 0)
        ev->action = PX_EPCIS_DELETE;
    else
        ev->action = PX_EPCIS_OBSERVE;
    ev->biz_step = px_cbv_bizstep_lookup(row->biz_step);
    ev->disposition = row->disposition[0] ? px_cbv_disp_lookup(row->disposition) : PX_DISP_NONE;
    if (ev->biz_step == PX_BIZSTEP_NONE)
        return px_err_set(err, PX_EINTERNAL, "internal", "stored event %s has an unknown bizStep",
                          row->id);
    ev->event_time_us = row->event_time_us;
    ev->tz_offset_min = row->tz_offset_min;
    ev->event_id = row->event_hash[0] ? row->event_hash : NULL;
    ev->sgtin_gtin = row->gtin;
    ev->sgtin_gcp_len = row->gcp_len;
    ev->serials = row->serials;
    ev->n_serials = row->n_serials;
    ev->read_point = row->read_point[0] ? row->read_point : NULL;
    ev->biz_location = row->biz_location[0] ? row->biz_location : NULL;
    if (ev->action == PX_EPCIS_ADD && ev->type == PX_EPCIS_OBJECT_EVENT) {
        ev->lot = row->lot[0] ? row->lot : NULL;
        ev->expiry = row->expiry[0] ? row->expiry : NULL;
    }
    row_shipping(ev, lists, row);
    return PX_OK;
}

typedef struct write_ctx {
    px_epcis_writer *w;
    px_err *err;
    px_rc rc;
} write_ctx;

static int write_row(void *ctx, const px_epcis_row *row)
{
    write_ctx *c = ctx;
    px_epcis_event ev;
    row_lists lists;
    if ((c->rc = row_event(&ev, &lists, row, c->err)) != PX_OK)
        return 1;
    if ((c->rc = px_epcis_writer_event(c->w, &ev)) != PX_OK) {
        px_epcis_writer_finish(c->w, c->err); /* copies the sticky error */
        return 1;
    }
    return 0;
}

static int first_gln(void *ctx, const px_epcis_row *row)
{
    px_strlcpy(ctx, row->location_gln, 14);
    return 1;
}

/* Writes the document of filter f: header (profile, GLNs, master data of product), then
 * every event, streamed. */
static px_rc write_document(px_db *db, const px_epcis_filter *f, px_epcis_profile profile,
                            const char *tenant_id, const px_product *product,
                            const char *receiver_gln, const char *instance_id,
                            px_epcis_sink sink, void *sctx, size_t *count, px_err *err)
{
    *count = 0;
    px_org org;
    px_rc rc = px_store_org_get(db, &org, tenant_id, err);
    if (rc != PX_OK)
        return rc;
    char sender[14];
    px_strlcpy(sender, org.gln, sizeof(sender));
    if (!is_gln(sender)) {
        /* The MAH has no GLN of its own: the GLN its events were recorded at. */
        sender[0] = '\0';
        if ((rc = px_store_epcis_events_each(db, f, first_gln, sender, err)) != PX_OK)
            return rc;
        if (!is_gln(sender))
            return px_err_set(err, PX_EINVALID, "missing_gln",
                              "the sender needs a GLN: give organization %s one (packid org "
                              "create --gln)",
                              tenant_id);
    }
    product_md md;
    product_master(&md, product);
    px_epcis_doc_header h = {
        .profile = profile,
        .sender_gln = sender,
        .receiver_gln = is_gln(receiver_gln) ? receiver_gln : sender,
        .instance_id = instance_id,
        .creation_us = px_now_us(),
        .products = &md.p,
        .n_products = 1,
        .indent = 0,
    };
    px_epcis_writer *w = NULL;
    if ((rc = px_epcis_writer_new(&w, sink, sctx, &h, err)) != PX_OK)
        return rc;
    write_ctx c = {w, err, PX_OK};
    rc = px_store_epcis_events_each(db, f, write_row, &c, err);
    if (rc == PX_OK)
        rc = c.rc;
    if (rc == PX_OK)
        rc = px_epcis_writer_finish(w, err);
    *count = px_epcis_writer_count(w);
    px_epcis_writer_free(w);
    return rc;
}

/* ---- queueing (the release hook) ------------------------------------------------------- */

/* The audit entry of one queued report, appended once every document is built. */
typedef struct queued_report {
    char id[PX_ID_LEN + 1];
    char details[200];
} queued_report;

typedef struct queue_ctx {
    px_db *db;
    const px_actor *by;
    const px_release_info *rel;
    const px_product *product;
    char first[PX_ID_LEN + 1];
    int queued;
    queued_report *audit;          /* one per queued report (malloc'd) */
    size_t n_audit, cap_audit;
    px_err *err;
    px_rc rc;
} queue_ctx;

static int queue_one(void *ctx, const px_endpoint *e)
{
    queue_ctx *q = ctx;
    px_report rep;
    memset(&rep, 0, sizeof(rep));
    if ((q->rc = px_uuid_v4(rep.id)) != PX_OK) {
        px_err_set(q->err, PX_EINTERNAL, "internal", "no randomness");
        return 1;
    }
    px_strlcpy(rep.document_id, rep.id, sizeof(rep.document_id));
    px_strlcpy(rep.tenant_id, q->rel->tenant_id, sizeof(rep.tenant_id));
    px_strlcpy(rep.endpoint_id, e->id, sizeof(rep.endpoint_id));
    px_strlcpy(rep.market, q->rel->market, sizeof(rep.market));
    px_strlcpy(rep.release_id, q->rel->id, sizeof(rep.release_id));
    px_strlcpy(rep.gtin, q->rel->gtin, sizeof(rep.gtin));
    px_strlcpy(rep.batch, q->rel->batch, sizeof(rep.batch));
    rep.max_attempts = (int)env_long("PACKID_DELIVERY_MAX_ATTEMPTS", 8, 1, 100);
    if ((q->rc = px_store_report_insert(q->db, &rep, q->err)) != PX_OK)
        return 1;

    /* The document is built now, inside the release's transaction (it sees the release's
     * own event), and stored once: every try sends these bytes (issue 6 part 5). */
    px_epcis_filter f = {.gtin = q->rel->gtin, .lot = q->rel->batch, .release_id = q->rel->id};
    px_buf doc;
    px_buf_init(&doc, REPORT_DOC_MAX);
    size_t count = 0;
    px_err berr;
    px_err_clear(&berr);
    px_rc rc = write_document(q->db, &f, px_svc_market_profile(q->rel->market), q->rel->tenant_id,
                              q->product, e->receiver_gln, rep.id, px_epcis_sink_buf, &doc,
                              &count, &berr);
    if (rc == PX_OK) {
        char sha[PX_SHA256_HEX_LEN + 1];
        px_sha256_hex(sha, doc.data, doc.len);
        q->rc = px_store_report_set_document(q->db, rep.id, doc.data, doc.len, sha, (int)count,
                                             q->err);
    } else if (rc == PX_EUNAVAIL || rc == PX_ECONFLICT) {
        *q->err = berr;
        q->rc = rc; /* the database failed: the release fails with it */
    } else {
        /* A document that cannot be built (a profile rule, a missing GLN) is never sent:
         * the report is failed with the reason, and the release stands. */
        char reason[400];
        snprintf(reason, sizeof(reason), "%s: %s", berr.code, berr.message);
        q->rc = px_store_report_fail(q->db, rep.id, reason, q->err);
    }
    px_buf_dispose(&doc);
    if (q->rc != PX_OK)
        return 1;
    /* The audit entry is kept for later: appending it takes the audit chain's transaction-
     * scoped lock until COMMIT (migration 0001), and the next endpoint's document would be
     * built under it (docs/architecture.md "Transactions": audit last). */
    if (q->n_audit == q->cap_audit) {
        size_t cap = q->cap_audit ? q->cap_audit * 2 : 4;
        queued_report *v = realloc(q->audit, cap * sizeof(*v));
        if (!v) {
            q->rc = px_err_set(q->err, PX_EINTERNAL, "internal", "out of memory");
            return 1;
        }
        q->audit = v;
        q->cap_audit = cap;
    }
    queued_report *a = &q->audit[q->n_audit++];
    px_strlcpy(a->id, rep.id, sizeof(a->id));
    snprintf(a->details, sizeof(a->details),
             "{\"release_id\":\"%s\",\"endpoint_id\":\"%s\",\"market\":\"%s\",\"events\":%zu}",
             q->rel->id, e->id, rep.market, count);
    if (!q->first[0])
        px_strlcpy(q->first, rep.id, sizeof(q->first));
    q->queued++;
    return 0;
}

px_rc px_svc_reports_queue_release(px_db *db, const px_actor *by, const char *release_id,
                                   char report_id[PX_ID_LEN + 1], px_err *err)
{
    report_id[0] = '\0';
    px_release_info rel;
    px_rc rc = px_store_release_info(db, &rel, release_id, err);
    if (rc != PX_OK)
        return rc;
    px_product product;
    if ((rc = px_store_product_get(db, &product, rel.gtin, 0, err)) != PX_OK)
        return rc;
    queue_ctx q = {db, by, &rel, &product, "", 0, NULL, 0, 0, err, PX_OK};
    rc = px_store_endpoint_each(db, rel.tenant_id, rel.market, 1, queue_one, &q, err);
    if (rc == PX_OK)
        rc = q.rc;
    if (rc == PX_OK && q.first[0])
        rc = px_store_release_set_report(db, release_id, q.first, err);
    /* Every document is built: now the audit entries (the caller appends its own after
     * these, then commits). */
    for (size_t i = 0; rc == PX_OK && i < q.n_audit; i++)
        rc = px_svc_audit(db, by, rel.tenant_id, "report.queue", q.audit[i].id,
                          q.audit[i].details, err);
    free(q.audit);
    if (rc == PX_OK && q.first[0])
        px_strlcpy(report_id, q.first, PX_ID_LEN + 1);
    return rc;
}

/* ---- reading reports ------------------------------------------------------------------ */

/* The scope of a report read: tenant for MAH/auditor, market for a regulator. */
static px_rc report_scope(const px_actor *by, const char **tenant, const char **market,
                          px_err *err)
{
    *tenant = NULL;
    *market = NULL;
    switch (px_policy_scope(by->role, PX_ACT_REPORT_READ)) {
    case PX_SCOPE_ORG:
        *tenant = by->org_id;
        return PX_OK;
    case PX_SCOPE_MARKET:
        /* A regulator without a market sees nothing. */
        *market = is_market(by->market) ? by->market : "--";
        return PX_OK;
    case PX_SCOPE_SYSTEM:
        return PX_OK;
    default:
        return px_policy_check(by->role, PX_ACT_REPORT_READ, err);
    }
}

px_rc px_svc_report_get(px_db *db, const px_actor *by, const char *id, px_report *out,
                        px_err *err)
{
    const char *tenant, *market;
    px_rc rc = report_scope(by, &tenant, &market, err);
    if (rc != PX_OK)
        return rc;
    if (!is_uuid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    return px_store_report_get(db, out, id, tenant, market, err);
}

px_rc px_svc_report_attempts_each(px_db *db, const px_actor *by, const char *id,
                                  px_report_attempt_fn fn, void *ctx, px_err *err)
{
    px_report r;
    px_rc rc = px_svc_report_get(db, by, id, &r, err);
    if (rc != PX_OK)
        return rc;
    return px_store_report_attempts_each(db, r.id, fn, ctx, err);
}

px_rc px_svc_report_document(px_db *db, const px_app *app, const px_actor *by, const char *id,
                             char **doc, size_t *len, px_err *err)
{
    (void)app;
    *doc = NULL;
    *len = 0;
    const char *tenant, *market;
    px_rc rc = report_scope(by, &tenant, &market, err);
    if (rc != PX_OK)
        return rc;
    if (!is_uuid(id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "no such report");
    if ((rc = px_store_report_document(db, doc, len, id, tenant, market, err)) != PX_OK)
        return rc;
    if (!*doc)
        return px_err_set(err, PX_ENOTFOUND, "not_found",
                          "report %s has no document (it could not be built: see last_error)",
                          id);
    return PX_OK;
}

/* ---- the delivery runner ----------------------------------------------------------------- */

/* The compiled XSD, shared by every worker thread (a validator is read-only once built and
 * safe for concurrent validation: epcis.h). Compiled on first use, kept for the process. */
static pthread_mutex_t validator_mu = PTHREAD_MUTEX_INITIALIZER;
static px_epcis_validator *validator;

static px_rc validator_get(const char *dir, const px_epcis_validator **out, px_err *err)
{
    pthread_mutex_lock(&validator_mu);
    px_rc rc = PX_OK;
    if (!validator)
        rc = px_epcis_validator_new(&validator, dir, err);
    *out = validator;
    pthread_mutex_unlock(&validator_mu);
    return rc;
}

px_rc px_run_delivery(px_app *app, px_db *db, int *did_work, px_err *err)
{
    *did_work = 0;
    px_report_job job;
    px_rc rc = px_db_begin(db, err);
    if (rc != PX_OK)
        return rc;
    rc = px_store_report_claim(db, &job, err);
    if (rc == PX_ENOTFOUND) {
        px_db_rollback(db);
        px_err_clear(err);
        return PX_OK;
    }
    if (rc != PX_OK) {
        px_db_rollback(db);
        return rc;
    }
    *did_work = 1;
    char reason[PX_ERR_MSG_MAX + 64];
    reason[0] = '\0';
    if (!job.document) {
        snprintf(reason, sizeof(reason), "the report has no document");
    } else if (app->cfg.epcis_xsd_dir[0]) {
        /* Issue 6 part 3: validated before every send; an invalid document is never sent. */
        const px_epcis_validator *v = NULL;
        px_err verr;
        px_err_clear(&verr);
        if (validator_get(app->cfg.epcis_xsd_dir, &v, &verr) != PX_OK ||
            px_epcis_validate_buffer(v, job.document, job.document_len, &verr) != PX_OK)
            snprintf(reason, sizeof(reason), "%s: %s", verr.code, verr.message);
    }
    if (reason[0]) {
        if ((rc = px_store_report_fail(db, job.r.id, reason, err)) != PX_OK ||
            (rc = px_db_commit(db, err)) != PX_OK)
            px_db_rollback(db);
        char fields[700], esc[600];
        px_json_escape(esc, sizeof(esc), reason);
        snprintf(fields, sizeof(fields), "\"report_id\":\"%s\",\"reason\":\"%s\"", job.r.id, esc);
        px_log(PX_LOG_WARN, "report not sent: invalid document", fields);
        px_report_job_dispose(&job);
        return rc;
    }
    long timeout = env_long("PACKID_DELIVERY_TIMEOUT_MS", 30000, 100, 600000);
    long base = env_long("PACKID_DELIVERY_BACKOFF_MS", 30000, 1, 86400000);
    long cap = env_long("PACKID_DELIVERY_BACKOFF_MAX_MS", 3600000, 1, 7L * 86400000);
    /* The lease: while one sender holds the report in 'sending', no other claims it; if
     * that sender dies between send and mark-sent, the report is due again when the lease
     * runs out and the same stored document goes out again. */
    long lease = 2 * timeout + 1000;
    int n = 0;
    if ((rc = px_store_report_begin_attempt(db, job.r.id, lease, &n, err)) != PX_OK ||
        (rc = px_db_commit(db, err)) != PX_OK) {
        px_db_rollback(db);
        px_report_job_dispose(&job);
        return rc;
    }

    px_delivery_request rq = {
        .url = job.url,
        .auth_header = job.auth_header,
        .hmac_secret = job.hmac_secret,
        .document_id = job.r.document_id,
        .body = job.document,
        .len = job.document_len,
        .connect_timeout_ms = timeout < 10000 ? timeout : 10000,
        .timeout_ms = timeout,
    };
    px_delivery_result res;
    px_err derr;
    px_err_clear(&derr);
    if (px_delivery_post(&rq, &res, &derr) != PX_OK) {
        res.http_status = 0;
        snprintf(res.error, sizeof(res.error), "%s", derr.message);
    }
    const char *outcome;
    long retry = 0;
    if (res.http_status >= 200 && res.http_status <= 299) {
        outcome = "delivered";
    } else if (n >= job.r.max_attempts) {
        outcome = "dead";
    } else {
        unsigned rnd = 0;
        px_random_bytes(&rnd, sizeof(rnd));
        retry = px_delivery_backoff_ms(n, base, cap, rnd);
        outcome = "retry";
    }
    char fields[600], esc[300];
    px_json_escape(esc, sizeof(esc), res.error);
    snprintf(fields, sizeof(fields),
             "\"report_id\":\"%s\",\"attempt\":%d,\"status\":%ld,\"outcome\":\"%s\","
             "\"retry_ms\":%ld,\"error\":\"%s\"",
             job.r.id, n, res.http_status, outcome, retry, esc);
    px_log(strcmp(outcome, "delivered") == 0 ? PX_LOG_INFO : PX_LOG_WARN, "report delivery",
           fields);
    char id[PX_ID_LEN + 1];
    px_strlcpy(id, job.r.id, sizeof(id));
    px_report_job_dispose(&job);
    if ((rc = px_db_begin(db, err)) != PX_OK)
        return rc;
    if ((rc = px_store_report_end_attempt(db, id, n,
                                          (int)res.http_status, outcome,
                                          res.error[0] ? res.error : NULL, retry, err)) != PX_OK ||
        (rc = px_db_commit(db, err)) != PX_OK)
        px_db_rollback(db);
    return rc;
}

/* ---- EPCIS query -------------------------------------------------------------------------- */

static px_rc bad_param(px_err *err, const char *name, const char *what)
{
    px_rc rc = px_err_set(err, PX_EINVALID, "invalid_parameter", "%s: %s", name, what);
    px_err_field(err, "%s", name);
    return rc;
}

px_rc px_svc_epcis_query(px_db *db, const px_actor *by, const px_epcis_query_params *q,
                         px_epcis_sink sink, void *ctx, size_t *count, px_err *err)
{
    *count = 0;
    px_epcis_filter f;
    memset(&f, 0, sizeof(f));
    switch (px_policy_scope(by->role, PX_ACT_EPCIS_QUERY)) {
    case PX_SCOPE_ORG:
        f.tenant_id = by->org_id;
        break;
    case PX_SCOPE_MARKET:
        f.market = is_market(by->market) ? by->market : "--";
        break;
    case PX_SCOPE_SYSTEM:
        break;
    default:
        return px_policy_check(by->role, PX_ACT_EPCIS_QUERY, err);
    }
    char gtin[GS1_GTIN_LEN + 1], serial[GS1_SERIAL_MAX + 1];
    if (q->match_epc) {
        int gcp = 0;
        px_err e2;
        px_err_clear(&e2);
        if (gs1_epc_sgtin_parse(gtin, serial, &gcp, q->match_epc, &e2) == PX_OK) {
            f.gtin = gtin;
            f.epc_serial = serial;
        } else {
            gs1_elements el;
            gs1_epc_kind kind;
            if (gs1_epc_parse(&el, &kind, &gcp, q->match_epc, &e2) != PX_OK ||
                kind != GS1_EPC_IDPAT_SGTIN || el.count < 1 || strcmp(el.items[0].ai, "01") != 0)
                return bad_param(err, "MATCH_epc",
                                 "an SGTIN URI (urn:epc:id:sgtin:…) or SGTIN pattern "
                                 "(urn:epc:idpat:sgtin:….*) is expected");
            px_strlcpy(gtin, el.items[0].value, sizeof(gtin));
            f.gtin = gtin;
        }
    }
    if (q->eq_biz_step) {
        const char *w = q->eq_biz_step;
        static const char urn[] = "urn:epcglobal:cbv:bizstep:";
        static const char web[] = "https://ref.gs1.org/cbv/BizStep-";
        if (strncmp(w, urn, sizeof(urn) - 1) == 0)
            w += sizeof(urn) - 1;
        else if (strncmp(w, web, sizeof(web) - 1) == 0)
            w += sizeof(web) - 1;
        px_cbv_bizstep b = px_cbv_bizstep_lookup(w);
        if (b == PX_BIZSTEP_NONE)
            return bad_param(err, "EQ_bizStep", "not a CBV business step");
        f.biz_step = px_cbv_bizstep_name(b);
    }
    if (q->ge_event_time) {
        if (px_time_parse(q->ge_event_time, &f.ge_time_us) != 0)
            return bad_param(err, "GE_eventTime", "an RFC 3339 time is expected");
        f.has_ge = 1;
    }
    if (q->lt_event_time) {
        if (px_time_parse(q->lt_event_time, &f.lt_time_us) != 0)
            return bad_param(err, "LT_eventTime", "an RFC 3339 time is expected");
        f.has_lt = 1;
    }
    if (q->eq_biz_location) {
        if (!px_str_printable(q->eq_biz_location, 256) ||
            strncmp(q->eq_biz_location, "urn:", 4) != 0)
            return bad_param(err, "EQ_bizLocation", "a location URI (urn:epc:id:sgln:…) is expected");
        f.biz_location = q->eq_biz_location;
    }
    px_epcis_writer *w = NULL;
    px_rc rc = px_epcis_query_writer_new(&w, sink, ctx, "SimpleEventQuery", px_now_us(), 0, err);
    if (rc != PX_OK)
        return rc;
    write_ctx c = {w, err, PX_OK};
    rc = px_store_epcis_events_each(db, &f, write_row, &c, err);
    if (rc == PX_OK)
        rc = c.rc;
    if (rc == PX_OK)
        rc = px_epcis_writer_finish(w, err);
    *count = px_epcis_writer_count(w);
    px_epcis_writer_free(w);
    return rc;
}

/* ---- export ---------------------------------------------------------------------------- */

px_rc px_svc_epcis_export(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                          const char *profile_name, px_epcis_sink sink, void *ctx,
                          size_t *count, px_err *err)
{
    *count = 0;
    char g[GS1_GTIN_LEN + 1];
    px_rc rc = gs1_gtin_normalize(g, gtin ? gtin : "", err);
    if (rc != PX_OK) {
        px_err_field(err, "gtin");
        return rc;
    }
    if (batch && !px_str_printable(batch, 20)) {
        rc = px_err_set(err, PX_EINVALID, "invalid_value", "batch must be 1 to 20 characters");
        px_err_field(err, "batch");
        return rc;
    }
    px_product product;
    if (by->role == PX_ROLE_ADMIN)
        rc = px_store_product_get(db, &product, g, 0, err);
    else
        rc = px_svc_product_access(db, by, g, 0, &product, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_profile profile = px_svc_market_profile(product.market);
    if (profile_name && (rc = px_epcis_profile_parse(&profile, profile_name, err)) != PX_OK)
        return rc;
    char instance[37];
    if (px_uuid_v4(instance) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "no randomness");
    px_epcis_filter f = {.tenant_id = product.mah_id, .gtin = g, .lot = batch};
    return write_document(db, &f, profile, product.mah_id, &product, NULL, instance, sink, ctx,
                          count, err);
}
