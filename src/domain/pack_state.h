/* pack_state — the life of one serialized pack as an explicit transition table.
 *
 *            COMMISSION             RELEASE
 *  ALLOCATED ----------> COMMISSIONED -------> RELEASED
 *                            |    ^              |   ^
 *        DECOMMISSION(r),    |    | REACTIVATE   |   | REACTIVATE (back to the state it was
 *        RECALL              v    | (Art. 13)    v   |  in before decommissioning)
 *                          DECOMMISSIONED(reason) <--+
 *
 * A recall is not a separate state: it is DECOMMISSIONED with reason RECALLED (or WITHDRAWN),
 * which is irreversible, reached by the RECALL action (MAH only, policy PX_ACT_RECALL).
 * Within DECOMMISSIONED two escalations are allowed (Delegated Regulation (EU) 2016/161
 * Art. 12 and Art. 40): RECALL over a reversible reason, and DECOMMISSION(destroyed) over a
 * reason whose pack is still in the holder's hands. Every other move is PX_ESTATE
 * "invalid_state". See docs/domain.md for the full table.
 *
 * Pure: no I/O, no heap, and no clock — the caller passes "now" (µs since the Unix epoch, UTC). */
#ifndef PX_PACK_STATE_H
#define PX_PACK_STATE_H

#include <stdint.h>

#include "gs1.h"
#include "policy.h"
#include "px_calendar.h"
#include "px_err.h"
#include "px_str.h"

#define PX_ORG_ID_MAX (PX_UUID_LEN + 1) /* an organization's id (a UUID's text) and its NUL */

/* Delegated Regulation (EU) 2016/161 Art. 13(1)(b): not more than 10 days. Elapsed time
 * (now - decommissioned_at) <= 10 × 24 h is allowed, one microsecond more is refused. */
#define PX_REACTIVATION_WINDOW_US (10 * PX_DAY_US)

typedef enum px_pack_state {
    PX_PACK_ALLOCATED = 0, /* serial issued from the pool, not on a pack yet.
                            * -> COMMISSIONED (COMMISSION) */
    PX_PACK_COMMISSIONED,  /* on a pack, commissioned at the line, not yet on the market.
                            * -> RELEASED (RELEASE), DECOMMISSIONED (DECOMMISSION, RECALL) */
    PX_PACK_RELEASED,      /* released for sale in a market (MAH).
                            * -> DECOMMISSIONED (DECOMMISSION, RECALL) */
    PX_PACK_DECOMMISSIONED, /* inactive, with a px_decom_reason.
                             * -> previous state (REACTIVATE, Art. 13 rules, reversible reasons);
                             * -> DECOMMISSIONED(recalled|withdrawn) (RECALL over a reversible
                             *    reason); -> DECOMMISSIONED(destroyed) (see px_decom_reason) */
    PX_PACK_STATE__COUNT
} px_pack_state;

typedef enum px_pack_action {
    PX_PACK_COMMISSION = 0, /* ALLOCATED (or a serial never seen: external) -> COMMISSIONED */
    PX_PACK_RELEASE,        /* COMMISSIONED -> RELEASED */
    PX_PACK_DECOMMISSION,   /* COMMISSIONED|RELEASED -> DECOMMISSIONED(reason) */
    PX_PACK_REACTIVATE,     /* DECOMMISSIONED -> the state before, only as Art. 13 allows */
    PX_PACK_RECALL,         /* -> DECOMMISSIONED(recalled|withdrawn), irreversible (Art. 40) */
    PX_PACK_ACTION__COUNT
} px_pack_action;

