/* Shipping a container ships what it holds: the packs below listed containers, checked as one
 * set (packing.h, docs/aggregation.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"
#include "pack_identity.h"
#include "packing.h"
#include "px_str.h"
#include "ship_store.h"

typedef struct held_ctx {
    const char *gtin, *batch, *want;
    char **serials;
    long *roots; /* per serial: the index of the listed container that holds it */
    size_t n, cap;
    px_item_error *errors;
    size_t n_errors, bad;
    int oom;
    long rows; /* packs and cases read */
} held_ctx;

static void note(held_ctx *c, long root, const char *code, const char *msg)
{
    c->bad++;
    if (c->n_errors == PX_HELD_ERRORS_MAX)
        return;
    px_item_error *e = &c->errors[c->n_errors++];
    e->index = (size_t)root;
    e->pos = -1;
    e->len = 0;
    px_strlcpy(e->code, code, sizeof(e->code));
    px_strlcpy(e->message, msg, sizeof(e->message));
}

static int held(void *vc, const px_held_pack *p)
{
    held_ctx *c = vc;
    char msg[120];
    c->rows++;
    /* REQ-AGG-14: a case that carries its own GTIN travels with its pallet as a container
     * below it does (px_store_cases_below_move); its packs are listed and checked as held
     * packs, so it must only be able to move itself. */
    if (p->is_case) {
        if (c->want && strcmp(p->state, c->want) != 0) {
            snprintf(msg, sizeof(msg), "holds case %s/%.20s, which is %s", p->gtin, p->serial,
                     p->state);
            note(c, p->root, "invalid_state", msg);
        }
        return 0;
    }
    /* REQ-AGG-8: a container holding a pack that cannot move refuses the whole request, the
     * offending packs listed (each under the index of the container listed), wherever they
     * sit (REQ-AGG-14: in a case too). */
    if (strcmp(p->gtin, c->gtin) != 0) {
        snprintf(msg, sizeof(msg), "holds pack %s/%.20s of another product", p->gtin, p->serial);
        note(c, p->root, "other_product", msg);
        return 0;
    }
    if (c->batch && strcmp(p->batch, c->batch) != 0) {
        snprintf(msg, sizeof(msg), "holds pack %s/%.20s of batch '%.20s'", p->gtin, p->serial,
                 p->batch);
        note(c, p->root, "other_batch", msg);
        return 0;
    }
    if (c->want && strcmp(p->state, c->want) != 0) {
        snprintf(msg, sizeof(msg), "holds pack %s/%.20s, which is %s", p->gtin, p->serial,
                 p->state);
        note(c, p->root, "invalid_state", msg);
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        char **v = realloc(c->serials, cap * sizeof(*v));
        if (!v)
            return c->oom = 1;
        c->serials = v;
        long *r = realloc(c->roots, cap * sizeof(*r));
        if (!r)
            return c->oom = 1;
        c->roots = r;
        c->cap = cap;
    }
    c->roots[c->n] = p->root;
    if (!(c->serials[c->n] = strdup(p->serial)))
        return c->oom = 1;
    c->n++;
    return 0;
}

/* Index order first; within one container, the order found (ties keep it: the span fields,
 * unused here, carry the position while qsort runs). */
static int held_cmp(const void *a, const void *b)
{
    const px_item_error *x = a, *y = b;
    if (x->index != y->index)
        return (x->index > y->index) - (x->index < y->index);
    return (x->len > y->len) - (x->len < y->len);
}

void px__held_errors_sort(px_item_error *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i].len = (int)i;
    if (n > 1)
        qsort(v, n, sizeof(*v), held_cmp);
    for (size_t i = 0; i < n; i++) {
        v[i].pos = -1;
        v[i].len = 0;
    }
}

void px_serials_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

