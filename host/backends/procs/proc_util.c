/* proc_util.c - pipes, reaping, messages and the fault hook of the process backends. */
#define _GNU_SOURCE /* close_range, prctl */
#include "proc_util.h"
#include "clock.h"
#include "kernel.h"
#include "numparse.h"
#include "stop.h"
#include "sysinfo.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAULT_ACCEPTED "worker=K,mode=kill|crash|hang|short|garbage|exit3[,run=R]"

/* The mode named name, or HM_FAULT_NONE. */
static enum hm_fault_mode fault_mode(const char *name)
{
    static const struct {
        const char *name;
        enum hm_fault_mode mode;
    } modes[] = {
        {"kill", HM_FAULT_KILL},   {"crash", HM_FAULT_CRASH},     {"hang", HM_FAULT_HANG},
        {"short", HM_FAULT_SHORT}, {"garbage", HM_FAULT_GARBAGE}, {"exit3", HM_FAULT_EXIT3},
    };
    enum hm_fault_mode mode = HM_FAULT_NONE;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(name, modes[i].name) == 0)
            mode = modes[i].mode;
    return mode;
}

/* One key=value of HETMC_FAULT into f (*have_worker set by worker=). Returns 0, or -1 when
 * the token is not one of the accepted ones. */
static int fault_token(hm_fault *f, const char *tok, int *have_worker)
{
    uint64_t v;
    if (strncmp(tok, "worker=", 7) == 0 && hm_parse_u64(tok + 7, &v) == 0 && v < 1u << 20) {
        f->worker = (unsigned)v;
        *have_worker = 1;
        return 0;
    }
    if (strncmp(tok, "run=", 4) == 0 && hm_parse_u64(tok + 4, &v) == 0 &&
        v < (UINT64_C(1) << 62)) {
        f->run = (int64_t)v;
        return 0;
    }
    if (strncmp(tok, "mode=", 5) == 0) {
        f->mode = fault_mode(tok + 5);
        return f->mode == HM_FAULT_NONE ? -1 : 0;
    }
    return -1;
}

int hm_fault_from_env(hm_fault *f, hm_error *err)
{
    const char *env = getenv("HETMC_FAULT");
    char buf[128];
    int have_worker = 0;

    f->mode = HM_FAULT_NONE;
    f->worker = 0;
    f->run = -1;
    if (!env || !env[0])
        return HM_EOK;
    if (strlen(env) >= sizeof buf)
        goto bad;
    strcpy(buf, env);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        if (fault_token(f, tok, &have_worker) < 0)
            goto bad;
    if (!have_worker || f->mode == HM_FAULT_NONE)
        goto bad;
    return HM_EOK;
bad:
    f->mode = HM_FAULT_NONE;
    return hm_fail(err, HM_EINVAL, "HETMC_FAULT '%s' is not a fault; accepted: " FAULT_ACCEPTED,
                   env);
}

