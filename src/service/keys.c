/* API keys: authentication, creation, revocation (service.h). */
#include <string.h>

#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"
#include "service_internal.h"

#define LIVE_PREFIX "pk_live_"
#define TEST_PREFIX "pk_test_"
#define PREFIX_LEN 8

static const char *const k_mode_names[] = {[PX_KEY_LIVE] = "live", [PX_KEY_TEST] = "test"};

const char *px_key_mode_name(px_key_mode mode)
{
    return k_mode_names[mode == PX_KEY_TEST ? PX_KEY_TEST : PX_KEY_LIVE];
}

PX_NAME_PARSER(px_key_mode_parse, px_key_mode, k_mode_names, PX_COUNT(k_mode_names),
               "invalid_value", "mode")

/* A key is its mode's prefix + 32 random bytes in base64url: 256 bits, nothing to guess. The
 * prefix says the mode to the one holding the key, and to the server before any lookup.
 * Only its SHA-256 is stored, so a database dump reveals no usable key. */
static px_rc new_secret(char out[PX_API_KEY_LEN + 1], uint8_t hash[PX_SHA256_LEN],
                        px_key_mode mode)
{
    uint8_t raw[32];
    if (px_random_bytes(raw, sizeof(raw)) != PX_OK)
        return PX_EINTERNAL;
    memcpy(out, mode == PX_KEY_TEST ? TEST_PREFIX : LIVE_PREFIX, PREFIX_LEN);
    px_base64url_encode(out + PREFIX_LEN, raw, sizeof(raw));
    px_cleanse(raw, sizeof(raw));
    px_sha256(hash, out, strlen(out));
    return PX_OK;
}

px_rc px_svc_authenticate(px_db *db, px_actor *out, const char *api_key, px_err *err)
{
    size_t n = strlen(api_key);
    /* Shape check before touching the database: prefix, length and base64url alphabet. */
    px_key_mode mode = PX_KEY_LIVE;
    size_t body = 3;
    int shape_ok = n == PX_API_KEY_LEN_V1 && strncmp(api_key, "pk_", 3) == 0;
    if (n == PX_API_KEY_LEN && strncmp(api_key, LIVE_PREFIX, PREFIX_LEN) == 0) {
        shape_ok = 1;
        body = PREFIX_LEN;
    } else if (n == PX_API_KEY_LEN && strncmp(api_key, TEST_PREFIX, PREFIX_LEN) == 0) {
        shape_ok = 1;
        body = PREFIX_LEN;
        mode = PX_KEY_TEST;
    }
    if (!shape_ok || px_base64url_span(api_key + body) != n - body)
        return px__key_refused(err);
    uint8_t hash[PX_SHA256_LEN];
    px_sha256(hash, api_key, n);
    return px__actor_of_key_hash(db, out, hash, mode, err);
}

px_rc px__key_refused(px_err *err)
{
    return px_err_set(err, PX_EAUTH, "invalid_token", "the API key is not valid");
}

