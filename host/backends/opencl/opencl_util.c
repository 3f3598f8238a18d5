/* opencl_util.c - device enumeration and selection, program build, known answers on a device. */
#include "opencl_util.h"
#include "clock.h"
#include "numparse.h"

#include "hm_kernel_source.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

const char *hm_cl_strerror(cl_int code)
{
    static _Thread_local char buf[64];
    const char *name = "unknown OpenCL error";
    switch (code) {
#define E(x) case x: name = #x; break;
        E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
        E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
        E(CL_BUILD_PROGRAM_FAILURE) E(CL_INVALID_VALUE) E(CL_INVALID_DEVICE)
        E(CL_INVALID_WORK_GROUP_SIZE) E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_KERNEL_ARGS)
        E(CL_INVALID_BUFFER_SIZE) E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROGRAM_EXECUTABLE)
        E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_CONTEXT) E(CL_INVALID_KERNEL_NAME)
#undef E
    case CL_PLATFORM_NOT_FOUND_KHR: name = "CL_PLATFORM_NOT_FOUND_KHR"; break;
    default: break;
    }
    snprintf(buf, sizeof buf, "%s (%d)", name, (int)code);
    return buf;
}

static void info_str(cl_device_id d, cl_device_info what, char *buf, size_t len)
{
    if (clGetDeviceInfo(d, what, len, buf, NULL) != CL_SUCCESS)
        snprintf(buf, len, "unknown");
    buf[len - 1] = '\0';
}

/* Fills d with what hetmc reports of a device. */
static void describe(hm_cl_device *d, cl_platform_id platform, const char *pname, cl_device_id id)
{
    char ext[4096] = "";
    cl_device_type t = 0;
    memset(d, 0, sizeof *d);
    d->platform = platform;
    d->id = id;
    snprintf(d->platform_name, sizeof d->platform_name, "%s", pname);
    info_str(id, CL_DEVICE_NAME, d->name, sizeof d->name);
    info_str(id, CL_DEVICE_VENDOR, d->vendor, sizeof d->vendor);
    info_str(id, CL_DRIVER_VERSION, d->driver, sizeof d->driver);
    info_str(id, CL_DEVICE_VERSION, d->version, sizeof d->version);
    info_str(id, CL_DEVICE_OPENCL_C_VERSION, d->c_version, sizeof d->c_version);
    info_str(id, CL_DEVICE_EXTENSIONS, ext, sizeof ext);
    d->int64_atomics = strstr(ext, "cl_khr_int64_base_atomics") != NULL;
    clGetDeviceInfo(id, CL_DEVICE_TYPE, sizeof t, &t, NULL);
    d->type = (t & CL_DEVICE_TYPE_GPU)           ? "gpu"
              : (t & CL_DEVICE_TYPE_CPU)         ? "cpu"
              : (t & CL_DEVICE_TYPE_ACCELERATOR) ? "accelerator"
                                                 : "other";
    clGetDeviceInfo(id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof d->compute_units, &d->compute_units,
                    NULL);
    clGetDeviceInfo(id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_work_group,
                    &d->max_work_group, NULL);
}

/* The OpenCL platforms into *plats (*nplat of them), or why there are none. */
static int list_platforms(cl_platform_id **plats, cl_uint *nplat, hm_error *err)
{
    cl_int st = clGetPlatformIDs(0, NULL, nplat);
    if (st == CL_PLATFORM_NOT_FOUND_KHR || (st == CL_SUCCESS && *nplat == 0))
        return hm_fail(err, HM_EUNAVAIL, "no OpenCL platform found (ICD loader: %s); install "
                       "an OpenCL driver, e.g. pocl-opencl-icd for CPUs", hm_cl_strerror(st));
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EUNAVAIL, "clGetPlatformIDs: %s", hm_cl_strerror(st));
    *plats = calloc(*nplat, sizeof **plats);
    if (!*plats || clGetPlatformIDs(*nplat, *plats, NULL) != CL_SUCCESS)
        return hm_fail(err, HM_EUNAVAIL, "could not list OpenCL platforms");
    return HM_EOK;
}

/* Appends the devices of platform plat to *devs (*n of them so far); a platform without
 * devices (CL_DEVICE_NOT_FOUND) adds none. */
static int add_devices(cl_platform_id plat, hm_cl_device **devs, int *n, hm_error *err)
{
    cl_device_id *ids = NULL;
    cl_uint nd = 0;
    int rc = HM_EOK;
    if (clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || !nd)
        return HM_EOK;
    ids = calloc(nd, sizeof *ids);
    hm_cl_device *grown = realloc(*devs, (size_t)(*n + (int)nd) * sizeof **devs);
    if (grown)
        *devs = grown;
    if (!ids || !grown) {
        rc = hm_fail(err, HM_ENOMEM, "out of memory listing OpenCL devices");
        goto cleanup;
    }
    if (clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, nd, ids, NULL) != CL_SUCCESS)
        goto cleanup;
    char pname[128] = "unknown";
    clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof pname, pname, NULL);
    pname[sizeof pname - 1] = '\0';
    for (cl_uint k = 0; k < nd; k++)
        describe(&(*devs)[(*n)++], plat, pname, ids[k]);
