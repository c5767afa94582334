/* vrs — the answer of the DSCSA lightweight verification responder (the GS1 Lightweight Messaging
 * Standard): the decision and the spelling of its enumerations, and the syntax of the request's
 * parameters.
 *
 * Pure: the caller looks the pack up and passes "now". */
#ifndef PX_VRS_H
#define PX_VRS_H

#include <stdint.h>

#include "px_err.h"
#include "verify.h"

/* The one verification context the GS1 Lightweight Messaging Standard enumerates: a saleable
 * return (DSCSA saleable returns verification); verify requires it, checkConnectivity defaults
 * to it. */
#define PX_VRS_CONTEXT "dscsaSaleableReturn"

/* verificationFailureReason (the GS1 Lightweight Messaging Standard). */
typedef enum px_vrs_reason {
    PX_VRS_REASON_NONE = 0,        /* verified: no reason is sent */
    PX_VRS_NO_MATCH_GTIN_SERIAL,   /* GTIN + serial unknown; lot and expiry not checked */
    PX_VRS_NO_MATCH_LOT,           /* known, the lot differs */
    PX_VRS_NO_MATCH_EXPIRY,        /* known, the expiry differs */
    PX_VRS_NO_MATCH_LOT_EXPIRY,    /* known, lot and expiry differ */
    PX_VRS_NO_REASON_PROVIDED,     /* not emitted by packid (in the enumeration) */
    PX_VRS_NOT_FOR_REDISTRIBUTION, /* suspect or out of the supply chain: never resell */
    PX_VRS_MANUFACTURER_POLICY,    /* the MAH's policy (recall, expired and withdrawn) */
    PX_VRS_REASON__COUNT
} px_vrs_reason;

/* additionalInfo (the GS1 Lightweight Messaging Standard; the capitalised values of the GS1 US
 * implementation guideline R1.3). */
typedef enum px_vrs_info {
    PX_VRS_INFO_NONE = 0,
    PX_VRS_INFO_EXPIRED,
    PX_VRS_INFO_EXPIRATION_EXTENDED, /* not emitted: packid keeps no FDA extension */
    PX_VRS_INFO_RECALLED,
    PX_VRS_INFO_SUSPECT,
    PX_VRS_INFO_ILLEGITIMATE, /* not emitted: no pack state says so */
    PX_VRS_INFO__COUNT
} px_vrs_info;

typedef struct px_vrs_answer {
    int verified;
    px_vrs_reason reason; /* NONE when verified */
    px_vrs_info info;
} px_vrs_answer;

/* The MAH's responder configuration: the GS1 US response scenarios (docs/verification.md "The
 * MAH's scenarios"). */
typedef enum px_vrs_recall_rule {
    PX_VRS_RECALL_B2 = 0, /* default: not verified, Manufacturer_policy, Recalled */
    PX_VRS_RECALL_B1,     /* verified, Recalled */
    PX_VRS_RECALL__COUNT
} px_vrs_recall_rule;

typedef enum px_vrs_expiry_rule {
    PX_VRS_EXPIRY_B1 = 0,  /* default: verified, Expired */
    PX_VRS_EXPIRY_B2,      /* not verified, Manufacturer_policy, Expired */
    PX_VRS_EXPIRY_DEFAULT, /* verified, expiry ignored (no additionalInfo) */
    PX_VRS_EXPIRY__COUNT
} px_vrs_expiry_rule;

typedef struct px_vrs_policy {
    px_vrs_recall_rule recalled; /* packs decommissioned as recalled or withdrawn */
    px_vrs_expiry_rule expired;  /* active packs past their expiry date */
} px_vrs_policy;

/* "B1", "B2" / "B1", "B2", "default"; NULL out of range. */
const char *px_vrs_recall_rule_name(px_vrs_recall_rule r);
const char *px_vrs_expiry_rule_name(px_vrs_expiry_rule r);
/* Exact names as above; PX_EINVALID "invalid_value" with field "recalled" / "expired". */
px_rc px_vrs_recall_rule_parse(px_vrs_recall_rule *out, const char *s, px_err *err);
px_rc px_vrs_expiry_rule_parse(px_vrs_expiry_rule *out, const char *s, px_err *err);

/* The decision (docs/verification.md "The decision"): unknown GTIN+serial, then lot/expiry
 * mismatch, then the pack's status (as policy configures; NULL: the defaults), else verified.
 * f->asked_batch is the lot of the request (required), f->asked_expiry its exp (NULL when not sent:
 * expiry is then not compared). */
px_vrs_answer px_vrs_decide(const px_verify_facts *f, const px_vrs_policy *policy, int64_t now_us);

/* "No_match_GTIN_Serial", …; NULL for NONE and out of range. */
const char *px_vrs_reason_name(px_vrs_reason r);
/* "Expired", …; NULL for NONE and out of range. */
const char *px_vrs_info_name(px_vrs_info i);

/* The request's parameters, as received (NULL when absent). */
typedef struct px_vrs_params {
    const char *gtin, *lot, *serial, *exp;
    const char *link_type, *context, *req_gln, *corr_uuid;
    const char *ctrl_possess_att, *email, *telephone; /* R1.3, optional */
    int dl_form; /* the canonical Digital Link form: a refusal names its values by AI (01, 10,
                    21, 17), as the request named them */
} px_vrs_params;

/* Checks every parameter of a verify request (verify = 1) or of checkConnectivity (verify = 0:
 * gtin, reqGLN and context only; linkType, lot, serial and exp are not part of it) and writes
 * the 14-digit GTIN; exp is a date read against now_us's year (GenSpecs §7.12). PX_EINVALID
 * "bad_request" (400) naming the parameter in err->field. */
px_rc px_vrs_params_check(const px_vrs_params *p, int verify, char gtin14[15], int64_t now_us,
                          px_err *err);

#endif
