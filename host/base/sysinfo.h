/* sysinfo.h - facts about this machine and this process that defaults and provenance use. */
#ifndef HETMC_SYSINFO_H
#define HETMC_SYSINFO_H

#include <stddef.h>
#include <sys/types.h>

/* Online core count (at least 1). */
unsigned hm_online_cores(void);

/* The CPUs this process may run on: its affinity mask (sched_getaffinity) as first read,
 * which taskset, cgroup cpusets and batch systems (Slurm's --cpus-per-task) narrow. The
 * default worker counts use it. At least 1. */
unsigned hm_allowed_cpus(void);
/* The number of allowed CPU i (i wraps around), in increasing order. */
int hm_allowed_cpu(unsigned i);
/* The allowed CPUs as a list: "0-3,6". */
void hm_allowed_list(char *buf, size_t len);
/* Pins the calling thread to allowed CPU k (wrapping around). Returns 0, or -1 with errno. */
int hm_bind_cpu(unsigned k);
/* Pins process pid (a worker just started) to allowed CPU k. Returns 0, or -1 with errno. */
int hm_bind_pid(pid_t pid, unsigned k);

/* Host name and CPU model into buf (never fails; "unknown" when unreadable). */
void hm_hostname(char *buf, size_t len);
void hm_cpu_model(char *buf, size_t len);
/* The vector ISA the host kernels choose from: "x86-64 avx2 avx512f ...", or on ARM
 * "aarch64 asimd sve sve2, sve vector length 128 bits" (getauxval, PR_SVE_GET_VL). On ARM
 * hm_cpu_model names the core from its MIDR part number ("Neoverse-V2 (implementer 0x41,
 * part 0xd4f)"), since /proc/cpuinfo has no model name there. */
void hm_cpu_isa(char *buf, size_t len);
/* Frequency facts from sysfs and /proc/cpuinfo (CPU 0), each "unknown" when unreadable:
 * the cpufreq governor; "current 2095 MHz, max 3500 MHz"; SMT "on", "off", "notsupported";
 * turbo "on" or "off". */
void hm_cpu_governor(char *buf, size_t len);
void hm_cpu_mhz(char *buf, size_t len);
void hm_cpu_smt(char *buf, size_t len);
void hm_cpu_turbo(char *buf, size_t len);
/* The load average as /proc/loadavg has it ("1.02 0.87 0.66 2/123 4567"), or "unknown". */
void hm_loadavg(char *buf, size_t len);

/* Full path of the running binary (for spawn and for provenance); NULL if unreadable. The
 * environment variable HETMC_SPAWN_EXE replaces it: under qemu-user, /proc/self/exe is a binary
 * the kernel cannot start, and a wrapper that starts it through the emulator can (the cross
 * build's tests/CMakeLists.txt writes one). */
const char *hm_self_exe(void);

/* The rank and number of ranks an MPI launcher gave this process, read from the environment
 * launchers set (Open MPI's OMPI_COMM_WORLD_*, PMI_* of MPICH, Intel MPI and srun --mpi=pmi2,
 * PMIX_RANK, Slurm's SLURM_PROCID with SLURM_STEP_NUM_TASKS); rank 0 of 1 without one. */
void hm_launcher(int *rank, int *size);
/* Makes this process write nothing (fd 1 and 2 to /dev/null), as ranks other than 0 do.
 * Returns a descriptor of the real stderr (for a last message), or -1; once per process. */
int hm_quiet_rank(void);
/* Puts the real stderr back (at exit, for sanitizer reports). */
void hm_quiet_restore(void);

#endif /* HETMC_SYSINFO_H */
