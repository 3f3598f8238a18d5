/*
 * cmd_compare.c - `hetmc compare A B`: two runs (runs.csv files or results folders) side by
 * side, e.g. a laptop and a GPU node, or before and after a change.
 *
 * Reading: both files must be hetmc results of a CSV format_version that this hetmc reads
 * (1, 2 or 3), every row of a file the same version, and both files the same one, except
 * that 2 and 3 mix (3 only adds columns at the end: the foreign load, whose interfered rows
 * the statistics leave out); a file whose
 * numbers are not plain decimal (hex, inf, nan, a negative or missing time, a count with a
 * sign) is rejected naming the row. Every problem is exit 2 with one line on stderr.
 *
 * Pairing: a cell is a backend x device x workers x samples with ok repetitions. A cell of A
 * pairs with B's cell of the same backend, workers and samples on the same device name (and
 * the same seed when B has it); a device whose name runs that backend only on one side pairs
 * on its position among that backend's devices instead (the order their first ok rows
 * appear: the matrix runs devices in index order), so two machines' OpenCL devices pair even
 * though their names differ; both names are shown. Cells without a partner are listed.
 *
 * For each pair: the median wall times, their ratio B/A (< 1: B faster), the Hodges-Lehmann
 * estimate of the ratio with its distribution-free 95% interval (shift.h), and a two-sided
 * Mann-Whitney U test of the repetitions, significant at p < 0.05. As a table (default) or
 * as CSV (--format csv, RFC 4180), JSON or a Markdown table (export.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "csvread.h"
#include "export.h"
#include "report.h"
#include "shift.h"
#include "stats.h"
#include "summary.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COMPARE_ACCEPTED                                                                     \
    "A B (runs.csv files or results folders), --format table|csv|json|markdown, --help"

/* The output formats, in the order of format_names. */
enum { F_TABLE, F_CSV, F_JSON, F_MARKDOWN, F_COUNT };
static const char *const format_names[F_COUNT] = {"table", "csv", "json", "markdown"};

enum pairing { PAIR_NONE, PAIR_NAME, PAIR_POSITION };

/* One cell of one side: a group with ok repetitions. */
typedef struct cell {
    const hm_group *g;
    unsigned pos;          /* the device's position among this backend's devices */
    int named;             /* the other side runs this backend on a device of this name */
    const struct cell *to; /* its partner on the other side, or NULL */
    enum pairing how;
} cell;

/* (backend, device) in the order of their first ok row. */
typedef struct device_seen {
    const char *backend, *device;
    unsigned pos;
} device_seen;

typedef struct side {
    const char *name; /* as given */
    char path[4200];
    int version;
    hm_csv csv;
    hm_summary sum;
    device_seen *devs;
    size_t ndevs;
    cell *cells;
    size_t ncells, left_out; /* left out: groups without an ok repetition */
} side;

static void compare_help(FILE *f)
{
    fprintf(f, "usage: hetmc compare A B [--format table|csv|json|markdown]\n"
               "\n"
               "A and B are runs.csv files or results folders (e.g. laptop vs GPU node, before vs\n"
               "after) of CSV format_version 1, 2 or 3 (2 and 3 mix; 1 only with 1). Cells pair\n"
               "on backend, workers and samples, and on the device name, or on the device's position\n"
               "among that backend's devices when its name is on one side only (two machines'\n"
               "OpenCL devices); both names are shown, and cells on one side only are listed.\n"
               "For each pair: median wall time of each, ratio = median_B / median_A (< 1: B is\n"
               "faster), the Hodges-Lehmann ratio with its distribution-free 95%% interval, and a\n"
               "two-sided Mann-Whitney U test of the repetitions (exact without ties up to 40\n"
               "repetitions, else normal approximation); significant when p < 0.05. With 3\n"
               "repetitions a side the smallest possible p is 0.1 and the interval covers 90%%;\n"
               "use 4 or more (the default).\n"
               "--format: table (default, for people), csv (one row per pair, then the cells of\n"
               "one side only), json (the same rows as a document naming A and B) or markdown\n"
               "(a table ready to paste into an issue or a pull request).\n");
}

