/* report_store — regulator endpoints, the report outbox and its delivery attempts, and the
 * streaming reads of EPCIS events (reports, export, query). SQL lives in report_store.c and
 * migrations/0005_reports.sql (docs/delivery.md). */
#ifndef PX_REPORT_STORE_H
#define PX_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "px_err.h"
#include "store.h"

/* ---- regulator endpoints ------------------------------------------------------------ */

#define PX_ENDPOINT_URL_MAX 2048

typedef struct px_endpoint {
    char id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char market[3];
    char url[PX_ENDPOINT_URL_MAX + 1];
    char receiver_gln[14];      /* "" when none */
    int has_auth_header;        /* the secrets themselves never leave the store's callers */
    int has_hmac_secret;
    int active;
    char created_at[32];
    char format[20];            /* epcis-1.2-xml | epcis-2.0-xml | epcis-2.0-jsonld (0041) */
} px_endpoint;

/* Inserts e (fills id, created_at) with its secrets (NULL = none). */
px_rc px_store_endpoint_insert(px_db *db, px_endpoint *e, const char *auth_header,
                               const char *hmac_secret, px_err *err);
/* The tenant's endpoint id, locked for update; another tenant's (or none) is PX_ENOTFOUND
 * "not_found". */
px_rc px_store_endpoint_get(px_db *db, px_endpoint *out, const char *id, const char *tenant_id,
                            px_err *err);
/* Writes e's url and active flag; set_auth: auth_header replaces the stored one (NULL removes
 * it); hmac_secret non-NULL replaces the secret. Fills e from the row as it is now. */
px_rc px_store_endpoint_update(px_db *db, px_endpoint *e, int set_auth, const char *auth_header,
                               const char *hmac_secret, px_err *err);
/* Whether market would be left without an active endpoint of the tenant but endpoint_id while
 * a pack the tenant released there can still change (not decommissioned for one of the n
 * final reasons): *found 1 and one such pack's GTIN and batch (gtin[15], batch[21]). Releases
 * (market_release) lead to the batches, so only those batches' packs are read. */
px_rc px_store_market_left_open(px_db *db, const char *tenant_id, const char *market,
                                const char *endpoint_id, const char *const *final_reasons, size_t n,
                                int *found, char gtin[15], char batch[21], px_err *err);
/* fn(ctx, gtin, company_prefix_length, market) once for each product of the tenant and market
 * its packs were released to while one such pack can still change (not decommissioned for one
 * of the n final reasons), in gtin and market order; fn returning non-zero stops. */
px_rc px_store_open_release_markets(px_db *db, const char *tenant_id,
                                    const char *const *final_reasons, size_t n,
                                    int (*fn)(void *ctx, const char *gtin, int prefix_len,
                                              const char *market),
                                    void *ctx, px_err *err);
typedef int (*px_endpoint_fn)(void *ctx, const px_endpoint *e);
/* The tenant's endpoints (market NULL: every market; active only when active_only) in
 * creation order. */
px_rc px_store_endpoint_each(px_db *db, const char *tenant_id, const char *market,
                             int active_only, px_endpoint_fn fn, void *ctx, px_err *err);

/* ---- reports (the outbox) ----------------------------------------------------------- */

typedef struct px_report {
    char id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char endpoint_id[PX_ID_LEN + 1];
    char market[3];
    char release_id[PX_ID_LEN + 1];   /* the release it reports, "" when none */
    char op_id[PX_ID_LEN + 1];        /* the status change it reports, "" when none */
    char retry_of[PX_ID_LEN + 1];     /* the failed or dead report it retries, "" when none */
    char retried_by[PX_ID_LEN + 1];   /* the report that retries it, "" when none (read only) */
    int master_version;               /* the product master data version of its document */
    char gtin[15];
    char batch[21];                   /* "" when none */
    char document_id[PX_ID_LEN + 1];  /* SBDH InstanceIdentifier */
    char state[16];                   /* queued | sending | delivered | failed | dead */
    int attempts;
    int max_attempts;
    char last_error[512];             /* "" when none */
    char next_attempt_at[32];
    char created_at[32];
    char delivered_at[32];            /* "" until delivered */
    int has_document;
    long long document_len;
    char document_sha256[PX_SHA256_HEX_LEN + 1];
    int event_count;
} px_report;

