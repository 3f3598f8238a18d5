/*
 * cmd_run.c - `hetmc run`: one backend, one size, R timed repetitions after K untimed warm-ups.
 *
 * Method (printed with the table): the backend is prepared once (threads, processes, programs
 * that it can reuse), run K times untimed as a warm-up (default 1), then R times; each timed
 * repetition repeats the run back to back until it lasts --min-time (default 10 ms), and its
 * times are per call; wall_s is the caller's CLOCK_MONOTONIC around each run() call. Every
 * count is validated: the estimate must lie within HM_VALIDATE_SIGMA standard errors of pi (for
 * N >= 1000), and every run must count exactly the first validated run's hits. A row that fails
 * either check is `failed`, carries no speed, and makes the exit status 1.
 *
 * SIGINT, SIGTERM and SIGHUP stop the run between repetitions (exit 130); a run past its time
 * limit (--timeout, or the default of runner.h) fails: process backends stop their workers,
 * and a run of any other backend, which cannot be stopped, ends the command through the
 * runner's watchdog with a failed row.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "clock.h"
#include "coexec_parts.h"
#include "forkserver.h"
#include "runner.h"
#include "stats.h"
#include "stop.h"
#include "summary.h"
#include "sysinfo.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_ACCEPTED                                                                         \
    "--backend B, --workers W, --samples N, --seed S, --device D, --local-size L, "          \
    "--item-blocks B, --timeout SECONDS, --tasks T, --reps R, --warmup K, --min-time SECONDS, " \
    "--bind none|cores, --parts PARTS, --split SPLIT, --format table|csv, --help"

/* Long options without a short letter. */
enum { OPT_WARMUP = 256, OPT_MIN_TIME, OPT_BIND, OPT_TASKS, OPT_PARTS, OPT_SPLIT };

typedef struct run_options {
    const hm_backend *backend;
    uint64_t workers;
    int workers_set;
    uint64_t samples;
    uint64_t seed;
    const char *device;
    const char *parts, *split;
    uint64_t local_size;
    uint64_t item_blocks;
    uint64_t timeout_s, tasks;
    int local_size_set, item_blocks_set, timeout_set, tasks_set;
    uint64_t reps, warmups;
    double min_time;
    unsigned bind;
    int csv;
    int header_done;
    int write_failed; /* standard output failed: the run stops, main says why */
} run_options;

static void run_help(FILE *f)
{
    fprintf(f,
            "usage: hetmc run --backend B [--workers W] [--samples N] [--seed S] [--device D]\n"
            "                 [--local-size L] [--item-blocks B] [--timeout SECONDS] [--tasks T]\n"
            "                 [--reps R] [--warmup K] [--min-time SECONDS] [--bind none|cores]\n"
            "                 [--parts PARTS] [--split SPLIT] [--format table|csv]\n"
            "\n"
            "Counts the hits of the hetmc stream with one backend: K untimed warm-ups, then R\n"
            "timed repetitions. Every count is checked (within %.0f standard errors of pi, and\n"
            "equal across runs); a failed check makes the row `failed` and the exit 1.\n"
            "\n"
            "  --backend B        see `hetmc --help` for the backends of this build (required)\n"
            "  --workers W        threads/processes, 1..%u (default: the CPUs this process may\n"
            "                     run on, %u here; serial: 1)\n"
            "  --samples N        0..2^63 (default 1e8); forms: 1000000, 1e8, 2^30, 100M, 1G, 64Ki\n"
            "  --seed S           0..2^64-1 (default 42)\n"
            "  --device D         OpenCL device: index, gpu, cpu, all, or part of its name\n"
            "  --local-size L     OpenCL work-group size (default: from the device)\n"
            "  --item-blocks B    OpenCL Philox blocks (2 samples each) per work-item, 1..%u\n"
            "                     (default: from the device)\n"
            "  --timeout SECONDS  limit of one run, 1..604800 (default 60 s + 1 s per 10^7\n"
            "                     samples); process backends kill their workers and the\n"
            "                     repetition fails; any other backend cannot be stopped, so\n"
            "                     hetmc prints the failed row and exits 1\n"
            "  --tasks T          fork, forkserver, pool, spawn: split each run into T tasks,\n"
            "                     1..%u, handed out one at a time to whichever worker is free,\n"
            "                     like Pool.starmap over T batches (default: a slice per worker)\n"
            "  --reps R           timed repetitions, 1..1000000 (default 3)\n"
            "  --warmup K         untimed runs before them, 0..1000 (default 1)\n"
            "  --min-time SECONDS each repetition repeats the run back to back until it lasts\n"
            "                     this long; times are per call (column calls); 0 disables\n"
            "                     (default 0.01)\n"
            "  --bind B           none (default) or cores: worker k runs on the k-th allowed CPU\n"
            "                     (threads, openmp, fork, forkserver, pool, spawn)\n"
            "  --parts PARTS      coexec: BACKEND[:WORKERS][@DEVICE],... run at once on one\n"
            "                     stream, e.g. openmp:3,opencl@gpu (default auto: every GPU and\n"
            "                     openmp on the remaining cores); workers = the parts' sum\n"
            "  --split SPLIT      coexec: dynamic (default; chunks sized by measured rates),\n"
            "                     static (one slice per part by measured rates), static:3,1\n"
            "  --format F         table (default, for people) or csv (docs/DESIGN.md contract)\n"
            "  mpi backend:       under mpirun -np R; --workers is threads per rank, --device\n"
            "                     local-rank (or gpu) puts node-local rank L on the L-th device;\n"
            "                     --parts runs coexec in every rank (workers from the parts)\n"
            "SIGINT, SIGTERM and SIGHUP stop between repetitions (exit 130).\n",
            HM_VALIDATE_SIGMA, HM_MAX_WORKERS, hm_allowed_cpus(), HM_MAX_ITEM_BLOCKS,
            HM_MAX_TASKS);
}

