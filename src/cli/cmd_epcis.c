/* packid epcis — EPCIS documents from the command line.
 *
 *   packid epcis validate [--format 1.2-xml|2.0-xml|2.0-json|an endpoint's format name]
 *                         [--xsd-dir DIR] FILE...
 *       Validates each FILE against the official GS1 EPCIS 1.2 XSD, or with
 *       --format 2.0-xml against the 2.0 XSD. The XSD directory (the official files of that
 *       version, EPCglobal-epcis-1_2.xsd or EPCglobal-epcis-2_0.xsd among them) comes from
 *       --xsd-dir, else PACKID_EPCIS_XSD_DIR (px_config's epcis_xsd_dir, a 1.2 folder). Exit 0
 *       when every file is valid, 1 with the schema's reason (line and message) otherwise, 2 on
 *       usage.
 *
 *   packid epcis export --gtin G [--batch B] [--profile none|eu|us-dscsa]
 *           [--format epcis-1.2-xml|epcis-2.0-xml|epcis-2.0-jsonld] [-o FILE]
 *       Writes the events of GTIN G (and batch B) as one EPCIS document (1.2 XML unless
 *       --format says otherwise; the short names 1.2-xml, 2.0-xml, 2.0-json work too) with the
 *       product's master data, to FILE or stdout. Events are streamed from the database
 *       in keyset chunks straight into the file, so memory stays bounded whatever their number.
 *       The profile is the product's market's unless --profile is given. With --json (and -o)
 *       prints {"file", "events", "bytes"}. When the schema of the syntax is configured
 *       (PACKID_EPCIS_XSD_DIR, PACKID_EPCIS2_XSD_DIR, PACKID_EPCIS2_JSON_SCHEMA) the document
 *       is checked before it reaches FILE or stdout: an invalid one is refused (exit 1, code
 *       epcis_schema) and nothing is written.
 *
 *   packid epcis convert --to 2.0-json|2.0-xml|1.2-xml FILE [-o OUT]
 *           [--sender GLN --receiver GLN] [--instance-id ID]
 *       Re-writes an EPCIS document (1.2 XML, 2.0 XML or 2.0 JSON-LD, recognised by its
 *       content) in another syntax, event by event through the one event model: each event keeps
 * its eventID, and its hash ID is the same in every syntax. Events outside the model
 * (TransactionEvent, sensor data, …) stop the conversion with the reason (exit 1) rather than being
 * dropped. The header keeps creationDate, the SBDH or JSON sender/receiver GLNs and the instance
 * identifier; 1.2 needs sender and receiver, which --sender/--receiver supply when the source has
 * none. EPCClass master data keeps the attributes packid writes (name, form, strength, content,
 * manufacturer, NDC or NHRN); other master data is not carried over. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "epcis.h"
#include "epcis_format.h"
#include "px_clock.h"
#include "px_crypto.h"
#include "reports.h"

#define USAGE                                                                                      \
    "epcis validate [--format 1.2-xml|2.0-xml|2.0-json|epcis-2.0-jsonld|…] [--xsd-dir "          \
    "DIR|SCHEMA.json] "                                                                            \
    "FILE... | "                                                                                   \
    "epcis export "                                                                                \
    "--gtin G [--batch B] [--profile none|eu|us-dscsa] [--format F] [-o FILE] | epcis convert "    \
    "--to "                                                                                        \
    "2.0-json|2.0-xml|1.2-xml FILE [-o OUT] [--sender GLN --receiver GLN] [--instance-id ID]"

static int cmd_validate(px_cli *cli, int argc, char **argv)
{
    static const char *const options[] = {"--xsd-dir=", "--format=", NULL};
    int ex = px_cli_check(argc, argv, 2, options, INT_MAX, USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *dir = px_cli_opt(argc, argv, "xsd-dir");
    const char *format = px_cli_opt(argc, argv, "format");
    px_epcis_format fmt = PX_EPCIS_FORMAT_XML_1_2;
    px_err ferr = PX_ERR_INIT;
    /* The names export takes: the short ones and an endpoint's (epcis-2.0-jsonld …). */
    if (format && px_epcis_api_format_parse(&fmt, format, &ferr) != PX_OK &&
        px_epcis_format_parse(&fmt, format, &ferr) != PX_OK)
        return px_cli_fail(cli, &ferr);
    /* The schema of the format: the XSD folders, or for JSON-LD the JSON schema file (an
     * export in epcis-2.0-jsonld is checked as a report is, docs/epcis.md "Report formats"). */
    if (!dir || !dir[0])
        dir = fmt == PX_EPCIS_FORMAT_JSONLD_2_0 ? cli->cfg.epcis2_json_schema
              : fmt == PX_EPCIS_FORMAT_XML_2_0  ? cli->cfg.epcis2_xsd_dir
                                                : cli->cfg.epcis_xsd_dir;
    if (!dir || !dir[0]) {
        fprintf(stderr, "packid: no EPCIS schema: pass --xsd-dir DIR (JSON-LD: the schema file) "
                        "or set PACKID_EPCIS_XSD_DIR, PACKID_EPCIS2_XSD_DIR or "
                        "PACKID_EPCIS2_JSON_SCHEMA\n");
        return px_cli_usage(USAGE);
    }
    if (px_cli_next_arg(argc, argv, 2, options) == argc)
        return px_cli_usage(USAGE); /* no file */

    px_err err = PX_ERR_INIT;
    px_epcis_validator *v = NULL;
    if (px_epcis_validator_open(&v, fmt, dir, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    int status = PX_EXIT_OK;
    json_t *results = cli->json ? json_array() : NULL;
    for (int i = px_cli_next_arg(argc, argv, 2, options); i < argc;
         i = px_cli_next_arg(argc, argv, i + 1, options)) {
        px_err_clear(&err);
        px_rc rc = px_epcis_validate_file(v, argv[i], &err);
        if (rc != PX_OK)
            status = PX_EXIT_FAIL;
        if (results) {
            json_t *r = json_pack("{s:s, s:b}", "file", argv[i], "valid", rc == PX_OK);
            if (rc != PX_OK)
                json_object_set_new(
                    r, "error", json_pack("{s:s, s:s}", "code", err.code, "message", err.message));
            json_array_append_new(results, r);
        } else if (rc == PX_OK) {
            printf("%s: valid\n", argv[i]);
        } else {
            fprintf(stderr, "%s: %s [%s]\n", argv[i], err.message, err.code);
        }
    }
    if (results) {
        json_t *o = json_pack("{s:b, s:o}", "valid", status == PX_EXIT_OK, "files", results);
        px_cli_print_json(o, JSON_COMPACT);
    }
    px_epcis_validator_free(v);
    return status;
}

typedef struct {
    FILE *fp;
    long long bytes;
} file_sink;

/* The end of a command that wrote a document to out (stdout when NULL): a close that fails is
 * a failed write, and a failed command leaves no partial file behind. PX_EXIT_OK, or
 * px_cli_fail's exit code. */
static int output_done(px_cli *cli, FILE *fp, const char *out, px_rc rc, px_err *err)
{
    int close_failed = out ? fclose(fp) != 0 : fflush(stdout) != 0;
    if (rc == PX_OK && close_failed)
        rc = px_err_set(err, PX_EUNAVAIL, "write_failed", "cannot write the document");
    if (rc == PX_OK)
        return PX_EXIT_OK;
    if (out)
        remove(out);
    return px_cli_fail(cli, err);
}

static int sink_counted(void *ctx, const char *data, size_t len)
{
    file_sink *s = ctx;
    s->bytes += (long long)len;
    return fwrite(data, 1, len, s->fp) == len ? 0 : -1;
}

/* The staged export's end: tmp (the whole document) is validated when a schema is configured
 * (v); then it becomes out (a rename, when it was staged beside out) or is copied into out (a
 * device, a pipe, a link: stage_beside) or to stdout, else it is removed and the command fails
 * with the schema's reason (code epcis_schema, exit 1) and writes nothing. */
static int export_finish(px_cli *cli, px_epcis_validator *v, const char *tmp, const char *out,
                         int beside, px_err *err)
{
    px_err verr = PX_ERR_INIT;
    if (v && px_epcis_validate_file(v, tmp, &verr) != PX_OK) {
        remove(tmp);
        px_err_set(err, verr.rc, verr.code[0] ? verr.code : "epcis_schema",
                   "the exported document is not valid against its schema, nothing written: %s",
                   verr.message);
        return px_cli_fail(cli, err);
    }
    if (out && beside) {
        if (rename(tmp, out) == 0)
            return PX_EXIT_OK;
        remove(tmp);
        px_err_set(err, PX_EUNAVAIL, "write_failed", "cannot write \"%s\"", out);
        return px_cli_fail(cli, err);
    }
    FILE *dst = out ? fopen(out, "wb") : stdout;
    FILE *in = fopen(tmp, "rb");
    char buf[65536];
    size_t n;
    int ok = in && dst;
    while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        ok = fwrite(buf, 1, n, dst) == n;
    /* fread's 0 is the end or a read error: a document cut by one is no document. */
    if (in && ferror(in))
        ok = 0;
    if (in)
        fclose(in);
    remove(tmp);
    if (dst && (out ? fclose(dst) : fflush(dst)) != 0)
        ok = 0;
    if (!ok) {
        px_err_set(err, PX_EUNAVAIL, "write_failed", "cannot write \"%s\"",
                   out ? out : "the document");
        return px_cli_fail(cli, err);
    }
    return PX_EXIT_OK;
}

typedef struct export_args {
    const char *gtin, *batch, *profile, *out;
    px_epcis_format format;
} export_args;

/* The command line of `epcis export`: PX_EXIT_OK, or the usage exit. */
static int export_args_read(const px_cli *cli, int argc, char **argv, export_args *a)
{
    static const char *const options[] = {
        "--gtin=", "--batch=", "--profile=", "--format=", "-o|--output=", NULL};
    int ex = px_cli_check(argc, argv, 2, options, 0, USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    a->gtin = px_cli_opt(argc, argv, "gtin");
    a->batch = px_cli_opt(argc, argv, "batch");
    a->profile = px_cli_opt(argc, argv, "profile");
    a->out = px_cli_output(argc, argv);
    const char *format_name = px_cli_opt(argc, argv, "format");
    if (!a->gtin || !a->gtin[0])
        return px_cli_usage(USAGE);
    /* REQ-EPCISREST-8: the export's syntax, as a regulator endpoint's. */
    a->format = PX_EPCIS_FORMAT_XML_1_2;
    if (format_name) {
        px_err ferr = PX_ERR_INIT;
        if (px_epcis_api_format_parse(&a->format, format_name, &ferr) != PX_OK &&
            px_epcis_format_parse(&a->format, format_name, &ferr) != PX_OK) {
            fprintf(stderr, "packid: --format: %s\n", ferr.message);
            return px_cli_usage(USAGE);
        }
    }
    if (cli->json && !a->out) {
        fprintf(stderr, "packid: --json needs -o FILE (the document would share stdout)\n");
        return px_cli_usage(USAGE);
    }
    return PX_EXIT_OK;
}

/* Whether a document for out is staged beside it: when out is absent or a regular file, so
 * that the rename ending the export is atomic (a failed export leaves the file that was there
 * as it was) and the file keeps its mode (*mode; a new one: 0666 less the umask, as any file
 * this command writes). Anything else at out (a device such as /dev/null, a pipe, a link) is
 * written into as it is, never replaced. */
static int stage_beside(const char *out, mode_t *mode)
{
    mode_t um = umask(0);
    umask(um);
    *mode = 0666 & ~um;
    struct stat st;
    if (!out || lstat(out, &st) != 0)
        return out != NULL; /* absent: a new file (another failure: the rename will say) */
    if (!S_ISREG(st.st_mode))
        return 0;
    *mode = st.st_mode & 07777;
    return 1;
}

/* A document for a file, or to be checked, goes to a file of its own first (beside out,
 * stage_beside; else in TMPDIR) and reaches its destination only once whole and valid.
 * 0 with tmp created (mode: stage_beside's), or -1. */
static int partial_file(char tmp[4096], const char *beside, mode_t mode)
{
    int w = beside ? snprintf(tmp, 4096, "%s.partial-XXXXXX", beside)
                   : snprintf(tmp, 4096, "%s/packid-export-XXXXXX", P_tmpdir);
    int fd = w > 0 && w < 4096 ? mkstemp(tmp) : -1;
    /* mkstemp makes the file 0600: the export gets the mode stage_beside chose. */
    int ok = fd >= 0 && fchmod(fd, mode) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (!ok && fd >= 0)
        remove(tmp);
    return ok ? 0 : -1;
}

/* The export's file cannot be written: everything opened is closed. */
static int cannot_write(px_cli *cli, px_cli_session *s, px_epcis_validator *v, const char *path)
{
    int why = errno; /* before the closes below */
    px_cli_close(s);
    px_epcis_validator_free(v);
    px_err_set(&s->err, PX_EUNAVAIL, "write_failed", "cannot write \"%s\": %s", path,
               strerror(why));
    return px_cli_fail(cli, &s->err);
}

static int cmd_export(px_cli *cli, int argc, char **argv)
{
    export_args a;
    int done = export_args_read(cli, argc, argv, &a);
    if (done != PX_EXIT_OK)
        return done;
    px_err err = PX_ERR_INIT;
    /* REQ-EPCISREST-14: the export checks its own document against the schema of its syntax
     * (as a report is checked before it is sent) when that schema is configured; the schema
     * is compiled before the database is read, so a bad schema costs no export. */
    const char *schema = a.format == PX_EPCIS_FORMAT_JSONLD_2_0 ? cli->cfg.epcis2_json_schema
                         : a.format == PX_EPCIS_FORMAT_XML_2_0  ? cli->cfg.epcis2_xsd_dir
                                                                : cli->cfg.epcis_xsd_dir;
    px_epcis_validator *v = NULL;
    if (schema && schema[0] && px_epcis_validator_open(&v, a.format, schema, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    px_cli_session s;
    if (px_cli_open(cli, &s) != PX_OK) {
        px_epcis_validator_free(v);
        return px_cli_fail(cli, &s.err);
    }
    char tmp[4096] = "";
    int staged = v || a.out; /* unstaged: unchecked, to stdout */
    mode_t mode;
    int beside = stage_beside(a.out, &mode);
    if (staged && partial_file(tmp, beside ? a.out : NULL, mode) != 0)
        return cannot_write(cli, &s, v, a.out ? a.out : tmp);
    file_sink fs = {stdout, 0};
    if (staged && !(fs.fp = fopen(tmp, "wb"))) {
        int why = errno;
        remove(tmp);
        errno = why;
        return cannot_write(cli, &s, v, tmp);
    }
    size_t count = 0;
    px_rc rc = px_svc_epcis_export_as(s.db, &s.me, a.gtin, a.batch, a.profile, a.format,
                                      sink_counted, &fs, &count, &s.err);
    px_cli_close(&s);
    /* A failed export removes its staged file: no partial file is left behind. */
    done = output_done(cli, fs.fp, staged ? tmp : NULL, rc, &s.err);
    if (staged && done == PX_EXIT_OK)
        done = export_finish(cli, v, tmp, a.out, beside, &err);
    px_epcis_validator_free(v);
    if (done != PX_EXIT_OK)
        return done;
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:I, s:I}", "file", a.out, "events", (json_int_t)count,
                              "bytes", (json_int_t)fs.bytes);
        px_cli_print_json(o, JSON_COMPACT);
    } else if (a.out) {
        fprintf(stderr, "%s: %zu events, %lld bytes\n", a.out, count, fs.bytes);
    }
    return PX_EXIT_OK;
}

/* ---- convert ---- */

typedef struct convert_state {
    px_epcis_format to;
    file_sink out;
    const char *sender, *receiver, *instance_id; /* overrides from the command line */
    char uuid[PX_UUID_LEN + 1];
    px_epcis_writer *w;
    px_err err; /* the writer's opening error */
    px_rc open_rc;
} convert_state;

static int convert_header(void *ctx, px_epcis_format from, const px_epcis_doc_header *src)
{
    convert_state *c = ctx;
    (void)from;
    /* The header is written again: one not read whole is refused, never written in part
     * (a creationDate of the time of reading, products without their master data). */
    if (src->unread) {
        c->open_rc = px_err_set(&c->err, PX_EINVALID, "epcis_invalid", "%s", src->unread);
        return -1;
    }
    px_epcis_doc_header h = {.profile = PX_EPCIS_PROFILE_NONE,
                             .sender_gln = c->sender ? c->sender : src->sender_gln,
                             .receiver_gln = c->receiver ? c->receiver : src->receiver_gln,
                             .instance_id = c->instance_id ? c->instance_id : src->instance_id,
                             .creation_us = src->creation_us ? src->creation_us : px_now_us(),
                             .products = src->products,
                             .n_products = src->n_products,
                             .indent = c->to != PX_EPCIS_FORMAT_JSONLD_2_0};
    if (!h.instance_id || !h.instance_id[0]) {
        /* The 1.2 SBDH needs an instance identifier: a fresh UUID when the source has none. */
        if (px_uuid_v4(c->uuid) == PX_OK)
            h.instance_id = c->uuid;
    }
    c->open_rc = px_epcis_writer_open(&c->w, c->to, sink_counted, &c->out, &h, &c->err);
    return c->open_rc == PX_OK ? 0 : -1;
}

static int convert_event(void *ctx, const px_epcis_event *ev)
{
    convert_state *c = ctx;
    /* Sticky: a failed event is reported by finish (with its index). */
    return px_epcis_writer_event(c->w, ev) == PX_OK ? 0 : -1;
}

static int cmd_convert(px_cli *cli, int argc, char **argv)
{
    static const char *const options[] = {
        "--to=", "-o|--output=", "--sender=", "--receiver=", "--instance-id=", NULL};
    int ex = px_cli_check(argc, argv, 2, options, 1, USAGE);
    if (ex != PX_EXIT_OK)
        return ex;
    const char *to = px_cli_opt(argc, argv, "to");
    const char *out = px_cli_output(argc, argv);
    const char *in = px_cli_positional(argc, argv, 2, options);
    convert_state c = {0};
    c.sender = px_cli_opt(argc, argv, "sender");
    c.receiver = px_cli_opt(argc, argv, "receiver");
    c.instance_id = px_cli_opt(argc, argv, "instance-id");
    if (!in || !to)
        return px_cli_usage(USAGE);
    px_err err = PX_ERR_INIT;
    if (px_epcis_format_parse(&c.to, to, &err) != PX_OK)
        return px_cli_fail(cli, &err);
    if (cli->json && !out) {
        fprintf(stderr, "packid: --json needs -o FILE (the document would share stdout)\n");
        return px_cli_usage(USAGE);
    }
    c.out.fp = stdout;
    if (out && !(c.out.fp = fopen(out, "wb"))) {
        px_err_set(&err, PX_EUNAVAIL, "write_failed", "cannot write \"%s\": %s", out,
                   strerror(errno));
        return px_cli_fail(cli, &err);
    }
    px_epcis_read_cb cb = {.on_header = convert_header, .on_event = convert_event, .ctx = &c};
    px_rc rc = px_epcis_read_file(in, &cb, &err);
    /* The writer's own error (opening or an event) is the real reason behind a "stopped". */
    if (c.open_rc != PX_OK) {
        rc = c.open_rc;
        err = c.err;
    } else if (c.w && (rc == PX_OK || strcmp(err.code, "stopped") == 0)) {
        px_rc wrc = px_epcis_writer_finish(c.w, &err);
        if (rc == PX_OK || wrc != PX_OK)
            rc = wrc;
    }
    size_t count = px_epcis_writer_count(c.w);
    px_epcis_writer_free(c.w);
    int done = output_done(cli, c.out.fp, out, rc, &err);
    if (done != PX_EXIT_OK)
        return done;
    if (cli->json) {
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I}", "file", out, "format", px_epcis_format_name(c.to),
                      "events", (json_int_t)count, "bytes", (json_int_t)c.out.bytes);
        px_cli_print_json(o, JSON_COMPACT);
    } else if (out) {
        fprintf(stderr, "%s: %zu events, %lld bytes (%s)\n", out, count, c.out.bytes,
                px_epcis_format_name(c.to));
    }
    return PX_EXIT_OK;
}

int px_cmd_epcis(px_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return px_cli_usage(USAGE);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(cli, argc, argv);
    if (strcmp(argv[1], "export") == 0)
        return cmd_export(cli, argc, argv);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(cli, argc, argv);
    fprintf(stderr, "packid: unknown epcis subcommand \"%s\"\n", argv[1]);
    return px_cli_usage(USAGE);
}
