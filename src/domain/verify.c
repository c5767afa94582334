#include "verify.h"
#include "px_calendar.h"

#include <string.h>

#include "pack_identity.h"
#include "gs1.h"

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

/* 1 when the YYMMDD expiry (DD=00 = last day of the month, GenSpecs §7.12 century rule) is
 * before today's date (UTC): a pack is usable through its expiry day. */
static int expired(const char *yymmdd, int64_t now_us)
{
    gs1_date e;
    if (gs1_date_parse(&e, yymmdd, 1, px_year_of_us(now_us), NULL) != PX_OK)
        return 0;
    return px_expiry_passed(&e, now_us);
}

px_verdict px_verify_verdict(const px_verify_facts *f, int64_t now_us)
{
    /* An allocated serial was never put on a pack: to the person holding one it is unknown. */
    if (!f->found || f->state == PX_PACK_ALLOCATED)
        return PX_VERDICT_UNKNOWN;
    if (f->state == PX_PACK_DECOMMISSIONED)
        return f->reason == PX_REASON_STOLEN ? PX_VERDICT_SUSPECT : PX_VERDICT_DECOMMISSIONED;
    if ((f->asked_batch && strcmp(f->asked_batch, f->batch ? f->batch : "") != 0) ||
        (f->asked_expiry && strcmp(f->asked_expiry, f->expiry ? f->expiry : "") != 0))
        return PX_VERDICT_MISMATCH;
    if (f->expiry && f->expiry[0] && expired(f->expiry, now_us))
        return PX_VERDICT_EXPIRED;
    return PX_VERDICT_GENUINE;
}
