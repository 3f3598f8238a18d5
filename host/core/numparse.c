/*
 * numparse.c - the number forms the CLI accepts (docs/DESIGN.md):
 *   plain integers  1000000        hex       0x10
 *   powers          2^30           decimal exponent  1e8, 2.5e9
 *   SI suffixes     100K 100M 1G 1T 1P (powers of 1000; k also accepted)
 *   binary suffixes 64Ki 1Mi 1Gi 1Ti 1Pi (powers of 1024)
 * A fraction is allowed only where the result is a whole number (1.5G). Signs, spaces and
 * anything after the number are rejected; so is any value past 2^64 - 1.
 */
#include "numparse.h"

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

/* 0x hex, after the 0x. */
static int parse_hex(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    if (!isxdigit((unsigned char)*p))
        return -1;
    for (; isxdigit((unsigned char)*p); p++) {
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

/* A decimal exponent eE after a mantissa with nfrac fraction digits: value = mant * mult /
 * div. Returns 0, or -1 when malformed or out of range. */
static int parse_exponent(const char *p, int nfrac, uint64_t *mult, uint64_t *div)
{
    uint64_t e = 0;
    int ne;
    if (read_digits(&p, &e, &ne) < 0 || ne == 0 || *p)
        return -1;
    if (e >= (uint64_t)nfrac)
        return pow_ok(10, e - (uint64_t)nfrac, mult) ? 0 : -1;
    return pow_ok(10, (uint64_t)nfrac - e, div) ? 0 : -1;
}

/* An SI (K M G T P, powers of 1000) or binary (Ki Mi Gi Ti Pi, powers of 1024) suffix. Only
 * k may be lower case (1m would be ambiguous: milli or mega). */
static int parse_suffix(const char *p, int nfrac, uint64_t *mult, uint64_t *div)
{
    static const char units[] = "KMGTP";
    const char *u = strchr(units, toupper((unsigned char)*p));
    if (!u || !*p)
        return -1;
    uint64_t step = 1000;
    p++;
    if (*p == 'i') {
        step = 1024;
        p++;
    }
    if (*p || (*u != 'K' && p[-1] != 'i' && islower((unsigned char)p[-1])))
        return -1;
    if (!pow_ok(step, (uint64_t)(u - units) + 1, mult) || !pow_ok(10, (uint64_t)nfrac, div))
        return -1;
    return 0;
}

/* mant * mult / div exactly, or -1 when that is not a whole number or overflows. */
static int scale(uint64_t mant, uint64_t mult, uint64_t div, uint64_t *out)
{
    if (div > 1) {
        /* Divide what we can out of mult first, then the rest must divide mant. */
        uint64_t a = mult, b = div;
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
    return mul_ok(mant, mult, out) ? 0 : -1;
}

int hm_parse_u64(const char *text, uint64_t *out)
{
    const char *p = text;
    uint64_t mant = 0, mult = 1, div = 1;
    int nint, nfrac = 0;

    if (!text || !isdigit((unsigned char)*p))
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return parse_hex(p + 2, out);
    if (read_digits(&p, &mant, &nint) < 0)
        return -1;
    if (*p == '.') {
        p++;
        if (read_digits(&p, &mant, &nfrac) < 0 || nfrac == 0)
            return -1;
    }
    if (*p == '^') {
        uint64_t e = 0;
        int ne;
        p++;
        if (nfrac || read_digits(&p, &e, &ne) < 0 || ne == 0 || *p)
            return -1;
        return pow_ok(mant, e, out) ? 0 : -1;
    }
    if (*p == 'e' || *p == 'E') {
        if (parse_exponent(p + 1, nfrac, &mult, &div) < 0)
            return -1;
    } else if (*p) {
        if (parse_suffix(p, nfrac, &mult, &div) < 0)
            return -1;
    } else if (nfrac && !pow_ok(10, (uint64_t)nfrac, &div)) {
        return -1;
    }
    return scale(mant, mult, div, out);
}
