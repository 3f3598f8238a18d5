/* coexec_sched.c - the chunk schedule of the coexec backend; see coexec_sched.h. */
#include "coexec_sched.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the rate estimate, a chunk's weight is its duration, and it fades by e for every TAU_S
 * seconds of later chunks: the estimate follows the part's current speed, and a long chunk
 * outweighs many short ones. */
#define TAU_S 0.5
/* The estimate a probe or a constructor sets stands for this many seconds of work. */
#define PRIOR_S 0.01

static uint64_t round_up(double c)
{
    if (!(c > 0))
        return HM_SCHED_GRANULE;
    if (c > 0x1p62)
        return UINT64_C(1) << 62;
    uint64_t v = (uint64_t)ceil(c);
    return (v + HM_SCHED_GRANULE - 1) / HM_SCHED_GRANULE * HM_SCHED_GRANULE;
}

/* The minimum and maximum chunk that follow from part p's estimate. */
static void bounds(hm_sched_part *p)
{
    p->min_chunk = round_up(p->overhead_s * p->rate * (1.0 - HM_SCHED_OVERHEAD) /
                            HM_SCHED_OVERHEAD);
    p->max_chunk = round_up(p->rate * HM_SCHED_MAX_CHUNK_S);
    if (p->max_chunk < p->min_chunk)
        p->max_chunk = p->min_chunk;
}

static void set_estimate(hm_sched_part *p, double rate, double overhead_s)
{
    p->rate = rate > 1.0 ? rate : 1.0;
    p->overhead_s = overhead_s > 0 ? overhead_s : 0.0;
    p->acc_t = PRIOR_S;
    p->acc_n = p->rate * PRIOR_S;
    bounds(p);
}

int hm_sched_init(hm_sched *s, unsigned n, const hm_split *split)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->split = *split;
    for (unsigned i = 0; i < n; i++)
        set_estimate(&s->part[i], 1e6, 0.0);
    return pthread_mutex_init(&s->lock, NULL) == 0 ? 0 : -1;
}

void hm_sched_destroy(hm_sched *s)
{
    pthread_mutex_destroy(&s->lock);
}

void hm_sched_estimate(hm_sched *s, unsigned i, double rate, double overhead_s)
{
    pthread_mutex_lock(&s->lock);
    set_estimate(&s->part[i], rate, overhead_s);
    pthread_mutex_unlock(&s->lock);
}

/* Static: part k's slice is [first + count * W(<k) / W, first + count * W(<=k) / W). */
static void cut_slices(hm_sched *s, uint64_t first, uint64_t count)
{
    long double total = 0, cum = 0;
    for (unsigned i = 0; i < s->n; i++)
        total += s->split.kind == HM_SPLIT_STATIC_WEIGHTS ? s->split.weights[i] : s->part[i].rate;
    uint64_t a = first;
    for (unsigned i = 0; i < s->n; i++) {
        cum += s->split.kind == HM_SPLIT_STATIC_WEIGHTS ? s->split.weights[i] : s->part[i].rate;
        uint64_t b = first + (uint64_t)((long double)count * (cum / total));
        if (i == s->n - 1 || b > first + count)
            b = first + count;
        if (b < a)
            b = a;
        s->part[i].slice_next = a;
        s->part[i].slice_end = b;
        a = b;
    }
}

void hm_sched_start(hm_sched *s, uint64_t first, uint64_t count)
{
    pthread_mutex_lock(&s->lock);
    s->cursor = first;
    s->end = first + count;
    s->aborted = 0;
    for (unsigned i = 0; i < s->n; i++) {
        hm_sched_part *p = &s->part[i];
        p->retired = p->busy = 0;
        p->inflight = p->samples = 0;
        p->chunks = 0;
        p->slice_next = p->slice_end = 0;
    }
    if (s->split.kind != HM_SPLIT_DYNAMIC)
        cut_slices(s, first, count);
    pthread_mutex_unlock(&s->lock);
}

/* The next piece of part p's own slice. */
static uint64_t static_chunk(hm_sched_part *p, uint64_t *a)
{
    uint64_t left = p->slice_end - p->slice_next;
    uint64_t c = left < p->max_chunk ? left : p->max_chunk;
    *a = p->slice_next;
    p->slice_next += c;
    return c;
}

