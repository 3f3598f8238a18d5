/*
 * kernel_tune.c - the host kernel's variant chosen by a short measurement on this CPU, once per
 * machine: the variants the CPU supports each count the same 2^20 samples, in turns, five
 * times after one untimed round; the best time of each decides. The choice is cached
 * (tunecache.h) under the CPU model, hetmc's version, the compiler and the candidates' names,
 * so later runs read it back. Every variant counts exactly the same (test_stream), so the
 * choice changes only the speed.
 */
#include "kernel_impl.h"
#include "clock.h"
#include "hetmc.h"
#include "sysinfo.h"
#include "tunecache.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HM_TUNE_BLOCKS (UINT64_C(1) << 19)
#define HM_TUNE_ROUNDS 5
#define HM_TUNE_MAX 16

/* The cache key of these candidates on this CPU and build. */
static void tune_key(const char *const *names, int n, char *key, size_t len)
{
    char cpu[256];
    hm_cpu_model(cpu, sizeof cpu);
    int used = snprintf(key, len, "host|%s|hetmc %s|%s|", cpu, HM_VERSION, __VERSION__);
    for (int i = 0; i < n && used > 0 && (size_t)used < len; i++)
        used += snprintf(key + used, len - (size_t)used, "%s%s", i ? "," : "", names[i]);
    for (char *p = key; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
}

/* The index of the cached choice among names, or -1. */
static int cached(const char *key, const char *const *names, int n, char *rates, size_t len)
{
    char val[512], name[64];
    int used = 0;
    if (!hm_tune_cache_get(key, val, sizeof val) || sscanf(val, "%63s %n", name, &used) != 1)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0) {
            snprintf(rates, len, "%s", val + used);
            return i;
        }
    return -1;
}

/* Times every candidate in turns; returns the fastest's index and writes each one's rate. */
static int measure(const char *const *names, hm_blocks_fn const *fns, int n, char *rates,
                   size_t len)
{
    double best[HM_TUNE_MAX];
    int win = 0, used = 0;
    for (int i = 0; i < n; i++)
        best[i] = INFINITY;
    for (int r = 0; r <= HM_TUNE_ROUNDS; r++)
        for (int i = 0; i < n; i++) {
            double t0 = hm_now();
            volatile uint64_t hits = fns[i](42, (uint64_t)r * HM_TUNE_BLOCKS, HM_TUNE_BLOCKS);
            double t = hm_now() - t0;
            (void)hits;
            if (r > 0 && t < best[i]) /* round 0 is untimed */
                best[i] = t;
        }
    for (int i = 0; i < n; i++) {
        if (best[i] < best[win])
            win = i;
        if (used >= 0 && (size_t)used < len)
            used += snprintf(rates + used, len - (size_t)used, "%s%s %.3g", i ? " / " : "",
                             names[i], 2.0 * (double)HM_TUNE_BLOCKS / best[i]);
    }
    return win;
}

int hm_kernel_tune(const char *const *names, hm_blocks_fn const *fns, int n, hm_kernel_tuning *out)
{
    char key[1024], val[512];
    double t0 = hm_now();
    out->rates[0] = '\0';
    if (n <= 1 || n > HM_TUNE_MAX) {
        out->how = "the only candidate";
        out->cost_s = 0.0;
        return 0;
    }
    tune_key(names, n, key, sizeof key);
    int i = cached(key, names, n, out->rates, sizeof out->rates);
    out->how = "cached";
    if (i < 0) {
        i = measure(names, fns, n, out->rates, sizeof out->rates);
        out->how = "measured";
        snprintf(val, sizeof val, "%s %s", names[i], out->rates);
        hm_tune_cache_put(key, val);
    }
    out->cost_s = hm_now() - t0;
    return i;
}
