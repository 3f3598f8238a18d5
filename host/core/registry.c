/* registry.c - every backend built into this binary, in the order the CLI lists them. */
#include "hetmc.h"

#include <stdio.h>
#include <string.h>

extern const hm_backend hm_backend_serial;
extern const hm_backend hm_backend_threads;
extern const hm_backend hm_backend_fork;
extern const hm_backend hm_backend_forkserver;
extern const hm_backend hm_backend_pool;
extern const hm_backend hm_backend_spawn;
extern const hm_backend hm_backend_coexec;
#if HETMC_HAVE_OPENMP
extern const hm_backend hm_backend_openmp;
#endif
#if HETMC_HAVE_OPENCL
extern const hm_backend hm_backend_opencl;
#endif
#if HETMC_HAVE_MPI
extern const hm_backend hm_backend_mpi;
#endif

static const hm_backend *const registry[] = {
    &hm_backend_serial,
#if HETMC_HAVE_OPENMP
    &hm_backend_openmp,
#endif
    &hm_backend_threads,
    &hm_backend_fork,
    &hm_backend_forkserver,
    &hm_backend_pool,
    &hm_backend_spawn,
#if HETMC_HAVE_OPENCL
    &hm_backend_opencl,
#endif
    &hm_backend_coexec,
#if HETMC_HAVE_MPI
    &hm_backend_mpi,
#endif
};

size_t hm_backend_count(void)
{
    return sizeof registry / sizeof registry[0];
}

const hm_backend *hm_backend_at(size_t i)
{
    return i < hm_backend_count() ? registry[i] : NULL;
}

const hm_backend *hm_backend_find(const char *name)
{
    for (size_t i = 0; i < hm_backend_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *hm_backends_missing(void)
{
    return ""
#if !HETMC_HAVE_OPENMP
           "openmp (built with HETMC_OPENMP=OFF or no OpenMP compiler support)\n"
#endif
#if !HETMC_HAVE_OPENCL
           "opencl (built with HETMC_OPENCL=OFF or OpenCL not found: install ocl-icd-opencl-dev "
           "opencl-headers)\n"
#endif
#if !HETMC_HAVE_MPI
           "mpi (built with HETMC_MPI=OFF or MPI not found: install libopenmpi-dev)\n"
#endif
        ;
}

void hm_backend_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < hm_backend_count() && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", registry[i]->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
