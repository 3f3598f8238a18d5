/* shift.c - the Hodges-Lehmann ratio and Moses' interval; see shift.h. */
#include "shift.h"

#include <math.h>
#include <stdint.h>
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
 * gets that C's coverage. The coverage falls as C grows, so a binary search finds it. */
static size_t critical(size_t na, size_t nb, double *coverage)
{
    size_t lo = 0, hi = na * nb / 2; /* the answer lies in [lo, hi] */
    *coverage = 1.0 - 2.0 * hm_u_cdf(na, nb, 0);
    if (!(*coverage >= 0.95))
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (1.0 - 2.0 * hm_u_cdf(na, nb, (double)mid) >= 0.95)
            lo = mid;
        else
            hi = mid - 1;
    }
    *coverage = 1.0 - 2.0 * hm_u_cdf(na, nb, (double)lo);
    return lo;
}

/*
 * The differences y[j] - x[i] of two sorted samples form an implicit na x nb matrix whose rows
 * and columns are sorted; the k-th smallest of them is found without listing the na*nb values
 * (a selection in the spirit of Monahan's algorithm for the Hodges-Lehmann estimate): each row
 * keeps the range [lo, hi) of its columns that may still hold the answer; a pivot drawn from
 * the remaining values splits every row with one monotone sweep, and the side holding the k-th
 * value is kept. Expected O((na + nb) log(na nb)) time, O(na) memory.
 */
typedef struct diffs {
    const double *x, *y;
    size_t nx, ny;
    size_t *lo, *hi;      /* each row's columns still in play */
    size_t *below, *upto; /* scratch: each row's columns < pivot and <= pivot */
    uint64_t rng;
} diffs;

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A value still in play, drawn uniformly among the `left` of them. */
static double pivot(diffs *d, size_t left)
{
    size_t r = (size_t)(next_random(&d->rng) % left), i = 0;
    while (r >= d->hi[i] - d->lo[i]) {
        r -= d->hi[i] - d->lo[i];
        i++;
    }
    return d->y[d->lo[i] + r] - d->x[i];
}

/* For every row, how many of all its columns hold a difference < p (strict) or <= p: both
 * counts grow with the row, so one sweep of each pointer serves every row. */
static void split_rows(diffs *d, double p, size_t *in_below, size_t *in_upto)
{
    size_t jl = 0, ju = 0;
    *in_below = *in_upto = 0;
    for (size_t i = 0; i < d->nx; i++) {
        while (jl < d->ny && d->y[jl] - d->x[i] < p)
            jl++;
        if (ju < jl)
            ju = jl;
        while (ju < d->ny && d->y[ju] - d->x[i] <= p)
            ju++;
        size_t lo = d->lo[i], hi = d->hi[i];
        d->below[i] = jl < lo ? lo : jl > hi ? hi : jl;
        d->upto[i] = ju < lo ? lo : ju > hi ? hi : ju;
        *in_below += d->below[i] - lo;
        *in_upto += d->upto[i] - lo;
    }
}

/* The k-th smallest (0-based) difference. */
static double select_diff(diffs *d, size_t k)
{
    size_t left = 0;
    for (size_t i = 0; i < d->nx; i++) {
        d->lo[i] = 0;
        d->hi[i] = d->ny;
        left += d->ny;
    }
    for (;;) {
        double p = pivot(d, left);
        size_t nbelow, nupto;
        split_rows(d, p, &nbelow, &nupto);
        if (k >= nbelow && k < nupto)
            return p;
        for (size_t i = 0; i < d->nx; i++) {
            if (k < nbelow)
                d->hi[i] = d->below[i];
            else
                d->lo[i] = d->upto[i];
        }
        if (k < nbelow) {
            left = nbelow;
        } else {
            left -= nupto;
            k -= nupto;
        }
    }
}

/* Sorted logarithms of t[0..n) into *out (malloc'ed). Returns 0 or -1. */
static int sorted_logs(const double *t, size_t n, double **out)
{
    *out = malloc(n * sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++)
        (*out)[i] = log(t[i]);
    qsort(*out, n, sizeof **out, cmp_double);
    return 0;
}

static int all_positive(const double *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(t[i] > 0))
            return 0;
    return 1;
}

int hm_ratio_ci(const double *a, size_t na, const double *b, size_t nb, hm_ratio *out)
{
    out->estimate = out->lo = out->hi = out->coverage = NAN;
    if (na == 0 || nb == 0 || !all_positive(a, na) || !all_positive(b, nb))
        return -1;
    diffs d = {.nx = na, .ny = nb, .rng = UINT64_C(0x9e3779b97f4a7c15)};
    double *x = NULL, *y = NULL;
    size_t *scratch = malloc(4 * na * sizeof *scratch);
    int rc = -1;
    if (!scratch || sorted_logs(a, na, &x) < 0 || sorted_logs(b, nb, &y) < 0)
        goto done;
    d.x = x;
    d.y = y;
    d.lo = scratch;
    d.hi = scratch + na;
    d.below = scratch + 2 * na;
    d.upto = scratch + 3 * na;
    size_t n = na * nb, c;
    double cov;
    c = critical(na, nb, &cov);
    double mid = select_diff(&d, n / 2);
    if (n % 2 == 0)
        mid = (select_diff(&d, n / 2 - 1) + mid) / 2.0;
    out->estimate = exp(mid);
    out->lo = exp(select_diff(&d, c));
    out->hi = exp(select_diff(&d, n - 1 - c));
    out->coverage = cov;
    rc = 0;
done:
    free(x);
    free(y);
    free(scratch);
    return rc;
}
