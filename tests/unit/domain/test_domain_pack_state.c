/* Unit tests for domain/pack_state and epcis_vocab: every (state, current reason, action,
 * requested reason) against an expectation written independently from DOMAIN.md §8 and
 * docs/api.md, the Art. 13 reactivation rules, and the EPCIS vocabulary of every accepted move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pack_state.h"
#include "px_array.h"

#define DAY_US (86400LL * 1000000)
#define ORG_A "7f1c7a52-0d4e-4b7e-9a59-2f3f1f0c9a01"
#define ORG_B "0b8e2c7a-55aa-4c3d-8e1f-6a7b8c9d0e1f"
/* 2026-03-15T12:00:00Z */
#define NOW_US (20527LL * DAY_US + 12LL * 3600 * 1000000)

/* Reason properties as the regulation and docs/api.md describe them (independent of the code). */
typedef struct reason_fact {
    px_decom_reason reason;
    const char *name;
    int reversible; /* Art. 13: may be reactivated within the rules */
    int recall;     /* reached by RECALL, not DECOMMISSION */
    int in_hand;    /* the holder still has the pack: may go on to destroyed */
    const char *biz_step, *disposition;
    px_epcis_action epcis;
} reason_fact;

static const reason_fact k_facts[] = {
    {PX_REASON_DISPENSED, "dispensed", 0, 0, 0, "dispensing", "dispensed", PX_EPCIS_OBSERVE},
    {PX_REASON_DESTROYED, "destroyed", 0, 0, 0, "destroying", "destroyed", PX_EPCIS_DELETE},
    {PX_REASON_DAMAGED, "damaged", 1, 0, 1, "decommissioning", "damaged", PX_EPCIS_OBSERVE},
    {PX_REASON_SAMPLE, "sample", 1, 0, 1, "decommissioning", "inactive", PX_EPCIS_OBSERVE},
    {PX_REASON_FREE_SAMPLE, "free_sample", 1, 0, 1, "decommissioning", "inactive",
     PX_EPCIS_OBSERVE},
    {PX_REASON_STOLEN, "stolen", 0, 0, 0, "decommissioning", "stolen", PX_EPCIS_OBSERVE},
    {PX_REASON_EXPORTED, "exported", 0, 0, 0, "decommissioning", "inactive", PX_EPCIS_OBSERVE},
    {PX_REASON_LOCKED, "locked", 1, 0, 1, "decommissioning", "inactive", PX_EPCIS_OBSERVE},
    {PX_REASON_RECALLED, "recalled", 0, 1, 1, "decommissioning", "recalled", PX_EPCIS_OBSERVE},
    {PX_REASON_WITHDRAWN, "withdrawn", 0, 1, 1, "decommissioning", "inactive",
     PX_EPCIS_OBSERVE},
    {PX_REASON_EXPIRED, "expired", 0, 0, 1, "decommissioning", "expired", PX_EPCIS_OBSERVE},
    {PX_REASON_CHECKED_OUT, "checked_out", 1, 0, 1, "decommissioning", "inactive",
     PX_EPCIS_OBSERVE},
};
#define NFACTS (PX_COUNT(k_facts))

static const reason_fact *fact(px_decom_reason r)
{
    for (size_t i = 0; i < NFACTS; i++)
        if (k_facts[i].reason == r)
            return &k_facts[i];
    return NULL;
}

/* Expected outcome. rc, and on PX_OK the resulting state and reason. */
typedef struct outcome {
    px_rc rc;
    px_pack_state state;
    px_decom_reason reason;
} outcome;

