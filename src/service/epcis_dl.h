/* An event's identifiers as GS1 Digital Link URIs, for the EPCIS 2.0 REST answers asked for
 * with GS1-EPC-Format: Always_GS1_Digital_Link (EPCIS 2.0 REST Bindings, docs/epcis.md). */
#ifndef PX_EPCIS_DL_H
#define PX_EPCIS_DL_H

#include "epcis.h"
#include "px_buf.h"

/* The storage a translated event points to (its strings and lists); reused event after
 * event, freed by px__event_dl_dispose. */
typedef struct px__event_dl {
    px_buf text;                  /* the URIs, NUL-separated */
    size_t *offs;                 /* each URI's offset in text */
    size_t n_offs, cap_offs;
    const char **epcs;
    size_t cap_epcs;
    px_epcis_quantity *quantities;
    size_t cap_quantities;
    px_epcis_party *parties;
    size_t cap_parties;
} px__event_dl;

void px__event_dl_init(px__event_dl *d);
void px__event_dl_dispose(px__event_dl *d);

/* out = in with every EPC (epcList / childEPCs, also those given as serials of one GTIN),
 * parentID, the quantities' epcClass, readPoint, bizLocation and the source / destination
 * ids in the constrained canonical Digital Link form (gs1_epc_to_dl; GS1 Digital Link URI
 * Syntax 1.2 §4.11, constrained as the EPCIS 2.0 event hash ID wants it); a URI with no Digital
 * Link form (a PGLN, a custom URI) is kept as it is. out points into d and into in's other
 * fields. */
px_rc px__event_to_dl(px_epcis_event *out, const px_epcis_event *in, px__event_dl *d,
                      px_err *err);

#endif
