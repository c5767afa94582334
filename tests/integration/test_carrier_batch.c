/* Carriers in bulk (docs/carrier.md "Batches") on a real PostgreSQL and a real `packid serve`
 * under ASan: a batch of 1,000 with 3 bad items, symbols decoded by ZXingReader (zxing-cpp-tools;
 * SVGs rasterised by rsvg-convert), the ZIP opened by Python's zipfile (an outside reader), a
 * design's colours read back from the PNG with libpng, templates, tenants and links.
 *
 * Packs are inserted with SQL, so the test depends on neither allocation nor commissioning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>

#include "px_array.h"
#include "px_test.h"

#define GTIN "04012345000016"
#define GTIN13 "4012345000016" /* the same GTIN in its 13-digit form */
#define GTIN2 "04012345000023" /* the other MAH's product */
#define N_ITEMS 1000

typedef struct {
    px_test_env env;
    px_test_party mah, cmo, mah2;
    char tmp[128];
} fixture;

static int setup(void **state)
{
    fixture *f = px_test_fixture_new(sizeof(*f));
    *state = f;
    px_test_server_start(&f->env);
    px_test_org_key(&f->env, "mah", "Batch MAH", "mah", f->mah.org, f->mah.key);
    px_test_org_key(&f->env, "cmo", "Batch CMO", "cmo", f->cmo.org, f->cmo.key);
    px_test_org_key(&f->env, "mah", "Other MAH", "mah", f->mah2.org, f->mah2.key);
    px_test_product_sql(&f->env, GTIN, f->mah.org, "Amoxil 500 mg caps x 21", "EU");
    px_test_product_sql(&f->env, GTIN2, f->mah2.org, "Other", "EU");
    px_test_partnership_sql(&f->env, f->mah.org, f->cmo.org, GTIN);
    px_test_commissioned_sql(&f->env, GTIN, "BATCH002", "261115", "CB", 4, 1000, f->cmo.org);
    px_test_tmpdir(f->tmp, sizeof(f->tmp), "cbatch");
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    return px_test_fixture_teardown_dir(state, f ? f->tmp : NULL);
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* Decodes file (PNG, or SVG rasterised first) and compares with the expected identifier and
 * bytes; returns the EC level ZXing reports into ec. */
static void decode_file(fixture *f, const char *file, int svg, const char *want_id,
                        const char *want, char ec[4])
{
    (void)f;
    char id[8], got[1200];
    px_test_decode(file, svg, id, got, sizeof(got), NULL, ec);
    if (strcmp(id, want_id) != 0 || strcmp(got, want) != 0)
        fail_msg("%s decoded as %s '%s', want %s '%s'", file, id, got, want_id, want);
}

/* GETs path with key and writes the body to dir/name; returns the body length. */
static size_t fetch(fixture *f, const char *path, const char *key, const char *name,
                    const char *want_type, char *file, size_t cap)
{
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, key, NULL, NULL);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", path, r.status, r.body ? r.body : "");
    assert_string_equal(r.content_type, want_type);
    if (strcmp(want_type, "application/zip") == 0)
        px_test_is_download(&r, ".zip");
    snprintf(file, cap, "%s/%s", f->tmp, name);
    assert_int_equal(px_test_write_file(file, r.body, r.len), 0);
    size_t n = r.len;
    px_http_resp_free(&r);
    return n;
}

static json_t *post_batch(fixture *f, const char *key, json_t *body, long want)
{
    char *text = json_dumps(body, JSON_COMPACT);
    assert_non_null(text);
    json_t *j = px_test_call(&f->env, "POST", "/v1/carrier-batches", key, text, want);
    free(text);
    return j;
}

/* Polls the batch until it is no longer processing (completed or failed, the states after it);
 * returns the GET body. */
static json_t *batch_done(fixture *f, const char *key, const char *id)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s", id);
    return px_test_wait_for(&f->env, key, path, "status", "completed|failed", 1200, 100);
}

/* batch_done, failing the test unless the batch ended in status (NULL: not compared) with
 * completed items and errors failed ones (-1: not compared); returns the GET body. */
static json_t *batch_ended(fixture *f, const char *key, const char *id, const char *status,
                           long long completed, long long errors)
{
    json_t *j = batch_done(f, key, id);
    if (status)
        assert_string_equal(px_test_str(j, "status"), status);
    if (completed >= 0)
        assert_int_equal(px_test_int(j, "completed_count"), completed);
    if (errors >= 0)
        assert_int_equal(px_test_int(j, "error_count"), errors);
    return j;
}

/* The id of a batch's 202 answer into id; the answer is freed. */
static void accepted_id(json_t *accepted, char id[40])
{
    snprintf(id, 40, "%s", px_test_str(accepted, "id"));
    json_decref(accepted);
}

static json_t *pack_item(const char *gtin, const char *serial)
{
    return json_pack("{s:s, s:s}", "gtin", gtin, "serial", serial);
}

static json_t *target_item(const char *uri)
{
    return json_pack("{s:{s:s}}", "target", "destination", uri);
}

/* How many items of the CMO's list at path have field equal to value (its first page). */
static int listed(fixture *f, const char *path, const char *field, const char *value)
{
    json_t *l = px_test_call(&f->env, "GET", path, f->cmo.key, NULL, 200);
    int n = 0;
    json_t *it;
    size_t k;
    json_array_foreach(json_object_get(l, "items"), k, it)
    {
        const char *v = json_string_value(json_object_get(it, field));
        n += v && strcmp(v, value) == 0;
    }
    json_decref(l);
    return n;
}

static const char *item_error(json_t *items, size_t i)
{
    json_t *it = json_array_get(items, i);
    assert_int_equal(px_test_int(it, "index"), (json_int_t)i);
    json_t *e = json_object_get(it, "error");
    return e ? json_string_value(json_object_get(e, "code")) : NULL;
}

/* ---- tests ----------------------------------------------------------------------------------- */

/* 1,000 items, 3 bad ones at known indexes: 997 rendered, 3 errors each with its index; a
 * sample decoded over HTTP, the ZIP opened by an outside reader and a sample of it decoded.
 * REQ-CBATCH-1. */
