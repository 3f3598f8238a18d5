/*
 * report.h - one measured repetition as a row, its validation, and the two ways hetmc prints
 * rows: the tidy CSV of docs/DESIGN.md (one row per repetition) and a fixed-width table for
 * people.
 */
#ifndef HETMC_REPORT_H
#define HETMC_REPORT_H

#include "hetmc.h"

#include <stdio.h>

typedef enum hm_status { HM_STATUS_OK, HM_STATUS_SKIPPED, HM_STATUS_FAILED } hm_status;

typedef struct hm_row {
    const char *backend;
    unsigned workers;
    uint64_t samples;
    uint64_t seed;
    unsigned rep;       /* 1-based; the untimed warm-up is never written */
    hm_status status;
    int has_hits;       /* 0 when the run produced no count (failed before counting, skipped) */
    hm_result res;
    double wall_s;      /* the caller's clock around run(); NAN if not measured */
    double sigmas;      /* distance of the estimate from pi in standard errors; NAN if none */
    unsigned calls;     /* back-to-back runs timed as this repetition (times are per call);
                         * 0 when nothing ran */
    char note[512];     /* why skipped or failed, or a warning; no newlines */
    /* The foreign load during the repetition (load.h), in cores' worth; NAN when not
     * measured. interfered: 1 when it was over the limit, 0 when not, -1 when not judged. */
    double foreign_cpu, steal;
    int interfered;
} hm_row;

const char *hm_status_name(hm_status s);

#define HM_PI 3.14159265358979323846

/* Validation of a count (docs/STREAM.md): the estimate must lie within HM_VALIDATE_SIGMA
 * standard errors of pi. Returns 1 if acceptable; fills *sigmas with the distance in standard
 * errors. Counts with samples < HM_VALIDATE_MIN_SAMPLES are not judged (returns 1), except
 * that more hits than samples is never right. */
#define HM_VALIDATE_SIGMA 6.0
#define HM_VALIDATE_MIN_SAMPLES 1000
int hm_validate(uint64_t hits, uint64_t samples, double *sigmas);
double hm_pi_estimate(uint64_t hits, uint64_t samples);

/* Clears a row for (backend, workers, samples, seed, rep). */
void hm_row_init(hm_row *row, const char *backend, unsigned workers, uint64_t samples,
                 uint64_t seed, unsigned rep);
/* Appends a sentence to row->note ("; " between sentences). */
void hm_row_note(hm_row *row, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Samples per second of an ok row (samples / wall_s); NAN for any other row. */
double hm_row_rate(const hm_row *row);

/* The CSV contract: header, then rows. Each is built whole in memory and written in one
 * piece, then flushed: 0, or -1 with errno (the write or flush failed; a regular file is then
 * cut back, so that it never ends inside a row). */
int hm_csv_header(FILE *f);
int hm_csv_row(FILE *f, const hm_row *row);
/* The row as one CSV line, line break included, malloc'ed into *text: 0, or -1. */
int hm_csv_row_text(const hm_row *row, char **text, size_t *len);
/* Writes len bytes to f as one piece and flushes: 0, or -1 with errno. A regular file that
 * took only part of them (a full disk) is cut back to where it was. */
int hm_write_whole(FILE *f, const char *buf, size_t len);
/* Writes s as one RFC 4180 field (quoted when it holds a comma, quote or line break). */
void hm_csv_field(FILE *f, const char *s);

/* The human table: header with units, then one line per row (times per call). */
void hm_table_header(FILE *f);
void hm_table_row(FILE *f, const hm_row *row);

#endif /* HETMC_REPORT_H */
