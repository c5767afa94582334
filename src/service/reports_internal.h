/* Shared by the report files of service/ (report_document.c, report_queue.c, report_read.c,
 * epcis_query.c, delivery_runner.c, endpoints.c) only. */
#ifndef PX_REPORTS_INTERNAL_H
#define PX_REPORTS_INTERNAL_H

#include "events.h"
#include "reports.h"

/* A report document is held in memory once, while it is built and while it is sent. */
#define PX__REPORT_DOC_MAX (256L * 1024 * 1024)

/* Writes the EPCIS document of the events filter f selects: the header (profile, sender and
 * receiver GLNs, the product's master data), then every event, streamed to sink. The sender
 * is the tenant's GLN, else the GLN its events were recorded at; none is "missing_gln".
 * *count = events written. */
px_rc px__report_document_write(px_db *db, const px_epcis_filter *f, px_epcis_profile profile,
                                const char *tenant_id, const px_product *product,
                                const char *receiver_gln, const char *instance_id,
                                px_epcis_sink sink, void *sctx, size_t *count, px_err *err);

/* The same document in another syntax (EPCIS 2.0 XML or JSON-LD; docs/epcis.md "Report
 * formats"). */
px_rc px__report_document_write_as(px_db *db, const px_epcis_filter *f, px_epcis_format format,
                                   px_epcis_profile profile, const char *tenant_id,
                                   const px_product *product, const char *receiver_gln,
                                   const char *instance_id, px_epcis_sink sink, void *sctx,
                                   size_t *count, px_err *err);

/* Streams every event filter f selects to an already opened writer (the query document). */
px_rc px__report_events_write(px_db *db, const px_epcis_filter *f, px_epcis_writer *w, px_err *err);

/* The packs a release moves: the commissioned packs of batch, or only the listed ones. */
typedef struct px__moved_packs {
    const char *batch;
    const char *const *serials; /* NULL: every commissioned pack of the batch */
    size_t n;
} px__moved_packs;
/* Everything the report of a release (moved) or a status change of released packs (moved
 * NULL) of product p to market will need, as by would record it: a profile for the market,
 * the MAH's GLN (the sender), by's read point, a read point on every commissioning event the
 * report carries (those naming a moved pack), the master data the profile requires, an active
 * endpoint. One item per missing piece is added to l; *reports = 1 when the market has a
 * reporting regime. */
px_rc px__report_preconditions(px_db *db, const px_actor *by, const px_product *p,
                               const char *market, const px__moved_packs *moved,
                               px_missing_list *l, int *reports, px_err *err);
/* The markets a status change of released packs is reported to (at most PX_OP_MARKETS_MAX). */
typedef struct px__market_set {
    char v[PX_OP_MARKETS_MAX][3];
    int n;
    int overflow;                  /* one more market than fits was seen */
} px__market_set;

void px__market_set_add(px__market_set *s, const char *market);
/* Every market's report preconditions (px__report_preconditions, batch NULL) into l; a set
 * that overflowed is 422 too_many_markets; any missing piece is the 422 report_precondition. */
px_rc px__report_preconditions_markets(px_db *db, const px_actor *by, const px_product *p,
                                       const px__market_set *s, px_missing_list *l,
                                       px_err *err);
/* Queues the reports of operation op_id to every market of s; ids[] gets each market's first
 * report id (*n of them). */
px_rc px__reports_queue_markets(px_tx *tx, const px_app *app, const px_product *p,
                                const px__market_set *s, const char *op_id,
                                char ids[PX_OP_MARKETS_MAX][PX_ID_LEN + 1], int *n, px_err *err);

/* The master data the profile pi requires that p lacks, one item per field. */
px_rc px__master_data_check(px_missing_list *l, const px_epcis_profile_info *pi,
                            const px_product *p, px_err *err);

/* Never yes now, failure later: master data that the reports of a market p's packs were
 * released to carry, which old had and p would lose, is refused (a field error
 * missing_master_data, 422): every later recall or decommission of those packs would be
 * refused for it. A field still missing stays allowed, as at registration. */
px_rc px__master_data_kept(px_db *db, const px_product *old, const px_product *p, px_err *err);

/* The names of the decommissioning reasons after which a released pack changes no more
 * (px_decom_reason_final) into out; their count. */
size_t px__final_reasons(const char *out[PX_REASON__COUNT]);

/* Never yes now, failure later, for an organization's GLN: a change of org's GLN or prefix
 * length (old as stored, org as it would become) that takes away the read point (px__org_sgln)
 * the reports of a market need, while packs of its products released there can still change,
 * is refused (a field error missing_read_point on gln, 422): every later recall or
 * decommission of those packs would be refused for it. Only a MAH changes released packs. */
px_rc px__read_point_kept(px_db *db, const px_org *old, const px_org *org, px_err *err);

/* The 422 report_precondition of a non-empty list. */
px_rc px__report_refusal(const px_missing_list *l, px_err *err);

/* What one report reports: a release, or a status change of released packs. */
typedef struct px__report_subject {
    const char *market;
    const char *batch;             /* the release's batch; NULL for a status change */
    const char *release_id;        /* exactly one of release_id and op_id */
    const char *op_id;
    const char *retry_of;          /* a retry: the report it retries */
    const char *endpoint_id;       /* a retry: only this endpoint (NULL: every active one) */
} px__report_subject;

/* Queues one report of subject per active endpoint of the market, each with its document
 * built and validated now, inside tx: a document that cannot be built (or that the XSD
 * refuses) fails the caller with 422 report_precondition and nothing changes. first_id gets
 * the first report's id ("" when the market has no endpoint). One report.queue audit entry
 * each. */
px_rc px__reports_queue(px_tx *tx, const px_app *app, const px_product *p,
                        const px__report_subject *s, char first_id[PX_ID_LEN + 1], px_err *err);


#endif
