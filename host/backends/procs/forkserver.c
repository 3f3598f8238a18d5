/*
 * forkserver.c - Python's "forkserver" start method (the lesson, docs/DESIGN.md): a small
 * single-threaded server process, forked from hetmc before anything creates threads (OpenMP's
 * team, PoCL's, MPI's), forks each worker on request. Workers are so forked from a clean,
 * single-threaded process even after OpenCL started its threads, and each fork copies a small
 * process rather than the whole benchmark.
 *
 * The server talks to hetmc over a SOCK_SEQPACKET socket pair, one fixed-size message each way:
 *   hetmc -> server  FORK k    fork worker k; its task-pipe read end and result-pipe write end
 *                              ride along (SCM_RIGHTS), and so does the fault hook
 *                    KILL pid  SIGKILL to a worker of the server's that is still unreaped
 *   server -> hetmc  READY once; STARTED k pid, or FAILED k errno; EXITED pid wait-status
 * Every FORK carries a ticket, unique in this process, that the server repeats in what it says
 * about that worker, so a late message about a worker of an earlier run (one that failed before
 * its workers were all accounted for) is never taken for one of this run. The server reaps its
 * workers (signalfd on SIGCHLD) and reports each wait status, so hetmc names a crashed worker
 * exactly as it does for fork. Server and workers start with hm_proc_child_init: they ignore
 * SIGINT, SIGTERM and SIGHUP (hetmc decides what a signal means) and die with their parent
 * (PR_SET_PDEATHSIG with the getppid race checked); the server also leaves as soon as hetmc
 * closes its end of the socket, killing any worker still running. --bind cores pins worker k,
 * once the server has forked it, to the k-th allowed CPU.
 *
 * A run asks the server for fresh workers (as fork makes fresh children) and hands them the
 * run's tasks over their task pipes (proc_tasks.h: one per worker, or T with --tasks); a
 * worker leaves when its task pipe ends. --timeout: past it, the workers still running are
 * killed (KILL) and the run fails.
 *
 * Phases: setup_s runs from the start of run() (the first request) to the latest worker's
 * start of compute: the requests, the server's fork() and the first task's trip; compute_s is
 * the busiest worker's compute; collect_s runs from the last finish to every worker reported
 * reaped. create_s is the server's one-time start (fork until READY), on every row.
 */
#define _GNU_SOURCE /* pipe2, signalfd, MSG_CMSG_CLOEXEC */
#include "forkserver.h"

#include "clock.h"
#include "proc_tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define FS_MAGIC 0x684d4631u /* "hMF1" */
#define FS_START_LIMIT_S 30.0 /* the server answers READY within this, or it failed */

enum fs_kind { FS_FORK = 1, FS_KILL, FS_READY, FS_STARTED, FS_FAILED, FS_EXITED };

typedef struct fs_msg {
    uint32_t magic, kind, worker;
    int32_t pid, value; /* value: FAILED errno, EXITED wait status */
    uint64_t ticket;    /* FORK's, repeated in STARTED, FAILED and EXITED */
    hm_fault fault;     /* FORK: the fault hook the worker applies */
} fs_msg;

/* This process's server: hetmc's end of the socket, and its pid. */
static struct {
    pid_t pid;
    int sock;
    double create_s;
    uint64_t tickets; /* FORK requests so far */
    char lost[160];   /* how the last server ended, when it ended unasked */
} g_server = {0, -1, NAN, 0, ""};

/* ---- both sides ------------------------------------------------------------------------- */

/* Sends one message with nfds descriptors attached. Returns 0 or -1 with errno. */
static int fs_send(int sock, const fs_msg *m, const int *fds, int nfds)
{
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof *m};
    struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds > 0) {
        memset(&u, 0, sizeof u);
        h.msg_control = u.buf;
        h.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    ssize_t r;
    do
        r = sendmsg(sock, &h, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r == (ssize_t)sizeof *m ? 0 : -1;
}

/* Receives one message and up to two descriptors (close-on-exec). Returns 1, 0 at end of file,
 * -1 on error; a message of the wrong size or magic is an error (EPROTO). */
static int fs_recv(int sock, fs_msg *m, int *fds, int *nfds)
{
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
    ssize_t r;
    *nfds = 0;
    do
        r = recvmsg(sock, &h, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return (int)r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof fd);
                if (*nfds < 2)
                    fds[(*nfds)++] = fd;
                else
                    close(fd);
            }
        }
    if (r != (ssize_t)sizeof *m || m->magic != FS_MAGIC) {
        errno = EPROTO;
        return -1;
    }
    return 1;
}

