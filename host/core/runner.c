/* runner.c - prepare, warm-up, calibrated repetitions, validation, the watchdog: the only
 * caller of a backend (runner.h). */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include "clock.h"
#include "kernel.h"
#include "load.h"
#include "stop.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct hm_runner {
    const hm_backend *b;
    hm_config cfg;
    hm_ctx *ctx;
};

int hm_runner_open(const hm_backend *b, const hm_config *cfg, hm_runner **out, hm_error *err)
{
    hm_runner *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return hm_fail(err, HM_ENOMEM, "out of memory");
    r->b = b;
    r->cfg = *cfg;
    int rc = b->prepare(cfg, &r->ctx, err);
    if (rc < 0) {
        free(r);
        return rc;
    }
    *out = r;
    return HM_EOK;
}

void hm_runner_close(hm_runner *r)
{
    if (!r)
        return;
    r->b->release(r->ctx);
    free(r);
}

const hm_backend *hm_runner_backend(const hm_runner *r)
{
    return r->b;
}

int hm_runner_count(hm_runner *r, uint64_t seed, uint64_t first, uint64_t count, hm_result *res,
                    double *wall_s, hm_error *err)
{
    hm_result_init(res);
    double t0 = hm_now();
    int rc = r->b->run(r->ctx, seed, first, count, res, err);
    if (wall_s)
        *wall_s = hm_now() - t0;
    return rc;
}

/* One cell as it runs: the reference count, and where the rows go. */
typedef struct cell_run {
    hm_runner *r;
    const hm_cell *cell;
    hm_cell_out *out;
    uint64_t ref;
    int have_ref;
    const char *ref_what; /* whose count ref is, for the note */
} cell_run;

/* --- The watchdog ------------------------------------------------------------------------ */

static void watch_disarm(void);

/* One thread for the process; it looks at the run in progress four times a second. */
#define WATCH_TICK_NS 250000000L

static struct {
    pthread_mutex_t mu;
    hm_watch_fn fn;
    void *arg;
    int armed, fired;
    double t0, limit, stop_at;
    const cell_run *run; /* the run in progress, for the row of a timeout; NULL: `what` */
    const char *what;
    unsigned rep;
} wd = {.mu = PTHREAD_MUTEX_INITIALIZER};

double hm_default_timeout(double base_s, uint64_t samples)
{
    return base_s + (double)samples / 1e7;
}

/* The failed row of a run past its limit (built on the watchdog's thread). */
static void timeout_row(hm_row *row, const cell_run *c, unsigned rep, double limit)
{
    const hm_runner *r = c->r;
    hm_row_init(row, r->b->name, r->cfg.workers, c->cell->samples, c->cell->seed, rep);
    snprintf(row->res.device, sizeof row->res.device, "%s",
             c->out->device[0] ? c->out->device : r->cfg.device ? r->cfg.device : "cpu");
    row->status = HM_STATUS_FAILED;
    row->calls = 1;
    if (r->b->uses & HM_USES_TIMEOUT) /* it stops its own workers: this is the backstop */
        hm_row_note(row, "did not finish within %g s, twice its limit of %g s (--timeout, or "
                    "the default) and 5 s more: its workers did not answer its own stop (a "
                    "stopped or hung worker or server), so hetmc stopped here", limit,
                    r->cfg.timeout_s);
    else
        hm_row_note(row, "did not finish within its limit of %g s (--timeout, or the default); "
                    "a %s run cannot be stopped from outside, so hetmc stopped here", limit,
                    r->b->name);
}

/* Looks at the armed run; fires the hook (never returns) when it is past its limit or past
 * the grace after a stop. Called with wd.mu held. */
static void watch_check(void)
{
    double now = hm_now();
    hm_watch_event ev = {0};
    hm_row row;
    if (!wd.armed)
        return;
    if (wd.limit > 0 && now - wd.t0 >= wd.limit) {
        if (wd.run) {
            timeout_row(&row, wd.run, wd.rep, wd.limit);
            ev.row = &row;
        }
        ev.what = wd.what;
        ev.limit_s = wd.limit;
    } else if (hm_stop_signal && wd.stop_at == 0) {
        wd.stop_at = now;
        return;
    } else if (hm_stop_signal && now - wd.stop_at >= HM_STOP_GRACE_S) {
        ev.interrupted = 1;
        ev.limit_s = HM_STOP_GRACE_S;
    } else {
        return;
    }
    wd.fired = 1;
    pthread_mutex_unlock(&wd.mu);
    wd.fn(&ev, wd.arg);
    _exit(1); /* the hook must not return; if it does, the process still ends */
}

