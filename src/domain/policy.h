/* policy — who may do what (docs/api.md roles).
 *
 * Every request is authorised here and nowhere else: the face (http/, cli/) authenticates a key,
 * learns its role, and calls px_policy_check(role, action) before any use case runs. The whole
 * rule set is one table (role × action) in policy.c; each allowed cell also says how far the
 * permission reaches (px_scope), which the service layer applies when it selects rows.
 *
 * Pure: no I/O, no heap, no clock. */
#ifndef PX_POLICY_H
#define PX_POLICY_H

#include "px_err.h"

/* The role of an API key (docs/api.md "Authentication and roles"). A key has exactly one. */
typedef enum px_role {
    PX_ROLE_ADMIN = 0, /* operator of the packid installation: organizations and keys */
    PX_ROLE_MAH,       /* marketing authorisation holder: everything for its organization */
    PX_ROLE_CMO,       /* contract manufacturer: allocate/commission/print its partnered products */
    PX_ROLE_AUDITOR,   /* reads one MAH's full history and audit log; writes nothing */
    PX_ROLE_REGULATOR, /* queries EPCIS events and reports of its market; writes nothing */
    PX_ROLE_VERIFIER,  /* a DSCSA trading partner (wholesaler, dispenser) asking the verification
                        * responder about packs, speaking for its organization's GLN only */
    PX_ROLE__COUNT
} px_role;

/* The kind of organization a key belongs to; decides which roles its keys may carry. */
typedef enum px_org_kind {
    PX_ORG_OPERATOR = 0, /* the installation's operator: admin keys */
    PX_ORG_MAH,          /* a brand owner: mah and auditor keys */
    PX_ORG_CMO,          /* a contract manufacturer: cmo keys */
    PX_ORG_REGULATOR,    /* a national authority / repository: regulator keys */
    PX_ORG_VERIFIER,     /* a trading partner with a GLN that verifies packs: verifier keys */
    PX_ORG_KIND__COUNT
} px_org_kind;

/* What a request wants to do. One route maps to one action (src/http/routes.def). */
typedef enum px_action {
    PX_ACT_ORG_ADMIN = 0,   /* create organizations and API keys (CLI / operator) */
    PX_ACT_PRODUCT_WRITE,   /* POST /v1/products */
    PX_ACT_PRODUCT_READ,    /* GET /v1/products… */
    PX_ACT_SETTINGS_WRITE,  /* PUT …/serial-settings, …/passport, …/links */
    PX_ACT_PARTNER_WRITE,   /* POST/PATCH /v1/partners (creates CMO orgs and cmo keys) */
    PX_ACT_PARTNER_READ,    /* GET /v1/partners… */
    PX_ACT_ALLOCATE,        /* POST /v1/products/{gtin}/allocations */
    PX_ACT_ALLOCATION_READ, /* GET /v1/allocations/{id}/serials */
    PX_ACT_COMMISSION,      /* POST /v1/commissions */
    PX_ACT_RELEASE,         /* POST /v1/releases */
    PX_ACT_RECALL,          /* decommission with reason recalled/withdrawn (Art. 40) */
    PX_ACT_DECOMMISSION,    /* POST /v1/decommissions */
    PX_ACT_REACTIVATE,      /* POST /v1/reactivations */
    PX_ACT_PACK_READ,       /* GET /v1/packs/{gtin}/{serial} */
    PX_ACT_EPCIS_QUERY,     /* GET /v1/epcis/events */
    PX_ACT_REPORT_READ,     /* GET /v1/reports/{id}[/document] */
    PX_ACT_ENDPOINT_WRITE,  /* POST /v1/regulator-endpoints */
    PX_ACT_ENDPOINT_READ,   /* GET /v1/regulator-endpoints (never shows secrets) */
    PX_ACT_AUDIT_READ,      /* GET /v1/audit */
    PX_ACT_AUDIT_VERIFY,    /* GET /v1/audit/verify */
    PX_ACT_EXPORT,          /* POST/GET /v1/exports (print manifests) */
    PX_ACT_PRINT,           /* POST/GET /v1/print-jobs */
    PX_ACT_JOB_READ,        /* GET /v1/jobs/{id} */
    PX_ACT_CARRIER_READ,    /* GET /v1/packs/{gtin}/{serial}/{datamatrix.png,.svg,carrier} */
    PX_ACT_REPORT_RETRY,    /* POST /v1/reports/{id}/retry */
    PX_ACT_ORG_WRITE,       /* PATCH /v1/orgs/{id} (operator: any; MAH: its own, its CMOs) */
    PX_ACT_KEY_WRITE,       /* GET/POST/DELETE /v1/keys (operator: any org; MAH: its own) */
    PX_ACT_WEBHOOK,         /* PUT/GET/DELETE /v1/webhook, GET /v1/webhook/deliveries, retry */
    PX_ACT_ALLOTMENT_READ,  /* GET /v1/allotments, /v1/orgs/{id}/allotments (its own) */
    PX_ACT_VRS_VERIFY, /* GET /vrs/verify/…, /vrs/checkConnectivity (the GS1 Lightweight Messaging
                          Standard) */
    PX_ACT_VRS_LOG_READ,     /* GET /v1/verification-requests */
    PX_ACT_VRS_SETTINGS,     /* GET/PUT /v1/vrs-settings (the MAH's responder scenarios) */
    PX_ACT_ALERT,            /* GET /v1/alerts, POST /v1/alerts/{id}/close (clone alerts) */
    PX_ACT_PARTITIONS,       /* GET /v1/partitions, POST …/ensure, …/{name}/detach (operator) */
    PX_ACT_AUDIT_CHECKPOINT, /* POST /v1/audit/checkpoints (operator) */
    PX_ACT_SETTINGS_READ,    /* GET …/passport, …/links (the MAH's own, its auditors) */
    PX_ACT_AGGREGATE,        /* POST /v1/aggregations (pack, unpack, repack) */
    PX_ACTION__COUNT
} px_action;

