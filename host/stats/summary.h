/*
 * summary.h - the comparison table derived from a long-format CSV (docs/DESIGN.md): one
 * group per backend x device x workers x samples x seed, with the statistics of its ok rows.
 */
#ifndef HETMC_SUMMARY_H
#define HETMC_SUMMARY_H

#include "csvread.h"

#include <stdint.h>
#include <stdio.h>

typedef struct hm_group {
    const char *backend, *device; /* point into the hm_csv it came from */
    unsigned workers;
    uint64_t samples, seed;
    size_t n_ok, n_failed, n_skipped;
    double *wall_s;               /* n_ok times, sorted ascending */
    double *setup_s, *compute_s, *collect_s; /* n_ok each, sorted; NAN where empty */
    uint64_t hits;                /* the hits of the first ok row */
    int hits_agree;               /* every ok row has the same hits */
    /* Derived by hm_summarize. */
    double median_s, min_s, max_s, iqr_s, ci_lo_s, ci_hi_s, ci_coverage;
    double rate, speedup, efficiency;
    int hits_match;               /* 1 equal to serial's, 0 differ, -1 no serial reference */
    /* coexec: the rate over the sum of its parts' solo rates (cells of the same samples and
     * seed in this table); NAN for other backends or when a part has no solo cell. */
    double coexec_efficiency;
} hm_group;

typedef struct hm_summary {
    hm_group *g;
    size_t n;
} hm_summary;

/* Groups the rows of csv (which must outlive the summary). Returns 0, or -1 with msg. */
int hm_summarize(const hm_csv *csv, hm_summary *s, char *msg, size_t msglen);
void hm_summary_free(hm_summary *s);
/* Finds the group for these keys, or NULL. */
const hm_group *hm_summary_find(const hm_summary *s, const char *backend, const char *device,
                                unsigned workers, uint64_t samples);

/* The comparison CSV: header and one row per group. */
void hm_summary_write_csv(FILE *f, const hm_summary *s);

#endif /* HETMC_SUMMARY_H */
