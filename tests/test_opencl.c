/*
 * test_opencl.c - the device kernel counts exactly what the host counts, on any range.
 *
 *   test_opencl --host     the device's two block forms and its counting loop, compiled as C,
 *                          against the definition (no device needed)
 *   test_opencl [--O0]     the opencl backend through the runner: both kernel forms, local sizes
 *                          and blocks per work-item that divide nothing, launches of a single
 *                          work-group (thousands of launches, tail launches, queue batches) and
 *                          sized ones, odd first samples, ranges across multiples of 2^32
 *                          blocks and ending at 2^64 - 1; --O0 builds with -cl-opt-disable.
 *                          Exit 77 (skipped) without an OpenCL device.
 *
 * The expected count is the host kernel's (hm_kernel_hits), which test_stream checks against
 * the one-sample-at-a-time definition.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "kernel.h"
#include "runner.h"

#include "mcpi.cl"

#include <stdlib.h>
#include <string.h>

/* The host part: blocks and item loops in every form against hm_count_blocks. */
static void host_forms(void)
{
    static const uint64_t seeds[] = {0, 42, UINT64_C(0xfffffffff), UINT64_MAX};
    static const hm_u32 his[] = {0, 1, 0xffffffffu};
    static const hm_u32 los[] = {0, 5, 0xfffffff0u};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
        for (size_t h = 0; h < sizeof his / sizeof his[0]; h++)
            for (size_t l = 0; l < sizeof los / sizeof los[0]; l++)
                for (hm_u32 n = 0; n <= 13; n++) {
                    uint64_t j = (uint64_t)his[h] << 32 | los[l], k = seeds[s];
                    uint64_t want = hm_count_blocks(k, j, n);
                    hm_u32 k0 = (hm_u32)k, k1 = (hm_u32)(k >> 32);
                    CHECK_EQ_U64(hm_item_hits(k0, k1, los[l], his[h], n, HM_FORM_WIDE), want,
                                 "wide, seed %" PRIu64 " block %" PRIu64 " n %u", k, j, n);
                    CHECK_EQ_U64(hm_item_hits(k0, k1, los[l], his[h], n, HM_FORM_MULHI), want,
                                 "mul_hi, seed %" PRIu64 " block %" PRIu64 " n %u", k, j, n);
                    CHECK_EQ_U64(hm_item_hits(k0, k1, los[l], his[h], n, HM_FORM_PLAIN), want,
                                 "plain, seed %" PRIu64 " block %" PRIu64 " n %u", k, j, n);
                }
}

/* One configuration of the backend: local size, blocks per work-item, HETMC_CL_LAUNCH_BLOCKS
 * (NULL: timed) and HETMC_CL_KERNEL. */
typedef struct config {
    size_t local;
    unsigned item_blocks;
    const char *launch_blocks;
} config;

static void ranges(hm_runner *r, const config *c, const char *form)
{
    const uint64_t unit = 2 * (uint64_t)c->local * c->item_blocks; /* samples per group */
    const uint64_t span = UINT64_C(1) << 33;                        /* samples per 2^32 blocks */
    const uint64_t counts[] = {0, 1, 2, 3, 4, 5, unit - 1, unit, unit + 1, 3 * unit + 5, 100003};
    const uint64_t firsts[] = {0, 1, span - unit - 3, 3 * span - 7, UINT64_MAX - 100004};
    for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++)
        for (size_t n = 0; n < sizeof counts / sizeof counts[0]; n++) {
            uint64_t seed = 7 + f, first = firsts[f], count = counts[n];
            if (count > UINT64_MAX - first)
                continue;
            hm_result res;
            hm_error err = {0};
            int rc = hm_runner_count(r, seed, first, count, &res, NULL, &err);
            CHECK(rc == HM_EOK);
            if (rc != HM_EOK) {
                fprintf(stderr, "run failed: %s\n", err.msg);
                return;
            }
            CHECK_EQ_U64(res.hits, hm_kernel_hits(seed, first, count),
                         "%s, local %zu, %u blocks per item, launches of %s blocks: first %" PRIu64
                         " count %" PRIu64, form, c->local, c->item_blocks,
                         c->launch_blocks ? c->launch_blocks : "timed", first, count);
        }
}

static void device(int all)
{
    static const config configs[] = {
        {1, 1, "1"}, {7, 3, "1"}, {64, 5, "100"}, {1000, 17, "1"}, {256, 64, NULL},
    };
    static const char *const forms[] = {"wide", "mulhi", "plain"};
    size_t nconfigs = all ? sizeof configs / sizeof configs[0] : 2;
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
        for (size_t i = 0; i < nconfigs; i++) {
            const config *c = &configs[i];
            setenv("HETMC_CL_KERNEL", forms[k], 1);
            if (c->launch_blocks)
                setenv("HETMC_CL_LAUNCH_BLOCKS", c->launch_blocks, 1);
            else
                unsetenv("HETMC_CL_LAUNCH_BLOCKS");
            hm_config cfg = {.workers = 1, .local_size = c->local, .item_blocks = c->item_blocks};
            hm_runner *r = NULL;
            hm_error err = {0};
            int rc = hm_runner_open(hm_backend_find("opencl"), &cfg, &r, &err);
            CHECK(rc == HM_EOK);
            if (rc != HM_EOK) {
                fprintf(stderr, "prepare (%s, local %zu): %s\n", forms[k], c->local, err.msg);
                continue;
            }
            ranges(r, c, forms[k]);
            hm_runner_close(r);
        }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--host") == 0) {
        host_forms();
        return check_report("test_opencl --host");
    }
    const hm_backend *b = hm_backend_find("opencl");
    unsigned *idx = NULL;
    hm_error err = {0};
    if (!b || b->select_devices(NULL, &idx, &err) < 0) {
        printf("%s: no OpenCL device: %s\n", getenv("CI") ? "FAIL (CI must have PoCL)" : "SKIP",
               b ? err.msg : "opencl not in this build");
        return getenv("CI") && strcmp(getenv("CI"), "true") == 0 ? 1 : 77;
    }
    free(idx);
    int o0 = argc > 1 && strcmp(argv[1], "--O0") == 0;
    if (o0)
        setenv("HETMC_CL_OPTIONS", "-cl-opt-disable", 1);
    device(!o0);
    return check_report(o0 ? "test_opencl --O0" : "test_opencl");
}
