/* summary.c - groups of a long-format CSV and their statistics; see summary.h. */
#include "summary.h"

#include "hetmc.h"
#include "report.h"
#include "schema.h"
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
    double **arrays[] = {&g->wall_s, &g->setup_s, &g->compute_s, &g->collect_s, &g->foreign};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        double *p = realloc(*arrays[i], cap * sizeof *p);
        if (!p)
            return -1;
        *arrays[i] = p;
    }
    unsigned char *flags = realloc(g->interfered, cap);
    if (!flags)
        return -1;
    g->interfered = flags;
    g->cap = cap;
    return 0;
}

static double median_of(const double *sorted, size_t n)
{
    return hm_quantile(sorted, n, 0.5);
}

/* The columns hm_summarize reads, in this order. */
enum { C_BACKEND, C_DEVICE, C_WORKERS, C_SAMPLES, C_SEED, C_STATUS, C_HITS, C_WALL, C_SETUP,
       C_COMPUTE, C_COLLECT, C_COUNT,
       /* optional (format 3): -1 when the file has none */
       C_FOREIGN = C_COUNT, C_INTERFERED, C_ALL };

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
    g->under_load = -1;
    g->foreign_median = NAN;
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
    g->foreign[g->n_ok] = c[C_FOREIGN] >= 0 ? num(row[c[C_FOREIGN]]) : NAN;
    g->interfered[g->n_ok] = c[C_INTERFERED] >= 0 && strcmp(row[c[C_INTERFERED]], "true") == 0;
    g->n_interfered += g->interfered[g->n_ok];
    if (c[C_INTERFERED] >= 0 && row[c[C_INTERFERED]][0])
        g->under_load = 0; /* judged */
    g->n_ok++;
    return 0;
}

/* Leaves g's interfered ok rows out of its statistics when it has clean ones; else keeps them
 * and marks the cell as measured under load. The foreign load's median covers every ok row. */
static void drop_interfered(hm_group *g)
{
    size_t kept = 0, nf = 0;
    double *f = g->foreign;
    for (size_t i = 0; i < g->n_ok; i++)
        if (!isnan(g->foreign[i]))
            f[nf++] = g->foreign[i]; /* compacted in place: nf <= i */
    hm_sort(f, nf);
    g->foreign_median = nf ? median_of(f, nf) : NAN;
    if (g->under_load < 0 || g->n_interfered == 0)
        return;
    if (g->n_interfered == g->n_ok) {
        g->under_load = 1;
        return;
    }
    for (size_t i = 0; i < g->n_ok; i++) {
        if (g->interfered[i])
            continue;
        g->wall_s[kept] = g->wall_s[i];
        g->setup_s[kept] = g->setup_s[i];
        g->compute_s[kept] = g->compute_s[i];
        g->collect_s[kept] = g->collect_s[i];
        kept++;
    }
    g->n_ok = kept;
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
    drop_interfered(g);
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

/* A cell whose figure physics does not allow: a backend of CPU workers (no devices, not
 * collective, not of parts) faster than its workers allow over serial, or a co-execution
 * faster than its parts alone. The likelier fault is the baseline's, which the note names. */
static void judge_plausible(const hm_summary *s, hm_group *g)
{
    const hm_backend *b = hm_backend_find(g->backend);
    const hm_backend *refb = hm_backend_reference();
    const hm_group *ref = refb ? hm_summary_find(s, refb->name, "cpu", 1, g->samples) : NULL;
    g->implausible[0] = '\0';
    if (!b || !g->n_ok)
        return;
    int cpu_workers = !b->select_devices && !(b->uses & HM_COLLECTIVE) &&
                      !(b->flags & (HM_WORKERS_FROM_PARTS | HM_REFERENCE));
    if (cpu_workers && g->speedup > g->workers * (1 + HM_IMPLAUSIBLE_TOL))
        snprintf(g->implausible, sizeof g->implausible,
                 "speed-up %.2f over serial exceeds %u workers by more than %s: serial's median "
                 "at this N (%.3g s) is suspect", g->speedup, g->workers,
                 HM_IMPLAUSIBLE_TOL_TEXT, ref ? ref->median_s : NAN);
    else if (g->coexec_efficiency > 1 + HM_IMPLAUSIBLE_TOL)
        snprintf(g->implausible, sizeof g->implausible,
                 "co-execution efficiency %.2f: faster than its parts alone by more than %s; "
                 "the parts' solo cells at this N are suspect", g->coexec_efficiency,
                 HM_IMPLAUSIBLE_TOL_TEXT);
}

int hm_summarize(const hm_csv *csv, hm_summary *s, char *msg, size_t msglen)
{
    static const char *need[C_COUNT] = {"backend", "device",  "workers", "samples",
                                        "seed",    "status",  "hits",    "wall_s",
                                        "setup_s", "compute_s", "collect_s"};
    int c[C_ALL];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < C_COUNT; i++)
        if ((c[i] = hm_csv_col(csv, need[i])) < 0) {
            snprintf(msg, msglen, "no column '%s': not a hetmc results CSV", need[i]);
            return -1;
        }
    c[C_FOREIGN] = hm_csv_col(csv, "foreign_cpu");
    c[C_INTERFERED] = hm_csv_col(csv, "interfered");
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
    for (size_t i = 0; i < s->n; i++)
        judge_plausible(s, &s->g[i]);
    return 0;
}