/* Dynamic: the chunk of part i at time now, 0 when it retires. */
static uint64_t dynamic_chunk(hm_sched *s, unsigned i, double now)
{
    hm_sched_part *p = &s->part[i];
    uint64_t left = s->end - s->cursor;
    double others = 0, inflight = 0;
    for (unsigned j = 0; j < s->n; j++) {
        const hm_sched_part *q = &s->part[j];
        if (j == i || q->retired)
            continue;
        others += q->rate;
        if (q->busy) {
            double rest = (double)q->inflight - q->rate * (now - q->inflight_start);
            inflight += rest > 0 ? rest : 0;
        }
    }
    double c;
    if (others <= 0) {
        c = (double)p->max_chunk; /* alone: as fast as it can */
    } else {
        double bal = p->rate * ((double)left + inflight - p->overhead_s * others) /
                     (p->rate + others);
        if (bal < HM_SCHED_GRANULE) {
            p->retired = 1; /* the others finish sooner without it */
            return 0;
        }
        c = bal / 2;
        if (c < (double)p->min_chunk)
            c = bal < (double)p->min_chunk ? bal : (double)p->min_chunk;
        if (c > (double)p->max_chunk)
            c = (double)p->max_chunk;
    }
    uint64_t chunk = round_up(c);
    return chunk < left ? chunk : left;
}

int hm_sched_next(hm_sched *s, unsigned i, double now, uint64_t *a, uint64_t *n)
{
    hm_sched_part *p = &s->part[i];
    uint64_t c = 0;
    pthread_mutex_lock(&s->lock);
    if (!s->aborted && !p->retired) {
        if (s->split.kind != HM_SPLIT_DYNAMIC) {
            c = static_chunk(p, a);
        } else if (s->cursor < s->end) {
            c = dynamic_chunk(s, i, now);
            *a = s->cursor;
            s->cursor += c;
        }
    }
    if (c) {
        p->busy = 1;
        p->inflight = c;
        p->inflight_start = now;
        p->chunks++;
    }
    *n = c;
    pthread_mutex_unlock(&s->lock);
    return c > 0;
}

void hm_sched_done(hm_sched *s, unsigned i, double seconds)
{
    hm_sched_part *p = &s->part[i];
    pthread_mutex_lock(&s->lock);
    double net = seconds - p->overhead_s;
    if (net < seconds / 2)
        net = seconds / 2;
    p->samples += p->inflight;
    if (net > 0) {
        double fade = exp(-net / TAU_S);
        p->acc_n = p->acc_n * fade + (double)p->inflight;
        p->acc_t = p->acc_t * fade + net;
        p->rate = p->acc_n / p->acc_t;
        if (p->rate < 1.0)
            p->rate = 1.0;
        bounds(p);
    }
    p->busy = 0;
    p->inflight = 0;
    pthread_mutex_unlock(&s->lock);
}

void hm_sched_abort(hm_sched *s)
{
    pthread_mutex_lock(&s->lock);
    s->aborted = 1;
    pthread_mutex_unlock(&s->lock);
}

/* "static:W1,W2,...": positive finite numbers. */
static int parse_weights(const char *text, hm_split *out, char *msg, size_t len)
{
    const char *p = text + 7;
    out->nweights = 0;
    for (;;) {
        char *end = NULL;
        double w = strtod(p, &end);
        if (end == p || !(w > 0) || !isfinite(w) || (*end && *end != ',')) {
            snprintf(msg, len, "'%.100s': weight '%.*s' is not a positive number; accepted: "
                     "static:W1,W2,... with one positive weight per part", text,
                     (int)strcspn(p, ","), p);
            return -1;
        }
        if (out->nweights == HM_SCHED_MAX_PARTS) {
            snprintf(msg, len, "'%.100s': more than %u weights", text, HM_SCHED_MAX_PARTS);
            return -1;
        }
        out->weights[out->nweights++] = w;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

int hm_split_parse(const char *text, hm_split *out, char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    if (!text || strcmp(text, "dynamic") == 0) {
        out->kind = HM_SPLIT_DYNAMIC;
        return 0;
    }
    if (strcmp(text, "static") == 0) {
        out->kind = HM_SPLIT_STATIC_RATES;
        return 0;
    }
    if (strncmp(text, "static:", 7) == 0) {
        out->kind = HM_SPLIT_STATIC_WEIGHTS;
        return parse_weights(text, out, msg, len);
    }
    snprintf(msg, len, "'%s' is not a split; accepted: dynamic, static, static:W1,W2,... "
             "(one positive weight per part)", text);
    return -1;
}
