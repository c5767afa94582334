/* The connection a read-only route reads on: a hot standby fenced at the primary's WAL
 * position when PACKID_READ_DATABASE_URL names standbys, else the primary (store/replica.c
 * says why the fence keeps a standby from answering a stale verdict; docs/scaling.md). */
#include "request.h"

typedef px_rc (*fence_fn)(px_db *primary, uint64_t *lsn, px_err *err);

static px_db *read_db(px_req *r, fence_fn fence_of)
{
    px_err_clear(&r->err);
    if (px_req_answered(r))
        return NULL;
    if (r->rdb)
        return r->rdb;
    /* A test key's request reads the sandbox, where its authentication put the primary's
     * connection (docs/sandbox.md); a standby connection would look at live tables. */
    if (px_replicas_count(r->app->replicas) == 0 || r->actor.mode == PX_KEY_TEST)
        return px_req_db(r);
    int held = r->db != NULL;
    px_db *primary = px_req_db(r);
    if (!primary)
        return NULL;
    uint64_t fence;
    px_err ferr;
    /* REQ-SCALE-1: the fence is read before the standby is looked at, so a commit answered
     * before this request began is on the standby the read goes to, or the primary reads. */
    if (fence_of(primary, &fence, &ferr) != PX_OK)
        return primary;
    px_db *db = px_replicas_acquire(r->app->replicas, fence, &r->rpool);
    if (!db)
        return primary;
    /* A connection the fence alone needed goes back now: the primary keeps its connections
     * for the writes. */
    if (!held) {
        px_pool_release(r->app->pool, r->db);
        r->db = NULL;
    }
    r->rdb = db;
    return db;
}

px_db *px_req_read_db(px_req *r)
{
    return read_db(r, px_db_wal_fence);
}

px_db *px_req_read_db_durable(px_req *r)
{
    return read_db(r, px_db_wal_fence_durable);
}

void px_req_read_release(px_req *r)
{
    if (r->rdb)
        px_pool_release(r->rpool, r->rdb);
    r->rdb = NULL;
    r->rpool = NULL;
}
