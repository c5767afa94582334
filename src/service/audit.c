/* Reading and verifying the audit trail (docs/audit.md): per-tenant chains, sealed entries,
 * signed checkpoints. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_buf.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "service.h"
#include "tx.h"

px_rc px_svc_audit_each(px_db *db, const px_actor *by, long long after_seq, int newest_first,
                        long limit, px_audit_fn fn, void *ctx, px_err *err)
{
    /* The policy scope is the tenant filter: MAH and auditor see their organization's log
     * (the table gives no role the system scope on this action today; the filter follows the
     * table, not a role written here). */
    const char *tenant =
        px_policy_scope(by->role, PX_ACT_AUDIT_READ) == PX_SCOPE_SYSTEM ? NULL : by->org_id;
    return px_store_audit_each(db, tenant, after_seq, newest_first, limit, fn, ctx, err);
}

px_rc px_svc_audit_checkpoints_each(px_db *db, const px_actor *by, long long after_id, long limit,
                                    px_audit_checkpoint_fn fn, void *ctx, px_err *err)
{
    const char *chain =
        px_policy_scope(by->role, PX_ACT_AUDIT_READ) == PX_SCOPE_SYSTEM ? NULL : by->org_id;
    return px_store_audit_checkpoints_each(db, chain, after_id, limit, fn, ctx, err);
}

/* ---- small open-addressing tables: chains by uuid, checkpoints by seq ------------------ */

typedef struct {
    char chain[PX_ID_LEN + 1]; /* "" = free slot */
    long long last_seq, chain_seq;
    char last_hash[PX_SHA256_HEX_LEN + 1];
    long long cut_chain_seq; /* the newest cut's position (0: none): the chain starts there */
} chain_state;

typedef struct {
    px_audit_checkpoint cp; /* cp.seq 0 = free slot */
    int seen;
} cp_slot;

/* One open-addressing table: slots of one kind, n of them taken out of cap (a power of two). */
typedef struct {
    void *slots;
    size_t n, cap;
} table;

typedef struct {
    table chains; /* chain_state */
    table cps;    /* cp_slot */
} tables;

/* What the probing below needs of a table's slots: their size, a slot's key (NULL when the slot
 * is free), a key's hash and whether two keys are one. */
typedef struct {
    size_t size;
    const void *(*key)(const void *slot);
    size_t (*hash)(const void *key);
    int (*same)(const void *a, const void *b);
} slot_kind;

/* Where the probe for key (NULL: a key not in the table) from hash h ends among cap slots (never
 * all taken): the slot that holds key, else the first free one. */
static size_t probe(const char *slots, size_t cap, const slot_kind *k, size_t h, const void *key)
{
    size_t j = h & (cap - 1);
    const void *at;
    while ((at = k->key(slots + j * k->size)) && !(key && k->same(at, key)))
        j = (j + 1) & (cap - 1);
    return j;
}

/* Room for one more taken slot in t: kept at most half full, so a probe always meets a free
 * slot; when full, twice the slots (64 at first), every taken one placed anew. -1 when out of
 * memory (t unchanged). */
static int make_room(table *t, const slot_kind *k)
{
    if ((t->n + 1) * 2 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 64;
    char *grown = calloc(cap, k->size);
    if (!grown)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        const char *s = (const char *)t->slots + i * k->size;
        const void *key = k->key(s);
        if (key)
            memcpy(grown + probe(grown, cap, k, k->hash(key), NULL) * k->size, s, k->size);
    }
    free(t->slots);
    t->slots = grown;
    t->cap = cap;
    return 0;
}

/* The slot of key in t: the one that holds it, else with add a free one for it (the caller
 * fills it and counts it in t->n), else NULL; NULL also when out of memory. */
static void *table_slot(table *t, const slot_kind *k, const void *key, int add)
{
    if ((add && make_room(t, k) != 0) || !t->cap)
        return NULL;
    char *s = (char *)t->slots + probe(t->slots, t->cap, k, k->hash(key), key) * k->size;
    return add || k->key(s) ? s : NULL;
}

static const void *chain_key(const void *slot)
{
    const char *chain = ((const chain_state *)slot)->chain;
    return chain[0] ? chain : NULL;
}

static size_t hash_str(const void *s)
{
    return (size_t)px_fnv1a(s);
}

static int same_str(const void *a, const void *b)
{
    return strcmp(a, b) == 0;
}

static const void *cp_key(const void *slot)
{
    const long long *seq = &((const cp_slot *)slot)->cp.seq;
    return *seq ? seq : NULL;
}

static size_t hash_seq(const void *v)
{
    return (size_t)(*(const unsigned long long *)v * 11400714819323198485u);
}

static int same_seq(const void *a, const void *b)
{
    return *(const long long *)a == *(const long long *)b;
}

