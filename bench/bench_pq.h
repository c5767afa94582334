/* The libpq steps the benches' raw sides share (bench_pq.c): each exits the bench with the
 * server's message on failure, so a measurement never goes on after a failed statement. */
#ifndef BENCH_PQ_H
#define BENCH_PQ_H

#include <libpq-fe.h>
#include <stddef.h>

/* Monotonic seconds. */
double bench_now_s(void);
/* One statement that must succeed. */
void bench_pq_ok(PGconn *c, const char *sql);
/* The first column of the first row of a query, as a number. */
long long bench_pq_count(PGconn *c, const char *sql);
/* COPY … FROM STDIN (sql) of data (text format, len bytes), in one round of COPY data. */
void bench_pq_copy(PGconn *c, const char *sql, const char *data, size_t len);

#endif
