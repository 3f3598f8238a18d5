/*
 * kernel_x86.c - hand-vectorised whole-block counting for x86-64, chosen at run time.
 *
 * Why: gcc 12 vectorises the portable lane-wise loop (hm_count_blocks in kernels/mcpi.cl) with
 * vpmullq, a slow 64x64 multiply, because it cannot prove the operands are 32-bit; the one
 * instruction Philox wants is the 32x32->64 multiply (vpmuludq / vpmuludq ymm), which yields
 * both halves of mulhilo at once. Measured on the 2-core Skylake-AVX512 VM at 2^28 samples,
 * one thread: portable lane-wise 0.4-0.6 G samples/s (gcc), AVX-512 path 1.1-1.2 G samples/s.
 *
 * Each function counts exactly what hm_count_blocks counts (test_stream checks every variant
 * against the one-sample-at-a-time definition); the rounds are Random123's philox4x32 round
 * with its constants. Only the low 32 bits of each 64-bit lane are meaningful until the hit
 * test, and vpmuludq reads only those.
 */
#include "hetmc.h"
#include "kernel_impl.h"

#if HM_X86_KERNELS
#include <immintrin.h>

#include "mcpi.cl"

/* Independent vectors in flight: hides the multiply latency (4 was best of 1, 2, 4, 8). */
#define HM_X86_VECTORS 4

__attribute__((target("avx512f"))) uint64_t hm_blocks_avx512(uint64_t seed, uint64_t j0,
                                                             uint64_t nblocks)
{
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M4x32_0), m1 = _mm512_set1_epi64(PHILOX_M4x32_1);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i ones = _mm512_set1_epi64(-1);
    const uint64_t step = 8 * HM_X86_VECTORS;
    uint64_t hits = 0, b = 0;

    for (; b + step <= nblocks; b += step) {
        __m512i x0[HM_X86_VECTORS], x1[HM_X86_VECTORS], x2[HM_X86_VECTORS], x3[HM_X86_VECTORS];
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int v = 0; v < HM_X86_VECTORS; v++) {
            __m512i j = _mm512_add_epi64(_mm512_set1_epi64((long long)(j0 + b + 8u * v)), lane);
            x0[v] = j;
            x1[v] = _mm512_srli_epi64(j, 32);
            x2[v] = _mm512_setzero_si512();
            x3[v] = _mm512_setzero_si512();
        }
        for (int r = 0; r < 10; r++) {
            const __m512i key0 = _mm512_set1_epi64(k0), key1 = _mm512_set1_epi64(k1);
            for (int v = 0; v < HM_X86_VECTORS; v++) {
                __m512i p0 = _mm512_mul_epu32(x0[v], m0), p1 = _mm512_mul_epu32(x2[v], m1);
                /* 0x96: three-way xor */
                x0[v] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1[v], key0, 0x96);
                x1[v] = p1;
                x2[v] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3[v], key1, 0x96);
                x3[v] = p0;
            }
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        for (int v = 0; v < HM_X86_VECTORS; v++) {
            /* hit: y*y <= ~(x*x), unsigned 64-bit */
            __m512i xx0 = _mm512_mul_epu32(x0[v], x0[v]), yy0 = _mm512_mul_epu32(x1[v], x1[v]);
            __m512i xx1 = _mm512_mul_epu32(x2[v], x2[v]), yy1 = _mm512_mul_epu32(x3[v], x3[v]);
            __mmask8 h0 = _mm512_cmple_epu64_mask(yy0, _mm512_xor_si512(xx0, ones));
            __mmask8 h1 = _mm512_cmple_epu64_mask(yy1, _mm512_xor_si512(xx1, ones));
            hits += (uint64_t)__builtin_popcount(h0) + (uint64_t)__builtin_popcount(h1);
        }
    }
    return hits + hm_count_blocks(seed, j0 + b, nblocks - b);
}

