/*
 * opencl.c - the baked-in kernel (kernels/mcpi.cl) on one OpenCL device.
 *
 * Decomposition: the whole Philox blocks of [first, first + count) go to the device; the at most
 * two half blocks at the ends are counted on the host (hm_count_edges). On the device each
 * work-item counts `item_blocks` consecutive blocks in a loop, each work-group sums its
 * work-items in local memory and adds the sum to its own 64-bit partial, and the host reads the
 * partials once per run and sums them in 64 bits: no per-work-item global traffic. A launch
 * holds whole work-items and never crosses a multiple of 2^32 blocks, so the device's counters
 * are 32-bit; the blocks left over (fewer than item_blocks) go in a launch of one block per
 * work-item.
 *
 * Kernel form and shape: opencl_tune.c picks the form of kernels/mcpi.cl (wide, mulhi, plain),
 * the local size and the blocks per work-item by timing them on the device at prepare, once
 * per device, driver and hetmc build (then from the cache), or takes HETMC_CL_KERNEL's form.
 *
 * Launch sizing: prepare checks a few launches against the host (which also compiles every
 * shape a run uses), then times launches of known size, growing until one takes
 * HM_CL_PROBE_S, and sizes launches for about HM_CL_LAUNCH_S each from that rate: long enough
 * that the few microseconds a launch costs vanish, far below any display watchdog. A run keeps
 * at most 2 x HM_CL_BATCH launches queued (a marker after each batch is waited for one batch
 * later) and only its first and last launch carry profiling events, so a run of any size up to
 * 2^63 samples holds bounded host and device memory.
 */
#include "opencl_util.h"
#include "opencl_tune.h"
#include "clock.h"
#include "kernel.h"
#include "numparse.h"

#include "mcpi.cl"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seconds one launch should take, and the least a timed probe launch must take. */
#define HM_CL_LAUNCH_S 0.015
#define HM_CL_PROBE_S 0.002
/* Launches per marker: the queue holds at most two batches. */
#define HM_CL_BATCH 8
/* Partials of one launch at most (8 MiB). */
#define HM_CL_MAX_GROUPS (UINT64_C(1) << 20)
#define HM_SPAN (UINT64_C(1) << 32)
/* Blocks per work-item unless --item-blocks says otherwise: on CPUs a multiple of the 32 blocks
 * PoCL's vectorised loop takes an iteration, long enough that the work-group sum costs little
 * (1 PoCL thread, 2^28 samples: 0.73 G samples/s at 128, 0.76 G at 256); on GPUs fewer, so that
 * smaller runs still fill the device (the sum costs about 1% of 64 blocks there). */
#define HM_CL_ITEM_BLOCKS_CPU 256u
#define HM_CL_ITEM_BLOCKS_GPU 64u

struct hm_ctx {
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernel;
    cl_mem partials;
    cl_ulong *host_partials;
    size_t local;           /* work-items per group */
    cl_uint item_blocks;    /* blocks per work-item */
    uint64_t launch_blocks; /* blocks per launch: a multiple of local * item_blocks */
    uint64_t max_blocks;    /* the most launch_blocks may be */
    size_t groups;          /* partials the buffers hold */
    hm_cl_choice choice;    /* which of the kernel's forms runs, with what shape, and why */
    char sized[64];         /* how launch_blocks was chosen, for the row's note */
    double build_s;
    hm_cl_device dev;
    cl_device_id sub; /* the sub-device dev.id names when cfg->device_units asked for one */
    char sub_note[96]; /* what became of that request, for the row's note */
};

/* What one run has enqueued so far. */
typedef struct cl_run {
    cl_event first, last, marker;
    uint64_t launches;
    cl_uint primed; /* groups [0, primed) hold this run's partials */
} cl_run;

