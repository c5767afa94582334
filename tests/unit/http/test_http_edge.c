/* http edge: the body budget's arithmetic and the statuses of the edge's error codes (the
 * raw-socket behaviour is tests/integration/test_edge.c). REQ-EDGE-2, REQ-EDGE-3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "request.h"

static void test_http_edge__budget(void)
{
    px_body_budget b;
    px__budget_init(&b, 1000);
    assert_int_equal(px__budget_take(&b, 600), 0);
    assert_int_equal(px__budget_take(&b, 401), -1); /* nothing taken on refusal */
    assert_int_equal(px__budget_take(&b, 400), 0);  /* exactly full */
    assert_int_equal(px__budget_take(&b, 1), -1);
    px__budget_give(&b, 600);
    assert_int_equal(px__budget_take(&b, 600), 0);
    assert_int_equal(px__budget_take(&b, SIZE_MAX), -1); /* no wrap-around */
    px__budget_give(&b, 1000);
    assert_int_equal(px__budget_take(&b, 1000), 0);
}

static void test_http_edge__body_cap(void)
{
    /* px_buf's growth: 256, doubled until content and NUL fit */
    static const struct {
        size_t need, cap;
        int line;
    } v[] = {{0, 256, __LINE__},       {255, 256, __LINE__},   {256, 512, __LINE__},
             {1000, 1024, __LINE__},   {1023, 1024, __LINE__}, {1024, 2048, __LINE__},
             {(1u << 20) - 1, 1u << 20, __LINE__}};
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (px__body_cap(v[i].need) != v[i].cap)
            fail_msg("%s:%d: %zu -> %zu", __FILE__, v[i].line, v[i].need,
                     px__body_cap(v[i].need));
}

static void test_http_edge__statuses(void)
{
    static const struct {
        px_rc rc;
        const char *code;
        int status;
    } v[] = {
        {PX_EINVALID, "bad_header", 400},
        {PX_EINVALID, "bad_content_length", 400},
        {PX_EINVALID, "not_implemented", 501},
        {PX_EUNAVAIL, "overloaded", 503},
        {PX_EINVALID, "invalid_value", 422}, /* unchanged */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_err err = PX_ERR_INIT;
        px_err_set(&err, v[i].rc, v[i].code, "x");
        assert_int_equal(px_http_status(&err), v[i].status);
    }
}
