/* A print manifest's download (docs/print.md "Exports"): the signed link checked, then the
 * file rendered from export_item in keyset pages (n > last), each page read on a pool
 * connection held only for that page, so a 1,000,000-serial export needs the memory of one
 * page. The export itself is made in export.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_identity.h"
#include "pack_internal.h"
#include "print.h"
#include "px_crypto.h"
#include "px_jsonw.h"
#include "px_str.h"
#include "service_internal.h"
#include "signed_link.h"

#define PAGE_ROWS 1000 /* rows per database page of a download */

/* ---- the download ------------------------------------------------------------------------- */

struct px_export_stream {
    px_app *app;
    int sandbox; /* the export is the sandbox's: its rows are read there */
    px_export e;
    long long after_n;
    int header_done;
    int eof;
    int fenced;     /* pages may be read on a standby that has replayed up to fence */
    uint64_t fence; /* the primary's WAL position when the download began (store/replica.c) */
};

px_rc px_svc_export_open(px_db *db, px_app *app, const char *id, const char *expires,
                         const char *sig, px_export_stream **out, px_err *err)
{
    *out = NULL;
    long exp_s = 0;
    px_export e;
    px_err ignore = PX_ERR_INIT;
    if (!id || !px_uuid_valid(id) || !px__link_shape(expires, sig, &exp_s))
        return px__link_refused(err);
    px_rc rc = px_store_export_get(db, &e, id, &ignore);
    /* The link carries no mode: an export not found live may be the sandbox's (docs/sandbox.md).
     * Ids are random UUIDs, so at most one of the two has it; the sandbox's own link secret
     * signed a sandbox link, and the connection stays there for the rest of the request. */
    int sandbox = 0;
    if (rc == PX_ENOTFOUND && (rc = px_db_set_sandbox(db, 1, &ignore)) == PX_OK) {
        sandbox = 1;
        rc = px_store_export_get(db, &e, id, &ignore);
    }
    int found = rc == PX_OK;
    if (rc != PX_OK && rc != PX_ENOTFOUND)
        return px_err_set(err, rc, ignore.code, "%s", ignore.message);
    /* An unknown id is signed and compared like a real one: the answer and its timing say
     * nothing about which exports exist. */
    int sig_ok = 0;
    rc = px__link_sig_check(db, app, "export", id, exp_s, found ? e.format : "csv",
                            found ? e.gs_style : "escape", sig, &sig_ok, err);
    if (rc != PX_OK)
        return rc;
    if (!sig_ok || !found || strcmp(e.status, "completed") != 0)
        return px__link_refused(err);
    if (px__link_expired(exp_s))
        return px_err_set(err, PX_EFORBIDDEN, "link_expired",
                          "the link has expired; ask GET /v1/exports/%s for a new one", e.id);
    /* A suspension, or the product taken back, takes effect at once (403
     * partnership_suspended, 404), not when the link expires. */
    if (px__export_scope_served(db, &e, err) != PX_OK)
        return err->rc;
    if (px__export_unreleased(db, &e, err) != PX_OK)
        return err->rc;
    px_export_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return px_err_oom(err);
    s->app = app;
    s->sandbox = sandbox;
    s->e = e;
    /* REQ-SCALE-1: the download's pages may come from a standby, fenced at the primary's
     * position now: the export's rows were committed before its link was handed out. */
    px_err ferr;
    if (px_replicas_count(app->replicas) > 0 && px_db_wal_fence(db, &s->fence, &ferr) == PX_OK)
        s->fenced = 1;
    *out = s;
    return PX_OK;
}

const char *px_export_stream_filename(const px_export_stream *s)
{
    return s->e.filename;
}

const char *px_export_stream_content_type(const px_export_stream *s)
{
    return strcmp(s->e.format, "jsonl") == 0 ? "application/x-ndjson; charset=utf-8"
                                             : "text/csv; charset=utf-8";
}

void px_export_stream_free(px_export_stream *s)
{
    free(s);
}