static void opencl_release(hm_ctx *c)
{
    if (!c)
        return;
    if (c->partials)
        clReleaseMemObject(c->partials);
    if (c->kernel)
        clReleaseKernel(c->kernel);
    if (c->program)
        clReleaseProgram(c->program);
    if (c->queue)
        clReleaseCommandQueue(c->queue);
    if (c->context)
        clReleaseContext(c->context);
    /* The sub-device (c->sub) is never released: PoCL 3.1's worker threads may still release
     * a finished command's event after clFinish returns, and with the sub-device freed they
     * crashed in clReleaseEvent (hetmc verify, about one run in six). One small object per
     * prepare stays until the process ends. */
    free(c->host_partials);
    free(c);
}

static void run_free(cl_run *s)
{
    if (s->first)
        clReleaseEvent(s->first);
    if (s->last)
        clReleaseEvent(s->last);
    if (s->marker)
        clReleaseEvent(s->marker);
}

static cl_ulong event_ns(cl_event e, cl_profiling_info what)
{
    cl_ulong t = 0;
    clGetEventProfilingInfo(e, what, sizeof t, &t, NULL);
    return t;
}

/* Seconds from the start of event a to the end of event b (0 when the device gives none). */
static double event_span_s(cl_event a, cl_event b)
{
    cl_ulong s = event_ns(a, CL_PROFILING_COMMAND_START), e = event_ns(b, CL_PROFILING_COMMAND_END);
    return e > s ? (double)(e - s) * 1e-9 : 0.0;
}

/* After every HM_CL_BATCH launches: a marker, and a wait for the previous batch's marker. */
static cl_int bound_queue(hm_ctx *c, cl_run *s)
{
    if (s->launches % HM_CL_BATCH)
        return CL_SUCCESS;
    cl_event m = NULL;
    cl_int st = clEnqueueMarkerWithWaitList(c->queue, 0, NULL, &m);
    if (st == CL_SUCCESS && s->marker)
        st = clWaitForEvents(1, &s->marker);
    if (s->marker)
        clReleaseEvent(s->marker);
    s->marker = m;
    return st;
}

/* Enqueues the blocks {lo + k, hi}, k < items * ib: items work-items of ib blocks each. */
static cl_int enqueue(hm_ctx *c, cl_run *s, cl_ulong seed, cl_uint lo, cl_uint hi, cl_uint items,
                      cl_uint ib, int last)
{
    size_t global = ((size_t)items + c->local - 1) / c->local * c->local;
    cl_uint groups = (cl_uint)(global / c->local);
    cl_event *ev = !s->launches ? &s->first : last ? &s->last : NULL;
    cl_int st = clSetKernelArg(c->kernel, 0, sizeof seed, &seed);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 1, sizeof lo, &lo);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 2, sizeof hi, &hi);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 3, sizeof items, &items);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 4, sizeof ib, &ib);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 5, sizeof s->primed, &s->primed);
    if (st == CL_SUCCESS)
        st = clEnqueueNDRangeKernel(c->queue, c->kernel, 1, NULL, &global, &c->local, 0, NULL,
                                    ev);
    if (st != CL_SUCCESS)
        return st;
    if (groups > s->primed)
        s->primed = groups;
    s->launches++;
    return bound_queue(c, s);
}

/* Enqueues the whole blocks [j0, j0 + nblocks) in launches (see the top of this file). */
static cl_int enqueue_blocks(hm_ctx *c, cl_run *s, uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    cl_int st = CL_SUCCESS;
    for (uint64_t j = j0, left = nblocks; st == CL_SUCCESS && left;) {
        uint64_t span = HM_SPAN - (j & (HM_SPAN - 1)), n = left;
        n = n < c->launch_blocks ? n : c->launch_blocks;
        n = n < span ? n : span;
        cl_uint ib = n >= c->item_blocks ? c->item_blocks : 1u;
        uint64_t items = n / ib, done = items * ib;
        st = enqueue(c, s, seed, (cl_uint)j, (cl_uint)(j >> 32), (cl_uint)items, ib,
                     done == left);
        j += done;
        left -= done;
    }
    return st;
}

