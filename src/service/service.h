/* service — use cases: one function per operation, one database transaction each. Faces
 * (http/, cli/) authenticate, call px_policy_check, then call a use case with C structs; the
 * use case changes state, records its EPCIS event, outbox row and audit entry in the same
 * transaction (docs/architecture.md "Transactions"). */
#ifndef PX_SERVICE_H
#define PX_SERVICE_H

#include <stddef.h>

#include "partition_store.h"
#include "policy.h"
#include "px_config.h"
#include "px_err.h"
#include "store.h"

/* A key's mode (docs/sandbox.md): live keys act on live data, test keys on the sandbox. */
typedef enum px_key_mode { PX_KEY_LIVE = 0, PX_KEY_TEST } px_key_mode;

/* Who is calling. For the CLI (an operator at the machine) key_id is "" and role admin. */
typedef struct px_actor {
    px_role role;
    px_org_kind org_kind;
    char key_id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char org_name[201];
    char org_gln[14];
    int org_gln_prefix_length; /* GS1 Company Prefix length of org_gln, 6..12; 0 unknown */
    char market[3];            /* regulators: the market they serve */
    px_key_mode mode;          /* PX_KEY_TEST: the request runs on the sandbox */
} px_actor;

/* Delivery outcomes since start, by kind (px_app.deliveries; /metrics). */
typedef enum px_delivery_outcome {
    PX_DELIVERED = 0,              /* 2xx from the endpoint */
    PX_DELIVERY_RETRY,             /* failed, tried again later */
    PX_DELIVERY_DEAD,              /* failed max_attempts times: given up */
    PX_DELIVERY_FAILED,            /* never sent: the stored document is refused */
    PX_DELIVERY_OUTCOME__COUNT
} px_delivery_outcome;
/* "delivered", "retry", "dead", "failed": the outcome as the attempt rows, the log and
 * /metrics name it (delivery_attempt.c). */
const char *px_delivery_outcome_name(px_delivery_outcome o);

/* At least the number of lines of runners.def (workers.c checks it at compile time). */
#define PX_RUNNERS_MAX 16

/* The process-wide context of the running service. */
typedef struct px_app {
    px_config cfg;
    px_pool *pool;
    px_replicas *replicas;     /* PACKID_READ_DATABASE_URL's standbys, or NULL */
    char conninfo[1024];
    int embedded_started;      /* this process started the embedded cluster */
    char *gcp_xml;             /* GS1 GCP prefix format list (PACKID_GCP_LIST), or NULL */
    size_t gcp_xml_len;
    /* The official EPCIS XSD compiled once at start when PACKID_EPCIS_XSD_DIR is set (NULL
     * otherwise); read-only, shared by every worker thread (epcis.h). */
    struct px_epcis_validator *validator;
    /* The same for EPCIS 2.0 XML reports (PACKID_EPCIS2_XSD_DIR, the official 2.0 folder). */
    struct px_epcis_validator *validator2;
    /* PACKID_EPCIS2_JSON_SCHEMA: EPCIS 2.0 JSON-LD reports, checked against the official JSON
     * schema before they are stored and before every send (NULL: not configured). */
    struct px_epcis_validator *validator_jsonld;
    _Atomic unsigned long deliveries[PX_DELIVERY_OUTCOME__COUNT];
    /* Webhook delivery outcomes since start (webhook_runner.c), as deliveries'. */
    _Atomic unsigned long webhook_deliveries[PX_DELIVERY_OUTCOME__COUNT];
    /* Worker threads in a POST to a receiver now, reports' and webhooks' together
     * (px__delivery_in_slot): at most PACKID_WORKERS - 1, so a receiver that never answers
     * holds one worker, never every one. */
    _Atomic int deliveries_sending;
    /* Carrier batch items the job could not render (packid_carrier_items_failed_total): a
     * batch that ends completed may still have failed some. */
    _Atomic unsigned long carrier_items_failed;
    /* Failed calls per background runner since start (workers.c; runners.def order). */
    _Atomic unsigned long runner_errors[PX_RUNNERS_MAX];
    /* The audit signing key and the retired ones (PACKID_AUDIT_KEY_FILE, docs/audit.md):
     * loaded once, never in the database, never logged. */
    px_sign_ring audit_keys;
    /* The next periodic audit checkpoint of the live schema [0] and of the sandbox [1], in
     * seconds of the monotonic clock (px_mono_ms): a turn each, since the workers' sandbox pass
     * runs the same runner (one shared turn let it take the live chains' interval). */
    _Atomic long long audit_next_checkpoint[2];
    /* The monthly partitions (partitions.h): the runner's next pass, in seconds of the
     * monotonic clock, and what it saw, for /metrics. */
    _Atomic long long partitions_next;
    /* per table of px_partitioned_tables (partition_store.h) */
    _Atomic int partitions_months[PX_PARTITIONED_N];
    _Atomic int partitions_detachable[PX_PARTITIONED_N];
    _Atomic long long partitions_default_rows[PX_PARTITIONED_N];
    /* Public verification scans waiting to be written (scan_buffer.h). */
    struct px_scan_buffer *scans;
    /* The public verifications' shared reads (verify_batch.h), while the HTTP server runs
     * (px_http_start starts it, px_http_stop stops it), or NULL: each reads for itself. */
    struct px_verify_batch *verify_batch;
    /* The running background workers (workers.h), or NULL: px_workers_wake starts their next
     * pass at once when a request stores a job. Atomic: HTTP threads read it while the
     * workers start. */
    struct px_workers *_Atomic workers;
} px_app;