__attribute__((target("avx2"))) uint64_t hm_blocks_avx2(uint64_t seed, uint64_t j0,
                                                        uint64_t nblocks)
{
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M4x32_0), m1 = _mm256_set1_epi64x(PHILOX_M4x32_1);
    const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
    /* AVX2 compares signed: flipping the sign bit turns it into an unsigned compare. */
    const __m256i sign = _mm256_set1_epi64x((long long)(UINT64_C(1) << 63));
    const __m256i not_sign = _mm256_set1_epi64x(INT64_MAX);
    const uint64_t step = 4 * HM_X86_VECTORS;
    uint64_t hits = 0, b = 0;

    for (; b + step <= nblocks; b += step) {
        __m256i x0[HM_X86_VECTORS], x1[HM_X86_VECTORS], x2[HM_X86_VECTORS], x3[HM_X86_VECTORS];
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int v = 0; v < HM_X86_VECTORS; v++) {
            __m256i j = _mm256_add_epi64(_mm256_set1_epi64x((long long)(j0 + b + 4u * v)), lane);
            x0[v] = j;
            x1[v] = _mm256_srli_epi64(j, 32);
            x2[v] = _mm256_setzero_si256();
            x3[v] = _mm256_setzero_si256();
        }
        for (int r = 0; r < 10; r++) {
            const __m256i key0 = _mm256_set1_epi64x(k0), key1 = _mm256_set1_epi64x(k1);
            for (int v = 0; v < HM_X86_VECTORS; v++) {
                __m256i p0 = _mm256_mul_epu32(x0[v], m0), p1 = _mm256_mul_epu32(x2[v], m1);
                x0[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x1[v]), key0);
                x1[v] = p1;
                x2[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x3[v]), key1);
                x3[v] = p0;
            }
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        for (int v = 0; v < HM_X86_VECTORS; v++) {
            /* miss: y*y > ~(x*x), unsigned; (~(x*x)) ^ sign == (x*x) ^ not_sign */
            __m256i xx0 = _mm256_mul_epu32(x0[v], x0[v]), yy0 = _mm256_mul_epu32(x1[v], x1[v]);
            __m256i xx1 = _mm256_mul_epu32(x2[v], x2[v]), yy1 = _mm256_mul_epu32(x3[v], x3[v]);
            __m256i miss0 = _mm256_cmpgt_epi64(_mm256_xor_si256(yy0, sign),
                                               _mm256_xor_si256(xx0, not_sign));
            __m256i miss1 = _mm256_cmpgt_epi64(_mm256_xor_si256(yy1, sign),
                                               _mm256_xor_si256(xx1, not_sign));
            int m = _mm256_movemask_pd(_mm256_castsi256_pd(miss0)) |
                    (_mm256_movemask_pd(_mm256_castsi256_pd(miss1)) << 4);
            hits += 8u - (uint64_t)__builtin_popcount((unsigned)m);
        }
    }
    return hits + hm_count_blocks(seed, j0 + b, nblocks - b);
}

/* ---- 32-bit lanes --------------------------------------------------------------------------
 * The same rounds with one block per 32-bit lane, as PoCL vectorises the plain kernel: twice
 * the blocks per register, and the xors with the key and the other word work on all of them at
 * once. vpmuludq multiplies the even lanes (the low halves of the 64-bit lanes); the odd lanes
 * are brought down first (vpshufd), and the two products are merged back into the high and low
 * words of each lane by a masked vpshufd (AVX-512) or vpblendd (AVX2). */

/* Independent vectors in flight in the 32-bit-lane variants (AVX-512: 4 was no faster than 2,
 * 1.47-1.51 against 1.48-1.51 G samples/s at load 9-12 by the tuner's measurement). */
#define HM_X86_VECTORS32 2

/* mulhilo32 of the 16 lanes of x by the constant m (as 64-bit lanes: m in each low half). */
__attribute__((target("avx512f"))) static inline void hm_mulhilo16(__m512i x, __m512i m,
                                                                   __m512i *hi, __m512i *lo)
{
    __m512i pe = _mm512_mul_epu32(x, m);
    __m512i po = _mm512_mul_epu32(_mm512_shuffle_epi32(x, _MM_PERM_CDAB), m);
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
    *lo = _mm512_mask_shuffle_epi32(pe, 0xaaaa, po, _MM_PERM_CDAB);
}

/* Hits of the 16 samples (x, y) of two vectors of 32-bit lanes: y*y <= ~(x*x) in 64 bits. */
__attribute__((target("avx512f"))) static inline unsigned hm_hits16(__m512i x, __m512i y)
{
    const __m512i ones = _mm512_set1_epi64(-1);
    __m512i xo = _mm512_shuffle_epi32(x, _MM_PERM_CDAB), yo = _mm512_shuffle_epi32(y, _MM_PERM_CDAB);
    __mmask8 he = _mm512_cmple_epu64_mask(_mm512_mul_epu32(y, y),
                                          _mm512_xor_si512(_mm512_mul_epu32(x, x), ones));
    __mmask8 ho = _mm512_cmple_epu64_mask(_mm512_mul_epu32(yo, yo),
                                          _mm512_xor_si512(_mm512_mul_epu32(xo, xo), ones));
    return (unsigned)__builtin_popcount(he) + (unsigned)__builtin_popcount(ho);
}

