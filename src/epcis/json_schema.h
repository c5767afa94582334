/* A JSON Schema (draft-07) checker for EPCIS 2.0 JSON-LD documents, driven by the official
 * schema file read at run time (json_schema.c). Layer-internal: validate.c's
 * px_epcis_validator wraps it for PX_EPCIS_FORMAT_JSONLD_2_0. Read-only after loading, so one
 * may be shared by any number of threads. */
#ifndef PX_EPCIS_JSON_SCHEMA_H
#define PX_EPCIS_JSON_SCHEMA_H

#include <stddef.h>

#include "px_err.h"

typedef struct epcis__json_schema epcis__json_schema;

/* Reads and prepares the schema at path (every keyword known to the checker, every pattern
 * compiled); PX_EINVALID "bad_config" otherwise (the configuration names a schema that is not one).
 */
px_rc epcis__json_schema_load(epcis__json_schema **out, const char *path, px_err *err);
void epcis__json_schema_free(epcis__json_schema *s);
/* PX_OK when data is a JSON document valid against s; else PX_EINVALID "epcis_json" (not
 * JSON: "line N: …") or "epcis_schema" ("<JSON pointer>: <reason>" of the first violation). */
px_rc epcis__json_schema_check(const epcis__json_schema *s, const char *data, size_t len,
                               px_err *err);

#endif
