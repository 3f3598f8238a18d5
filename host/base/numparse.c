/*
 * numparse.c - the number forms the CLI accepts (docs/DESIGN.md):
 *   plain integers  1000000        hex               0x10
 *   powers          2^30           decimal exponent  1e8, 2.5e9, 10e-1, 1e+3
 *   SI suffixes     100K 100M 1G 1T 1P (powers of 1000; k also accepted)
 *   binary suffixes 64Ki 1Mi 1Gi 1Ti 1Pi (powers of 1024; exactly this case)
 * A fraction or a negative exponent is fine wherever the value is a whole number (1.5G, 10e-1);
 * 1.5 and 15e-1 are not. Signs, spaces and anything after the number are rejected, and so is
 * any value past 2^64 - 1 ("out of range", told apart from text that is not a number).
 *
 * The value is kept exact as mant * 2^twos * 5^fives: decimal exponents and fraction digits
 * move both counts, SI suffixes add 3 to both per step, binary ones 10 to twos. Divisions come
 * first, so a value that is not whole is found before anything can overflow.
 */
#include "numparse.h"

#include <ctype.h>
#include <string.h>

/* Beyond this a decimal exponent cannot give a value in range (or a whole one). */
#define EXP_CAP 4096

const char *hm_parse_strerror(int code)
{
    switch (code) {
    case HM_PARSE_RANGE:
        return "out of range";
    case HM_PARSE_FRACTION:
        return "not a whole number";
    default:
        return "not a number";
    }
}

/* Reads decimal digits into *v (trailing zeros of the run are counted in *zeros rather than
 * multiplied in, so 100000000000000000000e-5 still fits). Returns the digits read, or -1 when
 * the significant part overflows 64 bits. */
static int read_mantissa(const char **p, uint64_t *v, int64_t *zeros)
{
    int n = 0;
    for (; isdigit((unsigned char)**p); (*p)++, n++) {
        unsigned d = (unsigned)(**p - '0');
        if (d == 0) {
            (*zeros)++;
            continue;
        }
        for (; *zeros > 0; (*zeros)--)
            if (__builtin_mul_overflow(*v, 10, v))
                return -1;
        if (__builtin_mul_overflow(*v, 10, v) || __builtin_add_overflow(*v, d, v))
            return -1;
    }
    return n;
}

/* Reads an unsigned exponent, capped at EXP_CAP. Returns the digits read. */
static int read_exponent(const char **p, int64_t *e)
{
    int n = 0;
    *e = 0;
    for (; isdigit((unsigned char)**p); (*p)++, n++)
        if (*e < EXP_CAP)
            *e = *e * 10 + (**p - '0');
    return n;
}

/* v *= base^e (e >= 0) or v /= base^-e exactly (e < 0). */
static int apply(uint64_t *v, uint64_t base, int64_t e)
{
    for (; e < 0; e++) {
        if (*v % base)
            return HM_PARSE_FRACTION;
        *v /= base;
    }
    for (; e > 0 && *v; e--)
        if (__builtin_mul_overflow(*v, base, v))
            return HM_PARSE_RANGE;
    return 0;
}

/* 0x hex, after the 0x. */
static int parse_hex(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    if (!isxdigit((unsigned char)*p))
        return HM_PARSE_SYNTAX;
    for (; isxdigit((unsigned char)*p); p++) {
        int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
        if (v >> 60)
            return strspn(p, "0123456789abcdefABCDEF") == strlen(p) ? HM_PARSE_RANGE
                                                                     : HM_PARSE_SYNTAX;
        v = v * 16 + (uint64_t)d;
    }
    if (*p)
        return HM_PARSE_SYNTAX;
    *out = v;
    return 0;
}

/* B^E after the base B (digits only on both sides). */
static int parse_power(uint64_t base, const char *p, uint64_t *out)
{
    int64_t e;
    if (read_exponent(&p, &e) == 0 || *p)
        return HM_PARSE_SYNTAX;
    uint64_t v = 1;
    for (int64_t i = 0; i < e && v > 0 && base != 1; i++)
        if (__builtin_mul_overflow(v, base, &v))
            return HM_PARSE_RANGE;
    *out = v;
    return 0;
}

/* What follows the digits: nothing, an exponent eE[+-]N, or one suffix. Adds to the counts of
 * twos and fives. */
static int parse_tail(const char *p, int64_t *twos, int64_t *fives)
{
    static const char units[] = "KMGTP";
    if (!*p)
        return 0;
    if (*p == 'e' || *p == 'E') {
        int neg = p[1] == '-';
        int64_t e;
        p += 1 + (p[1] == '-' || p[1] == '+');
        if (read_exponent(&p, &e) == 0 || *p)
            return HM_PARSE_SYNTAX;
        *twos += neg ? -e : e;
        *fives += neg ? -e : e;
        return 0;
    }
    const char *u = *p ? strchr(units, toupper((unsigned char)*p)) : NULL;
    if (!u)
        return HM_PARSE_SYNTAX;
    int64_t step = u - units + 1;
    if (p[1] == 'i' && !p[2] && isupper((unsigned char)*p)) { /* binary: Ki Mi Gi Ti Pi */
        *twos += 10 * step;
        return 0;
    }
    if (p[1] || (islower((unsigned char)*p) && *p != 'k')) /* 1m would be milli or mega */
        return HM_PARSE_SYNTAX;
    *twos += 3 * step;
    *fives += 3 * step;
    return 0;
}

int hm_parse_u64(const char *text, uint64_t *out)
{
    const char *p = text;
    uint64_t v = 0;
    int64_t zeros = 0, twos, fives;
    int rc;

    if (!text || !isdigit((unsigned char)*p))
        return HM_PARSE_SYNTAX;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return parse_hex(p + 2, out);
    int nint = read_mantissa(&p, &v, &zeros), nfrac = 0;
    int big = nint < 0;
    if (big)
        p += strspn(p, "0123456789");
    if (*p == '^') {
        if (big || apply(&v, 10, zeros) < 0)
            return strspn(p + 1, "0123456789") == strlen(p + 1) && p[1] ? HM_PARSE_RANGE
                                                                       : HM_PARSE_SYNTAX;
        return parse_power(v, p + 1, out);
    }
    if (*p == '.') {
        p++;
        if (!big) {
            const char *start = p;
            int got = read_mantissa(&p, &v, &zeros);
            big = got < 0;
            nfrac = big ? 0 : (int)(p - start);
        }
        if (big)
            p += strspn(p, "0123456789");
        if (p[-1] == '.')
            return HM_PARSE_SYNTAX; /* "1." */
    }
    twos = fives = zeros - nfrac;
    if ((rc = parse_tail(p, &twos, &fives)) < 0)
        return rc;
    if (big)
        return HM_PARSE_RANGE;
    /* Divisions first: a value that is not whole is found before anything overflows. */
    if ((twos < 0 && (rc = apply(&v, 2, twos)) < 0) ||
        (fives < 0 && (rc = apply(&v, 5, fives)) < 0) ||
        (twos > 0 && (rc = apply(&v, 2, twos)) < 0) ||
        (fives > 0 && (rc = apply(&v, 5, fives)) < 0))
        return rc;
    *out = v;
    return 0;
}