/* Why a pack was decommissioned. "irreversible" = REACTIVATE is always refused. */
typedef enum px_decom_reason {
    PX_REASON_NONE = 0,    /* not decommissioned */
    PX_REASON_DISPENSED,   /* supplied to the public — irreversible, Art. 13(1)(e) */
    PX_REASON_DESTROYED,   /* destroyed / intended for destruction — irreversible, Art. 13(1)(d) */
    PX_REASON_DAMAGED,     /* damaged (e.g. at the line) — reversible */
    PX_REASON_SAMPLE,      /* sample for the competent authority (Art. 22(c)) — reversible */
    PX_REASON_FREE_SAMPLE, /* free sample (Art. 41) — reversible */
    PX_REASON_STOLEN,      /* stolen — irreversible, Art. 13(1)(d) */
    PX_REASON_EXPORTED,    /* exported outside the EU (Art. 22(a)) — irreversible (EMVS) */
    PX_REASON_LOCKED,      /* locked / quarantine — reversible (EMVS "unlock") */
    PX_REASON_RECALLED,    /* batch recall — irreversible, Art. 13(1)(d), Art. 40 */
    PX_REASON_WITHDRAWN,   /* product withdrawal — irreversible, Art. 13(1)(d), Art. 40 */
    PX_REASON_EXPIRED,     /* expired — irreversible, Art. 13(1)(c) */
    PX_REASON_CHECKED_OUT, /* checked out for repackaging (parallel distribution) — reversible */
    PX_REASON__COUNT
} px_decom_reason;

/* What is known about a pack before a transition (and what it becomes). */
typedef struct px_pack_status {
    px_pack_state state;
    px_decom_reason reason;        /* DECOMMISSIONED only; PX_REASON_NONE otherwise */
    px_pack_state before;          /* DECOMMISSIONED only: COMMISSIONED or RELEASED, the state a
                                    * reactivation returns to */
    int64_t decommissioned_at_us;  /* DECOMMISSIONED only: when (µs since epoch, UTC) */
    char decommissioned_by[PX_ORG_ID_MAX]; /* DECOMMISSIONED only: acting organization id */
} px_pack_status;

typedef struct px_transition_req {
    px_pack_action action;
    px_decom_reason reason; /* DECOMMISSION: required, not recalled/withdrawn (use RECALL);
                             * RECALL: RECALLED, WITHDRAWN, or NONE (= RECALLED) */
    const char *org_id;     /* acting organization (uuid text); required for DECOMMISSION,
                             * RECALL and REACTIVATE */
    int64_t now_us;         /* the caller's clock, µs since epoch (UTC) */
    gs1_date expiry;        /* the pack's expiry, day resolved (DD=00 -> last day of month);
                             * year 0 = unknown. Needed by REACTIVATE, Art. 13(1)(c) */
} px_transition_req;

/* Initialises a status as freshly allocated. */
void px_pack_status_init(px_pack_status *st);

/* Applies req to *from and writes the resulting status to *to (to may equal from). from may
 * be NULL for COMMISSION only: a serial the pool has never seen (external serial).
 * Errors: PX_ESTATE "invalid_state" (message names the from-state and the action, or the
 * Art. 13 condition that fails); PX_EINVALID "invalid_reason" (field "reason") for a reason
 * that does not fit the action. *to is written only on success. */
px_rc px_pack_transition(const px_pack_status *from, const px_transition_req *req,
                         px_pack_status *to, px_err *err);

/* 1 when the table allows action (with reason) from state at all, before the Art. 13 checks
 * of REACTIVATE (time, organization, expiry). For REACTIVATE, reason is the current
 * decommission reason; otherwise the requested one. */
int px_pack_move_allowed(px_pack_state state, px_decom_reason current, px_pack_action action,
                         px_decom_reason requested);

/* Where a move of a whole set of packs (a batch's, a container's cases) starts from, in the
 * table's names: the states other than decommissioned from which action (with requested)
 * moves a pack, and the reasons of the decommissioned packs it moves (REQ-STATE-5/6: a recall
 * over a reversible decommissioning, a destruction of a pack still in hand). A statement that
 * moves rows by these lists moves exactly the packs px_pack_transition would. */
