/* The inputs both EPCIS benchmarks (epcis.c: 1.2 XML, epcis2.c: 2.0 JSON-LD) feed their
 * product and their bare loop: one commissioning event per millisecond, the same serial and
 * eventID text for event i in every mode, and a sink that counts (and optionally hashes) the
 * bytes so the scripts can prove both modes wrote the same document. */
#ifndef BENCH_EPCIS_INPUTS_H
#define BENCH_EPCIS_INPUTS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

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

static inline int64_t event_us(long i)
{
    return (T0_S * 1000 + i) * 1000; /* one event per millisecond */
}

#endif
