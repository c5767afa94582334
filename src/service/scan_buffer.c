/* Scans waiting to be written (scan_buffer.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "px_crypto.h"
#include "px_log.h"
#include "px_str.h"
#include "scan_buffer.h"

/* The buffered scans of one serial are found through a hash chain, not by a walk over the whole
 * buffer: every verification asks, under the buffer's lock, and the buffer holds a worker
 * pass's scans (hundreds to thousands under load). */
#define BUCKETS 4096u

struct px_scan_buffer {
    pthread_mutex_t mu;
    px_scan_rec *v;
    uint32_t *next;          /* v[i]'s predecessor in its bucket's chain, + 1 (0: none) */
    uint32_t head[BUCKETS];  /* the newest scan of each bucket, + 1 (0: none) */
    size_t n, cap;
    unsigned char salt[128];
    size_t salt_len; /* 0 until read */
    uint64_t gen;    /* this buffer's number in the process (the hash cache's key) */
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
    b->gen = ++buffers_made;
    *out = b;
    return PX_OK;
}

void px_scan_buffer_free(px_scan_buffer *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    px_cleanse(b->salt, sizeof(b->salt));
    free(b->v);
    free(b->next);
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

px_rc px_scan_buffer_client_hash(px_scan_buffer *b, px_db *db, const char *addr, char out[65],
                                 px_err *err)
{
    /* The last address this thread hashed, and its hash: a phone that scans again, a
     * scanning app behind one NAT, a load test — the same client in a row is the common case,
     * and a hash is a lock, an allocation, SHA-256 and two cleanses. The hash is no more
     * secret than the salt this process already holds; the address is not kept anywhere
     * else, so it is wiped when the next one replaces it. */
    static _Thread_local uint64_t last_gen;
    static _Thread_local char last_addr[64], last_hash[65];
    size_t an = strlen(addr);
    if (last_gen == b->gen && an < sizeof(last_addr) && memcmp(last_addr, addr, an + 1) == 0) {
        memcpy(out, last_hash, 65);
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
        memcpy(last_hash, out, 65);
        last_gen = b->gen;
    }
    return PX_OK;
}

int px_scan_buffer_push(px_scan_buffer *b, const px_scan_rec *r, int *full)
{
    int added = 0;
    pthread_mutex_lock(&b->mu);
    if (b->n == b->cap && b->cap < PX_SCAN_BUFFER_MAX) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        px_scan_rec *v = realloc(b->v, cap * sizeof(*v));
        if (v)
            b->v = v;
        uint32_t *next = v ? realloc(b->next, cap * sizeof(*next)) : NULL;
        if (next) {
            b->next = next;
            b->cap = cap;
        }
    }
    if (b->n < b->cap) {
        uint32_t h = bucket(r->gtin, r->serial);
        b->next[b->n] = b->head[h];
        b->head[h] = (uint32_t)b->n + 1;
        b->v[b->n++] = *r;
        added = 1;
    }
    *full = b->n >= PX_SCAN_BUFFER_MAX;
    pthread_mutex_unlock(&b->mu);
    return added ? 0 : -1;
}

void px_scan_buffer_history(px_scan_buffer *b, const char *gtin, const char *serial,
                            int64_t since_us, px_scan_row *rows, int *n, int max)
{
    pthread_mutex_lock(&b->mu);
    /* Newest first, as the chain runs. */
    for (uint32_t k = b->head[bucket(gtin, serial)]; k && *n < max; k = b->next[k - 1]) {
        const px_scan_rec *r = &b->v[k - 1];
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
    pthread_mutex_unlock(&b->mu);
}

px_rc px_scan_buffer_flush(px_scan_buffer *b, px_db *db, size_t *written, px_err *err)
{
    *written = 0;
    if (px_db_is_sandbox(db)) /* public scans are live: the sandbox pass has none */
        return PX_OK;
    pthread_mutex_lock(&b->mu);
    px_scan_rec *v = b->v;
    size_t n = b->n;
    free(b->next);
    b->v = NULL;
    b->next = NULL;
    b->n = b->cap = 0;
    memset(b->head, 0, sizeof(b->head));
    pthread_mutex_unlock(&b->mu);
    if (n == 0) {
        free(v);
        return PX_OK;
    }
    px_rc rc = px_store_scans_insert(db, v, n, err);
    if (rc != PX_OK) {
        /* Put them back for the next pass rather than drop them; what finds no room is said
         * at error level with its count (nothing is dropped silently). */
        size_t lost = 0;
        for (size_t i = 0; i < n; i++) {
            int full;
            lost += px_scan_buffer_push(b, &v[i], &full) != 0;
        }
        if (lost)
            px_logf(PX_LOG_ERROR, "%zu scans not written: %s", lost, err->message);
    } else {
        *written = n;
    }
    free(v);
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
