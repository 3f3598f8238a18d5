/*
 * runner.h - the one way into the backends.
 *
 * Nothing but the runner calls a backend's prepare, run or release: `hetmc run`, `matrix`,
 * `verify`, hetmc-gbench and the tests all go through here (as sqlite's core reaches the OS
 * only through its os.c), so the method lives in one place:
 *
 *   open     prepare the backend once (threads, processes, programs it can reuse);
 *   cell     K untimed warm-ups (default 1), then R timed repetitions over [0, N), each a
 *            validated row handed to the caller. A repetition is calibrated: it repeats the
 *            run back to back until the calls together last at least min_time_s, and its row
 *            gives the number of calls and the times per call (one call for backends whose
 *            runs are collective, HM_COLLECTIVE: the ranks could not agree on when the minimum
 *            time is reached). Every call's count is checked:
 *            the estimate must lie within HM_VALIDATE_SIGMA standard errors of pi, and the hits
 *            must equal the expected count (a reference such as serial's, or the first
 *            validated run's); a row that fails either check is `failed`;
 *   count    one plain run over any range, for known answers and composed backends;
 *   close    release what open acquired.
 *
 * wall_s is the runner's CLOCK_MONOTONIC around the backend's run(), summed over the calls of
 * a repetition and divided by their number.
 *
 * Foreign load (load.h): the CPU time other programs took from the allowed CPUs is measured
 * around every timed repetition (not for collective backends, whose other ranks would count
 * as foreign) and the row says whether it was over the limit (interfered). A cell may ask
 * that each repetition last long enough for the kernel's tick accounting to resolve it.
 *
 * Stops and hangs. A cell stops before its next repetition (and between the calls of one) once
 * a signal asked hetmc to stop (stop.h); the repetition the signal interrupted is discarded,
 * never recorded as failed. The runner's watchdog (hm_runner_watchdog) covers what a backend
 * cannot stop by itself: a run past its time limit (cfg.timeout_s; process backends enforce it
 * themselves and the watchdog is only their backstop), or a run still going HM_STOP_GRACE_S
 * after a stop was asked. Threads cannot be cancelled safely, so the watchdog hands the event
 * to the command, which writes what it has and ends the process.
 */
#ifndef HETMC_RUNNER_H
#define HETMC_RUNNER_H

#include "report.h"

typedef struct hm_runner hm_runner;

/* Prepares b with cfg. HM_EOK and *out, or the backend's error code with err filled:
 * HM_EINVAL / HM_EUNAVAIL when the configuration or device cannot be used here, anything else
 * when it failed to start. */
int hm_runner_open(const hm_backend *b, const hm_config *cfg, hm_runner **out, hm_error *err);
/* Releases everything open acquired; r may be NULL. */
void hm_runner_close(hm_runner *r);
const hm_backend *hm_runner_backend(const hm_runner *r);

/* One run over [first, first + count): res is reset first, *wall_s (may be NULL) gets the
 * caller-side wall time. Returns HM_EOK or the backend's error. No watchdog: for composed
 * backends and known answers. */
int hm_runner_count(hm_runner *r, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    double *wall_s, hm_error *err);

/* What a cell is: the runner's part of the method. */
typedef struct hm_cell {
    uint64_t seed, samples;
    unsigned reps;           /* timed repetitions after the warm-ups */
    unsigned warmups;        /* untimed runs first (the CLI's --warmup, default 1) */
    double min_time_s;       /* a repetition repeats the run until it lasts this long; 0: once */
    const uint64_t *expect;  /* hits every run must have; NULL: the first validated run's */
    const char *expect_what; /* whose count *expect is, for the note ("serial's") */
    double load_min_s;       /* a repetition lasts at least this long too, so that its foreign
                              * load is resolved (hm_load_resolve_s); 0: min_time_s alone */
} hm_cell;

