/* scan_store — the verification network's rows (migration 0035): a pack's public view for the
 * resolver, the scans of a serial, clone alerts and a product's public passport fields. */
#ifndef PX_SCAN_STORE_H
#define PX_SCAN_STORE_H

#include <stdint.h>

#include "store.h"
#include "verify_store.h"

/* A passport lists master-data members, each at most once (service/scans.c). */
#define PX_PASSPORT_FIELDS_MAX PX_MASTER_DATA_NFIELDS

typedef struct px_pack_public {
    int product_found;
    char mah_id[PX_UUID_LEN + 1];
    char product_name[201];
    char market[3];     /* the product's market (its regime: domain/market.h) */
    px_verify_row pack; /* found = 0 when the serial is not stored */
    int open_alert;     /* an open clone alert on the serial */
    int nfields;        /* public passport fields (master_data keys the MAH chose) */
    struct {
        char key[65];
        char value[201];
    } fields[PX_PASSPORT_FIELDS_MAX];
} px_pack_public;

/* What the public may see of (gtin, serial): serial may be "" (a product-level request). */
px_rc px_store_pack_public(px_db *db, px_pack_public *out, const char *gtin, const char *serial,
                           px_err *err);

/* One stored scan as the rules see it. */
typedef struct px_scan_row {
    int64_t at_us;
    int has_pos;
    double lat, lon;
    char country[3];
    char client[17];
} px_scan_row;

#define PX_SCAN_HISTORY_MAX 64

/* The newest scans of a serial from window_us before now_us to now_us, and after its last closed clone
 * alert (a closed alert ends a flag: only later scans may raise the next one). */
px_rc px_store_scan_history(px_db *db, px_scan_row *out, int *n, const char *gtin,
                            const char *serial, int64_t now_us, int64_t window_us, px_err *err);

/* One public verification's read (px_store_scan_lookup_many). */
typedef struct px_scan_lookup {
    const char *gtin, *serial; /* in: a normalised GTIN and a serial */
    int wide;                  /* in: the product's name and public passport fields too (the
                                  resolver's page); 0: the verdict's read (the MAH, the pack,
                                  the open alert) */
    px_pack_public pub;        /* out: product_found 0 when the GTIN is nobody's product */
    px_scan_row rows[PX_SCAN_HISTORY_MAX]; /* out: the serial's scans, newest first */
    int n;
} px_scan_lookup;

/* Items per px_store_scan_lookup_many. */
#define PX_SCAN_LOOKUP_MAX 64

/* px_store_pack_public and the serial's scans from since_us to until_us (packid's clock) for
 * each of n (1..PX_SCAN_LOOKUP_MAX) items, in one round trip: the public verification's read,
 * shared by the verifications that wait at the same time (service/verify_batch.c). The
 * history is not cut at the last closed clone alert as px_store_scan_history's: it may hold
 * more scans, never fewer (a flag it raises is decided again on px_store_scan_history's
 * rows). */
px_rc px_store_scan_lookup_many(px_db *db, px_scan_lookup *const *items, int n, int64_t since_us,
                                int64_t until_us, px_err *err);

/* A scan waiting to be written (service/scan_buffer.c): everything by value, the client
 * already hashed (hex SHA-256 of the salt and the address, as the database would). */
typedef struct px_scan_rec {
    char gtin[15];
    char serial[21];
    int64_t at_us;
    char country[3]; /* "" when not given */
    int has_pos;
    double lat, lon;
    char client[PX_SHA256_HEX_LEN + 1];
    char verdict[16];
    char source[9];
} px_scan_rec;

/* Writes n scans (all of a known pack) in one COPY; its own transaction commits without
 * waiting for the WAL flush (they are observations); inside a caller's, the caller's rules. */
px_rc px_store_scans_insert(px_db *db, const px_scan_rec *v, size_t n, px_err *err);

/* The salt of the client hashes (server_secret 'scan_salt'), at most cap bytes. */
px_rc px_store_scan_salt(px_db *db, unsigned char *out, size_t cap, size_t *len, px_err *err);

typedef struct px_scan_in {
    const char *gtin, *serial;
    int64_t at_us;
    const char *country; /* NULL when not given */
    int has_pos;
    double lat, lon;
    const char *client_addr; /* hashed with the stored salt, never stored itself */
    int known;
    const char *verdict;
    const char *source; /* "verify" | "resolver" */
    int durable;        /* 0: the transaction may commit asynchronously (docs/resolver.md) */
} px_scan_in;

/* Records a scan; client_out: the client's hash (SHA-256 hex). A scan that is not durable sets
 * synchronous_commit off for the rest of its transaction. */
px_rc px_store_scan_insert(px_db *db, const px_scan_in *s, char client_out[PX_SHA256_HEX_LEN + 1],
                           px_err *err);

/* Unknown serials of gtin's MAH asked by client (hash) in the hour before now_us. */
px_rc px_store_scan_unknown_count(px_db *db, long *out, const char *mah_id, const char *client,
                                  int64_t now_us, px_err *err);

/* Opens an alert unless one is open for the same serial (clone) or client (enumeration):
 * *opened = 1 and id when this call opened it. */
px_rc px_store_alert_open(px_db *db, int *opened, char id[PX_UUID_LEN + 1], const char *tenant_id,
                          const char *gtin, const char *serial, const char *client,
                          const char *kind, const char *rules, int64_t at_us, px_err *err);

/* The most bytes of text a closed alert's reason has (printable, required). */
#define PX_ALERT_REASON_MAX 500

typedef struct px_alert {
    char id[PX_UUID_LEN + 1];
    char kind[16];
    char gtin[15];
    char serial[21];
    char rules[64];
    char state[8];
    char opened_at[40];
    char closed_at[40]; /* "" while open */
    char close_reason[PX_ALERT_REASON_MAX + 1];
} px_alert;
typedef int (*px_alert_fn)(void *ctx, const px_alert *a);

/* The tenant's alerts, newest first, keyset-paged on (opened_at, id); state NULL = all. */
px_rc px_store_alerts_each(px_db *db, const char *tenant_id, const char *state,
                           const char *after_id, long limit, px_alert_fn fn, void *ctx,
                           px_err *err);
/* Closes an open alert of the tenant: not_found when none (another tenant's included),
 * invalid_state when already closed. */
px_rc px_store_alert_close(px_db *db, px_alert *out, const char *tenant_id, const char *id,
                           const char *reason, int64_t at_us, px_err *err);

/* The product's public passport fields (PUT replaces them); not_found for a GTIN the tenant
 * does not own. */
px_rc px_store_passport_put(px_db *db, const char *tenant_id, const char *gtin,
                            const char *const *fields, int n, px_err *err);
px_rc px_store_passport_get(px_db *db, const char *tenant_id, const char *gtin, char fields[][65],
                            int *n, int max, px_err *err);

#endif
