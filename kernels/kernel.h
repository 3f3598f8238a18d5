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
/* Picks the host kernel variant: "auto" (or NULL: the fastest this CPU supports, measured once
 * per machine and cached), "avx512", "avx512x32", "avx2", "avx2x32" (x86-64), "sve2", "sve",
 * "neon" (aarch64) or "portable". HM_EINVAL for an unknown name, HM_EUNAVAIL when the CPU
 * lacks it.
 * Call before starting workers; hetmc's main() applies the HETMC_KERNEL environment variable. */
int hm_kernel_select(const char *name, hm_error *err);
/* The variant in use, and whether a named one runs on this CPU. */
const char *hm_kernel_name(void);
/* How it was chosen: "measured", "cached", "the only candidate", "forced by HETMC_KERNEL". */
const char *hm_kernel_how(void);
/* The automatic choice's rates of every candidate ("avx512 1.2e+09, ..."; measured or as
 * cached) and its cost in seconds (cost_s may be NULL). */
const char *hm_kernel_rates(double *cost_s);
int hm_kernel_supported(const char *name);
/* Raw generator output, for the known-answer tests: philox4x32_10(ctr, key). */
void hm_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif /* HETMC_KERNEL_H */
