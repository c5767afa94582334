/* GET /v1/sscc-allocations[/{allocation_id}] (docs/aggregation.md "SSCC pools"): the SSCC
 * allocations the caller may read -- the MAH they are for, the CMO that asked (REQ-SSCC-7). */
#include "handlers.h"
#include "list_reply.h"
#include "packing.h"

static json_t *sscc_allocation_json(const px_sscc_allocation *a)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:s?, s:s}", "allocation_id", a->id,
                     "company_prefix", a->company_prefix, "extension_digit", a->extension_digit,
                     "strategy", a->strategy, "count", (json_int_t)a->count, "mah_id", a->tenant_id,
                     "org_id", a->org_id, "job_id", a->job_id[0] ? a->job_id : NULL, "created_at",
                     a->created_at);
}

static json_t *sscc_allocation_item(const px_list_item *it)
{
    return sscc_allocation_json(it->sscc_allocation);
}

void h_sscc_allocation_list(px_req *r)
{
    px_list_reply(r, PX_LIST_SSCC_ALLOCATIONS, sscc_allocation_item);
}

void h_sscc_allocation_get(px_req *r)
{
    PX_REPLY_ONE(r, px_sscc_allocation, px_svc_sscc_allocation_get, sscc_allocation_json);
}
