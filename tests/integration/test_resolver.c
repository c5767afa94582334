/* The Digital Link resolver, scan intelligence and the public routes' limits (docs/resolver.md)
 * over a real server: the page a phone gets (read back by headless Chromium), the linkset
 * (checked with GS1's own linkset schema), redirects and 404s of DOMAIN-2.md §12.1, the
 * well-known file, a clone flagged by impossible travel with exactly one signed webhook, the
 * MAH closing its alert, enumeration slowed, and 429 for one client while another is served. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "gs1.h"
#include "px_array.h"
#include "px_receiver.h"
#include "px_test.h"

#define SECRET "resolver-hook-secret-1"
#define LINKSET_SCHEMA PX_SHARED_DIR "/reference/linkset/gs1-linkset-schema.json"

typedef struct fixture {
    px_test_env env;
    px_receiver rv;
    px_test_party mah;
    char other_key[64];
    char gtin[15];
} fixture;

/* ---- a request that keeps the answer's headers (Location, CSP, Link, Retry-After) ------- */

/* method path with optional Accept and extra headers (a NULL-terminated list), from source
 * address `from` (NULL: the default, 127.0.0.1). */
static void request(px_test_env *env, px_http_resp *a, const char *method, const char *path,
                    const char *accept, const char *const *extra, const char *from)
{
    const char *h[12];
    char acc[256];
    size_t n = 0;
    if (accept) {
        snprintf(acc, sizeof(acc), "Accept: %s", accept);
        h[n++] = acc;
    }
    for (int i = 0; extra && extra[i] && n + 1 < PX_COUNT(h); i++)
        h[n++] = extra[i];
    h[n] = NULL;
    px_http_from(env, a, method, path, NULL, NULL, h, from);
}

/* GET path with optional Accept and one extra header, from source address `from`. */
static void get(px_test_env *env, px_http_resp *a, const char *path, const char *accept,
                const char *extra, const char *from)
{
    const char *const hs[] = {extra, NULL};
    request(env, a, "GET", path, accept, hs, from);
}

/* GET path (accept, extra: one more header; NULL: none): fails unless the answer is want (0:
 * not compared) and its body holds has and not lacks (NULL: not looked for). */
static void expect_get(px_test_env *env, const char *path, const char *accept, const char *extra,
                       long want, const char *has, const char *lacks)
{
    px_http_resp a;
    get(env, &a, path, accept, extra, NULL);
    if ((want && a.status != want) || (has && !strstr(a.body, has)) ||
        (lacks && strstr(a.body, lacks)))
        fail_msg("GET %s: %ld %s, want %ld with %s and without %s", path, a.status, a.body, want,
                 has ? has : "-", lacks ? lacks : "-");
    px_http_resp_free(&a);
}

/* Each of the strings want (NULL-terminated) is in a's body. */
static void body_has(const px_http_resp *a, const char *const *want)
{
    for (; *want; want++)
        if (!strstr(a->body, *want))
            fail_msg("no %s in %s", *want, a->body);
}

static void expect_page(fixture *f, const char *path, const char *verdict)
{
    px_http_resp a;
    get(&f->env, &a, path, "text/html,application/xhtml+xml,*/*;q=0.8", NULL, NULL);
    if (a.status != 200)
        fail_msg("%s: %ld %s", path, a.status, a.body);
    char want[96], ct[128];
    px_http_header(&a, "Content-Type", ct, sizeof(ct));
    assert_non_null(strstr(ct, "text/html"));
    snprintf(want, sizeof(want), "data-verdict=\"%s\"", verdict);
    if (!strstr(a.body, want))
        fail_msg("%s: no %s in %s", path, want, a.body);
    px_http_resp_free(&a);
}

/* ---- fixture ------------------------------------------------------------------------- */

static int setup(void **state)
{
    fixture *f = px_receiver_fixture_new(sizeof(*f));
    px_receiver_allow(&f->env, f->rv.port, 0);
    static const char *const settings[] = {
        "PACKID_DELIVERY_BACKOFF_MS=100", "PACKID_PUBLIC_RATE=100000", "PACKID_PUBLIC_BURST=100000",
        "PACKID_TRUSTED_PROXY=127.0.0.1", "PACKID_ENUM_LIMIT=5",       NULL};
    px_test_setenv_list(&f->env, settings);
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Resolver MAH", "mah", f->mah.org, f->mah.key);
    char other_org[40];
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", other_org, f->other_key);
    px_test_gtin(f->gtin, 777);
    /* A US product: its linkset offers the DSCSA responder (another market's does not,
     * test_resolver__linkset_of_another_market). */
    px_test_product(&f->env, f->mah.key, f->gtin, "Examplamab 50 mg tablets", "US");
    px_sqlf(
        &f->env,
        "UPDATE product SET master_data = '{\"strength\": \"50 mg\", \"dosage_form\": \"tablet\", "
        "\"internal_cost\": \"12.40\"}' WHERE gtin = '%s'; "
        "INSERT INTO serial (gtin, serial, state, origin, batch, expiry, reason) VALUES "
        "('%s', 'GEN1', 'released', 'external', 'B1', '751231', NULL), "
        "('%s', 'CLN1', 'released', 'external', 'B1', '751231', NULL), "
        "('%s', 'STO1', 'decommissioned', 'external', 'B1', '751231', 'stolen'), "
        "('%s', 'DIS1', 'decommissioned', 'external', 'B1', '751231', 'dispensed'), "
        "('%s', 'BUF1', 'released', 'external', 'B1', '751231', NULL), "
        "('%s', 'MON1', 'released', 'external', 'B1', '751231', NULL), "
        "('%s', 'CLI1', 'released', 'external', 'B1', '751231', NULL), "
        "('%s', 'HED1', 'released', 'external', 'B1', '751231', NULL)",
        f->gtin, f->gtin, f->gtin, f->gtin, f->gtin, f->gtin, f->gtin, f->gtin, f->gtin);
    char path[128], body[256];
    snprintf(path, sizeof(path), "/v1/products/%s/passport", f->gtin);
    json_decref(px_http_expect(&f->env, "PUT", path, f->mah.key,
                               "{\"public_fields\":[\"strength\",\"dosage_form\"]}", NULL, 200,
                               NULL));
    /* Asked as a GTIN-13, answered in 14 digits, as every GTIN in an answer. */
    assert_int_equal(f->gtin[0], '0');
    snprintf(path, sizeof(path), "/v1/products/%s/passport", f->gtin + 1);
    json_t *pp = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 200, NULL);
    assert_string_equal(px_test_str(pp, "gtin"), f->gtin);
    json_decref(pp);
    snprintf(path, sizeof(path), "/v1/products/%s/passport", f->gtin);
    snprintf(body, sizeof(body),
             "{\"url\":\"http://127.0.0.1:%d/hook\",\"secret\":\"" SECRET "\","
             "\"events\":[\"clone.suspected\"]}",
             f->rv.port);
    json_decref(px_http_expect(&f->env, "PUT", "/v1/webhook", f->mah.key, body, NULL, 200, NULL));
    *state = f;
    return 0;
}

/* ---- the page --------------------------------------------------------------------------- */

/* The style element's content, hashed by `openssl` (an outside oracle) as CSP's hash-source. */
static void style_hash(const char *html, char *out, size_t cap)
{
    char css[4096];
    px_between(html, "<style>", "</style>", css, sizeof(css));
    assert_true(css[0] != '\0');
    px_test_pipe("openssl dgst -sha256 -binary | openssl base64 -A", css, strlen(css), out, cap);
    out[strcspn(out, "\n")] = '\0';
}