px_rc px__actor_of_key_hash(px_db *db, px_actor *out, const uint8_t hash[PX_SHA256_LEN],
                            px_key_mode mode, px_err *err)
{
    px_key_info key;
    px_org org;
    /* REQ-SANDBOX-1: a test key is looked up in the sandbox, and the request's connection stays
     * there: everything the request reads or writes is sandbox data. */
    px_rc rc = mode == PX_KEY_TEST ? px_db_set_sandbox(db, 1, err) : PX_OK;
    if (rc != PX_OK)
        return rc;
    rc = px_store_key_lookup(db, &key, &org, hash, err);
    if (rc == PX_ENOTFOUND || (rc == PX_OK && key.revoked_at[0]))
        return px__key_refused(err);
    if (rc != PX_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    if (px_role_parse(&out->role, key.role, err) != PX_OK ||
        px_org_kind_parse(&out->org_kind, org.kind, err) != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "internal error");
    px_strlcpy(out->key_id, key.id, sizeof(out->key_id));
    px_strlcpy(out->org_id, org.id, sizeof(out->org_id));
    px_strlcpy(out->org_name, org.name, sizeof(out->org_name));
    px_strlcpy(out->org_gln, org.gln, sizeof(out->org_gln));
    out->org_gln_prefix_length = org.gln_prefix_length;
    px_strlcpy(out->market, org.market, sizeof(out->market));
    out->mode = mode;
    return PX_OK;
}

px_rc px__key_create_in_tx(px_tx *tx, const px_actor *by, const char *org_id, const char *role,
                           const char *label, px_key_mode mode, char api_key[PX_API_KEY_LEN + 1],
                           px_key_info *out, px_err *err)
{
    px_db *db = px_tx_db(tx);
    px_role r;
    px_org org;
    uint8_t hash[PX_SHA256_LEN];
    api_key[0] = '\0';
    px_rc rc = px_role_parse(&r, role, err);
    if (rc != PX_OK)
        return rc;
    if ((rc = px_label_check(label, 1, "invalid_label", err)) != PX_OK)
        return rc;
    if ((rc = px_store_org_get(db, &org, org_id, err)) != PX_OK)
        return rc;
    px_org_kind kind;
    if ((rc = px_org_kind_parse(&kind, org.kind, err)) != PX_OK)
        return rc;
    if (!px_policy_role_fits_org(r, kind))
        return px_err_set_field(err, PX_EINVALID, "role_mismatch", "role",
                                "a key of role '%s' cannot belong to a %s organization", role,
                                org.kind);
    memset(out, 0, sizeof(*out));
    px_strlcpy(out->org_id, org.id, sizeof(out->org_id));
    px_strlcpy(out->role, role, sizeof(out->role));
    px_strlcpy(out->label, label ? label : "", sizeof(out->label));
    /* A key made on a sandbox connection (a test key's request: a partner's cmo key, an
     * auditor key) is a test key; a live caller asking for a test key gets one written into
     * the sandbox, its organization copied there. */
    int sandbox = px_db_is_sandbox(db);
    if (sandbox)
        mode = PX_KEY_TEST;
    if (new_secret(api_key, hash, mode) != PX_OK)
        return px_err_no_random(err);
    rc = mode == PX_KEY_TEST && !sandbox ? px_store_key_insert_sandbox(db, out, hash, err)
                                         : px_store_key_insert(db, out, hash, err);
    if (rc != PX_OK)
        return rc;
    /* A CMO key made by its MAH concerns that MAH; a MAH's own keys concern the MAH. */
    const char *tenant = px_tenant_of_act_on(by, org.kind, org.id);
    px_audit_details *d = px_tx_audit_as(tx, by, tenant, "key.create", out->id);
    px_audit_str(d, "role", role);
    px_audit_str(d, "org_id", org.id);
    px_audit_str(d, "mode", px_key_mode_name(mode));
    return PX_OK;
}

typedef struct key_ctx {
    const char *org_id, *role, *label;
    px_key_mode mode;
    char *api_key;
    px_key_info *out;
} key_ctx;

/* REQ-KEY-1: a MAH mints keys for its own organization only, of the roles its organization's
 * keys may carry (mah, auditor: REQ-POLICY-5); a cmo key is made only by partnering (it
 * belongs to the CMO), an admin key only by the operator. */
static px_rc mah_may_mint(const px_actor *by, const key_ctx *c, px_err *err)
{
    if (by->role == PX_ROLE_ADMIN)
        return PX_OK;
    if (c->org_id && strcmp(c->org_id, by->org_id) != 0)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "organization \"%s\" not found",
                          c->org_id);
    px_role r;
    px_rc rc = px_role_parse(&r, c->role, err);
    if (rc != PX_OK)
        return rc;
    if (r != PX_ROLE_MAH && r != PX_ROLE_AUDITOR)
        return px_err_set_field(err, PX_EFORBIDDEN, "forbidden_role", "role",
                                "a MAH may mint keys of role mah or auditor only, not '%s'",
                                c->role);
    return PX_OK;
}

