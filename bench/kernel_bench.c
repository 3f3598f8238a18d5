/*
 * kernel_bench.c - hetmc-kernel-bench: the host kernel's variants against a plain loop of
 * Random123 philox4x32 calls, one thread and all cores, in one run.
 *
 *   hetmc-kernel-bench [SAMPLES] [REPS]     (defaults 2^30 and 3)
 *
 * Method: each variant counts hits(42, [0, SAMPLES)) once untimed, then REPS times; the table
 * shows the best time's samples/s (as STREAM does: the best of the timed repetitions) and the
 * ratio to the Random123 one-call-at-a-time loop measured in the same run. Every count must
 * equal the definition's, or the variant is reported FAILED and the exit status is 1.
 * "r123-loop" is `for (j...) hits += hm_block_hits(seed, j)` (one philox4x32 call per block of
 * two samples) built with the same flags as hetmc; the compiler may vectorise it as it likes.
 */
#include "clock.h"
#include "kernel.h"
#include "numparse.h"
#include "provenance.h"
#include "sysinfo.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if HETMC_HAVE_OPENMP
#include <omp.h>
#endif

#include "mcpi.cl"

static uint64_t r123_loop(uint64_t seed, uint64_t first, uint64_t count)
{
    hm_u64 j0, nblocks, hits = hm_count_edges(seed, first, count, &j0, &nblocks);
    for (hm_u64 b = 0; b < nblocks; b++)
        hits += hm_block_hits(seed, j0 + b);
    return hits;
}

typedef uint64_t (*count_fn)(uint64_t seed, uint64_t first, uint64_t count);

/* Runs fn over [0, n) on `threads` threads (contiguous slices) and returns the hits. */
static uint64_t run_threads(count_fn fn, uint64_t n, unsigned threads)
{
    uint64_t hits = 0;
#if HETMC_HAVE_OPENMP
#pragma omp parallel for num_threads(threads) reduction(+ : hits) schedule(static, 1)
    for (unsigned k = 0; k < threads; k++) {
        uint64_t a, c;
        hm_slice(0, n, threads, k, &a, &c);
        hits += fn(42, a, c);
    }
#else
    (void)threads;
    hits = fn(42, 0, n);
#endif
    return hits;
}

static double best_rate(count_fn fn, uint64_t n, unsigned threads, unsigned reps,
                        uint64_t expect, int *ok)
{
    double best = INFINITY;
    *ok = run_threads(fn, n, threads) == expect; /* untimed warm-up, checked */
    for (unsigned r = 0; r < reps && *ok; r++) {
        double t0 = hm_now();
        uint64_t h = run_threads(fn, n, threads);
        double t = hm_now() - t0;
        *ok = h == expect;
        if (t < best)
            best = t;
    }
    return *ok ? (double)n / best : NAN;
}

/* SAMPLES and REPS, when given. Returns -1 (the usage said) when they are not accepted. */
static int parse_args(int argc, char **argv, uint64_t *n, uint64_t *reps)
{
    if ((argc > 1 && (hm_parse_u64(argv[1], n) != 0 || *n < 2)) ||
        (argc > 2 && (hm_parse_u64(argv[2], reps) != 0 || *reps < 1)) || argc > 3) {
        fprintf(stderr, "usage: hetmc-kernel-bench [SAMPLES >= 2] [REPS >= 1]\n");
        return -1;
    }
    return 0;
}

static void print_header(uint64_t n, uint64_t reps, unsigned cores)
{
    printf("# hetmc-kernel-bench: hits(42, [0, %" PRIu64 ")), best of %" PRIu64
           " timed runs after one untimed, samples/s\n# compiler: %s\n# flags: %s\n",
           n, reps, hm_compiler(), hm_build_flags());
    printf("%-10s %16s %9s %16s %9s\n", "variant", "1 thread", "ratio", "", "ratio");
    printf("%-10s %16s %9s %13u thr %9s\n", "", "samples/s", "to r123", cores, "to r123");
}

/* The counting function of variant v (0: the Random123 loop), selected; NULL when this CPU
 * cannot run it. */
static count_fn variant_fn(size_t v, const char *name)
{
    hm_error err = {0};
    if (v == 0)
        return r123_loop;
    if (!hm_kernel_supported(name))
        return NULL;
    hm_kernel_select(name, &err);
    return hm_kernel_hits;
}

/* One row: variant v on one thread and on all cores, as a ratio to base (the Random123 loop's
 * rates, set when v is 0). Returns 1 when a count was wrong. */
static int bench_variant(size_t v, const char *name, uint64_t n, unsigned reps, unsigned cores,
                         uint64_t expect, double base[2])
{
    count_fn fn = variant_fn(v, name);
    double rate[2];
    int failed = 0;
    if (!fn) {
        printf("%-10s %16s\n", name, "not supported by this CPU");
        return 0;
    }
    for (int t = 0; t < 2; t++) {
        int ok;
        rate[t] = best_rate(fn, n, t ? cores : 1, reps, expect, &ok);
        if (!ok) {
            failed = 1;
            printf("%-10s FAILED: hits differ from the definition's %" PRIu64 "\n", name,
                   expect);
        }
        if (v == 0)
            base[t] = rate[t];
    }
    printf("%-10s %16.4g %9.2f %16.4g %9.2f\n", name, rate[0], rate[0] / base[0], rate[1],
           rate[1] / base[1]);
    fflush(stdout);
    return failed;
}

/* The automatic choice: which variant, how chosen, at what cost, and its measured rates. */
static void print_default(void)
{
    hm_kernel_select(NULL, NULL);
    double cost = 0.0;
    const char *rates = hm_kernel_rates(&cost);
    printf("# default variant on this CPU: %s (%s in %.3f s; samples/s at 1 thread: %s)\n",
           hm_kernel_name(), hm_kernel_how(), cost, rates);
}

int main(int argc, char **argv)
{
    static const char *const variants[] = {"r123-loop", "portable", "avx2",  "avx2x32",
                                           "avx512",    "avx512x32", "neon", "sve", "sve2"};
    uint64_t n = UINT64_C(1) << 30, reps = 3;
    if (parse_args(argc, argv, &n, &reps) < 0)
        return 2;
    unsigned cores = 1;
#if HETMC_HAVE_OPENMP
    cores = hm_allowed_cpus();
#endif
    uint64_t expect = hm_kernel_hits(42, 0, n);
    double base[2] = {NAN, NAN};
    int failed = 0;

    print_header(n, reps, cores);
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        failed |= bench_variant(v, variants[v], n, (unsigned)reps, cores, expect, base);
    print_default();
    return failed;
}
