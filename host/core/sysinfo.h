/* sysinfo.h - facts about this machine and this process that defaults and provenance use. */
#ifndef HETMC_SYSINFO_H
#define HETMC_SYSINFO_H

#include <stddef.h>

/* Online core count (at least 1). */
unsigned hm_online_cores(void);
/* Host name and CPU model into buf (never fails; "unknown" when unreadable). */
void hm_hostname(char *buf, size_t len);
void hm_cpu_model(char *buf, size_t len);
/* Full path of the running binary (for spawn and for provenance); NULL if unreadable. */
const char *hm_self_exe(void);

#endif /* HETMC_SYSINFO_H */