/* Counts the whole blocks [j0, j0 + nblocks) on the device; fills kernel_s (first launch's
 * start to last launch's end, device clock), transfer_s and launches. */
static int device_blocks(hm_ctx *c, uint64_t seed, uint64_t j0, uint64_t nblocks, uint64_t *hits,
                         hm_result *out, hm_error *err)
{
    cl_run s = {0};
    cl_event read = NULL;
    *hits = 0;
    out->kernel_s = 0.0;
    out->transfer_s = 0.0;
    out->launches = 0;
    if (!nblocks)
        return HM_EOK;
    cl_int st = enqueue_blocks(c, &s, seed, j0, nblocks);
    if (st == CL_SUCCESS)
        st = clEnqueueReadBuffer(c->queue, c->partials, CL_TRUE, 0,
                                 s.primed * sizeof *c->host_partials, c->host_partials, 0, NULL,
                                 &read);
    if (st != CL_SUCCESS) {
        clFinish(c->queue);
        run_free(&s);
        return hm_fail(err, HM_EDEVICE, "OpenCL launch on %s: %s", c->dev.name,
                       hm_cl_strerror(st));
    }
    for (cl_uint i = 0; i < s.primed; i++)
        *hits += c->host_partials[i];
    out->kernel_s = event_span_s(s.first, s.last ? s.last : s.first);
    out->transfer_s = event_span_s(read, read);
    out->launches = s.launches;
    clReleaseEvent(read);
    run_free(&s);
    return HM_EOK;
}

/* The local size: --local-size, else the device's preferred multiple scaled to about 256
 * (PoCL and GPUs were fastest there), within the kernel's limit. */
static int choose_local_size(hm_ctx *c, size_t asked, hm_error *err)
{
    size_t wg = 0, mult = 1;
    clGetKernelWorkGroupInfo(c->kernel, c->dev.id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
                             NULL);
    clGetKernelWorkGroupInfo(c->kernel, c->dev.id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                             sizeof mult, &mult, NULL);
    if (!wg)
        wg = 1;
    if (wg > HM_MAX_LOCAL)
        wg = HM_MAX_LOCAL;
    if (!mult)
        mult = 1;
    if (asked) {
        if (asked > wg)
            return hm_fail(err, HM_EINVAL, "--local-size %zu exceeds what %s allows for this "
                           "kernel: 1 to %zu", asked, c->dev.name, wg);
        c->local = asked;
    } else {
        size_t want = 256 < wg ? 256 : wg;
        c->local = want >= mult ? want / mult * mult : want;
    }
    return HM_EOK;
}

/* Blocks per work-item: --item-blocks, else HM_CL_ITEM_BLOCKS_*; a group's sum must fit 32 bits.
 * Then the launch limits and the partials buffers that follow from the two sizes. */
static int choose_item_blocks(hm_ctx *c, unsigned asked, hm_error *err)
{
    int cpu = strcmp(c->dev.type, "cpu") == 0;
    c->item_blocks = asked ? asked : cpu ? HM_CL_ITEM_BLOCKS_CPU : HM_CL_ITEM_BLOCKS_GPU;
    uint64_t unit = (uint64_t)c->local * c->item_blocks;
    if (2 * unit >= HM_SPAN)
        return hm_fail(err, HM_EINVAL, "--item-blocks %u with local size %zu: a work-group "
                       "would count 2^32 samples or more", c->item_blocks, c->local);
    uint64_t most = (HM_SPAN - 1) / unit;
    most = most < HM_CL_MAX_GROUPS ? most : HM_CL_MAX_GROUPS;
    c->max_blocks = most * unit;
    /* A launch of one block per work-item holds fewer than item_blocks work-items. */
    uint64_t tail = (c->item_blocks + c->local - 1) / c->local;
    c->groups = (size_t)(most > tail ? most : tail);
    c->launch_blocks = unit;
    c->host_partials = calloc(c->groups, sizeof *c->host_partials);
    if (!c->host_partials)
        return hm_fail(err, HM_ENOMEM, "out of memory");
    cl_int st;
    c->partials = clCreateBuffer(c->context, CL_MEM_READ_WRITE,
                                 c->groups * sizeof *c->host_partials, NULL, &st);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(c->kernel, 6, sizeof c->partials, &c->partials);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "%s: buffer: %s", c->dev.name, hm_cl_strerror(st));
    return HM_EOK;
}

