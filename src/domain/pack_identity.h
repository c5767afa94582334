/* pack_identity — the field checks of a pack's identity as a request carries it (GTIN, batch,
 * serial, expiry, the serial list), on top of the GS1 syntax core; used by commissioning, release,
 * recall, exports and verification alike. Each check names its JSON field and, where it applies, the position of
 * the bad character, so the API can list every bad item in `details`. Pure: no I/O, no heap,
 * no clock (today comes from the caller's now). */
#ifndef PX_PACK_IDENTITY_H
#define PX_PACK_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "gs1.h"
#include "px_calendar.h"
#include "px_err.h"

#define PX_COMMISSION_MAX_SERIALS 100000 /* docs/api.md: at most 100,000 per request */

/* product_code_schema must be "GTIN" (field "product_code_schema", code "invalid_schema");
 * product_code a GTIN-8/12/13/14 with a valid check digit, normalised to 14 digits into out
 * (field "product_code"; gs1's codes: invalid_character, invalid_length, invalid_check_digit…). */
px_rc px_commission_gtin_check(char out[GS1_GTIN_LEN + 1], const char *product_code,
                               const char *product_code_schema, px_err *err);

/* REQ-COMMISSION-1: a batch (AI 10) named by a request: 1..20 characters of GS1 set 82;
 * field "batch". A batch that exists (a recall's, a release's, a list filter's) is named so. */
px_rc px_batch_check(const char *batch, px_err *err);
/* A batch packs are to be made in (a commission, a print job's, a production run's):
 * px_batch_check, and not "." or ".." (no Digital Link path could carry it: invalid_value). */
px_rc px_commission_batch_check(const char *batch, px_err *err);

/* REQ-COMMISSION-2: serial (AI 21) 1..20 characters of GS1 set 82, not "." or ".." (as a
 * batch); field "serials[index]"
 * ("serial" when index < 0). */
px_rc px_commission_serial_check(const char *serial, long index, px_err *err);

/* REQ-COMMISSION-3: expiry (AI 17) YYMMDD, DD=00 allowed (the month's last day), century per
 * GenSpecs §7.12 relative to now's year, and not already past: the resolved expiry day must be
 * today (UTC) or later. Field "expiry_date"; code "expiry_in_past" for a past date. *out gets
 * the resolved date. */
px_rc px_commission_expiry_check(gs1_date *out, const char *yymmdd, int64_t now_us,
                                 px_err *err);

/* REQ-COMMISSION-4: the packs of one request: 1..100,000 (codes "serials_required" /
 * "too_many_serials" on field: "serials" for a list of serials, "ssccs" for the packs the
 * listed containers hold). */
px_rc px_pack_count_check(size_t count, const char *field, px_err *err);
/* px_pack_count_check of a serial list (field "serials"). */
px_rc px_commission_count_check(size_t count, px_err *err);

/* Containers named by SSCC in one release, decommission, reactivation or recall, in place of
 * serials (with_serials: the request listed serials too, refused): 1 to PX_CONTAINERS_MAX of
 * them (docs/api.md "Limits"), each an SSCC (GS1 GenSpecs §3.3.1: 18 digits with their check
 * digit). Field "ssccs" for the list ("invalid_value", "too_many_containers"), "ssccs[i]" for
 * the first bad item (the SSCC check's code). Each once: px__sscc_list_check (service) marks
 * repeats with px_commission_mark_duplicates, refused by px_sscc_duplicate_error. */
#define PX_CONTAINERS_MAX 10000
px_rc px_sscc_list_check(const char *const *ssccs, size_t n, int with_serials, px_err *err);
/* "duplicate_sscc" on field "ssccs[index]": the container appears earlier in the list. */
px_rc px_sscc_duplicate_error(px_err *err, const char *sscc, size_t index);

/* Scratch entry for px_commission_mark_duplicates (caller-owned, count entries). */
typedef struct px_serial_ref {
    const char *serial;
    size_t index;
} px_serial_ref;

/* REQ-COMMISSION-5: no duplicates inside the request. Sets dup[i] = 1 for every serial that
 * repeats an earlier one (the first occurrence stays 0), else 0; returns how many were
 * marked. O(n log n) with the caller's scratch; NULL serials are treated as "". */
size_t px_commission_mark_duplicates(unsigned char *dup, const char *const *serials,
                                     size_t count, px_serial_ref *scratch);

/* The error for a serial marked by px_commission_mark_duplicates: PX_EINVALID
 * "duplicate_serial_in_request", field "serials[index]". */
px_rc px_commission_duplicate_error(px_err *err, const char *serial, size_t index);

/* 1 when the expiry date is before today (UTC) of now_us: a pack is usable through its
 * expiry day and expired from the next day on. */
int px_expiry_passed(const gs1_date *expiry, int64_t now_us);
/* px_expiry_passed of an expiry as printed (AI 17 text, gs1_expiry_parse): 0 when yymmdd is
 * NULL, empty or no date. */
int px_expiry_text_passed(const char *yymmdd, int64_t now_us);
/* A stored expiry (AI 17: YYMMDD, DD 00 the month's last day) as the date it stands for,
 * "YYYY-MM-DD", its century by GenSpecs §7.12 read against now_us's year: 1, or 0 (out left
 * "") when yymmdd is empty or no date. Every answer and page that shows an expiry as a date
 * reads it here. */
int px_expiry_iso(char out[11], const char *yymmdd, int64_t now_us);

#endif
