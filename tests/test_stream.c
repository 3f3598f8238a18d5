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
    /* Starts: 0, odd, even, and past 2^33 where the counter's high word is in play. */
    static const uint64_t starts[] = {0, 1, 2, 3, 1001, UINT64_C(1) << 32,
                                      (UINT64_C(1) << 33) - 5, (UINT64_C(1) << 33) + 1,
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
    static const struct {
        const char *text;
        int ok;
        uint64_t value;
    } t[] = {
        {"0", 1, 0},
        {"1000000", 1, 1000000},
        {"1e8", 1, 100000000},
        {"2.5e9", 1, 2500000000},
        {"2^30", 1, UINT64_C(1) << 30},
        {"2^63", 1, UINT64_C(1) << 63},
        {"2^64", 0, 0},
        {"100M", 1, 100000000},
        {"1G", 1, 1000000000},
        {"1.5G", 1, 1500000000},
        {"100k", 1, 100000},
        {"64Ki", 1, 65536},
        {"1Gi", 1, UINT64_C(1) << 30},
        {"0x10", 1, 16},
        {"18446744073709551615", 1, UINT64_MAX},
        {"18446744073709551616", 0, 0},
        {"1e20", 0, 0},
        {"1.5", 0, 0},
        {"1.5e0", 0, 0},
        {"15e-1", 0, 0},
        {"-5", 0, 0},
        {"+5", 0, 0},
        {"", 0, 0},
        {"abc", 0, 0},
        {"12abc", 0, 0},
        {"1m", 0, 0},
        {" 5", 0, 0},
        {"5 ", 0, 0},
        {"2^", 0, 0},
        {"e5", 0, 0},
        {"1.", 0, 0},
        {"0x", 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t v = 0;
        int rc = hm_parse_u64(t[i].text, &v);
        CHECK_EQ_U64(rc == 0, (uint64_t)t[i].ok, "parse '%s' accepted?", t[i].text);
        if (t[i].ok && rc == 0)
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
    static const char *const variants[] = {"portable", "avx2", "avx512"};
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