ssize_t hm_read_full(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t hm_write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

pid_t hm_waitpid(pid_t pid, int *status, int options)
{
    pid_t r;
    do
        r = waitpid(pid, status, options);
    while (r < 0 && errno == EINTR);
    return r;
}

/* FNV-1a over the bytes before the check field. */
static uint64_t checksum(const void *p, size_t len)
{
    return hm_fnv1a(p, len);
}

void hm_proc_result_seal(hm_proc_result *m)
{
    m->magic = HM_PROC_RESULT_MAGIC;
    m->check = checksum(m, offsetof(hm_proc_result, check));
}

void hm_proc_task_seal(hm_proc_task *m)
{
    m->magic = HM_PROC_TASK_MAGIC;
    m->check = checksum(m, offsetof(hm_proc_task, check));
}

int hm_proc_task_valid(const hm_proc_task *m)
{
    return m->magic == HM_PROC_TASK_MAGIC && m->check == checksum(m, offsetof(hm_proc_task, check));
}

int hm_proc_result_valid(const hm_proc_slot *s, unsigned k, uint64_t run)
{
    const hm_proc_result *m = &s->msg;
    return s->done && m->magic == HM_PROC_RESULT_MAGIC && m->worker == k && m->run == run &&
           m->check == checksum(m, offsetof(hm_proc_result, check));
}

static int fault_applies(const hm_fault *f, unsigned worker, uint64_t run)
{
    return f && f->mode != HM_FAULT_NONE && f->worker == worker &&
           (f->run < 0 || (uint64_t)f->run == run);
}

int hm_proc_work(int fd, unsigned worker, uint64_t run, uint64_t seed, uint64_t first,
                 uint64_t count, const hm_fault *fault)
{
    hm_proc_result m;
    memset(&m, 0, sizeof m);
    m.worker = worker;
    m.run = run;
    m.start_s = hm_now();
    int faulty = fault_applies(fault, worker, run);
    if (faulty && fault->mode == HM_FAULT_HANG)
        for (;;)
            pause();
    m.hits = hm_kernel_hits(seed, first, count);
    m.end_s = hm_now();
    hm_proc_result_seal(&m);
    if (faulty) {
        switch (fault->mode) {
        case HM_FAULT_KILL:
            raise(SIGKILL);
            break;
        case HM_FAULT_CRASH:
            abort();
        case HM_FAULT_EXIT3:
            _exit(3);
        case HM_FAULT_SHORT:
            hm_write_full(fd, &m, sizeof m / 2);
            _exit(0);
        case HM_FAULT_GARBAGE:
            m.check ^= UINT64_C(0x5a5a5a5a5a5a5a5a);
            break;
        default:
            break;
        }
    }
    return hm_write_full(fd, &m, sizeof m) == (ssize_t)sizeof m ? 0 : -1;
}

void hm_proc_describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
                 hm_signal_name(WTERMSIG(status)));
    else
        snprintf(buf, len, "ended with wait status 0x%x", (unsigned)status);
}

/* Reads what a readable slot has; returns 1 when it now has a whole message or end-of-file. */
static int read_some(hm_proc_slot *sl)
{
    ssize_t got = read(sl->rfd, (char *)&sl->msg + sl->got, sizeof sl->msg - sl->got);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (got <= 0) {
        sl->eof = 1; /* end-of-file (or a read error) before a whole message */
        return 1;
    }
    sl->got += (size_t)got;
    if (sl->got == sizeof sl->msg)
        sl->done = 1;
    return sl->done;
}

/* The pipes of the slots still waiting for a result into fds (their slots into who). Returns
 * how many. */
static nfds_t pending_fds(const hm_proc_slot *s, unsigned n, struct pollfd *fds, unsigned *who)
{
    nfds_t m = 0;
    for (unsigned k = 0; k < n; k++)
        if (!s[k].done && !s[k].eof && s[k].rfd >= 0) {
            fds[m].fd = s[k].rfd;
            fds[m].events = POLLIN;
            fds[m].revents = 0;
            who[m++] = k;
        }
    return m;
}

/* Adds the stop pipe after the m pipes, so that it wakes the poll even when the signal went to
 * another thread. Returns the descriptors to watch. */
static nfds_t watch_stop(struct pollfd *fds, nfds_t m)
{
    if (hm_stop_fd() < 0)
        return m;
    fds[m].fd = hm_stop_fd();
    fds[m].events = POLLIN;
    fds[m].revents = 0;
    return m + 1;
}

/* The poll timeout in ms until deadline (-1: none when deadline <= 0). Returns -1 when the
 * deadline has passed. */
static int poll_timeout(double deadline, int *ms)
{
    *ms = -1;
    if (deadline <= 0)
        return 0;
    double left = deadline - hm_now();
    if (left <= 0)
        return -1;
    *ms = (int)ceil(left * 1000.0);
    return 0;
}

/* Reads from every pipe poll marked; returns 1 when a slot now has a message or end-of-file. */
static int read_ready(hm_proc_slot *s, const struct pollfd *fds, const unsigned *who, nfds_t m)
{
    int ended = 0;
    for (nfds_t i = 0; i < m; i++)
        if (fds[i].revents)
            ended |= read_some(&s[who[i]]);
    return ended;
}

/* Reads results until every slot with done == 0 has a message or end-of-file, or (any) until
 * at least one of them has; see hm_proc_collect. */
