/* The DSCSA responder's decision and request syntax (vrs.h; the GS1 Lightweight Messaging
 * Standard). */
#include "vrs.h"

#include <string.h>

#include "dl_resolve.h"
#include "gs1.h"
#include "pack_identity.h"
#include "px_str.h"

static const char *const k_reason[PX_VRS_REASON__COUNT] = {
    [PX_VRS_NO_MATCH_GTIN_SERIAL] = "No_match_GTIN_Serial",
    [PX_VRS_NO_MATCH_LOT] = "No_match_GTIN_Serial_Lot",
    [PX_VRS_NO_MATCH_EXPIRY] = "No_match_GTIN_Serial_Expiry",
    [PX_VRS_NO_MATCH_LOT_EXPIRY] = "No_match_GTIN_Serial_Lot_Expiry",
    [PX_VRS_NO_REASON_PROVIDED] = "No_reason_provided",
    [PX_VRS_NOT_FOR_REDISTRIBUTION] = "Not_for_re-distribution",
    [PX_VRS_MANUFACTURER_POLICY] = "Manufacturer_policy",
};

static const char *const k_info[PX_VRS_INFO__COUNT] = {
    [PX_VRS_INFO_EXPIRED] = "Expired",
    [PX_VRS_INFO_EXPIRATION_EXTENDED] = "ExpirationExtended",
    [PX_VRS_INFO_RECALLED] = "Recalled",
    [PX_VRS_INFO_SUSPECT] = "Suspect",
    [PX_VRS_INFO_ILLEGITIMATE] = "Illegitimate",
};

const char *px_vrs_reason_name(px_vrs_reason r)
{
    return (int)r > 0 && r < PX_VRS_REASON__COUNT ? k_reason[r] : NULL;
}

const char *px_vrs_info_name(px_vrs_info i)
{
    return (int)i > 0 && i < PX_VRS_INFO__COUNT ? k_info[i] : NULL;
}

static px_vrs_answer answer(int verified, px_vrs_reason reason, px_vrs_info info)
{
    px_vrs_answer a = {verified, reason, info};
    return a;
}

static const char *const k_recall_rule[PX_VRS_RECALL__COUNT] = {
    [PX_VRS_RECALL_B2] = "B2",
    [PX_VRS_RECALL_B1] = "B1",
};

static const char *const k_expiry_rule[PX_VRS_EXPIRY__COUNT] = {
    [PX_VRS_EXPIRY_B1] = "B1",
    [PX_VRS_EXPIRY_B2] = "B2",
    [PX_VRS_EXPIRY_DEFAULT] = "default",
};

const char *px_vrs_recall_rule_name(px_vrs_recall_rule r)
{
    return (int)r >= 0 && r < PX_VRS_RECALL__COUNT ? k_recall_rule[r] : NULL;
}

const char *px_vrs_expiry_rule_name(px_vrs_expiry_rule r)
{
    return (int)r >= 0 && r < PX_VRS_EXPIRY__COUNT ? k_expiry_rule[r] : NULL;
}

PX_NAME_PARSER(px_vrs_recall_rule_parse, px_vrs_recall_rule, k_recall_rule, PX_VRS_RECALL__COUNT,
               "invalid_value", "recalled")

PX_NAME_PARSER(px_vrs_expiry_rule_parse, px_vrs_expiry_rule, k_expiry_rule, PX_VRS_EXPIRY__COUNT,
               "invalid_value", "expired")

