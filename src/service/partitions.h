/* partitions — the monthly partitions of the tables that grow without end (docs/scaling.md
 * "Partitioning"): px_partitioned_tables. The months ahead are created by the "partitions"
 * runner and `packid partitions ensure`; a month leaves the table (`packid partitions detach`)
 * only when the law's retention has passed for it and for every pack its rows name, and, for
 * audit_log, when cuts packid signed cover its entries. */
#ifndef PX_PARTITIONS_H
#define PX_PARTITIONS_H

#include "partition_store.h"
#include "service.h"

/* Creates the partition of `month` and `ahead` more of every table, in the live schema and in
 * the sandbox's (a sandbox connection's, a test key's: the sandbox's alone) (month NULL: the
 * database's this month; else "YYYY-MM", 2000-01 to 2999-12, else 422 invalid_value on field
 * "from"). *created counts both. */
px_rc px_svc_partitions_ensure(const px_app *app, px_db *db, const char *month, int ahead,
                               int *created, px_err *err);

/* The months with the day each may go, judged on px_clock's today and the configured
 * retention (*rows malloc'ed): the live schema's, then the sandbox's (named
 * sandbox.<table>_pYYYYMM, px_partition_row.sandbox; a sandbox connection's, a test key's: the
 * sandbox's alone), and the rows that fell into each of the live tables' default partitions
 * (the connection's schema's). */
px_rc px_svc_partitions_list(const px_app *app, px_db *db, px_partition_row **rows, int *n,
                             long long default_rows[PX_PARTITIONED_N], px_err *err);

/* Detaches month `name` (<table>_pYYYYMM; sandbox.<table>_pYYYYMM one of the sandbox's, judged
 * on the sandbox's rows, packs and cuts) if its retention has passed, judged again in
 * the detaching transaction; PX_ENOTFOUND "not_found" for a name that is no such month; PX_ESTATE
 * "retention_not_passed" if not, "audit_not_cut" for a month of audit_log whose entries no cut
 * covers, "audit_cut_invalid" when a cut covering them does not hold with app->audit_keys. Audited
 * as partition.detach by `by` (the command line's operator), the sandbox's months too, in the
 * connection's log (live, but for a test key). */
px_rc px_svc_partition_detach(const px_app *app, px_db *db, const px_actor *by, const char *name,
                              px_err *err);

/* The runner (runners.def): the months ahead in both schemas once an hour, and the gauges. */
px_rc px_run_partitions(px_app *app, px_db *db, int *did_work, px_err *err);

#endif