px_rc px_svc_container_packs(px_db *db, const char *tenant_id, const char *gtin,
                             const char *batch, const char *want_state,
                             const char *const *ssccs, size_t n, char ***serials,
                             size_t *n_serials, long **roots, px_item_error **errors,
                             size_t *n_errors, px_err *err)
{
    *serials = NULL;
    *n_serials = 0;
    if (roots)
        *roots = NULL;
    *errors = NULL;
    *n_errors = 0;
    held_ctx c = {gtin, batch, want_state, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0};
    /* More rows than this are more packs than one request moves: the read stops there. */
    const long rows_max = 2L * PX_COMMISSION_MAX_SERIALS + 1;
    long *missing = NULL;
    size_t n_missing = 0;
    c.errors = calloc(PX_HELD_ERRORS_MAX, sizeof(*c.errors));
    px_rc rc = c.errors ? PX_OK : px_err_oom(err);
    if (rc == PX_OK)
        rc = px_store_containers_missing(db, tenant_id, ssccs, n, &missing, &n_missing, err);
    for (size_t i = 0; rc == PX_OK && i < n_missing; i++)
        note(&c, missing[i], "not_found", "no such container");
    if (rc == PX_OK && n_missing == 0)
        rc = px_store_container_packs_each(db, ssccs, n, rows_max, held, &c, err);
    if (rc == PX_OK && c.oom)
        rc = px_err_oom(err);
    if (rc == PX_OK && c.bad)
        rc = px_err_set(err, n_missing ? PX_ENOTFOUND : PX_ESTATE,
                        n_missing ? "not_found" : "invalid_state",
                        n_missing ? "%zu of %zu containers not found"
                                  : "the containers hold %zu packs that cannot move",
                        n_missing ? n_missing : c.bad, n);
    if (rc == PX_OK && c.n == 0)
        rc = px_err_set(err, PX_ESTATE, "invalid_state", "the containers hold no packs");
    /* The packs moved by one request, as if listed (REQ-COMMISSION-4), named on the field the
     * request did send; a read cut at rows_max holds more than that. */
    if (rc == PX_OK)
        rc = px_pack_count_check(c.rows >= rows_max ? (size_t)rows_max : c.n, "ssccs", err);
    free(missing);
    if (rc != PX_OK) {
        px_serials_free(c.serials, c.n);
        free(c.roots);
        if (c.n_errors) {
            px__held_errors_sort(c.errors, c.n_errors);
            *errors = c.errors;
            *n_errors = c.n_errors;
        } else
            free(c.errors);
        return rc;
    }
    free(c.errors);
    *serials = c.serials;
    *n_serials = c.n;
    if (roots)
        *roots = c.roots;
    else
        free(c.roots);
    return PX_OK;
}

static int add_top(void *vc, const char *sscc, const char *prefix)
{
    px__top_units *u = vc;
    if (u->n == u->cap)
        return 1; /* never more than listed */
    if (gs1_epc_sscc_format(u->uri[u->n], GS1_EPC_URI_MAX, sscc, (int)strlen(prefix), u->err) !=
        PX_OK) {
        u->rc = px_err_set(u->err, PX_EINTERNAL, "internal", "a stored SSCC has no EPC URI");
        return 1;
    }
    u->ptr[u->n] = u->uri[u->n];
    u->n++;
    return 0;
}

px_rc px__top_units_collect(px_db *db, const char *const *ssccs, size_t n, px__top_units *out,
                            px_err *err)
{
    memset(out, 0, sizeof(*out));
    size_t k = n ? n : 1;
    out->uri = malloc(k * sizeof(*out->uri));
    out->ptr = malloc(k * sizeof(*out->ptr));
    if (!out->uri || !out->ptr)
        return px_err_oom(err);
    out->cap = n;
    out->err = err;
    px_rc rc = px_store_containers_top_each(db, ssccs, n, add_top, out, err);
    return rc != PX_OK ? rc : out->rc;
}

void px__top_units_dispose(px__top_units *u)
{
    free(u->uri);
    free(u->ptr);
    memset(u, 0, sizeof(*u));
}

int px__profile_ships_units(px_epcis_profile profile)
{
    return profile == PX_EPCIS_PROFILE_US_DSCSA;
}