static void test_carrier_batch__thousand_with_three_bad(void **state)
{
    fixture *f = *state;
    json_t *items = json_array();
    int serial_no = 1;
    for (int i = 0; i < N_ITEMS; i++) {
        char serial[16];
        if (i == 17) {
            json_array_append_new(items, pack_item(GTIN, "NOPE17")); /* unknown pack */
        } else if (i == 500) {
            json_array_append_new(items, json_integer(42)); /* not an item */
        } else if (i == 999) {
            json_array_append_new(items, pack_item("12345", "X")); /* not a GTIN */
        } else {
            snprintf(serial, sizeof(serial), "CB%04d", serial_no++);
            json_array_append_new(items, pack_item(GTIN, serial));
        }
    }
    json_t *body = json_pack("{s:o, s:s}", "items", items, "symbology", "datamatrix");
    long long failed_before = px_test_metric(&f->env, "packid_carrier_items_failed_total");
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    /* API.md: 202 {"id", "object": "batch", "status": "processing", counts}. */
    assert_string_equal(px_test_str(j, "object"), "batch");
    assert_string_equal(px_test_str(j, "status"), "processing");
    assert_int_equal(px_test_int(j, "total_count"), N_ITEMS);
    char id[40];
    accepted_id(j, id);

    j = batch_ended(f, f->mah.key, id, "completed", 997, 3);
    json_t *its = json_object_get(j, "items");
    assert_int_equal(json_array_size(its), N_ITEMS);
    int errors = 0;
    for (size_t i = 0; i < N_ITEMS; i++)
        errors += item_error(its, i) != NULL;
    assert_int_equal(errors, 3);
    assert_string_equal(item_error(its, 17), "not_found");
    /* Failed in the job (item 17; 500 and 999 on arrival): said at error level and counted
     * once, though the batch ended completed. */
    assert_int_equal(px_test_metric(&f->env, "packid_carrier_items_failed_total"),
                     failed_before + 1);
    assert_true(px_test_log_has(&f->env, "not rendered", id));
    assert_string_equal(item_error(its, 500), "invalid_item");
    assert_non_null(item_error(its, 999));
    assert_null(json_object_get(json_array_get(its, 999), "carrier_id"));

    /* A sample decoded over HTTP: item i holds pack CB<n> with n = i + 1 before index 17,
     * i after it (one bad item before), i - 1 after 500. */
    static const int sample[] = {0, 16, 18, 499, 501, 998};
    for (size_t s = 0; s < PX_COUNT(sample); s++) {
        int i = sample[s];
        int n = i < 17 ? i + 1 : i < 500 ? i : i - 1;
        json_t *it = json_array_get(its, (size_t)i);
        char path[160], name[64], file[300], want[128], ec[4];
        snprintf(want, sizeof(want),
                 "01" GTIN "17261115"
                 "10BATCH002\x1d"
                 "21CB%04d",
                 n);
        for (int svg = 0; svg < 2; svg++) {
            snprintf(path, sizeof(path), "%s", px_test_str(it, svg ? "svg" : "png"));
            snprintf(name, sizeof(name), "item%d.%s", i, svg ? "svg" : "png");
            fetch(f, path, f->mah.key, name, svg ? "image/svg+xml" : "image/png", file,
                  sizeof(file));
            decode_file(f, file, svg, "]d2", want, ec);
        }
    }

    /* The ZIP behind the signed link, opened by Python's zipfile. */
    const char *url = px_test_str(j, "download_url");
    const char *rel = strstr(url, "/v1/carrier-batches/");
    assert_non_null(rel);
    char zip[300], dir[300], cmd[900];
    fetch(f, rel, NULL, "batch.zip", "application/zip", zip, sizeof(zip));
    snprintf(dir, sizeof(dir), "%s/unzipped", f->tmp);
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
             "assert z.testzip() is None; n = z.namelist(); "
             "assert len(n) == 2 * 997, len(n); z.extractall(sys.argv[2])' '%s' '%s'",
             zip, dir);
    assert_int_equal(px_test_shell(cmd), 0);
    static const int zsample[] = {0, 18, 998};
    for (size_t s = 0; s < PX_COUNT(zsample); s++) {
        int i = zsample[s];
        int n = i < 17 ? i + 1 : i < 500 ? i : i - 1;
        char file[400], want[128], ec[4];
        snprintf(want, sizeof(want),
                 "01" GTIN "17261115"
                 "10BATCH002\x1d"
                 "21CB%04d",
                 n);
        snprintf(file, sizeof(file), "%s/%04d-datamatrix.png", dir, i);
        decode_file(f, file, 0, "]d2", want, ec);
        snprintf(file, sizeof(file), "%s/%04d-datamatrix.svg", dir, i);
        decode_file(f, file, 1, "]d2", want, ec);
    }
    snprintf(cmd, sizeof(cmd), "test ! -e '%s/0017-datamatrix.png'", dir);
    assert_int_equal(px_test_shell(cmd), 0);

    /* A tampered link is refused. */
    char bad[1100];
    snprintf(bad, sizeof(bad), "%s", rel);
    char *sig = strstr(bad, "sig=");
    assert_non_null(sig);
    sig[4] = sig[4] == '0' ? '1' : '0';
    px_test_expect(&f->env, "GET", bad, NULL, NULL, 403, "forbidden");
    json_decref(j);
}

/* Reads a PNG with libpng's simplified API as RGB. */
static unsigned char *read_rgb(const char *file, unsigned *w, unsigned *h)
{
    png_image img = {0};
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, file))
        fail_msg("libpng cannot read %s", file);
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    assert_non_null(px);
    if (!png_image_finish_read(&img, NULL, px, 0, NULL))
        fail_msg("libpng cannot decode %s", file);
    *w = img.width;
    *h = img.height;
    return px;
}

/* A design applied: QR at level H, navy on cream, 2-module quiet zone, 4 px modules — the
 * PNG's pixels are exactly the two colours, the quiet zone the background, ZXing reads level
 * H; the SVG carries the same fills. A MAH's Digital Link target of its own product renders;
 * of another MAH's product it is not found. REQ-CBATCH-2. */
static void test_carrier_batch__design_colours_and_targets(void **state)
{
    fixture *f = *state;
    json_t *items = json_array();
    json_array_append_new(items, pack_item(GTIN, "CB0100"));
    json_array_append_new(items, target_item("https://id.gs1.org/01/" GTIN "/21/TGT1"));
    json_array_append_new(items, target_item("https://id.gs1.org/01/" GTIN2 "/21/TGT2"));
    json_t *body =
        json_pack("{s:o, s:s, s:{s:s, s:{s:s, s:s}, s:i, s:i}}", "items", items, "symbology", "qr",
                  "design", "error_correction", "H", "colors", "foreground", "#1A237E",
                  "background", "#FFF8E1", "quiet_zone", 2, "module_px", 4);
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    char id[40];
    accepted_id(j, id);
    j = batch_ended(f, f->mah.key, id, NULL, 2, -1);
    json_t *its = json_object_get(j, "items");
    assert_null(item_error(its, 0));
    assert_null(item_error(its, 1));
    assert_string_equal(item_error(its, 2), "not_found");
    json_t *design = json_object_get(j, "design");
    assert_string_equal(px_test_str(json_object_get(design, "colors"), "foreground"), "#1a237e");

    char file[300], ec[4];
    fetch(f, px_test_str(json_array_get(its, 0), "png"), f->mah.key, "navy.png", "image/png", file,
          sizeof(file));
    decode_file(f, file, 0, "]Q1", "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/CB0100?17=261115",
                ec);
    assert_string_equal(ec, "H");
    unsigned w = 0, h = 0;
    unsigned char *px = read_rgb(file, &w, &h);
    assert_int_equal(w, h);
    assert_int_equal(w % 4, 0);
    /* QR version v has 17 + 4v modules; plus 2 quiet modules a side, 4 px each. */
    assert_int_equal((w / 4 - 4 - 17) % 4, 0);
    size_t fg = 0, bg = 0;
    for (size_t p = 0; p < (size_t)w * h; p++) {
        const unsigned char *c = px + 3 * p;
        if (c[0] == 0x1A && c[1] == 0x23 && c[2] == 0x7E)
            fg++;
        else if (c[0] == 0xFF && c[1] == 0xF8 && c[2] == 0xE1)
            bg++;
        else
            fail_msg("pixel %zu is #%02X%02X%02X, neither colour", p, c[0], c[1], c[2]);
    }
    assert_true(fg > 0 && bg > 0);
    /* The quiet zone (8 px) is background all round; the finder pattern starts dark right
     * after it. */
    for (unsigned k = 0; k < w; k++) {
        const unsigned char *top = px + 3 * (size_t)k, *left = px + 3 * ((size_t)k * w);
        assert_int_equal(top[0], 0xFF);
        assert_int_equal(left[0], 0xFF);
    }
    assert_int_equal(px[3 * ((size_t)8 * w + 8)], 0x1A);
    free(px);

    fetch(f, px_test_str(json_array_get(its, 0), "svg"), f->mah.key, "navy.svg", "image/svg+xml",
          file, sizeof(file));
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "grep -q 'fill=\"#fff8e1\"' '%s' && grep -q 'fill=\"#1a237e\"' '%s'",
             file, file);
    assert_int_equal(px_test_shell(cmd), 0);
    decode_file(f, file, 1, "]Q1", "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/CB0100?17=261115",
                ec);

    /* The target: the URI exactly as given. */
    fetch(f, px_test_str(json_array_get(its, 1), "png"), f->mah.key, "target.png", "image/png",
          file, sizeof(file));
    decode_file(f, file, 0, "]Q1", "https://id.gs1.org/01/" GTIN "/21/TGT1", ec);
    json_decref(j);
}

