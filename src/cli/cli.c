#include "cli.h"
#include "px_array.h"
#include "px_clock.h"
#include "px_log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    px_cmd_fn fn;
    const char *summary;
} command;

static const command commands[] = {
#define PX_CMD(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef PX_CMD
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: packid <command> [options] [--json]\n"
                 "       packid --version | help | <command> --help\n\ncommands:\n");
    for (size_t i = 0; i < PX_COUNT(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nconfiguration: PACKID_LISTEN, PACKID_DATA_DIR, PACKID_DATABASE_URL, … "
                 "(README \"Configuration\")\n");
}

static int is_help(const char *a)
{
    return strcmp(a, "help") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int px_cli_fail(const px_cli *cli, const px_err *err)
{
    if (cli && cli->json) {
        json_t *e = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
        if (err->field[0])
            json_object_set_new(e, "field", json_string(err->field));
        if (err->pos >= 0) {
            json_object_set_new(e, "position", json_integer(err->pos));
            json_object_set_new(e, "length", json_integer(err->len));
        }
        json_t *o = json_pack("{s:o}", "error", e);
        px_cli_print_json(o, JSON_COMPACT);
    } else {
        fprintf(stderr, "packid: %s", err->message);
        if (err->field[0])
            fprintf(stderr, " (%s)", err->field);
        if (err->pos >= 0)
            fprintf(stderr, " at position %d", err->pos + 1);
        fprintf(stderr, " [%s]\n", err->code);
    }
    return PX_EXIT_FAIL;
}

int px_cli_print_json(json_t *o, size_t flags)
{
    char *s = o ? json_dumps(o, flags) : NULL;
    json_decref(o);
    if (!s)
        return PX_EXIT_FAIL;
    printf("%s\n", s);
    free(s);
    return PX_EXIT_OK;
}

int px_cli_usage(const char *usage)
{
    fprintf(stderr, "usage: packid %s\n", usage);
    return PX_EXIT_USAGE;
}

/* The entry of options that argv word a names ("--name" or "--name=v" for a long one, the
 * whole word for a short one), -1 when none; *valued whether it takes a value, *inline whether
 * a carries it ("--name=v"). */
static int option_of(const char *const *options, const char *a, int *valued, int *inline_value)
{
    size_t len = a[1] == '-' ? strcspn(a, "=") : strlen(a);
    for (int k = 0; options[k]; k++) {
        /* The entry's spellings, "|" between them ("-o|--output="). */
        for (const char *p = options[k];; p++) {
            size_t n = strcspn(p, "|=");
            if (n == len && strncmp(p, a, n) == 0) {
                *valued = options[k][strlen(options[k]) - 1] == '=';
                *inline_value = a[len] == '=';
                return k;
            }
            p += n;
            if (*p != '|')
                break;
        }
    }
    return -1;
}

static int is_option(const char *a)
{
    return a[0] == '-' && a[1] != '\0';
}

const char *const px_cli_no_options[] = {NULL};

/* Whether option k stands among argv[first..i) as an option (not as another's value). */
static int given_before(char **argv, int first, int i, const char *const *options, int k)
{
    for (int j = first; j < i; j++) {
        int valued = 0, inline_value = 0;
        int kj = is_option(argv[j]) ? option_of(options, argv[j], &valued, &inline_value) : -1;
        if (kj == k)
            return 1;
        j += kj >= 0 && valued && !inline_value;
    }
    return 0;
}

int px_cli_check(int argc, char **argv, int first, const char *const *options, int max_args,
                 const char *usage)
{
    int args = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int valued = 0, inline_value = 0;
        int k = is_option(a) ? option_of(options, a, &valued, &inline_value) : -2;
        int name_len = (int)strcspn(a, "=");
        if (k == -2) {
            if (++args <= max_args)
                continue;
            fprintf(stderr, "packid: unexpected argument %s\n", a);
        } else if (k < 0) {
            fprintf(stderr, "packid: unknown option %.*s\n", name_len, a);
        } else if (given_before(argv, first, i, options, k)) {
            fprintf(stderr, "packid: %.*s given twice\n", name_len, a);
        } else if (valued && !inline_value && i + 1 >= argc) {
            fprintf(stderr, "packid: %s needs a value\n", a);
        } else if (!valued && inline_value) {
            fprintf(stderr, "packid: %.*s takes no value\n", name_len, a);
        } else {
            i += valued && !inline_value;
            continue;
        }
        return px_cli_usage(usage);
    }
    return PX_EXIT_OK;
}

const char *px_cli_opt(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0 || strncmp(argv[i] + 2, name, n) != 0)
            continue;
        const char *rest = argv[i] + 2 + n;
        if (*rest == '=')
            return rest + 1;
        if (*rest == '\0' && i + 1 < argc)
            return argv[i + 1];
    }
    return NULL;
}

const char *px_cli_output(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-o") == 0)
            return argv[i + 1];
    return px_cli_opt(argc, argv, "output");
}

int px_cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0)
            return 1;
    return 0;
}

int px_cli_next_arg(int argc, char **argv, int i, const char *const *options)
{
    for (; i < argc; i++) {
        int valued = 0, inline_value = 0;
        if (!is_option(argv[i]))
            return i;
        if (option_of(options, argv[i], &valued, &inline_value) >= 0 && valued && !inline_value)
            i++;
    }
    return argc;
}

const char *px_cli_positional(int argc, char **argv, int first, const char *const *options)
{
    int i = px_cli_next_arg(argc, argv, first, options);
    return i < argc ? argv[i] : NULL;
}

int px_cli_main(int argc, char **argv)
{
    px_cli cli = {0};
    /* --json may stand anywhere; strip it first, so commands see only their own arguments
     * and "packid --json" alone is a usage mistake like "packid", with no command to read. */
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            cli.json = 1;
        else
            argv[n++] = argv[i];
    }
    argc = n;
    argv[argc] = NULL;
    /* The conventions operators expect: help on stdout with exit 0, usage mistakes on
     * stderr with exit 2, --version. */
    if (argc < 2) {
        print_help(stderr);
        return PX_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        print_help(stdout);
        return PX_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("packid %s\n", PX_VERSION);
        return PX_EXIT_OK;
    }
    /* "packid key --help" as "packid key create --help": help anywhere after the command
     * (no option of ours takes a value that begins with "--help"). */
    int help = argc > 2 && is_help(argv[2]);
    for (int k = 3; k < argc && !help; k++)
        help = strcmp(argv[k], "--help") == 0;
    for (size_t i = 0; help && i < PX_COUNT(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            printf("usage: packid %s …\n  %s\n", commands[i].name, commands[i].summary);
            return PX_EXIT_OK;
        }
    px_err err = PX_ERR_INIT;
    if (px_config_load(&cli.cfg, &err) != PX_OK)
        return px_cli_fail(&cli, &err);
    px_log_set_level((px_log_level)cli.cfg.log_level);
    if (cli.cfg.test_now_us)
        px_clock_set(cli.cfg.test_now_us);
    for (size_t i = 0; i < PX_COUNT(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(&cli, argc - 1, argv + 1);
    fprintf(stderr, "packid: unknown command \"%s\"\n", argv[1]);
    print_help(stderr);
    return PX_EXIT_USAGE;
}
