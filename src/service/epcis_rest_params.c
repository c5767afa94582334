/* The EPCIS 2.0 REST query's parameters (EPCIS 2.0 REST Bindings, query by URL), read into the
 * same store filter as the 1.2 query (px_epcis_filter): the standard's names, pipe lists of CBV
 * words, locations and EPCs in URN or Digital Link form, times and the page token. */
#include "epcis_rest_params.h"
#include "epcis_format.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_dl.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_str.h"

/* A value no stored event carries: a list whose every value is a custom URI packid never
 * records still selects nothing (an empty filter would select everything). */
#define MATCHES_NOTHING "-"

px_rc px__epcis_rest_bad_param(px_err *err, const char *name, const char *what)
{
    return px_err_set_field(err, PX_EINVALID, "query_parameter", name, "%s: %s", name, what);
}

px_rc px__epcis_rest_bad_token(px_err *err)
{
    return px__epcis_rest_bad_param(err, "nextPageToken", "not a token this server gave out");
}

/* A list item's stored word, its NUL included. */
#define WORD_MAX 64

/* Maps one list item to the bare word stored (out) or "" when the item is a valid value
 * packid never stores; -1 when invalid. */
typedef int (*item_fn)(char out[WORD_MAX], const char *item);

/* CBV values are bare words, or the CBV URN / Web URI of one; any other URI is a custom
 * value (valid, never stored by packid). canonical gives a bare word's stored name, or NULL
 * when it is not one of the vocabulary's. */
static int cbv_item(char out[WORD_MAX], const char *item, px_cbv_vocab vocab,
                    const char *(*canonical)(const char *word))
{
    const char *w = px_cbv_word(vocab, item);
    const char *name = w ? canonical(w) : "";
    if (!name)
        return -1;
    px_strlcpy(out, name, WORD_MAX);
    return 0;
}

static const char *bizstep_name(const char *word)
{
    px_cbv_bizstep b = px_cbv_bizstep_lookup(word);
    return b != PX_BIZSTEP_NONE ? px_cbv_bizstep_name(b) : NULL;
}

static const char *disp_name(const char *word)
{
    px_cbv_disp d = px_cbv_disp_lookup(word);
    return d != PX_DISP_NONE ? px_cbv_disp_name(d) : NULL;
}

static int item_bizstep(char out[WORD_MAX], const char *item)
{
    return cbv_item(out, item, PX_CBV_VOCAB_BIZSTEP, bizstep_name);
}

static int item_disp(char out[WORD_MAX], const char *item)
{
    return cbv_item(out, item, PX_CBV_VOCAB_DISP, disp_name);
}

/* Every event type of EPCIS 2.0 is a valid value; packid records Object and Aggregation
 * events only. */
static int item_event_type(char out[WORD_MAX], const char *item)
{
    int t = px_name_index(px_epcis_event_type_names, PX_EPCIS2_EVENT_TYPES, item);
    if (t < 0)
        return -1;
    if (t < PX_EPCIS_EVENT_TYPES)
        px_strlcpy(out, item, WORD_MAX);
    else
        out[0] = '\0';
    return 0;
}

static int item_action(char out[WORD_MAX], const char *item)
{
    if (px_name_index(px_epcis_action_names, PX_EPCIS_ACTIONS, item) < 0)
        return -1;
    px_strlcpy(out, item, WORD_MAX);
    return 0;
}

/* The next value of the pipe list at *p into item (EPCIS 2.0 REST Bindings: multi-valued
 * parameters are pipe-delimited): non-empty, shorter than LIST_ITEM_MAX, at most LIST_ITEMS of
 * them (*items counts). *p moves past it; NULL after the last. */
