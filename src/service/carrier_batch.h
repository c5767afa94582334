/* carrier_batch — carriers in bulk (docs/carrier.md "Batches"): a batch of 1..1000 items, each
 * a known pack or (MAH) a Digital Link target of its own products, rendered by a background job
 * with one design stored with every carrier; per-item errors; a ZIP of the batch behind a
 * signed, expiring link (the export's link mechanism). Saved designs (templates). */
#ifndef PX_CARRIER_BATCH_H
#define PX_CARRIER_BATCH_H

#include <stddef.h>

#include "carrier.h"
#include "carrier_store.h"
#include "print.h"
#include "service.h"

/* The most pixels a batch's images may take together (an upper bound from each item's payload,
 * px_carrier_pixels_bound): its archive is drawn in memory at each download. A PNG took about
 * 0.3 % of a byte per pixel (a probe's batch of 100 QR codes at 64 px a module: 18.6 G pixels,
 * a 58.7 MB archive), so this keeps an archive near 50 MB. */
#define PX_CARRIER_BATCH_PIXELS_MAX (16ull * 1000 * 1000 * 1000)
/* Bounds of a pack item's payload (bytes), whose batch and expiry its job reads: its element
 * string (AI 01, 17, 10 and 21 with up to 20 characters each, an NHRN of up to 20, two group
 * separators: 93), and its Digital Link's path and query after PACKID_DL_DOMAIN ("/01/" and
 * the GTIN, "/10/" and "/21/" with a batch and a serial percent-encoded at worst, "?17=" and
 * the expiry, an NHRN's "&714=" and value: 221). */
#define PX_CARRIER_PACK_ES_MAX 100
#define PX_CARRIER_PACK_LINK_PATH_MAX 224
#define PX_CARRIER_BATCH_MAX 1000 /* items per batch (docs/api.md "Carriers in bulk") */
#define PX_CARRIER_TARGET_MAX 1024
#define PX_CARRIER_RENDER_THREADS_MAX 64 /* PACKID_WORKERS' upper bound */

/* A design as asked: NULL / -2 members are absent and take the default (M, #000000 on
 * #ffffff, the symbology's quiet zone, 5 px per module). */
typedef struct px_carrier_design_request {
    const char *ec;
    const char *fg, *bg;
    int quiet_zone; /* -2 absent */
    int module_px;  /* -2 absent */
} px_carrier_design_request;

/* Checks a design strictly and fills d: ec one of L M Q H; colours #rrggbb (stored lower
 * case) with dark modules on a light ground at a symbol contrast >= 40 %; quiet zone 0..32;
 * module 1..64 px. PX_EINVALID with the field ("design.colors.foreground", …). */
px_rc px_svc_carrier_design_check(px_carrier_design *d, const px_carrier_design_request *in,
                                  px_err *err);
/* The render options of a stored design. */
void px_svc_carrier_design_opts(px_carrier_opts *o, const px_carrier_design *d,
                                px_carrier_format fmt);

/* The rule of a Digital Link target item, as far as it needs no database: only a MAH may ask
 * for one (forbidden_target), it must parse as a GS1 Digital Link (the GS1 core's code) and
 * name a GTIN (AI 01) as its primary key (invalid_value). On PX_OK, el holds its elements and
 * *gtin points at the GTIN among them. Checked as the batch arrives and again by the job
 * (which then looks the product up: px_svc_carrier_target_product). */
px_rc px_svc_carrier_target_check(const px_actor *by, const char *target, gs1_elements *el,
                                  const char **gtin, px_err *err);
/* The product a Digital Link target names, which must be one of by's (a MAH's) own: PX_OK;
 * PX_ENOTFOUND "not_found" "product <gtin> not found" when it is unknown or another MAH's
 * (nothing leaks); the database's error otherwise. Checked when the batch is submitted and
 * again when its job runs (a product could change hands meanwhile). */
px_rc px_svc_carrier_target_product(px_db *db, const px_actor *by, const char *gtin, px_err *err);

/* POST /v1/carrier-templates. */
px_rc px_svc_carrier_template_create(px_db *db, const px_actor *by, const char *name,
                                     const px_carrier_design_request *design,
                                     px_carrier_template *out, px_err *err);
px_rc px_svc_carrier_template_get(px_db *db, const px_actor *by, const char *id,
                                  px_carrier_template *out, px_err *err);

typedef struct px_carrier_batch_request {
    const char *symbology;           /* "datamatrix" | "qr" */
    const px_carrier_item_in *items; /* n_items of them, 1..1000 */
    size_t n_items;
    const char *template_id;                 /* overrides design when given */
    const px_carrier_design_request *design; /* NULL: the default design */
} px_carrier_batch_request;

/* POST /v1/carrier-batches: checks the request's shape and design, each item as far as it can
 * be known now (GS1's rules, its product, a CMO's partnerships) and the batch's pixel budget,
 * and queues the batch with its items — one transaction with the audit entry. The job reads
 * each pack and renders what it can. */
px_rc px_svc_carrier_batch_create(px_db *db, const px_app *app, const px_actor *by,
                                  const px_carrier_batch_request *req, px_carrier_batch *out,
                                  px_err *err);
/* GET /v1/carrier-batches/{id}: the caller's organization's batch (another's is not_found);
 * link->url is set once the batch is completed. */
px_rc px_svc_carrier_batch_get(px_db *db, const px_app *app, const px_actor *by, const char *id,
                               px_carrier_batch *out, px_export_link *link, px_err *err);
px_rc px_svc_carrier_batch_items(px_db *db, const char *batch_id, px_carrier_item_fn fn, void *ctx,
                                 px_err *err);

/* GET /v1/carriers/{id}/symbol.png|svg: the carrier rendered again from its stored data and
 * design, if the caller's organization made it. */
px_rc px_svc_carrier_render(px_db *db, const px_actor *by, const char *id, px_carrier_format fmt,
                            px_buf *out, px_err *err);

/* GET /v1/carrier-batches/{id}/download?expires=&sig=: checks the link and builds the ZIP (one
 * PNG and one SVG per carrier, named by index) into out. */
px_rc px_svc_carrier_batch_zip(px_db *db, const px_app *app, const char *id, const char *expires,
                               const char *sig, px_buf *out, char *filename, size_t cap,
                               px_err *err);

/* The runner (runners.def): renders one chunk of one batch per call, the chunk's symbols on
 * px_svc_carrier_render_threads threads. */
px_rc px_run_carrier_batch(px_app *app, px_db *db, int *did_work, px_err *err);
/* The threads a chunk renders on: the background workers' count (PACKID_WORKERS), at most the
 * online CPUs, at least 1 (bench/carrier_batch.c gives the bare renderer the same). */
int px_svc_carrier_render_threads(const px_app *app);

#endif
