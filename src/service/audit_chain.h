/* One audit entry against the state of its chain (docs/audit.md "What verification
 * detects"): shared by the trail's verification (audit.c) and the checkpointer
 * (audit_checkpoint.c). */
#ifndef PX_SERVICE_AUDIT_CHAIN_H
#define PX_SERVICE_AUDIT_CHAIN_H

#include "px_buf.h"
#include "px_crypto.h"
#include "service.h"

/* Where a chain stands while its entries are read in order. */
typedef struct px__audit_chain {
    char chain[PX_ID_LEN + 1]; /* "" = free slot */
    long long last_seq, chain_seq;
    char last_hash[PX_SHA256_HEX_LEN + 1];
    long long cut_chain_seq; /* the newest cut's position (0: none): the chain starts there */
} px__audit_chain;

/* The verdict's words for a chain cut where entry seq should stand, and for an entry whose
 * link names another entry before it: one sentence each, whichever check finds it. */
void px__audit_entry_missing(char *reason, size_t cap, long long seq);
void px__audit_entry_unlinked(char *reason, size_t cap, long long seq);
/* 1 with why in reason when e's content does not give its hash (an altered entry), in either
 * chain form. */
int px__audit_entry_altered(const px_audit_entry *e, px_buf *text, char *reason, size_t cap);
/* Checks e against st (links, position, hash, seal) and advances st. 0 when it holds;
 * otherwise why in reason and the seq to report in *at (the missing entry's for a cut link). */
int px__audit_check_entry(px__audit_chain *st, const px_audit_entry *e, const px_sign_ring *keys,
                          px_buf *text, char *reason, size_t cap, long long *at);

#endif
