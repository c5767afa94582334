/* The DSCSA responder's decision (DOMAIN-2.md §11.5, §11.6) and its request syntax (§11.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain_test.h"
#include "px_array.h"
#include "vrs.h"

/* The pack as found and the lot and expiry asked (facts), asked at now. */
typedef struct {
    const char *file;
    int line;
    px_verify_facts facts;
    const char *now;
    int verified;
    const char *reason_name, *info_name; /* the wire spellings, written out here */
} vector;

#define NOW "2026-03-01T10:00:00Z"
#define V(found, state, reason, batch, expiry, lot, exp, now, verified, reason_name, info_name)    \
    {                                                                                              \
        __FILE__, __LINE__, {found, state, reason, batch, expiry, lot, exp}, now, verified,        \
            reason_name, info_name                                                                 \
    }
/* A pack decommissioned for reason, asked with its own lot: out of the saleable chain, whatever
 * the reason beyond stolen, recalled, withdrawn and expired. */
#define OUT_OF_CHAIN(reason)                                                                       \
    V(1, PX_PACK_DECOMMISSIONED, reason, "L1", "261231", "L1", NULL, NOW, 0,                       \
      "Not_for_re-distribution", NULL)
static const vector k_vectors[] = {
    /* REQ-VRS-2: unknown GTIN + serial, lot and expiry not looked at. */
    V(0, PX_PACK_ALLOCATED, PX_REASON_NONE, "", "", "L1", "261231", NOW, 0, "No_match_GTIN_Serial",
      NULL),
    V(1, PX_PACK_ALLOCATED, PX_REASON_NONE, "", "", "L1", NULL, NOW, 0, "No_match_GTIN_Serial",
      NULL),
    /* A1: the plain match has no extra field; exp is optional. */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261231", "L1", "261231", NOW, 1, NULL, NULL),
    V(1, PX_PACK_COMMISSIONED, PX_REASON_NONE, "L1", "261231", "L1", NULL, NOW, 1, NULL, NULL),
    /* REQ-VRS-3: lot, expiry, both. */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261231", "L9", "261231", NOW, 0,
      "No_match_GTIN_Serial_Lot", NULL),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261231", "L1", "261230", NOW, 0,
      "No_match_GTIN_Serial_Expiry", NULL),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261231", "l1", "270101", NOW, 0,
      "No_match_GTIN_Serial_Lot_Expiry", NULL),
    /* Printed 261200: "261231" is another text (DOMAIN.md §2.4). */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261200", "L1", "261231", NOW, 0,
      "No_match_GTIN_Serial_Expiry", NULL),
    /* A mismatch is told before the status (§11.6 order). */
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_STOLEN, "L1", "261231", "L2", NULL, NOW, 0,
      "No_match_GTIN_Serial_Lot", NULL),
    /* REQ-VRS-4: the status scenarios. C1.1 stolen. */
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_STOLEN, "L1", "261231", "L1", "261231", NOW, 0,
      "Not_for_re-distribution", "Suspect"),
    /* B2 recalled or withdrawn. */
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_RECALLED, "L1", "261231", "L1", NULL, NOW, 0,
      "Manufacturer_policy", "Recalled"),
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_WITHDRAWN, "L1", "261231", "L1", NULL, NOW, 0,
      "Manufacturer_policy", "Recalled"),
    /* B2-Expiration: decommissioned as expired. */
    V(1, PX_PACK_DECOMMISSIONED, PX_REASON_EXPIRED, "L1", "260101", "L1", NULL, NOW, 0,
      "Manufacturer_policy", "Expired"),
    /* Out of the saleable chain: not for redistribution, every other reason. */
    OUT_OF_CHAIN(PX_REASON_DISPENSED),
    OUT_OF_CHAIN(PX_REASON_DESTROYED),
    OUT_OF_CHAIN(PX_REASON_EXPORTED),
    OUT_OF_CHAIN(PX_REASON_DAMAGED),
    OUT_OF_CHAIN(PX_REASON_LOCKED),
    OUT_OF_CHAIN(PX_REASON_SAMPLE),
    OUT_OF_CHAIN(PX_REASON_CHECKED_OUT),
    /* B1-Expiration: usable through its expiry day, Expired the day after (DD=00 = 31st). */
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261200", "L1", "261200", "2026-12-31T23:59:59Z",
      1, NULL, NULL),
    V(1, PX_PACK_RELEASED, PX_REASON_NONE, "L1", "261200", "L1", "261200", "2027-01-01T00:00:00Z",
      1, NULL, "Expired"),
};

