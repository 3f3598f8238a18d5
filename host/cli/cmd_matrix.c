/*
 * cmd_matrix.c - `hetmc matrix`: backends x devices x workers x samples x repetitions.
 *
 * Every argument is checked before anything runs (exit 2). Each (backend, device, workers) is
 * prepared once; each cell (one sample size) gets one untimed warm-up and R timed repetitions,
 * written to runs.csv row by row (each row is one write and is flushed). Every ok row's hits
 * must equal the reference count for its sample size: serial's, or hm_kernel_hits computed
 * outside any timing when serial is not in the matrix. A backend that is unavailable gives
 * `skipped` rows, one that fails gives `failed` rows; the matrix goes on. At the end the
 * comparison CSV is derived from runs.csv. Ctrl-C stops between repetitions and still writes
 * the comparison of the finished rows.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "clock.h"
#include "csvread.h"
#include "forkserver.h"
#include "kernel.h"
#include "numparse.h"
#include "provenance.h"
#include "runner.h"
#include "summary.h"
#include "sysinfo.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MATRIX_ACCEPTED                                                                      \
    "--backends LIST, --workers LIST, --samples LIST, --reps R, --seed S, --out DIR, "       \
    "--quiet, --help"
#define MAX_LIST 256

typedef struct matrix_options {
    const hm_backend *backends[MAX_LIST];
    size_t nbackends;
    uint64_t workers[MAX_LIST];
    size_t nworkers;
    uint64_t samples[MAX_LIST];
    size_t nsamples;
    uint64_t reps, seed;
    const char *out;
    int quiet;
} matrix_options;

static void matrix_help(FILE *f)
{
    fprintf(f,
            "usage: hetmc matrix [--backends LIST] [--workers LIST] [--samples LIST] [--reps R]\n"
            "                    [--seed S] [--out DIR] [--quiet]\n"
            "\n"
            "Runs backends x devices x workers x samples: each (backend, device, workers) is\n"
            "prepared once, each cell gets one untimed warm-up and R timed repetitions. Writes\n"
            "runs.csv (one row per repetition, flushed row by row), comparison.csv (derived from\n"
            "it: median, spread, 95%% CI of the median, speedup, efficiency, hits_match) and\n"
            "provenance.txt to DIR. Every ok row's hits must equal serial's.\n"
            "\n"
            "  --backends LIST  comma-separated (default: every backend of this build; those\n"
            "                   unavailable here give `skipped` rows)\n"
            "  --workers LIST   default 1,%u (1 and the online cores); serial runs at 1 only\n"
            "  --samples LIST   default 2^16..2^30x4 (2^16, 2^18, ..., 2^30)\n"
            "  --reps R         timed repetitions per cell, 1..10000 (default 4: the fewest with which\n"
            "                   `hetmc compare` can find a difference significant at 5%%)\n"
            "  --seed S         default 42\n"
            "  --out DIR        default results/matrix-<UTC date-time>\n"
            "  --quiet          no progress on stderr\n"
            "\n"
            "Lists: 1,2,4 or ranges A..B (step +1) or A..BxF (multiply by F): 2^16..2^30x4.\n"
            "Progress and an estimate of the time left go to stderr as it runs (this machine's\n"
            "own speed, measured on the way). The time grows with N x (R + 1) / workers per\n"
            "cell, so the largest N dominates; for a quick look: --samples 2^16..2^26x4.\n",
            hm_online_cores());
}

/* Parses LIST into out[]: items separated by commas, each a number or a range. */
static int parse_list(const char *opt, const char *text, uint64_t min, uint64_t max,
                      uint64_t *out, size_t *n)
{
    char buf[1024];
    *n = 0;
    if (strlen(text) >= sizeof buf || !*text)
        return hm_usage_error("matrix", "%s '%s': expected a list such as 1,2,4 or 2^16..2^30x4",
                              opt, text);
    strcpy(buf, text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *dots = strstr(item, "..");
        uint64_t a, b, step = 0, factor = 0;
        if (!dots) {
            if (hm_parse_u64(item, &a) < 0)
                goto bad;
            b = a;
            step = 1;
        } else {
            *dots = '\0';
            char *hi = dots + 2, *x = strrchr(hi, 'x');
            if (x && x != hi && !(x == hi + 1 && hi[0] == '0')) { /* not the x of 0x hex */
                *x = '\0';
                if (hm_parse_u64(x + 1, &factor) < 0 || factor < 2)
                    goto bad;
            } else {
                step = 1;
            }
            if (hm_parse_u64(item, &a) < 0 || hm_parse_u64(hi, &b) < 0 || a > b)
                goto bad;
            if (factor && a == 0)
                goto bad;
        }
        for (uint64_t v = a;;) {
            if (v < min || v > max)
                return hm_usage_error("matrix", "%s '%s': %llu is out of range; accepted: %llu "
                                      "to %llu", opt, text, (unsigned long long)v,
                                      (unsigned long long)min, (unsigned long long)max);
            if (*n == MAX_LIST)
                return hm_usage_error("matrix", "%s '%s': more than %d values", opt, text,
                                      MAX_LIST);
            out[(*n)++] = v;
            uint64_t next;
            if (factor ? __builtin_mul_overflow(v, factor, &next)
                       : __builtin_add_overflow(v, step, &next))
                break;
            if (next > b)
                break;
            v = next;
        }
    }
    if (*n == 0)
        goto bad;
    return 0;
bad:
    return hm_usage_error("matrix", "%s '%s' is not a list; accepted: numbers (1e8, 2^30, 64Ki) "
                          "separated by commas, or ranges A..B and A..BxFACTOR", opt, text);
}

