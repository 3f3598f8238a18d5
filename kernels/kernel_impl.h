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

#endif /* HETMC_KERNEL_IMPL_H */
