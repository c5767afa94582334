/* EPCIS 2.0 capture (POST /epcis/capture, the capture of the EPCIS 2.0 REST Bindings;
 * docs/epcis.md "EPCIS 2.0 capture"): an EPCIS document (2.0 JSON-LD, 2.0 XML or 1.2 XML)
 * whose commissioning ObjectEvents become commissions of the caller, processed while the
 * request is open, the outcome stored as a capture job. */
#ifndef PX_EPCIS_CAPTURE_H
#define PX_EPCIS_CAPTURE_H

#include <stddef.h>

#include "capture_store.h"
#include "service.h"

/* GS1-EPCIS-Capture-Limit: events in one document (more: 413); a commission takes as many
 * serials (PX_COMMISSION_MAX_SERIALS). */
#define PX_CAPTURE_MAX_EVENTS 100000

/* Reads the document and applies it as by (role with PX_ACT_COMMISSION). Returns PX_OK with
 * capture_id set whatever the events' fate (the job says it); fails without a job when the
 * document cannot be read at all (PX_EINVALID "epcis_validation") or is over the limit
 * (PX_ETOOBIG "capture_limit"). proceed: apply every good event (GS1-Capture-Error-Behaviour
 * proceed); else all or nothing (rollback). */
px_rc px_svc_epcis_capture(px_db *db, const px_actor *by, const char *body, size_t len,
                           int proceed, char capture_id[PX_ID_LEN + 1], px_err *err);

/* The job, if it is by's organization's. */
px_rc px_svc_epcis_capture_get(px_db *db, const px_actor *by, const char *id,
                               px_capture_row *out, px_err *err);

#endif
