/* policy — the role × action table. Change a permission here and only here. */
#include "policy.h"

#include <string.h>

#include "px_str.h"

/* Short cell names so that each row of the table reads as one line. */
#define NO PX_SCOPE_DENY
#define ORG PX_SCOPE_ORG
#define OWN PX_SCOPE_PARTNER
#define MKT PX_SCOPE_MARKET
#define SYS PX_SCOPE_SYSTEM

typedef struct action_row {
    const char *name;
    const char *phrase; /* completes "role '%s' may not …" */
    px_scope by[PX_ROLE__COUNT];
} action_row;

/* REQ-POLICY-1: one table decides every request: each is authorised by domain/ policy, not by
 * ad-hoc checks in handlers (docs/architecture.md "Requests").
 *
 * Columns: admin, mah, cmo, auditor, regulator, verifier.
 * - admin (operator): organizations and keys; may verify any audit chain. Touches no pack data.
 * - mah: everything for its own organization (ORG_ADMIN is operator-wide, hence not mah's; a
 *   MAH creates its partners' organizations and cmo keys through PARTNER_WRITE).
 * - cmo (REQ-POLICY-2): allocates for partnered products, commissions, decommissions (damaged at
 *   the line), reads its own unreleased packs, allocations, jobs; exports/prints/renders its own
 *   serials. Never releases or recalls, never writes products, settings, partners, endpoints,
 *   never reads the audit log.
 *   REACTIVATE is allowed with PARTNER scope: Delegated Regulation (EU) 2016/161 Art. 13(1)(a)
 *   lets only the organization that decommissioned revert it, so without this a CMO's mistaken
 *   "damaged" at the line could never be undone. pack_state enforces the same-organization rule.
 * - auditor (REQ-POLICY-3): reads history, packs, events, reports, the audit log; verifies the
 *   chain; writes nothing (and renders no print data).
 * - regulator (REQ-POLICY-4): EPCIS queries and reports of its market only.
 */
