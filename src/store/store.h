/* store — the PostgreSQL adapter. The only layer that includes libpq; every SQL statement of
 * packid lives here or in migrations/. Other layers see opaque handles and C structs. */
#ifndef PX_STORE_H
#define PX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "display_name.h"
#include "px_buf.h"
#include "px_config.h"
#include "px_crypto.h"
#include "px_err.h"
#include "px_sign.h"
#include "px_str.h"

typedef struct px_db px_db;       /* one connection, used by one thread at a time */
typedef struct px_pool px_pool;   /* a fixed set of connections shared by threads */

/* ---- connecting ------------------------------------------------------------------- */

/* Resolves the connection string: PACKID_DATABASE_URL when set, otherwise the embedded
 * cluster under cfg->data_dir, started (and created on first use) if needed. *started is
 * set to 1 when this call started the embedded cluster (the caller then stops it). */
px_rc px_store_resolve(const px_config *cfg, char *conninfo, size_t cap, int *started,
                       px_err *err);

px_rc px_db_connect(px_db **out, const char *conninfo, px_err *err);
void px_db_close(px_db *db);
px_rc px_db_ping(px_db *db, px_err *err);
px_rc px_db_begin(px_db *db, px_err *err);
/* One read-only snapshot (REPEATABLE READ READ ONLY): every statement until the rollback sees
 * the same committed state. */
px_rc px_db_begin_read(px_db *db, px_err *err);
px_rc px_db_commit(px_db *db, px_err *err);
void px_db_rollback(px_db *db);
/* 1 between px_db_begin and its commit or rollback (a use case called inside another's
 * transaction runs in a savepoint, service/tx.c). */
int px_db_in_tx(const px_db *db);
/* Runs one SQL command with no parameters and no result (admin paths, tests). */
px_rc px_db_exec(px_db *db, const char *sql, px_err *err);

/* The sandbox (docs/sandbox.md): the schema PX_SANDBOX_SCHEMA holds a second, complete set of
 * packid's tables, built by the same migrations. A connection switched to it (search_path =
 * that schema alone) reads and writes only sandbox rows: every unqualified table name of every
 * statement resolves there, so no live row can be touched by a query that forgot a filter.
 * Switching back restores the connection's own search_path. px_pool_release switches back
 * before a connection is reused. Not cached: the SET always runs, so the flag cannot drift
 * from the session after a rolled-back transaction. */
#define PX_SANDBOX_SCHEMA "sandbox"
px_rc px_db_set_sandbox(px_db *db, int on, px_err *err);
int px_db_is_sandbox(const px_db *db);
/* The same switch of a live connection for the rest of its open transaction only (SET LOCAL):
 * a transaction that acts on both schemas, and commits or rolls back as one. Its end restores
 * the live schema whatever happened; `on` 0 switches back within it (then the connection
 * counts as live even when the statement fails: its transaction is aborted, and the rollback
 * restores the live schema). */
px_rc px_db_set_sandbox_local(px_db *db, int on, px_err *err);
/* Bounds each lock wait of the transactions db begins from now on to ms (0: the server's own
 * setting), with SET LOCAL lock_timeout at their BEGIN: a background runner stuck on a lock
 * held elsewhere then fails as its try (logged, counted) instead of holding its job `running`
 * with nothing said (PACKID_RUNNER_LOCK_TIMEOUT_MS). A wait, not the work: a long statement
 * that holds its locks is not cut. Kept on the connection's handle only, never in the
 * session: px_pool_release clears it. */
void px_db_set_lock_timeout(px_db *db, long ms);

px_rc px_pool_new(px_pool **out, const char *conninfo, int size, px_err *err);
void px_pool_free(px_pool *pool);
/* Waits up to 10 s for a free connection; PX_EUNAVAIL when none frees up or the server is
 * gone. */
