/* stats.c - order statistics, the median's confidence interval, Mann-Whitney U. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void hm_sort(double *x, size_t n)
{
    if (n > 1)
        qsort(x, n, sizeof *x, cmp_double);
}

double hm_quantile(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = q * (double)(n - 1);
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return sorted[n - 1];
    return sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i]);
}

/* P(B = i) for B ~ binomial(n, 1/2), in log space. */
static double binom_pmf_half(size_t n, size_t i)
{
    return exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) -
               (double)n * log(2.0));
}

double hm_median_ci(const double *sorted, size_t n, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n == 0)
        return NAN;
    /* Coverage of [x(k), x(n+1-k)] (1-based) is 1 - 2 P(B <= k - 1). P(B <= k) grows one term
     * per step, summed in the same order as a sum from 0 each time (the same bits), so the
     * search is O(n), not O(n^2): 10^6 repetitions take milliseconds. */
    size_t k = 1;
    double below = binom_pmf_half(n, 0);     /* P(B <= k - 1) */
    double upto = below + binom_pmf_half(n, 1); /* P(B <= k) */
    while (k + 1 <= (n + 1) / 2 && 1.0 - 2.0 * upto >= 0.95) {
        k++;
        below = upto;
        upto += binom_pmf_half(n, k);
    }
    *lo = sorted[k - 1];
    *hi = sorted[n - k];
    return 1.0 - 2.0 * below;
}

/* Number of arrangements of m a's and n b's with U = u, by the recursion
 * f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u); counts in doubles (exact below 2^53). */
static double exact_p(size_t m, size_t n, double u)
{
    size_t umax = m * n;
    double *f = calloc((n + 1) * (umax + 1), sizeof *f); /* rows j = 0..n for the current i */
    double *g = calloc((n + 1) * (umax + 1), sizeof *g);
    double p = NAN;
    if (!f || !g)
        goto cleanup;
    /* i = 0: exactly one arrangement, U = 0, for any j. */
    for (size_t j = 0; j <= n; j++)
        f[j * (umax + 1)] = 1.0;
    for (size_t i = 1; i <= m; i++) {
        memset(g, 0, (n + 1) * (umax + 1) * sizeof *g);
        for (size_t j = 0; j <= n; j++)
            for (size_t v = 0; v <= i * j; v++) {
                double c = 0.0;
                if (v >= j)
                    c += f[j * (umax + 1) + (v - j)]; /* the last is an a above j b's */
                if (j > 0)
                    c += g[(j - 1) * (umax + 1) + v]; /* the last is a b */
                g[j * (umax + 1) + v] = c;
            }
        double *t = f;
        f = g;
        g = t;
    }
    double total = 0.0, tail = 0.0;
    double mean = (double)umax / 2.0, dev = fabs(u - mean);
    for (size_t v = 0; v <= umax; v++) {
        double c = f[n * (umax + 1) + v];
        total += c;
        if (fabs((double)v - mean) >= dev - 1e-9)
            tail += c;
    }
    p = tail / total;
cleanup:
    free(f);
    free(g);
    return p;
}

/* One pooled observation: its value and whether it came from the first sample. */
struct obs {
    double v;
    int from_a;
};

/* By value; equal values by sample, so the order is fully defined (ranks of ties are averaged,
 * so the order within a run of ties changes nothing). */
static int cmp_obs(const void *a, const void *b)
{
    const struct obs *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->from_a < y->from_a) - (x->from_a > y->from_a);
}

/* Both samples in one array, sorted by value. NULL when out of memory. */
static struct obs *pool_sorted(const double *a, size_t na, const double *b, size_t nb)
{
    size_t n = na + nb;
    struct obs *o = malloc(n * sizeof *o);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o[i] = (struct obs){i < na ? a[i] : b[i - na], i < na};
    qsort(o, n, sizeof *o, cmp_obs);
    return o;
}

/* Sum of the first sample's ranks, ties given their average rank; *tie_term gets the sum of
 * t^3 - t over the runs of t ties. Returns whether there was any tie. */
static int rank_sum(const struct obs *o, size_t n, double *rank_sum_a, double *tie_term)
{
    int ties = 0;
    *rank_sum_a = *tie_term = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && o[j + 1].v == o[i].v)
            j++;
        double t = (double)(j - i + 1), r = (double)(i + j) / 2.0 + 1.0;
        if (t > 1) {
            ties = 1;
            *tie_term += t * t * t - t;
        }
        for (size_t k = i; k <= j; k++)
            if (o[k].from_a)
                *rank_sum_a += r;
        i = j + 1;
    }
    return ties;
}

/* Two-sided p by the normal approximation, continuity- and tie-corrected. */
static double normal_p(size_t na, size_t nb, double u, double tie_term)
{
    double n = (double)(na + nb);
    double mu = (double)na * (double)nb / 2.0;
    double var = (double)na * (double)nb / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
    if (!(var > 0))
        return 1.0;
    double z = (fabs(u - mu) - 0.5) / sqrt(var);
    if (z < 0)
        z = 0;
    return erfc(z / sqrt(2.0));
}

double hm_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u)
{
    *u = NAN;
    if (na == 0 || nb == 0)
        return NAN;
    size_t n = na + nb;
    struct obs *o = pool_sorted(a, na, b, nb);
    if (!o)
        return NAN;
    double rank_sum_a, tie_term;
    int ties = rank_sum(o, n, &rank_sum_a, &tie_term);
    free(o);
    *u = rank_sum_a - (double)na * ((double)na + 1) / 2.0;
    if (!ties && n <= 40)
        return exact_p(na, nb, *u);
    return normal_p(na, nb, *u, tie_term);
}
