/*
 * test_coexec.c - the coexec backend: its chunk schedule checked directly (simulated parts on a
 * virtual clock, and real threads), its part list, exact counts through the runner for part
 * combinations, and parts that fail.
 *
 *   test_coexec sched                 every sample handed out exactly once, chunk sizes within
 *                                     their bounds, balance and overhead of the schedule
 *   test_coexec parts                 the part list and split parser: good and bad lists
 *   test_coexec exact PARTS [SPLIT]   hits equal the host kernel's: sizes 0, 1, 2, odd, primes,
 *                                     up to 1e7, a range far into the stream, seeds 42, 0, 2^64-1
 *   test_coexec large PARTS [SPLIT]   N = 2^32 + 3
 *   test_coexec fault PARTS           HETMC_COEXEC_FAULT fails part 1: the run fails naming it,
 *                                     the runs before and after count exactly
 *   test_coexec procfault PARTS       HETMC_FAULT kills a process part's worker: prepare fails
 *                                     naming the part, no child left behind
 *   test_coexec summary               coexec_efficiency in comparison.csv, from written rows
 *
 * spawn parts need HETMC_EXE (the hetmc binary).
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "coexec_parts.h"
#include "coexec_sched.h"
#include "clock.h"
#include "kernel.h"
#include "runner.h"
#include "summary.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- The schedule, simulated ----------------------------------------------------------- */

typedef struct chunk {
    uint64_t a, n;
    unsigned part;
} chunk;

typedef struct sim {
    unsigned n;
    double rate[8], overhead[8]; /* the parts' true speed */
    chunk *chunks;
    size_t nchunks, cap;
    double finish[8];            /* each part's last chunk end, 0 when it had none */
    double busy[8];
    unsigned count[8];
} sim;

