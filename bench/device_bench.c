/*
 * device_bench.c - hetmc-device-bench: hetmc's opencl backend, hetmc's host kernel on the same
 * cores, and the plain OpenCL kernel of the same stream (bench/naive.cl) on the same device,
 * in one run.
 *
 *   hetmc-device-bench [SAMPLES] [REPS] [DEVICE] [THREADS]   (defaults 2^30, 5, 0, all cores)
 *
 * Method: each counts hits(42, [0, SAMPLES)) once untimed, then REPS times, the three taking
 * turns (the order rotates every repetition), so that load from elsewhere falls on all alike.
 * hetmc goes through the runner (hm_runner_count: its launches, device-side sums and edges);
 * the host kernel is hetmc's openmp backend (threads where OpenMP is absent) with THREADS
 * workers: run it with POCL_MAX_PTHREAD_COUNT=THREADS so that both use the same cores. The
 * plain kernel is one launch of 2^20 work-items (fewer for small runs), each counting its own
 * contiguous range of blocks, local size chosen by the driver, totals summed on the host. Times
 * are the host's monotonic clock around each whole run, transfers included. Every count must
 * equal the host kernel's (hm_kernel_hits), or the benchmark fails (exit 1). Prints the best
 * and median samples/s of each and the ratios of best to best and median to median.
 */
#include "clock.h"
#include "kernel.h"
#include "numparse.h"
#include "opencl_util.h"
#include "runner.h"
#include "stats.h"
#include "sysinfo.h"

#include "hm_naive_source.h"
#include "mcpi.cl"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAIVE_ITEMS (UINT64_C(1) << 20)

/* The naive kernel on one device; released by naive_free. */
typedef struct naive {
    cl_context ctx;
    cl_command_queue q;
    cl_program prog;
    cl_kernel k;
    cl_mem totals;
    cl_ulong *host;
} naive;

static void naive_free(naive *n)
{
    if (n->totals)
        clReleaseMemObject(n->totals);
    if (n->k)
        clReleaseKernel(n->k);
    if (n->prog)
        clReleaseProgram(n->prog);
    if (n->q)
        clReleaseCommandQueue(n->q);
    if (n->ctx)
        clReleaseContext(n->ctx);
    free(n->host);
}

static int naive_open(naive *n, cl_device_id dev, hm_error *err)
{
    const char *src = hm_naive_source;
    cl_int st;
    n->ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &st);
    if (st == CL_SUCCESS)
        n->q = clCreateCommandQueue(n->ctx, dev, 0, &st);
    if (st == CL_SUCCESS)
        n->prog = clCreateProgramWithSource(n->ctx, 1, &src, NULL, &st);
    if (st == CL_SUCCESS)
        st = clBuildProgram(n->prog, 1, &dev, "-cl-std=CL1.2", NULL, NULL);
    if (st == CL_SUCCESS)
        n->k = clCreateKernel(n->prog, "naive_count", &st);
    if (st == CL_SUCCESS)
        n->totals = clCreateBuffer(n->ctx, CL_MEM_WRITE_ONLY, NAIVE_ITEMS * sizeof(cl_ulong),
                                   NULL, &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "naive kernel: %s", hm_cl_strerror(st));
    n->host = calloc(NAIVE_ITEMS, sizeof *n->host);
    return n->host ? HM_EOK : hm_fail(err, HM_ENOMEM, "out of memory");
}

/* hits(seed, [0, samples)) with the naive kernel: whole blocks on the device, a trailing half
 * block on the host. */