/* What a cell gave. */
typedef struct hm_cell_out {
    int have_ref;        /* a run validated: ref_hits and device are its count and device */
    uint64_t ref_hits;
    char device[sizeof(((hm_result *)0)->device)];
    unsigned reps_done;  /* timed repetitions written (fewer than asked when stopped) */
    unsigned reps_failed;
    int warmup_failed;   /* a warm-up failed: its row (rep 0) was written, nothing else ran */
    int stopped;         /* a signal (stop.h) or the row callback ended the cell early */
    char first_error[sizeof(((hm_row *)0)->note)]; /* the first failed row's note */
} hm_cell_out;

/* Called once per row: a warm-up's only when it failed (rep 0), then each repetition. A
 * non-zero return stops the cell (a write error, say). */
typedef int (*hm_row_fn)(const hm_row *row, void *arg);

/* Runs one cell of r's backend (workers from its configuration). Returns HM_STATUS_OK when
 * every warm-up and repetition that ran was ok, else HM_STATUS_FAILED. out may be NULL. */
hm_status hm_runner_cell(hm_runner *r, const hm_cell *cell, hm_row_fn emit, void *arg,
                         hm_cell_out *out);

/* The same cell one repetition at a time, so that a caller can interleave the repetitions of
 * many cells (the matrix's rounds): begin, then hm_cell_rep for each repetition (the first
 * call runs the warm-ups before it), then end. hm_cell_rep returns 1 after a repetition's row
 * (ok or failed), 0 when the warm-up failed (its row written; the cell is over), -1 when a
 * stop or the row callback ended it. The output lives until hm_cell_end. */
typedef struct hm_cell_state hm_cell_state;
int hm_cell_begin(hm_runner *r, const hm_cell *cell, hm_cell_state **st); /* 0, or -1: memory */
int hm_cell_rep(hm_cell_state *st, unsigned rep, hm_row_fn emit, void *arg);
const hm_cell_out *hm_cell_result(const hm_cell_state *st);
void hm_cell_end(hm_cell_state *st);

/* The row of a cell whose backend could not be opened (rc from hm_runner_open): `skipped`
 * with "unavailable: why" for HM_EUNAVAIL, else `failed` with "could not start: why"; device
 * is what the device column says (the selector asked for). */
void hm_runner_unopened_row(hm_row *row, const hm_backend *b, unsigned workers,
                            const char *device, uint64_t seed, uint64_t samples, int rc,
                            const char *why);

/* --- The watchdog -------------------------------------------------------------------------- */

/* Seconds a run may go on after a stop was asked before the watchdog acts. */
#define HM_STOP_GRACE_S 1.0

/* The default time limit of one run of `samples` samples when the user gave none: base_s
 * (HM_DEFAULT_TIMEOUT_BASE_S unless the environment says otherwise) plus one second per 10
 * million samples: about 2 hours at 2^36, enough for a machine 40 times slower than one core
 * of a 2020 laptop running serial. */
#define HM_DEFAULT_TIMEOUT_BASE_S 60.0
double hm_default_timeout(double base_s, uint64_t samples);

typedef struct hm_watch_event {
    int interrupted;    /* 1: a stop was asked and the run went on past the grace; 0: timeout */
    double limit_s;     /* the time limit that passed (the grace when interrupted) */
    const hm_row *row;  /* a cell's run past its limit: its failed row, to be written; NULL
                         * when interrupted (that repetition is discarded) or for hm_runner_watch */
    const char *what;   /* hm_runner_watch's description of the work; NULL for a cell's run */
} hm_watch_event;

/* Must end the process (with _exit): it runs on the watchdog's thread while the command's
 * thread is still inside the backend, which will never return to it. */
typedef void (*hm_watch_fn)(const hm_watch_event *ev, void *arg);

/* Starts the watchdog thread (once; signals blocked in it) with fn as what it calls; every
 * run of a cell is then watched. Without it the runner watches nothing. Returns 0 or -1. */
int hm_runner_watchdog(hm_watch_fn fn, void *arg);

/* Watches other work that cannot be stopped (a reference count computed on the host) as a run
 * with time limit limit_s (0: none, only stops); `what` (a static string) names it. */
void hm_runner_watch(const char *what, double limit_s);
void hm_runner_unwatch(void);

#endif /* HETMC_RUNNER_H */
