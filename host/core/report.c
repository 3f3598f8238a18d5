/* report.c - rows, the validation of a count, CSV and table output. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "schema.h"
#include "sysinfo.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

const char *hm_status_name(hm_status s)
{
    switch (s) {
    case HM_STATUS_OK:
        return "ok";
    case HM_STATUS_SKIPPED:
        return "skipped";
    case HM_STATUS_FAILED:
        return "failed";
    }
    return "failed";
}

void hm_row_init(hm_row *row, const char *backend, unsigned workers, uint64_t samples,
                 uint64_t seed, unsigned rep)
{
    memset(row, 0, sizeof *row);
    row->backend = backend;
    row->workers = workers;
    row->samples = samples;
    row->seed = seed;
    row->rep = rep;
    row->status = HM_STATUS_OK;
    row->wall_s = NAN;
    row->sigmas = NAN;
    row->foreign_cpu = row->steal = NAN;
    row->interfered = -1;
    hm_result_init(&row->res);
}

void hm_row_note(hm_row *row, const char *fmt, ...)
{
    size_t used = strlen(row->note);
    va_list ap;
    if (used && used + 2 < sizeof row->note) {
        memcpy(row->note + used, "; ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(row->note + used, sizeof row->note - used, fmt, ap);
    va_end(ap);
    for (char *p = row->note; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

double hm_pi_estimate(uint64_t hits, uint64_t samples)
{
    return samples ? 4.0 * (double)hits / (double)samples : NAN;
}

int hm_validate(uint64_t hits, uint64_t samples, double *sigmas)
{
    *sigmas = NAN;
    if (hits > samples)
        return 0;
    if (samples == 0)
        return 1;
    double p = (double)hits / (double)samples;
    double se = 4.0 * sqrt(p * (1.0 - p) / (double)samples);
    double dist = fabs(4.0 * p - HM_PI);
    *sigmas = se > 0 ? dist / se : (dist > 0 ? INFINITY : 0.0);
    if (samples < HM_VALIDATE_MIN_SAMPLES)
        return 1;
    return *sigmas <= HM_VALIDATE_SIGMA;
}

double hm_row_rate(const hm_row *row)
{
    if (row->status != HM_STATUS_OK || !(row->wall_s > 0))
        return NAN;
    return (double)row->samples / row->wall_s;
}

void hm_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The writers a column's table line names. A number is empty when not applicable (NAN); %.9g
 * keeps nanoseconds on seconds. A count is empty when 0 (not applicable). */
static void put_num(FILE *f, double v, const char *fmt)
{
    if (!isnan(v))
        fprintf(f, fmt, v);
}

static void put_count(FILE *f, uint64_t v)
{
    if (v)
        fprintf(f, "%llu", (unsigned long long)v);
}

static void put_u64(FILE *f, uint64_t v)
{
    fprintf(f, "%llu", (unsigned long long)v);
}

/* 4 hits / samples of a row with a count, else NAN. */
static double row_estimate(const hm_row *r)
{
    return r->has_hits ? hm_pi_estimate(r->res.hits, r->samples) : NAN;
}

/* What every column of one row shares: when it was written, and where. */
typedef struct row_ctx {
    char host[256];
    char when[32];
} row_ctx;

/*
 * The runs.csv schema: X(name, type, unit, filled by, meaning, writer), one line per column in
 * file order. The writer is a statement over f (the stream), r (the hm_row) and c (its
 * row_ctx); the separators are the caller's. A new column is one line here (and its producer
 * filling a field of hm_row or hm_result); docs/csv.md is regenerated from it.
 */
