/*
 * matrix_run.c - the plan of `hetmc matrix`, its repetitions in rounds, and its progress.
 *
 * A cell is one plan item (backend, device, workers) at one sample size. In rounds (the
 * default) every item is prepared first and kept prepared (pool workers, OpenCL programs, the
 * fork server stay up), then every round runs each cell once, in an order shuffled per round
 * from a recorded seed, so that a load that comes and goes falls on all cells alike instead of
 * on one backend's cells (Google Benchmark's random interleaving). Round 1 runs the reference
 * cells (serial) first, so that every other cell is held to serial's count. A cell's untimed
 * warm-ups come right before its first repetition. At most MAX_OPEN items are prepared at
 * once: a larger plan runs in groups of that many, each in rounds, so that the processes,
 * threads and device contexts held stay bounded.
 *
 * A repetition during which other programs took part of the allowed CPUs is interfered
 * (load.h): it stays in runs.csv, the comparison leaves it out of its medians, and the cell
 * gets another repetition in a later round, up to --retries more. --order cells runs each
 * cell's repetitions back to back, as hetmc did before rounds.
 */
#define _POSIX_C_SOURCE 200809L
#include "matrix.h"

#include "cli.h"
#include "clock.h"
#include "kernel.h"
#include "load.h"
#include "stop.h"
#include "sysinfo.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPEN 64 /* plan items prepared at once */