px_db *px_pool_acquire(px_pool *pool, px_err *err);
void px_pool_release(px_pool *pool, px_db *db);
void px_pool_stats(px_pool *pool, int *size, int *in_use, uint64_t *waits);
/* The key that seals the audit entries written through the pool's connections (or one
 * connection); it must outlive them. Without one, appending an audit entry fails. */
void px_pool_set_audit_key(px_pool *pool, const px_sign_key *key);
void px_db_set_audit_key(px_db *db, const px_sign_key *key);

/* ---- reads from hot standbys (store/replica.c, docs/scaling.md) --------------------- */

typedef struct px_replicas px_replicas; /* the standbys of PACKID_READ_DATABASE_URL */

/* One pool of pool_size connections per standby of urls (';'-separated connection strings);
 * a read waits at most max_wait_ms for a standby to replay up to its fence. */
px_rc px_replicas_new(px_replicas **out, const char *urls, int pool_size, long max_wait_ms,
                      px_err *err);
void px_replicas_free(px_replicas *rs);
int px_replicas_count(const px_replicas *rs);
/* The fence of a read: the primary's WAL insert position now. Every commit acknowledged
 * before this call lies before it. */
px_rc px_db_wal_fence(px_db *primary, uint64_t *lsn, px_err *err);
/* The fence of a read that needs only durable commits (synchronous_commit on: every write
 * but the verification's scans): the primary's WAL flush position now. A standby can reach
 * it at once, where the insert position waits for the WAL writer to flush the scans'
 * asynchronous commits (docs/scaling.md "Reads from standbys"). */
px_rc px_db_wal_fence_durable(px_db *primary, uint64_t *lsn, px_err *err);
/* A connection to a standby that has replayed up to fence (and the pool to release it to),
 * or NULL when none got there within the wait: the caller reads from the primary. */
px_db *px_replicas_acquire(px_replicas *rs, uint64_t fence, px_pool **pool);
/* Reads answered by a standby, and reads that fell back to the primary. */
void px_replicas_stats(px_replicas *rs, uint64_t *standby, uint64_t *fallback);

/* ---- embedded cluster (store/embedded.c) -------------------------------------------- */

/* The cluster under cfg->data_dir, with the server binaries of cfg->pg_bindir (or found). */
px_rc px_embedded_start(const px_config *cfg, char *conninfo, size_t cap, int *started,
                        px_err *err);
px_rc px_embedded_stop(const px_config *cfg, px_err *err);
/* 1 running, 0 stopped (or never created). */
int px_embedded_running(const char *data_dir);
/* Records the calling process as the one that stops the embedded cluster when it exits
 * (<data>/embedded.owner: its pid and start time). px_embedded_stop removes the record. */
px_rc px_embedded_own(const char *data_dir, px_err *err);
/* 1 when the embedded cluster under data_dir runs and the process recorded as its owner is
 * gone (killed before it could stop the cluster): an orphan a new `packid serve` takes over.
 * A cluster with no owner record (`packid db start`) is never an orphan. */
int px_embedded_orphaned(const char *data_dir);

/* ---- migrations (store/migrate.c) --------------------------------------------------- */

typedef struct px_migration_report {
    int applied;      /* migrations applied by this call */
    int total;        /* migrations known to this build */
} px_migration_report;

/* Applies every pending migration in order, each in its own transaction, recorded with its
 * SHA-256; an applied migration whose text changed is refused (PX_ECONFLICT). */
px_rc px_migrate(px_db *db, px_migration_report *rep, px_err *err);
/* How many of this build's migrations the database has applied (rep->applied) and knows
 * (rep->total); nothing is changed. */
px_rc px_migration_status(px_db *db, px_migration_report *rep, px_err *err);

/* ---- organizations and keys (store/org.c, store/key.c) ------------------------------ */

#define PX_ID_LEN PX_UUID_LEN /* an id: a uuid's text */
#define PX_ORG_GCP_MAX 20 /* company prefixes an organization lists beyond its GLN's */