static outcome expect(px_pack_state st, px_decom_reason cur, px_pack_action act,
                      px_decom_reason req)
{
    const reason_fact *rf = fact(req), *cf = fact(cur);
    outcome bad_reason = {PX_EINVALID, 0, 0}, refused = {PX_ESTATE, 0, 0};
    switch (act) {
    case PX_PACK_COMMISSION:
        if (st == PX_PACK_ALLOCATED)
            return (outcome){PX_OK, PX_PACK_COMMISSIONED, PX_REASON_NONE};
        return refused;
    case PX_PACK_RELEASE:
        if (st == PX_PACK_COMMISSIONED)
            return (outcome){PX_OK, PX_PACK_RELEASED, PX_REASON_NONE};
        return refused;
    case PX_PACK_DECOMMISSION:
        if (!rf || rf->recall)
            return bad_reason;
        if (st == PX_PACK_COMMISSIONED || st == PX_PACK_RELEASED)
            return (outcome){PX_OK, PX_PACK_DECOMMISSIONED, req};
        if (st == PX_PACK_DECOMMISSIONED && req == PX_REASON_DESTROYED && cf && cf->in_hand)
            return (outcome){PX_OK, PX_PACK_DECOMMISSIONED, req};
        return refused;
    case PX_PACK_RECALL:
        if (req == PX_REASON_NONE)
            req = PX_REASON_RECALLED;
        if (req != PX_REASON_RECALLED && req != PX_REASON_WITHDRAWN)
            return bad_reason;
        if (st == PX_PACK_COMMISSIONED || st == PX_PACK_RELEASED)
            return (outcome){PX_OK, PX_PACK_DECOMMISSIONED, req};
        if (st == PX_PACK_DECOMMISSIONED && cf && cf->reversible)
            return (outcome){PX_OK, PX_PACK_DECOMMISSIONED, req};
        return refused;
    case PX_PACK_REACTIVATE:
        /* the fixture passes every Art. 13 time/org/expiry check */
        if (st == PX_PACK_DECOMMISSIONED && cf && cf->reversible)
            return (outcome){PX_OK, PX_PACK_COMMISSIONED, PX_REASON_NONE};
        return refused;
    case PX_PACK_ACTION__COUNT:
        break;
    }
    return refused;
}

static px_transition_req base_req(px_pack_action act, px_decom_reason reason)
{
    px_transition_req r = {act, reason, ORG_A, NOW_US, {2027, 6, 30, 0}};
    return r;
}

static px_pack_status status_in(px_pack_state st, px_decom_reason cur)
{
    px_pack_status s;
    px_pack_status_init(&s);
    s.state = st;
    s.before = st;
    if (st == PX_PACK_DECOMMISSIONED) {
        s.reason = cur;
        s.before = PX_PACK_COMMISSIONED;
        s.decommissioned_at_us = NOW_US - DAY_US;
        snprintf(s.decommissioned_by, sizeof(s.decommissioned_by), "%s", ORG_A);
    }
    return s;
}

