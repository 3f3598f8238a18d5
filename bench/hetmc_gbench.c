/*
 * hetmc_gbench.c - `hetmc-gbench`: every backend x device x workers x samples as a Google
 * Benchmark, through the C shim. Each backend is prepared once per benchmark (on first use) and
 * warmed up untimed; each iteration is one run() over [0, N) whose hits must equal the host
 * kernel's. Device backends report manual time from their kernel events (kernel_s) when they
 * have it; everything else uses real time. Counter samples_per_s is a rate (samples over the
 * benchmark's time). All --benchmark_* flags work (times in ms unless --benchmark_time_unit
 * says otherwise); own flags, listed by --help:
 *   --hetmc_samples=LIST  sample sizes, comma-separated (default 2^16,2^20,2^24)
 *   --hetmc_workers=LIST  worker counts (default 1 and the online cores)
 * The output's context carries hetmc's version, git commit, build flags, host kernel variant
 * and CPU model beside the library's own.
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"
#include "gbench_shim.h"
#include "kernel.h"
#include "numparse.h"
#include "provenance.h"
#include "runner.h"
#include "sysinfo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ITEMS 4096

#define OWN_HELP                                                                             \
    "\nhetmc-gbench's own flags (every backend x device x workers x samples of this build):\n" \
    "  --hetmc_samples=LIST  sample sizes, comma-separated, 1..2^63 (default 2^16,2^20,2^24);\n" \
    "                        forms: 1000000, 1e8, 2^30, 100M, 64Ki\n"                           \
    "  --hetmc_workers=LIST  worker counts, comma-separated (default 1 and the online cores)\n" \
    "Times are in ms unless --benchmark_time_unit=ns|us|ms|s; counter samples_per_s is a rate.\n"

/* The hetmc binary beside this one: process backends that re-execute themselves (spawn) need
 * hetmc's worker mode, which hetmc-gbench does not have. NULL when it is not there. */
static char hetmc_exe[4096];

static const char *find_hetmc(void)
{
    const char *self = hm_self_exe();
    const char *slash = self ? strrchr(self, '/') : NULL;
    if (!slash || (size_t)(slash - self) + 7 >= sizeof hetmc_exe)
        return NULL;
    snprintf(hetmc_exe, sizeof hetmc_exe, "%.*s/hetmc", (int)(slash - self), self);
    return access(hetmc_exe, X_OK) == 0 ? hetmc_exe : NULL;
}

typedef struct bench_item {
    const hm_backend *b;
    hm_config cfg;
    char device[16];
    uint64_t samples, seed;
    hm_runner *runner;
    int prepared; /* 0 not yet, 1 ready, -1 failed (msg says why) */
    int manual;
    char msg[640];
} bench_item;

static bench_item items[MAX_ITEMS];
static size_t nitems;

/* Opens the backend through the runner on first use and warms it up, untimed. */
static void open_item(bench_item *it)
{
    hm_error err = {0};
    hm_result res;
    it->prepared = -1;
    int rc = hm_runner_open(it->b, &it->cfg, &it->runner, &err);
    if (rc < 0)
        snprintf(it->msg, sizeof it->msg, "%s: %s", rc == HM_EUNAVAIL ? "unavailable"
                 : "could not start", err.msg[0] ? err.msg : hm_strerror(rc));
    else if (hm_runner_count(it->runner, it->seed, 0, it->samples, &res, NULL, &err) < 0)
        snprintf(it->msg, sizeof it->msg, "warm-up failed: %s", err.msg);
    else
        it->prepared = 1;
}

static void bench(hm_gb_state *st, void *p)
{
    bench_item *it = p;
    hm_error err = {0};
    hm_result res;
    if (it->prepared == 0)
        open_item(it);
    if (it->prepared < 0) {
        hm_gb_skip_with_error(st, it->msg);
        return;
    }
    uint64_t want = hm_kernel_hits(it->seed, 0, it->samples);
    while (hm_gb_keep_running(st)) {
        double wall;
        int rc = hm_runner_count(it->runner, it->seed, 0, it->samples, &res, &wall, &err);
        if (rc < 0) {
            hm_gb_skip_with_error(st, err.msg[0] ? err.msg : hm_strerror(rc));
            return;
        }
        if (res.hits != want) {
            hm_gb_skip_with_error(st, "hits differ from the host kernel's");
            return;
        }
        if (it->manual) {
            double t = res.kernel_s > 0 ? res.kernel_s : wall;
            hm_gb_set_iteration_time(st, t > 1e-9 ? t : 1e-9);
        }
    }
    hm_gb_set_counter(st, "samples_per_s",
                      (double)it->samples * (double)hm_gb_iterations(st), 1);
}

/* Parses a comma list of numbers into out; returns the count or -1. */
static int parse_list(const char *text, uint64_t *out, int max)
{
    char buf[512];
    int n = 0;
    if (strlen(text) >= sizeof buf)
        return -1;
    strcpy(buf, text);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == max || hm_parse_u64(t, &out[n]) < 0)
            return -1;
        n++;
    }
    return n > 0 ? n : -1;
}

/* Takes --hetmc_* flags out of argv (the rest goes to the library). Returns 0, or 2 after
 * printing the error. */
