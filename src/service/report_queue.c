/* Queueing a release's reports, one per active endpoint of its market (reports.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_crypto.h"
#include "px_str.h"
#include "reports_internal.h"

typedef struct queue_ctx {
    px_tx *tx;
    const px_release_info *rel;
    const px_product *product;
    int max_attempts;
    char first[PX_ID_LEN + 1];
    px_err *err;
    px_rc rc;
} queue_ctx;

/* The document is built now, inside the release's transaction (it sees the release's own
 * event), and stored once: every try sends these bytes. A document that cannot be built (a
 * profile rule, a missing GLN) is never sent: the report is failed with the reason, and the
 * release stands. */
static px_rc queue_document(queue_ctx *q, const px_endpoint *e, const px_report *rep, size_t *count)
{
    px_db *db = px_tx_db(q->tx);
    px_epcis_filter f = {.gtin = q->rel->gtin, .lot = q->rel->batch, .release_id = q->rel->id};
    px_buf doc;
    px_buf_init(&doc, PX__REPORT_DOC_MAX);
    px_err berr;
    px_err_clear(&berr);
    px_rc rc = px__report_document_write(db, &f, px_svc_market_profile(q->rel->market),
                                         q->rel->tenant_id, q->product, e->receiver_gln, rep->id,
                                         px_epcis_sink_buf, &doc, count, &berr);
    if (rc == PX_OK) {
        char sha[PX_SHA256_HEX_LEN + 1];
        px_sha256_hex(sha, doc.data, doc.len);
        rc = px_store_report_set_document(db, rep->id, doc.data, doc.len, sha, (int)*count, q->err);
    } else if (rc == PX_EUNAVAIL || rc == PX_ECONFLICT) {
        *q->err = berr; /* the database failed: the release fails with it */
    } else {
        char reason[PX_ERR_CODE_MAX + PX_ERR_MSG_MAX + 2];
        snprintf(reason, sizeof(reason), "%s: %s", berr.code, berr.message);
        rc = px_store_report_fail(db, rep->id, reason, q->err);
    }
    px_buf_dispose(&doc);
    return rc;
}

static int queue_one(void *ctx, const px_endpoint *e)
{
    queue_ctx *q = ctx;
    px_report rep;
    memset(&rep, 0, sizeof(rep));
    if (px_uuid_v4(rep.id) != PX_OK) {
        q->rc = px_err_set(q->err, PX_EINTERNAL, "internal", "no randomness");
        return 1;
    }
    px_strlcpy(rep.document_id, rep.id, sizeof(rep.document_id));
    px_strlcpy(rep.tenant_id, q->rel->tenant_id, sizeof(rep.tenant_id));
    px_strlcpy(rep.endpoint_id, e->id, sizeof(rep.endpoint_id));
    px_strlcpy(rep.market, q->rel->market, sizeof(rep.market));
    px_strlcpy(rep.release_id, q->rel->id, sizeof(rep.release_id));
    px_strlcpy(rep.gtin, q->rel->gtin, sizeof(rep.gtin));
    px_strlcpy(rep.batch, q->rel->batch, sizeof(rep.batch));
    rep.max_attempts = q->max_attempts;
    size_t count = 0;
    if ((q->rc = px_store_report_insert(px_tx_db(q->tx), &rep, q->err)) != PX_OK ||
        (q->rc = queue_document(q, e, &rep, &count)) != PX_OK)
        return 1;
    px_audit_details *d = px_tx_audit(q->tx, q->rel->tenant_id, "report.queue", rep.id);
    if (d) {
        px_audit_str(d, "release_id", q->rel->id);
        px_audit_str(d, "endpoint_id", e->id);
        px_audit_str(d, "market", rep.market);
        px_audit_int(d, "events", (long long)count);
    }
    if (!q->first[0])
        px_strlcpy(q->first, rep.id, sizeof(q->first));
    return 0;
}

px_rc px_svc_reports_queue_release(px_tx *tx, const px_app *app, const char *release_id,
                                   char report_id[PX_ID_LEN + 1], px_err *err)
{
    report_id[0] = '\0';
    px_db *db = px_tx_db(tx);
    px_release_info rel;
    px_rc rc = px_store_release_info(db, &rel, release_id, err);
    if (rc != PX_OK)
        return rc;
    px_product product;
    if ((rc = px_store_product_get(db, &product, rel.gtin, 0, err)) != PX_OK)
        return rc;
    queue_ctx q = {tx, &rel, &product, app->cfg.delivery_max_attempts, "", err, PX_OK};
    rc = px_store_endpoint_each(db, rel.tenant_id, rel.market, 1, queue_one, &q, err);
    if (rc == PX_OK)
        rc = q.rc;
    if (rc == PX_OK && q.first[0])
        rc = px_store_release_set_report(db, release_id, q.first, err);
    if (rc == PX_OK && q.first[0])
        px_strlcpy(report_id, q.first, PX_ID_LEN + 1);
    return rc;
}
