/* report.c - rows, the validation of a count, CSV and table output. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

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

/* A number column: empty when not applicable (NAN). %.9g keeps nanoseconds on seconds. */
static void csv_num(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

/* A count column: empty when 0 (not applicable). */
static void csv_count(FILE *f, uint64_t v)
{
    fputc(',', f);
    if (v)
        fprintf(f, "%llu", (unsigned long long)v);
}

static const char csv_header[] =
    "format_version,timestamp_utc,host,backend,device,workers,samples,seed,rep,status,hits,"
    "pi_estimate,abs_error,wall_s,setup_s,compute_s,collect_s,samples_per_s,note,timer,build_s,"
    "kernel_s,transfer_s,local_size,launches,sigmas,calls,tasks,item_blocks,create_s,parts,"
    "balance\n";

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
    return hm_write_whole(f, csv_header, sizeof csv_header - 1);
}

/* The fields of one row, then its line break. */
static void csv_row_fields(FILE *f, const hm_row *row)
{
    char host[256], when[32];
    time_t now = time(NULL);
    struct tm tm;
    int ok = row->status == HM_STATUS_OK;

    hm_hostname(host, sizeof host);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);

    fprintf(f, "%d,%s,", HM_CSV_FORMAT_VERSION, when);
    hm_csv_field(f, host);
    fputc(',', f);
    hm_csv_field(f, row->backend);
    fputc(',', f);
    hm_csv_field(f, row->res.device);
    fprintf(f, ",%u,%llu,%llu,%u,%s,", row->workers, (unsigned long long)row->samples,
            (unsigned long long)row->seed, row->rep, hm_status_name(row->status));
    if (row->has_hits) {
        double est = hm_pi_estimate(row->res.hits, row->samples);
        fprintf(f, "%llu", (unsigned long long)row->res.hits);
        csv_num(f, est, "%.17g");
        csv_num(f, fabs(est - HM_PI), "%.17g");
    } else {
        fputs(",,", f);
    }
    csv_num(f, row->wall_s, "%.9g");
    csv_num(f, row->res.setup_s, "%.9g");
    csv_num(f, row->res.compute_s, "%.9g");
    csv_num(f, row->res.collect_s, "%.9g");
    csv_num(f, ok ? hm_row_rate(row) : NAN, "%.6g");
    fputc(',', f);
    hm_csv_field(f, row->note);
    fputc(',', f);
    hm_csv_field(f, row->res.timer);
    csv_num(f, row->res.build_s, "%.9g");
    csv_num(f, row->res.kernel_s, "%.9g");
    csv_num(f, row->res.transfer_s, "%.9g");
    csv_count(f, row->res.local_size);
    csv_count(f, row->res.launches);
    csv_num(f, row->sigmas, "%.4g");
    csv_count(f, row->calls);
    csv_count(f, row->res.tasks);
    csv_count(f, row->res.item_blocks);
    csv_num(f, row->res.create_s, "%.9g");
    fputc(',', f);
    hm_csv_field(f, row->res.parts);
    csv_num(f, row->res.balance, "%.4g");
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