/* REQ-STATE-1, REQ-STATE-2: every (state, current reason, action, requested reason). */
static void test_domain__pack_every_transition(void)
{
    int cases = 0, ok = 0;
    for (int st = 0; st < PX_PACK_STATE__COUNT; st++) {
        int ncur = st == PX_PACK_DECOMMISSIONED ? PX_REASON__COUNT : 1;
        for (int cur = 0; cur < ncur; cur++) {
            for (int act = 0; act < PX_PACK_ACTION__COUNT; act++) {
                for (int rq = 0; rq < PX_REASON__COUNT; rq++) {
                    px_pack_status from = status_in((px_pack_state)st, (px_decom_reason)cur);
                    px_transition_req req = base_req((px_pack_action)act, (px_decom_reason)rq);
                    px_pack_status to;
                    memset(&to, 0xAB, sizeof(to));
                    px_pack_status untouched = to;
                    px_err err = PX_ERR_INIT;
                    px_rc rc = px_pack_transition(&from, &req, &to, &err);
                    outcome want = expect((px_pack_state)st, (px_decom_reason)cur,
                                          (px_pack_action)act, (px_decom_reason)rq);
                    char label[96];
                    snprintf(label, sizeof(label), "%s/%s %s(%s)",
                             px_pack_state_name((px_pack_state)st),
                             px_decom_reason_name((px_decom_reason)cur),
                             px_pack_action_name((px_pack_action)act),
                             px_decom_reason_name((px_decom_reason)rq));
                    if (rc != want.rc)
                        fail_msg("%s: rc %s (%s), want %s", label, px_rc_name(rc), err.message,
                                 px_rc_name(want.rc));
                    cases++;
                    if (rc != PX_OK) {
                        assert_memory_equal(&to, &untouched, sizeof(to));
                        if (rc == PX_ESTATE) {
                            assert_string_equal(err.code, "invalid_state");
                            /* the message names the action */
                            if (!strstr(err.message, px_pack_action_name((px_pack_action)act)))
                                fail_msg("%s: message '%s'", label, err.message);
                            /* and the from-state, unless it is an Art. 13 refusal */
                            if (act != PX_PACK_REACTIVATE &&
                                !strstr(err.message, px_pack_state_name((px_pack_state)st)))
                                fail_msg("%s: message '%s'", label, err.message);
                        } else {
                            assert_string_equal(err.code, "invalid_reason");
                            assert_string_equal(err.field, "reason");
                        }
                        continue;
                    }
                    ok++;
                    if (to.state != want.state || to.reason != want.reason)
                        fail_msg("%s: -> %s/%s, want %s/%s", label, px_pack_state_name(to.state),
                                 px_decom_reason_name(to.reason), px_pack_state_name(want.state),
                                 px_decom_reason_name(want.reason));
                    /* the pure predicate agrees with the full transition */
                    assert_true(px_pack_move_allowed((px_pack_state)st, (px_decom_reason)cur,
                                                     (px_pack_action)act, (px_decom_reason)rq));
                    if (to.state == PX_PACK_DECOMMISSIONED) {
                        assert_string_equal(to.decommissioned_by, ORG_A);
                        assert_true(to.decommissioned_at_us == NOW_US);
                        /* before is the pre-decommission state, kept through escalations */
                        assert_int_equal(to.before, st == PX_PACK_DECOMMISSIONED
                                                        ? PX_PACK_COMMISSIONED
                                                        : (px_pack_state)st);
                    } else {
                        assert_int_equal(to.reason, PX_REASON_NONE);
                        assert_string_equal(to.decommissioned_by, "");
                    }
                }
            }
        }
    }
    assert_int_equal(cases, (3 + PX_REASON__COUNT) * PX_PACK_ACTION__COUNT * PX_REASON__COUNT);
    /* 1 + 1 + 2x10 decommission + 2x3 recall + 5x3 recall-over-reversible + 8 destroy-in-hand
     * + 5 reactivations, times the ignored requested reasons where the action takes none */
    int want_ok = 13 + 13 + 20 + 6 + 15 + 8 + 5 * 13;
    assert_int_equal(ok, want_ok);
}

/* Refused moves report their from-state and action. */
static void test_domain__pack_invalid_state_message(void)
{
    px_pack_status from = status_in(PX_PACK_RELEASED, PX_REASON_NONE), to;
    px_transition_req req = base_req(PX_PACK_RELEASE, PX_REASON_NONE);
    px_err err;
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_ESTATE);
    assert_string_equal(err.message, "cannot release a pack in state 'released'");
    from = status_in(PX_PACK_ALLOCATED, PX_REASON_NONE);
    req = base_req(PX_PACK_DECOMMISSION, PX_REASON_DAMAGED);
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_ESTATE);
    assert_string_equal(err.message, "cannot decommission a pack in state 'allocated'");
}