/* A saved design overrides the inline one; another organization cannot read the template.
 * REQ-CBATCH-4. */
static void test_carrier_batch__template_overrides(void **state)
{
    fixture *f = *state;
    json_t *t = px_test_call(&f->env, "POST", "/v1/carrier-templates", f->mah.key,
                             "{\"name\":\"Green Q\",\"design\":{\"error_correction\":\"Q\","
                             "\"colors\":{\"foreground\":\"#003300\"},\"module_px\":3}}",
                             201);
    char tid[40], path[128];
    snprintf(tid, sizeof(tid), "%s", px_test_str(t, "template_id"));
    json_decref(t);
    /* A name is text as every name: a C1 control (U+009B, CSI) is refused like a C0 one. */
    long long templates = px_count_of(&f->env, "SELECT count(*) FROM carrier_template");
    px_test_expect_field(&f->env, "POST", "/v1/carrier-templates", f->mah.key,
                         "{\"name\":\"A\\u009b2J\"}", "name", "invalid_character");
    px_expect_count(&f->env, templates, "SELECT count(*) FROM carrier_template");
    /* A batch renders DataMatrix or QR symbols, nothing else. */
    px_test_expect_field(&f->env, "POST", "/v1/carrier-batches", f->mah.key,
                         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0200\"}],"
                         "\"symbology\":\"pdf417\"}",
                         "symbology", "invalid_value");
    snprintf(path, sizeof(path), "/v1/carrier-templates/%s", tid);
    json_decref(px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200));
    px_test_expect(&f->env, "GET", path, f->mah2.key, NULL, 404, "not_found");

    char body[400];
    snprintf(body, sizeof(body),
             "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0200\"}],\"symbology\":\"qr\","
             "\"template_id\":\"%s\",\"design\":{\"error_correction\":\"L\"}}",
             tid);
    json_t *j = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->mah.key, body, 202);
    char id[40];
    accepted_id(j, id);
    j = batch_done(f, f->mah.key, id);
    json_t *design = json_object_get(j, "design");
    assert_string_equal(px_test_str(design, "error_correction"), "Q");
    assert_int_equal(px_test_int(design, "module_px"), 3);
    char file[300], ec[4];
    fetch(f, px_test_str(json_array_get(json_object_get(j, "items"), 0), "png"), f->mah.key,
          "tpl.png", "image/png", file, sizeof(file));
    decode_file(f, file, 0, "]Q1", "https://id.gs1.org/01/" GTIN "/10/BATCH002/21/CB0200?17=261115",
                ec);
    assert_string_equal(ec, "Q");
    json_decref(j);
    /* Another organization's template id is not found. */
    json_t *t2 = px_test_call(&f->env, "POST", "/v1/carrier-templates", f->mah2.key,
                              "{\"name\":\"Theirs\"}", 201);
    snprintf(body, sizeof(body),
             "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0200\"}],\"template_id\":\"%s\"}",
             px_test_str(t2, "template_id"));
    json_decref(t2);
    px_test_expect(&f->env, "POST", "/v1/carrier-batches", f->mah.key, body, 404, "not_found");
}

/* A carrier's id names its batch (the batch id's first 24 characters) and its index (4 hex
 * digits), and is found by it; the same id with another random tail is not a carrier. A
 * carrier written before migration 0181, with a random id, is still found by it. */
static void test_carrier_batch__carrier_ids_name_batch(void **state)
{
    fixture *f = *state;
    json_t *j = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->mah.key,
                             "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0300\"},"
                             "{\"gtin\":\"" GTIN "\",\"serial\":\"CB0301\"},"
                             "{\"gtin\":\"" GTIN "\",\"serial\":\"CB0302\"}]}",
                             202);
    char id[40], cid[40], path[128], want[8];
    accepted_id(j, id);
    j = batch_ended(f, f->mah.key, id, "completed", -1, -1);
    json_t *its = json_object_get(j, "items");
    for (size_t i = 0; i < 3; i++) {
        snprintf(cid, sizeof(cid), "%s", px_test_str(json_array_get(its, i), "carrier_id"));
        assert_int_equal(strlen(cid), 36);
        assert_memory_equal(cid, id, 24);
        snprintf(want, sizeof(want), "%04zx", i);
        assert_memory_equal(cid + 24, want, 4);
        snprintf(path, sizeof(path), "/v1/carriers/%s/symbol.png", cid);
        px_http_resp r;
        px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
        assert_int_equal(r.status, 200);
        char cache[64]; /* the tenant's carrier: no cache on the way keeps it */
        assert_int_equal(px_http_header(&r, "Cache-Control", cache, sizeof(cache)), 0);
        assert_string_equal(cache, "private, no-store");
        px_http_resp_free(&r);
    }
    json_decref(j);
    cid[35] = cid[35] == '0' ? '1' : '0';
    snprintf(path, sizeof(path), "/v1/carriers/%s/symbol.png", cid);
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 404, "not_found");

    char legacy[40], sql[600];
    px_sql_text(&f->env, "SELECT gen_random_uuid()::text", legacy, sizeof(legacy));
    snprintf(sql, sizeof(sql),
             "INSERT INTO carrier (id, batch_id, idx, org_id, symbology, data, gtin, serial, ec, "
             "fg, bg, quiet_zone, module_px, legacy_id) SELECT '%s', batch_id, 500, org_id, "
             "symbology, data, gtin, serial, ec, fg, bg, quiet_zone, module_px, true "
             "FROM carrier WHERE batch_id = '%s' AND idx = 0",
             legacy, id);
    px_sqlf(&f->env, "%s", sql);
    snprintf(path, sizeof(path), "/v1/carriers/%s/symbol.svg", legacy);
    px_http_resp r;
    px_http(&f->env, &r, "GET", path, f->mah.key, NULL, NULL);
    assert_int_equal(r.status, 200);
    px_http_resp_free(&r);
    px_test_expect(&f->env, "GET", path, f->mah2.key, NULL, 404, "not_found");
}

