/* The DSCSA lightweight verification responder (DOMAIN-2.md §11, docs/verification.md): the
 * example pair of §11.10 byte for byte, every failure reason and status scenario, the
 * connectivity check, the parameter and authentication refusals, and the request log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

#define GTIN "00355154944954"
#define MAH_GLN "0355154000001"
#define REQ_GLN "0614141000005"
#define REQ2_GLN "0614141000012"
#define CORR "21ec2020-3aea-4069-a2dd-08002b30309d"
#define Q                                                                                          \
    "linkType=verificationService&context=dscsaSaleableReturn&reqGLN=" REQ_GLN "&corrUUID=" CORR
#define TS "2025-03-10T15:04:05.123Z"

typedef struct {
    px_test_env env;
    px_test_party mah;
    char auditor_key[64];
    px_test_party mah2, ver, ver2;
    char gtin2[15];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(fixture));
    *state = f;
    /* The responder's clock is pinned to §11.10's timestamp, so the answer is comparable
     * byte for byte. */
    px_test_setenv(&f->env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&f->env, "PACKID_TEST_NOW=" TS);
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Responder MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_gln(&f->env, f->mah.org, MAH_GLN);
    px_test_key(&f->env, f->mah.org, "auditor", f->auditor_key);
    px_test_product(&f->env, f->mah.key, GTIN, "Example 10 mg", "US");
    const char *m2[] = {"--kind", "mah", "--name", "Other MAH", "--gln", "0950600000002", NULL};
    px_test_org_args_key(&f->env, m2, "mah", f->mah2.org, f->mah2.key);
    px_test_gtin(f->gtin2, 7);
    px_test_product(&f->env, f->mah2.key, f->gtin2, "Other 5 mg", "US");
    const char *v1[] = {"--kind", "verifier", "--name", "Wholesaler", "--gln", REQ_GLN, NULL};
    px_test_org_args_key(&f->env, v1, "verifier", f->ver.org, f->ver.key);
    const char *v2[] = {"--kind", "verifier", "--name", "Pharmacy", "--gln", REQ2_GLN, NULL};
    px_test_org_args_key(&f->env, v2, "verifier", f->ver2.org, f->ver2.key);
    /* Packs in every state, written directly: the lifecycle endpoints are tested elsewhere. */
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry, reason) VALUES "
            "('" GTIN "', 'SN1001', 'released', 'external', 'LOT1', '261231', NULL), "
            "('" GTIN "', 'SN1002', 'commissioned', 'external', 'LOT1', '261231', NULL), "
            "('" GTIN "', 'OLD1', 'released', 'external', 'LOT0', '250101', NULL), "
            "('" GTIN "', 'STO1', 'decommissioned', 'external', 'LOT1', '261231', 'stolen'), "
            "('" GTIN "', 'REC1', 'decommissioned', 'external', 'LOT1', '261231', 'recalled'), "
            "('" GTIN "', 'DIS1', 'decommissioned', 'external', 'LOT1', '261231', 'dispensed'), "
            "('" GTIN "', 'EXP1', 'decommissioned', 'external', 'LOT1', '250101', 'expired'), "
            "('" GTIN "', 'ALL1', 'allocated', 'generated', NULL, NULL, NULL), "
            "('" GTIN "', 'A/B%%1', 'released', 'external', 'L/2', '261231', NULL), "
            "('%s', 'SN1001', 'released', 'external', 'LOT1', '261231', NULL), "
            "('%s', 'REC2', 'decommissioned', 'external', 'LOT1', '261231', 'recalled'), "
            "('" GTIN "', 'RB1', 'released', 'external', 'LOTR', '261231', NULL)",
            f->gtin2, f->gtin2);
    /* A withdrawn batch (POST /v1/recalls) whose pack RB1 is still released, as a pack the
     * recall did not reach (migration 0220) would be. */
    px_sqlf(&f->env, "INSERT INTO batch (gtin, batch, expiry, recalled_at, recall_reason) VALUES "
                     "('" GTIN "', 'LOTR', '261231', now(), 'withdrawn')");
    return 0;
}

/* curl -i of path with the headers of §11.10; the whole answer (status line, headers, body). */
/* The raw answer (status line, headers, body) to GET path with the verifier's key, in a
 * buffer the next call reuses. */
