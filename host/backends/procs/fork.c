/*
 * fork.c - a fresh fork() per worker per run (Python's multiprocessing.Process + Queue in the
 * lesson, docs/DESIGN.md): each child computes its slice with the host kernel and sends its
 * count back over its own pipe, then leaves with _exit. The parent reads every pipe with poll() (full messages,
 * EINTR, short reads) and reaps every child with waitpid, also when a child fails.
 *
 * Phases: setup_s runs from the start of run() to the latest child's start of compute (as the
 * child read CLOCK_MONOTONIC, which is system-wide on Linux), so it holds fork() and the
 * scheduling of the children; compute_s is the slowest child's compute; collect_s runs from the
 * last child's finish to every result read and every child reaped.
 * --timeout: past it, every child still running is sent SIGKILL and reaped, and the run fails;
 * so on a stop (stop.h), and the run is then interrupted. Children die with a killed parent
 * (hm_proc_child_init).
 */
#define _GNU_SOURCE /* pipe2 */
#include "proc_tasks.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hm_ctx {
    unsigned workers, bind;
    unsigned tasks; /* --tasks: T tasks handed out to the workers (proc_tasks.h); 0: slices */
    double timeout_s;
    uint64_t runs; /* run() calls so far: the run number the fault hook sees */
    hm_fault fault;
    hm_proc_slot *slots;
};

static void fork_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->slots);
    free(ctx);
}

static int fork_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    int rc;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "fork needs at least 1 worker");
    ctx = calloc(1, sizeof *ctx);
    if (!ctx || !(ctx->slots = calloc(cfg->workers, sizeof *ctx->slots))) {
        rc = hm_fail(err, HM_ENOMEM, "fork: out of memory for %u workers", cfg->workers);
        goto fail;
    }
    ctx->workers = cfg->workers;
    ctx->bind = cfg->bind;
    ctx->tasks = cfg->tasks;
    ctx->timeout_s = cfg->timeout_s;
    if ((rc = hm_fault_from_env(&ctx->fault, err)) < 0)
        goto fail;
    *out = ctx;
    return HM_EOK;
fail:
    fork_release(ctx);
    return rc;
}

/* --tasks: a fresh child that serves tasks until its task pipe ends. */
static pid_t start_task_worker(void *arg, unsigned k, int tfd, int rfd)
{
    const hm_ctx *ctx = arg;
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        if (hm_proc_child_init(parent) != 0)
            _exit(6); /* the parent is already gone */
        hm_proc_close_fds_except(tfd, rfd);
        hm_proc_serve_tasks(tfd, rfd, k, &ctx->fault);
    }
    return pid < 0 ? -errno : pid;
}

static int fork_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    hm_error *err)
{
    const unsigned w = ctx->workers;
    hm_proc_slot *s = ctx->slots;
    const uint64_t run = ctx->runs++;
    double t0 = hm_now();
    double deadline = ctx->timeout_s > 0 ? t0 + ctx->timeout_s : 0;
    int rc = HM_EOK;
    unsigned started = 0;

    if (ctx->tasks) {
        hm_task_run tr = {.run = run, .seed = seed, .first = first, .count = count,
                          .tasks = ctx->tasks, .t0 = t0, .deadline = deadline,
                          .timeout_s = ctx->timeout_s, .bind = ctx->bind};
        return hm_proc_fresh_tasks(s, w, &tr, start_task_worker, ctx, res, err);
    }
    pid_t parent = getpid();
    memset(s, 0, w * sizeof *s);
    for (unsigned k = 0; k < w; k++)
        s[k].rfd = -1;
    for (; started < w; started++) {
        int p[2];
        unsigned k = started;
        if (pipe2(p, O_CLOEXEC) != 0) { /* no exec'd process (orted, spawn) may hold it */
            rc = hm_fail(err, HM_ESYS, "pipe for worker %u: %s", k, strerror(errno));
            goto cleanup;
        }
        pid_t pid = fork();
        if (pid < 0) {
            rc = hm_fail(err, HM_ESYS, "fork() of worker %u of %u: %s", k, w,
                         strerror(errno));
            close(p[0]);
            close(p[1]);
            goto cleanup;
        }
        if (pid == 0) {
            if (hm_proc_child_init(parent) != 0)
                _exit(6); /* the parent is already gone */
            /* The child keeps only its write end (see hm_proc_close_fds_except). */
            hm_proc_close_fds_except(p[1], p[1]);
            uint64_t a, n;
            hm_slice(first, count, w, k, &a, &n);
            int bad = hm_proc_work(p[1], k, run, seed, a, n, &ctx->fault);
            _exit(bad ? 1 : 0);
        }
        close(p[1]);
        s[k].pid = pid;
        s[k].rfd = p[0];
        if ((rc = hm_proc_bind(pid, k, ctx->bind, err)) < 0) {
            started++; /* it is reaped with the others */
            goto cleanup;
        }
    }

cleanup: /* also the normal path: collect, reap, check */
    return hm_proc_finish(s, w, started, rc, run, t0, deadline, ctx->timeout_s, res, err);
}

const hm_backend hm_backend_fork = {
    .name = "fork",
    .family = "procs",
    .summary = "a fresh fork() per worker per run, counts back over pipes",
    .uses = HM_USES_TIMEOUT | HM_USES_BIND | HM_USES_TASKS,
    .prepare = fork_prepare,
    .run = fork_run,
    .release = fork_release,
};