/* ---- reading and checking --------------------------------------------------------------- */

static int is_uint(const char *s, uint64_t max)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return 0;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    return errno == 0 && v <= max;
}

/* Why a time field is not a plain decimal number >= 0, or NULL when it is (or is empty). */
static const char *time_problem(const char *s)
{
    char *end;
    if (!*s)
        return NULL;
    if (strpbrk(s, "iInN") && strspn(s, "0123456789.eE+-") != strlen(s))
        return "is not a finite number";
    if (strspn(s, "0123456789.eE+-") != strlen(s))
        return "is not a decimal number";
    double v = strtod(s, &end);
    if (*end || end == s)
        return "is not a number";
    if (!isfinite(v))
        return "is not finite";
    return v < 0 ? "is negative" : NULL;
}

/* The columns the checks read, in this order. */
enum { K_VERSION, K_BACKEND, K_DEVICE, K_WORKERS, K_SAMPLES, K_SEED, K_STATUS, K_HITS, K_WALL,
       K_SETUP, K_COMPUTE, K_COLLECT, K_COUNT };
static const char *const k_names[K_COUNT] = {
    "format_version", "backend", "device", "workers",   "samples",  "seed",
    "status",         "hits",    "wall_s", "setup_s", "compute_s", "collect_s"};

/* "hetmc compare: NAME: row R after the header: ..." as the usage error; returns 2. */
static int row_error(const side *sd, size_t r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int row_error(const side *sd, size_t r, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hm_usage_error("compare", "%s: row %zu after the header: %s", sd->name, r, msg);
}

/* format_version: 1, 2 or 3, the same on every row of a file. Returns 0, or 2 as check_row. */
static int check_version(side *sd, const char *v, size_t r)
{
    if (!sd->version && (strcmp(v, "1") == 0 || strcmp(v, "2") == 0 || strcmp(v, "3") == 0))
        sd->version = v[0] - '0';
    if (!sd->version || v[0] - '0' != sd->version || v[1])
        return row_error(sd, r, "format_version '%s' %s", v,
                         sd->version ? "differs from the file's first row; a file must hold "
                                       "one version" : "is not one this hetmc reads (1, 2, 3)");
    return 0;
}

/* The whole numbers of a row (hits may be empty unless it is ok), then its times. */
static int check_numbers(side *sd, char **row, const int *c, size_t r, int ok)
{
    for (int k = K_WORKERS; k <= K_HITS; k++) {
        if (k == K_STATUS || (k == K_HITS && !ok && !*row[c[k]]))
            continue;
        uint64_t max = k == K_SAMPLES ? HM_MAX_SAMPLES : k == K_WORKERS ? UINT32_MAX : UINT64_MAX;
        if (!is_uint(row[c[k]], max))
            return row_error(sd, r, "%s '%s' is not a whole decimal number in range",
                             k_names[k], row[c[k]]);
    }
    for (int k = K_WALL; k <= K_COLLECT; k++) {
        const char *why = time_problem(row[c[k]]);
        if (!why && k == K_WALL && ok && !(strtod(row[c[k]], NULL) > 0))
            why = "is not above 0 on an ok row";
        if (why)
            return row_error(sd, r, "%s '%s' %s", k_names[k], row[c[k]], why);
    }
    return 0;
}

/* Checks one row (1-based r). Returns 0, or 2 after the usage error. */
static int check_row(side *sd, char **row, const int *c, size_t r)
{
    const char *st = row[c[K_STATUS]];
    int ok = strcmp(st, "ok") == 0;
    int rc = check_version(sd, row[c[K_VERSION]], r);
    if (rc)
        return rc;
    if (!ok && strcmp(st, "skipped") != 0 && strcmp(st, "failed") != 0)
        return row_error(sd, r, "status '%s' is not ok, skipped or failed", st);
    return check_numbers(sd, row, c, r, ok);
}

/* Notes the (backend, device) of an ok row the first time it is seen. Returns 0 or -1. */
static int see_device(side *sd, const char *backend, const char *device)
{
    unsigned pos = 0;
    for (size_t i = 0; i < sd->ndevs; i++) {
        if (strcmp(sd->devs[i].backend, backend) != 0)
            continue;
        if (strcmp(sd->devs[i].device, device) == 0)
            return 0;
        pos++;
    }
    device_seen *p = realloc(sd->devs, (sd->ndevs + 1) * sizeof *p);
    if (!p)
        return -1;
    sd->devs = p;
    sd->devs[sd->ndevs++] = (device_seen){backend, device, pos};
    return 0;
}

/* Every row checked, the versions found, the devices' positions noted. Returns 0 or 2. */
static int check_rows(side *sd)
{
    int c[K_COUNT];
    for (int k = 0; k < K_COUNT; k++)
        if ((c[k] = hm_csv_col(&sd->csv, k_names[k])) < 0)
            return hm_usage_error("compare", "%s: no column '%s': not a hetmc results CSV",
                                  sd->name, k_names[k]);
    for (size_t r = 0; r < sd->csv.nrows; r++) {
        char **row = sd->csv.rows[r];
        if (!*row[c[K_STATUS]] && !*row[c[K_VERSION]])
            continue; /* a blank line */
        if (check_row(sd, row, c, r + 1))
            return HM_EXIT_USAGE;
        if (strcmp(row[c[K_STATUS]], "ok") == 0 &&
            see_device(sd, row[c[K_BACKEND]], row[c[K_DEVICE]]) < 0)
            return hm_usage_error("compare", "out of memory");
    }
    if (!sd->version)
        return hm_usage_error("compare", "%s: no rows", sd->name);
    return 0;
}

/* Reads and checks one side. Returns 0, or 2 after the usage error. */
static int load(side *sd)
{
    char msg[512];
    struct stat st;
    if (stat(sd->name, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(sd->path, sizeof sd->path, "%s/runs.csv", sd->name);
    else
        snprintf(sd->path, sizeof sd->path, "%s", sd->name);
    if (hm_csv_read(sd->path, &sd->csv, msg, sizeof msg) < 0)
        return hm_usage_error("compare", "%s: %s", sd->path, msg);
    if (sd->csv.torn_line)
        return hm_usage_error("compare", "%s: line %zu: the last row is not whole: %s; hetmc "
                              "writes whole rows", sd->path, sd->csv.torn_line,
                              sd->csv.torn_why);
    if (check_rows(sd))
        return HM_EXIT_USAGE;
    if (hm_summarize(&sd->csv, &sd->sum, msg, sizeof msg) < 0)
        return hm_usage_error("compare", "%s: %s", sd->name, msg);
    return 0;
}

/* ---- pairing ---------------------------------------------------------------------------- */

static const device_seen *device_of(const side *sd, const char *backend, const char *device)
{
    for (size_t i = 0; i < sd->ndevs; i++)
        if (strcmp(sd->devs[i].backend, backend) == 0 && strcmp(sd->devs[i].device, device) == 0)
            return &sd->devs[i];
    return NULL;
}

/* The cells of sd: its groups with ok repetitions, with positions and names looked up. */
static int make_cells(side *sd, const side *other)
{
    sd->cells = calloc(sd->sum.n ? sd->sum.n : 1, sizeof *sd->cells);
    if (!sd->cells)
        return -1;
    for (size_t i = 0; i < sd->sum.n; i++) {
        const hm_group *g = &sd->sum.g[i];
        const device_seen *d = device_of(sd, g->backend, g->device);
        if (!g->n_ok || !d) {
            sd->left_out++;
            continue;
        }
        cell *c = &sd->cells[sd->ncells++];
        c->g = g;
        c->pos = d->pos;
        c->named = device_of(other, g->backend, g->device) != NULL;
    }
    return 0;
}

/* The order of the search: backend, workers, samples, then the device's name or position. */
static int by_position; /* the key qsort and bsearch compare; set before each use */

static int cmp_key(const cell *x, const cell *y)
{
    int c = strcmp(x->g->backend, y->g->backend);
    if (c)
        return c;
    if (x->g->workers != y->g->workers)
        return x->g->workers < y->g->workers ? -1 : 1;
    if (x->g->samples != y->g->samples)
        return x->g->samples < y->g->samples ? -1 : 1;
    if (by_position)
        return (x->pos > y->pos) - (x->pos < y->pos);
    return strcmp(x->g->device, y->g->device);
}

static int cmp_cells(const void *x, const void *y)
{
    return cmp_key(*(cell *const *)x, *(cell *const *)y);
}

/* The partner of a among the sorted candidates of B: the same key, the same seed preferred. */
static cell *find_partner(const cell *a, cell **sorted, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first candidate not below a */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(sorted[mid], a) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    cell *any = NULL;
    for (size_t i = lo; i < n && cmp_key(sorted[i], a) == 0; i++) {
        if (sorted[i]->to)
            continue;
        if (sorted[i]->g->seed == a->g->seed)
            return sorted[i];
        if (!any)
            any = sorted[i];
    }
    return any;
}

/* One pass: A's unpaired cells (named or not, as the pass asks) against B's. */
static int pair_pass(side *a, side *b, enum pairing how)
{
    cell **sorted = malloc((b->ncells ? b->ncells : 1) * sizeof *sorted);
    size_t n = 0;
    if (!sorted)
        return -1;
    by_position = how == PAIR_POSITION;
    for (size_t i = 0; i < b->ncells; i++)
        if (!b->cells[i].to && (how == PAIR_NAME || !b->cells[i].named))
            sorted[n++] = &b->cells[i];
    qsort(sorted, n, sizeof *sorted, cmp_cells);
    for (size_t i = 0; i < a->ncells; i++) {
        cell *c = &a->cells[i];
        if (c->to || (how == PAIR_POSITION && c->named))
            continue;
        cell *p = find_partner(c, sorted, n);
        if (p) {
            c->to = p;
            p->to = c;
            c->how = p->how = how;
        }
    }
    free(sorted);
    return 0;
}

/* ---- output ----------------------------------------------------------------------------- */

/* What one pair's statistics are. */
typedef struct pair_stats {
    double ratio, u, p;
    hm_ratio ci;
    const char *hits;
} pair_stats;

static pair_stats pair_of(const hm_group *a, const hm_group *b)
{
    pair_stats s;
    s.p = hm_mann_whitney(a->wall_s, a->n_ok, b->wall_s, b->n_ok, &s.u);
    s.ratio = b->median_s / a->median_s;
    hm_ratio_ci(a->wall_s, a->n_ok, b->wall_s, b->n_ok, &s.ci);
    s.hits = a->seed != b->seed ? "other seed"
             : (a->hits_agree && b->hits_agree && a->hits == b->hits) ? "equal" : "DIFFER";
    return s;
}

static const char *how_name(enum pairing how, int b_only)
{
    return how == PAIR_NAME ? "name" : how == PAIR_POSITION ? "position"
                                     : b_only ? "b_only" : "a_only";
}

/* The columns of --format csv, json and markdown, in file order (schema.h's hm_column). */
static const hm_column compare_columns[] = {
    {"backend", "string", "", "all", "the cell's backend"},
    {"workers", "int", "", "all", "the cell's workers"},
    {"samples", "int", "samples", "all", "the cell's samples"},
    {"device_a", "string", "", "all", "A's device (empty: the cell is B's only)"},
    {"device_b", "string", "", "all", "B's device (empty: the cell is A's only)"},
    {"paired_on", "string", "", "all", "name, position, a_only or b_only"},
    {"reps_a", "int", "", "all", "A's ok repetitions"},
    {"reps_b", "int", "", "all", "B's ok repetitions"},
    {"median_wall_s_a", "float", "s", "all", "A's median wall time"},
    {"median_wall_s_b", "float", "s", "all", "B's median wall time"},
    {"ratio_b_over_a", "float", "", "all", "median B / median A (< 1: B faster)"},
    {"ratio_hl", "float", "", "all", "Hodges-Lehmann estimate of the ratio"},
    {"ratio_ci_low", "float", "", "all", "its distribution-free interval: low end"},
    {"ratio_ci_high", "float", "", "all", "its high end"},
    {"ratio_ci_coverage", "float", "", "all", "the interval's exact coverage"},
    {"samples_per_s_a", "float", "samples/s", "all", "A's samples / median wall"},
    {"samples_per_s_b", "float", "samples/s", "all", "B's samples / median wall"},
    {"mann_whitney_u", "float", "", "all", "the Mann-Whitney U statistic"},
    {"p_value", "float", "", "all", "its two-sided p"},
    {"significant", "bool", "", "all", "p < 0.05"},
    {"hits_equal", "string", "", "all", "equal, DIFFER, or other seed"},
};
#define COMPARE_NCOL (sizeof compare_columns / sizeof compare_columns[0])

static void csv_header(FILE *f)
{
    for (size_t i = 0; i < COMPARE_NCOL; i++)
        fprintf(f, "%s%s", i ? "," : "", compare_columns[i].name);
    fputc('\n', f);
}

static void csv_num(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

/* The fields of a CSV row that name the cell: backend, workers, samples, the devices, how
 * the cells were paired, and the ok repetitions of each side. */
static void csv_key(FILE *f, const cell *ca, const cell *cb)
{
    const hm_group *a = ca ? ca->g : NULL, *b = cb ? cb->g : NULL, *any = a ? a : b;
    hm_csv_field(f, any->backend);
    fprintf(f, ",%u,%llu,", any->workers, (unsigned long long)any->samples);
    hm_csv_field(f, a ? a->device : "");
    fputc(',', f);
    hm_csv_field(f, b ? b->device : "");
    fprintf(f, ",%s,", how_name(ca ? ca->how : cb->how, !a));
    if (a)
        fprintf(f, "%zu", a->n_ok);
    fputc(',', f);
    if (b)
        fprintf(f, "%zu", b->n_ok);
}

/* One CSV row: a pair, or a cell of one side (the other's fields empty). */
static void csv_row(FILE *f, const cell *ca, const cell *cb)
{
    const hm_group *a = ca ? ca->g : NULL, *b = cb ? cb->g : NULL;
    pair_stats s = {NAN, NAN, NAN, {NAN, NAN, NAN, NAN}, ""};
    if (a && b)
        s = pair_of(a, b);
    csv_key(f, ca, cb);
    csv_num(f, a ? a->median_s : NAN, "%.9g");
    csv_num(f, b ? b->median_s : NAN, "%.9g");
    csv_num(f, s.ratio, "%.6g");
    csv_num(f, s.ci.estimate, "%.6g");
    csv_num(f, s.ci.lo, "%.6g");
    csv_num(f, s.ci.hi, "%.6g");
    csv_num(f, s.ci.coverage, "%.4f");
    csv_num(f, a ? a->rate : NAN, "%.6g");
    csv_num(f, b ? b->rate : NAN, "%.6g");
    csv_num(f, s.u, "%.1f");
    csv_num(f, s.p, "%.4g");
    fprintf(f, ",%s,%s\n", a && b ? (s.p < 0.05 ? "true" : "false") : "", s.hits);
}

static void table_header(const side *a, const side *b, int bw)
{
    printf("# hetmc compare: A = %s, B = %s (CSV format_version %d and %d)\n"
           "# ratio = median wall B / median wall A (< 1: B faster); CI: Hodges-Lehmann ratio's "
           "95%% interval;\n# Mann-Whitney U two-sided, significant at p < 0.05\n"
           "%-*s %-14s %7s %12s %4s %4s %12s %12s %8s %-21s %9s %-13s %s\n",
           a->name, b->name, a->version, b->version, bw, "backend", "device", "workers", "samples", "n_A",
           "n_B",
           "median A (s)", "median B (s)", "ratio", "95% CI of ratio", "p", "significant",
           "hits");
}

/* One table row of a pair; a second line names both devices when their names differ. */
static void table_pair(const cell *ca, int bw, int *low_coverage)
{
    const hm_group *a = ca->g, *b = ca->to->g;
    pair_stats s = pair_of(a, b);
    char ci[48] = "-";
    if (!isnan(s.ci.lo))
        snprintf(ci, sizeof ci, "[%.4g, %.4g]%s", s.ci.lo, s.ci.hi,
                 s.ci.coverage < 0.95 ? "~" : "");
    *low_coverage |= s.ci.coverage < 0.95;
    printf("%-*s %-14.14s %7u %12llu %4zu %4zu %12.6g %12.6g %8.4f %-21s %9.3g %-13s %s\n",
           bw, a->backend, a->device, a->workers, (unsigned long long)a->samples, a->n_ok, b->n_ok,
           a->median_s, b->median_s, s.ratio, ci, s.p,
           s.p < 0.05 ? (s.ratio < 1 ? "yes, B faster" : "yes, B slower") : "no", s.hits);
    if (strcmp(a->device, b->device) != 0)
        printf("    devices: A \"%s\", B \"%s\" (paired on position %u among the %s devices)\n",
               a->device, b->device, ca->pos, a->backend);
}

/* The cells of sd without a partner, one line each. */
static void table_unpaired(const side *sd, const char *which)
{
    size_t n = 0;
    for (size_t i = 0; i < sd->ncells; i++)
        n += !sd->cells[i].to;
    printf("# only in %s: %zu cell%s\n", which, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < sd->ncells; i++) {
        const hm_group *g = sd->cells[i].g;
        if (!sd->cells[i].to)
            printf("#   %s \"%s\" workers %u samples %llu (%zu ok repetitions)\n", g->backend,
                   g->device, g->workers, (unsigned long long)g->samples, g->n_ok);
    }
}

static void print_table(const side *a, const side *b)
{
    size_t by[3] = {0};
    int low_coverage = 0, bw = 7; /* the backend column fits the longest name */
    for (size_t i = 0; i < a->ncells; i++)
        if (a->cells[i].to && (int)strlen(a->cells[i].g->backend) > bw)
            bw = (int)strlen(a->cells[i].g->backend);
    table_header(a, b, bw);
    for (size_t i = 0; i < a->ncells; i++)
        if (a->cells[i].to) {
            by[a->cells[i].how]++;
            table_pair(&a->cells[i], bw, &low_coverage);
        }
    printf("# %zu shared cell%s (%zu paired on the device name, %zu on its position)\n",
           by[PAIR_NAME] + by[PAIR_POSITION], by[PAIR_NAME] + by[PAIR_POSITION] == 1 ? "" : "s",
           by[PAIR_NAME], by[PAIR_POSITION]);
    if (low_coverage)
        printf("# ~: fewer repetitions than a 95%% interval needs; see ratio_ci_coverage in "
               "--format csv\n");
    table_unpaired(a, "A");
    table_unpaired(b, "B");
    if (a->left_out || b->left_out)
        printf("# without ok repetitions, left out: %zu cell%s of A, %zu of B\n", a->left_out,
               a->left_out == 1 ? "" : "s", b->left_out);
}

static void print_csv(FILE *f, const side *a, const side *b)
{
    csv_header(f);
    for (size_t i = 0; i < a->ncells; i++)
        if (a->cells[i].to)
            csv_row(f, &a->cells[i], a->cells[i].to);
    for (size_t i = 0; i < a->ncells; i++)
        if (!a->cells[i].to)
            csv_row(f, &a->cells[i], NULL);
    for (size_t i = 0; i < b->ncells; i++)
        if (!b->cells[i].to)
            csv_row(f, NULL, &b->cells[i]);
}

/* The columns of --format markdown: the pair, its medians, ratio, interval and test. */
static const char *const md_columns[] = {
    "backend", "workers", "samples", "device_a", "device_b", "reps_a", "reps_b",
    "median_wall_s_a", "median_wall_s_b", "ratio_b_over_a", "ratio_ci_low", "ratio_ci_high",
    "p_value", "significant", "hits_equal", NULL};

/* The CSV rows as JSON (a document with both names) or as a Markdown table to paste, through
 * their CSV text (export.h). Returns 0, or -1 when out of memory. */
static int print_export(int format, const side *a, const side *b)
{
    char *text = NULL, msg[128];
    size_t len = 0, idx[COMPARE_NCOL];
    hm_csv csv;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return -1;
    print_csv(m, a, b);
    int rc = fclose(m) == 0 ? hm_csv_parse(text, len, &csv, msg, sizeof msg) : -1;
    free(text);
    if (rc < 0)
        return -1;
    if (format == F_JSON) {
        printf("{\n  \"format_version\": %d,\n  \"csv_format_version\": %d,\n  \"a\": ",
               HM_JSON_FORMAT_VERSION, a->version);
        hm_json_string(stdout, a->name);
        printf(",\n  \"b\": ");
        hm_json_string(stdout, b->name);
        printf(",\n  \"pairs\": ");
        hm_json_rows(stdout, &csv, compare_columns, COMPARE_NCOL, "  ");
        printf("\n}\n");
    } else {
        size_t n = hm_md_pick(&csv, md_columns, idx);
        printf("hetmc compare: A = `%s`, B = `%s`; ratio = median wall B / median wall A "
               "(< 1: B faster), 95%% interval of the Hodges-Lehmann ratio, Mann-Whitney U "
               "p (significant: p < 0.05)\n\n", a->name, b->name);
        hm_md_header(stdout, &csv, idx, n, compare_columns, COMPARE_NCOL);
        for (size_t r = 0; r < csv.nrows; r++)
            hm_md_row(stdout, &csv, r, idx, n);
    }
    hm_csv_free(&csv);
    return 0;
}

/* ---- the command ------------------------------------------------------------------------ */

/* Options: sets *format (F_*). Returns -1 to go on, else the exit code. */
static int compare_parse(int argc, char **argv, int *format)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "compare";
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            *format = -1;
            for (int i = 0; i < F_COUNT; i++)
                *format = strcmp(optarg, format_names[i]) == 0 ? i : *format;
            if (*format < 0)
                return hm_usage_error(cmd, "--format '%s' is not a format; accepted: table, "
                                      "csv, json, markdown", optarg);
            break;
        case 'h':
            compare_help(stdout);
            return HM_EXIT_OK;
        case ':':
            return hm_bad_option(cmd, 1, argv[optind - 1], COMPARE_ACCEPTED);
        default:
            return hm_bad_option(cmd, 0, argv[optind - 1], COMPARE_ACCEPTED);
        }
    }
    if (argc - optind != 2)
        return hm_usage_error(cmd, "expected two runs A and B, got %d; accepted: %s",
                              argc - optind, COMPARE_ACCEPTED);
    return -1;
}

static void side_free(side *sd)
{
    hm_summary_free(&sd->sum);
    hm_csv_free(&sd->csv);
    free(sd->devs);
    free(sd->cells);
}

int hm_cmd_compare(int argc, char **argv)
{
    int format = F_TABLE, status = HM_EXIT_OK;
    side a = {0}, b = {0};
    int rc = compare_parse(argc, argv, &format);
    if (rc >= 0)
        return rc;
    a.name = argv[optind];
    b.name = argv[optind + 1];
    if (load(&a) || load(&b)) {
        status = HM_EXIT_USAGE;
        goto cleanup;
    }
    if (a.version != b.version && (a.version == 1 || b.version == 1)) {
        status = hm_usage_error("compare", "A (%s) has CSV format_version %d and B (%s) %d: "
                                "compare runs of one version (regenerate the older run)",
                                a.name, a.version, b.name, b.version);
        goto cleanup;
    }
    if (make_cells(&a, &b) < 0 || make_cells(&b, &a) < 0 || pair_pass(&a, &b, PAIR_NAME) < 0 ||
        pair_pass(&a, &b, PAIR_POSITION) < 0) {
        fprintf(stderr, "hetmc compare: out of memory\n");
        status = HM_EXIT_FAIL;
        goto cleanup;
    }
    if (format == F_CSV) {
        print_csv(stdout, &a, &b);
    } else if (format == F_TABLE) {
        print_table(&a, &b);
    } else if (print_export(format, &a, &b) < 0) {
        fprintf(stderr, "hetmc compare: out of memory\n");
        status = HM_EXIT_FAIL;
    }
    fflush(stdout);
cleanup:
    side_free(&a);
    side_free(&b);
    return status;
}