/* Never yes now, failure later: items that can never render are their items' errors in the
 * POST's answer (error_count) and in a GET before the job has run: a Digital Link that does
 * not parse (the GS1 core's code), one without a GTIN as its primary key, one of another MAH's
 * product (not_found, as an unknown one), a pack's GTIN or serial that breaks GS1's rules. They are
 * not charged to the allotment. The job keeps them as they are and renders the rest. */
static void test_carrier_batch__targets_checked_on_arrival(void **state)
{
    fixture *f = *state;
    json_t *items = json_array();
    json_array_append_new(items, target_item("https://id.gs1.org/01/" GTIN "/21/OK1"));
    json_array_append_new(items, target_item("https://id.gs1.org/01/04012345000017/21/X"));
    json_array_append_new(items, target_item("https://example.com/not/a/link"));
    json_array_append_new(items, target_item("https://id.gs1.org/01/" GTIN2 "/21/THEIRS"));
    /* A pack that can never be read: a GTIN with a wrong check digit, a serial with a space
     * (outside GS1 set 82). */
    json_array_append_new(items, pack_item("04012345000017", "X"));
    json_array_append_new(items, pack_item(GTIN, "A B"));
    json_t *body = json_pack("{s:o}", "items", items);
#define USED "SELECT coalesce(sum(carriers), 0) FROM allotment_usage WHERE org_id = '%s'"
    long long used = px_count_of(&f->env, USED, f->mah.org);
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    assert_int_equal(px_test_int(j, "error_count"), 5);
    /* Only the item that can render is charged to the allotment (docs/allotments.md). */
    px_expect_count(&f->env, used + 1, USED, f->mah.org);
#undef USED
    char id[40];
    accepted_id(j, id);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM carrier_batch WHERE id = '%s' AND "
                    "item_errors ? '1' AND item_errors ? '2' AND item_errors->'3'->>'c' = "
                    "'not_found' AND NOT item_errors ? '0'",
                    id);
    j = batch_ended(f, f->mah.key, id, "completed", 1, 5);
    json_t *its = json_object_get(j, "items");
    assert_null(item_error(its, 0));
    assert_string_equal(item_error(its, 4), "invalid_check_digit");
    assert_string_equal(item_error(its, 5), "invalid_character");
    /* The GS1 core's own code (docs/carrier.md "Per-item errors"): 0401234500001 checks
     * to 6, not 7 (GenSpecs §7.9.1). */
    assert_string_equal(item_error(its, 1), "invalid_check_digit");
    assert_string_equal(item_error(its, 2), "no_dl_key");
    assert_string_equal(item_error(its, 3), "not_found");
    json_decref(j);
}

/* Another tenant's batch and carriers are 404; a CMO renders its packs but no targets; bad
 * designs and shapes are 422 with the field. REQ-CBATCH-3. */
static void test_carrier_batch__tenants_and_validation(void **state)
{
    fixture *f = *state;
    /* The other MAH is a partner of this CMO too, for another product: its chain is one the
     * copy could wrongly reach (a copy is for the MAHs whose packs the batch renders). */
    px_test_partnership_sql(&f->env, f->mah2.org, f->cmo.org, GTIN2);
    json_t *j =
        px_test_call(&f->env, "POST", "/v1/carrier-batches", f->cmo.key,
                     "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0300\"},"
                     "{\"target\":{\"destination\":\"https://id.gs1.org/01/" GTIN "/21/X\"}}]}",
                     202);
    char id[40], path[128];
    snprintf(id, sizeof(id), "%s", px_test_str(j, "id"));
    /* The CMO's target is refused as the batch arrives: counted in the answer already. */
    assert_int_equal(px_test_int(j, "error_count"), 1);
    json_decref(j);
    /* The batch renders its MAH's pack: on record in the operator's chain and in that MAH's,
     * the same entry; never in the other MAH's. */
    char chains[256], wanted[256];
    px_audit_chains(&f->env, "carrier_batch.create", id, "total_count", chains, sizeof(chains));
    snprintf(wanted, sizeof(wanted), "operator=2,%s=2", f->mah.org);
    assert_string_equal(chains, wanted);
    /* A CMO's batch that fails (its one pack unknown when the job looks) is on record in that
     * MAH's chain as well. */
    json_t *failing =
        px_test_call(&f->env, "POST", "/v1/carrier-batches", f->cmo.key,
                     "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"NOPE01\"}]}", 202);
    char failing_id[40];
    accepted_id(failing, failing_id);
    failing = batch_ended(f, f->cmo.key, failing_id, "failed", -1, -1);
    json_decref(failing);
    /* The CMO finds it again from its failed jobs alone (the 202 that named it lost): the job
     * names the batch it worked on, whose items say what to send again. */
    char resource[96];
    snprintf(resource, sizeof(resource), "/v1/carrier-batches/%s", failing_id);
    assert_int_equal(listed(f, "/v1/jobs?status=failed&first=200", "resource", resource), 1);
    failing = px_test_call(&f->env, "GET", resource, f->cmo.key, NULL, 200);
    assert_string_equal(item_error(json_object_get(failing, "items"), 0), "not_found");
    json_decref(failing);
    px_audit_chains(&f->env, "carrier_batch.fail", failing_id, "items_failed", chains,
                    sizeof(chains));
    snprintf(wanted, sizeof(wanted), "operator=1,%s=1", f->mah.org);
    assert_string_equal(chains, wanted);
    j = batch_done(f, f->cmo.key, id);
    json_t *its = json_object_get(j, "items");
    assert_null(item_error(its, 0));
    assert_string_equal(item_error(its, 1), "forbidden_target");
    char carrier_png[160];
    snprintf(carrier_png, sizeof(carrier_png), "%s", px_test_str(json_array_get(its, 0), "png"));
    json_decref(j);

    snprintf(path, sizeof(path), "/v1/carrier-batches/%s", id);
    px_test_expect(&f->env, "GET", path, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", path, f->mah.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", carrier_png, f->mah2.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", "/v1/carrier-batches/not-a-uuid", f->cmo.key, NULL, 404,
                   "not_found");

    /* The other MAH's batch of our pack: the item is not found as it arrives, as an unknown
     * product's (nothing leaks), and a batch of nothing else is refused whole, nothing stored;
     * beside a pack of its own product, the item's error. */
    long long before = px_count_of(&f->env, "SELECT count(*) FROM carrier_batch");
    j = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->mah2.key,
                     "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0301\"}]}", 422);
    px_expect_detail(j, 0, -1, "not_found", "items");
    json_decref(j);
    px_expect_count(&f->env, before, "SELECT count(*) FROM carrier_batch");
    j = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->mah2.key,
                     "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0301\"},"
                     "{\"gtin\":\"" GTIN2 "\",\"serial\":\"THEIRS1\"}]}",
                     202);
    assert_int_equal(px_test_int(j, "error_count"), 1);
    accepted_id(j, id);
    j = batch_ended(f, f->mah2.key, id, NULL, -1, -1);
    assert_string_equal(item_error(json_object_get(j, "items"), 0), "not_found");
    json_decref(j);

    static const struct {
        const char *file;
        int line;
        const char *body, *field;
    } bad[] = {
        {__FILE__, __LINE__, "{\"items\":[]}", "items"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"symbology\":\"aztec\"}",
         "symbology"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"error_correction\":\"X\"}}",
         "design.error_correction"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"colors\":{\"foreground\":\"#12345\"}}}",
         "design.colors.foreground"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"colors\":{\"foreground\":\"#777777\","
         "\"background\":\"#888888\"}}}",
         "design.colors"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"colors\":{\"foreground\":\"#ffffff\","
         "\"background\":\"#000000\"}}}",
         "design.colors"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"quiet_zone\":33}}",
         "design.quiet_zone"},
        {__FILE__, __LINE__,
         "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"A\"}],"
         "\"design\":{\"module_px\":0}}",
         "design.module_px"},
    };
    for (size_t i = 0; i < PX_COUNT(bad); i++) {
        json_t *answer = px_http_expect(&f->env, "POST", "/v1/carrier-batches", f->mah.key,
                                        bad[i].body, NULL, 422, NULL);
        px_expect_detail_at(bad[i].file, bad[i].line, answer, 0, -1, NULL, bad[i].field);
        json_decref(answer);
    }
    /* 1,001 items are refused whole. */
    json_t *items = json_array();
    for (int i = 0; i < 1001; i++)
        json_array_append_new(items, pack_item(GTIN, "CB0001"));
    json_t *body = json_pack("{s:o}", "items", items);
    char *text = json_dumps(body, JSON_COMPACT);
    assert_non_null(text);
    static const char *const stored[] = {"carrier_batch", "carrier", "job", "audit_log", NULL};
    j = px_test_refused_answer(&f->env, stored, "POST", "/v1/carrier-batches", f->mah.key, text,
                               NULL, 422, "validation_error");
    px_expect_detail(j, 0, -1, NULL, "items");
    json_decref(j);
    free(text);
    json_decref(body);
}