static void test_resolver__page(void **state)
{
    fixture *f = *state;
    char path[256], got[512], hash[128], want[256], ct[128];
    px_http_resp a;
    snprintf(path, sizeof(path), "/01/%s/21/GEN1", f->gtin);
    get(&f->env, &a, path, "text/html", NULL, NULL);
    assert_int_equal(a.status, 200);
    /* The verdict, the product, its batch and expiry; the fields the MAH made public, and not
     * the others. */
    body_has(&a, (const char *const[]){"data-verdict=\"genuine\"", "Examplamab 50 mg tablets",
                                       ">B1<", "2075-12-31", "50 mg", "tablet", NULL});
    assert_null(strstr(a.body, "12.40"));
    /* No script at all, and a policy that would block one; the inline style by its hash. */
    assert_null(strstr(a.body, "<script"));
    px_http_header(&a, "Content-Security-Policy", got, sizeof(got));
    assert_non_null(strstr(got, "default-src 'none'"));
    assert_null(strstr(got, "unsafe-inline"));
    style_hash(a.body, hash, sizeof(hash));
    snprintf(want, sizeof(want), "style-src 'sha256-%s'", hash);
    if (!strstr(got, want))
        fail_msg("CSP %s does not allow the page's style (%s)", got, want);
    /* The headers of every page packid shows (the console's too): not framed, not sniffed,
     * no Referer sent on. */
    static const char *const page[][2] = {{"X-Frame-Options", "DENY"},
                                          {"X-Content-Type-Options", "nosniff"},
                                          {"Referrer-Policy", "no-referrer"}};
    for (size_t i = 0; i < PX_COUNT(page); i++) {
        px_http_header(&a, page[i][0], got, sizeof(got));
        assert_string_equal(got, page[i][1]);
    }
    /* §12.1 item 9: a link to the linkset even on the page. */
    px_http_header(&a, "Link", got, sizeof(got));
    assert_non_null(strstr(got, "rel=\"linkset\""));
    px_http_resp_free(&a);

    /* Every verdict is a page; unknown packs and unknown GTINs too, never an error. The
     * path is /01/<gtin><rest>, gtin NULL the group's product's. */
    static const struct {
        const char *gtin, *rest, *verdict;
    } pages[] = {
        {NULL, "/21/NOPE1", "unknown"},
        {"09506000134352", "/21/GEN1", "unknown"},
        {NULL, "/21/DIS1", "decommissioned"},
        /* The other forms: lot in the path, expiry as an attribute, a trailing '/', GTIN-13. */
        {NULL, "/10/B1/21/GEN1", "genuine"},
        {NULL, "/10/B9/21/GEN1", "mismatch"},
        {NULL, "/21/GEN1?17=751231", "genuine"},
        {NULL, "/21/GEN1?17=301230", "mismatch"},
        {NULL, "/21/GEN1/", "genuine"},
    };
    for (size_t i = 0; i < PX_COUNT(pages); i++) {
        snprintf(path, sizeof(path), "/01/%s%s", pages[i].gtin ? pages[i].gtin : f->gtin,
                 pages[i].rest);
        expect_page(f, path, pages[i].verdict);
    }
    /* A compressed link (GS1 Digital Link compression) resolves too, and names its
     * uncompressed form (§12.1 item 3). */
    gs1_elements e = {0};
    px_err err = PX_ERR_INIT;
    assert_int_equal(gs1_elements_add(&e, "01", f->gtin, &err), PX_OK);
    assert_int_equal(gs1_elements_add(&e, "21", "GEN1", &err), PX_OK);
    char uri[512];
    assert_int_equal(gs1_dl_compress_elements(uri, sizeof(uri), "https://x.example", &e, 0, &err),
                     PX_OK);
    get(&f->env, &a, uri + strlen("https://x.example"), "text/html", NULL, NULL);
    if (a.status != 200 || !strstr(a.body, "data-verdict=\"genuine\""))
        fail_msg("%s: %ld %s", uri, a.status, a.body);
    snprintf(want, sizeof(want), "<%s/01/%s/21/GEN1>; rel=\"owl:sameAs\"", f->env.base_url,
             f->gtin);
    if (!strstr(a.headers, want))
        fail_msg("no %s in %s", want, a.headers);
    px_http_resp_free(&a);
    /* So does one with a trailing slash (§12.1 item 12), and one partially compressed (the key
     * and its value kept: /01/<gtin>/<data>), whose uncompressed form is named as well; an
     * uncompressed link names none. */
    char partial[512], slashed[600];
    assert_int_equal(gs1_dl_compress_elements(partial, sizeof(partial), "https://x.example", &e,
                                              GS1_DL_PARTIAL, &err),
                     PX_OK);
    snprintf(slashed, sizeof(slashed), "%s/", uri + strlen("https://x.example"));
    const char *const compressed[] = {slashed, partial + strlen("https://x.example")};
    for (size_t i = 0; i < PX_COUNT(compressed); i++) {
        get(&f->env, &a, compressed[i], "text/html", NULL, NULL);
        if (a.status != 200 || !strstr(a.body, "data-verdict=\"genuine\"") ||
            !strstr(a.headers, want))
            fail_msg("%s: %ld %s %s", compressed[i], a.status, a.headers, a.body);
        px_http_resp_free(&a);
    }
    snprintf(path, sizeof(path), "/01/%s/21/GEN1", f->gtin);
    get(&f->env, &a, path, "text/html", NULL, NULL);
    assert_null(strstr(a.headers, "owl:sameAs"));
    px_http_resp_free(&a);
    /* The uncompressed form is the whole link: an expiry the compressed data carries is part
     * of it (a link without it says less, and is not the same), and so are the request's
     * other query pairs; fully and partially compressed alike. */
    assert_int_equal(gs1_elements_add(&e, "17", "751231", &err), PX_OK);
    snprintf(want, sizeof(want), "<%s/01/%s/21/GEN1?17=751231&lang=en>; rel=\"owl:sameAs\"",
             f->env.base_url, f->gtin);
    for (unsigned flags = 0; flags <= GS1_DL_PARTIAL; flags += GS1_DL_PARTIAL) {
        assert_int_equal(
            gs1_dl_compress_elements(uri, sizeof(uri), "https://x.example", &e, flags, &err),
            PX_OK);
        snprintf(path, sizeof(path), "%s?lang=en", uri + strlen("https://x.example"));
        get(&f->env, &a, path, "application/json", NULL, NULL);
        if (a.status != 200 || !strstr(a.body, "genuine") || !strstr(a.headers, want))
            fail_msg("%s: %ld %s %s, want %s", path, a.status, a.headers, a.body, want);
        px_http_resp_free(&a);
    }
    /* A mismatch does not show the genuine batch and expiry. */
    snprintf(path, sizeof(path), "/01/%s/10/B9/21/GEN1", f->gtin);
    expect_get(&f->env, path, "text/html", NULL, 200, "data-verdict=\"mismatch\"", "2075-12-31");
    expect_get(&f->env, path, "text/html", NULL, 200, "data-verdict=\"mismatch\"", ">B1<");
    /* §12.1 item 2: a syntax error is 400 (a wrong check digit): in the error shape to a
     * machine, as a page in words to a person's browser (docs/resolver.md "The page"). */
    expect_get(&f->env, "/01/09506000134353/21/GEN1", "application/json", NULL, 400,
               "\"code\":\"bad_request\"", NULL);
    get(&f->env, &a, "/01/09506000134353/21/GEN1", "text/html", NULL, NULL);
    assert_int_equal(a.status, 400);
    px_http_header(&a, "Content-Type", ct, sizeof(ct));
    assert_non_null(strstr(ct, "text/html"));
    assert_non_null(strstr(a.body, "data-verdict=\"\">not checked</h1>"));
    assert_non_null(strstr(a.body, "misprinted"));
    assert_null(strstr(a.body, "\"code\""));
    px_http_resp_free(&a);
    /* A serial left empty (the trailing '/' the resolver tolerates) is said to be empty, not
     * read as an unknown AI. */
    expect_get(&f->env, "/01/09506000134352/21/", "application/json", NULL, 400,
               "the serial (AI 21) in the path is empty", "unknown AI");
    /* A value over the 255 bytes of a path parameter is the Digital Link's syntax error too,
     * 400 as any other (docs/api.md "Limits"), not an unknown route. */
    char overlong[400];
    snprintf(overlong, sizeof(overlong), "/01/%s/21/%0300d", f->gtin, 0);
    expect_get(&f->env, overlong, "application/json", NULL, 400, "\"code\":\"bad_request\"", NULL);
    /* A link of another key (an SSCC, DOMAIN-2.md's worked example): 404, as a page too. */
    expect_get(&f->env, "/00/003551540000001015", "text/html", NULL, 404,
               "not a code this service checks", NULL);
    /* The same refusal is JSON to a machine and a page to a browser: both say Vary: Accept,
     * or a shared cache could keep the machine's 404 (cacheable by default, RFC 9111 §4.2.2)
     * and hand it to the next phone that scans the code (docs/resolver.md "Content
     * negotiation": every answer carries Vary). */
    const char *const refused[] = {"/00/003551540000001015", "/01/09506000134353/21/GEN1"};
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        get(&f->env, &a, refused[i], "application/json", NULL, NULL);
        char vary[64];
        px_http_header(&a, "Vary", vary, sizeof(vary));
        if (a.status < 400 || !strstr(vary, "Accept"))
            fail_msg("GET %s as JSON: %ld, Vary \"%s\"", refused[i], a.status, vary);
        px_http_resp_free(&a);
    }
    /* A path shaped like a compressed link that is none (a mistyped route) is an unknown
     * route, in the error shape, whatever the client accepts. */
    expect_get(&f->env, "/healthzzz", "*/*", NULL, 404, "\"code\":\"not_found\"", NULL);
    /* A product's own code: no "do not use the pack" for a known product. */
    snprintf(path, sizeof(path), "/01/%s", f->gtin);
    expect_get(&f->env, path, "text/html", NULL, 200, ">product</h1>", "Do not use");
}

