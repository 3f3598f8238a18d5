/*
 * golden.h - the known answers every check reads (hetmc verify and every test): Random123's
 * known-answer vectors of philox4x32-10, and the golden counts of the stream (docs/STREAM.md).
 */
#ifndef HETMC_GOLDEN_H
#define HETMC_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

/* philox4x32_10(counter, key) = out, from Random123's kat_vectors. */
typedef struct hm_kat {
    uint32_t ctr[4], key[2], out[4];
} hm_kat;

/* hits(seed, N): samples 0 .. N-1 of the stream of seed. */
typedef struct hm_golden {
    uint64_t seed, samples, hits;
} hm_golden;

extern const hm_kat hm_kats[];
extern const size_t hm_nkats;
extern const hm_golden hm_goldens[];
extern const size_t hm_ngoldens;

#endif /* HETMC_GOLDEN_H */
