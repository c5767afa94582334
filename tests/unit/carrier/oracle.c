#include "oracle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "px_proc.h"
#include "px_str.h"

extern char **environ;

#define ZXING "ZXingReader"
#define RSVG "rsvg-convert"
#define FILES_PER_ZXING 400 /* keeps argv small; ZXingReader reads ~2,500 small images/s */
#define SVGS_PER_TILE 100
#define TILE_COLS 10
#define TILE_GAP 16

static char tmpdir[256];

int oracle_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/packid-carrier-XXXXXX", t && t[0] ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "oracle: mkdtemp %s: %s\n", tmpdir, strerror(errno));
        return -1;
    }
    return 0;
}

void oracle_dispose(void)
{
    if (!tmpdir[0])
        return;
    if (getenv("PX_TEST_KEEP_TMP")) {
        fprintf(stderr, "oracle: kept %s\n", tmpdir);
        return;
    }
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

int oracle_group_setup(void **state)
{
    (void)state;
    return oracle_init();
}

int oracle_group_teardown(void **state)
{
    (void)state;
    oracle_dispose();
    return 0;
}

void oracle_items_free(oracle_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++) {
        free(items[i].data);
        items[i].data = NULL;
    }
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* Runs argv (PATH lookup) with stdout to out_path (or inherited); returns the exit status, or
 * -2 when the program is not installed. */
static int run(char *const argv[], const char *out_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_path)
        posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e == ENOENT) {
        fprintf(stderr,
                "oracle: %s is not installed (Debian: zxing-cpp-tools, librsvg2-bin; run "
                "scripts/setup.sh)\n",
                argv[0]);
        return -2;
    }
    if (e != 0) {
        fprintf(stderr, "oracle: cannot run %s: %s\n", argv[0], strerror(e));
        return -1;
    }
    return px_wait_exit(pid);
}

static void item_path(char *out, size_t cap, size_t i, const char *suffix)
{
    snprintf(out, cap, "%s/i%05zu%s", tmpdir, i, suffix);
}

/* Rasterises the SVG items idx[0..n) with one rsvg-convert run: each document is placed
 * unchanged (only x/y added to its root <svg>) on a grid in one page, and the raster is cropped
 * back into one PNG per item, exactly the item's width × height. */
static int rasterise_tile(oracle_item *items, const size_t *idx, size_t n, int tile_no)
{
    int cell_w = 0, cell_h = 0;
    for (size_t k = 0; k < n; k++) {
        if (items[idx[k]].width_px > cell_w)
            cell_w = items[idx[k]].width_px;
        if (items[idx[k]].height_px > cell_h)
            cell_h = items[idx[k]].height_px;
    }
    cell_w += TILE_GAP;
    cell_h += TILE_GAP;
    int cols = n < TILE_COLS ? (int)n : TILE_COLS, rows = (int)((n + TILE_COLS - 1) / TILE_COLS);
    int page_w = cols * cell_w, page_h = rows * cell_h;

    char svg_path[300], png_path[300];
    snprintf(svg_path, sizeof(svg_path), "%s/tile%03d.svg", tmpdir, tile_no);
    snprintf(png_path, sizeof(png_path), "%s/tile%03d.png", tmpdir, tile_no);
    FILE *f = fopen(svg_path, "wb");
    if (!f)
        return -1;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">"
            "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
            page_w, page_h, page_w, page_h);
    for (size_t k = 0; k < n; k++) {
        const oracle_item *it = &items[idx[k]];
        const char *doc = (const char *)it->data;
        const char *root = strstr(doc, "<svg ");
        if (!root) {
            fclose(f);
            fprintf(stderr, "oracle: %s: no <svg> root\n", it->what);
            return -1;
        }
        int x = (int)(k % TILE_COLS) * cell_w, y = (int)(k / TILE_COLS) * cell_h;
        fprintf(f, "<svg x=\"%d\" y=\"%d\" %s", x, y, root + 5);
    }
    fprintf(f, "</svg>\n");
    if (fclose(f) != 0)
        return -1;
    char *argv[] = {RSVG, svg_path, "-o", png_path, NULL};
    if (run(argv, NULL) != 0) {
        fprintf(stderr, "oracle: %s failed on %s\n", RSVG, svg_path);
        return -1;
    }

    png_image img = {0};
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, png_path))
        return -1;
    if ((int)img.width != page_w || (int)img.height != page_h) {
        fprintf(stderr, "oracle: %s is %ux%u, expected %dx%d\n", png_path, img.width,
                img.height, page_w, page_h);
        png_image_free(&img);
        return -1;
    }
    img.format = PNG_FORMAT_GRAY; /* the page is opaque (white rect) */
    unsigned char *page = malloc(PNG_IMAGE_SIZE(img));
    if (!page || !png_image_finish_read(&img, NULL, page, 0, NULL)) {
        free(page);
        png_image_free(&img);
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        oracle_item *it = &items[idx[k]];
        int x = (int)(k % TILE_COLS) * cell_w, y = (int)(k / TILE_COLS) * cell_h;
        png_image out = {0};
        out.version = PNG_IMAGE_VERSION;
        out.width = (png_uint_32)it->width_px;
        out.height = (png_uint_32)it->height_px;
        out.format = PNG_FORMAT_GRAY;
        char p[300];
        item_path(p, sizeof(p), idx[k], ".svg.png");
        const unsigned char *origin = page + (size_t)y * (size_t)page_w + (size_t)x;
        if (!png_image_write_to_file(&out, p, 0, origin, page_w, NULL))
            rc = -1;
    }
    free(page);
    return rc;
}

