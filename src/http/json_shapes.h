/* JSON shapes the HTTP API and the CLI print alike, so `packid org list` shows an organization
 * exactly as GET/POST/PATCH /v1/orgs answer it (docs/api.md "Organizations"). */
#ifndef PX_JSON_SHAPES_H
#define PX_JSON_SHAPES_H

#include <jansson.h>

#include "service.h"

/* A new reference: org_id, kind, name, gln, gln_prefix_length, market, created_at and the
 * organization's further company prefixes (REQ-SSCC-8) as an array. */
json_t *px_json_org(const px_org *org);

#endif
