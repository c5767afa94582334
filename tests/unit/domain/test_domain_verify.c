/* The verification verdict (docs/api.md "Verification"): every verdict and the precedence between
 * them, at the expiry boundary (DD=00 = the month's last day). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain_test.h"
#include "px_array.h"
#include "verify.h"

/* The pack as found and the batch and expiry asked (facts), asked at now. */
typedef struct {
    const char *file;
    int line;
    px_verify_facts facts;
    const char *now;
    px_verdict want;
} vector;

/* The day most vectors are asked on; the expiry vectors give their own. */
#define NOW "2026-03-01T00:00:00Z"
#define V(found, state, reason, batch, expiry, asked_batch, asked_expiry, now, want)               \
    {                                                                                              \
        __FILE__, __LINE__, {found, state, reason, batch, expiry, asked_batch, asked_expiry}, now, \
            want                                                                                   \
    }
static const vector vectors[] = {
    V(0, PX_PACK_ALLOCATED, PX_REASON_NONE, "", "", NULL, NULL, NOW, PX_VERDICT_UNKNOWN),
    /* Allocated but never on a pack: unknown to the person holding a pack. */
    V(1, PX_PACK_ALLOCATED, PX_REASON_NONE, "", "", NULL, NULL, NOW, PX_VERDICT_UNKNOWN),
    V(1, PX_PACK_COMMISSIONED, PX_REASON_NONE, "B1", "261231", NULL, NULL, NOW, PX_VERDICT_GENUINE),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261231", "B1", "261231", NOW, PX_VERDICT_GENUINE),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261231", "B2", NULL, NOW, PX_VERDICT_MISMATCH),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261231", NULL, "261230", NOW,
      PX_VERDICT_MISMATCH),
    /* 261200 is written as commissioned; "261231" means the same day but is another value
     * (EU FMD practice: the format must be identical, DOMAIN.md §2.4). */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261200", NULL, "261231", NOW,
      PX_VERDICT_MISMATCH),
    /* Usable through the expiry day; expired the next day. DD=00 = 31 December. */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261200", NULL, NULL, "2026-12-31T23:59:59Z",
      PX_VERDICT_GENUINE),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "261200", NULL, NULL, "2027-01-01T00:00:00Z",
      PX_VERDICT_EXPIRED),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "240229", NULL, NULL, "2024-03-01T00:00:00Z",
      PX_VERDICT_EXPIRED),
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_DISPENSED, "B1", "261231", NULL, NULL, NOW,
      PX_VERDICT_DECOMMISSIONED),
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_RECALLED, "B1", "261231", "B9", NULL, NOW,
      PX_VERDICT_DECOMMISSIONED),
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_STOLEN, "B1", "261231", NULL, NULL, NOW,
      PX_VERDICT_SUSPECT),
    /* Mismatch outranks expiry: the pack in hand is not the one commissioned. */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "B1", "240101", "B2", NULL, NOW, PX_VERDICT_MISMATCH),
};

static void test_domain__verify_verdicts(void)
{
    for (size_t i = 0; i < PX_COUNT(vectors); i++) {
        const vector *v = &vectors[i];
        px_verdict got = px_verify_verdict(&v->facts, at(v->now));
        if (got != v->want)
            fail_msg("%s:%d: got %s, want %s", v->file, v->line, px_verdict_name(got),
                     px_verdict_name(v->want));
    }
}

/* A found pack's stored state and reason read into the facts; a state the store should never
 * hold is an internal error, an unknown reason is none; nothing is read of a pack not found. */
static void test_domain__verify_facts_state(void)
{
    px_verify_facts f = {.found = 1};
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_verify_facts_state(&f, "decommissioned", "stolen", &err), PX_OK);
    assert_int_equal(f.state, PX_PACK_DECOMMISSIONED);
    assert_int_equal(f.reason, PX_REASON_STOLEN);
    assert_int_equal(px_verify_facts_state(&f, "released", "no such reason", &err), PX_OK);
    assert_int_equal(f.reason, PX_REASON_NONE);
    assert_int_equal(px_verify_facts_state(&f, "shipped", "", &err), PX_EINTERNAL);
    assert_string_equal(err.code, "internal");
    px_verify_facts none = {.found = 0, .state = PX_PACK_ALLOCATED};
    assert_int_equal(px_verify_facts_state(&none, "garbage", NULL, &err), PX_OK);
    assert_int_equal(none.state, PX_PACK_ALLOCATED);
}
