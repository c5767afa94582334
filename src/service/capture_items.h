/* The events of a captured EPCIS document as packid's work items (capture_items.c), shared by
 * the reading half and the applying half of the capture (epcis_capture.c). Internal to
 * service/. */
#ifndef PX_CAPTURE_ITEMS_H
#define PX_CAPTURE_ITEMS_H

#include <stddef.h>
#include <stdint.h>

#include "epcis.h"
#include "exceptions.h"
#include "gs1.h"

/* What packid makes of an event. */
typedef enum item_kind {
    ITEM_COMMISSION = 0, /* ObjectEvent ADD commissioning: px_svc_commission */
    ITEM_PACK,           /* AggregationEvent ADD: px_svc_aggregate pack */
    ITEM_UNPACK          /* AggregationEvent DELETE: px_svc_aggregate unpack */
} item_kind;

/* A child of an AggregationEvent: a pack (gtin, serial) or a container (sscc). */
typedef struct child {
    char gtin[GS1_GTIN_LEN + 1];
    char serial[GS1_SERIAL_MAX + 1];
    char sscc[GS1_SSCC_LEN + 1];
} child;

typedef struct item {
    size_t index;
    item_kind kind;
    char event_id[PX_EPCIS_EVENT_ID_MAX];
    char hash[PX_EPCIS_EVENT_ID_MAX]; /* its content's hash ID (the eventID's, when it has none) */
    char gtin[GS1_GTIN_LEN + 1];
    char lot[24];
    char expiry[7]; /* YYMMDD */
    /* The event's time and place as it gave them: packid's event of what it applies keeps
     * them (px_event_origin); a location NULL when the event named none. */
    int64_t event_time_us;
    int tz_offset_min;
    char *read_point, *biz_location;
    char **serials;
    size_t n_serials, serials_cap;
    char parent[GS1_SSCC_LEN + 1]; /* aggregation: the container */
    /* or a case that carries its own GTIN (REQ-AGG-17): its SGTIN ("" for a container) */
    char parent_gtin[GS1_GTIN_LEN + 1];
    char parent_serial[GS1_SERIAL_MAX + 1];
    child *children;
    size_t n_children;
    int duplicate; /* applied by an earlier capture */
    int applied;
    int refused_applying; /* detail set by the use case (reset when the transaction
                             reruns) rather than by reading the event */
    px_epcis_ex ex;       /* refused: the problem */
    char detail[256];     /* refused: why ("" when the event is good) */
    char *children_detail; /* refused by the use case for its children: each bad one, the
                            * first PX_CAPTURE_CHILDREN_NAMED (heap; NULL: none) */
} item;

/* The bad children a refused aggregation names in the job's errors; past them, how many more. */
#define PX_CAPTURE_CHILDREN_NAMED 10

typedef struct capture_ctx {
    item *items;
    size_t n, cap;
    px_epcis_format format;
    int over_limit;
    px_rc rc; /* out of memory while collecting */
} capture_ctx;

/* Frees every item's serials and children and the items. */
void px__capture_items_free(capture_ctx *c);
/* Marks it refused with the problem and its detail. */
void px__capture_refuse(item *it, px_epcis_ex ex, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The reader's callbacks (px_epcis_read_cb): each event becomes an item, refused with its
 * reason when packid cannot act on it; ctx is a capture_ctx. */
int px__capture_on_header(void *ctx, px_epcis_format format, const px_epcis_doc_header *h);
int px__capture_on_event(void *ctx, const px_epcis_event *ev);

#endif
