/*
 * stats.h - the statistics of the comparison tables: order statistics, a distribution-free
 * confidence interval of the median, and the Mann-Whitney U test.
 */
#ifndef HETMC_STATS_H
#define HETMC_STATS_H

#include <stddef.h>

/* Sorts x[0..n) ascending in place. */
void hm_sort(double *x, size_t n);

/* Quantile q in [0, 1] of sorted x by linear interpolation (type 7, as R and NumPy default);
 * NAN for n == 0. */
double hm_quantile(const double *sorted, size_t n, double q);

/* 95% (or the nearest attainable higher) confidence interval of the median of sorted x from
 * order statistics: [x(k), x(n+1-k)] with the largest k whose binomial(n, 1/2) coverage is at
 * least 95%. For n < 6 no such k exists; the interval is then [min, max] with its true
 * coverage 1 - 2^(1-n). Returns the coverage; NAN (and NAN bounds) for n == 0. */
double hm_median_ci(const double *sorted, size_t n, double *lo, double *hi);

/* Two-sided Mann-Whitney U test of a[0..na) against b[0..nb). *u gets U of sample a. The
 * p-value is exact (enumerated) when there are no ties and na + nb <= 40, else from the normal
 * approximation with tie correction and continuity correction. NAN if either sample is empty. */
double hm_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u);

#endif /* HETMC_STATS_H */
