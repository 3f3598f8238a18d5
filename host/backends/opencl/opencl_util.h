/*
 * opencl_util.h - OpenCL devices through the ICD loader: one stable index across platforms,
 * selection by --device, and the pieces `hetmc devices` and `hetmc verify` share with the
 * opencl backend. Only built when HETMC_HAVE_OPENCL.
 */
#ifndef HETMC_OPENCL_UTIL_H
#define HETMC_OPENCL_UTIL_H

#include "golden.h"
#include "hetmc.h"

#include <CL/cl.h>

typedef struct hm_cl_device {
    cl_platform_id platform;
    cl_device_id id;
    char name[128], vendor[128], platform_name[128], driver[64], version[128], c_version[64];
    const char *type; /* "gpu", "cpu", "accelerator", "other" */
    cl_uint compute_units;
    size_t max_work_group;
    int int64_atomics;
} hm_cl_device;

/* Every device of every platform, in platform then device order. Returns the count (> 0) and
 * *out (malloc'ed), or HM_EUNAVAIL with the reason (no platform, no device) in err. */
int hm_cl_devices(hm_cl_device **out, hm_error *err);

/* "0: name (cpu), 1: ..." into buf. */
void hm_cl_device_list(const hm_cl_device *d, int n, char *buf, size_t len);

/* The select_devices hook: index, gpu, cpu, all, or a case-insensitive part of the name. */
int hm_cl_select(const char *selector, unsigned **idx, hm_error *err);

/* Name of an OpenCL error code, e.g. "CL_OUT_OF_RESOURCES (-5)". */
const char *hm_cl_strerror(cl_int code);

/* Builds the baked-in kernel for one device; on failure prints the build log to stderr.
 * *build_s gets the clBuildProgram time (host monotonic clock). */
int hm_cl_build(cl_context ctx, cl_device_id dev, cl_program *prog, double *build_s,
                hm_error *err);

/* Runs the Philox known-answer vectors on device `index`. Returns the number of mismatched
 * words (>= 0) or a negative HM_E* code. */
int hm_cl_kat(unsigned index, const hm_kat *vec, unsigned n, hm_error *err);

#endif
