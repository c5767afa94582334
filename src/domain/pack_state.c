/* pack_state — the transition table and the Art. 13 reactivation rules. */
#include "pack_state.h"

#include <string.h>

#include "pack_identity.h"
#include "px_array.h"
#include "px_str.h"

#define R(x) (1u << PX_REASON_##x)

/* Reasons a pack can be decommissioned with, and later reactivated from (REQ-STATE-4). */
#define REVERSIBLE (R(DAMAGED) | R(SAMPLE) | R(FREE_SAMPLE) | R(LOCKED) | R(CHECKED_OUT))
/* Reasons DECOMMISSION accepts: all but recalled/withdrawn, which are the RECALL action. */
#define DECOM_REASONS                                                                              \
    (REVERSIBLE | R(DISPENSED) | R(DESTROYED) | R(STOLEN) | R(EXPORTED) | R(EXPIRED))
#define RECALL_REASONS (R(RECALLED) | R(WITHDRAWN))
/* Decommissioned packs still in the holder's hands, which may then be destroyed
 * (Art. 12: "disposal"); not dispensed, stolen or exported packs, nor destroyed ones. */
#define IN_HAND (REVERSIBLE | R(RECALLED) | R(WITHDRAWN) | R(EXPIRED))
#define BEFORE PX_PACK_STATE__COUNT /* "to": the state the pack was in before decommissioning */

typedef struct move {
    px_pack_state from;
    px_pack_action action;
    unsigned from_reasons; /* DECOMMISSIONED rows: the current reasons it applies to */
    unsigned req_reasons;  /* the requested reasons it accepts; 0 = the action takes none */
    px_pack_state to;
} move;

/* REQ-STATE-1: the complete table. A (state, action, reason) not matched by a row is refused
 * with invalid_state. */
static const move k_moves[] = {
    {PX_PACK_ALLOCATED, PX_PACK_COMMISSION, 0, 0, PX_PACK_COMMISSIONED},
    {PX_PACK_COMMISSIONED, PX_PACK_RELEASE, 0, 0, PX_PACK_RELEASED},
    {PX_PACK_COMMISSIONED, PX_PACK_DECOMMISSION, 0, DECOM_REASONS, PX_PACK_DECOMMISSIONED},
    {PX_PACK_RELEASED, PX_PACK_DECOMMISSION, 0, DECOM_REASONS, PX_PACK_DECOMMISSIONED},
    /* Art. 40: the MAH decommissions on recall and withdrawal */
    {PX_PACK_COMMISSIONED, PX_PACK_RECALL, 0, RECALL_REASONS, PX_PACK_DECOMMISSIONED},
    {PX_PACK_RELEASED, PX_PACK_RECALL, 0, RECALL_REASONS, PX_PACK_DECOMMISSIONED},
    /* Art. 13: only reversible reasons; the time/organization/expiry checks follow */
    {PX_PACK_DECOMMISSIONED, PX_PACK_REACTIVATE, REVERSIBLE, 0, BEFORE},
    /* REQ-STATE-5: a recall overrides a reversible decommissioning, so that the pack can no
     * longer be reactivated (Art. 13(1)(d): "not registered as recalled") */
    {PX_PACK_DECOMMISSIONED, PX_PACK_RECALL, REVERSIBLE, RECALL_REASONS, PX_PACK_DECOMMISSIONED},
    /* REQ-STATE-6: a decommissioned pack still in hand may be destroyed (Art. 12) */
    {PX_PACK_DECOMMISSIONED, PX_PACK_DECOMMISSION, IN_HAND, R(DESTROYED), PX_PACK_DECOMMISSIONED},
};

static const char *const k_state_names[PX_PACK_STATE__COUNT] = {
    [PX_PACK_ALLOCATED] = "allocated",
    [PX_PACK_COMMISSIONED] = "commissioned",
    [PX_PACK_RELEASED] = "released",
    [PX_PACK_DECOMMISSIONED] = "decommissioned",
};

static const char *const k_action_names[PX_PACK_ACTION__COUNT] = {
    [PX_PACK_COMMISSION] = "commission",
    [PX_PACK_RELEASE] = "release",
    [PX_PACK_DECOMMISSION] = "decommission",
    [PX_PACK_REACTIVATE] = "reactivate",
    [PX_PACK_RECALL] = "recall",
};

typedef struct reason_row {
    const char *name;
    const char *why_final; /* irreversible: the rule that forbids reactivation; NULL otherwise */
} reason_row;

