/* MATCH_epc / MATCH_anyEPC as the event tables need it (epcis_match.h). */
#include "epcis_match.h"

#include <stdio.h>
#include <string.h>

#include "px_buf.h"
#include "service_internal.h"

px_rc px__epcis_epc_urn(px_epcis_epc *m, const char *uri, px_err *err)
{
    memset(m, 0, sizeof(*m));
    if (strncmp(uri, "urn:epc:id:sscc:", 16) != 0)
        return gs1_epc_sgtin_match(m->gtin, m->serial, uri, err);
    gs1_elements el;
    gs1_epc_kind kind;
    px_rc rc = gs1_epc_parse(&el, &kind, NULL, uri, err);
    if (rc != PX_OK)
        return rc;
    px_strlcpy(m->sscc, el.items[0].value, sizeof(m->sscc));
    return PX_OK;
}

/* Appends uri to the PostgreSQL array literal in b, quoted (an EPC URI escapes '"' itself,
 * EPC TDS §5.2; a backslash is escaped all the same). */
static void array_item(px_buf *b, const char *uri)
{
    px_buf_puts(b, b->len > 1 ? ",\"" : "\"");
    for (const char *p = uri; *p; p++) {
        if (*p == '"' || *p == '\\')
            px_buf_add(b, "\\", 1);
        px_buf_add(b, p, 1);
    }
    px_buf_puts(b, "\"");
}

/* m's URIs of every company prefix length into m->uris, a PostgreSQL array literal: exact
 * URIs, or LIKE patterns for a GTIN pattern. */
static px_rc epc_uris(px_epcis_epc *m, px_err *err)
{
    px_buf b;
    px_buf_init(&b, sizeof(m->uris));
    px_buf_puts(&b, "{");
    for (int len = GS1_GCP_LEN_MIN; len <= GS1_GCP_LEN_MAX; len++) {
        char uri[GS1_EPC_URI_MAX];
        px_err e2 = PX_ERR_INIT;
        px_rc rc;
        if (m->sscc[0])
            rc = gs1_epc_sscc_format(uri, sizeof(uri), m->sscc, len, &e2);
        else if (m->serial[0])
            rc = gs1_epc_sgtin_format(uri, sizeof(uri), m->gtin, len, m->serial, &e2);
        else if ((rc = gs1_epc_idpat_sgtin_format(uri, sizeof(uri), m->gtin, len, &e2)) == PX_OK) {
            /* urn:epc:idpat:sgtin:CP.IIR.* -> the LIKE pattern urn:epc:id:sgtin:CP.IIR.% (the
             * prefix holds digits and dots only: nothing LIKE would read as a wildcard) */
            char pat[GS1_EPC_URI_MAX];
            snprintf(pat, sizeof(pat), "urn:epc:id:sgtin:%s", uri + strlen("urn:epc:idpat:sgtin:"));
            pat[strlen(pat) - 1] = '%';
            px_strlcpy(uri, pat, sizeof(uri));
        }
        if (rc != PX_OK) {
            px_buf_dispose(&b);
            return px_err_set(err, PX_EINTERNAL, "internal", "EPC %s%s: %s", m->gtin, m->sscc,
                              e2.message);
        }
        array_item(&b, uri);
    }
    px_buf_puts(&b, "}");
    if (px_buf_failed(&b) != PX_OK) {
        px_buf_dispose(&b);
        return px_err_oom(err);
    }
    px_strlcpy(m->uris, b.data, sizeof(m->uris));
    px_buf_dispose(&b);
    return PX_OK;
}

px_rc px__epcis_epc_filter(px_epcis_filter *f, px_epcis_epc *m, int any, px_err *err)
{
    px_rc rc = epc_uris(m, err);
    if (rc != PX_OK)
        return rc;
    f->with_containers = 1;
    f->epc_any = any;
    if (m->sscc[0]) {
        f->epc_sscc = 1;
        f->epc_uris = m->uris;
        return PX_OK;
    }
    f->gtin = m->gtin;
    f->epc_serial = m->serial[0] ? m->serial : NULL;
    if (m->serial[0])
        f->epc_uris = m->uris;
    else
        f->epc_prefixes = m->uris;
    return PX_OK;
}

px_rc px__epcis_parent_filter(px_epcis_filter *f, px_epcis_epc *m, px_err *err)
{
    px_rc rc = epc_uris(m, err);
    if (rc != PX_OK)
        return rc;
    f->with_containers = 1;
    if (m->sscc[0] || m->serial[0])
        f->parent_uris = m->uris;
    else
        f->parent_prefixes = m->uris;
    return PX_OK;
}