/* The options with a number. Returns -1 to go on, else the exit code. */
static int run_number(run_options *o, int c)
{
    const char *cmd = "run";
    switch (c) {
    case 'w':
        o->workers_set = 1;
        return hm_opt_u64(cmd, "--workers", optarg, 1, HM_MAX_WORKERS, &o->workers);
    case 'n':
        return hm_opt_u64(cmd, "--samples", optarg, 0, HM_MAX_SAMPLES, &o->samples);
    case 's':
        return hm_opt_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &o->seed);
    case 'l':
        o->local_size_set = 1;
        return hm_opt_u64(cmd, "--local-size", optarg, 1, 1u << 20, &o->local_size);
    case 'i':
        o->item_blocks_set = 1;
        return hm_opt_u64(cmd, "--item-blocks", optarg, 1, HM_MAX_ITEM_BLOCKS,
                          &o->item_blocks);
    case 't':
        o->timeout_set = 1;
        return hm_opt_u64(cmd, "--timeout", optarg, 1, 86400 * 7, &o->timeout_s);
    case 'r':
        return hm_opt_u64(cmd, "--reps", optarg, 1, 1000000, &o->reps);
    case OPT_WARMUP:
        return hm_opt_u64(cmd, "--warmup", optarg, 0, 1000, &o->warmups);
    case OPT_TASKS:
        o->tasks_set = 1;
        return hm_opt_u64(cmd, "--tasks", optarg, 1, HM_MAX_TASKS, &o->tasks);
    default:
        return hm_opt_seconds(cmd, "--min-time", optarg, 0, 3600, &o->min_time);
    }
}

