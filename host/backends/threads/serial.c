/* serial.c - one thread, the baseline every other backend must match exactly. */
#include "hetmc.h"
#include "clock.h"
#include "kernel.h"

static int serial_prepare(const hm_config *cfg, hm_ctx **ctx, hm_error *err)
{
    if (cfg->workers != 1)
        return hm_fail(err, HM_EINVAL, "serial runs exactly 1 worker, got %u", cfg->workers);
    *ctx = NULL;
    return HM_EOK;
}

static int serial_run(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count,
                      hm_result *out, hm_error *err)
{
    (void)ctx;
    (void)err;
    double t0 = hm_now();
    out->hits = hm_kernel_hits(seed, first, count);
    out->compute_s = hm_now() - t0;
    out->setup_s = 0.0;
    out->collect_s = 0.0;
    return HM_EOK;
}

static void serial_release(hm_ctx *ctx)
{
    (void)ctx;
}

const hm_backend hm_backend_serial = {
    .name = "serial",
    .family = "threads",
    .summary = "one thread, the baseline",
    .max_workers = 1,
    .flags = HM_REFERENCE,
    .prepare = serial_prepare,
    .run = serial_run,
    .release = serial_release,
};
