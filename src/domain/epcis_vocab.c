/* epcis_vocab — the EPCIS ObjectEvent each pack transition records (the CBV).
 *
 * Choices (REQ-EPCIS-VOCAB-1), documented in docs/domain.md:
 * - commission: ADD / commissioning / active — CBV: first association of the identifier.
 * - release: OBSERVE / shipping / in_transit — release to a market is the pack leaving the
 *   MAH's control into distribution; it is the event DSCSA-style reports consist of (GS1 US
 *   Implementation Guideline "Applying GS1 Standards for DSCSA and Traceability"), and CBV has
 *   no "release" step. (sellable_not_accessible was considered; in_transit is what the
 *   market profiles expect.)
 * - decommission and recall: OBSERVE / decommissioning / the CBV disposition that names the
 *   reason when one exists (damaged, stolen, recalled, expired), else inactive. OBSERVE, not
 *   DELETE: under EU FMD the identifier stays on the pack and Art. 13 can revert it, while
 *   DELETE says the EPC ceased to exist.
 * - destroyed: DELETE / destroying / destroyed — CBV: no subsequent events for the instance.
 * - dispensed: OBSERVE / dispensing / dispensed — supplied to the public.
 * - reactivate: OBSERVE / other / the standing disposition of the state returned to (active
 *   for commissioned, in_transit for released). CBV has no "reactivating" step; "other" is
 *   the CBV 1.2 catch-all and the disposition carries the meaning. */
#include "pack_state.h"

typedef struct reason_vocab {
    px_epcis_action action;
    const char *biz_step;
    const char *disposition;
} reason_vocab;

static const reason_vocab k_by_reason[PX_REASON__COUNT] = {
    [PX_REASON_NONE] = {PX_EPCIS_OBSERVE, NULL, NULL},
    [PX_REASON_DISPENSED] = {PX_EPCIS_OBSERVE, "dispensing", "dispensed"},
    [PX_REASON_DESTROYED] = {PX_EPCIS_DELETE, "destroying", "destroyed"},
    [PX_REASON_DAMAGED] = {PX_EPCIS_OBSERVE, "decommissioning", "damaged"},
    [PX_REASON_SAMPLE] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
    [PX_REASON_FREE_SAMPLE] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
    [PX_REASON_STOLEN] = {PX_EPCIS_OBSERVE, "decommissioning", "stolen"},
    [PX_REASON_EXPORTED] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
    [PX_REASON_LOCKED] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
    [PX_REASON_RECALLED] = {PX_EPCIS_OBSERVE, "decommissioning", "recalled"},
    [PX_REASON_WITHDRAWN] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
    [PX_REASON_EXPIRED] = {PX_EPCIS_OBSERVE, "decommissioning", "expired"},
    [PX_REASON_CHECKED_OUT] = {PX_EPCIS_OBSERVE, "decommissioning", "inactive"},
};

/* The disposition a pack stands in while in a state (what a reactivation restores). */
static const char *const k_state_disposition[PX_PACK_STATE__COUNT] = {
    [PX_PACK_ALLOCATED] = NULL,
    [PX_PACK_COMMISSIONED] = "active",
    [PX_PACK_RELEASED] = "in_transit",
    [PX_PACK_DECOMMISSIONED] = NULL,
};

const char *const px_epcis_action_names[PX_EPCIS_ACTIONS] = {
    [PX_EPCIS_ADD] = "ADD", [PX_EPCIS_OBSERVE] = "OBSERVE", [PX_EPCIS_DELETE] = "DELETE"};

const char *px_epcis_action_name(px_epcis_action action)
{
    return (unsigned)action < PX_EPCIS_ACTIONS ? px_epcis_action_names[action] : "?";
}

static px_rc none(px_err *err, px_pack_action action)
{
    return px_err_set(err, PX_EINVALID, "invalid_action",
                      "no EPCIS event for %s into this state", px_pack_action_name(action));
}

px_rc px_epcis_vocab_for(px_epcis_vocab *out, px_pack_action action, const px_pack_status *to,
                         px_err *err)
{
    if (!to || (int)to->state < 0 || to->state >= PX_PACK_STATE__COUNT)
        return none(err, action);
    switch (action) {
    case PX_PACK_COMMISSION:
        if (to->state != PX_PACK_COMMISSIONED)
            return none(err, action);
        *out = (px_epcis_vocab){PX_EPCIS_ADD, "commissioning", "active"};
        return PX_OK;
    case PX_PACK_RELEASE:
        if (to->state != PX_PACK_RELEASED)
            return none(err, action);
        *out = (px_epcis_vocab){PX_EPCIS_OBSERVE, "shipping", "in_transit"};
        return PX_OK;
    case PX_PACK_DECOMMISSION:
    case PX_PACK_RECALL: {
        if (to->state != PX_PACK_DECOMMISSIONED || (int)to->reason <= PX_REASON_NONE ||
            to->reason >= PX_REASON__COUNT)
            return none(err, action);
        const reason_vocab *v = &k_by_reason[to->reason];
        *out = (px_epcis_vocab){v->action, v->biz_step, v->disposition};
        return PX_OK;
    }
    case PX_PACK_REACTIVATE: {
        const char *disp = k_state_disposition[to->state];
        if (to->state != PX_PACK_COMMISSIONED && to->state != PX_PACK_RELEASED)
            return none(err, action);
        *out = (px_epcis_vocab){PX_EPCIS_OBSERVE, "other", disp};
        return PX_OK;
    }
    case PX_PACK_ACTION__COUNT:
        break;
    }
    return none(err, action);
}