/* Inserts a queued report (id, tenant_id, endpoint_id, market, gtin, document_id and
 * max_attempts, the configuration's limit the report keeps, required; release_id or op_id,
 * batch, retry_of, master_version optional). */
px_rc px_store_report_insert(px_db *db, px_report *r, px_err *err);
/* The report if it is in scope: tenant_id set -> the tenant's; market set -> that market's
 * (regulators). Out of scope is PX_ENOTFOUND, exactly like a missing one. */
px_rc px_store_report_get(px_db *db, px_report *out, const char *id, const char *tenant_id,
                          const char *market, px_err *err);
/* The id of the report that retried report id into out ("" when none yet). */
px_rc px_store_report_retried_by(px_db *db, char out[PX_ID_LEN + 1], const char *id,
                                 px_err *err);
/* The stored document (malloc'd, caller frees) of a report in scope; NULL *doc when the
 * document is not built yet. */
px_rc px_store_report_document(px_db *db, char **doc, size_t *len, const char *id,
                               const char *tenant_id, const char *market, px_err *err);

typedef int (*px_report_fn)(void *ctx, const px_report *r);
/* The reports in scope (tenant_id or scope_market as for px_store_report_get; NULL both:
 * all), filtered by state and market when given, newest first, after report after_id (NULL
 * or "": from the start), at most limit. */
px_rc px_store_report_each(px_db *db, const char *tenant_id, const char *scope_market,
                           const char *state, const char *retried, const char *market,
                           const char *after_id, long limit, px_report_fn fn, void *ctx,
                           px_err *err);
/* Counts per state of every report ("queued" … "dead", each, 0 when none), for the metrics: a
 * failed or dead report already retried is left out (its retry counts in its own state). */
typedef int (*px_report_count_fn)(void *ctx, const char *state, long long n);
px_rc px_store_report_counts(px_db *db, px_report_count_fn fn, void *ctx, px_err *err);

typedef struct px_report_attempt {
    int n;
    char started_at[32];
    char finished_at[32];             /* "" while in flight (or after a crash) */
    int http_status;                  /* 0 when no HTTP answer */
    char outcome[16];                 /* delivered | retry | dead | failed | "" */
    char error[512];
} px_report_attempt;
typedef int (*px_report_attempt_fn)(void *ctx, const px_report_attempt *a);
px_rc px_store_report_attempts_each(px_db *db, const char *report_id, px_report_attempt_fn fn,
                                    void *ctx, px_err *err);

/* A claimed report with what the delivery needs. Secrets and document are malloc'd;
 * px_report_job_dispose wipes the secrets and frees everything. */
typedef struct px_report_job {
    px_report r;
    char url[PX_ENDPOINT_URL_MAX + 1];
    char receiver_gln[14];
    char *auth_header;                /* NULL when none */
    char *hmac_secret;                /* NULL when none */
    char *document;                   /* NULL until built */
    size_t document_len;
} px_report_job;
void px_report_job_dispose(px_report_job *j);

/* Inside the caller's transaction: locks the next due report (queued, or sending whose lease
 * ran out) with FOR UPDATE SKIP LOCKED. PX_ENOTFOUND when none is due. */
px_rc px_store_report_claim(px_db *db, px_report_job *out, px_err *err);
/* Stores the built document once (only when none is stored yet). */
px_rc px_store_report_set_document(px_db *db, const char *id, const char *doc, size_t len,
                                   const char *sha256_hex, int event_count, px_err *err);
/* Marks the report sending, attempts + 1, leased for lease_ms; records attempt n. */
px_rc px_store_report_begin_attempt(px_db *db, const char *id, long lease_ms, int *n,
                                    px_err *err);
