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
#include "clock.h"
#include "csvread.h"
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
    "outliers, noisy) and provenance.txt to DIR. Every ok row's hits must equal serial's.\n"

#define MATRIX_TAIL                                                                          \
    "\n"                                                                                     \
    "Lists: 1,2,4 or ranges A..B (step +1) or A..BxF (multiply by F): 2^16..2^30x4.\n"        \
    "Progress and an estimate of the time left go to stderr as it runs (this machine's\n"     \
    "own speed, measured on the way). The time grows with N x (R + 1) / workers per\n"        \
    "cell, so the largest N dominates; for a quick look: --samples 2^16..2^26x4.\n"           \
    "SIGINT, SIGTERM and SIGHUP stop between repetitions and still write the\n"               \
    "comparison (exit 130). Under an MPI launcher with several ranks the matrix refuses to\n" \
    "run: use `mpirun -np R hetmc run --backend mpi` (scripts/mpi_scaling.sh).\n"

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

/* Whether b's cells come from the part lists (coexec): one per --parts and --split. */
static int cells_from_parts(const hm_backend *b)
{
    return (b->flags & HM_WORKERS_FROM_PARTS) && b->plan_parts;
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
    matrix_defaults(o);
    early_init(o);
    return check_parts(o, given);
}

/* One (backend, device, workers) to prepare; unavailable when select_devices found none. */
typedef struct plan_item {
    const hm_backend *b;
    char device[16]; /* the index for device backends, "" otherwise */
    const char *parts, *split; /* coexec: its part list and split (NULL: the defaults) */
    char label[128];           /* coexec: the parts, for the progress line */
    unsigned workers;
    int unavailable;
    char why[512];
} plan_item;

/* Every (backend, device, workers) of the matrix, in order; grows as needed. */
typedef struct plan {
    plan_item *items;
    size_t n, cap;
} plan;

typedef struct progress {
    int quiet;
    int open_line; /* a progress line on a terminal waits for its line break */
    double t0, work_total, work_done;
    size_t cells_total, cells_done;
} progress;

/* Everything one matrix run holds; cleaned up in one place. */
typedef struct matrix {
    matrix_options o;
    plan plan;
    progress pr;
    hm_outdir out;          /* the output folder, locked while the matrix runs */
    const char *dir;        /* out.path */
    FILE *csv, *prov;
    uint64_t ref[MAX_LIST]; /* the reference count of each sample size */
    int have_ref[MAX_LIST];
    int status;
    int write_failed;       /* runs.csv could not be written: the matrix stops */
    int write_said;         /* a write error was said: later ones (a full disk) are not */
    double limit;           /* the time limit of one run: --timeout or the default */
} matrix;