static const reason_row k_reasons[PX_REASON__COUNT] = {
    [PX_REASON_NONE] = {"", NULL},
    [PX_REASON_DISPENSED] = {"dispensed", "supplied to the public, Art. 13(1)(e)"},
    [PX_REASON_DESTROYED] = {"destroyed", "intended for destruction, Art. 13(1)(d)"},
    [PX_REASON_DAMAGED] = {"damaged", NULL},
    [PX_REASON_SAMPLE] = {"sample", NULL},
    [PX_REASON_FREE_SAMPLE] = {"free_sample", NULL},
    [PX_REASON_STOLEN] = {"stolen", "registered as stolen, Art. 13(1)(d)"},
    [PX_REASON_EXPORTED] = {"exported", "exported outside the Union, Art. 12 and 22(a)"},
    [PX_REASON_LOCKED] = {"locked", NULL},
    [PX_REASON_RECALLED] = {"recalled", "registered as recalled, Art. 13(1)(d)"},
    [PX_REASON_WITHDRAWN] = {"withdrawn", "registered as withdrawn, Art. 13(1)(d)"},
    [PX_REASON_EXPIRED] = {"expired", "expired, Art. 13(1)(c)"},
    [PX_REASON_CHECKED_OUT] = {"checked_out", NULL},
};

static int state_ok(px_pack_state s)
{
    return (int)s >= 0 && s < PX_PACK_STATE__COUNT;
}

static int action_ok(px_pack_action a)
{
    return (int)a >= 0 && a < PX_PACK_ACTION__COUNT;
}

static int reason_ok(px_decom_reason r)
{
    return (int)r >= 0 && r < PX_REASON__COUNT;
}

static unsigned bit(px_decom_reason r)
{
    return reason_ok(r) ? 1u << r : 0u;
}

const char *px_pack_state_name(px_pack_state state)
{
    return state_ok(state) ? k_state_names[state] : "?";
}

const char *px_pack_action_name(px_pack_action action)
{
    return action_ok(action) ? k_action_names[action] : "?";
}

const char *px_decom_reason_name(px_decom_reason reason)
{
    return reason_ok(reason) ? k_reasons[reason].name : "?";
}

px_rc px_pack_state_parse(px_pack_state *out, const char *s, px_err *err)
{
    int i = px_name_index(k_state_names, PX_PACK_STATE__COUNT, s);
    if (i < 0)
        return px_name_refused(err, "invalid_state", "state", "pack state", s, k_state_names,
                               PX_PACK_STATE__COUNT);
    *out = (px_pack_state)i;
    return PX_OK;
}

px_rc px_decom_reason_parse(px_decom_reason *out, const char *s, px_err *err)
{
    for (int i = PX_REASON_NONE + 1; s && i < PX_REASON__COUNT; i++) {
        if (strcmp(s, k_reasons[i].name) == 0) {
            *out = (px_decom_reason)i;
            return PX_OK;
        }
    }
    return px_err_set_field(err, PX_EINVALID, "invalid_reason", "reason",
                            "'%s' is not a decommissioning reason", s ? s : "");
}

int px_decom_reason_irreversible(px_decom_reason reason)
{
    /* REQ-STATE-4 */
    return reason_ok(reason) && reason != PX_REASON_NONE && !(bit(reason) & REVERSIBLE);
}

int px_decom_reason_final(px_decom_reason reason)
{
    if (!reason_ok(reason) || reason == PX_REASON_NONE)
        return 0;
    for (int a = 0; a < PX_PACK_ACTION__COUNT; a++)
        for (int r = 0; r < PX_REASON__COUNT; r++)
            if (px_pack_move_allowed(PX_PACK_DECOMMISSIONED, reason, (px_pack_action)a,
                                     (px_decom_reason)r))
                return 0;
    return 1;
}

px_pack_action px_decom_reason_action(px_decom_reason reason)
{
    return (bit(reason) & RECALL_REASONS) ? PX_PACK_RECALL : PX_PACK_DECOMMISSION;
}

