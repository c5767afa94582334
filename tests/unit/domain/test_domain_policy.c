/* Unit tests for domain/policy: every role × action cell, role/org fit, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain_test.h"
#include "policy.h"
#include "px_array.h"

/* The expected permissions, written independently of policy.c from docs/domain.md "Role policy" and
 * docs/api.md: one line per role listing what it may do. Everything not listed is forbidden. */
typedef struct allowed {
    px_role role;
    px_action action;
    px_scope scope;
    int line;
} allowed;

#define A(r, a, s) {PX_ROLE_##r, PX_ACT_##a, PX_SCOPE_##s, __LINE__}
static const allowed k_expected[] = {
    /* admin: organizations and keys, verify audit chains (REQ-POLICY-1) */
    A(ADMIN, ORG_ADMIN, SYSTEM),
    A(ADMIN, AUDIT_VERIFY, SYSTEM),
    /* REQ-POLICY-6: organization and key repairs: the operator anywhere, a MAH in its house */
    A(ADMIN, ORG_WRITE, SYSTEM),
    A(ADMIN, KEY_WRITE, SYSTEM),
    A(MAH, ORG_WRITE, ORG),
    A(MAH, KEY_WRITE, ORG),
    A(MAH, WEBHOOK, ORG),
    /* the MAH reads and closes the clone alerts of its products (docs/resolver.md) */
    A(MAH, ALERT, ORG),
    /* mah: everything for its organization except operator-wide ORG_ADMIN */
    A(MAH, PRODUCT_WRITE, ORG),
    A(MAH, PRODUCT_READ, ORG),
    A(MAH, SETTINGS_WRITE, ORG),
    A(MAH, SETTINGS_READ, ORG),
    A(MAH, PARTNER_WRITE, ORG),
    A(MAH, PARTNER_READ, ORG),
    A(MAH, ALLOCATE, ORG),
    A(MAH, ALLOCATION_READ, ORG),
    A(MAH, COMMISSION, ORG),
    A(MAH, AGGREGATE, ORG),
    A(MAH, RELEASE, ORG),
    A(MAH, RECALL, ORG),
    A(MAH, DECOMMISSION, ORG),
    A(MAH, REACTIVATE, ORG),
    A(MAH, PACK_READ, ORG),
    A(MAH, EPCIS_QUERY, ORG),
    A(MAH, REPORT_READ, ORG),
    A(MAH, ENDPOINT_WRITE, ORG),
    A(MAH, ENDPOINT_READ, ORG),
    A(MAH, AUDIT_READ, ORG),
    A(MAH, AUDIT_VERIFY, ORG),
    A(MAH, EXPORT, ORG),
    A(MAH, PRINT, ORG),
    A(MAH, JOB_READ, ORG),
    A(MAH, CARRIER_READ, ORG),
    A(MAH, REPORT_RETRY, ORG),
    /* cmo (REQ-POLICY-2): partnered products / own serials only */
    A(CMO, PRODUCT_READ, PARTNER),
    A(CMO, ALLOCATE, PARTNER),
    A(CMO, ALLOCATION_READ, PARTNER),
    A(CMO, COMMISSION, PARTNER),
    A(CMO, AGGREGATE, PARTNER),
    A(CMO, DECOMMISSION, PARTNER),
    A(CMO, REACTIVATE, PARTNER),
    A(CMO, PACK_READ, PARTNER),
    A(CMO, EXPORT, PARTNER),
    A(CMO, PRINT, PARTNER),
    A(CMO, JOB_READ, PARTNER),
    A(CMO, CARRIER_READ, PARTNER),
    /* auditor (REQ-POLICY-3): reads, verifies, writes nothing */
    A(AUDITOR, PRODUCT_READ, ORG),
    A(AUDITOR, PARTNER_READ, ORG),
    A(AUDITOR, ALLOCATION_READ, ORG),
    A(AUDITOR, PACK_READ, ORG),
    A(AUDITOR, EPCIS_QUERY, ORG),
    A(AUDITOR, REPORT_READ, ORG),
    A(AUDITOR, ENDPOINT_READ, ORG),
    A(AUDITOR, AUDIT_READ, ORG),
    A(AUDITOR, AUDIT_VERIFY, ORG),
    A(AUDITOR, JOB_READ, ORG),
    A(AUDITOR, SETTINGS_READ, ORG),
    /* regulator (REQ-POLICY-4): its market's events and reports */
    A(REGULATOR, EPCIS_QUERY, MARKET),
    A(REGULATOR, REPORT_READ, MARKET),
    /* allotments: the operator every organization's, each organization its own */
    A(ADMIN, ALLOTMENT_READ, SYSTEM),
    A(MAH, ALLOTMENT_READ, ORG),
    A(CMO, ALLOTMENT_READ, ORG),
    A(AUDITOR, ALLOTMENT_READ, ORG),
    /* REQ-VRS-1: verifier asks the responder and reads its own requests; the MAH and its
     * auditors read the requests about their products */
    A(VERIFIER, VRS_VERIFY, ORG),
    A(VERIFIER, VRS_LOG_READ, ORG),
    A(MAH, VRS_LOG_READ, ORG),
    A(AUDITOR, VRS_LOG_READ, ORG),
    A(MAH, VRS_SETTINGS, ORG),
    /* the installation's monthly partitions and a checkpoint pass: the operator only */
    A(ADMIN, PARTITIONS, SYSTEM),
    A(ADMIN, AUDIT_CHECKPOINT, SYSTEM),
};
#undef A

