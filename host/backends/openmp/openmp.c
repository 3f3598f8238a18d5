/*
 * openmp.c - `#pragma omp parallel` over contiguous slices, a reduction of the counts.
 *
 * Phases: setup_s is the time until every thread of the team has started (OpenMP keeps its
 * team alive between regions, so after the warm-up this is the cost of waking it); compute_s
 * is the slowest thread's compute; collect_s runs from the last thread's finish to the end of
 * the region (the reduction and the join). With --bind cores thread k pins itself to the k-th
 * allowed CPU at the start of every region (in setup_s); the calling thread's mask is put back.
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include "hetmc.h"
#include "clock.h"
#include "kernel.h"
#include "sysinfo.h"

#include <errno.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Per-thread times, one cache line each so threads never share a line. */
typedef struct {
    double start, end;
    char pad[64 - 2 * sizeof(double)];
} thread_times;

struct hm_ctx {
    unsigned workers, bind;
    thread_times *times;
};

static void openmp_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->times);
    free(ctx);
}

static int openmp_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "openmp needs at least 1 worker");
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        goto nomem;
    ctx->workers = cfg->workers;
    ctx->bind = cfg->bind;
    ctx->times = aligned_alloc(64, sizeof(thread_times) * cfg->workers);
    if (!ctx->times)
        goto nomem;
    /* Exactly the team asked for: no dynamic shrinking behind the user's back. */
    omp_set_dynamic(0);
    *out = ctx;
    return HM_EOK;
nomem:
    openmp_release(ctx);
    return hm_fail(err, HM_ENOMEM, "openmp: out of memory for %u workers", cfg->workers);
}

static int openmp_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count,
                      hm_result *res, hm_error *err)
{
    const unsigned w = ctx->workers;
    uint64_t hits = 0;
    int team = 0, bind_errno = 0;
    cpu_set_t caller;
    /* --bind cores pins the calling thread too (it is thread 0): put its mask back after. */
    if (ctx->bind == HM_BIND_CORES && sched_getaffinity(0, sizeof caller, &caller) != 0)
        return hm_fail(err, HM_ESYS, "openmp: --bind cores: reading the affinity: %s",
                       strerror(errno));
    double t0 = hm_now();

#pragma omp parallel num_threads(w) reduction(+ : hits) reduction(max : bind_errno)
    {
        unsigned k = (unsigned)omp_get_thread_num();
        bind_errno = 0; /* the private copy starts at the identity of max, INT_MIN */
        if (ctx->bind == HM_BIND_CORES && hm_bind_cpu(k) != 0)
            bind_errno = errno;
#pragma omp single
        team = omp_get_num_threads();
        /* The implicit barrier after `single` means every thread has started. */
        if (team == (int)w && !bind_errno) {
            uint64_t a, n;
            hm_slice(first, count, w, k, &a, &n);
            ctx->times[k].start = hm_now();
            hits += hm_kernel_hits(seed, a, n);
            ctx->times[k].end = hm_now();
        }
    }
    double t1 = hm_now();
    if (ctx->bind == HM_BIND_CORES)
        sched_setaffinity(0, sizeof caller, &caller);
    if (bind_errno)
        return hm_fail(err, HM_ESYS, "openmp: --bind cores: pinning a thread: %s",
                       strerror(bind_errno));
    if (team != (int)w)
        return hm_fail(err, HM_EUNAVAIL, "openmp: asked for %u threads, the runtime gave %d", w,
                       team);
    double ready = ctx->times[0].start, done = ctx->times[0].end, slowest = 0;
    for (unsigned k = 0; k < w; k++) {
        if (ctx->times[k].start > ready)
            ready = ctx->times[k].start;
        if (ctx->times[k].end > done)
            done = ctx->times[k].end;
        if (ctx->times[k].end - ctx->times[k].start > slowest)
            slowest = ctx->times[k].end - ctx->times[k].start;
    }
    res->hits = hits;
    res->setup_s = ready - t0;
    res->compute_s = slowest;
    res->collect_s = t1 - done;
    return HM_EOK;
}

const hm_backend hm_backend_openmp = {
    .name = "openmp",
    .family = "openmp",
    .summary = "#pragma omp parallel with a reduction",
    .uses = HM_USES_BIND,
    .prepare = openmp_prepare,
    .run = openmp_run,
    .release = openmp_release,
};
