/*
 * opencl_tune.c - the choice of kernel form and launch shape per device (opencl_tune.h).
 *
 * Method: for each form of kernels/mcpi.cl and each candidate shape (local size, blocks per
 * work-item: 256 x 256 and 256 x 64, or what was asked), one untimed launch of one work-group per compute unit (which also makes drivers
 * such as PoCL compile the work-group function; its count is checked against the host, and a
 * form that miscounts is dropped), then two timed launches of the same number of blocks for
 * every candidate, the first candidate's grown until a launch lasts HM_TUNE_PROBE_S; the
 * candidate with the highest rate (best of its two) wins. Launch times come from event
 * profiling, or the host clock when the device gives none. The choice is cached per device,
 * driver, hetmc version and kernel text (tunecache.h), so a machine pays for it once.
 */
#include "opencl_tune.h"
#include "clock.h"
#include "kernel.h"
#include "tunecache.h"

#include "hm_kernel_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hm_cl_forms[HM_CL_NFORMS] = {"wide", "mulhi", "plain"};

/* The least a timed launch lasts, and the most blocks one takes. */
#define HM_TUNE_PROBE_S 0.004
#define HM_TUNE_MAX_BLOCKS (UINT64_C(1) << 31)
/* Blocks of a timed launch are a multiple of this (the largest candidate shape, 256 x 256). */
#define HM_TUNE_ROUND (UINT64_C(1) << 16)
/* Shapes tried when nothing is asked: (local size, blocks per work-item). One local size, so
 * that PoCL compiles one work-group function per form (a 64 x 64 shape as well doubled the
 * first measurement's cost, to 2.1 s, and never won on PoCL). */
static const unsigned shapes[][2] = {{256, 256}, {256, 64}};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

typedef struct tuner {
    cl_context ctx;
    cl_command_queue q;
    const hm_cl_device *dev;
    cl_kernel k[HM_CL_NFORMS];
    cl_mem partials;
    size_t groups;   /* partials the buffer holds */
    cl_ulong *host;  /* as many on the host */
    uint64_t blocks; /* blocks of every timed launch; 0 until the first candidate sets it */
} tuner;

static void tuner_free(tuner *t)
{
    for (int f = 0; f < HM_CL_NFORMS; f++)
        if (t->k[f])
            clReleaseKernel(t->k[f]);
    if (t->partials)
        clReleaseMemObject(t->partials);
    free(t->host);
}

/* Room for `groups` partials. */
static cl_int reserve(tuner *t, size_t groups)
{
    if (groups <= t->groups)
        return CL_SUCCESS;
    cl_int st;
    if (t->partials)
        clReleaseMemObject(t->partials);
    free(t->host);
    t->groups = 0;
    t->host = calloc(groups, sizeof *t->host);
    if (!t->host)
        return CL_OUT_OF_HOST_MEMORY;
    t->partials = clCreateBuffer(t->ctx, CL_MEM_READ_WRITE, groups * sizeof *t->host, NULL, &st);
    if (st == CL_SUCCESS)
        t->groups = groups;
    return st;
}

/* The arguments of kernel k for items work-items of ib blocks from block 0 of seed 1. */
static cl_int set_args(tuner *t, cl_kernel k, cl_uint items, cl_uint ib)
{
    cl_ulong seed = 1;
    cl_uint zero = 0;
    cl_int st = clSetKernelArg(k, 0, sizeof seed, &seed);
    for (cl_uint a = 1; st == CL_SUCCESS && a < 6; a++)
        st = clSetKernelArg(k, a, sizeof zero, a == 3 ? &items : a == 4 ? &ib : &zero);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(k, 6, sizeof t->partials, &t->partials);
    return st;
}

/* Seconds event ev ran by the device's clock, or host_s when the device gives none. */
static double event_secs(cl_event ev, double host_s)
{
    cl_ulong s = 0, e = 0;
    if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof s, &s, NULL) == 0 &&
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof e, &e, NULL) == 0 && e > s)
        return (double)(e - s) * 1e-9;
    return host_s;
}

/* One launch of kernel k over blocks [0, nblocks) of seed 1 (nblocks a multiple of
 * local * ib): its hits and its seconds. */
static cl_int launch(tuner *t, cl_kernel k, size_t local, cl_uint ib, uint64_t nblocks,
                     uint64_t *hits, double *secs)
{
    size_t global = (size_t)(nblocks / ib), groups = global / local;
    cl_event ev = NULL;
    cl_int st = reserve(t, groups);
    if (st == CL_SUCCESS)
        st = set_args(t, k, (cl_uint)global, ib);
    double t0 = hm_now();
    if (st == CL_SUCCESS)
        st = clEnqueueNDRangeKernel(t->q, k, 1, NULL, &global, &local, 0, NULL, &ev);
    if (st == CL_SUCCESS)
        st = clEnqueueReadBuffer(t->q, t->partials, CL_TRUE, 0, groups * sizeof *t->host,
                                 t->host, 0, NULL, NULL);
    *secs = hm_now() - t0;
    if (ev) {
        *secs = st == CL_SUCCESS ? event_secs(ev, *secs) : *secs;
        clReleaseEvent(ev);
    }
    *hits = 0;
    for (size_t g = 0; st == CL_SUCCESS && g < groups; g++)
        *hits += t->host[g];
    return st;
}