static void need_chromium(void)
{
    if (px_test_shell("command -v chromium >/dev/null 2>&1") != 0)
        fail_msg("chromium is not installed (scripts/setup.sh installs it)");
}

/* Headless Chromium loads the page of the pack GTIN/serial; the verdict its DOM shows is want. */
static void chromium_verdict(fixture *f, const char *serial, const char *want)
{
    char cmd[1024], dom[65536], verdict[64];
    snprintf(cmd, sizeof(cmd),
             "HOME=$(mktemp -d) timeout 120 chromium --headless --no-sandbox --disable-gpu "
             "--no-first-run --dump-dom '%s/01/%s/21/%s' 2>/dev/null",
             f->env.base_url, f->gtin, serial);
    px_test_read(cmd, 1, dom, sizeof(dom));
    px_between(dom, "id=\"verdict\"", "</h1>", verdict, sizeof(verdict));
    const char *text = strchr(verdict, '>');
    if (!text || strcmp(text + 1, want) != 0)
        fail_msg("chromium's DOM has no %s verdict: %.400s", want, dom);
}

/* The page writes a pack's YYMMDD expiry as a date with the century of GenSpecs §7.12, read
 * against the year of packid's clock (px_expiry_iso): under a clock in 2081, "900101" is
 * 1 January 2090 (a good pack); read against 2026 it would be 1990. */
static void test_resolver__page_expiry_century(void **state)
{
    (void)state;
    px_test_env env = {0};
    px_test_db_create(&env);
    px_test_setenv(&env, "PACKID_ALLOW_TEST_CLOCK=1");
    px_test_setenv(&env, "PACKID_TEST_NOW=2081-06-01T10:00:00Z");
    px_test_server_start(&env);
    char org[40], key[64], gtin[15], path[64];
    px_test_org_key(&env, "mah", "Century MAH", "mah", org, key);
    px_test_gtin(gtin, 778);
    px_test_product(&env, key, gtin, "Century pack", "DE");
    px_sqlf(&env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES "
            "('%s', 'C90', 'released', 'external', 'B9', '900101')",
            gtin);
    snprintf(path, sizeof(path), "/01/%s/21/C90", gtin);
    px_http_resp a;
    get(&env, &a, path, "text/html", NULL, NULL);
    /* Read before the assertions, so that a failure leaves no server behind. */
    long status = a.status;
    int genuine = strstr(a.body, "data-verdict=\"genuine\"") != NULL;
    int dated = strstr(a.body, "2090-01-01") != NULL;
    px_http_resp_free(&a);
    px_test_teardown(&env);
    assert_int_equal(status, 200);
    assert_true(genuine);
    assert_true(dated);
}

/* A phone's browser: headless Chromium loads the page from the server and the test reads the
 * verdict from the DOM it built. */
static void test_resolver__chromium_reads_the_verdict(void **state)
{
    fixture *f = *state;
    need_chromium();
    chromium_verdict(f, "GEN1", "genuine");
    chromium_verdict(f, "STO1", "suspect");
}

/* ---- machines: the linkset, JSON, redirects, the well-known file ----------------------- */

static void check_linkset(fixture *f, const px_http_resp *a, const char *anchor_path)
{
    json_t *j = json_loadb(a->body, a->len, 0, NULL);
    assert_non_null(j);
    json_t *item = json_array_get(json_object_get(j, "linkset"), 0);
    char anchor[256];
    snprintf(anchor, sizeof(anchor), "%s%s", f->env.base_url, anchor_path);
    assert_string_equal(px_test_str(item, "anchor"), anchor);
    assert_string_equal(px_test_str(item, "itemDescription"), "Examplamab 50 mg tablets");
    json_t *def = json_object_get(item, "https://ref.gs1.org/voc/defaultLink");
    assert_int_equal(json_array_size(def), 1);
    assert_string_equal(px_test_str(json_array_get(def, 0), "href"), anchor);
    json_t *vs =
        json_array_get(json_object_get(item, "https://ref.gs1.org/voc/verificationService"), 0);
    assert_non_null(vs);
    assert_non_null(strstr(json_string_value(json_object_get(vs, "href")), "/vrs/verify/01/"));
    json_decref(j);
    /* GS1's own linkset schema (an outside oracle). */
    const char *check =
        "node '" PX_SOURCE_DIR "/tests/openapi/check-linkset.mjs' '" LINKSET_SCHEMA "'";
    if (px_test_run_on(check, a->body, a->len, 0) != 0)
        fail_msg("the linkset does not validate against gs1-linkset-schema.json: %s", a->body);
}

static void test_resolver__linkset(void **state)
{
    fixture *f = *state;
    char path[256], got[512], anchor_path[128];
    px_http_resp a;
    snprintf(anchor_path, sizeof(anchor_path), "/01/%s/21/GEN1", f->gtin);
    /* §12.1 item 6: by media type (Content-Type exactly that) ... */
    get(&f->env, &a, anchor_path, "application/linkset+json", NULL, NULL);
    assert_int_equal(a.status, 200);
    px_http_header(&a, "Content-Type", got, sizeof(got));
    assert_string_equal(got, "application/linkset+json");
    px_http_header(&a, "Link", got, sizeof(got));
    assert_non_null(strstr(got, "json-ld#context"));
    /* Its verification link depends on the verdict of this moment: never cached. */
    px_http_header(&a, "Cache-Control", got, sizeof(got));
    assert_string_equal(got, "no-store");
    check_linkset(f, &a, anchor_path);
    px_http_resp_free(&a);
    /* ... or by linkType=linkset and its old spelling all, whatever the Accept. */
    snprintf(path, sizeof(path), "%s?linkType=linkset", anchor_path);
    get(&f->env, &a, path, "text/html", NULL, NULL);
    assert_int_equal(a.status, 200);
    check_linkset(f, &a, anchor_path);
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "%s?linkType=all", anchor_path);
    get(&f->env, &a, path, NULL, NULL, NULL);
    check_linkset(f, &a, anchor_path);
    px_http_resp_free(&a);
    /* The anchor is the request's uncompressed link without its attributes. */
    snprintf(path, sizeof(path), "/01/%s/10/B1/21/GEN1?17=751231&linkType=linkset", f->gtin);
    get(&f->env, &a, path, NULL, NULL, NULL);
    snprintf(anchor_path, sizeof(anchor_path), "/01/%s/10/B1/21/GEN1", f->gtin);
    check_linkset(f, &a, anchor_path);
    px_http_resp_free(&a);
    /* The verification link names lot and serial as values: a '%' of a lot (set 82 has it)
     * is sent escaped, never read by the VRS as an escape of its own. */
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES ('%s', "
            "'PCT1', 'released', 'external', 'P%%41', '751231')",
            f->gtin);
    snprintf(path, sizeof(path), "/01/%s/21/PCT1?linkType=linkset", f->gtin);
    get(&f->env, &a, path, NULL, NULL, NULL);
    assert_int_equal(a.status, 200);
    if (!strstr(a.body, "/10/P%2541/21/PCT1"))
        fail_msg("the verification link does not carry lot P%%41 escaped: %s", a.body);
    px_http_resp_free(&a);
    /* An unknown GTIN has its default link alone, the page that says so: the linkset its
     * page and answers point to exists, valid against GS1's schema (it was 404). */
    get(&f->env, &a, "/01/09506000134352/21/GEN1?linkType=linkset", NULL, NULL, NULL);
    assert_int_equal(a.status, 200);
    json_t *u = json_loadb(a.body, a.len, 0, NULL);
    json_t *item = json_array_get(json_object_get(u, "linkset"), 0);
    assert_int_equal(json_object_size(item), 3); /* anchor, itemDescription, defaultLink */
    assert_non_null(json_object_get(item, "https://ref.gs1.org/voc/defaultLink"));
    json_decref(u);
    if (px_test_run_on("node '" PX_SOURCE_DIR "/tests/openapi/check-linkset.mjs' '" LINKSET_SCHEMA
                       "'",
                       a.body, a.len, 0) != 0)
        fail_msg("the unknown item's linkset does not validate: %s", a.body);
    px_http_resp_free(&a);
    expect_get(&f->env, "/01/09506000134352/21/GEN1?linkType=gs1:pip", NULL, NULL, 404, NULL, NULL);
}

