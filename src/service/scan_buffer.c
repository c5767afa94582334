/* Scans waiting to be written (scan_buffer.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "scan_buffer.h"

/* The buffered scans of one serial are found through a hash chain, not by a walk over the whole
 * buffer: every verification asks, under the buffer's lock, and the buffer holds a worker
 * pass's scans (hundreds to thousands under load). */
#define BUCKETS 4096u

/* One generation of scans with its hash chains. */
typedef struct scan_gen {
    px_scan_rec *v;
    uint32_t *next;          /* v[i]'s predecessor in its bucket's chain, + 1 (0: none) */
    uint32_t head[BUCKETS];  /* the newest scan of each bucket, + 1 (0: none) */
    size_t n, cap;
} scan_gen;

struct px_scan_buffer {
    pthread_mutex_t mu;
    pthread_cond_t flushed;  /* a flush ended: the next may start */
    scan_gen cur;            /* scans waiting */
    /* The scans a flush is writing (flushing) or last wrote: still read by the clone rules
     * until the next flush replaces them (scan_buffer.h: a scan is never missed for being
     * unwritten, nor for being written a moment ago). One flush at a time; another waits on
     * `flushed`. */
    scan_gen out;
    int flushing;
    unsigned char salt[128];
    size_t salt_len; /* 0 until read */
    uint64_t gen;    /* this buffer's number in the process (the hash cache's key) */
    unsigned long lost; /* scans a failed write left with no room to wait in (/metrics) */
};

/* Numbers the buffers of the process, so a thread's cached client hash is never taken for
 * another buffer's (another database's salt), even one allocated at a freed one's address. */
static _Atomic uint64_t buffers_made;

px_rc px_scan_buffer_new(px_scan_buffer **out, px_err *err)
{
    px_scan_buffer *b = calloc(1, sizeof(*b));
    if (!b)
        return px_err_oom(err);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->flushed, NULL);
    b->gen = ++buffers_made;
    *out = b;
    return PX_OK;
}

void px_scan_buffer_free(px_scan_buffer *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->flushed);
    px_cleanse(b->salt, sizeof(b->salt));
    free(b->cur.v);
    free(b->cur.next);
    free(b->out.v);
    free(b->out.next);
    free(b);
}

static uint32_t bucket(const char *gtin, const char *serial)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *s = gtin; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    for (const char *s = serial; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h & (BUCKETS - 1);
}

px_rc px_scan_buffer_client_hash(px_scan_buffer *b, px_db *db, const char *addr,
                                 char out[PX_SHA256_HEX_LEN + 1], px_err *err)
{
    /* The last address this thread hashed, and its hash: a phone that scans again, a
     * scanning app behind one NAT, a load test — the same client in a row is the common case,
     * and a hash is a lock, an allocation, SHA-256 and two cleanses. The hash is no more
     * secret than the salt this process already holds; the address is not kept anywhere
     * else, so it is wiped when the next one replaces it. */
    static _Thread_local uint64_t last_gen;
    static _Thread_local char last_addr[64], last_hash[PX_SHA256_HEX_LEN + 1];
    size_t an = strlen(addr);
    if (last_gen == b->gen && an < sizeof(last_addr) && memcmp(last_addr, addr, an + 1) == 0) {
        memcpy(out, last_hash, sizeof(last_hash));
        return PX_OK;
    }
    unsigned char salt[128];
    size_t len;
    pthread_mutex_lock(&b->mu);
    len = b->salt_len;
    memcpy(salt, b->salt, len);
    pthread_mutex_unlock(&b->mu);
    if (len == 0) {
        px_rc rc = px_store_scan_salt(db, salt, sizeof(salt), &len, err);
        if (rc != PX_OK)
            return rc;
        pthread_mutex_lock(&b->mu);
        memcpy(b->salt, salt, len);
        b->salt_len = len;
        pthread_mutex_unlock(&b->mu);
    }
    /* sha256(salt || address), as migration 0035's scan rows are hashed in SQL. */
    unsigned char *msg = malloc(len + an + 1);
    if (!msg)
        return px_err_oom(err);
    memcpy(msg, salt, len);
    memcpy(msg + len, addr, an);
    px_sha256_hex(out, msg, len + an);
    px_cleanse(msg, len + an);
    px_cleanse(salt, sizeof(salt));
    free(msg);
    px_cleanse(last_addr, sizeof(last_addr));
    last_gen = 0;
    if (an < sizeof(last_addr)) {
        memcpy(last_addr, addr, an + 1);
        memcpy(last_hash, out, sizeof(last_hash));
        last_gen = b->gen;
    }
    return PX_OK;
}

/* Adds r to g (under the lock): 0, or -1 when g is at PX_SCAN_BUFFER_MAX or memory ran out. */
static int gen_push(scan_gen *g, const px_scan_rec *r)
{
    if (g->n == g->cap && g->cap < PX_SCAN_BUFFER_MAX) {
        size_t cap = g->cap ? g->cap * 2 : 256;
        if (cap > PX_SCAN_BUFFER_MAX)
            cap = PX_SCAN_BUFFER_MAX; /* the bound is the documented one, not a power of 2 */
        px_scan_rec *v = realloc(g->v, cap * sizeof(*v));
        if (v)
            g->v = v;
        uint32_t *next = v ? realloc(g->next, cap * sizeof(*next)) : NULL;
        if (next) {
            g->next = next;
            g->cap = cap;
        }
    }
    if (g->n >= g->cap)
        return -1;
    uint32_t h = bucket(r->gtin, r->serial);
    g->next[g->n] = g->head[h];
    g->head[h] = (uint32_t)g->n + 1;
    g->v[g->n++] = *r;
    return 0;
}

