/* EPCIS 2.0 Event Hash ID (CBV 2.0 §8.9 "EPCIS Event Hash ID"; docs/epcis.md), computed
 * from the same px_epcis_event the writer serialises, so the stored eventID and the document
 * agree. Rule numbers below are those of the reference implementation's README
 * (RalphTro/epcis-event-hash-generator), which restates the CBV text. */
#include <stdlib.h>
#include <string.h>

#include "epcis_internal.h"
#include "gs1.h"
#include "px_array.h"
#include "px_crypto.h"
#include "px_str.h"

#define PREHASH_MAX ((size_t)64 << 20)

/* A pre-hash past PREHASH_MAX (or memory refused on the way): the event is refused whole. */
static px_rc prehash_too_big(px_err *err)
{
    return px_err_set(err, PX_ETOOBIG, "too_big", "event too large to hash");
}

/* CBV 2.0 Web URIs of the vocabulary values (rule 14); NULL for none or out of range. */
static const char *web(px_cbv_vocab vocab, int v)
{
    return epcis__cbv_uri(vocab, v, EPCIS__CBV_WEB);
}

/* ---- a list of strings sorted byte-wise before being appended (rules 10-12) -------- */

typedef struct strlist {
    px_buf arena; /* the strings, each NUL-terminated */
    size_t *off;
    size_t n, cap;
} strlist;

static void sl_init(strlist *l)
{
    px_buf_init(&l->arena, PREHASH_MAX);
    l->off = NULL;
    l->n = l->cap = 0;
}

static void sl_dispose(strlist *l)
{
    px_buf_dispose(&l->arena);
    free(l->off);
}

/* Opens a new item; the caller appends its text to l->arena, then calls sl_close. */
static px_rc sl_open(strlist *l, px_err *err)
{
    size_t *o = px_array_room(l->off, l->n, &l->cap, sizeof(*o), 16);
    if (!o)
        return px_err_oom(err);
    l->off = o;
    l->off[l->n++] = l->arena.len;
    return PX_OK;
}

static px_rc sl_close(strlist *l, px_err *err)
{
    if (px_buf_add(&l->arena, "", 1) != PX_OK)
        return prehash_too_big(err);
    return PX_OK;
}

/* An item of l: key, then value[0..n) in its prehash form (trimmed, or made by the caller). */
static px_rc sl_add_pair(strlist *l, const char *key, const char *value, size_t n, px_err *err)
{
    px_rc rc = sl_open(l, err);
    if (rc == PX_OK)
        rc = px_buf_puts(&l->arena, key);
    if (rc == PX_OK)
        rc = px_buf_add(&l->arena, value, n);
    if (rc == PX_OK)
        rc = sl_close(l, err);
    return rc;
}

/* Appends the sorted items to out. */
static px_rc sl_flush(strlist *l, px_buf *out, px_err *err)
{
    if (l->n == 0)
        return PX_OK;
    const char **v = malloc(l->n * sizeof(*v));
    if (!v)
        return px_err_oom(err);
    for (size_t i = 0; i < l->n; i++)
        v[i] = l->arena.data + l->off[i];
    qsort(v, l->n, sizeof(*v), px_strp_cmp); /* byte-wise (UTF-8 code unit) order: rule 10 */
    px_rc rc = PX_OK;
    for (size_t i = 0; i < l->n && rc == PX_OK; i++)
        rc = px_buf_puts(out, v[i]);
    free(v);
    if (rc != PX_OK)
        return prehash_too_big(err);
    return PX_OK;
}

/* ---- values -------------------------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s without leading and trailing whitespace (rule 5): where it starts, its length in *n. */
static const char *trimmed(const char *s, size_t *n)
{
    while (is_space(*s))
        s++;
    *n = strlen(s);
    while (*n && is_space(s[*n - 1]))
        (*n)--;
    return s;
}

/* Appends s trimmed (rule 5). */
static px_rc put_trimmed(px_buf *b, const char *s)
{
    size_t n;
    s = trimmed(s, &n);
    return px_buf_add(b, s, n);
}

static px_rc put(px_buf *b, const char *s)
{
    return px_buf_puts(b, s);
}

/* The end of every list: on success the list's name (NULL: none) and then its sorted items
 * go to out; l is disposed either way; returns rc or the first failure. */
static px_rc sl_finish(strlist *l, px_rc rc, px_buf *out, const char *name, px_err *err)
{
    if (rc == PX_OK && name)
        rc = put(out, name);
    if (rc == PX_OK)
        rc = sl_flush(l, out, err);
    sl_dispose(l);
    return rc;
}

