/*
 * test_procs.c - faults of the process backends (fork, pool, spawn), in process: for every
 * fault mode of the hook (proc_util.h), a run fails with HM_EWORKER or HM_ETIMEOUT and a message
 * that names the worker and its exit status or signal, and afterwards this process has no child
 * left, neither running nor a zombie (checked in /proc: no process whose parent is this one).
 * Faults limited to run 0 show that the next run of the same prepared backend counts exactly
 * (the pool replaces its dead worker). forkserver's workers are children of its server: they
 * are counted too, and the server itself (which lives as long as this process) is not; its
 * loss fails a run clearly and the next prepare starts a new one.
 *
 *   test_procs BACKEND [--tasks]   (spawn needs HETMC_EXE, the hetmc binary; --tasks runs the
 *                                   same faults with runs split into 5 tasks for 3 workers)
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "forkserver.h"
#include "kernel.h"
#include "runner.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned g_tasks; /* --tasks: runs split into this many tasks */

/* Children of this process, from /proc/<pid>/stat ("pid (comm) state ppid ..."), and of the
 * fork server's (its workers); the server itself is not counted. */
static int children(void)
{
    pid_t server = hm_forkserver_pid();
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char path[300], buf[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
        char state;
        long ppid;
        if (p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && atol(e->d_name) != server &&
            (ppid == (long)getpid() || (server > 0 && ppid == (long)server))) {
            fprintf(stderr, "  left over: pid %s state %c\n", e->d_name, state);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void fault(const hm_backend *b, const char *mode, const char *expect_a,
                  const char *expect_b, int expect_rc)
{
    char env[96];
    snprintf(env, sizeof env, "worker=1,mode=%s,run=0", mode);
    setenv("HETMC_FAULT", env, 1);
    hm_config cfg = {.workers = 3, .timeout_s = 1, .self_exe = getenv("HETMC_EXE"),
                     .tasks = g_tasks};
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_result res;
    int rc = hm_runner_open(b, &cfg, &r, &err);
    CHECK(rc == 0);
    if (rc < 0) {
        fprintf(stderr, "%s: prepare failed: %s\n", b->name, err.msg);
        unsetenv("HETMC_FAULT");
        return;
    }
    rc = hm_runner_count(r, 42, 0, 1000003, &res, NULL, &err);
    printf("%s %s: rc %d, \"%s\"\n", b->name, mode, rc, err.msg);
    CHECK(rc == expect_rc);
    CHECK(strstr(err.msg, expect_a) != NULL);
    CHECK(strstr(err.msg, expect_b) != NULL);

    /* Run 1 has no fault: the same prepared backend counts exactly again. */
    err.msg[0] = '\0';
    rc = hm_runner_count(r, 42, 0, 1000003, &res, NULL, &err);
    CHECK(rc == 0);
    if (rc < 0)
        fprintf(stderr, "%s %s: the run after the fault failed: %s\n", b->name, mode, err.msg);
    else
        CHECK_EQ_U64(res.hits, hm_kernel_hits(42, 0, 1000003), "%s after %s", b->name, mode);
    hm_runner_close(r);
    unsetenv("HETMC_FAULT");
    int left = children();
    CHECK(left == 0);
    if (left != 0)
        fprintf(stderr, "%s %s: %d child process(es) left after release\n", b->name, mode, left);
}

/* forkserver: a server killed between runs fails the next run with a message that says so,
 * takes its workers along, and the next prepare starts a new server that counts exactly. */
static void server_lost(const hm_backend *b)
{
    hm_config cfg = {.workers = 2, .tasks = g_tasks};
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_result res;
    CHECK(hm_runner_open(b, &cfg, &r, &err) == 0);
    if (!r)
        return;
    pid_t old = hm_forkserver_pid();
    CHECK(old > 0);
    kill(old, SIGKILL);
    int rc = hm_runner_count(r, 42, 0, 100003, &res, NULL, &err);
    printf("%s after its server was killed: rc %d, \"%s\"\n", b->name, rc, err.msg);
    CHECK(rc == HM_ESYS);
    CHECK(strstr(err.msg, "server") != NULL);
    hm_runner_close(r);
    CHECK(hm_runner_open(b, &cfg, &r, &err) == 0);
    if (!r)
        return;
    CHECK(hm_forkserver_pid() > 0 && hm_forkserver_pid() != old);
    CHECK(hm_runner_count(r, 42, 0, 100003, &res, NULL, &err) == 0);
    CHECK_EQ_U64(res.hits, hm_kernel_hits(42, 0, 100003), "%s with a new server", b->name);
    hm_runner_close(r);
    CHECK(children() == 0);
}

/* The "Threads:" line of /proc/PID/status; -1 when unreadable. */
static int threads_of(pid_t pid)
{
    char path[64], line[256];
    int n = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

static void *idle_thread(void *arg)
{
    char c;
    return read(*(int *)arg, &c, 1) < 0 ? NULL : NULL; /* until the pipe ends */
}

/* forkserver once this process runs threads: the server started before them stays
 * single-threaded and counts exactly; a new server refuses to start (a fork of a threaded
 * process is what it exists to avoid) and says why. */
static void threaded(const hm_backend *b)
{
    hm_config cfg = {.workers = 2, .tasks = g_tasks};
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_result res;
    int p[2];
    pthread_t t;
    CHECK(hm_forkserver_start(&err) == 0);
    CHECK(pipe(p) == 0 && pthread_create(&t, NULL, idle_thread, &p[0]) == 0);
    CHECK(threads_of(getpid()) >= 2);
    CHECK(threads_of(hm_forkserver_pid()) == 1);
    CHECK(hm_runner_open(b, &cfg, &r, &err) == 0);
    if (r) {
        CHECK(hm_runner_count(r, 42, 0, 100003, &res, NULL, &err) == 0);
        CHECK_EQ_U64(res.hits, hm_kernel_hits(42, 0, 100003), "%s beside a thread", b->name);
        hm_runner_close(r);
    }
    hm_forkserver_stop();
    err.msg[0] = '\0';
    CHECK(hm_forkserver_start(&err) == HM_EUNAVAIL);
    CHECK(strstr(err.msg, "threads") != NULL);
    printf("%s started while threaded: \"%s\"\n", b->name, err.msg);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    CHECK(hm_forkserver_start(&err) == 0); /* single-threaded again */
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--tasks") != 0)) {
        fprintf(stderr, "usage: test_procs BACKEND [--tasks]\n");
        return 2;
    }
    g_tasks = argc == 3 ? 5 : 0;
    const hm_backend *b = hm_backend_find(argv[1]);
    if (!b) {
        fprintf(stderr, "backend %s is not in this build\n", argv[1]);
        return 1;
    }
    CHECK(children() == 0);
    fault(b, "kill", "worker 1 of 3", "signal 9 (SIGKILL)", HM_EWORKER);
    fault(b, "crash", "worker 1 of 3", "signal 6 (SIGABRT)", HM_EWORKER);
    fault(b, "exit3", "worker 1 of 3", "exited with status 3", HM_EWORKER);
    fault(b, "short", "worker 1 of 3", "short result (24 of 48 bytes)", HM_EWORKER);
    fault(b, "garbage", "worker 1 of 3", "malformed result", HM_EWORKER);
    fault(b, "hang", "worker 1 of 3 still running", "timed out after 1 s", HM_ETIMEOUT);

    /* A malformed hook is refused at prepare, not ignored. */
    setenv("HETMC_FAULT", "worker=1,mode=explode", 1);
    hm_config cfg = {.workers = 2, .self_exe = getenv("HETMC_EXE")};
    hm_runner *r = NULL;
    hm_error err = {0};
    CHECK(hm_runner_open(b, &cfg, &r, &err) == HM_EINVAL);
    CHECK(strstr(err.msg, "HETMC_FAULT") != NULL);
    unsetenv("HETMC_FAULT");
    CHECK(children() == 0);
    if (strcmp(b->name, "forkserver") == 0) {
        server_lost(b);
        threaded(b);
    }
    return check_report(b->name);
}
