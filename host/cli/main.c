/* main.c - the hetmc CLI: picks the subcommand; each subcommand parses its own options. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "proc_util.h"
#include "kernel.h"
#include "provenance.h"
#include "report.h"
#include "sysinfo.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", hm_cmd_run, "one backend, one size: warm-up, R timed repetitions, validated"},
    {"matrix", hm_cmd_matrix, "backends x devices x workers x samples: CSVs and provenance"},
    {"compare", hm_cmd_compare, "two runs side by side: ratio of medians, Mann-Whitney U"},
    {"devices", hm_cmd_devices, "every OpenCL device with its index (what --device takes)"},
    {"verify", hm_cmd_verify, "known answers and golden counts on every backend and device"},
    {"schema", hm_cmd_schema, "the columns of runs.csv and comparison.csv (csv, json, markdown)"},
    {"summarize", hm_cmd_summarize, "the comparison.csv of any runs.csv, as the matrix derives it"},
};

static void print_help(FILE *f)
{
    fprintf(f, "hetmc %s - Monte Carlo pi on threads, processes, OpenMP and OpenCL devices,\n"
               "with one counter-based stream (Philox4x32-10) so every backend counts the same "
               "hits.\n\nusage: hetmc <command> [options]   (hetmc <command> --help for its "
               "options)\n\ncommands:\n",
            HM_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nbackends in this build:\n");
    for (size_t i = 0; i < hm_backend_count(); i++)
        fprintf(f, "  %-10s %s\n", hm_backend_at(i)->name, hm_backend_at(i)->summary);
    const char *missing = hm_backends_missing();
    if (missing[0]) {
        fprintf(f, "\nnot built into this binary:\n");
        for (const char *p = missing; *p;) {
            const char *nl = strchr(p, '\n');
            fprintf(f, "  %.*s\n", (int)(nl - p), p);
            p = nl + 1;
        }
    }
    fprintf(f, "\nNumbers accept 1000000, 1e8, 2^30, 100M, 1G (powers of 1000) and 64Ki, 1Gi "
               "(powers of 1024).\nExit status: 0 ok, 1 a run or check failed (or output could not "
               "be written,\na closed pipe included: SIGPIPE is ignored, the files are still "
               "written),\n2 bad usage (or the matrix's folder is in use), 130 interrupted by "
               "SIGINT, SIGTERM or SIGHUP.\n");
}

/* The names of the HM_USES_* bits, for --list-backends. */
static const struct {
    unsigned bit;
    const char *name;
} uses_names[] = {
    {HM_USES_DEVICE, "device"},   {HM_USES_LOCAL_SIZE, "local-size"},
    {HM_USES_ITEM_BLOCKS, "item-blocks"}, {HM_USES_TIMEOUT, "timeout"},
    {HM_USES_BIND, "bind"},       {HM_USES_TASKS, "tasks"},
    {HM_USES_PARTS, "parts"},     {HM_COLLECTIVE, "collective"},
};

/* One CSV row per backend of this build, in the registry's order, for scripts and tests:
 * name, family, max_workers (0: any), uses (the options it reads, space-separated), flags
 * (reference: the baseline of comparisons; parts: its workers are its parts'), summary. */
static void list_backends(void)
{
    printf("name,family,max_workers,uses,flags,summary\n");
    for (size_t i = 0; i < hm_backend_count(); i++) {
        const hm_backend *b = hm_backend_at(i);
        char uses[256] = "";
        for (size_t k = 0; k < sizeof uses_names / sizeof uses_names[0]; k++)
            if (b->uses & uses_names[k].bit) {
                strcat(uses, uses[0] ? " " : "");
                strcat(uses, uses_names[k].name);
            }
        printf("%s,%s,%u,%s,%s%s%s,", b->name, b->family, b->max_workers, uses,
               b->flags & HM_REFERENCE ? "reference" : "",
               (b->flags & HM_REFERENCE) && (b->flags & HM_WORKERS_FROM_PARTS) ? " " : "",
               b->flags & HM_WORKERS_FROM_PARTS ? "parts" : "");
        hm_csv_field(stdout, b->summary);
        putchar('\n');
    }
}

/* The command named by argv[1]; returns its exit status. */
static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return hm_usage_error(NULL, "a command is required; try 'hetmc --help'");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return HM_EXIT_OK;
    }
    if (strcmp(argv[1], "--list-backends") == 0 && argc == 2) {
        list_backends();
        return HM_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 && argc > 2)
        return hm_usage_error(NULL, "--version takes no argument; '%s' follows it", argv[2]);
    if (strcmp(argv[1], "--version") == 0) {
        printf("hetmc %s\n", HM_VERSION);
        hm_provenance_write(stdout);
        return HM_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);

    char names[256] = "";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, commands[i].name);
    }
    return hm_usage_error(NULL, "unknown command '%s'; accepted: %s, --help, --version, "
                          "--list-backends", argv[1], names);
}

/* An OMP_NUM_THREADS that libgomp rejects (0, text): libgomp said so once, before main, and
 * uses its default; removing it keeps every worker process (spawn) from saying it again. */
static void drop_invalid_omp_threads(void)
{
    const char *v = getenv("OMP_NUM_THREADS");
    if (v && (!*v || strspn(v, "0123456789,") != strlen(v) || atoi(v) < 1))
        unsetenv("OMP_NUM_THREADS");
}

int main(int argc, char **argv)
{
    hm_error err = {0};
    drop_invalid_omp_threads();
    /* The spawn backend's worker: a hidden command, left out of --help on purpose. */
    if (argc > 1 && strcmp(argv[1], HM_WORKER_COMMAND) == 0)
        return hm_kernel_select(getenv("HETMC_KERNEL"), &err) < 0
                   ? hm_usage_error(NULL, "HETMC_KERNEL: %s", err.msg)
                   : hm_cmd_worker(argc - 1, argv + 1);
    /* A reader that went away (`hetmc matrix 2>&1 | head`) is a write error like any other,
     * EPIPE, checked where the output is: not a death by SIGPIPE halfway through a matrix.
     * Workers put the default back before they start (hm_proc_child_init). */
    signal(SIGPIPE, SIG_IGN);
    /* The affinity mask as hetmc starts, before any worker is pinned. */
    hm_allowed_cpus();
    if (hm_stdout_guard() != 0) {
        fprintf(stderr, "hetmc: cannot set up standard output: %s\n", strerror(errno));
        return HM_EXIT_FAIL;
    }
    int rc = hm_kernel_select(getenv("HETMC_KERNEL"), &err) < 0
                 ? hm_usage_error(NULL, "HETMC_KERNEL: %s", err.msg)
                 : dispatch(argc, argv);
    return hm_stdout_finish(rc);
}
