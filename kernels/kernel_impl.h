/* kernel_impl.h - the host's variants of whole-block counting; private to kernel*.c. */
#ifndef HETMC_KERNEL_IMPL_H
#define HETMC_KERNEL_IMPL_H

#include <stdint.h>

/* Counts the whole blocks [j0, j0 + nblocks) of the stream of seed. */
typedef uint64_t (*hm_blocks_fn)(uint64_t seed, uint64_t j0, uint64_t nblocks);

/* How the host variant was chosen (kernel_tune.c). */
typedef struct hm_kernel_tuning {
    const char *how; /* "measured", "cached", "the only candidate" */
    double cost_s;   /* seconds the choice took */
    char rates[256]; /* each candidate's samples/s when measured (or as cached) */
} hm_kernel_tuning;

/* The fastest of n variants (names, fns) on this CPU: measured once, then cached. Returns its
 * index and fills out. */
int hm_kernel_tune(const char *const *names, hm_blocks_fn const *fns, int n,
                   hm_kernel_tuning *out);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_X86_KERNELS 1
uint64_t hm_blocks_avx512(uint64_t seed, uint64_t j0, uint64_t nblocks);
uint64_t hm_blocks_avx2(uint64_t seed, uint64_t j0, uint64_t nblocks);
uint64_t hm_blocks_avx512x32(uint64_t seed, uint64_t j0, uint64_t nblocks);
uint64_t hm_blocks_avx2x32(uint64_t seed, uint64_t j0, uint64_t nblocks);
#else
#define HM_X86_KERNELS 0
#endif

/* aarch64 (kernels/kernel_arm.c): NEON everywhere; SVE and SVE2 where the compiler can target
 * them function by function (gcc 11 and later: #pragma GCC target("+sve")). */
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_ARM_KERNELS 1
uint64_t hm_blocks_neon(uint64_t seed, uint64_t j0, uint64_t nblocks);
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define HM_ARM_SVE 1
uint64_t hm_blocks_sve2(uint64_t seed, uint64_t j0, uint64_t nblocks);
uint64_t hm_blocks_sve(uint64_t seed, uint64_t j0, uint64_t nblocks);
#else
#define HM_ARM_SVE 0
#endif
#else
#define HM_ARM_KERNELS 0
#define HM_ARM_SVE 0
#endif

#endif /* HETMC_KERNEL_IMPL_H */
