/*
 * spawn.c - posix_spawn of a fresh worker process per worker per run (Python's "spawn"
 * start method in the lesson, docs/DESIGN.md): the worker is the hetmc binary itself in a
 * hidden mode,
 *   hetmc __worker --fd K --worker k --run R --seed S --first A --count N --parent P
 * which dies with its parent P (hm_proc_child_init), computes its slice, writes one result
 * message to fd K and leaves with _exit (under --tasks T, `hetmc __worker --fd K --task-fd J
 * --worker k --parent P` instead serves the run's tasks from fd J until it ends:
 * proc_tasks.h). The
 * parent keeps the read end of each pipe (every pipe is close-on-exec; the file actions dup the
 * write end onto fd K in the child), polls them under the --timeout deadline, and reaps every
 * child with waitpid.
 *
 * Phases: setup_s runs from the start of run() to the latest worker's start of compute, so it
 * holds posix_spawn, exec, the dynamic loader and hetmc's start-up; compute_s is the slowest
 * worker's compute; collect_s runs from the last worker's finish to every result read and every
 * child reaped.
 */
#define _GNU_SOURCE /* pipe2 */
#include "proc_tasks.h"
#include "clock.h"
#include "numparse.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

struct hm_ctx {
    unsigned workers, bind;
    unsigned tasks; /* --tasks; 0: one slice per worker */
    double timeout_s;
    uint64_t runs;
    char *exe;
    hm_proc_slot *slots;
};

static void spawn_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->exe);
    free(ctx->slots);
    free(ctx);
}

static int spawn_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    hm_fault fault;
    int rc;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "spawn needs at least 1 worker");
    if (!cfg->self_exe || access(cfg->self_exe, X_OK) != 0)
        return hm_fail(err, HM_EUNAVAIL, "spawn needs the hetmc binary to start as its worker "
                       "('%s' is not executable; tests set HETMC_EXE)",
                       cfg->self_exe ? cfg->self_exe : "(unknown)");
    /* The workers read HETMC_FAULT themselves; a malformed one is rejected here. */
    if ((rc = hm_fault_from_env(&fault, err)) < 0)
        return rc;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx || !(ctx->slots = calloc(cfg->workers, sizeof *ctx->slots)) ||
        !(ctx->exe = strdup(cfg->self_exe))) {
        spawn_release(ctx);
        return hm_fail(err, HM_ENOMEM, "spawn: out of memory for %u workers", cfg->workers);
    }
    ctx->workers = cfg->workers;
    ctx->bind = cfg->bind;
    ctx->tasks = cfg->tasks;
    ctx->timeout_s = cfg->timeout_s;
    *out = ctx;
    return HM_EOK;
}

/* posix_spawn of argv with wfd on fd `target` (and, when tfd >= 0, tfd on `ttarget`), and
 * SIGINT, SIGTERM and SIGHUP blocked until the worker ignores them (hm_proc_child_init): a
 * Ctrl-C to the process group in between would otherwise kill it. Returns its pid or -errno. */
