/*
 * numparse.c - the number forms the CLI accepts (shared/DESIGN.md):
 *   plain integers  1000000        hex       0x10
 *   powers          2^30           decimal exponent  1e8, 2.5e9
 *   SI suffixes     100K 100M 1G 1T 1P (powers of 1000; k also accepted)
 *   binary suffixes 64Ki 1Mi 1Gi 1Ti 1Pi (powers of 1024)
 * A fraction is allowed only where the result is a whole number (1.5G). Signs, spaces and
 * anything after the number are rejected; so is any value past 2^64 - 1.
 */
#include "hetmc.h"

#include <ctype.h>
#include <string.h>

static int mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static int pow_ok(uint64_t base, uint64_t exp, uint64_t *out)
{
    uint64_t v = 1;
    while (exp--) {
        if (!mul_ok(v, base, &v))
            return 0;
        if (v == 0 || (base <= 1))
            break;
    }
    *out = v;
    return 1;
}

/* Reads a run of decimal digits into *v; returns the count read, or -1 on overflow. */
static int read_digits(const char **p, uint64_t *v, int *ndigits)
{
    *ndigits = 0;
    while (isdigit((unsigned char)**p)) {
        if (!mul_ok(*v, 10, v) || __builtin_add_overflow(*v, (uint64_t)(**p - '0'), v))
            return -1;
        (*p)++;
        (*ndigits)++;
    }
    return 0;
}

int hm_parse_u64(const char *text, uint64_t *out)
{
    const char *p = text;
    uint64_t mant = 0, v;
    int nint, nfrac = 0;

    if (!text || !isdigit((unsigned char)*p))
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        if (!isxdigit((unsigned char)*p))
            return -1;
        for (v = 0; isxdigit((unsigned char)*p); p++) {
            int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
            if (v >> 60)
                return -1;
            v = v * 16 + (uint64_t)d;
        }
        if (*p)
            return -1;
        *out = v;
        return 0;
    }
    if (read_digits(&p, &mant, &nint) < 0)
        return -1;
    if (*p == '.') {
        p++;
        if (read_digits(&p, &mant, &nfrac) < 0 || nfrac == 0)
            return -1;
    }

    uint64_t mult = 1, div = 1;
    if (*p == '^') {
        uint64_t e = 0;
        int ne;
        p++;
        if (nfrac || read_digits(&p, &e, &ne) < 0 || ne == 0 || *p)
            return -1;
        if (!pow_ok(mant, e, out))
            return -1;
        return 0;
    } else if (*p == 'e' || *p == 'E') {
        uint64_t e = 0;
        int ne;
        p++;
        if (read_digits(&p, &e, &ne) < 0 || ne == 0 || *p)
            return -1;
        if (e >= (uint64_t)nfrac) {
            if (!pow_ok(10, e - (uint64_t)nfrac, &mult))
                return -1;
        } else if (!pow_ok(10, (uint64_t)nfrac - e, &div)) {
            return -1;
        }
    } else if (*p) {
        static const char units[] = "KMGTP";
        const char *u = strchr(units, toupper((unsigned char)*p));
        if (!u)
            return -1;
        uint64_t step = 1000;
        p++;
        if (*p == 'i') {
            step = 1024;
            p++;
        }
        if (*p || (*u != 'K' && p[-1] != 'i' && islower((unsigned char)p[-1])))
            return -1;
        if (!pow_ok(step, (uint64_t)(u - units) + 1, &mult))
            return -1;
        if (!pow_ok(10, (uint64_t)nfrac, &div))
            return -1;
    } else if (nfrac) {
        if (!pow_ok(10, (uint64_t)nfrac, &div))
            return -1;
    }
    /* value = mant * mult / div, exactly. */
    if (div > 1) {
        uint64_t g = div;
        /* Divide what we can out of mult first, then the rest must divide mant. */
        uint64_t a = mult, b = g;
        while (b) {
            uint64_t t = a % b;
            a = b;
            b = t;
        }
        mult /= a;
        div /= a;
        if (mant % div)
            return -1;
        mant /= div;
    }
    if (!mul_ok(mant, mult, out))
        return -1;
    return 0;
}
