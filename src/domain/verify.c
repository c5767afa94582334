#include "verify.h"

#include <string.h>

#include "pack_identity.h"
#include "gs1.h"

int px_verdict_vouches(px_verdict v)
{
    return v == PX_VERDICT_GENUINE || v == PX_VERDICT_EXPIRED || v == PX_VERDICT_DECOMMISSIONED;
}

const char *px_verdict_name(px_verdict v)
{
    switch (v) {
    case PX_VERDICT_GENUINE: return "genuine";
    case PX_VERDICT_UNKNOWN: return "unknown";
    case PX_VERDICT_DECOMMISSIONED: return "decommissioned";
    case PX_VERDICT_EXPIRED: return "expired";
    case PX_VERDICT_MISMATCH: return "mismatch";
    case PX_VERDICT_SUSPECT: return "suspect";
    }
    return "unknown";
}

int px_verify_unknown(const px_verify_facts *f)
{
    return !f->found || f->state == PX_PACK_ALLOCATED;
}

px_rc px_verify_facts_state(px_verify_facts *f, const char *state, const char *reason, px_err *err)
{
    if (!f->found)
        return PX_OK;
    if (px_pack_state_parse(&f->state, state, NULL) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    if (!reason || !reason[0] || px_decom_reason_parse(&f->reason, reason, NULL) != PX_OK)
        f->reason = PX_REASON_NONE;
    return PX_OK;
}

int px_verify_lot_differs(const px_verify_facts *f)
{
    return f->asked_batch && strcmp(f->asked_batch, f->batch ? f->batch : "") != 0;
}

int px_verify_expiry_differs(const px_verify_facts *f)
{
    return f->asked_expiry && strcmp(f->asked_expiry, f->expiry ? f->expiry : "") != 0;
}

px_verdict px_verify_verdict(const px_verify_facts *f, int64_t now_us)
{
    if (px_verify_unknown(f))
        return PX_VERDICT_UNKNOWN;
    if (f->state == PX_PACK_DECOMMISSIONED)
        return f->reason == PX_REASON_STOLEN ? PX_VERDICT_SUSPECT : PX_VERDICT_DECOMMISSIONED;
    if (px_verify_lot_differs(f) || px_verify_expiry_differs(f))
        return PX_VERDICT_MISMATCH;
    /* A pack is usable through its expiry day (px_expiry_passed). */
    if (px_expiry_text_passed(f->expiry, now_us))
        return PX_VERDICT_EXPIRED;
    return PX_VERDICT_GENUINE;
}
