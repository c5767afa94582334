/* bench_verify_load — COPYs N released packs of one GTIN into serial (bench/verify.sh).
 *
 *   bench_verify_load CONNINFO GTIN N
 *
 * Serials are "S" + 9 digits (S000000000 …), all in lot LOT1 expiring 751231, released: the
 * rows both servers look up. One COPY … FROM STDIN in 1 MiB pieces. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECE (1 << 20)

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_verify_load CONNINFO GTIN N\n");
        return 2;
    }
    long long n = strtoll(argv[3], NULL, 10);
    if (strlen(argv[2]) != 14 || n < 1 || n > 1000000000LL) {
        fprintf(stderr, "bench_verify_load: bad GTIN or count\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_verify_load: %s", PQerrorMessage(c));
        return 1;
    }
    PGresult *r = PQexec(c, "COPY serial (gtin, serial, state, origin, batch, expiry) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "bench_verify_load: %s", PQerrorMessage(c));
        return 1;
    }
    PQclear(r);
    char *buf = malloc(PIECE + 128);
    size_t used = 0;
    int rc = 0;
    for (long long i = 0; i < n && buf && rc == 0; i++) {
        int w = snprintf(buf + used, 128, "%s\tS%09lld\treleased\texternal\tLOT1\t751231\n",
                         argv[2], i);
        used += (size_t)w;
        if (used >= PIECE || i == n - 1) {
            if (PQputCopyData(c, buf, (int)used) != 1)
                rc = 1;
            used = 0;
        }
    }
    if (!buf || PQputCopyEnd(c, rc ? "aborted" : NULL) != 1)
        rc = 1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_verify_load: %s", PQerrorMessage(c));
        rc = 1;
    }
    PQclear(r);
    free(buf);
    PQfinish(c);
    if (rc == 0)
        printf("loaded %lld packs\n", n);
    return rc;
}