static int naive_count(naive *n, uint64_t seed, uint64_t samples, uint64_t *hits, hm_error *err)
{
    uint64_t j0, nblocks;
    *hits = hm_count_edges(seed, 0, samples, &j0, &nblocks);
    if (!nblocks)
        return HM_EOK;
    uint64_t items = nblocks < NAIVE_ITEMS ? nblocks : NAIVE_ITEMS;
    size_t global = (size_t)items;
    cl_ulong s = seed, a = j0, nb = nblocks;
    cl_int st = clSetKernelArg(n->k, 0, sizeof s, &s);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 1, sizeof a, &a);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 2, sizeof nb, &nb);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 3, sizeof n->totals, &n->totals);
    if (st == CL_SUCCESS)
        st = clEnqueueNDRangeKernel(n->q, n->k, 1, NULL, &global, NULL, 0, NULL, NULL);
    if (st == CL_SUCCESS)
        st = clEnqueueReadBuffer(n->q, n->totals, CL_TRUE, 0, global * sizeof *n->host, n->host,
                                 0, NULL, NULL);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "naive kernel: %s", hm_cl_strerror(st));
    for (size_t i = 0; i < global; i++)
        *hits += n->host[i];
    return HM_EOK;
}

/* The contenders, in the order of the table. */
enum { HETMC_CL, HOST, PLAIN, NCONT };
static const char *const cont_name[NCONT] = {"hetmc opencl", "hetmc host kernel",
                                             "plain kernel"};

/* One timed run of contender `which` (runners r[HETMC_CL], r[HOST]; the plain kernel nv);
 * checks the count. */
static int timed(hm_runner *r[2], naive *nv, int which, uint64_t samples, uint64_t expect,
                 double *secs, hm_result *res, hm_error *err)
{
    uint64_t hits = 0;
    int rc;
    double t0 = hm_now();
    if (which == PLAIN) {
        rc = naive_count(nv, 42, samples, &hits, err);
    } else {
        rc = hm_runner_count(r[which], 42, 0, samples, res, NULL, err);
        hits = res->hits;
    }
    *secs = hm_now() - t0;
    if (rc == HM_EOK && hits != expect)
        rc = hm_fail(err, HM_EDEVICE, "%s counted %" PRIu64 " hits, the host %" PRIu64,
                     cont_name[which], hits, expect);
    return rc;
}

static void report(const char *name, double *rate, unsigned n, double *best, double *median)
{
    hm_sort(rate, n);
    *best = rate[n - 1];
    *median = hm_quantile(rate, n, 0.5);
    printf("%-22s %14.4g %14.4g\n", name, *best, *median);
}

/* Parses the arguments; returns 0 or prints the usage and returns 2. */
static int parse(int argc, char **argv, uint64_t *samples, uint64_t *reps, const char **device,
                 uint64_t *threads)
{
    if ((argc > 1 && hm_parse_u64(argv[1], samples) != 0) ||
        (argc > 2 && (hm_parse_u64(argv[2], reps) != 0 || *reps < 1 || *reps > 1000)) ||
        (argc > 4 && (hm_parse_u64(argv[4], threads) != 0 || *threads < 1)) || argc > 5 ||
        *samples > (UINT64_C(1) << 40)) {
        fprintf(stderr, "usage: hetmc-device-bench [SAMPLES <= 2^40] [REPS 1..1000] "
                        "[DEVICE: index, gpu, cpu or part of a name] [THREADS >= 1]\n");
        return 2;
    }
    if (argc > 3)
        *device = argv[3];
    return 0;
}

/* Warm-up, then reps runs of each contender in a rotating order; rates[k] contender k's. */
static int measure(hm_runner *r[2], naive *nv, uint64_t samples, unsigned reps,
                   double *rates[NCONT], hm_result *last, hm_error *err)
{
    uint64_t expect = hm_kernel_hits(42, 0, samples);
    double secs;
    hm_result res;
    for (int w = 0; w < NCONT; w++) {
        int rc = timed(r, nv, w, samples, expect, &secs, w == HETMC_CL ? last : &res, err);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < reps; i++)
        for (int k = 0; k < NCONT; k++) {
            int which = (int)((i + (unsigned)k) % NCONT);
            int rc = timed(r, nv, which, samples, expect, &secs, &res, err);
            if (rc < 0)
                return rc;
            if (which == HETMC_CL)
                *last = res;
            rates[which][i] = (double)samples / secs;
        }
    return HM_EOK;
}