static void test_resolver__redirects_json_well_known(void **state)
{
    fixture *f = *state;
    char path[512], got[1024], want[1024];
    px_http_resp a;
    /* A Digital Link path whose bytes are not UTF-8 names nothing: 404, before the resolver
     * parses it (docs/api.md "Errors"). */
    snprintf(path, sizeof(path), "/01/%s/21/AB%%FF", f->gtin);
    json_decref(px_http_expect(&f->env, "GET", path, NULL, NULL, NULL, 404, "not_found"));
    /* §12.1 items 5 and 7: 307 to the link type, every query pair passed on, linkType as
     * sent (a VRS wants it unchanged). */
    snprintf(path, sizeof(path),
             "/01/%s/21/GEN1?linkType=gs1:verificationService&context=dscsaSaleableReturn"
             "&reqGLN=0614141000005",
             f->gtin);
    get(&f->env, &a, path, NULL, NULL, NULL);
    assert_int_equal(a.status, 307);
    px_http_header(&a, "Location", got, sizeof(got));
    snprintf(want, sizeof(want),
             "%s/vrs/verify/01/%s/10/B1/21/GEN1?linkType=gs1:verificationService&context="
             "dscsaSaleableReturn&reqGLN=0614141000005",
             f->env.base_url, f->gtin);
    assert_string_equal(got, want);
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "/01/%s/21/GEN1?linkType=gs1:nosuchlt", f->gtin);
    expect_get(&f->env, path, NULL, NULL, 404, NULL, NULL);
    /* A link type echoed in that 404 is cut between characters, never inside one (the answer
     * stays JSON, not a 500), and a query value that is not UTF-8 is 400 on every path form the
     * resolver takes, here a trailing slash, which no route names (docs/api.md "Errors"). */
    snprintf(path, sizeof(path), "/01/%s/21/GEN1?linkType=gs1:%.62s%%C3%%A9", f->gtin,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    json_decref(px_http_expect(&f->env, "GET", path, NULL, NULL, NULL, 404, "not_found"));
    snprintf(path, sizeof(path), "/01/%s/?linkType=%%FF", f->gtin);
    json_decref(px_http_expect(&f->env, "GET", path, NULL, NULL, NULL, 400, "bad_request"));
    /* An app asking for JSON gets the verdict alone. */
    snprintf(path, sizeof(path), "/01/%s/21/STO1", f->gtin);
    get(&f->env, &a, path, "application/json", NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.body, "{\"verdict\":\"suspect\"}");
    /* A verdict of this moment (a recall changes it), as GET /v1/verify's: never cached. */
    px_http_header(&a, "Cache-Control", got, sizeof(got));
    assert_string_equal(got, "no-store");
    px_http_resp_free(&a);
    char verify[128];
    snprintf(verify, sizeof(verify), "/v1/verify/%s/STO1", f->gtin);
    get(&f->env, &a, verify, NULL, NULL, NULL);
    assert_int_equal(a.status, 200);
    px_http_header(&a, "Cache-Control", got, sizeof(got));
    assert_string_equal(got, "no-store");
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "/01/%s/21/STO1", f->gtin);
    /* Nor do its links tell the batch its page withholds: no verification service link (it
     * needs the batch), so no redirect to one either. */
    get(&f->env, &a, path, "application/linkset+json", NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "defaultLink"));
    assert_null(strstr(a.body, "/10/B1"));
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "/01/%s/21/STO1?linkType=gs1:verificationService", f->gtin);
    expect_get(&f->env, path, NULL, NULL, 404, NULL, NULL);
    /* §12.1 item 11. */
    get(&f->env, &a, "/.well-known/gs1resolver", NULL, NULL, NULL);
    assert_int_equal(a.status, 200);
    json_t *j = json_loadb(a.body, a.len, 0, NULL);
    assert_string_equal(px_test_str(j, "resolverRoot"), f->env.base_url);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(j, "supportedPrimaryKeys"), 0)), "01");
    json_t *lt = json_array_get(json_object_get(j, "supportedLinkType"), 0);
    assert_string_equal(px_test_str(lt, "prefix"), "gs1:");
    /* A redirect chooses among a type's links by Accept-Language (test_resolver__mah_links):
     * the file must not deny it. */
    assert_true(json_is_true(json_object_get(j, "supportsLanguageVariants")));
    json_decref(j);
    px_http_resp_free(&a);
}

/* A pack of a product for another market than the US (here an EU member state's) is not one the
 * DSCSA responder serves (404, test_vrs__another_markets_gtin_not_served): its linkset offers
 * no verification service, however its batch is known, and a redirect to one is 404; its
 * default link stays. */
static void test_resolver__linkset_of_another_market(void **state)
{
    fixture *f = *state;
    char gtin[15], path[256];
    px_test_gtin(gtin, 778);
    px_test_product(&f->env, f->mah.key, gtin, "Examplamab 50 mg Tabletten", "DE");
    px_sqlf(&f->env,
            "INSERT INTO serial (gtin, serial, state, origin, batch, expiry) VALUES ('%s', "
            "'EU1', 'released', 'external', 'B1', '751231')",
            gtin);
    for (int i = 0; i < 2; i++) {
        px_http_resp a;
        snprintf(path, sizeof(path), "/01/%s%s/21/EU1?linkType=linkset", gtin, i ? "/10/B1" : "");
        get(&f->env, &a, path, NULL, NULL, NULL);
        assert_int_equal(a.status, 200);
        json_t *j = json_loadb(a.body, a.len, 0, NULL);
        json_t *item = json_array_get(json_object_get(j, "linkset"), 0);
        assert_non_null(json_object_get(item, "https://ref.gs1.org/voc/defaultLink"));
        if (json_object_get(item, "https://ref.gs1.org/voc/verificationService"))
            fail_msg("an EU pack's linkset offers the DSCSA responder: %s", a.body);
        json_decref(j);
        px_http_resp_free(&a);
    }
    snprintf(path, sizeof(path),
             "/01/%s/10/B1/21/EU1?linkType=gs1:verificationService&context=dscsaSaleableReturn",
             gtin);
    expect_get(&f->env, path, NULL, NULL, 404, NULL, NULL);
}

/* ---- clone detection ------------------------------------------------------------------ */

static void check_signed(const px_received *h)
{
    char line[256], want[80];
    px_test_pipe("openssl dgst -sha256 -hmac '" SECRET "' -r", h->body, h->len, line, sizeof(line));
    snprintf(want, sizeof(want), "sha256=%.64s", line);
    assert_string_equal(h->signature, want);
}

/* The deliveries the receiver got about serial (their data names it). */
static int deliveries_for(fixture *f, const char *serial)
{
    char needle[64];
    snprintf(needle, sizeof(needle), "\"serial\":\"%s\"", serial);
    int n = 0;
    pthread_mutex_lock(&f->rv.mu);
    for (int i = 0; i < f->rv.n && i < PX_RECEIVER_MAX_REQ; i++)
        n += f->rv.req[i].body && strstr(f->rv.req[i].body, needle) ? 1 : 0;
    pthread_mutex_unlock(&f->rv.mu);
    return n;
}

static const px_received *delivery_for(fixture *f, const char *serial)
{
    char needle[64];
    snprintf(needle, sizeof(needle), "\"serial\":\"%s\"", serial);
    for (int i = 0; i < f->rv.n && i < PX_RECEIVER_MAX_REQ; i++)
        if (f->rv.req[i].body && strstr(f->rv.req[i].body, needle))
            return &f->rv.req[i];
    fail_msg("no delivery about %s", serial);
    return NULL;
}

/* The open alert of serial in a page of alerts, or NULL. */
static json_t *alert_of(json_t *page, const char *serial)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(page, "items"), i, a)
    {
        const char *s = json_string_value(json_object_get(a, "serial"));
        if (s && strcmp(s, serial) == 0)
            return a;
    }
    return NULL;
}

static const char *verdict_of(fixture *f, const char *path)
{
    static char v[32];
    json_t *j = px_test_call(&f->env, "GET", path, NULL, NULL, 200);
    snprintf(v, sizeof(v), "%s", px_test_str(j, "verdict"));
    json_decref(j);
    return v;
}

/* REQ-CLONE-6: a scan that raises nothing is answered after one read and written later by the
 * scan writer; the rules of the next scan of the serial see it even before it is written
 * (four countries back to back: dispersion → suspect at the fourth, whether or not the first
 * three were written yet), and every scan reaches the table. */
