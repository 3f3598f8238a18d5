/*
 * coexec_sched.h - how the coexec backend hands out [first, first + count) to its parts: every
 * sample exactly once, in chunks whose sizes follow each part's measured rate.
 *
 * Dynamic split (the default): every part takes its next chunk from one shared cursor when it
 * is idle. Part i's chunk is computed from
 *   R    the samples not yet handed out,
 *   F    the samples the other parts still hold in flight (chunk size minus what their rate
 *        says they have done since the chunk started),
 *   r_i  its rate estimate, o_i its fixed cost per chunk, S' the rates of the other parts
 *        still taking work;
 * its balanced share c_bal = r_i (R + F - o_i S') / (r_i + S') is what it would take so that
 * it finishes when the others finish the rest. It takes c_bal / 2 (guided self-scheduling: large
 * chunks first, halving towards the end), but never less than its minimum chunk, 99 o_i r_i
 * samples, so that the fixed cost stays under 1% of a chunk; near the end, where c_bal falls
 * below that minimum, it takes c_bal itself, one last chunk that ends with the others. A part
 * whose c_bal is under one granule (HM_SCHED_GRANULE samples) would only delay the end: it
 * retires for the rest of the run and the others finish without it; the last part still taking
 * work always takes what is left, so the range is always covered. A chunk is at most
 * HM_SCHED_MAX_CHUNK_S seconds of the part's work (so that a part that fails stops the others
 * within about that time), and a multiple of the granule except the last chunk of the range.
 *
 * Static split: the range is cut once, at the start of the run, into one contiguous slice per
 * part in proportion to fixed weights (given, or the parts' rate estimates at that moment); each
 * part counts its own slice, in pieces of at most HM_SCHED_MAX_CHUNK_S seconds.
 *
 * Rates: after every chunk the part's rate estimate becomes (samples) / (seconds net of the
 * fixed cost) over its chunks, each weighted by its duration and faded by e for every 0.5 s of
 * later chunks, so the estimate follows the part's current speed and a long chunk outweighs
 * many short ones.
 * Estimates persist across runs: the warm-up's chunks size the timed repetitions'.
 *
 * Time is passed in by the caller (seconds on any monotonic clock), so the schedule can be
 * simulated and tested without threads; every function takes the scheduler's lock.
 */
#ifndef HETMC_COEXEC_SCHED_H
#define HETMC_COEXEC_SCHED_H

#include <pthread.h>
#include <stdint.h>

/* Chunks are multiples of this many samples (2048 Philox blocks: from an even first sample no
 * chunk boundary splits a block), except the last one of the range. */
#define HM_SCHED_GRANULE 4096u
/* A chunk is at most this many seconds of its part's work. */
#define HM_SCHED_MAX_CHUNK_S 1.0
/* The minimum chunk keeps a part's fixed cost per chunk under this fraction. */
#define HM_SCHED_OVERHEAD 0.01
#define HM_SCHED_MAX_PARTS 64u

typedef enum hm_split_kind {
    HM_SPLIT_DYNAMIC,       /* chunks from a shared cursor, sized by rate */
    HM_SPLIT_STATIC_RATES,  /* one slice per part, by the rate estimates at the start */
    HM_SPLIT_STATIC_WEIGHTS /* one slice per part, by the given weights */
} hm_split_kind;

typedef struct hm_split {
    hm_split_kind kind;
    unsigned nweights;
    double weights[HM_SCHED_MAX_PARTS];
} hm_split;

/* One part as the scheduler sees it. */
typedef struct hm_sched_part {
    double rate;          /* samples/s estimate, > 0 */
    double overhead_s;    /* fixed cost of one chunk (one run() call), seconds */
    double acc_n, acc_t;  /* decayed samples and net seconds behind the rate */
    uint64_t min_chunk;   /* 99 o r samples, at least one granule */
    uint64_t max_chunk;   /* HM_SCHED_MAX_CHUNK_S of work, at least min_chunk */
    /* The current run. */
    int retired;          /* took no more work this run (dynamic) */
    int busy;             /* holds a chunk */
    uint64_t inflight;    /* its size */
    double inflight_start;
    uint64_t slice_next, slice_end; /* static: what is left of its slice */
    uint64_t samples;     /* counted this run */
    unsigned chunks;      /* chunks taken this run */
} hm_sched_part;

typedef struct hm_sched {
    pthread_mutex_t lock;
    unsigned n;
    hm_sched_part part[HM_SCHED_MAX_PARTS];
    hm_split split;
    uint64_t cursor, end; /* dynamic: the next sample to hand out, and the end */
    int aborted;          /* a part failed: no more chunks for anyone */
} hm_sched;

/* n parts (1..HM_SCHED_MAX_PARTS), every estimate at 1e6 samples/s and no fixed cost until
 * set; split's weights (static) must number n. Returns 0, or -1 when pthread fails. */
int hm_sched_init(hm_sched *s, unsigned n, const hm_split *split);
void hm_sched_destroy(hm_sched *s);

/* Replaces part i's estimate (a probe's result): rate samples/s (> 0), fixed cost seconds. */
void hm_sched_estimate(hm_sched *s, unsigned i, double rate, double overhead_s);

/* Starts a run over [first, first + count): no part holds work, none retired. */
void hm_sched_start(hm_sched *s, uint64_t first, uint64_t count);

/* Part i (idle) asks for work at time now: returns 1 with its chunk [*a, *a + *n), or 0 when
 * it has nothing more to do in this run (all handed out, retired, or aborted). */
int hm_sched_next(hm_sched *s, unsigned i, double now, uint64_t *a, uint64_t *n);

/* Part i finished its chunk, which took `seconds`: its rate estimate is updated. */
void hm_sched_done(hm_sched *s, unsigned i, double seconds);

/* No more chunks for anyone in this run (a part failed). */
void hm_sched_abort(hm_sched *s);

/* Parses a --split value: "dynamic", "static" (one slice per part by the rate estimates) or
 * "static:W1,W2,..." (one positive weight per part). Returns 0, or -1 with a message. */
int hm_split_parse(const char *text, hm_split *out, char *msg, size_t len);

#endif /* HETMC_COEXEC_SCHED_H */
