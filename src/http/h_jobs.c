/* GET /v1/jobs/{job_id}, GET /v1/jobs and POST /v1/jobs/{job_id}/retry: background work and its
 * live progress (docs/api.md "Allocating serials"). */
#include <string.h>

#include "allocation.h"
#include "handlers.h"
#include "list_reply.h"
#include "px_array.h"

/* Floored to 4 decimals: a job one serial short of done shows 0.9999, never 1. A completed
 * job shows 1 whatever its counts (an export with nothing to write is done: 0 of 0). */
static double job_progress(const px_job *j)
{
    if (strcmp(j->status, "completed") == 0)
        return 1.0;
    return j->total > 0 ? (double)(j->done * 10000 / j->total) / 10000.0 : 0.0;
}

/* Where a job's object is read, by the job's kind (routes.def). */
static const char *const k_object_path[][2] = {{"allocation", "/v1/allocations/"},
                                               {"export", "/v1/exports/"},
                                               {"carrier_batch", "/v1/carrier-batches/"},
                                               {"sscc_allocation", "/v1/sscc-allocations/"}};

static json_t *job_json(const px_job *j)
{
    json_t *o =
        json_pack("{s:f, s:s, s:s, s:s, s:I, s:I, s:s}", "progress", job_progress(j), "job_id",
                  j->id, "kind", j->kind, "status", j->status, "total", (json_int_t)j->total,
                  "done", (json_int_t)j->done, "created_at", j->created_at);
    if (!o)
        return NULL;
    if (j->started_at[0])
        json_object_set_new(o, "started_at", json_string(j->started_at));
    if (j->finished_at[0])
        json_object_set_new(o, "finished_at", json_string(j->finished_at));
    if (j->error[0])
        json_object_set_new(o, "error", json_string(j->error));
    /* A job found in a list (a failed one, the 202 that named its object lost) leads to what it
     * works on: a failed carrier batch's items say what to send again. */
    for (size_t i = 0; j->object_id[0] && i < PX_COUNT(k_object_path); i++)
        if (strcmp(j->kind, k_object_path[i][0]) == 0)
            json_object_set_new(o, "resource", json_pack("s+", k_object_path[i][1], j->object_id));
    return o;
}

static json_t *job_item(const px_list_item *it)
{
    return job_json(it->job);
}

void h_job_list(px_req *r)
{
    px_list_reply(r, PX_LIST_JOBS, job_item);
}

void h_job_get(px_req *r)
{
    PX_REPLY_ONE(r, px_job, px_svc_job_get, job_json);
}

void h_job_retry(px_req *r)
{
    px_db *db = px_req_begin(r);
    if (!db)
        return;
    px_job j;
    if (!px_reply_failed(r, px_svc_job_retry(db, &r->actor, px_req_param(r, 0), &j, &r->err)))
        px_reply_json(r, 202, job_json(&j));
}