/* An identifier: EPC pure identity / class / pattern URIs become the constrained canonical GS1
 * Digital Link (rules 17-18, gs1_epc_to_dl); anything else is taken as is (trimmed). */
static px_rc put_id(px_buf *b, const char *id, px_err *err)
{
    while (is_space(*id))
        id++;
    if (strncmp(id, "urn:epc:", 8) == 0) {
        char dl[GS1_DL_MAX];
        px_rc rc = gs1_epc_to_dl(dl, sizeof(dl), id, err);
        if (rc != PX_OK)
            return rc;
        return put(b, dl);
    }
    return put_trimmed(b, id);
}

/* xsd:decimal without trailing zeros (rule 6): "600.0" → "600", "0.3430" → "0.343". */
static px_rc put_decimal(px_buf *b, const char *s)
{
    size_t n;
    s = trimmed(s, &n);
    if (memchr(s, '.', n)) {
        while (n && s[n - 1] == '0')
            n--;
        if (n && s[n - 1] == '.')
            n--;
    }
    return px_buf_add(b, s, n);
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != PX_OK)                                                                       \
            goto too_big;                                                                          \
    } while (0)

/* {ns}name[=value][children, sorted] (rules 19-20). */
static px_rc put_xfield(px_buf *b, const px_epcis_xfield *f, int depth, px_err *err)
{
    if (epcis__xfield_depth(depth, "invalid_event", err) != PX_OK)
        return PX_EINVALID;
    TRY(put(b, "{"));
    TRY(put(b, f->ns ? f->ns : ""));
    TRY(put(b, "}"));
    TRY(put(b, f->name ? f->name : ""));
    if (f->value) {
        size_t before = b->len;
        TRY(put(b, "="));
        TRY(put_trimmed(b, f->value));
        if (b->len == before + 1) { /* empty value: no "=" */
            b->len = before;
            b->data[before] = '\0';
        }
    }
    if (f->n_children) {
        strlist l;
        sl_init(&l);
        px_rc rc = PX_OK;
        for (size_t i = 0; i < f->n_children && rc == PX_OK; i++) {
            rc = sl_open(&l, err);
            if (rc == PX_OK)
                rc = put_xfield(&l.arena, &f->children[i], depth + 1, err);
            if (rc == PX_OK)
                rc = sl_close(&l, err);
        }
        return sl_finish(&l, rc, b, NULL, err);
    }
    return PX_OK;
too_big:
    return prehash_too_big(err);
}

static px_rc epc_list(px_buf *b, const char *name, const px_epcis_event *ev, px_err *err)
{
    if (ev->n_epcs + ev->n_serials == 0)
        return PX_OK; /* rule 4: absent fields are omitted */
    strlist l;
    sl_init(&l);
    px_rc rc = PX_OK;
    for (size_t i = 0; i < ev->n_epcs && rc == PX_OK; i++) {
        if ((rc = sl_open(&l, err)) != PX_OK)
            break;
        rc = put(&l.arena, "epc=");
        if (rc == PX_OK)
            rc = put_id(&l.arena, ev->epcs[i], err);
        if (rc == PX_OK)
            rc = sl_close(&l, err);
    }
    for (size_t i = 0; i < ev->n_serials && rc == PX_OK; i++) {
        /* Straight from GTIN and serial: the Digital Link put_id would make of the SGTIN URI,
         * without formatting and re-parsing the URI per EPC (docs/epcis.md "Capture speed"). */
        char dl[GS1_DL_MAX];
        rc = gs1_sgtin_to_dl(dl, sizeof(dl), ev->sgtin_gtin, ev->serials[i], err);
        if (rc == PX_OK)
            rc = sl_add_pair(&l, "epc=", dl, strlen(dl), err);
    }
    return sl_finish(&l, rc, b, name, err);
}

static px_rc quantity_list(px_buf *b, const char *name, const px_epcis_event *ev, px_err *err)
{
    if (ev->n_quantities == 0)
        return PX_OK;
    strlist l;
    sl_init(&l);
    px_rc rc = PX_OK;
    for (size_t i = 0; i < ev->n_quantities && rc == PX_OK; i++) {
        const px_epcis_quantity *q = &ev->quantities[i];
        px_buf *a = &l.arena;
        if ((rc = sl_open(&l, err)) != PX_OK)
            break;
        /* rule 12: the element's own pairs concatenated, elements sorted. */
        rc = put(a, "quantityElementepcClass=");
        if (rc == PX_OK)
            rc = put_id(a, q->epc_class, err);
        if (rc == PX_OK && q->quantity && q->quantity[0]) {
            rc = put(a, "quantity=");
            if (rc == PX_OK)
                rc = put_decimal(a, q->quantity);
            if (rc == PX_OK && q->uom && q->uom[0]) {
                rc = put(a, "uom=");
                if (rc == PX_OK)
                    rc = put_trimmed(a, q->uom);
            }
        }
        if (rc == PX_OK)
            rc = sl_close(&l, err);
    }
    return sl_finish(&l, rc, b, name, err);
}

