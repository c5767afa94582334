/* Sample EPCIS documents shared by the epcis unit tests and the golden-file generator
 * (scripts/epcis-golden.sh): fixed clock, fixed ids, so the output is deterministic. */
#ifndef EPCIS_FIXTURES_H
#define EPCIS_FIXTURES_H

#include "epcis.h"

/* The event kinds packid emits (DOMAIN.md §6.4 and domain/'s transition mapping). */
typedef enum fx_kind {
    FX_COMMISSIONING = 0, /* ObjectEvent ADD commissioning/active + ILMD lot, expiry */
    FX_PACKING,           /* AggregationEvent ADD packing/in_progress: SSCC parent */
    FX_SHIPPING,          /* ObjectEvent OBSERVE shipping/in_transit (release) */
    FX_DISPENSING,        /* ObjectEvent OBSERVE dispensing/dispensed */
    FX_DECOMMISSIONING,   /* ObjectEvent OBSERVE decommissioning/damaged */
    FX_DESTROYING,        /* ObjectEvent DELETE destroying/destroyed */
    FX_RECALL,            /* ObjectEvent OBSERVE decommissioning/recalled */
    FX_UNPACKING,         /* AggregationEvent DELETE unpacking (no children) */
    FX__COUNT
} fx_kind;

const char *fx_kind_name(fx_kind k);

/* The US flow's product master data (DOMAIN.md Appendix A): GTIN 00355154944954, with NDC. */
const px_epcis_product *fx_us_product(void);

/* Writes one document for profile: with only = -1 every kind in flow order (the golden
 * document), else only that kind. Event IDs are the CBV 2.0 hash of each event. */
px_rc fx_write_document(px_buf *out, px_epcis_profile profile, int only, px_err *err);
/* The same document in another syntax (the same events, the same hash IDs). */
px_rc fx_write_document_as(px_buf *out, px_epcis_format format, px_epcis_profile profile,
                           int only, px_err *err);
/* fx_write_document_as into out, made first (px_buf_init with cap); the caller disposes of it. */
px_rc fx_new_document(px_buf *out, size_t cap, px_epcis_format format, px_epcis_profile profile,
                      int only, px_err *err);

#endif
