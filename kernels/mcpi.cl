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
 * same count; they only reorder the work so that compilers can vectorise it. The OpenCL kernels
 * (hm_mcpi_wide, hm_mcpi_mulhi, hm_mcpi_plain; host side in host/backends/opencl/) count whole blocks in
 * loops of a run-time length per work-item and sum them per work-group.
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

/* One Philox4x32 round (Random123's, with its constants) on words kept in 64-bit lanes: one
 * 32x32->64 multiply (pmuludq on x86) gives both halves of mulhilo. Only the low 32 bits of a
 * lane are meaningful; the high bits are don't-care until the final mask. */
#define HM_WIDE_ROUND(x0, x1, x2, x3, k0, k1)                                                  \
    do {                                                                                       \
        hm_u64 p0_ = ((x0) & 0xffffffffu) * (hm_u64)PHILOX_M4x32_0;                            \
        hm_u64 p1_ = ((x2) & 0xffffffffu) * (hm_u64)PHILOX_M4x32_1;                            \
        (x0) = (p1_ >> 32) ^ (x1) ^ (k0);                                                      \
        (x1) = p1_;                                                                            \
        (x2) = (p0_ >> 32) ^ (x3) ^ (k1);                                                      \
        (x3) = p0_;                                                                            \
    } while (0)

/* Hits in the whole blocks [j0, j0 + nblocks), lane-wise: HM_LANES counters at a time, each
 * lane running the ten Philox rounds (HM_WIDE_ROUND) on its own counter, so that compilers
 * turn every lane loop into vector instructions. test_stream checks this path against
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
            for (int l = 0; l < HM_LANES; l++)
                HM_WIDE_ROUND(x0[l], x1[l], x2[l], x3[l], k0, k1);
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


/* ---- The device's blocks ------------------------------------------------------------------
 * An OpenCL launch counts whole blocks whose counters share their high word: the host never lets
 * a launch cross a multiple of 2^32 blocks, so a work-item's counters are {c, hi} with c a 32-bit
 * counter and hi the same for the whole launch. Everything here is plain C as well, so a host
 * test (tests/test_opencl.c --host) checks both forms of a block against the definition. */

/* The hits of block {c0, c1} with the rounds in 64-bit lanes, written out: a loop inside the
 * counting loop would keep PoCL from vectorising the counting loop (PoCL on 2 cores, 2^27
 * samples: 1.7 G samples/s written out, 0.33 G with a rounds loop, 1.07 G for Random123's form,
 * whose 64-bit product LLVM turns into vpmullq, 0.30 G through mul_hi). */
HM_INLINE hm_u32 hm_block_hits_wide(hm_u32 k0, hm_u32 k1, hm_u32 c0, hm_u32 c1)
{
    hm_u64 x0 = c0, x1 = c1, x2 = 0, x3 = 0;
#define HM_WIDE_ROUND_R(r)                                                                     \
    HM_WIDE_ROUND(x0, x1, x2, x3, (hm_u32)(k0 + (r) * (hm_u32)PHILOX_W32_0),                   \
                  (hm_u32)(k1 + (r) * (hm_u32)PHILOX_W32_1))
    HM_WIDE_ROUND_R(0u);
    HM_WIDE_ROUND_R(1u);
    HM_WIDE_ROUND_R(2u);
    HM_WIDE_ROUND_R(3u);
    HM_WIDE_ROUND_R(4u);
    HM_WIDE_ROUND_R(5u);
    HM_WIDE_ROUND_R(6u);
    HM_WIDE_ROUND_R(7u);
    HM_WIDE_ROUND_R(8u);
    HM_WIDE_ROUND_R(9u);
#undef HM_WIDE_ROUND_R
    return hm_hit((hm_u32)x0, (hm_u32)x1) + hm_hit((hm_u32)x2, (hm_u32)x3);
}

/* The hits of block {c0, c1} through Random123 (mulhilo32 is mul_hi on OpenCL devices). */
HM_INLINE hm_u32 hm_block_hits_r123(hm_u32 k0, hm_u32 k1, hm_u32 c0, hm_u32 c1)
{
    philox4x32_ctr_t r = hm_philox(c0, c1, 0u, 0u, k0, k1);
    return hm_hit(r.v[0], r.v[1]) + hm_hit(r.v[2], r.v[3]);
}

