/* test_stream.c - the stream itself: golden counts (golden.h, docs/STREAM.md), the vectorised
 * kernel against the one-sample-at-a-time definition on every kind of range, slicing, number
 * parsing. */
#include "check.h"
#include "golden.h"
#include "kernel.h"
#include "numparse.h"
#include "report.h"

#include <math.h>

static void golden(void)
{
    CHECK(hm_ngoldens >= 5);
    for (size_t i = 0; i < hm_ngoldens; i++) {
        const hm_golden *g = &hm_goldens[i];
        CHECK_EQ_U64(hm_reference_hits(g->seed, 0, g->samples), g->hits,
                     "plain, seed %" PRIu64 " N %" PRIu64, g->seed, g->samples);
        CHECK_EQ_U64(hm_kernel_hits(g->seed, 0, g->samples), g->hits,
                     "fast, seed %" PRIu64 " N %" PRIu64, g->seed, g->samples);
    }
}

static void fast_matches_plain(void)
{
    /* Starts: 0, odd, even, and around 2^33 where the counter's high word is in play (the
     * 32-bit-lane variants take a step that would cross 2^32 blocks the portable way). */
    static const uint64_t starts[] = {0, 1, 2, 3, 1001, UINT64_C(1) << 32,
                                      (UINT64_C(1) << 33) - 5, (UINT64_C(1) << 33) + 1,
                                      (UINT64_C(1) << 33) - 64, (UINT64_C(1) << 33) - 96,
                                      (UINT64_C(1) << 62) + 7, (UINT64_C(1) << 63) - 1000};
    static const uint64_t counts[] = {0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127,
                                      255, 256, 257, 1000, 4097, 100003};
    static const uint64_t seeds[] = {0, 42, UINT64_C(0xffffffff), UINT64_C(0x100000000),
                                     UINT64_MAX};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
        for (size_t a = 0; a < sizeof starts / sizeof starts[0]; a++)
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
                CHECK_EQ_U64(hm_kernel_hits(seeds[s], starts[a], counts[c]),
                             hm_reference_hits(seeds[s], starts[a], counts[c]),
                             "seed %" PRIu64 " first %" PRIu64 " count %" PRIu64, seeds[s],
                             starts[a], counts[c]);
    /* Additivity: any split of a range adds up to the whole. */
    uint64_t whole = hm_reference_hits(7, 0, 10007);
    for (uint64_t cut = 0; cut <= 10007; cut += 997)
        CHECK_EQ_U64(hm_kernel_hits(7, 0, cut) + hm_kernel_hits(7, cut, 10007 - cut), whole,
                     "split at %" PRIu64, cut);
}

static void slicing(void)
{
    static const uint64_t counts[] = {0, 1, 2, 3, 7, 8, 1000003};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (unsigned parts = 1; parts <= 9; parts++) {
            uint64_t next = 5, total = 0, a, n, min = UINT64_MAX, max = 0;
            for (unsigned k = 0; k < parts; k++) {
                hm_slice(5, counts[c], parts, k, &a, &n);
                CHECK_EQ_U64(a, next, "slice %u of %u, count %" PRIu64, k, parts, counts[c]);
                next = a + n;
                total += n;
                min = n < min ? n : min;
                max = n > max ? n : max;
            }
            CHECK_EQ_U64(total, counts[c], "%u parts", parts);
            CHECK(max - min <= 1);
        }
}

