/*
 * cli.h - the hetmc command line: subcommands, and the checks every subcommand shares.
 *
 * Exit codes: 0 success, 1 a run failed (a failed row, a failed check), 2 bad usage (the
 * message is one line on stderr naming the argument and what is accepted; nothing on stdout),
 * 130 interrupted (a signal stopped a run or matrix between repetitions; the finished rows
 * are kept).
 */
#ifndef HETMC_CLI_H
#define HETMC_CLI_H

#include "hetmc.h"

#include <stdio.h>

enum { HM_EXIT_OK = 0, HM_EXIT_FAIL = 1, HM_EXIT_USAGE = 2, HM_EXIT_INTERRUPTED = 130 };

/* Prints "hetmc <cmd>: <message>" as one line on stderr and returns HM_EXIT_USAGE. */
int hm_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parses a number option; on failure prints the usage error and returns -1. */
int hm_opt_u64(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
               uint64_t *out);

/* Reports an option getopt_long rejected (getopt returned ':' for a missing value, '?' for an
 * unknown option; arg is argv[optind - 1]); returns 2. `accepted` lists the options. */
int hm_bad_option(const char *cmd, int missing_value, const char *arg, const char *accepted);

/* Finds a backend by name or prints the usage error (with the accepted names); NULL then. */
const hm_backend *hm_opt_backend(const char *cmd, const char *opt, const char *name);

/* Subcommands. Each gets argv with argv[0] being the subcommand name. */
int hm_cmd_run(int argc, char **argv);
int hm_cmd_matrix(int argc, char **argv);
int hm_cmd_compare(int argc, char **argv);
int hm_cmd_devices(int argc, char **argv);
int hm_cmd_verify(int argc, char **argv);

#endif /* HETMC_CLI_H */
