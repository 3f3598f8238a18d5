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
#include "export.h"
#include "load.h"
#include "options.h"
#include "runner.h"
#include "stats.h"
#include "stop.h"
#include "summary.h"
#include "sysinfo.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run_options {
    hm_opts v; /* the command line */
    int header_done;
    size_t rows_done; /* rows printed (JSON: a comma before every row but the first) */
    int write_failed; /* standard output failed: the run stops, main says why */
} run_options;

static void run_help(FILE *f);
static const hm_opt_command run_cmd = {HM_CMD_RUN, "run", run_help};

static void run_help(FILE *f)
{
    char about[512];
    snprintf(about, sizeof about,
             "Counts the hits of the hetmc stream with one backend: K untimed warm-ups, then R\n"
             "timed repetitions. Every count is checked (within %.0f standard errors of pi, and\n"
             "equal across runs); a failed check makes the row `failed` and the exit 1.\n",
             HM_VALIDATE_SIGMA);
    hm_opt_print_help(
        f, &run_cmd, about,
        "  mpi backend:       under mpirun -np R; --workers is threads per rank, --device\n"
        "                     local-rank (or gpu) puts node-local rank L on the L-th device;\n"
        "                     --parts runs coexec in every rank (workers from the parts)\n"
        "SIGINT, SIGTERM and SIGHUP stop between repetitions (exit 130).\n");
}

/* --parts and --split: only for backends that read them; the workers are the parts' sum. */
static int check_parts(hm_opts *o)
{
    const char *cmd = "run";
    const hm_backend *b = o->backend;
    int from_parts = (b->flags & HM_WORKERS_FROM_PARTS) != 0;
    int rc = hm_opts_check_applies(&run_cmd, o, b, HM_USES_PARTS);
    if (rc >= 0)
        return rc;
    if (!from_parts && !o->parts.n) {
        if (o->splits.n)
            return hm_usage_error(cmd, "--split applies to %s only with --parts", b->name);
        return -1;
    }
    if (hm_opts_given(o, HM_O_WORKERS))
        return hm_usage_error(cmd, "--workers does not apply to %s; give each part its "
                              "workers in --parts, e.g. openmp:3",
                              from_parts ? b->name : "--parts");
    if (o->device)
        return hm_usage_error(cmd, "--device does not apply with --parts; name each part's "
                              "device there, e.g. opencl@gpu");
    hm_config cfg;
    hm_error err = {0};
    unsigned workers;
    char label[512];
    hm_opts_config(o, &cfg);
    /* A part that needs an early start (the fork server) gets it before anything runs
     * threads (planning below may list OpenCL devices); if it cannot start, preparing the
     * part says why. */
    hm_backend_early_init(b, &cfg);
    if (!b->plan_parts || b->plan_parts(&cfg, &workers, label, sizeof label, &err) < 0)
        return hm_usage_error(cmd, "%s", err.msg);
    o->workers = workers;
    o->given |= UINT64_C(1) << HM_O_WORKERS;
    return -1;
}

/* The workers: at most the backend's, by default the CPUs this process may run on. */
static int check_workers(hm_opts *o)
{
    const hm_backend *b = o->backend;
    if (b->max_workers && hm_opts_given(o, HM_O_WORKERS) && o->workers > b->max_workers)
        return hm_usage_error("run", "--workers %llu: backend %s runs at most %u worker%s",
                              (unsigned long long)o->workers, b->name, b->max_workers,
                              b->max_workers == 1 ? "" : "s");
    if (!hm_opts_given(o, HM_O_WORKERS)) {
        o->workers = hm_allowed_cpus();
        if (b->max_workers && o->workers > b->max_workers)
            o->workers = b->max_workers;
    }
    return -1;
}

/* The checks that need every option: the backend, its worker limit, the options it reads. */
static int run_check(hm_opts *o)
{
    int rc;
    if (!o->backend) {
        char names[256];
        hm_backend_names(names, sizeof names);
        return hm_usage_error("run", "--backend is required; accepted: %s", names);
    }
    if ((rc = check_parts(o)) >= 0 || (rc = check_workers(o)) >= 0)
        return rc;
    return hm_opts_check_applies(&run_cmd, o, o->backend, ~HM_USES_PARTS);
}

/* Returns -1 on success, else the exit code (help: 0, bad usage: 2). */
static int run_parse(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    int rc = hm_opts_parse(&run_cmd, argc, argv, &o->v);
    return rc >= 0 ? rc : run_check(&o->v);
}

/* The columns of `--format markdown`: what a reader of an issue or a pull request needs;
 * --format csv or json has them all. */
static const char *const md_columns[] = {"backend", "device", "workers", "samples", "seed",
                                         "rep", "status", "hits", "pi_estimate", "sigmas",
                                         "calls", "wall_s", "samples_per_s", "note", NULL};

/* The opening of the JSON document: its versions, this run's provenance, the rows' array. */
static void json_open(void)
{
    printf("{\n  \"format_version\": %d,\n  \"csv_format_version\": %d,\n  \"provenance\": ",
           HM_JSON_FORMAT_VERSION, HM_CSV_FORMAT_VERSION);
    hm_json_provenance_now(stdout, "  ");
    printf(",\n  \"runs\": [");
}