/* Polls the batch until completed_count reaches want (the job's commits show it). */
static json_t *batch_at(fixture *f, const char *key, const char *id, long long want)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s", id);
    for (int i = 0; i < 1200; i++) {
        json_t *j = px_test_call(&f->env, "GET", path, key, NULL, 200);
        if (px_test_int(j, "completed_count") >= want)
            return j;
        json_decref(j);
        usleep(100 * 1000);
    }
    fail_msg("batch %s never reached %lld carriers", id, want);
    return NULL;
}

/* A chunk whose write fails (the database refuses carrier 650, in the second chunk of 500 and
 * its second write of 100) is rolled back whole: the batch stays `processing` with the first
 * chunk's 500 carriers and counts, no carrier or outcome of items 500..999 exists — not even
 * those of the chunk's first write, 500..599 — and the job is retried; once the database
 * accepts the carrier, the batch completes with every item rendered exactly once.
 * REQ-CBATCH-5. */
static void test_carrier_batch__failed_chunk_rolls_back_whole(void **state)
{
    fixture *f = *state;
    px_test_refuse_rows(&f->env, "carrier", "NEW.idx = 650", "XX000");
    json_t *items = json_array();
    for (int i = 0; i < N_ITEMS; i++) {
        char serial[16];
        snprintf(serial, sizeof(serial), "CB%04d", i + 1);
        json_array_append_new(items, pack_item(GTIN, serial));
    }
    json_t *body = json_pack("{s:o}", "items", items);
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    char id[40];
    accepted_id(j, id);

    j = batch_at(f, f->mah.key, id, 500);
    json_decref(j);
    /* The second chunk has been tried and refused at least once. */
    int refused = 0;
    for (int i = 0; i < 12 && !refused; i++)
        refused = px_test_log_has(&f->env, "database error", "injected refusal");
    assert_true(refused);
    char path[128];
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s", id);
    j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "processing");
    assert_int_equal(px_test_int(j, "completed_count"), 500);
    assert_int_equal(px_test_int(j, "error_count"), 0);
    json_t *its = json_object_get(j, "items");
    for (size_t i = 0; i < N_ITEMS; i++) {
        json_t *it = json_array_get(its, i);
        if ((json_object_get(it, "carrier_id") != NULL) != (i < 500))
            fail_msg("item %zu: carrier_id %s", i, i < 500 ? "missing" : "present");
        assert_null(json_object_get(it, "error"));
    }
    json_decref(j);
    px_expect_count(&f->env, 500, "SELECT count(*) FROM carrier WHERE batch_id = '%s'", id);
    px_expect_count(&f->env, 0, "SELECT count(*) FROM carrier WHERE batch_id = '%s' AND idx >= 500",
                    id);
    px_expect_count(&f->env, 0,
                    "SELECT count(*) FROM carrier_batch_item WHERE batch_id = '%s' "
                    "AND error_code IS NOT NULL",
                    id);
    /* Repaired: the retried chunk completes the batch, each item once. */
    px_test_refuse_end(&f->env, "carrier");
    j = batch_ended(f, f->mah.key, id, "completed", N_ITEMS, 0);
    json_decref(j);
    px_expect_count(&f->env, N_ITEMS,
                    "SELECT count(DISTINCT idx) FROM carrier WHERE batch_id = '%s'", id);
    px_expect_count(&f->env, N_ITEMS, "SELECT count(*) FROM carrier WHERE batch_id = '%s'", id);
    /* The failed tries are forgotten once a try did its work (they count in a row), and
     * their error with them: a completed job shows none. */
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM job j JOIN carrier_batch b ON b.job_id = "
                    "j.id WHERE b.id = '%s' AND j.failures = 0 AND j.error IS NULL "
                    "AND j.not_before IS NULL",
                    id);
}

/* Never yes now, failure later: a batch whose images could outgrow its archive (drawn in memory
 * at each download) is refused as it is asked, 422 batch_too_large on items, nothing stored or
 * charged: 200 packs as QR codes at 64 px a module with a 32-module quiet zone; 20 are taken. */
static void test_carrier_batch__too_many_pixels_refused(void **state)
{
    fixture *f = *state;
    long long batches = px_count_of(&f->env, "SELECT count(*) FROM carrier_batch");
    for (int n = 200; n >= 20; n -= 180) {
        json_t *items = json_array();
        for (int i = 0; i < n; i++) {
            char serial[16];
            snprintf(serial, sizeof(serial), "CB%04d", 500 + i);
            json_array_append_new(items, pack_item(GTIN, serial));
        }
        json_t *body = json_pack("{s:o, s:s, s:{s:i, s:i}}", "items", items, "symbology", "qr",
                                 "design", "module_px", 64, "quiet_zone", 32);
        json_t *j = post_batch(f, f->mah.key, body, n == 200 ? 422 : 202);
        json_decref(body);
        if (n == 200) {
            px_expect_detail(j, 0, -1, "batch_too_large", "items");
            px_expect_count(&f->env, batches, "SELECT count(*) FROM carrier_batch");
        }
        json_decref(j);
    }
}

/* A CMO never sees a pack after the MAH released it: a CMO's batch rendered before the release
 * of one of its packs is no longer handed out (its GET and the download link it gave before:
 * 409 carriers_released), and that pack's carrier is not found for it; its other carrier
 * still renders. A suspended partnership stops all of it at once. */