static const allowed *expected_cell(px_role r, px_action a)
{
    for (size_t i = 0; i < PX_COUNT(k_expected); i++)
        if (k_expected[i].role == r && k_expected[i].action == a)
            return &k_expected[i];
    return NULL;
}

/* REQ-POLICY-1: every cell of role × action against the independent table. */
static void test_domain__policy_every_cell(void)
{
    int checked = 0;
    for (int r = 0; r < PX_ROLE__COUNT; r++) {
        for (int a = 0; a < PX_ACTION__COUNT; a++) {
            const allowed *e = expected_cell((px_role)r, (px_action)a);
            px_err err = PX_ERR_INIT;
            px_rc rc = px_policy_check((px_role)r, (px_action)a, &err);
            px_scope s = px_policy_scope((px_role)r, (px_action)a);
            if (e) {
                if (rc != PX_OK || s != e->scope)
                    fail_msg("line %d: %s %s: rc %d scope %d, want OK scope %d", e->line,
                             px_role_name((px_role)r), px_action_name((px_action)a), rc, s,
                             e->scope);
                assert_string_equal(err.code, "");
            } else {
                if (rc != PX_EFORBIDDEN || s != PX_SCOPE_DENY)
                    fail_msg("%s %s: rc %d scope %d, want forbidden", px_role_name((px_role)r),
                             px_action_name((px_action)a), rc, s);
                assert_int_equal(err.rc, PX_EFORBIDDEN);
                assert_string_equal(err.code, "forbidden_role");
                assert_non_null(strstr(err.message, px_role_name((px_role)r)));
            }
            checked++;
        }
    }
    assert_int_equal(checked, PX_ROLE__COUNT * PX_ACTION__COUNT);
}

/* REQ-POLICY-2: the CMO "may never" list of docs/domain.md "Role policy", spelled out. */
static void test_domain__policy_cmo_never(void)
{
    static const px_action never[] = {PX_ACT_RELEASE, PX_ACT_RECALL, PX_ACT_PRODUCT_WRITE,
                                      PX_ACT_SETTINGS_WRITE, PX_ACT_PARTNER_WRITE,
                                      PX_ACT_ENDPOINT_WRITE, PX_ACT_AUDIT_READ,
                                      PX_ACT_ORG_ADMIN};
    for (size_t i = 0; i < PX_COUNT(never); i++)
        assert_int_equal(px_policy_check(PX_ROLE_CMO, never[i], NULL), PX_EFORBIDDEN);
}

static void test_domain__policy_message(void)
{
    px_err err;
    assert_int_equal(px_policy_check(PX_ROLE_CMO, PX_ACT_RELEASE, &err), PX_EFORBIDDEN);
    assert_string_equal(err.message, "role 'cmo' may not release packs");
    assert_string_equal(err.code, "forbidden_role");
    assert_int_equal(px_policy_check(PX_ROLE_REGULATOR, PX_ACT_AUDIT_READ, &err), PX_EFORBIDDEN);
    assert_string_equal(err.message, "role 'regulator' may not read the audit log");
}