static void test_domain_vrs__decide(void)
{
    for (size_t i = 0; i < PX_COUNT(k_vectors); i++) {
        const vector *v = &k_vectors[i];
        px_vrs_answer a = px_vrs_decide(&v->facts, NULL, at(v->now));
        const char *rn = px_vrs_reason_name(a.reason), *in = px_vrs_info_name(a.info);
        int ok = a.verified == v->verified &&
                 (rn && v->reason_name ? strcmp(rn, v->reason_name) == 0 : rn == v->reason_name) &&
                 (in && v->info_name ? strcmp(in, v->info_name) == 0 : in == v->info_name);
        /* §11.4: a reason when, and only when, not verified. */
        ok = ok && (a.verified ? a.reason == PX_VRS_REASON_NONE : a.reason != PX_VRS_REASON_NONE);
        if (!ok)
            fail_msg("%s:%d: verified %d reason %s info %s", v->file, v->line, a.verified,
                     rn ? rn : "-", in ? in : "-");
    }
}

/* §11.5: every enumerated value spelled as the standard does, NONE and out of range unnamed. */
static void test_domain_vrs__names(void)
{
    static const char *const reasons[] = {NULL,
                                          "No_match_GTIN_Serial",
                                          "No_match_GTIN_Serial_Lot",
                                          "No_match_GTIN_Serial_Expiry",
                                          "No_match_GTIN_Serial_Lot_Expiry",
                                          "No_reason_provided",
                                          "Not_for_re-distribution",
                                          "Manufacturer_policy"};
    static const char *const infos[] = {NULL,       "Expired", "ExpirationExtended",
                                        "Recalled", "Suspect", "Illegitimate"};
    assert_int_equal(PX_COUNT(reasons), PX_VRS_REASON__COUNT);
    assert_int_equal(PX_COUNT(infos), PX_VRS_INFO__COUNT);
    for (int i = 1; i < PX_VRS_REASON__COUNT; i++)
        assert_string_equal(px_vrs_reason_name((px_vrs_reason)i), reasons[i]);
    for (int i = 1; i < PX_VRS_INFO__COUNT; i++)
        assert_string_equal(px_vrs_info_name((px_vrs_info)i), infos[i]);
    assert_null(px_vrs_reason_name(PX_VRS_REASON_NONE));
    assert_null(px_vrs_reason_name(PX_VRS_REASON__COUNT));
    assert_null(px_vrs_info_name(PX_VRS_INFO_NONE));
    assert_null(px_vrs_info_name((px_vrs_info)-1));
}

typedef struct {
    const char *file;
    int line;
    int verify;
    px_vrs_params p;
    const char *bad_field; /* NULL: accepted */
} pvector;

#define G "00355154944954"
#define GLN "0614141000005"
#define U "21ec2020-3aea-4069-a2dd-08002b30309d"
#define OKP(att, email, tel)                                                                       \
    {                                                                                              \
        G, "LOT1", "SN1001", "261231", "verificationService", "dscsaSaleableReturn", GLN, U, att,  \
            email, tel, 0                                                                          \
    }
/* gtin, lot, ser, exp, linkType, context, reqGLN and corrUUID; no R1.3 extras */
#define Q(g, l, s, e, lt, c, gln, u)                                                               \
    {                                                                                              \
        g, l, s, e, lt, c, gln, u, NULL, NULL, NULL, 0                                             \
    }
/* The same in the canonical Digital Link form: a refusal names the AI */
#define D(g, l, s, e)                                                                              \
    {                                                                                              \
        g, l, s, e, "verificationService", "dscsaSaleableReturn", GLN, NULL, NULL, NULL, NULL, 1   \
    }
#define P(...)                                                                                     \
    {                                                                                              \
        __FILE__, __LINE__, __VA_ARGS__                                                            \
    }
