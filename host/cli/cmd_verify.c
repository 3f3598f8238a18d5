/*
 * cmd_verify.c - `hetmc verify`: the first thing to run on a new node. The Random123 known-answer
 * vectors on the host and inside a kernel on every OpenCL device, then the golden counts of
 * docs/STREAM.md on every backend of the registry (and every device of device backends), all
 * from the one table in golden.h. Prints a PASS/FAIL table; exit 1 on any failure.
 */
#include "cli.h"
#include "golden.h"
#include "kernel.h"
#include "runner.h"
#include "sysinfo.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#if HETMC_HAVE_OPENCL
#include "opencl_util.h"
#endif

static void line(int ok, const char *what, const char *where, const char *detail, int *failures)
{
    printf("%-4s  %-22s %-28s %s\n", ok ? "PASS" : "FAIL", what, where, detail);
    fflush(stdout);
    if (!ok)
        (*failures)++;
}

static void golden_on(const hm_backend *b, const char *device, int *failures)
{
    hm_config cfg = {.workers = b->max_workers == 1 ? 1 : 3, .device = device,
                     .self_exe = hm_self_exe()};
    hm_runner *r = NULL;
    hm_error err = {0};
    char where[64], detail[800] = "";
    snprintf(where, sizeof where, "%s%s%s", b->name, device ? " device " : "",
             device ? device : "");
    int rc = hm_runner_open(b, &cfg, &r, &err);
    if (rc == HM_EUNAVAIL && (b->uses & HM_COLLECTIVE)) {
        /* MPI cannot start under this launcher (srun without PMI): say why, count no failure. */
        printf("SKIP  %-22s %-28s %s\n", "golden counts", where, err.msg);
        return;
    }
    if (rc < 0) {
        line(0, "golden counts", where, err.msg, failures);
        return;
    }
    int bad = 0;
    for (size_t i = 0; i < hm_ngoldens && !bad; i++) {
        const hm_golden *g = &hm_goldens[i];
        hm_result res;
        if (hm_runner_count(r, g->seed, 0, g->samples, &res, NULL, &err) < 0) {
            snprintf(detail, sizeof detail, "seed %" PRIu64 " N %" PRIu64 ": %s", g->seed,
                     g->samples, err.msg);
            bad = 1;
        } else if (res.hits != g->hits) {
            snprintf(detail, sizeof detail, "seed %" PRIu64 " N %" PRIu64 ": %" PRIu64
                     " hits, expected %" PRIu64, g->seed, g->samples, res.hits, g->hits);
            bad = 1;
        } else if (res.device[0]) {
            snprintf(detail, sizeof detail, "%zu counts exact on %s", hm_ngoldens, res.device);
        }
    }
    if (!bad && !detail[0])
        snprintf(detail, sizeof detail, "%zu counts exact", hm_ngoldens);
    hm_runner_close(r);
    line(!bad, "golden counts", where, detail, failures);
}

/* The known-answer vectors on the host, through the kernel's own generator path. */
static void kat_host(int *failures)
{
    char detail[64];
    int bad = 0;
    for (size_t i = 0; i < hm_nkats; i++) {
        uint32_t out[4];
        hm_philox4x32(hm_kats[i].ctr, hm_kats[i].key, out);
        bad += memcmp(out, hm_kats[i].out, sizeof out) != 0;
    }
    snprintf(detail, sizeof detail, "%zu vectors, %d wrong", hm_nkats, bad);
    line(!bad, "philox4x32-10 KAT", "host", detail, failures);
}

/* The known-answer vectors inside a kernel on every OpenCL device. */
static void kat_devices(int *failures)
{
#if HETMC_HAVE_OPENCL
    hm_error err = {0};
    unsigned *idx = NULL;
    char detail[800];
    int ndev = hm_cl_select("all", &idx, &err);
    if (ndev < 0) {
        printf("SKIP  %-22s %-28s %s\n", "opencl", "-", err.msg);
        ndev = 0;
    }
    for (int d = 0; d < ndev; d++) {
        char where[32];
        snprintf(where, sizeof where, "opencl device %u", idx[d]);
        int wrong = hm_cl_kat(idx[d], hm_kats, (unsigned)hm_nkats, &err);
        if (wrong < 0)
            snprintf(detail, sizeof detail, "%s", err.msg);
        else
            snprintf(detail, sizeof detail, "%zu vectors in a kernel, %d words wrong", hm_nkats,
                     wrong);
        line(wrong == 0, "philox4x32-10 KAT", where, detail, failures);
    }
    free(idx);
#else
    (void)failures;
#endif
}

/* The golden counts on every backend, and on every device of device backends. */
static void golden_all(int *failures)
{
    for (size_t i = 0; i < hm_backend_count(); i++) {
        const hm_backend *b = hm_backend_at(i);
        if (!b->select_devices) {
            golden_on(b, NULL, failures);
            continue;
        }
        hm_error e = {0};
        unsigned *devs = NULL;
        int n = b->select_devices("all", &devs, &e);
        if (n < 0)
            printf("SKIP  %-22s %-28s %s\n", "golden counts", b->name, e.msg);
        for (int d = 0; d < n; d++) {
            char index[16];
            snprintf(index, sizeof index, "%u", devs[d]);
            golden_on(b, index, failures);
        }
        free(devs);
    }
}

int hm_cmd_verify(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: hetmc verify\n  Known-answer vectors of Philox4x32-10 on the host and on "
               "every OpenCL device,\n  then the golden counts of docs/STREAM.md on every "
               "backend and device. Exit 1 on any FAIL.\n");
        return HM_EXIT_OK;
    }
    if (argc > 1)
        return hm_usage_error("verify", "unexpected argument '%s'; accepted: --help", argv[1]);
    int failures = 0;
    /* Before OpenCL starts its threads; if it cannot start, its row says why. */
    hm_backend_early_init(NULL, NULL);
    kat_host(&failures);
    kat_devices(&failures);
    golden_all(&failures);
    printf("%s: %d failure%s\n", failures ? "FAILED" : "all checks passed", failures,
           failures == 1 ? "" : "s");
    return failures ? HM_EXIT_FAIL : HM_EXIT_OK;
}
