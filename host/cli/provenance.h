/* provenance.h - where a result came from: this build and this machine, one "key: value" line
 * each (hetmc --version, provenance.txt beside every matrix). */
#ifndef HETMC_PROVENANCE_H
#define HETMC_PROVENANCE_H

#include <stdio.h>

void hm_provenance_write(FILE *f);
const char *hm_build_flags(void);
const char *hm_git_commit(void);
const char *hm_compiler(void);

#endif /* HETMC_PROVENANCE_H */
