/* summary.c - groups of a long-format CSV and their statistics; see summary.h. */
#include "summary.h"

#include "hetmc.h"
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

/* Room for one more ok row in every array of g (doubling). Returns 0, or -1. */
static int grow(hm_group *g)
{
    if (g->n_ok < g->cap)
        return 0;
    size_t cap = g->cap ? 2 * g->cap : 4;
    double **arrays[] = {&g->wall_s, &g->setup_s, &g->compute_s, &g->collect_s};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        double *p = realloc(*arrays[i], cap * sizeof *p);
        if (!p)
            return -1;
        *arrays[i] = p;
    }
    g->cap = cap;
    return 0;
}

static double median_of(const double *sorted, size_t n)
{
    return hm_quantile(sorted, n, 0.5);
}

/* The columns hm_summarize reads, in this order. */
enum { C_BACKEND, C_DEVICE, C_WORKERS, C_SAMPLES, C_SEED, C_STATUS, C_HITS, C_WALL, C_SETUP,
       C_COMPUTE, C_COLLECT, C_COUNT };

/* The hash of a cell's keys but the seed (hm_summary_find looks up without it). */
static size_t key_hash(const char *backend, const char *device, unsigned workers,
                       uint64_t samples)
{
    uint64_t h = hm_fnv1a(backend, strlen(backend) + 1);
    h ^= hm_fnv1a(device, strlen(device) + 1) * 31;
    h ^= (uint64_t)workers * UINT64_C(0x9e3779b97f4a7c15);
    h ^= hm_fnv1a(&samples, sizeof samples) * 17;
    return (size_t)(h ^ (h >> 29));
}

static int same_cell(const hm_group *g, const char *backend, const char *device,
                     unsigned workers, uint64_t samples)
{
    return g->workers == workers && g->samples == samples && strcmp(g->backend, backend) == 0 &&
           strcmp(g->device, device) == 0;
}

/* Puts group i into the hash (which has room). */
static void slot_put(hm_summary *s, size_t i)
{
    const hm_group *g = &s->g[i];
    size_t k = key_hash(g->backend, g->device, g->workers, g->samples) & (s->nslot - 1);
    while (s->slot[k])
        k = (k + 1) & (s->nslot - 1);
    s->slot[k] = i + 1;
}

/* Keeps the hash at most half full, and the group array with room for one more. */
static int make_room(hm_summary *s)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        hm_group *p = realloc(s->g, cap * sizeof *p);
        if (!p)
            return -1;
        s->g = p;
        s->cap = cap;
    }
    if (2 * (s->n + 1) <= s->nslot)
        return 0;
    size_t nslot = s->nslot ? 2 * s->nslot : 128;
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    free(s->slot);
    s->slot = slot;
    s->nslot = nslot;
    for (size_t i = 0; i < s->n; i++)
        slot_put(s, i);
    return 0;
}

/* The group of one row's keys, added when new. NULL when out of memory. */
static hm_group *group_of(hm_summary *s, char **row, const int *c)
{
    const char *backend = row[c[C_BACKEND]], *device = row[c[C_DEVICE]];
    unsigned workers = (unsigned)u64(row[c[C_WORKERS]]);
    uint64_t samples = u64(row[c[C_SAMPLES]]), seed = u64(row[c[C_SEED]]);
    if (s->nslot) {
        size_t k = key_hash(backend, device, workers, samples) & (s->nslot - 1);
        for (; s->slot[k]; k = (k + 1) & (s->nslot - 1)) {
            hm_group *h = &s->g[s->slot[k] - 1];
            if (h->seed == seed && same_cell(h, backend, device, workers, samples))
                return h;
        }
    }
    /* A failed prepare writes its device selector, an ok row the device's name; both belong
     * to the same cell only when the names agree, which is good enough. */
    if (make_room(s) < 0)
        return NULL;
    hm_group *g = &s->g[s->n];
    memset(g, 0, sizeof *g);
    g->backend = backend;
    g->device = device;
    g->workers = workers;
    g->samples = samples;
    g->seed = seed;
    g->hits_agree = 1;
    slot_put(s, s->n++);
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
    if (grow(g) < 0)
        return -1;
    g->wall_s[g->n_ok] = num(row[c[C_WALL]]);
    g->setup_s[g->n_ok] = num(row[c[C_SETUP]]);
    g->compute_s[g->n_ok] = num(row[c[C_COMPUTE]]);
    g->collect_s[g->n_ok] = num(row[c[C_COLLECT]]);
    g->n_ok++;
    return 0;
}

