/* Prometheus metrics: requests by route and status, a latency histogram, pool use. Counters
 * are lock-free atomics indexed by route and status, so recording costs nothing measurable. */
#include <stdatomic.h>
#include <stdio.h>

#include "px_array.h"
#include "request.h"
#include "stream.h"

/* One row of counters per route of routes.def, counted from the same table (a fixed size
 * would fall behind as routes are added and fold the last ones, and every unmatched request,
 * into one route's series), and a last row for the requests no route matched. */
enum {
    ROUTES = 0
#define PX_ROUTE(m, p, h, a, f, q) +1
#include "routes.def"
#undef PX_ROUTE
};
#define UNMATCHED ROUTES
#define STATUS_LO 100
#define STATUS_HI 600

static atomic_ulong counts[ROUTES + 1][STATUS_HI - STATUS_LO];
static const double bucket_ms[] = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000};
#define NBUCKETS (PX_COUNT(bucket_ms))
static atomic_ulong buckets[NBUCKETS + 1];
static atomic_ulong total_us;
static atomic_ulong total_n;

void px_metrics_record(int route_index, int status, double ms)
{
    int ri = route_index >= 0 && route_index < ROUTES ? route_index : UNMATCHED;
    if (status >= STATUS_LO && status < STATUS_HI)
        atomic_fetch_add(&counts[ri][status - STATUS_LO], 1);
    size_t b = 0;
    while (b < NBUCKETS && ms > bucket_ms[b])
        b++;
    atomic_fetch_add(&buckets[b], 1);
    atomic_fetch_add(&total_us, (unsigned long)(ms * 1000));
    atomic_fetch_add(&total_n, 1);
}

void px_metrics_render(px_buf *out, px_pool *pool)
{
    px_buf_puts(out, "# HELP packid_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE packid_http_requests_total counter\n");
    for (int ri = 0; ri <= UNMATCHED; ri++) {
        for (int s = 0; s < STATUS_HI - STATUS_LO; s++) {
            unsigned long n = atomic_load(&counts[ri][s]);
            if (!n)
                continue;
            const char *method = ri < UNMATCHED ? px_routes[ri].method : "";
            const char *route = ri < UNMATCHED ? px_routes[ri].pattern : "unmatched";
            px_buf_printf(out,
                          "packid_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
                          "%lu\n",
                          method, route, s + STATUS_LO, n);
        }
    }
    px_buf_puts(out, "# HELP packid_http_request_duration_seconds Request latency.\n"
                     "# TYPE packid_http_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t b = 0; b < NBUCKETS; b++) {
        cum += atomic_load(&buckets[b]);
        px_buf_printf(out, "packid_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                      bucket_ms[b] / 1000.0, cum);
    }
    cum += atomic_load(&buckets[NBUCKETS]);
    px_buf_printf(out, "packid_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    px_buf_printf(out, "packid_http_request_duration_seconds_sum %.6f\n",
                  (double)atomic_load(&total_us) / 1e6);
    px_buf_printf(out, "packid_http_request_duration_seconds_count %lu\n",
                  atomic_load(&total_n));
    int size, in_use;
    uint64_t waits;
    px_pool_stats(pool, &size, &in_use, &waits);
    px_buf_printf(out,
                  "# HELP packid_db_pool_connections Database pool size.\n"
                  "# TYPE packid_db_pool_connections gauge\n"
                  "packid_db_pool_connections %d\n"
                  "# HELP packid_db_pool_in_use Connections checked out.\n"
                  "# TYPE packid_db_pool_in_use gauge\n"
                  "packid_db_pool_in_use %d\n"
                  "# HELP packid_db_pool_waits_total Acquisitions that had to wait.\n"
                  "# TYPE packid_db_pool_waits_total counter\n"
                  "packid_db_pool_waits_total %llu\n",
                  size, in_use, (unsigned long long)waits);
    px_buf_printf(out,
                  "# HELP packid_http_streams_cut_total Streamed responses cut after their "
                  "headers by a server-side failure (the client got a truncated body).\n"
                  "# TYPE packid_http_streams_cut_total counter\n"
                  "packid_http_streams_cut_total %lu\n",
                  px_stream_cut_total());
}
