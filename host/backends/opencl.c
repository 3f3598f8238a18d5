/*
 * opencl.c - the baked-in kernel (kernels/mcpi.cl) on one OpenCL device.
 *
 * Decomposition: the whole Philox blocks of [first, first + count) go to the device; the at most
 * two half blocks at the ends are counted on the host (hm_count_edges). Each work-item loops over
 * `per_item` consecutive blocks and adds its hits to its own 64-bit total on the device; a run is
 * split into launches of at most `launch_blocks` blocks so no launch runs much past ~100 ms on a
 * GPU (display watchdogs), and the totals carry across launches. The host reads the totals once
 * and sums them in 64 bits. No atomics, no barriers (barriers split PoCL's vectorised loops).
 */
#include "opencl_util.h"
#include "clock.h"
#include "kernel.h"
#include "numparse.h"

#include "mcpi.cl"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work-items per launch at most (an 8 MiB buffer of 64-bit totals), each counting HM_ITEM_BLOCKS
 * blocks: 2^22 blocks = 2^23 samples per launch, ~6 ms at 1.3 G samples/s, well under the
 * ~100 ms display watchdog on any GPU, and enough work-items for 100+ compute units. */
#define LAUNCH_ITEMS (UINT64_C(1) << 20)
#define LAUNCH_BLOCKS (LAUNCH_ITEMS * HM_ITEM_BLOCKS)

struct hm_ctx {
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernel;
    cl_mem totals;
    size_t local, global_max;
    double build_s;
    hm_cl_device dev;
};

static void opencl_release(hm_ctx *c)
{
    if (!c)
        return;
    if (c->totals)
        clReleaseMemObject(c->totals);
    if (c->kernel)
        clReleaseKernel(c->kernel);
    if (c->program)
        clReleaseProgram(c->program);
    if (c->queue)
        clReleaseCommandQueue(c->queue);
    if (c->context)
        clReleaseContext(c->context);
    free(c);
}

static double event_s(cl_event e)
{
    cl_ulong a = 0, b = 0;
    clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof a, &a, NULL);
    clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof b, &b, NULL);
    return b > a ? (double)(b - a) * 1e-9 : 0.0;
}

/* Counts the whole blocks [j0, j0 + nblocks) on the device. */
static int device_blocks(hm_ctx *c, uint64_t seed, uint64_t j0, uint64_t nblocks, uint64_t *hits,
                         hm_result *out, hm_error *err)
{
    cl_event *evs = NULL, read = NULL;
    cl_ulong *totals = NULL;
    unsigned nev = 0;
    int rc = HM_EOK;
    cl_int st;
    uint64_t launches = nblocks ? (nblocks + LAUNCH_BLOCKS - 1) / LAUNCH_BLOCKS : 0;
    size_t used_global = 0;

    *hits = 0;
    out->kernel_s = 0.0;
    out->transfer_s = 0.0;
    out->launches = 0;
    if (!nblocks)
        return HM_EOK;
    evs = calloc((size_t)launches, sizeof *evs);
    totals = calloc(c->global_max, sizeof *totals);
    if (!evs || !totals) {
        rc = hm_fail(err, HM_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* The first launch is the widest (only the last one is shorter), so the totals it sets
     * cover every work-item of the later launches, which add to them. */
    st = CL_SUCCESS;
    for (uint64_t done = 0; st == CL_SUCCESS && done < nblocks; done += LAUNCH_BLOCKS) {
        cl_ulong n = nblocks - done < LAUNCH_BLOCKS ? nblocks - done : LAUNCH_BLOCKS;
        size_t items = (size_t)((n + HM_ITEM_BLOCKS - 1) / HM_ITEM_BLOCKS);
        size_t global = (items + c->local - 1) / c->local * c->local;
        cl_ulong s = seed, start = j0 + done;
        cl_uint carry = done > 0;
        if (global > used_global)
            used_global = global;
        st = clSetKernelArg(c->kernel, 0, sizeof s, &s);
        if (st == CL_SUCCESS)
            st = clSetKernelArg(c->kernel, 1, sizeof start, &start);
        if (st == CL_SUCCESS)
            st = clSetKernelArg(c->kernel, 2, sizeof n, &n);
        if (st == CL_SUCCESS)
            st = clSetKernelArg(c->kernel, 3, sizeof carry, &carry);
        if (st == CL_SUCCESS)
            st = clEnqueueNDRangeKernel(c->queue, c->kernel, 1, NULL, &global, &c->local, 0,
                                        NULL, &evs[nev]);
        if (st == CL_SUCCESS)
            nev++;
    }
    if (st == CL_SUCCESS)
        st = clEnqueueReadBuffer(c->queue, c->totals, CL_TRUE, 0, used_global * sizeof *totals,
                                 totals, 0, NULL, &read);
    if (st != CL_SUCCESS) {
        rc = hm_fail(err, HM_EDEVICE, "OpenCL launch on %s: %s", c->dev.name, hm_cl_strerror(st));
        goto cleanup;
    }
    for (size_t i = 0; i < used_global; i++)
        *hits += totals[i];
    for (unsigned i = 0; i < nev; i++)
        out->kernel_s += event_s(evs[i]);
    out->transfer_s = event_s(read);
    out->launches = nev;
cleanup:
    for (unsigned i = 0; i < nev; i++)
        clReleaseEvent(evs[i]);
    if (read)
        clReleaseEvent(read);
    free(evs);
    free(totals);
    return rc;
}

/* The local size: --local-size, else the device's preferred multiple scaled to about 256
 * (PoCL vectorises across work-items and was fastest at 256+), within the kernel's limit. */
static int choose_local_size(hm_ctx *c, size_t asked, hm_error *err)
{
    size_t wg = 0, mult = 1;
    clGetKernelWorkGroupInfo(c->kernel, c->dev.id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
                             NULL);
    clGetKernelWorkGroupInfo(c->kernel, c->dev.id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                             sizeof mult, &mult, NULL);
    if (!wg)
        wg = 1;
    if (!mult)
        mult = 1;
    if (asked) {
        if (asked > wg)
            return hm_fail(err, HM_EINVAL, "--local-size %zu exceeds what %s allows for this "
                           "kernel (%zu)", asked, c->dev.name, wg);
        c->local = asked;
    } else {
        size_t want = 256 < wg ? 256 : wg;
        c->local = want >= mult ? want / mult * mult : want;
    }
    return HM_EOK;
}

/* Context, queue, program, kernel, local size and the totals buffer of device c->dev. */
static int open_device(hm_ctx *c, size_t local_size, hm_error *err)
{
    cl_int st;
    int rc;
    c->context = clCreateContext(NULL, 1, &c->dev.id, NULL, NULL, &st);
    if (st == CL_SUCCESS)
        c->queue = clCreateCommandQueue(c->context, c->dev.id, CL_QUEUE_PROFILING_ENABLE, &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "%s: context or queue: %s", c->dev.name,
                       hm_cl_strerror(st));
    if ((rc = hm_cl_build(c->context, c->dev.id, &c->program, &c->build_s, err)) < 0)
        return rc;
    c->kernel = clCreateKernel(c->program, "hm_mcpi_blocks", &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "clCreateKernel: %s", hm_cl_strerror(st));
    if ((rc = choose_local_size(c, local_size, err)) < 0)
        return rc;
    c->global_max = (size_t)((LAUNCH_ITEMS + c->local - 1) / c->local * c->local);
    c->totals = clCreateBuffer(c->context, CL_MEM_READ_WRITE, c->global_max * sizeof(cl_ulong),
                               NULL, &st);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 4, sizeof c->totals, &c->totals);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "%s: buffer: %s", c->dev.name, hm_cl_strerror(st));
    return HM_EOK;
}