static void *watch_main(void *unused)
{
    (void)unused;
    const struct timespec tick = {0, WATCH_TICK_NS};
    for (;;) {
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&wd.mu);
        watch_check();
        pthread_mutex_unlock(&wd.mu);
    }
    return NULL;
}

int hm_runner_watchdog(hm_watch_fn fn, void *arg)
{
    pthread_t t;
    sigset_t all, old;
    pthread_mutex_lock(&wd.mu);
    int started = wd.fn != NULL;
    wd.fn = fn;
    wd.arg = arg;
    pthread_mutex_unlock(&wd.mu);
    if (started || !fn)
        return 0;
    /* The thread blocks every signal, so that stop signals reach the command's thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&t, NULL, watch_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        wd.fn = NULL;
        return -1;
    }
    pthread_detach(t);
    return 0;
}

/* Arms the watchdog for the run of cell c (or, with c NULL, for `what`). */
static void watch_arm(const cell_run *c, unsigned rep, const char *what, double limit)
{
    if (!wd.fn)
        return;
    pthread_mutex_lock(&wd.mu);
    wd.run = c;
    wd.what = what;
    wd.rep = rep;
    wd.limit = limit;
    wd.stop_at = 0;
    wd.t0 = hm_now();
    wd.armed = 1;
    pthread_mutex_unlock(&wd.mu);
}

/* The watchdog's limit for a run of r: process backends stop their own workers at the limit,
 * so the watchdog is only their backstop. */
static double run_limit(const hm_runner *r)
{
    double limit = r->cfg.timeout_s;
    if (limit > 0 && (r->b->uses & HM_USES_TIMEOUT))
        limit = 2 * limit + 5;
    return limit;
}

void hm_runner_watch(const char *what, double limit_s)
{
    watch_arm(NULL, 0, what, limit_s);
}

void hm_runner_unwatch(void)
{
    watch_disarm();
}

static void watch_disarm(void)
{
    if (!wd.fn)
        return;
    pthread_mutex_lock(&wd.mu);
    int fired = wd.fired;
    wd.armed = 0;
    pthread_mutex_unlock(&wd.mu);
    if (fired)
        for (;;)
            pause(); /* the watchdog's hook is writing what there is and ends the process */
}

/* --- Cells --------------------------------------------------------------------------------- */

/* One watched call over [0, samples). */
static int call(const cell_run *c, unsigned rep, hm_result *res, double *wall, hm_error *err)
{
    watch_arm(c, rep, NULL, run_limit(c->r));
    int rc = hm_runner_count(c->r, c->cell->seed, 0, c->cell->samples, res, wall, err);
    watch_disarm();
    return rc;
}

/* Checks one call's count (res in row->res); a failure makes the row failed with a note.
 * With match set the hits must also equal the reference, which the first validated count
 * becomes when there is none. Returns 1 when the count is good. */
static int check_count(cell_run *c, hm_row *row, int match, const char *first_what)
{
    uint64_t hits = row->res.hits, n = c->cell->samples;
    if (!hm_validate(hits, n, &row->sigmas)) {
        row->status = HM_STATUS_FAILED;
        hm_row_note(row,
                    "validation failed: %llu hits of %llu samples puts pi at %.9g, %.3g standard "
                    "errors from pi (limit %.0f)",
                    (unsigned long long)hits, (unsigned long long)n, hm_pi_estimate(hits, n),
                    row->sigmas, HM_VALIDATE_SIGMA);
        return 0;
    }
    if (!c->have_ref) {
        c->ref = hits;
        c->have_ref = 1;
        c->ref_what = first_what;
    }
    if (!c->out->have_ref) {
        c->out->have_ref = 1;
        c->out->ref_hits = hits;
        snprintf(c->out->device, sizeof c->out->device, "%s", row->res.device);
    }
    if (!match || hits == c->ref)
        return 1;
    row->status = HM_STATUS_FAILED;
    if (c->cell->expect)
        hm_row_note(row, "hits %llu differ from %s %llu", (unsigned long long)hits,
                    c->ref_what, (unsigned long long)c->ref);
    else
        hm_row_note(row, "hits %llu differ from %s %llu: not reproducible",
                    (unsigned long long)hits, c->ref_what, (unsigned long long)c->ref);
    return 0;
}

/* A failed call: the row is failed with the backend's message. */
static void call_failed(hm_row *row, int rc, const hm_error *err)
{
    row->status = HM_STATUS_FAILED;
    row->has_hits = 0;
    row->sigmas = NAN; /* an earlier call's; this one counted nothing */
    hm_row_note(row, "%s", err->msg[0] ? err->msg : hm_strerror(rc));
}

/* Sums of the phase times over the calls of a repetition; NAN stays NAN. */
typedef struct phase_sums {
    double wall, setup, compute, collect, build, kernel, transfer;
} phase_sums;

static void phases_add(phase_sums *s, const hm_result *res, double wall)
{
    s->wall += wall;
    s->setup += res->setup_s;
    s->compute += res->compute_s;
    s->collect += res->collect_s;
    s->build += res->build_s;
    s->kernel += res->kernel_s;
    s->transfer += res->transfer_s;
}

/* The row's times become the per-call means. */
static void phases_mean(hm_row *row, const phase_sums *s)
{
    double n = row->calls;
    row->wall_s = s->wall / n;
    row->res.setup_s = s->setup / n;
    row->res.compute_s = s->compute / n;
    row->res.collect_s = s->collect / n;
    row->res.build_s = s->build / n;
    row->res.kernel_s = s->kernel / n;
    row->res.transfer_s = s->transfer / n;
}

/* Whether the foreign load of r's repetitions is measured: not for collective backends. */
static int measures_load(const hm_runner *r)
{
    return !(r->b->uses & HM_COLLECTIVE) && !hm_load_unavailable()[0];
}

/* The row's foreign load between two marks, and whether it was over the limit. */
static void judge_load(const hm_runner *r, const hm_load_mark *a, hm_row *row)
{
    hm_load_mark b;
    hm_load l;
    hm_load_mark_now(&b);
    hm_load_between(a, &b, &l);
    row->foreign_cpu = l.foreign_cpu;
    row->steal = l.steal;
    row->interfered = isnan(l.foreign_cpu) ? -1 : hm_load_interfered(&l, r->cfg.workers);
}

/* How long a repetition lasts at least: min_time_s, and load_min_s when the load is
 * measured. */
static double least_time(const cell_run *c, int load)
{
    double min_s = c->cell->min_time_s;
    return load && c->cell->load_min_s > min_s ? c->cell->load_min_s : min_s;
}

/* The notes of a finished repetition: the backend's, the host kernel that counted (rows of
 * backends without devices or parts), and STREAM's habit: a time under 1000 clock ticks is
 * too short to trust. */
static void finish_notes(const hm_runner *r, hm_row *row, double wall)
{
    if (row->res.note[0])
        hm_row_note(row, "%s", row->res.note);
    if (!(r->b->uses & (HM_USES_DEVICE | HM_USES_PARTS)))
        hm_row_note(row, "host kernel %s (%s)", hm_kernel_name(), hm_kernel_how());
    if (row->status == HM_STATUS_OK && wall < 1000.0 * hm_clock_resolution())
        hm_row_note(row, "wall time under 1000 clock ticks (%.3g s over %u call%s): too short "
                    "to trust", wall, row->calls, row->calls == 1 ? "" : "s");
}

/* One timed repetition: calls back to back until they last least_time together, every count
 * checked. Returns 0, or -1 when a stop interrupted it (the row is then to be discarded). */
static int repetition(cell_run *c, unsigned rep, hm_row *row)
{
    const hm_runner *r = c->r;
    phase_sums sums = {0};
    hm_load_mark mark;
    int load = measures_load(r);
    double min_s = least_time(c, load);
    hm_row_init(row, r->b->name, r->cfg.workers, c->cell->samples, c->cell->seed, rep);
    if (load)
        hm_load_mark_now(&mark);
    for (;;) {
        hm_error err = {0};
        double wall;
        int rc = call(c, rep, &row->res, &wall, &err);
        row->calls++;
        if (hm_stop_signal)
            return -1;
        if (rc < 0) {
            row->wall_s = wall;
            call_failed(row, rc, &err);
            return 0;
        }
        row->has_hits = 1;
        phases_add(&sums, &row->res, wall);
        if (!check_count(c, row, 1, "the first repetition's") || sums.wall >= min_s ||
            (r->b->uses & HM_COLLECTIVE))
            break;
    }
    if (load)
        judge_load(r, &mark, row);
    phases_mean(row, &sums);
    finish_notes(r, row, sums.wall);
    return 0;
}

/* The untimed warm-ups: validated, and the first gives the reference when the cell has none.
 * Returns 1 to go on, 0 when one failed (its row written), -1 when stopped. */
static int warm_up(cell_run *c, hm_row_fn emit, void *arg)
{
    const hm_runner *r = c->r;
    hm_row row;
    for (unsigned w = 0; w < c->cell->warmups; w++) {
        hm_error err = {0};
        if (hm_stop_signal)
            return -1;
        hm_row_init(&row, r->b->name, r->cfg.workers, c->cell->samples, c->cell->seed, 0);
        int rc = call(c, 0, &row.res, &row.wall_s, &err);
        row.calls = 1;
        if (hm_stop_signal)
            return -1;
        if (rc < 0)
            call_failed(&row, rc, &err);
        else
            row.has_hits = 1;
        if (rc < 0 || !check_count(c, &row, 0, "the warm-up's")) {
            /* Reported as rep 0 so that the failure is on record. */
            hm_row_note(&row, "the untimed warm-up failed");
            c->out->warmup_failed = 1;
            snprintf(c->out->first_error, sizeof c->out->first_error, "%s", row.note);
            c->out->stopped = emit(&row, arg) != 0;
            return 0;
        }
    }
    return 1;
}

/* A cell whose repetitions come one at a time (in rounds): its run and its output. */
struct hm_cell_state {
    hm_cell cell;
    hm_cell_out out;
    cell_run c;
    int warmed; /* 1: the warm-ups passed; 0: not yet; -1: a warm-up failed */
};

int hm_cell_begin(hm_runner *r, const hm_cell *cell, hm_cell_state **out)
{
    hm_cell_state *st = calloc(1, sizeof *st);
    *out = st;
    if (!st)
        return -1;
    st->cell = *cell;
    st->c = (cell_run){.r = r, .cell = &st->cell, .out = &st->out};
    if (cell->expect) {
        st->c.ref = *cell->expect;
        st->c.have_ref = 1;
        st->c.ref_what = cell->expect_what ? cell->expect_what : "the expected";
    }
    return 0;
}

const hm_cell_out *hm_cell_result(const hm_cell_state *st)
{
    return &st->out;
}

void hm_cell_end(hm_cell_state *st)
{
    free(st);
}

int hm_cell_rep(hm_cell_state *st, unsigned rep, hm_row_fn emit, void *arg)
{
    hm_cell_out *out = &st->out;
    hm_row row;
    if (st->warmed == 0) {
        int go = warm_up(&st->c, emit, arg);
        if (go < 0)
            out->stopped = 1;
        if (go <= 0) {
            st->warmed = go < 0 ? 0 : -1;
            return go < 0 ? -1 : 0;
        }
        st->warmed = 1;
    }
    if (st->warmed < 0)
        return 0;
    if (hm_stop_signal || repetition(&st->c, rep, &row) < 0) {
        out->stopped = 1;
        return -1;
    }
    if (row.status != HM_STATUS_OK) {
        if (!out->reps_failed)
            snprintf(out->first_error, sizeof out->first_error, "%s", row.note);
        out->reps_failed++;
    }
    out->reps_done++;
    if (emit(&row, arg) != 0) {
        out->stopped = 1;
        return -1;
    }
    return 1;
}

hm_status hm_runner_cell(hm_runner *r, const hm_cell *cell, hm_row_fn emit, void *arg,
                         hm_cell_out *out)
{
    hm_cell_state *st;
    hm_cell_out local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    if (hm_cell_begin(r, cell, &st) < 0) {
        out->warmup_failed = 1;
        snprintf(out->first_error, sizeof out->first_error, "out of memory");
        return HM_STATUS_FAILED;
    }
    for (unsigned rep = 1; rep <= cell->reps; rep++)
        if (hm_cell_rep(st, rep, emit, arg) <= 0)
            break;
    *out = st->out;
    hm_cell_end(st);
    return out->reps_failed || out->warmup_failed ? HM_STATUS_FAILED : HM_STATUS_OK;
}

void hm_runner_unopened_row(hm_row *row, const hm_backend *b, unsigned workers,
                            const char *device, uint64_t seed, uint64_t samples, int rc,
                            const char *why)
{
    hm_row_init(row, b->name, workers, samples, seed, 0);
    snprintf(row->res.device, sizeof row->res.device, "%s", device ? device : "");
    row->status = rc == HM_EUNAVAIL ? HM_STATUS_SKIPPED : HM_STATUS_FAILED;
    hm_row_note(row, "%s: %s", rc == HM_EUNAVAIL ? "unavailable" : "could not start",
                why && why[0] ? why : hm_strerror(rc));
}