/* ---- the server ------------------------------------------------------------------------- */

/* The workers the server has forked and not yet reaped, with their tickets. */
typedef struct live {
    struct {
        pid_t pid;
        uint64_t ticket;
    } *w;
    size_t n, cap;
} live;

static void server_say(int sock, enum fs_kind kind, const fs_msg *about, pid_t pid, int value)
{
    fs_msg m = {.magic = FS_MAGIC, .kind = kind, .worker = about->worker, .pid = pid,
                .value = value, .ticket = about->ticket};
    fs_send(sock, &m, NULL, 0); /* hetmc gone: the next receive sees end-of-file */
}

/* Forks worker m->worker onto the two descriptors (task read end, result write end). */
static void server_fork(int sock, const fs_msg *m, const int *fds, int nfds, live *lv,
                        const sigset_t *mask)
{
    pid_t self = getpid(), pid = -1;
    if (lv->n == lv->cap) {
        size_t cap = lv->cap ? 2 * lv->cap : 16;
        void *p = realloc(lv->w, cap * sizeof *lv->w);
        if (p) {
            lv->w = p;
            lv->cap = cap;
        }
    }
    int e = nfds != 2 ? EINVAL : lv->n < lv->cap ? 0 : ENOMEM;
    if (e == 0) {
        pid = fork();
        e = errno;
    }
    if (pid == 0) {
        if (hm_proc_child_init(self) != 0)
            _exit(6); /* the server is already gone */
        sigprocmask(SIG_SETMASK, mask, NULL);
        hm_proc_close_fds_except(fds[0], fds[1]);
        hm_proc_serve_tasks(fds[0], fds[1], m->worker, &m->fault);
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (pid < 0) {
        server_say(sock, FS_FAILED, m, 0, e);
        return;
    }
    lv->w[lv->n].pid = pid;
    lv->w[lv->n++].ticket = m->ticket;
    server_say(sock, FS_STARTED, m, pid, 0);
}

/* Reaps every worker that ended and reports its wait status. */
static void server_reap(int sock, live *lv)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        fs_msg about = {0};
        for (size_t i = 0; i < lv->n; i++)
            if (lv->w[i].pid == pid) {
                about.ticket = lv->w[i].ticket;
                lv->w[i] = lv->w[--lv->n];
                break;
            }
        server_say(sock, FS_EXITED, &about, pid, st);
    }
}

/* One request from hetmc. Returns 0 to go on, -1 when hetmc is gone. */
static int server_request(int sock, live *lv, const sigset_t *mask)
{
    fs_msg m;
    int fds[2], nfds;
    int r = fs_recv(sock, &m, fds, &nfds);
    if (r == 0 || (r < 0 && errno != EPROTO))
        return -1;
    if (r > 0 && m.kind == FS_FORK) {
        server_fork(sock, &m, fds, nfds, lv, mask);
        return 0;
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (r > 0 && m.kind == FS_KILL)
        for (size_t i = 0; i < lv->n; i++)
            if (lv->w[i].pid == m.pid && lv->w[i].ticket == m.ticket)
                kill(m.pid, SIGKILL); /* still unreaped: the pid is still this worker's */
    return 0;
}

/* The server's signals, descriptors and standard streams. Returns the signalfd, or -1. */
static int server_setup(int sock, sigset_t *old)
{
    sigset_t chld;
    signal(SIGPIPE, SIG_IGN); /* hm_proc_child_init set the rest */
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, old);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) { /* nothing of the server's may hold hetmc's stdin or stdout open */
        dup2(null, 0);
        dup2(null, 1);
        close(null);
    }
    if (sfd >= 0)
        hm_proc_close_fds_except(sock, sfd);
    return sfd;
}

static void server_main(int sock)
{
    sigset_t old;
    live lv = {0};
    int sfd = server_setup(sock, &old);
    if (sfd < 0)
        _exit(7);
    fs_msg ready = {0};
    server_say(sock, FS_READY, &ready, getpid(), 0);
    for (;;) {
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) < 0 && errno != EAGAIN && errno != EINTR)
                break;
            server_reap(sock, &lv);
        }
        if (p[0].revents && server_request(sock, &lv, &old) < 0)
            break;
    }
    /* hetmc is gone: no worker may outlive it. */
    for (size_t i = 0; i < lv.n; i++)
        kill(lv.w[i].pid, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    _exit(0);
}