/* The header of the human table: what ran and the method. */
static void table_open(const run_options *o)
{
    printf("# hetmc %s run: backend %s, %llu worker%s%s, %llu samples, seed %llu\n", HM_VERSION,
           o->v.backend->name, (unsigned long long)o->v.workers, o->v.workers == 1 ? "" : "s",
           o->v.bind == HM_BIND_CORES ? " bound to cores" : "", (unsigned long long)o->v.samples,
           (unsigned long long)o->v.seed);
    printf("# method: %llu untimed warm-up%s, then %llu timed repetition%s, each repeating the "
           "run until it lasts %g s\n#         (times per call); wall = the whole run on "
           "CLOCK_MONOTONIC (resolution %.3g s);\n#         each count must lie within %.0f "
           "standard errors of pi and equal the first run's\n",
           (unsigned long long)o->v.warmups, o->v.warmups == 1 ? "" : "s",
           (unsigned long long)o->v.reps, o->v.reps == 1 ? "" : "s", o->v.min_time,
           hm_clock_resolution(), HM_VALIDATE_SIGMA);
    if (hm_load_unavailable()[0])
        printf("# load:   not measured: %s\n", hm_load_unavailable());
    else if (!(o->v.backend->uses & HM_COLLECTIVE))
        printf("# load:   other programs' CPU time on the allowed CPUs measured around each "
               "repetition\n#         (each lasts at least %g s to resolve it)\n",
               o->v.min_time > 0 ? hm_load_resolve_s() : 0.0);
    hm_table_header(stdout);
}

/* Prints the header before the first row, so that a run rejected while preparing writes
 * nothing to stdout. */
static void emit_header(run_options *o, const hm_csv *row)
{
    if (o->header_done)
        return;
    o->header_done = 1;
    if (o->v.format == HM_FORMAT_CSV) {
        o->write_failed |= hm_csv_header(stdout) != 0;
    } else if (o->v.format == HM_FORMAT_JSON) {
        json_open();
    } else if (o->v.format == HM_FORMAT_MARKDOWN) {
        size_t ncols, idx[64];
        const hm_column *cols = hm_runs_columns(&ncols);
        size_t n = hm_md_pick(row, md_columns, idx);
        hm_md_header(stdout, row, idx, n, cols, ncols);
    } else {
        table_open(o);
    }
}

/* One row as JSON or Markdown, through its CSV text (export.h). */
static void emit_export(run_options *o, const hm_csv *csv)
{
    size_t ncols, idx[64];
    const hm_column *cols = hm_runs_columns(&ncols);
    if (o->v.format == HM_FORMAT_JSON) {
        printf("%s\n    ", o->rows_done ? "," : "");
        hm_json_object(stdout, csv, 0, cols, ncols);
    } else {
        hm_md_row(stdout, csv, 0, idx, hm_md_pick(csv, md_columns, idx));
    }
    o->rows_done++;
}

/* Prints one row; returns non-zero (which stops the run) when stdout fails. */
static int emit(run_options *o, const hm_row *row)
{
    hm_csv csv = {0};
    int exported = o->v.format == HM_FORMAT_JSON || o->v.format == HM_FORMAT_MARKDOWN;
    if (exported && hm_row_to_csv(row, &csv) != 0) {
        fprintf(stderr, "hetmc run: out of memory\n");
        o->write_failed = 1;
        return 1;
    }
    emit_header(o, &csv);
    if (o->v.format == HM_FORMAT_CSV) {
        o->write_failed |= hm_csv_row(stdout, row) != 0;
    } else if (exported) {
        emit_export(o, &csv);
    } else {
        hm_table_row(stdout, row);
        if (row->res.parts[0])
            printf("  parts: %s; balance %.4f; %u chunks\n", row->res.parts, row->res.balance,
                   row->res.tasks);
    }
    hm_csv_free(&csv);
    o->write_failed |= fflush(stdout) != 0 || ferror(stdout);
    return o->write_failed;
}

/* The end of the output: the closing line of a table, the end of the JSON document. */
static void emit_end(run_options *o, int status)
{
    if (!o->header_done || o->write_failed)
        return;
    if (o->v.format == HM_FORMAT_TABLE)
        printf("# %s\n", status == HM_EXIT_INTERRUPTED ? "INTERRUPTED"
                         : status ? "FAILED: see the notes above"
                                  : "validates: every count checked");
    else if (o->v.format == HM_FORMAT_JSON)
        printf("\n  ]\n}\n");
    o->write_failed |= fflush(stdout) != 0 || ferror(stdout);
}

/* What the rows of one device add up to, for the closing line of the table. */
typedef struct run_tally {
    run_options *o;
    double *walls, *foreign;
    size_t nwalls, nforeign, ninterfered;
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
    if (row->rep > 0 && !isnan(row->foreign_cpu))
        t->foreign[t->nforeign++] = row->foreign_cpu;
    t->ninterfered += row->interfered == 1;
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
                o->v.backend->name, ev->limit_s);
    }
    emit_end(o, rc);
    _exit(hm_stdout_finish(rc));
}