static void test_resolver__buffered_scans(void **state)
{
    fixture *f = *state;
    static const char *const countries[] = {"de", "fr", "it", "es"};
    char path[256];
    long long before = px_count_of(&f->env, "SELECT count(*) FROM scan WHERE serial = 'BUF1'");
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/v1/verify/%s/BUF1?country=%s", f->gtin, countries[i]);
        assert_string_equal(verdict_of(f, path), i < 3 ? "genuine" : "suspect");
    }
    long long n = 0;
    for (int i = 0; i < 100; i++) {
        n = px_count_of(&f->env, "SELECT count(*) FROM scan WHERE serial = 'BUF1'");
        if (n == before + 4)
            break;
        px_sleep_ms(50);
    }
    assert_int_equal(n, before + 4);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM clone_alert WHERE serial = 'BUF1' AND "
                    "state = 'open'");
    /* The first three scans were hashed in the process (a thread's last client hash is kept),
     * the fourth in SQL with the stored salt: one client, one hash. */
    px_expect_count(&f->env, 1, "SELECT count(DISTINCT client) FROM scan WHERE serial = 'BUF1'");
}

/* A HEAD gets the headers of a GET and no content: it sees no verdict, so it is no scan (a link
 * checker's look must not feed the clone rules). Three HEADs and then one GET of a known pack
 * leave one scan, once the scan writer has written the GET's (a HEAD's would have been
 * buffered before it). An unknown serial's HEAD is still a guess, counted at once. */
static void test_resolver__head_is_no_scan(void **state)
{
    fixture *f = *state;
    static const char *const heads[] = {"/v1/verify/%s/HED1?country=de", "/01/%s/21/HED1",
                                        "/01/%s/21/HED1?country=fr"};
    char path[256];
    for (size_t i = 0; i < PX_COUNT(heads); i++) {
        const char *at = strstr(heads[i], "%s");
        snprintf(path, sizeof(path), "%.*s%s%s", (int)(at - heads[i]), heads[i], f->gtin, at + 2);
        px_http_resp r;
        px_http(&f->env, &r, "HEAD", path, NULL, NULL, NULL);
        if (r.status != 200 || r.len != 0)
            fail_msg("HEAD %s: %ld, %zu bytes", path, r.status, r.len);
        px_http_resp_free(&r);
    }
    snprintf(path, sizeof(path), "/v1/verify/%s/HED1?country=it", f->gtin);
    assert_string_equal(verdict_of(f, path), "genuine");
    long long n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = px_count_of(&f->env, "SELECT count(*) FROM scan WHERE serial = 'HED1'");
        if (n == 0)
            px_sleep_ms(50);
    }
    assert_int_equal(n, 1);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM scan WHERE serial = 'HED1' AND country = 'IT'");
    snprintf(path, sizeof(path), "/v1/verify/%s/HEDX", f->gtin);
    px_http_resp r;
    px_http(&f->env, &r, "HEAD", path, NULL, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM scan WHERE serial = 'HEDX' AND NOT known AND source = "
                    "'verify'");
}

/* REQ-CLONE-2: more distinct clients than PACKID_CLONE_CLIENTS (5) in the window is
 * dispersion, the scanning client counted with the others: the sixth client's own scan is
 * suspect (docs/resolver.md), not only the scan after it. */
static void test_resolver__sixth_client_suspect(void **state)
{
    fixture *f = *state;
    char path[128], from[64];
    snprintf(path, sizeof(path), "/v1/verify/%s/CLI1", f->gtin);
    for (int i = 1; i <= 6; i++) {
        snprintf(from, sizeof(from), "X-Forwarded-For: 203.0.113.%d", 20 + i);
        expect_get(&f->env, path, "application/json", from, 200,
                   i < 6 ? "\"genuine\"" : "\"suspect\"", NULL);
    }
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM clone_alert WHERE serial = 'CLI1' AND state = 'open'");
}

/* REQ-CLONE-2 across months: the one-read path names the month partitions of the window once
 * they cover it (scan_store.c scan_months) and must still see every scan of the window — here
 * three countries 25 and 20 days ago (last month's partition, created now as a deployment
 * older than the window has it) and 10 minutes ago: a fourth country is dispersion. */
static void test_resolver__history_by_month(void **state)
{
    fixture *f = *state;
    assert_int_equal(px_sql_exec(&f->env, "SELECT partition_add_month('scan', (now() - interval "
                                          "'31 days')::date)"),
                     0);
    static const char *const ago[][2] = {
        {"25 days", "DE"}, {"20 days", "FR"}, {"10 minutes", "IT"}};
    char path[256];
    for (int i = 0; i < 3; i++) {
        px_sqlf(&f->env,
                "INSERT INTO scan (gtin, serial, at, country, client, known, verdict, source) "
                "VALUES ('%s', 'MON1', now() - interval '%s', '%s', repeat('b', 64), true, "
                "'genuine', 'verify')",
                f->gtin, ago[i][0], ago[i][1]);
    }
    px_sleep_ms(1100); /* the server's connections ask for the months again (once a second) */
    snprintf(path, sizeof(path), "/v1/verify/%s/MON1?country=us", f->gtin);
    assert_string_equal(verdict_of(f, path), "suspect");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM clone_alert WHERE serial = "
                    "'MON1' AND state = 'open'");
}

/* REQ-CLONE-1, REQ-CLONE-4, REQ-CLONE-5: one serial scanned in Frankfurt and, ten minutes
 * later, in New York: suspect, one alert, exactly one signed clone.suspected — however often
 * the scans repeat. Closing the alert ends the flag. */