cleanup:
    free(ids);
    return rc;
}

int hm_cl_devices(hm_cl_device **out, hm_error *err)
{
    cl_platform_id *plats = NULL;
    hm_cl_device *devs = NULL;
    cl_uint nplat = 0;
    int n = 0, rc;
    *out = NULL;

    if ((rc = list_platforms(&plats, &nplat, err)) < 0)
        goto cleanup;
    for (cl_uint p = 0; p < nplat; p++)
        if ((rc = add_devices(plats[p], &devs, &n, err)) < 0)
            goto cleanup;
    if (n == 0) {
        /* PoCL lists no device when POCL_DEVICES names none it has: say so, it is the likely
         * cause. */
        const char *pd = getenv("POCL_DEVICES");
        rc = hm_fail(err, HM_EUNAVAIL, "%u OpenCL platform%s but no device (CL_DEVICE_NOT_FOUND)"
                     "%s%.64s%s", nplat, nplat == 1 ? "" : "s",
                     pd ? "; POCL_DEVICES='" : "", pd ? pd : "",
                     pd ? "' names no device PoCL has (e.g. pthread, basic)" : "");
        goto cleanup;
    }
    *out = devs;
    devs = NULL;
    rc = n;
cleanup:
    free(devs);
    free(plats);
    return rc;
}

void hm_cl_device_list(const hm_cl_device *d, int n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%d: %s (%s)", i ? ", " : "", i, d[i].name,
                         d[i].type);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

/* Selectors that pick every device whose type is, or whose name contains, sel. */
static int any_device(const hm_cl_device *d, const char *sel)
{
    (void)d;
    (void)sel;
    return 1;
}

static int type_is(const hm_cl_device *d, const char *sel)
{
    return strcmp(d->type, sel) == 0;
}

static int name_has(const hm_cl_device *d, const char *sel)
{
    return contains_nocase(d->name, sel);
}

/* The indices of the devices match accepts into pick. Returns how many. */
static int pick_where(const hm_cl_device *devs, int n, const char *sel,
                      int (*match)(const hm_cl_device *, const char *), unsigned *pick)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        if (match(&devs[i], sel))
            pick[count++] = (unsigned)i;
    return count;
}

/* The devices selector names (list: all of them, for the message) into pick. Returns how
 * many, or an error. */
static int pick_devices(const char *selector, const hm_cl_device *devs, int n, unsigned *pick,
                        const char *list, hm_error *err)
{
    uint64_t v;
    if (!selector || !selector[0]) {
        pick[0] = 0; /* the documented default: the first device */
        return 1;
    }
    if (strcmp(selector, "all") == 0)
        return pick_where(devs, n, selector, any_device, pick);
    if (strcmp(selector, "gpu") == 0 || strcmp(selector, "cpu") == 0)
        return pick_where(devs, n, selector, type_is, pick);
    if (!isdigit((unsigned char)selector[0]))
        return pick_where(devs, n, selector, name_has, pick);
    if (hm_parse_u64(selector, &v) < 0 || v >= (uint64_t)n)
        return hm_fail(err, HM_EINVAL, "--device %s: no such device index; devices: %s",
                       selector, list);
    pick[0] = (unsigned)v;
    return 1;
}

int hm_cl_select(const char *selector, unsigned **idx, hm_error *err)
{
    hm_cl_device *devs = NULL;
    unsigned *pick = NULL;
    int n = hm_cl_devices(&devs, err), rc;
    char list[1024];
    *idx = NULL;
    if (n < 0)
        return n;
    pick = calloc((size_t)n, sizeof *pick);
    if (!pick) {
        rc = hm_fail(err, HM_ENOMEM, "out of memory");
        goto cleanup;
    }
    hm_cl_device_list(devs, n, list, sizeof list);
    if ((rc = pick_devices(selector, devs, n, pick, list, err)) < 0)
        goto cleanup;
    if (rc == 0) {
        rc = hm_fail(err, HM_EINVAL, "--device %s matches no device; accepted: an index, gpu, "
                     "cpu, all, or part of a name; devices: %s", selector, list);
        goto cleanup;
    }
    *idx = pick;
    pick = NULL;
cleanup:
    free(pick);
    free(devs);
    return rc;
}

/* The build options: OpenCL C 1.2, then HETMC_CL_OPTIONS (e.g. -cl-opt-disable). */
static void build_options(char *buf, size_t len)
{
    const char *extra = getenv("HETMC_CL_OPTIONS");
    snprintf(buf, len, "-cl-std=CL1.2%s%s", extra ? " " : "", extra ? extra : "");
}