static void record(sim *m, uint64_t a, uint64_t n, unsigned part)
{
    if (m->nchunks == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->chunks = realloc(m->chunks, m->cap * sizeof *m->chunks);
        if (!m->chunks) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    m->chunks[m->nchunks++] = (chunk){a, n, part};
}

/* Checks one chunk as it is handed out: within the part's bounds at that moment. */
static void check_bounds(const hm_sched *s, unsigned i, uint64_t a, uint64_t n, uint64_t end,
                         uint64_t max_chunk)
{
    int last = a + n == end;
    CHECK(n >= 1);
    CHECK(n <= max_chunk);
    if (s->split.kind == HM_SPLIT_DYNAMIC) {
        CHECK(last || n % HM_SCHED_GRANULE == 0);
        CHECK(last || n >= HM_SCHED_GRANULE);
    }
    if (check_failures > 20)
        exit(check_report("test_coexec sched (stopped after 20 failures)"));
    (void)i;
}

/* One run over [first, first + count) with every part asking at time 0; a chunk of n samples
 * takes overhead + n / rate seconds of virtual time. */
static void simulate(hm_sched *s, sim *m, uint64_t first, uint64_t count)
{
    double t_next[8] = {0};
    int holding[8] = {0}, done[8] = {0};
    uint64_t held[8] = {0};
    m->nchunks = 0;
    memset(m->finish, 0, sizeof m->finish);
    memset(m->busy, 0, sizeof m->busy);
    memset(m->count, 0, sizeof m->count);
    hm_sched_start(s, first, count);
    for (;;) {
        int i = -1;
        for (unsigned k = 0; k < m->n; k++)
            if (!done[k] && (i < 0 || t_next[k] < t_next[i]))
                i = (int)k;
        if (i < 0)
            break;
        double t = t_next[i];
        if (holding[i]) {
            double dur = m->overhead[i] + (double)held[i] / m->rate[i];
            hm_sched_done(s, (unsigned)i, dur);
            m->finish[i] = t;
            m->busy[i] += dur;
            holding[i] = 0;
        }
        uint64_t a, n, max_chunk = s->part[i].max_chunk;
        if (!hm_sched_next(s, (unsigned)i, t, &a, &n)) {
            done[i] = 1;
            continue;
        }
        check_bounds(s, (unsigned)i, a, n, first + count, max_chunk);
        record(m, a, n, (unsigned)i);
        m->count[i]++;
        holding[i] = 1;
        held[i] = n;
        t_next[i] = t + m->overhead[i] + (double)n / m->rate[i];
    }
}

static int by_start(const void *x, const void *y)
{
    const chunk *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* Every sample of [first, first + count) in exactly one chunk. */
static void check_cover(sim *m, uint64_t first, uint64_t count, const char *what)
{
    if (m->nchunks)
        qsort(m->chunks, m->nchunks, sizeof *m->chunks, by_start);
    uint64_t at = first;
    for (size_t k = 0; k < m->nchunks; k++) {
        CHECK_EQ_U64(m->chunks[k].a, at, "%s: chunk %zu starts where the previous ended", what,
                     k);
        at = m->chunks[k].a + m->chunks[k].n;
    }
    CHECK_EQ_U64(at, first + count, "%s: the chunks end at the end of the range", what);
}

static double sim_balance(const sim *m)
{
    double lo = INFINITY, hi = 0;
    for (unsigned i = 0; i < m->n; i++)
        if (m->count[i]) {
            lo = fmin(lo, m->finish[i]);
            hi = fmax(hi, m->finish[i]);
        }
    return hi > 0 ? lo / hi : 1.0;
}

static double sim_overhead(const sim *m)
{
    double cost = 0, busy = 0;
    for (unsigned i = 0; i < m->n; i++) {
        cost += m->count[i] * m->overhead[i];
        busy += m->busy[i];
    }
    return busy > 0 ? cost / busy : 0;
}

/* A scheduler over m's parts whose estimates are the true speeds times `off`. */
static void sched_for(hm_sched *s, const sim *m, const hm_split *split, double off)
{
    CHECK(hm_sched_init(s, m->n, split) == 0);
    for (unsigned i = 0; i < m->n; i++)
        hm_sched_estimate(s, i, m->rate[i] * (i % 2 ? 1.0 / off : off), m->overhead[i]);
}

/* A host part (1e9 samples/s, 5 us a call) and a device (3e8, 400 us a launch and read). */
static void sched_two_parts(void)
{
    sim m = {.n = 2, .rate = {1e9, 3e8}, .overhead = {5e-6, 4e-4}};
    hm_split dyn = {.kind = HM_SPLIT_DYNAMIC};
    const uint64_t sizes[] = {0, 1, 2, 3, 4095, 4096, 4097, 65537, 1000003, UINT64_C(1) << 31,
                              (UINT64_C(1) << 32) + 3};
    hm_sched s;
    sched_for(&s, &m, &dyn, 1.0);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char what[64];
        snprintf(what, sizeof what, "two parts, N %" PRIu64, sizes[k]);
        simulate(&s, &m, 12345, sizes[k]);
        check_cover(&m, 12345, sizes[k], what);
    }
    /* With accurate estimates the parts end together and the fixed costs stay under 1%. */
    simulate(&s, &m, 0, UINT64_C(1) << 31);
    double b = sim_balance(&m), o = sim_overhead(&m);
    printf("sched: 2^31 on 1e9 + 3e8 samples/s: balance %.5f, overhead %.5f, %zu chunks\n", b, o,
           m.nchunks);
    CHECK(b >= 0.99);
    CHECK(o < 0.01);
    hm_sched_destroy(&s);
    /* Estimates off by 2x both ways: the first run learns, the second is balanced. */
    sched_for(&s, &m, &dyn, 2.0);
    simulate(&s, &m, 0, UINT64_C(1) << 31);
    check_cover(&m, 0, UINT64_C(1) << 31, "estimates off by 2x");
    double first_b = sim_balance(&m);
    simulate(&s, &m, 0, UINT64_C(1) << 31);
    printf("sched: estimates off by 2x: balance %.5f in the first run, %.5f in the next\n",
           first_b, sim_balance(&m));
    CHECK(sim_balance(&m) >= 0.99);
    hm_sched_destroy(&s);
    free(m.chunks);
}

/* More parts than chunks: 8 parts, a handful of samples; a part 1000x slower than the rest;
 * a range far into the stream. */
static void sched_many_parts(void)
{
    sim m = {.n = 8};
    hm_split dyn = {.kind = HM_SPLIT_DYNAMIC};
    hm_sched s;
    for (unsigned i = 0; i < 8; i++) {
        m.rate[i] = i == 7 ? 1e6 : 1e9;
        m.overhead[i] = 1e-5;
    }
    sched_for(&s, &m, &dyn, 1.0);
    for (uint64_t n = 0; n <= 9; n++) {
        simulate(&s, &m, 7, n);
        check_cover(&m, 7, n, "8 parts, N <= 9");
        CHECK(m.nchunks == (n ? 1u : 0u));
    }
    simulate(&s, &m, 0, UINT64_C(1) << 30);
    check_cover(&m, 0, UINT64_C(1) << 30, "8 parts, one slow");
    double ideal = (double)(UINT64_C(1) << 30) / (7e9 + 1e6), end = 0;
    for (unsigned i = 0; i < 8; i++)
        end = fmax(end, m.finish[i]);
    printf("sched: 8 parts, one 1000x slower: makespan %.4f of ideal, balance %.4f\n",
           end / ideal, sim_balance(&m));
    CHECK(end <= ideal * 1.02);
    uint64_t far = (UINT64_C(1) << 63) + 5;
    for (unsigned i = 0; i < 8; i++)
        hm_sched_estimate(&s, i, 1e14, 1e-5);
    for (unsigned i = 0; i < 8; i++)
        m.rate[i] = 1e14;
    simulate(&s, &m, far, UINT64_C(1) << 62);
    check_cover(&m, far, UINT64_C(1) << 62, "2^62 samples from 2^63 + 5");
    hm_sched_destroy(&s);
    free(m.chunks);
}

/* Static splits: the given weights (zero-size slices included), and the rate estimates. */
static void sched_static(void)
{
    sim m = {.n = 3, .rate = {1e9, 1e9, 5e8}, .overhead = {1e-5, 1e-5, 1e-5}};
    hm_split w = {.kind = HM_SPLIT_STATIC_WEIGHTS, .nweights = 3, .weights = {3, 1, 1e-9}};
    hm_sched s;
    sched_for(&s, &m, &w, 1.0);
    const uint64_t sizes[] = {0, 1, 2, 3, 5, 4097, 1000003, (UINT64_C(1) << 32) + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        simulate(&s, &m, 99, sizes[k]);
        check_cover(&m, 99, sizes[k], "static 3:1:1e-9");
    }
    /* The first part's slice is 3/4 of the range (to the sample), the second's 1/4. */
    uint64_t per[3] = {0};
    for (size_t k = 0; k < m.nchunks; k++)
        per[m.chunks[k].part] += m.chunks[k].n;
    uint64_t n = (UINT64_C(1) << 32) + 3;
    CHECK(per[0] + per[1] + per[2] == n);
    CHECK(per[0] >= n / 4 * 3 - 1 && per[0] <= n / 4 * 3 + 2);
    hm_sched_destroy(&s);
    hm_split r = {.kind = HM_SPLIT_STATIC_RATES};
    sched_for(&s, &m, &r, 1.0);
    simulate(&s, &m, 0, UINT64_C(1) << 31);
    check_cover(&m, 0, UINT64_C(1) << 31, "static by rates");
    printf("sched: static by accurate rates: balance %.5f\n", sim_balance(&m));
    CHECK(sim_balance(&m) >= 0.99);
    hm_sched_destroy(&s);
    free(m.chunks);
}

/* After an abort nobody gets work; the next run starts afresh. */
static void sched_abort(void)
{
    hm_split dyn = {.kind = HM_SPLIT_DYNAMIC};
    hm_sched s;
    uint64_t a, n;
    CHECK(hm_sched_init(&s, 2, &dyn) == 0);
    hm_sched_start(&s, 0, 1000000000);
    CHECK(hm_sched_next(&s, 0, 0.0, &a, &n) == 1);
    hm_sched_abort(&s);
    CHECK(hm_sched_next(&s, 1, 0.0, &a, &n) == 0);
    hm_sched_done(&s, 0, 0.01);
    CHECK(hm_sched_next(&s, 0, 0.01, &a, &n) == 0);
    /* 10 samples: the first part to ask leaves them to the other, which takes them all. */
    hm_sched_start(&s, 0, 10);
    CHECK(hm_sched_next(&s, 1, 0.0, &a, &n) == 0);
    CHECK(hm_sched_next(&s, 0, 0.0, &a, &n) == 1 && a == 0 && n == 10);
    hm_sched_destroy(&s);
}

/* Real threads taking chunks at once; each "counts" by sleeping its chunk's time. */
typedef struct stress {
    hm_sched *s;
    unsigned index;
    double rate;
    chunk got[4096];
    size_t n;
} stress;

static void *stress_main(void *arg)
{
    stress *t = arg;
    uint64_t a, n;
    double now = hm_now();
    while (t->n < 4096 && hm_sched_next(t->s, t->index, now, &a, &n)) {
        double secs = (double)n / t->rate;
        struct timespec ts = {(time_t)secs, (long)((secs - floor(secs)) * 1e9)};
        nanosleep(&ts, NULL);
        double end = hm_now();
        hm_sched_done(t->s, t->index, end - now);
        t->got[t->n++] = (chunk){a, n, t->index};
        now = end;
    }
    return NULL;
}

static void sched_threads(void)
{
    enum { T = 4 };
    hm_split dyn = {.kind = HM_SPLIT_DYNAMIC};
    hm_sched s;
    static stress st[T];
    pthread_t th[T];
    sim m = {.n = T};
    CHECK(hm_sched_init(&s, T, &dyn) == 0);
    for (int rep = 0; rep < 3; rep++) {
        uint64_t count = (UINT64_C(1) << 24) + 4097 * (uint64_t)rep;
        hm_sched_start(&s, 3, count);
        for (unsigned i = 0; i < T; i++) {
            st[i] = (stress){.s = &s, .index = i, .rate = 2e8 * (i + 1)};
            if (rep == 0)
                hm_sched_estimate(&s, i, 1e8, 1e-4);
            CHECK(pthread_create(&th[i], NULL, stress_main, &st[i]) == 0);
        }
        m.nchunks = 0;
        for (unsigned i = 0; i < T; i++) {
            pthread_join(th[i], NULL);
            for (size_t k = 0; k < st[i].n; k++)
                record(&m, st[i].got[k].a, st[i].got[k].n, i);
        }
        check_cover(&m, 3, count, "4 threads");
    }
    printf("sched: 4 threads: %zu chunks in the last run\n", m.nchunks);
    hm_sched_destroy(&s);
    free(m.chunks);
}

/* ---- The part list ------------------------------------------------------------------------ */

static void parts_bad(const char *text, const char *want)
{
    hm_part_list l;
    hm_error err = {0};
    int rc = hm_parts_parse(text, &l, &err);
    CHECK(rc == HM_EINVAL);
    CHECK(strstr(err.msg, want) != NULL);
    if (rc != HM_EINVAL || !strstr(err.msg, want))
        fprintf(stderr, "  --parts '%s': rc %d, message '%s', expected '%s'\n", text, rc,
                err.msg, want);
}

static void parts_good(const char *text, unsigned nparts, const char *label)
{
    hm_part_list l;
    hm_error err = {0};
    char buf[256];
    int rc = hm_parts_parse(text, &l, &err);
    CHECK(rc == HM_EOK);
    if (rc != HM_EOK) {
        fprintf(stderr, "  --parts '%s': %s\n", text, err.msg);
        return;
    }
    hm_parts_label(&l, buf, sizeof buf);
    CHECK(l.n == nparts);
    CHECK(!label || strcmp(buf, label) == 0);
    if (l.n != nparts || (label && strcmp(buf, label) != 0))
        fprintf(stderr, "  --parts '%s': %u parts '%s', expected %u '%s'\n", text, l.n, buf,
                nparts, label ? label : "");
}

static void split_case(const char *text, int ok, hm_split_kind kind, unsigned nweights)
{
    hm_split sp;
    char msg[256] = "";
    int rc = hm_split_parse(text, &sp, msg, sizeof msg);
    CHECK((rc == 0) == ok);
    CHECK(!ok || (sp.kind == kind && sp.nweights == nweights));
    CHECK(ok || strstr(msg, "accepted") != NULL);
    if ((rc == 0) != ok)
        fprintf(stderr, "  --split '%s': rc %d (%s)\n", text, rc, msg);
}

static void parts_parser(void)
{
    parts_good("serial,threads:3", 2, "serial:1+threads:3");
    parts_good("threads:1,threads:2,serial", 3, "threads:1+threads:2+serial:1");
    parts_good("fork:2,pool:1,spawn:3", 3, "fork:2+pool:1+spawn:3");
    hm_part_list l;
    hm_split sp;
    hm_error err = {0};
    /* auto: two parts or more on any machine (every GPU plus openmp, or two host parts). */
    CHECK(hm_parts_parse("auto", &l, &err) == HM_EOK && l.n >= 2 && l.workers >= 2);
    CHECK(hm_parts_parse(NULL, &l, &err) == HM_EOK && l.n >= 2);
    parts_bad("nosuch", "'nosuch' cannot be a part");
    parts_bad("coexec", "except coexec and mpi");
    parts_bad("mpi:2", "except coexec and mpi");
    parts_bad("threads:0", "WORKERS '0'");
    parts_bad("threads:x", "WORKERS 'x'");
    parts_bad("threads:-1", "WORKERS '-1'");
    parts_bad("serial:2", "serial takes 1 to 1");
    parts_bad("threads:2@gpu", "takes no @DEVICE");
    parts_bad("threads,,serial", "part ''");
    parts_bad("threads,", "part ''");
    parts_bad(",threads", "part ''");
    parts_bad("threads:1:2", "WORKERS '1:2'");
    split_case(NULL, 1, HM_SPLIT_DYNAMIC, 0);
    split_case("dynamic", 1, HM_SPLIT_DYNAMIC, 0);
    split_case("static", 1, HM_SPLIT_STATIC_RATES, 0);
    split_case("static:3,1", 1, HM_SPLIT_STATIC_WEIGHTS, 2);
    split_case("static:0.81,0.19,2e3", 1, HM_SPLIT_STATIC_WEIGHTS, 3);
    split_case("static:", 0, 0, 0);
    split_case("static:3,", 0, 0, 0);
    split_case("static:3,0", 0, 0, 0);
    split_case("static:a", 0, 0, 0);
    split_case("static:1,nan", 0, 0, 0);
    split_case("guided", 0, 0, 0);
    CHECK(hm_coexec_plan("threads:1,serial", "static:1,2,3", &l, &sp, &err) == HM_EINVAL);
    CHECK(strstr(err.msg, "3 weights for 2 parts") != NULL);
    if (hm_backend_find("opencl")) {
        parts_bad("opencl@nosuchdevice", "matches no device");
        parts_bad("opencl@", "@ needs a device");
        parts_bad("opencl:2", "opencl takes 1 to 1");
        parts_bad("opencl@0,opencl@all", "already part 0");
    }
}

/* ---- coexec_efficiency in the comparison table ------------------------------------------ */

static void write_row(FILE *f, const char *backend, const char *device, unsigned workers,
                      double wall, const char *parts)
{
    hm_row row;
    hm_row_init(&row, backend, workers, 1000000000, 42, 1);
    row.has_hits = 1;
    row.res.hits = 785398163;
    row.wall_s = wall;
    snprintf(row.res.device, sizeof row.res.device, "%s", device);
    snprintf(row.res.parts, sizeof row.res.parts, "%s", parts);
    CHECK(hm_csv_row(f, &row) == 0);
}

static double efficiency_of(const hm_summary *sum, const char *device)
{
    const hm_group *g = hm_summary_find(sum, "coexec", device, 2, 1000000000);
    CHECK(g != NULL);
    return g ? g->coexec_efficiency : -1;
}

/* Solo openmp:1 at 1e9/s and opencl on a device at 2.5e8/s; a coexec cell at 1.25e9/s is 1.0,
 * one at 1e9/s 0.8, and one whose part has no solo cell is empty. */
static void summary(void)
{
    char path[] = "/tmp/hetmc-test-coexec-XXXXXX", msg[256];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL);
    if (!f)
        return;
    const char *dev = "pthread-test @ 3.0GHz";
    char parts[256];
    snprintf(parts, sizeof parts, "openmp:1=0.8000@1e9;opencl:%s=0.2000@2.5e8", dev);
    hm_csv_header(f);
    write_row(f, "openmp", "cpu", 1, 1.0, "");
    write_row(f, "opencl", dev, 1, 4.0, "");
    write_row(f, "coexec", "openmp:1+opencl@0", 2, 0.8, parts);
    write_row(f, "coexec", "openmp:1+opencl@0 static", 2, 1.0, parts);
    write_row(f, "coexec", "threads:1+opencl@0", 2, 1.0, "threads:1=0.5@1e9;opencl:x=0.5@1e9");
    fclose(f);
    hm_csv csv = {0};
    hm_summary sum = {0};
    CHECK(hm_csv_read(path, &csv, msg, sizeof msg) == 0);
    CHECK(hm_summarize(&csv, &sum, msg, sizeof msg) == 0);
    CHECK(fabs(efficiency_of(&sum, "openmp:1+opencl@0") - 1.0) < 1e-9);
    CHECK(fabs(efficiency_of(&sum, "openmp:1+opencl@0 static") - 0.8) < 1e-9);
    CHECK(isnan(efficiency_of(&sum, "threads:1+opencl@0")));
    CHECK(isnan(hm_summary_find(&sum, "openmp", "cpu", 1, 1000000000)->coexec_efficiency));
    f = fopen(path, "w");
    hm_summary_write_csv(f, &sum);
    fclose(f);
    f = fopen(path, "r");
    char line[1024] = "";
    CHECK(fgets(line, sizeof line, f) && strstr(line, ",coexec_efficiency,"));
    fclose(f);
    hm_summary_free(&sum);
    hm_csv_free(&csv);
    unlink(path);
}