static const slot_kind k_chain_slots = {sizeof(chain_state), chain_key, hash_str, same_str};
static const slot_kind k_cp_slots = {sizeof(cp_slot), cp_key, hash_seq, same_seq};

static chain_state *chain_find(tables *t, const char *chain, int add)
{
    chain_state *c = table_slot(&t->chains, &k_chain_slots, chain, add);
    if (!c || c->chain[0])
        return c;
    px_strlcpy(c->chain, chain, sizeof(c->chain));
    memset(c->last_hash, '0', PX_SHA256_HEX_LEN);
    c->last_hash[PX_SHA256_HEX_LEN] = '\0';
    t->chains.n++;
    return c;
}

/* The slot of seq: its checkpoint, or a free slot to fill (NULL only when out of memory). */
static cp_slot *cp_find(tables *t, long long seq, int add)
{
    return table_slot(&t->cps, &k_cp_slots, &seq, add);
}

/* ---- one entry against its chain --------------------------------------------------------- */

/* The verdict's words for a chain cut where entry seq should stand, and for an entry whose
 * link names another entry before it: one sentence each, whichever check finds it. */
static void entry_missing(char *reason, size_t cap, long long seq)
{
    snprintf(reason, cap, "entry %lld is missing", seq);
}

static void entry_unlinked(char *reason, size_t cap, long long seq)
{
    snprintf(reason, cap, "entry %lld does not link to the entry before", seq);
}

/* 1 with why in reason when e's content does not give its hash (an altered entry), in either
 * chain form. */
static int entry_altered(const px_audit_entry *e, px_buf *text, char *reason, size_t cap)
{
    char h[PX_SHA256_HEX_LEN + 1];
    if (px_audit_entry_hash(h, text, e) == PX_OK && strcmp(h, e->hash) == 0)
        return 0;
    snprintf(reason, cap, "entry %lld was altered: its content does not match its hash", e->seq);
    return 1;
}

/* Checks e against the state of its chain (links, position, hash, seal) and advances the
 * state. Returns 0 when it holds; otherwise writes why into reason and the seq to report into
 * *at (the missing entry's for a cut link). Shared by the verifier and the checkpointer. */
static int check_entry(chain_state *st, const px_audit_entry *e, const px_sign_ring *keys,
                       px_buf *text, char *reason, size_t cap, long long *at)
{
    *at = e->seq;
    if (e->prev_seq > st->last_seq) {
        /* REQ-AUDIT-3: the link names the entry before it in the chain: a deleted entry
         * leaves a link to a seq that is not there. */
        entry_missing(reason, cap, e->prev_seq);
        *at = e->prev_seq;
        return 1;
    }
    if (e->prev_seq != st->last_seq || e->chain_seq != st->chain_seq + 1 ||
        strcmp(e->prev_hash, st->last_hash) != 0) {
        entry_unlinked(reason, cap, e->seq);
        return 1;
    }
    if (entry_altered(e, text, reason, cap))
        return 1;
    /* REQ-AUDIT-2: only packid holds the seal key: a row added with database access alone,
     * however well it is hashed and linked, carries no valid seal. */
    const px_sign_key *k = e->mac_key[0] ? px_sign_ring_find(keys, e->mac_key) : NULL;
    char mac[PX_SHA256_HEX_LEN + 1];
    if (k)
        px_audit_entry_seal(mac, k, e->hash);
    if (!e->mac[0] || !e->mac_key[0]) {
        snprintf(reason, cap, "entry %lld carries no seal: packid did not write it", e->seq);
        return 1;
    }
    if (!k) {
        snprintf(reason, cap, "entry %lld is sealed with an unknown key %s", e->seq, e->mac_key);
        return 1;
    }
    if (!px_secure_equal(mac, e->mac, 64)) {
        snprintf(reason, cap, "entry %lld has a forged seal: packid did not write it", e->seq);
        return 1;
    }
    st->last_seq = e->seq;
    st->chain_seq = e->chain_seq;
    memcpy(st->last_hash, e->hash, sizeof(st->last_hash));
    return 0;
}

/* ---- the whole trail ------------------------------------------------------------------ */

typedef struct {
    px_audit_verdict *v;
    const px_sign_ring *keys;
    const char *tenant;   /* NULL: report the whole trail */
    long long legacy_seq; /* the old single chain (entries before migration 0060) */
    int chained;          /* an entry of a per-tenant chain has been seen */
    char legacy_hash[PX_SHA256_HEX_LEN + 1];
    tables t;
    px_buf text;
    int oom;
} verify_state;

/* Records a break. A tenant learns that the trail is broken, and where only when the entry
 * is its own: whose a missing entry was is unknowable, and it may be another organization's. */