/* The foreign load of the repetitions on the closing lines, and a warning on stderr when
 * another program took part of the allowed CPUs during one of them. */
static void run_load_summary(const run_options *o, const char *backend, run_tally *t)
{
    if (!t->nforeign)
        return;
    hm_sort(t->foreign, t->nforeign);
    double median = hm_quantile(t->foreign, t->nforeign, 0.5);
    if (o->v.format == HM_FORMAT_TABLE)
        printf("# foreign load: median %.2f cores, highest %.2f (other programs' CPU time on "
               "the %u allowed CPUs); %zu of %zu repetition%s interfered\n", median,
               t->foreign[t->nforeign - 1], hm_allowed_cpus(), t->ninterfered, t->nforeign,
               t->nforeign == 1 ? "" : "s");
    if (t->ninterfered)
        fprintf(stderr, "hetmc run: interfered: other programs used up to %.2f cores of the "
                "allowed CPUs during %zu of %zu repetitions of %s (column interfered); their "
                "times are not %s's alone: a quieter machine, or `hetmc matrix --wait-idle`, "
                "would tell\n", t->foreign[t->nforeign - 1], t->ninterfered, t->nforeign,
                backend, backend);
}

/* The closing line of a table, and a warning on stderr when the wall times vary too much. */
static void run_summary(const run_options *o, const char *backend, const char *device,
                        run_tally *t)
{
    double cv = hm_cv(t->walls, t->nwalls);
    hm_sort(t->walls, t->nwalls);
    if (o->v.format == HM_FORMAT_TABLE)
        printf("# %s on %s: median %.4g samples/s, best %.4g samples/s over %zu ok "
               "repetition%s; cv of wall %.1f%%\n",
               backend, device, (double)o->v.samples / hm_quantile(t->walls, t->nwalls, 0.5),
               (double)o->v.samples / t->walls[0], t->nwalls, t->nwalls == 1 ? "" : "s",
               100 * cv);
    if (cv > HM_NOISY_CV)
        fprintf(stderr, "hetmc run: noisy: the wall times of %s vary by %.0f%% (coefficient of "
                "variation above %.0f%%); more --reps, a longer --min-time or a quieter machine "
                "would tell\n", backend, 100 * cv, 100 * HM_NOISY_CV);
    run_load_summary(o, backend, t);
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
                               o->v.seed, o->v.samples, rc, err.msg);
        emit(o, &row);
        fprintf(stderr, "hetmc run: backend %s could not start: %s\n", b->name, err.msg);
        return HM_EXIT_FAIL;
    }

    run_tally t = {.o = o, .walls = calloc((size_t)o->v.reps, sizeof *t.walls),
                   .foreign = calloc((size_t)o->v.reps, sizeof *t.foreign)};
    if (!t.walls || !t.foreign) {
        free(t.walls);
        free(t.foreign);
        fprintf(stderr, "hetmc run: out of memory\n");
        hm_runner_close(r);
        return HM_EXIT_FAIL;
    }
    hm_cell cell = {.seed = o->v.seed, .samples = o->v.samples, .reps = (unsigned)o->v.reps,
                    .warmups = (unsigned)o->v.warmups, .min_time_s = o->v.min_time,
                    .load_min_s = o->v.min_time > 0 ? hm_load_resolve_s() : 0};
    hm_cell_out out;
    hm_status st = hm_runner_cell(r, &cell, on_row, &t, &out);
    if (t.nwalls && !o->write_failed)
        run_summary(o, b->name, out.device, &t);
    free(t.walls);
    free(t.foreign);
    hm_runner_close(r);
    return st == HM_STATUS_OK && !o->write_failed ? HM_EXIT_OK : HM_EXIT_FAIL;
}

/* Every device the selector names (one pass for backends without devices). */
static int run_devices(run_options *o, hm_config *cfg)
{
    const hm_backend *b = o->v.backend;
    unsigned *devices = NULL;
    int ndevices = 1, status = HM_EXIT_OK;
    if (b->select_devices) {
        hm_error err = {0};
        ndevices = b->select_devices(o->v.device, &devices, &err);
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

    hm_config cfg;
    hm_opts_config(&o.v, &cfg);
    if (!hm_opts_given(&o.v, HM_O_TIMEOUT) &&
        hm_default_limit("run", o.v.samples, &cfg.timeout_s) < 0)
        return HM_EXIT_USAGE;
    /* Before the watchdog's thread (or any other) exists: the fork server starts here; if it
     * cannot, preparing the backend says why. */
    hm_backend_early_init(o.v.backend, &cfg);
    if (o.v.wait_idle > 0) {
        char busiest[512];
        double foreign;
        hm_wait_idle("run", "", o.v.wait_idle, &foreign, busiest, sizeof busiest);
    }
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
    emit_end(&o, status);
    hm_stop_uninstall();
    return status;
}
