/* The independent decoder the carrier tests check against (tests/README.md: outside
 * oracles where they exist): ZXingReader from Debian's zxing-cpp-tools, with SVGs rasterised by
 * rsvg-convert (librsvg2-bin). Tests are not a layer: they write files and spawn processes. */
#ifndef PX_TEST_CARRIER_ORACLE_H
#define PX_TEST_CARRIER_ORACLE_H

#include <stddef.h>

#define ORACLE_TEXT_MAX 4096

/* One rendered symbol to decode. The caller fills what it rendered and what it expects; the
 * oracle fills the decoded identifier and bytes. */
typedef struct oracle_item {
    int svg;                        /* 1: data is an SVG document, rasterised before decoding */
    int svg_alone;                  /* rasterise it on its own page (else tiled with others) */
    unsigned char *data;            /* the rendered file (owned by the item) */
    size_t len;
    int width_px, height_px;        /* rendered size (SVG: its width/height attributes) */
    const char *expect_id;          /* "]d2", "]Q1" */
    char expect[ORACLE_TEXT_MAX];   /* the exact bytes a scanner must transmit */
    size_t expect_len;
    const char *what;               /* description for failure messages */
    /* filled by oracle_decode */
    int found;                      /* number of symbols read in the image */
    char id[8];
    char got[ORACLE_TEXT_MAX];
    size_t got_len;
} oracle_item;

/* Creates a private temporary folder (mkdtemp); 0 or -1. */
int oracle_init(void);
/* Removes the folder and everything in it (unless PX_TEST_KEEP_TMP is set). */
void oracle_dispose(void);
/* oracle_init and oracle_dispose as a cmocka group setup and teardown. */
int oracle_group_setup(void **state);
int oracle_group_teardown(void **state);
/* Writes every item's file, rasterises the SVGs (many per rsvg-convert run, cropped apart
 * again), runs ZXingReader over all of them in few processes and fills found/id/got. Returns
 * 0, or -1 with a message on stderr when a tool is missing or fails (scripts/setup.sh installs
 * zxing-cpp-tools and librsvg2-bin). */
int oracle_decode(oracle_item *items, size_t n);
/* 1 when item decoded exactly as expected; otherwise prints why and returns 0. */
int oracle_check(const oracle_item *it);
/* oracle_decode, then oracle_check of every item: how many did not decode as expected, or -1
 * when the decoder could not run. */
long oracle_decode_check(oracle_item *items, size_t n);
void oracle_items_free(oracle_item *items, size_t n);

#endif
