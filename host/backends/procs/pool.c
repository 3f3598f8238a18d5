/*
 * pool.c - workers forked once at prepare() and reused for every run (the lesson's Python
 * multiprocessing.Pool): each worker reads tasks (seed, first, count) from its task pipe,
 * computes the slice, and writes its count to its result pipe. A run is split into tasks
 * handed out one at a time to whichever worker is free (proc_tasks.h): one per worker by
 * default, or T with --tasks, like Pool.starmap over T batches. A worker leaves with _exit when
 * its task pipe reaches end-of-file (release() closes it, or the parent died), and
 * hm_proc_child_init (PR_SET_PDEATHSIG(SIGKILL) plus a getppid() check right after fork())
 * makes sure that no worker outlives a parent that was killed. (The death signal follows the
 * thread that forked: hetmc prepares on its main thread, which lives as long as the process.)
 * A stop (stop.h) ends the wait for results at once; the workers still computing are killed.
 *
 * Creation: prepare() forks the workers and waits until each has said it is ready; that
 * one-time cost is create_s, reported on every row and in no repetition's wall time (Python
 * pays it in Pool()).
 *
 * A worker that dies, hangs past --timeout, or sends a short or malformed result fails that
 * run with a message naming it; it is then killed (if still alive) and reaped, and the next
 * run() forks a fresh worker in its place, so the next run works or fails clearly, never hangs.
 *
 * Phases: setup_s runs from the start of run() to the latest worker's start of its first task
 * (the tasks' trip through the pipes and the workers' wake-up; the fork itself happened at
 * prepare, or in run() for a worker replaced after a failure); compute_s is the busiest
 * worker's compute; collect_s runs from the last task's finish to the last result read.
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

/* The run number of the message a new worker sends when it is ready for tasks. */
#define POOL_READY UINT64_MAX

struct hm_ctx {
    unsigned workers, bind;
    unsigned tasks;  /* --tasks; 0: one task per worker */
    double timeout_s;
    double create_s; /* prepare's fork of every worker until all were ready */
    uint64_t runs;
    hm_fault fault;
    hm_proc_slot *slots; /* pid, rfd (results); pid 0: no live worker */
    int *wfd;            /* parent's write end of each task pipe; -1 when none */
};

/* Kills (when asked) and reaps worker k and closes its pipes; slot k then has no worker. */
static void drop_worker(hm_ctx *ctx, unsigned k, int kill_it)
{
    hm_proc_slot *s = &ctx->slots[k];
    if (ctx->wfd[k] >= 0) {
        close(ctx->wfd[k]);
        ctx->wfd[k] = -1;
    }
    if (s->rfd >= 0) {
        close(s->rfd);
        s->rfd = -1;
    }
    if (s->pid > 0) {
        /* A reaped pid may already belong to another process: never signal it. */
        if (!s->reaped) {
            if (kill_it)
                kill(s->pid, SIGKILL);
            hm_proc_reap(s, 0);
        }
    }
    s->pid = 0;
    s->reaped = 0;
}

/* A new worker's first message: it is ready for tasks. Never returns on failure. */
static void say_ready(int rfd, unsigned k)
{
    hm_proc_result m;
    memset(&m, 0, sizeof m);
    m.worker = k;
    m.run = POOL_READY;
    m.start_s = m.end_s = hm_now();
    hm_proc_result_seal(&m);
    if (hm_write_full(rfd, &m, sizeof m) != (ssize_t)sizeof m)
        _exit(5);
}

static int start_worker(hm_ctx *ctx, unsigned k, hm_error *err)
{
    int tp[2], rp[2], e = hm_proc_task_pipes(tp, rp);
    pid_t parent = getpid();
    if (e < 0)
        return hm_fail(err, HM_ESYS, "pool: pipes for worker %u: %s", k, strerror(-e));
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(tp[0]);
        close(tp[1]);
        close(rp[0]);
        close(rp[1]);
        return hm_fail(err, HM_ESYS, "pool: fork of worker %u: %s", k, strerror(e));
    }
    if (pid == 0) {
        if (hm_proc_child_init(parent) != 0)
            _exit(6); /* the parent is already gone */
        /* Keep only this worker's ends: another worker holding a task pipe's write end would
         * keep it from ever seeing end-of-file. */
        hm_proc_close_fds_except(tp[0], rp[1]);
        say_ready(rp[1], k);
        hm_proc_serve_tasks(tp[0], rp[1], k, &ctx->fault);
    }
    close(tp[0]);
    close(rp[1]);
    memset(&ctx->slots[k], 0, sizeof ctx->slots[k]);
    ctx->slots[k].pid = pid;
    ctx->slots[k].rfd = rp[0];
    ctx->wfd[k] = tp[1];
    return hm_proc_bind(pid, k, ctx->bind, err); /* on failure the caller drops the worker */
}

/* Waits until workers [k0, k1) have said they are ready (under --timeout, if any). */
static int await_ready(hm_ctx *ctx, unsigned k0, unsigned k1, hm_error *err)
{
    hm_proc_slot *s = ctx->slots;
    double deadline = ctx->timeout_s > 0 ? hm_now() + ctx->timeout_s : 0;
    int waiting = hm_proc_collect(s + k0, k1 - k0, deadline);
    if (waiting != 0)
        return hm_proc_wait_error(s + k0, k1 - k0, waiting, errno, ctx->timeout_s, err);
    for (unsigned k = k0; k < k1; k++)
        if (!hm_proc_result_valid(&s[k], k, POOL_READY))
            return hm_fail(err, HM_EWORKER, "pool: worker %u of %u (pid %ld) did not start",
                           k, ctx->workers, (long)s[k].pid);
    return HM_EOK;
}