/* The two runners: opencl on device index `index`, the host kernel on `threads` workers. */
static int open_runners(hm_runner *r[2], unsigned index, unsigned threads, hm_error *err)
{
    char idx[16];
    snprintf(idx, sizeof idx, "%u", index);
    hm_config cl = {.workers = 1, .device = idx}, host = {.workers = threads};
    const hm_backend *hb = hm_backend_find("openmp");
    int rc = hm_runner_open(hm_backend_find("opencl"), &cl, &r[HETMC_CL], err);
    if (rc == HM_EOK)
        rc = hm_runner_open(hb ? hb : hm_backend_find("threads"), &host, &r[HOST], err);
    return rc;
}

static void print_table(double *rates[NCONT], unsigned reps)
{
    double b[NCONT], m[NCONT];
    printf("%-22s %14s %14s\n", "kernel", "best (S/s)", "median (S/s)");
    for (int k = 0; k < NCONT; k++)
        report(cont_name[k], rates[k], reps, &b[k], &m[k]);
    printf("ratio hetmc opencl / plain kernel: %.2f (best), %.2f (median)\n",
           b[HETMC_CL] / b[PLAIN], m[HETMC_CL] / m[PLAIN]);
    printf("ratio host kernel / plain kernel:  %.2f (best), %.2f (median)\n", b[HOST] / b[PLAIN],
           m[HOST] / m[PLAIN]);
    printf("ratio host kernel / hetmc opencl:  %.2f (best), %.2f (median)\n",
           b[HOST] / b[HETMC_CL], m[HOST] / m[HETMC_CL]);
}

int main(int argc, char **argv)
{
    uint64_t samples = UINT64_C(1) << 30, reps = 5, threads = hm_allowed_cpus();
    const char *device = "0";
    if (parse(argc, argv, &samples, &reps, &device, &threads))
        return 2;
    hm_error err = {0};
    unsigned *idx = NULL;
    hm_cl_device *devs = NULL;
    hm_runner *r[2] = {NULL, NULL};
    naive nv = {0};
    double *rates[NCONT];
    int rc = HM_EOK;
    for (int k = 0; k < NCONT; k++)
        if (!(rates[k] = calloc(reps, sizeof(double))))
            rc = hm_fail(&err, HM_ENOMEM, "out of memory");
    hm_result last;
    if (rc == HM_EOK)
        rc = hm_cl_select(device, &idx, &err);
    if (rc > 0 && (rc = hm_cl_devices(&devs, &err)) > 0) {
        rc = open_runners(r, idx[0], (unsigned)threads, &err);
        if (rc == HM_EOK)
            rc = naive_open(&nv, devs[idx[0]].id, &err);
        if (rc == HM_EOK)
            rc = measure(r, &nv, samples, (unsigned)reps, rates, &last, &err);
    }
    if (rc >= 0) {
        printf("# hetmc-device-bench: hits(42, [0, %" PRIu64 ")) on %s, host kernel '%s' on %"
               PRIu64 " threads (%s), POCL_MAX_PTHREAD_COUNT=%s; %" PRIu64 " timed runs each "
               "after one untimed, in rotating order; every count equal to the host's\n"
               "# hetmc opencl: %s, local size %zu, %u blocks per work-item, %" PRIu64
               " launches\n",
               samples, devs[idx[0]].name, hm_kernel_name(), threads,
               hm_backend_find("openmp") ? "openmp" : "threads",
               getenv("POCL_MAX_PTHREAD_COUNT") ? getenv("POCL_MAX_PTHREAD_COUNT") : "unset",
               reps, last.note, last.local_size, last.item_blocks, last.launches);
        print_table(rates, (unsigned)reps);
    } else {
        fprintf(stderr, "hetmc-device-bench: %s\n", err.msg);
    }
    hm_runner_close(r[0]);
    hm_runner_close(r[1]);
    naive_free(&nv);
    free(idx);
    free(devs);
    for (int k = 0; k < NCONT; k++)
        free(rates[k]);
    return rc >= 0 ? 0 : 1;
}
