/* kernel.c - the host side of the one kernel: mcpi.cl compiled as C. */
#include "hetmc.h"

#include "mcpi.cl"

uint64_t hm_reference_hits(uint64_t seed, uint64_t first, uint64_t count)
{
    return hm_count_plain(seed, first, count);
}

uint64_t hm_kernel_hits(uint64_t seed, uint64_t first, uint64_t count)
{
    return hm_count_fast(seed, first, count);
}

void hm_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t r = hm_philox(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]);
    for (int i = 0; i < 4; i++)
        out[i] = r.v[i];
}
