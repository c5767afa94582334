/* Logistic labels (src/carrier/label.c, libzint): every rendered SSCC label is read back by the
 * independent decoder (ZXingReader; SVGs rasterised by rsvg-convert, oracle.c). GS1-128 must
 * read as ]C1 and GS1 DataMatrix as ]d2, each with exactly "00" + the SSCC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "carrier.h"
#include "oracle.h"
#include "px_array.h"

/* The mod-10 check digit of the first 17 digits, computed from the rule (DOMAIN.md §1.1:
 * weights 3 and 1 alternating from the rightmost digit), not with src/gs1. */
static char check_digit(const char *d17)
{
    int sum = 0;
    for (int i = 16, w = 3; i >= 0; i--, w = 4 - w)
        sum += (d17[i] - '0') * w;
    return (char)('0' + (10 - sum % 10) % 10);
}

static void label_item(oracle_item *it, const char *sscc, px_label_symbology sym,
                       px_carrier_format fmt, int module_px)
{
    px_carrier_label_opts o;
    px_carrier_label_opts_init(&o);
    o.symbology = sym;
    o.format = fmt;
    o.module_px = module_px;
    px_buf b;
    px_buf_init(&b, 4u << 20);
    px_err err = PX_ERR_INIT;
    if (px_carrier_label_sscc(&b, sscc, &o, &err) != PX_OK)
        fail_msg("label of %s: %s", sscc, err.message);
    memset(it, 0, sizeof(*it));
    it->svg = fmt == PX_CARRIER_SVG;
    it->svg_alone = 1;
    if (it->svg) {
        const char *a = strstr(b.data, "<svg ");
        assert_non_null(a);
        assert_int_equal(sscanf(strstr(a, "width=") + 6, "\"%d\"", &it->width_px), 1);
        assert_int_equal(sscanf(strstr(a, "height=") + 7, "\"%d\"", &it->height_px), 1);
        /* The human-readable line is in the document, as text. */
        char hri[32];
        snprintf(hri, sizeof(hri), ">(00)%s</text>", sscc);
        if (!strstr(b.data, hri))
            fail_msg("no HRI line %s in the SVG of %s", hri, sscc);
    } else {
        assert_memory_equal(b.data, "\x89PNG\r\n\x1a\n", 8);
    }
    it->len = b.len;
    it->data = (unsigned char *)px_buf_take(&b);
    it->expect_id = sym == PX_LABEL_GS1_128 ? "]C1" : "]d2";
    it->expect_len = (size_t)snprintf(it->expect, sizeof(it->expect), "00%s", sscc);
    char what[96];
    snprintf(what, sizeof(what), "%s %s %s %dpx", sscc, sym == PX_LABEL_GS1_128 ? "gs1-128" : "dm",
             it->svg ? "svg" : "png", module_px);
    it->what = strdup(what);
}

/* DOMAIN.md §1.1 and §4 worked SSCCs and 40 more with random serial references: GS1-128 and
 * GS1 DataMatrix, PNG and SVG, 1 to 4 px per module — all decoded. REQ-LABEL-1. */
static void test_carrier_label__sscc_labels_decode(void)
{
    enum { N_RANDOM = 40 };
    char ssccs[2 + N_RANDOM][19] = {"106141411234567897", "006141411234567890"};
    srand(20261202);
    for (int k = 2; k < 2 + N_RANDOM; k++) {
        char *s = ssccs[k];
        s[0] = (char)('0' + k % 10); /* extension digit */
        memcpy(s + 1, "4012345", 7); /* the tests' GS1 Company Prefix */
        for (int i = 8; i < 17; i++)
            s[i] = (char)('0' + rand() % 10);
        s[17] = check_digit(s);
        s[18] = '\0';
    }
    assert_int_equal(check_digit("10614141123456789"), '7');
    size_t n = (2 + N_RANDOM) * 4;
    oracle_item *items = calloc(n, sizeof(*items));
    assert_non_null(items);
    size_t m = 0;
    for (int k = 0; k < 2 + N_RANDOM; k++)
        for (int v = 0; v < 4; v++)
            label_item(&items[m++], ssccs[k], v & 1 ? PX_LABEL_DATAMATRIX : PX_LABEL_GS1_128,
                       v & 2 ? PX_CARRIER_SVG : PX_CARRIER_PNG, 1 + (k + v) % 4 + (v & 1));
    long bad = oracle_decode_check(items, m);
    if (bad < 0)
        fail_msg("the independent decoder could not run (see above)");
    for (size_t i = 0; i < m; i++)
        free((char *)items[i].what);
    oracle_items_free(items, m);
    free(items);
    if (bad)
        fail_msg("%ld of %zu labels did not decode as expected", bad, n);
}

/* Refused before anything is rendered, the buffer untouched. */
static void test_carrier_label__bad_input(void)
{
    static const struct {
        const char *file;
        int line;
        const char *sscc;
        int module_px;
        px_rc rc;
    } bad[] = {
        {__FILE__, __LINE__, "106141411234567890", 4, PX_EINVALID}, /* check digit */
        {__FILE__, __LINE__, "10614141123456789", 4, PX_EINVALID},  /* 17 digits */
        {__FILE__, __LINE__, "10614141123456789A", 4, PX_EINVALID}, /* a letter */
        {__FILE__, __LINE__, "", 4, PX_EINVALID},
        {__FILE__, __LINE__, "106141411234567897", 0, PX_EINVALID}, /* module size */
        {__FILE__, __LINE__, "106141411234567897", 33, PX_EINVALID},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        px_carrier_label_opts o;
        px_carrier_label_opts_init(&o);
        o.module_px = bad[i].module_px;
        px_buf b;
        px_buf_init(&b, 1u << 20);
        px_buf_puts(&b, "kept");
        px_err err = PX_ERR_INIT;
        px_rc rc = px_carrier_label_sscc(&b, bad[i].sscc, &o, &err);
        if (rc != bad[i].rc || strcmp(b.data, "kept") != 0)
            fail_msg("%s:%d: rc %d (%s), buffer '%s'", bad[i].file, bad[i].line, (int)rc,
                     err.message, b.data);
        px_buf_dispose(&b);
    }
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP oracle_group_setup
#define PX_TEST_TEARDOWN oracle_group_teardown