/* Applies one option getopt_long returned. Returns -1 to go on, else the exit code. */
static int run_option(run_options *o, int c, char **argv, const struct option *longopts)
{
    const char *cmd = "run";
    int rc;
    if ((rc = hm_opt_value_missing(cmd, longopts, c, optarg)) >= 0)
        return rc;
    switch (c) {
    case 'b':
        return (o->backend = hm_opt_backend(cmd, "--backend", optarg)) ? -1 : HM_EXIT_USAGE;
    case 'w': case 'n': case 's': case 'l': case 'i': case 't': case 'r': case OPT_WARMUP:
    case OPT_MIN_TIME: case OPT_TASKS:
        return run_number(o, c) < 0 ? HM_EXIT_USAGE : -1;
    case 'd':
        o->device = optarg;
        return -1;
    case OPT_BIND:
        return hm_opt_bind(cmd, optarg, &o->bind) < 0 ? HM_EXIT_USAGE : -1;
    case OPT_PARTS:
        o->parts = optarg;
        return -1;
    case OPT_SPLIT:
        o->split = optarg;
        return -1;
    case 'f':
        if (strcmp(optarg, "csv") == 0 || strcmp(optarg, "table") == 0) {
            o->csv = optarg[0] == 'c';
            return -1;
        }
        return hm_usage_error(cmd, "--format '%s' is not a format; accepted: table, csv", optarg);
    case 'h':
        run_help(stdout);
        return HM_EXIT_OK;
    default:
        return hm_opt_rejected(cmd, c, argv, longopts, RUN_ACCEPTED);
    }
}

/* --parts and --split: only for backends that read them; the workers are the parts' sum. */
static int check_parts(run_options *o)
{
    const char *cmd = "run";
    const hm_backend *b = o->backend;
    int coexec = b == hm_backend_find("coexec");
    if ((o->parts || o->split) && !(b->uses & HM_USES_PARTS))
        return hm_usage_error(cmd, "%s does not apply to backend %s; it gives the parts of "
                              "coexec (or of mpi ranks)", o->parts ? "--parts" : "--split",
                              b->name);
    if (!coexec && !o->parts) {
        if (o->split)
            return hm_usage_error(cmd, "--split applies to mpi only with --parts");
        return -1;
    }
    if (o->workers_set)
        return hm_usage_error(cmd, "--workers does not apply to %s; give each part its "
                              "workers in --parts, e.g. openmp:3", coexec ? "coexec" : "--parts");
    if (o->device)
        return hm_usage_error(cmd, "--device does not apply with --parts; name each part's "
                              "device there, e.g. opencl@gpu");
    hm_part_list list;
    hm_split split;
    hm_error err = {0};
    /* A forkserver part needs its server before anything runs threads (listing OpenCL
     * devices below may); if it cannot start, preparing the part says why. */
    if (hm_parts_name(o->parts, "forkserver"))
        hm_forkserver_start(NULL);
    if (hm_coexec_plan(o->parts, o->split, &list, &split, &err) < 0)
        return hm_usage_error(cmd, "%s", err.msg);
    o->workers = list.workers;
    o->workers_set = 1;
    return -1;
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
    int rc = check_parts(o);
    if (rc >= 0)
        return rc;
    if (b->max_workers && o->workers_set && o->workers > b->max_workers)
        return hm_usage_error(cmd, "--workers %llu: backend %s runs at most %u worker%s",
                              (unsigned long long)o->workers, b->name, b->max_workers,
                              b->max_workers == 1 ? "" : "s");
    if (!o->workers_set) {
        o->workers = hm_allowed_cpus();
        if (b->max_workers && o->workers > b->max_workers)
            o->workers = b->max_workers;
    }
    if (o->device && !(b->uses & HM_USES_DEVICE))
        return hm_usage_error(cmd, "--device does not apply to backend %s; it selects OpenCL "
                              "devices", b->name);
    if (o->local_size_set && !(b->uses & HM_USES_LOCAL_SIZE))
        return hm_usage_error(cmd, "--local-size does not apply to backend %s; it sets the "
                              "OpenCL work-group size", b->name);
    if (o->item_blocks_set && !(b->uses & HM_USES_ITEM_BLOCKS))
        return hm_usage_error(cmd, "--item-blocks does not apply to backend %s; it sets the "
                              "OpenCL blocks per work-item", b->name);
    if (o->bind != HM_BIND_NONE && !(b->uses & HM_USES_BIND))
        return hm_usage_error(cmd, "--bind cores does not apply to backend %s; it pins the "
                              "workers of threads, openmp, fork, forkserver, pool and spawn",
                              b->name);
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
        {"item-blocks", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'},  {"reps", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},   {"help", no_argument, NULL, 'h'},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"min-time", required_argument, NULL, OPT_MIN_TIME},
        {"bind", required_argument, NULL, OPT_BIND},
        {"tasks", required_argument, NULL, OPT_TASKS},
        {"parts", required_argument, NULL, OPT_PARTS},
        {"split", required_argument, NULL, OPT_SPLIT},
        {NULL, 0, NULL, 0},
    };
    int c, rc;

    memset(o, 0, sizeof *o);
    o->samples = 100000000;
    o->seed = 42;
    o->reps = 3;
    o->warmups = 1;
    o->min_time = 0.01;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:w:n:s:d:l:i:t:r:f:h", longopts, NULL)) != -1)
        if ((rc = run_option(o, c, argv, longopts)) >= 0)
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
        o->write_failed |= hm_csv_header(stdout) != 0;
        return;
    }
    printf("# hetmc %s run: backend %s, %llu worker%s%s, %llu samples, seed %llu\n", HM_VERSION,
           o->backend->name, (unsigned long long)o->workers, o->workers == 1 ? "" : "s",
           o->bind == HM_BIND_CORES ? " bound to cores" : "", (unsigned long long)o->samples,
           (unsigned long long)o->seed);
    printf("# method: %llu untimed warm-up%s, then %llu timed repetition%s, each repeating the "
           "run until it lasts %g s\n#         (times per call); wall = the whole run on "
           "CLOCK_MONOTONIC (resolution %.3g s);\n#         each count must lie within %.0f "
           "standard errors of pi and equal the first run's\n",
           (unsigned long long)o->warmups, o->warmups == 1 ? "" : "s",
           (unsigned long long)o->reps, o->reps == 1 ? "" : "s", o->min_time,
           hm_clock_resolution(), HM_VALIDATE_SIGMA);
    hm_table_header(stdout);
}

