/* cli — packid's command line. Every command reads the same configuration as `serve`
 * (px_config) and takes --json, printing then exactly one JSON object on stdout. */
#ifndef PX_CLI_H
#define PX_CLI_H

#include <jansson.h>

#include "px_config.h"
#include "service.h"
#include "px_err.h"

typedef struct px_cli {
    px_config cfg;
    int json;            /* --json given: print one JSON object */
} px_cli;

/* Exit codes. */
enum { PX_EXIT_OK = 0, PX_EXIT_FAIL = 1, PX_EXIT_USAGE = 2 };

typedef int (*px_cmd_fn)(px_cli *cli, int argc, char **argv);

#define PX_CMD(name, fn, summary) int fn(px_cli *cli, int argc, char **argv);
#include "commands.def"
#undef PX_CMD

int px_cli_main(int argc, char **argv);

/* Prints err (text, or {"error": {...}} with --json) and returns PX_EXIT_FAIL. */
int px_cli_fail(const px_cli *cli, const px_err *err);
/* Prints o on one line of stdout as json_dumps(flags) renders it (JSON_COMPACT for --json)
 * and releases it; PX_EXIT_OK, or PX_EXIT_FAIL when o is NULL or cannot be rendered. */
int px_cli_print_json(json_t *o, size_t flags);
/* Prints a usage line to stderr and returns PX_EXIT_USAGE. */
int px_cli_usage(const char *usage);
/* A command's words. Each command names its options once, NULL-ended: "--name" a flag,
 * "--name=" an option with a value (the next argument, or after "="), "-o|--output=" one
 * option of two spellings (a one-letter one takes its value as the next argument). --json is
 * every command's (px_cli_main takes it). */

/* Checks argv[first..] against options before the command reads anything: every option known
 * and given once, each valued one with its value, a flag without one, and at most max_args
 * other arguments ("-" alone is one). PX_EXIT_OK, or the mistake and the usage on stderr and
 * PX_EXIT_USAGE: a mistyped option never runs the command with the option left out. */
int px_cli_check(int argc, char **argv, int first, const char *const *options, int max_args,
                 const char *usage);
/* The options of a command that has none. */
extern const char *const px_cli_no_options[];
/* Value of "--name VALUE" or "--name=VALUE" in argv, or NULL. */
const char *px_cli_opt(int argc, char **argv, const char *name);
/* The output file: "-o FILE" or "--output FILE" ("--output=FILE"), or NULL. */
const char *px_cli_output(int argc, char **argv);
/* 1 when the flag "--name" is present. */
int px_cli_flag(int argc, char **argv, const char *name);
/* The index of the first argument from argv[i] on that is neither one of options nor the
 * value of a valued one; argc when there is none. */
int px_cli_next_arg(int argc, char **argv, int i, const char *const *options);
/* That argument (from argv[first] on), or NULL. */
const char *px_cli_positional(int argc, char **argv, int first, const char *const *options);

/* What a command that reads or writes the database works with: the service context (embedded
 * cluster started when needed, migrations applied), one connection, the command line's actor
 * (px_actor_cli) and the error the command reports. */
typedef struct px_cli_session {
    px_app app;
    px_db *db;
    px_actor me;
    px_err err;
} px_cli_session;

/* Opens s; on failure s->err says why and nothing is left open. */
px_rc px_cli_open(px_cli *cli, px_cli_session *s);
/* Releases the connection and closes the context (s->err is kept for the report). */
void px_cli_close(px_cli_session *s);

#endif
