/* numparse.h - the number forms the command line accepts. */
#ifndef HETMC_NUMPARSE_H
#define HETMC_NUMPARSE_H

#include <stdint.h>

/* Why a text is not an accepted number (hm_parse_u64's negative results). */
enum {
    HM_PARSE_SYNTAX = -1,   /* not one of the forms at all */
    HM_PARSE_RANGE = -2,    /* a whole number past 2^64 - 1 */
    HM_PARSE_FRACTION = -3, /* well formed, but its value is not a whole number (1.5, 15e-1) */
};

/* Plain integers, 1e8, 2.5e9, 10e-1, 2^30, 100M/1G (SI), 64Ki/1Gi (binary), 0x hex. Returns 0
 * and the value, or one of the HM_PARSE_* codes above. */
int hm_parse_u64(const char *text, uint64_t *out);

/* "not a number", "out of range", "not a whole number" for a code of hm_parse_u64. */
const char *hm_parse_strerror(int code);

#endif /* HETMC_NUMPARSE_H */
