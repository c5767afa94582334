/* pack_identity — field checks of a pack's identity (GTIN, batch, serial, expiry) on top of gs1/. */
#include "pack_identity.h"

#include <stdlib.h>
#include <string.h>

#include "pack_state.h"
#include "px_calendar.h"

px_rc px_commission_gtin_check(char out[GS1_GTIN_LEN + 1], const char *product_code,
                               const char *product_code_schema, px_err *err)
{
    /* docs/api.md: product_code_schema "GTIN" (the only coding scheme packid issues) */
    if (!product_code_schema || strcmp(product_code_schema, "GTIN") != 0) {
        return px_err_set_field(err, PX_EINVALID, "invalid_schema", "product_code_schema",
                                "product_code_schema '%s' is not 'GTIN'",
                                product_code_schema ? product_code_schema : "");
    }
    px_rc rc = gs1_gtin_normalize(out, product_code ? product_code : "", err);
    if (rc != PX_OK)
        px_err_field(err, "product_code");
    return rc;
}

/* "." and ".." are set-82 values, but a segment of a pack's Digital Link path
 * (/01/{gtin}/10/{batch}/21/{serial}) that is one of them is removed by every URI client
 * before the request is sent (RFC 3986 §5.2.4; a browser reads %2E and %2E%2E as them too): the
 * pack's link, its verification and its console pages could never reach it. Refused where the
 * value is first named, with nothing stored (docs/api.md "Limits"). */
static px_rc dot_segment_refused(const char *v, const char *what, px_err *err)
{
    if (strcmp(v, ".") != 0 && strcmp(v, "..") != 0)
        return PX_OK;
    return px_err_set(err, PX_EINVALID, "invalid_value",
                      "%s '%s' is a URI dot-segment: no Digital Link could carry it", what, v);
}

px_rc px_batch_check(const char *batch, px_err *err)
{
    /* REQ-COMMISSION-1: AI 10 is X..20 (the GS1 General Specifications) */
    px_rc rc = gs1_cset82_validate(batch ? batch : "", GS1_BATCH_MAX, err);
    if (rc != PX_OK)
        px_err_field(err, "batch");
    return rc;
}

px_rc px_commission_batch_check(const char *batch, px_err *err)
{
    px_rc rc = px_batch_check(batch, err);
    if (rc == PX_OK && (rc = dot_segment_refused(batch, "batch", err)) != PX_OK)
        px_err_field(err, "batch");
    return rc;
}

px_rc px_commission_serial_check(const char *serial, long index, px_err *err)
{
    /* REQ-COMMISSION-2: AI 21 is X..20; Delegated Regulation (EU) 2016/161 Art. 4(b)(ii):
     * at most 20 characters */
    const char *s = serial ? serial : "";
    px_rc rc = gs1_cset82_validate(s, GS1_SERIAL_MAX, err);
    if (rc == PX_OK)
        rc = dot_segment_refused(s, "serial", err);
    if (rc != PX_OK) {
        if (index >= 0)
            px_err_field(err, "serials[%ld]", index);
        else
            px_err_field(err, "serial");
    }
    return rc;
}

int px_expiry_passed(const gs1_date *expiry, int64_t now_us)
{
    /* docs/api.md "not already past", Delegated Regulation (EU) 2016/161 Art. 13(1)(c): usable
     * through the expiry day */
    return px_floor_div(now_us, PX_DAY_US) >
           px_civil_days(expiry->year, expiry->month, expiry->day);
}

int px_expiry_text_passed(const char *yymmdd, int64_t now_us)
{
    gs1_date e;
    return yymmdd && yymmdd[0] && gs1_expiry_parse(&e, yymmdd, now_us, NULL) == PX_OK &&
           px_expiry_passed(&e, now_us);
}

int px_expiry_iso(char out[11], const char *yymmdd, int64_t now_us)
{
    gs1_date d;
    out[0] = '\0';
    if (!yymmdd || !yymmdd[0] || gs1_expiry_parse(&d, yymmdd, now_us, NULL) != PX_OK)
        return 0;
    gs1_date_iso(out, &d);
    return 1;
}