/* A serial the pool has never seen (external) can only be commissioned. */
static void test_domain__pack_external_serial(void)
{
    px_pack_status to;
    px_err err;
    px_transition_req req = base_req(PX_PACK_COMMISSION, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(NULL, &req, &to, &err), PX_OK);
    assert_int_equal(to.state, PX_PACK_COMMISSIONED);
    for (int a = 0; a < PX_PACK_ACTION__COUNT; a++) {
        if (a == PX_PACK_COMMISSION)
            continue;
        req = base_req((px_pack_action)a, PX_REASON_DAMAGED);
        if (a == PX_PACK_RECALL)
            req.reason = PX_REASON_RECALLED;
        assert_int_equal(px_pack_transition(NULL, &req, &to, &err), PX_ENOTFOUND);
    }
}

static px_rc reactivate(const px_pack_status *from, px_transition_req *req, px_pack_status *to,
                        px_err *err)
{
    req->action = PX_PACK_REACTIVATE;
    return px_pack_transition(from, req, to, err);
}

/* REQ-STATE-8: Art. 13(1)(b) — at most 10 × 24 h after decommissioning. */
static void test_domain__pack_art13_ten_days(void)
{
    static const struct {
        int64_t elapsed_us;
        px_rc want;
        int line;
    } v[] = {
        {0, PX_OK, __LINE__},
        {-5LL * 1000000, PX_OK, __LINE__}, /* clock slightly behind */
        {DAY_US, PX_OK, __LINE__},
        {9 * DAY_US + 23LL * 3600 * 1000000, PX_OK, __LINE__},
        {10 * DAY_US, PX_OK, __LINE__}, /* day 10: allowed */
        {10 * DAY_US + 1, PX_ESTATE, __LINE__},
        {10 * DAY_US + 3600LL * 1000000, PX_ESTATE, __LINE__}, /* day 11: refused */
        {11 * DAY_US, PX_ESTATE, __LINE__},
        {400 * DAY_US, PX_ESTATE, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_pack_status from = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_DAMAGED), to;
        from.decommissioned_at_us = NOW_US - v[i].elapsed_us;
        px_transition_req req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
        px_err err;
        px_rc rc = reactivate(&from, &req, &to, &err);
        if (rc != v[i].want)
            fail_msg("line %d: rc %s (%s)", v[i].line, px_rc_name(rc), err.message);
        if (rc != PX_OK) {
            assert_string_equal(err.code, "invalid_state");
            assert_non_null(strstr(err.message, "Art. 13(1)(b)"));
        }
    }
    assert_true(PX_REACTIVATION_WINDOW_US == 864000000000LL);
}

/* REQ-STATE-7: Art. 13(1)(a) — only the organization that decommissioned. */
static void test_domain__pack_art13_same_org(void)
{
    px_pack_status from = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_LOCKED), to;
    px_transition_req req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
    px_err err;
    req.org_id = ORG_B;
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_ESTATE);
    assert_string_equal(err.code, "invalid_state");
    assert_non_null(strstr(err.message, "Art. 13(1)(a)"));
    /* the same uuid in upper case is the same organization */
    req.org_id = "7F1C7A52-0D4E-4B7E-9A59-2F3F1F0C9A01";
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_OK);
    /* a status without a recorded decommissioner fails closed */
    from.decommissioned_by[0] = '\0';
    req.org_id = ORG_A;
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_ESTATE);
    /* no acting organization at all: invalid request */
    from = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_LOCKED);
    req.org_id = NULL;
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_EINVALID);
    assert_string_equal(err.field, "org_id");
    req.org_id = "";
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_EINVALID);
    req.org_id = ORG_A "-and-more-characters";
    assert_int_equal(reactivate(&from, &req, &to, &err), PX_EINVALID);
}

