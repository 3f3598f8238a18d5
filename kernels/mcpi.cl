/*
 * mcpi.cl - the Monte Carlo pi kernel, written once for every backend.
 *
 * This file is valid C11 and OpenCL C 1.2. The CPU backends include it (kernels/kernel.c); the
 * OpenCL backend compiles the very same text, baked into the binary at build time. It
 * implements the hetmc sample stream, version 1 (docs/STREAM.md):
 *
 *   key of seed s        k = { (u32) s, (u32)(s >> 32) }
 *   counter of block j   c = { (u32) j, (u32)(j >> 32), 0, 0 }
 *   r = philox4x32_10(c, k); sample 2j is (r0, r1), sample 2j+1 is (r2, r3)
 *   (x, y) is a hit when x*x + y*y < 2^64, in exact integer arithmetic.
 *
 * hm_count_plain() is the definition, one sample at a time. hm_count_edges() plus
 * hm_count_blocks() (or a host variant of the latter, kernels/kernel*.c) must return exactly the
 * same count; they only reorder the work so that compilers can vectorise it.
 */
#ifndef HM_MCPI_CL
#define HM_MCPI_CL

#include "hm_compat.h"
#include <Random123/philox.h>

/* Random123's philox4x32 (10 rounds) on explicit words; the known-answer tests go through here. */
HM_INLINE philox4x32_ctr_t hm_philox(hm_u32 c0, hm_u32 c1, hm_u32 c2, hm_u32 c3, hm_u32 k0,
                                     hm_u32 k1)
{
    philox4x32_ctr_t c = {{c0, c1, c2, c3}};
    philox4x32_key_t k = {{k0, k1}};
    return philox4x32(c, k);
}

/* Philox output for block j of the stream of `seed`: words 2 and 3 of the counter are 0. */
HM_INLINE philox4x32_ctr_t hm_block(hm_u64 seed, hm_u64 j)
{
    return hm_philox((hm_u32)j, (hm_u32)(j >> 32), 0u, 0u, (hm_u32)seed, (hm_u32)(seed >> 32));
}

/* 1 when x^2 + y^2 < 2^64, i.e. y^2 <= 2^64 - 1 - x^2, else 0. No floating point. */
HM_INLINE hm_u32 hm_hit(hm_u32 x, hm_u32 y)
{
    return (hm_u64)y * y <= ~((hm_u64)x * x) ? 1u : 0u;
}

/* Both samples of block j. */
HM_INLINE hm_u32 hm_block_hits(hm_u64 seed, hm_u64 j)
{
    philox4x32_ctr_t r = hm_block(seed, j);
    return hm_hit(r.v[0], r.v[1]) + hm_hit(r.v[2], r.v[3]);
}

/* The definition: hits among samples [first, first + count), one sample at a time.
 * first + count must not exceed 2^64 - 1. */
HM_INLINE hm_u64 hm_count_plain(hm_u64 seed, hm_u64 first, hm_u64 count)
{
    hm_u64 hits = 0;
    for (hm_u64 i = first; i < first + count; i++) {
        philox4x32_ctr_t r = hm_block(seed, i >> 1);
        hits += (i & 1u) ? hm_hit(r.v[2], r.v[3]) : hm_hit(r.v[0], r.v[1]);
    }
    return hits;
}

/* Blocks computed side by side by the lane-wise path: a multiple of every SIMD width. */
#define HM_LANES 32

/* Hits in the whole blocks [j0, j0 + nblocks), lane-wise: HM_LANES counters at a time, each
 * lane running the ten Philox rounds on its own counter, so that compilers turn every lane
 * loop into vector instructions. Each 32-bit word lives in a 64-bit lane: one 32x32->64
 * multiply (pmuludq on x86) then gives both halves of Philox's mulhilo. Only the low 32 bits of
 * a lane are meaningful; the high bits are don't-care until the final mask. The rounds are
 * Random123's philox4x32 round, with its constants; test_stream checks this path against
 * hm_count_plain() on every kind of range. */