typedef struct px_org {
    char id[PX_ID_LEN + 1];
    char kind[16];          /* operator | mah | cmo | regulator */
    char name[201];
    char gln[14];           /* "" if none */
    int gln_prefix_length;  /* GS1 Company Prefix length of gln, 6..12; 0 = unknown
                               (the GS1 General Specifications: not derivable from the GLN) */
    char market[3];         /* regulator's market, "" if none */
    char created_at[32];
    /* Its GS1 Company Prefixes beyond its GLN's (org_company_prefix, REQ-SSCC-8), in order,
     * comma-separated; "" if none. */
    char company_prefixes[PX_ORG_GCP_MAX * 13];
} px_org;

typedef struct px_key_info {
    char id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char role[16];
    char label[PX_LABEL_MAX + 1];
    char created_at[32];
    char revoked_at[32];    /* "" while active */
} px_key_info;

px_rc px_store_org_insert(px_db *db, px_org *org, px_err *err);   /* fills id, created_at */
px_rc px_store_org_get(px_db *db, px_org *out, const char *id, px_err *err);
/* In a writing transaction: holds organization id until COMMIT, so a change of a CMO's data and
 * a new partnership of it are ordered: the second sees the first (an unknown id holds nothing).
 * How: PX_ORG_HOLD_SHARE (a partnership made with it); PX_ORG_HOLD_CHANGE (a change of its
 * name: FOR NO KEY UPDATE, which the foreign-key checks of rows naming it do not wait for);
 * PX_ORG_HOLD_GLN (a change of its GLN: FOR UPDATE, which also waits for the writes of its keys
 * in flight, each holding the row FOR KEY SHARE from its start, px_store_actor_hold, and which
 * the writes that start meanwhile wait for, then to see the new GLN). */
typedef enum px_org_hold { PX_ORG_HOLD_SHARE, PX_ORG_HOLD_CHANGE, PX_ORG_HOLD_GLN } px_org_hold;
px_rc px_store_org_hold(px_db *db, const char *id, px_org_hold how, px_err *err);
/* Serialises first starts: a second process starting at the same moment waits here until the
 * first commits (a transaction-scoped advisory lock). */
px_rc px_store_first_start_lock(px_db *db, px_err *err);
/* Writes org's name, gln and gln_prefix_length (0 = NULL) to the row org->id; fills org
 * from the row as it is now. */
px_rc px_store_org_update(px_db *db, px_org *org, px_err *err);
/* Whose CMO it is: none of the MAH's (no partnership, active or suspended, with it), the MAH's
 * alone, or shared with other MAHs. */
enum { PX_PARTNER_NONE, PX_PARTNER_SOLE, PX_PARTNER_SHARED };
px_rc px_store_org_partners(px_db *db, int *out, const char *mah_id, const char *cmo_id,
                            px_err *err);
/* fn(ctx, mah_id) for each MAH with a partnership (active or suspended) with cmo_id, in id
 * order; fn returning non-zero stops. */
px_rc px_store_org_partner_mahs(px_db *db, const char *cmo_id,
                                int (*fn)(void *ctx, const char *mah_id), void *ctx, px_err *err);
/* REQ-SSCC-8 (store/org_prefix.c): the index of the first of the n company prefixes that is
 * someone else's -- listed by another organization, another's GLN prefix, a product's prefix,
 * or one another's GLN of unknown prefix length lies under -- into *taken, -1 when none is. */
px_rc px_store_org_prefix_taken(px_db *db, long *taken, const char *org_id,
                                const char *const *prefixes, size_t n, px_err *err);
/* Whether prefix, the company prefix of a product mah_id registers, is someone else's, into
 * *taken: it is, begins with, or is the beginning of a prefix another organization listed,
 * another MAH's products are numbered under, or another organization's GLN is numbered under
 * (at its known length; a CMO's GLN not against a MAH it partners with or whose GLN has the
 * same prefix). Holds listings and other registrations off until the transaction ends. */
px_rc px_store_gtin_prefix_taken(px_db *db, int *taken, const char *mah_id, const char *prefix,
                                 px_err *err);
