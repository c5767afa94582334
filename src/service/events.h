/* events — the EPCIS event of a lifecycle transition, both directions in one place (as libgit2
 * keeps a parser beside its writer): the event a use case builds, hashes and records as a row,
 * and the same event rebuilt from the stored row when a report or a query writes it. A test
 * (tests/integration/test_event_roundtrip.c) rebuilds every event kind from its row and
 * re-hashes it: the hash must equal the one stored at write time. Shared by service/ only. */
#ifndef PX_EVENTS_H
#define PX_EVENTS_H

#include "epcis.h"
#include "lifecycle.h"
#include "pack_state.h"
#include "report_store.h"

/* "urn:epcglobal:cbv:bt:" + GLN + ":" + an id of at most 100 characters, each escaped to at
 * most 3. */
#define PX__BT_URI_MAX (21 + 13 + 1 + 3 * 100 + 1)

/* The source, destination and business transaction of a release's shipping event, as
 * px_epcis_event carries them (the lists point into this struct: never copy it). */
typedef struct px__shipping {
    int has_parties, has_tx;
    char ship_from[14], to_party[14], to_location[14];
    char src_sgln[64], dst_party[64], dst_location[64];
    px_epcis_party sources[2], destinations[2];
    char btt[16]; /* bare CBV btt word */
    char bt_uri[PX__BT_URI_MAX];
    px_epcis_biz_transaction bt;
} px__shipping;

/* What one lifecycle transition records as its EPCIS event. */
typedef struct px__event_in {
    const px_actor *by;
    const px_product *prod;
    const char *op; /* commission, release, decommission, reactivate, recall */
    px_pack_action action;
    const px_pack_status *to;
    int64_t now_us;
    const char *const *serials; /* the EPCs of the event */
    size_t n;
    const char *serial_set; /* how the row keeps its EPCs: commission, release, list */
    const char *commission_id, *release_id, *op_id;
    const char *lot, *expiry, *reason, *market;
    const px__shipping *ship; /* release: source, destination, bizTransaction; or NULL */
    /* EPC URIs the event names in place of serials (a shipment's top-level SSCCs,
     * migration 0090); NULL: the serials. */
    const char *const *epcs;
    size_t n_epcs;
    /* The event's time and place as a captured event gave them; NULL: now_us and the
     * organization's SGLN. */
    const px_event_origin *origin;
} px__event_in;

/* ev's time and place: a captured event's (o; a location it does not give is sgln's), else
 * now_us, UTC, and the organization's SGLN (sgln; "" none) as read point and business
 * location. The ObjectEvents' writer and both AggregationEvent writers share this rule. */
void px__event_at(px_epcis_event *ev, const px_event_origin *o, int64_t now_us, const char *sgln);

/* The organization's location as SGLN, its events' read point and business location; "" when
 * its GLN's company prefix length is not known. */
void px__org_sgln(char out[64], const px_actor *by, const px_product *p);
/* 1 when the reports of market (a product's) need a read point on every event, so an
 * organization without an SGLN can make no event of it a release could report (EU, US). */
int px__market_needs_read_point(const char *market);
/* The read point a commission of product p by `by` at origin o (NULL: packid's own) must
 * carry, refused before anything is written when p's market needs one and neither o nor the
 * organization's SGLN gives it: 422 missing_read_point on field gln (its packs could never
 * be released there; docs/api.md "Commissioning"). */
px_rc px__commission_read_point(const px_actor *by, const px_product *p, const px_event_origin *o,
                                px_err *err);

/* A stored child's EPC in an AggregationEvent: the SSCC's URI for a container (sscc not ""),
 * else the pack's SGTIN; gcp_len its company prefix length. A child that has none is a
 * damaged row: PX_EINTERNAL. */
px_rc px__child_epc(char out[GS1_EPC_URI_MAX], const char *sscc, const char *gtin,
                    const char *serial, int gcp_len, px_err *err);

/* The event the exporter will write for in, and that is hashed (sgln: its read point's
 * storage, which the event points to). */
px_rc px__event_build(px_epcis_event *ev, px_epcis_vocab *vocab, char sgln[64],
                      const px__event_in *in, px_err *err);

/* Writes the event row of in with its EPCIS 2.0 event hash ID computed from exactly the
 * event px__event_build gives (docs/epcis.md "Event hash ID"). precomputed: that hash
 * computed ahead, or NULL. hash_out may be NULL. */
px_rc px__event_record(px_db *db, const px__event_in *in, const char *precomputed,
                       char event_id[PX_ID_LEN + 1], char hash_out[PX_EPCIS_EVENT_ID_MAX],
                       px_err *err);

/* The lists an event rebuilt from a row points to (they live as long as the event). */
typedef struct px__row_lists {
    px_epcis_party sources[2], destinations[2];
    px_epcis_biz_transaction bt;
} px__row_lists;

/* The events one operation records (one per market and group: pack_ops.c, recall.c), each
 * named by its audit entry ("event_ids"), so the event of every pack it moved leads to who
 * moved it. */
#define PX__OP_EVENTS_MAX ((PX_OP_MARKETS_MAX + 1) * 2)
typedef struct px__op_events {
    char id[PX__OP_EVENTS_MAX][PX_ID_LEN + 1];
    const char *p[PX__OP_EVENTS_MAX]; /* id[i], as a list for px_audit_strs */
    size_t n;
} px__op_events;
px_rc px__op_events_add(px__op_events *e, const char *id, px_err *err);

/* The words of a stored event row (epcis_event's or container_event's) as the event's type,
 * action, bizStep and disposition ("" disposition: none); another word is a row packid did
 * not write: PX_EINTERNAL naming the row by id. */
px_rc px__event_words(px_epcis_event *ev, const char *type, const char *action,
                      const char *biz_step, const char *disposition, const char *id, px_err *err);

/* One stored event row as the writer's event: the inverse of px__event_record. */
px_rc px__event_from_row(px_epcis_event *ev, px__row_lists *lists, const px_epcis_row *row,
                         px_err *err);

/* Writes ev with w as a walk over stored rows does. The writer keeps its error to itself until
 * it is finished: a refused event finishes w, so that err has the writer's own words. */
px_rc px__event_put(px_epcis_writer *w, const px_epcis_event *ev, px_err *err);

/* A walk of stored event rows into a writer (a report's events, a shipment's containers'):
 * the writer, where an error goes, and the first failure, which stops the walk. */
typedef struct px__event_walk {
    px_epcis_writer *w;
    px_err *err;
    px_rc rc;
} px__event_walk;

#endif
