#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epcis.h"
#include "gs1.h"
#include "outbound.h"
#include "px_file.h"
#include "px_log.h"
#include "px_str.h"
#include "scan_buffer.h"
#include "service.h"

/* Reads GS1's GCP prefix format list once; lookups scan it in memory. */
static px_rc load_gcp_list(px_app *app, px_err *err)
{
    if (!app->cfg.gcp_list[0])
        return PX_OK;
    px_err ferr = PX_ERR_INIT;
    if (px_file_read(app->cfg.gcp_list, GS1_GCP_LIST_MAX, &app->gcp_xml, &app->gcp_xml_len,
                     &ferr) != PX_OK)
        return px_err_set(err, PX_EINVALID, "bad_config", "PACKID_GCP_LIST: %s", ferr.message);
    return PX_OK;
}

/* The domain printed in every pack's Digital Link and the root of every signed link and
 * resolver answer: a malformed one stops the start, not the first print job or download. */
static px_rc urls_check(const px_app *app, px_err *err)
{
    if (app->cfg.dl_domain[0] && !gs1_dl_domain_valid(app->cfg.dl_domain))
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_DL_DOMAIN \"%.100s\" must be http(s)://host[/stem] without a "
                          "trailing slash",
                          app->cfg.dl_domain);
    char base[sizeof(app->cfg.public_url)];
    px_app_public_base(app, base, sizeof(base));
    if (app->cfg.public_url_set && !gs1_dl_domain_valid(base))
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "PACKID_PUBLIC_URL \"%.100s\" must be http(s)://host[:port][/path]",
                          app->cfg.public_url);
    return PX_OK;
}

px_rc px_app_open(px_app *app, const px_config *cfg, int pool_size, px_err *err)
{
    memset(app, 0, sizeof(*app));
    app->cfg = *cfg;
    px_rc rc = urls_check(app, err);
    if (rc != PX_OK || (rc = load_gcp_list(app, err)) != PX_OK)
        return rc;
    /* Where deliveries may connect: a malformed list stops the start, not the first delivery. */
    if ((rc = px_outbound_configure(cfg->outbound_allow, err)) != PX_OK)
        return rc;
    /* An XSD that does not compile stops the start: a report is never sent unvalidated. */
    if (cfg->epcis_xsd_dir[0] &&
        (rc = px_epcis_validator_new(&app->validator, cfg->epcis_xsd_dir, err)) != PX_OK)
        goto fail;
    if (cfg->epcis2_xsd_dir[0] &&
        (rc = px_epcis_validator_open(&app->validator2, PX_EPCIS_FORMAT_XML_2_0,
                                      cfg->epcis2_xsd_dir, err)) != PX_OK)
        goto fail;
    if (cfg->epcis2_json_schema[0] &&
        (rc = px_epcis_validator_open(&app->validator_jsonld, PX_EPCIS_FORMAT_JSONLD_2_0,
                                      cfg->epcis2_json_schema, err)) != PX_OK)
        goto fail;
    rc = px_store_resolve(cfg, app->conninfo, sizeof(app->conninfo),
                                &app->embedded_started, err);
    if (rc != PX_OK)
        return rc;
    px_db *db = NULL;
    if ((rc = px_db_connect(&db, app->conninfo, err)) != PX_OK)
        goto fail;
    px_migration_report rep;
    rc = px_migrate(db, &rep, err);
    px_db_close(db);
    if (rc != PX_OK)
        goto fail;
    /* The audit signing key, made on first start where none is configured (docs/audit.md):
     * every connection seals the audit entries it appends with it. */
    int had_key = access(cfg->audit_key_file, F_OK) == 0;
    if ((rc = px_sign_ring_open(&app->audit_keys, cfg->audit_key_file, 1, err)) != PX_OK)
        goto fail;
    /* Several processes sharing one database must share one key file: entries sealed by a
     * key the verifier does not hold fail verification. Say so when a key is made for a
     * database that others may also use. */
    if (!had_key && cfg->database_url[0])
        px_logf(PX_LOG_WARN,
                "made a new audit signing key %s (key_id %s): every packid process of this "
                "database must use this key file (PACKID_AUDIT_KEY_FILE)",
                cfg->audit_key_file, app->audit_keys.keys[0].id);
    if ((rc = px_pool_new(&app->pool, app->conninfo, pool_size, err)) != PX_OK ||
        (rc = px_scan_buffer_new(&app->scans, err)) != PX_OK)
        goto fail;
    px_pool_set_audit_key(app->pool, &app->audit_keys.keys[0]);
    return PX_OK;
fail:
    px_app_close(app);
    return rc;
}

