/* GET /v1/jobs/{job_id} and GET /v1/jobs: background work and its live progress (docs/api.md
 * "Allocating serials"). */
#include "allocation.h"
#include "handlers.h"
#include "list_reply.h"

/* Floored to 4 decimals: a job one serial short of done shows 0.9999, never 1. */
static double job_progress(const px_job *j)
{
    return j->total > 0 ? (double)(j->done * 10000 / j->total) / 10000.0 : 0.0;
}

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
