/* proc_tasks.c - a run split into tasks handed out to worker processes; see proc_tasks.h. */
#define _GNU_SOURCE /* pipe2 */
#include "proc_tasks.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hm_proc_serve_tasks(int tfd, int rfd, unsigned k, const hm_fault *fault)
{
    hm_proc_task t;
    for (;;) {
        ssize_t got = hm_read_full(tfd, &t, sizeof t);
        if (got == 0)
            _exit(0); /* no task left: the parent closed the pipe, or died */
        if (got != (ssize_t)sizeof t || !hm_proc_task_valid(&t) || t.worker != k)
            _exit(4);
        if (hm_proc_work(rfd, k, t.run, t.seed, t.first, t.count, fault) != 0)
            _exit(5);
    }
}

unsigned hm_tasks_workers(unsigned w, unsigned tasks)
{
    return tasks && tasks < w ? tasks : w;
}

/* The dispatcher's view of one run. */
typedef struct dispatch {
    hm_proc_slot *s;
    int *wfd;
    unsigned n;
    const hm_task_run *tr;
    unsigned next;     /* the next task to hand out */
    unsigned pending;  /* workers holding a task */
    int *holds;        /* holds[k]: worker k holds a task */
    double *busy;      /* summed compute per worker */
    double *first;     /* start of each worker's first task; NAN before it has one */
    int failed;
    hm_task_out *out;
} dispatch;

/* Hands task d->next to worker k. A worker that is gone (EPIPE) is marked as ended without a
 * result, which the caller's check reports. */
static void hand_out(dispatch *d, unsigned k)
{
    hm_proc_task t = {.worker = k, .run = d->tr->run, .seed = d->tr->seed};
    hm_slice(d->tr->first, d->tr->count, d->tr->tasks, d->next++, &t.first, &t.count);
    hm_proc_task_seal(&t);
    d->s[k].got = 0;
    d->s[k].done = d->s[k].eof = 0;
    d->holds[k] = 1;
    d->pending++;
    if (hm_write_full(d->wfd[k], &t, sizeof t) != (ssize_t)sizeof t)
        d->s[k].eof = 1;
}

/* No task left for worker k: a fresh worker is told so by the end of its task pipe. */
static void release_worker(dispatch *d, unsigned k, int close_when_done)
{
    if (close_when_done && d->wfd[k] >= 0) {
        close(d->wfd[k]);
        d->wfd[k] = -1;
    }
}

/* Worker k has ended its task (a whole message or end-of-file): counts it, then hands it the
 * next task unless none is left or a worker failed. */
static void answered(dispatch *d, unsigned k, int close_when_done)
{
    hm_proc_slot *sl = &d->s[k];
    d->holds[k] = 0;
    d->pending--;
    if (!hm_proc_result_valid(sl, k, d->tr->run)) {
        d->failed = 1; /* the slot keeps what went wrong, for hm_proc_check */
        return;
    }
    hm_task_out *o = d->out;
    o->hits += sl->msg.hits;
    o->answered++;
    d->busy[k] += sl->msg.end_s - sl->msg.start_s;
    if (d->busy[k] > o->busiest)
        o->busiest = d->busy[k];
    if (sl->msg.end_s > o->last_end)
        o->last_end = sl->msg.end_s;
    if (!d->failed && d->next < d->tr->tasks)
        hand_out(d, k);
    else
        release_worker(d, k, close_when_done);
}

/* The first task of every worker, and the latest of their starts (setup ends there). */
static void start_all(dispatch *d)
{
    for (unsigned k = 0; k < d->n; k++) {
        d->s[k].got = 0;
        d->s[k].done = d->s[k].eof = 0;
        d->holds[k] = 0;
    }
    for (unsigned k = 0; k < d->n && d->next < d->tr->tasks; k++)
        hand_out(d, k);
}

/* Counts the answer of every worker that has ended its task, noting the start of its first. */
static void take_answers(dispatch *d, int close_when_done)
{
    hm_proc_slot *s = d->s;
    for (unsigned k = 0; k < d->n; k++)
        if (d->holds[k] && (s[k].done || s[k].eof)) {
            if (s[k].done && isnan(d->first[k]))
                d->first[k] = s[k].msg.start_s;
            answered(d, k, close_when_done);
        }
}

/* Hands out the tasks and collects the answers until no worker holds a task, or the wait
 * fails (timed out, stopped by a signal, or poll failed). */
static int dispatch_all(dispatch *d, int close_when_done, hm_error *err)
{
    struct sigaction old_pipe;
    int rc = HM_EOK;
    hm_sigpipe_ignore(&old_pipe);
    start_all(d);
    while (d->pending) {
        int waiting = hm_proc_collect_any(d->s, d->n, d->tr->deadline);
        if (waiting != 0) {
            rc = hm_proc_wait_error(d->s, d->n, waiting, errno, d->tr->timeout_s, err);
            break;
        }
        take_answers(d, close_when_done);
    }
    hm_sigpipe_restore(&old_pipe);
    return rc;
}

