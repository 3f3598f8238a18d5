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

/* The exponent eE[+-]N, p at the e. Adds it to the counts of twos and fives. */
static int parse_exp(const char *p, int64_t *twos, int64_t *fives)
{
    int neg = p[1] == '-';
    int64_t e;
    p += 1 + (p[1] == '-' || p[1] == '+');
    if (read_exponent(&p, &e) == 0 || *p)
        return HM_PARSE_SYNTAX;
    *twos += neg ? -e : e;
    *fives += neg ? -e : e;
    return 0;
}

/* The suffixes, exactly as written: SI ones (k or K, never m for milli or mega) and binary ones. */
static const struct unit {
    const char *name;
    int twos, fives;
} units[] = {
    {"k", 3, 3},   {"K", 3, 3},   {"M", 6, 6},   {"G", 9, 9},   {"T", 12, 12}, {"P", 15, 15},
    {"Ki", 10, 0}, {"Mi", 20, 0}, {"Gi", 30, 0}, {"Ti", 40, 0}, {"Pi", 50, 0},
};

/* One suffix from units[]. Adds its powers to the counts of twos and fives. */
static int parse_suffix(const char *p, int64_t *twos, int64_t *fives)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(p, units[i].name)) {
            *twos += units[i].twos;
            *fives += units[i].fives;
            return 0;
        }
    return HM_PARSE_SYNTAX;
}

/* What follows the digits: nothing, an exponent eE[+-]N, or one suffix. Adds to the counts of
 * twos and fives. */
static int parse_tail(const char *p, int64_t *twos, int64_t *fives)
{
    if (!*p)
        return 0;
    if (*p == 'e' || *p == 'E')
        return parse_exp(p, twos, fives);
    return parse_suffix(p, twos, fives);
}

/* The digits read so far: the significant part, its trailing zeros, how many digits came after
 * the point, and whether it overflowed 64 bits (then only its syntax matters). */
struct mant {
    uint64_t v;
    int64_t zeros;
    int nfrac;
    int big;
};

/* A run of digits into m (the rest of the run skipped once it has overflowed). Returns the
 * digits that went into m.v's count. */
static int read_digits(const char **p, struct mant *m)
{
    const char *start = *p;
    int n = 0;
    if (!m->big) {
        m->big = read_mantissa(p, &m->v, &m->zeros) < 0;
        n = m->big ? 0 : (int)(*p - start);
    }
    if (m->big)
        *p += strspn(*p, "0123456789");
    return n;
}

/* B^E, p at the '^': out of range when the base does not fit, if the rest is digits. */
static int parse_power_form(const char *p, struct mant *m, uint64_t *out)
{
    if (m->big || apply(&m->v, 10, m->zeros) < 0)
        return strspn(p + 1, "0123456789") == strlen(p + 1) && p[1] ? HM_PARSE_RANGE
                                                                   : HM_PARSE_SYNTAX;
    return parse_power(m->v, p + 1, out);
}

/* The digits after the point, p at the '.'; "1." is not a number. */
static int read_fraction(const char **p, struct mant *m)
{
    (*p)++;
    m->nfrac = read_digits(p, m);
    return (*p)[-1] == '.' ? HM_PARSE_SYNTAX : 0;
}

/* v * 2^twos * 5^fives, divisions first: a value that is not whole is found before anything
 * overflows. */
static int scale(uint64_t *v, int64_t twos, int64_t fives)
{
    int rc = 0;
    if ((twos < 0 && (rc = apply(v, 2, twos)) < 0) ||
        (fives < 0 && (rc = apply(v, 5, fives)) < 0) ||
        (twos > 0 && (rc = apply(v, 2, twos)) < 0) ||
        (fives > 0 && (rc = apply(v, 5, fives)) < 0))
        return rc;
    return 0;
}

int hm_parse_u64(const char *text, uint64_t *out)
{
    struct mant m = {0};
    const char *p = text;
    int rc;

    if (!text || !isdigit((unsigned char)*p))
        return HM_PARSE_SYNTAX;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return parse_hex(p + 2, out);
    read_digits(&p, &m);
    if (*p == '^')
        return parse_power_form(p, &m, out);
    if (*p == '.' && (rc = read_fraction(&p, &m)) < 0)
        return rc;
    int64_t twos = m.zeros - m.nfrac, fives = twos;
    if ((rc = parse_tail(p, &twos, &fives)) < 0)
        return rc;
    if (m.big)
        return HM_PARSE_RANGE;
    if ((rc = scale(&m.v, twos, fives)) < 0)
        return rc;
    *out = m.v;
    return 0;
}
