/* summary.c - groups of a long-format CSV and their statistics; see summary.h. */
#include "summary.h"

#include "report.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double num(const char *s)
{
    char *end;
    if (!s || !*s)
        return NAN;
    double v = strtod(s, &end);
    return *end ? NAN : v;
}

static uint64_t u64(const char *s)
{
    return s && *s ? strtoull(s, NULL, 10) : 0;
}

static int push(double **arr, size_t n, double v)
{
    double *p = realloc(*arr, (n + 1) * sizeof *p);
    if (!p)
        return -1;
    p[n] = v;
    *arr = p;
    return 0;
}

static double median_of(const double *sorted, size_t n)
{
    return hm_quantile(sorted, n, 0.5);
}

/* The columns hm_summarize reads, in this order. */
enum { C_BACKEND, C_DEVICE, C_WORKERS, C_SAMPLES, C_SEED, C_STATUS, C_HITS, C_WALL, C_SETUP,
       C_COMPUTE, C_COLLECT, C_COUNT };

/* The group of one row's keys, added when new. NULL when out of memory. */
static hm_group *group_of(hm_summary *s, char **row, const int *c)
{
    unsigned workers = (unsigned)u64(row[c[C_WORKERS]]);
    uint64_t samples = u64(row[c[C_SAMPLES]]), seed = u64(row[c[C_SEED]]);
    for (size_t i = 0; i < s->n; i++) {
        hm_group *h = &s->g[i];
        if (h->workers == workers && h->samples == samples && h->seed == seed &&
            strcmp(h->backend, row[c[C_BACKEND]]) == 0 &&
            strcmp(h->device, row[c[C_DEVICE]]) == 0)
            return h;
    }
    /* A failed prepare writes its device selector, an ok row the device's name; both belong
     * to the same cell only when the names agree, which is good enough. */
    hm_group *p = realloc(s->g, (s->n + 1) * sizeof *p);
    if (!p)
        return NULL;
    s->g = p;
    hm_group *g = &s->g[s->n++];
    memset(g, 0, sizeof *g);
    g->backend = row[c[C_BACKEND]];
    g->device = row[c[C_DEVICE]];
    g->workers = workers;
    g->samples = samples;
    g->seed = seed;
    g->hits_agree = 1;
    return g;
}

/* Adds one row to its group. Returns 0, or -1 when out of memory. */
static int add_row(hm_group *g, char **row, const int *c)
{
    const char *status = row[c[C_STATUS]];
    if (strcmp(status, "skipped") == 0) {
        g->n_skipped++;
        return 0;
    }
    if (strcmp(status, "ok") != 0 || isnan(num(row[c[C_WALL]]))) {
        g->n_failed++;
        return 0;
    }
    uint64_t hits = u64(row[c[C_HITS]]);
    if (g->n_ok == 0)
        g->hits = hits;
    else if (hits != g->hits)
        g->hits_agree = 0;
    if (push(&g->wall_s, g->n_ok, num(row[c[C_WALL]])) < 0 ||
        push(&g->setup_s, g->n_ok, num(row[c[C_SETUP]])) < 0 ||
        push(&g->compute_s, g->n_ok, num(row[c[C_COMPUTE]])) < 0 ||
        push(&g->collect_s, g->n_ok, num(row[c[C_COLLECT]])) < 0)
        return -1;
    g->n_ok++;
    return 0;
}

/* Order statistics of one group's wall times. */
static void describe_group(hm_group *g)
{
    hm_sort(g->wall_s, g->n_ok);
    hm_sort(g->setup_s, g->n_ok);
    hm_sort(g->compute_s, g->n_ok);
    hm_sort(g->collect_s, g->n_ok);
    g->median_s = median_of(g->wall_s, g->n_ok);
    g->min_s = g->n_ok ? g->wall_s[0] : NAN;
    g->max_s = g->n_ok ? g->wall_s[g->n_ok - 1] : NAN;
    g->iqr_s = hm_quantile(g->wall_s, g->n_ok, 0.75) - hm_quantile(g->wall_s, g->n_ok, 0.25);
    g->ci_coverage = hm_median_ci(g->wall_s, g->n_ok, &g->ci_lo_s, &g->ci_hi_s);
    g->rate = g->median_s > 0 ? (double)g->samples / g->median_s : NAN;
}