/* Setup ends at the latest of the workers' first starts. */
static void latest_first_start(const dispatch *d)
{
    for (unsigned k = 0; k < d->n; k++)
        if (!isnan(d->first[k]) && d->first[k] > d->out->first_start)
            d->out->first_start = d->first[k];
}

int hm_proc_run_tasks(hm_proc_slot *s, int *wfd, unsigned n, const hm_task_run *tr,
                      int close_when_done, hm_task_out *out, hm_error *err)
{
    dispatch d = {.s = s, .wfd = wfd, .n = n, .tr = tr, .out = out};
    int rc = HM_EOK;

    memset(out, 0, sizeof *out);
    out->first_start = out->last_end = tr->t0;
    d.holds = calloc(n ? n : 1, sizeof *d.holds);
    d.busy = calloc(n ? n : 1, sizeof *d.busy);
    d.first = malloc((n ? n : 1) * sizeof *d.first);
    if (!d.holds || !d.busy || !d.first) {
        rc = hm_fail(err, HM_ENOMEM, "out of memory for %u workers", n);
        goto cleanup;
    }
    for (unsigned k = 0; k < n; k++)
        d.first[k] = NAN;
    rc = dispatch_all(&d, close_when_done, err);
    latest_first_start(&d);
    if (rc == HM_EOK && d.failed)
        rc = HM_EWORKER;
cleanup:
    free(d.holds);
    free(d.busy);
    free(d.first);
    return rc;
}

void hm_task_phases(const hm_task_run *tr, const hm_task_out *out, double t_end,
                    hm_result *res)
{
    res->setup_s = out->first_start - tr->t0;
    res->compute_s = out->busiest;
    res->collect_s = t_end > out->last_end ? t_end - out->last_end : 0.0;
    res->hits = out->hits;
}

int hm_proc_task_pipes(int tp[2], int rp[2])
{
    tp[0] = tp[1] = rp[0] = rp[1] = -1;
    if (pipe2(tp, O_CLOEXEC) == 0 && pipe2(rp, O_CLOEXEC) == 0)
        return 0;
    int e = errno;
    if (tp[0] >= 0) {
        close(tp[0]);
        close(tp[1]);
    }
    return -e;
}

/* Starts workers [0, n) with start, each on a fresh pair of pipes. Returns HM_EOK or the
 * failure; *started says how many run. */
static int start_fresh(hm_proc_slot *s, int *wfd, unsigned n, const hm_task_run *tr,
                       hm_task_starter start, void *arg, unsigned *started, hm_error *err)
{
    for (*started = 0; *started < n; (*started)++) {
        unsigned k = *started;
        int tp[2], rp[2], e = hm_proc_task_pipes(tp, rp);
        if (e < 0)
            return hm_fail(err, HM_ESYS, "pipes for worker %u: %s", k, strerror(-e));
        pid_t pid = start(arg, k, tp[0], rp[1]);
        close(tp[0]);
        close(rp[1]);
        wfd[k] = tp[1];
        s[k].rfd = rp[0];
        if (pid < 0)
            return hm_fail(err, HM_ESYS, "start of worker %u of %u: %s", k, n,
                           strerror((int)-pid));
        s[k].pid = pid;
        if ((e = hm_proc_bind(pid, k, tr->bind, err)) < 0) {
            (*started)++; /* it is reaped with the others */
            return e;
        }
    }
    return HM_EOK;
}

int hm_proc_fresh_tasks(hm_proc_slot *s, unsigned w, const hm_task_run *tr,
                        hm_task_starter start, void *arg, hm_result *res, hm_error *err)
{
    const unsigned n = hm_tasks_workers(w, tr->tasks);
    unsigned started = 0;
    uint64_t ignored;
    hm_task_out out;
    int *wfd = malloc(n * sizeof *wfd);
    if (!wfd)
        return hm_fail(err, HM_ENOMEM, "out of memory for %u workers", n);
    memset(s, 0, n * sizeof *s);
    for (unsigned k = 0; k < n; k++)
        s[k].rfd = wfd[k] = -1;
    int rc = start_fresh(s, wfd, n, tr, start, arg, &started, err);
    if (rc == HM_EOK)
        rc = hm_proc_run_tasks(s, wfd, n, tr, 1, &out, err);
    for (unsigned k = 0; k < n; k++) {
        if (wfd[k] >= 0)
            close(wfd[k]); /* a fresh worker leaves at the end of its task pipe */
        if (s[k].rfd >= 0)
            close(s[k].rfd);
        s[k].rfd = -1;
        if (k < started && rc < 0 && !s[k].done)
            kill(s[k].pid, SIGKILL); /* no whole result: dead, late or not to be trusted */
        if (k < started)
            hm_proc_reap(&s[k], 0);
    }
    double t_end = hm_now();
    /* Also after a sound run: a worker that ended badly after its last result fails it. */
    if (rc == HM_EOK || rc == HM_EWORKER)
        rc = hm_proc_check(s, n, tr->run, &ignored, err);
    if (rc == HM_EOK) {
        hm_task_phases(tr, &out, t_end, res);
        res->tasks = tr->tasks;
    }
    free(wfd);
    return rc;
}
