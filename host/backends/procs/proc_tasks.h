/*
 * proc_tasks.h - a run split into tasks and handed out to worker processes, the way Python's
 * Pool.starmap hands batches to its workers: the samples [first, first + count) become T
 * contiguous tasks (hm_slice), each worker holds one task at a time on its own task pipe, and
 * the next task goes to whichever worker answers first. pool and forkserver run every run this
 * way (T = the worker count unless --tasks says otherwise); fork and spawn do under --tasks.
 *
 * Every task is answered by one hm_proc_result on the worker's result pipe; its hits are summed
 * in any order, so the count is exactly serial's for any T, worker count and N (T > N gives
 * empty tasks, which count 0).
 *
 * Phases of a run in tasks: setup_s from the start of run() to the latest worker's start of
 * its first task; compute_s the busiest worker's summed compute; collect_s from the last
 * task's end to the end of the run. The time workers wait between tasks (a task's trip through
 * the pipes) is in wall_s but in no phase: with T tasks, wall_s - setup_s - compute_s -
 * collect_s is the per-task overhead.
 */
#ifndef HETMC_PROC_TASKS_H
#define HETMC_PROC_TASKS_H

#include "proc_util.h"

/* One run in tasks. */
typedef struct hm_task_run {
    uint64_t run, seed, first, count;
    unsigned tasks;   /* T >= 1 */
    double t0;        /* hm_now() at the start of run() */
    double deadline;  /* hm_now() seconds past which the run times out; 0: none */
    double timeout_s; /* for the message */
    unsigned bind;    /* fresh workers (hm_proc_fresh_tasks): pinned as hm_proc_bind says */
} hm_task_run;

/* What the workers answered. */
typedef struct hm_task_out {
    uint64_t hits;
    unsigned answered; /* tasks answered with a sound result */
    double first_start, last_end, busiest; /* the phases' raw times */
} hm_task_out;

/* The worker side: reads tasks from tfd until end-of-file (then _exit(0)) and answers each on
 * rfd with hm_proc_work (which applies the fault hook). A bad task exits 4, a failed write 5.
 * Safe in a forked child of a threaded process: no allocation, no stdio. */
void hm_proc_serve_tasks(int tfd, int rfd, unsigned k, const hm_fault *fault)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* How many workers a run uses: all w, or only T when there are fewer tasks than workers. */
unsigned hm_tasks_workers(unsigned w, unsigned tasks);

/* Hands the tasks of tr out to workers 0..n-1 (s[k].rfd their result pipes, wfd[k] their task
 * pipes; every slot's state is reset here). With close_when_done, a worker's task pipe is
 * closed (wfd[k] = -1) once no task is left for it, so a fresh worker exits. Returns:
 *   HM_EOK      every task answered; out filled;
 *   HM_EWORKER  a worker sent no sound result (died, short, malformed): no new task is handed
 *               out, the others finish theirs, and the slots say what happened (hm_proc_check
 *               over slots 0..n-1 writes the message); err is left to the caller;
 *   HM_ETIMEOUT the deadline passed, or HM_EINTR a signal asked hetmc to stop (stop.h): err
 *               names the workers still running (their slots have neither done nor eof
 *               set), which the caller kills;
 *   HM_ESYS     poll failed (err says so). */
int hm_proc_run_tasks(hm_proc_slot *s, int *wfd, unsigned n, const hm_task_run *tr,
                      int close_when_done, hm_task_out *out, hm_error *err);

/* setup_s, compute_s and collect_s of a run in tasks (see above); t_end ends the run. */
void hm_task_phases(const hm_task_run *tr, const hm_task_out *out, double t_end,
                    hm_result *res);

/* A worker's task pipe tp and result pipe rp, both close-on-exec (no exec'd process, such as
 * an MPI daemon or a spawned worker, may hold them). Returns 0, or -errno with none left open. */
int hm_proc_task_pipes(int tp[2], int rp[2]);

/* Starts fresh worker k reading tasks from tfd and answering on rfd (the child's ends, both
 * close-on-exec; the caller closes its copies). Returns the pid, or -errno. */
typedef pid_t (*hm_task_starter)(void *arg, unsigned k, int tfd, int rfd);

/* A whole run in tasks on fresh children of this process (fork and spawn under --tasks): starts
 * hm_tasks_workers(w, T) workers with start, hands the tasks out, ends every task pipe, kills
 * (on failure) and reaps every child, and fills res (hits, phases, tasks) or err. Returns
 * HM_EOK or the first failure. s holds at least w slots. */
int hm_proc_fresh_tasks(hm_proc_slot *s, unsigned w, const hm_task_run *tr,
                        hm_task_starter start, void *arg, hm_result *res, hm_error *err);

#endif /* HETMC_PROC_TASKS_H */
