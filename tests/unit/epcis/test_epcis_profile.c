/* Profiles: the text descriptions epcis/profiles/<name>.profile and the C table of
 * src/epcis/profile.c say the same thing, key by key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "epcis.h"
#include "px_array.h"

static int flag_of(const px_epcis_profile_info *p, const char *key)
{
#define F(k)                                                                                    \
    if (strcmp(key, #k) == 0)                                                                   \
        return p->k;
    F(transaction_statement)
    F(masterdata_required)
    F(ndc_required)
    F(nhrn_masterdata)
    F(commissioning_ilmd)
    F(read_point_required)
    F(shipping_parties)
    F(shipping_transaction)
#undef F
    return -1;
}

static void test_epcis__profile_files_match_table(void)
{
    for (int i = 0; i < PX_EPCIS_PROFILE__COUNT; i++) {
        const px_epcis_profile_info *p = px_epcis_profile_get((px_epcis_profile)i);
        assert_non_null(p);
        assert_int_equal(p->id, i);
        char path[1024];
        snprintf(path, sizeof(path), "%s/epcis/profiles/%s.profile", PX_SOURCE_DIR, p->name);
        FILE *f = fopen(path, "r");
        if (!f)
            fail_msg("missing %s", path);
        char line[512];
        int flags = 0, named = 0;
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '#' || line[0] == '\0')
                continue;
            char *eq = strstr(line, " = ");
            if (!eq)
                fail_msg("%s: bad line \"%s\"", path, line);
            *eq = '\0';
            const char *key = line, *val = eq + 3;
            if (strcmp(key, "name") == 0) {
                assert_string_equal(val, p->name);
                named = 1;
            } else if (strcmp(key, "title") == 0) {
                assert_string_equal(val, p->title);
            } else {
                int want = flag_of(p, key);
                if (want < 0)
                    fail_msg("%s: unknown key %s", path, key);
                if (strcmp(val, want ? "yes" : "no") != 0)
                    fail_msg("%s: %s = %s but profile.c says %s", path, key, val,
                             want ? "yes" : "no");
                flags++;
            }
        }
        fclose(f);
        assert_true(named);
        assert_int_equal(flags, 8); /* every flag is described */
    }
    assert_null(px_epcis_profile_get(PX_EPCIS_PROFILE__COUNT));
}

static void test_epcis__profile_parse(void)
{
    px_epcis_profile p;
    px_err err;
    assert_int_equal(px_epcis_profile_parse(&p, "eu", &err), PX_OK);
    assert_int_equal(p, PX_EPCIS_PROFILE_EU);
    assert_int_equal(px_epcis_profile_parse(&p, "us-dscsa", &err), PX_OK);
    assert_int_equal(p, PX_EPCIS_PROFILE_US_DSCSA);
    assert_int_equal(px_epcis_profile_parse(&p, "us", &err), PX_OK);
    assert_int_equal(p, PX_EPCIS_PROFILE_US_DSCSA);
    assert_int_equal(px_epcis_profile_parse(&p, "none", &err), PX_OK);
    assert_int_equal(p, PX_EPCIS_PROFILE_NONE);
    assert_int_equal(px_epcis_profile_parse(&p, "EU", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_profile");
}

/* REQ-MARKET-3: a market's reports take the profile of its regime (domain/market.h). */
static void test_epcis__profile_for_market(void)
{
    static const struct {
        const char *market;
        px_epcis_profile profile;
        int line;
    } v[] = {
        {"EU", PX_EPCIS_PROFILE_EU, __LINE__},   {"DE", PX_EPCIS_PROFILE_EU, __LINE__},
        {"EL", PX_EPCIS_PROFILE_EU, __LINE__},   {"GR", PX_EPCIS_PROFILE_EU, __LINE__},
        {"NO", PX_EPCIS_PROFILE_EU, __LINE__},   {"US", PX_EPCIS_PROFILE_US_DSCSA, __LINE__},
        {"GB", PX_EPCIS_PROFILE_NONE, __LINE__}, {"CH", PX_EPCIS_PROFILE_NONE, __LINE__},
        {"JP", PX_EPCIS_PROFILE_NONE, __LINE__}, {"", PX_EPCIS_PROFILE_NONE, __LINE__},
        {NULL, PX_EPCIS_PROFILE_NONE, __LINE__},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++)
        if (px_epcis_profile_for_market(v[i].market) != v[i].profile)
            fail_msg("%s:%d: market '%s'", __FILE__, v[i].line,
                     v[i].market ? v[i].market : "(null)");
}