/* One Philox round as Random123 writes it by default (R123_USE_64BIT): 32-bit words, each
 * mulhilo one 32x32->64 product. PoCL vectorises a loop of these across work-items in 32-bit
 * lanes, as it does the plain kernel (bench/naive.cl). */
#define HM_PLAIN_ROUND(x0, x1, x2, x3, k0, k1)                                                 \
    do {                                                                                       \
        hm_u64 p0_ = (hm_u64)(x0) * (hm_u32)PHILOX_M4x32_0;                                    \
        hm_u64 p1_ = (hm_u64)(x2) * (hm_u32)PHILOX_M4x32_1;                                    \
        (x0) = (hm_u32)(p1_ >> 32) ^ (x1) ^ (k0);                                              \
        (x1) = (hm_u32)p1_;                                                                    \
        (x2) = (hm_u32)(p0_ >> 32) ^ (x3) ^ (k1);                                              \
        (x3) = (hm_u32)p0_;                                                                    \
    } while (0)

/* The hits of block {c0, c1} in 32-bit words with 64-bit products, written out. */
HM_INLINE hm_u32 hm_block_hits_plain(hm_u32 k0, hm_u32 k1, hm_u32 c0, hm_u32 c1)
{
    hm_u32 x0 = c0, x1 = c1, x2 = 0, x3 = 0;
#define HM_PLAIN_ROUND_R(r)                                                                    \
    HM_PLAIN_ROUND(x0, x1, x2, x3, (hm_u32)(k0 + (r) * (hm_u32)PHILOX_W32_0),                  \
                   (hm_u32)(k1 + (r) * (hm_u32)PHILOX_W32_1))
    HM_PLAIN_ROUND_R(0u);
    HM_PLAIN_ROUND_R(1u);
    HM_PLAIN_ROUND_R(2u);
    HM_PLAIN_ROUND_R(3u);
    HM_PLAIN_ROUND_R(4u);
    HM_PLAIN_ROUND_R(5u);
    HM_PLAIN_ROUND_R(6u);
    HM_PLAIN_ROUND_R(7u);
    HM_PLAIN_ROUND_R(8u);
    HM_PLAIN_ROUND_R(9u);
#undef HM_PLAIN_ROUND_R
    return hm_hit(x0, x1) + hm_hit(x2, x3);
}

/* The kernel's forms of a block loop (HM_FORM_*; the host picks one kernel per form). */
#define HM_FORM_MULHI 0
#define HM_FORM_WIDE 1
#define HM_FORM_PLAIN 2

/* The hits of the n blocks {c, hi}, {c + 1, hi}, ... {c + n - 1, hi}: n is a run-time count,
 * the same for every work-item of a launch, and the loop counter is 32 bits wide. `form` picks
 * the block's form; each kernel passes a constant. Every loop is bounded so that each form fits
 * GPUs' register files (tests/opencl_portability.sh checks gfx90a <= 64 VGPRs, sm_90 <= 32
 * registers, no spills): the mul_hi form takes two blocks an iteration and is not unrolled
 * further (sm_90: 119 SASS instructions for 4 samples, against 61 for 2 one at a time; unrolled
 * by clang to 4 blocks or more it needed 68 to 286 VGPRs on gfx90a); the wide form stays one
 * block an iteration, which PoCL vectorises across iterations, two vectors in flight
 * (HM_WIDE_LOOP); the plain form is one block an iteration as a user writes it. */
HM_INLINE hm_u32 hm_item_hits(hm_u32 k0, hm_u32 k1, hm_u32 c, hm_u32 hi, hm_u32 n, int form)
{
    hm_u32 hits = 0, b = 0;
    if (form == HM_FORM_WIDE) {
        HM_WIDE_LOOP
        for (; b < n; b++)
            hits += hm_block_hits_wide(k0, k1, c + b, hi);
        return hits;
    }
    if (form == HM_FORM_PLAIN) {
        HM_NO_UNROLL
        for (; b < n; b++)
            hits += hm_block_hits_plain(k0, k1, c + b, hi);
        return hits;
    }
    HM_NO_UNROLL
    for (; n - b >= 2; b += 2)
        hits += hm_block_hits_r123(k0, k1, c + b, hi) + hm_block_hits_r123(k0, k1, c + b + 1, hi);
    if (b < n)
        hits += hm_block_hits_r123(k0, k1, c + b, hi);
    return hits;
}

