/* JSON shapes the HTTP API and the CLI print alike, so `packid org list` shows an organization
 * exactly as GET/POST/PATCH /v1/orgs answer it (docs/api.md "Organizations"). */
#ifndef PX_JSON_SHAPES_H
#define PX_JSON_SHAPES_H

#include <jansson.h>

#include "gs1.h"
#include "service.h"

/* A new reference: org_id, kind, name, gln, gln_prefix_length, market, created_at and the
 * organization's further company prefixes (REQ-SSCC-8) as an array. */
json_t *px_json_org(const px_org *org);
/* A key as GET /v1/keys lists it: key_id, org_id, role, label (null without one), mode (the
 * mode of the keys listed), created_at, revoked_at (null while active); never its secret. */
json_t *px_json_key(const px_key_info *k, px_key_mode mode);
/* The answer of a key's creation: key_id, api_key (the secret, shown only then), org_id, role,
 * mode. */
json_t *px_json_key_created(const px_key_info *k, const char *secret, px_key_mode mode);
/* The audit trail's verdict (GET /v1/audit/verify, `packid audit verify --json`): ok, entries,
 * head, checkpoints; when broken, reason and (the entry where it broke, when there is one)
 * broken_at. */
json_t *px_json_audit_verdict(const px_audit_verdict *v);
/* What a GS1 code says (POST /v1/gs1/parse, `packid gs1 check --json`): valid (true), format
 * (gs1_parse_form's), elements [{ai, title, value, date (a date AI's ISO date, its century
 * read against year)}], element_string, hri, digital_link on dl_domain (null when the data
 * has no Digital Link: no primary key, or an AI a link with that key may not carry); NULL
 * out of memory. */
json_t *px_json_gs1_reading(const gs1_elements *e, const char *form, const char *dl_domain,
                            int year);

#endif
