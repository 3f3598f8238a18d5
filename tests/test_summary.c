/* test_summary.c - the comparison table: grouping by hash (cells told apart by every key, the
 * same keys found again), the reference to serial, and the noise statistics (coefficient of
 * variation, Tukey's outliers, the noisy flag) on cases worked out by hand. Also the runner's
 * calibration and stop on the serial backend: invariants of the loop, no timing. */
#include "check.h"
#include "csvread.h"
#include "runner.h"
#include "stop.h"
#include "summary.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

static void noise(void)
{
    /* The repetitions of the issue that reported it: 0.0008, 0.0128, 0.0128, 0.0152 s. Mean
     * 0.0104, sample sd 0.0064992 -> cv 0.6249; quartiles (type 7) 0.0098 and 0.0134, fences
     * 0.0044 and 0.0188: one outlier. */
    double x[] = {0.0008, 0.0128, 0.0128, 0.0152};
    CHECK(near(hm_cv(x, 4), 0.624923, 1e-5));
    CHECK_EQ_U64(hm_outliers(x, 4), 1, "outliers of the noisy cell");
    double flat[] = {1.0, 1.0, 1.01, 1.02}; /* sorted, as hm_outliers takes them */
    CHECK(hm_cv(flat, 4) < 0.01);
    CHECK_EQ_U64(hm_outliers(flat, 4), 0, "outliers of a quiet cell");
    CHECK(isnan(hm_cv(x, 1)) && isnan(hm_cv(x, 0)));
    double zero[] = {0, 0};
    CHECK(isnan(hm_cv(zero, 2)));
}

/* One runs.csv row with the columns hm_summarize reads (the rest left out). */
static void row(FILE *f, const char *backend, unsigned workers, unsigned long long samples,
                unsigned long long seed, const char *status, unsigned long long hits, double wall)
{
    fprintf(f, "%s,cpu,%u,%llu,%llu,%s,%llu,%.9g,,,\n", backend, workers, samples, seed, status,
            hits, wall);
}

/* A CSV file with the header of the columns hm_summarize reads; NULL on failure. */
static FILE *csv_open(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fputs("backend,device,workers,samples,seed,status,hits,wall_s,setup_s,compute_s,"
              "collect_s\n", f);
    return f;
}

/* Reads and summarizes path (then removed). Returns 1 when both worked. */
static int csv_summarize(const char *path, hm_csv *csv, hm_summary *s)
{
    char msg[256];
    int ok = hm_csv_read(path, csv, msg, sizeof msg) == 0;
    CHECK(ok);
    ok = ok && hm_summarize(csv, s, msg, sizeof msg) == 0;
    CHECK(ok);
    remove(path);
    return ok;
}

static void grouping(void)
{
    const char *path = "test_summary_tmp.csv";
    FILE *f = csv_open(path);
    if (!f)
        return;
    /* Interleaved so that a group's rows are not adjacent. */
    for (int rep = 0; rep < 4; rep++) {
        double noisy[] = {0.0008, 0.0128, 0.0128, 0.0152};
        row(f, "serial", 1, 1000, 42, "ok", 785, 0.010 + 0.0001 * rep);
        row(f, "threads", 2, 1000, 42, "ok", 785, noisy[rep]);
        row(f, "threads", 2, 1000, 7, "ok", 790, 0.005);     /* another seed: another cell */
        row(f, "threads", 2, 2000, 42, rep ? "ok" : "failed", 1570, 0.01);
        row(f, "fork", 2, 1000, 42, "ok", 786, 0.02);        /* hits differ from serial's */
        row(f, "opencl", 1, 1000, 42, "skipped", 0, NAN);
    }
    fclose(f);
    hm_csv csv;
    hm_summary s;
    if (!csv_summarize(path, &csv, &s))
        return;
    CHECK_EQ_U64(s.n, 6, "groups");
    const hm_group *t = hm_summary_find(&s, "threads", "cpu", 2, 1000);
    CHECK(t && t->seed == 42); /* the first of the two seeds */
    if (t) {
        CHECK_EQ_U64(t->n_ok, 4, "threads reps");
        CHECK(near(t->cv_wall, 0.624923, 1e-5) && t->noisy == 1);
        CHECK_EQ_U64(t->outliers, 1, "threads outliers");
        CHECK(t->hits_match == 1 && near(t->speedup, 0.01015 / 0.0128, 1e-9));
    }
    const hm_group *ser = hm_summary_find(&s, "serial", "cpu", 1, 1000);
    CHECK(ser && ser->noisy == 0 && ser->speedup == 1.0);
    const hm_group *big = hm_summary_find(&s, "threads", "cpu", 2, 2000);
    CHECK(big && big->n_ok == 3 && big->n_failed == 1 && big->hits_match == -1);
    const hm_group *fk = hm_summary_find(&s, "fork", "cpu", 2, 1000);
    CHECK(fk && fk->hits_match == 0 && fk->cv_wall == 0 && fk->noisy == 0);
    const hm_group *cl = hm_summary_find(&s, "opencl", "cpu", 1, 1000);
    CHECK(cl && cl->n_skipped == 4 && cl->noisy == -1);
    CHECK(hm_summary_find(&s, "threads", "cpu", 3, 1000) == NULL);
    CHECK(hm_summary_find(&s, "threads", "gpu", 2, 1000) == NULL);
    int seven = 0;
    for (size_t i = 0; i < s.n; i++)
        seven += s.g[i].seed == 7 && s.g[i].n_ok == 4 && s.g[i].hits_match == -1;
    CHECK(seven == 1);
    hm_summary_free(&s);
    hm_csv_free(&csv);
}