/* Ends attempt n: outcome "delivered" | "retry" (next try in retry_ms) | "dead". The report
 * takes it while n is its latest attempt and it is still sending, or when it is a late
 * "delivered" and the report is not finished (*current = 1; PX__SQL_ATTEMPT_MOVES_ROW); a
 * superseded attempt records its own outcome alone (*current = 0). */
px_rc px_store_report_end_attempt(px_db *db, const char *id, int n, int http_status,
                                  const char *outcome, const char *error, long retry_ms,
                                  int *current, px_err *err);
/* Puts the endpoint's queued reports off to retry_ms from now at the earliest (none brought
 * forward): the endpoint did not answer, so the reports behind the one that found it so wait
 * for that one's retry instead of taking the send slots one by one, a timeout each, while
 * other endpoints' reports wait behind them. */
px_rc px_store_report_pause(px_db *db, const char *endpoint_id, long retry_ms, px_err *err);
/* The document cannot be sent (schema violation, profile rule): state failed, nothing sent. */
px_rc px_store_report_fail(px_db *db, const char *id, const char *error, px_err *err);

/* ---- releases (market_release, migrations/0004, owned by the lifecycle) -------------- */

typedef struct px_release_info {
    char id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char gtin[15];
    char batch[21];
    char market[3];
} px_release_info;

/* The release (read inside the caller's transaction: the release may be uncommitted). */
px_rc px_store_release_info(px_db *db, px_release_info *out, const char *release_id,
                            px_err *err);
/* Records the release's report (market_release.report_id: the first queued report). */
px_rc px_store_release_set_report(px_db *db, const char *release_id, const char *report_id,
                                  px_err *err);

/* ---- EPCIS events (epcis_event, migrations/0004) ------------------------------------ */

typedef struct px_epcis_filter {
    const char *tenant_id;            /* MAH / auditor scope: the tenant's events */
    const char *market;               /* regulator scope: events of packs released there */
    const char *gtin;                 /* 14 digits */
    const char *lot;                  /* batch */
    const char *release_id;           /* report: the batch's commissioning events + this
                                         release's event (gtin and lot required) */
    const char *op_id;                /* report of a status change: that operation's events */
    const char *epc_serial;           /* MATCH_epc: with gtin, events carrying this pack */
    /* The EPCIS queries only: container events (AggregationEvents of packing, migration 0215)
     * join the answer, in the same write order. An EPC to match is given there as the URIs it
     * stands for, PostgreSQL array literals ("{…,…}"): epc_uris the exact URIs (an SGTIN or
     * an SSCC, each company prefix length), epc_prefixes the LIKE patterns of a GTIN's SGTINs
     * (a pattern). epc_sscc: the EPC is an SSCC (epcis_event's events naming it in their EPC
     * list: no GTIN applies); epc_any: MATCH_anyEPC (a container event's parentID matches
     * too). */
    int with_containers;
    const char *epc_uris, *epc_prefixes;
    int epc_sscc, epc_any;
    /* MATCH_parentID: the events whose parentID is this EPC (container events only), as URIs
     * or LIKE patterns like epc_uris / epc_prefixes. */
    const char *parent_uris, *parent_prefixes;
    const char *biz_step;             /* bare CBV word */
    const char *biz_location;         /* SGLN URI */
    int has_ge, has_lt;
    int64_t ge_time_us, lt_time_us;   /* GE_eventTime <= event_time < LT_eventTime */
    /* The EPCIS 2.0 REST query (GET /epcis/events, the EPCIS 2.0 REST bindings). A "list" is the
     * parameter's pipe-delimited values, already checked by the service (bare words). */
    const char *event_types;          /* ObjectEvent|AggregationEvent */
    const char *actions;              /* ADD|OBSERVE|DELETE */
    const char *biz_steps;            /* bare CBV words */
    const char *dispositions;         /* bare CBV words */
    const char *read_points;          /* URIs */
    const char *biz_locations;        /* URIs */
    const char *event_hash;           /* EQ_eventID */
    int has_ge_record, has_lt_record;
    int64_t ge_record_us, lt_record_us; /* GE_recordTime <= created_at < LT_recordTime */
    long long after_seq;              /* paging: only events written after this one */
    long chunk_max;                   /* > 0: px_store_epcis_events_each reads one keyset
                                         chunk of at most this many events and returns (one
                                         piece of a streamed answer, docs/epcis.md) */
} px_epcis_filter;

