/*
 * naive.cl - the reference that bench/device.sh measures hetmc against: the hetmc stream
 * (docs/STREAM.md) written the way a competent user writes it first in OpenCL C. Each work-item
 * takes its own contiguous range of Philox blocks, computed once with a 64-bit counter (items
 * split nblocks as evenly as integer division allows), loops over it with no bounds check
 * inside, runs Random123's philox4x32 with the settings its headers choose for OpenCL, adds both
 * samples' hits to a private counter and writes one total; the host sums the totals. PoCL
 * vectorises this loop across work-items in 32-bit lanes. It must count exactly what hetmc
 * counts (the benchmark checks both against the host). naive_philox runs exactly one
 * Philox4x32-10, so that bench/sass_loop.py can tell how many blocks an iteration of the
 * compiled loop holds.
 */
#include <Random123/philox.h>

__kernel void naive_count(ulong seed, ulong j0, ulong nblocks, __global ulong *totals)
{
    ulong g = get_global_id(0), items = get_global_size(0);
    ulong begin = j0 + g * nblocks / items, end = j0 + (g + 1) * nblocks / items;
    philox4x32_key_t k = {{(uint)seed, (uint)(seed >> 32)}};
    uint hits = 0;
    for (ulong j = begin; j < end; j++) {
        philox4x32_ctr_t c = {{(uint)j, (uint)(j >> 32), 0, 0}};
        philox4x32_ctr_t r = philox4x32(c, k);
        hits += (ulong)r.v[1] * r.v[1] <= ~((ulong)r.v[0] * r.v[0]) ? 1u : 0u;
        hits += (ulong)r.v[3] * r.v[3] <= ~((ulong)r.v[2] * r.v[2]) ? 1u : 0u;
    }
    totals[g] = hits;
}

__kernel void naive_philox(__global const uint *in, __global uint *out)
{
    size_t i = get_global_id(0);
    philox4x32_ctr_t c = {{in[6 * i], in[6 * i + 1], in[6 * i + 2], in[6 * i + 3]}};
    philox4x32_key_t k = {{in[6 * i + 4], in[6 * i + 5]}};
    philox4x32_ctr_t r = philox4x32(c, k);
    for (int w = 0; w < 4; w++)
        out[4 * i + w] = r.v[w];
}