static void test_carrier_batch__cmo_carriers_gone_with_release(void **state)
{
    fixture *f = *state;
    /* The GTIN in its 13-digit form: the batch keeps it as a GTIN-14, as its carriers do. */
    json_t *j = px_test_call(&f->env, "POST", "/v1/carrier-batches", f->cmo.key,
                             "{\"items\":[{\"gtin\":\"" GTIN13 "\",\"serial\":\"CB0400\"},"
                             "{\"gtin\":\"" GTIN13 "\",\"serial\":\"CB0401\"}]}",
                             202);
    char id[40], path[128], link[300], png[2][160];
    accepted_id(j, id);
    j = batch_ended(f, f->cmo.key, id, "completed", 2, 0);
    const char *rel = strstr(px_test_str(j, "download_url"), "/v1/carrier-batches/");
    assert_non_null(rel);
    snprintf(link, sizeof(link), "%s", rel);
    for (size_t i = 0; i < 2; i++)
        snprintf(png[i], sizeof(png[i]), "%s",
                 px_test_str(json_array_get(json_object_get(j, "items"), i), "png"));
    json_decref(j);
    px_test_expect(&f->env, "GET", link, NULL, NULL, 200, NULL);
    px_test_released_sql(&f->env, GTIN, "serial = 'CB0400'");
    snprintf(path, sizeof(path), "/v1/carrier-batches/%s", id);
    px_test_expect(&f->env, "GET", path, f->cmo.key, NULL, 409, "carriers_released");
    px_test_expect(&f->env, "GET", link, NULL, NULL, 409, "carriers_released");
    px_test_expect(&f->env, "GET", png[0], f->cmo.key, NULL, 404, "not_found");
    px_test_expect(&f->env, "GET", png[1], f->cmo.key, NULL, 200, NULL);
    /* Its partnership suspended, the CMO reads none of it, the link neither (403 at once,
     * as its exports), and a new batch of the product is refused now, not failed later. */
    px_sqlf(&f->env, "UPDATE partnership SET status = 'suspended' WHERE cmo_id = '%s'", f->cmo.org);
    px_test_expect(&f->env, "GET", path, f->cmo.key, NULL, 403, "partnership_suspended");
    px_test_expect(&f->env, "GET", link, NULL, NULL, 403, "partnership_suspended");
    px_test_expect(&f->env, "GET", png[1], f->cmo.key, NULL, 403, "partnership_suspended");
    long long batches = px_count_of(&f->env, "SELECT count(*) FROM carrier_batch");
    px_test_expect(&f->env, "POST", "/v1/carrier-batches", f->cmo.key,
                   "{\"items\":[{\"gtin\":\"" GTIN "\",\"serial\":\"CB0402\"}]}", 403,
                   "partnership_suspended");
    px_expect_count(&f->env, batches, "SELECT count(*) FROM carrier_batch");
    /* Packs of a product not granted to the CMO (here one nobody registered) are the items'
     * not_found as the batch arrives: a batch of only such items is refused whole. */
    json_decref(px_test_call(&f->env, "POST", "/v1/carrier-batches", f->cmo.key,
                             "{\"items\":[{\"gtin\":\"09506000134352\",\"serial\":\"X1\"}]}", 422));
    px_expect_count(&f->env, batches, "SELECT count(*) FROM carrier_batch");
    px_sqlf(&f->env, "UPDATE partnership SET status = 'active' WHERE cmo_id = '%s'", f->cmo.org);
    px_test_expect(&f->env, "GET", png[1], f->cmo.key, NULL, 200, NULL);
    /* Its job retried as the batch is read: failed by hand (its second item's carrier lost
     * to the failure), the retry is 409 carriers_released (it would complete and never be
     * handed out), and 403 while the partnership is suspended; nothing is queued. */
    char job[40], retry[96];
    px_sql_textf(&f->env, job, sizeof(job),
                 "SELECT job_id::text FROM carrier_batch WHERE id = '%s'", id);
    px_sqlf(&f->env, "DELETE FROM carrier WHERE batch_id = '%s' AND idx = 1", id);
    px_sqlf(
        &f->env,
        "UPDATE carrier_batch SET status = 'failed', completed_count = 1, error_count = 1, "
        "item_errors = '{\"1\": {\"c\": \"batch_failed\", \"m\": \"by hand\"}}' WHERE id = '%s'",
        id);
    px_sqlf(&f->env, "UPDATE job SET status = 'failed', error = 'by hand' WHERE id = '%s'", job);
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job);
    px_test_expect(&f->env, "POST", retry, f->cmo.key, NULL, 409, "carriers_released");
    px_sqlf(&f->env, "UPDATE partnership SET status = 'suspended' WHERE cmo_id = '%s'", f->cmo.org);
    px_test_expect(&f->env, "POST", retry, f->cmo.key, NULL, 403, "partnership_suspended");
    char job_path[80];
    snprintf(job_path, sizeof(job_path), "/v1/jobs/%s", job);
    px_test_expect(&f->env, "GET", job_path, f->cmo.key, NULL, 403, "partnership_suspended");
    /* Its list says as the single read: the job is not listed while suspended. */
    assert_int_equal(listed(f, "/v1/jobs?first=200", "job_id", job), 0);
    px_sqlf(&f->env, "UPDATE partnership SET status = 'active' WHERE cmo_id = '%s'", f->cmo.org);
    px_test_expect(&f->env, "GET", job_path, f->cmo.key, NULL, 200, NULL);
    assert_int_equal(listed(f, "/v1/jobs?first=200", "job_id", job), 1);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM job WHERE id = '%s' AND status = 'failed'",
                    job);
}

/* A chunk the database refuses at every try (a carrier of one of its packs) holds up no batch
 * after it: a later batch completes while it waits for its next try, and after
 * PX_JOB_TRIES tries (docs/carrier.md "When a batch fails") it fails: each of its
 * items an error batch_failed with its index, its job failed, its carriers given back to the
 * allotment, carrier_batch.fail in the audit log. */
static void test_carrier_batch__refused_chunk_fails_after_tries(void **state)
{
    fixture *f = *state;
    px_test_refuse_rows(&f->env, "carrier", "NEW.serial = 'CB0007'", "XX000");
#define USED "SELECT coalesce(sum(carriers), 0) FROM allotment_usage WHERE org_id = '%s'"
    long long used = px_count_of(&f->env, USED, f->mah.org);
    json_t *body =
        json_pack("{s:[o,o]}", "items", pack_item(GTIN, "CB0006"), pack_item(GTIN, "CB0007"));
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    char bad[40], job[40], good[40], path[96];
    accepted_id(j, bad);
    body = json_pack("{s:[o]}", "items", pack_item(GTIN, "CB0008"));
    j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    accepted_id(j, good);
    px_expect_count(&f->env, used + 3, USED, f->mah.org);
    j = batch_ended(f, f->mah.key, good, "completed", -1, -1);
    json_decref(j);
    j = batch_ended(f, f->mah.key, bad, "failed", 0, 2);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(item_error(items, i), "batch_failed");
    json_decref(j);
    px_test_refuse_end(&f->env, "carrier");
    px_sql_text(&f->env,
                "SELECT job_id::text FROM carrier_batch ORDER BY created_at DESC OFFSET 1 "
                "LIMIT 1",
                job, sizeof(job));
    snprintf(path, sizeof(path), "/v1/jobs/%s", job);
    j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "failed");
    json_decref(j);
    px_expect_count(&f->env, 1, "SELECT count(*) FROM job WHERE id = '%s' AND failures = 5", job);
    px_expect_count(&f->env, used + 1, USED, f->mah.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'carrier_batch.fail' AND subject = '%s' AND tenant_id = '%s'",
                    bad, f->mah.org);
    assert_true(px_test_log_has(&f->env, "failed after 5 tries", bad));
    /* Repaired through the API (POST /v1/jobs/{id}/retry): another organization's retry is
     * not found and the job stays failed; its own takes the items the failure marked up
     * again, charged to the allotment once more, and the batch completes. */
    char retry[96];
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job);
    px_test_expect(&f->env, "POST", retry, f->mah2.key, NULL, 404, "not_found");
    px_expect_count(&f->env, 1, "SELECT count(*) FROM job WHERE id = '%s' AND status = 'failed'",
                    job);
    j = px_test_call(&f->env, "POST", retry, f->mah.key, NULL, 202);
    assert_string_equal(px_test_str(j, "status"), "queued");
    assert_null(json_object_get(j, "error"));
    json_decref(j);
    px_expect_count(&f->env, used + 3, USED, f->mah.org);
    j = batch_ended(f, f->mah.key, bad, "completed", 2, 0);
    json_decref(j);
    j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "completed");
    json_decref(j);
    assert_int_equal(px_audit_count(&f->env, "carrier_batch.retry", bad), 1);
    px_test_expect(&f->env, "POST", retry, f->mah.key, NULL, 409, "job_not_failed");