/* ---- hetmc's side: the server ----------------------------------------------------------- */

/* Threads of this process (Threads: in /proc/self/status), or 0 when unreadable. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* 1 when the server runs; a server that died is reaped and forgotten. */
static int server_alive(void)
{
    int st;
    if (g_server.pid <= 0)
        return 0;
    if (waitpid(g_server.pid, &st, WNOHANG) == 0)
        return 1;
    char how[96];
    hm_proc_describe_status(st, how, sizeof how);
    snprintf(g_server.lost, sizeof g_server.lost, "the server (pid %ld) %s", (long)g_server.pid,
             how);
    close(g_server.sock);
    g_server.sock = -1;
    g_server.pid = 0;
    return 0;
}

/* The socket broke: the server died or broke the protocol. It is killed (if still there) and
 * reaped, so that the next hm_forkserver_start starts a new one; its workers die with it. */
static void server_lost(void)
{
    int st;
    if (g_server.pid <= 0)
        return;
    close(g_server.sock);
    kill(g_server.pid, SIGKILL);
    if (hm_waitpid(g_server.pid, &st, 0) == g_server.pid) {
        char how[96];
        hm_proc_describe_status(st, how, sizeof how);
        snprintf(g_server.lost, sizeof g_server.lost, "the server (pid %ld) %s",
                 (long)g_server.pid, how);
    }
    g_server.sock = -1;
    g_server.pid = 0;
}

/* Receives one message from the server, waiting until deadline (0: no limit). Returns 1, 0 at
 * the deadline, -1 when the server is gone or broke the protocol (err says so). */
static int fs_reply(fs_msg *m, double deadline, hm_error *err)
{
    int fds[2], nfds, r;
    if (g_server.sock < 0)
        return hm_fail(err, HM_ESYS, "forkserver: the server is gone"), -1;
    for (;;) {
        struct pollfd p = {.fd = g_server.sock, .events = POLLIN};
        int ms = -1;
        if (deadline > 0) {
            double left = deadline - hm_now();
            if (left <= 0)
                return 0;
            ms = (int)ceil(left * 1000.0);
        }
        r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the deadline check above ends it */
        break;
    }
    r = r < 0 ? -1 : fs_recv(g_server.sock, m, fds, &nfds);
    for (int i = 0; r > 0 && i < nfds; i++)
        close(fds[i]); /* the server never sends any */
    if (r > 0)
        return 1;
    hm_fail(err, HM_ESYS, "forkserver: the server (pid %ld) is gone%s%s", (long)g_server.pid,
            r == 0 ? "" : ": ", r == 0 ? "" : strerror(errno));
    server_lost();
    return -1;
}

int hm_forkserver_start(hm_error *err)
{
    if (server_alive())
        return HM_EOK;
    int threads = thread_count();
    if (threads > 1)
        return hm_fail(err, HM_EUNAVAIL, "forkserver: its server must start before this "
                       "process runs threads (it runs %d); call hm_forkserver_start() first "
                       "thing in main", threads);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return hm_fail(err, HM_ESYS, "forkserver: socketpair: %s", strerror(errno));
    pid_t parent = getpid();
    double t0 = hm_now();
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return hm_fail(err, HM_ESYS, "forkserver: fork of the server: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        if (hm_proc_child_init(parent) != 0)
            _exit(6); /* hetmc is already gone */
        server_main(sv[1]);
    }
    close(sv[1]);
    g_server.pid = pid;
    g_server.sock = sv[0];
    fs_msg m;
    int r = fs_reply(&m, t0 + FS_START_LIMIT_S, err);
    if (r <= 0 || m.kind != FS_READY) {
        if (r == 0)
            hm_fail(err, HM_ESYS, "forkserver: the server did not start within %g s",
                    FS_START_LIMIT_S);
        else if (r > 0)
            hm_fail(err, HM_ESYS, "forkserver: the server sent %u instead of READY", m.kind);
        hm_forkserver_stop();
        return HM_ESYS;
    }
    g_server.create_s = hm_now() - t0;
    return HM_EOK;
}

void hm_forkserver_stop(void)
{
    if (g_server.pid <= 0)
        return;
    close(g_server.sock);
    hm_waitpid(g_server.pid, NULL, 0);
    g_server.sock = -1;
    g_server.pid = 0;
    g_server.create_s = NAN;
}

pid_t hm_forkserver_pid(void)
{
    return server_alive() ? g_server.pid : 0;
}

