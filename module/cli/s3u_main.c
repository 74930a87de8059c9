/*
 * s3-unmask: the command-line face of the module's core.  Subcommands live
 * in their own files; this one only dispatches.
 */

#include <stdio.h>
#include <string.h>

#include "cli/s3u_cli.h"

typedef struct {
    const char  *name;
    int        (*run)(int argc, char **argv);
    const char  *usage;
} s3u_command_t;

static const s3u_command_t commands[] = {
    { "eval", s3u_cmd_eval,
      "eval --policies DIR --principal ARN --action ACT --resource ARN"
      " [--context K=V]... [--json]" },
    { "check", s3u_cmd_check, "check [--json] FILE|DIR..." },
    { "detect", s3u_cmd_detect,
      "detect [--status N] [--header 'Name: value']... [--json] FILE|-" },
    { "lint", s3u_cmd_lint, "lint DIR|FILE..." },
    { "decode", s3u_cmd_decode, "decode --key FILE TOKEN" },
};

static void
usage(FILE *out)
{
    size_t  i;

    fprintf(out, "usage:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  s3-unmask %s\n", commands[i].usage);
    }
}

int
main(int argc, char **argv)
{
    size_t  i;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }

    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "help") == 0)
    {
        usage(stdout);
        return 0;
    }

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }

    fprintf(stderr, "s3-unmask: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
