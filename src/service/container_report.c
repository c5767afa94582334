/* The container events a DSCSA report carries (packing.h, docs/aggregation.md "Reports"). */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "packing.h"
#include "px_str.h"

static int write_container_event(void *vc, const px_container_event_row *row)
{
    px__event_walk *c = vc;
    px_epcis_event ev = {0};
    if ((c->rc = px__event_words(&ev, row->type, row->action, row->biz_step, row->disposition,
                                 row->event_hash, c->err)) != PX_OK)
        return 1;
    size_t len = strlen(row->epcs), n = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        n += row->epcs[i] == ' ';
    char *copy = malloc(len + 1);
    const char **v = malloc((n ? n : 1) * sizeof(*v));
    if (!copy || !v) {
        free(copy);
        free(v);
        c->rc = px_err_oom(c->err);
        return 1;
    }
    memcpy(copy, row->epcs, len + 1);
    size_t k = 0;
    /* memchr over what is left: a checked strchr measures the rest on every call
     * (quadratic under ASan's strict_string_checks for a pallet of many children). */
    for (char *s = copy, *end = copy + len; len && s;) {
        v[k++] = s;
        char *sp = memchr(s, ' ', (size_t)(end - s));
        if (sp)
            *sp++ = '\0';
        s = sp;
    }
    ev.event_time_us = row->event_time_us;
    ev.tz_offset_min = row->tz_offset_min;
    ev.event_id = row->event_hash[0] ? row->event_hash : NULL;
    ev.parent_id = row->parent_id[0] ? row->parent_id : NULL;
    ev.epcs = v;
    ev.n_epcs = k;
    ev.read_point = row->read_point[0] ? row->read_point : NULL;
    ev.biz_location = row->biz_location[0] ? row->biz_location : NULL;
    c->rc = px__event_put(c->w, &ev, c->err);
    free(copy);
    free(v);
    return c->rc != PX_OK;
}

px_rc px__container_events_write(px_db *db, const px_epcis_filter *f, px_epcis_writer *w,
                                 px_err *err)
{
    if (!f->release_id || !f->gtin || !f->lot)
        return PX_OK;
    px__event_walk c = {w, err, PX_OK};
    px_rc rc = px_store_release_container_events_each(db, f->gtin, f->lot, f->release_id,
                                                      write_container_event, &c, err);
    return rc != PX_OK ? rc : c.rc;
}
