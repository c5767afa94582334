/* lifecycle — the pack lifecycle use cases (docs/lifecycle.md): commissioning,
 * release to market, decommissioning, reactivation, batch recall, reading a pack.
 *
 * Each use case is one transaction: the state change, its EPCIS event row (with the EPCIS 2.0
 * event hash ID computed at write time), the audit entry and — when an Idempotency-Key was
 * given — the stored response commit together or not at all. The rules come from domain/
 * (pack_identity.h, pack_state.h, policy.h); this layer only applies them to rows. */
#ifndef PX_LIFECYCLE_H
#define PX_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "epcis.h"
#include "lifecycle_store.h"
#include "reports.h"
#include "service.h"

/* One bad item of a multi-item request (docs/api.md error details: index, field, code, message). */
typedef struct px_item_error {
    size_t index;
    char code[32];
    char message[120];
    int pos, len;                 /* bad character span, pos -1 when none */
} px_item_error;

/* An Idempotency-Key (docs/api.md "Commissioning"): the use case claims the key in its own
 * transaction and stores the rendered response before COMMIT. render turns the result into
 * the response body (malloc'd) and its status. */
typedef struct px_idem {
    const char *key;              /* NULL: no key given */
    const char *route;            /* e.g. "POST /v1/commissions" */
    char request_hash[PX_SHA256_HEX_LEN + 1]; /* SHA-256 hex of the request body */
    char *(*render)(void *ctx, const void *result, int *status);
    void *render_ctx;
    /* out */
    int replayed;                 /* 1: body/status are the first response, nothing ran */
    int status;
    char *body;                   /* malloc'd response body (replay or freshly rendered) */
} px_idem;

/* ---- commissioning ---------------------------------------------------------------------- */

/* When and where an event happened, when that is not packid's own now and place: a captured
 * EPCIS event's eventTime, eventTimeZoneOffset, readPoint and bizLocation, as the document
 * gave them (docs/epcis.md "EPCIS 2.0 capture"). A location NULL or "" leaves the
 * organization's own SGLN in its place. */
typedef struct px_event_origin {
    int64_t event_time_us;
    int tz_offset_min;
    const char *read_point, *biz_location;
} px_event_origin;

typedef struct px_commission_req {
    const char *product_code;
    const char *product_code_schema;
    const char *batch;
    const char *expiry_date;      /* YYMMDD */
    const char *const *serials;
    size_t n_serials;
    int partial;
    const px_event_origin *origin; /* NULL: the event happens now, at the organization's place */
} px_commission_req;

typedef enum px_item_status {
    PX_ITEM_OK = 0,               /* commissioned */
    PX_ITEM_REJECTED              /* see errors */
} px_item_status;

typedef struct px_commission_result {
    char commission_id[PX_ID_LEN + 1];
    char event_id[PX_ID_LEN + 1];
    char event_hash[PX_EPCIS_EVENT_ID_MAX];
    char gtin[15];
    const px_commission_req *req;
    long committed;               /* serials commissioned */
    long allocated, external;
    unsigned char *status;        /* per request serial: px_item_status (n_serials) */
    px_item_error *errors;        /* every bad item, in index order */
    size_t n_errors;
} px_commission_result;

/* POST /v1/commissions. On PX_EINVALID "validation_error" (422), PX_EEXISTS
 * "duplicate_serial" or PX_ESTATE "printed_batch_mismatch" (409) with res->errors listing every
 * bad item, nothing is stored. Other errors: product_not_found, partnership_suspended,
 * batch_expiry_mismatch, idempotency_conflict. With partial, good items are committed and
 * res->status marks the rejected ones. */
px_rc px_svc_commission(px_db *db, const px_actor *by, const px_commission_req *req,
                        px_idem *idem, px_commission_result *res, px_err *err);
void px_commission_result_dispose(px_commission_result *res);

/* ---- release, decommission, reactivation, recall ----------------------------------------- */

/* Where a release ships to (docs/lifecycle.md "Release: shipping data"): the destination
 * of the shipping event, owning party and location, as GLNs. Their SGLNs need each GLN's
 * GS1 Company Prefix length, not derivable from the GLN: prefix_length (owning_party, and
 * location unless location_prefix_length is given), else GS1's prefix list, else 422. */
typedef struct px_ship_to {
    const char *owning_party;     /* GLN, 13 digits with check digit */
    const char *location;         /* GLN */
    int prefix_length;            /* 6..12; 0: not given */
    int location_prefix_length;   /* 6..12; 0: not given */
} px_ship_to;

/* The largest expected_count a release takes (a batch holds far fewer packs). */
#define PX_RELEASE_EXPECTED_MAX 1000000000LL

typedef struct px_release_req {
    const char *gtin;
    const char *batch;
    const char *market;           /* two upper-case letters, e.g. EU */
    const char *const *serials;   /* NULL: every commissioned pack of the batch */
    size_t n_serials;
    /* Containers in place of serials: every pack they hold, which must all be commissioned
     * packs of the batch (docs/aggregation.md "Shipping containers"). */
    const char *const *ssccs;
    size_t n_ssccs;
    /* Shipping data (DSCSA FD&C Act §581: transaction information accompanies the change of
     * ownership). Required when the market's EPCIS profile requires them (US); optional
     * elsewhere. The source is the releasing organization (its GLN's SGLN). */
    const px_ship_to *ship_to;    /* NULL: none */
    int transaction_given;        /* the request named a transaction (its type and id then
                                     required), even one with neither member */
    const char *transaction_type; /* CBV business transaction type word (po, desadv, inv, …);
                                     NULL together with transaction_id: none */
    const char *transaction_id;   /* 1..100 printable ASCII characters */
    int dry_run;                  /* check everything, change nothing (answer what it would do) */
    long long expected_count;     /* > 0: the packs the caller confirmed (a dry run's
                                     would_release); another number moves nothing */
} px_release_req;