/* Speedup, efficiency and hits against serial at the same samples and seed. */
static void against_serial(hm_summary *s, hm_group *g)
{
    const hm_group *ref = NULL;
    for (size_t j = 0; j < s->n && !ref; j++)
        if (strcmp(s->g[j].backend, "serial") == 0 && s->g[j].samples == g->samples &&
            s->g[j].seed == g->seed && s->g[j].n_ok)
            ref = &s->g[j];
    g->speedup = g->efficiency = NAN;
    g->hits_match = -1;
    if (!ref || !g->n_ok)
        return;
    g->speedup = ref->median_s / g->median_s;
    g->efficiency = g->speedup / (double)(g->workers ? g->workers : 1);
    g->hits_match = ref->hits_agree && g->hits_agree && g->hits == ref->hits;
}

/* The solo cell of one coexec part: "openmp:3" is backend openmp with 3 workers on the cpu,
 * "opencl:<device name>" backend opencl on that device; at the same samples and seed as g. */
static const hm_group *solo_of(const hm_summary *s, const hm_group *g, const char *label,
                               size_t len)
{
    const char *colon = memchr(label, ':', len);
    if (!colon)
        return NULL;
    size_t blen = (size_t)(colon - label), rlen = len - blen - 1;
    const char *rest = colon + 1;
    int digits = rlen > 0 && strspn(rest, "0123456789") >= rlen;
    for (size_t i = 0; i < s->n; i++) {
        const hm_group *h = &s->g[i];
        if (!h->n_ok || h->samples != g->samples || h->seed != g->seed ||
            strlen(h->backend) != blen || strncmp(h->backend, label, blen) != 0)
            continue;
        if ((strlen(h->device) == rlen && strncmp(h->device, rest, rlen) == 0) ||
            (digits && strcmp(h->device, "cpu") == 0 && h->workers == strtoul(rest, NULL, 10)))
            return h;
    }
    return NULL;
}

/* coexec_efficiency of group g, whose parts column (PART=SHARE@RATE;...) is `parts`. */
static double coexec_efficiency_of(const hm_summary *s, const hm_group *g, const char *parts)
{
    double solo = 0;
    const char *p = parts;
    while (*p) {
        size_t len = strcspn(p, ";");
        const char *eq = NULL;
        for (const char *c = p; c < p + len; c++)
            if (*c == '=')
                eq = c; /* the last '=' ends the label */
        const hm_group *h = eq ? solo_of(s, g, p, (size_t)(eq - p)) : NULL;
        if (!h)
            return NAN;
        solo += h->rate;
        p += len + (p[len] == ';');
    }
    return solo > 0 ? g->rate / solo : NAN;
}

/* Fills coexec_efficiency of every coexec group from the parts column of its first ok row. */
static void coexec_efficiency(const hm_csv *csv, hm_summary *s, const int *c)
{
    int cp = hm_csv_col(csv, "parts");
    for (size_t i = 0; i < s->n; i++)
        s->g[i].coexec_efficiency = NAN;
    for (size_t r = 0; cp >= 0 && r < csv->nrows; r++) {
        char **row = csv->rows[r];
        if (strcmp(row[c[C_BACKEND]], "coexec") != 0 || strcmp(row[c[C_STATUS]], "ok") != 0 ||
            !row[cp][0])
            continue;
        for (size_t i = 0; i < s->n; i++) {
            hm_group *g = &s->g[i];
            if (isnan(g->coexec_efficiency) && g->n_ok && strcmp(g->backend, "coexec") == 0 &&
                strcmp(g->device, row[c[C_DEVICE]]) == 0 &&
                g->workers == (unsigned)u64(row[c[C_WORKERS]]) &&
                g->samples == u64(row[c[C_SAMPLES]]) && g->seed == u64(row[c[C_SEED]]))
                g->coexec_efficiency = coexec_efficiency_of(s, g, row[cp]);
        }
    }
}