void hm_matrix_say(matrix *m, const char *fmt, ...)
{
    va_list ap;
    if (m->pr.open_line)
        fputc('\n', stderr);
    m->pr.open_line = 0;
    fputs("hetmc matrix: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int hm_matrix_write_row(const hm_row *row, void *arg)
{
    matrix *m = arg;
    if (row->status == HM_STATUS_FAILED)
        m->status = HM_EXIT_FAIL;
    if (m->write_failed)
        return 1;
    if (hm_csv_row(m->csv, row) == 0)
        return 0;
    hm_matrix_write_error(m, "runs.csv", errno,
                          "; the matrix stops here (the rows written are whole)");
    m->write_failed = 1;
    return 1;
}

void hm_matrix_write_error(matrix *m, const char *name, int e, const char *more)
{
    m->status = HM_EXIT_FAIL;
    if (m->write_said)
        return;
    m->write_said = 1;
    say(m, "writing %s/%s: %s%s", m->dir, name, strerror(e ? e : EIO), more);
}

/* --- The plan ------------------------------------------------------------------------------ */

static plan_item *plan_add(plan *p)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        plan_item *grown = realloc(p->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->items = grown;
        p->cap = cap;
    }
    plan_item *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Adds one item per part list and split (coexec); workers come from the parts. */
static int plan_parts(matrix *m, const hm_backend *b)
{
    for (size_t i = 0; i < m->o.parts.n; i++)
        for (size_t k = 0; k < m->o.splits.n; k++) {
            hm_config cfg = {.workers = 1, .parts = m->o.parts.v[i], .split = m->o.splits.v[k]};
            hm_error err = {0};
            plan_item *it = plan_add(&m->plan);
            if (!it)
                return -1;
            it->b = b;
            it->parts = cfg.parts;
            it->split = cfg.split;
            int rc = b->plan_parts(&cfg, &it->workers, it->label, sizeof it->label, &err);
            it->unavailable = rc < 0;
            snprintf(it->why, sizeof it->why, "%s", err.msg);
        }
    return 0;
}

/* One item per (device, workers) of backend b; a backend of one worker gets one. Returns 0,
 * or -1 when out of memory. */
static int plan_workers(matrix *m, const hm_backend *b, const unsigned *idx, int ndev,
                        const char *why)
{
    for (int d = 0; d < ndev; d++)
        for (size_t w = 0; w < m->o.worker_list.n; w++) {
            unsigned wk = (unsigned)m->o.worker_list.v[w];
            if (b->max_workers == 1) {
                if (w > 0)
                    break;
                wk = 1; /* serial: one worker, once */
            } else if (b->max_workers && wk > b->max_workers) {
                continue;
            }
            plan_item *it = plan_add(&m->plan);
            if (!it)
                return -1;
            it->b = b;
            it->workers = wk;
            it->unavailable = why[0] != '\0';
            snprintf(it->why, sizeof it->why, "%s", why);
            if (idx)
                snprintf(it->device, sizeof it->device, "%u", idx[d]);
        }
    return 0;
}

/* Adds backend b's (device, workers) items: every device --device names (default all).
 * Returns 0, -1 when out of memory, or HM_EXIT_USAGE when --device matches no device. */
static int plan_backend(matrix *m, const hm_backend *b)
{
    if (cells_from_parts(b))
        return plan_parts(m, b);
    unsigned *idx = NULL;
    int ndev = 1;
    char why[512] = "";
    if (b->select_devices) {
        hm_error err = {0};
        ndev = b->select_devices(m->o.device ? m->o.device : "all", &idx, &err);
        if (ndev == HM_EINVAL)
            return hm_usage_error("matrix", "%s", err.msg);
        if (ndev < 0) {
            snprintf(why, sizeof why, "%s", err.msg[0] ? err.msg : hm_strerror(ndev));
            ndev = 1;
        }
    }
    int rc = plan_workers(m, b, idx, ndev, why);
    free(idx);
    return rc;
}

int hm_matrix_plan(matrix *m)
{
    int devices = 0;
    for (size_t i = 0; i < m->o.nbackends; i++) {
        int rc = plan_backend(m, m->o.backends[i]);
        if (rc == HM_EXIT_USAGE)
            return rc;
        if (rc < 0) {
            fprintf(stderr, "hetmc matrix: out of memory\n");
            return -1;
        }
        devices |= m->o.backends[i]->select_devices != NULL;
    }
    if (m->o.device && !devices)
        return hm_usage_error("matrix", "--device %s: none of the backends asked for runs on "
                              "OpenCL devices", m->o.device);
    m->pr.cells_total = m->plan.n * m->o.sample_list.n;
    m->pr.reps_total = m->pr.cells_total * m->o.reps;
    return 0;
}

/* --- Before measuring ---------------------------------------------------------------------- */

void hm_matrix_check_idle(matrix *m)
{
    char busiest[512];
    double foreign, t0 = hm_now();
    if (hm_load_unavailable()[0]) {
        fprintf(m->prov, "foreign_load_at_start: not measured: %s\n", hm_load_unavailable());
        return;
    }
    hm_wait_idle("matrix", " and measured again", m->o.wait_idle, &foreign, busiest, sizeof busiest);
    fprintf(m->prov, "foreign_load_at_start: %.2f cores of %u CPUs%s%s (after %.0f s)\n",
            foreign, hm_allowed_cpus(), busiest[0] ? "; busiest: " : "", busiest,
            hm_now() - t0);
}

/* --- Cells and rounds ---------------------------------------------------------------------- */

/* One cell: a plan item at one sample size, and how far its repetitions got. */
typedef struct slot {
    size_t item, k;
    hm_cell_state *st; /* begun at its first repetition */
    unsigned done;     /* repetitions written: the next is rep done + 1 */
    unsigned clean;    /* ok and not interfered */
    unsigned interfered, extra; /* interfered ones; repetitions added for them */
    int over;          /* nothing more to run: the item did not open, a warm-up failed */
    double est_s;      /* how long one repetition took (its calls), once known */
} slot;

/* A prepared plan item. */
typedef struct item_run {
    hm_runner *r;
    int rc;          /* hm_runner_open's result */
    char why[512];
    char devname[128]; /* the device that ran it, from its first validated count */
} item_run;

/* Everything the rounds work on. */
typedef struct rounds {
    matrix *m;
    slot *s;
    size_t n;
    item_run *items;
    size_t *order;  /* scratch: the slots of a round */
    uint64_t rng;
    double c_s;     /* seconds per (sample / worker): the model of a cell's time, taken from */
    double c_work;  /* the repetition of the biggest work (samples / worker) seen so far */
} rounds;

/* The row callback of a repetition: writes the row and remembers what it was. */
typedef struct rep_ctx {
    matrix *m;
    slot *s;
    int ok, interfered;
    double timed_s;
} rep_ctx;

static int on_row(const hm_row *row, void *arg)
{
    rep_ctx *c = arg;
    if (row->rep > 0) {
        c->ok = row->status == HM_STATUS_OK;
        c->interfered = row->interfered == 1;
        c->timed_s = row->wall_s * row->calls;
    }
    c->m->reps_interfered += row->interfered == 1;
    return hm_matrix_write_row(row, c->m);
}

/* The hm_config of one plan item. */
static void item_config(const matrix *m, const plan_item *it, hm_config *cfg)
{
    hm_opts_config(&m->o, cfg);
    cfg->workers = it->workers;
    cfg->device = it->device[0] ? it->device : NULL;
    cfg->timeout_s = m->limit;
    cfg->bind = it->b->uses & HM_USES_BIND ? m->o.bind : HM_BIND_NONE;
    cfg->parts = it->parts;
    cfg->split = it->split;
}

/* The row of a cell whose backend did not open: skipped (unavailable) or failed. */
static void write_unopened(matrix *m, const plan_item *it, uint64_t n, int rc, const char *why)
{
    hm_row row;
    const char *dev = it->label[0] ? it->label : it->device;
    if (!dev[0] && cells_from_parts(it->b))
        dev = it->parts ? it->parts : "auto";
    hm_runner_unopened_row(&row, it->b, it->workers, dev, m->o.seed, n, rc, why);
    hm_matrix_write_row(&row, m);
}

/* Prepares item i; when it cannot be, writes its rows (one per sample size) and ends its
 * cells. */
static void open_item(rounds *R, size_t i)
{
    matrix *m = R->m;
    const plan_item *it = &m->plan.items[i];
    item_run *ir = &R->items[i];
    hm_config cfg;
    hm_error err = {0};
    item_config(m, it, &cfg);
    ir->rc = it->unavailable ? HM_EUNAVAIL : hm_runner_open(it->b, &cfg, &ir->r, &err);
    snprintf(ir->why, sizeof ir->why, "%s", it->unavailable ? it->why : err.msg);
    if (ir->rc >= 0)
        return;
    if (ir->rc != HM_EUNAVAIL)
        say(m, "%s%s%s w=%u could not start: %s", it->b->name, it->device[0] ? " device " : "",
            it->device, it->workers, ir->why[0] ? ir->why : hm_strerror(ir->rc));
    for (size_t k = 0; k < m->o.sample_list.n && !m->write_failed; k++) {
        write_unopened(m, it, m->o.sample_list.v[k], ir->rc, ir->why);
        R->s[i * m->o.sample_list.n + k].over = 1;
    }
}

/* The cell's hm_cell: held to the reference count of its sample size, which serial's first
 * validated run gives, or the host kernel's (computed outside any timing, but watched) when
 * serial is not in the matrix or has not counted it. */
static void cell_of(matrix *m, const plan_item *it, size_t k, hm_cell *cell)
{
    uint64_t n = m->o.sample_list.v[k];
    if (!(it->b->flags & HM_REFERENCE) && !m->have_ref[k]) {
        hm_runner_watch("the reference count (the host kernel, as serial would count)",
                        m->limit);
        m->ref[k] = hm_kernel_hits(m->o.seed, 0, n);
        hm_runner_unwatch();
        m->have_ref[k] = 1;
    }
    *cell = (hm_cell){.seed = m->o.seed, .samples = n, .reps = (unsigned)m->o.reps,
                      .warmups = (unsigned)m->o.warmups, .min_time_s = m->o.min_time,
                      .expect = m->have_ref[k] ? &m->ref[k] : NULL, .expect_what = "serial's",
                      .load_min_s = m->o.min_time > 0 ? hm_load_resolve_s() : 0};
}

/* --- Progress ------------------------------------------------------------------------------ */

/* A cell's work in the model of its time: samples per worker. */
static double cell_work(const matrix *m, const slot *s)
{
    return (double)m->o.sample_list.v[s->k] / m->plan.items[s->item].workers;
}

/* The seconds still to go: each cell's remaining repetitions at its measured time, or at the
 * model's (the longer of the least repetition time and the work at the rate seen so far),
 * plus the warm-ups of the cells not yet begun. Sane from the first cell on, since the model
 * grows with each cell's own work rather than with the first cell's rate. */
static double time_left(const rounds *R)
{
    const matrix *m = R->m;
    double left = 0, floor_s = m->o.min_time;
    if (m->o.min_time > 0 && hm_load_resolve_s() > floor_s)
        floor_s = hm_load_resolve_s();
    for (size_t i = 0; i < R->n; i++) {
        const slot *s = &R->s[i];
        if (s->over || s->done >= m->o.reps)
            continue;
        double work = R->c_s * cell_work(m, s);
        double rep = s->est_s > 0 ? s->est_s : work > floor_s ? work : floor_s;
        left += (double)(m->o.reps - s->done) * rep;
        if (!s->st)
            left += (double)m->o.warmups * work;
    }
    return left;
}

static void fmt_eta(double s, char *buf, size_t len)
{
    if (isnan(s) || s < 0)
        snprintf(buf, len, "?");
    else if (s < 90)
        snprintf(buf, len, "%.0f s", s);
    else if (s < 5400)
        snprintf(buf, len, "%.0f min", s / 60);
    else
        snprintf(buf, len, "%.1f h", s / 3600);
}

/* In a log, the line at the start of a round after the first; returns 1 when it printed. */
static int progress_round_line(const matrix *m, double el, const char *eta)
{
    const progress *p = &m->pr;
    if (p->round > p->rounds)
        fprintf(stderr, "[re-measuring interfered repetitions: retry round %u of at most %u, "
                "%zu repetitions done, %.0f s elapsed]\n", p->round - p->rounds,
                (unsigned)m->o.retries, p->reps_done, el);
    else if (p->round > 1)
        fprintf(stderr, "[round %u of %u: %zu of %zu repetitions done, %.0f s elapsed, ETA "
                "%s]\n", p->round, p->rounds, p->reps_done, p->reps_total, el, eta);
    return p->round > 1;
}

/* The progress before cell s's next repetition: one line rewritten in place on a terminal;
 * in a log a line per cell in the first round and one per later round. */
static void progress_show(rounds *R, const slot *s, int round_start)
{
    matrix *m = R->m;
    progress *p = &m->pr;
    const plan_item *it = &m->plan.items[s->item];
    if (p->quiet || (!p->tty && !(p->round <= 1 && s->done == 0) && !round_start))
        return;
    char eta[32], where[96];
    double el = hm_now() - p->t0;
    fmt_eta(R->c_s > 0 ? time_left(R) : NAN, eta, sizeof eta);
    if (!p->tty && round_start && progress_round_line(m, el, eta))
        return;
    if (p->round > p->rounds)
        snprintf(where, sizeof where, "re-measuring, round %u of at most %u, %zu reps",
                 p->round - p->rounds, (unsigned)m->o.retries, p->reps_done);
    else
        snprintf(where, sizeof where, "round %u/%u, %zu/%zu reps", p->round, p->rounds,
                 p->reps_done, p->reps_total);
    fprintf(stderr, "%s[%s, %.0f s elapsed, ETA %s] %s%s%s%s%s w=%u N=%llu%s",
            p->tty ? "\r" : "", where, el, eta, it->b->name, it->device[0] ? " dev " : "",
            it->device, it->label[0] ? " " : "", it->label, it->workers,
            (unsigned long long)m->o.sample_list.v[s->k], p->tty ? "\033[K" : "\n");
    p->open_line = p->tty;
    fflush(stderr);
}

void hm_matrix_progress_end(matrix *m)
{
    if (m->pr.ended)
        return;
    m->pr.ended = 1;
    if (!m->o.quiet)
        fprintf(stderr, "%s[%zu cells, %zu repetitions done in %.1f s]%s\n",
                m->pr.tty ? "\r" : "", m->pr.cells_total, m->pr.reps_done,
                hm_now() - m->pr.t0, m->pr.tty ? "\033[K" : "");
    m->pr.open_line = 0;
}

/* --- Repetitions --------------------------------------------------------------------------- */

/* Learns how long a repetition of s took, for the model of the time left. */
static void learn(rounds *R, slot *s, double timed_s)
{
    if (!(timed_s > 0))
        return;
    s->est_s = timed_s;
    /* The rate of the biggest work seen: small cells' times are mostly the least repetition
     * time and say little about the work. */
    double work = cell_work(R->m, s);
    if (work >= R->c_work) {
        R->c_work = work;
        R->c_s = timed_s / work;
    }
}

/* One repetition of cell s (with the cell's warm-ups before its first). Returns 0 to go on,
 * -1 when a stop or a write error ends the matrix. */
static int do_rep(rounds *R, slot *s)
{
    matrix *m = R->m;
    const plan_item *it = &m->plan.items[s->item];
    rep_ctx c = {.m = m, .s = s};
    if (!s->st) {
        hm_cell cell;
        cell_of(m, it, s->k, &cell);
        if (hm_cell_begin(R->items[s->item].r, &cell, &s->st) < 0) {
            say(m, "out of memory");
            return -1;
        }
    }
    int rc = hm_cell_rep(s->st, s->done + 1, on_row, &c);
    const hm_cell_out *out = hm_cell_result(s->st);
    if (out->have_ref && (it->b->flags & HM_REFERENCE) && !m->have_ref[s->k]) {
        m->ref[s->k] = out->ref_hits;
        m->have_ref[s->k] = 1;
    }
    if (rc == 0)
        s->over = 1; /* the warm-up failed: its row is written */
    if (rc <= 0)
        return rc < 0 ? -1 : 0;
    s->done++;
    m->pr.reps_done++;
    s->clean += c.ok && !c.interfered;
    s->interfered += c.interfered;
    learn(R, s, c.timed_s);
    return hm_stop_signal || m->write_failed ? -1 : 0;
}

/* Whether cell s takes a repetition in round `round` (1-based; past --reps, the rounds that
 * re-measure interfered repetitions). */
static int wants_rep(const matrix *m, const slot *s, unsigned round)
{
    if (s->over || s->done >= round)
        return 0;
    if (round <= m->o.reps)
        return 1;
    return s->clean < m->o.reps && s->interfered > s->extra && s->extra < m->o.retries;
}

static uint64_t next_random(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * UINT64_C(2685821657736338717);
}

/* The cells [lo, hi) that take a repetition in this round, shuffled; in round 1 the
 * reference's cells first. Returns how many. */
static size_t round_order(rounds *R, size_t lo, size_t hi, unsigned round)
{
    matrix *m = R->m;
    size_t n = 0, first = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = lo; i < hi; i++) {
            int ref = (m->plan.items[R->s[i].item].b->flags & HM_REFERENCE) != 0;
            if (wants_rep(m, &R->s[i], round) && (round > 1 ? pass == 0 : ref == (pass == 0)))
                R->order[n++] = i;
            if (pass == 0)
                first = n;
        }
    for (size_t part = 0; part < 2; part++) {
        size_t a = part ? first : 0, b = part ? n : first;
        for (size_t i = b; i > a + 1; i--) {
            size_t j = a + (size_t)(next_random(&R->rng) % (i - a));
            size_t t = R->order[i - 1];
            R->order[i - 1] = R->order[j];
            R->order[j] = t;
        }
    }
    return n;
}

/* The cells of items [lo, hi) in rounds: --reps rounds, then up to --retries more for the
 * cells with interfered repetitions. Returns 0, or -1 when the matrix must stop. */
static int run_rounds(rounds *R, size_t lo, size_t hi)
{
    matrix *m = R->m;
    unsigned last = (unsigned)(m->o.reps + m->o.retries);
    for (unsigned round = 1; round <= last; round++) {
        size_t n = round_order(R, lo, hi, round);
        if (!n && round >= m->o.reps)
            break;
        m->pr.round = round;
        for (size_t i = 0; i < n; i++) {
            progress_show(R, &R->s[R->order[i]], i == 0);
            if (do_rep(R, &R->s[R->order[i]]) < 0)
                return -1;
            if (round > m->o.reps)
                R->s[R->order[i]].extra++, m->reps_retried++;
        }
    }
    return 0;
}

/* The cells of items [lo, hi) one after the other, each with its repetitions back to back
 * (and the re-measured ones right after). Returns 0, or -1 when the matrix must stop. */
static int run_cells(rounds *R, size_t lo, size_t hi)
{
    matrix *m = R->m;
    for (size_t i = lo; i < hi; i++)
        for (unsigned round = 1; round <= m->o.reps + m->o.retries; round++) {
            if (!wants_rep(m, &R->s[i], round))
                continue;
            m->pr.round = round <= m->o.reps ? 1 : round;
            progress_show(R, &R->s[i], 0);
            if (do_rep(R, &R->s[i]) < 0)
                return -1;
            if (round > m->o.reps)
                R->s[i].extra++, m->reps_retried++;
        }
    return 0;
}

/* --- The end of a group of items ----------------------------------------------------------- */

/* The one line of a cell that failed. */
static void say_cell_failed(matrix *m, const plan_item *it, uint64_t n, const hm_cell_out *out)
{
    char what[64];
    if (out->warmup_failed)
        snprintf(what, sizeof what, "the warm-up failed");
    else
        snprintf(what, sizeof what, "%u of %u repetitions failed", out->reps_failed,
                 out->reps_done);
    say(m, "%s%s%s w=%u N=%llu: %s: %s", it->b->name, it->device[0] ? " device " : "",
        it->device, it->workers, (unsigned long long)n, what, out->first_error);
}

/* What provenance.txt keeps of an item: the device behind an index, the parts behind a part
 * list, or why a backend is unavailable (once). */
static void note_item(matrix *m, const plan_item *it, const char *devname)
{
    if (devname[0] && it->device[0])
        fprintf(m->prov, "device: backend %s index %s = %s\n", it->b->name, it->device, devname);
    else if (devname[0] && it->label[0])
        fprintf(m->prov, "coexec: --parts %s --split %s = %s\n", it->parts ? it->parts : "auto",
                it->split ? it->split : "dynamic", it->label);
    else if (it->unavailable && it->workers == m->plan.items[0].workers)
        fprintf(m->prov, "unavailable: backend %s: %s\n", it->b->name, it->why);
}

/* Ends the cells of items [lo, hi): failures said, devices noted, runners released. */
static void close_items(rounds *R, size_t lo, size_t hi)
{
    matrix *m = R->m;
    size_t ns = m->o.sample_list.n;
    for (size_t i = lo; i < hi; i++) {
        item_run *ir = &R->items[i];
        for (size_t k = 0; k < ns; k++) {
            slot *s = &R->s[i * ns + k];
            if (!s->st)
                continue;
            const hm_cell_out *out = hm_cell_result(s->st);
            if (out->have_ref && !ir->devname[0])
                snprintf(ir->devname, sizeof ir->devname, "%s", out->device);
            if ((out->warmup_failed || out->reps_failed) && !m->write_failed)
                say_cell_failed(m, &m->plan.items[i], m->o.sample_list.v[k], out);
            hm_cell_end(s->st);
            s->st = NULL;
        }
        hm_runner_close(ir->r);
        ir->r = NULL;
        note_item(m, &m->plan.items[i], ir->devname);
    }
}

/* The cells whose repetitions other programs disturbed, on stderr after the matrix. */
static void say_interfered(rounds *R)
{
    matrix *m = R->m;
    size_t cells = 0, unclean = 0;
    for (size_t i = 0; i < R->n; i++) {
        cells += R->s[i].interfered > 0;
        unclean += R->s[i].done > 0 && R->s[i].clean == 0 && R->s[i].interfered > 0;
    }
    if (!cells)
        return;
    say(m, "%zu cell%s had repetitions measured while other programs used the CPUs "
        "(interfered: %zu, re-measured: %zu); the comparison leaves them out of its medians:",
        cells, cells == 1 ? "" : "s", m->reps_interfered, m->reps_retried);
    for (size_t i = 0; i < R->n; i++) {
        const slot *s = &R->s[i];
        const plan_item *it = &m->plan.items[s->item];
        if (s->interfered)
            fprintf(stderr, "  %s%s%s w=%u N=%llu: %u of %u interfered%s\n", it->b->name,
                    it->device[0] ? " dev " : "", it->device, it->workers,
                    (unsigned long long)m->o.sample_list.v[s->k], s->interfered, s->done,
                    s->clean ? "" : "; no clean repetition: its figures rest on disturbed "
                                    "ones (under_load)");
    }
    if (unclean)
        say(m, "%zu cell%s never got a clean repetition: a quieter machine (--wait-idle) or "
            "more --retries would tell", unclean, unclean == 1 ? "" : "s");
}

/* The slots of every cell, the items and the round order. Returns 0, or -1 out of memory. */
static int rounds_init(rounds *R, matrix *m)
{
    size_t ns = m->o.sample_list.n;
    *R = (rounds){.m = m, .n = m->plan.n * ns, .rng = m->o.order_seed | 1};
    R->s = calloc(R->n ? R->n : 1, sizeof *R->s);
    R->items = calloc(m->plan.n ? m->plan.n : 1, sizeof *R->items);
    R->order = calloc(R->n ? R->n : 1, sizeof *R->order);
    if (!R->s || !R->items || !R->order)
        return -1;
    for (size_t i = 0; i < R->n; i++) {
        R->s[i].item = i / ns;
        R->s[i].k = i % ns;
    }
    return 0;
}

/* Items [lo, hi): prepared, their cells run (in rounds or one after the other), released. */
static void run_group(rounds *R, size_t lo, size_t hi)
{
    matrix *m = R->m;
    size_t ns = m->o.sample_list.n;
    for (size_t i = lo; i < hi && !hm_stop_signal && !m->write_failed; i++)
        open_item(R, i);
    if (!hm_stop_signal && !m->write_failed)
        (m->o.order == HM_ORDER_ROUNDS ? run_rounds : run_cells)(R, lo * ns, hi * ns);
    close_items(R, lo, hi);
}

void hm_matrix_run(matrix *m)
{
    rounds R;
    m->pr.t0 = hm_now();
    m->pr.tty = isatty(STDERR_FILENO);
    m->pr.rounds = m->o.order == HM_ORDER_ROUNDS ? (unsigned)m->o.reps : 1;
    if (rounds_init(&R, m) < 0) {
        say(m, "out of memory");
        m->status = HM_EXIT_FAIL;
    } else {
        for (size_t lo = 0; lo < m->plan.n && !hm_stop_signal && !m->write_failed;
             lo += MAX_OPEN)
            run_group(&R, lo, lo + MAX_OPEN < m->plan.n ? lo + MAX_OPEN : m->plan.n);
        hm_matrix_progress_end(m);
        say_interfered(&R);
    }
    free(R.s);
    free(R.items);
    free(R.order);
}
