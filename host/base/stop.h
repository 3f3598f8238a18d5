/*
 * stop.h - a stop asked by a signal (SIGINT, SIGTERM, SIGHUP: Ctrl-C, `kill`, `timeout`, a
 * closed terminal, a batch system's time limit), seen by everything that waits.
 *
 * hm_stop_install() catches the three signals. The first one sets hm_stop_signal to its number
 * and makes hm_stop_fd() readable for good, so that code blocked in poll() (the process
 * backends waiting for their workers) wakes at once and kills its workers; the runner stops
 * between repetitions and discards the repetition that the signal interrupted (never recorded
 * as failed). Another of these signals HM_STOP_AGAIN_S or more after the first ends the process
 * at once with the signal's default action (whatever workers are left die with it: see
 * hm_proc_child_init); one sooner is the same request delivered twice, as `timeout` does (it
 * signals its child, then its process group), and changes nothing.
 */
#ifndef HETMC_STOP_H
#define HETMC_STOP_H

#include <signal.h>

/* Seconds after the first stop signal from which another one ends the process at once. */
#define HM_STOP_AGAIN_S 2.0

/* 0, or the number of the signal that asked to stop. */
extern volatile sig_atomic_t hm_stop_signal;

/* Installs the handlers and the stop pipe. Returns 0, or -1 with errno. */
int hm_stop_install(void);
/* Puts back the actions that were there before hm_stop_install. */
void hm_stop_uninstall(void);
/* What the handler does (async-signal-safe): hm_stop_signal = sig, the pipe made readable. */
void hm_stop_request(int sig);
/* The read end of the stop pipe (readable once a stop was asked), or -1 when not installed. */
int hm_stop_fd(void);

/* "SIGTERM", "SIGKILL", ...; "a signal" for the ones hetmc does not name. */
const char *hm_signal_name(int sig);

#endif /* HETMC_STOP_H */
