/* Queueing reports: one per active endpoint of a market, for a release or a status change of
 * released packs, each with its document built now (reports_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_crypto.h"
#include "px_str.h"
#include "epcis_format.h"
#include "reports_internal.h"

typedef struct queue_ctx {
    px_tx *tx;
    const px_app *app;
    const px_product *product;
    const px__report_subject *s;
    char first[PX_ID_LEN + 1];
    px_err *err;
    px_rc rc;
} queue_ctx;

/* The document is built now, inside the caller's transaction (it sees the caller's own
 * events), validated, and stored once: every try sends these bytes. One that cannot be built
 * or does not validate refuses the caller (422 report_precondition, with the reason): a
 * change the market cannot be told about is not made. */
static px_rc queue_document(queue_ctx *q, const px_endpoint *e, const px_report *rep,
                            size_t *count)
{
    px_db *db = px_tx_db(q->tx);
    const px__report_subject *s = q->s;
    /* A status change's report: that operation's events of this market's packs (pack
     * operations and batch recalls record one event per market). */
    px_epcis_filter f = {.gtin = q->product->gtin,
                         .lot = s->batch,
                         .release_id = s->release_id,
                         .op_id = s->op_id,
                         .market = s->op_id ? s->market : NULL};
    px_buf doc;
    px_buf_init(&doc, PX__REPORT_DOC_MAX);
    px_err berr = PX_ERR_INIT;
    /* The endpoint's syntax (migrations/0041; the default is EPCIS 1.2 XML). */
    px_epcis_format format = PX_EPCIS_FORMAT_XML_1_2;
    px_rc rc = e->format[0] ? px_epcis_api_format_parse(&format, e->format, &berr) : PX_OK;
    if (rc == PX_OK)
        rc = px__report_document_write_as(db, &f, format, px_epcis_profile_for_market(s->market),
                                          q->product->mah_id, q->product, e->receiver_gln,
                                          rep->id, px_epcis_sink_buf, &doc, count, &berr);
    /* REQ-EPCISREST-7: validated before it is stored, with the schema of its version. */
    const struct px_epcis_validator *v = px_svc_report_validator(q->app, format);
    if (rc == PX_OK && v)
        rc = px_epcis_validate_buffer(v, doc.data, doc.len, &berr);
    if (rc == PX_OK) {
        char sha[PX_SHA256_HEX_LEN + 1];
        px_sha256_hex(sha, doc.data, doc.len);
        rc = px_store_report_set_document(db, rep->id, doc.data, doc.len, sha, (int)*count,
                                          q->err);
    } else if (rc == PX_EUNAVAIL || rc == PX_ECONFLICT || rc == PX_EINTERNAL) {
        *q->err = berr; /* the database (or memory) failed: the caller fails with it */
    } else {
        rc = px_err_set(q->err, PX_EINVALID, "report_precondition",
                        "the %s report cannot be built: %s: %s", s->market, berr.code,
                        berr.message);
    }
    px_buf_dispose(&doc);
    return rc;
}

static int queue_one(void *ctx, const px_endpoint *e)
{
    queue_ctx *q = ctx;
    const px__report_subject *s = q->s;
    if (s->endpoint_id && strcmp(s->endpoint_id, e->id) != 0)
        return 0;
    px_report rep = {0};
    if (px_uuid_v4(rep.id) != PX_OK) {
        q->rc = px_err_no_random(q->err);
        return 1;
    }
    px_strlcpy(rep.document_id, rep.id, sizeof(rep.document_id));
    px_strlcpy(rep.tenant_id, q->product->mah_id, sizeof(rep.tenant_id));
    px_strlcpy(rep.endpoint_id, e->id, sizeof(rep.endpoint_id));
    px_strlcpy(rep.market, s->market, sizeof(rep.market));
    px_strlcpy(rep.release_id, s->release_id ? s->release_id : "", sizeof(rep.release_id));
    px_strlcpy(rep.op_id, s->op_id ? s->op_id : "", sizeof(rep.op_id));
    px_strlcpy(rep.retry_of, s->retry_of ? s->retry_of : "", sizeof(rep.retry_of));
    px_strlcpy(rep.gtin, q->product->gtin, sizeof(rep.gtin));
    px_strlcpy(rep.batch, s->batch ? s->batch : "", sizeof(rep.batch));
    rep.max_attempts = q->app->cfg.delivery_max_attempts;
    /* The product master data the document carries: its version is kept with the report. */
    rep.master_version = q->product->master_version;
    size_t count = 0;
    if ((q->rc = px_store_report_insert(px_tx_db(q->tx), &rep, q->err)) != PX_OK ||
        (q->rc = queue_document(q, e, &rep, &count)) != PX_OK)
        return 1;
    px_audit_details *d = px_tx_audit(q->tx, q->product->mah_id, "report.queue", rep.id);
    px_audit_str(d, s->release_id ? "release_id" : "op_id",
                 s->release_id ? s->release_id : s->op_id);
    px_audit_str(d, "endpoint_id", e->id);
    px_audit_str(d, "market", rep.market);
    px_audit_int(d, "events", (long long)count);
    if (s->retry_of)
        px_audit_str(d, "retry_of", s->retry_of);
    if (!q->first[0])
        px_strlcpy(q->first, rep.id, sizeof(q->first));
    return 0;
}

px_rc px__reports_queue(px_tx *tx, const px_app *app, const px_product *p,
                        const px__report_subject *s, char first_id[PX_ID_LEN + 1], px_err *err)
{
    first_id[0] = '\0';
    queue_ctx q = {tx, app, p, s, "", err, PX_OK};
    px_rc rc = px_store_endpoint_each(px_tx_db(tx), p->mah_id, s->market, 1, queue_one, &q, err);
    if (rc == PX_OK)
        rc = q.rc;
    if (rc == PX_OK && q.first[0] && s->release_id)
        rc = px_store_release_set_report(px_tx_db(tx), s->release_id, q.first, err);
    if (rc == PX_OK)
        px_strlcpy(first_id, q.first, PX_ID_LEN + 1);
    return rc;
}
