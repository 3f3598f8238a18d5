/*
 * kernel_arm.c - hand-vectorised whole-block counting for aarch64, chosen at run time.
 *
 * Why: gcc 12 does not vectorise the portable lane-wise loop (hm_count_blocks in kernels/mcpi.cl)
 * for aarch64 at all: NEON has no 64x64 multiply, and the loop keeps its words in 64-bit lanes.
 * Philox wants the 32x32->64 multiply, which NEON has as umull/umull2 (vmull_u32,
 * vmull_high_u32: two 64-bit products from the low or high half of four 32-bit lanes) and SVE
 * as mul/umulh (the low and the high word of every 32-bit lane's product).
 *
 *   neon  four blocks per 128-bit vector, its words in 32-bit lanes, HM_NEON_VECTORS vectors
 *         in flight; every aarch64 CPU has it (HWCAP_ASIMD).
 *   sve   vector-length agnostic (svcntw() blocks per vector), on CPUs with HWCAP_SVE;
 *   sve2  the same code compiled for SVE2 (HWCAP2_SVE2), where the compiler has unpredicated
 *         mul/umulh and eor3.
 *
 * Each function counts exactly what hm_count_blocks counts (test_stream checks every variant
 * against the one-sample-at-a-time definition); the rounds are Random123's philox4x32 round
 * with its constants. The hit test x*x + y*y < 2^64 is the exact 64-bit one: the sum of the two
 * 64-bit squares does not wrap, i.e. (x*x + y*y mod 2^64) >= x*x, which is
 * y*y <= ~(x*x) of mcpi.cl.
 */
#include "hetmc.h"
#include "kernel_impl.h"

#if HM_ARM_KERNELS
#include <arm_neon.h>

#include "mcpi.cl"

/* Independent vectors of four blocks in flight: hides the multiply latency. */
#define HM_NEON_VECTORS 4
#define HM_ARM_INLINE static inline __attribute__((always_inline))

/* The words of four blocks, one block per 32-bit lane. */
typedef struct {
    uint32x4_t x0, x1, x2, x3;
} neon_blocks;

/* The ten round keys of a seed, each word in every lane. */
static void neon_keys(uint64_t seed, uint32x4_t k0[10], uint32x4_t k1[10])
{
    uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; r++) {
        k0[r] = vdupq_n_u32(a);
        k1[r] = vdupq_n_u32(b);
        a += PHILOX_W32_0;
        b += PHILOX_W32_1;
    }
}

/* The counters of blocks j .. j + 3: their low words in x0, their high words in x1. */
HM_ARM_INLINE void neon_start(neon_blocks *s, uint64_t j)
{
    static const uint64_t steps[4] = {0, 1, 2, 3};
    uint64x2_t a = vaddq_u64(vdupq_n_u64(j), vld1q_u64(steps));
    uint64x2_t b = vaddq_u64(vdupq_n_u64(j), vld1q_u64(steps + 2));
    s->x0 = vuzp1q_u32(vreinterpretq_u32_u64(a), vreinterpretq_u32_u64(b));
    s->x1 = vuzp2q_u32(vreinterpretq_u32_u64(a), vreinterpretq_u32_u64(b));
    s->x2 = vdupq_n_u32(0);
    s->x3 = vdupq_n_u32(0);
}

/* One Philox round on four blocks: umull/umull2 give the 64-bit products, uzp2/uzp1 gather
 * their high and low words back into one vector each. */
HM_ARM_INLINE void neon_round(neon_blocks *s, uint32x4_t k0, uint32x4_t k1)
{
    uint32x4_t a = vreinterpretq_u32_u64(vmull_n_u32(vget_low_u32(s->x0), PHILOX_M4x32_0));
    uint32x4_t b = vreinterpretq_u32_u64(vmull_high_n_u32(s->x0, PHILOX_M4x32_0));
    uint32x4_t c = vreinterpretq_u32_u64(vmull_n_u32(vget_low_u32(s->x2), PHILOX_M4x32_1));
    uint32x4_t d = vreinterpretq_u32_u64(vmull_high_n_u32(s->x2, PHILOX_M4x32_1));
    s->x0 = veorq_u32(veorq_u32(vuzp2q_u32(c, d), s->x1), k0);
    s->x1 = vuzp1q_u32(c, d);
    s->x2 = veorq_u32(veorq_u32(vuzp2q_u32(a, b), s->x3), k1);
    s->x3 = vuzp1q_u32(a, b);
}

/* Adds the hits of two samples (squares xx, yy) to the lanes of acc: a compare yields all
 * ones, so subtracting it adds one. */
HM_ARM_INLINE uint64x2_t neon_hit2(uint64x2_t acc, uint64x2_t xx, uint64x2_t yy)
{
    return vsubq_u64(acc, vcgeq_u64(vaddq_u64(xx, yy), xx));
}

/* Adds the hits of the four samples (x, y) to acc. */
HM_ARM_INLINE uint64x2_t neon_hits(uint64x2_t acc, uint32x4_t x, uint32x4_t y)
{
    acc = neon_hit2(acc, vmull_u32(vget_low_u32(x), vget_low_u32(x)),
                    vmull_u32(vget_low_u32(y), vget_low_u32(y)));
    return neon_hit2(acc, vmull_high_u32(x, x), vmull_high_u32(y, y));
}