#define LIST_ITEM_MAX 256
_Static_assert(PX_EPCIS_LOCATION_MAX < LIST_ITEM_MAX, "a query must name every kept location");
static px_rc list_item(const char **p, int *items, char item[LIST_ITEM_MAX], const char *name,
                       px_err *err)
{
    const char *bar = strchr(*p, '|');
    size_t n = bar ? (size_t)(bar - *p) : strlen(*p);
    if (n == 0 || n >= LIST_ITEM_MAX)
        return px__epcis_rest_bad_param(err, name, "an empty or over-long value in the list");
    if (++*items > LIST_ITEMS)
        return px__epcis_rest_bad_param(err, name, "at most 16 values");
    memcpy(item, *p, n);
    item[n] = '\0';
    *p = bar ? bar + 1 : NULL;
    return PX_OK;
}

/* A pipe list being normalised: out ("a|b", len bytes, at most cap with its NUL), the
 * parameter's name and, for the CBV-word lists, the item's mapping and what a valid one is. */
typedef struct item_list {
    char *out;
    size_t cap, len;
    const char *name;
    item_fn fn;
    const char *what;
} item_list;

/* Appends word to the list. */
static px_rc append_item(item_list *l, const char *word, px_err *err)
{
    size_t wl = strlen(word);
    if (l->len + wl + 2 > l->cap)
        return px__epcis_rest_bad_param(err, l->name, "the list is too long");
    if (l->len > 0)
        l->out[l->len++] = '|';
    memcpy(l->out + l->len, word, wl + 1);
    l->len += wl;
    return PX_OK;
}

/* Adds each item of value's pipe list to l with add, in order. */
static px_rc parse_items(item_list *l, const char *value,
                         px_rc (*add)(item_list *l, const char *item, px_err *err), px_err *err)
{
    l->out[0] = '\0';
    l->len = 0;
    int items = 0;
    for (const char *p = value; p;) {
        char item[LIST_ITEM_MAX];
        px_rc rc = list_item(&p, &items, item, l->name, err);
        if (rc == PX_OK)
            rc = add(l, item, err);
        if (rc != PX_OK)
            return rc;
    }
    return PX_OK;
}

static px_rc add_word(item_list *l, const char *item, px_err *err)
{
    char word[WORD_MAX];
    if (l->fn(word, item) != 0)
        return px__epcis_rest_bad_param(err, l->name, l->what);
    return word[0] ? append_item(l, word, err) : PX_OK;
}

/* Normalises value's pipe list into out ("a|b"); MATCHES_NOTHING when every item is a value
 * packid never stores. */
static px_rc parse_list(char out[LIST_MAX], const char *name, const char *value, item_fn fn,
                        const char *what, px_err *err)
{
    item_list l = {.out = out, .cap = LIST_MAX, .name = name, .fn = fn, .what = what};
    px_rc rc = parse_items(&l, value, add_word, err);
    if (rc == PX_OK && l.len == 0)
        px_strlcpy(out, MATCHES_NOTHING, LIST_MAX);
    return rc;
}

/* The key AI and the one optional qualifier AI of a Digital Link URI that may carry nothing
 * else (a location's (414)/(254), an EPC's (01)/(21)): PX_OK with *key set, or a 400 naming
 * `name` with `what` when the URI is not a Digital Link or carries another AI. */
static px_rc dl_key_and_qualifier(gs1_elements *el, const char *uri, const char *key_ai,
                                  const char *opt_ai, const char **key, const char **opt,
                                  const char *name, const char *what, px_err *err)
{
    px_err e2 = PX_ERR_INIT;
    int other = 0;
    *key = *opt = NULL;
    if (gs1_dl_parse(el, uri, &e2) != PX_OK)
        return px__epcis_rest_bad_param(err, name, "not a GS1 Digital Link URI");
    for (int i = 0; i < el->count; i++) {
        if (strcmp(el->items[i].ai, key_ai) == 0)
            *key = el->items[i].value;
        else if (strcmp(el->items[i].ai, opt_ai) == 0)
            *opt = el->items[i].value;
        else
            other = 1;
    }
    if (!*key || other)
        return px__epcis_rest_bad_param(err, name, what);
    return PX_OK;
}

/* REQ-EPCISREST-18: a location given as a GS1 Digital Link (/414/GLN[/254/ext]) selects what
 * its SGLN URN selects. The URN splits the GLN at the company prefix, whose length the query
 * does not know, so the item stands for the SGLN URNs of every prefix length (6..12 digits):
 * only the one packid wrote can equal a stored value. */
