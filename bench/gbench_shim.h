/*
 * gbench_shim.h - Google Benchmark from C: a small extern "C" API over the C++ library.
 * Register benchmarks with a C function and a context, then run them with the library's own
 * --benchmark_* flags. Every benchmark uses real time or manual time, never the default
 * thread CPU time, which is wrong for threads, processes and devices: it measured 139 G
 * samples/s for a PoCL kernel that ran at 0.9 G.
 */
#ifndef HETMC_GBENCH_SHIM_H
#define HETMC_GBENCH_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hm_gb_state hm_gb_state; /* benchmark::State */
typedef void (*hm_gb_fn)(hm_gb_state *st, void *ctx);

#define HM_GB_REAL_TIME 0   /* the library times each iteration on the wall clock */
#define HM_GB_MANUAL_TIME 1 /* the function reports each iteration's time */

/* Registers fn(ctx) under name. Returns 0, or -1 if the library refused it. */
int hm_gb_register(const char *name, hm_gb_fn fn, void *ctx, int timing);
/* The benchmark loop: while (hm_gb_keep_running(st)) { ... }. */
int hm_gb_keep_running(hm_gb_state *st);
/* Manual time of the current iteration, in seconds (must be > 0). */
void hm_gb_set_iteration_time(hm_gb_state *st, double seconds);
/* Sets a counter; with is_rate the library divides value by the benchmark's time. */
void hm_gb_set_counter(hm_gb_state *st, const char *name, double value, int is_rate);
/* Marks the benchmark failed with msg; the caller then leaves its loop. */
void hm_gb_skip_with_error(hm_gb_state *st, const char *msg);
/* Iterations done so far. */
long long hm_gb_iterations(const hm_gb_state *st);
/* Adds key: value to the "context" of the library's output (JSON and console). */
void hm_gb_add_context(const char *key, const char *value);
/* Initializes the library with argc/argv (it removes the flags it knows), reports any other
 * argument as an error (returns 2), runs the benchmarks that match the filter and shuts down.
 * Times are in milliseconds unless --benchmark_time_unit=ns|us|ms|s says otherwise. --help
 * prints the library's flags, then own_help (the program's own flags), and exits 0.
 * Returns 0 on success. */
int hm_gb_run(int *argc, char **argv, const char *own_help);

#ifdef __cplusplus
}
#endif

#endif /* HETMC_GBENCH_SHIM_H */
