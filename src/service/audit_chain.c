/* One audit entry against its chain (audit_chain.h): the link to the entry before, the
 * position, the content's hash and packid's seal (REQ-AUDIT-2, REQ-AUDIT-3). */
#include <stdio.h>
#include <string.h>

#include "audit_chain.h"

/* The verdict's words for a chain cut where entry seq should stand, and for an entry whose
 * link names another entry before it: one sentence each, whichever check finds it. */
void px__audit_entry_missing(char *reason, size_t cap, long long seq)
{
    snprintf(reason, cap, "entry %lld is missing", seq);
}

void px__audit_entry_unlinked(char *reason, size_t cap, long long seq)
{
    snprintf(reason, cap, "entry %lld does not link to the entry before", seq);
}

/* 1 with why in reason when e's content does not give its hash (an altered entry), in either
 * chain form. */
int px__audit_entry_altered(const px_audit_entry *e, px_buf *text, char *reason, size_t cap)
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
int px__audit_check_entry(px__audit_chain *st, const px_audit_entry *e, const px_sign_ring *keys,
                          px_buf *text, char *reason, size_t cap, long long *at)
{
    *at = e->seq;
    if (e->prev_seq > st->last_seq) {
        /* REQ-AUDIT-3: the link names the entry before it in the chain: a deleted entry
         * leaves a link to a seq that is not there. */
        px__audit_entry_missing(reason, cap, e->prev_seq);
        *at = e->prev_seq;
        return 1;
    }
    if (e->prev_seq != st->last_seq || e->chain_seq != st->chain_seq + 1 ||
        strcmp(e->prev_hash, st->last_hash) != 0) {
        px__audit_entry_unlinked(reason, cap, e->seq);
        return 1;
    }
    if (px__audit_entry_altered(e, text, reason, cap))
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
