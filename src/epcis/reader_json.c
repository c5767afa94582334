/* EPCIS 2.0 JSON-LD into the event model (the reader beside writer_json.c; the shapes of the EPCIS
 * 2.0 JSON Schema). Prefixed keys are resolved through the event's and the document's @context
 * (the standard context's cbvmda is known without fetching it). Streamed: see "JSON-LD, streamed"
 * below. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "px_clock.h"
#include "px_str.h"
#include "reader_internal.h"

typedef struct j_ctx {
    epcis__arena *a;
    const json_t *doc_ctx; /* the document's @context */
    const json_t *ev_ctx;  /* the event's own @context, may be NULL */
} j_ctx;

/* Looks prefix up in one @context value (string, object or array of them). */
/* The readers' out-of-memory error (its own code: the document was not the cause). */
static px_rc j_oom(px_err *err)
{
    return px_err_oom(err);
}

static const char *ctx_lookup(const json_t *c, const char *prefix)
{
    if (!c)
        return NULL;
    if (json_is_object(c)) {
        const json_t *v = json_object_get(c, prefix);
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_object(v) && json_is_string(json_object_get(v, "@id")))
            return json_string_value(json_object_get(v, "@id"));
        return NULL;
    }
    if (json_is_array(c)) {
        const char *found = NULL;
        size_t i;
        const json_t *item;
        json_array_foreach(c, i, item)
        {
            const char *f = ctx_lookup(item, prefix);
            if (f)
                found = f; /* later entries override earlier ones (JSON-LD 1.1 §4.1) */
        }
        return found;
    }
    return NULL;
}

const char *epcis__ld_prefix_iri(const json_t *doc_ctx, const char *prefix)
{
    const char *iri = ctx_lookup(doc_ctx, prefix);
    if (!iri && strcmp(prefix, "cbvmda") == 0)
        iri = EPCIS__NS_CBVMDA_LD;
    return iri;
}

/* "prefix:local" or an absolute IRI to (namespace, local name). The standard EPCIS context
 * (referenced by URL, never fetched) defines cbvmda as urn:epcglobal:cbv:mda:. */
static px_rc j_qname(j_ctx *j, const char *key, const char **ns, const char **local, px_err *err)
{
    const char *colon = strchr(key, ':');
    if (!colon)
        return epcis__unsupported(err, "field", key);
    if (strncmp(key, "http://", 7) == 0 || strncmp(key, "https://", 8) == 0 ||
        strncmp(key, "urn:", 4) == 0) {
        const char *sep = strrchr(key, '#');
        if (!sep)
            sep = strrchr(key, '/');
        if (!sep || sep < colon)
            sep = strrchr(key, ':');
        if (!epcis__ncname(sep + 1)) /* as below: a name XML can carry */
            return epcis__unsupported(err, "field", key);
        *ns = epcis__ar_strdup(j->a, key, (size_t)(sep - key) + 1);
        *local = sep + 1;
        return PX_OK;
    }
    char prefix[64];
    size_t pn = (size_t)(colon - key);
    if (pn >= sizeof(prefix))
        return epcis__unsupported(err, "field", key);
    memcpy(prefix, key, pn);
    prefix[pn] = '\0';
    const char *iri = ctx_lookup(j->ev_ctx, prefix);
    if (!iri)
        iri = epcis__ld_prefix_iri(j->doc_ctx, prefix);
    if (!iri)
        return px_err_set(err, PX_EINVALID, "epcis_invalid",
                          "prefix \"%s\" of \"%s\" is not declared in any @context", prefix, key);
    if (!epcis__ncname(colon + 1))
        return epcis__unsupported(err, "field", key);
    *ns = iri;
    *local = colon + 1;
    return PX_OK;
}

