/* Products and partnerships over real HTTP and a real PostgreSQL . */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "px_array.h"
#include "px_test.h"

/* One server and database for the group (px_test_fixture_setup). */
typedef px_test_env fixture;
static int next_gtin = 200;

/* A fresh valid GTIN-14 (GS1 mod-10, DOMAIN.md §1.1) under a company prefix of its own: the
 * group's MAHs never number under one another's (docs/aggregation.md). */
static void new_gtin(char out[15])
{
    px_test_gtin_own(out, next_gtin++);
}

static void product(fixture *f, const char *key, char gtin[15])
{
    char name[32];
    new_gtin(gtin);
    snprintf(name, sizeof(name), "Catalog %.14s", gtin);
    px_test_product(f, key, gtin, name, "EU");
}

static long long products(fixture *f)
{
    return px_sql_count(f, "SELECT count(*) FROM product");
}

static void test_catalog__product_create(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], body[512], path[64];
    px_test_org_key(f, "mah", "Catalog MAH", "mah", org, key);
    new_gtin(g);
    /* GTIN-13 in, 14 digits out (DOMAIN.md §1.2). */
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"Amoxil 500 mg caps x 21\","
             "\"market\":\"DE\",\"nhrn\":{\"ai\":\"710\",\"value\":\"12345678\"},"
             "\"master_data\":{\"regulated_product_name\":\"Amoxicillin\",\"dosage_form\":"
             "\"capsule\",\"strength\":\"500 mg\",\"pack_size\":\"21\",\"manufacturer\":"
             "\"Acme Pharma\"}}",
             g + 1);
    json_t *j = px_test_call(f, "POST", "/v1/products", key, body, 201);
    assert_string_equal(px_test_str(j, "gtin"), g);
    assert_int_equal(px_test_int(j, "company_prefix_length"), 7);
    assert_string_equal(px_test_str(j, "market"), "DE");
    assert_string_equal(px_test_str(json_object_get(j, "nhrn"), "ai"), "710");
    assert_string_equal(px_test_str(json_object_get(j, "master_data"), "strength"), "500 mg");
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/products/%s", g + 1);
    j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "gtin"), g);
    assert_string_equal(px_test_str(j, "name"), "Amoxil 500 mg caps x 21");
    json_decref(j);
    /* A US product with an NDC. */
    new_gtin(g);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"US pack\",\"market\":"
             "\"US\",\"master_data\":{\"ndc\":\"55154-9449-5\"}}",
             g);
    px_test_expect(f, "POST", "/v1/products", key, body, 201, NULL);
    /* The creation is audited. */
    assert_int_equal(px_audit_count(f, "product.create", g), 1);
    /* An NDC stored before today's rule (ten bare digits) is not judged again by a change of
     * something else: the product can still be renamed; a new one is judged. */
    px_sqlf(f,
            "UPDATE product SET master_data = master_data || '{\"ndc\": \"1234567890\"}' "
            "WHERE gtin = '%s'",
            g);
    snprintf(path, sizeof(path), "/v1/products/%s", g);
    px_test_expect(f, "PATCH", path, key, "{\"name\":\"US pack 2\"}", 200, NULL);
    px_test_expect_field(f, "PATCH", path, key, "{\"master_data\":{\"ndc\":\"0987654321\"}}",
                         "master_data.ndc", "invalid_ndc");
}

