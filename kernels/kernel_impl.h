/* kernel_impl.h - the host's variants of whole-block counting; private to kernel*.c. */
#ifndef HETMC_KERNEL_IMPL_H
#define HETMC_KERNEL_IMPL_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_X86_KERNELS 1
uint64_t hm_blocks_avx512(uint64_t seed, uint64_t j0, uint64_t nblocks);
uint64_t hm_blocks_avx2(uint64_t seed, uint64_t j0, uint64_t nblocks);
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