/* A JSON scalar as text (numbers in their shortest usual form). */
static const char *j_text(epcis__arena *a, const json_t *v)
{
    char num[64];
    if (json_is_string(v))
        return epcis__ar_strdup(a, json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(num, sizeof(num), "%.15g", json_real_value(v));
    else if (json_is_true(v))
        snprintf(num, sizeof(num), "true");
    else if (json_is_false(v))
        snprintf(num, sizeof(num), "false");
    else
        return NULL;
    return epcis__ar_strdup(a, num, strlen(num));
}

static const char *j_str(j_ctx *j, const json_t *o, const char *key, px_err *err, px_rc *rc)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        *rc = px_err_set(err, PX_EINVALID, "epcis_invalid", "\"%s\" must be a string", key);
        return NULL;
    }
    return epcis__ar_strdup(j->a, json_string_value(v), json_string_length(v));
}

static px_rc j_xfield(j_ctx *j, px_epcis_xfield *f, const char *key, const json_t *v, int depth,
                      px_err *err)
{
    if (epcis__xfield_depth(depth, "epcis_invalid", err) != PX_OK)
        return PX_EINVALID;
    px_rc rc = j_qname(j, key, &f->ns, &f->name, err);
    if (rc != PX_OK)
        return rc;
    if (!json_is_object(v)) {
        if (!(f->value = j_text(j->a, v)))
            return epcis__unsupported(err, "extension value of", key);
        return PX_OK;
    }
    size_t n = json_object_size(v);
    px_epcis_xfield *ch = epcis__ar_alloc(j->a, (n ? n : 1) * sizeof(*ch));
    if (!ch)
        return j_oom(err);
    size_t i = 0;
    const char *k;
    const json_t *cv;
    json_object_foreach((json_t *)v, k, cv)
    {
        if ((rc = j_xfield(j, &ch[i++], k, cv, depth + 1, err)) != PX_OK)
            return rc;
    }
    f->children = ch;
    f->n_children = n;
    return PX_OK;
}

static px_rc j_epcs(j_ctx *j, const json_t *arr, const char *const **out, size_t *n, px_err *err)
{
    if (!json_is_array(arr))
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "an EPC list must be an array");
    size_t k = json_array_size(arr);
    const char **v = epcis__ar_alloc(j->a, (k ? k : 1) * sizeof(*v));
    if (!v)
        return j_oom(err);
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e))
            return px_err_set(err, PX_EINVALID, "epcis_invalid", "an EPC must be a string");
        v[i] = epcis__ar_strdup(j->a, json_string_value(e), json_string_length(e));
    }
    *out = v;
    *n = k;
    return PX_OK;
}

/* The opening of an optional list member v (the parties, bizTransactionList, the quantity
 * lists): absent or null is empty; anything but an array is refused ("<what> must be an
 * array"), never read as empty (the event's hash would change without a word). Else *items is
 * room for its *n items of size bytes each in the event's storage. */
static px_rc j_list_open(j_ctx *j, const json_t *v, const char *what, size_t size, void **items,
                         size_t *n, px_err *err)
{
    if (v && !json_is_null(v) && !json_is_array(v))
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "%s must be an array", what);
    *n = json_is_array(v) ? json_array_size(v) : 0;
    *items = epcis__ar_alloc(j->a, (*n ? *n : 1) * size);
    return *items ? PX_OK : j_oom(err);
}

