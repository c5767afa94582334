/* The one transaction shape of a use case (tx.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_str.h"
#include "service_internal.h"
#include "tx.h"

typedef struct audit_entry {
    struct audit_entry *next;
    char org_id[PX_ID_LEN + 1]; /* who: the actor's organization and key */
    char key_id[PX_ID_LEN + 1];
    char tenant_id[PX_ID_LEN + 1];
    char action[48];
    char *subject;
    px_audit_details details;
} audit_entry;

/* A line px_tx_log keeps until COMMIT. */
typedef struct tx_line {
    struct tx_line *next;
    px_log_level level;
    char text[];
} tx_line;

struct px_tx {
    px_db *db;
    const px_actor *by;
    audit_entry *head, **tail;
    tx_line *lines, **lines_tail;
    int oom;
    int no_actor; /* an entry asked for with no actor, or copied from none of tx: a bug */
    int discard;
    int final; /* the refusal would be the same at every try: not tried again */
};

/* The innermost px_tx_run running on this thread: a nested run (a savepoint of it) hands the
 * lines it logged to it when its savepoint is released, and that one to its own at its end,
 * so a line reaches the log only when every level up to the COMMIT kept it. */
static _Thread_local px_tx *current;

px_db *px_tx_db(const px_tx *tx)
{
    return tx->db;
}

const px_actor *px_tx_actor(const px_tx *tx)
{
    return tx->by;
}

void px_tx_discard(px_tx *tx)
{
    tx->discard = 1;
}

int px_tx_retryable(px_rc rc, const px_err *err)
{
    return rc == PX_ECONFLICT && strcmp(err->code, "conflict") == 0;
}

px_audit_details *px_tx_audit(px_tx *tx, const char *tenant_id, const char *action,
                              const char *subject)
{
    return px_tx_audit_as(tx, tx->by, tenant_id, action, subject);
}

px_audit_details *px_tx_audit_as(px_tx *tx, const px_actor *by, const char *tenant_id,
                                 const char *action, const char *subject)
{
    if (!by) {
        tx->no_actor = 1;
        return NULL;
    }
    audit_entry *e = calloc(1, sizeof(*e));
    if (e)
        e->subject = strdup(subject ? subject : "");
    if (!e || !e->subject) {
        free(e);
        tx->oom = 1;
        return NULL;
    }
    px_strlcpy(e->org_id, by->org_id, sizeof(e->org_id));
    px_strlcpy(e->key_id, by->key_id, sizeof(e->key_id));
    px_strlcpy(e->tenant_id, tenant_id ? tenant_id : "", sizeof(e->tenant_id));
    px_strlcpy(e->action, action, sizeof(e->action));
    px_audit_details_init(&e->details);
    *tx->tail = e;
    tx->tail = &e->next;
    return &e->details;
}

px_audit_details *px_tx_audit_also(px_tx *tx, const px_audit_details *d, const char *tenant_id)
{
    if (!d)
        return NULL; /* px_tx_audit could not make it: the transaction fails already */
    const audit_entry *src = tx->head;
    while (src && &src->details != d)
        src = src->next;
    if (!src) {
        tx->no_actor = 1; /* not an entry of this transaction: a bug, failed as one */
        return NULL;
    }
    px_actor as = {0};
    px_strlcpy(as.org_id, src->org_id, sizeof(as.org_id));
    px_strlcpy(as.key_id, src->key_id, sizeof(as.key_id));
    px_audit_details *copy = px_tx_audit_as(tx, &as, tenant_id, src->action, src->subject);
    px_audit_same(copy, d);
    return copy;
}

int px_tx_also_in(void *ctx, const char *tenant_id)
{
    px_tx_also *c = ctx;
    px_tx_audit_also(c->tx, c->d, tenant_id);
    return 0;
}

