/* SQL of the monthly partitions of epcis_event (migration 0111, docs/scaling.md
 * "Partitioning"): creating the months ahead, listing them with the day each may leave the
 * table under the retention the law asks, and detaching one. */
#ifndef PX_PARTITION_STORE_H
#define PX_PARTITION_STORE_H

#include "store.h"

typedef struct px_partition_row {
    char name[32];        /* epcis_event_pYYYYMM */
    char from[11];        /* first day of the month, YYYY-MM-DD */
    char to[11];          /* first day of the next month (exclusive) */
    long long rows;       /* the planner's estimate (pg_class.reltuples), 0 when never counted */
    char keep_until[11];  /* the first day it may be detached */
    int held_by_packs;    /* keep_until comes from a pack's expiry, not from the month's age */
    int detachable;       /* keep_until <= today */
} px_partition_row;

/* Creates the partitions of the months from `month` (YYYY-MM-DD, any day of it; NULL: the
 * database's today, the clock created_at is stamped with) to `ahead`
 * months after it that do not exist yet (rows of those months in epcis_event_default move
 * into them); *created counts them. In the connection's schema (live or sandbox). */
px_rc px_store_partitions_ensure(px_db *db, const char *month, int ahead, int *created,
                                 px_err *err);

/* Rows epcis_event_default holds: rows that found no month (the runner did not run). */
px_rc px_store_partition_default_rows(px_db *db, long long *rows, px_err *err);

/* The monthly partitions, oldest first, judged on `today` (YYYY-MM-DD): a month is kept
 * `retention_months` after its end, and `after_expiry_months` after the latest expiry of any
 * pack its events name, whichever is later. The packs are asked only of months whose age
 * alone would let them go. *rows is malloc'ed (free it). */
px_rc px_store_partitions_list(px_db *db, const char *today, int retention_months,
                               int after_expiry_months, px_partition_row **rows, int *n,
                               px_err *err);

/* Detaches partition `name` from epcis_event if, judged again inside the caller's
 * transaction, its retention has passed on `today`; the table stays (the operator archives
 * and drops it). PX_ESTATE "retention_not_passed" otherwise, PX_ENOTFOUND when it is not
 * a month of epcis_event. */
px_rc px_store_partition_detach(px_db *db, const char *name, const char *today,
                                int retention_months, int after_expiry_months, px_err *err);

#endif