/* ---- Through the runner ------------------------------------------------------------------ */

static int open_coexec(const char *parts, const char *split, hm_runner **r, hm_error *err)
{
    hm_config cfg = {.workers = 1, .parts = parts, .split = split,
                     .self_exe = getenv("HETMC_EXE")};
    return hm_runner_open(hm_backend_find("coexec"), &cfg, r, err);
}

static void count_exact(hm_runner *r, uint64_t seed, uint64_t first, uint64_t n, const char *what)
{
    hm_result res;
    hm_error err = {0};
    int rc = hm_runner_count(r, seed, first, n, &res, NULL, &err);
    CHECK(rc == HM_EOK);
    if (rc < 0) {
        fprintf(stderr, "  %s: N %" PRIu64 ": %s\n", what, n, err.msg);
        return;
    }
    CHECK_EQ_U64(res.hits, hm_kernel_hits(seed, first, n), "%s, seed %" PRIu64 ", first %" PRIu64
                 ", N %" PRIu64 " (%s)", what, seed, first, n, res.parts);
    CHECK(res.parts[0] != '\0');
}

static void exact(const char *parts, const char *split)
{
    static const uint64_t sizes[] = {0, 1, 2, 3, 5, 7, 97, 1009, 4095, 4096, 4097, 65537,
                                     1000003, 9999991, 33554467};
    static const uint64_t seeds[] = {42, 0, UINT64_MAX};
    hm_runner *r = NULL;
    hm_error err = {0};
    int rc = open_coexec(parts, split, &r, &err);
    CHECK(rc == HM_EOK);
    if (rc < 0) {
        fprintf(stderr, "  --parts %s: %s\n", parts, err.msg);
        return;
    }
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            count_exact(r, seeds[s], 0, sizes[i], parts);
    count_exact(r, 9, (UINT64_C(1) << 33) - 3, 1000001, parts);
    hm_runner_close(r);
}

