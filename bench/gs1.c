/* GS1 parsing micro-benchmark: gs1_parse on the inputs a pharmacy or wholesaler scans
 * — GS1 DataMatrix scan data, bracketed HRI, a Digital Link, and an element string with AIs
 * from outside the pharma set (full dictionary table, every linter) — in nanoseconds per
 * parse, against a bare pass over the same bytes (strlen + a GS count) as the raw floor.
 *
 *   bench_gs1 [N]      N parses per input (default 200000); prints one line per input
 *
 * No assertion on time (tests/README.md: no timing asserts): the figures are for the reader; the
 * bar is a parse in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "gs1.h"
#include "px_array.h"

static const struct {
    const char *name, *in;
} inputs[] = {
    {"scan_d2", "]d2010950600013435217261115"
                "10BATCH002\x1d"
                "21X7R2P4XK9Q2\x1d"
                "7141234567"},
    {"hri", "(01)09506000134352(17)261115(10)BATCH002(21)X7R2P4XK9Q2(714)1234567"},
    {"dl", "https://id.gs1.org/01/09506000134352/10/BATCH002/21/X7R2P4XK9Q2?17=261115"},
    {"wide", "]d201095060001343523103000750"
             "422276\x1d"
             "8008250101123059\x1d"
             "7007250101250131\x1d"
             "80131987654Ad4X4bL5ttr2310c2K\x1d"
             "10A1"},
};

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n <= 0)
        n = 200000;
    for (size_t k = 0; k < PX_COUNT(inputs); k++) {
        gs1_elements e;
        px_err err = PX_ERR_INIT;
        if (gs1_parse(&e, inputs[k].in, &err) != PX_OK) {
            fprintf(stderr, "%s: %s\n", inputs[k].name, err.message);
            return 1;
        }
        volatile int sink = 0;
        double t0 = bench_now_s();
        for (long i = 0; i < n; i++) {
            gs1_parse(&e, inputs[k].in, &err);
            sink += e.count;
        }
        double t1 = bench_now_s();
        volatile size_t floor_sink = 0;
        for (long i = 0; i < n; i++) {
            const char *p = inputs[k].in;
            size_t gs = 0;
            for (const char *q = p; *q; q++)
                gs += *q == 0x1d;
            floor_sink += strlen(p) + gs;
        }
        double t2 = bench_now_s();
        printf("%-8s elements=%d parse_ns=%.0f floor_ns=%.1f\n", inputs[k].name, e.count,
               (t1 - t0) / (double)n * 1e9, (t2 - t1) / (double)n * 1e9);
        (void)sink;
        (void)floor_sink;
    }
    return 0;
}