double hm_cv(const double *x, size_t n)
{
    double mean = 0, ss = 0;
    if (n < 2)
        return NAN;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return mean > 0 ? sqrt(ss / (double)(n - 1)) / mean : NAN;
}

size_t hm_outliers(const double *sorted, size_t n)
{
    double q1 = hm_quantile(sorted, n, 0.25), q3 = hm_quantile(sorted, n, 0.75);
    double lo = q1 - 1.5 * (q3 - q1), hi = q3 + 1.5 * (q3 - q1);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        out += sorted[i] < lo || sorted[i] > hi;
    return out;
}

/* Order statistics and noise of one group's wall times. */
static void describe_group(hm_group *g)
{
    g->cv_wall = hm_cv(g->wall_s, g->n_ok);
    g->noisy = isnan(g->cv_wall) ? -1 : g->cv_wall > HM_NOISY_CV;
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
    g->outliers = hm_outliers(g->wall_s, g->n_ok);
}

/* Serial's groups with ok rows, ordered by (samples, seed, position): the references. */
typedef struct serial_refs {
    const hm_group **g;
    size_t n;
} serial_refs;

static int ref_order(const void *pa, const void *pb)
{
    const hm_group *a = *(const hm_group *const *)pa, *b = *(const hm_group *const *)pb;
    if (a->samples != b->samples)
        return a->samples < b->samples ? -1 : 1;
    if (a->seed != b->seed)
        return a->seed < b->seed ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* The first serial group with ok rows at g's samples and seed, or NULL. */
static const hm_group *serial_of(const serial_refs *refs, const hm_group *g)
{
    size_t lo = 0, hi = refs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const hm_group *m = refs->g[mid];
        if (m->samples < g->samples || (m->samples == g->samples && m->seed < g->seed))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < refs->n && refs->g[lo]->samples == g->samples && refs->g[lo]->seed == g->seed)
        return refs->g[lo];
    return NULL;
}

/* Speedup, efficiency and hits against serial at the same samples and seed. */
static void against_serial(const serial_refs *refs, hm_group *g)
{
    const hm_group *ref = serial_of(refs, g);
    g->speedup = g->efficiency = NAN;
    g->hits_match = -1;
    if (!ref || !g->n_ok)
        return;
    g->speedup = ref->median_s / g->median_s;
    g->efficiency = g->speedup / (double)(g->workers ? g->workers : 1);
    g->hits_match = ref->hits_agree && g->hits_agree && g->hits == ref->hits;
}

/* Every group's comparison with serial. Returns 0, or -1 when out of memory. */
static int compare_all(hm_summary *s)
{
    serial_refs refs = {calloc(s->n + 1, sizeof *refs.g), 0};
    if (!refs.g)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        if (hm_backend_is_reference(s->g[i].backend) && s->g[i].n_ok)
            refs.g[refs.n++] = &s->g[i];
    qsort(refs.g, refs.n, sizeof *refs.g, ref_order);
    for (size_t i = 0; i < s->n; i++)
        against_serial(&refs, &s->g[i]);
    free(refs.g);
    return 0;
}

/* The group of these keys, or NULL. */
static hm_group *find_group(const hm_summary *s, const char *backend, const char *device,
                            unsigned workers, uint64_t samples, uint64_t seed)
{
    if (!s->nslot)
        return NULL;
    size_t k = key_hash(backend, device, workers, samples) & (s->nslot - 1);
    for (; s->slot[k]; k = (k + 1) & (s->nslot - 1)) {
        hm_group *h = &s->g[s->slot[k] - 1];
        if (h->seed == seed && same_cell(h, backend, device, workers, samples))
            return h;
    }
    return NULL;
}

static double solo_rate_of(const hm_summary *s, const hm_group *g, const char *label,
                           size_t len);

/* The solo rate of one coexec part of g, from its label (len bytes): "openmp:3" is backend
 * openmp with 3 workers on the cpu, "opencl:<device name>" backend opencl (1 worker) on that
 * device; at g's samples and seed. NAN when that cell has no ok row. A part that ran on a
 * sub-device ("opencl:<device name>/1of2cu") is held to the device's solo rate scaled to its
 * share of the compute units. */
