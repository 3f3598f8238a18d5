/* check.h - the few assertions the tests need; a failure prints both sides and where. */
#ifndef HETMC_CHECK_H
#define HETMC_CHECK_H

#include <inttypes.h>
#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        check_count++;                                                                       \
        if (!(cond)) {                                                                       \
            check_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);         \
        }                                                                                    \
    } while (0)

#define CHECK_EQ_U64(a, b, ...)                                                              \
    do {                                                                                     \
        uint64_t check_a_ = (a), check_b_ = (b);                                             \
        check_count++;                                                                       \
        if (check_a_ != check_b_) {                                                          \
            check_failures++;                                                                \
            fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 ": ", __FILE__,  \
                    __LINE__, #a, #b, check_a_, check_b_);                                   \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        }                                                                                    \
    } while (0)

/* Prints the summary line and returns the exit status for main. */
static int check_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    if (check_count == 0) {
        fprintf(stderr, "%s: no check ran\n", name);
        return 1;
    }
    return check_failures ? 1 : 0;
}

#endif /* HETMC_CHECK_H */