/* Whether gln is another organization's than org_id ("" when new), into *taken. Holds the
 * GLN (an advisory lock) until the transaction ends, so two organizations given it at once
 * cannot both pass. */
px_rc px_store_gln_taken(px_db *db, int *taken, const char *org_id, const char *gln, px_err *err);
/* The mirror for org's GLN (its id "" when new): whether prefix (the GLN's company prefix, or
 * the whole GLN when its length is unknown) is, begins with, or is the beginning of a prefix
 * another organization listed or another MAH's products are numbered under (a CMO's not
 * against a MAH it partners with, whose GLN has the same prefix, or partner_mah, the MAH whose
 * new partnership creates it; may be NULL), into *taken. Waits for a list being changed or a
 * product being registered, and holds both off until the transaction ends. */
px_rc px_store_gln_prefix_taken(px_db *db, int *taken, const px_org *org, const char *prefix,
                                const char *partner_mah, px_err *err);
/* Makes org_id's listed company prefixes exactly these n (none: clears them). */
px_rc px_store_org_prefixes_set(px_db *db, const char *org_id, const char *const *prefixes,
                                size_t n, px_err *err);
px_rc px_store_org_count(px_db *db, const char *kind, long *out, px_err *err);
typedef int (*px_org_fn)(void *ctx, const px_org *org);
px_rc px_store_org_each(px_db *db, px_org_fn fn, void *ctx, px_err *err);

px_rc px_store_key_insert(px_db *db, px_key_info *key, const uint8_t hash[32], px_err *err);
/* From a live connection: the key into the sandbox's api_key, its organization's row copied
 * into the sandbox first when it is not there yet (docs/sandbox.md). */
px_rc px_store_key_insert_sandbox(px_db *db, px_key_info *key, const uint8_t hash[32],
                                  px_err *err);
/* Finds the key with that hash (active or revoked) and its organization. */
px_rc px_store_key_lookup(px_db *db, px_key_info *key, px_org *org, const uint8_t hash[32],
                          px_err *err);
px_rc px_store_key_get(px_db *db, px_key_info *key, const char *id, px_err *err);
/* In a writing transaction: holds (shared, until COMMIT) what the actor's right to write rests
 * on: its key key_id (NULL: none; *key_ok 0 when it is revoked) and, for a CMO (cmo_id
 * non-NULL), its partnerships. A revocation, a suspension or a product taken out
 * (px_store_actor_block) then waits for the writes in flight, and writes that start after it
 * wait for it and see it. With a key, the key's organization's row too (FOR KEY SHARE: a change
 * of its GLN, PX_ORG_HOLD_GLN, waits for the writes in flight, and they wait for one under
 * way), its GLN and prefix length as they are now into *org (gln "" and 0 when it has none). */
px_rc px_store_actor_hold(px_db *db, const char *key_id, const char *cmo_id, int *key_ok,
                          px_org *org, px_err *err);
/* In a writing transaction: blocks, until COMMIT, the writes of key key_id and of CMO cmo_id
 * (either may be NULL) after waiting for those in flight: what a revocation, a suspension or
 * a change of a CMO's products takes before it changes anything. */
px_rc px_store_actor_block(px_db *db, const char *key_id, const char *cmo_id, px_err *err);
/* Revokes key id (as stored: lower case) after px_store_actor_block; *revoked 1 when this call
 * revoked it, 0 when it already was (or is not there: the caller has read it). */
px_rc px_store_key_revoke(px_db *db, const char *id, int *revoked, px_err *err);
typedef int (*px_key_fn)(void *ctx, const px_key_info *key);
/* org_id NULL: every key. */
px_rc px_store_key_each(px_db *db, const char *org_id, px_key_fn fn, void *ctx, px_err *err);

/* ---- audit log (store/audit.c) ------------------------------------------------------ */

#define PX_AUDIT_NIL_CHAIN "00000000-0000-0000-0000-000000000000" /* the operator's chain */

