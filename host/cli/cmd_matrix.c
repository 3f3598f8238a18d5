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
#include "csvread.h"
#include "report.h"
#include "summary.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
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

static volatile sig_atomic_t g_stop;

static void on_sigint(int sig)
{
    (void)sig;
    g_stop = 1;
}

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
            "The defaults take about 3 minutes on a 2-core laptop with serial, openmp, threads, fork,\n"
            "pool, spawn and opencl (about 50 s with serial and openmp alone): 5 runs of 2^30\n"
            "samples take about 15 s per backend at 1 worker. For a quick look: --samples\n"
            "2^16..2^26x4.\n",
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

static int matrix_parse(int argc, char **argv, matrix_options *o)
{
    static const struct option longopts[] = {
        {"backends", required_argument, NULL, 'b'}, {"workers", required_argument, NULL, 'w'},
        {"samples", required_argument, NULL, 'n'},  {"reps", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},     {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "matrix";
    int c;
    memset(o, 0, sizeof *o);
    o->reps = 4;
    o->seed = 42;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":b:w:n:r:s:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': {
            char buf[1024];
            if (strlen(optarg) >= sizeof buf || !*optarg)
                return hm_usage_error(cmd, "--backends '%s' is not a list of backends", optarg);
            strcpy(buf, optarg);
            o->nbackends = 0;
            char *save = NULL;
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                const hm_backend *b = hm_opt_backend(cmd, "--backends", t);
                if (!b)
                    return HM_EXIT_USAGE;
                int dup = 0;
                for (size_t i = 0; i < o->nbackends; i++)
                    dup |= o->backends[i] == b;
                if (!dup && o->nbackends < MAX_LIST)
                    o->backends[o->nbackends++] = b;
            }
            if (!o->nbackends)
                return hm_usage_error(cmd, "--backends '%s' names no backend", optarg);
            break;
        }
        case 'w':
            if (parse_list("--workers", optarg, 1, HM_MAX_WORKERS, o->workers, &o->nworkers))
                return HM_EXIT_USAGE;
            break;
        case 'n':
            if (parse_list("--samples", optarg, 1, HM_MAX_SAMPLES, o->samples, &o->nsamples))
                return HM_EXIT_USAGE;
            break;
        case 'r':
            if (hm_opt_u64(cmd, "--reps", optarg, 1, 10000, &o->reps) < 0)
                return HM_EXIT_USAGE;
            break;
        case 's':
            if (hm_opt_u64(cmd, "--seed", optarg, 0, UINT64_MAX, &o->seed) < 0)
                return HM_EXIT_USAGE;
            break;
        case 'o':
            if (!*optarg)
                return hm_usage_error(cmd, "--out '' is empty; expected a folder");
            o->out = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            matrix_help(stdout);
            return HM_EXIT_OK;
        case ':':
            return hm_bad_option(cmd, 1, argv[optind - 1], MATRIX_ACCEPTED);
        default:
            return hm_bad_option(cmd, 0, argv[optind - 1], MATRIX_ACCEPTED);
        }
    }
    if (optind < argc)
        return hm_usage_error(cmd, "unexpected argument '%s'; accepted options: %s", argv[optind],
                              MATRIX_ACCEPTED);
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
    return -1;
}

/* One (backend, device, workers) to prepare; ndev < 0 when select_devices said unavailable. */
typedef struct plan_item {
    const hm_backend *b;
    char device[16]; /* the index for device backends, "" otherwise */
    unsigned workers;
    int unavailable;
    char why[512];
} plan_item;

typedef struct progress {
    int quiet;
    double t0, work_total, work_done;
    size_t cells_total, cells_done;
} progress;

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

/* The reference count of each sample size: serial's warm-up, or the host kernel. */
static uint64_t reference(const matrix_options *o, uint64_t *ref, int *have, size_t k)
{
    if (!have[k]) {
        ref[k] = hm_kernel_hits(o->seed, 0, o->samples[k]);
        have[k] = 1;
    }
    return ref[k];
}

