/*
 * coexec.c - one run split across several backends at once: CPU cores and every device.
 *
 *   hetmc run --backend coexec --parts openmp:14,opencl@gpu [--split dynamic|static|static:3,1]
 *
 * Each part of the list (coexec_parts.h) is a backend of the registry, opened once through the
 * runner at prepare and driven by a host thread of its own that lives until release. In a run,
 * every part thread takes chunks of [first, first + count) from the schedule (coexec_sched.h:
 * dynamic by default, sized by each part's measured rate so that all parts finish together)
 * and counts them with hm_runner_count; the counts are summed. The chunks cover the range
 * exactly once, so the total is exactly serial's for any split.
 *
 * Rates: prepare probes every part at once (the parts compete for the machine as they will in
 * a run): the fastest of 5 counts of one granule (4096 samples) gives its fixed cost per call,
 * then counts of 2^16, 2^17, ... samples until one takes PROBE_S (10 ms) give its rate. Every
 * chunk then refines the rate, and the estimates carry over from run to run, so the runner's
 * warm-up sizes the timed repetitions.
 *
 * What a run reports:
 *   device     the parts, e.g. "openmp:1+opencl@0" (and the split when it is static);
 *   parts      PART=SHARE@RATE per part, `;`-separated: "openmp:1=0.79@1.1e9;opencl:<device
 *              name>=0.21@2.9e8": its share of the samples and its samples/s over its chunks;
 *   balance    earliest part finish / latest part finish, both from the start of the run, over
 *              the parts that counted samples (1: all finished together);
 *   tasks      the chunks handed out;
 *   setup_s    from the start of the run until the last part began its first chunk;
 *   compute_s  from the first chunk's start to the last chunk's end;
 *   collect_s  from there until every part thread reported back.
 *
 * A part that fails makes the schedule hand out nothing more; the other parts finish the chunk
 * they hold (at most HM_SCHED_MAX_CHUNK_S of their work) and stop, and the run fails naming the
 * part: "part 1 of 2 (opencl@0) failed: ...". Fault hook for the tests:
 *   HETMC_COEXEC_FAULT="part=K[,run=R][,chunk=C]"
 * makes part K (0-based) fail instead of counting its C-th chunk (0-based, default 0) in the R-th
 * run of the prepared backend (0 = the runner's warm-up; default every run).
 */
#define _POSIX_C_SOURCE 200809L
#include "coexec_parts.h"
#include "coexec_sched.h"
#include "clock.h"
#include "proc_util.h"
#include "runner.h"
#include "sysinfo.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The probe doubles its count until one takes this long, or reaches PROBE_MAX samples. */
#define PROBE_S 0.01
#define PROBE_FIRST (UINT64_C(1) << 16)
#define PROBE_MAX (UINT64_C(1) << 36)
/* Runs of one granule whose fastest gives the fixed cost of a call. */
#define PROBE_SMALL 5

enum job { JOB_NONE, JOB_PROBE, JOB_RUN, JOB_QUIT };

typedef struct part {
    hm_part_spec spec;
    hm_runner *run;
    struct hm_ctx *ctx;
    unsigned index;
    char name[160];  /* "openmp:1", or "opencl:<device name>" once the probe ran */
    /* The current job. */
    int rc;
    hm_error err;
    uint64_t hits, samples;
    unsigned chunks;
    double first_start, finish, busy_s;
} part;

struct hm_ctx {
    hm_part_list list;
    hm_split split;
    hm_sched sched;
    part part[HM_SCHED_MAX_PARTS];
    pthread_t thread[HM_SCHED_MAX_PARTS];
    unsigned threads;            /* started */
    int sync_ready, sched_ready;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t job_id;             /* bumped for every job */
    enum job job;
    unsigned pending;            /* threads still on the current job */
    uint64_t seed;
    uint64_t runs;               /* run() calls so far */
    int fault_part, fault_chunk; /* -1: none */
    int64_t fault_run;           /* -1: every run */
    char label[128];
    char note[256];
};

