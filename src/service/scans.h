/* scans — public verification with scan intelligence (docs/resolver.md): every public
 * verification or resolver hit on a known GTIN is recorded with where it happened (the client
 * address only as a salted hash), the clone rules of domain/scan_rules run on the serial's
 * recent scans, a flag opens one alert for the MAH and queues one clone.suspected webhook in
 * the same transaction, and the verdict says `suspect` while the alert is open. Also the
 * MAH's side: the alerts and the passport fields the public page shows. */
#ifndef PX_SERVICE_SCANS_H
#define PX_SERVICE_SCANS_H

#include "scan_rules.h"
#include "scan_store.h"
#include "service.h"
#include "verify.h"
#include "verify_batch.h"

/* Where and by whom (all optional but the address). */
typedef struct px_scan_where {
    const char *country;     /* ISO 3166-1 alpha-2, any case */
    const char *lat, *lon;   /* decimal degrees, both or neither */
    const char *client_addr; /* the client's address (hashed before it is stored) */
    const char *source;      /* "verify" | "resolver" */
    int asked;               /* not a scan: a machine's question (a linkset, a redirect) or a
                              * HEAD, which sees no verdict; a known pack's is not recorded,
                              * an unknown serial's is (a guess: the enumeration count) */
    px_db *lookup_db;        /* where the pack and its scan history are read: a fenced hot
                              * standby (docs/scaling.md), or NULL for db. Every write (the
                              * buffered scan, a clone flag) stays on db, the primary */
    int verdict_only;        /* the caller shows the verdict alone: no product name or
                                passport fields are read (a lighter statement) */
} px_scan_where;

typedef struct px_public_view {
    px_verdict verdict;
    unsigned flags;     /* clone rules that fired on this scan */
    int enumeration;    /* the client passed PACKID_ENUM_LIMIT unknown serials */
    int alert_opened;   /* this scan opened a clone alert (and queued its webhook) */
    px_pack_public pub; /* the product, pack and public passport fields */
} px_public_view;

/* A public verification of (gtin, serial) with optional batch/expiry (mismatch check).
 * Inputs are syntax-checked (422 with the field: gtin, serial, batch, expiry, country, lat,
 * lon). serial "" is a product-level resolver request: nothing is recorded. pre: the read the
 * batch took for the same inputs (px_svc_public_verify_prefetch), or NULL: it reads itself. */
px_rc px_svc_public_verify(const px_app *app, px_db *db, const char *gtin, const char *serial,
                           const char *batch, const char *expiry, const px_scan_where *w,
                           const px_verify_prefetch *pre, px_public_view *out, px_err *err);

/* The batch's read of a verification of these inputs (verify_batch.h), allocated (the caller
 * submits it to vb and frees it), when its read is one the batch can take; NULL when
 * px_svc_public_verify must read for itself (no batch, nothing to record, inputs it will
 * refuse, reads from a standby, no memory). */
px_verify_prefetch *px_svc_public_verify_prefetch(px_verify_batch *vb, const px_app *app,
                                                  const char *gtin, const char *serial,
                                                  const char *batch, const char *expiry,
                                                  const px_scan_where *w);

/* How far back a verification reads the serial's scans: the clone rules' longest window. */
int64_t px_svc_scan_window_us(const px_app *app);

/* GET /v1/alerts?state=open|closed (MAH). */
px_rc px_svc_alerts_each(px_db *db, const px_actor *by, const char *state, const char *cursor,
                         long limit, px_alert_fn fn, void *ctx, px_err *err);
/* POST /v1/alerts/{id}/close {"reason"} (MAH; audited). */
px_rc px_svc_alert_close(px_db *db, const px_actor *by, const char *id, const char *reason,
                         px_alert *out, px_err *err);

/* PUT /v1/products/{gtin}/passport {"public_fields": [...]}: the master_data keys the public
 * verification page shows (each 1..64 of [A-Za-z0-9_.-], at most 16, no repeats; audited). */
px_rc px_svc_passport_put(px_db *db, const px_actor *by, const char *gtin,
                          const char *const *fields, int n, px_err *err);
px_rc px_svc_passport_get(px_db *db, const px_actor *by, const char *gtin, char fields[][65],
                          int *n, px_err *err);

#endif
