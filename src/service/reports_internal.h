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

/* Streams every event filter f selects to an already opened writer (the query document). */
px_rc px__report_events_write(px_db *db, const px_epcis_filter *f, px_epcis_writer *w, px_err *err);

/* 1 when s is two upper-case letters (the syntax of a market code). */
int px__market_syntax(const char *s);

#endif