typedef struct px_release_result {
    char release_id[PX_ID_LEN + 1];
    char event_id[PX_ID_LEN + 1];
    long released;
    char report_id[PX_ID_LEN + 1]; /* the market's EPCIS report (reports.h), "" if none */
    px_item_error *errors;        /* listed serials that are not commissioned in the batch */
    size_t n_errors;
    px_missing_list missing;      /* what the market's report would need and lacks */
    long long would_release;      /* dry run: packs that would move */
    int would_report;             /* dry run: the market receives a report */
} px_release_result;

/* Frees what a release result holds. */
void px_release_result_dispose(px_release_result *res);

/* POST /v1/releases (MAH; the policy refuses every other role before this runs). Every field
 * is checked before the transaction starts: a bad one is PX_EINVALID with its field and
 * nothing changes. Then everything the market's report will need (reports.h px_missing): any
 * piece missing is PX_EINVALID "report_precondition" with res->missing listing each, and
 * nothing changes. With req->dry_run the same checks run and nothing is written either way:
 * res->would_release, would_report and missing say what a release would do. */
px_rc px_svc_release(px_db *db, const px_app *app, const px_actor *by,
                     const px_release_req *req, px_release_result *res, px_err *err);

typedef struct px_pack_op_req {
    const char *gtin;
    const char *const *serials;
    size_t n_serials;
    const char *reason;           /* decommission: a px_decom_reason name; reactivation:
                                   * optional free text */
    /* Decommission: containers in place of serials, every pack they hold (all of gtin); the
     * containers are decommissioned with them (docs/aggregation.md "Shipping containers"). */
    const char *const *ssccs;
    size_t n_ssccs;
} px_pack_op_req;

/* The markets one operation can tell: every market with a reporting profile (the EU/EEA
 * states, EU and US) fits. */
#define PX_OP_MARKETS_MAX 40

typedef struct px_pack_op_result {
    char op_id[PX_ID_LEN + 1];
    char event_id[PX_ID_LEN + 1];
    long count;
    px_item_error *errors;        /* invalid_state / not_found per serial, index order */
    size_t n_errors;
    px_missing_list missing;      /* released packs: what their markets' reports lack */
    char report_ids[PX_OP_MARKETS_MAX][PX_ID_LEN + 1]; /* the first report of each market told */
    int n_reports;
} px_pack_op_result;

/* Frees what a pack operation result holds. */
void px_pack_op_result_dispose(px_pack_op_result *res);

/* POST /v1/decommissions: all-or-nothing; 409 invalid_state with every refused serial. A
 * reason of recalled/withdrawn is a recall (MAH only, PX_ACT_RECALL). Released packs are
 * reported to the markets they went to, like a release: the same report preconditions
 * (422 report_precondition, nothing changed) and one report per market endpoint. The same
 * holds for reactivation and recall. */
px_rc px_svc_decommission(px_db *db, const px_app *app, const px_actor *by,
                          const px_pack_op_req *req, px_pack_op_result *res, px_err *err);
/* POST /v1/reactivations: Art. 13 rules with the injected clock. */
px_rc px_svc_reactivate(px_db *db, const px_app *app, const px_actor *by,
                        const px_pack_op_req *req, px_pack_op_result *res, px_err *err);

typedef struct px_recall_req {
    const char *gtin;
    const char *batch;            /* with ssccs: optional, then every held pack's batch */
    const char *reason;           /* "recalled" (default) or "withdrawn" */
    /* Containers in place of the batch: every pack they hold, each of which must be one a
     * recall can move, or nothing changes (docs/aggregation.md "Recalling containers"). */
    const char *const *ssccs;
    size_t n_ssccs;
} px_recall_req;

/* POST /v1/recalls (MAH): every pack of the batch still active, or decommissioned for a
 * reversible reason, becomes decommissioned(recalled|withdrawn) — irreversible (Art. 40).
 * With ssccs: every pack the containers hold, all or none (errors per container index). */
px_rc px_svc_recall(px_db *db, const px_app *app, const px_actor *by,
                    const px_recall_req *req, px_pack_op_result *res, px_err *err);

void px_item_errors_free(px_item_error *e);
/* The answer of a list with bad items (docs/api.md "Errors": every bad item in details):
 * PX_EINVALID "validation_error", "<bad> of <n> <what> are invalid" (item_errors.c). */
px_rc px__items_invalid(px_err *err, size_t bad, size_t n, const char *what);

/* ---- reading a pack ---------------------------------------------------------------------- */

/* GET /v1/packs/{gtin}/{serial}: a MAH (and its auditor) sees its products' packs; a CMO only
 * serials allocated to it or commissioned by it, never once released (px__cmo_sees); anyone
 * else, and another tenant's pack:
 * PX_ENOTFOUND "not_found". fn gets the pack's events, oldest first. */
px_rc px_svc_pack_get(px_db *db, const px_actor *by, const char *gtin, const char *serial,
                      px_pack_row *out, px_event_row_fn fn, void *ctx, px_err *err);

#endif