int px_scan_buffer_push(px_scan_buffer *b, const px_scan_rec *r, int *full)
{
    pthread_mutex_lock(&b->mu);
    int rc = gen_push(&b->cur, r);
    *full = b->cur.n >= PX_SCAN_BUFFER_MAX;
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* g's scans of (gtin, serial) at or after since_us, newest first as the chain runs. */
static void gen_history(const scan_gen *g, const char *gtin, const char *serial,
                        int64_t since_us, px_scan_row *rows, int *n, int max)
{
    for (uint32_t k = g->head[bucket(gtin, serial)]; k && *n < max; k = g->next[k - 1]) {
        const px_scan_rec *r = &g->v[k - 1];
        if (r->at_us < since_us || strcmp(r->serial, serial) != 0 || strcmp(r->gtin, gtin) != 0)
            continue;
        px_scan_row *s = &rows[(*n)++];
        memset(s, 0, sizeof(*s));
        s->at_us = r->at_us;
        s->has_pos = r->has_pos;
        s->lat = r->lat;
        s->lon = r->lon;
        px_strlcpy(s->country, r->country, sizeof(s->country));
        px_strlcpy(s->client, r->client, sizeof(s->client)); /* the first 16, as the history */
    }
}

void px_scan_buffer_history(px_scan_buffer *b, const char *gtin, const char *serial,
                            int64_t since_us, px_scan_row *rows, int *n, int max)
{
    pthread_mutex_lock(&b->mu);
    /* The waiting scans, then those being written (older). A scan whose COPY committed a
     * moment ago may also come back from the database read: counted twice, it moves no rule
     * (no distance from itself, no new country or client). */
    gen_history(&b->cur, gtin, serial, since_us, rows, n, max);
    gen_history(&b->out, gtin, serial, since_us, rows, n, max);
    pthread_mutex_unlock(&b->mu);
}

size_t px_scan_buffer_count(px_scan_buffer *b)
{
    pthread_mutex_lock(&b->mu);
    size_t n = b->cur.n + (b->flushing ? b->out.n : 0);
    pthread_mutex_unlock(&b->mu);
    return n;
}

px_rc px_scan_buffer_flush(px_scan_buffer *b, px_db *db, size_t *written, px_err *err)
{
    *written = 0;
    if (px_db_is_sandbox(db)) /* public scans are live: the sandbox pass has none */
        return PX_OK;
    pthread_mutex_lock(&b->mu);
    /* Another flush is writing: wait for it, not forever (a stuck statement must not hold
     * every verification that finds the buffer full). */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    while (b->flushing)
        if (pthread_cond_timedwait(&b->flushed, &b->mu, &until) != 0 && b->flushing) {
            pthread_mutex_unlock(&b->mu);
            return px_err_set(err, PX_EUNAVAIL, "unavailable",
                              "the scans are being written for over 10 s: try again");
        }
    if (b->cur.n == 0) {
        pthread_mutex_unlock(&b->mu);
        return PX_OK;
    }
    /* The waiting scans become the ones being written (still read by the rules); the
     * buffer starts empty, with the arrays the last flush left. */
    scan_gen spare = b->out;
    b->out = b->cur;
    b->cur.v = spare.v;
    b->cur.next = spare.next;
    b->cur.cap = spare.cap;
    b->cur.n = 0;
    memset(b->cur.head, 0, sizeof(b->cur.head));
    b->flushing = 1;
    size_t n = b->out.n;
    pthread_mutex_unlock(&b->mu);
    px_rc rc = px_store_scans_insert(db, b->out.v, n, err);
    pthread_mutex_lock(&b->mu);
    if (rc != PX_OK) {
        /* Put them back for the next pass rather than drop them; what finds no room is said
         * at error level with its count (nothing is dropped silently). */
        size_t lost = 0;
        for (size_t i = 0; i < n; i++)
            lost += gen_push(&b->cur, &b->out.v[i]) != 0;
        if (lost)
            px_logf(PX_LOG_ERROR, "%zu scans not written: %s", lost, err->message);
        b->lost += lost;
        b->out.n = 0; /* they are back in cur */
        memset(b->out.head, 0, sizeof(b->out.head));
    } else {
        /* Written; they stay readable until the next flush replaces them, so a verification
         * whose database read began before this commit (or reads a standby a little behind)
         * still finds them here. */
        *written = n;
    }
    b->flushing = 0;
    pthread_cond_broadcast(&b->flushed);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

px_rc px_run_scan_flush(px_app *app, px_db *db, int *did_work, px_err *err)
{
    size_t n = 0;
    px_rc rc = app->scans ? px_scan_buffer_flush(app->scans, db, &n, err) : PX_OK;
    /* Never "had work": under steady traffic the buffer is never empty, and a worker that
     * looped at once would spin through every runner; the idle poll (100 ms) batches more. */
    *did_work = 0;
    return rc;
}

unsigned long px_scan_buffer_lost(px_scan_buffer *b)
{
    pthread_mutex_lock(&b->mu);
    unsigned long n = b->lost;
    pthread_mutex_unlock(&b->mu);
    return n;
}