static void test_resolver__clone_one_webhook(void **state)
{
    fixture *f = *state;
    char sql[512], path[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO scan (gtin, serial, at, country, lat, lon, client, known, verdict, "
             "source) VALUES ('%s', 'CLN1', now() - interval '10 minutes', 'DE', 50.04, 8.56, "
             "repeat('a', 64), true, 'genuine', 'verify')",
             f->gtin);
    assert_int_equal(px_sql_exec(&f->env, sql), 0);
    snprintf(path, sizeof(path), "/v1/verify/%s/CLN1?lat=40.64&lon=-73.78&country=us", f->gtin);
    assert_string_equal(verdict_of(f, path), "suspect");
    assert_string_equal(verdict_of(f, path), "suspect");
    assert_int_equal(px_sql_exec(&f->env, sql), 0); /* Frankfurt again */
    assert_string_equal(verdict_of(f, path), "suspect");
    snprintf(path, sizeof(path), "/01/%s/21/CLN1?lat=40.64&lon=-73.78", f->gtin);
    px_http_resp a;
    get(&f->env, &a, path, "application/json", NULL, NULL);
    assert_string_equal(a.body, "{\"verdict\":\"suspect\"}");
    px_http_resp_free(&a);
    /* The one delivery arrives; after more time than several retry rounds, no second. (The
     * stolen pack STO1 scanned by the tests before raised its own.) */
    for (int i = 0; i < 200 && deliveries_for(f, "CLN1") < 1; i++)
        px_sleep_ms(50);
    px_sleep_ms(1500);
    assert_int_equal(deliveries_for(f, "CLN1"), 1);
    const px_received *got = delivery_for(f, "CLN1");
    check_signed(got);
    json_t *hook = json_loadb(got->body, got->len, 0, NULL);
    assert_non_null(hook);
    assert_string_equal(px_test_str(hook, "event"), "clone.suspected");
    json_t *data = json_object_get(hook, "data");
    assert_string_equal(px_test_str(data, "serial"), "CLN1");
    assert_non_null(strstr(px_test_str(data, "rules"), "impossible_travel"));
    char alert_id[40];
    snprintf(alert_id, sizeof(alert_id), "%s", px_test_str(data, "alert_id"));
    json_decref(hook);
    /* The MAH lists it; another MAH neither sees nor closes it. */
    json_t *page = px_test_call(&f->env, "GET", "/v1/alerts?state=open", f->mah.key, NULL, 200);
    json_t *al = alert_of(page, "CLN1");
    assert_non_null(al);
    assert_string_equal(px_test_str(al, "alert_id"), alert_id);
    assert_string_equal(px_test_str(al, "kind"), "clone");
    assert_string_equal(json_string_value(json_array_get(json_object_get(al, "rules"), 0)),
                        "impossible_travel");
    json_decref(page);
    page = px_test_call(&f->env, "GET", "/v1/alerts", f->other_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
    json_decref(page);
    char close[128];
    snprintf(close, sizeof(close), "/v1/alerts/%s/close", alert_id);
    px_test_expect(&f->env, "POST", close, f->other_key, "{\"reason\":\"mine\"}", 404, "not_found");
    px_test_expect_field(&f->env, "POST", close, f->mah.key, "{}", "reason", NULL);
    /* Free text without control characters, as every other (docs/api.md "Limits"). */
    px_test_expect_field(&f->env, "POST", close, f->mah.key, "{\"reason\":\"line\\nbreak\"}",
                         "reason", "invalid_value");
    /* A reason a person cannot read (only spaces, a no-break space) says nothing in the
     * audit of why the alert was closed: refused, as a print job's reason (docs/api.md
     * "Limits"); the console, which trims it, refuses it alike. */
    px_test_expect_field(&f->env, "POST", close, f->mah.key, "{\"reason\":\"   \"}", "reason",
                         "invalid_value");
    px_test_expect_field(&f->env, "POST", close, f->mah.key, "{\"reason\":\"\\u00a0\"}", "reason",
                         "invalid_value");
    json_t *closed = px_test_call(&f->env, "POST", close, f->mah.key,
                                  "{\"reason\":\"traveller confirmed by phone\"}", 200);
    assert_string_equal(px_test_str(closed, "state"), "closed");
    assert_string_equal(px_test_str(closed, "close_reason"), "traveller confirmed by phone");
    json_decref(closed);
    px_test_expect(&f->env, "POST", close, f->mah.key, "{\"reason\":\"again\"}", 409,
                   "invalid_state");
    /* Closed: the scans before the close no longer count. */
    snprintf(path, sizeof(path), "/v1/verify/%s/CLN1?lat=40.64&lon=-73.78", f->gtin);
    assert_string_equal(verdict_of(f, path), "genuine");
    /* REQ-CLONE-6: the one-read path's history is not cut at the close, so these scans raise
     * travel there and go to the transaction, which reads the exact history: genuine, no new
     * alert, each scan written once. */
    long long scans = px_count_of(&f->env, "SELECT count(*) FROM scan WHERE serial = 'CLN1'");
    for (int i = 0; i < 2; i++)
        assert_string_equal(verdict_of(f, path), "genuine");
    px_expect_count(&f->env, scans + 2, "SELECT count(*) FROM scan WHERE serial = 'CLN1'");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM clone_alert WHERE serial = 'CLN1'");
    page = px_test_call(&f->env, "GET", "/v1/alerts?state=open", f->mah.key, NULL, 200);
    assert_null(alert_of(page, "CLN1"));
    json_decref(page);
    page = px_test_call(&f->env, "GET", "/v1/alerts?state=closed", f->mah.key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
    assert_non_null(alert_of(page, "CLN1"));
    json_decref(page);
    px_test_expect(&f->env, "GET", "/v1/alerts?state=maybe", f->mah.key, NULL, 422, NULL);
    assert_int_equal(deliveries_for(f, "CLN1"), 1);
    /* REQ-CLONE-3: the stolen pack scanned earlier raised its own lifecycle alert. */
    assert_int_equal(deliveries_for(f, "STO1"), 1);
    /* The address is kept only as a salted hash. */
    px_expect_count(&f->env, 0, "SELECT count(*) FROM scan WHERE client LIKE '%%127.0%%'");
    px_expect_count(
        &f->env, 0,
        "SELECT count(*) FROM scan WHERE client = encode(sha256('127.0.0.1'::bytea), 'hex')");
    /* Bad positions are refused with the field. */
    snprintf(path, sizeof(path), "/v1/verify/%s/CLN1?lat=91&lon=0", f->gtin);
    px_test_expect_field(&f->env, "GET", path, NULL, NULL, "lat", NULL);
    snprintf(path, sizeof(path), "/v1/verify/%s/CLN1?country=XX", f->gtin);
    px_test_expect_field(&f->env, "GET", path, NULL, NULL, "country", NULL);
    /* So is a name the resolver reads given twice (in any case, as it reads names): the first
     * would place the scan and the second be dropped without a word. Nothing is scanned, and
     * no link type is chosen among two. */
    static const struct {
        const char *query, *field;
    } twice[] = {
        {"lat=40.64&lon=-73.78&lat=51.47", "lat"},
        {"lat=40.64&lon=-73.78&LON=-0.45", "lon"},
        {"country=us&COUNTRY=fr", "country"},
        {"linkType=gs1:verificationService&linkType=linkset", "linkType"},
    };
    scans = px_count_of(&f->env, "SELECT count(*) FROM scan WHERE serial = 'CLN1'");
    for (size_t i = 0; i < PX_COUNT(twice); i++) {
        snprintf(path, sizeof(path), "/01/%s/21/CLN1?%s", f->gtin, twice[i].query);
        get(&f->env, &a, path, "application/json", NULL, NULL);
        if (a.status != 400 || !a.json || strcmp(px_http_error_code(&a), "bad_request") != 0)
            fail_msg("%s: %ld %s", path, a.status, a.body);
        px_expect_detail(a.json, 0, -1, "bad_request", twice[i].field);
        px_http_resp_free(&a);
    }
    px_expect_count(&f->env, scans, "SELECT count(*) FROM scan WHERE serial = 'CLN1'");
}

/* REQ-ABUSE-2: a client (here behind the trusted proxy) asking for many unknown serials is
 * alerted to the MAH and slowed; the other clients are not. */
static void test_resolver__enumeration(void **state)
{
    fixture *f = *state;
    char path[256];
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "/v1/verify/%s/GUESS%d", f->gtin, i);
        expect_get(&f->env, path, NULL, "X-Forwarded-For: 203.0.113.7", 200, NULL, NULL);
    }
    snprintf(path, sizeof(path), "/v1/verify/%s/GUESS9", f->gtin);
    expect_get(&f->env, path, NULL, "X-Forwarded-For: 203.0.113.7", 429, NULL, NULL);
    /* The same client with the port a proxy may append is the same client (and bucket). */
    expect_get(&f->env, path, NULL, "X-Forwarded-For: 198.51.100.1, 203.0.113.7:4711", 429, NULL,
               NULL);
    /* Two field lines, the proxy's appended after the client's own (RFC 9110 §5.3: one list):
     * the last line's last entry is the client; the line the client wrote chooses no bucket. */
    static const char *const two_lines[] = {"X-Forwarded-For: 198.51.100.9",
                                            "X-Forwarded-For: 203.0.113.7", NULL};
    px_http_resp a;
    px_http(&f->env, &a, "GET", path, NULL, NULL, two_lines);
    assert_int_equal(a.status, 429);
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "/v1/verify/%s/GEN1", f->gtin);
    assert_string_equal(verdict_of(f, path), "genuine");
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM clone_alert WHERE kind = "
                    "'enumeration' AND state = 'open'");
    /* A last entry that is no IP address (here bytes that are not even UTF-8) names no client:
     * the proxy's own address is the client, and the hit is answered (the scan of an unknown
     * serial, written at once with its client, was a 422). */
    snprintf(path, sizeof(path), "/v1/verify/%s/GUESSX", f->gtin);
    expect_get(&f->env, path, NULL, "X-Forwarded-For: 203.0.113.7, \xff\xfe", 200, NULL, NULL);
    /* A linkset or a redirect tells a known serial from a guess too (a known pack's batch
     * completes the verification service's link): an unknown serial asked so is a guess, counted
     * as one; past the limit the client is alerted to the MAH and slowed alike. */
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "/01/%s/21/LGUESS%d?linkType=linkset", f->gtin, i);
        expect_get(&f->env, path, NULL, "X-Forwarded-For: 203.0.113.8", 200, NULL, NULL);
    }
    snprintf(path, sizeof(path), "/01/%s/21/LGUESS9?linkType=gs1:verificationService", f->gtin);
    expect_get(&f->env, path, NULL, "X-Forwarded-For: 203.0.113.8", 429, NULL, NULL);
    px_expect_count(&f->env, 2,
                    "SELECT count(*) FROM clone_alert WHERE kind = 'enumeration' AND state = "
                    "'open'");
}

/* ---- the public routes' token bucket, on a server of its own ---------------------------- */

static int setup_limits(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    px_test_setenv(&f->env, "PACKID_PUBLIC_RATE=1");
    px_test_setenv(&f->env, "PACKID_PUBLIC_BURST=5");
    px_test_server_start(&f->env);
    px_test_gtin(f->gtin, 778);
    *state = f;
    return 0;
}

/* REQ-ABUSE-1: a burst from 127.0.0.1 gets 429 rate_limited with Retry-After in the error
 * shape, while 127.0.0.2 (another client address) is served. */
