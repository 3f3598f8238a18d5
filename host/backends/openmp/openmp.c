/*
 * openmp.c - `#pragma omp parallel` over contiguous slices, a reduction of the counts.
 *
 * Phases: setup_s is the time until every thread of the team has started (OpenMP keeps its
 * team alive between regions, so after the warm-up this is the cost of waking it); compute_s
 * is the slowest thread's compute; collect_s runs from the last thread's finish to the end of
 * the region (the reduction and the join). With --bind cores thread k pins itself to the k-th
 * allowed CPU at the start of every region (in setup_s); the calling thread's mask is put back.
 *
 * libgomp ends the whole process ("libgomp: Thread creation failed", exit 1) when it cannot
 * start a thread of a team (ulimit -u, ulimit -v). So before a region that needs more threads
 * than the calling thread's team had last time (libgomp keeps those alive for the next
 * region), those threads are started here first with pthreads, with the stack size libgomp
 * will use, all alive at once, and joined; when one cannot start, the run fails with one line
 * and the region is never entered. Outside the timing: only a team that grows pays for it.
 * What the check cannot see is a limit reached between it and the region (another process of
 * the user starting at that moment).
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include "hetmc.h"
#include "clock.h"
#include "kernel.h"
#include "sysinfo.h"

#include <ctype.h>
#include <errno.h>
#include <omp.h>
#include <pthread.h>
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

/* The threads libgomp keeps for the calling thread's next region: its last team less itself. */
static _Thread_local unsigned pool_threads;

/* The stack size libgomp gives its threads: OMP_STACKSIZE (or GOMP_STACKSIZE), a number with
 * an optional B, K, M or G (K when none); 0 for the C library's default. */
static size_t omp_stack_size(void)
{
    const char *text = getenv("OMP_STACKSIZE");
    if (!text || !*text)
        text = getenv("GOMP_STACKSIZE");
    if (!text || !*text)
        return 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    int shift = 10;
    switch (toupper((unsigned char)*end)) {
    case 'B': shift = 0; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    default: break;
    }
    return end == text || v >> (63 - shift) ? 0 : (size_t)(v << shift);
}

/* A thread of the check: waits until every one has started, then ends. */
static void *check_thread(void *gate)
{
    pthread_mutex_lock(gate);
    pthread_mutex_unlock(gate);
    return NULL;
}

/* Starts n threads at once, as libgomp would for a team that needs them, and joins them.
 * Returns HM_EOK, or HM_ESYS with the error when one could not start. */
static int threads_can_start(unsigned n, unsigned team, hm_error *err)
{
    pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
    pthread_attr_t attr;
    size_t stack = omp_stack_size();
    pthread_t *t = calloc(n, sizeof *t);
    int e = t ? pthread_attr_init(&attr) : ENOMEM;
    if (e)
        goto out;
    if (stack)
        pthread_attr_setstacksize(&attr, stack); /* as libgomp: a bad size keeps the default */
    pthread_mutex_lock(&gate);
    unsigned started = 0;
    while (!e && started < n)
        if ((e = pthread_create(&t[started], &attr, check_thread, &gate)) == 0)
            started++;
    pthread_mutex_unlock(&gate);
    while (started)
        pthread_join(t[--started], NULL);
    pthread_attr_destroy(&attr);
out:
    free(t);
    if (!e)
        return HM_EOK;
    return hm_fail(err, HM_ESYS, "openmp: %u more threads for a team of %u cannot start: %s "
                   "(ulimit -u, ulimit -v, OMP_STACKSIZE?); the region was not entered", n,
                   team, strerror(e));
}

/* Whether a team of w threads can start from the calling thread: those libgomp would add to
 * the ones it keeps are started first. Returns HM_EOK or HM_ESYS. */
static int team_can_start(unsigned w, hm_error *err)
{
    return w - 1 > pool_threads ? threads_can_start(w - 1 - pool_threads, w, err) : HM_EOK;
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
    int rc = team_can_start(w, err);
    if (rc != HM_EOK)
        return rc;
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
    pool_threads = (unsigned)team - (team > 0); /* the team less the calling thread */
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