px_vrs_answer px_vrs_decide(const px_verify_facts *f, const px_vrs_policy *policy, int64_t now_us)
{
    static const px_vrs_policy k_defaults = {PX_VRS_RECALL_B2, PX_VRS_EXPIRY_B1};
    if (!policy)
        policy = &k_defaults;
    /* REQ-VRS-2: step 1 of docs/verification.md "The decision" — GTIN + serial unknown (an
     * allocated serial never reached a pack): No_match_GTIN_Serial, and lot and expiry are not
     * checked (the GS1 Lightweight Messaging Standard). */
    if (px_verify_unknown(f))
        return answer(0, PX_VRS_NO_MATCH_GTIN_SERIAL, PX_VRS_INFO_NONE);
    /* REQ-VRS-3: step 2 — the product identifier is GTIN, serial, lot and expiry (DSCSA
     * §581(14)); a lot or expiry that differs from the commissioned one is a mismatch. */
    int lot_bad = px_verify_lot_differs(f);
    /* The AI 17 text is compared as printed, as for the public verify ("261231" asked of a pack
     * printed "261200" is a mismatch). */
    int exp_bad = px_verify_expiry_differs(f);
    if (lot_bad || exp_bad)
        return answer(0,
                      lot_bad && exp_bad ? PX_VRS_NO_MATCH_LOT_EXPIRY
                      : lot_bad          ? PX_VRS_NO_MATCH_LOT
                                         : PX_VRS_NO_MATCH_EXPIRY,
                      PX_VRS_INFO_NONE);
    /* REQ-VRS-4: step 3 — the pack's status picks the GS1 US response scenario the MAH chose
     * (docs/verification.md "The MAH's scenarios"). */
    if (f->state == PX_PACK_DECOMMISSIONED) {
        switch (f->reason) {
        case PX_REASON_STOLEN:
            /* C1.1: suspect product, never to be redistributed. */
            return answer(0, PX_VRS_NOT_FOR_REDISTRIBUTION, PX_VRS_INFO_SUSPECT);
        case PX_REASON_RECALLED:
        case PX_REASON_WITHDRAWN:
            /* REQ-VRS-9: the MAH chooses B1 (verified, Recalled) or B2, the default: a saleable
             * return of a recalled pack must not go back on the shelf. */
            if (policy->recalled == PX_VRS_RECALL_B1)
                return answer(1, PX_VRS_REASON_NONE, PX_VRS_INFO_RECALLED);
            return answer(0, PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_RECALLED);
        case PX_REASON_EXPIRED:
            /* B2-Expiration: the MAH took it out of the market because it expired. */
            return answer(0, PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_EXPIRED);
        default:
            /* Dispensed, destroyed, exported, damaged, sampled, locked, checked out: the pack
             * left the saleable supply chain, so one offered back for resale is not to be
             * redistributed. */
            return answer(0, PX_VRS_NOT_FOR_REDISTRIBUTION, PX_VRS_INFO_NONE);
        }
    }
    /* REQ-VRS-9: an active pack past its expiry. B1-Expiration, the default: the identifier
     * is genuine and the requester learns that it expired; B2-Expiration: not verified;
     * Default: the expiry date is not looked at. */
    if (policy->expired != PX_VRS_EXPIRY_DEFAULT && px_expiry_text_passed(f->expiry, now_us))
        return policy->expired == PX_VRS_EXPIRY_B2
                   ? answer(0, PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_EXPIRED)
                   : answer(1, PX_VRS_REASON_NONE, PX_VRS_INFO_EXPIRED);
    /* A1: a plain match carries no extra field. */
    return answer(1, PX_VRS_REASON_NONE, PX_VRS_INFO_NONE);
}

/* 400 bad_request naming the parameter; the value is quoted (at most 40 bytes of it). */
static px_rc bad(px_err *err, const char *param, const char *value, const char *what)
{
    if (!value)
        return px_err_set_field(err, PX_EINVALID, "bad_request", param, "%s is required (%s)",
                                param, what);
    return px_err_set_field(err, PX_EINVALID, "bad_request", param, "%s '%.40s' is not %s", param,
                            value, what);
}

/* Exactly n digits and nothing after them. */
static int all_digits(const char *s, size_t n)
{
    return strlen(s) == n && px_digits(s, n);
}