static int own_flags(int *argc, char **argv, uint64_t *samples, int *nsamples,
                     uint64_t *workers, int *nworkers)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        if (strncmp(argv[i], "--hetmc_samples=", 16) == 0) {
            if ((*nsamples = parse_list(argv[i] + 16, samples, 32)) < 0 || samples[0] == 0) {
                fprintf(stderr, "hetmc-gbench: %s: expected numbers 1..2^63 separated by "
                        "commas\n", argv[i]);
                return 2;
            }
        } else if (strncmp(argv[i], "--hetmc_workers=", 16) == 0) {
            if ((*nworkers = parse_list(argv[i] + 16, workers, 32)) < 0) {
                fprintf(stderr, "hetmc-gbench: %s: expected numbers 1..%u separated by "
                        "commas\n", argv[i], HM_MAX_WORKERS);
                return 2;
            }
        } else {
            argv[k++] = argv[i];
        }
    }
    *argc = k;
    argv[k] = NULL;
    for (int j = 0; j < *nworkers; j++)
        if (workers[j] < 1 || workers[j] > HM_MAX_WORKERS) {
            fprintf(stderr, "hetmc-gbench: --hetmc_workers: %llu is out of range 1..%u\n",
                    (unsigned long long)workers[j], HM_MAX_WORKERS);
            return 2;
        }
    return 0;
}

/* Registers one benchmark per sample size of (b, device, wk). Returns 0 or -1. */
static int register_sizes(const hm_backend *b, const char *device, unsigned wk,
                          const uint64_t *samples, int nsamples, const char *exe)
{
    int status = 0;
    for (int s = 0; s < nsamples && nitems < MAX_ITEMS; s++) {
        bench_item *it = &items[nitems++];
        it->b = b;
        it->samples = samples[s];
        it->seed = 42;
        snprintf(it->device, sizeof it->device, "%s", device ? device : "");
        it->cfg.workers = wk;
        it->cfg.device = it->device[0] ? it->device : NULL;
        it->cfg.self_exe = exe;
        it->manual = (b->uses & HM_USES_DEVICE) != 0;
        char name[256];
        snprintf(name, sizeof name, "hetmc/%s%s%s/workers:%u/samples:%llu", b->name,
                 it->device[0] ? "/device:" : "", it->device, wk,
                 (unsigned long long)it->samples);
        if (hm_gb_register(name, bench, it, it->manual ? HM_GB_MANUAL_TIME : HM_GB_REAL_TIME) < 0)
            status = -1;
    }
    return status;
}

/* Where the numbers come from, in the output's context (as provenance.txt has it). */
static void add_context(void)
{
    char cpu[256];
    hm_cpu_model(cpu, sizeof cpu);
    hm_gb_add_context("hetmc_version", HM_VERSION);
    hm_gb_add_context("hetmc_git_commit", hm_git_commit());
    hm_gb_add_context("hetmc_build_flags", hm_build_flags());
    hm_gb_add_context("hetmc_host_kernel", hm_kernel_name());
    hm_gb_add_context("hetmc_cpu_model", cpu);
}

/* A backend that takes its workers from its default parts (auto): registered once, with the
 * parts' workers rather than --hetmc_workers. */
static int register_parts(const hm_backend *b, const uint64_t *samples, int nsamples,
                          const char *exe)
{
    hm_config cfg = {.workers = 1};
    hm_error err = {0};
    char label[128];
    unsigned wk = 1;
    b->plan_parts(&cfg, &wk, label, sizeof label, &err);
    return register_sizes(b, "", wk, samples, nsamples, exe);
}

/* The devices of a backend that has them into *idx (NULL: none to name). Returns how many; 1
 * when they cannot be listed (registered anyway: it reports the reason as an error). */
static int list_devices(const hm_backend *b, unsigned **idx)
{
    hm_error err = {0};
    *idx = NULL;
    if (!b->select_devices)
        return 1;
    int ndev = b->select_devices(NULL, idx, &err);
    return ndev < 0 ? 1 : ndev;
}

/* One benchmark per device, worker count (up to the backend's most) and sample size of b.
 * Returns 0 or -1. */
static int register_backend(const hm_backend *b, const uint64_t *samples, int nsamples,
                            const uint64_t *workers, int nworkers, const char *exe)
{
    unsigned *idx;
    int status = 0;
    if (b->flags & HM_WORKERS_FROM_PARTS)
        return register_parts(b, samples, nsamples, exe);
    int ndev = list_devices(b, &idx);
    for (int d = 0; d < ndev; d++)
        for (int w = 0; w < nworkers; w++) {
            char device[16] = "";
            if (b->max_workers && workers[w] > b->max_workers)
                continue;
            if (idx)
                snprintf(device, sizeof device, "%u", idx[d]);
            if (register_sizes(b, device, (unsigned)workers[w], samples, nsamples, exe) < 0)
                status = -1;
        }
    free(idx);
    return status;
}

int main(int argc, char **argv)
{
    uint64_t samples[32] = {UINT64_C(1) << 16, UINT64_C(1) << 20, UINT64_C(1) << 24};
    uint64_t workers[32] = {1, hm_allowed_cpus()};
    int nsamples = 3, nworkers = hm_allowed_cpus() > 1 ? 2 : 1;
    int status = 0;
    const char *exe = find_hetmc();

    if (own_flags(&argc, argv, samples, &nsamples, workers, &nworkers))
        return 2;
    /* Before anything runs threads (OpenCL lists its devices below); if it cannot start, its
     * benchmarks say why. */
    hm_backend_early_init(NULL, NULL);
    add_context();
    for (size_t bi = 0; bi < hm_backend_count(); bi++)
        if (register_backend(hm_backend_at(bi), samples, nsamples, workers, nworkers, exe) < 0)
            status = 1;
    int rc = hm_gb_run(&argc, argv, OWN_HELP);
    for (size_t i = 0; i < nitems; i++)
        hm_runner_close(items[i].runner);
    return rc ? rc : status;
}
