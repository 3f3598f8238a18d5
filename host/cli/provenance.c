/* provenance.c - where a result came from: this build, this machine. */
#define _POSIX_C_SOURCE 200809L
#include "provenance.h"

#include "hetmc.h"
#include "kernel.h"
#include "sysinfo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#if HETMC_HAVE_OPENCL
#include "opencl_tune.h"
#include "opencl_util.h"
#endif
#if HETMC_HAVE_MPI
#include "mpi/mpi_env.h"
#endif

#include "hetmc_git_commit.h" /* generated at build time by cmake/gitcommit.cmake */
#ifndef HETMC_BUILD_FLAGS
#define HETMC_BUILD_FLAGS "unknown"
#endif

const char *hm_git_commit(void)
{
    return HETMC_GIT_COMMIT;
}

const char *hm_build_flags(void)
{
    return HETMC_BUILD_FLAGS;
}

const char *hm_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}


/* One line per OpenCL device: index, name, platform and its version, driver version. */
static void opencl_lines(FILE *f)
{
#if HETMC_HAVE_OPENCL
    hm_cl_device *d = NULL;
    hm_error err = {0};
    int n = hm_cl_devices(&d, &err);
    if (n < 0)
        fprintf(f, "opencl: %s\n", err.msg);
    for (int i = 0; i < n; i++) {
        char version[256] = "unknown";
        if (clGetPlatformInfo(d[i].platform, CL_PLATFORM_VERSION, sizeof version, version,
                              NULL) != CL_SUCCESS)
            snprintf(version, sizeof version, "unknown");
        version[sizeof version - 1] = '\0';
        fprintf(f, "opencl_device: %d: %s | platform %s, %s | driver %s | %s\n", i, d[i].name,
                d[i].platform_name, version, d[i].driver, d[i].version);
        hm_cl_tune_describe(&d[i], version, sizeof version);
        fprintf(f, "opencl_kernel_form: %d: %s\n", i, version);
    }
    free(d);
#else
    fprintf(f, "opencl: not built into this binary\n");
#endif
}

/* The MPI library this binary runs and the launcher that started this process (with its PMI). */
static void mpi_lines(FILE *f)
{
#if HETMC_HAVE_MPI
    char buf[256];
    hm_mpi_library(buf, sizeof buf);
    fprintf(f, "mpi_library: %s\n", buf);
    hm_mpi_launcher(buf, sizeof buf);
    fprintf(f, "mpi_launcher: %s\n", buf);
#else
    fprintf(f, "mpi: not built into this binary\n");
#endif
}

/* The CPU as the scheduler sees it: affinity, frequency policy, SMT, turbo. */
static void cpu_lines(FILE *f)
{
    char buf[256];
    hm_allowed_list(buf, sizeof buf);
    fprintf(f, "cpu_affinity: %s (%u CPU%s)\n", buf, hm_allowed_cpus(),
            hm_allowed_cpus() == 1 ? "" : "s");
    hm_cpu_governor(buf, sizeof buf);
    fprintf(f, "cpu_governor: %s\n", buf);
    hm_cpu_mhz(buf, sizeof buf);
    fprintf(f, "cpu_mhz: %s\n", buf);
    hm_cpu_smt(buf, sizeof buf);
    fprintf(f, "smt: %s\n", buf);
    hm_cpu_turbo(buf, sizeof buf);
    fprintf(f, "turbo: %s\n", buf);
}

void hm_provenance_write(FILE *f)
{
    char host[256], cpu[256], when[64];
    struct utsname u;
    time_t now = time(NULL);
    struct tm tm;

    hm_hostname(host, sizeof host);
    hm_cpu_model(cpu, sizeof cpu);
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "hetmc_version: %s\n", HM_VERSION);
    fprintf(f, "csv_format_version: %d\n", HM_CSV_FORMAT_VERSION);
    fprintf(f, "git_commit: %s\n", hm_git_commit());
    fprintf(f, "compiler: %s\n", hm_compiler());
    fprintf(f, "build_flags: %s\n", hm_build_flags());
    if (uname(&u) == 0)
        fprintf(f, "os: %s %s %s\n", u.sysname, u.release, u.machine);
    fprintf(f, "host: %s\n", host);
    fprintf(f, "cpu_model: %s\n", cpu);
    fprintf(f, "online_cores: %u\n", hm_online_cores());
    cpu_lines(f);
    hm_cpu_isa(cpu, sizeof cpu);
    fprintf(f, "cpu_isa: %s\n", cpu);
    fprintf(f, "host_kernel: %s (%s)\n", hm_kernel_name(), hm_kernel_how());
    double cost = 0.0;
    const char *rates = hm_kernel_rates(&cost);
    fprintf(f, "host_kernel_rates: %s (samples/s at 1 thread; choice %.3f s)\n", rates, cost);
    fprintf(f, "date_utc: %s\n", when);
    char names[256];
    hm_backend_names(names, sizeof names);
    fprintf(f, "backends: %s\n", names);
    mpi_lines(f);
    opencl_lines(f);
}
