/*
 * runner.h - the one way into the backends.
 *
 * Nothing but the runner calls a backend's prepare, run or release: `hetmc run`, `matrix`,
 * `verify`, hetmc-gbench and the tests all go through here (as sqlite's core reaches the OS
 * only through its os.c), so the method lives in one place:
 *
 *   open     prepare the backend once (threads, processes, programs it can reuse);
 *   cell     one untimed warm-up, then R timed repetitions over [0, N), each a validated row
 *            handed to the caller: the estimate must lie within HM_VALIDATE_SIGMA standard
 *            errors of pi, and the hits must equal the expected count (the warm-up's, or a
 *            reference such as serial's); a row that fails either check is `failed`;
 *   count    one plain run over any range, for known answers and composed backends;
 *   close    release what open acquired.
 *
 * wall_s is the runner's CLOCK_MONOTONIC around the backend's run().
 */
#ifndef HETMC_RUNNER_H
#define HETMC_RUNNER_H

#include "report.h"

#include <signal.h>

typedef struct hm_runner hm_runner;

/* Prepares b with cfg. HM_EOK and *out, or the backend's error code with err filled:
 * HM_EINVAL / HM_EUNAVAIL when the configuration or device cannot be used here, anything else
 * when it failed to start. */
int hm_runner_open(const hm_backend *b, const hm_config *cfg, hm_runner **out, hm_error *err);
/* Releases everything open acquired; r may be NULL. */
void hm_runner_close(hm_runner *r);
const hm_backend *hm_runner_backend(const hm_runner *r);

/* One run over [first, first + count): res is reset first, *wall_s (may be NULL) gets the
 * caller-side wall time. Returns HM_EOK or the backend's error. */
int hm_runner_count(hm_runner *r, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    double *wall_s, hm_error *err);

/* One repetition over [0, samples) as a validated row (row must be initialised by
 * hm_row_init). Returns the row's status. */
hm_status hm_runner_measure(hm_runner *r, uint64_t seed, uint64_t samples, hm_row *row);

/* What a cell is: the runner's part of the method. */
typedef struct hm_cell {
    uint64_t seed, samples;
    unsigned reps;                 /* timed repetitions after the warm-up */
    const uint64_t *expect;        /* hits every repetition must have; NULL: the warm-up's */
    const char *expect_what;       /* whose count *expect is, for the note ("serial's") */
    volatile sig_atomic_t *stop;   /* checked before each repetition; may be NULL */
} hm_cell;

/* What a cell gave. */
typedef struct hm_cell_out {
    int warmed;          /* the warm-up ran and validated */
    uint64_t warm_hits;  /* its count */
    char device[sizeof(((hm_result *)0)->device)]; /* the warm-up's device name */
    unsigned reps_done;  /* timed repetitions run (fewer than asked when stopped) */
    unsigned reps_failed;
} hm_cell_out;

/* Called once per row: the warm-up's only when it failed (rep 0), then each repetition. */
typedef void (*hm_row_fn)(const hm_row *row, void *arg);

/* Runs one cell of r's backend (workers from its configuration). Returns HM_STATUS_OK when
 * the warm-up and every repetition were ok, else HM_STATUS_FAILED. out may be NULL. */
hm_status hm_runner_cell(hm_runner *r, const hm_cell *cell, hm_row_fn emit, void *arg,
                         hm_cell_out *out);

/* The row of a cell whose backend could not be opened (rc from hm_runner_open): `skipped`
 * with "unavailable: why" for HM_EUNAVAIL, else `failed` with "could not start: why"; device
 * is what the device column says (the selector asked for). */
void hm_runner_unopened_row(hm_row *row, const hm_backend *b, unsigned workers,
                            const char *device, uint64_t seed, uint64_t samples, int rc,
                            const char *why);

#endif /* HETMC_RUNNER_H */