static px_rc j_parties(j_ctx *j, const json_t *arr, const char *elem, const px_epcis_party **out,
                       size_t *n, px_err *err)
{
    char what[32];
    snprintf(what, sizeof(what), "a %s list", elem);
    size_t k;
    void *mem;
    px_rc rc = j_list_open(j, arr, what, sizeof(px_epcis_party), &mem, &k, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_party *p = mem;
    for (size_t i = 0; i < k; i++) {
        const json_t *e = json_array_get(arr, i);
        const json_t *t = json_object_get(e, "type"), *id = json_object_get(e, elem);
        if (!json_is_string(t) || !json_is_string(id) || json_object_size(e) != 2)
            return px_err_set(err, PX_EINVALID, "epcis_invalid", "a %s needs type and %s", elem,
                              elem);
        rc = epcis__parse_sdt(&p[i].type, json_string_value(t), err);
        if (rc != PX_OK)
            return rc;
        p[i].id = epcis__ar_strdup(j->a, json_string_value(id), json_string_length(id));
    }
    *out = p;
    *n = k;
    return PX_OK;
}

static px_rc j_location(j_ctx *j, const json_t *o, const char **out, px_err *err)
{
    const json_t *id = json_object_get(o, "id");
    if (!json_is_object(o) || !json_is_string(id) || json_object_size(o) != 1)
        return epcis__unsupported(err, "location with fields beside", "id");
    *out = epcis__ar_strdup(j->a, json_string_value(id), json_string_length(id));
    return PX_OK;
}

/* An event before its fields are read: no action, no time zone offset. */
static void j_event_init(px_epcis_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->action = (px_epcis_action)-1;
    ev->tz_offset_min = EPCIS__TZ_ABSENT;
}

/* One read event checked, given its hash ID and handed over; then its storage is freed. Both
 * the general reader and the fast path (reader_json_flat.c) end here. */
static px_rc j_event_done(epcis__reader *st, px_epcis_event *ev, px_rc rc, px_err *err)
{
    if (rc == PX_OK && st->a.oom)
        rc = j_oom(err);
    char hash_id[PX_EPCIS_EVENT_ID_MAX];
    if (rc == PX_OK && (rc = epcis__check_event(ev, hash_id, err)) == PX_OK)
        ev->hash_id = hash_id;
    if (rc == PX_OK)
        rc = epcis__send_event(st, ev, err);
    epcis__ar_reset(&st->a);
    return rc;
}

static px_rc j_biz_transactions(j_ctx *j, const json_t *v, px_epcis_event *ev, px_err *err)
{
    size_t n;
    void *mem;
    px_rc rc =
        j_list_open(j, v, "bizTransactionList", sizeof(px_epcis_biz_transaction), &mem, &n, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_biz_transaction *bt = mem;
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        const json_t *e = json_array_get(v, i);
        const char *t = json_string_value(json_object_get(e, "type"));
        if (t)
            rc = epcis__parse_btt(&bt[i].type, t, err);
        bt[i].id = j_str(j, e, "bizTransaction", err, &rc);
        if (rc == PX_OK && !bt[i].id)
            rc = px_err_set(err, PX_EINVALID, "epcis_invalid", "a bizTransaction needs its value");
    }
    ev->biz_transactions = bt;
    ev->n_biz_transactions = n;
    return rc;
}

static px_rc j_quantities(j_ctx *j, const json_t *v, px_epcis_event *ev, px_err *err)
{
    size_t n;
    void *mem;
    px_rc rc = j_list_open(j, v, "a quantity list", sizeof(px_epcis_quantity), &mem, &n, err);
    if (rc != PX_OK)
        return rc;
    px_epcis_quantity *q = mem;
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        const json_t *e = json_array_get(v, i);
        q[i].epc_class = j_str(j, e, "epcClass", err, &rc);
        const json_t *qv = json_object_get(e, "quantity");
        q[i].quantity = qv ? j_text(j->a, qv) : NULL;
        q[i].uom = j_str(j, e, "uom", err, &rc);
    }
    ev->quantities = q;
    ev->n_quantities = n;
    return rc;
}

/* An ObjectEvent's "ilmd": lot and expiry go to the model, the rest to the ilmd list. */
static px_rc j_ilmd(j_ctx *j, const json_t *v, px_epcis_event *ev, epcis__xlist *ilmd, px_err *err)
{
    const char *ik;
    const json_t *iv;
    px_rc rc = PX_OK;
    json_object_foreach((json_t *)v, ik, iv)
    {
        const char *ns = NULL, *local = NULL;
        if ((rc = j_qname(j, ik, &ns, &local, err)) != PX_OK)
            break;
        /* The JSON-LD context's cbvmda (with its trailing colon) is the same CBV
         * vocabulary as XML's urn:epcglobal:cbv:mda: lot and expiry go to the model
         * (docs/epcis.md "One eventID in every syntax"). */
        int mda = strcmp(ns, EPCIS__NS_CBVMDA_LD) == 0 || strcmp(ns, EPCIS__NS_CBVMDA) == 0;
        if (mda && strcmp(local, "lotNumber") == 0 && json_is_string(iv) && !ev->lot) {
            ev->lot = j_text(j->a, iv);
        } else if (mda && strcmp(local, "itemExpirationDate") == 0 && json_is_string(iv) &&
                   !ev->expiry) {
            ev->expiry = j_text(j->a, iv);
        } else {
            px_epcis_xfield *f = epcis__xl_push(j->a, ilmd);
            if (!f)
                return j_oom(err);
            if ((rc = j_xfield(j, f, ik, iv, 0, err)) != PX_OK)
                break;
        }
    }
    return rc;
}

