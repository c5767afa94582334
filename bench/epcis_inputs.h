/* The inputs both EPCIS benchmarks (epcis.c: 1.2 XML, epcis2.c: 2.0 JSON-LD) feed their
 * product and their bare loop: one commissioning event per millisecond, the same serial and
 * eventID text for event i in every mode, and a sink that counts (and optionally hashes) the
 * bytes so the scripts can prove both modes wrote the same document. */
#ifndef BENCH_EPCIS_INPUTS_H
#define BENCH_EPCIS_INPUTS_H

#include <stdint.h>
#include <stdio.h>
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

static inline int64_t event_us(long i)
{
    return (T0_S * 1000 + i) * 1000; /* one event per millisecond */
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
    px_epcis_event ev = {.type = PX_EPCIS_OBJECT_EVENT,
                         .action = PX_EPCIS_ADD,
                         .biz_step = PX_BIZSTEP_COMMISSIONING,
                         .disposition = PX_DISP_ACTIVE,
                         .tz_offset_min = -300,
                         .event_id = id,
                         .sgtin_gtin = GTIN,
                         .sgtin_gcp_len = GCP,
                         .serials = serials,
                         .n_serials = 1,
                         .read_point = SITE,
                         .biz_location = SITE,
                         .lot = "LOT1",
                         .expiry = "261231"}; /* AI (17) form, converted by the writer */
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

#endif