px_rc px_commission_expiry_check(gs1_date *out, const char *yymmdd, int64_t now_us,
                                 px_err *err)
{
    /* REQ-COMMISSION-3: AI 17 is YYMMD0 (DD=00 allowed, the month's last day), century by
     * GenSpecs §7.12 relative to the current year */
    px_rc rc = gs1_expiry_parse(out, yymmdd ? yymmdd : "", now_us, err);
    if (rc != PX_OK) {
        px_err_field(err, "expiry_date");
        return rc;
    }
    if (px_expiry_passed(out, now_us)) {
        px_err_set(err, PX_EINVALID, "expiry_in_past",
                   "expiry date '%s' (%04d-%02d-%02d) is already past", yymmdd, out->year,
                   out->month, out->day);
        px_err_field(err, "expiry_date");
        px_err_span(err, 0, 6);
        return PX_EINVALID;
    }
    return PX_OK;
}

px_rc px_pack_count_check(size_t count, const char *field, px_err *err)
{
    /* REQ-COMMISSION-4 */
    if (count == 0) {
        return px_err_set_field(err, PX_EINVALID, "serials_required", field,
                                "at least one serial is required");
    }
    if (count > PX_COMMISSION_MAX_SERIALS) {
        return px_err_set_field(err, PX_EINVALID, "too_many_serials", field,
                                "%zu packs in one request, at most %d", count,
                                PX_COMMISSION_MAX_SERIALS);
    }
    return PX_OK;
}

px_rc px_commission_count_check(size_t count, px_err *err)
{
    return px_pack_count_check(count, "serials", err);
}

px_rc px_sscc_list_check(const char *const *ssccs, size_t n, int with_serials, px_err *err)
{
    if (with_serials)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "ssccs",
                                "give serials or ssccs, not both");
    if (n == 0)
        return px_err_set_field(err, PX_EINVALID, "invalid_value", "ssccs",
                                "ssccs lists at least one container");
    if (n > PX_CONTAINERS_MAX)
        return px_err_set_field(err, PX_EINVALID, "too_many_containers", "ssccs",
                                "%zu containers in one request, at most %d", n, PX_CONTAINERS_MAX);
    for (size_t i = 0; i < n; i++) {
        px_err e;
        if (gs1_sscc_validate(ssccs[i], &e) != PX_OK) {
            px_err_set(err, PX_EINVALID, e.code, "ssccs[%zu] is not a valid SSCC", i);
            px_err_field(err, "ssccs[%zu]", i);
            return PX_EINVALID;
        }
    }
    return PX_OK;
}

px_rc px_sscc_duplicate_error(px_err *err, const char *sscc, size_t index)
{
    px_err_set(err, PX_EINVALID, "duplicate_sscc",
               "container %s appears more than once in the request", sscc);
    px_err_field(err, "ssccs[%zu]", index);
    return PX_EINVALID;
}

static int ref_cmp(const void *a, const void *b)
{
    const px_serial_ref *x = a, *y = b;
    int c = strcmp(x->serial, y->serial);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

size_t px_commission_mark_duplicates(unsigned char *dup, const char *const *serials,
                                     size_t count, px_serial_ref *scratch)
{
    for (size_t i = 0; i < count; i++) {
        scratch[i].serial = serials[i] ? serials[i] : "";
        scratch[i].index = i;
        dup[i] = 0;
    }
    if (count > 1)
        qsort(scratch, count, sizeof(*scratch), ref_cmp);
    size_t marked = 0;
    for (size_t i = 1; i < count; i++) {
        /* sorted by (serial, index): a repeat follows the earlier occurrence */
        if (strcmp(scratch[i].serial, scratch[i - 1].serial) == 0) {
            dup[scratch[i].index] = 1;
            marked++;
        }
    }
    return marked;
}

px_rc px_commission_duplicate_error(px_err *err, const char *serial, size_t index)
{
    px_err_set(err, PX_EINVALID, "duplicate_serial_in_request",
               "serial '%s' appears more than once in the request", serial ? serial : "");
    px_err_field(err, "serials[%zu]", index);
    return PX_EINVALID;
}