typedef struct px_pack_move_from {
    const char *states[PX_PACK_STATE__COUNT];
    size_t n_states;
    const char *reasons[PX_REASON__COUNT];
    size_t n_reasons;
} px_pack_move_from;
void px_pack_move_sources(px_pack_move_from *out, px_pack_action action, px_decom_reason requested);

/* 1 when a pack decommissioned for reason may never be reactivated. */
int px_decom_reason_irreversible(px_decom_reason reason);
/* 1 when no move of the table leaves a pack decommissioned for reason (dispensed, destroyed,
 * stolen, exported): it never changes again, so no report of it is ever due. A recalled,
 * withdrawn or expired pack is irreversible yet still in hand: it may be destroyed. */
int px_decom_reason_final(px_decom_reason reason);

/* The pack action a decommission request for reason stands for: RECALL for recalled and
 * withdrawn (a MAH-only act, PX_ACT_RECALL), DECOMMISSION otherwise. */
px_pack_action px_decom_reason_action(px_decom_reason reason);

/* Which reasons a role may decommission with. A CMO decommissions at the line only: damaged
 * and destroyed (docs/domain.md "Role policy"); MAH any reason; others none. PX_EFORBIDDEN
 * "forbidden_role" otherwise. */
px_rc px_decom_reason_check_role(px_role role, px_decom_reason reason, px_err *err);

/* Names: "allocated", "commissioned", "released", "decommissioned"; "commission",
 * "release", "decommission", "reactivate", "recall"; "dispensed", "destroyed", "damaged",
 * "sample", "free_sample", "stolen", "exported", "locked", "recalled", "withdrawn",
 * "expired", "checked_out" ("" for PX_REASON_NONE). "?" when out of range. */
const char *px_pack_state_name(px_pack_state state);
const char *px_pack_action_name(px_pack_action action);
const char *px_decom_reason_name(px_decom_reason reason);
/* Exact-match parsers; PX_EINVALID "invalid_state" / "invalid_reason" with field "state" /
 * "reason". px_decom_reason_parse refuses "". */
px_rc px_pack_state_parse(px_pack_state *out, const char *s, px_err *err);
px_rc px_decom_reason_parse(px_decom_reason *out, const char *s, px_err *err);

/* ---- EPCIS vocabulary of each transition (epcis_vocab.c) --------------------------------- */

typedef enum px_epcis_action {
    PX_EPCIS_ADD = 0,
    PX_EPCIS_OBSERVE,
    PX_EPCIS_DELETE
} px_epcis_action;
#define PX_EPCIS_ACTIONS 3

/* What an accepted transition records: an ObjectEvent with this action, bizStep and
 * disposition. Names are the bare CBV words; the URN forms are
 * "urn:epcglobal:cbv:bizstep:<biz_step>" and "urn:epcglobal:cbv:disp:<disposition>" (CBV 1.x,
 * EPCIS 1.2 XML), the Web-URI forms "https://ref.gs1.org/cbv/BizStep-<…>" / "Disp-<…>". */
typedef struct px_epcis_vocab {
    px_epcis_action action;
    const char *biz_step;
    const char *disposition;
} px_epcis_vocab;

/* The vocabulary for the transition that produced *to from action (to->reason decides a
 * decommission/recall; to->state decides a reactivation). Returns PX_OK or PX_EINVALID for a
 * combination the state table never produces. */
px_rc px_epcis_vocab_for(px_epcis_vocab *out, px_pack_action action, const px_pack_status *to,
                         px_err *err);
/* "ADD", "OBSERVE", "DELETE". */
const char *px_epcis_action_name(px_epcis_action action);
/* The actions' words by px_epcis_action (EPCIS 1.2 §7.3.2: ADD, OBSERVE, DELETE): what a
 * document or a query may name (px_name_index). */
extern const char *const px_epcis_action_names[PX_EPCIS_ACTIONS];

#endif