#define HM_RUNS_COLUMNS(X)                                                                     \
    X(format_version, "int", "", "all", "version of this contract: 3 (version 2 ended at "     \
      "balance, version 1 at sigmas)", put_u64(f, HM_CSV_FORMAT_VERSION))                                             \
    X(timestamp_utc, "string", "ISO 8601", "all", "when the row was written, in UTC",          \
      fputs(c->when, f))                                                                       \
    X(host, "string", "", "all", "the host name", hm_csv_field(f, c->host))                    \
    X(backend, "string", "", "all", "the backend that ran (hetmc --help lists those built "    \
      "in); bench/lesson.py's rows: its Python variants, py-*", hm_csv_field(f, r->backend))   \
    X(device, "string", "", "all", "what ran it: cpu, or the OpenCL device name (the device "   \
      "index for rows that never ran); coexec: its parts and a static split; mpi: R x and "    \
      "what each rank ran", hm_csv_field(f, r->res.device))                                    \
    X(workers, "int", "", "all", "threads, processes or ranks; coexec: the sum of its parts' " \
      "workers (a device part counts 1); mpi: per rank", put_u64(f, r->workers))               \
    X(samples, "int", "samples", "all", "N, the points drawn: the samples [0, N) of the "      \
      "stream", put_u64(f, r->samples))                                                        \
    X(seed, "int", "", "all", "the 64-bit seed of the stream", put_u64(f, r->seed))            \
    X(rep, "int", "", "all", "1-based repetition; 0 marks a failed warm-up or prepare, or a "  \
      "skipped cell (the untimed warm-up is never written)", put_u64(f, r->rep))               \
    X(status, "string", "", "all", "ok, skipped (unavailable here; why in note) or failed "    \
      "(why in note; never carries a speed)", fputs(hm_status_name(r->status), f))             \
    X(hits, "int", "samples", "all", "points inside the quarter circle; every ok row equals "  \
      "serial's count for the same samples and seed", if (r->has_hits) put_u64(f, r->res.hits)) \
    X(pi_estimate, "float", "", "all", "4 hits / samples", put_num(f, row_estimate(r), "%.17g")) \
    X(abs_error, "float", "", "all", "abs(pi_estimate - pi)",                                  \
      put_num(f, fabs(row_estimate(r) - HM_PI), "%.17g"))                                      \
    X(wall_s, "float", "s", "all", "the caller's CLOCK_MONOTONIC around the whole run() call, " \
      "per call (the mean over calls)", put_num(f, r->wall_s, "%.9g"))                         \
    X(setup_s, "float", "s", "all", "creating workers, processes or programs until all are "   \
      "ready, per call (as every time below)", put_num(f, r->res.setup_s, "%.9g"))             \
    X(compute_s, "float", "s", "all", "computing (the slowest worker's for parallel backends)", \
      put_num(f, r->res.compute_s, "%.9g"))                                                    \
    X(collect_s, "float", "s", "all", "gathering results (joins, pipes, reductions, "          \
      "transfers)", put_num(f, r->res.collect_s, "%.9g"))                                      \
    X(samples_per_s, "float", "samples/s", "all", "samples / wall_s; ok rows only",            \
      put_num(f, r->status == HM_STATUS_OK ? hm_row_rate(r) : NAN, "%.6g"))                     \
    X(note, "string", "", "all", "why skipped or failed, or a warning (one line)",             \
      hm_csv_field(f, r->note))                                                                \
    X(timer, "string", "", "all", "which clocks produced the times, e.g. host-monotonic "      \
      "(python-time.monotonic for bench/lesson.py rows)", hm_csv_field(f, r->res.timer))       \
    X(build_s, "float", "s", "opencl", "the OpenCL program build; py-numba rows: numba's JIT "  \
      "compile", put_num(f, r->res.build_s, "%.9g"))                                           \
    X(kernel_s, "float", "s", "opencl", "kernel time from event profiling: the first "         \
      "launch's start to the last launch's end on the device's clock",                         \
      put_num(f, r->res.kernel_s, "%.9g"))                                                     \
    X(transfer_s, "float", "s", "opencl", "host-device transfers",                             \
      put_num(f, r->res.transfer_s, "%.9g"))                                                   \
    X(local_size, "int", "work-items", "opencl", "the work-group size",                        \
      put_count(f, r->res.local_size))                                                         \
    X(launches, "int", "", "opencl", "kernel launches of the run (each sized for about 15 ms; " \
      "the note gives their size)", put_count(f, r->res.launches))                             \
    X(sigmas, "float", "standard errors", "all", "distance of pi_estimate from pi; a row more " \
      "than 6 away is failed (N >= 1000); empty when the standard error is 0 (every sample a "  \
      "hit, or none)", put_num(f, isinf(r->sigmas) ? NAN : r->sigmas, "%.4g"))                 \
    X(calls, "int", "", "all", "back-to-back runs timed as this repetition (to last "          \
      "--min-time; always 1 for mpi); the times are per call", put_count(f, r->calls))         \
    X(tasks, "int", "", "process backends, coexec", "--tasks: tasks a run was split into and " \
      "handed out to whichever worker was free; coexec: the chunks handed to its parts; "      \
      "empty when one slice per worker", put_count(f, r->res.tasks))                           \
    X(item_blocks, "int", "Philox blocks", "opencl", "blocks (2 samples each) counted by one " \
      "work-item (--item-blocks, else the device's default)", put_count(f, r->res.item_blocks)) \
    X(create_s, "float", "s", "pool, forkserver", "one-time creation of reusable workers, in "  \
      "no repetition's wall time (pool: its workers; forkserver: its server)",                  \
      put_num(f, r->res.create_s, "%.9g"))                                                     \
    X(parts, "string", "", "coexec, mpi", "PART=SHARE@RATE per part, ;-separated: the "        \
      "fraction of the samples each part counted and its samples/s (mpi with --parts: rank "   \
      "0's)", hm_csv_field(f, r->res.parts))                                                   \
    X(balance, "float", "", "coexec, mpi", "earliest part finish / latest part finish (1: "    \
      "together; mpi with --parts: the lowest of any rank)", put_num(f, r->res.balance, "%.4g")) \
    X(foreign_cpu, "float", "cores", "all but mpi", "CPU time other programs used on the CPUs " \
      "hetmc may run on during the repetition, per second of wall (/proc/stat less hetmc's "   \
      "own; empty where not measured)", put_num(f, r->foreign_cpu, "%.3f"))                     \
    X(steal, "float", "cores", "all but mpi", "CPU time the hypervisor took from those CPUs, "  \
      "per second of wall", put_num(f, r->steal, "%.3f"))                                      \
    X(interfered, "bool", "", "all but mpi", "true when foreign_cpu exceeded its limit (0.1 "  \
      "core, or 5% of the CPUs the workers left idle, plus the measurement's resolution): "    \
      "left out of the comparison's medians and measured again; empty when not judged",        \
      fputs(r->interfered < 0 ? "" : r->interfered ? "true" : "false", f))