/* How far an allowed action reaches. The service layer turns the scope into its WHERE clause;
 * an object outside the scope answers not_found (never forbidden: nothing leaks). */
typedef enum px_scope {
    PX_SCOPE_DENY = 0, /* not allowed at all -> forbidden_role */
    PX_SCOPE_ORG,      /* every object of the caller's own organization (tenant) */
    PX_SCOPE_PARTNER,  /* CMO: products it is partnered on, serials allocated to or commissioned
                        * by it, packs only while not yet released; never another CMO's */
    PX_SCOPE_MARKET,   /* regulator: events and reports for the market(s) it serves */
    PX_SCOPE_SYSTEM    /* operator: across organizations (admin keys only) */
} px_scope;

/* "admin", "mah", "cmo", "auditor", "regulator", "verifier"; "?" when out of range. */
const char *px_role_name(px_role role);
/* Exact, case-sensitive names as above. PX_EINVALID "invalid_role" (field "role") otherwise. */
px_rc px_role_parse(px_role *out, const char *s, px_err *err);

/* "operator", "mah", "cmo", "regulator", "verifier"; "?" when out of range. */
const char *px_org_kind_name(px_org_kind kind);
/* PX_EINVALID "invalid_org_kind" (field "kind") for anything else. */
px_rc px_org_kind_parse(px_org_kind *out, const char *s, px_err *err);

/* Stable snake_case name of the action ("release", "pack_read", …), for logs and audit
 * entries; "?" when out of range. */
const char *px_action_name(px_action action);
/* Human phrase used in messages: "release packs", "read the audit log", … */
const char *px_action_phrase(px_action action);

/* The table cell: how far role may do action (PX_SCOPE_DENY for out-of-range arguments). */
px_scope px_policy_scope(px_role role, px_action action);

/* PX_OK when the role may do the action at all (its scope is not DENY); otherwise
 * PX_EFORBIDDEN with code "forbidden_role" and "role 'cmo' may not release packs". */
px_rc px_policy_check(px_role role, px_action action, px_err *err);

/* 1 when a key of this role may belong to an organization of this kind:
 * operator -> admin; mah -> mah, auditor; cmo -> cmo; regulator -> regulator;
 * verifier -> verifier. */
int px_policy_role_fits_org(px_role role, px_org_kind kind);

#endif