static px_rc location_dl(item_list *l, const char *item, px_err *err)
{
    /* A captured event keeps its location as it came (capture_items.c): an http(s) location
     * matches itself as stored; one that is a location's Digital Link also the SGLN URNs it
     * stands for. */
    px_rc src = append_item(l, item, err);
    if (src != PX_OK)
        return src;
    gs1_elements el;
    const char *gln, *ext;
    px_err not_dl = PX_ERR_INIT;
    if (dl_key_and_qualifier(&el, item, "414", "254", &gln, &ext, l->name,
                             "a location's Digital Link has (414) and an optional (254) only",
                             &not_dl) != PX_OK)
        return PX_OK;
    px_rc rc = PX_OK;
    px_err e2; /* a prefix length that does not fit the GLN is skipped, not an error */
    px_err_clear(&e2);
    for (int g = GS1_GCP_LEN_MIN; rc == PX_OK && g <= GS1_GCP_LEN_MAX; g++) {
        char urn[GS1_EPC_URI_MAX];
        if (gs1_epc_sgln_format(urn, sizeof(urn), gln, g, ext, &e2) == PX_OK)
            rc = append_item(l, urn, err);
    }
    return rc;
}

/* A location (readPoint / bizLocation) is a URI as capture keeps it (px_epcis_location_ok,
 * one rule for both): the SGLN URNs packid writes, or a captured event's own. */
static px_rc add_location(item_list *l, const char *item, px_err *err)
{
    if (!px_epcis_location_ok(item))
        return px__epcis_rest_bad_param(err, l->name, "a location URI");
    if (strncmp(item, "https://", 8) == 0 || strncmp(item, "http://", 7) == 0)
        return location_dl(l, item, err);
    return append_item(l, item, err);
}

/* EQ_readPoint / EQ_bizLocation: a pipe list of location URIs (≤ 16), each a URN as stored or
 * a Digital Link (above). */
static px_rc parse_locations(char out[LOC_LIST_MAX], const char *name, const char *value,
                             px_err *err)
{
    item_list l = {.out = out, .cap = LOC_LIST_MAX, .name = name};
    return parse_items(&l, value, add_location, err);
}

static px_rc parse_time(const char *name, const char *value, int *has, int64_t *us, px_err *err)
{
    if (px_time_parse_ceil(value, us) != 0)
        return px__epcis_rest_bad_param(err, name, "an RFC 3339 time with an offset is expected");
    *us = px_epcis_time_bound(*us);
    *has = 1;
    return PX_OK;
}

/* REQ-EPCISREST-18: an EPC given as a GS1 Digital Link URI (the default EPC form of the EPCIS
 * 2.0 REST Bindings) selects what its URN form selects: (01) with (21) is that SGTIN, (01)
 * alone every instance of the GTIN (the URN pattern urn:epc:idpat:sgtin:….*), (00) an SSCC.
 * Any other qualifier would narrow the match in a way packid's index cannot, so it is
 * refused, not ignored. */