typedef void (*col_writer)(FILE *f, const hm_row *r, const row_ctx *c);

#define X(name, type, unit, by, meaning, put)                                                  \
    static void col_##name(FILE *f, const hm_row *r, const row_ctx *c)                         \
    {                                                                                          \
        (void)r;                                                                               \
        (void)c;                                                                               \
        put;                                                                                   \
    }
HM_RUNS_COLUMNS(X)
#undef X

#define X(name, type, unit, by, meaning, put) col_##name,
static const col_writer col_writers[] = {HM_RUNS_COLUMNS(X)};
#undef X

#define X(name, type, unit, by, meaning, put) {#name, type, unit, by, meaning},
static const hm_column runs_columns[] = {HM_RUNS_COLUMNS(X)};
#undef X

#define RUNS_NCOL (sizeof runs_columns / sizeof runs_columns[0])

const hm_column *hm_runs_columns(size_t *n)
{
    *n = RUNS_NCOL;
    return runs_columns;
}

int hm_write_whole(FILE *f, const char *buf, size_t len)
{
    /* Nothing else may be pending, so that `at` is where this piece starts. */
    if (fflush(f) != 0)
        return -1;
    off_t at = ftello(f);
    errno = 0;
    if (fwrite(buf, 1, len, f) == len && fflush(f) == 0)
        return 0;
    int e = errno ? errno : EIO;
    if (at >= 0 && fileno(f) >= 0) {
        /* A regular file that took part of it (a full disk) is cut back: whole rows only. */
        if (ftruncate(fileno(f), at) == 0)
            fseeko(f, at, SEEK_SET);
    }
    errno = e;
    return -1;
}

int hm_csv_header(FILE *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return -1;
    for (size_t i = 0; i < RUNS_NCOL; i++)
        fprintf(m, "%s%s", i ? "," : "", runs_columns[i].name);
    fputc('\n', m);
    if (fclose(m) != 0) {
        free(text);
        return -1;
    }
    int rc = hm_write_whole(f, text, len);
    int e = errno;
    free(text);
    errno = e;
    return rc;
}

/* The fields of one row, each from its column's writer, then its line break. */
static void csv_row_fields(FILE *f, const hm_row *row)
{
    row_ctx c;
    time_t now = time(NULL);
    struct tm tm;

    hm_hostname(c.host, sizeof c.host);
    gmtime_r(&now, &tm);
    strftime(c.when, sizeof c.when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (size_t i = 0; i < RUNS_NCOL; i++) {
        if (i)
            fputc(',', f);
        col_writers[i](f, row, &c);
    }
    fputc('\n', f);
}

int hm_csv_row_text(const hm_row *row, char **text, size_t *len)
{
    FILE *f = open_memstream(text, len);
    if (!f)
        return -1;
    csv_row_fields(f, row);
    if (fclose(f) != 0) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

int hm_csv_row(FILE *f, const hm_row *row)
{
    char *text = NULL;
    size_t len = 0;
    if (hm_csv_row_text(row, &text, &len) < 0)
        return -1;
    int rc = hm_write_whole(f, text, len);
    int e = errno;
    free(text);
    errno = e;
    return rc;
}

void hm_table_header(FILE *f)
{
    fprintf(f, "%-10s %-10s %4s %7s %-7s %20s %-12s %10s %6s %11s %11s %11s %11s %11s\n",
            "backend", "device", "rep", "workers", "status", "hits", "pi_estimate", "error (SE)",
            "calls", "wall (s)", "setup (s)", "compute (s)", "collect (s)", "samples/s");
}

static void table_num(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fprintf(f, " %11s", "-");
    else
        fprintf(f, fmt, v);
}

void hm_table_row(FILE *f, const hm_row *row)
{
    fprintf(f, "%-10s %-10.10s %4u %7u %-7s ", row->backend, row->res.device, row->rep,
            row->workers, hm_status_name(row->status));
    if (row->has_hits)
        fprintf(f, "%20llu %-12.10f", (unsigned long long)row->res.hits,
                hm_pi_estimate(row->res.hits, row->samples));
    else
        fprintf(f, "%20s %-12s", "-", "-");
    if (isnan(row->sigmas))
        fprintf(f, " %10s", "-");
    else
        fprintf(f, " %10.2f", row->sigmas);
    fprintf(f, " %6u", row->calls);
    table_num(f, row->wall_s, " %11.6f");
    table_num(f, row->res.setup_s, " %11.6f");
    table_num(f, row->res.compute_s, " %11.6f");
    table_num(f, row->res.collect_s, " %11.6f");
    table_num(f, hm_row_rate(row), " %11.4g");
    fputc('\n', f);
    if (row->note[0])
        fprintf(f, "  note: %s\n", row->note);
}
