/* The outside oracles of the epcis unit tests: documents written to temporary files and
 * checked by the official schemas' validators (../shared/tools/epcis-validate for the XSDs,
 * json-schema-validate.py for the EPCIS 2.0 JSON schema). Test code: fails through cmocka. */
#ifndef EPCIS_CHECK_H
#define EPCIS_CHECK_H

#include <stddef.h>

#include "epcis.h"
#include "px_buf.h"

#define CK_XSD_VALIDATE PX_SHARED_DIR "/tools/epcis-validate"
#define CK_JSON_VALIDATE PX_SOURCE_DIR "/tests/unit/epcis/json-schema-validate.py"
#define CK_SCHEMA_GS1 PX_SHARED_DIR "/reference/epcis-2.0/json/gs1-epcis/EPCIS-JSON-Schema.json"

/* The tests' events happen at 2025-03-01T09:00:00Z: an event of type, action, step and
 * disposition then, in the zone tz_min minutes east of UTC; its other fields zero. */
px_epcis_event ck_event(px_epcis_event_type type, px_epcis_action action, px_cbv_bizstep step,
                        px_cbv_disp disposition, int tz_min);

/* A cmocka group's validator: ck_validator_state makes v the state when rc (of opening it) is
 * PX_OK, else prints err and fails the group (-1); ck_validator_teardown frees it. */
int ck_validator_state(void **state, px_rc rc, px_epcis_validator *v, const px_err *err);
int ck_validator_teardown(void **state);

/* Writes doc to a fresh temporary file /tmp/packid-epcis-XXXXXX<suffix>; its name into path. */
void ck_keep(char path[64], const px_buf *doc, const char *suffix);
/* Runs tool_and_args (a shell command line) on the n files at once; 1 when it exits 0. The
 * tool's output goes to stderr, or (its reports on stderr aside) nowhere when quiet. */
int ck_run_oracle(const char *tool_and_args, char paths[][64], size_t n, int quiet);
/* 1 when doc validates against the official EPCIS 1.2 XSD its root names (the validator's
 * complaints on stderr). */
int ck_xsd_valid(const px_buf *doc);

/* Sticky failure (docs/architecture.md "Errors"), on an open writer w (any format): ok is added,
 * bad is refused (PX_EINVALID invalid_event), then every add is a no-op returning that error and
 * finish reports it, naming events[1]. Frees w. */
void ck_sticky_first_error(px_epcis_writer *w, const px_epcis_event *ok, const px_epcis_event *bad);
/* An open writer w whose sink refuses: ok is added until an add fails (1000 at most), and
 * finish reports PX_EUNAVAIL "epcis_sink". by_event: an add must fail already (not only
 * finish). Frees w. */
void ck_sink_refusal(px_epcis_writer *w, const px_epcis_event *ok, int by_event);

#endif