/* Prints one row; returns non-zero (which stops the run) when stdout fails. */
static int emit(run_options *o, const hm_row *row)
{
    emit_header(o);
    if (o->csv) {
        o->write_failed |= hm_csv_row(stdout, row) != 0;
    } else {
        hm_table_row(stdout, row);
        if (row->res.parts[0])
            printf("  parts: %s; balance %.4f; %u chunks\n", row->res.parts, row->res.balance,
                   row->res.tasks);
    }
    o->write_failed |= fflush(stdout) != 0 || ferror(stdout);
    return o->write_failed;
}

/* What the rows of one device add up to, for the closing line of the table. */
typedef struct run_tally {
    run_options *o;
    double *walls;
    size_t nwalls;
} run_tally;

static void say_failed(const hm_row *row)
{
    if (row->rep == 0)
        fprintf(stderr, "hetmc run: %s: %s\n", row->backend, row->note);
    else
        fprintf(stderr, "hetmc run: %s rep %u failed: %s\n", row->backend, row->rep, row->note);
}

static int on_row(const hm_row *row, void *arg)
{
    run_tally *t = arg;
    if (row->status == HM_STATUS_OK)
        t->walls[t->nwalls++] = row->wall_s;
    else
        say_failed(row);
    return emit(t->o, row);
}

/* The runner's watchdog: a run that cannot be stopped went past its limit, or on past a stop.
 * The command's thread is inside the backend for good: print what there is and leave. */
static void run_abort(const hm_watch_event *ev, void *arg)
{
    run_options *o = arg;
    int rc = HM_EXIT_INTERRUPTED;
    if (ev->row) {
        say_failed(ev->row);
        emit(o, ev->row);
        rc = HM_EXIT_FAIL;
    } else {
        fprintf(stderr, "hetmc run: interrupted by %s; the %s run in progress did not stop "
                "within %g s and was dropped\n", hm_signal_name(hm_stop_signal),
                o->backend->name, ev->limit_s);
    }
    _exit(hm_stdout_finish(rc));
}

