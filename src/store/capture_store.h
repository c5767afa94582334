/* EPCIS 2.0 capture jobs and the events they applied (migrations/0040_epcis_capture.sql,
 * docs/epcis.md "EPCIS 2.0 capture"). */
#ifndef PX_CAPTURE_STORE_H
#define PX_CAPTURE_STORE_H

#include <stdint.h>

#include "store.h"

typedef struct px_capture_row {
    char id[PX_ID_LEN + 1];
    char org_id[PX_ID_LEN + 1];
    char created_at[32];
    char finished_at[32];         /* "" while running */
    int running, success;
    char error_behaviour[16];     /* rollback | proceed */
    char format[16];              /* px_epcis_format_name */
    long event_count, applied_count;
    char *errors;                 /* JSON array text (malloc'd; px_capture_row_dispose) */
} px_capture_row;

void px_capture_row_dispose(px_capture_row *c);

/* What a capture job is, known before it runs. */
typedef struct px_capture_new {
    const char *id, *org_id, *error_behaviour, *format;
    long event_count;
    int64_t created_us; /* when the capture began, by the service's clock (px_now_us) */
} px_capture_new;

/* Records job, finished at finished_us (the service's clock, as created_us and the events it
 * applied): success as given, applied events, errors_json a JSON array. Written once, in the
 * transaction that applies the job's events when there is one (a process killed before that
 * commit leaves no job behind, and none "running"). */
px_rc px_store_capture_record(px_db *db, const px_capture_new *job, int success, long applied,
                              const char *errors_json, int64_t finished_us, px_err *err);
/* The job; org_id NULL: any organization's. Another organization's job is not found. */
px_rc px_store_capture_get(px_db *db, const char *org_id, const char *id, px_capture_row *out,
                           px_err *err);
/* A captured event: the eventID it arrived with (or its hash ID) and its content's hash ID. */
typedef struct px_captured_id {
    const char *id, *hash;
} px_captured_id;
/* Holds org_id's eventIDs ids until the transaction ends (advisory locks over 64 buckets of
 * them): a capture of the same events waits for this one's commit and then finds them known. */
px_rc px_store_captured_events_hold(px_db *db, const char *org_id, const px_captured_id *ids,
                                    size_t n, px_err *err);
/* What org_id applied before under an event's eventID (one query for all; IDs and hashes hold
 * no control character). */
typedef enum px_captured_known {
    PX_CAPTURED_NEW = 0, /* never applied */
    PX_CAPTURED_SAME,    /* applied, the same content (or content not recorded) */
    PX_CAPTURED_OTHER    /* applied with other content under this eventID */
} px_captured_known;
px_rc px_store_captured_events_known(px_db *db, const char *org_id, const px_captured_id *ids,
                                     size_t n, unsigned char *known, px_err *err);
/* Records that capture_id applied ids as the commission or the aggregation named (either may
 * be NULL), in one statement. */
px_rc px_store_captured_events_add(px_db *db, const char *org_id, const px_captured_id *ids,
                                   size_t n, const char *capture_id, const char *commission_id,
                                   const char *aggregation_id, px_err *err);

#endif