static void large(const char *parts, const char *split)
{
    hm_runner *r = NULL;
    hm_error err = {0};
    CHECK(open_coexec(parts, split, &r, &err) == HM_EOK);
    if (!r) {
        fprintf(stderr, "  --parts %s: %s\n", parts, err.msg);
        return;
    }
    count_exact(r, 1234, 0, (UINT64_C(1) << 32) + 3, parts);
    hm_runner_close(r);
}

/* Part 1 fails its second chunk in run 1: runs 0 and 2 count exactly, run 1 fails naming it. */
static void fault(const char *parts)
{
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_result res;
    setenv("HETMC_COEXEC_FAULT", "part=1,run=1,chunk=1", 1);
    CHECK(open_coexec(parts, NULL, &r, &err) == HM_EOK);
    if (!r) {
        fprintf(stderr, "  --parts %s: %s\n", parts, err.msg);
        return;
    }
    uint64_t n = UINT64_C(1) << 27;
    count_exact(r, 5, 0, n, "run 0, before the fault");
    int rc = hm_runner_count(r, 5, 0, n, &res, NULL, &err);
    CHECK(rc == HM_EWORKER);
    CHECK(strstr(err.msg, "part 1 of ") && strstr(err.msg, "injected failure"));
    printf("fault: %s\n", err.msg);
    count_exact(r, 5, 0, n, "run 2, after the fault");
    hm_runner_close(r);
    /* A fault hook that names no part is a bad argument. */
    setenv("HETMC_COEXEC_FAULT", "part=9", 1);
    CHECK(open_coexec(parts, NULL, &r, &err) == HM_EINVAL);
    CHECK(strstr(err.msg, "HETMC_COEXEC_FAULT") != NULL);
    unsetenv("HETMC_COEXEC_FAULT");
}

