/*
 * matrix.h - what `hetmc matrix` holds while it runs, shared by its two files: cmd_matrix.c
 * (options, output files, the comparison, the end) and matrix_run.c (the plan, the rounds of
 * repetitions, progress).
 */
#ifndef HETMC_MATRIX_H
#define HETMC_MATRIX_H

#include "options.h"
#include "outdir.h"
#include "runner.h"

#include <stdio.h>

/* One (backend, device, workers) to prepare; unavailable when select_devices found none. */
typedef struct plan_item {
    const hm_backend *b;
    char device[16]; /* the index for device backends, "" otherwise */
    const char *parts, *split; /* coexec: its part list and split (NULL: the defaults) */
    char label[128];           /* coexec: the parts, for the progress line */
    unsigned workers;
    int unavailable;
    char why[512];
} plan_item;

/* Every (backend, device, workers) of the matrix, in order; grows as needed. */
typedef struct plan {
    plan_item *items;
    size_t n, cap;
} plan;

/* Progress on stderr: one line rewritten in place on a terminal, lines in a log. */
typedef struct progress {
    int quiet, tty;
    int open_line;      /* a progress line on a terminal waits for its line break */
    int ended;          /* the closing line is out */
    double t0;          /* when the matrix began */
    size_t cells_total; /* cells of the plan */
    size_t reps_total;  /* timed repetitions planned (retries come on top) */
    size_t reps_done;
    unsigned round, rounds;
} progress;

/* Everything one matrix run holds; cleaned up in one place. */
typedef struct matrix {
    hm_opts o;
    plan plan;
    progress pr;
    hm_outdir out;    /* the output folder, locked while the matrix runs */
    const char *dir;  /* out.path */
    FILE *csv, *prov;
    uint64_t ref[HM_OPT_MAX_LIST]; /* the reference count of each sample size */
    int have_ref[HM_OPT_MAX_LIST];
    int status;
    int write_failed; /* runs.csv could not be written: the matrix stops */
    int write_said;   /* a write error was said: later ones (a full disk) are not */
    double limit;     /* the time limit of one run: --timeout or the default */
    size_t reps_interfered, reps_retried; /* over the whole matrix */
} matrix;

/* Whether b's cells come from the part lists (coexec): one per --parts and --split. */
static inline int cells_from_parts(const hm_backend *b)
{
    return (b->flags & HM_WORKERS_FROM_PARTS) && b->plan_parts;
}

/* One line on stderr, on a line of its own even after a progress line. */
void hm_matrix_say(matrix *m, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define say(...) hm_matrix_say(__VA_ARGS__)

/* The line of a write error of DIR/name, unless one was said already (a full disk fails
 * every file, and one line is enough); the exit status becomes 1. */
void hm_matrix_write_error(matrix *m, const char *name, int e, const char *more);

/* Writes one row to runs.csv (the runner's row callback). Non-zero after a write error. */
int hm_matrix_write_row(const hm_row *row, void *arg);

/* The plan: every combination, devices expanded, before anything runs. Returns 0, -1 out of
 * memory (said), or HM_EXIT_USAGE (said). */
int hm_matrix_plan(matrix *m);

/* Before measuring: how busy the machine is (and --wait-idle), said on stderr and written to
 * provenance.txt. */
void hm_matrix_check_idle(matrix *m);

/* Runs every cell: in rounds (--order rounds) or cell after cell, with the re-measurement of
 * interfered repetitions; until done, a stop signal or a write error. */
void hm_matrix_run(matrix *m);

/* The closing progress line. */
void hm_matrix_progress_end(matrix *m);

#endif /* HETMC_MATRIX_H */
