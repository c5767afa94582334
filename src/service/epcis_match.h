/* MATCH_epc / MATCH_anyEPC of the EPCIS queries (EPCIS 2.0 §8.2.7.1): one EPC, as the two
 * event tables need it (docs/epcis.md "Query results"). */
#ifndef PX_SERVICE_EPCIS_MATCH_H
#define PX_SERVICE_EPCIS_MATCH_H

#include "gs1.h"
#include "report_store.h"

/* An SGTIN (gtin, serial), every SGTIN of a GTIN (serial ""), or an SSCC (gtin ""), with the
 * text of the filter's URI arrays. */
typedef struct px_epcis_epc {
    char gtin[GS1_GTIN_LEN + 1];
    char serial[GS1_SERIAL_MAX + 1];
    char sscc[GS1_SSCC_LEN + 1];
    char uris[(GS1_GCP_LEN_MAX - GS1_GCP_LEN_MIN + 1) * (GS1_EPC_URI_MAX + 3) + 3];
} px_epcis_epc;

/* An EPC URN: an SGTIN, an SGTIN pattern (urn:epc:idpat:sgtin:CP.IIR.*) or an SSCC.
 * PX_EINVALID with the reason otherwise. */
px_rc px__epcis_epc_urn(px_epcis_epc *m, const char *uri, px_err *err);

/* Sets f to select the events naming m: epcis_event's by GTIN and serial (or, an SSCC, by its
 * EPC list), container events by the URIs m stands for, one per company prefix length: a
 * container event spells an EPC with its product's or container's prefix, which the query
 * does not know (only the one packid wrote can equal a stored URI). any: MATCH_anyEPC, a
 * container's parentID matches too. f keeps pointers into m. */
px_rc px__epcis_epc_filter(px_epcis_filter *f, px_epcis_epc *m, int any, px_err *err);
/* Sets f to select the events whose parentID is m (MATCH_parentID): container events only. */
px_rc px__epcis_parent_filter(px_epcis_filter *f, px_epcis_epc *m, px_err *err);

#endif
