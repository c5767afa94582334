/* See px_test_rehash.h. */
#include "px_test_rehash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"

void px_test_each_event(px_test_env *env, const px_epcis_filter *flt, px_epcis_row_fn fn, void *ctx)
{
    px_db *db = NULL;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_db_connect(&db, env->conninfo, &err), PX_OK);
    assert_int_equal(px_store_epcis_events_each(db, flt, fn, ctx, &err), PX_OK);
    px_db_close(db);
}

int px_test_rehash_same(const px_epcis_row *row, px_epcis_event *ev, px__row_lists *lists)
{
    px_err err = PX_ERR_INIT;
    char hash[PX_EPCIS_EVENT_ID_MAX];
    if (px__event_from_row(ev, lists, row, &err) != PX_OK)
        fail_msg("row %s: %s", row->id, err.message);
    ev->event_id = NULL; /* re-hash from the fields alone */
    if (px_epcis_event_hash(hash, ev, &err) != PX_OK)
        fail_msg("row %s: %s", row->id, err.message);
    return strcmp(hash, row->event_hash) == 0;
}

static int rehash_row(void *ctx, const px_epcis_row *row)
{
    px_epcis_event ev;
    px__row_lists lists;
    int same = px_test_rehash_same(row, &ev, &lists);
    px_test_rehash_count *n = ctx; /* its first member */
    n->rows++;
    n->mismatches += !same;
    if (n->fn)
        n->fn(ctx, row, &ev, same);
    return 0;
}

void px_test_each_rehashed(px_test_env *env, const px_epcis_filter *flt, px_test_rehashed_fn fn,
                           void *ctx)
{
    px_test_rehash_count *n = ctx;
    *n = (px_test_rehash_count){0, 0, fn};
    px_test_each_event(env, flt, rehash_row, ctx);
}
