/* EPCIS 2.0 JSON-LD benchmark: N commissioning ObjectEvents through
 * px_epcis_writer_open(PX_EPCIS_FORMAT_JSONLD_2_0) into a counting sink, against a bare
 * jansson loop (one json_t per event, json_dumpb compact) writing the same bytes in the same
 * run. Each mode runs in its own process (bench/epcis2.sh) so peak RSS is attributable.
 *
 *   epcis2_bench packid N [--digest]   the product
 *   epcis2_bench bare N [--digest]     the raw limit: jansson, fixed document prefix/suffix
 *
 * Both get the same inputs (serial, eventID text, time); what differs per event is what
 * px_epcis_writer adds over jansson: the event checks, SGTIN formatting by gs1, the ILMD date
 * conversion and time formatting. --digest hashes the output (FNV-1a) so bench/epcis2.sh can
 * prove both modes wrote the same document. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "epcis.h"
#include "epcis_inputs.h"

static json_t *location(const char *id)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    return o;
}

static int run_bare(long n, sink_state *st)
{
    static const char prefix[] =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\"],"
        "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
        "\"creationDate\":\"2025-03-01T09:00:00.000Z\",\"instanceIdentifier\":\"" INSTANCE "\","
        "\"sender\":\"0355154000001\",\"receiver\":\"0614141000005\","
        "\"epcisBody\":{\"eventList\":[";
    sink(st, prefix, sizeof(prefix) - 1);
    char serial[24], id[96], epc[128], when[64], buf[4096];
    for (long i = 0; i < n; i++) {
        inputs(i, serial, id);
        snprintf(epc, sizeof(epc), SGTIN_PREFIX "%s", serial);
        long ms = i % 1000, s = i / 1000;
        snprintf(when, sizeof(when), "2025-03-01T%02ld:%02ld:%02ld.%03ldZ", 9 + s / 3600,
                 s / 60 % 60, s % 60, ms);
        json_t *ev = json_object();
        json_object_set_new(ev, "type", json_string("ObjectEvent"));
        json_object_set_new(ev, "eventTime", json_string(when));
        json_object_set_new(ev, "eventTimeZoneOffset", json_string("-05:00"));
        json_object_set_new(ev, "eventID", json_string(id));
        json_t *epcs = json_array();
        json_array_append_new(epcs, json_string(epc));
        json_object_set_new(ev, "epcList", epcs);
        json_object_set_new(ev, "action", json_string("ADD"));
        json_object_set_new(ev, "bizStep", json_string("commissioning"));
        json_object_set_new(ev, "disposition", json_string("active"));
        json_object_set_new(ev, "readPoint", location(SITE));
        json_object_set_new(ev, "bizLocation", location(SITE));
        json_t *ilmd = json_object();
        json_object_set_new(ilmd, "cbvmda:lotNumber", json_string("LOT1"));
        json_object_set_new(ilmd, "cbvmda:itemExpirationDate", json_string("2026-12-31"));
        json_object_set_new(ev, "ilmd", ilmd);
        size_t len = json_dumpb(ev, buf, sizeof(buf), JSON_COMPACT);
        json_decref(ev);
        if (len == 0 || len > sizeof(buf))
            return 1;
        if (i)
            sink(st, ",", 1);
        sink(st, buf, len);
    }
    sink(st, "]}}\n", 4);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: epcis2_bench packid|bare N [--digest]\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = strtol(argv[2], NULL, 10);
    sink_state st = {0, 1469598103934665603ULL, argc > 3 && strcmp(argv[3], "--digest") == 0};
    double t0 = now_s();
    int rc;
    if (strcmp(mode, "packid") == 0)
        rc = run_writer(PX_EPCIS_FORMAT_JSONLD_2_0, "epcis2_bench", n, &st);
    else if (strcmp(mode, "bare") == 0)
        rc = run_bare(n, &st);
    else
        return 2;
    double dt = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("mode=%s events=%ld seconds=%.3f events_per_s=%.0f bytes=%llu maxrss_kib=%ld", mode, n,
           dt, (double)n / dt, (unsigned long long)st.bytes, ru.ru_maxrss);
    if (st.digest)
        printf(" fnv1a=%016llx", (unsigned long long)st.fnv);
    printf("\n");
    return rc;
}