/* The closing line of a table, and a warning on stderr when the wall times vary too much. */
static void run_summary(const run_options *o, const char *backend, const char *device,
                        run_tally *t)
{
    double cv = hm_cv(t->walls, t->nwalls);
    hm_sort(t->walls, t->nwalls);
    if (!o->csv)
        printf("# %s on %s: median %.4g samples/s, best %.4g samples/s over %zu ok "
               "repetition%s; cv of wall %.1f%%\n",
               backend, device, (double)o->samples / hm_quantile(t->walls, t->nwalls, 0.5),
               (double)o->samples / t->walls[0], t->nwalls, t->nwalls == 1 ? "" : "s",
               100 * cv);
    if (cv > HM_NOISY_CV)
        fprintf(stderr, "hetmc run: noisy: the wall times of %s vary by %.0f%% (coefficient of "
                "variation above %.0f%%); more --reps, a longer --min-time or a quieter machine "
                "would tell\n", backend, 100 * cv, 100 * HM_NOISY_CV);
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

    run_tally t = {.o = o, .walls = calloc((size_t)o->reps, sizeof *t.walls)};
    if (!t.walls) {
        fprintf(stderr, "hetmc run: out of memory\n");
        hm_runner_close(r);
        return HM_EXIT_FAIL;
    }
    hm_cell cell = {.seed = o->seed, .samples = o->samples, .reps = (unsigned)o->reps,
                    .warmups = (unsigned)o->warmups, .min_time_s = o->min_time};
    hm_cell_out out;
    hm_status st = hm_runner_cell(r, &cell, on_row, &t, &out);
    if (t.nwalls && !o->write_failed)
        run_summary(o, b->name, out.device, &t);
    free(t.walls);
    hm_runner_close(r);
    return st == HM_STATUS_OK && !o->write_failed ? HM_EXIT_OK : HM_EXIT_FAIL;
}

/* Every device the selector names (one pass for backends without devices). */
static int run_devices(run_options *o, hm_config *cfg)
{
    const hm_backend *b = o->backend;
    unsigned *devices = NULL;
    int ndevices = 1, status = HM_EXIT_OK;
    if (b->select_devices) {
        hm_error err = {0};
        ndevices = b->select_devices(o->device, &devices, &err);
        if (ndevices < 0)
            return hm_usage_error("run", "%s", err.msg);
    }
    for (int d = 0; d < ndevices && !hm_stop_signal && !o->write_failed; d++) {
        char index[16];
        if (devices) {
            snprintf(index, sizeof index, "%u", devices[d]);
            cfg->device = index;
        }
        int rc = run_one(o, b, cfg);
        if (rc == HM_EXIT_USAGE) {
            status = rc;
            break;
        }
        if (rc != HM_EXIT_OK)
            status = rc; /* one device failing does not stop the others */
    }
    free(devices);
    return status;
}

int hm_cmd_run(int argc, char **argv)
{
    static run_options o; /* static: the watchdog's hook reads it from its own thread */
    hm_quiet_other_ranks();
    int rc = run_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    hm_config cfg = {
        .workers = (unsigned)o.workers,
        .device = o.device,
        .local_size = (size_t)o.local_size,
        .item_blocks = (unsigned)o.item_blocks,
        .timeout_s = (double)o.timeout_s,
        .self_exe = hm_self_exe(),
        .bind = o.bind,
        .tasks = (unsigned)o.tasks,
        .parts = o.parts,
        .split = o.split,
    };
    if (!o.timeout_set && hm_default_limit("run", o.samples, &cfg.timeout_s) < 0)
        return HM_EXIT_USAGE;
    /* The fork server starts before the watchdog's thread (or any other) exists; if it cannot,
     * preparing the backend says why. */
    if (strcmp(o.backend->name, "forkserver") == 0)
        hm_forkserver_start(NULL);
    if (hm_stop_install() != 0 || hm_runner_watchdog(run_abort, &o) != 0) {
        fprintf(stderr, "hetmc run: cannot set up signal handling: %s\n", strerror(errno));
        return HM_EXIT_FAIL;
    }
    int status = run_devices(&o, &cfg);
    if (hm_stop_signal && status != HM_EXIT_USAGE) {
        fprintf(stderr, "hetmc run: interrupted by %s; the finished repetitions are above\n",
                hm_signal_name(hm_stop_signal));
        status = HM_EXIT_INTERRUPTED;
    }
    if (!o.csv && o.header_done && !o.write_failed)
        printf("# %s\n", status == HM_EXIT_INTERRUPTED ? "INTERRUPTED"
                         : status ? "FAILED: see the notes above"
                                  : "validates: every count checked");
    hm_stop_uninstall();
    return status;
}