/* The element string with each GS (0x1D) shown as the six characters \u001d or as <GS>. */
static void gs_show(char *out, size_t cap, const char *es, int tag)
{
    size_t o = 0;
    for (const char *p = es; *p && o + 7 < cap; p++) {
        if ((unsigned char)*p == GS1_GS) {
            const char *t = tag ? "<GS>" : "\\u001d";
            size_t n = strlen(t);
            memcpy(out + o, t, n);
            o += n;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
 *
 * A cell a spreadsheet would evaluate as a formula (its first character is =, +, -, @, tab
 * or CR: OWASP "CSV Injection") is neutralised the OWASP way: a single quote before it and
 * the whole cell quoted, so it opens as text. Serials and batches may begin with =, + or -
 * (GS1 General Specifications, Figure 7.11-1, character set 82), so the CSV cell of such a
 * value is not the exact value: the JSON Lines file is (docs/print.md). REQ-EDGE-4. */
static px_rc csv_field(px_buf *b, const char *v, int last)
{
    px_rc rc = PX_OK;
    int formula = v[0] && strchr("=+-@\t\r", v[0]) != NULL;
    if (formula || strpbrk(v, ",\"\r\n")) {
        rc = px_buf_add(b, formula ? "\"'" : "\"", formula ? 2 : 1);
        for (const char *p = v; *p && rc == PX_OK; p++)
            rc = *p == '"' ? px_buf_add(b, "\"\"", 2) : px_buf_add(b, p, 1);
        if (rc == PX_OK)
            rc = px_buf_add(b, "\"", 1);
    } else {
        rc = px_buf_puts(b, v);
    }
    return rc == PX_OK ? px_buf_puts(b, last ? "\n" : ",") : rc;
}

/* JSON string member "name":"value". GS in value, when present, becomes \u001d (the JSON
 * escape of the real character); with the tag style it was replaced by <GS> already. */
static px_rc json_member(px_buf *b, const char *name, const char *v, int first)
{
    px_rc rc = px_buf_printf(b, "%s\"%s\":", first ? "{" : ",", name);
    return rc == PX_OK ? px_jsonw_string(b, v) : rc;
}

typedef struct {
    px_export_stream *s;
    px_buf *out;
    long rows;
    px_rc rc;
    char why[640]; /* rc PX_EINVALID: the row that does not format, and why */
} page_ctx;

static int render_row(void *ctx, const px_export_row *row)
{
    page_ctx *c = ctx;
    px_export_stream *s = c->s;
    const px_export *e = &s->e;
    c->rows++;
    s->after_n = row->n;
    /* A pack of a CMO's manifest released after the download began (check_unreleased ran at
     * its start): the file stops there, as below, rather than show the CMO a released pack or
     * skip a row under the count. */
    if (row->released) {
        snprintf(c->why, sizeof(c->why),
                 "export %s: row %lld (serial %s) was released during the download", e->id, row->n,
                 row->serial);
        c->rc = PX_EINVALID;
        return 1;
    }
    gs1_pack pk;
    gs1_pack_set(&pk, e->gtin, row->serial, row->batch, row->expiry, e->nhrn_ai, e->nhrn_value);
    char es[256] = "", shown[512] = "", hri[256] = "", text[256] = "", dl[GS1_DL_MAX + 1] = "";
    gs1_elements el;
    px_err err = PX_ERR_INIT;
    /* The rows were validated when they entered the pool; a row that no longer formats (its
     * data changed under the export) stops the file there: a manifest row with blank carrier
     * columns would print a blank label. The download is cut (logged at error level and
     * counted, packid_http_streams_cut_total), never completed with a hole. */
    if (gs1_pack_elements(&el, &pk, &err) != PX_OK ||
        gs1_element_string_format(es, sizeof(es), &el, &err) != PX_OK ||
        gs1_hri_format(hri, sizeof(hri), &el, &err) != PX_OK ||
        gs1_hri_text_format(text, sizeof(text), &el, &err) != PX_OK ||
        gs1_dl_format(dl, sizeof(dl), s->app->cfg.dl_domain, &el, &err) != PX_OK) {
        snprintf(c->why, sizeof(c->why), "export %s: row %lld (serial %s) does not format: %s",
                 e->id, row->n, row->serial, err.message);
        c->rc = PX_EINVALID;
        return 1;
    }
    gs_show(shown, sizeof(shown), es, strcmp(e->gs_style, "tag") == 0);
    px_buf *b = c->out;
    px_rc rc;
    if (strcmp(e->format, "jsonl") == 0) {
        /* JSON Lines: with the escape style the element string carries the real GS, which
         * JSON writes as \u001d; with the tag style it shows <GS>. */
        const char *esv = strcmp(e->gs_style, "tag") == 0 ? shown : es;
        rc = json_member(b, "serial", row->serial, 1);
        if (rc == PX_OK)
            rc = json_member(b, "gtin", e->gtin, 0);
        if (rc == PX_OK)
            rc = json_member(b, "batch", row->batch, 0);
        if (rc == PX_OK)
            rc = json_member(b, "expiry", row->expiry, 0);
        if (rc == PX_OK)
            rc = json_member(b, "element_string", esv, 0);
        if (rc == PX_OK)
            rc = json_member(b, "hri", hri, 0);
        if (rc == PX_OK)
            rc = json_member(b, "digital_link", dl, 0);
        if (rc == PX_OK)
            rc = json_member(b, "hri_text", text, 0);
        if (rc == PX_OK)
            rc = px_buf_puts(b, "}\n");
    } else {
        rc = csv_field(b, row->serial, 0);
        if (rc == PX_OK)
            rc = csv_field(b, e->gtin, 0);
        if (rc == PX_OK)
            rc = csv_field(b, row->batch, 0);
        if (rc == PX_OK)
            rc = csv_field(b, row->expiry, 0);
        if (rc == PX_OK)
            rc = csv_field(b, shown, 0);
        if (rc == PX_OK)
            rc = csv_field(b, hri, 0);
        if (rc == PX_OK)
            rc = csv_field(b, dl, 0);
        /* Last, after the columns a template may read by position (docs/print.md). */
        if (rc == PX_OK)
            rc = csv_field(b, text, 1);
    }
    c->rc = rc;
    return rc != PX_OK;
}

px_rc px_export_stream_next(px_export_stream *s, px_buf *out, int *eof, px_err *err)
{
    *eof = 0;
    if (s->eof) {
        *eof = 1;
        return PX_OK;
    }
    if (!s->header_done) {
        s->header_done = 1;
        if (strcmp(s->e.format, "csv") == 0)
            return px_buf_puts(
                       out,
                       "serial,gtin,batch,expiry,element_string,hri,digital_link,hri_text\n") ==
                           PX_OK
                       ? PX_OK
                       : px_err_set(err, PX_ETOOBIG, "internal", "buffer full");
    }
    px_pool *pool = s->app->pool;
    px_db *db = NULL;
    if (s->fenced) {
        px_pool *standby;
        if ((db = px_replicas_acquire(s->app->replicas, s->fence, &standby)) != NULL)
            pool = standby;
    }
    if (!db && !(db = px_pool_acquire(pool, err)))
        return err->rc;
    if (s->sandbox && px_db_set_sandbox(db, 1, err) != PX_OK) {
        px_pool_release(pool, db);
        return err->rc;
    }
    page_ctx c = {.s = s, .out = out, .rc = PX_OK};
    px_rc rc = px_store_export_rows(db, &s->e, s->after_n, PAGE_ROWS, render_row, &c, err);
    px_pool_release(pool, db);
    if (rc != PX_OK)
        return rc;
    if (c.rc == PX_EINVALID) {
        px_logf(PX_LOG_ERROR, "%s", c.why);
        return px_err_set(err, PX_EINTERNAL, "internal", "%s", c.why);
    }
    if (c.rc != PX_OK)
        return px_err_set(err, PX_EINTERNAL, "internal", "export row does not fit the buffer");
    if (c.rows < PAGE_ROWS)
        s->eof = 1;
    *eof = s->eof && c.rows == 0;
    return PX_OK;
}
