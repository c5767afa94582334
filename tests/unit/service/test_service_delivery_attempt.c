/* The outcome of a delivery attempt (service/delivery_attempt.c), the one policy of report
 * and webhook deliveries: any 2xx is delivered (RFC 9110 §15.3, the 2xx class is success),
 * the last attempt is dead, anything else is retried after the equal-jitter backoff, which
 * lies between half of base * 2^(n-1) (capped) and all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "delivery_attempt.h"
#include "px_array.h"

static void test_delivery_attempt__judge(void)
{
    px_config cfg = {0};
    cfg.delivery_backoff_ms = 1000;
    cfg.delivery_backoff_max_ms = 6000;
    static const struct {
        const char *file;
        int line;
        long status;
        int n, max;
        px_delivery_outcome want;
        long retry_min, retry_max;
    } v[] = {
        {__FILE__, __LINE__, 200, 1, 8, PX_DELIVERED, 0, 0},
        {__FILE__, __LINE__, 204, 8, 8, PX_DELIVERED, 0, 0}, /* the last attempt succeeded */
        {__FILE__, __LINE__, 299, 3, 8, PX_DELIVERED, 0, 0},
        {__FILE__, __LINE__, 300, 1, 8, PX_DELIVERY_RETRY, 500, 1000},
        {__FILE__, __LINE__, 199, 2, 8, PX_DELIVERY_RETRY, 1000, 2000},
        {__FILE__, __LINE__, 0, 3, 8, PX_DELIVERY_RETRY, 2000, 4000},   /* no answer at all */
        {__FILE__, __LINE__, 503, 5, 8, PX_DELIVERY_RETRY, 3000, 6000}, /* 16000 capped */
        {__FILE__, __LINE__, 500, 8, 8, PX_DELIVERY_DEAD, 0, 0},
        {__FILE__, __LINE__, 404, 9, 8, PX_DELIVERY_DEAD, 0, 0},
        {__FILE__, __LINE__, 0, 1, 0, PX_DELIVERY_DEAD, 0, 0}, /* nothing left to try */
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        long retry = -1;
        px_delivery_outcome got = px__delivery_judge(&cfg, v[i].status, v[i].n, v[i].max, &retry);
        if (got != v[i].want || retry < v[i].retry_min || retry > v[i].retry_max)
            fail_msg("%s:%d: status %ld attempt %d/%d: got %s after %ld ms, want %s in "
                     "[%ld, %ld]",
                     v[i].file, v[i].line, v[i].status, v[i].n, v[i].max,
                     px_delivery_outcome_name(got), retry, px_delivery_outcome_name(v[i].want),
                     v[i].retry_min, v[i].retry_max);
    }
}

static void test_delivery_attempt__names(void)
{
    /* The attempt rows' outcome column and /metrics' label take these words. */
    assert_string_equal(px_delivery_outcome_name(PX_DELIVERED), "delivered");
    assert_string_equal(px_delivery_outcome_name(PX_DELIVERY_RETRY), "retry");
    assert_string_equal(px_delivery_outcome_name(PX_DELIVERY_DEAD), "dead");
    assert_string_equal(px_delivery_outcome_name(PX_DELIVERY_FAILED), "failed");
    assert_int_equal(px__delivery_log_level(PX_DELIVERED), PX_LOG_INFO);
    assert_int_equal(px__delivery_log_level(PX_DELIVERY_RETRY), PX_LOG_WARN);
    assert_int_equal(px__delivery_log_level(PX_DELIVERY_DEAD), PX_LOG_ERROR);
}
