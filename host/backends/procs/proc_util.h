/*
 * proc_util.h - what the process backends (fork, forkserver, pool, spawn) share: full reads
 * and writes, reaping, the result and task messages with a magic and a checksum, the fault
 * hook, and the parent's collection of results under a deadline.
 *
 * Messages are fixed-size structs written in one piece over a pipe. A message whose size,
 * magic, worker index, run number or checksum is wrong is "malformed"; fewer bytes than its
 * size before end-of-file is "short". Both fail the run, naming the worker.
 *
 * Fault hook, for tests (read by the worker side; worker indices are 0-based):
 *   HETMC_FAULT="worker=K,mode=M[,run=R]"
 *   M is kill (raise SIGKILL), crash (abort: SIGABRT), hang (sleep until the time limit),
 *   short (write half a result, exit 0), garbage (a result with a bad checksum), exit3
 *   (_exit(3) with no result). R limits the fault to the R-th run() of the prepared backend
 *   (0 = the CLI's untimed warm-up; with --min-time 0, which makes every repetition one call,
 *   1 = the first timed repetition, ...); without it every run faults.
 */
#ifndef HETMC_PROC_UTIL_H
#define HETMC_PROC_UTIL_H

#include "hetmc.h"

#include <sys/types.h>

#define HM_PROC_RESULT_MAGIC 0x684d5231u /* "hMR1" */
#define HM_PROC_TASK_MAGIC 0x684d5431u   /* "hMT1" */

/* The hidden subcommand that runs one spawn worker: not listed in --help. */
#define HM_WORKER_COMMAND "__worker"

typedef struct hm_proc_result {
    uint32_t magic;
    uint32_t worker;
    uint64_t run;
    uint64_t hits;
    double start_s, end_s; /* CLOCK_MONOTONIC (system-wide on Linux) around the compute */
    uint64_t check;
} hm_proc_result;

typedef struct hm_proc_task {
    uint32_t magic;
    uint32_t worker;
    uint64_t run;
    uint64_t seed, first, count;
    uint64_t check;
} hm_proc_task;

enum hm_fault_mode {
    HM_FAULT_NONE,
    HM_FAULT_KILL,
    HM_FAULT_CRASH,
    HM_FAULT_HANG,
    HM_FAULT_SHORT,
    HM_FAULT_GARBAGE,
    HM_FAULT_EXIT3
};

typedef struct hm_fault {
    enum hm_fault_mode mode;
    unsigned worker;
    int64_t run; /* -1: every run */
} hm_fault;

/* Reads HETMC_FAULT. Returns 0 (mode NONE when unset) or HM_EINVAL with a message. */
int hm_fault_from_env(hm_fault *f, hm_error *err);

/* Loops over short reads and writes and EINTR. Return the bytes moved (read: fewer than len
 * only at end-of-file), or -1 with errno set. */
ssize_t hm_read_full(int fd, void *buf, size_t len);
ssize_t hm_write_full(int fd, const void *buf, size_t len);

/* waitpid retried on EINTR. */
pid_t hm_waitpid(pid_t pid, int *status, int options);

/* Checksums and checks of the two messages. */
void hm_proc_result_seal(hm_proc_result *m);
void hm_proc_task_seal(hm_proc_task *m);
int hm_proc_task_valid(const hm_proc_task *m);

/* The worker side: computes hits of [first, first + count), applies the fault hook, writes
 * the result to fd. Returns 0, or -1 when the write failed. May not return (faults). Safe in
 * a forked child of a threaded process: no allocation, no stdio. */
int hm_proc_work(int fd, unsigned worker, uint64_t run, uint64_t seed, uint64_t first,
                 uint64_t count, const hm_fault *fault);

/* "exited with status 3", "was killed by signal 9 (SIGKILL)". */
void hm_proc_describe_status(int status, char *buf, size_t len);

/* One worker as the parent sees it during a run. */
typedef struct hm_proc_slot {
    pid_t pid;          /* 0 when none */
    int rfd;            /* parent's read end of the result pipe; -1 when closed */
    size_t got;         /* bytes of msg received */
    int eof;            /* end-of-file seen before a whole message */
    int done;           /* a whole message received */
    int reaped;         /* waitpid collected it */
    int status;         /* its wait status once reaped */
    hm_proc_result msg;
} hm_proc_slot;

