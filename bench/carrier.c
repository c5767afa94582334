/* bench_carrier — GS1 DataMatrix PNG renders per second through packid's carrier code
 * (px_carrier_datamatrix), beside a bare loop in the same run that encodes the same payloads
 * with libdmtx at 1 px/module and writes the same 1-bit PNG directly with libpng: the raw
 * limit of these two libraries. Target: packid ≥ 0.8 × bare.
 *
 *   bench_carrier [-n PACKS] [--rounds R] [--module PX] [--zint-input FILE] [--zint-n M]
 *
 * Payloads: PACKS different packs (random GTIN, expiry, batch, 20-character serial from set
 * 82), built by the GS1 core exactly as packid builds them. The two loops alternate R times;
 * the best round of each is reported. --zint-input writes the first M payloads in zint's
 * bracketed batch syntax, for bench/carrier.sh to time `zint --gs1` as a peer. */
#include <dmtx.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "carrier.h"
#include "gs1.h"
#include "px_splitmix.h"

static const char SET82[] = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                            "abcdefghijklmnopqrstuvwxyz";

static uint64_t rng_state = 20160161u;

static int rng_below(int n)
{
    return (int)(px_splitmix64(&rng_state) % (uint64_t)n);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct payload {
    char es[128];
    size_t len;
    gs1_pack pack;
} payload;

static int make_payloads(payload *p, int n)
{
    for (int i = 0; i < n; i++) {
        gs1_pack *k = &p[i].pack;
        memset(k, 0, sizeof(*k));
        for (int d = 0; d < 13; d++)
            k->gtin[d] = (char)('0' + rng_below(10));
        k->gtin[13] = (char)gs1_check_digit(k->gtin, 13);
        int ymd[3] = {26 + rng_below(10), 1 + rng_below(12), 1 + rng_below(28)};
        for (int d = 0; d < 3; d++) {
            k->expiry[2 * d] = (char)('0' + ymd[d] / 10);
            k->expiry[2 * d + 1] = (char)('0' + ymd[d] % 10);
        }
        k->expiry[6] = '\0';
        for (int d = 0; d < 8; d++)
            k->batch[d] = SET82[rng_below(82)];
        for (int d = 0; d < GS1_SERIAL_MAX; d++)
            k->serial[d] = SET82[rng_below(82)];
        gs1_elements el;
        px_err err;
        if (gs1_pack_elements(&el, k, &err) != PX_OK ||
            gs1_element_string_format(p[i].es, sizeof(p[i].es), &el, &err) != PX_OK) {
            fprintf(stderr, "bench_carrier: pack %d: %s\n", i, err.message);
            return -1;
        }
        p[i].len = strlen(p[i].es);
    }
    return 0;
}

/* ---- the bare loop: libdmtx at 1 px/module + a minimal 1-bit PNG ------------------------ */

typedef struct mem {
    unsigned char *data;
    size_t len, cap;
} mem;

static void mem_write(png_structp png, png_bytep d, size_t n)
{
    mem *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *p = realloc(m->data, cap);
        if (!p)
            png_error(png, "oom");
        m->data = p;
        m->cap = cap;
    }
    memcpy(m->data + m->len, d, n);
    m->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

static int bare_png(mem *out, const DmtxImage *img, int mpx, int q, unsigned char *row)
{
    int w = (img->width + 2 * q) * mpx, h = (img->height + 2 * q) * mpx;
    size_t rowbytes = ((size_t)w + 7) / 8;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, out, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = -q; y < img->height + q; y++) {
        memset(row, 0xFF, rowbytes);
        if (y >= 0 && y < img->height) {
            const unsigned char *src = img->pxl + (size_t)y * (size_t)img->rowSizeBytes;
            for (int x = 0; x < img->width; x++)
                if (src[x] < 128)
                    for (int p = (q + x) * mpx; p < (q + x + 1) * mpx; p++)
                        row[p >> 3] &= (unsigned char)~(0x80u >> (p & 7));
        }
        for (int r = 0; r < mpx; r++)
            png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static int bare_one(mem *out, const payload *p, int mpx, unsigned char *row)
{
    unsigned char data[130];
    data[0] = 0x1D; /* FNC1 in first position */
    memcpy(data + 1, p->es, p->len);
    DmtxEncode *enc = dmtxEncodeCreate();
    dmtxEncodeSetProp(enc, DmtxPropScheme, DmtxSchemeAscii);
    dmtxEncodeSetProp(enc, DmtxPropFnc1, 0x1D);
    dmtxEncodeSetProp(enc, DmtxPropSizeRequest, DmtxSymbolSquareAuto);
    dmtxEncodeSetProp(enc, DmtxPropModuleSize, 1);
    dmtxEncodeSetProp(enc, DmtxPropMarginSize, 0);
    dmtxEncodeSetProp(enc, DmtxPropPixelPacking, DmtxPack8bppK);
    int rc = dmtxEncodeDataMatrix(enc, (int)p->len + 1, data) == DmtxPass
                 ? bare_png(out, enc->image, mpx, 1, row)
                 : -1;
    dmtxEncodeDestroy(&enc);
    return rc;
}

/* ---- the two loops ---------------------------------------------------------------------- */

static double run_packid(const payload *p, int n, const px_carrier_opts *o, size_t *bytes)
{
    px_buf b;
    px_buf_init(&b, 1u << 20);
    px_err err;
    size_t total = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        px_buf_reset(&b);
        if (px_carrier_datamatrix(&b, p[i].es, p[i].len, o, &err) != PX_OK) {
            fprintf(stderr, "bench_carrier: packid pack %d: %s\n", i, err.message);
            exit(1);
        }
        total += b.len;
    }
    double t = now() - t0;
    px_buf_dispose(&b);
    *bytes = total;
    return n / t;
}

static double run_bare(const payload *p, int n, int mpx, size_t *bytes)
{
    mem out = {0};
    unsigned char row[4096];
    size_t total = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        out.len = 0;
        if (bare_one(&out, &p[i], mpx, row) != 0) {
            fprintf(stderr, "bench_carrier: bare pack %d failed\n", i);
            exit(1);
        }
        total += out.len;
    }
    double t = now() - t0;
    free(out.data);
    *bytes = total;
    return n / t;
}

