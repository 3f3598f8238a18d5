/* numparse.h - the number forms the command line accepts. */
#ifndef HETMC_NUMPARSE_H
#define HETMC_NUMPARSE_H

#include <stdint.h>

/* Plain integers, 1e8, 2^30, 100M/1G (SI), 64Ki/1Gi (binary), 0x hex. Returns 0 and the
 * value, or -1 for text that is not such a number or overflows 64 bits. */
int hm_parse_u64(const char *text, uint64_t *out);

#endif /* HETMC_NUMPARSE_H */
