/* stop.c - a stop asked by SIGINT, SIGTERM or SIGHUP; see stop.h. */
#define _GNU_SOURCE /* pipe2 */
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t hm_stop_signal;

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

static struct sigaction saved[NSTOP];
static int installed;
static int pipe_fd[2] = {-1, -1};

void hm_stop_request(int sig)
{
    int saved_errno = errno;
    if (!hm_stop_signal) {
        hm_stop_signal = sig;
        if (pipe_fd[1] >= 0 && write(pipe_fd[1], "", 1) < 0)
            hm_stop_signal = sig; /* the flag alone still stops between repetitions */
    }
    errno = saved_errno;
}

/* When the first stop signal came (CLOCK_MONOTONIC seconds). */
static volatile double first_at;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t); /* async-signal-safe */
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void on_stop(int sig)
{
    if (!hm_stop_signal) {
        first_at = now_s();
        hm_stop_request(sig);
        return;
    }
    /* Another one soon after is the same request delivered twice (`timeout` signals its
     * child and then its process group); one later is a user who will not wait. */
    if (now_s() - first_at >= HM_STOP_AGAIN_S) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

int hm_stop_install(void)
{
    struct sigaction sa;
    if (installed)
        return 0;
    if (pipe_fd[0] < 0 && pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSTOP; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    /* No SA_RESTART: a blocking call in the main thread returns EINTR and looks at the flag. */
    for (size_t i = 0; i < NSTOP; i++)
        if (sigaction(stop_signals[i], &sa, &saved[i]) != 0) {
            int e = errno;
            while (i-- > 0)
                sigaction(stop_signals[i], &saved[i], NULL);
            errno = e;
            return -1;
        }
    installed = 1;
    return 0;
}

void hm_stop_uninstall(void)
{
    if (!installed)
        return;
    for (size_t i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &saved[i], NULL);
    installed = 0;
}

int hm_stop_fd(void)
{
    return pipe_fd[0];
}

const char *hm_signal_name(int sig)
{
    switch (sig) {
    case SIGKILL:
        return "SIGKILL";
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGTERM:
        return "SIGTERM";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    }
    return "a signal";
}