int hm_cl_build(cl_context ctx, cl_device_id dev, cl_program *prog, double *build_s,
                hm_error *err)
{
    const char *src = hm_kernel_source;
    char options[512];
    cl_int st;
    *prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "clCreateProgramWithSource: %s", hm_cl_strerror(st));
    build_options(options, sizeof options);
    double t0 = hm_now();
    st = clBuildProgram(*prog, 1, &dev, options, NULL, NULL);
    *build_s = hm_now() - t0;
    if (st != CL_SUCCESS) {
        size_t len = 0;
        clGetProgramBuildInfo(*prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
        char *log = malloc(len + 1);
        if (log && clGetProgramBuildInfo(*prog, dev, CL_PROGRAM_BUILD_LOG, len, log, NULL) ==
                       CL_SUCCESS) {
            log[len] = '\0';
            fprintf(stderr, "hetmc: OpenCL build log:\n%s\n", log);
        }
        free(log);
        return hm_fail(err, HM_EDEVICE, "the kernel did not build with '%s': %s (build log on "
                       "stderr)", options, hm_cl_strerror(st));
    }
    return HM_EOK;
}

/* The kernel, buffers and queue of one known-answer check; released by kat_free. */
typedef struct kat_run {
    cl_context ctx;
    cl_command_queue q;
    cl_program prog;
    cl_kernel k;
    cl_mem in, out;
} kat_run;

static void kat_free(kat_run *k)
{
    if (k->in)
        clReleaseMemObject(k->in);
    if (k->out)
        clReleaseMemObject(k->out);
    if (k->k)
        clReleaseKernel(k->k);
    if (k->prog)
        clReleaseProgram(k->prog);
    if (k->q)
        clReleaseCommandQueue(k->q);
    if (k->ctx)
        clReleaseContext(k->ctx);
}

/* Builds the program, uploads the inputs (6 words each) and runs hm_philox_kat into out. */
static int kat_launch(kat_run *k, cl_device_id dev, const cl_uint *in, cl_uint *out,
                      unsigned n, hm_error *err)
{
    cl_int st;
    double build_s;
    cl_uint nn = n;
    size_t global = n;
    k->ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &st);
    if (st == CL_SUCCESS)
        k->q = clCreateCommandQueue(k->ctx, dev, 0, &st);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "context/queue: %s", hm_cl_strerror(st));
    int rc = hm_cl_build(k->ctx, dev, &k->prog, &build_s, err);
    if (rc < 0)
        return rc;
    k->k = clCreateKernel(k->prog, "hm_philox_kat", &st);
    if (st == CL_SUCCESS)
        k->in = clCreateBuffer(k->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                               (size_t)n * 6 * sizeof *in, (void *)in, &st);
    if (st == CL_SUCCESS)
        k->out = clCreateBuffer(k->ctx, CL_MEM_WRITE_ONLY, (size_t)n * 4 * sizeof *out, NULL,
                                &st);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(k->k, 0, sizeof k->in, &k->in);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(k->k, 1, sizeof k->out, &k->out);
    if (st == CL_SUCCESS)
        st = clSetKernelArg(k->k, 2, sizeof nn, &nn);
    if (st == CL_SUCCESS)
        st = clEnqueueNDRangeKernel(k->q, k->k, 1, NULL, &global, NULL, 0, NULL, NULL);
    if (st == CL_SUCCESS)
        st = clEnqueueReadBuffer(k->q, k->out, CL_TRUE, 0, (size_t)n * 4 * sizeof *out, out, 0,
                                 NULL, NULL);
    if (st != CL_SUCCESS)
        return hm_fail(err, HM_EDEVICE, "known-answer kernel: %s", hm_cl_strerror(st));
    return HM_EOK;
}

int hm_cl_kat(unsigned index, const hm_kat *vec, unsigned n, hm_error *err)
{
    hm_cl_device *devs = NULL;
    kat_run k = {0};
    cl_uint *host_in = calloc((size_t)n * 6 + 1, sizeof *host_in);
    cl_uint *host_out = calloc((size_t)n * 4 + 1, sizeof *host_out);
    int rc = hm_cl_devices(&devs, err);
    if (rc < 0)
        goto cleanup;
    if (index >= (unsigned)rc || !host_in || !host_out) {
        rc = hm_fail(err, HM_EINVAL, "no device %u", index);
        goto cleanup;
    }
    for (unsigned i = 0; i < n; i++) {
        memcpy(host_in + 6 * i, vec[i].ctr, sizeof vec[i].ctr);
        memcpy(host_in + 6 * i + 4, vec[i].key, sizeof vec[i].key);
    }
    if ((rc = kat_launch(&k, devs[index].id, host_in, host_out, n, err)) < 0)
        goto cleanup;
    for (unsigned i = 0; i < n; i++)
        for (int w = 0; w < 4; w++)
            rc += host_out[4 * i + (unsigned)w] != vec[i].out[w];
cleanup:
    kat_free(&k);
    free(devs);
    free(host_in);
    free(host_out);
    return rc;
}