typedef struct px_audit_entry {
    long long seq;
    long long at_us;
    char at[32];
    char org_id[PX_ID_LEN + 1];
    char key_id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char action[64];
    char subject[256];
    const char *details;     /* jsonb text, borrowed for the callback's duration */
    char prev_hash[PX_SHA256_HEX_LEN + 1];
    char hash[PX_SHA256_HEX_LEN + 1];
    /* Per-tenant chains (migration 0060); chain "" for an entry of the old single chain. */
    char chain[PX_ID_LEN + 1];
    long long chain_seq;     /* position in its chain, from 1 */
    long long prev_seq;      /* seq of the chain's entry before, 0 for the first */
    char mac[PX_SHA256_HEX_LEN + 1]; /* HMAC-SHA256 seal under mac_key's derived key, "" if none */
    char mac_key[PX_SIGN_ID_LEN + 1];
} px_audit_entry;

/* The entry's hash: hex SHA-256 of the canonical text it covers, the one rule the append and
 * the verifier share. The old single chain (chain "") uses migration 0001's audit_canonical; a
 * chained entry adds its chain, position and link:
 *   2|seq|at_us|org|key|tenant|action|subject|details|prev_hash|chain|chain_seq|prev_seq
 * text is the caller's scratch buffer; PX_OK, or its failure when the text does not fit. */
px_rc px_audit_entry_hash(char out[PX_SHA256_HEX_LEN + 1], px_buf *text, const px_audit_entry *e);
/* The entry's seal: hex HMAC-SHA256 of its hash under the key's derived seal key. */
void px_audit_entry_seal(char out[PX_SHA256_HEX_LEN + 1], const px_sign_key *key, const char *hash);

/* Appends an entry inside the caller's transaction to the chain of tenant_id (the operator's
 * chain when empty), sealed with the connection's audit key. Locks only that chain's head row
 * until COMMIT: appends for other tenants never wait. Empty ids are stored as NULL; details is
 * a JSON object text. */
px_rc px_store_audit_append(px_db *db, const char *org_id, const char *key_id,
                            const char *tenant_id, const char *action, const char *subject,
                            const char *details_json, px_err *err);
typedef int (*px_audit_fn)(void *ctx, const px_audit_entry *e);
/* Entries with seq > after_seq in order, at most limit (0 = all, streamed in chunks);
 * newest_first: seq < after_seq (0: from the newest) newest first. tenant_id NULL = all
 * tenants. The callback returns non-zero to stop. */
px_rc px_store_audit_each(px_db *db, const char *tenant_id, long long after_seq, int newest_first,
                          long limit, px_audit_fn fn, void *ctx, px_err *err);
/* The same for one chain's entries (chain given as uuid text), after_seq < seq <= upto. */
px_rc px_store_audit_chain_each(px_db *db, const char *chain, long long after_seq,
                                long long upto, px_audit_fn fn, void *ctx, px_err *err);

/* The head row of a chain as the appender left it (never trusted by the verifier). */
typedef struct px_audit_head {
    char chain[PX_ID_LEN + 1];
    long long chain_seq;
    long long last_seq;
    char last_hash[PX_SHA256_HEX_LEN + 1];
} px_audit_head;
typedef int (*px_audit_head_fn)(void *ctx, const px_audit_head *h);
px_rc px_store_audit_heads_each(px_db *db, px_audit_head_fn fn, void *ctx, px_err *err);

/* A signed checkpoint of one chain's head (migration 0060). */
typedef struct px_audit_checkpoint {
    long long id;
    char chain[PX_ID_LEN + 1];
    long long chain_seq;     /* entries in the chain up to and with the head */
    long long seq;           /* the head entry's seq */
    char head[PX_SHA256_HEX_LEN + 1]; /* the head entry's hash */
    char at[32];             /* RFC 3339 UTC with milliseconds, as signed */
    char key_id[PX_SIGN_ID_LEN + 1];
    char signature[2 * PX_SIGN_SIG_LEN + 1];
    int cut; /* a cut: the chain's entries up to and with seq, written before `at`, may leave
              * the log (docs/audit.md "Cuts") */
} px_audit_checkpoint;
typedef int (*px_audit_checkpoint_fn)(void *ctx, const px_audit_checkpoint *c);
/* Checkpoints with id > after_id in id order, at most limit (0 = all); chain NULL = all. */
px_rc px_store_audit_checkpoints_each(px_db *db, const char *chain, long long after_id,
                                      long limit, px_audit_checkpoint_fn fn, void *ctx,
                                      px_err *err);
