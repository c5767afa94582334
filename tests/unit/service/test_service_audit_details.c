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

/* Arrays of strings and of objects, empty ones too, parse back to the values written, and a
 * member after a list is still separated from it. */
static void test_audit_details__lists_round_trip(void)
{
    static const char *const names[] = {"strength", "say \"ndc\""};
    px_audit_details d;
    px_audit_details_init(&d);
    px_audit_strs(&d, "names", names, 2);
    px_audit_strs(&d, "none", NULL, 0);
    px_audit_list(&d, "links");
    for (int i = 0; i < 2; i++) {
        px_audit_item(&d);
        px_audit_str(&d, "href", names[i]);
        px_audit_int(&d, "n", i);
    }
    px_audit_list_end(&d);
    px_audit_list(&d, "empty");
    px_audit_list_end(&d);
    px_audit_int(&d, "after", 7);
    px_err err;
    const char *json = px_audit_details_finish(&d, &err);
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr);
    if (!o)
        fail_msg("%s does not parse: %s", json, jerr.text);
    json_t *a = json_object_get(o, "names");
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 1)), names[1]);
    assert_int_equal(json_array_size(json_object_get(o, "none")), 0);
    json_t *l = json_object_get(o, "links");
    assert_int_equal(json_array_size(l), 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(l, (size_t)i), "href")), names[i]);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(l, (size_t)i), "n")), i);
    }
    assert_true(json_is_array(json_object_get(o, "empty")));
    assert_int_equal(json_array_size(json_object_get(o, "empty")), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "after")), 7);
    json_decref(o);
    px_audit_details_dispose(&d);
}

/* An entry that says the same in another chain: every member again, after any it had. */
static void test_audit_details__same_copies_members(void)
{
    px_audit_details src, dst, empty;
    px_audit_details_init(&src);
    px_audit_details_init(&dst);
    px_audit_details_init(&empty);
    px_audit_str(&src, "name", "Ltd \"A\"");
    px_audit_int(&src, "n", 3);
    px_audit_same(&empty, &src);
    px_audit_str(&dst, "first", "x");
    px_audit_same(&dst, &src);
    px_err err;
    assert_string_equal(px_audit_details_finish(&empty, &err),
                        "{\"name\":\"Ltd \\\"A\\\"\",\"n\":3}");
    assert_string_equal(px_audit_details_finish(&dst, &err),
                        "{\"first\":\"x\",\"name\":\"Ltd \\\"A\\\"\",\"n\":3}");
    px_audit_details_dispose(&src);
    px_audit_details_dispose(&dst);
    px_audit_details_dispose(&empty);
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
    px_audit_strs(NULL, "names", NULL, 0);
    px_audit_list(NULL, "links");
    px_audit_item(NULL);
    px_audit_list_end(NULL);
    px_audit_same(NULL, NULL);
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