/* cfg->device_units below the device's compute units: a sub-device of that many
 * (clCreateSubDevices by counts), so that coexec's host parts keep the other cores. A device
 * that cannot be partitioned runs whole, and the row's note says so. */
static void open_sub_device(hm_ctx *c, unsigned units)
{
    if (!units || units >= c->dev.compute_units)
        return;
    cl_device_partition_property props[] = {CL_DEVICE_PARTITION_BY_COUNTS,
                                            (cl_device_partition_property)units,
                                            CL_DEVICE_PARTITION_BY_COUNTS_LIST_END, 0};
    cl_uint n = 0;
    cl_int st = clCreateSubDevices(c->dev.id, props, 1, &c->sub, &n);
    if (st != CL_SUCCESS || n != 1) {
        if (st == CL_SUCCESS && c->sub)
            clReleaseDevice(c->sub);
        c->sub = NULL;
        snprintf(c->sub_note, sizeof c->sub_note, "no sub-device of %u compute units (%s): "
                 "the whole device; ", units, hm_cl_strerror(st));
        return;
    }
    c->dev.id = c->sub;
    c->dev.compute_units = units;
    snprintf(c->sub_note, sizeof c->sub_note, "sub-device of %u compute units; ", units);
}

/* Context, queue, program, kernel, local size, blocks per work-item and buffers of c->dev. */
static int open_device(hm_ctx *c, const hm_config *cfg, hm_error *err)
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
    if ((rc = hm_cl_tune(c->context, c->queue, c->program, &c->dev, cfg->local_size,
                         cfg->item_blocks, &c->choice, err)) < 0)
        return rc;
    char name[32];
    snprintf(name, sizeof name, "hm_mcpi_%s", c->choice.form);
    c->kernel = clCreateKernel(c->program, name, &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "clCreateKernel: %s", hm_cl_strerror(st));
    if ((rc = choose_local_size(c, c->choice.local, err)) < 0)
        return rc;
    return choose_item_blocks(c, c->choice.item_blocks, err);
}

/* Untimed, checked against the host so that a broken device fails here: launches of one
 * work-group, a launch of one block per work-item, and counters past 2^32 blocks, which also
 * makes PoCL compile the work-group functions a run uses. */
static int warm_up(hm_ctx *c, hm_error *err)
{
    hm_result r;
    hm_result_init(&r);
    uint64_t unit = (uint64_t)c->local * c->item_blocks, hits = 0;
    uint64_t j0 = HM_SPAN - unit - 3, nb = unit + 5;
    c->launch_blocks = unit;
    int rc = device_blocks(c, 1, j0, nb, &hits, &r, err);
    if (rc < 0)
        return rc;
    uint64_t host = hm_kernel_hits(1, 2 * j0, 2 * nb);
    if (hits != host)
        return hm_fail(err, HM_EDEVICE, "%s counted %llu hits in the warm-up, the host %llu",
                       c->dev.name, (unsigned long long)hits, (unsigned long long)host);
    return HM_EOK;
}

/* HETMC_CL_LAUNCH_BLOCKS=N: launches of N blocks (rounded up to whole work-groups, within the
 * limits) instead of timed ones; for tests, and for devices whose timers mislead. Returns 1
 * when set, 0 when not, or HM_EINVAL. */