/* REQ-STATE-9: Art. 13(1)(c) — not expired; usable through the expiry day (UTC). */
static void test_domain__pack_art13_expired(void)
{
    static const struct {
        int64_t now_us;
        gs1_date expiry;
        px_rc want;
        int line;
    } v[] = {
        {1775001599999999LL, {2026, 3, 31, 0}, PX_OK, __LINE__},   /* 2026-03-31T23:59:59.999999Z */
        {1775001600000000LL, {2026, 3, 31, 0}, PX_ESTATE, __LINE__}, /* 2026-04-01T00:00:00Z */
        {1775001600000000LL, {2026, 3, 31, 1}, PX_ESTATE, __LINE__}, /* from "260300" */
        {1775001600000000LL, {2026, 4, 1, 0}, PX_OK, __LINE__},
        {1775001600000000LL, {2030, 12, 31, 0}, PX_OK, __LINE__},
        {1775001600000000LL, {2025, 12, 31, 0}, PX_ESTATE, __LINE__},
        {1775001600000000LL, {0, 0, 0, 0}, PX_ESTATE, __LINE__}, /* unknown: fail closed */
        {1775001600000000LL, {2026, 13, 1, 0}, PX_ESTATE, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_pack_status from = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_SAMPLE), to;
        from.decommissioned_at_us = v[i].now_us - DAY_US;
        px_transition_req req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
        req.now_us = v[i].now_us;
        req.expiry = v[i].expiry;
        px_err err;
        px_rc rc = reactivate(&from, &req, &to, &err);
        if (rc != v[i].want)
            fail_msg("line %d: rc %s (%s)", v[i].line, px_rc_name(rc), err.message);
        if (rc != PX_OK)
            assert_non_null(strstr(err.message, "Art. 13(1)(c)"));
    }
}

/* REQ-STATE-4: irreversible reasons are never reactivated, even inside every other rule. */
static void test_domain__pack_art13_irreversible(void)
{
    static const px_decom_reason never[] = {PX_REASON_DESTROYED, PX_REASON_STOLEN,
                                            PX_REASON_RECALLED,  PX_REASON_WITHDRAWN,
                                            PX_REASON_EXPORTED,  PX_REASON_DISPENSED,
                                            PX_REASON_EXPIRED};
    for (size_t i = 0; i < PX_COUNT(never); i++) {
        px_pack_status from = status_in(PX_PACK_DECOMMISSIONED, never[i]), to;
        from.decommissioned_at_us = NOW_US; /* just now, same org, not expired */
        px_transition_req req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
        px_err err;
        assert_int_equal(reactivate(&from, &req, &to, &err), PX_ESTATE);
        assert_string_equal(err.code, "invalid_state");
        assert_non_null(strstr(err.message, "irreversible"));
        assert_non_null(strstr(err.message, px_decom_reason_name(never[i])));
        assert_true(px_decom_reason_irreversible(never[i]));
    }
    static const px_decom_reason undoable[] = {PX_REASON_DAMAGED, PX_REASON_SAMPLE,
                                               PX_REASON_FREE_SAMPLE, PX_REASON_LOCKED,
                                               PX_REASON_CHECKED_OUT};
    for (size_t i = 0; i < PX_COUNT(undoable); i++)
        assert_false(px_decom_reason_irreversible(undoable[i]));
    assert_false(px_decom_reason_irreversible(PX_REASON_NONE));
}

/* Final: no move leaves the pack, so no report of it is ever due (a market's last endpoint may
 * go, endpoints.c). A recalled, withdrawn or expired pack is irreversible, not final: still in
 * hand, it may be destroyed (REQ-STATE-6). */
static void test_domain__final_reasons(void)
{
    for (int r = 0; r < PX_REASON__COUNT; r++) {
        px_decom_reason reason = (px_decom_reason)r;
        int want = reason == PX_REASON_DISPENSED || reason == PX_REASON_DESTROYED ||
                   reason == PX_REASON_STOLEN || reason == PX_REASON_EXPORTED;
        if (px_decom_reason_final(reason) != want)
            fail_msg("%s: final %d, want %d", px_decom_reason_name(reason),
                     px_decom_reason_final(reason), want);
    }
    assert_false(px_decom_reason_final((px_decom_reason)PX_REASON__COUNT));
}