static int collect(hm_proc_slot *s, unsigned n, double deadline, int any)
{
    struct pollfd *fds = NULL;
    unsigned *who = NULL;
    int waiting = -1;

    fds = calloc(n + 1, sizeof *fds);
    who = calloc(n + 1, sizeof *who);
    if (!fds || !who) {
        errno = ENOMEM;
        goto cleanup;
    }
    for (;;) {
        nfds_t m = pending_fds(s, n, fds, who);
        if (m == 0) {
            waiting = 0;
            break;
        }
        if (hm_stop_signal) {
            /* A signal asked hetmc to stop: the caller kills the workers. */
            errno = EINTR;
            break;
        }
        nfds_t watched = watch_stop(fds, m);
        int ms;
        if (poll_timeout(deadline, &ms) < 0) {
            waiting = (int)m;
            break;
        }
        int r = poll(fds, watched, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        int ended = read_ready(s, fds, who, m);
        if (any && ended) {
            waiting = 0;
            break;
        }
    }
cleanup:
    free(fds);
    free(who);
    return waiting;
}

int hm_proc_collect(hm_proc_slot *s, unsigned n, double deadline)
{
    return collect(s, n, deadline, 0);
}

int hm_proc_collect_any(hm_proc_slot *s, unsigned n, double deadline)
{
    return collect(s, n, deadline, 1);
}

void hm_proc_reap(hm_proc_slot *s, double deadline)
{
    if (s->pid <= 0 || s->reaped)
        return;
    if (deadline > 0) {
        const struct timespec tick = {0, 200000}; /* 0.2 ms */
        for (;;) {
            pid_t r = hm_waitpid(s->pid, &s->status, WNOHANG);
            if (r == s->pid || r < 0) {
                s->reaped = r == s->pid;
                if (r == s->pid)
                    return;
                break;
            }
            if (hm_now() >= deadline) {
                kill(s->pid, SIGKILL);
                break;
            }
            nanosleep(&tick, NULL);
        }
    }
    if (hm_waitpid(s->pid, &s->status, 0) == s->pid)
        s->reaped = 1;
}

static void append(hm_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void append(hm_error *err, const char *fmt, ...)
{
    size_t used = strlen(err->msg);
    if (used >= sizeof err->msg - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + used, sizeof err->msg - used, fmt, ap);
    va_end(ap);
}

/* Adds to err what went wrong with worker k of n; first: it is the first bad worker, so err
 * starts afresh. */
static void explain_slot(hm_error *err, const hm_proc_slot *sl, unsigned k, unsigned n,
                         int malformed, int first)
{
    char how[96];
    if (first) {
        err->msg[0] = '\0';
        err->code = HM_EWORKER;
    }
    append(err, "%sworker %u of %u (pid %ld) ", first ? "" : "; ", k, n, (long)sl->pid);
    if (sl->reaped)
        hm_proc_describe_status(sl->status, how, sizeof how);
    else
        snprintf(how, sizeof how, "was still running");
    if (!sl->done && sl->got == 0)
        append(err, "%s before sending its result", how);
    else if (!sl->done)
        append(err, "sent a short result (%zu of %zu bytes) and %s", sl->got, sizeof sl->msg,
               how);
    else if (malformed)
        append(err, "sent a malformed result (bad magic, index, run or checksum)%s%s",
               sl->reaped ? " and " : "", sl->reaped ? how : "");
    else
        append(err, "sent its result but %s", how);
}

int hm_proc_check(hm_proc_slot *s, unsigned n, uint64_t run, uint64_t *hits, hm_error *err)
{
    uint64_t sum = 0;
    int bad = 0;
    for (unsigned k = 0; k < n; k++) {
        const hm_proc_slot *sl = &s[k];
        int malformed = sl->done && !hm_proc_result_valid(sl, k, run);
        int abnormal = sl->reaped && !(WIFEXITED(sl->status) && WEXITSTATUS(sl->status) == 0);
        if (sl->done && !malformed && !abnormal) {
            sum += sl->msg.hits;
            continue;
        }
        explain_slot(err, sl, k, n, malformed, !bad);
        bad++;
    }
    *hits = sum;
    return bad ? HM_EWORKER : HM_EOK;
}

void hm_proc_phases(const hm_proc_slot *s, unsigned n, double t0, double t_end, hm_result *res)
{
    double ready = t0, done = t0, slowest = 0;
    for (unsigned k = 0; k < n; k++) {
        if (s[k].msg.start_s > ready)
            ready = s[k].msg.start_s;
        if (s[k].msg.end_s > done)
            done = s[k].msg.end_s;
        if (s[k].msg.end_s - s[k].msg.start_s > slowest)
            slowest = s[k].msg.end_s - s[k].msg.start_s;
    }
    res->setup_s = ready - t0;
    res->compute_s = slowest;
    res->collect_s = t_end > done ? t_end - done : 0.0;
}

void hm_sigpipe_ignore(struct sigaction *old)
{
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, old);
}

void hm_sigpipe_restore(const struct sigaction *old)
{
    sigaction(SIGPIPE, old, NULL);
}

int hm_proc_bind(pid_t pid, unsigned k, unsigned bind, hm_error *err)
{
    if (bind != HM_BIND_CORES || hm_bind_pid(pid, k) == 0)
        return HM_EOK;
    return hm_fail(err, HM_ESYS, "--bind cores: pinning worker %u (pid %ld) to CPU %d: %s", k,
                   (long)pid, hm_allowed_cpu(k), strerror(errno));
}

int hm_proc_child_init(pid_t parent)
{
    /* The death signal is armed first and the parent checked after: a parent that died
     * between fork() and prctl() left a child that the signal would never reach. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        return -1;
    /* A terminal or a batch system signals the whole process group; the parent alone decides
     * (and kills its workers when it stops), so no worker dies of it and fails a run. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    return 0;
}

void hm_proc_close_fds_except(int keep_a, int keep_b)
{
    /* A forked worker inherits every descriptor of the parent, among them the write ends of
     * other workers' pipes (of this backend or of another one still prepared, such as a second
     * pool); holding one would keep that worker from ever seeing end-of-file. */
    int lo = keep_a < keep_b ? keep_a : keep_b, hi = keep_a < keep_b ? keep_b : keep_a;
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0u, 0);
}