/* Many cells: every one found again (the hash grows and probes past collisions). */
static void many_cells(void)
{
    const char *path = "test_summary_many_tmp.csv";
    FILE *f = csv_open(path);
    if (!f)
        return;
    for (unsigned w = 1; w <= 50; w++)
        for (unsigned long long n = 1; n <= 100; n++)
            row(f, w % 2 ? "threads" : "pool", w, n, 42, "ok", n / 2, 0.001 * (double)w);
    fclose(f);
    hm_csv csv;
    hm_summary s;
    if (!csv_summarize(path, &csv, &s))
        return;
    CHECK_EQ_U64(s.n, 5000, "cells");
    int found = 0;
    for (unsigned w = 1; w <= 50; w++)
        for (unsigned long long n = 1; n <= 100; n++) {
            const hm_group *g = hm_summary_find(&s, w % 2 ? "threads" : "pool", "cpu", w, n);
            found += g && g->n_ok == 1 && g->hits == n / 2;
        }
    CHECK_EQ_U64((uint64_t)found, 5000, "cells found again");
    hm_summary_free(&s);
    hm_csv_free(&csv);
}

static int count_rows(const hm_row *r, void *arg)
{
    unsigned *n = arg;
    (*n)++;
    return r->status != HM_STATUS_OK;
}

/* The serial backend through the runner; NULL on failure. */
static hm_runner *open_serial(void)
{
    const hm_backend *b = hm_backend_find("serial");
    hm_config cfg = {.workers = 1};
    hm_runner *r = NULL;
    hm_error err = {0};
    CHECK(b && hm_runner_open(b, &cfg, &r, &err) == 0);
    return r;
}

static void calibration(void)
{
    hm_runner *r = open_serial();
    if (!r)
        return;
    /* Each repetition repeats the run until the calls together last min_time_s. */
    hm_cell cell = {.seed = 42, .samples = 1000, .reps = 2, .warmups = 0, .min_time_s = 0.002};
    hm_cell_out out;
    unsigned rows = 0;
    CHECK(hm_runner_cell(r, &cell, count_rows, &rows, &out) == HM_STATUS_OK);
    CHECK(rows == 2 && out.reps_done == 2 && out.have_ref && !out.stopped);
    /* A stop asked before the cell: nothing runs, nothing is written. */
    hm_stop_request(SIGTERM);
    rows = 0;
    CHECK(hm_runner_cell(r, &cell, count_rows, &rows, &out) == HM_STATUS_OK);
    CHECK(rows == 0 && out.stopped && out.reps_done == 0);
    hm_runner_close(r);
}

/* The calls of a repetition: a row per repetition whose calls x wall_s reach min_time_s. */
typedef struct calls_seen {
    unsigned rows, calls_ok;
    double min_time;
} calls_seen;

static int check_calls(const hm_row *r, void *arg)
{
    calls_seen *c = arg;
    c->rows++;
    c->calls_ok += r->calls >= 1 && r->calls * r->wall_s >= c->min_time * 0.999999;
    return 0;
}

static void calls_reach_min_time(void)
{
    hm_runner *r = open_serial();
    if (!r)
        return;
    calls_seen c = {.min_time = 0.003};
    hm_cell cell = {.seed = 1, .samples = 4096, .reps = 3, .warmups = 2, .min_time_s = 0.003};
    CHECK(hm_runner_cell(r, &cell, check_calls, &c, NULL) == HM_STATUS_OK);
    CHECK(c.rows == 3 && c.calls_ok == 3);
    hm_runner_close(r);
}

int main(void)
{
    noise();
    grouping();
    many_cells();
    calls_reach_min_time();
    calibration(); /* last: it leaves a stop asked */
    return check_report("test_summary");
}