/* Runs part p's chunks of the current run until the schedule has none left for it. */
static void part_work(part *p)
{
    hm_ctx *ctx = p->ctx;
    hm_result res;
    uint64_t a, n;
    double now = hm_now();
    while (hm_sched_next(&ctx->sched, p->index, now, &a, &n)) {
        if (isnan(p->first_start))
            p->first_start = now;
        int fault = ctx->fault_part == (int)p->index && (int)p->chunks == ctx->fault_chunk &&
                    (ctx->fault_run < 0 || (uint64_t)ctx->fault_run == ctx->runs);
        p->chunks++;
        if (fault)
            p->rc = hm_fail(&p->err, HM_EWORKER, "injected failure (HETMC_COEXEC_FAULT)");
        else
            p->rc = hm_runner_count(p->run, ctx->seed, a, n, &res, NULL, &p->err);
        double t = hm_now();
        p->finish = t;
        if (p->rc < 0) {
            hm_sched_abort(&ctx->sched);
            return;
        }
        hm_sched_done(&ctx->sched, p->index, t - now);
        p->hits += res.hits;
        p->samples += n;
        p->busy_s += t - now;
        now = t;
    }
}

/* Names part p "BACKEND:DEVICE NAME" after a run on a device, with "/UofCcu" when it ran on a
 * sub-device of U of the device's C compute units (';' and '=' would break the parts column:
 * they become '_'). */
static void name_part(part *p, const hm_result *res)
{
    if (!p->spec.b->select_devices)
        return;
    snprintf(p->name, sizeof p->name, "%s:%s", p->spec.b->name, res->device);
    if (p->spec.units && p->spec.units < (unsigned)p->spec.cpu_device) {
        size_t used = strlen(p->name);
        snprintf(p->name + used, sizeof p->name - used, "/%uof%dcu", p->spec.units,
                 p->spec.cpu_device);
    }
    for (char *c = p->name; *c; c++)
        if (*c == ';' || *c == '=')
            *c = '_';
}

/* The fixed cost: the fastest of PROBE_SMALL runs of one granule. */
static double probe_small(part *p, hm_result *res)
{
    double best = INFINITY;
    for (int i = 0; i < PROBE_SMALL && p->rc == HM_EOK; i++) {
        double t0 = hm_now();
        p->rc = hm_runner_count(p->run, 1, 0, HM_SCHED_GRANULE, res, NULL, &p->err);
        best = fmin(best, hm_now() - t0);
    }
    return best;
}

/* Rate and fixed cost of part p: the fastest of a few one-granule runs, then counts doubling
 * from PROBE_FIRST until one takes PROBE_S; rate = (n - granule) / (t(n) - t(granule)). */
static void part_probe(part *p)
{
    hm_result res;
    double small = probe_small(p, &res), t = 0;
    uint64_t n = PROBE_FIRST;
    for (; p->rc == HM_EOK; n *= 2) {
        double t0 = hm_now();
        p->rc = hm_runner_count(p->run, 1, 0, n, &res, NULL, &p->err);
        t = hm_now() - t0;
        if (t >= PROBE_S || n >= PROBE_MAX)
            break;
    }
    if (p->rc < 0)
        return;
    name_part(p, &res);
    double lo = (double)n / t;
    double rate = t > small ? (double)(n - HM_SCHED_GRANULE) / (t - small) : lo;
    rate = rate < lo ? lo : rate;
    hm_sched_estimate(&p->ctx->sched, p->index, rate, small - HM_SCHED_GRANULE / rate);
}

static void *part_main(void *arg)
{
    part *p = arg;
    hm_ctx *ctx = p->ctx;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&ctx->mu);
        while (ctx->job_id == seen)
            pthread_cond_wait(&ctx->go, &ctx->mu);
        seen = ctx->job_id;
        enum job job = ctx->job;
        pthread_mutex_unlock(&ctx->mu);
        if (job == JOB_QUIT)
            return NULL;
        p->rc = HM_EOK;
        p->hits = p->samples = 0;
        p->chunks = 0;
        p->first_start = p->finish = NAN;
        p->busy_s = 0;
        if (job == JOB_PROBE)
            part_probe(p);
        else
            part_work(p);
        pthread_mutex_lock(&ctx->mu);
        if (--ctx->pending == 0)
            pthread_cond_signal(&ctx->done);
        pthread_mutex_unlock(&ctx->mu);
    }
}