px_rc px_app_open_replicas(px_app *app, int pool_size, px_err *err)
{
    if (!app->cfg.read_database_url[0])
        return PX_OK;
    /* A standby that does not answer stops the start: a silently missing standby would put
     * every read on the primary unnoticed. */
    return px_replicas_new(&app->replicas, app->cfg.read_database_url, pool_size,
                           app->cfg.read_max_wait_ms, err);
}

void px_app_public_base(const px_app *app, char *out, size_t cap)
{
    if (app->cfg.public_url_set)
        px_strlcpy(out, app->cfg.public_url, cap);
    else
        snprintf(out, cap, "http://%s:%d", app->cfg.listen_host, app->cfg.listen_port);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

void px_app_close(px_app *app)
{
    /* The scans still buffered are written before the pool goes (scan_buffer.h). */
    if (app->scans && app->pool) {
        px_err err = PX_ERR_INIT;
        size_t n = 0;
        px_db *db = px_pool_acquire(app->pool, &err);
        if (!db || px_scan_buffer_flush(app->scans, db, &n, &err) != PX_OK)
            px_logf(PX_LOG_ERROR, "scans not written at stop (%zu buffered): %s",
                    px_scan_buffer_count(app->scans), err.message);
        if (db)
            px_pool_release(app->pool, db);
    }
    /* Each part is freed and forgotten: a close after a failed open, or a second close, finds
     * nothing to free twice (git's FREE_AND_NULL, with the part's own destructor). */
#define PX_APP_DROP(destroy, part) (destroy(part), (part) = NULL)
    PX_APP_DROP(px_scan_buffer_free, app->scans);
    PX_APP_DROP(px_replicas_free, app->replicas);
    PX_APP_DROP(px_pool_free, app->pool);
    px_sign_ring_dispose(&app->audit_keys);
    PX_APP_DROP(free, app->gcp_xml);
    PX_APP_DROP(px_epcis_validator_free, app->validator);
    PX_APP_DROP(px_epcis_validator_free, app->validator2);
    PX_APP_DROP(px_epcis_validator_free, app->validator_jsonld);
#undef PX_APP_DROP
    if (app->embedded_started) {
        px_err err;
        if (px_embedded_stop(&app->cfg, &err) != PX_OK)
            px_logf(PX_LOG_WARN, "%s", err.message);
        app->embedded_started = 0;
    }
}

void px_actor_cli(px_actor *a)
{
    memset(a, 0, sizeof(*a));
    a->role = PX_ROLE_ADMIN;
    a->org_kind = PX_ORG_OPERATOR;
    px_strlcpy(a->org_name, "cli", sizeof(a->org_name));
}

px_rc px_svc_ready(px_db *db, px_err *err)
{
    px_migration_report rep;
    px_rc rc = px_db_ping(db, err);
    if (rc == PX_OK)
        rc = px_migration_status(db, &rep, err);
    if (rc != PX_OK)
        return px_err_set(err, PX_EUNAVAIL, "not_ready", "the database does not answer");
    if (rep.applied < rep.total)
        return px_err_set(err, PX_EUNAVAIL, "not_ready",
                          "the database has %d of this build's %d migrations", rep.applied,
                          rep.total);
    return PX_OK;
}