static void test_catalog__product_validation(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[15], body[512];
    px_test_org_key(f, "mah", "Validation MAH", "mah", org, key);
    new_gtin(g);
    long long before = products(f);
    char bad[15];
    memcpy(bad, g, sizeof(bad));
    bad[13] = (char)(bad[13] == '9' ? '0' : bad[13] + 1); /* wrong check digit */
    /* Each body is {"gtin":<gtin>,<rest>, refused naming field (and code, when not NULL). */
    char qg[20], qbad[20];
    snprintf(qg, sizeof(qg), "\"%s\"", g);
    snprintf(qbad, sizeof(qbad), "\"%s\"", bad);
#define CPL7_X "\"company_prefix_length\":7,\"name\":\"X\","
    const struct {
        const char *gtin, *rest, *field, *code;
    } refused[] = {
        {qbad, CPL7_X "\"market\":\"EU\"}", "gtin", NULL},
        {"\"0401234500020A\"", CPL7_X "\"market\":\"EU\"}", "gtin", NULL},
        {"\"040123450002011\"", CPL7_X "\"market\":\"EU\"}", "gtin", NULL},
        {qg, "\"company_prefix_length\":7,\"market\":\"EU\"}", "name", NULL},
        {qg, CPL7_X "\"market\":\"eu\"}", "market", NULL},
        {qg, CPL7_X "\"market\":\"EUR\"}", "market", "invalid_market"},
        {qg, "\"company_prefix_length\":5,\"name\":\"X\",\"market\":\"EU\"}",
         "company_prefix_length", NULL},
        /* No prefix length and no GS1 prefix list configured: the caller must give it. */
        {qg, "\"name\":\"X\",\"market\":\"EU\"}", "company_prefix_length", NULL},
        {qg, CPL7_X "\"market\":\"EU\",\"nhrn\":{\"ai\":\"719\",\"value\":\"1\"}}", "nhrn.ai",
         NULL},
        {qg, CPL7_X "\"market\":\"EU\",\"nhrn\":{\"ai\":\"711\",\"value\":\"12~3\"}}", "nhrn.value",
         NULL},
        {qg, CPL7_X "\"market\":\"US\",\"master_data\":{\"ndc\":\"abc\"}}", "master_data.ndc",
         NULL},
        /* Each member refused by its path, as PATCH refuses it (one reader for both). */
        {qg, CPL7_X "\"market\":\"EU\",\"master_data\":{\"pack_size\":\"\"}}",
         "master_data.pack_size", "invalid_value"},
        {qg, CPL7_X "\"market\":\"EU\",\"nhrn\":{\"ai\":\"711\"}}", "nhrn.value", "required"},
        /* An NDC the DSCSA report could not carry is refused here, not at the first US
         * release: ten digits without the hyphens that say their layout, a segment too long. */
        {qg, CPL7_X "\"market\":\"US\",\"master_data\":{\"ndc\":\"1234567890\"}}",
         "master_data.ndc", "invalid_ndc"},
        {qg, CPL7_X "\"market\":\"US\",\"master_data\":{\"ndc\":\"12345-6789-123\"}}",
         "master_data.ndc", "invalid_ndc"},
        {qg, CPL7_X "\"market\":\"US\",\"master_data\":{\"ndc\":\"123-4567-890\"}}",
         "master_data.ndc", "invalid_ndc"},
        {qg, CPL7_X "\"market\":\"EU\",\"master_data\":{\"colour\":\"red\"}}", "master_data.colour",
         NULL},
        /* U+FFFE is no character and no XML 1.0 character: refused before it could reach a
         * regulator's EPCIS document. */
        {qg, CPL7_X "\"market\":\"EU\",\"master_data\":{\"regulated_product_name\":\"X\\ufffe\"}}",
         "master_data.regulated_product_name", NULL},
        {qg, CPL7_X "\"market\":\"EU\",\"gtn\":1}", "gtn", NULL},
        {"4012345", CPL7_X "\"market\":\"EU\"}", "gtin", NULL},
    };
#undef CPL7_X
    for (size_t i = 0; i < PX_COUNT(refused); i++) {
        snprintf(body, sizeof(body), "{\"gtin\":%s,%s", refused[i].gtin, refused[i].rest);
        px_test_expect_field(f, "POST", "/v1/products", key, body, refused[i].field,
                             refused[i].code);
    }
    px_test_expect(f, "POST", "/v1/products", key, "{\"gtin\": ", 400, "malformed_json");
    /* Rejected requests change nothing. */
    assert_int_equal(products(f), before);
}