/* Hands `job` to every part thread and waits until all have done it (QUIT: nothing to wait). */
static void dispatch(hm_ctx *ctx, enum job job)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->job = job;
    ctx->job_id++;
    ctx->pending = job == JOB_QUIT ? 0 : ctx->threads;
    pthread_cond_broadcast(&ctx->go);
    while (ctx->pending > 0)
        pthread_cond_wait(&ctx->done, &ctx->mu);
    pthread_mutex_unlock(&ctx->mu);
}

/* The first part that failed the last job, as the job's error; HM_EOK when none did. */
static int parts_failed(hm_ctx *ctx, hm_error *err)
{
    for (unsigned i = 0; i < ctx->list.n; i++) {
        const part *p = &ctx->part[i];
        if (p->rc < 0)
            return hm_fail(err, p->rc, "part %u of %u (%s) failed: %s", i, ctx->list.n,
                           p->spec.label, p->err.msg[0] ? p->err.msg : hm_strerror(p->rc));
    }
    return HM_EOK;
}

static void coexec_release(hm_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->threads) {
        dispatch(ctx, JOB_QUIT);
        for (unsigned i = 0; i < ctx->threads; i++)
            pthread_join(ctx->thread[i], NULL);
    }
    for (unsigned i = 0; i < ctx->list.n; i++)
        hm_runner_close(ctx->part[i].run);
    if (ctx->sync_ready) {
        pthread_mutex_destroy(&ctx->mu);
        pthread_cond_destroy(&ctx->go);
        pthread_cond_destroy(&ctx->done);
    }
    if (ctx->sched_ready)
        hm_sched_destroy(&ctx->sched);
    free(ctx);
}

/* HETMC_COEXEC_FAULT: "part=K[,run=R][,chunk=C]". */
static int parse_fault(hm_ctx *ctx, hm_error *err)
{
    const char *v = getenv("HETMC_COEXEC_FAULT");
    long part = -1, chunk = 0, run = -1;
    int used = 0;
    ctx->fault_part = -1;
    ctx->fault_chunk = 0;
    ctx->fault_run = -1;
    if (!v || !v[0])
        return HM_EOK;
    int got = sscanf(v, "part=%ld%n,run=%ld%n", &part, &used, &run, &used), more = 0;
    if (got >= 1 && v[used] == ',' && sscanf(v + used, ",chunk=%ld%n", &chunk, &more) == 1)
        used += more;
    if (got < 1 || v[used] || part < 0 || part >= (long)ctx->list.n || chunk < 0 ||
        chunk > 1000000 || run < -1)
        return hm_fail(err, HM_EINVAL, "HETMC_COEXEC_FAULT '%s' is not a fault; accepted: "
                       "part=K[,run=R][,chunk=C] with K a part from 0 to %u", v, ctx->list.n - 1);
    ctx->fault_part = (int)part;
    ctx->fault_chunk = (int)chunk;
    ctx->fault_run = run;
    return HM_EOK;
}

/* The part list, the split, and the schedule; no resources but the scheduler's lock. */
static int plan(hm_ctx *ctx, const hm_config *cfg, hm_error *err)
{
    int rc = hm_coexec_plan(cfg->parts, cfg->split, &ctx->list, &ctx->split, err);
    if (rc < 0)
        return rc;
    if (hm_sched_init(&ctx->sched, ctx->list.n, &ctx->split) < 0)
        return hm_fail(err, HM_ESYS, "coexec: pthread_mutex_init failed");
    ctx->sched_ready = 1;
    return parse_fault(ctx, err);
}

/* Opens every part through the runner, on this thread (a pool's workers follow the thread
 * that forked them: this one lives as long as the process). */
