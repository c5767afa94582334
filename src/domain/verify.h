/* verify — the verdict a person with a pack in hand gets (docs/api.md "Verification"), and nothing
 * else about the pack (a public answer teaches nothing beyond the verdict: docs/resolver.md "The
 * page").
 *
 * Pure: the caller looks the pack up and passes "now". */
#ifndef PX_VERIFY_H
#define PX_VERIFY_H

#include <stdint.h>

#include "pack_state.h"

typedef enum px_verdict {
    PX_VERDICT_GENUINE = 0,   /* on a pack (commissioned or released), data as queried */
    PX_VERDICT_UNKNOWN,       /* never commissioned for this GTIN (or never issued) */
    PX_VERDICT_DECOMMISSIONED,/* inactive (dispensed, destroyed, recalled, …) */
    PX_VERDICT_EXPIRED,       /* past its expiry date */
    PX_VERDICT_MISMATCH,      /* batch or expiry differ from what was commissioned
                               * (NMVS_FE_LOT_12/13 in EMVS terms) */
    PX_VERDICT_SUSPECT        /* reported stolen: treat the pack as a possible falsification */
} px_verdict;

typedef struct px_verify_facts {
    int found;                 /* the serial exists for the GTIN */
    px_pack_state state;
    px_decom_reason reason;
    const char *batch;         /* as commissioned ("" if none) */
    const char *expiry;        /* YYMMDD as commissioned ("" if none) */
    const char *asked_batch;   /* from the query, NULL when not given */
    const char *asked_expiry;  /* from the query, NULL when not given */
} px_verify_facts;

/* The facts both verifications (the public verdict here, the DSCSA responder's answer in
 * vrs.h) read alike: a serial never put on a pack (not found, or only allocated) is unknown to
 * whoever holds one; a lot or expiry asked for that differs from the commissioned one, the
 * expiry compared as printed (docs/verification.md "The decision"). */
int px_verify_unknown(const px_verify_facts *f);
/* A found pack's stored state and reason (their names as the store keeps them) into f: PX_OK; a
 * state that is no pack state is PX_EINTERNAL "internal" (a row its CHECK should have refused);
 * a reason that is none of the reasons is taken as none. Nothing to read when !f->found. */
px_rc px_verify_facts_state(px_verify_facts *f, const char *state, const char *reason, px_err *err);
int px_verify_lot_differs(const px_verify_facts *f);
int px_verify_expiry_differs(const px_verify_facts *f);

/* Precedence: unknown, suspect (stolen), decommissioned, mismatch, expired, genuine — the
 * most alarming finding wins, and a mismatch is reported before expiry because it means the
 * pack in hand is not the one commissioned. */
px_verdict px_verify_verdict(const px_verify_facts *f, int64_t now_us);
const char *px_verdict_name(px_verdict v);
/* 1 when the verdict vouches for the pack in hand (genuine, expired, decommissioned), so its
 * commissioned batch and expiry may be shown to whoever scanned it; a mismatch, a suspect or
 * an unknown pack must not teach a counterfeiter the genuine data (docs/resolver.md). */
int px_verdict_vouches(px_verdict v);

#endif
