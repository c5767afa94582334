/* tx — the one shape of a use case that writes (docs/architecture.md "Transactions"): a use
 * case runs in one transaction, so what it changes, the EPCIS event it records, the outbox row
 * for delivery and the audit entry commit together or not at all.
 *
 *     BEGIN; body; the audit entries the body asked for, appended last; COMMIT
 *
 * A serialization failure or deadlock (store/sqlstate.c maps SQLSTATE 40001 and 40P01 to
 * PX_ECONFLICT "conflict") reruns the whole body from BEGIN, at most PX_TX_ATTEMPTS times
 * (a bounded retry, docs/architecture.md "Transactions"); any other failure rolls back and is
 * returned. A body is therefore written to be rerun: it resets whatever it filled on an
 * earlier attempt.
 *
 * Audit entries go last because appending one locks the tenant's audit chain head (migration
 * 0060, store/audit.c) until COMMIT: the tenant's other writers wait on it (other tenants
 * never do), so nothing slow may run after it. */
#ifndef PX_TX_H
#define PX_TX_H

#include <string.h>

#include "audit_details.h"
#include "px_log.h"
#include "service.h"

#define PX_TX_ATTEMPTS 3

typedef struct px_tx px_tx;

/* The body of a use case, run inside an open transaction; tx gives the connection. */
typedef px_rc (*px_tx_body)(px_tx *tx, void *ctx, px_err *err);

/* Runs body in a read-write transaction as actor by (whose organization and key the audit
 * entries name; NULL for a background job that writes no audit entry).
 *
 * Called while db is already in a transaction (a use case that applies several others
 * all-or-nothing, e.g. an EPCIS capture), body runs in a SAVEPOINT instead: its changes and
 * audit entries are released into the outer transaction, or rolled back to the savepoint on
 * failure (the outer one goes on). It is not retried there: a serialization failure or deadlock
 * is returned, and only the outermost px_tx_run reruns its whole body. */
px_rc px_tx_run(px_db *db, const px_actor *by, px_tx_body body, void *ctx, px_err *err);

/* Runs body in one REPEATABLE READ READ ONLY snapshot (a report or a verification that must
 * see one consistent state); no audit, no retry, always rolled back. */
px_rc px_tx_read(px_db *db, px_tx_body body, void *ctx, px_err *err);

px_db *px_tx_db(const px_tx *tx);
const px_actor *px_tx_actor(const px_tx *tx);

/* The MAH whose audit chain an organization's act goes to (px_tx_audit's tenant_id): a MAH's
 * own (its auditors' keys belong to it too), none for another kind of organization. By the
 * actor, or by an organization's stored kind and id. */
static inline const char *px_tenant_of(const px_actor *by)
{
    return by->org_kind == PX_ORG_MAH ? by->org_id : NULL;
}
static inline const char *px_tenant_of_org(const char *kind, const char *org_id)
{
    return strcmp(kind, px_org_kind_name(PX_ORG_MAH)) == 0 ? org_id : NULL;
}
/* An act on an organization: its own chain when it is a MAH, else the acting MAH's (a CMO's
 * data changed by its MAH concerns that MAH). */
static inline const char *px_tenant_of_act_on(const px_actor *by, const char *kind,
                                              const char *org_id)
{
    const char *t = px_tenant_of_org(kind, org_id);
    return t ? t : px_tenant_of(by);
}

/* Asks for an audit entry (appended after the body: chains in tenant order, each chain's
 * entries in the order asked) and returns the builder of its details, or NULL when out of
 * memory (then the transaction fails with PX_EINTERNAL at its end: callers need not check). */
px_audit_details *px_tx_audit(px_tx *tx, const char *tenant_id, const char *action,
                              const char *subject);

/* The same for another actor than the transaction's (a first start creates organizations as
 * the operator and a partnership as the new MAH). */
px_audit_details *px_tx_audit_as(px_tx *tx, const px_actor *by, const char *tenant_id,
                                 const char *action, const char *subject);

/* The same entry as the one whose details d are (its actor, action, subject and, as they are
 * now, its details) in tenant_id's chain too: an act that concerns several MAHs is on record in
 * each of their chains. Call it once d is complete. NULL as px_tx_audit (also when d is not
 * an entry of tx). */
px_audit_details *px_tx_audit_also(px_tx *tx, const px_audit_details *d, const char *tenant_id);
/* The same for each tenant a store walk names: ctx a px_tx_also, px_tx_also_in its callback
 * (fn(ctx, mah_id) of px_store_org_partner_mahs and the like); never stops the walk. */
typedef struct px_tx_also {
    px_tx *tx;
    const px_audit_details *d;
} px_tx_also;
int px_tx_also_in(void *ctx, const char *tenant_id);

/* The audit entry a runner appends about job_id's work: by the actor of background work (the
 * operator, on behalf of org_id, the organization that queued it), its details starting with
 * the job's id. NULL as px_tx_audit. */
px_audit_details *px_tx_audit_job(px_tx *tx, const char *org_id, const char *tenant_id,
                                  const char *action, const char *subject, const char *job_id);

/* A log line about what the transaction does (a job that fails, a try that failed), logged
 * once it commits: never for an attempt rolled back, discarded or run again (a savepoint's
 * lines wait for each level above it and the COMMIT; one rolled back to drops them). Out of
 * memory fails the transaction, as px_tx_audit does. */
void px_tx_log(px_tx *tx, px_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The body decided there is nothing to write (an idempotent replay): roll back, succeed. */
void px_tx_discard(px_tx *tx);

/* True for a failure that px_tx_run retries (a serialization failure or deadlock). */
int px_tx_retryable(px_rc rc, const px_err *err);

#endif
