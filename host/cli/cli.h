/*
 * cli.h - the hetmc command line: subcommands, and the checks every subcommand shares.
 *
 * Exit codes: 0 success, 1 a run failed (a failed row, a failed check, a write error), 2 bad
 * usage (the message is one line on stderr naming the argument and what is accepted; nothing
 * on stdout), 130 interrupted (SIGINT, SIGTERM or SIGHUP stopped a run or matrix; the finished
 * rows are kept and the matrix still writes its comparison).
 */
#ifndef HETMC_CLI_H
#define HETMC_CLI_H

#include "hetmc.h"

#include <getopt.h>
#include <stdio.h>

enum { HM_EXIT_OK = 0, HM_EXIT_FAIL = 1, HM_EXIT_USAGE = 2, HM_EXIT_INTERRUPTED = 130 };

/* Prints "hetmc <cmd>: <message>" as one line on stderr and returns HM_EXIT_USAGE. */
int hm_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parses a number option; on failure prints the usage error (not a number, negative, out of
 * range, not a whole number) and returns -1. */
int hm_opt_u64(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
               uint64_t *out);
/* Parses seconds written as a decimal (0.01, 2, 1e-3) from min to max; as hm_opt_u64. */
int hm_opt_seconds(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out);

/* Reports an option getopt_long rejected (c is what it returned: ':' for a missing value, '?'
 * for an unknown option, or a long option given a value it does not take); returns 2.
 * `accepted` lists the options. A short option inside a bundle (-qx) is named by itself. */
int hm_opt_rejected(const char *cmd, int c, char **argv, const struct option *longopts,
                    const char *accepted);
/* The same without the option table (arg is argv[optind - 1]). */
int hm_bad_option(const char *cmd, int missing_value, const char *arg, const char *accepted);

/* When option c (from longopts) takes a value and getopt handed it the next option instead
 * (`--samples --reps 3`), prints that the value is missing and returns 2; else -1. */
int hm_opt_value_missing(const char *cmd, const struct option *longopts, int c,
                         const char *value);

/* Finds a backend by name or prints the usage error (with the accepted names); NULL then. */
const hm_backend *hm_opt_backend(const char *cmd, const char *opt, const char *name);

/* The time limit of one run of `samples` samples when --timeout is not given:
 * hm_default_timeout with the base from HETMC_DEFAULT_TIMEOUT (seconds) when set. Returns 0,
 * or -1 after the usage error for a bad value. */
int hm_default_limit(const char *cmd, uint64_t samples, double *out);

/* --bind none|cores into *bind (HM_BIND_*); prints the usage error and returns -1 if neither. */
int hm_opt_bind(const char *cmd, const char *text, unsigned *bind);

/* Standard output, checked. hm_stdout_guard (first thing in main) routes stdout through a
 * stream that remembers the first write error; hm_stdout_finish flushes and closes it and,
 * when anything failed, prints "hetmc: writing standard output: <why>" and turns a 0 exit
 * status into 1. Every command's output is checked this way. */
int hm_stdout_guard(void);
int hm_stdout_finish(int rc);

/* The measuring commands (run, matrix) first thing: under a launcher with several ranks
 * (hm_launcher) every rank but 0 writes nothing from here on, bad usage included, so that the
 * ranks do not print the same lines. devices, verify and --version stay per rank: a batch
 * script gathers them from every node. */
void hm_quiet_other_ranks(void);

/* Before measuring: looks at the machine's foreign load for a second (load.h) and, when other
 * programs are busy, waits up to `seconds` (--wait-idle) for them to finish, saying so on
 * stderr ("hetmc CMD: ...") with the busiest of them; when still busy, says that their
 * repetitions will be marked, and `then` what follows for them (" and measured again"). *foreign and busiest get the last look's load and processes.
 * Returns 1 when the machine is quiet (or the load is not measured here), else 0. */
int hm_wait_idle(const char *cmd, const char *then, double seconds, double *foreign,
                 char *busiest, size_t len);

/* Subcommands. Each gets argv with argv[0] being the subcommand name. */
int hm_cmd_run(int argc, char **argv);
int hm_cmd_matrix(int argc, char **argv);
int hm_cmd_compare(int argc, char **argv);
int hm_cmd_devices(int argc, char **argv);
int hm_cmd_verify(int argc, char **argv);
int hm_cmd_schema(int argc, char **argv);
int hm_cmd_summarize(int argc, char **argv);

#endif /* HETMC_CLI_H */
