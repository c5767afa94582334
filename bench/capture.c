/* bench_capture — EPCIS 2.0 capture over HTTP against the bare parse of the same document, in
 * the same run (bench/capture.sh).
 *
 *   bench_capture BASE_URL MAH_KEY GTIN [EVENTS]        default 10000 (the capture limit)
 *
 * The document: EVENTS commissioning ObjectEvents of one serial each, one batch (so the
 * default all-or-nothing capture applies it as one commission). The bare side reads the same
 * bytes with px_epcis_read_buffer (packid's own streaming reader, every event checked and
 * hashable) and does nothing else; the capture side POSTs them to /epcis/capture (a keep-alive
 * libcurl client in this process, `packid serve` in another) and then reads the job to check
 * that every event was applied. Prints events/s of both and the ratio. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "epcis.h"
#include "px_buf.h"

static int count_event(void *ctx, const px_epcis_event *ev)
{
    (void)ev;
    ++*(long *)ctx;
    return 0;
}

static size_t keep(char *data, size_t size, size_t n, void *ctx)
{
    px_buf_add(ctx, data, size * n);
    return size * n;
}

static long request(CURL *c, const char *url, const char *key, const char *body, size_t len,
                    px_buf *out, char *location, size_t loc_cap)
{
    char auth[256];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (body)
        h = curl_slist_append(h, "Content-Type: application/ld+json");
    h = curl_slist_append(h, "Expect:");
    px_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    long status = 0;
    if (curl_easy_perform(c) != CURLE_OK) {
        fprintf(stderr, "bench_capture: %s failed\n", url);
        exit(1);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (location) {
        /* The job's id is in the 202 body: {"captureID": "…"}. */
        const char *p = out->data ? strstr(out->data, "\"captureID\":\"") : NULL;
        snprintf(location, loc_cap, "%.36s", p ? p + 13 : "");
    }
    curl_slist_free_all(h);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_capture BASE_URL MAH_KEY GTIN [EVENTS]\n");
        return 2;
    }
    const char *base = argv[1], *key = argv[2], *gtin = argv[3];
    long n = argc > 4 ? strtol(argv[4], NULL, 10) : 10000;
    /* The SGTIN prefix of the GTIN under a 7-digit company prefix (TDS 1.13 §14.5.1). */
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "urn:epc:id:sgtin:%.7s.%c%.5s.", gtin + 1, gtin[0], gtin + 8);
    px_buf doc;
    px_buf_init(&doc, (size_t)1 << 30);
    px_buf_puts(&doc, "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
                      "epcis-context.jsonld\"],\"type\":\"EPCISDocument\",\"schemaVersion\":"
                      "\"2.0\",\"creationDate\":\"2025-03-01T10:00:00.000Z\",\"epcisBody\":"
                      "{\"eventList\":[");
    for (long i = 0; i < n; i++)
        px_buf_printf(&doc,
                      "%s{\"type\":\"ObjectEvent\",\"eventTime\":\"2025-03-01T09:00:00.000Z\","
                      "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"%sB%08ld\"],"
                      "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":"
                      "\"active\",\"readPoint\":{\"id\":\"urn:epc:id:sgln:4012345.00000.0\"},"
                      "\"ilmd\":{\"cbvmda:lotNumber\":\"BENCH-1\",\"cbvmda:itemExpirationDate\":"
                      "\"2030-12-31\"}}",
                      i ? "," : "", prefix, i);
    px_buf_puts(&doc, "]}}");
    if (!doc.data) {
        fprintf(stderr, "bench_capture: out of memory\n");
        return 1;
    }

    long parsed = 0;
    px_epcis_read_cb cb = {.on_event = count_event, .ctx = &parsed};
    px_err err;
    px_err_clear(&err);
    double t0 = bench_now_s();
    if (px_epcis_read_buffer(doc.data, doc.len, &cb, &err) != PX_OK || parsed != n) {
        fprintf(stderr, "bench_capture: parse: %s\n", err.message);
        return 1;
    }
    double t_parse = bench_now_s() - t0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    px_buf out;
    px_buf_init(&out, (size_t)64 << 20);
    char url[512], id[40];
    snprintf(url, sizeof(url), "%s/epcis/capture", base);
    t0 = bench_now_s();
    long st = request(c, url, key, doc.data, doc.len, &out, id, sizeof(id));
    double t_capture = bench_now_s() - t0;
    if (st != 202 || !id[0]) {
        fprintf(stderr, "bench_capture: POST: %ld %s\n", st, out.data ? out.data : "");
        return 1;
    }
    snprintf(url, sizeof(url), "%s/epcis/capture/%s", base, id);
    st = request(c, url, key, NULL, 0, &out, NULL, 0);
    if (st != 200 || !out.data || !strstr(out.data, "\"success\":true")) {
        fprintf(stderr, "bench_capture: job: %ld %s\n", st, out.data ? out.data : "");
        return 1;
    }
    double parse_rate = (double)n / t_parse, capture_rate = (double)n / t_capture;
    printf("document:        %ld commissioning events, %zu bytes (JSON-LD)\n", n, doc.len);
    printf("bare parse:      %.0f events/s (%.3f s, px_epcis_read_buffer)\n", parse_rate,
           t_parse);
    printf("capture (HTTP):  %.0f events/s (%.3f s, POST /epcis/capture, all applied)\n",
           capture_rate, t_capture);
    printf("ratio:           %.2f (capture / bare parse)\n", capture_rate / parse_rate);
    px_buf_dispose(&out);
    px_buf_dispose(&doc);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return 0;
}
