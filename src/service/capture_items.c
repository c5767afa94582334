/* Reading half of the EPCIS capture (capture_items.h): what each event of a document means
 * to packid — a commission, a packing or an unpacking — or why it is refused (docs/epcis.md
 * "EPCIS 2.0 capture"). */
#include "capture_items.h"
#include "epcis_format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_capture.h"
#include "gs1.h"
#include "px_array.h"
#include "px_calendar.h"
#include "px_clock.h"
#include "px_str.h"

void px__capture_items_free(capture_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < c->items[i].n_serials; k++)
            free(c->items[i].serials[k]);
        free(c->items[i].serials);
        free(c->items[i].children);
        free(c->items[i].read_point);
        free(c->items[i].biz_location);
        free(c->items[i].children_detail);
    }
    free(c->items);
}

/* A value a refusal quotes, for "%.*s%s": its first 120 bytes, and "..." after a cut so that
 * the cut shows (the detail holds 256 bytes: the reason must fit after the value). */
#define QUOTE_MAX 120
#define QUOTED(v) QUOTE_MAX, (v), (strlen(v) > QUOTE_MAX ? "..." : "")

void px__capture_refuse(item *it, px_epcis_ex ex, const char *fmt, ...)
{
    it->ex = ex;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
    va_end(ap);
    /* A quoted value cut by QUOTED or by the buffer may end inside a character: the detail
     * is stored as JSON with the job, which takes UTF-8 only; a cut by the buffer shows. */
    px_cut_mark(it->detail, sizeof(it->detail), n < 0 ? 0 : (size_t)n);
}

/* "YYYY-MM-DD" (JSON-LD and XML) or the AI (17) "YYMMDD" → YYMMDD; -1 otherwise. AI (17) has
 * no century: GenSpecs §7.12 reads it against a year, which is today's for the pack (its
 * answers) and the event's for its EPCIS documents and hash (epcis/cbv.c, stable for ever).
 * The six digits must stand for one year under both, and a four-digit year must be it:
 * 2127-06-30 would be stored as 270630 and read back as 2027; an event of 1970 with 270630
 * would be reported as 1927 while the pack shows 2027. */
static int expiry_yymmdd(char out[7], const char *s, int64_t event_time_us)
{
    char v[7];
    int year = -1, month, day;
    if (strlen(s) == 6 && px_digits(s, 6))
        memcpy(v, s, 7);
    else if (px_iso_date_shape(s, &year, &month, &day))
        memcpy(v, (char[7]){s[2], s[3], s[5], s[6], s[8], s[9], '\0'}, 7);
    else
        return -1;
    /* An event ahead of the clock is refused for its time (take_origin), not for this. */
    int64_t now = px_now_us();
    gs1_date today, then;
    if (gs1_expiry_parse(&today, v, now, NULL) != PX_OK ||
        gs1_expiry_parse(&then, v, event_time_us < now ? event_time_us : now, NULL) != PX_OK ||
        today.year != then.year || (year >= 0 && today.year != year))
        return -1; /* no such day, or not one century for the six digits */
    memcpy(out, v, 7);
    return 0;
}

/* Grown by doubling (px_array_room): one event may carry 100,000 EPCs, and a list grown by
 * one would be copied once per serial. */
static int add_serial(item *it, const char *serial)
{
    char **v = px_array_room(it->serials, it->n_serials, &it->serials_cap, sizeof(*v), 64);
    if (!v)
        return -1;
    it->serials = v;
    if (!(v[it->n_serials] = strdup(serial)))
        return -1;
    it->n_serials++;
    return 0;
}

/* The value of ai in e, or NULL. */
static const char *element(const gs1_elements *e, const char *ai)
{
    for (int i = 0; i < e->count; i++)
        if (strcmp(e->items[i].ai, ai) == 0)
            return e->items[i].value;
    return NULL;
}

/* Into it->children, sized for the event's children by take_aggregation. */
static void add_child(item *it, const char *gtin, const char *serial, const char *sscc)
{
    child *ch = &it->children[it->n_children++];
    px_strlcpy(ch->gtin, gtin ? gtin : "", sizeof(ch->gtin));
    px_strlcpy(ch->serial, serial ? serial : "", sizeof(ch->serial));
    px_strlcpy(ch->sscc, sscc ? sscc : "", sizeof(ch->sscc));
}

/* packid records its own event for what a captured one applies (docs/epcis.md "What capture
 * means for packid"), with the bizStep and disposition of its use case and no business
 * transactions, sources, destinations, further ILMD or user extensions. A captured event
 * that says more, or says otherwise, is refused with what packid would not keep rather than
 * applied with that part dropped and its job told a success. */