px_rc px_decom_reason_check_role(px_role role, px_decom_reason reason, px_err *err)
{
    if (!reason_ok(reason) || reason == PX_REASON_NONE) {
        return px_err_set_field(err, PX_EINVALID, "invalid_reason", "reason",
                                "a decommissioning reason is required");
    }
    px_action act = (bit(reason) & RECALL_REASONS) ? PX_ACT_RECALL : PX_ACT_DECOMMISSION;
    px_rc rc = px_policy_check(role, act, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-POLICY-2: a CMO decommissions at the line only (docs/domain.md "Role policy") */
    if (role == PX_ROLE_CMO && !(bit(reason) & (R(DAMAGED) | R(DESTROYED))))
        return px_err_set(err, PX_EFORBIDDEN, "forbidden_role",
                          "role 'cmo' may not decommission packs as '%s'",
                          px_decom_reason_name(reason));
    return PX_OK;
}

static const move *find_move(px_pack_state state, px_decom_reason current, px_pack_action action,
                             px_decom_reason requested)
{
    for (size_t i = 0; i < PX_COUNT(k_moves); i++) {
        const move *m = &k_moves[i];
        if (m->from != state || m->action != action)
            continue;
        if (m->from_reasons && !(m->from_reasons & bit(current)))
            continue;
        if (m->req_reasons && !(m->req_reasons & bit(requested)))
            continue;
        return m;
    }
    return NULL;
}

int px_pack_move_allowed(px_pack_state state, px_decom_reason current, px_pack_action action,
                         px_decom_reason requested)
{
    if (!state_ok(state) || !action_ok(action))
        return 0;
    if (action == PX_PACK_RECALL && requested == PX_REASON_NONE)
        requested = PX_REASON_RECALLED;
    return find_move(state, current, action, requested) != NULL;
}

void px_pack_move_sources(px_pack_move_from *out, px_pack_action action, px_decom_reason requested)
{
    out->n_states = out->n_reasons = 0;
    for (int s = 0; s < PX_PACK_STATE__COUNT; s++)
        if (s != PX_PACK_DECOMMISSIONED &&
            px_pack_move_allowed((px_pack_state)s, PX_REASON_NONE, action, requested))
            out->states[out->n_states++] = k_state_names[s];
    for (int r = 1; r < PX_REASON__COUNT; r++)
        if (px_pack_move_allowed(PX_PACK_DECOMMISSIONED, (px_decom_reason)r, action, requested))
            out->reasons[out->n_reasons++] = k_reasons[r].name;
}

static px_rc refuse(px_err *err, const px_pack_status *from, px_pack_action action)
{
    /* REQ-STATE-2: every move not in the table; the message names from-state and action */
    if (from->state == PX_PACK_DECOMMISSIONED)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "cannot %s a pack in state 'decommissioned' (reason '%s')",
                          px_pack_action_name(action), px_decom_reason_name(from->reason));
    return px_err_set(err, PX_ESTATE, "invalid_state", "cannot %s a pack in state '%s'",
                      px_pack_action_name(action), px_pack_state_name(from->state));
}

/* Delegated Regulation (EU) 2016/161 Art. 13(1): a decommissioned unique identifier may be
 * reverted to active only if all of (a)–(e) hold. (d) and (e) are the reason check of the
 * table (irreversible reasons); (a), (b), (c) are checked here. */
static px_rc check_art13(const px_pack_status *from, const px_transition_req *req, px_err *err)
{
    /* REQ-STATE-7: Art. 13(1)(a): by the same organization that decommissioned */
    if (!from->decommissioned_by[0] || !px_uuid_same(req->org_id, from->decommissioned_by))
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "cannot reactivate: the pack was decommissioned by another "
                          "organization (Art. 13(1)(a))");
    /* REQ-STATE-8: Art. 13(1)(b): not more than 10 days after decommissioning. Counted as
     * elapsed time: now - decommissioned_at <= 10 × 24 h (a clock slightly behind the
     * decommissioning time counts as 0). */
    int64_t elapsed = req->now_us - from->decommissioned_at_us;
    if (elapsed > PX_REACTIVATION_WINDOW_US)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "cannot reactivate: decommissioned more than 10 days ago "
                          "(Art. 13(1)(b))");
    /* REQ-STATE-9: Art. 13(1)(c): the pack has not expired. It is usable through its expiry
     * day (UTC) and expired from the next day on; an unknown expiry fails closed. */
    const gs1_date *e = &req->expiry;
    if (e->year <= 0 || e->month < 1 || e->month > 12 || e->day < 1 || e->day > 31)
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "cannot reactivate: the pack's expiry date is unknown (Art. 13(1)(c))");
    if (px_expiry_passed(e, req->now_us))
        return px_err_set(err, PX_ESTATE, "invalid_state",
                          "cannot reactivate: the pack expired on %04d-%02d-%02d "
                          "(Art. 13(1)(c))",
                          e->year, e->month, e->day);
    return PX_OK;
}

void px_pack_status_init(px_pack_status *st)
{
    memset(st, 0, sizeof(*st));
    st->state = PX_PACK_ALLOCATED;
    st->before = PX_PACK_ALLOCATED;
    st->reason = PX_REASON_NONE;
}

static px_rc need_org(const px_transition_req *req, px_err *err)
{
    if (!req->org_id || !req->org_id[0] || strlen(req->org_id) >= PX_ORG_ID_MAX) {
        return px_err_set_field(err, PX_EINVALID, "invalid_org", "org_id",
                                "the acting organization id is missing");
    }
    return PX_OK;
}