/* The largest work-group the kernels take (their local array). */
#define HM_MAX_LOCAL 1024

#if HM_IS_OPENCL
/* The sum of v over the work-group, through local memory (s: one word per work-item); every
 * work-item calls it. A halving tree that works for any local size, odd ones included. */
HM_INLINE hm_u32 hm_group_sum(__local hm_u32 *s, hm_u32 v)
{
    hm_u32 l = (hm_u32)get_local_id(0), n = (hm_u32)get_local_size(0);
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    while (n > 1) {
        hm_u32 upper = (n + 1) / 2; /* s[upper..n) folds onto s[0..n - upper) */
        if (l + upper < n)
            s[l] += s[l + upper];
        barrier(CLK_LOCAL_MEM_FENCE);
        n = upper;
    }
    return s[0];
}

/* Work-item g counts the item_blocks blocks from {lo + g * item_blocks, hi}; work-items past
 * `items` (the padding up to a whole work-group) count nothing: the one bounds check. Each group
 * adds its sum to its 64-bit partial; groups [0, primed) already hold this run's partials from
 * earlier launches, the others are set. The host sums the partials once, at the end of a run. */
HM_INLINE void hm_mcpi(hm_u64 seed, hm_u32 lo, hm_u32 hi, hm_u32 items, hm_u32 item_blocks,
                       hm_u32 primed, HM_GLOBAL hm_u64 *partials, __local hm_u32 *scratch,
                       int form)
{
    hm_u32 g = (hm_u32)get_global_id(0), group = (hm_u32)get_group_id(0);
    hm_u32 h = hm_item_hits((hm_u32)seed, (hm_u32)(seed >> 32), lo + g * item_blocks, hi,
                            item_blocks, form);
    hm_u32 sum = hm_group_sum(scratch, g < items ? h : 0u);
    if (get_local_id(0) == 0)
        partials[group] = group < primed ? partials[group] + sum : sum;
}

/* The three forms of the same kernel: hm_mcpi_wide (64-bit lanes, what CPUs vectorised best so
 * far), hm_mcpi_mulhi (Random123 through mul_hi, what GPUs ran best) and hm_mcpi_plain (32-bit
 * words with 64-bit products, one block an iteration); the host times them on each device and
 * keeps the fastest (host/backends/opencl/opencl_tune.c), HETMC_CL_KERNEL picks one by hand. The local array is declared here, not passed as an
 * argument: clang 14 cannot generate NVPTX code for a __local argument compiled without
 * optimisation ("Cannot cast between two non-generic address spaces"). */
HM_KERNEL void hm_mcpi_wide(hm_u64 seed, hm_u32 lo, hm_u32 hi, hm_u32 items, hm_u32 item_blocks,
                            hm_u32 primed, HM_GLOBAL hm_u64 *partials)
{
    __local hm_u32 scratch[HM_MAX_LOCAL];
    hm_mcpi(seed, lo, hi, items, item_blocks, primed, partials, scratch, HM_FORM_WIDE);
}

HM_KERNEL void hm_mcpi_mulhi(hm_u64 seed, hm_u32 lo, hm_u32 hi, hm_u32 items,
                             hm_u32 item_blocks, hm_u32 primed, HM_GLOBAL hm_u64 *partials)
{
    __local hm_u32 scratch[HM_MAX_LOCAL];
    hm_mcpi(seed, lo, hi, items, item_blocks, primed, partials, scratch, HM_FORM_MULHI);
}

HM_KERNEL void hm_mcpi_plain(hm_u64 seed, hm_u32 lo, hm_u32 hi, hm_u32 items,
                             hm_u32 item_blocks, hm_u32 primed, HM_GLOBAL hm_u64 *partials)
{
    __local hm_u32 scratch[HM_MAX_LOCAL];
    hm_mcpi(seed, lo, hi, items, item_blocks, primed, partials, scratch, HM_FORM_PLAIN);
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