/* One line on stderr, on a line of its own even after a progress line. */
static void say(matrix *m, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(matrix *m, const char *fmt, ...)
{
    va_list ap;
    if (m->pr.open_line)
        fputc('\n', stderr);
    m->pr.open_line = 0;
    fputs("hetmc matrix: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static plan_item *plan_add(plan *p)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        plan_item *grown = realloc(p->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->items = grown;
        p->cap = cap;
    }
    plan_item *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Adds one item per part list and split (coexec); workers come from the parts. */
static int plan_parts(matrix *m, const hm_backend *b)
{
    for (size_t i = 0; i < m->o.parts.n; i++)
        for (size_t k = 0; k < m->o.splits.n; k++) {
            hm_config cfg = {.workers = 1, .parts = m->o.parts.v[i], .split = m->o.splits.v[k]};
            hm_error err = {0};
            plan_item *it = plan_add(&m->plan);
            if (!it)
                return -1;
            it->b = b;
            it->parts = cfg.parts;
            it->split = cfg.split;
            int rc = b->plan_parts(&cfg, &it->workers, it->label, sizeof it->label, &err);
            it->unavailable = rc < 0;
            snprintf(it->why, sizeof it->why, "%s", err.msg);
        }
    return 0;
}

/* Adds backend b's (device, workers) items: every device --device names (default all).
 * Returns 0, -1 when out of memory, or HM_EXIT_USAGE when --device matches no device. */
static int plan_backend(matrix *m, const hm_backend *b)
{
    if (cells_from_parts(b))
        return plan_parts(m, b);
    unsigned *idx = NULL;
    int ndev = 1, unavailable = 0;
    char why[512] = "";
    if (b->select_devices) {
        hm_error err = {0};
        ndev = b->select_devices(m->o.device ? m->o.device : "all", &idx, &err);
        if (ndev == HM_EINVAL)
            return hm_usage_error("matrix", "%s", err.msg);
        if (ndev < 0) {
            unavailable = 1;
            snprintf(why, sizeof why, "%s", err.msg[0] ? err.msg : hm_strerror(ndev));
            ndev = 1;
        }
    }
    for (int d = 0; d < ndev; d++)
        for (size_t w = 0; w < m->o.worker_list.n; w++) {
            unsigned wk = (unsigned)m->o.worker_list.v[w];
            if (b->max_workers == 1) {
                if (w > 0)
                    break;
                wk = 1; /* serial: one worker, once */
            } else if (b->max_workers && wk > b->max_workers) {
                continue;
            }
            plan_item *it = plan_add(&m->plan);
            if (!it) {
                free(idx);
                return -1;
            }
            it->b = b;
            it->workers = wk;
            it->unavailable = unavailable;
            snprintf(it->why, sizeof it->why, "%s", why);
            if (idx)
                snprintf(it->device, sizeof it->device, "%u", idx[d]);
        }
    free(idx);
    return 0;
}

/* The plan: every combination, devices expanded, before anything runs; and the work it
 * holds, for the progress line. */
static int plan_build(matrix *m)
{
    int devices = 0;
    for (size_t i = 0; i < m->o.nbackends; i++) {
        int rc = plan_backend(m, m->o.backends[i]);
        if (rc == HM_EXIT_USAGE)
            return rc;
        if (rc < 0) {
            fprintf(stderr, "hetmc matrix: out of memory\n");
            return -1;
        }
        devices |= m->o.backends[i]->select_devices != NULL;
    }
    if (m->o.device && !devices)
        return hm_usage_error("matrix", "--device %s: none of the backends asked for runs on "
                              "OpenCL devices", m->o.device);
    for (size_t i = 0; i < m->plan.n; i++)
        for (size_t k = 0; k < m->o.sample_list.n; k++) {
            m->pr.cells_total++;
            m->pr.work_total +=
                (double)m->o.sample_list.v[k] * (double)(m->o.reps + m->o.warmups) /
                m->plan.items[i].workers;
        }
    return 0;
}

static void progress_show(progress *p, const plan_item *it, uint64_t samples)
{
    if (p->quiet)
        return;
    double el = hm_now() - p->t0;
    char eta[32] = "?";
    if (p->work_done > 0)
        snprintf(eta, sizeof eta, "%.0f s", el / p->work_done * (p->work_total - p->work_done));
    /* On a terminal one line rewritten in place; in a log one line per cell. */
    int tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%zu/%zu cells, %zu left, %.0f s elapsed, ETA %s] %s%s%s%s%s w=%u N=%llu%s",
            tty ? "\r" : "", p->cells_done, p->cells_total, p->cells_total - p->cells_done, el,
            eta, it->b->name, it->device[0] ? " dev " : "", it->device, it->label[0] ? " " : "",
            it->label, it->workers, (unsigned long long)samples, tty ? "   " : "\n");
    p->open_line = tty;
    fflush(stderr);
}

/* DIR/name opened for writing, or NULL after one line. */
static FILE *open_in_dir(const matrix *m, const char *name)
{
    FILE *f = hm_outdir_fopen(&m->out, name);
    if (!f)
        fprintf(stderr, "hetmc matrix: cannot write %s/%s: %s\n", m->dir, name, strerror(errno));
    return f;
}

/* The line of a write error, unless one was said already: a full disk fails every file, and
 * one line is enough. Sets the exit status to 1. */
static void say_write_error(matrix *m, const char *name, int e, const char *more)
{
    m->status = HM_EXIT_FAIL;
    if (m->write_said)
        return;
    m->write_said = 1;
    say(m, "writing %s/%s: %s%s", m->dir, name, strerror(e ? e : EIO), more);
}

/* Other work on the machine skews timings: the load average goes into provenance.txt when the
 * matrix begins and when it ends, as "KEY: 1.02 0.87 0.66 2/123 4567". */
