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
#include "report.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUN_ACCEPTED                                                                         \
    "--backend B, --workers W, --samples N, --seed S, --device D, --local-size L, "          \
    "--timeout SECONDS, --reps R, --format table|csv, --help"

typedef struct run_options {
    const hm_backend *backend;
    uint64_t workers;
    int workers_set;
    uint64_t samples;
    uint64_t seed;
    const char *device;
    uint64_t local_size;
    uint64_t timeout_s;
    int local_size_set, timeout_set;
    uint64_t reps;
    int csv;
    int header_done;
} run_options;

static void run_help(FILE *f)
{
    fprintf(f,
            "usage: hetmc run --backend B [--workers W] [--samples N] [--seed S] [--device D]\n"
            "                 [--local-size L] [--timeout SECONDS] [--reps R] [--format table|csv]\n"
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
            "  --reps R           timed repetitions, 1..1000000 (default 3)\n"
            "  --format F         table (default, for people) or csv (shared/DESIGN.md contract)\n"
            "  mpi backend:       under mpirun -np R; --workers is threads per rank, --device\n"
            "                     local-rank (or gpu) puts node-local rank L on the L-th device\n",
            HM_VALIDATE_SIGMA, HM_MAX_WORKERS, hm_online_cores());
}

/* Returns -1 on success, else the exit code (help: 0, bad usage: 2). */
static int run_parse(int argc, char **argv, run_options *o)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},  {"workers", required_argument, NULL, 'w'},
        {"samples", required_argument, NULL, 'n'},  {"seed", required_argument, NULL, 's'},
        {"device", required_argument, NULL, 'd'},   {"local-size", required_argument, NULL, 'l'},
        {"timeout", required_argument, NULL, 't'},  {"reps", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "run";
    int c;

    memset(o, 0, sizeof *o);
    o->samples = 100000000;
    o->seed = 42;
    o->reps = 3;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:w:n:s:d:l:t:r:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (!(o->backend = hm_opt_backend(cmd, "--backend", optarg)))
                return HM_EXIT_USAGE;
            break;
        case 'w':
            if (hm_opt_u64(cmd, "--workers", optarg, 1, HM_MAX_WORKERS, &o->workers) < 0)
                return HM_EXIT_USAGE;
            o->workers_set = 1;
            break;
        case 'n':
            if (hm_opt_u64(cmd, "--samples", optarg, 0, HM_MAX_SAMPLES, &o->samples) < 0)
                return HM_EXIT_USAGE;
            break;
        case 's':
            if (hm_opt_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &o->seed) < 0)
                return HM_EXIT_USAGE;
            break;
        case 'd':
            o->device = optarg;
            break;
        case 'l':
            if (hm_opt_u64(cmd, "--local-size", optarg, 1, 1u << 20, &o->local_size) < 0)
                return HM_EXIT_USAGE;
            o->local_size_set = 1;
            break;
        case 't':
            if (hm_opt_u64(cmd, "--timeout", optarg, 1, 86400 * 7, &o->timeout_s) < 0)
                return HM_EXIT_USAGE;
            o->timeout_set = 1;
            break;
        case 'r':
            if (hm_opt_u64(cmd, "--reps", optarg, 1, 1000000, &o->reps) < 0)
                return HM_EXIT_USAGE;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                o->csv = 1;
            else if (strcmp(optarg, "table") == 0)
                o->csv = 0;
            else
                return hm_usage_error(cmd, "--format '%s' is not a format; accepted: table, csv",
                                      optarg);
            break;
        case 'h':
            run_help(stdout);
            return HM_EXIT_OK;
        case ':':
            return hm_bad_option(cmd, 1, argv[optind - 1], RUN_ACCEPTED);
        default:
            return hm_bad_option(cmd, 0, argv[optind - 1], RUN_ACCEPTED);
        }
    }
    if (optind < argc)
        return hm_usage_error(cmd, "unexpected argument '%s'; accepted options: %s", argv[optind],
                              RUN_ACCEPTED);
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
    return -1;
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prepares b with cfg, runs the warm-up and the repetitions, prints every row. Returns 0 when
 * every row is ok, HM_EXIT_FAIL when one failed, HM_EXIT_USAGE when prepare rejected cfg. */
static int run_one(run_options *o, const hm_backend *b, const hm_config *cfg)
{
    hm_ctx *ctx = NULL;
    hm_error err = {0};
    double *rates = NULL;
    int failed = 0;
    size_t nrates = 0;
    hm_row row;

    int rc = b->prepare(cfg, &ctx, &err);
    if (rc == HM_EINVAL || rc == HM_EUNAVAIL)
        return hm_usage_error("run", "%s", err.msg);
    if (rc < 0) {
        /* The backend could not start (a build failure, a device error): a failed row. */
        hm_row_init(&row, b->name, cfg->workers, o->samples, o->seed, 0);
        if (cfg->device)
            snprintf(row.res.device, sizeof row.res.device, "%s", cfg->device);
        row.status = HM_STATUS_FAILED;
        hm_row_note(&row, "could not start: %s", err.msg);
        emit(o, &row);
        fprintf(stderr, "hetmc run: backend %s could not start: %s\n", b->name, err.msg);
        return HM_EXIT_FAIL;
    }

    rates = calloc((size_t)o->reps, sizeof *rates);
    if (!rates) {
        fprintf(stderr, "hetmc run: out of memory\n");
        b->release(ctx);
        return HM_EXIT_FAIL;
    }

    hm_row_init(&row, b->name, cfg->workers, o->samples, o->seed, 0);
    if (hm_measure(b, ctx, o->seed, o->samples, &row) != HM_STATUS_OK) {
        /* The warm-up failed: report it as rep 0 so the failure is on record. */
        hm_row_note(&row, "the untimed warm-up failed");
        emit(o, &row);
        fprintf(stderr, "hetmc run: %s: %s\n", b->name, row.note);
        failed = 1;
        goto done;
    }
    uint64_t expect = row.res.hits;
    char device[sizeof row.res.device];
    snprintf(device, sizeof device, "%s", row.res.device);

    for (unsigned rep = 1; rep <= o->reps; rep++) {
        hm_row_init(&row, b->name, cfg->workers, o->samples, o->seed, rep);
        hm_measure(b, ctx, o->seed, o->samples, &row);
        if (row.status == HM_STATUS_OK && row.res.hits != expect) {
            row.status = HM_STATUS_FAILED;
            hm_row_note(&row, "hits %llu differ from the warm-up's %llu: not reproducible",
                        (unsigned long long)row.res.hits, (unsigned long long)expect);
        }
        emit(o, &row);
        if (row.status != HM_STATUS_OK) {
            fprintf(stderr, "hetmc run: %s rep %u failed: %s\n", b->name, rep, row.note);
            failed = 1;
        } else {
            rates[nrates++] = hm_row_rate(&row);
        }
    }

    if (!o->csv && nrates) {
        qsort(rates, nrates, sizeof *rates, cmp_double);
        double median = nrates % 2 ? rates[nrates / 2]
                                   : 0.5 * (rates[nrates / 2 - 1] + rates[nrates / 2]);
        printf("# %s on %s: median %.4g samples/s, best %.4g samples/s over %zu ok "
               "repetition%s\n",
               b->name, device, median, rates[nrates - 1], nrates, nrates == 1 ? "" : "s");
    }

done:
    free(rates);
    b->release(ctx);
    return failed ? HM_EXIT_FAIL : HM_EXIT_OK;
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