px_rc px_vrs_params_check(const px_vrs_params *p, int verify, char gtin14[15], int64_t now_us,
                          px_err *err)
{
    /* REQ-VRS-5: every parameter's length and character set before anything is looked up
     * (the GS1 Lightweight Messaging Standard); a bad one is 400 naming the parameter
     * (docs/verification.md "Parameters"). */
    if (!p->gtin || !all_digits(p->gtin, GS1_GTIN_LEN) ||
        gs1_key_validate(p->gtin, GS1_GTIN_LEN, NULL) != PX_OK)
        return bad(err, p->dl_form ? "01" : "gtin", p->gtin,
                   "a GTIN-14 (14 digits with its check digit)");
    memcpy(gtin14, p->gtin, 15);
    if (!p->req_gln || !all_digits(p->req_gln, GS1_GLN_LEN) ||
        gs1_key_validate(p->req_gln, GS1_GLN_LEN, NULL) != PX_OK)
        return bad(err, "reqGLN", p->req_gln, "a GLN (13 digits with its check digit)");
    /* checkConnectivity defaults context to dscsaSaleableReturn (the GS1 Lightweight Messaging
     * Standard); verify requires it, and it is the only context the standard enumerates. */
    if ((verify || p->context) && (!p->context || strcmp(p->context, PX_VRS_CONTEXT)))
        return bad(err, "context", p->context, PX_VRS_CONTEXT);
    /* Both requests log corrUUID: checked before either goes on, never cut to fit. */
    if (p->corr_uuid && !px_uuid_valid(p->corr_uuid))
        return bad(err, "corrUUID", p->corr_uuid, "a UUID");
    if (!verify)
        return PX_OK;
    /* The GS1 Web Vocabulary term, bare or in one of its namespaces' spellings
     * (px_link_type_suffix): the resolver passes the requester's linkType on as it came. */
    if (!p->link_type || strcmp(px_link_type_suffix(p->link_type), "verificationService") != 0)
        return bad(err, "linkType", p->link_type, "verificationService");
    /* AI 10 and AI 21: 1 to 20 characters of set 82 (GenSpecs §3.2). */
    if (!p->lot || gs1_cset82_validate(p->lot, GS1_BATCH_MAX, NULL) != PX_OK)
        return bad(err, p->dl_form ? "10" : "lot", p->lot, "1 to 20 characters of GS1 set 82");
    if (!p->serial || gs1_cset82_validate(p->serial, GS1_SERIAL_MAX, NULL) != PX_OK)
        return bad(err, p->dl_form ? "21" : "ser", p->serial, "1 to 20 characters of GS1 set 82");
    gs1_date d;
    /* AI 17 as printed: YYMMDD, DD=00 allowed (GenSpecs §7.12). */
    if (p->exp && (!all_digits(p->exp, 6) || gs1_expiry_parse(&d, p->exp, now_us, NULL) != PX_OK))
        return bad(err, p->dl_form ? "17" : "exp", p->exp, "a YYMMDD date");
    /* R1.3 additions (the GS1 US implementation guideline R1.3): an attestation flag and the
     * requester's contact. */
    if (p->ctrl_possess_att && px_name_index(px_bool_names, 2, p->ctrl_possess_att) < 0)
        return bad(err, "ctrlPossessAtt", p->ctrl_possess_att, "true or false");
    /* RFC 5321 §4.5.3.1.3: at most 254 characters; a local part and a domain around the '@'. */
    if (p->email && (!px_str_printable(p->email, 254) || !strchr(p->email, '@') ||
                     p->email[0] == '@' || p->email[strlen(p->email) - 1] == '@'))
        return bad(err, "email", p->email, "an e-mail address of at most 254 characters");
    if (p->telephone && (!px_str_printable(p->telephone, 32) ||
                         strspn(p->telephone, "0123456789+-() .") != strlen(p->telephone)))
        return bad(err, "telephone", p->telephone, "a telephone number of at most 32 characters");
    return PX_OK;
}