/* REQ-STATE-3: reactivation returns to the state before decommissioning. */
static void test_domain__pack_reactivate_returns_to_before(void)
{
    px_pack_status p;
    px_pack_status_init(&p);
    px_err err;
    px_transition_req req = base_req(PX_PACK_COMMISSION, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    req = base_req(PX_PACK_RELEASE, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    req = base_req(PX_PACK_DECOMMISSION, PX_REASON_LOCKED);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    assert_int_equal(p.state, PX_PACK_DECOMMISSIONED);
    assert_int_equal(p.before, PX_PACK_RELEASED);
    req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
    req.now_us += 10 * DAY_US; /* day 10 */
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    assert_int_equal(p.state, PX_PACK_RELEASED);
    assert_int_equal(p.reason, PX_REASON_NONE);
    px_epcis_vocab v;
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_REACTIVATE, &p, &err), PX_OK);
    assert_string_equal(v.disposition, "in_transit");

    /* a corrupt "before" is an internal error, not a silent move */
    px_pack_status bad = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_DAMAGED);
    bad.before = PX_PACK_ALLOCATED;
    req = base_req(PX_PACK_REACTIVATE, PX_REASON_NONE);
    assert_int_equal(reactivate(&bad, &req, &p, &err), PX_EINTERNAL);
}

/* REQ-STATE-5, REQ-STATE-6: recall over locked, then no reactivation; destroy after damage. */
static void test_domain__pack_escalations(void)
{
    px_pack_status p = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_LOCKED);
    px_err err;
    px_transition_req req = base_req(PX_PACK_RECALL, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    assert_int_equal(p.reason, PX_REASON_RECALLED);
    assert_int_equal(p.before, PX_PACK_COMMISSIONED);
    assert_int_equal(reactivate(&p, &req, &p, &err), PX_ESTATE);
    req = base_req(PX_PACK_DECOMMISSION, PX_REASON_DESTROYED);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_OK);
    assert_int_equal(p.reason, PX_REASON_DESTROYED);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_ESTATE);

    p = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_STOLEN);
    assert_int_equal(px_pack_transition(&p, &req, &p, &err), PX_ESTATE);
    assert_string_equal(err.message,
                        "cannot decommission a pack in state 'decommissioned' (reason 'stolen')");
}

static void test_domain__pack_reason_rules(void)
{
    px_pack_status from = status_in(PX_PACK_COMMISSIONED, PX_REASON_NONE), to;
    px_err err;
    px_transition_req req = base_req(PX_PACK_DECOMMISSION, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_EINVALID);
    assert_string_equal(err.message, "a decommissioning reason is required");
    req.reason = PX_REASON_RECALLED;
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_EINVALID);
    req.reason = (px_decom_reason)99;
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_EINVALID);
    req = base_req((px_pack_action)42, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_EINVALID);
    assert_int_equal(px_pack_transition(&from, NULL, &to, &err), PX_EINVALID);
    from.state = (px_pack_state)17;
    req = base_req(PX_PACK_RELEASE, PX_REASON_NONE);
    assert_int_equal(px_pack_transition(&from, &req, &to, &err), PX_EINTERNAL);
    assert_false(px_pack_move_allowed((px_pack_state)17, PX_REASON_NONE, PX_PACK_RELEASE, 0));

    assert_int_equal(px_decom_reason_action(PX_REASON_RECALLED), PX_PACK_RECALL);
    assert_int_equal(px_decom_reason_action(PX_REASON_WITHDRAWN), PX_PACK_RECALL);
    assert_int_equal(px_decom_reason_action(PX_REASON_DAMAGED), PX_PACK_DECOMMISSION);
}

