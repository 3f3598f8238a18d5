/*
 * load.h - the CPU time that other programs take from the CPUs hetmc may run on ("foreign
 * load"), measured around each timed repetition.
 *
 * Method (Linux): the busy time of the allowed CPUs (sched_getaffinity as hetmc started) from
 * /proc/stat (user, nice, system, irq, softirq; steal apart), minus hetmc's own CPU time over
 * the same interval: getrusage of the process (every thread) and of its reaped children, plus
 * the CPU time of its live descendants (pool workers, the fork server and its workers) from
 * /proc/PID/stat, found through /proc/PID/task/TID/children. Divided by the wall time, both
 * give "cores' worth": foreign_cpu 0.98 means another program kept about one core busy.
 *
 * Resolution: the kernel prints /proc/stat in clock ticks (USER_HZ, 100 per second), so each
 * CPU's busy time is known to within a tick at each end: over a repetition of wall W on C
 * CPUs the foreign load is known to within about C / (100 W) cores (0.2 core for 2 CPUs and
 * 0.1 s). hm_load_between gives that worst case with the value, and a repetition counts as
 * interfered when the foreign load exceeds its threshold by more than half of it (the
 * rounding of the two readings rarely adds up to a whole tick of every CPU).
 *
 * Elsewhere (no /proc/stat, another operating system) nothing is measured: the values are NAN
 * and hm_load_unavailable() says why, never a wrong 0.
 */
#ifndef HETMC_LOAD_H
#define HETMC_LOAD_H

#include <stddef.h>

/* Busy and steal seconds of a set of CPUs, from one reading of /proc/stat. */
typedef struct hm_cpustat {
    double busy_s;  /* user + nice + system + irq + softirq */
    double steal_s; /* taken by the hypervisor */
} hm_cpustat;

/* Parses the text of /proc/stat: sums the `cpuN` lines of the ncpus CPUs in cpus[] (seconds
 * = ticks / tick_hz). Returns 0, or -1 when a CPU has no line or a line is malformed. Lines
 * with fewer than 8 numbers (kernels before 2.6.11) have no steal: 0 then. */
int hm_cpustat_parse(const char *text, const int *cpus, unsigned ncpus, double tick_hz,
                     hm_cpustat *out);

/* One reading: when, the allowed CPUs' times, and hetmc's own CPU time so far. */
typedef struct hm_load_mark {
    int ok;          /* 0: nothing could be read (see hm_load_unavailable) */
    double t;        /* CLOCK_MONOTONIC seconds */
    hm_cpustat cpu;
    double own_s;    /* hetmc: this process, its reaped children, its live descendants */
    unsigned coarse; /* live descendants whose time came in ticks (each adds to the bound) */
} hm_load_mark;

void hm_load_mark_now(hm_load_mark *m);

/* What happened between two marks, in cores' worth; every field NAN when either mark is not
 * ok or no time passed. */
typedef struct hm_load {
    double foreign_cpu; /* CPU others used on the allowed CPUs, at least 0 */
    double steal;       /* CPU the hypervisor took from them */
    double bound;       /* how far foreign_cpu may be off from the tick resolution */
} hm_load;

void hm_load_between(const hm_load_mark *a, const hm_load_mark *b, hm_load *out);

/* The foreign load a repetition of `workers` workers may see before it counts as interfered:
 * 0.1 of a core, or 5% of the allowed CPUs the workers leave idle when that is more (a busy
 * 64-core node does not disturb a 2-thread run through a daemon on another core), plus half
 * the measurement's bound. */
double hm_load_limit(unsigned workers, double bound);
/* A repetition of `workers` workers with load l is interfered: foreign_cpu over the limit. */
int hm_load_interfered(const hm_load *l, unsigned workers);

/* How long a repetition should last for its foreign load to be known within 0.2 core: the
 * allowed CPUs' ticks at either end over that wall time (0.1 s for 2 CPUs at 100 ticks per
 * second), at most 1 s (where the bound then stays wider). */
double hm_load_resolve_s(void);

/* "" when foreign load is measured here, else why not (one sentence). */
const char *hm_load_unavailable(void);

/* CPU pressure of the machine (/proc/pressure/cpu "some avg10", percent), for provenance:
 * the value, or -1 when the kernel has no pressure information. */
double hm_cpu_pressure(void);

/* The busiest processes other than hetmc and its descendants over `seconds` (sampled from
 * /proc/PID/stat before and after a sleep), as "name (PID) 0.98 cores; ..." into buf, at most
 * `most` of them, those above 0.05 core only; *foreign gets the foreign load of the allowed
 * CPUs over the same time (NAN when not measured). Returns how many were listed, or -1 when
 * /proc cannot be read. */
int hm_load_busiest(double seconds, unsigned most, char *buf, size_t len, double *foreign);

#endif /* HETMC_LOAD_H */
