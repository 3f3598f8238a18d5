/*
 * cmd_run.c - `hetmc run`: one backend, one size, R timed repetitions after one untimed warm-up.
 *
 * Method (printed with the table): the backend is prepared once (threads, processes, programs
 * that it can reuse), run once untimed as a warm-up, then R times; wall_s is the caller's
 * CLOCK_MONOTONIC around each run() call. Every count is validated: the estimate must lie
 * within HM_VALIDATE_SIGMA standard errors of pi (for N >= 1000), and every repetition must
 * count exactly the warm-up's hits. A row that fails either check is `failed`, carries no
 * speed, and makes the exit status 1.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "clock.h"
#include "runner.h"
#include "stats.h"
#include "sysinfo.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define RUN_ACCEPTED                                                                         \
    "--backend B, --workers W, --samples N, --seed S, --device D, --local-size L, "          \
    "--timeout SECONDS, --tasks T, --reps R, --format table|csv, --help"

typedef struct run_options {
    const hm_backend *backend;
    uint64_t workers;
    int workers_set;
    uint64_t samples;
    uint64_t seed;
    const char *device;
    uint64_t local_size;
    uint64_t timeout_s;
    uint64_t tasks;
    int local_size_set, timeout_set, tasks_set;
    uint64_t reps;
    int csv;
    int header_done;
} run_options;

static void run_help(FILE *f)
{
    fprintf(f,
            "usage: hetmc run --backend B [--workers W] [--samples N] [--seed S] [--device D]\n"
            "                 [--local-size L] [--timeout SECONDS] [--tasks T] [--reps R]\n"
            "                 [--format table|csv]\n"
            "\n"
            "Counts the hits of the hetmc stream with one backend: one untimed warm-up, then R\n"
            "timed repetitions. Every count is checked (within %.0f standard errors of pi, and\n"
            "equal across repetitions); a failed check makes the row `failed` and the exit 1.\n"
            "\n"
            "  --backend B        see `hetmc --help` for the backends of this build (required)\n"
            "  --workers W        threads/processes, 1..%u (default: online cores, %u; serial: 1)\n"
            "  --samples N        0..2^63 (default 1e8); forms: 1000000, 1e8, 2^30, 100M, 1G, 64Ki\n"
            "  --seed S           0..2^64-1 (default 42)\n"
            "  --device D         OpenCL device: index, gpu, cpu, all, or part of its name\n"
            "  --local-size L     OpenCL work-group size (default: from the device)\n"
            "  --timeout SECONDS  per-run limit for process backends (default: none)\n"
            "  --tasks T          process backends: split each run into T tasks, 1..%u, handed\n"
            "                     out one at a time to whichever worker is free, like\n"
            "                     Pool.starmap over T batches (default: one slice per worker)\n"
            "  --reps R           timed repetitions, 1..1000000 (default 3)\n"
            "  --format F         table (default, for people) or csv (docs/DESIGN.md contract)\n"
            "  mpi backend:       under mpirun -np R; --workers is threads per rank, --device\n"
            "                     local-rank (or gpu) puts node-local rank L on the L-th device\n",
            HM_VALIDATE_SIGMA, HM_MAX_WORKERS, hm_online_cores(), HM_MAX_TASKS);
}

/* Applies one option getopt_long returned. Returns -1 to go on, else the exit code. */
static int run_option(run_options *o, int c, char **argv)
{
    const char *cmd = "run";
    switch (c) {
    case 'b':
        return (o->backend = hm_opt_backend(cmd, "--backend", optarg)) ? -1 : HM_EXIT_USAGE;
    case 'w':
        o->workers_set = 1;
        return hm_opt_u64(cmd, "--workers", optarg, 1, HM_MAX_WORKERS, &o->workers) < 0
                   ? HM_EXIT_USAGE : -1;
    case 'n':
        return hm_opt_u64(cmd, "--samples", optarg, 0, HM_MAX_SAMPLES, &o->samples) < 0
                   ? HM_EXIT_USAGE : -1;
    case 's':
        return hm_opt_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &o->seed) < 0 ? HM_EXIT_USAGE
                                                                                : -1;
    case 'd':
        o->device = optarg;
        return -1;
    case 'l':
        o->local_size_set = 1;
        return hm_opt_u64(cmd, "--local-size", optarg, 1, 1u << 20, &o->local_size) < 0
                   ? HM_EXIT_USAGE : -1;
    case 't':
        o->timeout_set = 1;
        return hm_opt_u64(cmd, "--timeout", optarg, 1, 86400 * 7, &o->timeout_s) < 0
                   ? HM_EXIT_USAGE : -1;
    case 'T':
        o->tasks_set = 1;
        return hm_opt_u64(cmd, "--tasks", optarg, 1, HM_MAX_TASKS, &o->tasks) < 0
                   ? HM_EXIT_USAGE : -1;
    case 'r':
        return hm_opt_u64(cmd, "--reps", optarg, 1, 1000000, &o->reps) < 0 ? HM_EXIT_USAGE : -1;
    case 'f':
        if (strcmp(optarg, "csv") == 0 || strcmp(optarg, "table") == 0) {
            o->csv = optarg[0] == 'c';
            return -1;
        }
        return hm_usage_error(cmd, "--format '%s' is not a format; accepted: table, csv", optarg);
    case 'h':
        run_help(stdout);
        return HM_EXIT_OK;
    case ':':
        return hm_bad_option(cmd, 1, argv[optind - 1], RUN_ACCEPTED);
    default:
        return hm_bad_option(cmd, 0, argv[optind - 1], RUN_ACCEPTED);
    }
}