int hm_summarize(const hm_csv *csv, hm_summary *s, char *msg, size_t msglen)
{
    static const char *need[C_COUNT] = {"backend", "device",  "workers", "samples",
                                        "seed",    "status",  "hits",    "wall_s",
                                        "setup_s", "compute_s", "collect_s"};
    int c[C_COUNT];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < C_COUNT; i++)
        if ((c[i] = hm_csv_col(csv, need[i])) < 0) {
            snprintf(msg, msglen, "no column '%s': not a hetmc results CSV", need[i]);
            return -1;
        }
    for (size_t r = 0; r < csv->nrows; r++) {
        char **row = csv->rows[r];
        if (!*row[c[C_STATUS]])
            continue; /* a blank line */
        hm_group *g = group_of(s, row, c);
        if (!g || add_row(g, row, c) < 0) {
            snprintf(msg, msglen, "out of memory");
            hm_summary_free(s);
            return -1;
        }
    }
    for (size_t i = 0; i < s->n; i++)
        describe_group(&s->g[i]);
    for (size_t i = 0; i < s->n; i++)
        against_serial(s, &s->g[i]);
    coexec_efficiency(csv, s, c);
    return 0;
}

void hm_summary_free(hm_summary *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->g[i].wall_s);
        free(s->g[i].setup_s);
        free(s->g[i].compute_s);
        free(s->g[i].collect_s);
    }
    free(s->g);
    memset(s, 0, sizeof *s);
}

const hm_group *hm_summary_find(const hm_summary *s, const char *backend, const char *device,
                                unsigned workers, uint64_t samples)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->g[i].workers == workers && s->g[i].samples == samples &&
            strcmp(s->g[i].backend, backend) == 0 && strcmp(s->g[i].device, device) == 0)
            return &s->g[i];
    return NULL;
}

static void cnum(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

void hm_summary_write_csv(FILE *f, const hm_summary *s)
{
    fputs("backend,device,workers,samples,seed,reps_ok,reps_failed,reps_skipped,median_wall_s,"
          "min_wall_s,max_wall_s,iqr_wall_s,ci_low_wall_s,ci_high_wall_s,ci_coverage,"
          "samples_per_s,speedup_vs_serial,parallel_efficiency,median_setup_s,"
          "median_compute_s,median_collect_s,hits,hits_match,coexec_efficiency\n",
          f);
    for (size_t i = 0; i < s->n; i++) {
        const hm_group *g = &s->g[i];
        hm_csv_field(f, g->backend);
        fputc(',', f);
        hm_csv_field(f, g->device);
        fprintf(f, ",%u,%llu,%llu,%zu,%zu,%zu", g->workers, (unsigned long long)g->samples,
                (unsigned long long)g->seed, g->n_ok, g->n_failed, g->n_skipped);
        cnum(f, g->median_s, "%.9g");
        cnum(f, g->min_s, "%.9g");
        cnum(f, g->max_s, "%.9g");
        cnum(f, g->iqr_s, "%.9g");
        cnum(f, g->ci_lo_s, "%.9g");
        cnum(f, g->ci_hi_s, "%.9g");
        cnum(f, g->ci_coverage, "%.4f");
        cnum(f, g->rate, "%.6g");
        cnum(f, g->speedup, "%.4g");
        cnum(f, g->efficiency, "%.4g");
        cnum(f, median_of(g->setup_s, g->n_ok), "%.9g");
        cnum(f, median_of(g->compute_s, g->n_ok), "%.9g");
        cnum(f, median_of(g->collect_s, g->n_ok), "%.9g");
        fputc(',', f);
        if (g->n_ok)
            fprintf(f, "%llu", (unsigned long long)g->hits);
        fprintf(f, ",%s", g->hits_match < 0 ? "" : g->hits_match ? "true" : "false");
        cnum(f, g->coexec_efficiency, "%.4f");
        fputc('\n', f);
    }
    fflush(f);
}
