/*
 * outdir.h - the output folder of one matrix, held exclusively while the matrix runs.
 *
 * Without --out the folder is new: results/matrix-<UTC date-time>, or with -2, -3, ... when
 * that name is taken, each made by one mkdir that fails on an existing folder, so two
 * matrices started in the same second never share one. --out may name an existing folder on
 * purpose (its parents are made as needed). Either way the matrix takes an advisory lock
 * (flock) on DIR/.hetmc.lock, which holds its PID, for its whole lifetime: a second matrix
 * in the same folder stops before it runs anything, with one line naming the holder, exit 2.
 * Once the lock is held, the files derived from an earlier run in the folder (comparison.csv,
 * results.json, the report and the figures) and temporary files a killed run left are
 * removed, so that no crash can leave one run's comparison beside another run's rows.
 * Derived files are written to a temporary name unique to this process and renamed into
 * place: each is whole or absent.
 */
#ifndef HETMC_OUTDIR_H
#define HETMC_OUTDIR_H

#include <stdio.h>

/* The longest folder accepted: room for the longest name inside it (a temporary name). */
#define HM_OUTDIR_MAX 4000

typedef struct hm_outdir {
    char path[HM_OUTDIR_MAX + 96]; /* the folder, as given or made */
    int lock_fd;                   /* DIR/.hetmc.lock, locked; -1 when not held */
} hm_outdir;

/* Makes or reuses the folder (given: --out, or NULL for a new default one), locks it and
 * clears what an earlier run derived in it. Returns 0, or after one line on stderr naming
 * the folder: HM_EXIT_USAGE (2) when another matrix holds it or the name is too long,
 * HM_EXIT_FAIL (1) when it cannot be made, locked or cleared. */
int hm_outdir_open(hm_outdir *d, const char *cmd, const char *given);

/* DIR/name opened for writing (truncated), or NULL with errno set. */
FILE *hm_outdir_fopen(const hm_outdir *d, const char *name);

/* Writes DIR/name through `write` into a temporary file unique to this process, then renames
 * it into place. `write` returns 0, or non-zero with errno set. Returns 0, or -1 with errno
 * set and no temporary file left. */
int hm_outdir_replace(const hm_outdir *d, const char *name, int (*write)(FILE *f, void *arg),
                      void *arg);

/* Releases the lock (the lock file stays, for the next run to take). */
void hm_outdir_close(hm_outdir *d);

#endif /* HETMC_OUTDIR_H */