static int open_parts(hm_ctx *ctx, const hm_config *cfg, hm_error *err)
{
    for (unsigned i = 0; i < ctx->list.n; i++) {
        part *p = &ctx->part[i];
        hm_error why = {0};
        p->spec = ctx->list.p[i];
        p->ctx = ctx;
        p->index = i;
        _Static_assert(sizeof p->name >= sizeof p->spec.label, "a part's name holds its label");
        memcpy(p->name, p->spec.label, sizeof p->spec.label);
        /* The run's time limit bounds each of its chunks too (process parts enforce it). */
        hm_config pc = {.workers = p->spec.workers,
                        .device = p->spec.device[0] ? p->spec.device : NULL,
                        .device_units = p->spec.units,
                        .timeout_s = cfg->timeout_s,
                        .self_exe = cfg->self_exe};
        int rc = hm_runner_open(p->spec.b, &pc, &p->run, &why);
        if (rc < 0)
            return hm_fail(err, rc, "part %u of %u (%s): %s", i, ctx->list.n, p->spec.label,
                           why.msg[0] ? why.msg : hm_strerror(rc));
    }
    return HM_EOK;
}

static int start_threads(hm_ctx *ctx, hm_error *err)
{
    if (pthread_mutex_init(&ctx->mu, NULL) != 0)
        return hm_fail(err, HM_ESYS, "coexec: pthread_mutex_init failed");
    if (pthread_cond_init(&ctx->go, NULL) != 0) {
        pthread_mutex_destroy(&ctx->mu);
        return hm_fail(err, HM_ESYS, "coexec: pthread_cond_init failed");
    }
    if (pthread_cond_init(&ctx->done, NULL) != 0) {
        pthread_cond_destroy(&ctx->go);
        pthread_mutex_destroy(&ctx->mu);
        return hm_fail(err, HM_ESYS, "coexec: pthread_cond_init failed");
    }
    ctx->sync_ready = 1;
    for (unsigned i = 0; i < ctx->list.n; i++) {
        if (pthread_create(&ctx->thread[i], NULL, part_main, &ctx->part[i]) != 0)
            return hm_fail(err, HM_ESYS, "coexec: could not start the thread of part %u", i);
        ctx->threads++;
    }
    return HM_EOK;
}

/* The device column and the note, once the parts are known. */
static void describe(hm_ctx *ctx, const hm_config *cfg)
{
    unsigned cores = hm_allowed_cpus();
    hm_parts_label(&ctx->list, ctx->label, sizeof ctx->label);
    if (ctx->split.kind != HM_SPLIT_DYNAMIC) {
        size_t used = strlen(ctx->label);
        snprintf(ctx->label + used, sizeof ctx->label - used, " %s", cfg->split);
    }
    ctx->note[0] = '\0';
    for (unsigned i = 0; i < ctx->list.n; i++)
        if (ctx->list.p[i].units && ctx->list.p[i].units < (unsigned)ctx->list.p[i].cpu_device)
            snprintf(ctx->note, sizeof ctx->note, "%s on a sub-device of %u of its %d compute "
                     "units: the parts keep %u cores busy on %u", ctx->list.p[i].label,
                     ctx->list.p[i].units, ctx->list.p[i].cpu_device, ctx->list.cores, cores);
    if (ctx->list.cores > cores)
        snprintf(ctx->note, sizeof ctx->note, "oversubscribed: the parts keep %u cores busy on "
                 "%u (an OpenCL CPU device counts its compute units; PoCL takes "
                 "POCL_MAX_PTHREAD_COUNT)", ctx->list.cores, cores);
}

static int coexec_prepare(const hm_config *cfg, hm_ctx **out, hm_error *err)
{
    hm_ctx *ctx = calloc(1, sizeof *ctx);
    int rc;
    *out = NULL;
    if (!ctx)
        return hm_fail(err, HM_ENOMEM, "coexec: out of memory");
    if ((rc = plan(ctx, cfg, err)) < 0 || (rc = open_parts(ctx, cfg, err)) < 0 ||
        (rc = start_threads(ctx, err)) < 0)
        goto fail;
    dispatch(ctx, JOB_PROBE);
    if ((rc = parts_failed(ctx, err)) < 0)
        goto fail;
    describe(ctx, cfg);
    *out = ctx;
    return HM_EOK;
fail:
    coexec_release(ctx);
    return rc;
}