typedef struct px_epcis_row {
    long long seq;
    const char *id;
    const char *op;                   /* commission | release | decommission | … */
    const char *type;                 /* ObjectEvent | AggregationEvent */
    const char *action;               /* ADD | OBSERVE | DELETE */
    const char *biz_step;             /* bare CBV word */
    const char *disposition;          /* bare CBV word, "" when none */
    int64_t event_time_us;
    int tz_offset_min;
    const char *gtin;
    int gcp_len;
    const char *lot;                  /* "" when none */
    const char *expiry;               /* YYMMDD, "" when none */
    const char *read_point;           /* "" when none */
    const char *biz_location;         /* "" when none */
    const char *location_gln;         /* "" when none */
    const char *event_hash;
    const char *const *serials;       /* sorted */
    size_t n_serials;
    /* Shipping (releases with shipping data, migrations/0007); "" when none. */
    const char *source_party, *source_location;   /* SGLN URIs */
    const char *dest_party, *dest_location;       /* SGLN URIs */
    const char *biz_tx_type;                      /* bare CBV btt word */
    const char *biz_tx;                           /* urn:epcglobal:cbv:bt:GLN:ID */
    /* EPC URIs named in place of the packs (migration 0090), serials then empty. */
    const char *const *epcs;
    size_t n_epcs;
    const char *parent_id; /* a container event's parentID, "" when none */
    int64_t record_time_us; /* when packid recorded it (created_at): recordTime */
} px_epcis_row;

/* Calls fn for every matching event in write order (seq). Rows are read in keyset chunks
 * bounded by their EPC count, so memory stays bounded whatever the number of events; the
 * row and its strings are borrowed for the callback's duration. fn returns non-zero to
 * stop. */
typedef int (*px_epcis_row_fn)(void *ctx, const px_epcis_row *row);
px_rc px_store_epcis_events_each(px_db *db, const px_epcis_filter *f, px_epcis_row_fn fn, void *ctx,
                           px_err *err);

/* The span of one page of per_page events that f selects (after f->after_seq, in write
 * order), read from the seq index alone, before a byte of the page is written: *count events
 * (≤ per_page), the seq of its last one, *more = 1 when an event follows the page. */
px_rc px_store_epcis_page_span(px_db *db, const px_epcis_filter *f, long per_page, long *count,
                               long long *last_seq, int *more, px_err *err);

/* The distinct values the events f selects carry (the EPCIS 2.0 collections /epcis/epcs,
 * /epcis/readPoints, /epcis/bizLocations; docs/epcis.md "Browse resources"), in key order
 * after the key (after_ph, after_k1, after_k2), at most limit. A value's key: read points and
 * business locations (0, "", URI); EPCs the packs (0, gtin, serial: fn gets gtin, gcp_len and
 * the serial) and then the other EPC URIs events name in place of packs (1, "", URI: fn gets
 * gtin "" and the URI). fn returns non-zero to stop. Only f's visibility fields
 * (tenant_id, market) are expected: every value of every event the caller may see. */
typedef enum px_epcis_value_kind {
    PX_EPCIS_VALUES_EPC,
    PX_EPCIS_VALUES_READ_POINT,
    PX_EPCIS_VALUES_BIZ_LOCATION
} px_epcis_value_kind;
typedef int (*px_epcis_value_fn)(void *ctx, int ph, const char *gtin, int gcp_len,
                                 const char *value);
px_rc px_store_epcis_values(px_db *db, const px_epcis_filter *f, px_epcis_value_kind kind,
                            int after_ph, const char *after_k1, const char *after_k2, long limit,
                            px_epcis_value_fn fn, void *ctx, px_err *err);

#endif