void hm_summary_free(hm_summary *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->g[i].wall_s);
        free(s->g[i].setup_s);
        free(s->g[i].compute_s);
        free(s->g[i].collect_s);
        free(s->g[i].foreign);
        free(s->g[i].interfered);
    }
    free(s->g);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* A backend's place in the registry; unknown names after every known one. */
static size_t backend_rank(const char *name)
{
    for (size_t i = 0; i < hm_backend_count(); i++)
        if (strcmp(hm_backend_at(i)->name, name) == 0)
            return i;
    return hm_backend_count();
}

static int plan_order(const void *pa, const void *pb)
{
    const hm_group *a = pa, *b = pb;
    size_t ra = backend_rank(a->backend), rb = backend_rank(b->backend);
    int c = ra != rb ? (ra < rb ? -1 : 1) : strcmp(a->backend, b->backend);
    if (!c)
        c = strcmp(a->device, b->device);
    if (!c && a->workers != b->workers)
        c = a->workers < b->workers ? -1 : 1;
    if (!c && a->samples != b->samples)
        c = a->samples < b->samples ? -1 : 1;
    if (!c && a->seed != b->seed)
        c = a->seed < b->seed ? -1 : 1;
    return c;
}

void hm_summary_sort(hm_summary *s)
{
    if (!s->n)
        return;
    qsort(s->g, s->n, sizeof *s->g, plan_order);
    memset(s->slot, 0, s->nslot * sizeof *s->slot);
    for (size_t i = 0; i < s->n; i++)
        slot_put(s, i);
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

/* The writers of comparison.csv's table lines: a number is empty when NAN; a flag is true,
 * false, or empty when negative (not known). */
static void cnum(FILE *f, double v, const char *fmt)
{
    if (!isnan(v))
        fprintf(f, fmt, v);
}

static void cflag(FILE *f, int v)
{
    fputs(v < 0 ? "" : v ? "true" : "false", f);
}

/*
 * The comparison.csv schema: X(name, type, unit, filled by, meaning, writer), one line per
 * column in file order; the writer is a statement over f (the stream) and g (the hm_group).
 */
#define HM_COMPARISON_COLUMNS(X)                                                               \
    X(backend, "string", "", "all", "the cell's backend", hm_csv_field(f, g->backend))         \
    X(device, "string", "", "all", "the cell's device", hm_csv_field(f, g->device))            \
    X(workers, "int", "", "all", "the cell's workers", fprintf(f, "%u", g->workers))           \
    X(samples, "int", "samples", "all", "the cell's samples",                                  \
      fprintf(f, "%llu", (unsigned long long)g->samples))                                      \
    X(seed, "int", "", "all", "the cell's seed", fprintf(f, "%llu", (unsigned long long)g->seed)) \
    X(reps_ok, "int", "", "all", "ok rows in the cell", fprintf(f, "%zu", g->n_ok))            \
    X(reps_failed, "int", "", "all", "failed rows in the cell", fprintf(f, "%zu", g->n_failed)) \
    X(reps_skipped, "int", "", "all", "skipped rows in the cell",                              \
      fprintf(f, "%zu", g->n_skipped))                                                         \
    X(median_wall_s, "float", "s", "all", "median wall time of the ok repetitions",            \
      cnum(f, g->median_s, "%.9g"))                                                            \
    X(min_wall_s, "float", "s", "all", "fastest ok repetition", cnum(f, g->min_s, "%.9g"))     \
    X(max_wall_s, "float", "s", "all", "slowest ok repetition", cnum(f, g->max_s, "%.9g"))     \
    X(iqr_wall_s, "float", "s", "all", "interquartile range of the wall times (quartiles by "     \
      "linear interpolation, R type 7)",       \
      cnum(f, g->iqr_s, "%.9g"))                                                               \
    X(ci_low_wall_s, "float", "s", "all", "distribution-free confidence interval of the "      \
      "median from order statistics: its low end", cnum(f, g->ci_lo_s, "%.9g"))                \
    X(ci_high_wall_s, "float", "s", "all", "the interval's high end",                          \
      cnum(f, g->ci_hi_s, "%.9g"))                                                             \
    X(ci_coverage, "float", "", "all", "the interval's exact coverage (>= 0.95 from 6 ok "     \
      "repetitions; [min, max] below)", cnum(f, g->ci_coverage, "%.4f"))                       \
    X(samples_per_s, "float", "samples/s", "all", "samples / median_wall_s",                   \
      cnum(f, g->rate, "%.6g"))                                                                \
    X(speedup_vs_serial, "float", "", "all", "serial's median wall / this median wall, same "  \
      "samples and seed (empty without serial)", cnum(f, g->speedup, "%.4g"))                  \
    X(parallel_efficiency, "float", "", "all", "speedup_vs_serial / workers",                  \
      cnum(f, g->efficiency, "%.4g"))                                                          \
    X(median_setup_s, "float", "s", "all", "median setup_s of the ok repetitions",             \
      cnum(f, median_of(g->setup_s, g->n_ok), "%.9g"))                                         \
    X(median_compute_s, "float", "s", "all", "median compute_s of the ok repetitions",         \
      cnum(f, median_of(g->compute_s, g->n_ok), "%.9g"))                                       \
    X(median_collect_s, "float", "s", "all", "median collect_s of the ok repetitions",         \
      cnum(f, median_of(g->collect_s, g->n_ok), "%.9g"))                                       \
    X(hits, "int", "samples", "all", "the cell's count (of its first ok repetition)",          \
      if (g->n_ok) fprintf(f, "%llu", (unsigned long long)g->hits))                            \
    X(hits_match, "bool", "", "all", "true when every ok repetition's hits equal serial's at " \
      "the same samples and seed; empty without a serial reference", cflag(f, g->hits_match))  \
    X(cv_wall, "float", "", "all", "coefficient of variation of the wall times (sample "       \
      "standard deviation / mean); empty below 2 ok repetitions", cnum(f, g->cv_wall, "%.4f")) \
    X(outliers, "int", "", "all", "ok repetitions whose wall time lies outside Tukey's fences " \
      "(1.5 IQR past the quartiles)", if (g->n_ok) fprintf(f, "%zu", g->outliers))            \
    X(noisy, "bool", "", "all", "true when cv_wall is above " HM_NOISY_CV_TEXT ": the median "  \
      "needs more repetitions or a quieter machine; empty below 2 ok repetitions",             \
      cflag(f, g->noisy))                                                                      \
    X(coexec_efficiency, "float", "", "coexec", "samples_per_s over the sum of its parts' "    \
      "solo samples_per_s (cells of the same samples and seed in this table); empty when a "   \
      "solo cell is missing", cnum(f, g->coexec_efficiency, "%.4f"))                          \
    X(reps_interfered, "int", "", "all but mpi", "ok repetitions measured while other programs " \
      "used the CPUs (runs.csv's interfered), left out of the statistics above unless the "    \
      "cell has no other", fprintf(f, "%zu", g->n_interfered))                                 \
    X(foreign_cpu_median, "float", "cores", "all but mpi", "median foreign_cpu of the ok "     \
      "repetitions", cnum(f, g->foreign_median, "%.3f"))                                       \
    X(under_load, "bool", "", "all but mpi", "true when every ok repetition was interfered: "  \
      "the statistics rest on them; empty when not judged", cflag(f, g->under_load))           \
    X(implausible, "string", "", "all", "why the cell's figure cannot be right (a speed-up "   \
      "above its workers, a co-execution efficiency above 1, beyond " HM_IMPLAUSIBLE_TOL_TEXT   \
      "), naming the suspect baseline; empty when plausible", hm_csv_field(f, g->implausible)) \
    X(q1_wall_s, "float", "s", "all", "first quartile of the wall times (linear "              \
      "interpolation, R type 7, as iqr_wall_s)", cnum(f, hm_quantile(g->wall_s, g->n_ok, 0.25), \
      "%.9g"))                                                                                 \
    X(q3_wall_s, "float", "s", "all", "third quartile of the wall times",                      \
      cnum(f, hm_quantile(g->wall_s, g->n_ok, 0.75), "%.9g"))                                  \
    X(q1_setup_s, "float", "s", "all", "first quartile of setup_s of the ok repetitions",      \
      cnum(f, hm_quantile(g->setup_s, g->n_ok, 0.25), "%.9g"))                                 \
    X(q3_setup_s, "float", "s", "all", "third quartile of setup_s of the ok repetitions",      \
      cnum(f, hm_quantile(g->setup_s, g->n_ok, 0.75), "%.9g"))

typedef void (*col_writer)(FILE *f, const hm_group *g);

#define X(name, type, unit, by, meaning, put)                                                  \
    static void col_##name(FILE *f, const hm_group *g)                                         \
    {                                                                                          \
        put;                                                                                   \
    }
HM_COMPARISON_COLUMNS(X)
#undef X

#define X(name, type, unit, by, meaning, put) col_##name,
static const col_writer col_writers[] = {HM_COMPARISON_COLUMNS(X)};
#undef X

#define X(name, type, unit, by, meaning, put) {#name, type, unit, by, meaning},
static const hm_column comparison_columns[] = {HM_COMPARISON_COLUMNS(X)};
#undef X

#define COMPARISON_NCOL (sizeof comparison_columns / sizeof comparison_columns[0])

const hm_column *hm_comparison_columns(size_t *n)
{
    *n = COMPARISON_NCOL;
    return comparison_columns;
}

int hm_summary_write_csv(FILE *f, const hm_summary *s)
{
    for (size_t c = 0; c < COMPARISON_NCOL; c++)
        fprintf(f, "%s%s", c ? "," : "", comparison_columns[c].name);
    fputc('\n', f);
    for (size_t i = 0; i < s->n; i++) {
        for (size_t c = 0; c < COMPARISON_NCOL; c++) {
            if (c)
                fputc(',', f);
            col_writers[c](f, &s->g[i]);
        }
        fputc('\n', f);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
