/*
 * kernel.h - the host side of the pi kernel: kernels/mcpi.cl compiled as C (kernel.c), with
 * hand-vectorised x86 (kernel_x86.c) and aarch64 (kernel_arm.c) variants. Every CPU backend
 * counts through here.
 */
#ifndef HETMC_KERNEL_H
#define HETMC_KERNEL_H

#include "hetmc.h"

/* The reference count: hits(seed, [first, first + count)) by the plain definition on one
 * thread. Slow; for tests and cross-checks. */
uint64_t hm_reference_hits(uint64_t seed, uint64_t first, uint64_t count);
/* The vectorised host kernel on one thread; same count as hm_reference_hits. */
uint64_t hm_kernel_hits(uint64_t seed, uint64_t first, uint64_t count);
/* Picks the host kernel variant: "auto" (or NULL: the widest this CPU supports), "avx512",
 * "avx2" (x86-64), "sve2", "sve", "neon" (aarch64) or "portable". HM_EINVAL for an unknown name, HM_EUNAVAIL when the CPU lacks it.
 * Call before starting workers; hetmc's main() applies the HETMC_KERNEL environment variable. */
int hm_kernel_select(const char *name, hm_error *err);
/* The variant in use, and whether a named one runs on this CPU. */
const char *hm_kernel_name(void);
int hm_kernel_supported(const char *name);
/* Raw generator output, for the known-answer tests: philox4x32_10(ctr, key). */
void hm_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif /* HETMC_KERNEL_H */