/* Opens the database (embedded or PACKID_DATABASE_URL), applies migrations, creates a pool
 * of pool_size connections. */
px_rc px_app_open(px_app *app, const px_config *cfg, int pool_size, px_err *err);
/* Opens a pool of pool_size connections to each standby of PACKID_READ_DATABASE_URL (none
 * when it is unset): `packid serve` only, the CLI reads and writes on the primary. */
px_rc px_app_open_replicas(px_app *app, int pool_size, px_err *err);
/* Closes the pool and stops the embedded cluster if this process started it. */
void px_app_close(px_app *app);
/* The base of packid's public links (the resolver's, signed downloads), without a trailing
 * '/': PACKID_PUBLIC_URL when set, else the address the server really listens on (the
 * configured default was computed before a port 0 was bound). */
void px_app_public_base(const px_app *app, char *out, size_t cap);

/* Ready to serve (GET /readyz): the database answers and has every migration of this build.
 * PX_EUNAVAIL with the reason otherwise. */
px_rc px_svc_ready(px_db *db, px_err *err);

/* The CLI's identity: an operator at the machine. */
void px_actor_cli(px_actor *a);

/* ---- authentication and keys (service/keys.c) ---------------------------------------- */

/* "pk_live_" or "pk_test_" + base64url(32 random bytes). Keys made before modes existed are
 * "pk_" + the same 43 characters (PX_API_KEY_LEN_V1) and stay valid, as live keys. */
#define PX_API_KEY_LEN 51
#define PX_API_KEY_LEN_V1 46

/* "live" or "test". */
const char *px_key_mode_name(px_key_mode mode);
/* The mode named s ("live" or "test"); PX_EINVALID "invalid_value" on "mode" otherwise. */
px_rc px_key_mode_parse(px_key_mode *out, const char *s, px_err *err);

/* Resolves a presented key to its actor; PX_EAUTH "invalid_token" for unknown or revoked. */
px_rc px_svc_authenticate(px_db *db, px_actor *out, const char *api_key, px_err *err);

/* Creates an organization (audited). org->gln_prefix_length: the GLN's GS1 Company Prefix
 * length as given (6..12), 0 = look it up in GS1's prefix list (app->gcp_xml, gcppos1), and
 * unknown (stored NULL) when the list has no entry. app may be NULL (no list). */
px_rc px_svc_org_create(px_db *db, const px_app *app, const px_actor *by, px_org *org,
                        px_err *err);

/* PATCH /v1/orgs/{id}: each member NULL / 0 = unchanged. */
typedef struct px_org_patch {
    const char *id;
    const char *name;
    const char *gln;           /* 13 digits, GS1 check digit, not all zeros */
    int gln_prefix_length;     /* 6..12; a new gln without it: GS1's prefix list, else unknown */
    /* A CMO's company prefixes beyond its GLN's (REQ-SSCC-8), the whole list: NULL unchanged,
     * n_company_prefixes 0 clears it. */
    const char *const *company_prefixes;
    size_t n_company_prefixes;
} px_org_patch;

/* Changes an organization's name, GLN and GLN prefix length (audited with old and new
 * values). Operator: any organization; MAH: its own and its CMO partners' (a partnership in
 * any state); anything else "not_found". out: the organization as it is now. */
px_rc px_svc_org_update(px_db *db, const px_app *app, const px_actor *by, const px_org_patch *rq,
                        px_org *out, px_err *err);

/* The GS1 Company Prefix length of a GLN (not derivable from the GLN itself): given (1..:
 * checked to be 6..12, PX_EINVALID otherwise, field not set), else GS1's prefix list (gcppos1),
 * else 0 (unknown). A list entry outside 6..12 (no EPC URI can carry it) also counts as
 * unknown. */
px_rc px_svc_gln_prefix_length(int *out, const px_app *app, const char *gln, int given,
                               px_err *err);

