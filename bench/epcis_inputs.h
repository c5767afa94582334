/* What both EPCIS benchmarks (epcis.c: 1.2 XML, epcis2.c: 2.0 JSON-LD) share: the inputs they
 * feed their product and their bare loop (one commissioning event per millisecond, the same
 * serial and eventID text for event i in every mode), a sink that counts (and optionally
 * hashes) the bytes so the scripts can prove both modes wrote the same document, and main. */
#ifndef BENCH_EPCIS_INPUTS_H
#define BENCH_EPCIS_INPUTS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "epcis.h"

#define GTIN "00355154944954"
#define GCP 7
#define SGTIN_PREFIX "urn:epc:id:sgtin:0355154.094495."
#define SITE "urn:epc:id:sgln:0355154.00000.0"
#define T0_S 1740819600LL /* 2025-03-01T09:00:00Z */
#define INSTANCE "8f0b4c6e-2d51-4c0e-9a0e-1d2b3c4d5e6f"

typedef struct sink_state {
    uint64_t bytes;
    uint64_t fnv;
    int digest;
} sink_state;

/* FNV-1a over the output when digest is set. */
static inline int sink(void *ctx, const char *data, size_t len)
{
    sink_state *s = ctx;
    s->bytes += len;
    if (s->digest)
        for (size_t i = 0; i < len; i++)
            s->fnv = (s->fnv ^ (unsigned char)data[i]) * 1099511628211ULL;
    return 0;
}

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inputs of event i, identical for every mode. */
static inline void inputs(long i, char serial[24], char id[96])
{
    snprintf(serial, 24, "%ld", 100000000L + i);
    snprintf(id, 96, "ni:///sha-256;%064lx?ver=CBV2.0", (unsigned long)i * 2654435761UL);
}

/* What the bare loops write by hand for event i: the EPC URI of serial, and the event time
 * (event_us(i)) as RFC 3339 text. */
static inline void bare_text(long i, const char *serial, char epc[128], char when[64])
{
    snprintf(epc, 128, SGTIN_PREFIX "%s", serial);
    long ms = i % 1000, s = i / 1000;
    snprintf(when, 64, "2025-03-01T%02ld:%02ld:%02ld.%03ldZ", 9 + s / 3600, s / 60 % 60, s % 60,
             ms);
}

static inline int64_t event_us(long i)
{
    return (T0_S * 1000 + i) * 1000; /* one event per millisecond */
}

/* The commissioning ObjectEvent of every mode, of the one serial in serials (its time and
 * eventID set per event). */
static inline px_epcis_event commissioning(const char **serials)
{
    return (px_epcis_event){.type = PX_EPCIS_OBJECT_EVENT,
                            .action = PX_EPCIS_ADD,
                            .biz_step = PX_BIZSTEP_COMMISSIONING,
                            .disposition = PX_DISP_ACTIVE,
                            .tz_offset_min = -300,
                            .sgtin_gtin = GTIN,
                            .sgtin_gcp_len = GCP,
                            .serials = serials,
                            .n_serials = 1,
                            .read_point = SITE,
                            .biz_location = SITE,
                            .lot = "LOT1",
                            .expiry = "261231"}; /* AI (17) form, converted by the writer */
}

/* The line the scripts read (bench/lib.sh bench_field): mode, n, dt seconds, events/s, the
 * bytes written, peak RSS and, with --digest, the output's FNV-1a. */
static inline void report(const char *mode, long n, double dt, const sink_state *st)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("mode=%s events=%ld seconds=%.3f events_per_s=%.0f bytes=%llu maxrss_kib=%ld", mode, n,
           dt, (double)n / dt, (unsigned long long)st->bytes, ru.ru_maxrss);
    if (st->digest)
        printf(" fnv1a=%016llx", (unsigned long long)st->fnv);
    printf("\n");
}

/* The product's run, the same for every syntax: n commissioning events through
 * px_epcis_writer_open(format) into the sink; name prefixes an error. */
static inline int run_writer(px_epcis_format format, const char *name, long n, sink_state *st)
{
    px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE,
                             .sender_gln = "0355154000001",
                             .receiver_gln = "0614141000005",
                             .instance_id = INSTANCE,
                             .creation_us = T0_S * 1000000};
    px_epcis_writer *w = NULL;
    px_err err;
    if (px_epcis_writer_open(&w, format, sink, st, &h, &err) != PX_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return 1;
    }
    char serial[24], id[96];
    const char *serials[1] = {serial};
    px_epcis_event ev = commissioning(serials);
    ev.event_id = id;
    for (long i = 0; i < n; i++) {
        inputs(i, serial, id);
        ev.event_time_us = event_us(i);
        if (px_epcis_writer_event(w, &ev) != PX_OK)
            break;
    }
    px_rc rc = px_epcis_writer_finish(w, &err);
    px_epcis_writer_free(w);
    if (rc != PX_OK) {
        fprintf(stderr, "%s: %s\n", name, err.message);
        return 1;
    }
    return 0;
}

/* The main of both benches: `name packid|bare|hash N [--digest]` runs n events through the
 * product in format (run_writer), the bare loop, or (when hash is not NULL) the event hash
 * alone, then prints the report line. 2 on a bad command line. */
static inline int bench_main(int argc, char **argv, const char *name, px_epcis_format format,
                             int (*bare)(long n, sink_state *st), int (*hash)(long n))
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s packid|bare%s N [--digest]\n", name, hash ? "|hash" : "");
        return 2;
    }
    const char *mode = argv[1];
    long n = strtol(argv[2], NULL, 10);
    sink_state st = {0, 1469598103934665603ULL, argc > 3 && strcmp(argv[3], "--digest") == 0};
    double t0 = now_s();
    int rc;
    if (strcmp(mode, "packid") == 0)
        rc = run_writer(format, name, n, &st);
    else if (strcmp(mode, "bare") == 0)
        rc = bare(n, &st);
    else if (hash && strcmp(mode, "hash") == 0)
        rc = hash(n);
    else
        return 2;
    report(mode, n, now_s() - t0, &st);
    return rc;
}

#endif
