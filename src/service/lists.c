/* The paged object lists (lists.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lists.h"
#include "px_str.h"

void px_list_key_format(char out[64], long long created_us, const char *id)
{
    snprintf(out, 64, "%lld_%s", created_us, id);
}

px_rc px_list_key_parse(long long *us, char id[PX_ID_LEN + 1], const char *key, px_err *err)
{
    const char *sep = strchr(key, '_');
    char num[24];
    size_t n = sep ? (size_t)(sep - key) : 0;
    char *end = NULL;
    if (n > 0 && n < sizeof(num) && px_uuid_valid(sep + 1)) {
        memcpy(num, key, n);
        num[n] = '\0';
        *us = strtoll(num, &end, 10);
    }
    if (!end || *end || num[0] == '-')
        return px_err_set(err, PX_EINVALID, "bad_request", "after is not a cursor this API issued");
    px_strlcpy(id, sep + 1, PX_ID_LEN + 1);
    return PX_OK;
}

typedef struct list_ctx {
    px_db *db;
    const px_actor *by;
    px_list_kind kind;
    px_list_item_fn fn;
    void *ctx;
    px_rc rc;
    px_err *err;
} list_ctx;

/* Allocations, jobs and exports are answered as their single-object reads answer them (the
 * same reader, the same JSON); the page query has already applied the same visibility. */
static int on_row(void *vc, const px_list_row *row)
{
    list_ctx *c = vc;
    char key[64];
    px_list_key_format(key, row->created_us, row->id);
    px_list_item it = {.key = key};
    px_allocation a;
    px_job j;
    px_export e;
    switch (c->kind) {
    case PX_LIST_ALLOCATIONS:
        c->rc = px_store_allocation_get(c->db, &a, row->id, c->err);
        it.allocation = &a;
        break;
    case PX_LIST_JOBS:
        c->rc = px_store_job_get(c->db, &j, row->id, c->by->org_id, 0, c->err);
        it.job = &j;
        break;
    case PX_LIST_EXPORTS:
        c->rc = px_store_export_get(c->db, &e, row->id, c->err);
        it.export_ = &e;
        break;
    default:
        it.row = row;
        break;
    }
    if (c->rc != PX_OK)
        return 1;
    return c->fn(c->ctx, &it);
}

px_rc px_svc_list(px_db *db, const px_actor *by, px_list_kind kind, const char *after,
                  long limit, px_list_item_fn fn, void *ctx, px_err *err)
{
    long long us = 0;
    char id[PX_ID_LEN + 1] = "";
    if (after && *after && px_list_key_parse(&us, id, after, err) != PX_OK)
        return err->rc;
    /* mah and auditor keys belong to the MAH (REQ-POLICY-5): both see the tenant's rows. */
    px_list_scope scope = {by->org_id, by->org_kind == PX_ORG_MAH, by->org_kind == PX_ORG_CMO};
    if (!scope.is_mah && !scope.is_cmo)
        return PX_OK; /* nobody else owns such rows */
    list_ctx c = {db, by, kind, fn, ctx, PX_OK, err};
    px_rc rc = px_store_list_page(db, kind, &scope, us, id, limit, on_row, &c, err);
    return rc != PX_OK ? rc : c.rc;
}
