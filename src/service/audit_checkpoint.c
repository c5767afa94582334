/* Signed audit checkpoints (docs/audit.md, "The design"): each chain's head, or a cut before a
 * time, walked and checked entry by entry before it is signed, so a checkpoint never vouches
 * for an altered chain; the worker's periodic run. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "audit_chain.h"
#include "px_clock.h"
#include "px_log.h"
#include "px_str.h"
#include "tx.h"

typedef struct {
    const px_sign_ring *keys;
    px_db *db;
    const char *cut_before; /* NULL: checkpoints of the heads; else cuts before this time */
    char at[32];
    int made, refused;
    px_rc rc;
    px_err *err;
} cp_run;

typedef struct {
    px__audit_chain st;
    const px_sign_ring *keys;
    px_buf text;
    char reason[160];
    long long bad;
} chain_walk;

static int walk_one(void *ctx, const px_audit_entry *e)
{
    chain_walk *w = ctx;
    long long at;
    if (px__audit_check_entry(&w->st, e, w->keys, &w->text, w->reason, sizeof(w->reason), &at)) {
        w->bad = at;
        return 1;
    }
    return 0;
}

static int checkpoint_one(void *ctx, const px_audit_head *h, const px_audit_checkpoint *last)
{
    cp_run *r = ctx;
    chain_walk w = {0};
    w.keys = r->keys;
    px_strlcpy(w.st.chain, h->chain, sizeof(w.st.chain));
    memset(w.st.last_hash, '0', 64);
    if (last->id) {
        /* Start from what was signed last: what came before is already vouched for. */
        w.st.last_seq = last->seq;
        w.st.chain_seq = last->chain_seq;
        px_strlcpy(w.st.last_hash, last->head, sizeof(w.st.last_hash));
    }
    px_buf_init(&w.text, 1 << 20);
    /* REQ-AUDIT-5: verify before signing: a forged or cut chain is never vouched for. */
    /* Up to the head row read above: entries committed since are the next checkpoint's. */
    r->rc = px_store_audit_chain_each(r->db, h->chain, w.st.last_seq, h->last_seq, walk_one, &w,
                                      r->err);
    px_buf_dispose(&w.text);
    if (r->rc != PX_OK)
        return 1;
    if (!w.bad && (w.st.last_seq != h->last_seq || w.st.chain_seq != h->chain_seq ||
                   strcmp(w.st.last_hash, h->last_hash) != 0)) {
        snprintf(w.reason, sizeof(w.reason), "the chain's rows end before its head entry %lld",
                 h->last_seq);
        w.bad = h->last_seq;
    }
    if (w.bad) {
        px_logf(PX_LOG_ERROR, "audit chain %s not checkpointed: %s", h->chain, w.reason);
        r->refused++;
        return 0;
    }
    px_audit_checkpoint c = {0};
    px_strlcpy(c.chain, h->chain, sizeof(c.chain));
    c.chain_seq = w.st.chain_seq;
    c.seq = w.st.last_seq;
    px_strlcpy(c.head, w.st.last_hash, sizeof(c.head));
    px_strlcpy(c.at, r->at, sizeof(c.at));
    c.cut = r->cut_before != NULL;
    const px_sign_key *k = &r->keys->keys[0];
    px_strlcpy(c.key_id, k->id, sizeof(c.key_id));
    char msg[512];
    uint8_t sig[PX_SIGN_SIG_LEN];
    long n = px_audit_checkpoint_message(msg, sizeof(msg), &c);
    if (n < 0) {
        r->rc = px_err_set(r->err, PX_EINTERNAL, "internal", "checkpoint message too long");
        return 1;
    }
    if ((r->rc = px_sign(sig, k, msg, (size_t)n, r->err)) != PX_OK)
        return 1;
    px_hex_encode(c.signature, sig, sizeof(sig));
    if ((r->rc = px_store_audit_checkpoint_insert(r->db, &c, r->err)) != PX_OK)
        return 1;
    r->made++;
    return 0;
}

static px_rc checkpoint_body(px_tx *tx, void *vr, px_err *err)
{
    cp_run *r = vr;
    r->db = px_tx_db(tx);
    r->made = r->refused = 0;
    r->rc = PX_OK;
    r->err = err;
    int got = 0;
    px_rc rc = px_store_audit_checkpoint_lock(r->db, &got, err);
    if (rc != PX_OK)
        return rc;
    if (!got && r->cut_before) /* a cut is asked for by an operator: say why it was not made */
        return px_err_set(err, PX_ESTATE, "busy", "another process is signing checkpoints");
    if (!got)
        return PX_OK;
    if (r->cut_before)
        rc = px_store_audit_cut_heads(r->db, r->cut_before, r->at, checkpoint_one, r, err);
    else
        rc = px_store_audit_stale_heads(r->db, r->at, checkpoint_one, r, err);
    return rc != PX_OK ? rc : r->rc;
}

px_rc px_svc_audit_checkpoint(px_db *db, const px_sign_ring *keys, const char *cut_before,
                              int *made, int *refused, px_err *err)
{
    *made = *refused = 0;
    if (keys->n == 0)
        return px_err_set(err, PX_EINTERNAL, "internal", "no audit signing key");
    cp_run r = {0};
    r.keys = keys;
    r.cut_before = cut_before;
    /* A background transaction: it writes no audit entry of its own (a checkpoint is a
     * statement about the log, not an act on the data). */
    px_rc rc = px_tx_run(db, NULL, checkpoint_body, &r, err);
    if (rc == PX_OK) {
        *made = r.made;
        *refused = r.refused;
    }
    return rc;
}

px_rc px_run_audit_checkpoint(px_app *app, px_db *db, int *did_work, px_err *err);

px_rc px_run_audit_checkpoint(px_app *app, px_db *db, int *did_work, px_err *err)
{
    *did_work = 0;
    if (app->cfg.audit_checkpoint_interval <= 0 || app->audit_keys.n == 0)
        return PX_OK;
    long long now = (long long)(px_mono_ms() / 1000); /* an interval: the monotonic clock */
    _Atomic long long *turn = &app->audit_next_checkpoint[px_db_is_sandbox(db) ? 1 : 0];
    long long next = *turn;
    /* One worker thread of this process takes the schema's turn; the advisory lock keeps
     * other processes from signing the same heads at the same moment. */
    if (now < next ||
        !atomic_compare_exchange_strong(turn, &next, now + app->cfg.audit_checkpoint_interval))
        return PX_OK;
    int made, refused;
    px_rc rc = px_svc_audit_checkpoint(db, &app->audit_keys, NULL, &made, &refused, err);
    if (rc == PX_OK && made)
        px_logf(PX_LOG_INFO, "audit checkpoints signed: %d (%s)", made,
                px_db_is_sandbox(db) ? "sandbox" : "live");
    /* A failure, or a chain left unsigned because its rows do not hash to its head (each
     * logged at error level where found), is the runner's failure: the worker loop logs and
     * counts it (packid_runner_errors_total{runner="audit-checkpoint"}) and the other runners
     * go on; the next period tries again. */
    if (rc == PX_OK && refused)
        rc = px_err_set(err, PX_EINTERNAL, "audit_chain_broken",
                        "%d audit chain(s) not checkpointed: their rows do not hash to their head",
                        refused);
    return rc;
}