static px_rc j_event(epcis__reader *st, const json_t *o, const json_t *doc_ctx, px_err *err)
{
    px_epcis_event ev;
    j_event_init(&ev);
    j_ctx j = {.a = &st->a, .doc_ctx = doc_ctx, .ev_ctx = json_object_get(o, "@context")};
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type)
        return px_err_set(err, PX_EINVALID, "epcis_invalid", "an event needs a type");
    int t = px_name_index(px_epcis_event_type_names, PX_EPCIS_EVENT_TYPES, type);
    if (t < 0)
        return epcis__unsupported(err, "event type", type);
    ev.type = (px_epcis_event_type)t;
    int obj = ev.type == PX_EPCIS_OBJECT_EVENT;
    epcis__xlist ilmd = {0}, ext = {0};
    px_rc rc = PX_OK;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (rc != PX_OK)
            break;
        const char *s = json_string_value(v);
        if (strcmp(k, "type") == 0 || strcmp(k, "@context") == 0 || strcmp(k, "recordTime") == 0) {
            continue;
        } else if (strcmp(k, "eventTime") == 0) {
            rc = epcis__parse_time(&ev.event_time_us, s ? s : "", err);
        } else if (strcmp(k, "eventTimeZoneOffset") == 0) {
            rc = epcis__parse_tz(&ev.tz_offset_min, s ? s : "", err);
        } else if (strcmp(k, "eventID") == 0) {
            ev.event_id = j_str(&j, o, k, err, &rc);
        } else if (strcmp(k, obj ? "epcList" : "childEPCs") == 0) {
            rc = j_epcs(&j, v, &ev.epcs, &ev.n_epcs, err);
        } else if (!obj && strcmp(k, "parentID") == 0) {
            ev.parent_id = j_str(&j, o, k, err, &rc);
        } else if (strcmp(k, "action") == 0) {
            rc = epcis__parse_action(&ev.action, s ? s : "", err);
        } else if (strcmp(k, "bizStep") == 0) {
            rc = epcis__parse_bizstep(&ev.biz_step, s ? s : "", err);
        } else if (strcmp(k, "disposition") == 0) {
            rc = epcis__parse_disp(&ev.disposition, s ? s : "", err);
        } else if (strcmp(k, "readPoint") == 0) {
            rc = j_location(&j, v, &ev.read_point, err);
        } else if (strcmp(k, "bizLocation") == 0) {
            rc = j_location(&j, v, &ev.biz_location, err);
        } else if (strcmp(k, "bizTransactionList") == 0) {
            rc = j_biz_transactions(&j, v, &ev, err);
        } else if (strcmp(k, obj ? "quantityList" : "childQuantityList") == 0) {
            rc = j_quantities(&j, v, &ev, err);
        } else if (strcmp(k, "sourceList") == 0) {
            rc = j_parties(&j, v, "source", &ev.sources, &ev.n_sources, err);
        } else if (strcmp(k, "destinationList") == 0) {
            rc = j_parties(&j, v, "destination", &ev.destinations, &ev.n_destinations, err);
        } else if (obj && strcmp(k, "ilmd") == 0 && json_is_object(v)) {
            rc = j_ilmd(&j, v, &ev, &ilmd, err);
        } else if (strchr(k, ':')) {
            px_epcis_xfield *f = epcis__xl_push(j.a, &ext);
            rc = f ? j_xfield(&j, f, k, v, 0, err) : j_oom(err);
        } else {
            rc = epcis__unsupported(err, "field", k);
        }
    }
    ev.ilmd = ilmd.v;
    ev.n_ilmd = ilmd.n;
    ev.extensions = ext.v;
    ev.n_extensions = ext.n;
    return j_event_done(st, &ev, rc, err);
}

