/* SQL of the monthly partitions of the tables that grow without end (migrations 0111, 0150 and
 * 0200, docs/scaling.md "Partitioning"): creating the months ahead, listing them with the day each
 * may leave its table under the retention the law asks, and detaching one. One code path for
 * every table: px_partitioned_tables lists them. */
#ifndef PX_PARTITION_STORE_H
#define PX_PARTITION_STORE_H

#include "store.h"

/* The partitioned tables, in the order they are listed: epcis_event, scan, vrs_request,
 * report_attempt, webhook_attempt, webhook_delivery, audit_log. */
#define PX_PARTITIONED_N 7
extern const char *const px_partitioned_tables[PX_PARTITIONED_N];

/* The index in px_partitioned_tables of the table whose month `s` (<table>_pYYYYMM) is, -1
 * when it is none: a name the pattern admits is safe to put in SQL. */
int px_partition_table_of(const char *s);

/* The month `name` names in the connection's schema (docs/sandbox.md): a live connection's are
 * <table>_pYYYYMM, the sandbox's are qualified, sandbox.<table>_pYYYYMM, whichever connection
 * asks. Its unqualified name (within `name`, safe to put in SQL) and its table's index in
 * *table; NULL when `name` is no month of a partitioned table of that schema. */
const char *px_partition_month_in(const px_db *db, const char *name, int *table);

/* What keeps a month in its table past today, or last kept it. */
typedef enum {
    PX_HELD_BY_AGE,   /* the month's age (or, for deliveries, their attempts' months' age) */
    PX_HELD_BY_PACKS, /* a pack's expiry its rows name */
    PX_HELD_BY_CUT,   /* audit_log: entries no signed cut covers (keep_until has passed) */
} px_partition_held;

/* "age", "pack_expiry", "audit_cut" (the `held_by` of `partitions list --json`). */
const char *px_partition_held_code(px_partition_held h);
/* Its words for people: "the month's age", "a pack's expiry", "entries no signed cut covers". */
const char *px_partition_held_text(px_partition_held h);

typedef struct px_partition_row {
    char table[24];      /* its table (px_partitioned_tables) */
    char name[40];       /* <table>_pYYYYMM; a month of the sandbox's sandbox.<table>_pYYYYMM */
    char from[11];       /* first day of the month, YYYY-MM-DD */
    char to[11];         /* first day of the next month (exclusive) */
    long long rows;      /* the planner's estimate (pg_class.reltuples), 0 when never counted */
    char keep_until[11]; /* the first day it may be detached */
    px_partition_held held_by; /* why it is kept (or, when detachable, what kept it last) */
    int table_index;           /* its index in px_partitioned_tables */
    int detachable;            /* keep_until <= today */
    int sandbox;               /* a month of the sandbox's tables (docs/sandbox.md) */
} px_partition_row;

/* Creates the partitions of the months from `month` (YYYY-MM-DD, any day of it; NULL: the
 * database's today, the clock the partition keys are stamped with) to `ahead` months after it
 * that do not exist yet, in every partitioned table (rows of those months in <table>_default
 * move into them); *created counts them. In the connection's schema (live or sandbox). */
px_rc px_store_partitions_ensure(px_db *db, const char *month, int ahead, int *created,
                                 px_err *err);

/* Rows each <table>_default holds (rows[i] for px_partitioned_tables[i]): rows that found no
 * month (the runner did not run). */
px_rc px_store_partition_default_rows(px_db *db, long long rows[PX_PARTITIONED_N], px_err *err);

/* The monthly partitions of the connection's schema (live or sandbox, named as
 * px_partition_month_in reads them), table by table, oldest first, judged on `today` (YYYY-MM-DD):
 * a month is kept `retention_months` after its end, and `after_expiry_months` after the latest
 * expiry of any pack its rows name (the tables whose rows name packs: epcis_event, scan,
 * vrs_request), whichever is later. The packs are asked only of months whose age alone would let
 * them go. *rows is malloc'ed (free it). */
px_rc px_store_partitions_list(px_db *db, const char *today, int retention_months,
                               int after_expiry_months, px_partition_row **rows, int *n,
                               px_err *err);

/* Detaches partition `name` (a month of the connection's schema, px_partition_month_in) from its
 * table if, judged again inside the caller's transaction, its retention has passed on `today`; the
 * table stays (the operator archives and drops it). PX_ESTATE "retention_not_passed" otherwise,
 * PX_ENOTFOUND when it is not a month of a partitioned table of the connection's schema. */
px_rc px_store_partition_detach(px_db *db, const char *name, const char *today,
                                int retention_months, int after_expiry_months, px_err *err);

#endif
