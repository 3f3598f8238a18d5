/*
 * test_shift.c - the ratio B/A with its interval (shift.h): the null distribution of the
 * Mann-Whitney U against brute-force enumeration, known small-sample values, and the
 * Hodges-Lehmann estimate and Moses' interval on samples whose answer is known.
 */
#include "check.h"
#include "shift.h"

#include <math.h>
#include <stdlib.h>

#define CLOSE(a, b) (fabs((a) - (b)) <= 1e-12 * (1.0 + fabs(b)))

/* P(U <= c) by listing every way to place na a's among na + nb positions. */
static double brute_cdf(unsigned na, unsigned nb, unsigned c)
{
    unsigned n = na + nb, total = 0, below = 0;
    for (unsigned mask = 0; mask < 1u << n; mask++) {
        if ((unsigned)__builtin_popcount(mask) != na)
            continue;
        unsigned u = 0, bs = 0; /* U of sample a: pairs (a, b) with the b before the a */
        for (unsigned k = 0; k < n; k++) {
            if (mask >> k & 1u)
                u += bs;
            else
                bs++;
        }
        total++;
        below += u <= c;
    }
    return (double)below / total;
}

static void null_distribution(void)
{
    for (unsigned na = 1; na <= 6; na++)
        for (unsigned nb = 1; nb <= 6; nb++)
            for (unsigned c = 0; c <= na * nb; c++) {
                double got = hm_u_cdf(na, nb, c), want = brute_cdf(na, nb, c);
                CHECK(CLOSE(got, want));
                if (!CLOSE(got, want))
                    fprintf(stderr, "P(U <= %u | %u, %u) = %.15g, brute force %.15g\n", c, na,
                            nb, got, want);
            }
    CHECK(CLOSE(hm_u_cdf(3, 3, 0), 1.0 / 20));
    CHECK(CLOSE(hm_u_cdf(4, 4, 1), 2.0 / 70));
    CHECK(CLOSE(hm_u_cdf(20, 20, 400), 1.0));
    /* Past the exact limit the normal approximation takes over, close to the exact value. */
    double exact = hm_u_cdf(20, 20, 127), approx = hm_u_cdf(21, 20, 127 + 10);
    CHECK(fabs(exact - 0.025) < 0.01 && fabs(approx - 0.025) < 0.01);
    CHECK(isnan(hm_u_cdf(0, 3, 1)));
}

static void ratio(void)
{
    hm_ratio r;
    /* B is A doubled: the ratios 2 a_j / a_i are symmetric about 2 on the log scale. */
    double a[] = {1, 2, 3, 4}, b[] = {2, 4, 6, 8};
    CHECK(hm_ratio_ci(a, 4, b, 4, &r) == 0);
    CHECK(CLOSE(r.estimate, 2.0));
    CHECK(CLOSE(r.lo, 0.5) && CLOSE(r.hi, 8.0)); /* C = 0: P(U <= 1) = 2/70 > 2.5% */
    CHECK(CLOSE(r.coverage, 1.0 - 2.0 / 70));
    /* 3 against 3 cannot reach 95%: [min, max] with its 90%. */
    CHECK(hm_ratio_ci(a, 3, b, 3, &r) == 0);
    CHECK(CLOSE(r.coverage, 0.9) && CLOSE(r.lo, 2.0 / 3) && CLOSE(r.hi, 6.0));
    /* 12 against 12, B 1.5x slower with spread: the interval holds 1.5 and excludes 1. */
    double x[12], y[12];
    for (int i = 0; i < 12; i++) {
        x[i] = 1.0 + 0.01 * ((i * 7) % 12);
        y[i] = 1.5 * (1.0 + 0.01 * ((i * 5) % 12));
    }
    CHECK(hm_ratio_ci(x, 12, y, 12, &r) == 0);
    CHECK(r.lo > 1.0 && r.lo <= 1.5 && r.hi >= 1.5 && r.coverage >= 0.95);
    CHECK(CLOSE(r.estimate, 1.5));
    printf("12 v 12: ratio %.4f, [%.4f, %.4f], coverage %.4f\n", r.estimate, r.lo, r.hi,
           r.coverage);
    /* No time may be zero or negative; an empty side has no ratio. */
    double bad[] = {1, 0};
    CHECK(hm_ratio_ci(bad, 2, b, 4, &r) < 0 && isnan(r.estimate));
    CHECK(hm_ratio_ci(a, 0, b, 4, &r) < 0);
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Every log(b_j) - log(a_i), listed and sorted (malloc'ed). */
static double *listing(const double *a, size_t na, const double *b, size_t nb)
{
    double *d = malloc(na * nb * sizeof *d);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            d[i * nb + j] = log(b[j]) - log(a[i]);
    qsort(d, na * nb, sizeof *d, cmp);
    return d;
}

/* The selection over the implicit matrix of ratios gives exactly what listing all na*nb of
 * them gives: random sizes, ties (times drawn from few values) and distinct times; the
 * interval's ends are order statistics k and n - 1 - k of the same list. */
static void selection_matches_listing(void)
{
    unsigned seed = 12345;
    for (int trial = 0; trial < 300; trial++) {
        size_t na = 1 + (size_t)(rand_r(&seed) % 40), nb = 1 + (size_t)(rand_r(&seed) % 40);
        int levels = trial % 3 == 0 ? 3 : 1000000;
        double a[40], b[40];
        for (size_t i = 0; i < na; i++)
            a[i] = 1.0 + rand_r(&seed) % levels;
        for (size_t j = 0; j < nb; j++)
            b[j] = 1.0 + rand_r(&seed) % levels;
        hm_ratio r;
        CHECK(hm_ratio_ci(a, na, b, nb, &r) == 0);
        size_t n = na * nb, k = 0;
        double *d = listing(a, na, b, nb);
        double mid = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
        while (k <= n / 2 && !(exp(d[k]) == r.lo && exp(d[n - 1 - k]) == r.hi))
            k++;
        int ok = r.estimate == exp(mid) && k <= n / 2;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "%zu v %zu: estimate %.17g, listing %.17g; [%.17g, %.17g]\n", na, nb,
                    r.estimate, exp(mid), r.lo, r.hi);
        free(d);
    }
}

/* 100000 against 100000 repetitions: na*nb = 10^10 ratios, never listed. */
static void large(void)
{
    size_t n = 100000;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = 1.0 + 1e-6 * (double)((i * 7919) % n);
        b[i] = 1.25 * (1.0 + 1e-6 * (double)((i * 104729) % n));
    }
    hm_ratio r;
    CHECK(hm_ratio_ci(a, n, b, n, &r) == 0);
    CHECK(fabs(r.estimate - 1.25) < 1e-3 && r.lo <= r.estimate && r.hi >= r.estimate &&
          r.coverage >= 0.95);
    printf("1e5 v 1e5: ratio %.6f, [%.6f, %.6f], coverage %.4f\n", r.estimate, r.lo, r.hi,
           r.coverage);
    free(a);
    free(b);
}

int main(void)
{
    null_distribution();
    ratio();
    selection_matches_listing();
    large();
    return check_report("test_shift");
}