void hm_proc_late_names(const hm_proc_slot *s, unsigned w, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned k = 0; k < w && used < len; k++)
        if (!s[k].done && !s[k].eof)
            used += (size_t)snprintf(buf + used, len - used, "%s%u", used ? ", " : "", k);
}

int hm_proc_wait_error(const hm_proc_slot *s, unsigned w, int waiting, int saved_errno,
                       double timeout_s, hm_error *err)
{
    char names[256];
    hm_proc_late_names(s, w, names, sizeof names);
    if (waiting > 0)
        return hm_fail(err, HM_ETIMEOUT,
                       "run timed out after %g s; worker%s %s of %u still running, killed with "
                       "SIGKILL and reaped",
                       timeout_s, waiting > 1 ? "s" : "", names, w);
    if (saved_errno == EINTR)
        return hm_fail(err, HM_EINTR, "interrupted by %s; worker%s %s of %u still running, "
                       "killed with SIGKILL and reaped", hm_signal_name(hm_stop_signal),
                       strchr(names, ',') ? "s" : "", names[0] ? names : "none", w);
    return hm_fail(err, HM_ESYS, "poll on the result pipes: %s", strerror(saved_errno));
}

int hm_proc_finish(hm_proc_slot *s, unsigned w, unsigned started, int rc, uint64_t run,
                   double t0, double deadline, double timeout_s, hm_result *res, hm_error *err)
{
    if (rc < 0)
        goto cleanup;
    int waiting = hm_proc_collect(s, w, deadline);
    if (waiting != 0) {
        /* Timed out, stopped by a signal (or poll failed): no child may outlive the run. */
        rc = hm_proc_wait_error(s, w, waiting, errno, timeout_s, err);
        for (unsigned k = 0; k < w; k++)
            if (!s[k].done && !s[k].eof)
                kill(s[k].pid, SIGKILL);
        goto cleanup;
    }
    for (unsigned k = 0; k < w; k++) {
        close(s[k].rfd);
        s[k].rfd = -1;
        hm_proc_reap(&s[k], deadline);
    }
    double t_end = hm_now();
    if ((rc = hm_proc_check(s, w, run, &res->hits, err)) < 0)
        goto cleanup;
    hm_proc_phases(s, w, t0, t_end, res);

cleanup:
    /* Every child started is reaped on every path; SIGKILL first when the run failed. */
    for (unsigned k = 0; k < started; k++) {
        if (s[k].rfd >= 0) {
            close(s[k].rfd);
            s[k].rfd = -1;
        }
        if (!s[k].reaped && rc < 0)
            kill(s[k].pid, SIGKILL);
        hm_proc_reap(&s[k], 0);
    }
    return rc;
}