static int launch_blocks_from_env(hm_ctx *c, hm_error *err)
{
    const char *env = getenv("HETMC_CL_LAUNCH_BLOCKS");
    uint64_t unit = (uint64_t)c->local * c->item_blocks, v;
    if (!env || !*env)
        return 0;
    if (hm_parse_u64(env, &v) < 0 || v < 1)
        return hm_fail(err, HM_EINVAL, "HETMC_CL_LAUNCH_BLOCKS '%s' is not a block count; "
                       "accepted: 1 to 2^32", env);
    v = v < c->max_blocks ? (v + unit - 1) / unit * unit : c->max_blocks;
    c->launch_blocks = v;
    snprintf(c->sized, sizeof c->sized, "set by HETMC_CL_LAUNCH_BLOCKS");
    return 1;
}

/* Times single launches, from one work-group per compute unit up by at most 16x each time,
 * until one takes HM_CL_PROBE_S (device clock; host clock when the device gives none); then
 * sizes launches for HM_CL_LAUNCH_S at the rate the last one ran. */
static int size_launches(hm_ctx *c, hm_error *err)
{
    uint64_t unit = (uint64_t)c->local * c->item_blocks, hits;
    uint64_t n = unit * (c->dev.compute_units ? c->dev.compute_units : 1);
    double t = 0.0;
    int set = launch_blocks_from_env(c, err);
    if (set)
        return set < 0 ? set : HM_EOK;
    for (int i = 0; i < 12; i++) {
        hm_result r;
        hm_result_init(&r);
        n = n < c->max_blocks ? n : c->max_blocks;
        c->launch_blocks = n;
        double t0 = hm_now();
        int rc = device_blocks(c, 1, 0, n, &hits, &r, err);
        if (rc < 0)
            return rc;
        t = r.kernel_s > 0.0 ? r.kernel_s : hm_now() - t0;
        if (t >= HM_CL_PROBE_S || n == c->max_blocks)
            break;
        double grow = t > 0.0 ? 1.5 * HM_CL_PROBE_S / t : 16.0;
        n = (uint64_t)((double)n * (grow < 16.0 ? grow : 16.0)) / unit * unit + unit;
    }
    double want = t > 0.0 ? (double)n * HM_CL_LAUNCH_S / t : (double)c->max_blocks;
    uint64_t blocks = want < (double)c->max_blocks ? (uint64_t)want / unit * unit : c->max_blocks;
    c->launch_blocks = blocks > unit ? blocks : unit;
    snprintf(c->sized, sizeof c->sized, "sized at start-up for %.0f ms each",
             HM_CL_LAUNCH_S * 1e3);
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
    open_sub_device(c, cfg->device_units);
    if ((rc = open_device(c, cfg, err)) < 0 || (rc = warm_up(c, err)) < 0 ||
        (rc = size_launches(c, err)) < 0)
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
    out->item_blocks = c->item_blocks;
    snprintf(out->device, sizeof out->device, "%s", c->dev.name);
    snprintf(out->timer, sizeof out->timer, "kernel+transfer=cl-event-profiling;wall+build=host-monotonic");
    char note[512];
    snprintf(note, sizeof note, "%skernel hm_mcpi_%s (%s in %.3f s%s%s); launches of up "
             "to %llu blocks (%s); build_s is this process's clBuildProgram", c->sub_note,
             c->choice.form,
             c->choice.how, c->choice.cost_s, c->choice.rates[0] ? "; samples/s " : "",
             c->choice.rates, (unsigned long long)c->launch_blocks,
             c->sized);
    snprintf(out->note, sizeof out->note, "%.*s", (int)sizeof out->note - 1, note);
    return HM_EOK;
}

const hm_backend hm_backend_opencl = {
    .name = "opencl",
    .family = "opencl",
    .summary = "the same kernel on OpenCL devices (--device, --local-size, --item-blocks; "
               "hetmc devices)",
    .max_workers = 1, /* one host thread drives the device; --workers has no meaning here */
    .uses = HM_USES_DEVICE | HM_USES_LOCAL_SIZE | HM_USES_ITEM_BLOCKS,
    .prepare = opencl_prepare,
    .run = opencl_run,
    .release = opencl_release,
    .select_devices = hm_cl_select,
};