/* ---- JSON-LD, streamed -------------------------------------------------------------- *
 * jansson has no streaming parser, so the document is walked by a small scanner that only
 * finds value boundaries (strings with escapes, nesting): each event's bytes are cut out and
 * parsed alone by jansson, then freed. Memory is one event, not the document. Pass 1 parses
 * every top-level member except epcisBody (header and @context, which JSON lets come after
 * the events); pass 2 streams epcisBody.eventList (or queryResults.resultsBody.eventList).
 * The source is rewound between the passes (a file is read twice, never held whole). */

#define JS_EVENT_MAX ((size_t)16 << 20)  /* one event's JSON text */
#define JS_HEADER_MAX ((size_t)16 << 20) /* one top-level member's text (master data) */
#define JS_DEPTH_MAX 64

typedef struct jstream {
    FILE *f;         /* file source, or */
    const char *mem; /* memory source */
    size_t mem_len;
    size_t pos; /* bytes consumed, for error messages */
    char buf[65536];
    size_t blen, bpos;
} jstream;

static int js_peek(jstream *s)
{
    if (!s->f)
        return s->pos < s->mem_len ? (unsigned char)s->mem[s->pos] : -1;
    if (s->bpos == s->blen) {
        s->blen = fread(s->buf, 1, sizeof(s->buf), s->f);
        s->bpos = 0;
        if (s->blen == 0)
            return -1;
    }
    return (unsigned char)s->buf[s->bpos];
}

static int js_get(jstream *s)
{
    int c = js_peek(s);
    if (c >= 0) {
        s->pos++;
        if (s->f)
            s->bpos++;
    }
    return c;
}

/* To the document's start, past a byte order mark (px_utf8_bom): each pass begins here. */
static void js_rewind(jstream *s)
{
    s->pos = 0;
    s->blen = s->bpos = 0;
    if (s->f)
        rewind(s->f);
    size_t bom = js_peek(s) < 0 ? 0
                 : s->f         ? px_utf8_bom(s->buf, s->blen)
                                : px_utf8_bom(s->mem, s->mem_len);
    s->pos = bom;
    if (s->f)
        s->bpos = bom;
}