static const action_row k_table[PX_ACTION__COUNT] = {
    /*                                                          admin mah  cmo  aud  reg */
    [PX_ACT_ORG_ADMIN] = {"org_admin", "administer organizations and keys", {SYS, NO, NO, NO, NO}},
    [PX_ACT_PRODUCT_WRITE] = {"product_write", "write products", {NO, ORG, NO, NO, NO}},
    [PX_ACT_PRODUCT_READ] = {"product_read", "read products", {NO, ORG, OWN, ORG, NO}},
    [PX_ACT_SETTINGS_WRITE] = {"settings_write",
                               "change a product's settings (serial settings, passport, links)",
                               {NO, ORG, NO, NO, NO}},
    [PX_ACT_PARTNER_WRITE] = {"partner_write", "manage partners", {NO, ORG, NO, NO, NO}},
    [PX_ACT_PARTNER_READ] = {"partner_read", "read partners", {NO, ORG, NO, ORG, NO}},
    [PX_ACT_ALLOCATE] = {"allocate", "allocate serials", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_ALLOCATION_READ] = {"allocation_read", "read allocations", {NO, ORG, OWN, ORG, NO}},
    [PX_ACT_COMMISSION] = {"commission", "commission packs", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_RELEASE] = {"release", "release packs", {NO, ORG, NO, NO, NO}},
    [PX_ACT_RECALL] = {"recall", "recall packs", {NO, ORG, NO, NO, NO}},
    [PX_ACT_DECOMMISSION] = {"decommission", "decommission packs", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_REACTIVATE] = {"reactivate", "reactivate packs", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_PACK_READ] = {"pack_read", "read packs", {NO, ORG, OWN, ORG, NO}},
    [PX_ACT_EPCIS_QUERY] = {"epcis_query", "query epcis events", {NO, ORG, NO, ORG, MKT}},
    [PX_ACT_REPORT_READ] = {"report_read", "read reports", {NO, ORG, NO, ORG, MKT}},
    [PX_ACT_ENDPOINT_WRITE] = {"endpoint_write",
                               "configure regulator endpoints",
                               {NO, ORG, NO, NO, NO}},
    [PX_ACT_ENDPOINT_READ] = {"endpoint_read", "read regulator endpoints", {NO, ORG, NO, ORG, NO}},
    [PX_ACT_AUDIT_READ] = {"audit_read", "read the audit log", {NO, ORG, NO, ORG, NO}},
    [PX_ACT_AUDIT_VERIFY] = {"audit_verify", "verify the audit chain", {SYS, ORG, NO, ORG, NO}},
    [PX_ACT_EXPORT] = {"export", "export print manifests", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_PRINT] = {"print", "record or read print jobs", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_JOB_READ] = {"job_read", "read jobs", {NO, ORG, OWN, ORG, NO}},
    [PX_ACT_CARRIER_READ] = {"carrier_read", "render pack carriers", {NO, ORG, OWN, NO, NO}},
    [PX_ACT_REPORT_RETRY] = {"report_retry", "retry a failed report", {NO, ORG, NO, NO, NO}},
    /* REQ-POLICY-6: a MAH repairs its own house without the operator: its organization's and
     * its CMO partners' records, its own mah/auditor keys, its webhook. */
    [PX_ACT_ORG_WRITE] = {"org_write", "change organizations", {SYS, ORG, NO, NO, NO}},
    [PX_ACT_KEY_WRITE] = {"key_write", "manage API keys", {SYS, ORG, NO, NO, NO}},
    [PX_ACT_WEBHOOK] = {"webhook", "configure the webhook", {NO, ORG, NO, NO, NO}},
    /* Allotments (docs/allotments.md): an organization reads its own allotment and use; the
     * operator every one's (setting them is ORG_ADMIN). */
    [PX_ACT_ALLOTMENT_READ] = {"allotment_read", "read allotments", {SYS, ORG, ORG, ORG, NO, NO}},
    /* The sixth column (verifier) is DENY in every row above: a verifier key reads nothing of
     * packid but the responder's answers.
     * REQ-VRS-1: a verifier asks the DSCSA responder (the GS1 Lightweight Messaging Standard)
     * about any GTIN packid serves; the request log is read by the MAH whose products were
     * asked about (and its auditors), and by a verifier for its own organization's requests
     * only. */
    [PX_ACT_VRS_VERIFY] = {"vrs_verify",
                           "ask the verification responder",
                           {NO, NO, NO, NO, NO, ORG}},
    [PX_ACT_VRS_LOG_READ] = {"vrs_log_read",
                             "read verification requests",
                             {NO, ORG, NO, ORG, NO, ORG}},
    /* REQ-VRS-9: what the responder says of the MAH's recalled and expired packs. */
    [PX_ACT_VRS_SETTINGS] = {"vrs_settings",
                             "configure the verification responder",
                             {NO, ORG, NO, NO, NO, NO}},
    [PX_ACT_ALERT] = {"alert", "read and close clone alerts", {NO, ORG, NO, NO, NO, NO}},
    /* The monthly partitions are the installation's, as the CLI's `packid partitions` is the
     * operator's: listed, made ahead and detached with an admin key only. */
    [PX_ACT_PARTITIONS] = {"partitions",
                           "maintain the monthly partitions",
                           {SYS, NO, NO, NO, NO, NO}},
    /* A pass of the checkpoint worker on demand, as the CLI's `packid audit checkpoint`: a
     * failed pass is run again without a shell on the machine. */
    [PX_ACT_AUDIT_CHECKPOINT] = {"audit_checkpoint",
                                 "sign the audit checkpoints now",
                                 {SYS, NO, NO, NO, NO, NO}},
    /* A product's passport and links as the MAH set them (the public reads them through the
     * resolver): the MAH's house, not a partner's. */
    [PX_ACT_SETTINGS_READ] = {"settings_read",
                              "read a product's passport and links",
                              {NO, ORG, NO, ORG, NO, NO}},
    /* Packing is done by whoever commissions: the MAH, and a CMO at its line (its own packs,
     * its own containers: docs/aggregation.md); a row of its own so that a refusal names it. */
    [PX_ACT_AGGREGATE] = {"aggregate", "pack or unpack packs", {NO, ORG, OWN, NO, NO, NO}},
};