static void parsing(void)
{
    /* rc: 0 accepted (with value), else the HM_PARSE_* reason. */
    static const struct {
        const char *text;
        int rc;
        uint64_t value;
    } t[] = {
        {"0", 0, 0},
        {"1000000", 0, 1000000},
        {"1e8", 0, 100000000},
        {"1E8", 0, 100000000},
        {"1e+8", 0, 100000000},
        {"2.5e9", 0, 2500000000},
        {"2^30", 0, UINT64_C(1) << 30},
        {"2^63", 0, UINT64_C(1) << 63},
        {"10^3", 0, 1000},
        {"0^0", 0, 1},
        {"0^5", 0, 0},
        {"1^99999", 0, 1},
        {"2^64", HM_PARSE_RANGE, 0},
        {"100M", 0, 100000000},
        {"1G", 0, 1000000000},
        {"1.5G", 0, 1500000000},
        {"100k", 0, 100000},
        {"100K", 0, 100000},
        {"1P", 0, UINT64_C(1000000000000000)},
        {"64Ki", 0, 65536},
        {"1Gi", 0, UINT64_C(1) << 30},
        {"1.5Ki", 0, 1536},
        {"16Pi", 0, UINT64_C(1) << 54},
        {"0x10", 0, 16},
        {"0xffffffffffffffff", 0, UINT64_MAX},
        {"0x10000000000000000", HM_PARSE_RANGE, 0},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", HM_PARSE_RANGE, 0},
        {"1e20", HM_PARSE_RANGE, 0},
        {"1e19", 0, UINT64_C(10000000000000000000)},
        {"2e19", HM_PARSE_RANGE, 0},
        {"20000P", HM_PARSE_RANGE, 0},
        {"1e99999", HM_PARSE_RANGE, 0},
        /* Whole values written with a fraction or a negative exponent are accepted. */
        {"1.0", 0, 1},
        {"1.50e1", 0, 15},
        {"10e-1", 0, 1},
        {"2500e-3", HM_PARSE_FRACTION, 0},
        {"25000e-3", 0, 25},
        {"100000000000000000000e-5", 0, UINT64_C(1000000000000000)},
        {"0.0", 0, 0},
        {"0e-9999", 0, 0},
        /* ... values that are not whole are not. */
        {"1.5", HM_PARSE_FRACTION, 0},
        {"1.5e0", HM_PARSE_FRACTION, 0},
        {"15e-1", HM_PARSE_FRACTION, 0},
        {"1e-99999", HM_PARSE_FRACTION, 0},
        {"1.0001K", HM_PARSE_FRACTION, 0},
        /* Binary suffixes take one case: Ki Mi Gi Ti Pi. */
        {"64ki", HM_PARSE_SYNTAX, 0},
        {"1gi", HM_PARSE_SYNTAX, 0},
        {"1GI", HM_PARSE_SYNTAX, 0},
        {"1Kib", HM_PARSE_SYNTAX, 0},
        {"-5", HM_PARSE_SYNTAX, 0},
        {"+5", HM_PARSE_SYNTAX, 0},
        {"", HM_PARSE_SYNTAX, 0},
        {"abc", HM_PARSE_SYNTAX, 0},
        {"12abc", HM_PARSE_SYNTAX, 0},
        {"1m", HM_PARSE_SYNTAX, 0},
        {"1g", HM_PARSE_SYNTAX, 0},
        {" 5", HM_PARSE_SYNTAX, 0},
        {"5 ", HM_PARSE_SYNTAX, 0},
        {"2^", HM_PARSE_SYNTAX, 0},
        {"2.5^2", HM_PARSE_SYNTAX, 0},
        {"e5", HM_PARSE_SYNTAX, 0},
        {"1e", HM_PARSE_SYNTAX, 0},
        {"1e-", HM_PARSE_SYNTAX, 0},
        {"1e5K", HM_PARSE_SYNTAX, 0},
        {"1.", HM_PARSE_SYNTAX, 0},
        {"1.e5", HM_PARSE_SYNTAX, 0},
        {"0x", HM_PARSE_SYNTAX, 0},
        {"0x1g", HM_PARSE_SYNTAX, 0},
        {"99999999999999999999999x", HM_PARSE_SYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t v = 0;
        int rc = hm_parse_u64(t[i].text, &v);
        CHECK_EQ_U64((uint64_t)(int64_t)rc, (uint64_t)(int64_t)t[i].rc, "parse '%s': result",
                     t[i].text);
        if (t[i].rc == 0 && rc == 0)
            CHECK_EQ_U64(v, t[i].value, "parse '%s'", t[i].text);
    }
}

static void validation(void)
{
    double s;
    CHECK(hm_validate(78539599, 100000000, &s) == 1);
    CHECK(s < 1.0);
    CHECK(hm_validate(80000000, 100000000, &s) == 0); /* pi = 3.2: far too many hits */
    CHECK(hm_validate(0, 1000, &s) == 0);
    CHECK(hm_validate(5, 7, &s) == 1); /* below 1000 samples nothing is judged */
    CHECK(hm_validate(8, 7, &s) == 0); /* more hits than samples is never right */
    CHECK(hm_validate(0, 0, &s) == 1);
}

int main(void)
{
    static const char *const variants[] = {"portable", "avx2", "avx512", "avx2x32",
                                           "avx512x32", "neon", "sve", "sve2"};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        hm_error err = {0};
        if (!hm_kernel_supported(variants[v])) {
            printf("host kernel %s: not supported on this CPU, not tested\n", variants[v]);
            continue;
        }
        CHECK(hm_kernel_select(variants[v], &err) == 0);
        printf("host kernel %s: checking against the definition\n", hm_kernel_name());
        golden();
        fast_matches_plain();
    }
    hm_error err = {0};
    CHECK(hm_kernel_select("nosuch", &err) == HM_EINVAL);
    CHECK(hm_kernel_select(NULL, &err) == 0);
    slicing();
    parsing();
    validation();
    return check_report("test_stream");
}
