/* reports — EPCIS reports for regulators (docs/delivery.md): regulator endpoints
 * (endpoints.c), the report queued by a release (report_queue.c, report_document.c), reading
 * reports (report_read.c), the delivery runner (delivery_runner.c), the EPCIS query and the
 * export (epcis_query.c). */
#ifndef PX_SERVICE_REPORTS_H
#define PX_SERVICE_REPORTS_H

#include <stddef.h>

#include "delivery.h" /* an endpoint's bounds: PX_DELIVERY_URL_MAX, _HEADER_MAX, _SECRET_MAX */
#include "epcis.h"
#include "report_store.h"
#include "service.h"
#include "tx.h"

/* ---- regulator endpoints (MAH) ------------------------------------------------------- */

typedef struct px_endpoint_request {
    const char *market;        /* "EU", "US", "DE", … (2 upper-case letters) */
    const char *url;           /* https://…, or http:// to a loopback host */
    const char *auth_header;   /* sent as Authorization; NULL = none */
    const char *hmac_secret;   /* signs each body; NULL = unsigned; 16..1024 bytes */
    const char *receiver_gln;  /* SBDH Receiver; NULL = the sender's GLN */
    const char *format;        /* epcis-1.2-xml (NULL: the default) | epcis-2.0-xml |
                                  epcis-2.0-jsonld: the syntax of its reports */
} px_endpoint_request;

/* POST /v1/regulator-endpoints: checks every field (length, charset), stores the endpoint
 * with its secrets (never returned, never logged), audited without the secrets. */
px_rc px_svc_endpoint_create(px_db *db, const px_actor *by, const px_endpoint_request *rq,
                             px_endpoint *out, px_err *err);
/* PATCH /v1/regulator-endpoints/{id}: each member NULL = unchanged. */
typedef struct px_endpoint_patch {
    const char *url;
    int set_auth_header;       /* auth_header given: its value, or NULL to remove it */
    const char *auth_header;
    const char *hmac_secret;   /* a new secret rotates it (it can be replaced, not removed) */
    int active;                /* -1 unchanged, 0, 1 */
    const char *format;        /* NULL unchanged; the syntax of reports queued from now on */
} px_endpoint_patch;

/* Changes the calling MAH's endpoint id (another's is "not_found") with the field rules of
 * creation; audited without the URL's query or any secret. out: the endpoint as it is now. */
px_rc px_svc_endpoint_update(px_db *db, const px_actor *by, const char *id,
                             const px_endpoint_patch *rq, px_endpoint *out, px_err *err);
/* GET /v1/regulator-endpoints: the caller's organization's endpoints (no secrets). */
px_rc px_svc_endpoints_each(px_db *db, const px_actor *by, px_endpoint_fn fn, void *ctx,
                            px_err *err);

/* ---- reports ------------------------------------------------------------------------ */

/* One piece a market's report would need that is missing (422 report_precondition, one
 * details item each). */
typedef struct px_missing {
    char code[32];             /* missing_gln | missing_read_point | missing_master_data |
                                * no_endpoint | unknown_market */
    char field[64];            /* what to give, e.g. master_data.strength */
    char org_id[PX_ID_LEN + 1]; /* the organization concerned, "" when none */
    char message[240];
} px_missing;

typedef struct px_missing_list {
    px_missing *v;
    size_t n, cap;
} px_missing_list;

void px_missing_list_dispose(px_missing_list *l);

/* What the reports of p's own market will need from its master data and p lacks (the same
 * items a release would refuse with): a product is accepted without them, and its creation
 * answers them as warnings, so they are known before the first release. */
px_rc px_svc_product_warnings(const px_product *p, px_missing_list *l, px_err *err);

/* GET /v1/reports?state=&retried=&market=: the reports in the caller's scope (as for one
 * report), newest first, after report id after; retried "true" or "false": only those a retry
 * was made of, or only the others; a bad state, retried or market is 422 with its field. */
px_rc px_svc_reports_each(px_db *db, const px_actor *by, const char *state, const char *retried,
                          const char *market, const char *after, long limit, px_report_fn fn,
                          void *ctx, px_err *err);
/* POST /v1/reports/{id}/retry (MAH): a failed or dead report of the caller's gets a new
 * report (new id and document id) of the same subject to the same endpoint, its document
 * rebuilt from the stored events with today's master data; 409 invalid_state for any other
 * state; 422 report_precondition when the document still cannot be built. */
px_rc px_svc_report_retry(px_db *db, const px_app *app, const px_actor *by, const char *id,
                          px_report *out, px_err *err);
/* Reports per state, for /metrics. */
px_rc px_svc_report_counts(px_db *db, px_report_count_fn fn, void *ctx, px_err *err);

/* GET /v1/reports/{id}: MAH and auditor their organization's, a regulator its market's;
 * anything else (and a malformed id) is not_found. */
px_rc px_svc_report_get(px_db *db, const px_actor *by, const char *id, px_report *out,
                        px_err *err);
px_rc px_svc_report_attempts_each(px_db *db, const px_actor *by, const char *id,
                                  px_report_attempt_fn fn, void *ctx, px_err *err);
/* GET /v1/reports/{id}/document: the stored document, exactly the bytes every try sends.
 * *doc is malloc'd. */
px_rc px_svc_report_document(px_db *db, const px_actor *by, const char *id, char **doc, size_t *len,
                             px_err *err);

/* The delivery runner (runners.def): claims one due report (SKIP LOCKED), validates its stored
 * document against the XSD when PACKID_EPCIS_XSD_DIR is set (invalid: failed with the
 * schema's reason, never sent), POSTs it, and records the attempt: delivered, retried with
 * exponential backoff and jitter, or dead after max_attempts. Tuning: the delivery settings
 * of px_config (docs/delivery.md). */
px_rc px_run_delivery(px_app *app, px_db *db, int *did_work, px_err *err);

/* ---- EPCIS query and export -------------------------------------------------------- */

/* GET /v1/epcis/events parameters (EPCIS 1.2 §8.2.7.1 SimpleEventQuery subset). */
typedef struct px_epcis_query_params {
    const char *match_epc;       /* urn:epc:id:sgtin:… or urn:epc:idpat:sgtin:…* */
    const char *eq_biz_step;     /* CBV URN or bare word */
    const char *ge_event_time;   /* RFC 3339 */
    const char *lt_event_time;
    const char *eq_biz_location; /* SGLN URI */
} px_epcis_query_params;

/* Checks the parameters (PX_EINVALID with the parameter as field) and writes the matching
 * events the actor may see (MAH and auditor: its organization's; regulator: its market's) as
 * an EPCIS 1.2 EPCISQueryDocument to sink. *count = events written. */
px_rc px_svc_epcis_query(px_db *db, const px_actor *by, const px_epcis_query_params *q,
                         px_epcis_sink sink, void *ctx, size_t *count, px_err *err);

/* `packid epcis export`: the events of a GTIN (and batch) as an EPCIS document with the
 * product's master data, streamed to sink in keyset chunks (bounded memory). The profile is
 * the product's market's unless profile_name is given ("none", "eu", "us-dscsa"). */
px_rc px_svc_epcis_export(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                          const char *profile_name, px_epcis_sink sink, void *ctx,
                          size_t *count, px_err *err);
/* The same document in format (EPCIS 1.2 XML, 2.0 XML or 2.0 JSON-LD). */
px_rc px_svc_epcis_export_as(px_db *db, const px_actor *by, const char *gtin, const char *batch,
                             const char *profile_name, px_epcis_format format,
                             px_epcis_sink sink, void *ctx, size_t *count, px_err *err);

#endif