/* Both loops must render the same image: the comparison is only fair if they do the same
 * work. Their PNG bytes are compared for the first packs. */
static int same_output(const payload *p, int n, const px_carrier_opts *o)
{
    px_buf b;
    px_buf_init(&b, 1u << 20);
    mem out = {0};
    unsigned char row[4096];
    px_err err;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        px_buf_reset(&b);
        out.len = 0;
        ok = px_carrier_datamatrix(&b, p[i].es, p[i].len, o, &err) == PX_OK &&
             bare_one(&out, &p[i], o->module_px, row) == 0 && out.len == b.len &&
             memcmp(out.data, b.data, b.len) == 0;
    }
    px_buf_dispose(&b);
    free(out.data);
    return ok;
}

static int write_zint_input(const char *path, const payload *p, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        const gs1_pack *k = &p[i].pack;
        fprintf(f, "[01]%s[17]%s[10]%s[21]%s\n", k->gtin, k->expiry, k->batch, k->serial);
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
    int n = 100000, rounds = 2, mpx = 5, zint_n = 2000;
    const char *zint_input = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--module") == 0 && i + 1 < argc)
            mpx = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--zint-input") == 0 && i + 1 < argc)
            zint_input = argv[++i];
        else if (strcmp(argv[i], "--zint-n") == 0 && i + 1 < argc)
            zint_n = (int)strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_carrier [-n PACKS] [--rounds R] [--module PX] "
                            "[--zint-input FILE] [--zint-n M]\n");
            return 2;
        }
    }
    if (n < 1 || rounds < 1 || mpx < 1 || mpx > 64 || zint_n < 1)
        return 2;
    payload *p = calloc((size_t)n, sizeof(*p));
    if (!p || make_payloads(p, n) != 0)
        return 1;
    if (zint_input && write_zint_input(zint_input, p, zint_n < n ? zint_n : n) != 0) {
        fprintf(stderr, "bench_carrier: cannot write %s\n", zint_input);
        return 1;
    }
    px_carrier_opts o;
    px_carrier_opts_init(&o); /* square, 1-bit PNG, 1-module quiet zone */
    o.module_px = mpx;
    if (!same_output(p, n < 1000 ? n : 1000, &o)) {
        fprintf(stderr, "bench_carrier: packid and the bare loop render different PNGs\n");
        return 1;
    }
    printf("packs: %d different (GTIN+17+10+21, 20-character set-82 serials), %d px/module, "
           "1-bit PNG, quiet zone 1 module; best of %d rounds\n",
           n, mpx, rounds);
    double best_px = 0, best_bare = 0;
    size_t bytes_px = 0, bytes_bare = 0;
    for (int r = 0; r < rounds; r++) {
        double a = run_bare(p, n, mpx, &bytes_bare);
        double b = run_packid(p, n, &o, &bytes_px);
        printf("  round %d: bare %.0f/s, packid %.0f/s\n", r + 1, a, b);
        fflush(stdout);
        if (a > best_bare)
            best_bare = a;
        if (b > best_px)
            best_px = b;
    }
    printf("bare libdmtx+libpng : %8.0f renders/s (%.0f bytes/PNG)\n", best_bare,
           (double)bytes_bare / n);
    printf("packid carrier      : %8.0f renders/s (%.0f bytes/PNG)\n", best_px,
           (double)bytes_px / n);
    printf("ratio packid/bare   : %8.3f (target >= 0.8)\n", best_px / best_bare);
    free(p);
    return best_px / best_bare >= 0.8 ? 0 : 3;
}
