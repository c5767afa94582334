/* Validation against the official GS1 EPCIS 1.2 and 2.0 XSDs (docs/epcis.md "Validation":
 * every emitted document must validate; with PACKID_EPCIS_XSD_DIR set, a report is validated
 * before it is sent and never sent when invalid).
 *
 * Thread safety (libxml2 2.9): xmlInitParser runs once (pthread_once, epcis__xml_init). The
 * compiled xmlSchema is never modified after xmlSchemaParse, so one px_epcis_validator may be
 * shared by all threads; every validate call makes its own xmlSchemaValidCtxt and parser, and
 * libxml2's structured-error hook is thread-local, so concurrent calls do not mix errors. */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_internal.h"
#include "json_schema.h"

#define XSD_MAIN "EPCglobal-epcis-1_2.xsd"
#define XSD_MAIN_2 "EPCglobal-epcis-2_0.xsd" /* the 2.0 folder's 10 files, same layout */

struct px_epcis_validator {
    xmlSchemaPtr schema;          /* XML: the compiled XSD */
    epcis__json_schema *json;     /* JSON-LD: the official JSON schema (json_schema.c) */
};

/* The first error libxml2 reports, kept for px_err. */
typedef struct first_error {
    int set;
    int line;
    int schema;          /* 1: a schema violation, 0: not well-formed / I/O */
    char msg[PX_ERR_MSG_MAX - 32];
} first_error;

static void on_error(void *ctx, xmlErrorPtr e)
{
    first_error *fe = ctx;
    if (!e || fe->set || e->level < XML_ERR_ERROR)
        return;
    fe->set = 1;
    fe->line = e->line;
    fe->schema = e->domain == XML_FROM_SCHEMASV || e->domain == XML_FROM_SCHEMASP;
    snprintf(fe->msg, sizeof(fe->msg), "%s", e->message ? e->message : "invalid document");
    size_t n = strlen(fe->msg);
    while (n && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' '))
        fe->msg[--n] = '\0';
}

px_rc px_epcis_validator_new(px_epcis_validator **out, const char *xsd_dir, px_err *err)
{
    return px_epcis_validator_open(out, PX_EPCIS_FORMAT_XML_1_2, xsd_dir, err);
}

px_rc px_epcis_validator_open(px_epcis_validator **out, px_epcis_format format,
                              const char *xsd_dir, px_err *err)
{
    *out = NULL;
    if (format == PX_EPCIS_FORMAT_JSONLD_2_0) {
        /* JSON-LD: xsd_dir names the official JSON schema file itself. */
        if (!xsd_dir || !xsd_dir[0])
            return px_err_set(err, PX_EINVALID, "bad_config",
                              "no EPCIS JSON schema (set PACKID_EPCIS2_JSON_SCHEMA)");
        px_epcis_validator *v = calloc(1, sizeof(*v));
        if (!v)
            return px_err_oom(err);
        px_rc rc = epcis__json_schema_load(&v->json, xsd_dir, err);
        if (rc != PX_OK) {
            free(v);
            return rc;
        }
        *out = v;
        return PX_OK;
    }
    const char *main_xsd = format == PX_EPCIS_FORMAT_XML_1_2   ? XSD_MAIN
                           : format == PX_EPCIS_FORMAT_XML_2_0 ? XSD_MAIN_2
                                                               : NULL;
    if (!main_xsd)
        return px_err_set(err, PX_EINVALID, "invalid_format", "no such EPCIS format");
    if (!xsd_dir || !xsd_dir[0])
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "no EPCIS XSD directory (set PACKID_EPCIS_XSD_DIR)");
    char path[1024];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", xsd_dir, main_xsd) >= sizeof(path))
        return px_err_set(err, PX_EINVALID, "bad_config", "EPCIS XSD path too long");
    epcis__xml_init();
    first_error fe = {0};
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    if (!pc)
        return px_err_oom(err);
    xmlSchemaSetParserStructuredErrors(pc, on_error, &fe);
    /* Keep libxml2 quiet on stderr while compiling; errors come through on_error. */
    epcis__err_hook hook;
    epcis__xml_errors_push(&hook, on_error, &fe);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    epcis__xml_errors_restore(&hook);
    xmlSchemaFreeParserCtxt(pc);
    if (!schema)
        return px_err_set(err, PX_EINVALID, "bad_config",
                          "cannot compile the EPCIS schema \"%s\": %s", path,
                          fe.set ? fe.msg : "not found");
    px_epcis_validator *v = calloc(1, sizeof(*v));
    if (!v) {
        xmlSchemaFree(schema);
        return px_err_oom(err);
    }
    v->schema = schema;
    *out = v;
    return PX_OK;
}