static int says_only_what_is_kept(item *it, const px_epcis_event *ev, px_cbv_bizstep step,
                                  px_cbv_disp disp)
{
    const char *what = ev->n_biz_transactions > 0 ? "bizTransactionList"
                       : ev->n_sources > 0        ? "sourceList"
                       : ev->n_destinations > 0   ? "destinationList"
                       : ev->n_ilmd > 0           ? "ILMD fields beside cbvmda:lotNumber and "
                                                    "cbvmda:itemExpirationDate"
                       : ev->n_extensions > 0     ? "user extension fields"
                                                  : NULL;
    if (what) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "packid records its own event for what it applies and would not keep "
                           "the %s: send the event without them",
                           what);
        return 0;
    }
    if (ev->biz_step != PX_BIZSTEP_NONE && ev->biz_step != step) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "bizStep %s: this event is a %s in packid, recorded with bizStep %s",
                           px_cbv_bizstep_name(ev->biz_step), px_cbv_bizstep_name(step),
                           px_cbv_bizstep_name(step));
        return 0;
    }
    if (ev->disposition != PX_DISP_NONE && ev->disposition != disp) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "disposition %s: packid records this %s with %s%s",
                           px_cbv_disp_name(ev->disposition), px_cbv_bizstep_name(step),
                           disp == PX_DISP_NONE ? "no disposition" : "disposition ",
                           disp == PX_DISP_NONE ? "" : px_cbv_disp_name(disp));
        return 0;
    }
    return 1;
}

/* REQ-EPCISREST-10: an AggregationEvent ADD (packing) or DELETE (unpacking) whose parentID is
 * an SSCC and whose childEPCs are SGTINs or SSCCs is one px_svc_aggregate (docs/aggregation.md
 * "Packing, unpacking, repacking"; a DELETE with no children empties the parent, EPCIS 2.0
 * §7.4.3). OBSERVE changes nothing packid holds; class-level children are not packid's
 * hierarchy (docs/aggregation.md). REQ-AGG-17: an SGTIN parentID is a case that carries its
 * own GTIN (docs/aggregation.md "Cases that carry their own GTIN"), packed or unpacked by the
 * same use case. */
static int take_aggregation(item *it, const px_epcis_event *ev)
{
    const char *why = NULL;
    if (ev->action != PX_EPCIS_ADD && ev->action != PX_EPCIS_DELETE)
        why = "an OBSERVE AggregationEvent records what was seen and changes nothing packid "
              "holds; packid captures ADD (packing) and DELETE (unpacking)";
    else if (ev->n_quantities > 0)
        why = "class-level children (childQuantityList) cannot be packed: list the childEPCs";
    else if (!ev->parent_id || !ev->parent_id[0])
        why = "an AggregationEvent ADD or DELETE needs its parentID";
    if (why) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION, "%s", why);
        return 0;
    }
    /* As px_svc_aggregate records them (aggregation.c): packing in progress, unpacking. */
    int add = ev->action == PX_EPCIS_ADD;
    if (!says_only_what_is_kept(it, ev, add ? PX_BIZSTEP_PACKING : PX_BIZSTEP_UNPACKING,
                                add ? PX_DISP_IN_PROGRESS : PX_DISP_NONE))
        return 0;
    gs1_elements el;
    gs1_epc_kind kind;
    px_err e2 = PX_ERR_INIT;
    const char *sscc = NULL, *cg = NULL, *cs = NULL;
    if (gs1_epc_instance_parse(&el, &kind, ev->parent_id, &e2) == PX_OK) {
        if (kind == GS1_EPC_SSCC)
            sscc = element(&el, "00");
        else if (kind == GS1_EPC_SGTIN) {
            cg = element(&el, "01");
            cs = element(&el, "21");
        }
    }
    if (!sscc && !(cg && cs)) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "parentID %.*s%s: a parent is a container's SSCC "
                           "(urn:epc:id:sscc:… or https://id.gs1.org/00/…) or a case's SGTIN "
                           "(urn:epc:id:sgtin:… or …/01/…/21/…)",
                           QUOTED(ev->parent_id));
        return 0;
    }
    it->kind = ev->action == PX_EPCIS_ADD ? ITEM_PACK : ITEM_UNPACK;
    px_strlcpy(it->parent, sscc ? sscc : "", sizeof(it->parent));
    px_strlcpy(it->parent_gtin, cg ? cg : "", sizeof(it->parent_gtin));
    px_strlcpy(it->parent_serial, cs ? cs : "", sizeof(it->parent_serial));
    size_t n = ev->n_epcs + (ev->sgtin_gtin ? ev->n_serials : 0);
    if (!(it->children = calloc(n ? n : 1, sizeof(*it->children))))
        return -1;
    for (size_t i = 0; i < ev->n_epcs; i++) {
        px_err_clear(&e2);
        const char *g = NULL, *s = NULL, *x = NULL;
        if (gs1_epc_instance_parse(&el, &kind, ev->epcs[i], &e2) == PX_OK) {
            if (kind == GS1_EPC_SGTIN) {
                g = element(&el, "01");
                s = element(&el, "21");
            } else if (kind == GS1_EPC_SSCC) {
                x = element(&el, "00");
            }
        }
        if (!(g && s) && !x) {
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "childEPCs[%zu] %.*s%s is neither an SGTIN nor an SSCC URI", i,
                               QUOTED(ev->epcs[i]));
            return 0;
        }
        add_child(it, g, s, x);
    }
    for (size_t i = 0; ev->sgtin_gtin && i < ev->n_serials; i++)
        add_child(it, ev->sgtin_gtin, ev->serials[i], NULL);
    if (it->n_children == 0 && it->kind == ITEM_PACK) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "an AggregationEvent ADD needs at least one child%s", "");
        return 0;
    }
    return 0;
}