/* REQ-POLICY-2: which reasons each role may decommission with. */
static void test_domain__pack_reason_by_role(void)
{
    for (size_t i = 0; i < NFACTS; i++) {
        px_decom_reason r = k_facts[i].reason;
        px_err err;
        assert_int_equal(px_decom_reason_check_role(PX_ROLE_MAH, r, &err), PX_OK);
        px_rc want_cmo =
            (r == PX_REASON_DAMAGED || r == PX_REASON_DESTROYED) ? PX_OK : PX_EFORBIDDEN;
        assert_int_equal(px_decom_reason_check_role(PX_ROLE_CMO, r, &err), want_cmo);
        if (want_cmo != PX_OK)
            assert_string_equal(err.code, "forbidden_role");
        assert_int_equal(px_decom_reason_check_role(PX_ROLE_AUDITOR, r, &err), PX_EFORBIDDEN);
        assert_int_equal(px_decom_reason_check_role(PX_ROLE_REGULATOR, r, &err), PX_EFORBIDDEN);
        assert_int_equal(px_decom_reason_check_role(PX_ROLE_ADMIN, r, &err), PX_EFORBIDDEN);
    }
    px_err err;
    assert_int_equal(px_decom_reason_check_role(PX_ROLE_MAH, PX_REASON_NONE, &err), PX_EINVALID);
    assert_int_equal(px_decom_reason_check_role(PX_ROLE_CMO, PX_REASON_RECALLED, &err),
                     PX_EFORBIDDEN);
    assert_string_equal(err.message, "role 'cmo' may not recall packs");
}

/* REQ-EPCIS-VOCAB-1: the event each accepted move records. */
static void test_domain__pack_epcis_vocab(void)
{
    px_pack_status to;
    px_epcis_vocab v;
    px_err err;
    to = status_in(PX_PACK_COMMISSIONED, PX_REASON_NONE);
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_COMMISSION, &to, &err), PX_OK);
    assert_int_equal(v.action, PX_EPCIS_ADD);
    assert_string_equal(v.biz_step, "commissioning");
    assert_string_equal(v.disposition, "active");
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_REACTIVATE, &to, &err), PX_OK);
    assert_int_equal(v.action, PX_EPCIS_OBSERVE);
    assert_string_equal(v.biz_step, "other");
    assert_string_equal(v.disposition, "active");
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_RELEASE, &to, &err), PX_EINVALID);
    to = status_in(PX_PACK_RELEASED, PX_REASON_NONE);
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_RELEASE, &to, &err), PX_OK);
    assert_int_equal(v.action, PX_EPCIS_OBSERVE);
    assert_string_equal(v.biz_step, "shipping");
    assert_string_equal(v.disposition, "in_transit");
    for (size_t i = 0; i < NFACTS; i++) {
        to = status_in(PX_PACK_DECOMMISSIONED, k_facts[i].reason);
        px_pack_action act = k_facts[i].recall ? PX_PACK_RECALL : PX_PACK_DECOMMISSION;
        assert_int_equal(px_epcis_vocab_for(&v, act, &to, &err), PX_OK);
        assert_int_equal(v.action, k_facts[i].epcis);
        assert_string_equal(v.biz_step, k_facts[i].biz_step);
        assert_string_equal(v.disposition, k_facts[i].disposition);
    }
    to = status_in(PX_PACK_DECOMMISSIONED, PX_REASON_NONE);
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_DECOMMISSION, &to, &err), PX_EINVALID);
    to = status_in(PX_PACK_ALLOCATED, PX_REASON_NONE);
    for (int a = 0; a < PX_PACK_ACTION__COUNT; a++)
        assert_int_equal(px_epcis_vocab_for(&v, (px_pack_action)a, &to, &err), PX_EINVALID);
    assert_int_equal(px_epcis_vocab_for(&v, PX_PACK_COMMISSION, NULL, &err), PX_EINVALID);
    assert_string_equal(px_epcis_action_name(PX_EPCIS_ADD), "ADD");
    assert_string_equal(px_epcis_action_name(PX_EPCIS_OBSERVE), "OBSERVE");
    assert_string_equal(px_epcis_action_name(PX_EPCIS_DELETE), "DELETE");
}