#undef USED
}

/* The failed carrier batch jobs in /metrics (packid_jobs, docs/api.md "Metrics"); none is no
 * line. */
static long long failed_batch_jobs(fixture *f)
{
    long long n = px_test_metric(&f->env, "packid_jobs{kind=\"carrier_batch\",status=\"failed\"}");
    return n < 0 ? 0 : n;
}

/* docs/allotments.md: a batch counts the carriers it makes. Both items are charged as the
 * batch arrives (a pack item is resolved by the job); the one the job refuses (a serial packid
 * does not know) is given back with its error. */
static void test_carrier_batch__job_refused_item_given_back(void **state)
{
    fixture *f = *state;
#define USED "SELECT coalesce(sum(carriers), 0) FROM allotment_usage WHERE org_id = '%s'"
    long long used = px_count_of(&f->env, USED, f->mah.org);
    /* The job's chunk writes its carriers and the refund in one transaction: held at its
     * carriers, it cannot give the refused item back before the charge is read. */
    PGconn *held = px_test_hold(&f->env, "LOCK TABLE carrier IN SHARE MODE");
    json_t *body =
        json_pack("{s:[o,o]}", "items", pack_item(GTIN, "CB0009"), pack_item(GTIN, "NOSUCH1"));
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    char id[40];
    accepted_id(j, id);
    long long charged = px_count_of(&f->env, USED, f->mah.org);
    px_test_hold_end(held, NULL);
    assert_int_equal(charged, used + 2);
    j = batch_ended(f, f->mah.key, id, "completed", 1, 1);
    assert_string_equal(item_error(json_object_get(j, "items"), 1), "not_found");
    json_decref(j);
    px_expect_count(&f->env, used + 1, USED, f->mah.org);
#undef USED
}

/* Never yes now, failure later: a batch each of whose items is refused as it arrives is
 * refused whole (422 on items, nothing stored or charged). Nothing fails silently: a batch none
 * of whose items renders (here: packs the job does not find) ends failed, and is told as a
 * batch that failed its tries (docs/carrier.md "When a batch fails"): carrier_batch.fail
 * audited with the items failed, an error logged, the MAH's webhook job.failed queued, and
 * one more failed carrier_batch job in /metrics. */
static void test_carrier_batch__all_refused_is_told(void **state)
{
    fixture *f = *state;
    px_test_job_failed_webhook_sql(&f->env, f->mah.org);
    long long failed = failed_batch_jobs(f);
    long long batches = px_count_of(&f->env, "SELECT count(*) FROM carrier_batch");
    long long used = px_count_of(&f->env,
                                 "SELECT coalesce(sum(carriers), 0) FROM allotment_usage WHERE "
                                 "org_id = '%s'",
                                 f->mah.org);
    json_t *body = json_pack("{s:[o,o]}", "items", target_item("https://example.com/not/a/link"),
                             target_item("https://id.gs1.org/01/" GTIN2 "/21/THEIRS"));
    json_t *j = post_batch(f, f->mah.key, body, 422);
    json_decref(body);
    px_expect_detail(j, 0, -1, NULL, "items");
    json_decref(j);
    px_expect_count(&f->env, batches, "SELECT count(*) FROM carrier_batch");
    px_expect_count(&f->env, used,
                    "SELECT coalesce(sum(carriers), 0) FROM allotment_usage WHERE org_id = '%s'",
                    f->mah.org);
    body = json_pack("{s:[o,o]}", "items", pack_item(GTIN, "NOSUCH1"), pack_item(GTIN, "NOSUCH2"));
    j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    assert_int_equal(px_test_int(j, "error_count"), 0);
    char id[40];
    accepted_id(j, id);
    j = batch_ended(f, f->mah.key, id, "failed", 0, -1);
    json_decref(j);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM audit_log WHERE action = "
                    "'carrier_batch.fail' AND subject = '%s' AND tenant_id = '%s' "
                    "AND details->>'items_failed' = '2'",
                    id, f->mah.org);
    px_expect_count(&f->env, 1,
                    "SELECT count(*) FROM webhook_delivery WHERE tenant_id = '%s' AND "
                    "event = 'job.failed' AND body LIKE '%%%s%%'",
                    f->mah.org, id);
    assert_true(px_test_log_has(&f->env, "no item of the batch rendered", id));
    char job_path[80], job_id[40];
    px_sql_textf(&f->env, job_id, sizeof(job_id),
                 "SELECT job_id::text FROM carrier_batch WHERE id = '%s'", id);
    snprintf(job_path, sizeof(job_path), "/v1/jobs/%s", job_id);
    j = px_test_call(&f->env, "GET", job_path, f->mah.key, NULL, 200);
    assert_string_equal(px_test_str(j, "status"), "failed");
    assert_string_equal(px_test_str(j, "error"), "no item of the batch rendered");
    json_decref(j);
    assert_int_equal(failed_batch_jobs(f), failed + 1);
    /* Its items failed each for its own reason: a retry would fail them again, so it is
     * refused and the job stays failed (send them again in a new batch). */
    char retry[96];
    snprintf(retry, sizeof(retry), "/v1/jobs/%s/retry", job_id);
    px_test_expect(&f->env, "POST", retry, f->mah.key, NULL, 409, "job_not_retryable");
    assert_int_equal(failed_batch_jobs(f), failed + 1);
    /* Listed among the failed jobs (GET /v1/jobs?status=failed), not among the completed. */
    char job[40];
    snprintf(job, sizeof(job), "%s", job_id);
    static const char *const lists[][2] = {{"failed", "1"}, {"completed", "0"}};
    for (size_t l = 0; l < 2; l++) {
        char path[64];
        snprintf(path, sizeof(path), "/v1/jobs?status=%s&first=200", lists[l][0]);
        j = px_test_call(&f->env, "GET", path, f->mah.key, NULL, 200);
        int seen = 0;
        json_t *it;
        size_t k;
        json_array_foreach(json_object_get(j, "items"), k, it)
        {
            assert_string_equal(px_test_str(it, "status"), lists[l][0]);
            assert_true(json_is_number(json_object_get(it, "progress"))); /* as the single read */
            seen += strcmp(px_test_str(it, "job_id"), job) == 0;
        }
        assert_int_equal(seen, atoi(lists[l][1]));
        json_decref(j);
    }
    /* Paged one job a page: the first page's job changing status meanwhile does not end the
     * list (the cursor is found without the filter). A second batch fails as this one did. */
    body = json_pack("{s:[o]}", "items", pack_item(GTIN, "NOSUCH3"));
    j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    accepted_id(j, id);
    json_decref(batch_ended(f, f->mah.key, id, "failed", 0, 1));
    j = px_test_call(&f->env, "GET", "/v1/jobs?status=failed&first=1", f->mah.key, NULL, 200);
    char first_job[40], after[300];
    snprintf(first_job, sizeof(first_job), "%s",
             px_test_str(json_array_get(json_object_get(j, "items"), 0), "job_id"));
    snprintf(after, sizeof(after), "/v1/jobs?status=failed&first=1&after=%s",
             px_test_str(j, "next_cursor"));
    json_decref(j);
    px_sqlf(&f->env, "UPDATE job SET status = 'completed' WHERE id = '%s'", first_job);
    j = px_test_call(&f->env, "GET", after, f->mah.key, NULL, 200);
    json_t *next = json_array_get(json_object_get(j, "items"), 0);
    assert_non_null(next);
    assert_string_not_equal(px_test_str(next, "job_id"), first_job);
    assert_string_equal(px_test_str(next, "status"), "failed");
    json_decref(j);
    px_sqlf(&f->env, "UPDATE job SET status = 'failed' WHERE id = '%s'", first_job);
    j = px_test_call(&f->env, "GET", "/v1/jobs?status=done", f->mah.key, NULL, 422);
    px_expect_detail(j, 0, -1, "invalid_value", "status");
    json_decref(j);
    px_sqlf(&f->env, "DELETE FROM webhook WHERE tenant_id = '%s'", f->mah.org);
}

