/*
 * threads.c - POSIX threads created per run (Python's threading.Thread in the lesson), one
 * contiguous slice of the stream each, joined, counts summed.
 *
 * Phases: setup_s runs from the start of run() to the latest thread's start of compute
 * (pthread_create and scheduling); compute_s is the slowest thread's compute; collect_s runs
 * from the last thread's finish to the last join. With --bind cores thread k pins itself to the
 * k-th allowed CPU first (in setup_s).
 */
#define _POSIX_C_SOURCE 200809L
#include "hetmc.h"
#include "clock.h"
#include "kernel.h"
#include "sysinfo.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One thread's task and times, a cache line of its own so threads never share a line. */
typedef struct {
    uint64_t seed, first, count, hits;
    double start, end;
    unsigned k;    /* the thread's index */
    int bind_errno; /* --bind cores: 0, or why pinning failed */
    char pad[64 - 4 * sizeof(uint64_t) - 2 * sizeof(double) - 2 * sizeof(unsigned)];
} thread_task;

struct hm_ctx {
    unsigned workers, bind;
    thread_task *tasks;
    pthread_t *threads;
};

static void *thread_main(void *arg)
{
    thread_task *t = arg;
    /* --bind cores: before the clock starts, so that setup_s holds it. */
    if (t->bind_errno == -1)
        t->bind_errno = hm_bind_cpu(t->k) == 0 ? 0 : errno;
    t->start = hm_now();
    t->hits = hm_kernel_hits(t->seed, t->first, t->count);
    t->end = hm_now();
    return NULL;
}

static void threads_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->tasks);
    free(ctx->threads);
    free(ctx);
}

static int threads_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "threads needs at least 1 worker");
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        goto nomem;
    ctx->workers = cfg->workers;
    ctx->bind = cfg->bind;
    ctx->tasks = aligned_alloc(64, sizeof(thread_task) * cfg->workers);
    ctx->threads = calloc(cfg->workers, sizeof *ctx->threads);
    if (!ctx->tasks || !ctx->threads)
        goto nomem;
    *out = ctx;
    return HM_EOK;
nomem:
    threads_release(ctx);
    return hm_fail(err, HM_ENOMEM, "threads: out of memory for %u workers", cfg->workers);
}

static int threads_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count,
                       hm_result *res, hm_error *err)
{
    const unsigned w = ctx->workers;
    unsigned started = 0;
    int rc = HM_EOK, e = 0;
    double t0 = hm_now();

    for (; started < w; started++) {
        thread_task *t = &ctx->tasks[started];
        memset(t, 0, sizeof *t);
        t->seed = seed;
        t->k = started;
        t->bind_errno = ctx->bind == HM_BIND_CORES ? -1 : 0; /* -1: to pin */
        hm_slice(first, count, w, started, &t->first, &t->count);
        if ((e = pthread_create(&ctx->threads[started], NULL, thread_main, t)) != 0)
            break;
    }
    uint64_t hits = 0;
    for (unsigned k = 0; k < started; k++) {
        pthread_join(ctx->threads[k], NULL);
        hits += ctx->tasks[k].hits;
    }
    double t1 = hm_now();
    if (started < w)
        return hm_fail(err, HM_ESYS, "threads: pthread_create of thread %u of %u: %s", started,
                       w, strerror(e));
    for (unsigned k = 0; k < w; k++)
        if (ctx->tasks[k].bind_errno)
            return hm_fail(err, HM_ESYS, "threads: --bind cores: pinning thread %u to CPU %d: "
                           "%s", k, hm_allowed_cpu(k), strerror(ctx->tasks[k].bind_errno));

    double ready = t0, done = t0, slowest = 0;
    for (unsigned k = 0; k < w; k++) {
        const thread_task *t = &ctx->tasks[k];
        if (t->start > ready)
            ready = t->start;
        if (t->end > done)
            done = t->end;
        if (t->end - t->start > slowest)
            slowest = t->end - t->start;
    }
    res->hits = hits;
    res->setup_s = ready - t0;
    res->compute_s = slowest;
    res->collect_s = t1 - done;
    return rc;
}

const hm_backend hm_backend_threads = {
    .name = "threads",
    .family = "threads",
    .summary = "POSIX threads created per run, one slice each, joined",
    .uses = HM_USES_BIND,
    .prepare = threads_prepare,
    .run = threads_run,
    .release = threads_release,
};