static void js_ws(jstream *s)
{
    int c;
    while ((c = js_peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        js_get(s);
}

static px_rc js_fail(jstream *s, px_err *err, const char *what)
{
    return px_err_set(err, PX_EINVALID, "epcis_json", "byte %zu: %s", s->pos, what);
}

/* Appends c to out (when out is set); a value over the cap is PX_ETOOBIG. */
static px_rc js_put(px_buf *out, int c, px_err *err)
{
    char ch = (char)c;
    if (out && px_buf_add(out, &ch, 1) != PX_OK)
        return px_err_set(err, PX_ETOOBIG, "too_big", "a JSON member over %zu bytes", out->max);
    return PX_OK;
}

/* One string, quotes included, copied to out (may be NULL: skipped). */
static px_rc js_string(jstream *s, px_buf *out, px_err *err)
{
    if (js_get(s) != '"')
        return js_fail(s, err, "a string was expected");
    if (!s->f && !out) {
        /* In memory and not kept: the closing quote is found in place, not byte by byte
         * through js_get (most of a document's bytes are in strings). */
        size_t p = s->pos;
        while (p < s->mem_len && s->mem[p] != '"')
            p += s->mem[p] == '\\' ? 2 : 1;
        s->pos = p < s->mem_len ? p + 1 : s->mem_len;
        return p < s->mem_len ? PX_OK : js_fail(s, err, "unterminated string");
    }
    px_rc rc = js_put(out, '"', err);
    for (int c; rc == PX_OK;) {
        if ((c = js_get(s)) < 0)
            return js_fail(s, err, "unterminated string");
        if ((rc = js_put(out, c, err)) != PX_OK || c == '"')
            break;
        if (c == '\\') {
            if ((c = js_get(s)) < 0)
                return js_fail(s, err, "unterminated string");
            rc = js_put(out, c, err);
        }
    }
    return rc;
}

/* One value copied to out (or skipped); only its extent is checked here, jansson checks the
 * rest when the copy is parsed. */
static px_rc js_value(jstream *s, px_buf *out, int depth, px_err *err)
{
    if (depth > JS_DEPTH_MAX)
        return js_fail(s, err, "nested too deep");
    js_ws(s);
    int c = js_peek(s);
    if (c == '"')
        return js_string(s, out, err);
    if (c == '{' || c == '[') {
        int close = c == '{' ? '}' : ']';
        px_rc rc = js_put(out, js_get(s), err);
        js_ws(s);
        if (js_peek(s) == close)
            return rc == PX_OK ? js_put(out, js_get(s), err) : rc;
        while (rc == PX_OK) {
            if (c == '{') {
                js_ws(s);
                if ((rc = js_string(s, out, err)) != PX_OK)
                    return rc;
                js_ws(s);
                if (js_get(s) != ':')
                    return js_fail(s, err, "':' was expected");
                if ((rc = js_put(out, ':', err)) != PX_OK)
                    return rc;
            }
            if ((rc = js_value(s, out, depth + 1, err)) != PX_OK)
                return rc;
            js_ws(s);
            int d = js_get(s);
            if ((rc = js_put(out, d, err)) != PX_OK)
                return rc;
            if (d == close)
                return PX_OK;
            if (d != ',')
                return js_fail(s, err, "',' or the end of a list was expected");
        }
        return rc;
    }
    /* number, true, false, null */
    int n = 0;
    while ((c = js_peek(s)) >= 0 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' ||
                                     c == '+' || c == '.' || c == 'E')) {
        px_rc rc = js_put(out, js_get(s), err);
        if (rc != PX_OK)
            return rc;
        n++;
    }
    return n ? PX_OK : js_fail(s, err, "a JSON value was expected");
}

/* One value copied to out: from memory its extent is found in place and copied once (a
 * byte-by-byte copy cost a fifth of reading a capture document, docs/epcis.md "Capture
 * speed"); from a file, as it is read. */
static px_rc js_value_copy(jstream *s, px_buf *out, px_err *err)
{
    if (s->f)
        return js_value(s, out, 0, err);
    js_ws(s);
    size_t start = s->pos;
    px_rc rc = js_value(s, NULL, 0, err);
    if (rc == PX_OK && px_buf_add(out, s->mem + start, s->pos - start) != PX_OK)
        rc = px_err_set(err, PX_ETOOBIG, "too_big", "a JSON member over %zu bytes", out->max);
    return rc;
}

/* Parses the text in b (one value) with jansson. */
static json_t *js_parse(const px_buf *b, jstream *s, px_err *err)
{
    json_error_t je;
    json_t *v =
        json_loadb(b->data ? b->data : "", b->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!v)
        px_err_set(err, PX_EINVALID, "epcis_json", "near byte %zu: %s", s->pos, je.text);
    return v;
}

/* A member's key (decoded). */
static px_rc js_key(jstream *s, px_buf *kb, char *key, size_t cap, px_err *err)
{
    px_buf_reset(kb);
    js_ws(s);
    px_rc rc = js_string(s, kb, err);
    if (rc != PX_OK)
        return rc;
    json_t *k = js_parse(kb, s, err);
    if (!k)
        return PX_EINVALID;
    snprintf(key, cap, "%s", json_string_value(k) ? json_string_value(k) : "");
    json_decref(k);
    js_ws(s);
    if (js_get(s) != ':')
        return js_fail(s, err, "':' was expected");
    return PX_OK;
}

/* Walks the members of an object; visit() consumes each value. */
typedef px_rc (*js_visit)(void *ctx, jstream *s, const char *key, px_err *err);

static px_rc js_object(jstream *s, js_visit visit, void *ctx, px_err *err)
{
    px_buf kb;
    px_buf_init(&kb, 4096);
    char key[256];
    px_rc rc = PX_OK;
    js_ws(s);
    if (js_get(s) != '{') {
        rc = js_fail(s, err, "an object was expected");
        goto done;
    }
    js_ws(s);
    if (js_peek(s) == '}') {
        js_get(s);
        goto done;
    }
    for (;;) {
        if ((rc = js_key(s, &kb, key, sizeof(key), err)) != PX_OK ||
            (rc = visit(ctx, s, key, err)) != PX_OK)
            break;
        js_ws(s);
        int c = js_get(s);
        if (c == '}')
            break;
        if (c != ',') {
            rc = js_fail(s, err, "',' or '}' was expected");
            break;
        }
    }
done:
    px_buf_dispose(&kb);
    return rc;
}

typedef struct js_walk {
    epcis__reader *st;
    json_t *doc; /* pass 1: every top-level member except epcisBody */
    px_buf val;
    int found_body, found_list;
    size_t index;
} js_walk;

static px_rc visit_top_pass1(void *ctx, jstream *s, const char *key, px_err *err)
{
    js_walk *w = ctx;
    /* The members streamed in pass 2 are not in w->doc: their repeats are counted here and in
     * event_list (JSON leaves a repeated key's meaning open; packid reads none as the first or
     * the last). */
    if (strcmp(key, "epcisBody") == 0)
        return w->found_body++ ? px_err_set(err, PX_EINVALID, "epcis_json",
                                            "duplicate object key \"epcisBody\"")
                               : js_value(s, NULL, 0, err);
    px_buf_reset(&w->val);
    px_rc rc = js_value_copy(s, &w->val, err);
    if (rc != PX_OK)
        return rc;
    if (json_object_get(w->doc, key))
        return px_err_set(err, PX_EINVALID, "epcis_json", "duplicate object key \"%s\"", key);
    json_t *v = js_parse(&w->val, s, err);
    if (!v)
        return PX_EINVALID;
    json_object_set_new(w->doc, key, v);
    return PX_OK;
}

static px_rc event_list(js_walk *w, jstream *s, px_err *err)
{
    if (w->found_list)
        return px_err_set(err, PX_EINVALID, "epcis_json", "duplicate object key \"eventList\"");
    w->found_list = 1;
    js_ws(s);
    if (js_get(s) != '[')
        return js_fail(s, err, "eventList must be an array");
    js_ws(s);
    if (js_peek(s) == ']') {
        js_get(s);
        return PX_OK;
    }
    const json_t *doc_ctx = json_object_get(w->doc, "@context");
    for (;;) {
        px_buf_reset(&w->val);
        px_rc rc = js_value_copy(s, &w->val, err);
        px_epcis_event flat;
        j_event_init(&flat);
        if (rc == PX_OK && epcis__json_flat_event(&w->st->a, w->val.data ? w->val.data : "",
                                                  w->val.len, doc_ctx, &flat)) {
            rc = j_event_done(w->st, &flat, PX_OK, err);
        } else if (rc == PX_OK) {
            /* Not the fast path's shape: the general reader, from a clean event. */
            epcis__ar_reset(&w->st->a);
            json_t *ev = js_parse(&w->val, s, err);
            if (!ev)
                rc = PX_EINVALID;
            else if (!json_is_object(ev))
                rc = px_err_set(err, PX_EINVALID, "epcis_invalid", "an event must be an object");
            else
                rc = j_event(w->st, ev, doc_ctx, err);
            json_decref(ev);
        }
        if (rc != PX_OK) {
            if (!err->field[0])
                px_err_field(err, "events[%zu]", w->index);
            return rc;
        }
        w->index++;
        js_ws(s);
        int c = js_get(s);
        if (c == ']')
            return PX_OK;
        if (c != ',')
            return js_fail(s, err, "',' or ']' was expected");
    }
}

static px_rc visit_results(void *ctx, jstream *s, const char *key, px_err *err);

static px_rc visit_body(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "eventList") == 0)
        return event_list(ctx, s, err);
    if (strcmp(key, "queryResults") == 0) /* EPCISQueryDocument (EPCIS 2.0 REST binding) */
        return js_object(s, visit_results, ctx, err);
    return js_value(s, NULL, 0, err);
}

