/* See px_test_hA_rehash.h. */
#include "px_test_hA_rehash.h"

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