/* --backends LIST: names of the registry, duplicates dropped. */
static int parse_backends(matrix_options *o, const char *text)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf || !*text)
        return hm_usage_error("matrix", "--backends '%s' is not a list of backends", text);
    strcpy(buf, text);
    o->nbackends = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const hm_backend *b = hm_opt_backend("matrix", "--backends", t);
        if (!b)
            return HM_EXIT_USAGE;
        int dup = 0;
        for (size_t i = 0; i < o->nbackends; i++)
            dup |= o->backends[i] == b;
        if (!dup && o->nbackends < MAX_LIST)
            o->backends[o->nbackends++] = b;
    }
    if (!o->nbackends)
        return hm_usage_error("matrix", "--backends '%s' names no backend", text);
    return -1;
}

/* Applies one option getopt_long returned. Returns -1 to go on, else the exit code. */
static int matrix_option(matrix_options *o, int c, char **argv)
{
    const char *cmd = "matrix";
    switch (c) {
    case 'b':
        return parse_backends(o, optarg);
    case 'w':
        return parse_list("--workers", optarg, 1, HM_MAX_WORKERS, o->workers, &o->nworkers)
                   ? HM_EXIT_USAGE : -1;
    case 'n':
        return parse_list("--samples", optarg, 1, HM_MAX_SAMPLES, o->samples, &o->nsamples)
                   ? HM_EXIT_USAGE : -1;
    case 'r':
        return hm_opt_u64(cmd, "--reps", optarg, 1, 10000, &o->reps) < 0 ? HM_EXIT_USAGE : -1;
    case 's':
        return hm_opt_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &o->seed) < 0 ? HM_EXIT_USAGE
                                                                                : -1;
    case 'o':
        if (!*optarg)
            return hm_usage_error(cmd, "--out '' is empty; expected a folder");
        o->out = optarg;
        return -1;
    case 'q':
        o->quiet = 1;
        return -1;
    case 'h':
        matrix_help(stdout);
        return HM_EXIT_OK;
    case ':':
        return hm_bad_option(cmd, 1, argv[optind - 1], MATRIX_ACCEPTED);
    default:
        return hm_bad_option(cmd, 0, argv[optind - 1], MATRIX_ACCEPTED);
    }
}