static int fail(verify_state *s, int own, long long seq, const char *reason)
{
    px_audit_verdict *v = s->v;
    if (s->tenant && !own) {
        snprintf(v->reason, sizeof(v->reason),
                 "the audit chain is broken at an entry of another organization");
        v->broken_seq = -1;
    } else {
        snprintf(v->reason, sizeof(v->reason), "%s", reason);
        v->broken_seq = seq;
    }
    return 1;
}

static int verify_legacy(verify_state *s, const px_audit_entry *e, int own)
{
    char why[160];
    if (e->seq != s->legacy_seq + 1) {
        entry_missing(why, sizeof(why), s->legacy_seq + 1);
        return fail(s, 0, s->legacy_seq + 1, why);
    }
    if (strcmp(e->prev_hash, s->legacy_hash) != 0) {
        entry_unlinked(why, sizeof(why), e->seq);
        return fail(s, own, e->seq, why);
    }
    if (entry_altered(e, &s->text, why, sizeof(why)))
        return fail(s, own, e->seq, why);
    s->legacy_seq = e->seq;
    memcpy(s->legacy_hash, e->hash, sizeof(s->legacy_hash));
    return 0;
}

static int verify_one(void *ctx, const px_audit_entry *e)
{
    verify_state *s = ctx;
    px_audit_verdict *v = s->v;
    v->entries++;
    int own = !s->tenant || strcmp(e->tenant_id, s->tenant) == 0;
    if (!e->chain[0]) {
        /* The old chain ended when migration 0060 began the per-tenant ones: an unsealed
         * old-style entry after a chained one was not written by packid. */
        if (s->chained) {
            char why[160];
            snprintf(why, sizeof(why),
                     "entry %lld carries no seal and follows the sealed entries: packid did "
                     "not write it",
                     e->seq);
            return fail(s, own, e->seq, why);
        }
        if (verify_legacy(s, e, own))
            return 1;
    } else {
        s->chained = 1;
        chain_state *st = chain_find(&s->t, e->chain, 1);
        if (!st) {
            s->oom = 1;
            return 1;
        }
        char why[160];
        long long at;
        /* An entry at or before its chain's cut (its month not detached yet) was verified when
         * the cut was signed (REQ-AUDIT-5); the walk starts after it. The entry the cut names
         * is still compared with it below. */
        if (e->chain_seq > st->cut_chain_seq &&
            check_entry(st, e, s->keys, &s->text, why, sizeof(why), &at))
            return fail(s, own && at == e->seq, at, why);
        /* REQ-AUDIT-4: an entry a signed checkpoint names must be exactly what was signed. */
        cp_slot *cp = cp_find(&s->t, e->seq, 0);
        if (cp) {
            cp->seen = 1;
            if (strcmp(cp->cp.chain, e->chain) != 0 || cp->cp.chain_seq != e->chain_seq ||
                strcmp(cp->cp.head, e->hash) != 0) {
                snprintf(why, sizeof(why),
                         "entry %lld differs from its signed checkpoint: history was rewritten",
                         e->seq);
                return fail(s, own, e->seq, why);
            }
        }
    }
    if (s->tenant && own) {
        v->own_entries++;
        memcpy(v->own_head, e->hash, sizeof(v->own_head));
    }
    if (!s->tenant) /* the whole log's: its latest entry's hash */
        memcpy(v->head, e->hash, sizeof(v->head));
    return 0;
}

static int add_checkpoint(verify_state *s, const px_audit_checkpoint *c)
{
    int own = !s->tenant || strcmp(c->chain, s->tenant) == 0;
    char why[160];
    if (px_audit_checkpoint_check(c, s->keys, why, sizeof(why)))
        return fail(s, own, c->seq, why);
    cp_slot *slot = cp_find(&s->t, c->seq, 1);
    if (!slot) {
        s->oom = 1;
        return 1;
    }
    if (slot->cp.seq &&
        (strcmp(slot->cp.head, c->head) != 0 || strcmp(slot->cp.chain, c->chain) != 0 ||
         slot->cp.chain_seq != c->chain_seq)) {
        snprintf(why, sizeof(why), "two signed checkpoints disagree about entry %lld", c->seq);
        return fail(s, own, c->seq, why);
    }
    if (!slot->cp.seq) {
        slot->cp = *c;
        s->t.cps.n++;
    }
    s->v->checkpoints++;
    s->v->own_checkpoints += s->tenant && own;
    if (c->cut) {
        /* The chain starts at its newest cut: what came before may have left with its month. A
         * deleted cut row makes the chain start at zero again, and its first entry then links
         * to an entry that is not there. */
        chain_state *st = chain_find(&s->t, c->chain, 1);
        if (!st) {
            s->oom = 1;
            return 1;
        }
        if (c->chain_seq > st->cut_chain_seq) {
            st->cut_chain_seq = st->chain_seq = c->chain_seq;
            st->last_seq = c->seq;
            px_strlcpy(st->last_hash, c->head, sizeof(st->last_hash));
        }
    }
    return 0;
}