static px_rc visit_results(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "resultsBody") == 0)
        return js_object(s, visit_body, ctx, err);
    return js_value(s, NULL, 0, err);
}

static px_rc visit_top_pass2(void *ctx, jstream *s, const char *key, px_err *err)
{
    if (strcmp(key, "epcisBody") == 0)
        return js_object(s, visit_body, ctx, err);
    return js_value(s, NULL, 0, err);
}

static void j_masterdata(epcis__reader *st, const json_t *list)
{
    size_t i, k, m;
    const json_t *v, *e, *a;
    json_array_foreach(list, i, v)
    {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!type || strcmp(type, "urn:epcglobal:epcis:vtype:EPCClass") != 0)
            continue;
        json_array_foreach(json_object_get(v, "vocabularyElementList"), k, e)
        {
            px_epcis_product *p =
                epcis__md_product(st, json_string_value(json_object_get(e, "id")));
            const char *type_code = NULL;
            json_array_foreach(json_object_get(e, "attributes"), m, a)
            {
                if (p)
                    epcis__md_attribute(st, p, json_string_value(json_object_get(a, "id")),
                                        json_string_value(json_object_get(a, "attribute")),
                                        &type_code);
            }
            if (p)
                epcis__md_settle(p, type_code);
        }
    }
    st->h.products = st->products;
    st->h.n_products = st->n_products;
}