__attribute__((target("avx512f"))) uint64_t hm_blocks_avx512x32(uint64_t seed, uint64_t j0,
                                                                uint64_t nblocks)
{
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M4x32_0), m1 = _mm512_set1_epi64(PHILOX_M4x32_1);
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const uint64_t step = 16 * HM_X86_VECTORS32;
    uint64_t hits = 0, b = 0;

    for (; b + step <= nblocks; b += step) {
        /* A step that crosses a multiple of 2^32 blocks (its lanes' high words differ) goes
         * the portable way. */
        if ((uint32_t)(j0 + b) > UINT32_MAX - (step - 1)) {
            hits += hm_count_blocks(seed, j0 + b, step);
            continue;
        }
        __m512i x0[HM_X86_VECTORS32], x1[HM_X86_VECTORS32], x2[HM_X86_VECTORS32],
            x3[HM_X86_VECTORS32];
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int v = 0; v < HM_X86_VECTORS32; v++) {
            uint64_t j = j0 + b + 16u * (unsigned)v;
            x0[v] = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)j), lane);
            x1[v] = _mm512_set1_epi32((int)(uint32_t)(j >> 32));
            x2[v] = _mm512_setzero_si512();
            x3[v] = _mm512_setzero_si512();
        }
        for (int r = 0; r < 10; r++) {
            const __m512i key0 = _mm512_set1_epi32((int)k0), key1 = _mm512_set1_epi32((int)k1);
            for (int v = 0; v < HM_X86_VECTORS32; v++) {
                __m512i hi0, lo0, hi1, lo1;
                hm_mulhilo16(x0[v], m0, &hi0, &lo0);
                hm_mulhilo16(x2[v], m1, &hi1, &lo1);
                x0[v] = _mm512_ternarylogic_epi32(hi1, x1[v], key0, 0x96);
                x1[v] = lo1;
                x2[v] = _mm512_ternarylogic_epi32(hi0, x3[v], key1, 0x96);
                x3[v] = lo0;
            }
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        for (int v = 0; v < HM_X86_VECTORS32; v++)
            hits += hm_hits16(x0[v], x1[v]) + hm_hits16(x2[v], x3[v]);
    }
    return hits + hm_count_blocks(seed, j0 + b, nblocks - b);
}

/* mulhilo32 of the 8 lanes of x by the constant m (as 64-bit lanes: m in each low half). */
__attribute__((target("avx2"))) static inline void hm_mulhilo8(__m256i x, __m256i m, __m256i *hi,
                                                               __m256i *lo)
{
    __m256i pe = _mm256_mul_epu32(x, m), po = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xaa);
    *lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xaa);
}

/* Misses among the 4 samples of the 64-bit products xx, yy: yy > ~xx, unsigned, as a signed
 * compare with the sign bits flipped ((~xx) ^ sign == xx ^ not_sign). */
__attribute__((target("avx2"))) static inline int hm_misses4(__m256i xx, __m256i yy)
{
    const __m256i sign = _mm256_set1_epi64x((long long)(UINT64_C(1) << 63));
    const __m256i not_sign = _mm256_set1_epi64x(INT64_MAX);
    __m256i miss = _mm256_cmpgt_epi64(_mm256_xor_si256(yy, sign), _mm256_xor_si256(xx, not_sign));
    return __builtin_popcount((unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(miss)));
}

/* Hits of the 8 samples (x, y) of two vectors of 32-bit lanes. */
__attribute__((target("avx2"))) static inline unsigned hm_hits8(__m256i x, __m256i y)
{
    __m256i xo = _mm256_srli_epi64(x, 32), yo = _mm256_srli_epi64(y, 32);
    int miss = hm_misses4(_mm256_mul_epu32(x, x), _mm256_mul_epu32(y, y)) +
               hm_misses4(_mm256_mul_epu32(xo, xo), _mm256_mul_epu32(yo, yo));
    return 8u - (unsigned)miss;
}

__attribute__((target("avx2"))) uint64_t hm_blocks_avx2x32(uint64_t seed, uint64_t j0,
                                                          uint64_t nblocks)
{
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M4x32_0), m1 = _mm256_set1_epi64x(PHILOX_M4x32_1);
    const __m256i lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    const uint64_t step = 8 * HM_X86_VECTORS32;
    uint64_t hits = 0, b = 0;

    for (; b + step <= nblocks; b += step) {
        if ((uint32_t)(j0 + b) > UINT32_MAX - (step - 1)) { /* as in hm_blocks_avx512x32 */
            hits += hm_count_blocks(seed, j0 + b, step);
            continue;
        }
        __m256i x0[HM_X86_VECTORS32], x1[HM_X86_VECTORS32], x2[HM_X86_VECTORS32],
            x3[HM_X86_VECTORS32];
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int v = 0; v < HM_X86_VECTORS32; v++) {
            uint64_t j = j0 + b + 8u * (unsigned)v;
            x0[v] = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)j), lane);
            x1[v] = _mm256_set1_epi32((int)(uint32_t)(j >> 32));
            x2[v] = _mm256_setzero_si256();
            x3[v] = _mm256_setzero_si256();
        }
        for (int r = 0; r < 10; r++) {
            const __m256i key0 = _mm256_set1_epi32((int)k0), key1 = _mm256_set1_epi32((int)k1);
            for (int v = 0; v < HM_X86_VECTORS32; v++) {
                __m256i hi0, lo0, hi1, lo1;
                hm_mulhilo8(x0[v], m0, &hi0, &lo0);
                hm_mulhilo8(x2[v], m1, &hi1, &lo1);
                x0[v] = _mm256_xor_si256(_mm256_xor_si256(hi1, x1[v]), key0);
                x1[v] = lo1;
                x2[v] = _mm256_xor_si256(_mm256_xor_si256(hi0, x3[v]), key1);
                x3[v] = lo0;
            }
            k0 += PHILOX_W32_0;
            k1 += PHILOX_W32_1;
        }
        for (int v = 0; v < HM_X86_VECTORS32; v++)
            hits += hm_hits8(x0[v], x1[v]) + hm_hits8(x2[v], x3[v]);
    }
    return hits + hm_count_blocks(seed, j0 + b, nblocks - b);
}
#endif