static int add_checkpoint_cb(void *ctx, const px_audit_checkpoint *c)
{
    return add_checkpoint(ctx, c);
}

typedef struct {
    verify_state *s;
    int stop;
} heads_ctx;

/* REQ-AUDIT-3: the head row each append left: a chain whose rows end before it lost its tail
 * (the naive deletion; a careful attacker rewrites the head row too, and then the signed
 * checkpoints are what catches him). */
static int check_head(void *ctx, const px_audit_head *h)
{
    heads_ctx *hc = ctx;
    verify_state *s = hc->s;
    chain_state *st = chain_find(&s->t, h->chain, 0);
    long long have = st ? st->last_seq : 0;
    if (h->last_seq > have) {
        char why[160];
        entry_missing(why, sizeof(why), h->last_seq);
        hc->stop = fail(s, s->tenant && strcmp(h->chain, s->tenant) == 0, h->last_seq, why);
        return 1;
    }
    return 0;
}

typedef struct {
    verify_state *s;
    const px_audit_checkpoint *held;
    int n_held;
} verify_args;

static px_rc verify_body(px_tx *tx, void *va, px_err *err)
{
    verify_args *a = va;
    verify_state *s = a->s;
    px_db *db = px_tx_db(tx);
    px_rc rc = px_store_audit_checkpoints_each(db, NULL, 0, 0, add_checkpoint_cb, s, err);
    for (int i = 0; rc == PX_OK && !s->v->broken_seq && !s->oom && i < a->n_held; i++)
        add_checkpoint(s, &a->held[i]);
    if (rc != PX_OK || s->v->broken_seq || s->oom)
        return rc;
    if ((rc = px_store_audit_each(db, NULL, 0, 0, 0, verify_one, s, err)) != PX_OK ||
        s->v->broken_seq || s->oom)
        return rc;
    heads_ctx hc = {s, 0};
    if ((rc = px_store_audit_heads_each(db, check_head, &hc, err)) != PX_OK || hc.stop)
        return rc;
    /* REQ-AUDIT-4: every signed head must still be there: a checkpointed entry that is gone is
     * a cut tail (or a deleted middle whose successors were re-chained). */
    for (size_t i = 0; i < s->t.cps.cap; i++) {
        const cp_slot *c = (const cp_slot *)s->t.cps.slots + i;
        const chain_state *st = c->cp.seq ? chain_find(&s->t, c->cp.chain, 0) : NULL;
        /* A signed head at or before its chain's cut left with its month: the cut vouches. */
        if (c->cp.seq && !c->seen && !(st && c->cp.chain_seq <= st->cut_chain_seq)) {
            char why[160];
            snprintf(why, sizeof(why),
                     "entry %lld, signed in a checkpoint, is missing: the chain was cut",
                     c->cp.seq);
            fail(s, s->tenant && strcmp(c->cp.chain, s->tenant) == 0, c->cp.seq, why);
            break;
        }
    }
    return PX_OK;
}

px_rc px_svc_audit_verify(px_db *db, const px_sign_ring *keys, const px_actor *by,
                          const px_audit_checkpoint *held, int n_held, px_audit_verdict *out,
                          px_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *tenant =
        by && px_policy_scope(by->role, PX_ACT_AUDIT_VERIFY) != PX_SCOPE_SYSTEM ? by->org_id : NULL;
    verify_state s = {0};
    s.v = out;
    s.keys = keys;
    s.tenant = tenant;
    memset(s.legacy_hash, '0', 64);
    px_buf_init(&s.text, 1 << 20);
    verify_args a = {&s, held, n_held};
    /* One snapshot, so appends during the scan do not confuse it. */
    px_rc rc = px_tx_read(db, verify_body, &a, err);
    px_buf_dispose(&s.text);
    free(s.t.chains.slots);
    free(s.t.cps.slots);
    if (rc == PX_OK && s.oom)
        rc = px_err_oom(err);
    if (rc != PX_OK)
        return rc;
    out->ok = out->broken_seq == 0;
    if (tenant) {
        /* The tenant's own view: its entries, the hash of its latest one and its chain's
         * checkpoints (the whole log's count would tell how often others' chains were
         * sealed). */
        out->entries = out->own_entries;
        memcpy(out->head, out->own_head, sizeof(out->head));
        out->checkpoints = out->own_checkpoints;
    }
    return PX_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

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
    chain_state st;
    const px_sign_ring *keys;
    px_buf text;
    char reason[160];
    long long bad;
} chain_walk;

static int walk_one(void *ctx, const px_audit_entry *e)
{
    chain_walk *w = ctx;
    long long at;
    if (check_entry(&w->st, e, w->keys, &w->text, w->reason, sizeof(w->reason), &at)) {
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
