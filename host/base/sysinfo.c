/* sysinfo.c - facts about this machine and this process. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_* */
#include "sysinfo.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned hm_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

/* The affinity mask as hetmc first saw it, as a list of CPU numbers. */
static struct {
    pthread_once_t once;
    int cpu[CPU_SETSIZE];
    unsigned n;
} allowed = {.once = PTHREAD_ONCE_INIT};

static void read_allowed(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &set))
                allowed.cpu[allowed.n++] = c;
    if (allowed.n == 0) { /* unreadable: every online CPU */
        unsigned online = hm_online_cores();
        for (unsigned c = 0; c < online && c < CPU_SETSIZE; c++)
            allowed.cpu[allowed.n++] = (int)c;
    }
}

unsigned hm_allowed_cpus(void)
{
    pthread_once(&allowed.once, read_allowed);
    return allowed.n;
}

int hm_allowed_cpu(unsigned i)
{
    return allowed.cpu[i % hm_allowed_cpus()];
}

void hm_allowed_list(char *buf, size_t len)
{
    unsigned n = hm_allowed_cpus();
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && used < len; i++) {
        unsigned j = i;
        while (j + 1 < n && allowed.cpu[j + 1] == allowed.cpu[j] + 1)
            j++;
        if (j > i)
            used += (size_t)snprintf(buf + used, len - used, "%s%d-%d", i ? "," : "",
                                     allowed.cpu[i], allowed.cpu[j]);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "",
                                     allowed.cpu[i]);
        i = j;
    }
}

int hm_bind_pid(pid_t pid, unsigned k)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(hm_allowed_cpu(k), &set);
    return sched_setaffinity(pid, sizeof set, &set);
}

int hm_bind_cpu(unsigned k)
{
    return hm_bind_pid(0, k); /* 0: the calling thread */
}

void hm_hostname(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0 || !buf[0])
        snprintf(buf, len, "unknown");
    buf[len - 1] = '\0';
}

/* The first line of a small file, without its line break; 0, or -1 when unreadable. */
static int first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    int ok = f && fgets(buf, (int)len, f) != NULL;
    if (f)
        fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The value of the first "key : value" line of /proc/cpuinfo; 0, or -1 when none. */
static int cpuinfo_value(const char *key, char *buf, size_t len)
{
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    int found = -1;
    if (!f)
        return -1;
    while (found < 0 && fgets(line, sizeof line, f)) {
        char *v = strchr(line, ':');
        if (strncmp(line, key, strlen(key)) != 0 || !v)
            continue;
        v += strspn(v, ": \t");
        v[strcspn(v, "\n")] = '\0';
        snprintf(buf, len, "%s", v);
        found = 0;
    }
    fclose(f);
    return found;
}

/* Arm's cores by MIDR part number ("CPU part" of /proc/cpuinfo, implementer 0x41). */
static const char *arm_core_name(unsigned long part)
{
    static const struct {
        unsigned long part;
        const char *name;
    } cores[] = {
        {0xd03, "Cortex-A53"},   {0xd05, "Cortex-A55"},   {0xd07, "Cortex-A57"},
        {0xd08, "Cortex-A72"},   {0xd0b, "Cortex-A76"},   {0xd0c, "Neoverse-N1"},
        {0xd0d, "Cortex-A77"},   {0xd40, "Neoverse-V1"},  {0xd41, "Cortex-A78"},
        {0xd44, "Cortex-X1"},    {0xd46, "Cortex-A510"},  {0xd47, "Cortex-A710"},
        {0xd48, "Cortex-X2"},    {0xd49, "Neoverse-N2"},  {0xd4f, "Neoverse-V2"},
        {0xd80, "Cortex-A520"},  {0xd81, "Cortex-A720"},  {0xd82, "Cortex-X4"},
        {0xd84, "Neoverse-V3"},  {0xd8e, "Neoverse-N3"},
    };
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (cores[i].part == part)
            return cores[i].name;
    return NULL;
}

/* An ARM CPU, which /proc/cpuinfo names only by numbers: "Neoverse-V2 (implementer 0x41,
 * part 0xd4f)". -1 when there is no "CPU part" line (not ARM). */
static int arm_cpu_model(char *buf, size_t len)
{
    char part[32], impl[32] = "unknown";
    if (cpuinfo_value("CPU part", part, sizeof part) < 0)
        return -1;
    cpuinfo_value("CPU implementer", impl, sizeof impl);
    unsigned long p = strtoul(part, NULL, 0);
    const char *name = strtoul(impl, NULL, 0) == 0x41 ? arm_core_name(p) : NULL;
    snprintf(buf, len, "%s (implementer %s, part %s)", name ? name : "unknown core", impl, part);
    return 0;
}

void hm_cpu_model(char *buf, size_t len)
{
    if (cpuinfo_value("model name", buf, len) < 0 && arm_cpu_model(buf, len) < 0)
        snprintf(buf, len, "unknown");
}

#if defined(__aarch64__)
#include <sys/auxv.h>
#include <sys/prctl.h>
#ifndef PR_SVE_GET_VL
#define PR_SVE_GET_VL 51
#endif
#endif

