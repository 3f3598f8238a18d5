/*
 * cmd_verify.c - `hetmc verify`: the first thing to run on a new node. The Random123 known-answer
 * vectors on the host and inside a kernel on every OpenCL device, then the golden counts of
 * STREAM.md on every backend of the registry (and every device of device backends). Prints a
 * PASS/FAIL table; exit 1 on any failure.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#if HETMC_HAVE_OPENCL
#include "opencl_util.h"
#endif

/* philox4x32_10 known answers from Random123's kat_vectors: counter[4], key[2] -> out[4]. */
static const uint32_t kat[][10] = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
     0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
     0x94fdcceb, 0x5001e420, 0x24126ea1},
};
#define NKAT (sizeof kat / sizeof kat[0])

/* Golden counts of shared/STREAM.md. */
static const struct {
    uint64_t seed, n, hits;
} golden[] = {
    {0, 0, 0},
    {42, 7, 5},
    {0, 1000001, 784446},
    {UINT64_C(18446744073709551615), 1000, 778},
    {42, 100000000, 78539599},
};
#define NGOLDEN (sizeof golden / sizeof golden[0])

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
    hm_ctx *ctx = NULL;
    hm_error err = {0};
    char where[64], detail[800];
    snprintf(where, sizeof where, "%s%s%s", b->name, device ? " device " : "",
             device ? device : "");
    if (b->prepare(&cfg, &ctx, &err) < 0) {
        line(0, "golden counts", where, err.msg, failures);
        return;
    }
    int bad = 0;
    detail[0] = '\0';
    for (size_t i = 0; i < NGOLDEN && !bad; i++) {
        hm_result r;
        hm_result_init(&r);
        if (b->run(ctx, golden[i].seed, 0, golden[i].n, &r, &err) < 0) {
            snprintf(detail, sizeof detail, "seed %" PRIu64 " N %" PRIu64 ": %s", golden[i].seed,
                     golden[i].n, err.msg);
            bad = 1;
        } else if (r.hits != golden[i].hits) {
            snprintf(detail, sizeof detail, "seed %" PRIu64 " N %" PRIu64 ": %" PRIu64
                     " hits, expected %" PRIu64, golden[i].seed, golden[i].n, r.hits,
                     golden[i].hits);
            bad = 1;
        } else if (r.device[0]) {
            snprintf(detail, sizeof detail, "%zu counts exact on %s", NGOLDEN, r.device);
        }
    }
    if (!bad && !detail[0])
        snprintf(detail, sizeof detail, "%zu counts exact", NGOLDEN);
    b->release(ctx);
    line(!bad, "golden counts", where, detail, failures);
}

int hm_cmd_verify(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: hetmc verify\n  Known-answer vectors of Philox4x32-10 on the host and on "
               "every OpenCL device,\n  then the golden counts of STREAM.md on every backend and "
               "device. Exit 1 on any FAIL.\n");
        return HM_EXIT_OK;
    }
    if (argc > 1)
        return hm_usage_error("verify", "unexpected argument '%s'; accepted: --help", argv[1]);
    int failures = 0;
    char detail[800];

    int bad = 0;
    for (size_t i = 0; i < NKAT; i++) {
        uint32_t out[4];
        hm_philox4x32(kat[i], kat[i] + 4, out);
        bad += memcmp(out, kat[i] + 6, sizeof out) != 0;
    }
    snprintf(detail, sizeof detail, "%zu vectors, %d wrong", NKAT, bad);
    line(!bad, "philox4x32-10 KAT", "host", detail, &failures);

#if HETMC_HAVE_OPENCL
    hm_error err = {0};
    unsigned *idx = NULL;
    int ndev = hm_cl_select("all", &idx, &err);
    if (ndev < 0) {
        printf("SKIP  %-22s %-28s %s\n", "opencl", "-", err.msg);
        ndev = 0;
    }
    for (int d = 0; d < ndev; d++) {
        char where[32];
        snprintf(where, sizeof where, "opencl device %u", idx[d]);
        int wrong = hm_cl_kat(idx[d], kat, (unsigned)NKAT, &err);
        if (wrong < 0)
            snprintf(detail, sizeof detail, "%s", err.msg);
        else
            snprintf(detail, sizeof detail, "%zu vectors in a kernel, %d words wrong", NKAT,
                     wrong);
        line(wrong == 0, "philox4x32-10 KAT", where, detail, &failures);
    }
#endif

    for (size_t i = 0; i < hm_backend_count(); i++) {
        const hm_backend *b = hm_backend_at(i);
        if (!b->select_devices) {
            golden_on(b, NULL, &failures);
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
            golden_on(b, index, &failures);
        }
        free(devs);
    }
#if HETMC_HAVE_OPENCL
    free(idx);
#endif
    printf("%s: %d failure%s\n", failures ? "FAILED" : "all checks passed", failures,
           failures == 1 ? "" : "s");
    return failures ? HM_EXIT_FAIL : HM_EXIT_OK;
}