/* The cuts that cover the entries of month `partition` of audit_log (audit_log_pYYYYMM, of the
 * connection's schema: px_partition_month_in), and of that schema's cut rows: those
 * of each chain with entries there, at or after its last entry there, in id order. */
px_rc px_store_audit_month_cuts(px_db *db, const char *partition, px_audit_checkpoint_fn fn,
                                void *ctx, px_err *err);
/* Stores c (fills c->id). */
px_rc px_store_audit_checkpoint_insert(px_db *db, px_audit_checkpoint *c, px_err *err);
/* Each chain whose head moved since its last checkpoint: the head row, and the last
 * checkpoint (c->id 0 when the chain has none). The current time as the checkpoint will carry
 * it goes to at (RFC 3339, milliseconds). */
typedef int (*px_audit_stale_fn)(void *ctx, const px_audit_head *h, const px_audit_checkpoint *c);
px_rc px_store_audit_stale_heads(px_db *db, char at[32], px_audit_stale_fn fn, void *ctx,
                                 px_err *err);
/* The cut candidates before `before` (a timestamp): per chain, its last entry written before
 * it (as h) and the newest checkpoint at or before that entry (c, id 0 when none), for the
 * chains no cut covers up to that entry yet; `at` is `before` as a checkpoint prints it. */
px_rc px_store_audit_cut_heads(px_db *db, const char *before, char at[32], px_audit_stale_fn fn,
                               void *ctx, px_err *err);
/* One checkpointer at a time across processes (a transaction-scoped advisory lock that no
 * writing use case takes); *got 0 when another holds it. */
px_rc px_store_audit_checkpoint_lock(px_db *db, int *got, px_err *err);

/* ---- products and partnerships (store/product.c, store/partner.c) -------------------- */

typedef struct px_master_data {
    char regulated_product_name[201];
    char dosage_form[201];
    char strength[201];
    char pack_size[201];          /* net content description, e.g. "30 TABLET in 1 BOTTLE" */
    char manufacturer[201];
    char ndc[16];                 /* US: NDC as printed (digits and hyphens), "" if none */
} px_master_data;

/* The master data's members by their API name (X(name, member)), in the order answers and
 * audit entries list them: the one list the handlers, the copies and the audit read. */
#define PX_MASTER_DATA_FIELDS(X)                                                                   \
    X("regulated_product_name", regulated_product_name)                                            \
    X("dosage_form", dosage_form)                                                                  \
    X("strength", strength)                                                                        \
    X("pack_size", pack_size)                                                                      \
    X("manufacturer", manufacturer)                                                                \
    X("ndc", ndc)
#define PX__MASTER_DATA_ONE(name, member) +1
/* How many members master data has (the names above). */
#define PX_MASTER_DATA_NFIELDS (0 PX_MASTER_DATA_FIELDS(PX__MASTER_DATA_ONE))

typedef struct px_product {
    char gtin[15];
    char mah_id[PX_ID_LEN + 1];
    int company_prefix_length;
    char name[201];
    char market[3];
    char nhrn_ai[4];              /* "" if none */
    char nhrn_value[21];
    px_master_data master;
    int has_settings;             /* serial settings fixed for this product */
    char serial_strategy[24];
    int serial_length;
    char serial_symbols[83];
    long long issued_count;
    int master_version;           /* 1 at creation, + 1 per change of name/master data/nhrn */
    char created_at[32];
} px_product;

