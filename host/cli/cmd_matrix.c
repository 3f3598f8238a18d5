/*
 * cmd_matrix.c - `hetmc matrix`: backends x devices x workers x samples x repetitions.
 *
 * Every argument is checked before anything runs (exit 2). Each (backend, device, workers) is
 * prepared once; each cell (one sample size) gets K untimed warm-ups and R timed repetitions
 * (each calibrated to --min-time), written to runs.csv row by row: each row is built whole and
 * written in one checked write, so a full disk or a kill leaves whole rows only. Every ok row's
 * hits must equal the reference count for its sample size: serial's, or hm_kernel_hits
 * computed outside any timing when serial is not in the matrix. A backend that is unavailable
 * gives `skipped` rows, one that fails gives `failed` rows and one line on stderr per cell; the
 * matrix goes on. At the end the comparison CSV is derived from runs.csv, written to a
 * temporary name and renamed, and its noisy cells are listed on stderr.
 *
 * SIGINT, SIGTERM and SIGHUP stop between repetitions and still write the comparison of the
 * finished rows (exit 130). Every run has a time limit (--timeout, or the default of
 * runner.h): process backends stop their workers and fail the repetition; a run of any other
 * backend, which cannot be stopped, ends the matrix through the runner's watchdog with a
 * failed row and the comparison written. A write error stops the matrix with one line naming
 * the file (exit 1). Under an MPI launcher with several ranks the matrix refuses to start.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "load.h"
#include "matrix.h"
#include "clock.h"
#include "csvread.h"
#include "export.h"
#include "kernel.h"
#include "options.h"
#include "outdir.h"
#include "provenance.h"
#include "runner.h"
#include "stop.h"
#include "summary.h"
#include "sysinfo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST HM_OPT_MAX_LIST

typedef hm_opts matrix_options;

static void matrix_help(FILE *f);
static const hm_opt_command matrix_cmd = {HM_CMD_MATRIX, "matrix", matrix_help};

#define MATRIX_ABOUT                                                                         \
    "Runs backends x devices x workers x samples: each (backend, device, workers) is\n"       \
    "prepared once, each cell gets K untimed warm-ups and R timed repetitions. Writes\n"      \
    "runs.csv (one row per repetition, each written whole), comparison.csv (derived from\n"   \
    "it: median, spread, 95% CI of the median, speedup, efficiency, hits_match, cv_wall,\n"   \
    "outliers, noisy), provenance.txt and results.json (all three as one JSON document,\n"   \
    "docs/results.schema.json) to DIR. Every ok row's hits must equal serial's.\n"

#define MATRIX_TAIL                                                                          \
    "\n"                                                                                     \
    "Lists: 1,2,4 or ranges A..B (step +1) or A..BxF (multiply by F): 2^16..2^30x4.\n"        \
    "Progress and an estimate of the time left go to stderr as it runs (this machine's\n"     \
    "own speed, measured on the way). The time grows with N x (R + 1) / workers per\n"        \
    "cell, so the largest N dominates; for a quick look: --samples 2^16..2^26x4.\n"           \
    "SIGINT, SIGTERM and SIGHUP stop between repetitions and still write the\n"               \
    "comparison (exit 130). Under an MPI launcher with several ranks the matrix refuses to\n" \
    "run: use `mpirun -np R hetmc run --backend mpi` (scripts/mpi_scaling.sh).\n"        \
    "Figures and a report page of DIR: scripts/plot.py DIR, scripts/report.py DIR --out\n"   \
    "DIR/report.html (installed: PREFIX/share/hetmc/scripts/; Python 3 + matplotlib).\n"

static void matrix_help(FILE *f)
{
    hm_opt_print_help(f, &matrix_cmd, MATRIX_ABOUT, MATRIX_TAIL);
}

/* The defaults of whatever the command line left out. */
static void matrix_defaults(matrix_options *o)
{
    if (!o->nbackends)
        for (size_t i = 0; i < hm_backend_count() && i < MAX_LIST; i++)
            o->backends[o->nbackends++] = hm_backend_at(i);
    if (!o->worker_list.n) {
        o->worker_list.v[o->worker_list.n++] = 1;
        if (hm_allowed_cpus() > 1)
            o->worker_list.v[o->worker_list.n++] = hm_allowed_cpus();
    }
    if (!o->sample_list.n)
        for (uint64_t v = UINT64_C(1) << 16; v <= (UINT64_C(1) << 30); v *= 4)
            o->sample_list.v[o->sample_list.n++] = v;
    if (!o->parts.n)
        o->parts.v[o->parts.n++] = NULL; /* auto */
    if (!o->splits.n)
        o->splits.v[o->splits.n++] = NULL; /* dynamic */
}

