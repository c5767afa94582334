/* A pack decommissioned or recalled on its own leaves its container or case, and so does a
 * container decommissioned, recalled or shipped without the container it sits in: the link is
 * cleared and an AggregationEvent DELETE records it, in the operation's transaction
 * (pack_internal.h, docs/aggregation.md "Packs leaving their container"). */
#include <stdlib.h>
#include <string.h>

#include "aggregation_internal.h"
#include "epcis.h"
#include "gs1.h"
#include "pack_internal.h"
#include "packing.h"
#include "px_str.h"
#include "ship_store.h"

typedef struct leaving {
    char (*parent)[GS1_SERIAL_MAX + 1]; /* an SSCC, or a case's serial */
    char (*pgtin)[15];                 /* the case's GTIN, "" for a container */
    char (*prefix)[13];
    char (*uri)[GS1_EPC_URI_MAX];
    const char **ptr;
    size_t n, cap;
    const px_product *prod;
    px_err *err;
    px_rc rc;
} leaving;

static int note_left(void *vc, const px_left_child *p)
{
    leaving *l = vc;
    if (l->n == l->cap)
        return 1; /* never more rows than listed children */
    /* Room for every listed child, taken only when one was in a container: most decommissions
     * touch loose packs, and those cost no memory here. */
    if (!l->ptr) {
        l->parent = malloc(l->cap * sizeof(*l->parent));
        l->pgtin = malloc(l->cap * sizeof(*l->pgtin));
        l->prefix = malloc(l->cap * sizeof(*l->prefix));
        l->uri = malloc(l->cap * sizeof(*l->uri));
        l->ptr = malloc(l->cap * sizeof(*l->ptr));
        if (!l->parent || !l->pgtin || !l->prefix || !l->uri || !l->ptr) {
            l->rc = px_err_oom(l->err);
            return 1;
        }
    }
    px_strlcpy(l->parent[l->n], p->parent, sizeof(l->parent[l->n]));
    px_strlcpy(l->pgtin[l->n], p->parent_gtin, sizeof(l->pgtin[l->n]));
    px_strlcpy(l->prefix[l->n], p->prefix, sizeof(l->prefix[l->n]));
    /* A container child is named by its SSCC (its own prefix), a pack by its serial. */
    int container = p->child_prefix[0] != '\0';
    if ((l->rc = px__child_epc(
             l->uri[l->n], container ? p->child : NULL, l->prod->gtin, p->child,
             container ? (int)strlen(p->child_prefix) : l->prod->company_prefix_length, l->err)) !=
        PX_OK)
        return 1;
    l->ptr[l->n] = l->uri[l->n];
    l->n++;
    return 0;
}

/* One AggregationEvent DELETE unpacking, parentID the container or the case's SGTIN (pgtin
 * not ""), childEPCs the packs that left it (docs/aggregation.md "Packs leaving their
 * container"; EPCIS 1.2 needs parentID with DELETE). */
static px_rc delete_event(px_db *db, const px_actor *by, const px_product *prod, const char *sgln,
                          int64_t now_us, const char *pgtin, const char *parent,
                          const char *prefix, const char *const *epcs, size_t n, px_err *err)
{
    char parent_uri[GS1_EPC_URI_MAX], id[PX_ID_LEN + 1];
    int is_case = pgtin[0] != '\0';
    px_rc rc = is_case ? gs1_epc_sgtin_format(parent_uri, sizeof(parent_uri), pgtin,
                                              (int)strlen(prefix), parent, err)
                       : gs1_epc_sscc_format(parent_uri, sizeof(parent_uri), parent,
                                             (int)strlen(prefix), err);
    if (rc != PX_OK)
        return rc;
    px_epcis_event ev;
    px__agg_event_init(&ev, PX_EPCIS_DELETE, parent_uri, epcs, n);
    px__event_at(&ev, NULL, now_us, sgln);
    px_container_event_rec rec = {
        .tenant_id = prod->mah_id,
        .org_id = by->org_id,
        .parent_sscc = is_case ? NULL : parent,
        .parent_gtin = is_case ? pgtin : NULL,
        .parent_serial = is_case ? parent : NULL,
    };
    return px__agg_event_store(db, &ev, &rec, id, err);
}

/* One DELETE per former container (the rows come grouped by it), at the operator's location
 * (px__org_sgln); then the memory goes. */
static px_rc record_left(px_db *db, const px_actor *by, const px_product *prod, int64_t now_us,
                         leaving *l, long *left, px_err *err)
{
    px_rc rc = l->rc;
    char sgln[64];
    px__org_sgln(sgln, by, prod);
    for (size_t a = 0; rc == PX_OK && a < l->n;) {
        size_t b = a;
        while (b < l->n && strcmp(l->parent[b], l->parent[a]) == 0 &&
               strcmp(l->pgtin[b], l->pgtin[a]) == 0)
            b++;
        rc = delete_event(db, by, prod, sgln, now_us, l->pgtin[a], l->parent[a], l->prefix[a],
                          l->ptr + a, b - a, err);
        a = b;
    }
    if (rc == PX_OK)
        *left = (long)l->n;
    free(l->parent);
    free(l->pgtin);
    free(l->prefix);
    free(l->uri);
    free(l->ptr);
    return rc;
}

px_rc px__packs_leave_containers(px_db *db, const px_actor *by, const px_product *prod,
                                 const char *const *serials, size_t n, int dead_only,
                                 int64_t now_us, long *left, px_err *err)
{
    *left = 0;
    leaving l = {.cap = n, .prod = prod, .err = err};
    px_rc rc = px_store_packs_leave_containers(db, prod->gtin, serials, n, dead_only, note_left,
                                               &l, err);
    if (rc != PX_OK)
        l.rc = rc;
    return record_left(db, by, prod, now_us, &l, left, err);
}

px_rc px__containers_leave_parents(px_db *db, const px_actor *by, const px_product *prod,
                                   const char *const *ssccs, size_t n, int64_t now_us, long *left,
                                   px_err *err)
{
    *left = 0;
    leaving l = {.cap = n, .prod = prod, .err = err};
    px_rc rc = px_store_containers_leave_parents(db, ssccs, n, note_left, &l, err);
    if (rc != PX_OK)
        l.rc = rc;
    return record_left(db, by, prod, now_us, &l, left, err);
}