static pid_t spawn_worker(const char *exe, char **argv, int wfd, int target, int tfd,
                          int ttarget)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t mask;
    pid_t pid = 0;
    int e = posix_spawn_file_actions_init(&fa);
    if (e != 0)
        return -e;
    if ((e = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -e;
    }
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    /* dup2 onto another number clears close-on-exec on the copy only. */
    e = posix_spawn_file_actions_adddup2(&fa, wfd, target);
    if (e == 0 && tfd >= 0)
        e = posix_spawn_file_actions_adddup2(&fa, tfd, ttarget);
    if (e == 0)
        e = posix_spawnattr_setsigmask(&attr, &mask);
    if (e == 0)
        e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    if (e == 0)
        e = posix_spawn(&pid, exe, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return e ? -e : pid;
}

/* Starts worker k writing to wfd; returns its pid or -errno. */
static pid_t start(hm_ctx *ctx, unsigned k, int wfd, uint64_t run, uint64_t seed, uint64_t a,
                   uint64_t n)
{
    char fd_s[16], k_s[16], run_s[24], seed_s[24], a_s[24], n_s[24], parent_s[24];
    int target = wfd == 3 ? 4 : 3;
    snprintf(fd_s, sizeof fd_s, "%d", target);
    snprintf(k_s, sizeof k_s, "%u", k);
    snprintf(run_s, sizeof run_s, "%llu", (unsigned long long)run);
    snprintf(seed_s, sizeof seed_s, "%llu", (unsigned long long)seed);
    snprintf(a_s, sizeof a_s, "%llu", (unsigned long long)a);
    snprintf(n_s, sizeof n_s, "%llu", (unsigned long long)n);
    snprintf(parent_s, sizeof parent_s, "%ld", (long)getpid());
    char *argv[] = {ctx->exe, HM_WORKER_COMMAND, "--fd", fd_s, "--worker", k_s, "--run", run_s,
                    "--seed", seed_s, "--first", a_s, "--count", n_s, "--parent", parent_s,
                    NULL};
    return spawn_worker(ctx->exe, argv, wfd, target, -1, -1);
}

/* --tasks: `hetmc __worker --fd R --task-fd T --worker k --parent P`, serving tasks until fd T
 * ends. The two descriptors land on the lowest numbers from 3 up that neither of them holds
 * now, so neither dup2 overwrites the other's source. */
static pid_t start_task_worker(void *arg, unsigned k, int tfd, int rfd)
{
    const hm_ctx *ctx = arg;
    int to[2], m = 0;
    for (int fd = 3; m < 2; fd++)
        if (fd != tfd && fd != rfd)
            to[m++] = fd;
    char rfd_s[16], tfd_s[16], k_s[16], parent_s[24];
    snprintf(rfd_s, sizeof rfd_s, "%d", to[0]);
    snprintf(tfd_s, sizeof tfd_s, "%d", to[1]);
    snprintf(k_s, sizeof k_s, "%u", k);
    snprintf(parent_s, sizeof parent_s, "%ld", (long)getpid());
    char *argv[] = {ctx->exe, HM_WORKER_COMMAND, "--fd", rfd_s, "--task-fd", tfd_s, "--worker",
                    k_s, "--parent", parent_s, NULL};
    return spawn_worker(ctx->exe, argv, rfd, to[0], tfd, to[1]);
}

static int spawn_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count,
                     hm_result *res, hm_error *err)
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
    memset(s, 0, w * sizeof *s);
    for (unsigned k = 0; k < w; k++)
        s[k].rfd = -1;
    for (; started < w; started++) {
        unsigned k = started;
        int p[2];
        uint64_t a, n;
        if (pipe2(p, O_CLOEXEC) != 0) {
            rc = hm_fail(err, HM_ESYS, "pipe for worker %u: %s", k, strerror(errno));
            goto cleanup;
        }
        hm_slice(first, count, w, k, &a, &n);
        pid_t pid = start(ctx, k, p[1], run, seed, a, n);
        close(p[1]);
        if (pid < 0) {
            close(p[0]);
            rc = hm_fail(err, HM_ESYS, "posix_spawn of '%s' for worker %u of %u: %s",
                         ctx->exe, k, w, strerror((int)-pid));
            goto cleanup;
        }
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

const hm_backend hm_backend_spawn = {
    .name = "spawn",
    .family = "procs",
    .summary = "posix_spawn of a fresh hetmc worker process per run, counts over pipes",
    .uses = HM_USES_TIMEOUT | HM_USES_BIND | HM_USES_TASKS,
    .prepare = spawn_prepare,
    .run = spawn_run,
    .release = spawn_release,
};

/* The worker's arguments, each followed by a number. */
enum { FD, WORKER, PARENT, RUN, SEED, FIRST, COUNT, TASK_FD, NARGS };
static const char *const worker_args[NARGS] = {"--fd",   "--worker", "--parent", "--run",
                                               "--seed", "--first",  "--count",  "--task-fd"};

/* The index of name in worker_args, or NARGS. */
static size_t worker_arg(const char *name)
{
    size_t j = 0;
    while (j < NARGS && strcmp(name, worker_args[j]) != 0)
        j++;
    return j;
}

/* Reads every name-value pair into v, marking it in have. Returns -1, said on stderr, on a
 * name not known or a value not a number. */
static int read_worker_args(int argc, char **argv, uint64_t *v, int *have)
{
    for (int i = 1; i < argc; i += 2) {
        size_t j = worker_arg(argv[i]);
        if (j == NARGS || i + 1 >= argc || hm_parse_u64(argv[i + 1], &v[j]) != 0) {
            fprintf(stderr, "hetmc " HM_WORKER_COMMAND ": bad argument '%s'; accepted: --fd K "
                    "--worker k --parent P, then --run R --seed S --first A --count N or "
                    "--task-fd J\n", argv[i]);
            return -1;
        }
        have[j] = 1;
    }
    return 0;
}

/* Without --task-fd the slice is on the command line; with it, it comes as tasks. Returns -1,
 * said on stderr, when an argument needed is missing. */
static int check_worker_required(const int *have)
{
    for (size_t j = 0; j < (have[TASK_FD] ? (size_t)RUN : (size_t)TASK_FD); j++)
        if (!have[j]) {
            fprintf(stderr, "hetmc " HM_WORKER_COMMAND ": %s is required\n", worker_args[j]);
            return -1;
        }
    return 0;
}

/* Returns -1, said on stderr, when a value is past what it may be. */
static int check_worker_range(const uint64_t *v, const int *have)
{
    if (v[FD] > 1024 || v[WORKER] > UINT32_MAX || (have[COUNT] && v[COUNT] > HM_MAX_SAMPLES) ||
        v[PARENT] > INT32_MAX || (have[TASK_FD] && (v[TASK_FD] > 1024 || v[TASK_FD] == v[FD]))) {
        fprintf(stderr, "hetmc " HM_WORKER_COMMAND ": argument out of range\n");
        return -1;
    }
    return 0;
}

/* The worker side: `hetmc __worker --fd K --worker k --parent P --run R --seed S --first A
 * --count N`, or `... --task-fd J` instead of --run to --count under --tasks. Not for people: a
 * bad argument exits 2 with one line on stderr. */
int hm_cmd_worker(int argc, char **argv)
{
    uint64_t v[NARGS];
    int have[NARGS] = {0};
    hm_error err = {0};
    hm_fault fault;

    if (read_worker_args(argc, argv, v, have) < 0 || check_worker_required(have) < 0 ||
        check_worker_range(v, have) < 0)
        _exit(2);
    if (hm_proc_child_init((pid_t)v[PARENT]) != 0)
        _exit(6); /* the parent is already gone */
    if (hm_fault_from_env(&fault, &err) < 0) {
        fprintf(stderr, "hetmc " HM_WORKER_COMMAND ": %s\n", err.msg);
        _exit(2);
    }
    if (have[TASK_FD])
        hm_proc_serve_tasks((int)v[TASK_FD], (int)v[FD], (unsigned)v[WORKER], &fault);
    int bad = hm_proc_work((int)v[FD], (unsigned)v[WORKER], v[RUN], v[SEED], v[FIRST], v[COUNT],
                           &fault);
    _exit(bad ? 1 : 0);
}
