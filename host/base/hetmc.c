/* hetmc.c - the small functions of hetmc.h: errors, results, slicing, hashing. */
#define _POSIX_C_SOURCE 200809L
#include "hetmc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
    r->create_s = r->balance = NAN;
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

uint64_t hm_fnv1a(const void *p, size_t len)
{
    const unsigned char *b = p;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
