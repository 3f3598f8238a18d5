/* registry.c - every backend built into this binary, in the order the CLI lists them. */
#include "hetmc.h"

#include <stdio.h>
#include <string.h>

#define HM_BACKEND(name) extern const hm_backend hm_backend_##name;
#include "backends.def"
#undef HM_BACKEND

static const hm_backend *const registry[] = {
#define HM_BACKEND(name) &hm_backend_##name,
#include "backends.def"
#undef HM_BACKEND
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

const hm_backend *hm_backend_reference(void)
{
    for (size_t i = 0; i < hm_backend_count(); i++)
        if (registry[i]->flags & HM_REFERENCE)
            return registry[i];
    return NULL;
}

int hm_backend_is_reference(const char *name)
{
    const hm_backend *b = hm_backend_find(name);
    return b && (b->flags & HM_REFERENCE);
}

void hm_backend_early_init(const hm_backend *b, const hm_config *cfg)
{
    if (b) {
        if (b->early_init)
            b->early_init(cfg);
        return;
    }
    hm_config defaults = {.workers = 1};
    for (size_t i = 0; i < hm_backend_count(); i++)
        if (registry[i]->early_init)
            registry[i]->early_init(&defaults);
}