static const char *const k_role_names[PX_ROLE__COUNT] = {
    [PX_ROLE_ADMIN] = "admin",
    [PX_ROLE_MAH] = "mah",
    [PX_ROLE_CMO] = "cmo",
    [PX_ROLE_AUDITOR] = "auditor",
    [PX_ROLE_REGULATOR] = "regulator",
    [PX_ROLE_VERIFIER] = "verifier",
};

static const char *const k_org_kind_names[PX_ORG_KIND__COUNT] = {
    [PX_ORG_OPERATOR] = "operator",
    [PX_ORG_MAH] = "mah",
    [PX_ORG_CMO] = "cmo",
    [PX_ORG_REGULATOR] = "regulator",
    [PX_ORG_VERIFIER] = "verifier",
};

/* REQ-POLICY-5: which roles an organization's keys may carry. Auditors are appointed by (and
 * read) one MAH, so their keys belong to the MAH organization. */
static const unsigned char k_fits[PX_ORG_KIND__COUNT][PX_ROLE__COUNT] = {
    /*                    admin mah cmo aud reg */
    [PX_ORG_OPERATOR] = {1, 0, 0, 0, 0},
    [PX_ORG_MAH] = {0, 1, 0, 1, 0},
    [PX_ORG_CMO] = {0, 0, 1, 0, 0},
    [PX_ORG_REGULATOR] = {0, 0, 0, 0, 1},
    [PX_ORG_VERIFIER] = {0, 0, 0, 0, 0, 1},
};

static int role_ok(px_role r)
{
    return (int)r >= 0 && r < PX_ROLE__COUNT;
}

static int action_ok(px_action a)
{
    return (int)a >= 0 && a < PX_ACTION__COUNT;
}

const char *px_role_name(px_role role)
{
    return role_ok(role) ? k_role_names[role] : "?";
}

PX_NAME_PARSER(px_role_parse, px_role, k_role_names, PX_ROLE__COUNT, "invalid_role", "role")

const char *px_org_kind_name(px_org_kind kind)
{
    return ((int)kind >= 0 && kind < PX_ORG_KIND__COUNT) ? k_org_kind_names[kind] : "?";
}

px_rc px_org_kind_parse(px_org_kind *out, const char *s, px_err *err)
{
    int i = px_name_index(k_org_kind_names, PX_ORG_KIND__COUNT, s);
    if (i < 0)
        return px_name_refused(err, "invalid_org_kind", "kind", "organization kind", s,
                               k_org_kind_names, PX_ORG_KIND__COUNT);
    *out = (px_org_kind)i;
    return PX_OK;
}

const char *px_action_name(px_action action)
{
    return action_ok(action) ? k_table[action].name : "?";
}

const char *px_action_phrase(px_action action)
{
    return action_ok(action) ? k_table[action].phrase : "do this";
}

px_scope px_policy_scope(px_role role, px_action action)
{
    if (!role_ok(role) || !action_ok(action))
        return PX_SCOPE_DENY; /* fail closed on a corrupt value */
    return k_table[action].by[role];
}

px_rc px_policy_check(px_role role, px_action action, px_err *err)
{
    if (px_policy_scope(role, action) != PX_SCOPE_DENY)
        return PX_OK;
    /* REQ-POLICY-1: docs/api.md 403 forbidden_role, e.g. "role 'cmo' may not release packs" */
    return px_err_set(err, PX_EFORBIDDEN, "forbidden_role", "role '%s' may not %s",
                      px_role_name(role), px_action_phrase(action));
}

int px_policy_role_fits_org(px_role role, px_org_kind kind)
{
    if (!role_ok(role) || (int)kind < 0 || kind >= PX_ORG_KIND__COUNT)
        return 0;
    return k_fits[kind][role];
}