/* Children of this process still around (running or zombies), from /proc. */
static int children(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = e->d_name[0] >= '0' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *p = strrchr(buf, ')');
        char state;
        long ppid;
        n += p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 && ppid == (long)getpid();
    }
    if (d)
        closedir(d);
    return n;
}

/* A process part whose worker is killed in every run: prepare (its probe) fails naming the
 * part and the worker, and every child is reaped. */
static void procfault(const char *parts)
{
    hm_runner *r = NULL;
    hm_error err = {0};
    setenv("HETMC_FAULT", "worker=1,mode=kill", 1);
    int rc = open_coexec(parts, NULL, &r, &err);
    unsetenv("HETMC_FAULT");
    CHECK(rc == HM_EWORKER);
    CHECK(strstr(err.msg, "part 1 of ") && strstr(err.msg, "SIGKILL"));
    printf("procfault: %s\n", err.msg);
    hm_runner_close(r);
    CHECK(children() == 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *parts = argc > 2 ? argv[2] : NULL, *split = argc > 3 ? argv[3] : NULL;
    if (strcmp(mode, "sched") == 0) {
        sched_two_parts();
        sched_many_parts();
        sched_static();
        sched_abort();
        sched_threads();
    } else if (strcmp(mode, "parts") == 0) {
        parts_parser();
    } else if (strcmp(mode, "summary") == 0) {
        summary();
    } else if (parts && strcmp(mode, "exact") == 0) {
        exact(parts, split);
    } else if (parts && strcmp(mode, "large") == 0) {
        large(parts, split);
    } else if (parts && strcmp(mode, "fault") == 0) {
        fault(parts);
    } else if (parts && strcmp(mode, "procfault") == 0) {
        procfault(parts);
    } else {
        fprintf(stderr, "usage: test_coexec sched|parts|summary|exact PARTS [SPLIT]|"
                        "large PARTS [SPLIT]|fault PARTS|procfault PARTS\n");
        return 2;
    }
    char name[128];
    snprintf(name, sizeof name, "test_coexec %s%s%s", mode, parts ? " " : "", parts ? parts : "");
    return check_report(name);
}
