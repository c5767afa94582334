/* SSCC construction, prefix check and EPC URI (DOMAIN-2.md §10.1, §10.8 worked example;
 * DOMAIN.md §1.4, §5.3). REQ-SSCC-1: an SSCC is extension digit + company prefix + serial
 * reference + mod-10 check digit, its EPC URI drops the check digit and moves the extension
 * digit in front of the serial reference. */
#include "gs1_test.h"
#include "px_array.h"

/* gs1_sscc_build(ext, gcp, ref): refused with rc and code, or (rc PX_OK) built as sscc. */
typedef struct {
    const char *file;
    int line;
    int ext;
    const char *gcp;
    uint64_t ref;
    px_rc rc;
    const char *code; /* refused: expected err.code */
    const char *sscc; /* built: expected 18 digits */
    const char *uri;  /* built: expected urn:epc:id:sscc: for gcp's length */
} sscc_vec;

/* A vector that builds ext gcp ref into sscc whose EPC URI is uri. */
#define BUILT(ext, gcp, ref, sscc, uri)                                                            \
    {                                                                                              \
        AT, ext, gcp, ref, PX_OK, NULL, sscc, uri                                                  \
    }

static const sscc_vec build_vectors[] = {
    /* DOMAIN-2.md §10.8: the two cases and the pallet, GCP 0355154 (L = 7). */
    BUILT(0, "0355154", 101, "003551540000001015", "urn:epc:id:sscc:0355154.0000000101"),
    BUILT(0, "0355154", 102, "003551540000001022", "urn:epc:id:sscc:0355154.0000000102"),
    BUILT(1, "0355154", 201, "103551540000002019", "urn:epc:id:sscc:0355154.1000000201"),
    /* The same pallet for prefix lengths 6, 8, 9, 10 (§10.8 second table). */
    BUILT(1, "035515", 4000000201ull, "103551540000002019", "urn:epc:id:sscc:035515.14000000201"),
    BUILT(1, "03551540", 201, "103551540000002019", "urn:epc:id:sscc:03551540.100000201"),
    BUILT(1, "035515400", 201, "103551540000002019", "urn:epc:id:sscc:035515400.10000201"),
    BUILT(1, "0355154000", 201, "103551540000002019", "urn:epc:id:sscc:0355154000.1000201"),
    /* DOMAIN.md §1.4 and §5.3. */
    BUILT(1, "0614141", 123456789, "106141411234567897", "urn:epc:id:sscc:0614141.1123456789"),
    BUILT(1, "0614141", 234567890, "106141412345678908", "urn:epc:id:sscc:0614141.1234567890"),
    BUILT(0, "4012345", 333, "040123450000003338", "urn:epc:id:sscc:4012345.0000000333"),
    /* Largest serial reference of a 12-digit prefix: 4 digits. */
    BUILT(9, "061414100000", 9999, "906141410000099996", "urn:epc:id:sscc:061414100000.99999"),
};

static void test_gs1__sscc_build_vectors(void)
{
    for (size_t i = 0; i < PX_COUNT(build_vectors); i++) {
        const sscc_vec *v = &build_vectors[i];
        char out[GS1_SSCC_LEN + 1], uri[GS1_EPC_URI_MAX];
        px_err err;
        px_rc rc = gs1_sscc_build(out, v->ext, v->gcp, v->ref, &err);
        VCHECK(v, rc == PX_OK, "build failed: %s", err.message);
        VCHECK(v, strcmp(out, v->sscc) == 0, "built %s, want %s", out, v->sscc);
        VCHECK(v, gs1_sscc_validate(out, &err) == PX_OK, "not valid: %s", err.message);
        VCHECK(v, gs1_sscc_check_prefix(out, v->gcp, &err) == PX_OK, "prefix: %s", err.message);
        rc = gs1_epc_sscc_format(uri, sizeof(uri), out, (int)strlen(v->gcp), &err);
        VCHECK(v, rc == PX_OK && strcmp(uri, v->uri) == 0, "uri %s, want %s", uri, v->uri);
        /* parse(format(x)) == x through the EPC URI. */
        gs1_elements e;
        gs1_epc_kind kind;
        int l = 0;
        rc = gs1_epc_parse(&e, &kind, &l, uri, &err);
        VCHECK(v, rc == PX_OK && kind == GS1_EPC_SSCC && e.count == 1 &&
                      strcmp(e.items[0].value, v->sscc) == 0 && l == (int)strlen(v->gcp),
               "parse of %s did not give back %s", uri, v->sscc);
    }
}

