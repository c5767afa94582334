/* A fixed-size libpq connection pool, sized to the HTTP threads plus the background workers
 * so a request never waits for a connection in normal operation. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "px_log.h"
#include "store_internal.h"

struct px_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int size;
    int in_use;
    uint64_t waits;
    px_db **free_list;
    int nfree;
    char *conninfo;
};

px_rc px_pool_new(px_pool **out, const char *conninfo, int size, px_err *err)
{
    *out = NULL;
    px_pool *p = calloc(1, sizeof(*p));
    if (!p || !(p->free_list = calloc((size_t)size, sizeof(px_db *))) ||
        !(p->conninfo = strdup(conninfo))) {
        if (p)
            free(p->free_list);
        free(p);
        return px_err_oom(err);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->size = size;
    for (int i = 0; i < size; i++) {
        px_db *db;
        px_rc rc = px_db_connect(&db, conninfo, err);
        if (rc != PX_OK) {
            px_pool_free(p);
            return rc;
        }
        p->free_list[p->nfree++] = db;
    }
    *out = p;
    return PX_OK;
}

void px_pool_free(px_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nfree; i++)
        px_db_close(p->free_list[i]);
    free(p->free_list);
    free(p->conninfo);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

px_db *px_pool_acquire(px_pool *p, px_err *err)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&p->mu);
    if (p->nfree == 0)
        p->waits++;
    while (p->nfree == 0) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT && p->nfree == 0) {
            pthread_mutex_unlock(&p->mu);
            px_err_set(err, PX_EUNAVAIL, "unavailable", "no database connection is free");
            return NULL;
        }
    }
    px_db *db = p->free_list[--p->nfree];
    p->in_use++;
    pthread_mutex_unlock(&p->mu);
    /* A connection broken by a server restart is re-established, not handed out dead. */
    if (PQstatus(db->conn) != CONNECTION_OK) {
        PQreset(db->conn);
        if (PQstatus(db->conn) != CONNECTION_OK || px__session_init(db->conn, err) != PX_OK) {
            px_pool_release(p, db);
            px_err_set(err, PX_EUNAVAIL, "unavailable", "the database is unavailable");
            return NULL;
        }
        db->sandbox = 0;  /* a new session starts on its own search_path */
        db->prepared = 0; /* … and with no prepared statement */
    }
    /* Never a connection that still looks at the sandbox (its reset failed at release). */
    if (db->sandbox && px_db_set_sandbox(db, 0, err) != PX_OK) {
        px_pool_release(p, db);
        px_err_set(err, PX_EUNAVAIL, "unavailable", "the database is unavailable");
        return NULL;
    }
    return db;
}

void px_pool_release(px_pool *p, px_db *db)
{
    if (!db)
        return;
    if (db->in_tx || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        px_db_rollback(db); /* never hand on a connection inside a transaction */
    /* Nor one that still looks at the sandbox: the next request may be a live one. A reset
     * that fails is said; the connection stays marked, and px_pool_acquire tries again before
     * it hands the connection on, or hands none. */
    px_err e = PX_ERR_INIT;
    if (db->sandbox && px_db_set_sandbox(db, 0, &e) != PX_OK)
        px_logf(PX_LOG_ERROR, "pool: a connection's search_path not reset: %s", e.message);
    px_db_set_lock_timeout(db, 0); /* a runner's bound is not a request's */
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = db;
    p->in_use--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void px_pool_stats(px_pool *p, int *size, int *in_use, uint64_t *waits)
{
    pthread_mutex_lock(&p->mu);
    *size = p->size;
    *in_use = p->in_use;
    *waits = p->waits;
    pthread_mutex_unlock(&p->mu);
}

void px_pool_set_audit_key(px_pool *p, const px_sign_key *key)
{
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->nfree; i++)
        p->free_list[i]->seal = key;
    pthread_mutex_unlock(&p->mu);
}

void px_db_set_audit_key(px_db *db, const px_sign_key *key)
{
    db->seal = key;
}