/* Every backend's early start, before anything runs threads: checking the part lists below
 * and listing devices in the plan start OpenCL's, and OpenMP starts its own. The fork server
 * starts here when forkserver is a backend of the matrix or a part of a coexec cell; when it
 * cannot start, its rows say why. */
static void early_init(const matrix_options *o)
{
    for (size_t i = 0; i < o->nbackends; i++) {
        const hm_backend *b = o->backends[i];
        hm_config cfg = {.workers = 1};
        for (size_t k = 0; k < (cells_from_parts(b) ? o->parts.n : 1); k++) {
            cfg.parts = cells_from_parts(b) ? o->parts.v[k] : NULL;
            hm_backend_early_init(b, &cfg);
        }
    }
}

/* --parts and --split need a backend whose cells they give among the backends (coexec), and
 * each pair must make sense. */
static int check_parts(matrix_options *o, int given)
{
    const hm_backend *b = NULL;
    for (size_t i = 0; i < o->nbackends && !b; i++)
        b = cells_from_parts(o->backends[i]) ? o->backends[i] : NULL;
    for (size_t i = 0; given && !b && i < hm_backend_count(); i++)
        if (cells_from_parts(hm_backend_at(i)))
            return hm_usage_error("matrix", "--parts and --split give %s cells: add %s to "
                                  "--backends", hm_backend_at(i)->name,
                                  hm_backend_at(i)->name);
    for (size_t i = 0; b && i < o->parts.n; i++)
        for (size_t k = 0; k < o->splits.n; k++) {
            hm_config cfg = {.workers = 1, .parts = o->parts.v[i], .split = o->splits.v[k]};
            hm_error err = {0};
            unsigned workers;
            char label[128];
            if (b->plan_parts(&cfg, &workers, label, sizeof label, &err) == HM_EINVAL)
                return hm_usage_error("matrix", "%s", err.msg);
        }
    return -1;
}

static int matrix_parse(int argc, char **argv, matrix_options *o)
{
    int rc = hm_opts_parse(&matrix_cmd, argc, argv, o);
    if (rc >= 0)
        return rc;
    int given = o->parts.n || o->splits.n;
    if (!hm_opts_given(o, HM_O_ORDER_SEED))
        o->order_seed = (uint64_t)(hm_now() * 1e9) ^ ((uint64_t)getpid() << 32);
    matrix_defaults(o);
    early_init(o);
    return check_parts(o, given);
}

/* DIR/name opened for writing, or NULL after one line. */
static FILE *open_in_dir(const matrix *m, const char *name)
{
    FILE *f = hm_outdir_fopen(&m->out, name);
    if (!f)
        fprintf(stderr, "hetmc matrix: cannot write %s/%s: %s\n", m->dir, name, strerror(errno));
    return f;
}

/* Other work on the machine skews timings: the load average goes into provenance.txt when the
 * matrix begins and when it ends, as "KEY: 1.02 0.87 0.66 2/123 4567". */
static void write_load(FILE *prov, const char *key)
{
    char load[128];
    hm_loadavg(load, sizeof load);
    fprintf(prov, "%s: %s\n", key, load);
    double psi = hm_cpu_pressure();
    if (psi >= 0)
        fprintf(prov, "cpu_pressure_%s: some avg10=%.2f\n", key + strlen("loadavg_"), psi);
}

static void write_provenance(matrix *m, int argc, char **argv)
{
    FILE *prov = m->prov;
    fputs("command: hetmc", prov);
    for (int i = 0; i < argc; i++)
        fprintf(prov, " %s", argv[i]);
    fputc('\n', prov);
    hm_provenance_write(prov);
    fprintf(prov, "order: %s, shuffled with seed %llu; retries %llu; each repetition at least "
            "%g s (min_time %g s, foreign load resolved in %g s)\n",
            m->o.order == HM_ORDER_ROUNDS ? "rounds" : "cells",
            (unsigned long long)m->o.order_seed, (unsigned long long)m->o.retries,
            m->o.min_time > 0 && hm_load_resolve_s() > m->o.min_time ? hm_load_resolve_s()
                                                                      : m->o.min_time,
            m->o.min_time, hm_load_resolve_s());
    write_load(prov, "loadavg_at_start");
    fflush(prov);
}

/* Closes *f (one of the matrix's files), checked: a failure prints one line naming the file.
 * Returns 0 or -1. */