static void write_load(FILE *prov, const char *key)
{
    char load[128];
    hm_loadavg(load, sizeof load);
    fprintf(prov, "%s: %s\n", key, load);
}

static void write_provenance(matrix *m, int argc, char **argv)
{
    FILE *prov = m->prov;
    fputs("command: hetmc", prov);
    for (int i = 0; i < argc; i++)
        fprintf(prov, " %s", argv[i]);
    fputc('\n', prov);
    hm_provenance_write(prov);
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
    say_write_error(m, name, e, "");
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
        say_write_error(m, "runs.csv", errno, "");
        return HM_EXIT_FAIL;
    }
    return 0;
}

/* Writes one row to runs.csv. Returns non-zero, which stops the cell, when the write failed
 * (the file then ends with the last whole row). */
static int write_row(const hm_row *row, void *arg)
{
    matrix *m = arg;
    if (row->status == HM_STATUS_FAILED)
        m->status = HM_EXIT_FAIL;
    if (m->write_failed)
        return 1;
    if (hm_csv_row(m->csv, row) == 0)
        return 0;
    say_write_error(m, "runs.csv", errno, "; the matrix stops here (the rows written are whole)");
    m->write_failed = 1;
    return 1;
}

/* The one line of a cell that failed. */
static void say_cell_failed(matrix *m, const plan_item *it, uint64_t n, const hm_cell_out *out)
{
    char what[64];
    if (out->warmup_failed)
        snprintf(what, sizeof what, "the warm-up failed");
    else
        snprintf(what, sizeof what, "%u of %u repetitions failed", out->reps_failed,
                 out->reps_done);
    say(m, "%s%s%s w=%u N=%llu: %s: %s", it->b->name, it->device[0] ? " device " : "",
        it->device, it->workers, (unsigned long long)n, what, out->first_error);
}

/* The cell of one sample size on an opened runner: serial's first validated run gives the
 * reference count; every other backend is held to it (or to the host kernel's, without
 * serial). */
static void run_cell(matrix *m, hm_runner *r, const plan_item *it, size_t k, char *devname,
                     size_t devlen)
{
    uint64_t n = m->o.sample_list.v[k];
    int is_serial = (hm_runner_backend(r)->flags & HM_REFERENCE) != 0;
    if (!is_serial && !m->have_ref[k]) {
        /* Outside any timing, but watched: at 2^40 it takes an hour. */
        hm_runner_watch("the reference count (the host kernel, as serial would count)",
                        m->limit);
        m->ref[k] = hm_kernel_hits(m->o.seed, 0, n);
        hm_runner_unwatch();
        m->have_ref[k] = 1;
    }
    hm_cell cell = {.seed = m->o.seed, .samples = n, .reps = (unsigned)m->o.reps,
                    .warmups = (unsigned)m->o.warmups, .min_time_s = m->o.min_time,
                    .expect = m->have_ref[k] ? &m->ref[k] : NULL, .expect_what = "serial's"};
    hm_cell_out out;
    hm_runner_cell(r, &cell, write_row, m, &out);
    if (out.have_ref) {
        if (is_serial && !m->have_ref[k]) {
            m->ref[k] = out.ref_hits;
            m->have_ref[k] = 1;
        }
        snprintf(devname, devlen, "%s", out.device);
    }
    if ((out.warmup_failed || out.reps_failed) && !m->write_failed)
        say_cell_failed(m, it, n, &out);
}


/* The hm_config of one plan item. */
static void item_config(const matrix *m, const plan_item *it, hm_config *cfg)
{
    hm_opts_config(&m->o, cfg);
    cfg->workers = it->workers;
    cfg->device = it->device[0] ? it->device : NULL;
    cfg->timeout_s = m->limit;
    cfg->bind = it->b->uses & HM_USES_BIND ? m->o.bind : HM_BIND_NONE;
    cfg->parts = it->parts;
    cfg->split = it->split;
}

/* The row of a cell whose backend did not open: skipped (unavailable) or failed. */
static void write_unopened(matrix *m, const plan_item *it, uint64_t n, int rc, const char *why)
{
    hm_row row;
    const char *dev = it->label[0] ? it->label : it->device;
    if (!dev[0] && cells_from_parts(it->b))
        dev = it->parts ? it->parts : "auto";
    hm_runner_unopened_row(&row, it->b, it->workers, dev, m->o.seed, n, rc, why);
    write_row(&row, m);
}