px_rc px_store_product_insert(px_db *db, px_product *p, px_err *err);
/* PX_ENOTFOUND "product_not_found". for_update locks the row (allocation, settings). */
px_rc px_store_product_get(px_db *db, px_product *out, const char *gtin, int for_update,
                           px_err *err);
/* Writes p's name, nhrn and master data to the row p->gtin and adds 1 to its master_version;
 * fills p from the row as it is now. */
px_rc px_store_product_update(px_db *db, px_product *p, px_err *err);
/* The lock between a product's master data and its releases (the transaction's, advisory): a
 * release holds it shared from before it reads the product until it commits, a change of master
 * data exclusive, so the change sees every market a release in flight adds (and the release the
 * data as changed). Taken before the product's row (px_store_product_get's for_update). */
px_rc px_store_product_master_lock(px_db *db, const char *gtin, int exclusive, px_err *err);
/* Every market packs of gtin were ever released to (market_release): *n of them into out,
 * which holds PX_MARKET_CODES (every code of two capital letters, the column's CHECK). */
#define PX_MARKET_CODES (26 * 26)
px_rc px_store_product_release_markets(px_db *db, const char *gtin, char (*out)[3], int *n,
                                       px_err *err);
typedef int (*px_product_fn)(void *ctx, const px_product *p);
/* The MAH's products with gtin > after, at most limit, in gtin order; mah_id NULL with
 * cmo_id set lists the products of the CMO's active partnerships. */
px_rc px_store_product_each(px_db *db, const char *mah_id, const char *cmo_id,
                            const char *after, long limit, px_product_fn fn, void *ctx,
                            px_err *err);

typedef struct px_partnership {
    char id[PX_ID_LEN + 1];
    char mah_id[PX_ID_LEN + 1];
    char cmo_id[PX_ID_LEN + 1];
    char status[16];              /* active | suspended */
    char created_at[32];
    char updated_at[32];
    const char *gtins_json; /* the granted GTINs as a JSON array; borrowed, set only in a
                             * px_store_partnership_each callback */
} px_partnership;

px_rc px_store_partnership_insert(px_db *db, px_partnership *p, px_err *err);
/* mah_id scopes the lookup: another MAH's partnership is not found. */
px_rc px_store_partnership_get(px_db *db, px_partnership *out, const char *id,
                               const char *mah_id, px_err *err);
/* The partnership, held (FOR NO KEY UPDATE) until COMMIT: what a change of it takes first,
 * so the CMO's work that holds it (px_store_partner_access) ends before. */
px_rc px_store_partnership_lock(px_db *db, px_partnership *out, const char *id, px_err *err);
px_rc px_store_partnership_set_status(px_db *db, px_partnership *p, const char *status,
                                      px_err *err);
/* Replaces the granted products with gtins[0..n). */
px_rc px_store_partnership_set_gtins(px_db *db, const char *partnership_id,
                                     const char *const *gtins, int n, px_err *err);
/* Appends the granted GTINs (JSON array text) of a partnership into out. */
/* The partnership of MAH mah_id and CMO cmo_id: PX_ENOTFOUND when none; status says whether
 * it is active. In a writing transaction the row is held (shared) until COMMIT. */
px_rc px_store_partnership_between(px_db *db, px_partnership *out, const char *mah_id,
                                   const char *cmo_id, px_err *err);
/* The CMO's partnership covering gtin: PX_ENOTFOUND when none; status says whether it is
 * active. */
px_rc px_store_partner_access(px_db *db, px_partnership *out, const char *cmo_id,
                              const char *gtin, px_err *err);
typedef int (*px_partnership_fn)(void *ctx, const px_partnership *p);
/* The MAH's partnerships, oldest first, or only partnership id (id NULL: all; a given id not
 * found, or another MAH's, is PX_ENOTFOUND). */
px_rc px_store_partnership_each(px_db *db, const char *mah_id, const char *id, px_partnership_fn fn,
                                void *ctx, px_err *err);

#endif