static int close_checked(matrix *m, FILE **f, const char *name)
{
    if (!*f)
        return 0;
    int bad = fflush(*f) != 0 || ferror(*f);
    int e = errno;
    if (fclose(*f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    *f = NULL;
    if (!bad)
        return 0;
    hm_matrix_write_error(m, name, e, "");
    return -1;
}

/* The output folder (made exclusively or reused, locked, cleared of an earlier run's derived
 * files: outdir.h), provenance.txt and the header of runs.csv. Returns 0, or the exit code. */
static int open_outputs(matrix *m, int argc, char **argv)
{
    int rc = hm_outdir_open(&m->out, "matrix", m->o.out);
    m->dir = m->out.path;
    if (rc != 0)
        return rc;
    if (!(m->prov = open_in_dir(m, "provenance.txt")))
        return HM_EXIT_FAIL;
    write_provenance(m, argc, argv);
    if (!(m->csv = open_in_dir(m, "runs.csv")))
        return HM_EXIT_FAIL;
    /* A buffer larger than any row: each row reaches the file in one write(). */
    setvbuf(m->csv, NULL, _IOFBF, 1 << 16);
    if (hm_csv_header(m->csv) != 0) {
        hm_matrix_write_error(m, "runs.csv", errno, "");
        return HM_EXIT_FAIL;
    }
    return 0;
}

/* The noisy cells of the comparison, on stderr. */
static void say_noisy(matrix *m, const hm_summary *sum)
{
    size_t n = 0;
    for (size_t i = 0; i < sum->n; i++)
        n += sum->g[i].noisy == 1;
    if (!n)
        return;
    say(m, "%zu noisy cell%s: their wall times vary by more than %.0f%% (coefficient of "
        "variation); rerun with more --reps or a longer --min-time, on a quieter machine:", n,
        n == 1 ? "" : "s", 100 * HM_NOISY_CV);
    for (size_t i = 0; i < sum->n; i++) {
        const hm_group *g = &sum->g[i];
        if (g->noisy == 1)
            fprintf(stderr, "  %s %s w=%u N=%llu: cv %.0f%%, %zu outlier%s of %zu\n", g->backend,
                    g->device, g->workers, (unsigned long long)g->samples, 100 * g->cv_wall,
                    g->outliers, g->outliers == 1 ? "" : "s", g->n_ok);
    }
}

/* What the comparison says on stderr: cells whose hits differ from serial's, noisy cells. */
static void report_comparison(matrix *m, const hm_summary *sum)
{
    for (size_t i = 0; i < sum->n; i++)
        if (sum->g[i].hits_match == 0) {
            say(m, "%s workers %u samples %llu: hits differ from serial's", sum->g[i].backend,
                sum->g[i].workers, (unsigned long long)sum->g[i].samples);
            m->status = HM_EXIT_FAIL;
        }
    say_noisy(m, sum);
}

static int write_summary(FILE *f, void *sum)
{
    return hm_summary_write_csv(f, sum);
}

/* Writes sum to DIR/comparison.csv through a temporary file renamed into place, so that the
 * file is whole or absent. Returns 0, or -1 after one line naming the file. */
static int save_comparison(matrix *m, const hm_summary *sum)
{
    if (hm_outdir_replace(&m->out, "comparison.csv", write_summary, (void *)sum) == 0)
        return 0;
    hm_matrix_write_error(m, "comparison.csv", errno, "");
    return -1;
}

/* comparison.csv, derived from the runs.csv just written. Returns 0 or -1. */
static int write_comparison(matrix *m)
{
    char path[4200], msg[512];
    hm_csv table = {0};
    hm_summary sum = {0};
    int rc = -1;
    snprintf(path, sizeof path, "%s/runs.csv", m->dir);
    if (hm_csv_read(path, &table, msg, sizeof msg) < 0 ||
        hm_summarize(&table, &sum, msg, sizeof msg) < 0) {
        say(m, "%s: %s", path, msg);
        m->status = HM_EXIT_FAIL;
        goto cleanup;
    }
    hm_summary_sort(&sum);
    if (save_comparison(m, &sum) < 0)
        goto cleanup;
    report_comparison(m, &sum);
    rc = 0;
cleanup:
    hm_summary_free(&sum);
    hm_csv_free(&table);
    return rc;
}

/* results.json beside the CSVs (export.h), made of them and provenance.txt; then where the
 * installed scripts that draw the figures and the report are. Returns 0 or -1. */
static int write_results_json(matrix *m)
{
    char msg[600], report[4200];
    if (hm_export_results(m->dir, msg, sizeof msg) < 0) {
        say(m, "%s", msg);
        m->status = HM_EXIT_FAIL;
        return -1;
    }
    if (!m->o.quiet && hm_share_path("scripts/report.py", report, sizeof report) == 0)
        fprintf(stderr, "hetmc matrix: figures and report page: python3 %s %s --out "
                "%s/report.html\n", report, m->dir, m->dir);
    return 0;
}

/* The end of a matrix, also from the watchdog: the progress line, runs.csv closed, the
 * comparison, provenance closed, the closing line. Returns the exit status. */
static int matrix_finish(matrix *m)
{
    hm_matrix_progress_end(m);
    if (hm_stop_signal) {
        say(m, "interrupted by %s; the finished rows are in %s/runs.csv",
            hm_signal_name(hm_stop_signal), m->dir);
        m->status = HM_EXIT_INTERRUPTED;
    }
    int wrote = !m->write_failed && close_checked(m, &m->csv, "runs.csv") == 0;
    wrote &= write_comparison(m) == 0;
    write_load(m->prov, "loadavg_at_end");
    wrote &= close_checked(m, &m->prov, "provenance.txt") == 0;
    wrote = wrote && write_results_json(m) == 0;
    if (wrote)
        printf("hetmc matrix: %s/runs.csv, %s/comparison.csv, %s/provenance.txt, "
               "%s/results.json\n", m->dir, m->dir, m->dir, m->dir);
    return m->status;
}

/* The runner's watchdog: a run that cannot be stopped went past its limit, or on past a stop.
 * The matrix's thread is inside the backend for good: write what there is and leave. */
static void matrix_abort(const hm_watch_event *ev, void *arg)
{
    matrix *m = arg;
    if (ev->row) {
        char rep[32] = "the warm-up";
        if (ev->row->rep)
            snprintf(rep, sizeof rep, "rep %u", ev->row->rep);
        hm_matrix_write_row(ev->row, m);
        say(m, "%s w=%u N=%llu: %s failed: %s", ev->row->backend, ev->row->workers,
            (unsigned long long)ev->row->samples, rep, ev->row->note);
        m->status = HM_EXIT_FAIL;
    } else if (!ev->interrupted) {
        say(m, "%s did not finish within its limit of %g s (--timeout, or the default); it "
            "cannot be stopped from outside, so hetmc stopped here", ev->what, ev->limit_s);
        m->status = HM_EXIT_FAIL;
    }
    _exit(hm_stdout_finish(matrix_finish(m)));
}

/* The time limit of one run: --timeout, or the default for the largest size. Returns -1 to
 * go on, else the exit code. */
static int matrix_limit(matrix *m)
{
    uint64_t largest = 0;
    m->limit = (double)m->o.timeout_s;
    for (size_t k = 0; k < m->o.sample_list.n; k++)
        largest = m->o.sample_list.v[k] > largest ? m->o.sample_list.v[k] : largest;
    if (!m->o.timeout_s && hm_default_limit("matrix", largest, &m->limit) < 0)
        return HM_EXIT_USAGE;
    return -1;
}

/* Several ranks would each run the whole matrix and write the same files. */
static int refuse_ranks(void)
{
    int rank, size;
    hm_launcher(&rank, &size);
    if (rank == 0 && size == 1)
        return -1;
    /* The launcher ends the job at the first rank that exits non-zero: the quiet ranks wait a
     * moment, so that rank 0's line is out before then. */
    if (rank != 0)
        hm_sleep(1.0);
    return hm_usage_error("matrix", "runs as rank %d of %d under an MPI launcher, where every "
                          "rank would run the whole matrix and write the same files; run the "
                          "matrix as one process, and measure ranks with `mpirun -np R hetmc "
                          "run --backend mpi --format csv` (scripts/mpi_scaling.sh)",
                          rank, size);
}

int hm_cmd_matrix(int argc, char **argv)
{
    hm_quiet_other_ranks();
    matrix *m = calloc(1, sizeof *m);
    if (!m) {
        fprintf(stderr, "hetmc matrix: out of memory\n");
        return HM_EXIT_FAIL;
    }
    m->out.lock_fd = -1;
    int rc = matrix_parse(argc, argv, &m->o);
    if (rc >= 0 || (rc = refuse_ranks()) >= 0 || (rc = matrix_limit(m)) >= 0)
        goto done;
    m->pr.quiet = m->o.quiet;
    m->status = HM_EXIT_OK;
    if ((rc = hm_matrix_plan(m)) != 0) {
        rc = rc == HM_EXIT_USAGE ? rc : HM_EXIT_FAIL;
        goto done;
    }
    if ((rc = open_outputs(m, argc, argv)) != 0)
        goto done;
    if (hm_stop_install() != 0 || hm_runner_watchdog(matrix_abort, m) != 0) {
        say(m, "cannot set up signal handling: %s", strerror(errno));
        rc = HM_EXIT_FAIL;
        goto done;
    }
    hm_matrix_check_idle(m);
    hm_matrix_run(m);
    rc = matrix_finish(m);
    hm_stop_uninstall();
done:
    if (m->csv)
        fclose(m->csv);
    if (m->prov)
        fclose(m->prov);
    hm_outdir_close(&m->out);
    free(m->plan.items);
    free(m);
    return rc;
}