/* The defaults of whatever the command line left out. */
static void matrix_defaults(matrix_options *o)
{
    if (!o->nbackends)
        for (size_t i = 0; i < hm_backend_count() && i < MAX_LIST; i++)
            o->backends[o->nbackends++] = hm_backend_at(i);
    if (!o->nworkers) {
        o->workers[o->nworkers++] = 1;
        if (hm_online_cores() > 1)
            o->workers[o->nworkers++] = hm_online_cores();
    }
    if (!o->nsamples)
        for (uint64_t v = UINT64_C(1) << 16; v <= (UINT64_C(1) << 30); v *= 4)
            o->samples[o->nsamples++] = v;
}

static int matrix_parse(int argc, char **argv, matrix_options *o)
{
    static const struct option longopts[] = {
        {"backends", required_argument, NULL, 'b'}, {"workers", required_argument, NULL, 'w'},
        {"samples", required_argument, NULL, 'n'},  {"reps", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},     {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    memset(o, 0, sizeof *o);
    o->reps = 4;
    o->seed = 42;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:w:n:r:s:o:qh", longopts, NULL)) != -1)
        if ((rc = matrix_option(o, c, argv)) >= 0)
            return rc;
    if (optind < argc)
        return hm_usage_error("matrix", "unexpected argument '%s'; accepted options: %s",
                              argv[optind], MATRIX_ACCEPTED);
    matrix_defaults(o);
    return -1;
}

/* One (backend, device, workers) to prepare; unavailable when select_devices found none. */
typedef struct plan_item {
    const hm_backend *b;
    char device[16]; /* the index for device backends, "" otherwise */
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
    double t0, work_total, work_done;
    size_t cells_total, cells_done;
} progress;

/* Everything one matrix run holds; cleaned up in one place. */
typedef struct matrix {
    matrix_options o;
    plan plan;
    progress pr;
    char dir[4096];
    FILE *csv, *prov;
    uint64_t ref[MAX_LIST]; /* the reference count of each sample size */
    int have_ref[MAX_LIST];
    int status;
} matrix;

static volatile sig_atomic_t g_stop;

static void on_sigint(int sig)
{
    (void)sig;
    g_stop = 1;
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

/* Adds backend b's (device, workers) items. Returns 0, or -1 when out of memory. */
static int plan_backend(matrix *m, const hm_backend *b)
{
    unsigned *idx = NULL;
    int ndev = 1, unavailable = 0;
    char why[512] = "";
    if (b->select_devices) {
        hm_error err = {0};
        ndev = b->select_devices(NULL, &idx, &err);
        if (ndev < 0) {
            unavailable = 1;
            snprintf(why, sizeof why, "%s", err.msg[0] ? err.msg : hm_strerror(ndev));
            ndev = 1;
        }
    }
    for (int d = 0; d < ndev; d++)
        for (size_t w = 0; w < m->o.nworkers; w++) {
            unsigned wk = (unsigned)m->o.workers[w];
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
    for (size_t i = 0; i < m->o.nbackends; i++)
        if (plan_backend(m, m->o.backends[i]) < 0) {
            fprintf(stderr, "hetmc matrix: out of memory\n");
            return -1;
        }
    for (size_t i = 0; i < m->plan.n; i++)
        for (size_t k = 0; k < m->o.nsamples; k++) {
            m->pr.cells_total++;
            m->pr.work_total +=
                (double)m->o.samples[k] * (double)(m->o.reps + 1) / m->plan.items[i].workers;
        }
    return 0;
}

static void progress_show(const progress *p, const plan_item *it, uint64_t samples)
{
    if (p->quiet)
        return;
    double el = hm_now() - p->t0;
    char eta[32] = "?";
    if (p->work_done > 0)
        snprintf(eta, sizeof eta, "%.0f s", el / p->work_done * (p->work_total - p->work_done));
    /* On a terminal one line rewritten in place; in a log one line per cell. */
    int tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%zu/%zu cells, %zu left, %.0f s elapsed, ETA %s] %s%s%s w=%u N=%llu%s",
            tty ? "\r" : "", p->cells_done, p->cells_total, p->cells_total - p->cells_done, el,
            eta, it->b->name, it->device[0] ? " dev " : "", it->device, it->workers,
            (unsigned long long)samples, tty ? "   " : "\n");
    fflush(stderr);
}

static int make_dir(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

static FILE *open_in_dir(const matrix *m, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", m->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "hetmc matrix: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static void write_provenance(matrix *m, int argc, char **argv)
{
    FILE *prov = m->prov;
    fputs("command: hetmc", prov);
    for (int i = 0; i < argc; i++)
        fprintf(prov, " %s", argv[i]);
    fputc('\n', prov);
    hm_provenance_write(prov);
    /* Other work on the machine skews timings: record the load when the matrix began. */
    FILE *la = fopen("/proc/loadavg", "r");
    char load[128] = "";
    if (la) {
        if (fgets(load, sizeof load, la))
            load[strcspn(load, "\n")] = '\0';
        fclose(la);
    }
    fprintf(prov, "loadavg_at_start: %s\n", load[0] ? load : "unknown");
    fflush(prov);
}

/* The output folder, provenance.txt and the header of runs.csv. Returns 0 or -1. */
static int open_outputs(matrix *m, int argc, char **argv)
{
    if (m->o.out) {
        snprintf(m->dir, sizeof m->dir, "%s", m->o.out);
    } else {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(m->dir, sizeof m->dir, "results/matrix-%s", when);
    }
    if (make_dir(m->dir) < 0) {
        fprintf(stderr, "hetmc matrix: cannot create %s: %s\n", m->dir, strerror(errno));
        return -1;
    }
    if (!(m->prov = open_in_dir(m, "provenance.txt")))
        return -1;
    write_provenance(m, argc, argv);
    if (!(m->csv = open_in_dir(m, "runs.csv")))
        return -1;
    /* A buffer larger than any row: each row reaches the file in one write(), so a kill at
     * any moment leaves whole rows only. */
    setvbuf(m->csv, NULL, _IOFBF, 1 << 16);
    hm_csv_header(m->csv);
    return 0;
}

static void write_row(const hm_row *row, void *arg)
{
    matrix *m = arg;
    hm_csv_row(m->csv, row);
    if (row->status == HM_STATUS_FAILED)
        m->status = HM_EXIT_FAIL;
}

/* The cell of one sample size on an opened runner: serial's warm-up gives the reference
 * count; every other backend is held to it (or to the host kernel's, without serial). */
static void run_cell(matrix *m, hm_runner *r, size_t k, char *devname, size_t devlen)
{
    uint64_t n = m->o.samples[k];
    int is_serial = strcmp(hm_runner_backend(r)->name, "serial") == 0;
    if (!is_serial && !m->have_ref[k]) {
        m->ref[k] = hm_kernel_hits(m->o.seed, 0, n); /* outside any timing */
        m->have_ref[k] = 1;
    }
    hm_cell cell = {.seed = m->o.seed, .samples = n, .reps = (unsigned)m->o.reps,
                    .expect = m->have_ref[k] ? &m->ref[k] : NULL,
                    .expect_what = "serial's", .stop = &g_stop};
    hm_cell_out out;
    hm_runner_cell(r, &cell, write_row, m, &out);
    if (out.warmed) {
        if (is_serial && !m->have_ref[k]) {
            m->ref[k] = out.warm_hits;
            m->have_ref[k] = 1;
        }
        snprintf(devname, devlen, "%s", out.device);
    }
}

/* Opens one plan item and runs its cells, one per sample size. */
static void run_item(matrix *m, const plan_item *it)
{
    hm_config cfg = {.workers = it->workers,
                     .device = it->device[0] ? it->device : NULL,
                     .self_exe = hm_self_exe()};
    hm_runner *r = NULL;
    hm_error err = {0};
    int rc = it->unavailable ? HM_EUNAVAIL : hm_runner_open(it->b, &cfg, &r, &err);
    const char *why = it->unavailable ? it->why : err.msg;
    char devname[128] = "";
    for (size_t k = 0; k < m->o.nsamples && !g_stop; k++) {
        progress_show(&m->pr, it, m->o.samples[k]);
        if (rc < 0) {
            hm_row row;
            hm_runner_unopened_row(&row, it->b, it->workers, it->device, m->o.seed,
                                   m->o.samples[k], rc, why);
            write_row(&row, m);
        } else {
            run_cell(m, r, k, devname, sizeof devname);
        }
        m->pr.cells_done++;
        m->pr.work_done += (double)m->o.samples[k] * (double)(m->o.reps + 1) / it->workers;
    }
    hm_runner_close(r);
    if (devname[0] && it->device[0])
        fprintf(m->prov, "device: backend %s index %s = %s\n", it->b->name, it->device, devname);
    else if (it->unavailable && it->workers == m->plan.items[0].workers)
        fprintf(m->prov, "unavailable: backend %s: %s\n", it->b->name, it->why);
}

/* Every item of the plan, Ctrl-C stopping between repetitions. */
static void run_plan(matrix *m)
{
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    int sa_set = sigaction(SIGINT, &sa, &old_sa) == 0;

    m->pr.t0 = hm_now();
    for (size_t i = 0; i < m->plan.n && !g_stop; i++)
        run_item(m, &m->plan.items[i]);
    if (!m->o.quiet)
        fprintf(stderr, "%s[%zu/%zu cells done in %.1f s]%*s\n",
                isatty(STDERR_FILENO) ? "\r" : "", m->pr.cells_done, m->pr.cells_total,
                hm_now() - m->pr.t0, isatty(STDERR_FILENO) ? 60 : 0, "");
    if (g_stop) {
        fprintf(stderr, "hetmc matrix: interrupted; the finished rows are in %s/runs.csv\n",
                m->dir);
        m->status = HM_EXIT_INTERRUPTED;
    }
    if (sa_set)
        sigaction(SIGINT, &old_sa, NULL);
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
        fprintf(stderr, "hetmc matrix: %s\n", msg);
        goto cleanup;
    }
    FILE *cmp = open_in_dir(m, "comparison.csv");
    if (!cmp)
        goto cleanup;
    hm_summary_write_csv(cmp, &sum);
    fclose(cmp);
    for (size_t i = 0; i < sum.n; i++)
        if (sum.g[i].hits_match == 0) {
            fprintf(stderr, "hetmc matrix: %s workers %u samples %llu: hits differ from "
                    "serial's\n", sum.g[i].backend, sum.g[i].workers,
                    (unsigned long long)sum.g[i].samples);
            m->status = HM_EXIT_FAIL;
        }
    rc = 0;
cleanup:
    hm_summary_free(&sum);
    hm_csv_free(&table);
    return rc;
}

int hm_cmd_matrix(int argc, char **argv)
{
    matrix *m = calloc(1, sizeof *m);
    if (!m) {
        fprintf(stderr, "hetmc matrix: out of memory\n");
        return HM_EXIT_FAIL;
    }
    int rc = matrix_parse(argc, argv, &m->o);
    if (rc >= 0)
        goto done;
    m->pr.quiet = m->o.quiet;
    m->status = HM_EXIT_OK;
    /* The fork server starts before OpenMP or OpenCL (the plan lists devices) run threads; if
     * it cannot, the forkserver rows say why. */
    for (size_t i = 0; i < m->o.nbackends; i++)
        if (strcmp(m->o.backends[i]->name, "forkserver") == 0)
            hm_forkserver_start(NULL);
    if (plan_build(m) < 0 || open_outputs(m, argc, argv) < 0) {
        rc = HM_EXIT_FAIL;
        goto done;
    }
    run_plan(m);
    fclose(m->csv);
    m->csv = NULL;
    if (write_comparison(m) < 0) {
        rc = HM_EXIT_FAIL;
        goto done;
    }
    printf("hetmc matrix: %s/runs.csv, %s/comparison.csv, %s/provenance.txt\n", m->dir, m->dir,
           m->dir);
    rc = m->status;
done:
    if (m->csv)
        fclose(m->csv);
    if (m->prov)
        fclose(m->prov);
    free(m->plan.items);
    free(m);
    return rc;
}