/* bizTransactionList / sourceList / destinationList: "type=<web URI>" first, then "<elem>=<value>",
 * as the reference output has it (not the README's prose), sorted (rule 13). */
static px_rc typed_list(px_buf *b, const char *list, const char *elem, size_t n,
                        const char *(*type_of)(const px_epcis_event *, size_t),
                        const char *(*id_of)(const px_epcis_event *, size_t),
                        const px_epcis_event *ev, px_err *err)
{
    if (n == 0)
        return PX_OK;
    strlist l;
    sl_init(&l);
    px_rc rc = PX_OK;
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        px_buf *a = &l.arena;
        if ((rc = sl_open(&l, err)) != PX_OK)
            break;
        const char *t = type_of(ev, i);
        if (t) {
            rc = put(a, "type=");
            if (rc == PX_OK)
                rc = put(a, t);
        }
        if (rc == PX_OK)
            rc = put(a, elem);
        if (rc == PX_OK)
            rc = put(a, "=");
        if (rc == PX_OK)
            rc = put_id(a, id_of(ev, i), err);
        if (rc == PX_OK)
            rc = sl_close(&l, err);
    }
    return sl_finish(&l, rc, b, list, err);
}

static const char *bt_type(const px_epcis_event *ev, size_t i)
{
    return web(PX_CBV_VOCAB_BTT, (int)ev->biz_transactions[i].type);
}

static const char *bt_id(const px_epcis_event *ev, size_t i)
{
    return ev->biz_transactions[i].id;
}

static const char *src_type(const px_epcis_event *ev, size_t i)
{
    return web(PX_CBV_VOCAB_SDT, (int)ev->sources[i].type);
}

static const char *src_id(const px_epcis_event *ev, size_t i)
{
    return ev->sources[i].id;
}

static const char *dst_type(const px_epcis_event *ev, size_t i)
{
    return web(PX_CBV_VOCAB_SDT, (int)ev->destinations[i].type);
}

static const char *dst_id(const px_epcis_event *ev, size_t i)
{
    return ev->destinations[i].id;
}

/* ILMD (rule 19) or event-level user extensions (rule 20): each element rendered, sorted. */
static px_rc xfield_block(px_buf *b, const char *name, const char *lot, const char *expiry_iso,
                          const px_epcis_xfield *f, size_t n, px_err *err)
{
    if (!lot && !expiry_iso && n == 0)
        return PX_OK;
    strlist l;
    sl_init(&l);
    px_rc rc = PX_OK;
    if (lot) {
        size_t lot_len;
        const char *t = trimmed(lot, &lot_len);
        rc = sl_add_pair(&l, "{" EPCIS__NS_CBVMDA "}lotNumber=", t, lot_len, err);
    }
    if (expiry_iso && rc == PX_OK)
        rc = sl_add_pair(&l, "{" EPCIS__NS_CBVMDA "}itemExpirationDate=", expiry_iso,
                         strlen(expiry_iso), err);
    for (size_t i = 0; i < n && rc == PX_OK; i++) {
        rc = sl_open(&l, err);
        if (rc == PX_OK)
            rc = put_xfield(&l.arena, &f[i], 0, err);
        if (rc == PX_OK)
            rc = sl_close(&l, err);
    }
    return sl_finish(&l, rc, b, name, err);
}

/* About 80 lines on purpose: the canonical property order (rule 1) reads top to bottom in one
 * place, a line or a call per property, and TRY's one overflow exit stays with it. */