/* Creates a key for org_id with role (must fit the organization's kind); the secret is
 * written to api_key (shown once, never stored) and the key's metadata to out. The operator
 * names any organization; a MAH (org_id NULL or its own) only its own, with role mah or
 * auditor (else 403 "forbidden_role", field role). */
px_rc px_svc_key_create(px_db *db, const px_actor *by, const char *org_id, const char *role,
                        const char *label, px_key_mode mode, char api_key[PX_API_KEY_LEN + 1],
                        px_key_info *out, px_err *err);
/* Revokes a key. The operator: any key; a MAH: its own organization's keys (its own too),
 * never its CMOs' (another's is "not_found"). */
px_rc px_svc_key_revoke(px_db *db, const px_actor *by, const char *key_id, px_err *err);
/* GET /v1/keys: the keys of an organization, active and revoked, oldest first — the caller's
 * own, or for the operator any org_id's (a MAH naming another: "not_found"). Of the caller's
 * mode only: a test key's request reads the sandbox, where test keys are (docs/sandbox.md). */
px_rc px_svc_keys_each(px_db *db, const px_actor *by, const char *org_id, px_key_fn fn, void *ctx,
                       px_err *err);

/* First start: when no operator organization exists, creates the operator with an admin key
 * and, with demo set, a demo MAH with a mah key, a demo CMO with a cmo key, and a demo product
 * of the MAH granted to the CMO. *created is 0 on later starts; out->demo says whether the demo
 * part was made. */
typedef struct px_bootstrap {
    int created;
    char admin_key[PX_API_KEY_LEN + 1];
    char mah_key[PX_API_KEY_LEN + 1];
    char cmo_key[PX_API_KEY_LEN + 1];
    px_org mah, cmo;
    int demo;                  /* the demo organizations and product were created */
    char demo_gtin[15];        /* a demo product of the MAH, granted to the demo CMO */
} px_bootstrap;
px_rc px_svc_bootstrap(px_db *db, int demo, px_bootstrap *out, px_err *err);

/* ---- products and partnerships (service/catalog.c, service/partners.c) ------------- */

/* Creates a product for the calling MAH. p carries the request: gtin as given (8/12/13/14
 * digits, normalised here), company_prefix_length 0 = look it up in GS1's prefix list. */
px_rc px_svc_product_create(px_db *db, const px_app *app, const px_actor *by, px_product *p,
                            px_err *err);
/* The product the actor may see (MAH: its own; CMO: an active partnership's; auditor: its
 * MAH's); another tenant's is "product_not_found". gtin as given, normalised here. */
px_rc px_svc_product_get(px_db *db, const px_actor *by, const char *gtin, px_product *out,
                         px_err *err);
/* The access rule for writes on a product's serials (allocate, commission, …): MAH owner;
 * CMO with a partnership covering the GTIN — none is 404 product_not_found, a suspended one
 * 403 partnership_suspended. for_update locks the product row. */
px_rc px_svc_product_access(px_db *db, const px_actor *by, const char *gtin14, int for_update,
                            px_product *out, px_err *err);
/* PATCH /v1/products/{gtin}: NULL = unchanged; master_data replaces the whole object; nhrn
 * with ai "" removes it. */
typedef struct px_product_patch {
    const char *name;
    const px_master_data *master;
    int set_nhrn;
    const char *nhrn_ai, *nhrn_value;
} px_product_patch;

/* Changes a product's name, master data or NHRN (MAH owner only; another's is
 * "product_not_found"), field rules as at creation; master_version + 1 when anything
 * changed; audited with the old and new values. out: the product as it is now. */
px_rc px_svc_product_update(px_db *db, const px_actor *by, const char *gtin,
                            const px_product_patch *rq, px_product *out, px_err *err);
px_rc px_svc_products_each(px_db *db, const px_actor *by, const char *after, long limit,
                           px_product_fn fn, void *ctx, px_err *err);

typedef struct px_partner_result {
    px_partnership partnership;
    char cmo_org_id[PX_ID_LEN + 1];
    char api_key[PX_API_KEY_LEN + 1];  /* the new cmo key, shown once */
    char key_id[PX_ID_LEN + 1];
    /* A granted product's market reports need a read point on the CMO's events, which its
     * commissions of that product would lack (px__commission_read_point): accepted, and said
     * at once (those commissions are refused with missing_read_point until it has a GLN with
     * a known company prefix length). "" when nothing is missing. */
    char read_point_market[3];
} px_partner_result;

/* The products one partnership may grant, at most. */
#define PX_PARTNER_GTINS_MAX 10000
/* POST /v1/partners: creates the CMO organization (or links org_id, a CMO), the
 * partnership, grants gtins (the MAH's own products) and a cmo key — one transaction. gln
 * (optional, new organizations only) is the CMO site's GLN: its EPCIS events carry it as
 * readPoint/bizLocation (SGLN), which the EU profile requires; gln_prefix_length (0: not
 * given) is its company prefix length, else looked up in app's GCP list, else unknown. */