/* How far a captured event's time may lie after packid's clock: the two clocks' disagreement,
 * not an event yet to happen (an event is captured after it occurred, EPCIS 2.0 §7.4.6
 * eventTime). */
#define CLOCK_SKEW_US (5 * 60 * PX_SEC_US)

/* A location of the event (readPoint, bizLocation) copied into *out, or the event refused:
 * one a query can name (px_epcis_location_ok). 1 out of memory. */
static int take_location(item *it, char **out, const char *what, const char *v)
{
    if (!v || !v[0])
        return 0;
    if (!px_epcis_location_ok(v)) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "%s must be a URI (a scheme, printable ASCII, no '|', '%%' escapes "
                           "of two hex digits, one '#' at most, brackets only around an IP "
                           "host) of at most %d bytes",
                           what, PX_EPCIS_LOCATION_MAX);
        return 0;
    }
    *out = strdup(v);
    return *out ? 0 : 1;
}

/* The event's time and place (px_event_origin), for packid's event of what it applies: kept
 * as the event says, refused when its time lies ahead of packid's clock. 1 out of memory. */
static int take_origin(item *it, const px_epcis_event *ev)
{
    int64_t now = px_now_us();
    if (ev->event_time_us > now + CLOCK_SKEW_US) {
        char t[32], n[32];
        px_time_format(t, ev->event_time_us);
        px_time_format(n, now);
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "eventTime %s is after packid's clock (%s): an event is captured "
                           "after it happened",
                           t, n);
        return 0;
    }
    it->event_time_us = ev->event_time_us;
    it->tz_offset_min = ev->tz_offset_min;
    if (take_location(it, &it->read_point, "readPoint", ev->read_point) != 0)
        return 1;
    if (it->detail[0]) /* the first refusal is the one told */
        return 0;
    return take_location(it, &it->biz_location, "bizLocation", ev->biz_location);
}

/* The event as one commission or aggregation (it->detail empty), or the reason it is not
 * one. */
