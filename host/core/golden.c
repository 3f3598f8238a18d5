/* golden.c - the one table of known answers; docs/STREAM.md lists the same values. */
#include "golden.h"

const hm_kat hm_kats[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};
const size_t hm_nkats = sizeof hm_kats / sizeof hm_kats[0];

const hm_golden hm_goldens[] = {
    {0, 0, 0},
    {42, 7, 5},
    {0, 1000001, 784446},
    {UINT64_C(18446744073709551615), 1000, 778},
    {42, 100000000, 78539599},
};
const size_t hm_ngoldens = sizeof hm_goldens / sizeof hm_goldens[0];
