/* The console's files, embedded at build time by cmake/EmbedConsole.cmake (docs/console.md). */
#ifndef PX_CONSOLE_ASSETS_H
#define PX_CONSOLE_ASSETS_H

#include <stddef.h>

typedef struct px_console_asset {
    const char *name; /* served as /console/<name>; hashed except index.html */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
} px_console_asset;

extern const px_console_asset px_console_index;
/* Ends with an entry whose name is NULL. */
extern const px_console_asset px_console_assets[];

#endif
