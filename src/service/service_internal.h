/* Shared by the files of service/ only: the bodies of use cases that a first start (and a
 * partnership) runs inside a larger transaction, and small rules several use cases apply. */
#ifndef PX_SERVICE_INTERNAL_H
#define PX_SERVICE_INTERNAL_H

#include <string.h>

#include "gs1.h"
#include "job_store.h"
#include "print_store.h"
#include "service.h"
#include "tx.h"

/* px_svc_key_create's body (keys.c), audited as by. */
px_rc px__key_create_in_tx(px_tx *tx, const px_actor *by, const char *org_id, const char *role,
                           const char *label, px_key_mode mode, char api_key[PX_API_KEY_LEN + 1],
                           px_key_info *out, px_err *err);

/* px_svc_org_create's body (orgs.c): validation, then px__org_insert_in_tx. */
px_rc px__org_create_in_tx(px_tx *tx, const px_app *app, const px_actor *by, px_org *org,
                           px_err *err);
/* Inserts a checked organization (its GLN's prefix another's: company_prefix_taken) and audits
 * org.create as by, in the chain of the MAH it is, else of the MAH creating it (a CMO made
 * with its first partnership), else the operator's. */
px_rc px__org_insert_in_tx(px_tx *tx, const px_actor *by, px_org *org, px_err *err);

/* REQ-SSCC-8 (org_prefixes.c): the n company prefixes org o is to list beyond its GLN's, as
 * far as they are checked without the database (a CMO's, at most PX_ORG_GCP_MAX, 6 to 12
 * digits, none twice). */
px_rc px__org_prefixes_check(const px_org *o, const char *const *prefixes, size_t n, px_err *err);
/* The rules of an organization's name and GLN ("" for none), at its creation, at a change and
 * for the CMO a partnership creates (orgs.c); name_code: the refusal's code for the name
 * (organizations say invalid_name, the partnership route invalid_value; name NULL: not judged,
 * a change that keeps the stored name); prefix_given: a GLN prefix length was sent. */
px_rc px__org_name_gln_check(const char *name, const char *name_code, const char *gln,
                             int prefix_given, px_err *err);
/* docs/aggregation.md "One organization per prefix": the company prefix of gtin (its first
 * prefix_len digits after the indicator) that MAH mah_id registers a product under is not
 * another organization's (px_store_gtin_prefix_taken); else PX_ECONFLICT
 * "company_prefix_taken" on field gtin. */
px_rc px__gtin_prefix_free(px_db *db, const char *mah_id, const char *gtin, int prefix_len,
                           px_err *err);
/* org's GLN (none: nothing to check) is no other organization's: else PX_ECONFLICT
 * "gln_taken" on field gln, the GLN held to the commit (px_store_gln_taken). Asked where a GLN
 * is given: a new organization's, a changed one. */
px_rc px__gln_free(px_db *db, const px_org *org, px_err *err);
/* The company prefix of org's GLN at its prefix length is not one another organization
 * listed or another MAH's products are numbered under (a CMO's GLN may be under its partner
 * MAH's, or by's when by is the MAH creating or changing it), nor with the length unknown does
 * the GLN lie under one (nothing to check without a GLN); else PX_ECONFLICT
 * "company_prefix_taken" on field gln: the rule when an organization is created (POST
 * /v1/orgs, a new CMO of POST /v1/partners) as when its GLN changes (px_store_gln_prefix_taken). */
px_rc px__gln_prefix_free(px_db *db, const px_actor *by, const px_org *org, px_err *err);
/* Checks them (px__org_prefixes_check, then none another organization's), writes them, and
 * records the old and new lists in d (may be NULL). */
px_rc px__org_prefixes_set(px_db *db, const px_org *o, const char *const *prefixes, size_t n,
                           px_audit_details *d, px_err *err);

/* A product's own sub-resource (links, passport) answers an unknown or another tenant's
 * product as the product routes do: rc PX_ENOTFOUND becomes 404 product_not_found. */
px_rc px__product_found(px_rc rc, const char *gtin, px_err *err);