px_rc px_svc_partner_create(px_db *db, const px_app *app, const px_actor *by, const char *name,
                            const char *gln, int gln_prefix_length, const char *org_id,
                            const char *const *gtins, int n, px_partner_result *out,
                            px_err *err);
/* PATCH /v1/partners/{id}: gtins (NULL = unchanged) replaces the granted set; status NULL =
 * unchanged. Suspension stops the CMO's access at once (every access reads the status).
 * read_point_market as px_partner_result's, of the products granted now ("" when gtins is
 * NULL or nothing is missing). */
px_rc px_svc_partner_update(px_db *db, const px_actor *by, const char *id, const char *const *gtins,
                            int n, const char *status, px_partnership *out,
                            char read_point_market[3], px_err *err);
/* The calling MAH's partnerships, oldest first, each with its granted GTINs; id given: only
 * that one (another MAH's, or none, is PX_ENOTFOUND). */
px_rc px_svc_partners_each(px_db *db, const px_actor *by, const char *id, px_partnership_fn fn,
                           void *ctx, px_err *err);

/* ---- audit (service/audit.c) ---------------------------------------------------------- */

typedef struct px_audit_verdict {
    int ok;
    long long entries;
    char head[PX_SHA256_HEX_LEN + 1]; /* hash of the last entry ("" when empty) */
    long long broken_seq;      /* first bad entry when !ok; -1 when not the caller's to know */
    char reason[160];
    long long own_entries;     /* the tenant's entries (tenant-scoped verification) */
    char own_head[PX_SHA256_HEX_LEN + 1];
    long long checkpoints;     /* signed checkpoints checked against the rows */
    long long own_checkpoints; /* those of the tenant's chain (tenant-scoped verification) */
} px_audit_verdict;

/* The entries the actor may read (its organization's; every tenant for a system scope),
 * seq > after_seq oldest first, or (newest_first) seq < after_seq (0: from the newest) newest
 * first; at most limit. */
px_rc px_svc_audit_each(px_db *db, const px_actor *by, long long after_seq, int newest_first,
                        long limit, px_audit_fn fn, void *ctx, px_err *err);

/* Recomputes every chain from the rows (independently of the SQL that stored them), checks
 * each entry's seal with keys, and checks every signed checkpoint (the database's and the
 * held ones the caller brings, n_held of them) against the rows: a checkpointed entry that is
 * gone (a deleted tail) or differs (a rewritten, re-chained history) breaks the verdict. What
 * is reported follows the actor's scope: the operator (and the CLI, by NULL) sees every entry;
 * a MAH or auditor sees the count and head of its organization's chain, and where a chain
 * breaks only when the broken entry is its own. */
px_rc px_svc_audit_verify(px_db *db, const px_sign_ring *keys, const px_actor *by,
                          const px_audit_checkpoint *held, int n_held, px_audit_verdict *out,
                          px_err *err);

/* Signs a checkpoint of every chain whose head moved since its last checkpoint, after
 * verifying the chain's new entries (links, hashes, seals) from that checkpoint on: a chain
 * that does not verify is not signed (it is logged, and *refused counts it). *made: the
 * checkpoints signed. Another process checkpointing at the same moment: nothing, PX_OK.
 * With cut_before (a timestamp): signs instead a cut of every chain at its last entry written
 * before that time, which no cut covers yet (docs/audit.md "Cuts"), verified the same way;
 * another process checkpointing: PX_ESTATE "busy". */
px_rc px_svc_audit_checkpoint(px_db *db, const px_sign_ring *keys, const char *cut_before,
                              int *made, int *refused, px_err *err);

/* The signed message of a checkpoint (what an auditor checks with the public key):
 *   packid-audit-checkpoint-v1|chain|chain_seq|seq|head|at
 * and of a cut: packid-audit-cut-v1|chain|chain_seq|seq|head|at (at: the cut's time)
 * Returns its length, or -1 when it does not fit cap. */
long px_audit_checkpoint_message(char *out, size_t cap, const px_audit_checkpoint *c);

/* 0 when checkpoint (or cut) c's signature holds with the key it names, taken from the ring
 * (never from the database); else 1 and why in reason. */
int px_audit_checkpoint_check(const px_audit_checkpoint *c, const px_sign_ring *keys, char *reason,
                              size_t cap);

/* The checkpoints the actor may read (its organization's chain; every chain for a system
 * scope), id > after_id, at most limit. */
px_rc px_svc_audit_checkpoints_each(px_db *db, const px_actor *by, long long after_id,
                                    long limit, px_audit_checkpoint_fn fn, void *ctx,
                                    px_err *err);

#endif
