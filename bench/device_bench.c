/*
 * device_bench.c - hetmc-device-bench: hetmc's opencl backend against a naive OpenCL kernel of
 * the same stream (bench/naive.cl), on the same device, in one run.
 *
 *   hetmc-device-bench [SAMPLES] [REPS] [DEVICE]     (defaults 2^31, 5, 0)
 *
 * Method: both count hits(42, [0, SAMPLES)) once untimed, then REPS times each, alternating
 * which goes first, so that load from elsewhere falls on both alike. hetmc goes through the
 * runner (hm_runner_count: its launches, device-side sums and edges); the naive kernel is one
 * launch of 2^20 work-items (fewer for small runs), each looping over ceil(blocks / items)
 * blocks with a bounds check per block and writing one 64-bit total, local size chosen by the
 * driver, totals summed on the host. Times are the host's monotonic clock around each whole
 * run, transfers included. Every count must equal the host kernel's (hm_kernel_hits), or the
 * benchmark fails (exit 1). Prints the best and median samples/s of each and their ratios.
 */
#include "clock.h"
#include "kernel.h"
#include "numparse.h"
#include "opencl_util.h"
#include "runner.h"
#include "stats.h"

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
    cl_uint per_item = (cl_uint)((nblocks + items - 1) / items);
    size_t global = (size_t)items;
    cl_ulong s = seed, a = j0, nb = nblocks;
    cl_int st = clSetKernelArg(n->k, 0, sizeof s, &s);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 1, sizeof a, &a);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 2, sizeof nb, &nb);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 3, sizeof per_item, &per_item);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(n->k, 4, sizeof n->totals, &n->totals);
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

/* One timed run of hetmc (which 0) or the naive kernel (1); checks the count. */
static int timed(hm_runner *r, naive *nv, int which, uint64_t samples, uint64_t expect,
                 double *secs, hm_result *res, hm_error *err)
{
    uint64_t hits = 0;
    int rc;
    double t0 = hm_now();
    if (which == 0) {
        rc = hm_runner_count(r, 42, 0, samples, res, NULL, err);
        hits = res->hits;
    } else {
        rc = naive_count(nv, 42, samples, &hits, err);
    }
    *secs = hm_now() - t0;
    if (rc == HM_EOK && hits != expect)
        rc = hm_fail(err, HM_EDEVICE, "%s counted %" PRIu64 " hits, the host %" PRIu64,
                     which ? "the naive kernel" : "hetmc", hits, expect);
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
static int parse(int argc, char **argv, uint64_t *samples, uint64_t *reps, const char **device)
{
    if ((argc > 1 && hm_parse_u64(argv[1], samples) != 0) ||
        (argc > 2 && (hm_parse_u64(argv[2], reps) != 0 || *reps < 1 || *reps > 1000)) ||
        argc > 4 || *samples > HM_MAX_SAMPLES) {
        fprintf(stderr, "usage: hetmc-device-bench [SAMPLES <= 2^63] [REPS 1..1000] "
                        "[DEVICE: index, gpu, cpu or part of a name]\n");
        return 2;
    }
    if (argc > 3)
        *device = argv[3];
    return 0;
}

/* Warm-up, then reps alternating runs; rates[0] hetmc's, rates[1] the naive kernel's. */
static int measure(hm_runner *r, naive *nv, uint64_t samples, unsigned reps, double *rates[2],
                   hm_result *last, hm_error *err)
{
    uint64_t expect = hm_kernel_hits(42, 0, samples);
    double secs;
    for (int w = 0; w < 2; w++) {
        int rc = timed(r, nv, w, samples, expect, &secs, last, err);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < reps; i++)
        for (int k = 0; k < 2; k++) {
            int which = (int)(i & 1u) ^ k;
            hm_result res;
            int rc = timed(r, nv, which, samples, expect, &secs, &res, err);
            if (rc < 0)
                return rc;
            if (which == 0)
                *last = res;
            rates[which][i] = (double)samples / secs;
        }
    return HM_EOK;
}

int main(int argc, char **argv)
{
    uint64_t samples = UINT64_C(1) << 31, reps = 5;
    const char *device = "0";
    if (parse(argc, argv, &samples, &reps, &device))
        return 2;
    hm_error err = {0};
    unsigned *idx = NULL;
    hm_cl_device *devs = NULL;
    hm_runner *r = NULL;
    naive nv = {0};
    double *rates[2] = {calloc(reps, sizeof(double)), calloc(reps, sizeof(double))};
    hm_result last;
    int rc = hm_cl_select(device, &idx, &err);
    if (rc > 0 && (rc = hm_cl_devices(&devs, &err)) > 0) {
        char index[16];
        snprintf(index, sizeof index, "%u", idx[0]);
        hm_config cfg = {.workers = 1, .device = index};
        rc = hm_runner_open(hm_backend_find("opencl"), &cfg, &r, &err);
        if (rc == HM_EOK)
            rc = naive_open(&nv, devs[idx[0]].id, &err);
        if (rc == HM_EOK && (!rates[0] || !rates[1]))
            rc = hm_fail(&err, HM_ENOMEM, "out of memory");
        if (rc == HM_EOK)
            rc = measure(r, &nv, samples, (unsigned)reps, rates, &last, &err);
    }
    if (rc >= 0) {
        double b[2], m[2];
        printf("# hetmc-device-bench: hits(42, [0, %" PRIu64 ")) on %s, %" PRIu64 " timed runs "
               "each after one untimed, alternating; every count equal to the host's\n"
               "# hetmc: %s, local size %zu, %u blocks per work-item, %" PRIu64 " launches\n",
               samples, devs[idx[0]].name, reps, last.note, last.local_size, last.item_blocks,
               last.launches);
        printf("%-22s %14s %14s\n", "kernel", "best (S/s)", "median (S/s)");
        report("hetmc opencl", rates[0], (unsigned)reps, &b[0], &m[0]);
        report("naive reference", rates[1], (unsigned)reps, &b[1], &m[1]);
        printf("ratio hetmc/naive: %.2f (best), %.2f (median)\n", b[0] / b[1], m[0] / m[1]);
    } else {
        fprintf(stderr, "hetmc-device-bench: %s\n", err.msg);
    }
    hm_runner_close(r);
    naive_free(&nv);
    free(idx);
    free(devs);
    free(rates[0]);
    free(rates[1]);
    return rc >= 0 ? 0 : 1;
}
