/*
 * shift.h - how much slower (or faster) B is than A, from two samples of times: the
 * Hodges-Lehmann estimate of the ratio B/A and the distribution-free confidence interval that
 * belongs to the Mann-Whitney test (Moses' interval).
 *
 * Times are compared on the log scale, so a ratio is a shift: the nA x nB ratios b_j / a_i are
 * sorted, the estimate is their median, and the interval is [r(C+1), r(nA nB - C)] with the
 * largest C whose coverage 1 - 2 P(U <= C) (U the Mann-Whitney statistic under "no
 * difference") is at least 95%. P is exact (the distribution of U enumerated as a Gaussian
 * binomial coefficient) up to 40 times in all, else from the normal approximation with
 * continuity correction. When no C reaches 95% (3 against 3 repetitions: at most 90%), the
 * interval is the smallest and largest ratio with its lower coverage, as the comparison's
 * median interval does for few repetitions.
 */
#ifndef HETMC_SHIFT_H
#define HETMC_SHIFT_H

#include <stddef.h>

typedef struct hm_ratio {
    double estimate; /* Hodges-Lehmann: the median of the ratios b_j / a_i */
    double lo, hi;   /* the interval */
    double coverage; /* its coverage: >= 0.95 unless too few times */
} hm_ratio;

/* Fills out for times a[0..na) and b[0..nb) (each > 0). Returns 0, or -1 (every field NAN)
 * when a sample is empty, a time is not > 0, or memory runs out. */
int hm_ratio_ci(const double *a, size_t na, const double *b, size_t nb, hm_ratio *out);

/* P(U <= c) for the Mann-Whitney U of samples of na and nb under "no difference", exact up to
 * na + nb <= 40 (else the normal approximation with continuity correction); NAN when either
 * is empty or memory runs out. */
double hm_u_cdf(size_t na, size_t nb, double c);

#endif /* HETMC_SHIFT_H */
