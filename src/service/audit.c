#include <stdio.h>
#include <string.h>

#include "px_buf.h"
#include "px_crypto.h"
#include "service.h"
#include "tx.h"

px_rc px_svc_audit_each(px_db *db, const px_actor *by, long long after_seq, long limit,
                        px_audit_fn fn, void *ctx, px_err *err)
{
    /* The policy scope is the tenant filter: MAH and auditor see their organization's log. */
    const char *tenant =
        px_policy_scope(by->role, PX_ACT_AUDIT_READ) == PX_SCOPE_SYSTEM ? NULL : by->org_id;
    return px_store_audit_each(db, tenant, after_seq, limit, fn, ctx, err);
}

typedef struct {
    px_audit_verdict *v;
    const char *tenant;          /* NULL: report the whole chain */
    long long last_seq;
    char last_hash[65];
    px_buf text;
} verify_state;

/* Recomputes each entry's hash from its fields exactly as the canonical form of
 * migrations/0001_foundation.sql (audit_canonical) and checks the links. */
static int verify_one(void *ctx, const px_audit_entry *e)
{
    verify_state *s = ctx;
    px_audit_verdict *v = s->v;
    v->entries++;
    /* A gap or a broken link says nothing about whose entry is gone: a tenant's verification
     * reports that the chain is broken, never a position it could not read (another
     * organization's deleted entry). */
    int own = !s->tenant || strcmp(e->tenant_id, s->tenant) == 0;
    if (e->seq != s->last_seq + 1) {
        if (s->tenant)
            snprintf(v->reason, sizeof(v->reason), "the audit chain has a missing entry");
        else
            snprintf(v->reason, sizeof(v->reason), "entry %lld is missing", s->last_seq + 1);
        v->broken_seq = s->tenant ? -1 : s->last_seq + 1;
        return 1;
    }
    if (strcmp(e->prev_hash, s->last_hash) != 0) {
        if (own)
            snprintf(v->reason, sizeof(v->reason), "entry %lld does not link to the entry before",
                     e->seq);
        else
            snprintf(v->reason, sizeof(v->reason),
                     "the audit chain is broken at an entry of another organization");
        v->broken_seq = own ? e->seq : -1;
        return 1;
    }
    px_buf_reset(&s->text);
    px_buf_printf(&s->text, "%lld|%lld|%s|%s|%s|%s|%s|%s|%s", e->seq, e->at_us, e->org_id,
                  e->key_id, e->tenant_id, e->action, e->subject, e->details, e->prev_hash);
    char h[65];
    px_sha256_hex(h, s->text.data, s->text.len);
    if (strcmp(h, e->hash) != 0) {
        if (s->tenant && strcmp(e->tenant_id, s->tenant) != 0) {
            /* Another organization's entry: say that the chain is broken, not where. */
            snprintf(v->reason, sizeof(v->reason),
                     "the audit chain is broken at an entry of another organization");
            v->broken_seq = -1;
        } else {
            snprintf(v->reason, sizeof(v->reason),
                     "entry %lld was altered: its content does not match its hash", e->seq);
            v->broken_seq = e->seq;
        }
        return 1;
    }
    s->last_seq = e->seq;
    memcpy(s->last_hash, e->hash, sizeof(s->last_hash));
    if (s->tenant && strcmp(e->tenant_id, s->tenant) == 0) {
        v->own_entries++;
        memcpy(v->own_head, e->hash, sizeof(v->own_head));
    }
    return 0;
}

static px_rc verify_body(px_tx *tx, void *vs, px_err *err)
{
    return px_store_audit_each(px_tx_db(tx), NULL, 0, 0, verify_one, vs, err);
}

px_rc px_svc_audit_verify(px_db *db, const px_actor *by, px_audit_verdict *out, px_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *tenant =
        by && px_policy_scope(by->role, PX_ACT_AUDIT_VERIFY) != PX_SCOPE_SYSTEM ? by->org_id
                                                                                 : NULL;
    verify_state s = {.v = out, .tenant = tenant, .last_seq = 0};
    memset(s.last_hash, '0', 64);
    s.last_hash[64] = '\0';
    px_buf_init(&s.text, 1 << 20);
    /* One snapshot, so appends during the scan do not confuse it. */
    px_rc rc = px_tx_read(db, verify_body, &s, err);
    px_buf_dispose(&s.text);
    if (rc != PX_OK)
        return rc;
    out->ok = out->broken_seq == 0;
    if (tenant) {
        /* The tenant's own view: its entries and the hash of its latest one. */
        out->entries = out->own_entries;
        memcpy(out->head, out->own_head, sizeof(out->head));
    } else if (out->ok && s.last_seq > 0) {
        memcpy(out->head, s.last_hash, sizeof(out->head));
    }
    return PX_OK;
}