static void test_resolver__burst_429(void **state)
{
    fixture *f = *state;
    char path[128], got[64];
    px_http_resp a;
    snprintf(path, sizeof(path), "/v1/verify/%s/X1", f->gtin);
    int limited = 0;
    for (int i = 0; i < 12 && !limited; i++) {
        get(&f->env, &a, i % 2 ? path : "/.well-known/gs1resolver", NULL, NULL, "127.0.0.1");
        if (a.status == 429) {
            limited = 1;
            px_http_header(&a, "Retry-After", got, sizeof(got));
            assert_true(strtol(got, NULL, 10) >= 1);
            assert_non_null(strstr(a.body, "\"code\":\"rate_limited\""));
        } else {
            assert_int_equal(a.status, 200);
        }
        px_http_resp_free(&a);
    }
    assert_true(limited);
    /* A person's browser from that client: the refusal as a page, Retry-After kept. */
    char dl[128];
    snprintf(dl, sizeof(dl), "/01/%s/21/GEN1", f->gtin);
    limited = 0;
    for (int i = 0; i < 40 && !limited; i++) {
        get(&f->env, &a, dl, "text/html", NULL, "127.0.0.1");
        if (a.status == 429) {
            limited = 1;
            px_http_header(&a, "Retry-After", got, sizeof(got));
            assert_true(strtol(got, NULL, 10) >= 1);
            assert_non_null(strstr(a.body, "Too many checks"));
            assert_null(strstr(a.body, "\"code\""));
        } else {
            assert_int_equal(a.status, 200);
        }
        px_http_resp_free(&a);
    }
    assert_true(limited);
    get(&f->env, &a, path, NULL, NULL, "127.0.0.2");
    assert_int_equal(a.status, 200);
    px_http_resp_free(&a);
    /* Routes with a key are not under the public bucket. */
    get(&f->env, &a, "/v1/whoami", NULL, NULL, "127.0.0.1");
    assert_int_equal(a.status, 401);
    px_http_resp_free(&a);
}

/* ---- the MAH's links --------------------------------------------------------------------- */

static void expect_link_error(fixture *f, const char *key, const char *body, long status,
                              const char *code, const char *field)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/products/%s/links", f->gtin);
    json_t *j = px_http_expect(&f->env, "PUT", path, key, body, NULL, status, NULL);
    if (field)
        px_expect_detail(j, 0, -1, code, field);
    json_decref(j);
}

static void test_resolver__mah_links(void **state)
{
    fixture *f = *state;
    char path[256], got[1024];
    snprintf(path, sizeof(path), "/v1/products/%s/links", f->gtin);
    /* REQ-LINKS-1: the MAH sets them (any spelling of a type), reads them back as gs1:… */
    json_t *j = px_http_expect(
        &f->env, "PUT", path, f->mah.key,
        "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://pharma.example.com/examplamab/"
        "\","
        "\"title\":\"Product information\",\"lang\":\"en\",\"media_type\":\"text/html\"},"
        "{\"link_type\":\"pip\",\"href\":\"https://pharma.example.com/examplamab/es/\","
        "\"title\":\"Información del producto\",\"lang\":\"es\"},"
        "{\"link_type\":\"https://ref.gs1.org/voc/epil\",\"href\":\"https://pharma.example.com/"
        "pil.pdf?v=2#page=2\","
        "\"title\":\"Patient <leaflet> & more\",\"media_type\":\"application/pdf\"}]}",
        NULL, 200, NULL);
    json_t *ls = json_object_get(j, "links");
    assert_int_equal(json_array_size(ls), 3);
    assert_string_equal(px_test_str(json_array_get(ls, 1), "link_type"), "gs1:pip");
    assert_string_equal(px_test_str(json_array_get(ls, 2), "link_type"), "gs1:epil");
    assert_null(json_object_get(json_array_get(ls, 2), "lang"));
    json_decref(j);
    j = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "links")), 3);
    json_decref(j);
    /* REQ-LINKS-2: the linkset lists them under their types, valid against GS1's schema. */
    px_http_resp a;
    char anchor_path[128];
    snprintf(anchor_path, sizeof(anchor_path), "/01/%s/21/GEN1", f->gtin);
    snprintf(path, sizeof(path), "%s?linkType=linkset", anchor_path);
    get(&f->env, &a, path, NULL, NULL, NULL);
    assert_int_equal(a.status, 200);
    check_linkset(f, &a, anchor_path);
    j = json_loadb(a.body, a.len, 0, NULL);
    json_t *item = json_array_get(json_object_get(j, "linkset"), 0);
    json_t *pip = json_object_get(item, "https://ref.gs1.org/voc/pip");
    assert_int_equal(json_array_size(pip), 2);
    assert_string_equal(px_test_str(json_array_get(pip, 0), "href"),
                        "https://pharma.example.com/examplamab/");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_array_get(pip, 1), "hreflang"), 0)),
        "es");
    json_t *epil = json_array_get(json_object_get(item, "https://ref.gs1.org/voc/epil"), 0);
    assert_string_equal(px_test_str(epil, "type"), "application/pdf");
    assert_string_equal(px_test_str(epil, "title"), "Patient <leaflet> & more");
    json_decref(j);
    px_http_resp_free(&a);
    /* ?linkType= redirects to the first link of the type, the query passed on before the
     * href's fragment (RFC 3986 §3). */
    snprintf(path, sizeof(path), "%s?linkType=gs1:epil&x=1", anchor_path);
    get(&f->env, &a, path, NULL, NULL, NULL);
    assert_int_equal(a.status, 307);
    px_http_header(&a, "Location", got, sizeof(got));
    assert_string_equal(got, "https://pharma.example.com/pil.pdf?v=2&linkType=gs1:epil&x=1#page=2");
    px_http_resp_free(&a);
    /* REQ-LINKS-3: among links of one type, the language the reader asks for most; the
     * MAH's order when no language asked for is offered. */
    static const struct {
        const char *accept_language, *want;
    } pick[] = {
        {NULL, "https://pharma.example.com/examplamab/?linkType=gs1:pip"},
        {"Accept-Language: es-ES, en;q=0.5",
         "https://pharma.example.com/examplamab/es/?linkType=gs1:pip"},
        {"Accept-Language: de, es;q=0.4, en;q=0.3",
         "https://pharma.example.com/examplamab/es/?linkType=gs1:pip"},
        {"Accept-Language: fr", "https://pharma.example.com/examplamab/?linkType=gs1:pip"},
        {"Accept-Language: fr, *;q=0.1", "https://pharma.example.com/examplamab/?linkType=gs1:pip"},
    };
    snprintf(path, sizeof(path), "%s?linkType=gs1:pip", anchor_path);
    for (size_t i = 0; i < PX_COUNT(pick); i++) {
        get(&f->env, &a, path, NULL, pick[i].accept_language, NULL);
        assert_int_equal(a.status, 307);
        char vary[64];
        px_http_header(&a, "Vary", vary, sizeof(vary));
        assert_string_equal(vary, "Accept, Accept-Language");
        px_http_header(&a, "Location", got, sizeof(got));
        if (strcmp(got, pick[i].want) != 0)
            fail_msg("%s: Location %s, want %s",
                     pick[i].accept_language ? pick[i].accept_language : "(none)", got,
                     pick[i].want);
        px_http_resp_free(&a);
    }
    /* The page lists them, escaped; an unknown code's page does not. */
    get(&f->env, &a, anchor_path, "text/html", NULL, NULL);
    assert_int_equal(a.status, 200);
    body_has(&a, (const char *const[]){
                     "<ul id=\"links\">", "href=\"https://pharma.example.com/pil.pdf?v=2#page=2\"",
                     ">Patient &lt;leaflet&gt; &amp; more</a>", "hreflang=\"es\"", NULL});
    px_http_resp_free(&a);
    snprintf(path, sizeof(path), "/01/%s/21/NOSUCH9", f->gtin);
    expect_get(&f->env, path, "text/html", NULL, 200, NULL, "id=\"links\"");
    /* REQ-LINKS-1: each rule refuses with its member named; nothing is changed. */
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:nosuchlt\",\"href\":\"https://a.example/\","
                      "\"title\":\"t\"}]}",
                      422, "unknown_link_type", "links[0].link_type");
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://a.example/\","
                      "\"title\":\"t\"},{\"link_type\":\"gs1:verificationService\","
                      "\"href\":\"https://a.example/\",\"title\":\"t\"}]}",
                      422, "reserved_link_type", "links[1].link_type");
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"http://a.example/\","
                      "\"title\":\"t\"}]}",
                      422, "invalid_url", "links[0].href");
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://a.example/\","
                      "\"title\":\"t\",\"lang\":\"english\"}]}",
                      422, "invalid_value", "links[0].lang");
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://a.example/\","
                      "\"title\":\"t\",\"colour\":\"red\"}]}",
                      422, "unknown_field", "links[0].colour");
    expect_link_error(f, f->mah.key,
                      "{\"links\":[{\"link_type\":\"gs1:pip\",\"href\":\"https://a.example/\","
                      "\"title\":\"t\"},{\"link_type\":\"pip\",\"href\":\"https://a.example/\","
                      "\"title\":\"u\"}]}",
                      422, "duplicate", "links[1]");
    char many[4096] = "{\"links\":[";
    for (int i = 0; i < 17; i++) {
        size_t n = strlen(many);
        snprintf(many + n, sizeof(many) - n,
                 "%s{\"link_type\":\"gs1:pip\",\"href\":\"https://a.example/%d\",\"title\":\"t\"}",
                 i ? "," : "", i);
    }
    strcat(many, "]}");
    expect_link_error(f, f->mah.key, many, 422, "too_many", "links");
    /* Another MAH's product is not there for it. */
    expect_link_error(f, f->other_key, "{\"links\":[]}", 404, NULL, NULL);
    snprintf(path, sizeof(path), "/v1/products/%s/links", f->gtin);
    j = px_http_expect(&f->env, "GET", path, f->mah.key, NULL, NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "links")), 3); /* unchanged */
    json_decref(j);
    json_decref(px_http_expect(&f->env, "GET", path, f->other_key, NULL, NULL, 404, NULL));
    json_decref(
        px_http_expect(&f->env, "PUT", path, f->mah.key, "{\"links\":[]}", NULL, 200, NULL));
}