static const pvector k_params[] = {
    /* REQ-VRS-5 */
    P(1, OKP(NULL, NULL, NULL), NULL),
    P(1, Q(G, "LOT1", "SN1001", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL),
      NULL),
    P(1, OKP("true", "qa@example.com", "+1 (555) 010-0000"), NULL),
    P(1,
      Q("0035515494495", "L", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL),
      "gtin"),
    P(1, D("0035515494495", "L", "S", NULL), "01"),
    P(1, D(G, "123456789012345678901", "S", NULL), "10"),
    P(1, D(G, "L", "S S", NULL), "21"),
    P(1, D(G, "L", "S", "991332"), "17"),
    P(1, D(G, "L", "S", "991231"), NULL),
    P(1,
      Q("00355154944955", "L", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL),
      "gtin"),
    P(1,
      Q("0035515494495a", "L", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL),
      "gtin"),
    P(1, Q(NULL, "L", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL), "gtin"),
    P(1, Q(G, "L", "S", NULL, "verificationService", "dscsaSaleableReturn", "0614141000006", NULL),
      "reqGLN"),
    P(1, Q(G, "L", "S", NULL, "verificationService", "dscsaSaleableReturn", "614141000005", NULL),
      "reqGLN"),
    P(1, Q(G, "L", "S", NULL, "verificationService", "dscsaSaleableReturn", NULL, NULL), "reqGLN"),
    P(1, Q(G, "L", "S", NULL, "verificationService", "dscsaSalableReturn", GLN, NULL), "context"),
    P(1, Q(G, "L", "S", NULL, "verificationService", NULL, GLN, NULL), "context"),
    /* The term in the GS1 Web Vocabulary's spellings is the same term; another is not. */
    P(1, Q(G, "L", "S", NULL, "gs1:verificationService", "dscsaSaleableReturn", GLN, NULL), NULL),
    P(1,
      Q(G, "L", "S", NULL, "https://ref.gs1.org/voc/verificationService", "dscsaSaleableReturn",
        GLN, NULL),
      NULL),
    P(1, Q(G, "L", "S", NULL, "gs1:pip", "dscsaSaleableReturn", GLN, NULL), "linkType"),
    P(1, Q(G, "L", "S", NULL, "verificationservice", "dscsaSaleableReturn", GLN, NULL), "linkType"),
    P(1, Q(G, "L", "S", NULL, NULL, "dscsaSaleableReturn", GLN, NULL), "linkType"),
    P(1, Q(G, "L~", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL), "lot"),
    P(1,
      Q(G, "123456789012345678901", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN,
        NULL),
      "lot"),
    P(1, Q(G, "L", "S S", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL), "ser"),
    P(1, Q(G, "L", "", NULL, "verificationService", "dscsaSaleableReturn", GLN, NULL), "ser"),
    P(1, Q(G, "L", "S", "261331", "verificationService", "dscsaSaleableReturn", GLN, NULL), "exp"),
    P(1, Q(G, "L", "S", "20261231", "verificationService", "dscsaSaleableReturn", GLN, NULL),
      "exp"),
    P(1, Q(G, "L", "S", "261200", "verificationService", "dscsaSaleableReturn", GLN, NULL), NULL),
    P(1, OKP(NULL, NULL, NULL), NULL),
    P(1, Q(G, "L", "S", NULL, "verificationService", "dscsaSaleableReturn", GLN, "not-a-uuid"),
      "corrUUID"),
    P(1, OKP("yes", NULL, NULL), "ctrlPossessAtt"),
    P(1, OKP(NULL, "nobody", NULL), "email"),
    /* the contact is text without control characters, C1 included, and valid UTF-8 */
    P(1, OKP(NULL, "ops\xc2\x85@example.com", NULL), "email"),
    P(1,
      OKP(NULL,
          "ops@ex\xff"
          "ample.com",
          NULL),
      "email"),
    P(1,
      OKP(NULL,
          "ops@\xc3\xa9"
          "xample.com",
          NULL),
      NULL),
    P(1, OKP(NULL, NULL, "555-CALL"), "telephone"),
    /* checkConnectivity: gtin and reqGLN; context defaults, and only its one value. */
    P(0, Q(G, NULL, NULL, NULL, NULL, NULL, GLN, NULL), NULL),
    P(0, Q(G, NULL, NULL, NULL, NULL, "dscsaSaleableReturn", GLN, NULL), NULL),
    P(0, Q(G, NULL, NULL, NULL, NULL, "other", GLN, NULL), "context"),
    P(0, Q("123", NULL, NULL, NULL, NULL, NULL, GLN, NULL), "gtin"),
    P(0, Q(G, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "reqGLN"),
    /* Its corrUUID is logged too: checked as verify's, never cut to fit. */
    P(0, Q(G, NULL, NULL, NULL, NULL, NULL, GLN, "123e4567-e89b-12d3-a456-426614174000"), NULL),
    P(0, Q(G, NULL, NULL, NULL, NULL, NULL, GLN, "not-a-uuid"), "corrUUID"),
    P(0,
      Q(G, NULL, NULL, NULL, NULL, NULL, GLN,
        "123e4567-e89b-12d3-a456-426614174000123e4567-e89b-12d3-a456-426614174000"),
      "corrUUID"),
};

static void test_domain_vrs__params(void)
{
    for (size_t i = 0; i < PX_COUNT(k_params); i++) {
        const pvector *v = &k_params[i];
        px_err err = PX_ERR_INIT;
        char g[15] = "";
        px_rc rc = px_vrs_params_check(&v->p, v->verify, g, at(NOW), &err);
        if (!v->bad_field) {
            if (rc != PX_OK)
                fail_msg("%s:%d: refused: %s", v->file, v->line, err.message);
            assert_string_equal(g, v->p.gtin);
        } else if (rc != PX_EINVALID || strcmp(err.code, "bad_request") != 0 ||
                   strcmp(err.field, v->bad_field) != 0) {
            fail_msg("%s:%d: rc %d code %s field %s, want bad_request on %s", v->file, v->line, rc,
                     err.code, err.field, v->bad_field);
        }
    }
}

/* REQ-VRS-9: the MAH's scenario choices for recalled and expired packs (§11.6). */
static void test_domain_vrs__policy(void)
{
    static const struct {
        int line;
        px_vrs_recall_rule recalled;
        px_vrs_expiry_rule expired;
        px_decom_reason reason; /* NONE: an active pack, expired */
        int verified;
        px_vrs_reason why;
        px_vrs_info info;
    } v[] = {
        {__LINE__, PX_VRS_RECALL_B2, PX_VRS_EXPIRY_B1, PX_REASON_RECALLED, 0,
         PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_RECALLED},
        {__LINE__, PX_VRS_RECALL_B1, PX_VRS_EXPIRY_B1, PX_REASON_RECALLED, 1, PX_VRS_REASON_NONE,
         PX_VRS_INFO_RECALLED},
        {__LINE__, PX_VRS_RECALL_B1, PX_VRS_EXPIRY_B1, PX_REASON_WITHDRAWN, 1, PX_VRS_REASON_NONE,
         PX_VRS_INFO_RECALLED},
        /* The recall rule never touches a stolen pack. */
        {__LINE__, PX_VRS_RECALL_B1, PX_VRS_EXPIRY_B1, PX_REASON_STOLEN, 0,
         PX_VRS_NOT_FOR_REDISTRIBUTION, PX_VRS_INFO_SUSPECT},
        {__LINE__, PX_VRS_RECALL_B2, PX_VRS_EXPIRY_B1, PX_REASON_NONE, 1, PX_VRS_REASON_NONE,
         PX_VRS_INFO_EXPIRED},
        {__LINE__, PX_VRS_RECALL_B2, PX_VRS_EXPIRY_B2, PX_REASON_NONE, 0,
         PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_EXPIRED},
        {__LINE__, PX_VRS_RECALL_B2, PX_VRS_EXPIRY_DEFAULT, PX_REASON_NONE, 1, PX_VRS_REASON_NONE,
         PX_VRS_INFO_NONE},
        /* Decommissioned as expired stays not verified whatever the expiry rule. */
        {__LINE__, PX_VRS_RECALL_B1, PX_VRS_EXPIRY_DEFAULT, PX_REASON_EXPIRED, 0,
         PX_VRS_MANUFACTURER_POLICY, PX_VRS_INFO_EXPIRED},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        px_vrs_policy pol = {v[i].recalled, v[i].expired};
        px_verify_facts f = {.found = 1,
                             .state = v[i].reason == PX_REASON_NONE ? PX_PACK_RELEASED
                                                                    : PX_PACK_DECOMMISSIONED,
                             .reason = v[i].reason,
                             .batch = "L1",
                             .expiry = "250101",
                             .asked_batch = "L1"};
        px_vrs_answer a = px_vrs_decide(&f, &pol, at(NOW));
        if (a.verified != v[i].verified || a.reason != v[i].why || a.info != v[i].info)
            fail_msg("line %d: verified %d reason %d info %d", v[i].line, a.verified, a.reason,
                     a.info);
    }
    static const char *const recall[] = {"B2", "B1"};
    static const char *const expiry[] = {"B1", "B2", "default"};
    assert_names_round_trip(px_vrs_recall_rule, PX_VRS_RECALL__COUNT, recall,
                            px_vrs_recall_rule_name, px_vrs_recall_rule_parse);
    assert_names_round_trip(px_vrs_expiry_rule, PX_VRS_EXPIRY__COUNT, expiry,
                            px_vrs_expiry_rule_name, px_vrs_expiry_rule_parse);
    px_err err;
    px_vrs_recall_rule rr;
    px_vrs_expiry_rule er;
    assert_int_equal(px_vrs_recall_rule_parse(&rr, "b1", &err), PX_EINVALID);
    assert_string_equal(err.field, "recalled");
    assert_int_equal(px_vrs_expiry_rule_parse(&er, "Default", &err), PX_EINVALID);
    assert_string_equal(err.field, "expired");
    assert_null(px_vrs_expiry_rule_name(PX_VRS_EXPIRY__COUNT));
}
