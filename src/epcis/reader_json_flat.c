/* The EPCIS 2.0 JSON-LD reader's fast path: one event read straight from its bytes, without a
 * jansson tree, for the shape packaging lines send by the hundred thousand — a commissioning
 * ObjectEvent of plain string fields, an epcList, a readPoint / bizLocation and an ILMD of lot
 * and expiry (docs/epcis.md "Capture speed": the tree was about 4 µs of an event's ~10 µs of
 * reading). It accepts only what it understands completely: any other key, a duplicate, an
 * escape, a byte outside printable ASCII, a value of another JSON type or a value the parsers
 * refuse sends the event to the general reader (reader_json.c), which reads it — and reports
 * its errors — as before. So the fast path never decides an outcome the general one would not. */
#include <string.h>

#include "reader_internal.h"

typedef struct flat_str {
    const char *p;
    size_t n;
} flat_str;

/* The keys the fast path knows, one bit each (a second occurrence is a duplicate). */
enum {
    F_TYPE,
    F_TIME,
    F_TZ,
    F_ID,
    F_RECORD,
    F_EPCS,
    F_ACTION,
    F_STEP,
    F_DISP,
    F_READ_POINT,
    F_BIZ_LOCATION,
    F_ILMD,
    F_N
};

static const char *const flat_keys[F_N] = {
    "type",   "eventTime", "eventTimeZoneOffset", "eventID",   "recordTime",  "epcList",
    "action", "bizStep",   "disposition",         "readPoint", "bizLocation", "ilmd"};

#define FLAT_EPCS_MAX 64 /* more EPCs than this: the general reader */
#define FLAT_ILMD_MAX 4

typedef struct flat {
    const char *p, *end;
    flat_str v[F_N];
    flat_str epcs[FLAT_EPCS_MAX];
    size_t n_epcs;
    flat_str ilmd_key[FLAT_ILMD_MAX], ilmd_val[FLAT_ILMD_MAX];
    size_t n_ilmd;
} flat;

static void ws(flat *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
        f->p++;
}

static int eat(flat *f, char c)
{
    ws(f);
    if (f->p == f->end || *f->p != c)
        return 0;
    f->p++;
    return 1;
}

/* A string of printable ASCII without escapes (what jansson would decode to the same bytes). */
static int str(flat *f, flat_str *out)
{
    if (!eat(f, '"'))
        return 0;
    const char *s = f->p;
    while (f->p < f->end && *f->p != '"') {
        unsigned char c = (unsigned char)*f->p;
        if (c < 0x20 || c >= 0x7f || c == '\\')
            return 0;
        f->p++;
    }
    if (f->p == f->end)
        return 0;
    out->p = s;
    out->n = (size_t)(f->p - s);
    f->p++;
    return 1;
}

static int key_is(const flat_str *k, const char *name)
{
    return strlen(name) == k->n && memcmp(k->p, name, k->n) == 0;
}

/* open [item ("," item)*] close: one reading of the commas and brackets for the event, its
 * epcList and its ILMD. */
static int members(flat *f, char open, char close, int (*item)(flat *))
{
    if (!eat(f, open))
        return 0;
    if (eat(f, close))
        return 1;
    do {
        if (!item(f))
            return 0;
    } while (eat(f, ','));
    return eat(f, close);
}

/* One string of the epcList. */
static int epc(flat *f)
{
    return f->n_epcs < FLAT_EPCS_MAX && str(f, &f->epcs[f->n_epcs++]);
}

/* {"id": string}, the only location shape the general reader takes. */
static int location(flat *f, flat_str *out)
{
    flat_str k;
    return eat(f, '{') && str(f, &k) && key_is(&k, "id") && eat(f, ':') && str(f, out) &&
           eat(f, '}');
}

/* One "prefix:local": string member of the ILMD. */
static int ilmd_member(flat *f)
{
    if (f->n_ilmd == FLAT_ILMD_MAX || !str(f, &f->ilmd_key[f->n_ilmd]) || !eat(f, ':') ||
        !str(f, &f->ilmd_val[f->n_ilmd]))
        return 0;
    f->n_ilmd++;
    return 1;
}

static int member(flat *f)
{
    flat_str k;
    if (!str(f, &k) || !eat(f, ':'))
        return 0;
    int i = 0;
    while (i < F_N && !key_is(&k, flat_keys[i]))
        i++;
    if (i == F_N || f->v[i].p) /* unknown or duplicate */
        return 0;
    switch (i) {
    case F_EPCS: f->v[i].p = f->p; return members(f, '[', ']', epc);
    case F_READ_POINT:
    case F_BIZ_LOCATION: return location(f, &f->v[i]);
    case F_ILMD: f->v[i].p = f->p; return members(f, '{', '}', ilmd_member);
    default: return str(f, &f->v[i]);
    }
}