/* One rsvg-convert run for one document, as a user would rasterise it. */
static int rasterise_alone(size_t i)
{
    char svg[300], png[300];
    item_path(svg, sizeof(svg), i, ".svg");
    item_path(png, sizeof(png), i, ".svg.png");
    char *argv[] = {RSVG, svg, "-o", png, NULL};
    return run(argv, NULL) == 0 ? 0 : -1;
}

/* Reads ZXingReader's report: blocks starting "File: <path>", then per symbol "Bytes: 30 31
 * …" (the exact bytes) and "Identifier: ]d2"; "No barcode found" when none. */
static int parse_report(oracle_item *items, size_t n, const char *path, size_t only)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char line[ORACLE_TEXT_MAX * 3 + 64];
    size_t cur = only; /* one-file runs print no File: line */
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "File:", 5) == 0) {
            const char *b = strrchr(line, '/');
            size_t i;
            cur = (size_t)-1;
            if (b && sscanf(b + 1, "i%5zu", &i) == 1 && i < n)
                cur = i;
            continue;
        }
        if (cur == (size_t)-1)
            continue;
        oracle_item *it = &items[cur];
        if (strncmp(line, "Bytes:", 6) == 0) {
            it->got_len = 0;
            for (const char *p = line + 6; *p;) {
                while (*p == ' ')
                    p++;
                if (!*p)
                    break;
                int hi = px_hexval((unsigned char)p[0]),
                    lo = p[1] ? px_hexval((unsigned char)p[1]) : -1;
                if (hi < 0 || lo < 0 || it->got_len >= sizeof(it->got) - 1)
                    break;
                it->got[it->got_len++] = (char)(hi * 16 + lo);
                p += 2;
            }
            it->got[it->got_len] = '\0';
        } else if (strncmp(line, "Identifier:", 11) == 0) {
            const char *v = line + 11;
            while (*v == ' ')
                v++;
            snprintf(it->id, sizeof(it->id), "%.7s", v);
            it->found++;
        }
    }
    fclose(f);
    return 0;
}

int oracle_decode(oracle_item *items, size_t n)
{
    char p[300];
    size_t *svgs = malloc((n ? n : 1) * sizeof(*svgs));
    if (!svgs)
        return -1;
    size_t nsvg = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        items[i].found = 0;
        items[i].id[0] = '\0';
        items[i].got_len = 0;
        /* A tiled SVG goes into its tile's page only (fewer files: creating thousands of
         * files is most of this test's time). */
        int tiled = items[i].svg && !items[i].svg_alone;
        item_path(p, sizeof(p), i, items[i].svg ? ".svg" : ".png");
        if (!tiled && write_file(p, items[i].data, items[i].len) != 0) {
            fprintf(stderr, "oracle: cannot write %s\n", p);
            rc = -1;
        }
        if (rc == 0 && items[i].svg && items[i].svg_alone)
            rc = rasterise_alone(i);
        else if (items[i].svg)
            svgs[nsvg++] = i;
    }
    for (size_t k = 0, tile = 0; rc == 0 && k < nsvg; k += SVGS_PER_TILE, tile++) {
        size_t m = nsvg - k < SVGS_PER_TILE ? nsvg - k : SVGS_PER_TILE;
        rc = rasterise_tile(items, svgs + k, m, (int)tile);
    }
    free(svgs);
    for (size_t start = 0, run_no = 0; rc == 0 && start < n; start += FILES_PER_ZXING, run_no++) {
        size_t m = n - start < FILES_PER_ZXING ? n - start : FILES_PER_ZXING;
        char **argv = calloc(m + 2, sizeof(*argv));
        if (!argv)
            return -1;
        argv[0] = ZXING;
        for (size_t k = 0; k < m && rc == 0; k++) {
            item_path(p, sizeof(p), start + k, items[start + k].svg ? ".svg.png" : ".png");
            argv[k + 1] = strdup(p);
            if (!argv[k + 1])
                rc = -1;
        }
        char report[300];
        snprintf(report, sizeof(report), "%s/zxing%03zu.txt", tmpdir, run_no);
        if (rc == 0) {
            int st = run(argv, report);
            if (st != 0) {
                fprintf(stderr, "oracle: %s exited with %d\n", ZXING, st);
                rc = -1;
            }
        }
        for (size_t k = 1; k <= m; k++)
            free(argv[k]);
        free(argv);
        if (rc == 0)
            rc = parse_report(items, n, report, m == 1 ? start : (size_t)-1);
    }
    return rc;
}

static void print_bytes(const char *label, const char *s, size_t len)
{
    fprintf(stderr, "  %s (%zu bytes): ", label, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1D)
            fputs("<GS>", stderr);
        else if (c < 0x20 || c > 0x7E)
            fprintf(stderr, "<%02X>", c);
        else
            fputc(c, stderr);
    }
    fputc('\n', stderr);
}

int oracle_check(const oracle_item *it)
{
    if (it->found == 1 && strcmp(it->id, it->expect_id) == 0 && it->got_len == it->expect_len &&
        memcmp(it->got, it->expect, it->expect_len) == 0)
        return 1;
    fprintf(stderr, "oracle: %s: found %d symbol(s), identifier \"%s\" (expected \"%s\")\n",
            it->what, it->found, it->id, it->expect_id);
    print_bytes("expected", it->expect, it->expect_len);
    print_bytes("decoded ", it->got, it->got_len);
    return 0;
}

long oracle_decode_check(oracle_item *items, size_t n)
{
    if (oracle_decode(items, n) != 0)
        return -1;
    long bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!oracle_check(&items[i]))
            bad++;
    return bad;
}
