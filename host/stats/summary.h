/*
 * summary.h - the comparison table derived from a long-format CSV (docs/DESIGN.md): one
 * group per backend x device x workers x samples x seed, with the statistics of its ok rows,
 * how noisy they were, and the comparison with serial. Grouping is by hash: linear in rows.
 */
#ifndef HETMC_SUMMARY_H
#define HETMC_SUMMARY_H

#include "csvread.h"

#include <stdint.h>
#include <stdio.h>

/* A cell whose wall times have a coefficient of variation above this is flagged noisy (the
 * level at which pyperf, Python's benchmark runner, warns that a result is unstable). */
#define HM_NOISY_CV 0.10
#define HM_NOISY_CV_TEXT "0.10" /* the same, for texts */
/* A speed-up more than this fraction above the worker count (or a co-execution efficiency
 * above 1 + this) is implausible: timing noise of a few percent is normal, a tenth is not. */
#define HM_IMPLAUSIBLE_TOL 0.10
#define HM_IMPLAUSIBLE_TOL_TEXT "10%"

typedef struct hm_group {
    const char *backend, *device; /* point into the hm_csv it came from */
    unsigned workers;
    uint64_t samples, seed;
    size_t n_ok, n_failed, n_skipped;
    size_t cap;                   /* room in the arrays below */
    double *wall_s;               /* n_ok times, sorted ascending */
    double *setup_s, *compute_s, *collect_s; /* n_ok each, sorted; NAN where empty */
    uint64_t hits;                /* the hits of the first ok row */
    int hits_agree;               /* every ok row has the same hits */
    /* Derived by hm_summarize. */
    double median_s, min_s, max_s, iqr_s, ci_lo_s, ci_hi_s, ci_coverage;
    double rate, speedup, efficiency;
    double cv_wall;               /* standard deviation / mean of wall_s; NAN below 2 rows */
    size_t outliers;              /* wall times outside Tukey's fences (1.5 IQR past the
                                   * quartiles) */
    int noisy;                    /* cv_wall > HM_NOISY_CV: 1, 0, or -1 below 2 rows */
    int hits_match;               /* 1 equal to serial's, 0 differ, -1 no serial reference */
    /* coexec: the rate over the sum of its parts' solo rates (cells of the same samples and
     * seed in this table); NAN for other backends or when a part has no solo cell. */
    double coexec_efficiency;
    /* Foreign load (runs.csv format 3). The statistics above rest on the ok rows that were not
     * interfered; n_interfered ok rows were left out, unless none was clean: then they rest
     * on the interfered rows and under_load is 1 (0: clean rows; -1: not judged). */
    size_t n_interfered;
    double *foreign;              /* foreign_cpu of the ok rows; NAN where empty */
    unsigned char *interfered;    /* 1 for an ok row marked interfered */
    double foreign_median;        /* median foreign_cpu of every ok row; NAN when none */
    int under_load;
    /* Why the cell's figure cannot be right (a speed-up above its workers, a co-execution
     * efficiency far above 1), naming the suspect baseline; empty when plausible. */
    char implausible[200];
} hm_group;

typedef struct hm_summary {
    hm_group *g;
    size_t n, cap;
    size_t *slot;  /* the hash: index + 1 of a group, 0 for empty; nslot is a power of 2 */
    size_t nslot;
} hm_summary;

/* Groups the rows of csv (which must outlive the summary). Returns 0, or -1 with msg. */
int hm_summarize(const hm_csv *csv, hm_summary *s, char *msg, size_t msglen);
void hm_summary_free(hm_summary *s);
/* Finds the group for these keys (the first one, whatever its seed), or NULL. */
const hm_group *hm_summary_find(const hm_summary *s, const char *backend, const char *device,
                                unsigned workers, uint64_t samples);

/* Puts the groups in the order of the registry's backends (others after, by name), then
 * device, workers, samples and seed: the plan's order, whatever order the rows came in. */
void hm_summary_sort(hm_summary *s);

/* The comparison CSV: header and one row per group. Returns 0, or -1 when f has an error. */
int hm_summary_write_csv(FILE *f, const hm_summary *s);

/* Coefficient of variation (sample standard deviation / mean) of x; NAN when n < 2 or the
 * mean is not positive. */
double hm_cv(const double *x, size_t n);
/* How many of sorted x lie outside Tukey's fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR]. */
size_t hm_outliers(const double *sorted, size_t n);

#endif /* HETMC_SUMMARY_H */