/* 1.23e9 rather than 1.23e+09. */
static void short_num(char *buf, size_t len, double v)
{
    char tmp[32], *e;
    snprintf(tmp, sizeof tmp, "%.3g", v);
    if ((e = strchr(tmp, 'e')) != NULL) {
        char *d = e + 1;
        int neg = *d == '-';
        d += *d == '+' || *d == '-';
        while (*d == '0' && d[1])
            d++;
        snprintf(buf, len, "%.*se%s%s", (int)(e - tmp), tmp, neg ? "-" : "", d);
    } else {
        snprintf(buf, len, "%s", tmp);
    }
}

/* parts (PART=SHARE@RATE;...) and balance of the run that started at t0. */
static void report_parts(const hm_ctx *ctx, uint64_t count, double t0, hm_result *res)
{
    size_t used = 0;
    double early = INFINITY, late = 0;
    for (unsigned i = 0; i < ctx->list.n; i++) {
        const part *p = &ctx->part[i];
        char rate[32] = "0";
        if (p->samples && p->busy_s > 0)
            short_num(rate, sizeof rate, (double)p->samples / p->busy_s);
        int n = snprintf(res->parts + used, sizeof res->parts - used, "%s%s=%.4f@%s",
                         i ? ";" : "", p->name, count ? (double)p->samples / (double)count : 0.0,
                         rate);
        if (n > 0 && (size_t)n < sizeof res->parts - used)
            used += (size_t)n;
        if (p->samples) {
            early = fmin(early, p->finish - t0);
            late = fmax(late, p->finish - t0);
        }
    }
    res->balance = late > 0 ? early / late : NAN;
}

/* Phase times of the run that began at t0 and ended (threads back) at t_end. */
static void report_times(const hm_ctx *ctx, double t0, double t_end, hm_result *res)
{
    double first = INFINITY, last_start = t0, last_finish = t0;
    for (unsigned i = 0; i < ctx->list.n; i++) {
        const part *p = &ctx->part[i];
        if (!p->chunks)
            continue;
        first = fmin(first, p->first_start);
        last_start = fmax(last_start, p->first_start);
        last_finish = fmax(last_finish, p->finish);
    }
    if (isinf(first))
        first = last_finish = t_end;
    res->setup_s = last_start - t0;
    res->compute_s = last_finish - first;
    res->collect_s = t_end - last_finish;
}

static int coexec_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count,
                      hm_result *res, hm_error *err)
{
    struct sigaction old;
    double t0 = hm_now();
    /* Process parts write to pipes from several threads: SIGPIPE stays ignored all along. */
    hm_sigpipe_ignore(&old);
    hm_sched_start(&ctx->sched, first, count);
    ctx->seed = seed;
    dispatch(ctx, JOB_RUN);
    double t_end = hm_now();
    hm_sigpipe_restore(&old);
    ctx->runs++;
    int rc = parts_failed(ctx, err);
    if (rc < 0)
        return rc;
    res->hits = 0;
    for (unsigned i = 0; i < ctx->list.n; i++) {
        res->hits += ctx->part[i].hits;
        res->tasks += ctx->part[i].chunks;
    }
    report_times(ctx, t0, t_end, res);
    report_parts(ctx, count, t0, res);
    snprintf(res->device, sizeof res->device, "%s", ctx->label);
    snprintf(res->note, sizeof res->note, "%s", ctx->note);
    return HM_EOK;
}

const hm_backend hm_backend_coexec = {
    .name = "coexec",
    .family = "coexec",
    .summary = "one run split across backends at once: --parts openmp:3,opencl@gpu (--split)",
    .uses = HM_USES_PARTS,
    .flags = HM_WORKERS_FROM_PARTS,
    .prepare = coexec_prepare,
    .run = coexec_run,
    .release = coexec_release,
    .early_init = hm_coexec_early_init,
    .plan_parts = hm_coexec_plan_parts,
};