double hm_forkserver_create_s(void)
{
    return g_server.pid > 0 ? g_server.create_s : NAN;
}

/* ---- the backend ------------------------------------------------------------------------ */

struct hm_ctx {
    unsigned workers, tasks, bind;
    double timeout_s;
    uint64_t runs;
    hm_fault fault;
    hm_proc_slot *slots;
    int *wfd;         /* hetmc's write end of each worker's task pipe; -1 when closed */
    int *start_err;   /* FAILED k: the server's errno; 0 otherwise */
    uint64_t *ticket; /* each worker's FORK ticket in this run */
};

static void fs_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->slots);
    free(ctx->wfd);
    free(ctx->start_err);
    free(ctx->ticket);
    free(ctx);
}

static int fs_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = NULL;
    int rc;
    if (cfg->workers < 1)
        return hm_fail(err, HM_EINVAL, "forkserver needs at least 1 worker");
    if ((rc = hm_forkserver_start(err)) < 0)
        return rc;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx || !(ctx->slots = calloc(cfg->workers, sizeof *ctx->slots)) ||
        !(ctx->wfd = calloc(cfg->workers, sizeof *ctx->wfd)) ||
        !(ctx->start_err = calloc(cfg->workers, sizeof *ctx->start_err)) ||
        !(ctx->ticket = calloc(cfg->workers, sizeof *ctx->ticket))) {
        rc = hm_fail(err, HM_ENOMEM, "forkserver: out of memory for %u workers", cfg->workers);
        goto fail;
    }
    ctx->workers = cfg->workers;
    ctx->tasks = cfg->tasks;
    ctx->bind = cfg->bind;
    ctx->timeout_s = cfg->timeout_s;
    if ((rc = hm_fault_from_env(&ctx->fault, err)) < 0)
        goto fail;
    *out = ctx;
    return HM_EOK;
fail:
    fs_release(ctx);
    return rc;
}

/* Asks the server for worker k: its two pipes, one end of each sent along. */
static int request(hm_ctx *ctx, unsigned k, hm_error *err)
{
    int tp[2], rp[2], e = hm_proc_task_pipes(tp, rp);
    if (e < 0)
        return hm_fail(err, HM_ESYS, "forkserver: pipes for worker %u: %s", k, strerror(-e));
    fs_msg m = {.magic = FS_MAGIC, .kind = FS_FORK, .worker = k, .fault = ctx->fault,
                .ticket = ++g_server.tickets};
    ctx->ticket[k] = m.ticket;
    int fds[2] = {tp[0], rp[1]};
    int sent = fs_send(g_server.sock, &m, fds, 2);
    e = errno;
    close(tp[0]);
    close(rp[1]);
    ctx->wfd[k] = tp[1];
    ctx->slots[k].rfd = rp[0];
    if (sent < 0) {
        hm_fail(err, HM_ESYS, "forkserver: request to the server (pid %ld) for worker %u: %s",
                (long)g_server.pid, k, strerror(e));
        server_lost();
        return HM_ESYS;
    }
    return HM_EOK;
}

/* Applies one message of the server to the slots of workers [0, n) of this run; a message
 * about a worker of an earlier run (another ticket) is dropped. */
static void on_reply(hm_ctx *ctx, const fs_msg *m, unsigned n)
{
    unsigned k = 0;
    while (k < n && ctx->ticket[k] != m->ticket)
        k++;
    if (k == n || m->ticket == 0) /* tickets start at 1; 0 is no request's */
        return;
    if (m->kind == FS_STARTED)
        ctx->slots[k].pid = m->pid;
    else if (m->kind == FS_FAILED)
        ctx->start_err[k] = m->value ? m->value : EIO;
    else if (m->kind == FS_EXITED && ctx->slots[k].pid == m->pid) {
        ctx->slots[k].reaped = 1;
        ctx->slots[k].status = m->value;
    }
}

/* Reads the server's answers until each of workers [0, n) has started (or failed to), then
 * pins them (--bind). */
static int await_started(hm_ctx *ctx, unsigned n, double deadline, hm_error *err)
{
    for (unsigned k = 0; k < n;) {
        if (ctx->start_err[k])
            return hm_fail(err, HM_ESYS, "forkserver: the server could not fork worker %u of "
                           "%u: %s", k, n, strerror(ctx->start_err[k]));
        if (ctx->slots[k].pid > 0) {
            k++;
            continue;
        }
        fs_msg m;
        int r = fs_reply(&m, deadline, err);
        if (r == 0)
            return hm_fail(err, HM_ETIMEOUT, "run timed out after %g s waiting for the server "
                           "to fork worker %u of %u", ctx->timeout_s, k, n);
        if (r < 0)
            return HM_ESYS;
        on_reply(ctx, &m, n);
    }
    for (unsigned k = 0; k < n; k++) {
        int rc = hm_proc_bind(ctx->slots[k].pid, k, ctx->bind, err);
        if (rc < 0)
            return rc;
    }
    return HM_EOK;
}

