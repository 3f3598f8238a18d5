/*
 * forkserver.h - the fork server behind the forkserver backend (Python's "forkserver" start
 * method): a small single-threaded process, forked from hetmc before anything creates threads,
 * that forks every worker on request. See forkserver.c for the protocol.
 *
 * Start it first thing, before OpenMP, OpenCL (PoCL), MPI or the runner's watchdog start their
 * threads: `hetmc run`, `matrix` and `verify` start it right after reading their options (run
 * and matrix only when forkserver is asked for), hetmc-gbench before registering, and the
 * backend's prepare when none runs yet; a program using the library calls
 * hm_forkserver_start() early in main. Once this process runs threads the server cannot start
 * (the backend is then unavailable, saying why): a fork of a threaded process is exactly what
 * it exists to avoid. The server lives until the process exits (or hm_forkserver_stop) and
 * dies with it.
 */
#ifndef HETMC_FORKSERVER_H
#define HETMC_FORKSERVER_H

#include "hetmc.h"

#include <sys/types.h>

/* Starts the server if it is not running. HM_EOK (also when it already runs), HM_EUNAVAIL
 * when this process already runs threads, HM_ESYS when it could not start; err says why. Call
 * it from the thread that lives longest (the main thread): the server dies with that thread. */
int hm_forkserver_start(hm_error *err);

/* Closes the server's socket and reaps it; it kills any worker still running. Safe when none
 * runs. */
void hm_forkserver_stop(void);

/* The running server's pid, 0 when none; the seconds its start took (fork until it was ready),
 * NAN when none. */
pid_t hm_forkserver_pid(void);
double hm_forkserver_create_s(void);

#endif /* HETMC_FORKSERVER_H */