static const char *raw_get(fixture *f, const char *path)
{
    static char raw[8192];
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "curl -s -i -H 'Accept: application/json' -H 'GS1US-Version: 1.3.0' "
             "-H 'Authorization: Bearer %s' '%s%s'",
             f->ver.key, f->env.base_url, path);
    px_test_read(cmd, 1, raw, sizeof(raw));
    return raw;
}

static const char *body_of(const char *raw)
{
    const char *b = strstr(raw, "\r\n\r\n");
    assert_non_null(b);
    return b + 4;
}

/* REQ-VRS-2, REQ-VRS-3: DOMAIN-2.md §11.10, request and answers as the standard writes
 * them; the same in the canonical Digital Link form (§11.2 tolerance). */
static void test_vrs__example_pair(void **state)
{
    fixture *f = *state;
    const char *raw = raw_get(f, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?exp=261231&" Q);
    assert_non_null(strstr(raw, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(raw, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(strstr(raw, "\r\nCache-Control: private, no-cache\r\n"));
    assert_string_equal(body_of(raw),
                        "{\"verificationTimestamp\":\"" TS "\",\"responderGLN\":\"" MAH_GLN
                        "\",\"data\":{\"verified\":true},\"corrUUID\":\"" CORR "\"}");
    raw = raw_get(f, "/vrs/verify/gtin/" GTIN "/lot/LOT9/ser/SN1001?exp=261231&" Q);
    assert_string_equal(body_of(raw),
                        "{\"verificationTimestamp\":\"" TS "\",\"responderGLN\":\"" MAH_GLN
                        "\",\"data\":{\"verified\":false,\"verificationFailureReason\":"
                        "\"No_match_GTIN_Serial_Lot\"},\"corrUUID\":\"" CORR "\"}");
    raw = raw_get(f, "/vrs/verify/01/" GTIN "/10/LOT1/21/SN1001?17=261231&" Q);
    assert_string_equal(body_of(raw),
                        "{\"verificationTimestamp\":\"" TS "\",\"responderGLN\":\"" MAH_GLN
                        "\",\"data\":{\"verified\":true},\"corrUUID\":\"" CORR "\"}");
    raw = raw_get(f, "/vrs/verify/01/" GTIN "/10/LOT1/21/SN1001?17=261230&" Q);
    assert_non_null(strstr(body_of(raw), "\"No_match_GTIN_Serial_Expiry\""));
}

typedef struct {
    int line;
    const char *path_tail; /* after /vrs/verify/gtin/GTIN/ */
    int verified;
    const char *reason, *info;
} answer_vector;

/* REQ-VRS-2, REQ-VRS-3, REQ-VRS-4: every failure reason and status scenario (§11.5, §11.6). */
static void test_vrs__every_reason(void **state)
{
    fixture *f = *state;
    static const answer_vector v[] = {
        {__LINE__, "lot/LOT1/ser/SN1001?exp=261231&", 1, NULL, NULL},
        {__LINE__, "lot/LOT1/ser/SN1002?", 1, NULL, NULL}, /* exp optional; commissioned */
        {__LINE__, "lot/LOT1/ser/NOPE?exp=261231&", 0, "No_match_GTIN_Serial", NULL},
        {__LINE__, "lot/LOT1/ser/ALL1?", 0, "No_match_GTIN_Serial", NULL},
        {__LINE__, "lot/LOT9/ser/SN1001?", 0, "No_match_GTIN_Serial_Lot", NULL},
        {__LINE__, "lot/LOT1/ser/SN1001?exp=270101&", 0, "No_match_GTIN_Serial_Expiry", NULL},
        {__LINE__, "lot/LOT9/ser/SN1001?exp=270101&", 0, "No_match_GTIN_Serial_Lot_Expiry", NULL},
        {__LINE__, "lot/LOT1/ser/STO1?", 0, "Not_for_re-distribution", "Suspect"},
        {__LINE__, "lot/LOT1/ser/REC1?", 0, "Manufacturer_policy", "Recalled"},
        /* A pack of a recalled batch, whatever its own state (docs/verification.md). */
        {__LINE__, "lot/LOTR/ser/RB1?exp=261231&", 0, "Manufacturer_policy", "Recalled"},
        {__LINE__, "lot/LOT1/ser/DIS1?", 0, "Not_for_re-distribution", NULL},
        {__LINE__, "lot/LOT1/ser/EXP1?", 0, "Manufacturer_policy", "Expired"},
        {__LINE__, "lot/LOT0/ser/OLD1?exp=250101&", 1, NULL, "Expired"},
        /* Set 82's '/' and '%' escaped in the path are the values' own characters. */
        {__LINE__, "lot/L%2F2/ser/A%2FB%251?", 1, NULL, NULL},
    };
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char path[512];
        snprintf(path, sizeof(path), "/vrs/verify/gtin/" GTIN "/%s%s", v[i].path_tail, Q);
        px_http_resp r;
        px_http(&f->env, &r, "GET", path, f->ver.key, NULL, NULL);
        if (r.status != 200)
            fail_msg("line %d: %ld %s", v[i].line, r.status, r.body);
        json_t *d = json_object_get(r.json, "data");
        const char *reason = json_string_value(json_object_get(d, "verificationFailureReason"));
        const char *info = json_string_value(json_object_get(d, "additionalInfo"));
        int ok = json_is_boolean(json_object_get(d, "verified")) &&
                 json_boolean_value(json_object_get(d, "verified")) == v[i].verified &&
                 (reason && v[i].reason ? !strcmp(reason, v[i].reason) : reason == v[i].reason) &&
                 (info && v[i].info ? !strcmp(info, v[i].info) : info == v[i].info) &&
                 json_object_size(d) == (size_t)(1 + (reason != NULL) + (info != NULL)) &&
                 json_object_size(r.json) == 4;
        if (!ok)
            fail_msg("line %d: %s", v[i].line, r.body);
        px_http_resp_free(&r);
    }
    /* linkType in the GS1 Web Vocabulary's other spellings, as the resolver passes on the
     * requester's (docs/resolver.md): the same request. */
    static const char *const spellings[] = {
        "gs1:verificationService", "https%3A%2F%2Fref.gs1.org%2Fvoc%2FverificationService"};
    for (size_t i = 0; i < PX_COUNT(spellings); i++) {
        char path[512];
        snprintf(path, sizeof(path),
                 "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?linkType=%s&context="
                 "dscsaSaleableReturn&reqGLN=" REQ_GLN,
                 spellings[i]);
        json_t *j = px_test_call(&f->env, "GET", path, f->ver.key, NULL, 200);
        assert_true(json_is_true(json_object_get(json_object_get(j, "data"), "verified")));
        json_decref(j);
    }
}

/* §11.3: the connectivity check, byte for byte; context defaults and is checked. */
static void test_vrs__check_connectivity(void **state)
{
    fixture *f = *state;
    const char *raw = raw_get(f, "/vrs/checkConnectivity?gtin=" GTIN "&reqGLN=" REQ_GLN);
    assert_non_null(strstr(raw, "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(body_of(raw), "{\"responderGLN\":\"" MAH_GLN "\"}");
    json_decref(px_test_call(&f->env, "GET",
                             "/vrs/checkConnectivity?gtin=" GTIN "&reqGLN=" REQ_GLN
                             "&context=dscsaSaleableReturn",
                             f->ver.key, NULL, 200));
    px_test_expect(&f->env, "GET",
                   "/vrs/checkConnectivity?gtin=" GTIN "&reqGLN=" REQ_GLN "&context=other",
                   f->ver.key, NULL, 400, "bad_request");
    /* A GTIN this responder does not serve: 404 (§11.7). */
    px_test_expect(&f->env, "GET", "/vrs/checkConnectivity?gtin=09506000134352&reqGLN=" REQ_GLN,
                   f->ver.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/vrs/checkConnectivity?reqGLN=" REQ_GLN, f->ver.key, NULL, 400,
                   "bad_request");
    px_test_expect(&f->env, "GET", "/vrs/checkConnectivity?gtin=" GTIN "&reqGLN=" REQ2_GLN,
                   f->ver.key, NULL, 403, "gln_mismatch");
    px_test_expect(&f->env, "GET", "/vrs/checkConnectivity?gtin=" GTIN "&reqGLN=" REQ_GLN, NULL,
                   NULL, 401, "missing_token");
}

/* REQ-VRS-5: every parameter's syntax before anything is read; nothing is logged. */
static void test_vrs__bad_parameters(void **state)
{
    fixture *f = *state;
    static const struct {
        int line;
        const char *path;
        const char *field; /* the parameter the refusal names, as the request named it */
    } bad[] = {
        {__LINE__, "/vrs/verify/gtin/0035515494495/lot/L/ser/S?" Q, "gtin"},
        {__LINE__, "/vrs/verify/gtin/00355154944955/lot/L/ser/S?" Q, "gtin"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/123456789012345678901/ser/S?" Q, "lot"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S%20S?" Q, "ser"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?exp=261331&" Q, "exp"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?exp=2612&" Q, "exp"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?linkType=gs1:pip&"
         "context=dscsaSaleableReturn&reqGLN=" REQ_GLN,
         "linkType"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?context=dscsaSaleableReturn&reqGLN=" REQ_GLN,
         "linkType"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?linkType=verificationService&"
         "context=dscsaReturn&reqGLN=" REQ_GLN,
         "context"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?linkType=verificationService&"
         "context=dscsaSaleableReturn",
         "reqGLN"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?linkType=verificationService&"
         "context=dscsaSaleableReturn&reqGLN=0614141000006",
         "reqGLN"},
        {__LINE__,
         "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?linkType=verificationService&"
         "context=dscsaSaleableReturn&reqGLN=" REQ_GLN "&corrUUID=1234",
         "corrUUID"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?ctrlPossessAtt=maybe&" Q,
         "ctrlPossessAtt"},
        /* an address needs something on each side of its '@' (the log keeps it) */
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?email=a%40&" Q, "email"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/L/ser/S?email=%40b&" Q, "email"},
        {__LINE__, "/vrs/verify/01/" GTIN "/10/L/21/S?17=991332&" Q, "17"},
        {__LINE__, "/vrs/verify/01/00355154944955/10/L/21/S?" Q, "01"},
        {__LINE__, "/vrs/verify/01/" GTIN "/10/123456789012345678901/21/S?" Q, "10"},
        {__LINE__, "/vrs/verify/01/" GTIN "/10/L/21/S%20S?" Q, "21"},
        /* the other form's name of the expiry: refused, never a verdict without it */
        {__LINE__, "/vrs/verify/01/" GTIN "/10/LOT1/21/SN1001?exp=261230&" Q, "exp"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?17=261230&" Q, "17"},
        /* a name the responder reads, given twice: which would count? the second would be
         * dropped without a word */
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?exp=261231&exp=270101&" Q, "exp"},
        {__LINE__, "/vrs/verify/01/" GTIN "/10/LOT1/21/SN1001?17=261231&17=270101&" Q, "17"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?reqGLN=" REQ_GLN "&" Q, "reqGLN"},
        {__LINE__, "/vrs/checkConnectivity?gtin=" GTIN "&gtin=" GTIN "&" Q, "gtin"},
        /* the responder reads a name whatever its case (EXP is exp), so the name in another
         * case is the same name twice: the mismatching expiry would be dropped, the pack
         * verified without it */
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?exp=261231&EXP=270101&" Q, "exp"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?Exp=270101&exp=261231&" Q, "exp"},
        {__LINE__, "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?" Q "&REQGLN=" REQ2_GLN,
         "reqGLN"},
    };
    const char *counted[] = {"vrs_request", NULL};
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        px_http_resp r;
        px_test_rows rows;
        px_test_rows_begin(&rows, &f->env, counted);
        px_http(&f->env, &r, "GET", bad[i].path, f->ver.key, NULL, NULL);
        if (r.status != 400 || strcmp(px_http_error_code(&r), "bad_request") != 0)
            fail_msg("line %d: %ld %s", bad[i].line, r.status, r.body);
        if (bad[i].field)
            px_expect_detail(r.json, 0, -1, NULL, bad[i].field);
        px_http_resp_free(&r);
        px_test_rows_same(&rows, "a refused request is not logged");
    }
    /* A lot past any path value's bound (255 bytes) is a bad lot, refused as every bad
     * parameter here, not a missing route. */
    char path[800] = "/vrs/verify/gtin/" GTIN "/lot/";
    memset(path + strlen(path), 'L', 300);
    strcat(path, "/ser/S?" Q);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->ver.key, NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(px_http_error_code(&r), "bad_request");
    px_expect_detail(r.json, 0, -1, NULL, "lot");
    px_http_resp_free(&r);
}

/* REQ-VRS-6, REQ-VRS-1: who may ask. */
static void test_vrs__authentication(void **state)
{
    fixture *f = *state;
    const char *path = "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?" Q;
    px_test_expect(&f->env, "GET", path, NULL, NULL, 401, "missing_token");
    px_test_expect(&f->env, "GET", path, "pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                   401, "invalid_token");
    /* A key of another role: the responder is for trading partners (policy). */
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 403, "forbidden_role");
    /* Another verifier cannot speak for this GLN, and this one not for the other's. */
    px_test_expect(&f->env, "GET", path, f->ver2.key, NULL, 403, "gln_mismatch");
    /* An unknown GTIN: not served here (§11.7 404). */
    px_test_expect(&f->env, "GET", "/vrs/verify/gtin/09506000134352/lot/L/ser/S?" Q, f->ver.key,
                   NULL, 404, "not_found");
    /* The operator mints verifier keys; a MAH may not (REQ-KEY-1). */
    px_test_expect(&f->env, "POST", "/v1/keys", f->mah.key, "{\"role\":\"verifier\"}", 403,
                   "forbidden_role");
    /* A verifier organization has a GLN, or it could never be answered. */
    int rc = 0;
    const char *no_gln[] = {"org", "create", "--kind", "verifier", "--name", "No GLN", NULL};
    json_t *j = px_test_cli(&f->env, &rc, no_gln);
    assert_int_not_equal(rc, 0);
    json_decref(j);
    /* A revoked verifier key is refused like an unknown one. */
    char key[64];
    px_test_key(&f->env, f->ver.org, "verifier", key);
    json_decref(px_test_call(&f->env, "GET", path, key, NULL, 200));
    char kid[64];
    px_sql_textf(&f->env, kid, sizeof(kid),
                 "SELECT id FROM api_key WHERE org_id = '%s' ORDER BY created_at DESC LIMIT 1",
                 f->ver.org);
    const char *revoke[] = {"key", "revoke", kid, NULL};
    json_decref(px_test_cli(&f->env, &rc, revoke));
    assert_int_equal(rc, 0);
    px_test_expect(&f->env, "GET", path, key, NULL, 401, "invalid_token");
}

/* A missing corrUUID: the responder makes one (as quartet does) and echoes it. */
static void test_vrs__corr_uuid_made(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "GET",
                             "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/SN1001?linkType="
                             "verificationService&context=dscsaSaleableReturn&reqGLN=" REQ_GLN,
                             f->ver.key, NULL, 200);
    const char *u = px_test_str(j, "corrUUID");
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[8], '-');
    json_decref(j);
}

static long long page_count(fixture *f, const char *key, const char *want_gtin)
{
    char path[512] = "/v1/verification-requests?first=3";
    long long n = 0;
    for (int pages = 0; pages < 1000; pages++) {
        json_t *page = px_test_call(&f->env, "GET", path, key, NULL, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(page, "items"), i, it)
        {
            if (want_gtin)
                assert_string_equal(px_test_str(it, "gtin"), want_gtin);
            n++;
        }
        int more = px_test_next_page(page, "/v1/verification-requests?first=3", path, sizeof(path));
        json_decref(page);
        if (!more)
            return n;
    }
    fail_msg("paging does not end");
    return -1;
}

/* REQ-VRS-7, REQ-VRS-8: every answered request is logged with one INSERT and nothing else;
 * the MAH (and its auditor) lists the requests about its products, a verifier its own. */
static void test_vrs__request_log(void **state)
{
    fixture *f = *state;
    /* One request of the second verifier about the other MAH's product. */
    char path[512];
    snprintf(
        path, sizeof(path),
        "/vrs/verify/gtin/%s/lot/LOT1/ser/SN1001?linkType=verificationService&context="
        "dscsaSaleableReturn&reqGLN=" REQ2_GLN "&corrUUID=" CORR
        "&ctrlPossessAtt=true&email=returns%%40wholesaler.example&telephone=%%2B1%%20555%%200100",
        f->gtin2);
    const char *counted[] = {"audit_log", "serial", "epcis_event", "webhook_delivery", NULL};
    px_test_rows rows;
    px_test_rows_begin(&rows, &f->env, counted);
    long long before = px_sql_count(&f->env, "SELECT count(*) FROM vrs_request");
    json_decref(px_test_call(&f->env, "GET", path, f->ver2.key, NULL, 200));
    px_expect_count(&f->env, before + 1, "SELECT count(*) FROM vrs_request");
    px_test_rows_same(&rows, "a verification writes its log row and nothing else");

    long long mah_rows =
        px_count_of(&f->env, "SELECT count(*) FROM vrs_request WHERE tenant_id = '%s'", f->mah.org);
    assert_true(mah_rows >= 10);
    assert_int_equal(page_count(f, f->mah.key, GTIN), mah_rows);
    assert_int_equal(page_count(f, f->auditor_key, GTIN), mah_rows);
    assert_int_equal(page_count(f, f->mah2.key, f->gtin2), 1);
    /* Verifiers: their own requests only; the second sees its one, never the first's. */
    assert_int_equal(page_count(f, f->ver2.key, f->gtin2), 1);
    assert_int_equal(page_count(f, f->ver.key, GTIN),
                     px_count_of(&f->env,
                                 "SELECT count(*) FROM vrs_request WHERE requester_id = '%s'",
                                 f->ver.org));
    /* What one row says: who, when, what, the answer. */
    json_t *page =
        px_test_call(&f->env, "GET", "/v1/verification-requests?first=1", f->mah2.key, NULL, 200);
    json_t *it = json_array_get(json_object_get(page, "items"), 0);
    assert_string_equal(px_test_str(it, "kind"), "verify");
    assert_string_equal(px_test_str(it, "at"), TS);
    assert_string_equal(px_test_str(it, "requester_org_id"), f->ver2.org);
    assert_string_equal(px_test_str(it, "req_gln"), REQ2_GLN);
    assert_string_equal(px_test_str(it, "responder_gln"), "0950600000002");
    assert_string_equal(px_test_str(it, "lot"), "LOT1");
    assert_string_equal(px_test_str(it, "serial"), "SN1001");
    assert_string_equal(px_test_str(it, "corr_uuid"), CORR);
    /* R1.3's attestation and contact, as the request gave them (migration 0209). */
    assert_true(json_is_true(json_object_get(it, "ctrl_possess_att")));
    assert_string_equal(px_test_str(it, "email"), "returns@wholesaler.example");
    assert_string_equal(px_test_str(it, "telephone"), "+1 555 0100");
    assert_true(json_is_true(json_object_get(json_object_get(it, "answer"), "verified")));
    json_decref(page);
    /* Other roles: forbidden; a bad cursor: 400. */
    px_test_party cmo;
    px_test_org_key(&f->env, "cmo", "Some CMO", "cmo", cmo.org, cmo.key);
    px_test_expect(&f->env, "GET", "/v1/verification-requests", cmo.key, NULL, 403,
                   "forbidden_role");
    px_test_expect(&f->env, "GET", "/v1/verification-requests", NULL, NULL, 401, "missing_token");
    px_test_expect(&f->env, "GET", "/v1/verification-requests?after=zzz", f->mah.key, NULL, 400,
                   "bad_request");
}

/* The answer's data object of a verify of path (200 expected); the caller json_decref()s. */
static json_t *data_of(fixture *f, const char *path)
{
    json_t *j = px_test_call(&f->env, "GET", path, f->ver.key, NULL, 200);
    json_t *d = json_incref(json_object_get(j, "data"));
    json_decref(j);
    return d;
}

/* REQ-VRS-9: the MAH picks the GS1 US scenario for recalled and expired packs (§11.6). */
static void test_vrs__settings(void **state)
{
    fixture *f = *state;
    const char *rec = "/vrs/verify/gtin/" GTIN "/lot/LOT1/ser/REC1?" Q;
    const char *old = "/vrs/verify/gtin/" GTIN "/lot/LOT0/ser/OLD1?" Q;
    json_t *j = px_test_call(&f->env, "GET", "/v1/vrs-settings", f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "recalled"), "B2");
    assert_string_equal(px_test_str(j, "expired"), "B1");
    json_decref(j);
    j = px_test_call(&f->env, "PUT", "/v1/vrs-settings", f->mah.key, "{\"recalled\":\"B1\"}", 200);
    assert_string_equal(px_test_str(j, "recalled"), "B1");
    assert_string_equal(px_test_str(j, "expired"), "B1");
    json_decref(j);
    json_t *d = data_of(f, rec); /* B1: verified, Recalled */
    assert_true(json_is_true(json_object_get(d, "verified")));
    assert_string_equal(px_test_str(d, "additionalInfo"), "Recalled");
    assert_null(json_object_get(d, "verificationFailureReason"));
    json_decref(d);
    json_decref(
        px_test_call(&f->env, "PUT", "/v1/vrs-settings", f->mah.key, "{\"expired\":\"B2\"}", 200));
    d = data_of(f, old); /* B2-Expiration */
    assert_true(json_is_false(json_object_get(d, "verified")));
    assert_string_equal(px_test_str(d, "verificationFailureReason"), "Manufacturer_policy");
    assert_string_equal(px_test_str(d, "additionalInfo"), "Expired");
    json_decref(d);
    json_decref(px_test_call(&f->env, "PUT", "/v1/vrs-settings", f->mah.key,
                             "{\"expired\":\"default\"}", 200));
    d = data_of(f, old); /* Default: the expiry is not looked at */
    assert_true(json_is_true(json_object_get(d, "verified")));
    assert_int_equal(json_object_size(d), 1);
    json_decref(d);
    /* Another MAH's settings are its own: its GTIN still answers by the defaults (B2 for a
     * recalled pack) while the first MAH's recalled are B1. */
    j = px_test_call(&f->env, "GET", "/v1/vrs-settings", f->mah2.key, NULL, 200);
    assert_string_equal(px_test_str(j, "recalled"), "B2");
    json_decref(j);
    /* (A request about gtin2: after test_vrs__request_log, which counts them; the tests run
     * in the order written.) */
    char rec2[320];
    snprintf(rec2, sizeof(rec2), "/vrs/verify/gtin/%s/lot/LOT1/ser/REC2?" Q, f->gtin2);
    d = data_of(f, rec2);
    assert_true(json_is_false(json_object_get(d, "verified")));
    assert_string_equal(px_test_str(d, "verificationFailureReason"), "Manufacturer_policy");
    assert_string_equal(px_test_str(d, "additionalInfo"), "Recalled");
    json_decref(d);
    px_test_expect_field(&f->env, "PUT", "/v1/vrs-settings", f->mah.key, "{\"recalled\":\"B3\"}",
                         "recalled", NULL);
    px_test_expect_field(&f->env, "PUT", "/v1/vrs-settings", f->mah.key, "{\"other\":1}", "other",
                         NULL);
    px_test_expect(&f->env, "PUT", "/v1/vrs-settings", f->ver.key, "{\"recalled\":\"B1\"}", 403,
                   "forbidden_role");
    px_test_expect(&f->env, "GET", "/v1/vrs-settings", f->auditor_key, NULL, 403, "forbidden_role");
    /* Each change is audited, old and new. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = 'vrs.settings' "
                    "AND tenant_id = '%s' AND details->>'old_expired' = 'B2' AND "
                    "details->>'expired' = 'default'",
                    f->mah.org);
    /* Back to the defaults for the tests after this one. */
    json_decref(px_test_call(&f->env, "PUT", "/v1/vrs-settings", f->mah.key,
                             "{\"recalled\":\"B2\",\"expired\":\"B1\"}", 200));
    d = data_of(f, rec);
    assert_string_equal(px_test_str(d, "verificationFailureReason"), "Manufacturer_policy");
    json_decref(d);
}

/* The responder serves US DSCSA products only (px_market_vrs_answers): a GTIN of a product for
 * another market is not served here, as one the Lookup Directory does not list (404, §11.7),
 * for its packs, a serial never stored and the connectivity check alike; nothing is logged. */
static void test_vrs__another_markets_gtin_not_served(void **state)
{
    fixture *f = *state;
    const char *gtin = "00355154000018"; /* another product under the MAH's prefix */
    char path[512];
    px_test_product(&f->env, f->mah.key, gtin, "Example 10 mg (DE)", "DE");
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES ('%s', "
            "'EU1', 'released', 'external', 'LOT1', '261231')",
            gtin);
    long long logged = px_sql_count(&f->env, "SELECT count(*) FROM vrs_request");
    const char *const sers[] = {"EU1", "NOPE1"}; /* the pack, and a serial never stored */
    for (size_t i = 0; i < PX_COUNT(sers); i++) {
        snprintf(path, sizeof(path), "/vrs/verify/gtin/%s/lot/LOT1/ser/%s?exp=261231&" Q, gtin,
                 sers[i]);
        px_test_expect(&f->env, "GET", path, f->ver.key, NULL, 404, "not_found");
    }
    snprintf(path, sizeof(path), "/vrs/checkConnectivity?gtin=%s&reqGLN=" REQ_GLN, gtin);
    px_test_expect(&f->env, "GET", path, f->ver.key, NULL, 404, "not_found");
    px_expect_count(&f->env, logged, "SELECT count(*) FROM vrs_request");
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
