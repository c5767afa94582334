/* Reading and verifying the audit trail (docs/audit.md): per-tenant chains, sealed entries,
 * signed checkpoints; one entry is checked against its chain in audit_chain.c, checkpoints are
 * made in audit_checkpoint.c. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
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
    px_audit_checkpoint cp; /* cp.seq 0 = free slot */
    int seen;
} cp_slot;

/* One open-addressing table: slots of one kind, n of them taken out of cap (a power of two). */
typedef struct {
    void *slots;
    size_t n, cap;
} table;

typedef struct {
    table chains; /* px__audit_chain */
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
    const char *chain = ((const px__audit_chain *)slot)->chain;
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

static const slot_kind k_chain_slots = {sizeof(px__audit_chain), chain_key, hash_str, same_str};
static const slot_kind k_cp_slots = {sizeof(cp_slot), cp_key, hash_seq, same_seq};

static px__audit_chain *chain_find(tables *t, const char *chain, int add)
{
    px__audit_chain *c = table_slot(&t->chains, &k_chain_slots, chain, add);
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
        px__audit_entry_missing(why, sizeof(why), s->legacy_seq + 1);
        return fail(s, 0, s->legacy_seq + 1, why);
    }
    if (strcmp(e->prev_hash, s->legacy_hash) != 0) {
        px__audit_entry_unlinked(why, sizeof(why), e->seq);
        return fail(s, own, e->seq, why);
    }
    if (px__audit_entry_altered(e, &s->text, why, sizeof(why)))
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
        px__audit_chain *st = chain_find(&s->t, e->chain, 1);
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
            px__audit_check_entry(st, e, s->keys, &s->text, why, sizeof(why), &at))
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
        px__audit_chain *st = chain_find(&s->t, c->chain, 1);
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
    px__audit_chain *st = chain_find(&s->t, h->chain, 0);
    long long have = st ? st->last_seq : 0;
    if (h->last_seq > have) {
        char why[160];
        px__audit_entry_missing(why, sizeof(why), h->last_seq);
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
        const px__audit_chain *st = c->cp.seq ? chain_find(&s->t, c->cp.chain, 0) : NULL;
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
