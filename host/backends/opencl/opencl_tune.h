/*
 * opencl_tune.h - the opencl backend's choice of kernel form and launch shape per device:
 * forced by HETMC_CL_KERNEL, else taken from the cache of measured choices (tunecache.h), else
 * measured at prepare (each form of kernels/mcpi.cl with a few local sizes and blocks per
 * work-item, the fastest kept and cached under a key of device, driver and hetmc build).
 */
#ifndef HETMC_OPENCL_TUNE_H
#define HETMC_OPENCL_TUNE_H

#include "opencl_util.h"

/* The forms of kernels/mcpi.cl; the kernel of form f is hm_mcpi_<f>. */
#define HM_CL_NFORMS 3
extern const char *const hm_cl_forms[HM_CL_NFORMS];

/* What the tuner chose. local and item_blocks are 0 when the backend's defaults apply (forced
 * form with no size asked). */
typedef struct hm_cl_choice {
    const char *form; /* one of hm_cl_forms */
    size_t local;
    unsigned item_blocks;
    const char *how;  /* "measured", "cached" or "forced by HETMC_CL_KERNEL" */
    double cost_s;    /* host seconds prepare spent choosing (measuring or reading the cache) */
    char rates[160];  /* the best rate of each form measured (samples/s), or empty */
} hm_cl_choice;

/* Chooses the form, local size and blocks per work-item for dev with its built program.
 * asked_local / asked_ib: --local-size / --item-blocks (0: free to choose). HM_EOK, or
 * HM_EINVAL for a bad HETMC_CL_KERNEL, HM_EDEVICE when no form runs. */
int hm_cl_tune(cl_context ctx, cl_command_queue q, cl_program prog, const hm_cl_device *dev,
               size_t asked_local, unsigned asked_ib, hm_cl_choice *out, hm_error *err);

/* For provenance: what a run with no sizes asked would take on dev ("cached: wide 256 256 ...",
 * "... (forced by HETMC_CL_KERNEL)" or "not measured yet"), without measuring. */
void hm_cl_tune_describe(const hm_cl_device *dev, char *buf, size_t len);

#endif /* HETMC_OPENCL_TUNE_H */
