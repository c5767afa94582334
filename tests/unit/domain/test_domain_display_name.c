/* Unit tests for domain/display_name: the rules for the names of organizations, products and
 * partnerships. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "display_name.h"
#include "px_array.h"

static void test_domain__display_name(void)
{
    char longest[PX_NAME_MAX + 2];
    memset(longest, 'n', sizeof(longest));
    longest[PX_NAME_MAX] = '\0';
    char over[PX_NAME_MAX + 2];
    memset(over, 'n', sizeof(over));
    over[PX_NAME_MAX + 1] = '\0';
    static const char *const good[] = {"Acme Pharma GmbH", "Ωmega Labs", "N", " N "};
    for (size_t i = 0; i < PX_COUNT(good); i++)
        assert_int_equal(px_display_name_check(good[i], "invalid_name", NULL), PX_OK);
    assert_int_equal(px_display_name_check(longest, "invalid_name", NULL), PX_OK);
    /* Only spaces: a name nobody could tell from none (accepted before, found from outside). */
    const char *const bad[] = {NULL,     "",        over,         "tab\there",
                               "bell\a", "del\x7f", "c1\xc2\x85", "\xff not UTF-8",
                               " ",      "   "};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        px_err err = PX_ERR_INIT;
        assert_int_equal(px_display_name_check(bad[i], "invalid_name", &err), PX_EINVALID);
        assert_string_equal(err.code, "invalid_name");
        assert_string_equal(err.field, "name");
    }
}

/* A label (an allocation's, given): 1 to PX_LABEL_MAX bytes without control characters; the
 * refusal carries the caller's code on field "label". */
static void test_domain__label(void)
{
    char longest[PX_LABEL_MAX + 2];
    memset(longest, 'l', sizeof(longest));
    longest[PX_LABEL_MAX] = '\0';
    assert_int_equal(px_label_check("Spring run 04", 0, "invalid_value", NULL), PX_OK);
    assert_int_equal(px_label_check(longest, 0, "invalid_label", NULL), PX_OK);
    longest[PX_LABEL_MAX] = 'l';
    longest[PX_LABEL_MAX + 1] = '\0';
    const char *const bad[] = {NULL, "", longest, "line\nbreak", "c1\xc2\x85", "   "};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        px_err err = PX_ERR_INIT;
        assert_int_equal(px_label_check(bad[i], 0, "invalid_label", &err), PX_EINVALID);
        assert_string_equal(err.code, "invalid_label");
        assert_string_equal(err.field, "label");
        assert_string_equal(err.message, "label must be 1 to 200 bytes of text without control "
                                         "characters, not only spaces");
    }
    /* An optional label (a key's) may be absent or empty; its refusal says "at most". */
    assert_int_equal(px_label_check(NULL, 1, "invalid_label", NULL), PX_OK);
    assert_int_equal(px_label_check("", 1, "invalid_label", NULL), PX_OK);
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_label_check(longest, 1, "invalid_label", &err), PX_EINVALID);
    assert_string_equal(err.message, "label must be at most 200 bytes of text without control "
                                     "characters, not only spaces");
    assert_int_equal(px_label_check("  ", 1, "invalid_label", NULL), PX_EINVALID);
}
