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
        bare_text(i, serial, epc, when);
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
    return bench_main(argc, argv, "epcis2_bench", PX_EPCIS_FORMAT_JSONLD_2_0, run_bare, NULL);
}