/* ---- browsers on other origins (CORS) -------------------------------------------------- */

static void test_resolver__preflight(void **state)
{
    fixture *f = *state;
    /* What a browser sends before a GET with a header that is not CORS-safelisted. */
    const char *const pre[] = {"Origin: https://pharmacy.example",
                               "Access-Control-Request-Method: GET",
                               "Access-Control-Request-Headers: x-request-id", NULL};
    char verify[128], page[128], fallback[128], got[256];
    snprintf(verify, sizeof(verify), "/v1/verify/%s/GEN1", f->gtin);
    snprintf(page, sizeof(page), "/01/%s/21/GEN1", f->gtin);
    snprintf(fallback, sizeof(fallback), "/01/%s/21/GEN1/", f->gtin); /* no route: a DL path */
    const char *const cors[] = {verify, page, fallback, "/.well-known/gs1resolver"};
    px_http_resp a;
    for (size_t i = 0; i < PX_COUNT(cors); i++) {
        /* REQ-CORS-1: 204, any origin, the methods, the header asked for, a cache time. */
        request(&f->env, &a, "OPTIONS", cors[i], NULL, pre, NULL);
        if (a.status != 204 || a.len != 0)
            fail_msg("OPTIONS %s: %ld %s", cors[i], a.status, a.body);
        px_http_header(&a, "Access-Control-Allow-Origin", got, sizeof(got));
        assert_string_equal(got, "*");
        px_http_header(&a, "Access-Control-Allow-Methods", got, sizeof(got));
        assert_string_equal(got, "GET, HEAD");
        px_http_header(&a, "Access-Control-Allow-Headers", got, sizeof(got));
        assert_non_null(strstr(got, "X-Request-Id"));
        assert_null(strstr(got, "Authorization"));
        px_http_header(&a, "Access-Control-Max-Age", got, sizeof(got));
        assert_string_equal(got, "7200");
        px_http_resp_free(&a);
    }
    /* A method the public routes do not take: the 405's Allow names what they do take,
     * their OPTIONS too (RFC 9110 §10.2.1), as the preflight's own Allow does. The Digital
     * Link paths no route names (a trailing slash, a compressed link) are paths the resolver
     * answers as well: another method is 405 there too, never 404 "no such route"
     * (docs/api.md "405"). */
    const char *const routed[] = {verify,
                                  page,
                                  "/.well-known/gs1resolver",
                                  fallback,
                                  "/AQnYUc1gmiCNV4JGQhcNT6K6c",
                                  "/AQnYUc1gmiCNV4JGQhcNT6K6c/"};
    for (size_t i = 0; i < PX_COUNT(routed); i++) {
        request(&f->env, &a, "POST", routed[i], NULL, NULL, NULL);
        if (a.status != 405)
            fail_msg("POST %s: %ld %s", routed[i], a.status, a.body);
        px_http_header(&a, "Allow", got, sizeof(got));
        if (strcmp(got, "GET, HEAD, OPTIONS") != 0)
            fail_msg("POST %s: Allow %s", routed[i], got);
        px_http_resp_free(&a);
    }
    /* The answers themselves are readable from any origin, their Retry-After and request id
     * included. */
    get(&f->env, &a, verify, NULL, "Origin: https://pharmacy.example", NULL);
    assert_int_equal(a.status, 200);
    px_http_header(&a, "Access-Control-Allow-Origin", got, sizeof(got));
    assert_string_equal(got, "*");
    px_http_header(&a, "Access-Control-Expose-Headers", got, sizeof(got));
    assert_non_null(strstr(got, "Retry-After"));
    assert_non_null(strstr(got, "X-Request-Id"));
    px_http_resp_free(&a);
    /* REQ-CORS-2: a keyed route keeps its 405 and says nothing to another origin. */
    const char *const keyed[] = {"/v1/whoami", "/vrs/checkConnectivity", "/v1/products"};
    for (size_t i = 0; i < PX_COUNT(keyed); i++) {
        request(&f->env, &a, "OPTIONS", keyed[i], NULL, pre, NULL);
        assert_int_equal(a.status, 405);
        px_http_header(&a, "Access-Control-Allow-Origin", got, sizeof(got));
        assert_string_equal(got, "");
        px_http_resp_free(&a);
        get(&f->env, &a, keyed[i], NULL, "Origin: https://pharmacy.example", NULL);
        assert_int_equal(a.status, 401);
        px_http_header(&a, "Access-Control-Allow-Origin", got, sizeof(got));
        assert_string_equal(got, "");
        px_http_resp_free(&a);
    }
}

/* A real browser is the judge: a page of another origin reads the verdict (after the
 * preflight its X-Request-Id header causes) and is refused a keyed route. */
static void test_resolver__chromium_cross_origin(void **state)
{
    fixture *f = *state;
    need_chromium();
    char cmd[1024], out[4096], want[256];
    snprintf(cmd, sizeof(cmd),
             "python3 '" PX_SOURCE_DIR "/tests/integration/cors_page.py' '%s' "
             "/v1/verify/%s/GEN1 /01/%s/21/STO1 /v1/whoami 2>/dev/null",
             f->env.base_url, f->gtin, f->gtin);
    px_test_read(cmd, 1, out, sizeof(out));
    snprintf(want, sizeof(want), "/v1/verify/%s/GEN1=200:genuine:cors-0", f->gtin);
    if (!strstr(out, want))
        fail_msg("REQ-CORS-1: chromium could not read the verdict: %s", out);
    snprintf(want, sizeof(want), "/01/%s/21/STO1=200:suspect:cors-1", f->gtin);
    if (!strstr(out, want))
        fail_msg("REQ-CORS-1: chromium could not read the resolver's JSON: %s", out);
    if (!strstr(out, "/v1/whoami=blocked"))
        fail_msg("REQ-CORS-2: a keyed route was readable from another origin: %s", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolver__page),
        cmocka_unit_test(test_resolver__page_expiry_century),
        cmocka_unit_test(test_resolver__chromium_reads_the_verdict),
        cmocka_unit_test(test_resolver__linkset),
        cmocka_unit_test(test_resolver__redirects_json_well_known),
        cmocka_unit_test(test_resolver__linkset_of_another_market),
        cmocka_unit_test(test_resolver__clone_one_webhook),
        cmocka_unit_test(test_resolver__buffered_scans),
        cmocka_unit_test(test_resolver__head_is_no_scan),
        cmocka_unit_test(test_resolver__sixth_client_suspect),
        cmocka_unit_test(test_resolver__history_by_month),
        cmocka_unit_test(test_resolver__enumeration),
        cmocka_unit_test(test_resolver__preflight),
        cmocka_unit_test(test_resolver__mah_links),
        cmocka_unit_test(test_resolver__chromium_cross_origin),
    };
    const struct CMUnitTest limits[] = {
        cmocka_unit_test(test_resolver__burst_429),
    };
    int failed =
        cmocka_run_group_tests_name("resolver", tests, setup, px_receiver_fixture_teardown);
    return failed + cmocka_run_group_tests_name("resolver_limits", limits, setup_limits,
                                                px_test_fixture_teardown);
}