static void pool_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->slots && ctx->wfd) {
        /* Close every task pipe first so all workers exit together, then reap them. */
        for (unsigned k = 0; k < ctx->workers; k++)
            if (ctx->wfd[k] >= 0) {
                close(ctx->wfd[k]);
                ctx->wfd[k] = -1;
            }
        for (unsigned k = 0; k < ctx->workers; k++)
            drop_worker(ctx, k, 0);
    }
    free(ctx->slots);
    free(ctx->wfd);
    free(ctx);
}

static int pool_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    int rc;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "pool needs at least 1 worker");
    ctx = calloc(1, sizeof *ctx);
    if (!ctx || !(ctx->slots = calloc(cfg->workers, sizeof *ctx->slots)) ||
        !(ctx->wfd = malloc(cfg->workers * sizeof *ctx->wfd))) {
        rc = hm_fail(err, HM_ENOMEM, "pool: out of memory for %u workers", cfg->workers);
        goto fail;
    }
    ctx->workers = cfg->workers;
    ctx->bind = cfg->bind;
    ctx->tasks = cfg->tasks;
    ctx->timeout_s = cfg->timeout_s;
    for (unsigned k = 0; k < ctx->workers; k++) {
        ctx->wfd[k] = -1;
        ctx->slots[k].rfd = -1;
    }
    if ((rc = hm_fault_from_env(&ctx->fault, err)) < 0)
        goto fail;
    double t0 = hm_now();
    for (unsigned k = 0; k < ctx->workers; k++)
        if ((rc = start_worker(ctx, k, err)) < 0)
            goto fail;
    if ((rc = await_ready(ctx, 0, ctx->workers, err)) < 0)
        goto fail;
    ctx->create_s = hm_now() - t0;
    *out = ctx;
    return HM_EOK;
fail:
    pool_release(ctx);
    return rc;
}

/* Replaces the workers lost in an earlier run. */
static int replace_lost(hm_ctx *ctx, hm_error *err)
{
    hm_proc_slot *s = ctx->slots;
    int rc = HM_EOK;
    for (unsigned k = 0; k < ctx->workers; k++)
        if (s[k].pid == 0 &&
            ((rc = start_worker(ctx, k, err)) < 0 || (rc = await_ready(ctx, k, k + 1, err)) < 0)) {
            if (s[k].pid > 0)
                drop_worker(ctx, k, 1); /* started but not pinned, or not ready */
            return rc;
        }
    return rc;
}

/* A worker without a whole result has died or will not be trusted again: kill and reap it
 * now, so that the check can say how it ended. */
static void kill_unfinished(hm_proc_slot *s, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        if (s[k].pid > 0 && !s[k].done) {
            kill(s[k].pid, SIGKILL);
            hm_proc_reap(&s[k], 0);
        }
}

/* Drops every worker without a sound result of this run (dead, late, short or malformed), to
 * be replaced at the next run, so that no pipe is ever out of step. */
static void drop_unsound(hm_ctx *ctx, unsigned n, uint64_t run)
{
    hm_proc_slot *s = ctx->slots;
    for (unsigned k = 0; k < n; k++)
        if (s[k].pid > 0 && (s[k].reaped || !hm_proc_result_valid(&s[k], k, run)))
            drop_worker(ctx, k, 1);
}

static int pool_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    hm_error *err)
{
    const unsigned w = ctx->workers, n = hm_tasks_workers(w, ctx->tasks);
    hm_proc_slot *s = ctx->slots;
    uint64_t ignored;
    int rc;
    hm_task_out out;
    hm_task_run tr = {.run = ctx->runs++, .seed = seed, .first = first, .count = count,
                      .tasks = ctx->tasks ? ctx->tasks : w, .t0 = hm_now(),
                      .timeout_s = ctx->timeout_s};
    tr.deadline = ctx->timeout_s > 0 ? tr.t0 + ctx->timeout_s : 0;

    if ((rc = replace_lost(ctx, err)) < 0)
        return rc;
    /* Timed out or stopped: the late workers are replaced at the next run. */
    rc = hm_proc_run_tasks(s, ctx->wfd, n, &tr, 0, &out, err);
    double t_end = hm_now();
    kill_unfinished(s, n);
    if (rc == HM_EWORKER)
        hm_proc_check(s, n, tr.run, &ignored, err);
    if (rc == HM_EOK) {
        hm_task_phases(&tr, &out, t_end, res);
        res->tasks = ctx->tasks;
        res->create_s = ctx->create_s;
    }
    /* The one failure path. */
    drop_unsound(ctx, n, tr.run);
    return rc;
}

const hm_backend hm_backend_pool = {
    .name = "pool",
    .family = "procs",
    .summary = "workers forked once and reused across runs, fed tasks over pipes",
    .uses = HM_USES_TIMEOUT | HM_USES_BIND | HM_USES_TASKS,
    .prepare = pool_prepare,
    .run = pool_run,
    .release = pool_release,
};