static void test_gs1__sscc_capacity(void)
{
    /* DOMAIN-2.md §10.1: L = 7 gives 10^9 per extension digit, 10^10 in all. */
    assert_true(gs1_sscc_capacity(7) == 1000000000ull);
    assert_true(gs1_sscc_capacity(6) == 10000000000ull);
    assert_true(gs1_sscc_capacity(12) == 10000ull);
    assert_true(gs1_sscc_capacity(5) == 0);
    assert_true(gs1_sscc_capacity(13) == 0);
    /* The prefixes an SSCC may carry: 6..12 digits, nothing else. */
    assert_true(gs1_gcp_valid("0614141"));
    assert_true(gs1_gcp_valid("061414"));
    assert_true(gs1_gcp_valid("061414100000"));
    assert_false(gs1_gcp_valid("06141"));
    assert_false(gs1_gcp_valid("0614141000005"));
    assert_false(gs1_gcp_valid("06141a1"));
    assert_false(gs1_gcp_valid(""));
}

static const sscc_vec bad_builds[] = {
    {AT, 10, "0355154", 1, PX_EINVALID, "invalid_value", NULL, NULL},
    {AT, -1, "0355154", 1, PX_EINVALID, "invalid_value", NULL, NULL},
    {AT, 0, "03551", 1, PX_EINVALID, "invalid_length", NULL, NULL},
    {AT, 0, "0355154000000", 1, PX_EINVALID, "invalid_length", NULL, NULL},
    {AT, 0, "03551x4", 1, PX_EINVALID, "invalid_character", NULL, NULL},
    {AT, 0, "0355154", 1000000000ull, PX_EEXHAUSTED, "sscc_exhausted", NULL, NULL},
    {AT, 0, "061414100000", 10000, PX_EEXHAUSTED, "sscc_exhausted", NULL, NULL},
    /* REQ-GS1-ZERO: all zeros is never a key. */
    {AT, 0, "000000", 0, PX_EINVALID, "invalid_key", NULL, NULL},
};

static void test_gs1__sscc_build_errors(void)
{
    for (size_t i = 0; i < PX_COUNT(bad_builds); i++) {
        const sscc_vec *v = &bad_builds[i];
        char out[GS1_SSCC_LEN + 1];
        px_err err = PX_ERR_INIT;
        px_rc rc = gs1_sscc_build(out, v->ext, v->gcp, v->ref, &err);
        VCHECK(v, rc == v->rc, "rc %d, want %d", (int)rc, (int)v->rc);
        VCHECK(v, strcmp(err.code, v->code) == 0, "code %s, want %s", err.code, v->code);
        VCHECK(v, out[0] == '\0', "output left behind on failure");
    }
}

static void test_gs1__sscc_check_prefix(void)
{
    px_err err;
    /* The GS1 engine refuses the pallet with its last digit changed (DOMAIN-2.md §10.8). */
    assert_int_equal(gs1_sscc_check_prefix("103551540000002018", "0355154", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_check_digit");
    assert_int_equal(err.pos, 17);
    assert_int_equal(gs1_sscc_check_prefix("103551540000002019", "0614141", &err), PX_EINVALID);
    assert_string_equal(err.code, "wrong_company_prefix");
    assert_int_equal(err.pos, 1);
    assert_int_equal(err.len, 7);
    /* The extension digit is not part of the prefix. */
    assert_int_equal(gs1_sscc_check_prefix("103551540000002019", "1035515", &err), PX_EINVALID);
    assert_int_equal(gs1_sscc_check_prefix("10355154000000201", "0355154", &err), PX_EINVALID);
    assert_string_equal(err.code, "invalid_length");
    assert_int_equal(gs1_sscc_check_prefix("003551540000001015", "0355154", &err), PX_OK);
}