/* `packid label <SSCC> -o file` renders the logistic label the way the API will: GS1-128 read
 * as ]C1 and GS1 DataMatrix as ]d2, with "00" + the SSCC (DOMAIN.md §1.1 worked SSCC); a bad
 * check digit exits non-zero. REQ-LABEL-1. */
static void test_carrier_batch__cli_label(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *ext;
        int dm;
    } v[] = {{"png", 0}, {"svg", 0}, {"png", 1}, {"svg", 1}};
    for (size_t i = 0; i < PX_COUNT(v); i++) {
        char file[300], ec[4];
        snprintf(file, sizeof(file), "%s/label%zu.%s", f->tmp, i, v[i].ext);
        const char *args[] = {
            "label", "106141411234567897", "-o", file, v[i].dm ? "--datamatrix" : NULL, NULL};
        int rc = -1;
        json_t *j = px_test_cli(&f->env, &rc, args);
        assert_int_equal(rc, 0);
        assert_non_null(j);
        assert_string_equal(px_test_str(j, "element_string"), "00106141411234567897");
        assert_string_equal(px_test_str(j, "hri"), "(00)106141411234567897");
        json_decref(j);
        decode_file(f, file, v[i].ext[0] == 's', v[i].dm ? "]d2" : "]C1", "00106141411234567897",
                    ec);
    }
    char file[300];
    snprintf(file, sizeof(file), "%s/bad.png", f->tmp);
    const char *args[] = {"label", "106141411234567890", "-o", file, NULL};
    int rc = 0;
    json_decref(px_test_cli(&f->env, &rc, args));
    assert_int_not_equal(rc, 0);
}

/* A runner that keeps failing stops no other (workers.c): a batch whose job fails at every
 * claim (its organization kind made unreadable, as a damaged row would be), one worker
 * thread so every pass meets it, and a public scan taken meanwhile is still written by the
 * scan_flush runner, which comes after carrier_batch in each pass. The failures are logged
 * at error level and counted in /metrics. Last: it restarts the server. */
static void test_carrier_batch__failing_runner_stops_no_other(void **state)
{
    fixture *f = *state;
    px_test_server_kill(&f->env);
    px_test_setenv(&f->env, "PACKID_WORKERS=1");
    px_test_server_start(&f->env);
    json_t *body = json_pack("{s:[o]}", "items", pack_item(GTIN, "CB0002"));
    json_t *j = post_batch(f, f->mah.key, body, 202);
    json_decref(body);
    char id[40];
    accepted_id(j, id);
    json_decref(batch_done(f, f->mah.key, id));
    px_sqlf(&f->env,
            "WITH b AS (UPDATE carrier_batch SET org_kind = 'bogus' WHERE id = '%s' RETURNING "
            "job_id) UPDATE job SET status = 'queued' FROM b WHERE job.id = b.job_id",
            id);
    /* A failed try puts the job off (not_before, doubling): kept claimable at every pass
     * here, so no pass goes by without the failure and the scan is flushed in one that failed
     * too. */
    char job[40];
    px_sql_textf(&f->env, job, sizeof(job), "SELECT job_id FROM carrier_batch WHERE id = '%s'", id);
    px_sqlf(&f->env,
            "CREATE FUNCTION px_test_keep_due() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "NEW.not_before := now(); NEW.failures := 0; RETURN NEW; END $$; "
            "CREATE TRIGGER px_test_keep_due BEFORE UPDATE ON job FOR EACH ROW WHEN (OLD.id = "
            "'%s') EXECUTE FUNCTION px_test_keep_due(); UPDATE job SET status = status WHERE "
            "id = '%s'",
            job, job);
    for (int i = 0; i < 100 && !px_test_log_has(&f->env, "runner carrier_batch failed", id); i++)
        px_sleep_ms(50);
    assert_true(px_test_log_has(&f->env, "runner carrier_batch failed", id));
    long long failed0 =
        px_test_metric(&f->env, "packid_runner_errors_total{runner=\"carrier_batch\"}");
    json_decref(px_test_call(&f->env, "GET", "/v1/verify/" GTIN "/CB0002?country=DE", NULL, NULL,
                             200));
    assert_int_equal(px_count_soon(&f->env, 100,
                                   "SELECT count(*) FROM scan WHERE gtin = '" GTIN
                                   "' AND serial = 'CB0002' AND country = 'DE'"),
                     1);
    /* The runner kept failing meanwhile: the flush came in a pass that also failed. */
    assert_true(px_test_metric(&f->env, "packid_runner_errors_total{runner=\"carrier_batch\"}") >
                failed0);
    px_sqlf(&f->env, "DROP TRIGGER px_test_keep_due ON job; DROP FUNCTION px_test_keep_due()");
    assert_true(px_test_metric(&f->env, "packid_runner_errors_total{runner=\"carrier_batch\"}") >
                0);
    assert_int_equal(px_test_metric(&f->env, "packid_runner_errors_total{runner=\"scan_flush\"}"),
                     0);
    assert_true(px_test_log_has(&f->env, "runner carrier_batch failed", "\"level\":\"error\""));
    px_sqlf(&f->env,
            "UPDATE job SET status = 'failed' FROM carrier_batch b WHERE b.id = '%s' AND job.id = "
            "b.job_id",
            id);
}

/* The group's fixture, for the main() the build writes (cmake/TestMain.cmake). */
#define PX_TEST_SETUP setup
#define PX_TEST_TEARDOWN teardown