/* The local size a candidate gets for kernel k: want, or the kernel's limit rounded down to
 * its preferred multiple when want exceeds it. */
static size_t fit_local(const tuner *t, cl_kernel k, size_t want)
{
    size_t wg = 0, mult = 1;
    clGetKernelWorkGroupInfo(k, t->dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    clGetKernelWorkGroupInfo(k, t->dev->id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                             sizeof mult, &mult, NULL);
    if (!wg || want <= wg)
        return want;
    return mult && wg >= mult ? wg / mult * mult : wg;
}

/* Sets t->blocks: launches of form f grown from one work-group per compute unit until one
 * lasts HM_TUNE_PROBE_S, rounded up to HM_TUNE_ROUND. */
static cl_int grow(tuner *t, int f, size_t local, cl_uint ib)
{
    uint64_t unit = (uint64_t)local * ib, hits;
    uint64_t n = unit * (t->dev->compute_units ? t->dev->compute_units : 1);
    double secs = 0.0;
    for (int i = 0; i < 12; i++) {
        cl_int st = launch(t, t->k[f], local, ib, n, &hits, &secs);
        if (st != CL_SUCCESS)
            return st;
        if (secs >= HM_TUNE_PROBE_S || n >= HM_TUNE_MAX_BLOCKS / 16)
            break;
        double by = secs > 0.0 ? 1.5 * HM_TUNE_PROBE_S / secs : 16.0;
        n = ((uint64_t)((double)n * (by < 16.0 ? by : 16.0)) + unit - 1) / unit * unit;
    }
    t->blocks = (n + HM_TUNE_ROUND - 1) / HM_TUNE_ROUND * HM_TUNE_ROUND;
    return CL_SUCCESS;
}

/* Samples/s of form f with shape (local, ib), the best of two timed launches (one when the
 * first ran at under half of `lead`, the best so far); 0 when a launch fails or the untimed
 * launch miscounts. */
static double candidate(tuner *t, int f, size_t local, cl_uint ib, double lead)
{
    uint64_t unit = (uint64_t)local * ib, hits;
    uint64_t warm = unit * (t->dev->compute_units ? t->dev->compute_units : 1);
    double secs, best = 0.0;
    if (unit >= HM_TUNE_MAX_BLOCKS || launch(t, t->k[f], local, ib, warm, &hits, &secs) != 0)
        return 0.0;
    if (warm <= (UINT64_C(1) << 22) && hits != hm_kernel_hits(1, 0, 2 * warm))
        return 0.0;
    if (!t->blocks && grow(t, f, local, ib) != CL_SUCCESS)
        return 0.0;
    uint64_t n = (t->blocks + unit - 1) / unit * unit;
    for (int r = 0; r < 2; r++) {
        if (launch(t, t->k[f], local, ib, n, &hits, &secs) != CL_SUCCESS)
            return 0.0;
        if (secs > 0.0 && 2.0 * (double)n / secs > best)
            best = 2.0 * (double)n / secs;
        if (best < 0.5 * lead)
            break;
    }
    return best;
}

/* Shape s of the candidates with what was asked put in; 0 when it repeats an earlier one. */
static int shape(unsigned s, size_t asked_local, unsigned asked_ib, size_t *local, cl_uint *ib)
{
    *local = asked_local ? asked_local : shapes[s][0];
    *ib = asked_ib ? asked_ib : shapes[s][1];
    for (unsigned p = 0; p < s; p++)
        if ((asked_local ? asked_local : shapes[p][0]) == *local &&
            (asked_ib ? asked_ib : shapes[p][1]) == *ib)
            return 0;
    return 1;
}

/* Times every form and shape; out gets the fastest (form NULL when none ran). */
static void measure(tuner *t, cl_program prog, size_t asked_local, unsigned asked_ib,
                    hm_cl_choice *out)
{
    double best = 0.0;
    size_t used = 0;
    out->form = NULL;
    for (int f = 0; f < HM_CL_NFORMS; f++) {
        char name[32];
        double form_best = 0.0;
        cl_int st;
        snprintf(name, sizeof name, "hm_mcpi_%s", hm_cl_forms[f]);
        t->k[f] = clCreateKernel(prog, name, &st);
        for (unsigned s = 0; st == CL_SUCCESS && s < NSHAPES; s++) {
            size_t local;
            cl_uint ib;
            if (!shape(s, asked_local, asked_ib, &local, &ib))
                continue;
            local = asked_local ? local : fit_local(t, t->k[f], local);
            double rate = candidate(t, f, local, ib, best);
            form_best = rate > form_best ? rate : form_best;
            if (rate > best) {
                best = rate;
                out->form = hm_cl_forms[f];
                out->local = local;
                out->item_blocks = ib;
            }
        }
        used += (size_t)snprintf(out->rates + used, sizeof out->rates - used, "%s%s %.3g",
                                 f ? " / " : "", hm_cl_forms[f], form_best);
        if (used >= sizeof out->rates)
            used = sizeof out->rates - 1;
    }
}

/* The cache key: device (with its compute units: PoCL takes POCL_MAX_PTHREAD_COUNT, a
 * sub-device fewer), driver, hetmc version, kernel text and what was asked. */
static void cache_key(const hm_cl_device *dev, size_t asked_local, unsigned asked_ib, char *key,
                      size_t len)
{
    snprintf(key, len, "opencl|%s|%s|%u units|%s|%s|hetmc %s kernel %016llx|local %zu|ib %u",
             dev->platform_name, dev->name, dev->compute_units, dev->driver, dev->version,
             HM_VERSION, hm_tune_hash(hm_kernel_source), asked_local, asked_ib);
    for (char *p = key; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
}

/* A cached value "FORM LOCAL IB RATES" into out; 1 when it is one. */
static int from_cache(const char *val, hm_cl_choice *out)
{
    char form[16];
    size_t local;
    unsigned ib;
    int used = 0;
    if (sscanf(val, "%15s %zu %u %n", form, &local, &ib, &used) != 3 || !local || !ib)
        return 0;
    snprintf(out->rates, sizeof out->rates, "%s", val + used);
    for (char *p = out->rates; *p; p++) /* the rates go into a CSV note: no commas */
        *p = *p == ',' ? '/' : *p;
    for (int f = 0; f < HM_CL_NFORMS; f++)
        if (strcmp(form, hm_cl_forms[f]) == 0) {
            out->form = hm_cl_forms[f];
            out->local = local;
            out->item_blocks = ib;
            return 1;
        }
    return 0;
}

int hm_cl_tune(cl_context ctx, cl_command_queue q, cl_program prog, const hm_cl_device *dev,
               size_t asked_local, unsigned asked_ib, hm_cl_choice *out, hm_error *err)
{
    const char *env = getenv("HETMC_CL_KERNEL");
    double t0 = hm_now();
    char key[1024], val[256];
    memset(out, 0, sizeof *out);
    out->local = asked_local;
    out->item_blocks = asked_ib;
    if (env && *env && strcmp(env, "auto") != 0) {
        for (int f = 0; f < HM_CL_NFORMS; f++)
            if (strcmp(env, hm_cl_forms[f]) == 0) {
                out->form = hm_cl_forms[f];
                out->how = "forced by HETMC_CL_KERNEL";
                return HM_EOK;
            }
        return hm_fail(err, HM_EINVAL, "HETMC_CL_KERNEL '%s' is not a kernel form; accepted: "
                       "auto, wide, mulhi, plain", env);
    }
    cache_key(dev, asked_local, asked_ib, key, sizeof key);
    if (hm_tune_cache_get(key, val, sizeof val) && from_cache(val, out)) {
        out->how = "cached";
        out->cost_s = hm_now() - t0;
        return HM_EOK;
    }
    tuner t = {.ctx = ctx, .q = q, .dev = dev};
    measure(&t, prog, asked_local, asked_ib, out);
    tuner_free(&t);
    out->how = "measured";
    out->cost_s = hm_now() - t0;
    if (!out->form) { /* nothing ran: the backend's defaults, whose checks say why */
        out->form = hm_cl_forms[0];
        out->local = asked_local;
        out->item_blocks = asked_ib;
        return HM_EOK;
    }
    snprintf(val, sizeof val, "%s %zu %u %s", out->form, out->local, out->item_blocks,
             out->rates);
    hm_tune_cache_put(key, val);
    return HM_EOK;
}

void hm_cl_tune_describe(const hm_cl_device *dev, char *buf, size_t len)
{
    const char *env = getenv("HETMC_CL_KERNEL");
    char key[1024], val[256];
    if (env && *env && strcmp(env, "auto") != 0) {
        snprintf(buf, len, "%s (forced by HETMC_CL_KERNEL)", env);
        return;
    }
    cache_key(dev, 0, 0, key, sizeof key);
    if (hm_tune_cache_get(key, val, sizeof val))
        snprintf(buf, len, "cached: %s (form, local size, blocks per work-item, S/s)", val);
    else
        snprintf(buf, len, "not measured yet (the first opencl run measures the forms)");
}
