/* EPCIS export benchmark: N commissioning ObjectEvents through px_epcis_writer
 * into a /dev/null-like sink, against a bare xmlTextWriter loop writing the same bytes in the
 * same run. Each mode runs in its own process (bench/epcis.sh) so peak RSS is attributable.
 *
 *   epcis_bench packid N [--digest]   the product: px_epcis_writer_open/_event/_finish (run_writer)
 *   epcis_bench bare N [--digest]     the raw limit: straight xmlTextWriter calls
 *   epcis_bench hash N                CBV 2.0 event hash IDs per second (px_epcis_event_hash)
 *
 * Both writers get identical inputs built by the same code (serial, eventID text, time); the
 * per-event cost that differs is only what px_epcis_writer adds over bare libxml2 (event
 * checks, SGTIN formatting by gs1, ILMD date conversion, time formatting). --digest hashes the
 * output (FNV-1a) so bench/epcis.sh can prove both modes wrote the same document. */
#include <libxml/xmlwriter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "epcis.h"
#include "epcis_inputs.h"

/* ---- bare libxml2 ---------------------------------------------------------------------- */

static int bare_write(void *ctx, const char *buf, int len)
{
    return sink(ctx, buf, (size_t)len) == 0 ? len : -1;
}

static int bare_close(void *ctx)
{
    (void)ctx;
    return 0;
}

#define E(name, text) xmlTextWriterWriteElement(xw, BAD_CAST(name), BAD_CAST(text))
#define S(name) xmlTextWriterStartElement(xw, BAD_CAST(name))
#define A(name, v) xmlTextWriterWriteAttribute(xw, BAD_CAST(name), BAD_CAST(v))
#define END() xmlTextWriterEndElement(xw)

static int run_bare(long n, sink_state *st)
{
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(bare_write, bare_close, st, NULL);
    xmlTextWriterPtr xw = xmlNewTextWriter(ob);
    const char *created = "2025-03-01T09:00:00.000Z";
    xmlTextWriterStartDocument(xw, NULL, "UTF-8", NULL);
    S("epcis:EPCISDocument");
    A("xmlns:epcis", "urn:epcglobal:epcis:xsd:1");
    A("xmlns:sbdh", "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader");
    A("xmlns:cbvmda", "urn:epcglobal:cbv:mda");
    A("schemaVersion", "1.2");
    A("creationDate", created);
    S("EPCISHeader");
    S("sbdh:StandardBusinessDocumentHeader");
    E("sbdh:HeaderVersion", "1.0");
    S("sbdh:Sender");
    S("sbdh:Identifier");
    A("Authority", "GS1");
    xmlTextWriterWriteString(xw, BAD_CAST "0355154000001");
    END();
    END();
    S("sbdh:Receiver");
    S("sbdh:Identifier");
    A("Authority", "GS1");
    xmlTextWriterWriteString(xw, BAD_CAST "0614141000005");
    END();
    END();
    S("sbdh:DocumentIdentification");
    E("sbdh:Standard", "EPCglobal");
    E("sbdh:TypeVersion", "1.0");
    E("sbdh:InstanceIdentifier", "8f0b4c6e-2d51-4c0e-9a0e-1d2b3c4d5e6f");
    E("sbdh:Type", "Events");
    E("sbdh:CreationDateAndTime", created);
    END();
    END();
    END();
    S("EPCISBody");
    S("EventList");
    char serial[24], id[96], epc[128], when[64];
    for (long i = 0; i < n; i++) {
        inputs(i, serial, id);
        bare_text(i, serial, epc, when);
        S("ObjectEvent");
        E("eventTime", when);
        E("eventTimeZoneOffset", "-05:00");
        S("baseExtension");
        E("eventID", id);
        END();
        S("epcList");
        E("epc", epc);
        END();
        E("action", "ADD");
        E("bizStep", "urn:epcglobal:cbv:bizstep:commissioning");
        E("disposition", "urn:epcglobal:cbv:disp:active");
        S("readPoint");
        E("id", SITE);
        END();
        S("bizLocation");
        E("id", SITE);
        END();
        S("extension");
        S("ilmd");
        E("cbvmda:lotNumber", "LOT1");
        E("cbvmda:itemExpirationDate", "2026-12-31");
        END();
        END();
        if (END() < 0)
            return 1;
    }
    xmlTextWriterEndDocument(xw);
    xmlTextWriterFlush(xw);
    xmlFreeTextWriter(xw);
    return 0;
}

static int run_hash(long n)
{
    char serial[24], id[PX_EPCIS_EVENT_ID_MAX];
    const char *serials[1] = {serial};
    px_epcis_event ev = commissioning(serials);
    px_err err;
    for (long i = 0; i < n; i++) {
        snprintf(serial, sizeof(serial), "%ld", 100000000L + i);
        ev.event_time_us = event_us(i);
        if (px_epcis_event_hash(id, &ev, &err) != PX_OK) {
            fprintf(stderr, "epcis_bench: %s\n", err.message);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    xmlInitParser();
    return bench_main(argc, argv, "epcis_bench", PX_EPCIS_FORMAT_XML_1_2, run_bare, run_hash);
}
