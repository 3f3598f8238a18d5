/* shift.c - the Hodges-Lehmann ratio and Moses' interval; see shift.h. */
#include "shift.h"

#include <math.h>
#include <stdlib.h>

#define EXACT_LIMIT 40 /* times in all up to which P(U <= c) is enumerated */

/* The counts of U = 0..na*nb over all arrangements: the coefficients of the Gaussian binomial
 * [na + nb choose na] in q, built as prod_{i=1..na} (1 - q^(nb+i)) / (1 - q^i); each partial
 * product is itself a polynomial with whole coefficients (exact in doubles at these sizes). */
static double *u_counts(size_t na, size_t nb)
{
    size_t top = na * nb;
    double *c = calloc(top + 1, sizeof *c);
    if (!c)
        return NULL;
    c[0] = 1.0;
    for (size_t i = 1; i <= na; i++) {
        size_t up = nb + i;
        for (size_t u = top; u >= up; u--) /* times (1 - q^up) */
            c[u] -= c[u - up];
        for (size_t u = i; u <= top; u++) /* divided by (1 - q^i) */
            c[u] += c[u - i];
    }
    return c;
}

double hm_u_cdf(size_t na, size_t nb, double c)
{
    if (na == 0 || nb == 0)
        return NAN;
    double mu = (double)na * (double)nb / 2.0;
    if (na + nb > EXACT_LIMIT) {
        double sd = sqrt((double)na * (double)nb * (double)(na + nb + 1) / 12.0);
        return 0.5 * erfc(-((floor(c) + 0.5 - mu) / sd) / sqrt(2.0));
    }
    double *counts = u_counts(na, nb);
    if (!counts)
        return NAN;
    double below = 0.0, total = 0.0;
    for (size_t u = 0; u <= na * nb; u++) {
        total += counts[u];
        if ((double)u <= c)
            below += counts[u];
    }
    free(counts);
    return below / total;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The largest C (at most na*nb/2) with 1 - 2 P(U <= C) >= 0.95, or 0 when none; *coverage
 * gets that C's coverage. */
static size_t critical(size_t na, size_t nb, double *coverage)
{
    size_t best = 0;
    *coverage = 1.0 - 2.0 * hm_u_cdf(na, nb, 0);
    for (size_t c = 0; c <= na * nb / 2; c++) {
        double cov = 1.0 - 2.0 * hm_u_cdf(na, nb, (double)c);
        if (!(cov >= 0.95))
            break;
        best = c;
        *coverage = cov;
    }
    return best;
}

int hm_ratio_ci(const double *a, size_t na, const double *b, size_t nb, hm_ratio *out)
{
    out->estimate = out->lo = out->hi = out->coverage = NAN;
    if (na == 0 || nb == 0)
        return -1;
    for (size_t i = 0; i < na; i++)
        if (!(a[i] > 0))
            return -1;
    for (size_t j = 0; j < nb; j++)
        if (!(b[j] > 0))
            return -1;
    size_t n = na * nb;
    double *d = malloc(n * sizeof *d);
    if (!d)
        return -1;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = log(b[j]) - log(a[i]);
    qsort(d, n, sizeof *d, cmp_double);
    double cov;
    size_t c = critical(na, nb, &cov);
    out->estimate = exp(n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2.0);
    out->lo = exp(d[c]);
    out->hi = exp(d[n - 1 - c]);
    out->coverage = cov;
    free(d);
    return 0;
}