static px_rc match_epc_dl(px_epcis_epc *m, const char *name, const char *value, px_err *err)
{
    gs1_elements el;
    const char *key, *serial;
    memset(m, 0, sizeof(*m));
    px_err not_sscc = PX_ERR_INIT;
    if (dl_key_and_qualifier(&el, value, "00", "", &key, &serial, name, "", &not_sscc) == PX_OK) {
        px_strlcpy(m->sscc, key, sizeof(m->sscc));
        return PX_OK;
    }
    px_rc rc = dl_key_and_qualifier(&el, value, "01", "21", &key, &serial, name,
                                    "a Digital Link EPC with (01) and an optional (21), or "
                                    "(00), and nothing else is expected",
                                    err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(m->gtin, key, sizeof(m->gtin));
    if (serial)
        px_strlcpy(m->serial, serial, sizeof(m->serial));
    return PX_OK;
}

/* One EPC of a MATCH_ parameter: a URN (px__epcis_epc_urn) or its Digital Link. */
static px_rc match_one(px_epcis_epc *m, const char *name, const char *value, px_err *err)
{
    if (strncmp(value, "https://", 8) == 0 || strncmp(value, "http://", 7) == 0)
        return match_epc_dl(m, name, value, err);
    px_err e2 = PX_ERR_INIT;
    if (px__epcis_epc_urn(m, value, &e2) != PX_OK)
        return px__epcis_rest_bad_param(err, name, e2.message);
    return PX_OK;
}

/* MATCH_epc / MATCH_anyEPC: an SGTIN URI, an SGTIN pattern (…:sgtin:CP.IR.*) or an SSCC URI,
 * or the Digital Link of one. MATCH_epc matches an event's epcList and childEPCs, MATCH_anyEPC
 * its parentID too (EPCIS 2.0 §8.2.7.1: a container event's, px__epcis_epc_filter once all
 * parameters are read). Both given must name the same EPC: the answer is then MATCH_epc's. */
static px_rc parse_match_epc(rest_query *q, const char *name, const char *value, px_err *err)
{
    if (q->match_epc && strcmp(q->match_epc, value) != 0)
        return px__epcis_rest_bad_param(err, name, "MATCH_epc and MATCH_anyEPC must agree");
    q->match_epc = value;
    q->match_epc_only |= strcmp(name, "MATCH_epc") == 0;
    return match_one(&q->epc, name, value, err);
}

/* A token of the form packid gives out; what it names is read with the installation's key,
 * once the database is at hand (px_svc_epcis_rest_open). */
static px_rc parse_token(rest_query *q, const char *value, px_err *err)
{
    if (strncmp(value, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 || strlen(value) != TOKEN_LEN)
        return px__epcis_rest_bad_token(err);
    q->token = value;
    return PX_OK;
}

/* REQ-EPCISREST-4: the standard parameters packid's data can answer (EPCIS 2.0 REST Bindings);
 * any other is refused, never ignored: an ignored filter would widen the answer. */
static px_rc parse_one(rest_query *q, const char *name, const char *v, px_err *err)
{
    px_epcis_filter *f = &q->f;
    px_rc rc = PX_OK;
    if (strcmp(name, "eventType") == 0) {
        rc = parse_list(q->types, name, v, item_event_type, "an EPCIS 2.0 event type", err);
        f->event_types = q->types;
    } else if (strcmp(name, "EQ_action") == 0) {
        char actions[32];
        px_name_choices(actions, sizeof(actions), px_epcis_action_names, PX_EPCIS_ACTIONS);
        rc = parse_list(q->actions, name, v, item_action, actions, err);
        f->actions = q->actions;
    } else if (strcmp(name, "EQ_bizStep") == 0) {
        rc =
            parse_list(q->steps, name, v, item_bizstep, "a CBV business step or a custom URI", err);
        f->biz_steps = q->steps;
    } else if (strcmp(name, "EQ_disposition") == 0) {
        rc = parse_list(q->disps, name, v, item_disp, "a CBV disposition or a custom URI", err);
        f->dispositions = q->disps;
    } else if (strcmp(name, "EQ_readPoint") == 0) {
        rc = parse_locations(q->read_points, name, v, err);
        f->read_points = q->read_points;
    } else if (strcmp(name, "EQ_bizLocation") == 0) {
        rc = parse_locations(q->locations, name, v, err);
        f->biz_locations = q->locations;
    } else if (strcmp(name, "GE_eventTime") == 0) {
        rc = parse_time(name, v, &f->has_ge, &f->ge_time_us, err);
    } else if (strcmp(name, "LT_eventTime") == 0) {
        rc = parse_time(name, v, &f->has_lt, &f->lt_time_us, err);
    } else if (strcmp(name, "GE_recordTime") == 0) {
        rc = parse_time(name, v, &f->has_ge_record, &f->ge_record_us, err);
    } else if (strcmp(name, "LT_recordTime") == 0) {
        rc = parse_time(name, v, &f->has_lt_record, &f->lt_record_us, err);
    } else if (strcmp(name, "MATCH_epc") == 0 || strcmp(name, "MATCH_anyEPC") == 0) {
        rc = parse_match_epc(q, name, v, err);
    } else if (strcmp(name, "MATCH_parentID") == 0) {
        /* The events whose parentID is this EPC (EPCIS 2.0 §8.2.7.1): a container's packing
         * and unpacking; one EPC, as MATCH_epc. */
        q->match_parent = v;
        rc = match_one(&q->parent, name, v, err);
    } else if (strcmp(name, "MATCH_epcClass") == 0 || strcmp(name, "MATCH_anyEPCClass") == 0) {
        /* Class-level EPCs live in quantity lists; packid records instance-level events
         * only, so a valid class matches nothing (MATCH_epc with an idpat pattern selects
         * a class's instances). */
        if (strncmp(v, "urn:", 4) != 0 && strncmp(v, "https://", 8) != 0)
            return px__epcis_rest_bad_param(err, name, "an EPC class URI is expected");
        q->matches_nothing = 1;
    } else if (strcmp(name, "EQ_eventID") == 0) {
        /* One ID (the binding allows a list; packid answers one): "a|b" would be taken as one
         * ID and match nothing, an empty answer where either was asked for. No eventID holds
         * a "|" (urn:uuid, ni:///sha-256). */
        if (!px_str_printable(v, PX_EPCIS_EVENT_ID_MAX - 1) || strchr(v, '|'))
            return px__epcis_rest_bad_param(err, name, "one event ID is expected");
        f->event_hash = v;
    } else if (strcmp(name, "perPage") == 0) {
        long n;
        if (px_parse_long(v, 1, PX_EPCIS_REST_PER_PAGE_MAX, &n) != 0)
            return px__epcis_rest_bad_param(err, name, "an integer from 1 to 1000000 is expected");
        q->per_page = n;
    } else if (strcmp(name, "nextPageToken") == 0) {
        rc = parse_token(q, v, err);
    } else {
        return px__epcis_rest_bad_param(err, name,
                                        "not a query parameter packid answers (docs/epcis.md)");
    }
    return rc;
}

int px_epcis_rest_value_valid(const char *param, const char *value)
{
    rest_query *q = calloc(1, sizeof(*q));
    if (!q)
        return 0;
    px_err err = PX_ERR_INIT;
    int ok = value && value[0] && !strchr(value, '|') &&
             strlen(value) <= PX_EPCIS_QUERY_VALUE_MAX && parse_one(q, param, value, &err) == PX_OK;
    free(q);
    return ok;
}

px_rc px__epcis_rest_params(rest_query *q, const px_epcis_rest_param *params, size_t n_params,
                            px_err *err)
{
    if (n_params > PX_EPCIS_REST_PARAMS_MAX)
        return px_err_set(err, PX_EINVALID, "query_parameter", "too many query parameters");
    for (size_t i = 0; i < n_params; i++) {
        /* A parameter given twice is ambiguous: the standard's lists use '|'. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[i].name, params[j].name) == 0)
                return px__epcis_rest_bad_param(err, params[i].name,
                                                "given twice: join values with '|'");
        if (!params[i].value || !params[i].value[0] ||
            strlen(params[i].value) > PX_EPCIS_QUERY_VALUE_MAX) {
            char what[48];
            snprintf(what, sizeof(what), "1 to %d characters are expected",
                     PX_EPCIS_QUERY_VALUE_MAX);
            return px__epcis_rest_bad_param(err, params[i].name, what);
        }
        px_rc rc = parse_one(q, params[i].name, params[i].value, err);
        if (rc != PX_OK)
            return rc;
    }
    /* Container events match an EPC by its URIs (px__epcis_epc_filter). */
    px_rc rc = PX_OK;
    if (q->match_epc)
        rc = px__epcis_epc_filter(&q->f, &q->epc, !q->match_epc_only, err);
    if (rc == PX_OK && q->match_parent)
        rc = px__epcis_parent_filter(&q->f, &q->parent, err);
    return rc;
}