int hm_cmd_matrix(int argc, char **argv)
{
    matrix_options o;
    int rc = matrix_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;

    plan_item *plan = NULL;
    size_t nplan = 0;
    FILE *csv = NULL, *prov = NULL;
    char dir[4096], path[4200];
    uint64_t ref[MAX_LIST];
    int have_ref[MAX_LIST] = {0};
    int status = HM_EXIT_OK;
    progress pr = {.quiet = o.quiet};
    hm_csv table = {0};
    hm_summary sum = {0};
    struct sigaction sa, old_sa;
    int sa_set = 0;

    /* The plan: every combination, devices expanded, before anything runs. */
    plan = calloc(o.nbackends * o.nworkers * 64 + 1, sizeof *plan);
    if (!plan) {
        fprintf(stderr, "hetmc matrix: out of memory\n");
        return HM_EXIT_FAIL;
    }
    for (size_t i = 0; i < o.nbackends; i++) {
        const hm_backend *b = o.backends[i];
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
            if (ndev > 64)
                ndev = 64;
        }
        for (int d = 0; d < ndev; d++)
            for (size_t w = 0; w < o.nworkers; w++) {
                unsigned wk = (unsigned)o.workers[w];
                if (b->max_workers == 1) {
                    if (w > 0)
                        break;
                    wk = 1; /* serial: one worker, once */
                } else if (b->max_workers && wk > b->max_workers) {
                    continue;
                }
                plan_item *it = &plan[nplan++];
                it->b = b;
                it->workers = wk;
                it->unavailable = unavailable;
                snprintf(it->why, sizeof it->why, "%s", why);
                if (idx)
                    snprintf(it->device, sizeof it->device, "%u", idx[d]);
            }
        free(idx);
    }
    for (size_t i = 0; i < nplan; i++)
        for (size_t k = 0; k < o.nsamples; k++) {
            pr.cells_total++;
            pr.work_total += (double)o.samples[k] * (double)(o.reps + 1) / plan[i].workers;
        }

    if (o.out)
        snprintf(dir, sizeof dir, "%s", o.out);
    else {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(dir, sizeof dir, "results/matrix-%s", when);
    }
    if (make_dir(dir) < 0) {
        fprintf(stderr, "hetmc matrix: cannot create %s: %s\n", dir, strerror(errno));
        status = HM_EXIT_FAIL;
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/provenance.txt", dir);
    if (!(prov = fopen(path, "w"))) {
        fprintf(stderr, "hetmc matrix: cannot write %s: %s\n", path, strerror(errno));
        status = HM_EXIT_FAIL;
        goto cleanup;
    }
    {
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
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    if (!(csv = fopen(path, "w"))) {
        fprintf(stderr, "hetmc matrix: cannot write %s: %s\n", path, strerror(errno));
        status = HM_EXIT_FAIL;
        goto cleanup;
    }
    /* A buffer larger than any row: each row reaches the file in one write(), so a kill at
     * any moment leaves whole rows only. */
    setvbuf(csv, NULL, _IOFBF, 1 << 16);
    hm_csv_header(csv);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    g_stop = 0;
    if (sigaction(SIGINT, &sa, &old_sa) == 0)
        sa_set = 1;

    pr.t0 = hm_now();
    for (size_t i = 0; i < nplan && !g_stop; i++) {
        plan_item *it = &plan[i];
        const hm_backend *b = it->b;
        hm_config cfg = {.workers = it->workers,
                         .device = it->device[0] ? it->device : NULL,
                         .self_exe = hm_self_exe()};
        hm_ctx *ctx = NULL;
        hm_error err = {0};
        int prc = it->unavailable ? HM_EUNAVAIL : b->prepare(&cfg, &ctx, &err);
        if (it->unavailable)
            snprintf(err.msg, sizeof err.msg, "%s", it->why);
        char devname[128] = "";
        for (size_t k = 0; k < o.nsamples && !g_stop; k++) {
            uint64_t n = o.samples[k];
            hm_row row;
            progress_show(&pr, it, n);
            if (prc < 0) {
                hm_row_init(&row, b->name, it->workers, n, o.seed, 0);
                snprintf(row.res.device, sizeof row.res.device, "%s", it->device);
                row.status = prc == HM_EUNAVAIL ? HM_STATUS_SKIPPED : HM_STATUS_FAILED;
                hm_row_note(&row, "%s: %s", prc == HM_EUNAVAIL ? "unavailable" : "could not "
                            "start", err.msg[0] ? err.msg : hm_strerror(prc));
                hm_csv_row(csv, &row);
                if (prc != HM_EUNAVAIL)
                    status = HM_EXIT_FAIL;
            } else {
                uint64_t want = 0;
                int serial_ref = strcmp(b->name, "serial") == 0;
                hm_row_init(&row, b->name, it->workers, n, o.seed, 0);
                if (hm_measure(b, ctx, o.seed, n, &row) != HM_STATUS_OK) {
                    hm_row_note(&row, "the untimed warm-up failed");
                    hm_csv_row(csv, &row);
                    status = HM_EXIT_FAIL;
                } else {
                    if (serial_ref && !have_ref[k]) {
                        ref[k] = row.res.hits;
                        have_ref[k] = 1;
                    }
                    want = reference(&o, ref, have_ref, k);
                    snprintf(devname, sizeof devname, "%s", row.res.device);
                    for (unsigned rep = 1; rep <= o.reps && !g_stop; rep++) {
                        hm_row_init(&row, b->name, it->workers, n, o.seed, rep);
                        hm_measure(b, ctx, o.seed, n, &row);
                        if (row.status == HM_STATUS_OK && row.res.hits != want) {
                            row.status = HM_STATUS_FAILED;
                            hm_row_note(&row, "hits %llu differ from serial's %llu",
                                        (unsigned long long)row.res.hits,
                                        (unsigned long long)want);
                        }
                        if (row.status != HM_STATUS_OK)
                            status = HM_EXIT_FAIL;
                        hm_csv_row(csv, &row);
                    }
                }
            }
            pr.cells_done++;
            pr.work_done += (double)n * (double)(o.reps + 1) / it->workers;
        }
        if (prc >= 0)
            b->release(ctx);
        if (devname[0] && it->device[0])
            fprintf(prov, "device: backend %s index %s = %s\n", b->name, it->device, devname);
        else if (it->unavailable && it->workers == plan[0].workers)
            fprintf(prov, "unavailable: backend %s: %s\n", b->name, it->why);
    }
    if (!o.quiet)
        fprintf(stderr, "%s[%zu/%zu cells done in %.1f s]%*s\n",
                isatty(STDERR_FILENO) ? "\r" : "", pr.cells_done, pr.cells_total,
                hm_now() - pr.t0, isatty(STDERR_FILENO) ? 60 : 0, "");
    if (g_stop) {
        fprintf(stderr, "hetmc matrix: interrupted; the finished rows are in %s/runs.csv\n", dir);
        status = 130;
    }
    fclose(csv);
    csv = NULL;

    /* The comparison, derived from the file just written. */
    {
        char msg[512];
        FILE *cmp = NULL;
        snprintf(path, sizeof path, "%s/runs.csv", dir);
        if (hm_csv_read(path, &table, msg, sizeof msg) < 0 ||
            hm_summarize(&table, &sum, msg, sizeof msg) < 0) {
            fprintf(stderr, "hetmc matrix: %s\n", msg);
            status = HM_EXIT_FAIL;
            goto cleanup;
        }
        snprintf(path, sizeof path, "%s/comparison.csv", dir);
        if (!(cmp = fopen(path, "w"))) {
            fprintf(stderr, "hetmc matrix: cannot write %s: %s\n", path, strerror(errno));
            status = HM_EXIT_FAIL;
            goto cleanup;
        }
        hm_summary_write_csv(cmp, &sum);
        fclose(cmp);
        for (size_t i = 0; i < sum.n; i++)
            if (sum.g[i].hits_match == 0) {
                fprintf(stderr, "hetmc matrix: %s workers %u samples %llu: hits differ from "
                        "serial's\n", sum.g[i].backend, sum.g[i].workers,
                        (unsigned long long)sum.g[i].samples);
                status = HM_EXIT_FAIL;
            }
    }
    printf("hetmc matrix: %s/runs.csv, %s/comparison.csv, %s/provenance.txt\n", dir, dir, dir);

cleanup:
    if (sa_set)
        sigaction(SIGINT, &old_sa, NULL);
    hm_summary_free(&sum);
    hm_csv_free(&table);
    if (csv)
        fclose(csv);
    if (prov)
        fclose(prov);
    free(plan);
    return status;
}