/* 1 when slot s holds a whole, well-formed result of worker k in run `run`. */
int hm_proc_result_valid(const hm_proc_slot *s, unsigned k, uint64_t run);

/* Reads one result message from each slot with done == 0 until all have a message or
 * end-of-file, or until `deadline` (hm_now() seconds; 0 = none). Does not close fds.
 * Returns the number of slots still waiting at the deadline (0 normally), or -1 with errno:
 * EINTR when a signal asked hetmc to stop (stop.h), which it sees at once through the stop
 * pipe. */
int hm_proc_collect(hm_proc_slot *s, unsigned n, double deadline);
/* The same, returning as soon as one slot has a whole message or end-of-file (0), or at the
 * deadline (the number still waiting), or -1 with errno. */
int hm_proc_collect_any(hm_proc_slot *s, unsigned n, double deadline);

/* The error of a collect that did not get every result (waiting and saved_errno from
 * hm_proc_collect): HM_ETIMEOUT naming the late workers, HM_EINTR for a stop, HM_ESYS. */
int hm_proc_wait_error(const hm_proc_slot *s, unsigned w, int waiting, int saved_errno,
                       double timeout_s, hm_error *err);

/* Writes "0, 3" into buf: the workers still running (no whole result, no end-of-file). */
void hm_proc_late_names(const hm_proc_slot *s, unsigned w, char *buf, size_t len);

/* The end of a run of fresh workers (fork, spawn): with rc >= 0, collects the results under the
 * deadline (killing and naming workers still running past it), reaps, checks the messages and
 * fills res; on every path, every one of the `started` children is reaped (killed first when
 * the run failed). Returns rc or the first failure. */
int hm_proc_finish(hm_proc_slot *s, unsigned w, unsigned started, int rc, uint64_t run,
                   double t0, double deadline, double timeout_s, hm_result *res, hm_error *err);

/* First thing in a new worker process (right after fork(), or at the start of a spawned
 * worker): it dies with its parent (PR_SET_PDEATHSIG SIGKILL, then getppid() checked against
 * `parent`, because a parent that died before the prctl left a child the signal never reaches)
 * and ignores SIGINT, SIGTERM and SIGHUP, which a terminal (Ctrl-C) or a batch system send to
 * the whole process group: the parent alone decides, and kills its workers when it stops
 * (stop.h). SIGPIPE is back to its default. Returns 0, or -1 when the parent is already gone
 * (the caller leaves with _exit). The death signal follows the parent *thread* that forked:
 * workers meant to outlive a run must be forked by a thread that lives as long. */
int hm_proc_child_init(pid_t parent);

/* With bind HM_BIND_CORES, pins worker k (just started as pid) to the k-th allowed CPU
 * (sysinfo.h). Returns HM_EOK, or HM_ESYS naming the worker and the CPU. */
int hm_proc_bind(pid_t pid, unsigned k, unsigned bind, hm_error *err);

/* In a forked child: closes every descriptor from 3 up except keep_a and keep_b. */
void hm_proc_close_fds_except(int keep_a, int keep_b);

/* Reaps slot's pid: blocking when deadline is 0, else until the deadline, after which the
 * process is sent SIGKILL and reaped. Sets reaped/status. */
void hm_proc_reap(hm_proc_slot *s, double deadline);

/* After collect + reap, checks every slot's message for (run, worker k) and appends a
 * sentence per failed worker to err ("worker 1 of 2 (pid 123) was killed by signal 9
 * (SIGKILL) before sending its result"). Returns 0 when all are good, else HM_EWORKER. The
 * sum of hits goes to *hits. */
int hm_proc_check(hm_proc_slot *s, unsigned n, uint64_t run, uint64_t *hits, hm_error *err);

/* Fills setup/compute/collect from the messages: t0 the run's start, t_end when all results
 * were read and all children reaped. */
void hm_proc_phases(const hm_proc_slot *s, unsigned n, double t0, double t_end,
                    hm_result *res);

/* Sets SIGPIPE to ignored, saving the old action; restores it. */
struct sigaction;
void hm_sigpipe_ignore(struct sigaction *old);
void hm_sigpipe_restore(const struct sigaction *old);

/* `hetmc __worker ...`, the spawn backend's worker. */
int hm_cmd_worker(int argc, char **argv);

#endif /* HETMC_PROC_UTIL_H */