/* The request's action and reason are a valid pair, and an action that records who acted
 * names the organization; *reason is the one the move takes (a recall's defaults to
 * recalled; other actions than decommission and recall take none). */
static px_rc request_check(const px_transition_req *req, px_decom_reason *reason, px_err *err)
{
    if (!req || !action_ok(req->action))
        return px_err_set(err, PX_EINVALID, "invalid_action", "unknown pack action");
    px_pack_action action = req->action;
    *reason = req->reason;
    if (action == PX_PACK_DECOMMISSION) {
        if (!reason_ok(*reason) || *reason == PX_REASON_NONE || (bit(*reason) & RECALL_REASONS)) {
            return px_err_set_field(
                err, PX_EINVALID, "invalid_reason", "reason",
                *reason == PX_REASON_NONE ? "a decommissioning reason is required"
                : (bit(*reason) & RECALL_REASONS)
                    ? "a recall or withdrawal is the recall action, not a decommission"
                    : "unknown decommissioning reason");
        }
    } else if (action == PX_PACK_RECALL) {
        if (*reason == PX_REASON_NONE)
            *reason = PX_REASON_RECALLED;
        if (!(bit(*reason) & RECALL_REASONS)) {
            return px_err_set_field(err, PX_EINVALID, "invalid_reason", "reason",
                                    "a recall's reason is 'recalled' or 'withdrawn'");
        }
    } else {
        *reason = PX_REASON_NONE; /* commission/release/reactivate take no decommission reason */
    }
    if (action == PX_PACK_DECOMMISSION || action == PX_PACK_RECALL || action == PX_PACK_REACTIVATE)
        return need_org(req, err);
    return PX_OK;
}

/* The status after move m from *from. */
static px_rc next_status(const px_pack_status *from, const move *m, const px_transition_req *req,
                         px_decom_reason reason, px_pack_status *next, px_err *err)
{
    *next = *from;
    if (m->to == BEFORE) {
        px_rc rc = check_art13(from, req, err);
        if (rc != PX_OK)
            return rc;
        if (from->before != PX_PACK_COMMISSIONED && from->before != PX_PACK_RELEASED)
            return px_err_set(err, PX_EINTERNAL, "internal", "corrupt pack state");
        /* REQ-STATE-3: back to the state it was in before decommissioning */
        px_pack_status_init(next);
        next->state = from->before;
        next->before = from->before;
    } else if (m->to == PX_PACK_DECOMMISSIONED) {
        next->state = PX_PACK_DECOMMISSIONED;
        next->reason = reason;
        if (from->state != PX_PACK_DECOMMISSIONED)
            next->before = from->state;
        next->decommissioned_at_us = req->now_us;
        px_strlcpy(next->decommissioned_by, req->org_id, sizeof(next->decommissioned_by));
    } else {
        px_pack_status_init(next);
        next->state = m->to;
        next->before = m->to;
    }
    return PX_OK;
}

px_rc px_pack_transition(const px_pack_status *from, const px_transition_req *req,
                         px_pack_status *to, px_err *err)
{
    px_decom_reason reason = PX_REASON_NONE;
    px_rc rc = request_check(req, &reason, err);
    if (rc != PX_OK)
        return rc;
    px_pack_action action = req->action;
    if (!from) {
        /* docs/api.md: a serial the pool has never seen is an external serial: commissioned */
        if (action != PX_PACK_COMMISSION)
            return px_err_set(err, PX_ENOTFOUND, "not_found", "cannot %s an unknown pack",
                              px_pack_action_name(action));
        px_pack_status_init(to);
        to->state = PX_PACK_COMMISSIONED;
        to->before = PX_PACK_COMMISSIONED;
        return PX_OK;
    }
    if (!state_ok(from->state))
        return px_err_set(err, PX_EINTERNAL, "internal", "corrupt pack state");

    const move *m = find_move(from->state, from->reason, action, reason);
    if (!m) {
        if (action == PX_PACK_REACTIVATE && from->state == PX_PACK_DECOMMISSIONED &&
            px_decom_reason_irreversible(from->reason))
            /* REQ-STATE-4: Art. 13(1)(c)–(e) and EMVS practice */
            return px_err_set(err, PX_ESTATE, "invalid_state",
                              "cannot reactivate a pack decommissioned as '%s': irreversible "
                              "(%s)",
                              px_decom_reason_name(from->reason),
                              k_reasons[from->reason].why_final);
        return refuse(err, from, action);
    }
    px_pack_status next;
    if ((rc = next_status(from, m, req, reason, &next, err)) != PX_OK)
        return rc;
    *to = next;
    return PX_OK;
}