/* The checks that need every option: the backend, its worker limit, the options it reads. */
static int run_check(run_options *o)
{
    const char *cmd = "run";
    if (!o->backend) {
        char names[256];
        hm_backend_names(names, sizeof names);
        return hm_usage_error(cmd, "--backend is required; accepted: %s", names);
    }
    const hm_backend *b = o->backend;
    if (b->max_workers && o->workers_set && o->workers > b->max_workers)
        return hm_usage_error(cmd, "--workers %llu: backend %s runs at most %u worker%s",
                              (unsigned long long)o->workers, b->name, b->max_workers,
                              b->max_workers == 1 ? "" : "s");
    if (!o->workers_set) {
        o->workers = hm_online_cores();
        if (b->max_workers && o->workers > b->max_workers)
            o->workers = b->max_workers;
    }
    if (o->device && !(b->uses & HM_USES_DEVICE))
        return hm_usage_error(cmd, "--device does not apply to backend %s; it selects OpenCL "
                              "devices", b->name);
    if (o->local_size_set && !(b->uses & HM_USES_LOCAL_SIZE))
        return hm_usage_error(cmd, "--local-size does not apply to backend %s; it sets the "
                              "OpenCL work-group size", b->name);
    if (o->timeout_set && !(b->uses & HM_USES_TIMEOUT))
        return hm_usage_error(cmd, "--timeout does not apply to backend %s; it limits process "
                              "backends", b->name);
    if (o->tasks_set && !(b->uses & HM_USES_TASKS))
        return hm_usage_error(cmd, "--tasks does not apply to backend %s; it splits runs of "
                              "the process backends fork, forkserver, pool and spawn", b->name);
    return -1;
}

/* Returns -1 on success, else the exit code (help: 0, bad usage: 2). */
static int run_parse(int argc, char **argv, run_options *o)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},  {"workers", required_argument, NULL, 'w'},
        {"samples", required_argument, NULL, 'n'},  {"seed", required_argument, NULL, 's'},
        {"device", required_argument, NULL, 'd'},   {"local-size", required_argument, NULL, 'l'},
        {"timeout", required_argument, NULL, 't'},  {"tasks", required_argument, NULL, 'T'},
        {"reps", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;

    memset(o, 0, sizeof *o);
    o->samples = 100000000;
    o->seed = 42;
    o->reps = 3;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:w:n:s:d:l:t:T:r:f:h", longopts, NULL)) != -1)
        if ((rc = run_option(o, c, argv)) >= 0)
            return rc;
    if (optind < argc)
        return hm_usage_error("run", "unexpected argument '%s'; accepted options: %s",
                              argv[optind], RUN_ACCEPTED);
    return run_check(o);
}

/* Prints the header before the first row, so that a run rejected while preparing writes
 * nothing to stdout. */
static void emit_header(run_options *o)
{
    if (o->header_done)
        return;
    o->header_done = 1;
    if (o->csv) {
        hm_csv_header(stdout);
        return;
    }
    printf("# hetmc %s run: backend %s, %llu worker%s, %llu samples, seed %llu\n", HM_VERSION,
           o->backend->name, (unsigned long long)o->workers, o->workers == 1 ? "" : "s",
           (unsigned long long)o->samples, (unsigned long long)o->seed);
    printf("# method: 1 untimed warm-up, then %llu timed repetition%s; wall = the whole run "
           "on CLOCK_MONOTONIC (resolution %.3g s);\n#         each count must lie within "
           "%.0f standard errors of pi and equal the warm-up's\n",
           (unsigned long long)o->reps, o->reps == 1 ? "" : "s", hm_clock_resolution(),
           HM_VALIDATE_SIGMA);
    hm_table_header(stdout);
    fflush(stdout);
}