/* What provenance.txt keeps of an item: the device behind an index, the parts behind a part
 * list, or why a backend is unavailable (once). */
static void note_item(matrix *m, const plan_item *it, const char *devname)
{
    if (devname[0] && it->device[0])
        fprintf(m->prov, "device: backend %s index %s = %s\n", it->b->name, it->device, devname);
    else if (devname[0] && it->label[0])
        fprintf(m->prov, "coexec: --parts %s --split %s = %s\n", it->parts ? it->parts : "auto",
                it->split ? it->split : "dynamic", it->label);
    else if (it->unavailable && it->workers == m->plan.items[0].workers)
        fprintf(m->prov, "unavailable: backend %s: %s\n", it->b->name, it->why);
}

/* Opens one plan item and runs its cells, one per sample size. */
static void run_item(matrix *m, const plan_item *it)
{
    hm_config cfg;
    hm_runner *r = NULL;
    hm_error err = {0};
    item_config(m, it, &cfg);
    int rc = it->unavailable ? HM_EUNAVAIL : hm_runner_open(it->b, &cfg, &r, &err);
    const char *why = it->unavailable ? it->why : err.msg;
    char devname[128] = "";
    if (rc < 0 && rc != HM_EUNAVAIL)
        say(m, "%s%s%s w=%u could not start: %s", it->b->name, it->device[0] ? " device " : "",
            it->device, it->workers, why[0] ? why : hm_strerror(rc));
    for (size_t k = 0; k < m->o.sample_list.n && !hm_stop_signal && !m->write_failed; k++) {
        uint64_t n = m->o.sample_list.v[k];
        progress_show(&m->pr, it, n);
        if (rc < 0)
            write_unopened(m, it, n, rc, why);
        else
            run_cell(m, r, it, k, devname, sizeof devname);
        m->pr.cells_done++;
        m->pr.work_done += (double)n * (double)(m->o.reps + m->o.warmups) / it->workers;
    }
    hm_runner_close(r);
    note_item(m, it, devname);
}

/* Every item of the plan, until a signal or a write error stops it. */
static void run_plan(matrix *m)
{
    m->pr.t0 = hm_now();
    for (size_t i = 0; i < m->plan.n && !hm_stop_signal && !m->write_failed; i++)
        run_item(m, &m->plan.items[i]);
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
    say_write_error(m, "comparison.csv", errno, "");
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
    if (save_comparison(m, &sum) < 0)
        goto cleanup;
    report_comparison(m, &sum);
    rc = 0;
cleanup:
    hm_summary_free(&sum);
    hm_csv_free(&table);
    return rc;
}

/* The end of a matrix, also from the watchdog: the progress line, runs.csv closed, the
 * comparison, provenance closed, the closing line. Returns the exit status. */
static int matrix_finish(matrix *m)
{
    if (!m->o.quiet)
        fprintf(stderr, "%s[%zu/%zu cells done in %.1f s]%*s\n",
                isatty(STDERR_FILENO) ? "\r" : "", m->pr.cells_done, m->pr.cells_total,
                hm_now() - m->pr.t0, isatty(STDERR_FILENO) ? 60 : 0, "");
    m->pr.open_line = 0;
    if (hm_stop_signal) {
        say(m, "interrupted by %s; the finished rows are in %s/runs.csv",
            hm_signal_name(hm_stop_signal), m->dir);
        m->status = HM_EXIT_INTERRUPTED;
    }
    int wrote = !m->write_failed && close_checked(m, &m->csv, "runs.csv") == 0;
    wrote &= write_comparison(m) == 0;
    write_load(m->prov, "loadavg_at_end");
    wrote &= close_checked(m, &m->prov, "provenance.txt") == 0;
    if (wrote)
        printf("hetmc matrix: %s/runs.csv, %s/comparison.csv, %s/provenance.txt\n", m->dir,
               m->dir, m->dir);
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
        write_row(ev->row, m);
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
    if ((rc = plan_build(m)) != 0) {
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
    run_plan(m);
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