static px_rc key_body(px_tx *tx, void *vc, px_err *err)
{
    key_ctx *c = vc;
    const px_actor *by = px_tx_actor(tx);
    px_rc rc = mah_may_mint(by, c, err);
    if (rc != PX_OK)
        return rc;
    /* REQ-SANDBOX-2: a test key never makes a live key: nothing done with it reaches live. */
    if (by->mode == PX_KEY_TEST && c->mode == PX_KEY_LIVE)
        return px_err_set_field(err, PX_EFORBIDDEN, "forbidden_mode", "mode",
                                "a test key can create test keys only");
    return px__key_create_in_tx(tx, by, c->org_id ? c->org_id : by->org_id, c->role, c->label,
                                c->mode, c->api_key, c->out, err);
}

px_rc px_svc_key_create(px_db *db, const px_actor *by, const char *org_id, const char *role,
                        const char *label, px_key_mode mode, char api_key[PX_API_KEY_LEN + 1],
                        px_key_info *out, px_err *err)
{
    char org[PX_ID_LEN + 1]; /* a UUID in any case, as px_svc_keys_each reads it */
    if (org_id) {
        px_uuid_lower(org, org_id);
        if (strlen(org_id) >= sizeof(org) || !px_uuid_valid(org)) {
            api_key[0] = '\0';
            return px_err_set(err, PX_ENOTFOUND, "not_found", "organization \"%.40s\" not found",
                              org_id);
        }
    }
    key_ctx c = {org_id ? org : NULL, role, label, mode, api_key, out};
    px_rc rc = px_tx_run(db, by, key_body, &c, err);
    if (rc != PX_OK) {
        px_cleanse(api_key, PX_API_KEY_LEN + 1);
        api_key[0] = '\0';
    }
    return rc;
}

static px_rc revoke_body(px_tx *tx, void *vc, px_err *err)
{
    const char *key_id = vc;
    px_db *db = px_tx_db(tx);
    px_key_info key;
    px_org org;
    px_rc rc;
    if (!px_uuid_valid(key_id))
        return px_err_set(err, PX_ENOTFOUND, "not_found", "key not found");
    if ((rc = px_store_key_get(db, &key, key_id, err)) != PX_OK)
        return rc;
    /* REQ-KEY-2: a MAH revokes its own organization's keys (the one it calls with too), never
     * its CMOs' (the key handed over at partnering is the CMO's) nor another tenant's. */
    if (px_tx_actor(tx)->role != PX_ROLE_ADMIN && strcmp(key.org_id, px_tx_actor(tx)->org_id) != 0)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "key not found");
    /* Revoking twice is harmless (docs/api.md): the key stays revoked as of the first time, and
     * the audit log records the one revocation, not a second that changed nothing. */
    if (key.revoked_at[0])
        return PX_OK;
    int revoked = 0;
    if ((rc = px_store_org_get(db, &org, key.org_id, err)) != PX_OK ||
        (rc = px_store_key_revoke(db, key.id, &revoked, err)) != PX_OK)
        return rc;
    /* Another revocation of the key committed while this one waited: it is the one. */
    if (revoked)
        px_tx_audit(tx, px_tenant_of_org(org.kind, org.id), "key.revoke", key.id);
    return PX_OK;
}

px_rc px_svc_key_revoke(px_db *db, const px_actor *by, const char *key_id, px_err *err)
{
    return px_tx_run(db, by, revoke_body, (void *)key_id, err);
}

px_rc px_svc_keys_each(px_db *db, const px_actor *by, const char *org_id, px_key_fn fn, void *ctx,
                       px_err *err)
{
    const char *given = org_id && *org_id ? org_id : by->org_id;
    char org[PX_ID_LEN + 1];
    px_uuid_lower(org, given);
    /* REQ-KEY-2: a MAH sees its own organization's keys, as it revokes them; another
     * organization's, or one that does not exist, answers as unknown (as POST /v1/keys). */
    px_org o;
    px_err nf = PX_ERR_INIT;
    if (strlen(given) >= sizeof(org) || !px_uuid_valid(org) ||
        (by->role != PX_ROLE_ADMIN && strcmp(org, by->org_id) != 0))
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", "org_id", "organization not found");
    px_rc rc = px_store_org_get(db, &o, org, &nf);
    if (rc == PX_ENOTFOUND)
        return px_err_set_field(err, PX_ENOTFOUND, "not_found", "org_id", "organization not found");
    if (rc != PX_OK) {
        return px_err_pass(err, &nf);
    }
    return px_store_key_each(db, org, fn, ctx, err);
}
