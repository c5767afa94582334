/* See px_test_hA_rehash.h. */
#include "px_test_hA_rehash.h"

#include <string.h>

typedef struct {
    px_test_rehash_count *count;
    px_test_rehashed_fn fn;
    void *ctx;
} walk;

static int rehash_row(void *vw, const px_epcis_row *row)
{
    walk *w = vw;
    px_epcis_event ev;
    px__row_lists lists;
    int same = px_test_rehash_same(row, &ev, &lists);
    w->count->rows++;
    w->count->mismatches += !same;
    if (w->fn)
        w->fn(w->ctx, row, &ev, same);
    return 0;
}

void px_test_each_rehashed(px_test_env *env, const px_epcis_filter *flt,
                           px_test_rehash_count *count, px_test_rehashed_fn fn, void *ctx)
{
    memset(count, 0, sizeof(*count));
    walk w = {count, fn, ctx};
    px_test_each_event(env, flt, rehash_row, &w);
}