uint64_t hm_blocks_neon(uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    uint32x4_t k0[10], k1[10];
    const uint64_t step = 4 * HM_NEON_VECTORS;
    uint64x2_t acc = vdupq_n_u64(0);
    uint64_t b = 0;

    neon_keys(seed, k0, k1);
    for (; b + step <= nblocks; b += step) {
        neon_blocks s[HM_NEON_VECTORS];
        HM_UNROLL(4)
        for (int v = 0; v < HM_NEON_VECTORS; v++)
            neon_start(&s[v], j0 + b + 4u * (unsigned)v);
        HM_UNROLL(10)
        for (int r = 0; r < 10; r++) {
            HM_UNROLL(4)
            for (int v = 0; v < HM_NEON_VECTORS; v++)
                neon_round(&s[v], k0[r], k1[r]);
        }
        HM_UNROLL(4)
        for (int v = 0; v < HM_NEON_VECTORS; v++)
            acc = neon_hits(neon_hits(acc, s[v].x0, s[v].x1), s[v].x2, s[v].x3);
    }
    return vaddvq_u64(acc) + hm_count_blocks(seed, j0 + b, nblocks - b);
}

#if HM_ARM_SVE
/* ---- SVE: vector-length agnostic, svcntw() blocks per vector ------------------------------
 * Sizeless SVE types cannot live in arrays or structs, so the two vectors in flight are named
 * (a and b). The helpers are compiled for SVE and inlined into both the SVE and the SVE2
 * function; gcc may inline a function whose target is a subset of its caller's. */
#pragma GCC push_options
#pragma GCC target("+sve")
#include <arm_sve.h>

/* The counters of the svcntw() blocks from j: low words (wrapping) and high words (plus the
 * carry where the low word wrapped). */
HM_ARM_INLINE void sve_start(svbool_t pg, uint64_t j, svuint32_t *lo, svuint32_t *hi)
{
    *lo = svindex_u32((uint32_t)j, 1);
    svbool_t carry = svcmplt_n_u32(pg, *lo, (uint32_t)j);
    *hi = svadd_n_u32_m(carry, svdup_n_u32((uint32_t)(j >> 32)), 1);
}

/* One Philox round: mul and umulh give the low and high words of each lane's product. */
HM_ARM_INLINE void sve_round(svbool_t pg, svuint32_t *x0, svuint32_t *x1, svuint32_t *x2,
                             svuint32_t *x3, uint32_t k0, uint32_t k1)
{
    svuint32_t lo0 = svmul_n_u32_x(pg, *x0, PHILOX_M4x32_0);
    svuint32_t hi0 = svmulh_n_u32_x(pg, *x0, PHILOX_M4x32_0);
    svuint32_t lo1 = svmul_n_u32_x(pg, *x2, PHILOX_M4x32_1);
    svuint32_t hi1 = svmulh_n_u32_x(pg, *x2, PHILOX_M4x32_1);
    *x0 = sveor_n_u32_x(pg, sveor_u32_x(pg, hi1, *x1), k0);
    *x1 = lo1;
    *x2 = sveor_n_u32_x(pg, sveor_u32_x(pg, hi0, *x3), k1);
    *x3 = lo0;
}

/* Adds one to the lanes of acc whose sample (x, y) in 64-bit lanes is a hit. */
HM_ARM_INLINE svuint64_t sve_hit(svbool_t pd, svuint64_t acc, svuint64_t x, svuint64_t y)
{
    svuint64_t xx = svmul_u64_x(pd, x, x);
    svuint64_t sum = svadd_u64_x(pd, xx, svmul_u64_x(pd, y, y));
    return svadd_n_u64_m(svcmpge_u64(pd, sum, xx), acc, 1);
}

/* Adds the hits of the samples (x, y), one per 32-bit lane: the even and the odd lanes are
 * widened to 64 bits in place (and, lsr) and tested apart. */
HM_ARM_INLINE svuint64_t sve_hits(svbool_t pd, svuint64_t acc, svuint32_t x, svuint32_t y)
{
    svuint64_t xw = svreinterpret_u64_u32(x), yw = svreinterpret_u64_u32(y);
    acc = sve_hit(pd, acc, svand_n_u64_x(pd, xw, 0xffffffffu), svand_n_u64_x(pd, yw, 0xffffffffu));
    return sve_hit(pd, acc, svlsr_n_u64_x(pd, xw, 32), svlsr_n_u64_x(pd, yw, 32));
}

/* Whole vectors of blocks, two in flight; the remainder goes to hm_count_blocks. */
HM_ARM_INLINE uint64_t sve_blocks(uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    const svbool_t pg = svptrue_b32(), pd = svptrue_b64();
    const uint64_t n = svcntw(), step = 2 * n;
    svuint64_t acc = svdup_n_u64(0);
    uint64_t b = 0;
    for (; b + step <= nblocks; b += step) {
        svuint32_t a0, a1, a2 = svdup_n_u32(0), a3 = a2, b0, b1, b2 = a2, b3 = a2;
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        sve_start(pg, j0 + b, &a0, &a1);
        sve_start(pg, j0 + b + n, &b0, &b1);
        HM_UNROLL(10)
        for (int r = 0; r < 10; r++) {
            sve_round(pg, &a0, &a1, &a2, &a3, k0, k1);
            sve_round(pg, &b0, &b1, &b2, &b3, k0, k1);
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        acc = sve_hits(pd, sve_hits(pd, acc, a0, a1), a2, a3);
        acc = sve_hits(pd, sve_hits(pd, acc, b0, b1), b2, b3);
    }
    return svaddv_u64(pd, acc) + hm_count_blocks(seed, j0 + b, nblocks - b);
}

uint64_t hm_blocks_sve(uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    return sve_blocks(seed, j0, nblocks);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("+sve2")
uint64_t hm_blocks_sve2(uint64_t seed, uint64_t j0, uint64_t nblocks)
{
    return sve_blocks(seed, j0, nblocks);
}
#pragma GCC pop_options
#endif /* HM_ARM_SVE */
#endif /* HM_ARM_KERNELS */
