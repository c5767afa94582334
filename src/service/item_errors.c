/* Per-item errors of multi-item requests and the syntax of serial lists (pack_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "pack_identity.h"
#include "pack_internal.h"
#include "px_array.h"
#include "px_str.h"

px_rc px__errlist_add(px__errlist *l, size_t index, const px_err *e, px_err *err)
{
    px_item_error *v = px_array_room(l->v, l->n, &l->cap, sizeof(*v), 16);
    if (!v)
        return px_err_oom(err);
    l->v = v;
    px_item_error *it = &l->v[l->n++];
    it->index = index;
    px_strlcpy(it->code, e->code, sizeof(it->code));
    px_strlcpy(it->message, e->message, sizeof(it->message));
    it->pos = e->pos;
    it->len = e->len;
    return PX_OK;
}

static int item_cmp(const void *a, const void *b)
{
    const px_item_error *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

void px__errlist_sort(px__errlist *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), item_cmp);
}

void px__errlist_take(px__errlist *l, px_item_error **errors, size_t *n_errors)
{
    *errors = l->v;
    *n_errors = l->n;
    memset(l, 0, sizeof(*l));
}

void px_item_errors_free(px_item_error *e)
{
    free(e);
}

void px__refusals_dispose(px_item_error **errors, size_t *n_errors, px_missing_list *missing)
{
    px_item_errors_free(*errors);
    *errors = NULL;
    *n_errors = 0;
    px_missing_list_dispose(missing);
}

px_rc px__serials_check(px__errlist *errs, unsigned char *bad, const char *const *serials, size_t n,
                        px_err *err)
{
    px_serial_ref *scratch = malloc((n ? n : 1) * sizeof(*scratch));
    unsigned char *dup = malloc(n ? n : 1);
    px_rc rc = PX_OK;
    if (!scratch || !dup) {
        rc = px_err_oom(err);
        goto done;
    }
    px_commission_mark_duplicates(dup, serials, n, scratch);
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        px_err e = PX_ERR_INIT;
        px_rc bad_rc = px_commission_serial_check(serials[i], (long)i, &e);
        if (bad_rc == PX_OK && dup[i])
            bad_rc = px_commission_duplicate_error(&e, serials[i], i);
        if (bad_rc != PX_OK) {
            bad[i] = 1;
            rc = px__errlist_add(errs, i, &e, err);
        }
    }
done:
    free(scratch);
    free(dup);
    return rc;
}

px_rc px__items_invalid(px_err *err, size_t bad, size_t n, const char *what)
{
    return px_err_set(err, PX_EINVALID, "validation_error", "%zu of %zu %s are invalid", bad, n,
                      what);
}

px_rc px__sscc_list_check(const char *const *ssccs, size_t n, int with_serials, px_err *err)
{
    px_rc rc = px_sscc_list_check(ssccs, n, with_serials, err);
    if (rc != PX_OK)
        return rc;
    /* Each container once, as each serial (a repeat would be counted as asked twice). */
    px_serial_ref *scratch = malloc(n * sizeof(*scratch));
    unsigned char *dup = malloc(n);
    size_t i = n;
    if (!scratch || !dup)
        rc = px_err_oom(err);
    else if (px_commission_mark_duplicates(dup, ssccs, n, scratch) > 0)
        for (i = 0; i < n && !dup[i]; i++)
            ;
    if (i < n)
        rc = px_sscc_duplicate_error(err, ssccs[i], i);
    free(scratch);
    free(dup);
    return rc;
}

px_rc px__serial_list_check(const char *const *serials, size_t n, px_item_error **errors,
                            size_t *n_errors, px_err *err)
{
    if (px_commission_count_check(n, err) != PX_OK)
        return err->rc;
    unsigned char *bad = calloc(n, 1);
    px__errlist errs = {0};
    px_rc rc = bad ? px__serials_check(&errs, bad, serials, n, err) : px_err_oom(err);
    free(bad);
    if (rc == PX_OK && errs.n) {
        px__errlist_take(&errs, errors, n_errors);
        return px__items_invalid(err, *n_errors, n, "serials");
    }
    free(errs.v);
    return rc;
}