static int take_event(item *it, const px_epcis_event *ev)
{
    if (ev->type == PX_EPCIS_AGGREGATION_EVENT)
        return take_aggregation(it, ev);
    if (ev->type != PX_EPCIS_OBJECT_EVENT || ev->action != PX_EPCIS_ADD ||
        ev->biz_step != PX_BIZSTEP_COMMISSIONING) {
        px__capture_refuse(
            it, PX_EPCIS_EX_VALIDATION, "%s",
            "packid captures commissioning ObjectEvents (action ADD, bizStep commissioning) "
            "and AggregationEvents (ADD, DELETE); other events have no effect on packid's "
            "state");
        return 0;
    }
    if (ev->n_quantities > 0) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "class-level quantities cannot be commissioned: list the SGTINs%s", "");
        return 0;
    }
    if (!says_only_what_is_kept(it, ev, PX_BIZSTEP_COMMISSIONING, PX_DISP_ACTIVE))
        return 0;
    for (size_t i = 0; i < ev->n_epcs; i++) {
        gs1_elements el;
        gs1_epc_kind kind;
        px_err e2 = PX_ERR_INIT;
        /* An SGTIN as an EPC URI or its Digital Link (EPCIS 2.0 §8.2), as packid's own 2.0
         * query writes it on request: a partner sends back what it got. */
        if (gs1_epc_instance_parse(&el, &kind, ev->epcs[i], &e2) != PX_OK ||
            kind != GS1_EPC_SGTIN) {
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "%.*s%s is not an SGTIN URI (urn:epc:id:sgtin:… or its Digital "
                               "Link …/01/…/21/…)",
                               QUOTED(ev->epcs[i]));
            return 0;
        }
        const char *gtin = element(&el, "01"), *serial = element(&el, "21");
        if (it->gtin[0] && strcmp(it->gtin, gtin) != 0) {
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "one commissioning event holds packs of one GTIN (also %s)", gtin);
            return 0;
        }
        px_strlcpy(it->gtin, gtin, sizeof(it->gtin));
        if (add_serial(it, serial) != 0)
            return -1;
    }
    if (ev->sgtin_gtin && ev->n_serials > 0) {
        if (it->gtin[0] && strcmp(it->gtin, ev->sgtin_gtin) != 0) {
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "one commissioning event holds packs of one GTIN (also %s)",
                               ev->sgtin_gtin);
            return 0;
        }
        px_strlcpy(it->gtin, ev->sgtin_gtin, sizeof(it->gtin));
        for (size_t i = 0; i < ev->n_serials; i++)
            if (add_serial(it, ev->serials[i]) != 0)
                return -1;
    }
    if (it->n_serials == 0) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION, "no SGTIN to commission%s", "");
        return 0;
    }
    /* A commission names its batch and expiry (docs/api.md "Commissioning"). */
    if (!ev->lot || !ev->lot[0] || strlen(ev->lot) > GS1_BATCH_MAX) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "the ILMD needs cbvmda:lotNumber (1 to 20 characters)%s", "");
        return 0;
    }
    px_strlcpy(it->lot, ev->lot, sizeof(it->lot));
    if (!ev->expiry || expiry_yymmdd(it->expiry, ev->expiry, ev->event_time_us) != 0) {
        px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                           "the ILMD needs cbvmda:itemExpirationDate: YYYY-MM-DD (or YYMMDD) "
                           "in the years AI (17) can carry, read alike against today and the "
                           "event's time (GenSpecs 7.12)%s",
                           "");
        return 0;
    }
    return 0;
}

int px__capture_on_header(void *vctx, px_epcis_format format, const px_epcis_doc_header *h)
{
    (void)h;
    ((capture_ctx *)vctx)->format = format;
    return 0;
}

int px__capture_on_event(void *vctx, const px_epcis_event *ev)
{
    capture_ctx *c = vctx;
    if (c->n == PX_CAPTURE_MAX_EVENTS) {
        c->over_limit = 1;
        return 1;
    }
    item *v = px_array_room(c->items, c->n, &c->cap, sizeof(*v), 16);
    if (!v) {
        c->rc = PX_EINTERNAL;
        return 1;
    }
    c->items = v;
    item *it = &c->items[c->n++];
    memset(it, 0, sizeof(*it));
    it->index = c->n - 1;
    /* A captured event keeps the eventID it arrived with; one without gets its hash ID (the
     * EPCIS 2.0 REST Bindings' capture leaves eventID optional), the reader having checked
     * that it hashes. */
    if (ev->hash_id) {
        px_strlcpy(it->hash, ev->hash_id, sizeof(it->hash)); /* hashed once, on reading */
    } else {
        px_err e2 = PX_ERR_INIT;
        if (px_epcis_event_hash(it->hash, ev, &e2) != PX_OK)
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION, "%s", e2.message);
    }
    if (ev->event_id && ev->event_id[0]) {
        px_strlcpy(it->event_id, ev->event_id, sizeof(it->event_id));
        if (strlen(ev->event_id) >= sizeof(it->event_id) ||
            !px_str_printable(ev->event_id, sizeof(it->event_id) - 1))
            px__capture_refuse(it, PX_EPCIS_EX_VALIDATION,
                               "an eventID of at most %zu printable characters is expected",
                               sizeof(it->event_id) - 1);
    } else {
        px_strlcpy(it->event_id, it->hash, sizeof(it->event_id));
    }
    if ((!it->detail[0] && take_event(it, ev) != 0) ||
        (!it->detail[0] && take_origin(it, ev) != 0)) {
        c->rc = PX_EINTERNAL;
        return 1;
    }
    return 0;
}