HM_INLINE hm_u64 hm_count_blocks(hm_u64 seed, hm_u64 j0, hm_u64 nblocks)
{
    const hm_u64 mask = 0xffffffffu;
    hm_u64 hits = 0, b = 0;
    for (; b + HM_LANES <= nblocks; b += HM_LANES) {
        hm_u64 x0[HM_LANES], x1[HM_LANES], x2[HM_LANES], x3[HM_LANES];
        hm_u64 k0 = (hm_u32)seed, k1 = (hm_u32)(seed >> 32), lane_hits = 0;
        HM_SIMD
        for (int l = 0; l < HM_LANES; l++) {
            hm_u64 j = j0 + b + (hm_u64)l;
            x0[l] = j;
            x1[l] = j >> 32;
            x2[l] = 0;
            x3[l] = 0;
        }
        HM_UNROLL(10)
        for (int r = 0; r < 10; r++) {
            HM_SIMD
            for (int l = 0; l < HM_LANES; l++) {
                hm_u64 p0 = (x0[l] & mask) * (hm_u64)PHILOX_M4x32_0;
                hm_u64 p1 = (x2[l] & mask) * (hm_u64)PHILOX_M4x32_1;
                x0[l] = (p1 >> 32) ^ x1[l] ^ k0;
                x1[l] = p1;
                x2[l] = (p0 >> 32) ^ x3[l] ^ k1;
                x3[l] = p0;
            }
            k0 = (hm_u32)(k0 + PHILOX_W32_0);
            k1 = (hm_u32)(k1 + PHILOX_W32_1);
        }
        HM_SIMD_REDUCTION_ADD(lane_hits)
        for (int l = 0; l < HM_LANES; l++) {
            hm_u64 a = x0[l] & mask, c = x1[l] & mask, d = x2[l] & mask, e = x3[l] & mask;
            lane_hits += (c * c <= ~(a * a) ? 1u : 0u) + (e * e <= ~(d * d) ? 1u : 0u);
        }
        hits += lane_hits;
    }
    for (; b < nblocks; b++)
        hits += hm_block_hits(seed, j0 + b);
    return hits;
}

/* Counts the partial blocks at the ends of [first, first + count): a leading odd sample and a
 * trailing even sample. Returns their hits and stores the whole blocks in between. */
HM_INLINE hm_u64 hm_count_edges(hm_u64 seed, hm_u64 first, hm_u64 count, hm_u64 *j0,
                                hm_u64 *nblocks)
{
    hm_u64 hits = 0;
    if (count && (first & 1u)) {
        philox4x32_ctr_t r = hm_block(seed, first >> 1);
        hits += hm_hit(r.v[2], r.v[3]);
        first++;
        count--;
    }
    if (count & 1u) {
        philox4x32_ctr_t r = hm_block(seed, (first + count - 1) >> 1);
        hits += hm_hit(r.v[0], r.v[1]);
    }
    *j0 = first >> 1;
    *nblocks = count >> 1;
    return hits;
}


/* ---- OpenCL entry points -------------------------------------------------------------------
 * Work-item g of a launch counts the whole blocks [j0 + g * HM_ITEM_BLOCKS, j0 + (g + 1) *
 * HM_ITEM_BLOCKS) clipped to [j0, j0 + nblocks), and adds them to its 64-bit total, so counts stay integers and
 * carry across launches. hm_item_hits is plain C as well; the kernels exist only in OpenCL C
 * (get_global_id has no C meaning), so including this file into C defines no kernel symbol. */
/* Blocks per work-item: a small constant, so the loop unrolls into straight-line code that PoCL
 * vectorises across work-items (a loop of run-time length kept it scalar, 4x slower). */
#define HM_ITEM_BLOCKS 4

HM_INLINE hm_u64 hm_item_hits(hm_u64 seed, hm_u64 j0, hm_u64 nblocks, hm_u64 g)
{
    hm_u64 a = g * HM_ITEM_BLOCKS;
    hm_u32 hits = 0;
    for (hm_u32 k = 0; k < HM_ITEM_BLOCKS; k++) {
        hm_u32 h = hm_block_hits(seed, j0 + a + k);
        hits += a + k < nblocks ? h : 0u;
    }
    return hits;
}

#if HM_IS_OPENCL
/* The first launch of a run (carry 0) sets the totals; later launches add to them. */
HM_KERNEL void hm_mcpi_blocks(hm_u64 seed, hm_u64 j0, hm_u64 nblocks, hm_u32 carry,
                              HM_GLOBAL hm_u64 *totals)
{
    hm_u64 g = get_global_id(0);
    hm_u64 h = hm_item_hits(seed, j0, nblocks, g);
    totals[g] = carry ? totals[g] + h : h;
}

/* Known-answer check of the generator on a device: vector i is 6 input words (counter, key)
 * and gets 4 output words. */
HM_KERNEL void hm_philox_kat(HM_GLOBAL const hm_u32 *in, HM_GLOBAL hm_u32 *out, hm_u32 n)
{
    hm_u32 i = (hm_u32)get_global_id(0);
    if (i >= n)
        return;
    HM_GLOBAL const hm_u32 *w = in + 6u * i;
    philox4x32_ctr_t r = hm_philox(w[0], w[1], w[2], w[3], w[4], w[5]);
    for (int k = 0; k < 4; k++)
        out[4u * i + (hm_u32)k] = r.v[k];
}
#endif

#endif /* HM_MCPI_CL */