/* Auditors and regulators write nothing (REQ-POLICY-3, REQ-POLICY-4). */
static void test_domain__policy_readers_write_nothing(void)
{
    static const px_action writes[] = {
        PX_ACT_ORG_ADMIN, PX_ACT_PRODUCT_WRITE, PX_ACT_SETTINGS_WRITE, PX_ACT_PARTNER_WRITE,
        PX_ACT_ALLOCATE, PX_ACT_COMMISSION, PX_ACT_RELEASE, PX_ACT_RECALL, PX_ACT_DECOMMISSION,
        PX_ACT_REACTIVATE, PX_ACT_ENDPOINT_WRITE, PX_ACT_EXPORT, PX_ACT_PRINT,
        PX_ACT_ORG_WRITE, PX_ACT_KEY_WRITE, PX_ACT_WEBHOOK};
    for (size_t i = 0; i < PX_COUNT(writes); i++) {
        assert_int_equal(px_policy_check(PX_ROLE_AUDITOR, writes[i], NULL), PX_EFORBIDDEN);
        assert_int_equal(px_policy_check(PX_ROLE_REGULATOR, writes[i], NULL), PX_EFORBIDDEN);
    }
}

static void test_domain__policy_out_of_range_fails_closed(void)
{
    px_err err;
    assert_int_equal(px_policy_check((px_role)PX_ROLE__COUNT, PX_ACT_PACK_READ, &err),
                     PX_EFORBIDDEN);
    assert_int_equal(px_policy_check((px_role)-1, PX_ACT_PACK_READ, &err), PX_EFORBIDDEN);
    assert_int_equal(px_policy_check(PX_ROLE_MAH, (px_action)PX_ACTION__COUNT, &err),
                     PX_EFORBIDDEN);
    assert_int_equal(px_policy_scope(PX_ROLE_MAH, (px_action)999), PX_SCOPE_DENY);
    assert_string_equal(px_role_name((px_role)99), "?");
    assert_string_equal(px_action_name((px_action)99), "?");
    assert_int_equal(px_policy_role_fits_org((px_role)99, PX_ORG_MAH), 0);
    assert_int_equal(px_policy_role_fits_org(PX_ROLE_MAH, (px_org_kind)99), 0);
}

/* REQ-POLICY-5: role/organization kind pairs. */
static void test_domain__policy_role_fits_org(void)
{
    /* expected[kind] = set of roles, as a string of role names */
    static const struct {
        px_org_kind kind;
        const char *roles;
    } fits[] = {
        {PX_ORG_OPERATOR, " admin "},
        {PX_ORG_MAH, " mah auditor "},
        {PX_ORG_CMO, " cmo "},
        {PX_ORG_REGULATOR, " regulator "},
        {PX_ORG_VERIFIER, " verifier "},
    };
    for (size_t k = 0; k < PX_COUNT(fits); k++) {
        for (int r = 0; r < PX_ROLE__COUNT; r++) {
            char needle[32];
            snprintf(needle, sizeof(needle), " %s ", px_role_name((px_role)r));
            int want = strstr(fits[k].roles, needle) != NULL;
            if (px_policy_role_fits_org((px_role)r, fits[k].kind) != want)
                fail_msg("kind %s role %s: want %d", px_org_kind_name(fits[k].kind),
                         px_role_name((px_role)r), want);
        }
    }
}

static void test_domain__policy_names_round_trip(void)
{
    static const char *const roles[] = {"admin", "mah", "cmo", "auditor", "regulator",
                                                "verifier"};
    assert_names_round_trip(px_role, PX_ROLE__COUNT, roles, px_role_name, px_role_parse);
    static const char *const kinds[] = {"operator", "mah", "cmo", "regulator", "verifier"};
    assert_names_round_trip(px_org_kind, PX_ORG_KIND__COUNT, kinds, px_org_kind_name,
                            px_org_kind_parse);
    for (int a = 0; a < PX_ACTION__COUNT; a++) {
        const char *n = px_action_name((px_action)a);
        assert_non_null(n);
        assert_string_not_equal(n, "?");
        assert_non_null(px_action_phrase((px_action)a));
        for (int b = 0; b < a; b++) /* names are distinct */
            assert_string_not_equal(px_action_name((px_action)b), n);
    }
    px_err err;
    px_role r;
    assert_int_equal(px_role_parse(&r, "MAH", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_role");
    assert_string_equal(err.field, "role");
    /* the refusal names every role the table has */
    assert_string_equal(err.message,
                        "role 'MAH' is not one of admin, mah, cmo, auditor, regulator or verifier");
    assert_int_equal(px_role_parse(&r, "", &err), PX_EINVALID);
    assert_int_equal(px_role_parse(&r, NULL, &err), PX_EINVALID);
    px_org_kind k;
    assert_int_equal(px_org_kind_parse(&k, "auditor", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_org_kind");
    assert_string_equal(err.message, "organization kind 'auditor' is not one of operator, mah, "
                                     "cmo, regulator or verifier");
}