void px_tx_log(px_tx *tx, px_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    tx_line *l = n < 0 ? NULL : malloc(sizeof(*l) + (size_t)n + 1);
    if (!l) {
        tx->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(l->text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    l->next = NULL;
    l->level = level;
    *tx->lines_tail = l;
    tx->lines_tail = &l->next;
}

/* The lines of a committed transaction are logged (emit), of any other dropped. */
static void lines_end(px_tx *tx, int emit)
{
    for (tx_line *l = tx->lines, *next; l; l = next) {
        next = l->next;
        if (emit)
            px_log(l->level, l->text, NULL);
        free(l);
    }
    tx->lines = NULL;
    tx->lines_tail = &tx->lines;
}

/* A released savepoint's lines join the outer transaction's (to be logged at its COMMIT). */
static void lines_hand_over(px_tx *from, px_tx *to)
{
    if (!from->lines)
        return;
    *to->lines_tail = from->lines;
    to->lines_tail = from->lines_tail;
    from->lines = NULL;
    from->lines_tail = &from->lines;
}

static void entries_free(px_tx *tx)
{
    audit_entry *e = tx->head;
    while (e) {
        audit_entry *next = e->next;
        px_audit_details_dispose(&e->details);
        free(e->subject);
        free(e);
        e = next;
    }
    tx->head = NULL;
    tx->tail = &tx->head;
    tx->oom = 0;
    tx->no_actor = 0;
    tx->discard = 0;
}

/* Appends the entries of one tenant's chain, in the order asked. */
static px_rc append_chain(px_tx *tx, const char *tenant, px_err *err)
{
    for (audit_entry *e = tx->head; e; e = e->next) {
        if (strcmp(e->tenant_id, tenant) != 0)
            continue;
        const char *details = px_audit_details_finish(&e->details, err);
        if (!details)
            return PX_EINTERNAL;
        px_rc rc = px_store_audit_append(tx->db, e->org_id, e->key_id, e->tenant_id, e->action,
                                         e->subject, details, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

/* Each append locks its tenant's chain head until COMMIT (store/audit.c). A transaction that
 * writes to several chains (a first start, a partnership) takes those locks in tenant order,
 * so two such transactions never deadlock on them; within a chain the order asked is kept. */
static px_rc append_audit(px_tx *tx, px_err *err)
{
    if (tx->oom)
        return px_err_oom(err);
    if (tx->no_actor)
        return px_err_set(err, PX_EINTERNAL, "internal", "an audit entry needs an actor");
    const char *done = NULL; /* the last tenant appended; "" sorts first */
    for (;;) {
        const char *next = NULL;
        for (audit_entry *e = tx->head; e; e = e->next)
            if ((!done || strcmp(e->tenant_id, done) > 0) &&
                (!next || strcmp(e->tenant_id, next) < 0))
                next = e->tenant_id;
        if (!next)
            return PX_OK;
        px_rc rc = append_chain(tx, next, err);
        if (rc != PX_OK)
            return rc;
        done = next;
    }
}

/* What the actor's right to write rests on, held until COMMIT (px_store_actor_hold): its key
 * (a key revoked while this request ran refuses it now, 401, rather than let it commit after
 * the revocation answered) and a CMO's partnerships (a suspension or a product taken out waits
 * for this transaction; one that committed first is seen by every check of the body). The
 * CLI's operator has no key; background work has no actor. */
static px_rc hold_actor(px_tx *tx, px_err *err)
{
    const px_actor *by = tx->by;
    if (!by)
        return PX_OK;
    const char *key = px_uuid_valid(by->key_id) ? by->key_id : NULL;
    const char *cmo = by->org_kind == PX_ORG_CMO && px_uuid_valid(by->org_id) ? by->org_id : NULL;
    if (!key && !cmo)
        return PX_OK;
    int key_ok = 0;
    px_org now;
    px_rc rc = px_store_actor_hold(tx->db, key, cmo, &key_ok, &now, err);
    if (rc == PX_OK && key && !key_ok)
        rc = px__key_refused(err);
    /* The body writes the actor's GLN as its events' read point and checks what its reports
     * need against it: as read when the request was authenticated. A change of it committed
     * since would leave the events under the old read point, past the change's own check of
     * the released packs that need one (orgs.c px__read_point_kept). The request is sent again
     * (as the database's own conflicts are), and authenticated anew. */
    if (rc == PX_OK && key &&
        (strcmp(now.gln, by->org_gln) != 0 || now.gln_prefix_length != by->org_gln_prefix_length)) {
        /* Not tried again here: the actor is this request's, so every try would meet the same
         * GLN; the client's resend authenticates anew. */
        tx->final = 1;
        rc = px_err_set(err, PX_ECONFLICT, "conflict",
                        "the organization's GLN changed while this request ran; send it again");
    }
    return rc;
}

static px_rc attempt(px_tx *tx, px_tx_body body, void *ctx, px_err *err)
{
    px_rc rc = px_db_begin(tx->db, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = hold_actor(tx, err)) == PX_OK && (rc = body(tx, ctx, err)) == PX_OK && !tx->discard &&
        (rc = append_audit(tx, err)) == PX_OK)
        return px_db_commit(tx->db, err);
    px_db_rollback(tx->db);
    return rc;
}

/* Inside an open transaction: the body in a savepoint (tx.h). After a failed statement the
 * transaction accepts nothing but ROLLBACK TO SAVEPOINT, which makes it usable again. */
static px_rc attempt_nested(px_tx *tx, px_tx_body body, void *ctx, px_err *err)
{
    px_rc rc = px_db_exec(tx->db, "SAVEPOINT px_tx", err);
    if (rc != PX_OK)
        return rc;
    if ((rc = body(tx, ctx, err)) == PX_OK && !tx->discard && (rc = append_audit(tx, err)) == PX_OK)
        return px_db_exec(tx->db, "RELEASE SAVEPOINT px_tx", err);
    px_err ignore;
    if (px_db_exec(tx->db, "ROLLBACK TO SAVEPOINT px_tx", &ignore) == PX_OK)
        px_db_exec(tx->db, "RELEASE SAVEPOINT px_tx", &ignore);
    return rc;
}

px_rc px_tx_run(px_db *db, const px_actor *by, px_tx_body body, void *ctx, px_err *err)
{
    px_tx tx = {db, by, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
    tx.tail = &tx.head;
    tx.lines_tail = &tx.lines;
    px_rc rc = PX_OK;
    px_tx *parent = current;
    current = &tx;
    if (px_db_in_tx(db)) {
        px_err_clear(err);
        rc = attempt_nested(&tx, body, ctx, err);
        /* Kept: released, not discarded (a discarded body's work is rolled back). */
        int kept = rc == PX_OK && !tx.discard;
        if (kept && parent && parent->db == db)
            lines_hand_over(&tx, parent);
        /* A savepoint of a transaction no px_tx_run began: its own release is its end. */
        lines_end(&tx, kept);
        entries_free(&tx);
        current = parent;
        return rc;
    }
    for (int i = 0; i < PX_TX_ATTEMPTS; i++) {
        px_err_clear(err);
        rc = attempt(&tx, body, ctx, err);
        lines_end(&tx, rc == PX_OK && !tx.discard);
        entries_free(&tx);
        if (tx.final || !px_tx_retryable(rc, err))
            break;
    }
    current = parent;
    return rc;
}

px_rc px_tx_read(px_db *db, px_tx_body body, void *ctx, px_err *err)
{
    px_tx tx = {db, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
    tx.tail = &tx.head;
    tx.lines_tail = &tx.lines;
    px_rc rc = px_db_begin_read(db, err);
    if (rc != PX_OK)
        return rc;
    px_tx *parent = current;
    current = &tx;
    rc = body(&tx, ctx, err);
    current = parent;
    px_db_rollback(db);
    lines_end(&tx, rc == PX_OK); /* a read's end is its success */
    entries_free(&tx);
    return rc;
}

px_audit_details *px_tx_audit_job(px_tx *tx, const char *org_id, const char *tenant_id,
                                  const char *action, const char *subject, const char *job_id)
{
    px_actor sys = {0};
    sys.role = PX_ROLE_ADMIN;
    px_strlcpy(sys.org_id, org_id, sizeof(sys.org_id));
    px_audit_details *d = px_tx_audit_as(tx, &sys, tenant_id, action, subject);
    if (d)
        px_audit_str(d, "job_id", job_id);
    return d;
}
