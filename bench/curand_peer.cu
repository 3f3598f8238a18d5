/*
 * curand_peer.cu - the peer that bench/device.sh counts SASS instructions against: cuRAND's
 * Philox4x32-10 the way CUDA programs draw from it, one curand4() (four words, two samples) an
 * iteration of a per-thread loop, the same exact integer hit test as hetmc, one total per
 * thread. Only compiled (nvcc -arch=sm_90 -cubin) and disassembled, never run; curand_kat runs
 * exactly one Philox4x32-10, so the script can tell how many blocks an iteration of the loop
 * holds.
 */
#include <curand_kernel.h>

__device__ __forceinline__ unsigned hit(unsigned x, unsigned y)
{
    return (unsigned long long)y * y <= ~((unsigned long long)x * x) ? 1u : 0u;
}

extern "C" __global__ void curand_count(unsigned long long seed, unsigned n,
                                        unsigned long long *totals)
{
    unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
    curandStatePhilox4_32_10_t st;
    curand_init(seed, g, 0, &st);
    unsigned hits = 0;
    for (unsigned i = 0; i < n; i++) {
        uint4 r = curand4(&st);
        hits += hit(r.x, r.y) + hit(r.z, r.w);
    }
    totals[g] = hits;
}

extern "C" __global__ void curand_kat(const uint4 *ctr, const uint2 *key, uint4 *out)
{
    unsigned g = blockIdx.x * blockDim.x + threadIdx.x;
    out[g] = curand_Philox4x32_10(ctr[g], key[g]);
}