/* A GTIN from outside normalized into g (catalog.c), refused in one of two ways: one that names
 * a product (a path's, a product's settings) answers PX_ENOTFOUND "product_not_found" when it
 * is no GTIN, as an unknown product does; one sent as a request's field answers gs1's
 * PX_EINVALID refusal on field "gtin". */
px_rc px__product_gtin(char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err);
px_rc px__gtin_field(char g[GS1_GTIN_LEN + 1], const char *gtin, px_err *err);

/* 1 when by may read an object an organization made (org_id) for a MAH (tenant_id): its maker,
 * or that MAH (its mah and auditor keys); anyone else gets the object's 404 (exports, print
 * jobs; docs/architecture.md "Requests"). */
static inline int px__maker_or_its_mah(const px_actor *by, const char *org_id,
                                       const char *tenant_id)
{
    return strcmp(org_id, by->org_id) == 0 ||
           (by->org_kind == PX_ORG_MAH && strcmp(tenant_id, by->org_id) == 0);
}

/* A CMO reads an object of gtin (an export, a print job) through its partnership, as every
 * access of its (catalog.c): suspended -> 403 partnership_suspended; the product not (or no
 * longer) granted -> PX_ENOTFOUND "not_found" "<what> not found". PX_OK for any other caller. */
px_rc px__cmo_reads_through_partnership(px_db *db, const px_actor *by, const char *gtin,
                                        const char *what, px_err *err);

/* The same for what CMO organization cmo_org_id made, whoever asks (a download link's holder). */
px_rc px__cmo_org_reads_through_partnership(px_db *db, const char *cmo_org_id, const char *gtin,
                                            const char *what, px_err *err);

/* A CMO's carrier batch batch_id read through cmo_org_id's partnerships, each product its pack
 * items name (carrier_batch.c): suspended 403, not granted PX_ENOTFOUND "<what> not found". */
px_rc px__carrier_batch_cmo_served(px_db *db, const char *batch_id, const char *cmo_org_id,
                                   const char *what, px_err *err);

/* REQ-POOL-6 (catalog.c): a suspended partnership stops the CMO's access to gtin at once:
 * PX_OK while ps is active, else PX_EFORBIDDEN "partnership_suspended". */
px_rc px__partnership_active(const px_partnership *ps, const char *gtin, px_err *err);

/* A failed job of each kind taken up again inside POST /v1/jobs/{id}/retry's transaction
 * (job_retry.c), the job j locked and found the caller's: what it needs asked again as its
 * request asked it, its object and job queued again, audited. allocation.c, export.c,
 * carrier_batch.c. */
px_rc px__allocation_retry(px_tx *tx, const px_job *j, px_err *err);
px_rc px__export_retry(px_tx *tx, const px_job *j, px_err *err);
px_rc px__carrier_batch_retry(px_tx *tx, const px_job *j, px_err *err);

/* What an export's read and its download both ask of it (export.c): a CMO's manifest only
 * while the CMO's partnership serves the product (403 partnership_suspended, 404), and only
 * while none of its packs was released since (409 export_released). */
px_rc px__export_scope_served(px_db *db, const px_export *e, px_err *err);
px_rc px__export_unreleased(px_db *db, const px_export *e, px_err *err);

/* px_svc_product_create's body (catalog.c): validation, insert, audit as by. */
px_rc px__product_create_in_tx(px_tx *tx, const px_app *app, const px_actor *by, px_product *p,
                               px_err *err);

/* The one answer to an API key that is malformed, unknown or revoked, at sign-in or when a
 * writing transaction finds it revoked (keys.c): PX_EAUTH "invalid_token", whatever the cause. */
px_rc px__key_refused(px_err *err);
/* The actor of the (unrevoked) key whose secret hashes to hash (keys.c): px_svc_authenticate
 * after its shape check, and a console session, which acts as its key (sessions.c). A test
 * key is looked up in the sandbox, and the connection stays there (docs/sandbox.md). */
px_rc px__actor_of_key_hash(px_db *db, px_actor *out, const uint8_t hash[32], px_key_mode mode,
                            px_err *err);

#endif
