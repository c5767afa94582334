/* The signed text of an audit checkpoint or cut, and its check against packid's key ring
 * (docs/audit.md "Signed checkpoints", "Cuts"): what the verifier and the detach of an audit
 * month both ask. */
#include <stdint.h>
#include <stdio.h>

#include "px_crypto.h"
#include "service.h"

long px_audit_checkpoint_message(char *out, size_t cap, const px_audit_checkpoint *c)
{
    /* A cut has its own text: the flag is signed, not only stored (docs/audit.md "Cuts"). */
    int n = snprintf(out, cap, "packid-audit-%s-v1|%s|%lld|%lld|%s|%s",
                     c->cut ? "cut" : "checkpoint", c->chain, c->chain_seq, c->seq, c->head, c->at);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int px_audit_checkpoint_check(const px_audit_checkpoint *c, const px_sign_ring *keys, char *reason,
                              size_t cap)
{
    const px_sign_key *k = px_sign_ring_find(keys, c->key_id);
    if (!k) {
        snprintf(reason, cap, "checkpoint of entry %lld is signed by an unknown key %s", c->seq,
                 c->key_id);
        return 1;
    }
    char msg[512];
    uint8_t sig[PX_SIGN_SIG_LEN];
    long n = px_audit_checkpoint_message(msg, sizeof(msg), c);
    if (n < 0 || px_hex_decode(sig, sizeof(sig), c->signature) != 0 ||
        !px_sign_verify(k->pub, msg, (size_t)n, sig)) {
        snprintf(reason, cap, "checkpoint of entry %lld has a bad signature", c->seq);
        return 1;
    }
    return 0;
}