static const char *flat_dup(epcis__arena *a, const flat_str *s)
{
    return s->p ? epcis__ar_strdup(a, s->p, s->n) : NULL;
}

/* The ILMD's lot and expiry (CBV master data, under either spelling of its namespace, as
 * reader_json.c reads them); any other ILMD field: the general reader. */
static int flat_ilmd(const flat *f, const struct json_t *doc_ctx, epcis__arena *a,
                     px_epcis_event *ev)
{
    for (size_t i = 0; i < f->n_ilmd; i++) {
        const flat_str *k = &f->ilmd_key[i];
        const char *colon = memchr(k->p, ':', k->n);
        char prefix[64];
        size_t pn = colon ? (size_t)(colon - k->p) : 0;
        if (!colon || pn == 0 || pn >= sizeof(prefix))
            return 0;
        memcpy(prefix, k->p, pn);
        prefix[pn] = '\0';
        /* An absolute IRI is no prefix (reader_json.c j_qname reads it first). */
        if (strcmp(prefix, "urn") == 0 || strcmp(prefix, "http") == 0 ||
            strcmp(prefix, "https") == 0)
            return 0;
        const char *iri = epcis__ld_prefix_iri(doc_ctx, prefix);
        if (!iri || (strcmp(iri, EPCIS__NS_CBVMDA_LD) != 0 && strcmp(iri, EPCIS__NS_CBVMDA) != 0))
            return 0;
        flat_str local = {colon + 1, k->n - pn - 1};
        const char **to = key_is(&local, "lotNumber")            ? &ev->lot
                          : key_is(&local, "itemExpirationDate") ? &ev->expiry
                                                                 : NULL;
        if (!to || *to)
            return 0;
        *to = flat_dup(a, &f->ilmd_val[i]);
    }
    return 1;
}

int epcis__json_flat_event(epcis__arena *a, const char *text, size_t len,
                           const struct json_t *doc_ctx, px_epcis_event *ev)
{
    flat f = {0};
    f.p = text;
    f.end = text + len;
    /* {} has no type: the check below leaves it to the general reader */
    if (!members(&f, '{', '}', member))
        return 0;
    ws(&f);
    if (f.p != f.end || !f.v[F_TYPE].p || !key_is(&f.v[F_TYPE], "ObjectEvent"))
        return 0;
    /* Every value through the same parsers as the general reader; a refusal is left to it. */
    px_err scratch = PX_ERR_INIT;
    ev->type = PX_EPCIS_OBJECT_EVENT;
    char buf[128];
#define FLAT_PARSE(field, call)                                                                    \
    if (f.v[field].p) {                                                                            \
        if (f.v[field].n >= sizeof(buf))                                                           \
            return 0;                                                                              \
        memcpy(buf, f.v[field].p, f.v[field].n);                                                   \
        buf[f.v[field].n] = '\0';                                                                  \
        if ((call) != PX_OK)                                                                       \
            return 0;                                                                              \
    }
    FLAT_PARSE(F_TIME, epcis__parse_time(&ev->event_time_us, buf, &scratch));
    FLAT_PARSE(F_TZ, epcis__parse_tz(&ev->tz_offset_min, buf, &scratch));
    FLAT_PARSE(F_ACTION, epcis__parse_action(&ev->action, buf, &scratch));
    FLAT_PARSE(F_STEP, epcis__parse_bizstep(&ev->biz_step, buf, &scratch));
    FLAT_PARSE(F_DISP, epcis__parse_disp(&ev->disposition, buf, &scratch));
#undef FLAT_PARSE
    ev->event_id = flat_dup(a, &f.v[F_ID]);
    ev->read_point = flat_dup(a, &f.v[F_READ_POINT]);
    ev->biz_location = flat_dup(a, &f.v[F_BIZ_LOCATION]);
    if (f.v[F_EPCS].p) {
        const char **v = epcis__ar_alloc(a, (f.n_epcs ? f.n_epcs : 1) * sizeof(*v));
        if (!v)
            return 0;
        for (size_t i = 0; i < f.n_epcs; i++)
            v[i] = flat_dup(a, &f.epcs[i]);
        ev->epcs = v;
        ev->n_epcs = f.n_epcs;
    }
    return flat_ilmd(&f, doc_ctx, a, ev) && !a->oom;
}