static void emit(run_options *o, const hm_row *row)
{
    emit_header(o);
    if (o->csv)
        hm_csv_row(stdout, row);
    else {
        hm_table_row(stdout, row);
        fflush(stdout);
    }
}

/* What the rows of one device add up to, for the closing line of the table. */
typedef struct run_tally {
    run_options *o;
    double *rates;
    size_t nrates;
} run_tally;

static void on_row(const hm_row *row, void *arg)
{
    run_tally *t = arg;
    emit(t->o, row);
    if (row->status == HM_STATUS_OK)
        t->rates[t->nrates++] = hm_row_rate(row);
    else if (row->rep == 0)
        fprintf(stderr, "hetmc run: %s: %s\n", row->backend, row->note);
    else
        fprintf(stderr, "hetmc run: %s rep %u failed: %s\n", row->backend, row->rep, row->note);
}

/* Opens b with cfg through the runner, runs the cell, prints every row. Returns 0 when every
 * row is ok, HM_EXIT_FAIL when one failed, HM_EXIT_USAGE when prepare rejected cfg. */
static int run_one(run_options *o, const hm_backend *b, const hm_config *cfg)
{
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_row row;

    int rc = hm_runner_open(b, cfg, &r, &err);
    if (rc == HM_EINVAL || rc == HM_EUNAVAIL)
        return hm_usage_error("run", "%s", err.msg);
    if (rc < 0) {
        /* The backend could not start (a build failure, a device error): a failed row. */
        hm_runner_unopened_row(&row, b, cfg->workers, cfg->device ? cfg->device : "cpu",
                               o->seed, o->samples, rc, err.msg);
        emit(o, &row);
        fprintf(stderr, "hetmc run: backend %s could not start: %s\n", b->name, err.msg);
        return HM_EXIT_FAIL;
    }

    run_tally t = {.o = o, .rates = calloc((size_t)o->reps, sizeof *t.rates)};
    if (!t.rates) {
        fprintf(stderr, "hetmc run: out of memory\n");
        hm_runner_close(r);
        return HM_EXIT_FAIL;
    }
    hm_cell cell = {.seed = o->seed, .samples = o->samples, .reps = (unsigned)o->reps};
    hm_cell_out out;
    hm_status st = hm_runner_cell(r, &cell, on_row, &t, &out);
    if (!o->csv && t.nrates) {
        hm_sort(t.rates, t.nrates);
        printf("# %s on %s: median %.4g samples/s, best %.4g samples/s over %zu ok "
               "repetition%s\n",
               b->name, out.device, hm_quantile(t.rates, t.nrates, 0.5), t.rates[t.nrates - 1],
               t.nrates, t.nrates == 1 ? "" : "s");
    }
    free(t.rates);
    hm_runner_close(r);
    return st == HM_STATUS_OK ? HM_EXIT_OK : HM_EXIT_FAIL;
}

int hm_cmd_run(int argc, char **argv)
{
    run_options o;
    int rc = run_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    const hm_backend *b = o.backend;
    hm_config cfg = {
        .workers = (unsigned)o.workers,
        .device = o.device,
        .local_size = (size_t)o.local_size,
        .timeout_s = (double)o.timeout_s,
        .self_exe = hm_self_exe(),
        .tasks = (unsigned)o.tasks,
    };
    unsigned *devices = NULL;
    int ndevices = 1;
    if (b->select_devices) {
        hm_error err = {0};
        ndevices = b->select_devices(o.device, &devices, &err);
        if (ndevices < 0)
            return hm_usage_error("run", "%s", err.msg);
    }

    int status = HM_EXIT_OK;
    for (int d = 0; d < ndevices; d++) {
        char index[16];
        if (devices) {
            snprintf(index, sizeof index, "%u", devices[d]);
            cfg.device = index;
        }
        rc = run_one(&o, b, &cfg);
        if (rc == HM_EXIT_USAGE) {
            status = rc;
            break;
        }
        if (rc != HM_EXIT_OK)
            status = rc; /* one device failing does not stop the others */
    }
    free(devices);
    if (!o.csv && o.header_done)
        printf("# %s\n", status ? "FAILED: see the notes above" : "validates: every count checked");
    return status;
}
