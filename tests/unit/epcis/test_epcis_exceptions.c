/* The EPCIS 2.0 problem types packid answers (src/epcis/exceptions.c) held to the list of the
 * binding's exceptions and their statuses in ../shared/DOMAIN-2.md §14.5, read at run time:
 * every type packid uses is one the binding names, with a status the binding gives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exceptions.h"
#include "px_file.h"

#define DOMAIN2 PX_SHARED_DIR "/DOMAIN-2.md"
#define PREFIX "epcisException:"

/* The statuses §14.5 gives name ("(400)", "(401/403)" after a run of names): 1 when status
 * is one of them. The bullet lists names in backquotes, each run closed by its statuses. */
static int listed_with(const char *bullet, const char *name, int status)
{
    char quoted[80];
    snprintf(quoted, sizeof(quoted), "`%s`", name);
    const char *at = strstr(bullet, quoted);
    if (!at)
        return 0;
    const char *open = strchr(at, '(');
    if (!open)
        return 0;
    for (const char *p = open + 1; *p && *p != ')';) {
        char *end;
        long s = strtol(p, &end, 10);
        if (end == p)
            return 0;
        if (s == status)
            return 1;
        p = *end == '/' ? end + 1 : end;
    }
    return 0;
}

static void test_epcis__exceptions_are_the_binding_s(void)
{
    char *doc;
    size_t len;
    px_err err = PX_ERR_INIT;
    assert_int_equal(px_file_read(DOMAIN2, 1u << 20, &doc, &len, &err), PX_OK);
    const char *start = strstr(doc, "* `type` values (all prefixed `epcisException:`)");
    assert_non_null(start);
    const char *end = strstr(start, "\n* ");
    assert_non_null(end);
    char *bullet = strndup(start, (size_t)(end - start));
    for (int ex = PX_EPCIS_EX_VALIDATION; ex <= PX_EPCIS_EX_IMPLEMENTATION; ex++) {
        const px_epcis_ex_def *d = px_epcis_ex_get((px_epcis_ex)ex);
        if (strncmp(d->type, PREFIX, strlen(PREFIX)) != 0)
            fail_msg("%s: not an epcisException type", d->type);
        if (!listed_with(bullet, d->type + strlen(PREFIX), d->status))
            fail_msg("%s %d: not a type and status DOMAIN-2.md §14.5 lists", d->type, d->status);
        assert_true(d->title[0] != '\0');
        for (int other = PX_EPCIS_EX_VALIDATION; other < ex; other++)
            assert_string_not_equal(px_epcis_ex_get((px_epcis_ex)other)->type, d->type);
    }
    free(bullet);
    free(doc);
}