static px_rc read_json(epcis__reader *st, jstream *s, px_err *err)
{
    js_walk w = {.st = st, .doc = json_object()};
    px_buf_init(&w.val, JS_HEADER_MAX);
    px_rc rc = w.doc ? js_object(s, visit_top_pass1, &w, err) : j_oom(err);
    if (rc != PX_OK)
        goto done;
    js_ws(s);
    if (js_peek(s) >= 0) {
        rc = js_fail(s, err, "text after the document");
        goto done;
    }
    st->format = PX_EPCIS_FORMAT_JSONLD_2_0;
    const char *type = json_string_value(json_object_get(w.doc, "type"));
    if (!type || (strcmp(type, "EPCISDocument") != 0 && strcmp(type, "EPCISQueryDocument") != 0)) {
        rc = px_err_set(err, PX_EINVALID, "epcis_invalid",
                        "not an EPCIS 2.0 JSON-LD document (type EPCISDocument)");
        goto done;
    }
    const char *cd = json_string_value(json_object_get(w.doc, "creationDate"));
    if (cd && px_time_parse(cd, &st->h.creation_us) != 0)
        st->h.unread = EPCIS__CREATION_UNREAD;
    const char *snd = json_string_value(json_object_get(w.doc, "sender"));
    const char *rcv = json_string_value(json_object_get(w.doc, "receiver"));
    if (epcis__digits13(snd) && epcis__digits13(rcv)) {
        st->h.sender_gln = snd;
        st->h.receiver_gln = rcv;
    }
    st->h.instance_id = json_string_value(json_object_get(w.doc, "instanceIdentifier"));
    j_masterdata(st, json_object_get(
                         json_object_get(json_object_get(w.doc, "epcisHeader"), "epcisMasterData"),
                         "vocabularyList"));
    /* Pass 2: the events, one at a time. */
    js_rewind(s);
    w.val.max = JS_EVENT_MAX;
    if ((rc = js_object(s, visit_top_pass2, &w, err)) != PX_OK)
        goto done;
    if (!w.found_list) {
        rc = px_err_set(err, PX_EINVALID, "epcis_invalid",
                        "not an EPCIS 2.0 JSON-LD document (no epcisBody.eventList)");
        goto done;
    }
    rc = epcis__send_header(st, err);
done:
    px_buf_dispose(&w.val);
    json_decref(w.doc);
    return rc;
}

px_rc epcis__read_json(epcis__reader *st, const char *data, size_t len, FILE *f, px_err *err)
{
    jstream *s = calloc(1, sizeof(*s)); /* 64 KiB window: not on the stack */
    if (!s)
        return j_oom(err);
    s->f = f;
    s->mem = data;
    s->mem_len = len;
    js_rewind(s);
    px_rc rc = read_json(st, s, err);
    free(s);
    return rc;
}