void hm_cpu_isa(char *buf, size_t len)
{
#if defined(__aarch64__)
    /* HWCAP_ASIMD (1 << 1), HWCAP_SVE (1 << 22), HWCAP2_SVE2 (1 << 1) of asm/hwcap.h. */
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    int vl = (hw & (1UL << 22)) ? prctl(PR_SVE_GET_VL) : -1;
    char sve[48] = "";
    if (vl > 0) /* the low 16 bits: the vector length in bytes */
        snprintf(sve, sizeof sve, ", sve vector length %d bits", (vl & 0xffff) * 8);
    snprintf(buf, len, "aarch64%s%s%s%s", (hw & (1UL << 1)) ? " asimd" : "",
             (hw & (1UL << 22)) ? " sve" : "", (hw2 & (1UL << 1)) ? " sve2" : "", sve);
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    snprintf(buf, len, "x86-64%s%s%s", __builtin_cpu_supports("avx2") ? " avx2" : "",
             __builtin_cpu_supports("avx512f") ? " avx512f" : "",
             __builtin_cpu_supports("avx512dq") ? " avx512dq" : "");
#else
    snprintf(buf, len, "unknown");
#endif
}

#define CPUFREQ "/sys/devices/system/cpu/cpu0/cpufreq/"

void hm_cpu_governor(char *buf, size_t len)
{
    if (first_line(CPUFREQ "scaling_governor", buf, len) < 0)
        snprintf(buf, len, "unknown");
}

void hm_cpu_mhz(char *buf, size_t len)
{
    char cur[64] = "", max[64] = "";
    if (first_line(CPUFREQ "scaling_cur_freq", cur, sizeof cur) == 0)
        snprintf(cur, sizeof cur, "%.0f", atof(cur) / 1000.0); /* kHz */
    else if (cpuinfo_value("cpu MHz", cur, sizeof cur) == 0)
        snprintf(cur, sizeof cur, "%.0f", atof(cur));
    if (first_line(CPUFREQ "cpuinfo_max_freq", max, sizeof max) == 0)
        snprintf(max, sizeof max, "%.0f", atof(max) / 1000.0);
    snprintf(buf, len, "current %s%s, max %s%s", cur[0] ? cur : "unknown", cur[0] ? " MHz" : "",
             max[0] ? max : "unknown", max[0] ? " MHz" : "");
}

void hm_cpu_smt(char *buf, size_t len)
{
    if (first_line("/sys/devices/system/cpu/smt/control", buf, len) < 0)
        snprintf(buf, len, "unknown");
}

void hm_cpu_turbo(char *buf, size_t len)
{
    char v[16];
    /* intel_pstate says whether turbo is off; acpi-cpufreq whether boost is on. */
    if (first_line("/sys/devices/system/cpu/intel_pstate/no_turbo", v, sizeof v) == 0)
        snprintf(buf, len, "%s", v[0] == '0' ? "on" : "off");
    else if (first_line("/sys/devices/system/cpu/cpufreq/boost", v, sizeof v) == 0)
        snprintf(buf, len, "%s", v[0] == '1' ? "on" : "off");
    else
        snprintf(buf, len, "unknown");
}

void hm_loadavg(char *buf, size_t len)
{
    if (first_line("/proc/loadavg", buf, len) < 0)
        snprintf(buf, len, "unknown");
}

const char *hm_self_exe(void)
{
    static char path[PATH_MAX];
    const char *spawn_exe = getenv("HETMC_SPAWN_EXE");
    if (spawn_exe && spawn_exe[0])
        return spawn_exe;
    if (!path[0]) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n <= 0)
            return NULL;
        path[n] = '\0';
    }
    return path;
}

/* A non-negative integer environment variable, or -1. */
static long env_long(const char *name)
{
    const char *v = getenv(name);
    char *end = NULL;
    long n = v && *v ? strtol(v, &end, 10) : -1;
    return end && !*end && n >= 0 ? n : -1;
}

void hm_launcher(int *rank, int *size)
{
    static const char *const pairs[][2] = {
        {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
        {"PMI_RANK", "PMI_SIZE"},
        {"PMIX_RANK", NULL},
        {"SLURM_PROCID", "SLURM_STEP_NUM_TASKS"},
    };
    *rank = 0;
    *size = 1;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        long r = env_long(pairs[i][0]), n = pairs[i][1] ? env_long(pairs[i][1]) : -1;
        if (r < 0 || (!pairs[i][1] && r == 0))
            continue;
        if (i == 3 && n < 0)
            continue; /* a batch script, not a step of srun */
        *rank = (int)(r < INT_MAX ? r : INT_MAX);
        *size = n > r ? (int)(n < INT_MAX ? n : INT_MAX) : *rank + 1;
        return;
    }
}

static int quiet_stderr = -1;

int hm_quiet_rank(void)
{
    if (quiet_stderr >= 0)
        return quiet_stderr;
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    quiet_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
    return quiet_stderr;
}

void hm_quiet_restore(void)
{
    if (quiet_stderr < 0)
        return;
    fflush(stderr);
    dup2(quiet_stderr, STDERR_FILENO);
    close(quiet_stderr);
    quiet_stderr = -1;
}
