/* The audit details builder (service/audit_details.c): every value is kept whole and escaped
 * as RFC 8259 §7 asks, multi-byte UTF-8 included; the result parses back to the same values;
 * an overflow is an error, never a cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit_details.h"

static void test_audit_details__values_round_trip(void)
{
    /* Quotes, backslash, control characters, accented letters and a 4-byte character. */
    static const char *const texts[] = {"plain",
                                        "\"quoted\" \\ back",
                                        "tab\there\nline",
                                        "Ég ést \xC3\xA9\xC3\xA8 \xF0\x9F\x92\x8A",
                                        "",
                                        "\x01\x1f",
                                        NULL};
    for (int i = 0; texts[i]; i++) {
        px_audit_details d;
        px_audit_details_init(&d);
        px_audit_str(&d, "name", texts[i]);
        px_audit_int(&d, "count", -42);
        px_audit_bool(&d, "flag", 1);
        px_audit_str(&d, "none", NULL);
        px_err err;
        const char *json = px_audit_details_finish(&d, &err);
        assert_non_null(json);
        json_error_t jerr;
        json_t *o = json_loads(json, 0, &jerr);
        if (!o)
            fail_msg("text %d: %s does not parse: %s", i, json, jerr.text);
        assert_string_equal(json_string_value(json_object_get(o, "name")), texts[i]);
        assert_int_equal(json_integer_value(json_object_get(o, "count")), -42);
        assert_true(json_is_true(json_object_get(o, "flag")));
        assert_true(json_is_null(json_object_get(o, "none")));
        json_decref(o);
        px_audit_details_dispose(&d);
    }
}

static void test_audit_details__empty_object(void)
{
    px_audit_details d;
    px_audit_details_init(&d);
    px_err err;
    assert_string_equal(px_audit_details_finish(&d, &err), "{}");
    px_audit_details_dispose(&d);
}

/* px_tx_audit answers NULL when it cannot make the entry; the use cases then add their details
 * to NULL without a test of their own, so each member's call takes it and does nothing. */
static void test_audit_details__null_builder_takes_members(void)
{
    px_audit_str(NULL, "name", "value");
    px_audit_str(NULL, "none", NULL);
    px_audit_int(NULL, "count", 1);
    px_audit_bool(NULL, "flag", 0);
}

static void test_audit_details__overflow_is_an_error(void)
{
    static char big[PX_AUDIT_DETAILS_MAX];
    memset(big, 'x', sizeof(big) - 1);
    px_audit_details d;
    px_audit_details_init(&d);
    px_audit_str(&d, "a", big);
    px_audit_str(&d, "b", "small"); /* sticky: no-op after the failure */
    px_err err = PX_ERR_INIT;
    assert_null(px_audit_details_finish(&d, &err));
    assert_int_equal(err.rc, PX_EINTERNAL);
    px_audit_details_dispose(&d);
}