/* A GTIN belongs to one MAH: registering it again (by anyone) is 409. */
static void test_catalog__gtin_taken(void **state)
{
    fixture *f = *state;
    char org1[40], key1[64], org2[40], key2[64], g[15], body[256];
    px_test_org_key(f, "mah", "First MAH", "mah", org1, key1);
    px_test_org_key(f, "mah", "Second MAH", "mah", org2, key2);
    product(f, key1, g);
    snprintf(body, sizeof(body),
             "{\"gtin\":\"%s\",\"company_prefix_length\":7,\"name\":\"Mine now\","
             "\"market\":\"EU\"}",
             g);
    px_test_expect(f, "POST", "/v1/products", key2, body, 409, "product_exists");
    px_test_expect(f, "POST", "/v1/products", key1, body, 409, "product_exists");
    px_expect_count(f, 1,
                    "SELECT count(*) FROM product WHERE gtin = '%s' AND mah_id = '%s' AND name "
                    "LIKE 'Catalog%%'",
                    g, org1);
}

/* Another tenant's product answers 404 (docs/architecture.md "Requests"), in GET and in lists. */
static void test_catalog__tenant_isolation(void **state)
{
    fixture *f = *state;
    char org1[40], key1[64], org2[40], key2[64], cmo[40], cmo_key[64], g[15], path[64];
    px_test_org_key(f, "mah", "Owner MAH", "mah", org1, key1);
    px_test_org_key(f, "mah", "Other MAH", "mah", org2, key2);
    px_test_org_key(f, "cmo", "Stray CMO", "cmo", cmo, cmo_key);
    product(f, key1, g);
    snprintf(path, sizeof(path), "/v1/products/%s", g);
    px_test_expect(f, "GET", path, key1, NULL, 200, NULL);
    px_test_expect(f, "GET", path, key2, NULL, 404, "product_not_found");
    px_test_expect(f, "GET", path, cmo_key, NULL, 404, "product_not_found");
    px_test_expect(f, "GET", "/v1/products/04012345999990", key1, NULL, 404, "product_not_found");
    px_test_expect(f, "GET", "/v1/products/not-a-gtin", key1, NULL, 404, "product_not_found");
    json_t *j = px_test_call(f, "GET", "/v1/products", key2, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    j = px_test_call(f, "GET", "/v1/products", cmo_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    /* A CMO writes no products and no partnerships. */
    px_test_expect(f, "POST", "/v1/products", cmo_key,
                   "{\"gtin\":\"04012345999990\",\"company_prefix_length\":7,\"name\":\"X\","
                   "\"market\":\"EU\"}",
                   403, "forbidden_role");
    px_test_expect(f, "POST", "/v1/partners", cmo_key, "{\"name\":\"X\"}", 403, "forbidden_role");
}

static void partner(fixture *f, const char *mah_key, const char *body, char *cmo_org,
                    char *cmo_key, char *ps_id)
{
    json_t *j = px_test_call(f, "POST", "/v1/partners", mah_key, body, 201);
    snprintf(cmo_org, 40, "%s", px_test_str(j, "org_id"));
    snprintf(cmo_key, 64, "%s", px_test_str(j, "api_key"));
    snprintf(ps_id, 40, "%s", px_test_str(j, "partnership_id"));
    json_decref(j);
}

/* A CMO sees the products of its active partnerships, and only those; suspending the
 * partnership stops its access at once, reactivating restores it. */
static void test_catalog__cmo_partnered_and_suspend(void **state)
{
    fixture *f = *state;
    char org[40], key[64], a[15], b[15], cmo[40], cmo_key[64], ps[40], body[256], path[96];
    px_test_org_key(f, "mah", "Partnering MAH", "mah", org, key);
    product(f, key, a);
    product(f, key, b);
    snprintf(body, sizeof(body), "{\"name\":\"Acme CMO\",\"gtins\":[\"%s\"]}", a + 1);
    partner(f, key, body, cmo, cmo_key, ps);
    json_t *j = px_test_call(f, "GET", "/v1/whoami", cmo_key, NULL, 200);
    assert_string_equal(px_test_str(j, "role"), "cmo");
    json_decref(j);

    j = px_test_call(f, "GET", "/v1/products", cmo_key, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(px_test_str(json_array_get(items, 0), "gtin"), a);
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/products/%s", a);
    px_test_expect(f, "GET", path, cmo_key, NULL, 200, NULL);
    snprintf(path, sizeof(path), "/v1/products/%s", b);
    px_test_expect(f, "GET", path, cmo_key, NULL, 404, "product_not_found");

    /* The MAH sees the partnership with its products. */
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "active");
    assert_string_equal(px_test_str(j, "org_id"), cmo);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "gtins"), 0)), a);
    json_decref(j);
    j = px_test_call(f, "GET", "/v1/partners", key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);

    /* Suspended: at once, every access of the CMO stops. */
    j = px_test_call(f, "PATCH", path, key, "{\"status\":\"suspended\"}", 200);
    assert_string_equal(px_test_str(j, "status"), "suspended");
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/products/%s", a);
    px_test_expect(f, "GET", path, cmo_key, NULL, 403, "partnership_suspended");
    j = px_test_call(f, "GET", "/v1/products", cmo_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    snprintf(path, sizeof(path), "/v1/products/%s/allocations", a);
    px_test_expect(f, "POST", path, cmo_key, "{\"count\":1}", 403, "partnership_suspended");

    /* Active again; then the grant moves from a to b. */
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    px_test_expect(f, "PATCH", path, key, "{\"status\":\"active\"}", 200, NULL);
    snprintf(path, sizeof(path), "/v1/products/%s", a);
    px_test_expect(f, "GET", path, cmo_key, NULL, 200, NULL);
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    snprintf(body, sizeof(body), "{\"gtins\":[\"%s\"]}", b);
    /* A change of products alone is a change: updated_at moves (set back first to see it). */
    px_sqlf(f, "UPDATE partnership SET updated_at = '2020-01-01T00:00:00Z' WHERE id = '%s'", ps);
    /* An empty PATCH changes nothing, so updated_at stays. */
    j = px_test_call(f, "PATCH", path, key, "{}", 200);
    assert_int_equal(strncmp(px_test_str(j, "updated_at"), "2020-01-01", 10), 0);
    json_decref(j);
    j = px_test_call(f, "PATCH", path, key, body, 200);
    assert_int_equal(json_array_size(json_object_get(j, "gtins")), 1);
    assert_int_not_equal(strncmp(px_test_str(j, "updated_at"), "2020-01-01", 10), 0);
    json_decref(j);
    px_expect_count(f, 1,
                    "SELECT count(*) FROM partnership WHERE id = '%s' AND updated_at > now() - "
                    "interval '1 hour'",
                    ps);
    snprintf(path, sizeof(path), "/v1/products/%s", a);
    px_test_expect(f, "GET", path, cmo_key, NULL, 404, "product_not_found");
    snprintf(path, sizeof(path), "/v1/products/%s", b);
    px_test_expect(f, "GET", path, cmo_key, NULL, 200, NULL);

    /* Linking the existing CMO to a second MAH: one organization, two partnerships. */
    char org2[40], key2[64], c[15], cmo2[40], cmo2_key[64], ps2[40];
    px_test_org_key(f, "mah", "Second partnering MAH", "mah", org2, key2);
    product(f, key2, c);
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\",\"gtins\":[\"%s\"]}", cmo, c);
    long long keys_before = px_sql_count(f, "SELECT count(*) FROM api_key");
    j = px_test_call(f, "POST", "/v1/partners", key2, body, 201);
    snprintf(cmo2, sizeof(cmo2), "%s", px_test_str(j, "org_id"));
    snprintf(ps2, sizeof(ps2), "%s", px_test_str(j, "partnership_id"));
    /* No key is minted for an existing CMO: the second MAH must not hold a credential that
     * also reaches the CMO's work for the first MAH. The CMO keeps using its own key. */
    assert_true(json_is_null(json_object_get(j, "api_key")));
    json_decref(j);
    px_expect_count(f, keys_before, "SELECT count(*) FROM api_key");
    (void)cmo2_key;
    assert_string_equal(cmo2, cmo);
    j = px_test_call(f, "GET", "/v1/products", cmo_key, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    /* The first MAH cannot see or touch the second MAH's partnership. */
    snprintf(path, sizeof(path), "/v1/partners/%s", ps2);
    px_test_expect(f, "GET", path, key, NULL, 404, "not_found");
    px_test_expect(f, "PATCH", path, key, "{\"status\":\"suspended\"}", 404, "not_found");
    snprintf(path, sizeof(path), "/v1/products/%s", c);
    px_test_expect(f, "GET", path, cmo_key, NULL, 200, NULL);
}

