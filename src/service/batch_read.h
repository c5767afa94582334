/* A batch's packs by state, as the caller may see them (docs/console.md). */
#ifndef PX_BATCH_READ_H
#define PX_BATCH_READ_H

#include "batch_store.h"
#include "service.h"

/* MAH and auditor: their products' batches, every count. CMO: a batch of a granted product it
 * commissioned packs of; commissioned counts its own unreleased packs, released and
 * decommissioned are -1 (not shown) and markets_json NULL. Anything else, a malformed GTIN or
 * batch: PX_ENOTFOUND "not_found". out is disposed with px_batch_summary_dispose. */
px_rc px_svc_batch_get(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                       px_batch_summary *out, px_err *err);
void px_batch_summary_dispose(px_batch_summary *s);

#endif