static double solo_rate(const hm_summary *s, const hm_group *g, const char *label, size_t len)
{
    char tail[32];
    unsigned u = 0, c = 0;
    const char *slash = NULL;
    for (const char *q = label; q < label + len; q++)
        slash = *q == '/' ? q : slash;
    size_t tlen = slash ? len - (size_t)(slash - label) : 0;
    if (slash && tlen < sizeof tail) {
        memcpy(tail, slash, tlen);
        tail[tlen] = '\0';
        char end = 0;
        if (sscanf(tail, "/%uof%ucu%c", &u, &c, &end) == 2 && u && c && u < c)
            return solo_rate_of(s, g, label, (size_t)(slash - label)) * u / c;
    }
    return solo_rate_of(s, g, label, len);
}

static double solo_rate_of(const hm_summary *s, const hm_group *g, const char *label, size_t len)
{
    char backend[64], device[256];
    const char *colon = memchr(label, ':', len);
    if (!colon || (size_t)(colon - label) >= sizeof backend || len >= sizeof device)
        return NAN;
    memcpy(backend, label, (size_t)(colon - label));
    backend[colon - label] = '\0';
    size_t rlen = len - (size_t)(colon - label) - 1;
    memcpy(device, colon + 1, rlen);
    device[rlen] = '\0';
    int digits = rlen > 0 && strspn(device, "0123456789") == rlen;
    const hm_group *h = digits ? find_group(s, backend, "cpu", (unsigned)strtoul(device, NULL, 10),
                                            g->samples, g->seed)
                               : find_group(s, backend, device, 1, g->samples, g->seed);
    return h && h->n_ok ? h->rate : NAN;
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
        double rate = eq ? solo_rate(s, g, p, (size_t)(eq - p)) : NAN;
        if (!(rate > 0))
            return NAN;
        solo += rate;
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
        const hm_backend *b = hm_backend_find(row[c[C_BACKEND]]);
        if (!b || !(b->flags & HM_WORKERS_FROM_PARTS) || strcmp(row[c[C_STATUS]], "ok") != 0 ||
            !row[cp][0])
            continue;
        hm_group *g = find_group(s, row[c[C_BACKEND]], row[c[C_DEVICE]],
                                 (unsigned)u64(row[c[C_WORKERS]]), u64(row[c[C_SAMPLES]]),
                                 u64(row[c[C_SEED]]));
        if (g && g->n_ok && isnan(g->coexec_efficiency))
            g->coexec_efficiency = coexec_efficiency_of(s, g, row[cp]);
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
    if (compare_all(s) < 0) {
        snprintf(msg, msglen, "out of memory");
        hm_summary_free(s);
        return -1;
    }
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
    free(s->slot);
    memset(s, 0, sizeof *s);
}

const hm_group *hm_summary_find(const hm_summary *s, const char *backend, const char *device,
                                unsigned workers, uint64_t samples)
{
    size_t best = 0; /* index + 1 of the first match */
    if (!s->nslot)
        return NULL;
    size_t k = key_hash(backend, device, workers, samples) & (s->nslot - 1);
    for (; s->slot[k]; k = (k + 1) & (s->nslot - 1)) {
        size_t i = s->slot[k];
        if ((!best || i < best) && same_cell(&s->g[i - 1], backend, device, workers, samples))
            best = i;
    }
    return best ? &s->g[best - 1] : NULL;
}

static void cnum(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

int hm_summary_write_csv(FILE *f, const hm_summary *s)
{
    fputs("backend,device,workers,samples,seed,reps_ok,reps_failed,reps_skipped,median_wall_s,"
          "min_wall_s,max_wall_s,iqr_wall_s,ci_low_wall_s,ci_high_wall_s,ci_coverage,"
          "samples_per_s,speedup_vs_serial,parallel_efficiency,median_setup_s,"
          "median_compute_s,median_collect_s,hits,hits_match,cv_wall,outliers,noisy,"
          "coexec_efficiency\n",
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
        cnum(f, g->cv_wall, "%.4f");
        fputc(',', f);
        if (g->n_ok)
            fprintf(f, "%zu", g->outliers);
        fprintf(f, ",%s", g->noisy < 0 ? "" : g->noisy ? "true" : "false");
        cnum(f, g->coexec_efficiency, "%.4f");
        fputc('\n', f);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