static void test_catalog__partner_errors(void **state)
{
    fixture *f = *state;
    char org[40], key[64], org2[40], key2[64], mine[15], theirs[15], body[256], path[96];
    px_test_org_key(f, "mah", "Careful MAH", "mah", org, key);
    px_test_org_key(f, "mah", "Neighbour MAH", "mah", org2, key2);
    product(f, key, mine);
    product(f, key2, theirs);
    long long ps_before = px_sql_count(f, "SELECT count(*) FROM partnership");
    long long org_before = px_sql_count(f, "SELECT count(*) FROM organization");
    long long key_before = px_sql_count(f, "SELECT count(*) FROM api_key");

    /* Another MAH's product cannot be granted: 404, nothing created. */
    snprintf(body, sizeof(body), "{\"name\":\"Sneaky CMO\",\"gtins\":[\"%s\",\"%s\"]}", mine,
             theirs);
    json_t *j =
        px_http_expect(f, "POST", "/v1/partners", key, body, NULL, 404, "product_not_found");
    px_expect_detail(j, 0, 1, NULL, "gtins[1]"); /* docs/api.md details */
    json_decref(j);
    px_test_expect_field(f, "POST", "/v1/partners", key, "{\"name\":\"X\",\"gtins\":[\"123\"]}",
                         "gtins[0]", NULL);
    px_test_expect_field(f, "POST", "/v1/partners", key, "{\"gtins\":[]}", "name", NULL);
    px_test_expect_field(f, "POST", "/v1/partners", key, "{\"name\":\"X\",\"gtins\":\"abc\"}",
                         "gtins", NULL);
    px_test_expect_field(f, "POST", "/v1/partners", key, "{\"name\":\"X\",\"colour\":1}", "colour",
                         NULL);
    /* The site GLN is a GS1 key: 13 digits with its check digit. */
    px_test_expect_field(f, "POST", "/v1/partners", key,
                         "{\"name\":\"X\",\"gln\":\"9506000000013\"}", "gln", NULL);
    /* org_id must name a CMO organization. */
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\"}", org2);
    px_test_expect(f, "POST", "/v1/partners", key, body, 404, "not_found");
    px_test_expect(f, "POST", "/v1/partners", key, "{\"org_id\":\"not-a-uuid\"}", 404, "not_found");
    /* A product granted twice is refused, not merged (the short and the 14-digit form alike). */
    snprintf(body, sizeof(body), "{\"name\":\"Twice CMO\",\"gtins\":[\"%s\",\"%s\"]}", mine,
             mine + 1);
    j = px_http_expect(f, "POST", "/v1/partners", key, body, NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, "duplicate_gtin", "gtins[1]");
    json_decref(j);
    px_expect_count(f, ps_before, "SELECT count(*) FROM partnership");
    px_expect_count(f, org_before, "SELECT count(*) FROM organization");
    px_expect_count(f, key_before, "SELECT count(*) FROM api_key");

    char cmo[40], cmo_key[64], ps[40], q[160];
    snprintf(body, sizeof(body),
             "{\"name\":\"Fine CMO\",\"gln\":\"9506000000015\",\"gtins\":[\"%s\"]}", mine);
    partner(f, key, body, cmo, cmo_key, ps);
    /* The CMO's site GLN is kept: its events' readPoint (EU profile). */
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM organization WHERE id = '%s' AND gln = "
             "'9506000000015'",
             cmo);
    px_expect_count(f, 1, "%s", q);
    /* The same CMO twice: 409, PATCH instead. */
    snprintf(body, sizeof(body), "{\"org_id\":\"%s\"}", cmo);
    px_test_expect(f, "POST", "/v1/partners", key, body, 409, "partnership_exists");
    /* An existing CMO keeps its own name and GLN: a new CMO's data beside org_id is refused,
     * naming the field, and the CMO's row is unchanged. */
    static const char *const extra[] = {"\"name\":\"Renamed\"", "\"gln\":\"9506000000022\"",
                                        "\"gln_prefix_length\":7"};
    static const char *const extra_field[] = {"name", "gln", "gln_prefix_length"};
    char row_before[40], row_after[40];
    snprintf(q, sizeof(q), "SELECT md5(o::text) FROM organization o WHERE id = '%s'", cmo);
    px_sql_text(f, q, row_before, sizeof(row_before));
    for (size_t i = 0; i < PX_COUNT(extra); i++) {
        snprintf(body, sizeof(body), "{\"org_id\":\"%s\",%s}", cmo, extra[i]);
        px_test_expect_field(f, "POST", "/v1/partners", key, body, extra_field[i], "invalid_value");
        px_sql_text(f, q, row_after, sizeof(row_after));
        assert_string_equal(row_after, row_before);
    }
    snprintf(path, sizeof(path), "/v1/partners/%s", ps);
    px_test_expect_field(f, "PATCH", path, key, "{\"status\":\"paused\"}", "status", NULL);
    snprintf(body, sizeof(body), "{\"gtins\":[\"%s\"]}", theirs);
    px_test_expect(f, "PATCH", path, key, body, 404, "product_not_found");
    /* A grant list that repeats a product is refused on PATCH as on POST. */
    snprintf(body, sizeof(body), "{\"gtins\":[\"%s\",\"%s\"]}", mine, mine);
    px_test_expect_field(f, "PATCH", path, key, body, "gtins[1]", "duplicate_gtin");
    px_test_expect(f, "PATCH", path, key2, "{\"status\":\"suspended\"}", 404, "not_found");
    px_test_expect(f, "PATCH", "/v1/partners/nope", key, "{\"status\":\"suspended\"}", 404,
                   "not_found");
    j = px_test_call(f, "GET", path, key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "active");
    assert_int_equal(json_array_size(json_object_get(j, "gtins")), 1);
    json_decref(j);
}