px_rc px_epcis_event_prehash(px_buf *b, const px_epcis_event *ev, px_err *err)
{
    px_rc rc = epcis__event_kind_check(ev, err);
    if (rc != PX_OK)
        return rc;
    int obj = ev->type == PX_EPCIS_OBJECT_EVENT;
    char when[32], tz[8], expiry[11];
    epcis__time_ms(when, ev->event_time_us); /* rules 8-9: UTC, 'Z', 3 digits half-up */
    rc = epcis__tz_format(tz, ev->tz_offset_min, err);
    if (rc != PX_OK)
        return rc;
    int has_exp = ev->expiry && ev->expiry[0];
    if (has_exp && (rc = epcis__expiry_iso(expiry, ev->expiry, ev->event_time_us, err)) != PX_OK)
        return rc;
    /* Canonical property order (rule 1): eventType, eventTime, eventTimeZoneOffset, epcList,
     * parentID, inputEPCList, childEPCs, quantityList, childQuantityList, …, action,
     * transformationID, bizStep, disposition, persistentDisposition, readPoint, bizLocation,
     * bizTransactionList, sourceList, destinationList, sensorElementList, ilmd, extensions.
     * recordTime, eventID, errorDeclaration and certificationInfo are not hashed. */
    TRY(put(b, obj ? "eventType=ObjectEvent" : "eventType=AggregationEvent"));
    TRY(put(b, "eventTime="));
    TRY(put(b, when));
    TRY(put(b, "eventTimeZoneOffset="));
    TRY(put(b, tz));
    if (obj) {
        if ((rc = epc_list(b, "epcList", ev, err)) != PX_OK)
            return rc;
    } else {
        if (ev->parent_id && ev->parent_id[0]) {
            TRY(put(b, "parentID="));
            if ((rc = put_id(b, ev->parent_id, err)) != PX_OK)
                return rc;
        }
        if ((rc = epc_list(b, "childEPCs", ev, err)) != PX_OK)
            return rc;
    }
    if ((rc = quantity_list(b, obj ? "quantityList" : "childQuantityList", ev, err)) != PX_OK)
        return rc;
    TRY(put(b, "action="));
    TRY(put(b, px_epcis_action_name(ev->action)));
    if (ev->biz_step != PX_BIZSTEP_NONE && (unsigned)ev->biz_step < PX_BIZSTEP__COUNT) {
        TRY(put(b, "bizStep="));
        TRY(put(b, web(PX_CBV_VOCAB_BIZSTEP, (int)ev->biz_step)));
    }
    if (ev->disposition != PX_DISP_NONE && (unsigned)ev->disposition < PX_DISP__COUNT) {
        TRY(put(b, "disposition="));
        TRY(put(b, web(PX_CBV_VOCAB_DISP, (int)ev->disposition)));
    }
    if (ev->read_point && ev->read_point[0]) {
        TRY(put(b, "readPointid="));
        if ((rc = put_id(b, ev->read_point, err)) != PX_OK)
            return rc;
    }
    if (ev->biz_location && ev->biz_location[0]) {
        TRY(put(b, "bizLocationid="));
        if ((rc = put_id(b, ev->biz_location, err)) != PX_OK)
            return rc;
    }
    if ((rc = typed_list(b, "bizTransactionList", "bizTransaction", ev->n_biz_transactions, bt_type,
                         bt_id, ev, err)) != PX_OK ||
        (rc = typed_list(b, "sourceList", "source", ev->n_sources, src_type, src_id, ev, err)) !=
            PX_OK ||
        (rc = typed_list(b, "destinationList", "destination", ev->n_destinations, dst_type, dst_id,
                         ev, err)) != PX_OK)
        return rc;
    if (obj && (rc = xfield_block(b, "ilmd", ev->lot && ev->lot[0] ? ev->lot : NULL,
                                  has_exp ? expiry : NULL, ev->ilmd, ev->n_ilmd, err)) != PX_OK)
        return rc;
    if ((rc = xfield_block(b, NULL, NULL, NULL, ev->extensions, ev->n_extensions, err)) != PX_OK)
        return rc;
    return PX_OK;
too_big:
    return prehash_too_big(err);
}

px_rc px_epcis_event_hash(char out[PX_EPCIS_EVENT_ID_MAX], const px_epcis_event *ev, px_err *err)
{
    px_buf b;
    px_buf_init(&b, PREHASH_MAX);
    px_rc rc = px_epcis_event_prehash(&b, ev, err);
    if (rc == PX_OK) {
        char hex[PX_SHA256_HEX_LEN + 1];
        /* SHA-256 over the UTF-8 pre-hash string; ni URI with hex digest (rules 22-24). */
        px_sha256_hex(hex, b.data ? b.data : "", b.len);
        memcpy(out, "ni:///sha-256;", 14);
        memcpy(out + 14, hex, PX_SHA256_HEX_LEN);
        memcpy(out + 14 + PX_SHA256_HEX_LEN, "?ver=CBV2.0", 12);
    }
    px_buf_dispose(&b);
    return rc;
}
