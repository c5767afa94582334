/* An event's identifiers as GS1 Digital Link URIs (epcis_dl.h): the EPCIS 2.0 REST binding's
 * GS1-EPC-Format: Always_GS1_Digital_Link (EPCIS 2.0 REST Bindings). packid stores EPC URNs; the
 * answer translates each one while it is written, one event at a time, so memory stays
 * bounded by the largest event, as the streamed answer's (docs/epcis.md). */
#include "epcis_dl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gs1.h"

#define NO_URI SIZE_MAX

void px__event_dl_init(px__event_dl *d)
{
    memset(d, 0, sizeof(*d));
    /* An event of 100,000 serials is ~6 MiB of Digital Link URIs; the cap only stops a
     * runaway. */
    px_buf_init(&d->text, (size_t)256 * 1024 * 1024);
}

void px__event_dl_dispose(px__event_dl *d)
{
    px_buf_dispose(&d->text);
    free(d->offs);
    free(d->epcs);
    free(d->quantities);
    free(d->parties);
    memset(d, 0, sizeof(*d));
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *np = realloc(*p, n * size);
    if (!np)
        return -1;
    *p = np;
    *cap = n;
    return 0;
}

static px_rc note(px__event_dl *d, size_t off, px_err *err)
{
    if (grow((void **)&d->offs, &d->cap_offs, d->n_offs + 1, sizeof(size_t)) != 0)
        return px_err_oom(err);
    d->offs[d->n_offs++] = off;
    return PX_OK;
}

/* Appends uri's Digital Link form (or uri itself when it has none: a PGLN, a custom URI)
 * and notes where it starts; NULL notes NO_URI. */
static px_rc put(px__event_dl *d, const char *uri, px_err *err)
{
    if (!uri)
        return note(d, NO_URI, err);
    char dl[GS1_DL_MAX];
    px_err ignored = PX_ERR_INIT;
    const char *v = gs1_epc_to_dl(dl, sizeof(dl), uri, &ignored) == PX_OK ? dl : uri;
    size_t off = d->text.len;
    if (px_buf_add(&d->text, v, strlen(v) + 1) != PX_OK)
        return px_err_oom(err);
    return note(d, off, err);
}

/* An SGTIN given as (GTIN, serial): its Digital Link built from the elements directly. */
static px_rc put_serial(px__event_dl *d, const char *gtin, const char *serial, px_err *err)
{
    gs1_elements e = {0};
    char dl[GS1_DL_MAX];
    px_rc rc;
    if ((rc = gs1_elements_add(&e, "01", gtin, err)) != PX_OK ||
        (rc = gs1_elements_add(&e, "21", serial, err)) != PX_OK ||
        (rc = gs1_dl_format(dl, sizeof(dl), GS1_DL_CANONICAL, &e, err)) != PX_OK)
        return rc;
    size_t off = d->text.len;
    if (px_buf_add(&d->text, dl, strlen(dl) + 1) != PX_OK)
        return px_err_oom(err);
    return note(d, off, err);
}

static const char *take(const px__event_dl *d, size_t *k)
{
    size_t off = d->offs[(*k)++];
    return off == NO_URI ? NULL : d->text.data + off;
}

px_rc px__event_to_dl(px_epcis_event *out, const px_epcis_event *in, px__event_dl *d,
                      px_err *err)
{
    px_rc rc = PX_OK;
    size_t n_epcs = in->n_epcs + (in->sgtin_gtin ? in->n_serials : 0);
    size_t n_parties = in->n_sources + in->n_destinations;
    px_buf_reset(&d->text);
    d->n_offs = 0;
    *out = *in;
    if (grow((void **)&d->epcs, &d->cap_epcs, n_epcs, sizeof(*d->epcs)) != 0 ||
        grow((void **)&d->quantities, &d->cap_quantities, in->n_quantities,
             sizeof(*d->quantities)) != 0 ||
        grow((void **)&d->parties, &d->cap_parties, n_parties, sizeof(*d->parties)) != 0)
        return px_err_oom(err);
    /* First every string (the buffer may move while it grows), in a fixed order ... */
    for (size_t i = 0; rc == PX_OK && i < in->n_epcs; i++)
        rc = put(d, in->epcs[i], err);
    for (size_t i = 0; rc == PX_OK && in->sgtin_gtin && i < in->n_serials; i++)
        rc = put_serial(d, in->sgtin_gtin, in->serials[i], err);
    if (rc == PX_OK)
        rc = put(d, in->parent_id, err);
    if (rc == PX_OK)
        rc = put(d, in->read_point, err);
    if (rc == PX_OK)
        rc = put(d, in->biz_location, err);
    for (size_t i = 0; rc == PX_OK && i < in->n_quantities; i++)
        rc = put(d, in->quantities[i].epc_class, err);
    for (size_t i = 0; rc == PX_OK && i < in->n_sources; i++)
        rc = put(d, in->sources[i].id, err);
    for (size_t i = 0; rc == PX_OK && i < in->n_destinations; i++)
        rc = put(d, in->destinations[i].id, err);
    if (rc != PX_OK)
        return rc;
    /* ... then the pointers, in the same order. */
    size_t k = 0;
    for (size_t i = 0; i < n_epcs; i++)
        d->epcs[i] = take(d, &k);
    out->epcs = n_epcs ? d->epcs : NULL;
    out->n_epcs = n_epcs;
    out->sgtin_gtin = NULL;
    out->serials = NULL;
    out->n_serials = 0;
    out->parent_id = take(d, &k);
    out->read_point = take(d, &k);
    out->biz_location = take(d, &k);
    for (size_t i = 0; i < in->n_quantities; i++) {
        d->quantities[i] = in->quantities[i];
        d->quantities[i].epc_class = take(d, &k);
    }
    out->quantities = in->n_quantities ? d->quantities : NULL;
    for (size_t i = 0; i < n_parties; i++) {
        d->parties[i] = i < in->n_sources ? in->sources[i] : in->destinations[i - in->n_sources];
        d->parties[i].id = take(d, &k);
    }
    out->sources = in->n_sources ? d->parties : NULL;
    out->destinations = in->n_destinations ? d->parties + in->n_sources : NULL;
    return PX_OK;
}
