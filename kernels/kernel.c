/*
 * kernel.c - the host side of the one kernel: mcpi.cl compiled as C, plus the choice of the
 * whole-block routine. Every variant counts exactly what hm_count_plain() counts:
 *   portable  hm_count_blocks() of mcpi.cl, lane-wise C that compilers vectorise;
 *   avx2      hand-vectorised, 4 lanes (kernels/kernel_x86.c), on CPUs with AVX2;
 *   avx512    hand-vectorised, 8 lanes, on CPUs with AVX-512F;
 *   avx2x32, avx512x32  the same with 32-bit lanes (8 and 16 blocks a register);
 *   sve2, sve hand-vectorised for aarch64, vector-length agnostic (kernels/kernel_arm.c), on
 *             CPUs with SVE2 / SVE (getauxval: HWCAP2_SVE2, HWCAP_SVE);
 *   neon      hand-vectorised for aarch64, 4 lanes, on every aarch64 CPU (HWCAP_ASIMD).
 * The default is the fastest of those the CPU supports (checked at run time), measured once
 * per machine and cached (kernels/kernel_tune.c); HETMC_KERNEL=name or hm_kernel_select()
 * forces one, for tests and for comparing them.
 */
#include "kernel.h"
#include "kernel_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#if HM_ARM_KERNELS
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP_SVE
#define HWCAP_SVE (1UL << 22)
#endif
#ifndef HWCAP2_SVE2
#define HWCAP2_SVE2 (1UL << 1)
#endif
#endif

#include "mcpi.cl"

typedef uint64_t (*blocks_fn)(uint64_t seed, uint64_t j0, uint64_t nblocks);

static uint64_t blocks_portable(uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    return hm_count_blocks(seed, j0, nblocks);
}

static const struct variant {
    const char *name;
    blocks_fn fn;
} variants[] = {
#if HM_X86_KERNELS
    {"avx512", hm_blocks_avx512},
    {"avx512x32", hm_blocks_avx512x32},
    {"avx2", hm_blocks_avx2},
    {"avx2x32", hm_blocks_avx2x32},
#endif
#if HM_ARM_SVE
    /* SVE2 first: the same code with fewer instructions (unpredicated mul/umulh, eor3). Not
     * yet ranked against neon by a measurement on an SVE machine; HETMC_KERNEL=neon picks it. */
    {"sve2", hm_blocks_sve2},
    {"sve", hm_blocks_sve},
#endif
#if HM_ARM_KERNELS
    {"neon", hm_blocks_neon},
#endif
    {"portable", blocks_portable},
};
#define NVARIANTS (sizeof variants / sizeof variants[0])

/* Set once before workers start (or on first use); atomic so that a lazy first use from
 * several threads is still well defined. */
static _Atomic(const struct variant *) chosen;

static int supported(const struct variant *v)
{
#if HM_X86_KERNELS
    __builtin_cpu_init();
    if (strncmp(v->name, "avx512", 6) == 0)
        return __builtin_cpu_supports("avx512f");
    if (strncmp(v->name, "avx2", 4) == 0)
        return __builtin_cpu_supports("avx2");
#endif
#if HM_ARM_KERNELS
    if (strcmp(v->name, "sve2") == 0)
        return (getauxval(AT_HWCAP) & HWCAP_SVE) && (getauxval(AT_HWCAP2) & HWCAP2_SVE2);
    if (strcmp(v->name, "sve") == 0)
        return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
    if (strcmp(v->name, "neon") == 0)
        return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
    return strcmp(v->name, "portable") == 0;
}

/* ---- The automatic choice: the fastest supported variant, measured once (kernel_tune.c). */
static const struct variant *auto_choice;
static hm_kernel_tuning auto_tuning;
static pthread_once_t auto_once = PTHREAD_ONCE_INIT;
/* How the variant in use was chosen: auto_tuning.how, or forced. */
static _Atomic(const char *) chosen_how;

static void choose_auto(void)
{
    const char *names[NVARIANTS];
    hm_blocks_fn fns[NVARIANTS];
    const struct variant *cand[NVARIANTS];
    int n = 0;
    for (size_t i = 0; i < NVARIANTS; i++)
        if (supported(&variants[i])) {
            cand[n] = &variants[i];
            names[n] = variants[i].name;
            fns[n++] = variants[i].fn;
        }
    auto_choice = n ? cand[hm_kernel_tune(names, fns, n, &auto_tuning)] : &variants[NVARIANTS - 1];
}

static const struct variant *best(void)
{
    pthread_once(&auto_once, choose_auto);
    atomic_store(&chosen_how, auto_tuning.how);
    return auto_choice;
}

const char *hm_kernel_how(void)
{
    const char *how = atomic_load(&chosen_how);
    return how ? how : "not chosen yet";
}

const char *hm_kernel_rates(double *cost_s)
{
    pthread_once(&auto_once, choose_auto);
    if (cost_s)
        *cost_s = auto_tuning.cost_s;
    return auto_tuning.rates;
}
/* ---- End of the automatic choice. */

int hm_kernel_select(const char *name, hm_error *err)
{
    char names[128] = "";
    if (!name || !name[0] || strcmp(name, "auto") == 0) {
        atomic_store(&chosen, best());
        return HM_EOK;
    }
    for (size_t i = 0; i < NVARIANTS; i++) {
        if (strcmp(name, variants[i].name) != 0)
            continue;
        if (!supported(&variants[i]))
            return hm_fail(err, HM_EUNAVAIL, "host kernel '%s' is not supported by this CPU",
                           name);
        atomic_store(&chosen, &variants[i]);
        atomic_store(&chosen_how, "forced by HETMC_KERNEL");
        return HM_EOK;
    }
    for (size_t i = 0; i < NVARIANTS; i++) {
        strcat(names, i ? ", " : "");
        strcat(names, variants[i].name);
    }
    return hm_fail(err, HM_EINVAL, "host kernel '%s' is unknown; accepted: auto, %s", name, names);
}

static const struct variant *current(void)
{
    const struct variant *v = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (!v) {
        v = best();
        atomic_store_explicit(&chosen, v, memory_order_relaxed);
    }
    return v;
}

const char *hm_kernel_name(void)
{
    return current()->name;
}

int hm_kernel_supported(const char *name)
{
    for (size_t i = 0; i < NVARIANTS; i++)
        if (strcmp(name, variants[i].name) == 0)
            return supported(&variants[i]);
    return 0;
}

uint64_t hm_reference_hits(uint64_t seed, uint64_t first, uint64_t count)
{
    return hm_count_plain(seed, first, count);
}

uint64_t hm_kernel_hits(uint64_t seed, uint64_t first, uint64_t count)
{
    hm_u64 j0, nblocks;
    hm_u64 hits = hm_count_edges(seed, first, count, &j0, &nblocks);
    return hits + current()->fn(seed, j0, nblocks);
}

void hm_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t r = hm_philox(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]);
    for (int i = 0; i < 4; i++)
        out[i] = r.v[i];
}