void px_epcis_validator_free(px_epcis_validator *v)
{
    if (!v)
        return;
    if (v->schema)
        xmlSchemaFree(v->schema);
    epcis__json_schema_free(v->json);
    free(v);
}

/* Streams input through the schema (SAX: no tree, bounded memory). Takes ownership of in. */
static px_rc validate_stream(const px_epcis_validator *v, xmlParserInputBufferPtr in,
                             px_err *err)
{
    if (!in)
        return px_err_set(err, PX_EINVALID, "epcis_xml", "cannot read the document");
    first_error fe = {0};
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(v->schema);
    if (!vc) {
        xmlFreeParserInputBuffer(in);
        return px_err_oom(err);
    }
    xmlSchemaSetValidStructuredErrors(vc, on_error, &fe);
    /* Well-formedness errors of the underlying parser go to the thread-local hook. */
    epcis__err_hook hook;
    epcis__xml_errors_push(&hook, on_error, &fe);
    /* Consumes (frees) in. */
    int r = xmlSchemaValidateStream(vc, in, XML_CHAR_ENCODING_NONE, NULL, NULL);
    epcis__xml_errors_restore(&hook);
    xmlSchemaFreeValidCtxt(vc);
    if (r == 0 && !fe.set)
        return PX_OK;
    if (!fe.set)
        return px_err_set(err, PX_EINVALID, "epcis_schema",
                          "document does not validate against the EPCIS schema");
    return px_err_set(err, PX_EINVALID, fe.schema ? "epcis_schema" : "epcis_xml", "line %d: %s",
                      fe.line, fe.msg);
}

px_rc px_epcis_validate_buffer(const px_epcis_validator *v, const char *data, size_t len,
                               px_err *err)
{
    if (!v)
        return px_err_set(err, PX_EINVALID, "invalid_argument", "no EPCIS validator");
    if (v->json)
        return epcis__json_schema_check(v->json, data, len, err);
    if (len > (size_t)0x7fffffff)
        return px_err_set(err, PX_ETOOBIG, "too_big", "document over 2 GiB: validate a file");
    xmlParserInputBufferPtr in =
        xmlParserInputBufferCreateMem(data, (int)len, XML_CHAR_ENCODING_NONE);
    return validate_stream(v, in, err);
}

px_rc px_epcis_validate_file(const px_epcis_validator *v, const char *path, px_err *err)
{
    if (!v)
        return px_err_set(err, PX_EINVALID, "invalid_argument", "no EPCIS validator");
    FILE *f = fopen(path, "rb");
    if (!f)
        return px_err_set(err, PX_ENOTFOUND, "not_found", "cannot open \"%s\"", path);
    if (v->json) {
        /* A JSON document is checked as a whole (a tree): read it into memory. */
        px_rc rc = PX_OK;
        char *buf = NULL;
        long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
            rc = px_err_set(err, PX_EINVALID, "epcis_json", "cannot read \"%s\"", path);
        else if (!(buf = malloc((size_t)n + 1)))
            rc = px_err_oom(err);
        else if (fread(buf, 1, (size_t)n, f) != (size_t)n)
            rc = px_err_set(err, PX_EINVALID, "epcis_json", "cannot read \"%s\"", path);
        else
            rc = epcis__json_schema_check(v->json, buf, (size_t)n, err);
        free(buf);
        fclose(f);
        return rc;
    }
    fclose(f);
    xmlParserInputBufferPtr in = xmlParserInputBufferCreateFilename(path, XML_CHAR_ENCODING_NONE);
    return validate_stream(v, in, err);
}