/* Warm-up, untimed: the first launch with a local size compiles its work-group function
 * (PoCL) or finishes the JIT (GPUs). Checked against the host so a broken device fails here. */
static int warm_up(hm_ctx *c, hm_error *err)
{
    hm_result warm;
    hm_result_init(&warm);
    uint64_t hits = 0, nb = (uint64_t)c->local * HM_ITEM_BLOCKS * 3 + 1;
    int rc = device_blocks(c, 1, 0, nb, &hits, &warm, err);
    if (rc < 0)
        return rc;
    uint64_t host = hm_kernel_hits(1, 0, 2 * nb);
    if (hits != host)
        return hm_fail(err, HM_EDEVICE, "%s counted %llu hits in the warm-up, the host %llu",
                       c->dev.name, (unsigned long long)hits, (unsigned long long)host);
    return HM_EOK;
}

static int opencl_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_cl_device *devs = NULL;
    hm_ctx *c = NULL;
    unsigned index = 0;
    int rc;
    *out = NULL;

    int n = hm_cl_devices(&devs, err);
    if (n < 0)
        return n;
    if (cfg->device) {
        uint64_t v;
        if (hm_parse_u64(cfg->device, &v) < 0 || v >= (uint64_t)n) {
            char list[1024];
            hm_cl_device_list(devs, n, list, sizeof list);
            rc = hm_fail(err, HM_EINVAL, "--device %s: no such device index; devices: %s",
                         cfg->device, list);
            goto cleanup;
        }
        index = (unsigned)v;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        rc = hm_fail(err, HM_ENOMEM, "out of memory");
        goto cleanup;
    }
    c->dev = devs[index];
    if ((rc = open_device(c, cfg->local_size, err)) < 0 || (rc = warm_up(c, err)) < 0)
        goto cleanup;
    *out = c;
    c = NULL;
    rc = HM_EOK;
cleanup:
    opencl_release(c);
    free(devs);
    return rc;
}

static int opencl_run(hm_ctx *c, uint64_t seed, uint64_t first, uint64_t count, hm_result *out,
                      hm_error *err)
{
    uint64_t j0, nblocks, dev_hits = 0;
    double t0 = hm_now();
    uint64_t hits = hm_count_edges(seed, first, count, &j0, &nblocks);
    double t1 = hm_now();
    int rc = device_blocks(c, seed, j0, nblocks, &dev_hits, out, err);
    if (rc < 0)
        return rc;
    double t2 = hm_now();
    out->hits = hits + dev_hits;
    out->setup_s = t1 - t0;
    /* compute_s is host wall time around the launches; kernel_s is the device's own clock. */
    out->compute_s = t2 - t1 - out->transfer_s;
    if (out->compute_s < 0)
        out->compute_s = t2 - t1;
    out->collect_s = out->transfer_s;
    out->build_s = c->build_s;
    out->local_size = c->local;
    snprintf(out->device, sizeof out->device, "%s", c->dev.name);
    snprintf(out->timer, sizeof out->timer, "kernel+transfer=cl-event-profiling;wall+build=host-monotonic");
    snprintf(out->note, sizeof out->note, "build_s is this process's clBuildProgram (%.3f s; "
             "PoCL serves repeats from its cache)", c->build_s);
    return HM_EOK;
}

const hm_backend hm_backend_opencl = {
    .name = "opencl",
    .summary = "the same kernel on OpenCL devices (--device, --local-size; hetmc devices)",
    .max_workers = 1, /* one host thread drives the device; --workers has no meaning here */
    .uses = HM_USES_DEVICE | HM_USES_LOCAL_SIZE,
    .prepare = opencl_prepare,
    .run = opencl_run,
    .release = opencl_release,
    .select_devices = hm_cl_select,
};