/* Walks the list first (its first page, first=per) with key to its end: each page holds the
 * next min(per, the rest) of the n items want names (by field), in that order, and every one
 * is listed once. Returns the pages walked. */
static int walk_pages(fixture *f, const char *key, const char *first, size_t per, const char *field,
                      const char *const *want, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), "%s", first);
    size_t seen = 0;
    int pages = 0, more = 1;
    while (more) {
        json_t *j = px_test_call(f, "GET", path, key, NULL, 200);
        json_t *items = json_object_get(j, "items"), *it;
        assert_int_equal(json_array_size(items), n - seen < per ? n - seen : per);
        size_t i;
        json_array_foreach(items, i, it)
        {
            assert_string_equal(px_test_str(it, field), want[seen]);
            seen++;
        }
        assert_true(++pages <= (int)n + 1);
        more = px_test_next_page(j, first, path, sizeof(path));
        json_decref(j);
    }
    assert_int_equal(seen, n);
    return pages;
}

/* GET /v1/partners pages like every list (docs/api.md Conventions): every partnership once. */
static void test_catalog__partner_paging(void **state)
{
    fixture *f = *state;
    char org[40], key[64], body[128], cmo[40], cmo_key[64], ps[3][40];
    px_test_org_key(f, "mah", "Paging MAH", "mah", org, key);
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"Paged CMO %d\"}", i);
        partner(f, key, body, cmo, cmo_key, ps[i]);
    }
    const char *want[] = {ps[0], ps[1], ps[2]};
    assert_int_equal(walk_pages(f, key, "/v1/partners?first=1", 1, "partnership_id", want, 3), 3);
}

/* GET /v1/products pages with an opaque cursor: every product once. */
static void test_catalog__product_paging(void **state)
{
    fixture *f = *state;
    char org[40], key[64], g[5][15];
    px_test_org_key(f, "mah", "Paging MAH", "mah", org, key);
    for (int i = 0; i < 5; i++)
        product(f, key, g[i]);
    const char *want[] = {g[0], g[1], g[2], g[3], g[4]};
    assert_int_equal(walk_pages(f, key, "/v1/products?first=2", 2, "gtin", want, 5), 3);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP px_test_fixture_setup
#define PX_TEST_TEARDOWN px_test_fixture_teardown