/* Ends the run's workers: kills (through the server) each one without a whole result when the
 * run failed, closes every pipe, and waits until the server has reaped all it started.
 * Returns HM_EOK, or HM_ESYS (lost filled) when the server was lost meanwhile. */
static int end_workers(hm_ctx *ctx, unsigned n, int failed, hm_error *lost)
{
    hm_proc_slot *s = ctx->slots;
    for (unsigned k = 0; k < n; k++) {
        if (failed && s[k].pid > 0 && !s[k].reaped && !s[k].done) {
            fs_msg m = {.magic = FS_MAGIC, .kind = FS_KILL, .pid = s[k].pid,
                        .ticket = ctx->ticket[k]};
            fs_send(g_server.sock, &m, NULL, 0);
        }
        if (ctx->wfd[k] >= 0)
            close(ctx->wfd[k]);
        if (s[k].rfd >= 0)
            close(s[k].rfd);
        ctx->wfd[k] = s[k].rfd = -1;
    }
    for (unsigned k = 0; k < n;) {
        fs_msg m;
        if (s[k].pid <= 0 || s[k].reaped) {
            k++;
            continue;
        }
        if (fs_reply(&m, 0, lost) < 0)
            return HM_ESYS; /* the server is gone, and its workers with it (hm_proc_child_init) */
        on_reply(ctx, &m, n);
    }
    return HM_EOK;
}

static int fs_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                  hm_error *err)
{
    const unsigned n = hm_tasks_workers(ctx->workers, ctx->tasks);
    hm_proc_slot *s = ctx->slots;
    uint64_t ignored;
    int rc = HM_EOK;
    hm_task_out out;
    hm_task_run tr = {.run = ctx->runs++, .seed = seed, .first = first, .count = count,
                      .tasks = ctx->tasks ? ctx->tasks : ctx->workers, .t0 = hm_now(),
                      .timeout_s = ctx->timeout_s};
    tr.deadline = ctx->timeout_s > 0 ? tr.t0 + ctx->timeout_s : 0;

    memset(s, 0, n * sizeof *s);
    for (unsigned k = 0; k < n; k++) {
        s[k].rfd = ctx->wfd[k] = -1;
        ctx->start_err[k] = 0;
        ctx->ticket[k] = 0; /* no ticket yet: no message is this worker's */
    }
    if (!server_alive())
        return hm_fail(err, HM_ESYS, "forkserver: %s; the next prepare starts a new one",
                       g_server.lost[0] ? g_server.lost : "the server is gone");
    for (unsigned k = 0; k < n && rc == HM_EOK; k++)
        rc = request(ctx, k, err);
    if (rc == HM_EOK)
        rc = await_started(ctx, n, tr.deadline, err);
    if (rc == HM_EOK)
        rc = hm_proc_run_tasks(s, ctx->wfd, n, &tr, 1, &out, err);
    hm_error lost = {0};
    if (end_workers(ctx, n, rc < 0, &lost) < 0 && rc == HM_EOK)
        rc = hm_fail(err, HM_ESYS, "%s", lost.msg);
    double t_end = hm_now();
    if (rc == HM_EWORKER)
        hm_proc_check(s, n, tr.run, &ignored, err);
    if (rc == HM_EOK) {
        hm_task_phases(&tr, &out, t_end, res);
        res->tasks = ctx->tasks;
        res->create_s = g_server.create_s;
    }
    return rc;
}

/* Before any thread of the process exists: the server must be forked from a clean process. */
static void fs_early_init(const hm_config *cfg)
{
    (void)cfg;
    hm_forkserver_start(NULL);
}

const hm_backend hm_backend_forkserver = {
    .name = "forkserver",
    .family = "procs",
    .summary = "workers forked per run by a clean single-threaded server started early",
    .uses = HM_USES_TIMEOUT | HM_USES_BIND | HM_USES_TASKS,
    .prepare = fs_prepare,
    .run = fs_run,
    .release = fs_release,
    .early_init = fs_early_init,
};