static void test_domain__pack_names(void)
{
    static const char *const states[] = {"allocated", "commissioned", "released",
                                         "decommissioned"};
    static const char *const actions[] = {"commission", "release", "decommission",
                                          "reactivate", "recall"};
    px_err err;
    for (int i = 0; i < PX_PACK_STATE__COUNT; i++) {
        px_pack_state s;
        assert_string_equal(px_pack_state_name((px_pack_state)i), states[i]);
        assert_int_equal(px_pack_state_parse(&s, states[i], &err), PX_OK);
        assert_int_equal(s, i);
    }
    for (int i = 0; i < PX_PACK_ACTION__COUNT; i++) {
        assert_string_equal(px_pack_action_name((px_pack_action)i), actions[i]);
    }
    assert_int_equal(NFACTS, PX_REASON__COUNT - 1);
    for (size_t i = 0; i < NFACTS; i++) {
        px_decom_reason r;
        assert_string_equal(px_decom_reason_name(k_facts[i].reason), k_facts[i].name);
        assert_int_equal(px_decom_reason_parse(&r, k_facts[i].name, &err), PX_OK);
        assert_int_equal(r, k_facts[i].reason);
    }
    px_decom_reason r;
    px_pack_state s;
    assert_int_equal(px_decom_reason_parse(&r, "", &err), PX_EINVALID);
    assert_string_equal(err.field, "reason");
    assert_int_equal(px_decom_reason_parse(&r, "Damaged", &err), PX_EINVALID);
    assert_int_equal(px_decom_reason_parse(&r, NULL, &err), PX_EINVALID);
    assert_int_equal(px_pack_state_parse(&s, "active", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_state");
    assert_string_equal(px_pack_state_name((px_pack_state)9), "?");
    assert_string_equal(px_pack_action_name((px_pack_action)9), "?");
    assert_string_equal(px_decom_reason_name((px_decom_reason)99), "?");
    assert_string_equal(px_decom_reason_name(PX_REASON_NONE), "");
}

/* The lists a set move starts from, joined with ",". */
static void sources(char *out, size_t cap, px_pack_action action, px_decom_reason requested)
{
    px_pack_move_from m;
    px_pack_move_sources(&m, action, requested);
    size_t o = (size_t)snprintf(out, cap, "states:");
    for (size_t i = 0; i < m.n_states; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", m.states[i]);
    o += (size_t)snprintf(out + o, cap - o, " reasons:");
    for (size_t i = 0; i < m.n_reasons; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", m.reasons[i]);
}

/* What a whole set of packs (a batch, the cases of a pallet) moves from, written out from
 * DOMAIN.md §8: a recall reaches the active packs and the reversibly decommissioned ones
 * (REQ-STATE-5); a destruction the active ones and those still in hand (REQ-STATE-6); a
 * release the commissioned only; a reactivation the reversibly decommissioned. */
static void test_domain__pack_move_sources(void)
{
    char got[512];
    sources(got, sizeof(got), PX_PACK_RECALL, PX_REASON_RECALLED);
    assert_string_equal(got, "states:commissioned,released "
                             "reasons:damaged,sample,free_sample,locked,checked_out");
    sources(got, sizeof(got), PX_PACK_DECOMMISSION, PX_REASON_DESTROYED);
    assert_string_equal(got, "states:commissioned,released reasons:damaged,sample,free_sample,"
                             "locked,recalled,withdrawn,expired,checked_out");
    sources(got, sizeof(got), PX_PACK_DECOMMISSION, PX_REASON_DAMAGED);
    assert_string_equal(got, "states:commissioned,released reasons:");
    sources(got, sizeof(got), PX_PACK_RELEASE, PX_REASON_NONE);
    assert_string_equal(got, "states:commissioned reasons:");
    sources(got, sizeof(got), PX_PACK_REACTIVATE, PX_REASON_NONE);
    assert_string_equal(got, "states: reasons:damaged,sample,free_sample,locked,checked_out");
}
