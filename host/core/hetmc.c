/* util.c - errors, slicing, validation and small system facts shared by every part. */
#define _POSIX_C_SOURCE 200809L
#include "hetmc.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

const char *hm_strerror(int code)
{
    switch (code) {
#define HM_ERRNO_CASE(name, val, msg)                                                        \
    case HM_E##name:                                                                         \
        return msg;
        HM_ERRNO_MAP(HM_ERRNO_CASE)
#undef HM_ERRNO_CASE
    }
    return "unknown error";
}

int hm_fail(hm_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void hm_result_init(hm_result *r)
{
    memset(r, 0, sizeof *r);
    r->setup_s = r->compute_s = r->collect_s = NAN;
    r->build_s = r->kernel_s = r->transfer_s = NAN;
    snprintf(r->device, sizeof r->device, "cpu");
    snprintf(r->timer, sizeof r->timer, "host-monotonic");
}

void hm_slice(uint64_t first, uint64_t count, unsigned parts, unsigned k, uint64_t *a,
              uint64_t *n)
{
    uint64_t base = count / parts, extra = count % parts;
    /* The first `extra` slices get one more sample. */
    *a = first + base * k + (k < extra ? k : extra);
    *n = base + (k < extra ? 1 : 0);
}

double hm_pi_estimate(uint64_t hits, uint64_t samples)
{
    return samples ? 4.0 * (double)hits / (double)samples : NAN;
}

int hm_validate(uint64_t hits, uint64_t samples, double *sigmas)
{
    const double pi = 3.14159265358979323846;
    *sigmas = NAN;
    if (hits > samples)
        return 0;
    if (samples == 0)
        return 1;
    double p = (double)hits / (double)samples;
    double se = 4.0 * sqrt(p * (1.0 - p) / (double)samples);
    double dist = fabs(4.0 * p - pi);
    *sigmas = se > 0 ? dist / se : (dist > 0 ? INFINITY : 0.0);
    if (samples < HM_VALIDATE_MIN_SAMPLES)
        return 1;
    return *sigmas <= HM_VALIDATE_SIGMA;
}

unsigned hm_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}
