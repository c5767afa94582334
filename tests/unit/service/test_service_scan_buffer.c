/* Unit tests for service/scan_buffer: the buffered scans the clone rules of the next
 * verification see (docs/resolver.md "Speed", REQ-CLONE-6). The oracle is a plain walk over
 * what was pushed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "scan_buffer.h"

#define SCANS 12000
#define SERIALS 5000 /* more serials than the buffer's hash buckets: chains collide */

static px_scan_rec rec[SCANS];

/* REQ-CLONE-6: every buffered scan of the asked serial at or after since, newest first, at most
 * max, and no other serial's — whatever shares its hash bucket. */
static void test_service__scan_buffer_history(void)
{
    px_scan_buffer *b;
    px_err err;
    assert_int_equal(px_scan_buffer_new(&b, &err), PX_OK);
    for (int i = 0; i < SCANS; i++) {
        px_scan_rec *r = &rec[i];
        memset(r, 0, sizeof(*r));
        /* Two GTINs with the same serials: the GTIN is part of the key. */
        snprintf(r->gtin, sizeof(r->gtin), "%s", i % 7 ? "04012345000009" : "04012345000016");
        snprintf(r->serial, sizeof(r->serial), "S%d", (i * 7919) % SERIALS);
        r->at_us = 1000000 + i;
        r->lat = i;
        int full = 0;
        assert_int_equal(px_scan_buffer_push(b, r, &full), 0);
        assert_int_equal(full, 0);
    }
    static const struct {
        const char *gtin, *serial;
        int64_t since;
        int max;
        int line;
    } v[] = {
        {"04012345000009", "S0", 0, 64, __LINE__},
        {"04012345000016", "S0", 0, 64, __LINE__},
        {"04012345000009", "S4999", 0, 64, __LINE__},
        {"04012345000009", "S17", 1000000 + 6000, 64, __LINE__},
        {"04012345000009", "S17", 0, 1, __LINE__},
        {"04012345000009", "S5000", 0, 64, __LINE__}, /* never pushed */
        {"04012345000023", "S1", 0, 64, __LINE__},
    };
    for (size_t t = 0; t < PX_COUNT(v); t++) {
        px_scan_row got[64];
        int n = 0;
        px_scan_buffer_history(b, v[t].gtin, v[t].serial, v[t].since, got, &n, v[t].max);
        int want = 0;
        for (int i = SCANS - 1; i >= 0 && want < v[t].max; i--) {
            if (strcmp(rec[i].gtin, v[t].gtin) != 0 || strcmp(rec[i].serial, v[t].serial) != 0 ||
                rec[i].at_us < v[t].since)
                continue;
            if (want >= n || got[want].at_us != rec[i].at_us || got[want].lat != rec[i].lat)
                fail_msg("%s:%d: scan %d of %s/%s differs", __FILE__, v[t].line, want, v[t].gtin,
                         v[t].serial);
            want++;
        }
        if (n != want)
            fail_msg("%s:%d: %d scans, want %d", __FILE__, v[t].line, n, want);
    }
    px_scan_buffer_free(b);
}
