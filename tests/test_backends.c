/*
 * test_backends.c - exactness of one backend against serial (the vectorised host kernel, itself
 * checked against the definition in test_stream) and the golden counts of golden.h
 * (docs/STREAM.md), every run through the runner as hetmc itself runs them.
 *
 *   test_backends BACKEND [--large | --tasks]
 *   test_backends --tasks               --tasks for every backend that splits runs into tasks
 *   test_backends --registry NAME...   every backend of this build is among NAME...
 *
 * Sizes: 0, 1, 2, 3, odd primes, sizes not divisible by the worker count, more workers than
 * samples, worker counts 1 to 8 (more than the cores); --large adds N = 2^32 + 3. --tasks (the
 * process backends) splits runs into T tasks: T = 1, fewer tasks than workers, T not divisible
 * by the worker count, T > N, many small tasks.
 */
#include "check.h"
#include "golden.h"
#include "kernel.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 97, 1009, 4096, 65537,
                                 1000003, 9999991};
static const uint64_t seeds[] = {42, 0, UINT64_MAX};

static unsigned max_workers_for(const hm_backend *b)
{
    if (strcmp(b->name, "coexec") == 0)
        return 1; /* its workers come from its parts (here the default list), not cfg */
    return b->max_workers && b->max_workers < 8 ? b->max_workers : 8;
}

static int prepare_tasks(const hm_backend *b, unsigned w, unsigned tasks, hm_runner **r)
{
    hm_config cfg = {.workers = w, .self_exe = getenv("HETMC_EXE"), .tasks = tasks};
    hm_error err = {0};
    int rc = hm_runner_open(b, &cfg, r, &err);
    if (rc < 0)
        fprintf(stderr, "%s: prepare with %u workers, %u tasks failed: %s\n", b->name, w, tasks,
                err.msg);
    return rc;
}

static int prepare(const hm_backend *b, unsigned w, hm_runner **r)
{
    return prepare_tasks(b, w, 0, r);
}

static void count(hm_runner *r, unsigned w, uint64_t seed, uint64_t first, uint64_t n,
                  uint64_t expect)
{
    const hm_backend *b = hm_runner_backend(r);
    hm_result res;
    hm_error err = {0};
    int rc = hm_runner_count(r, seed, first, n, &res, NULL, &err);
    CHECK(rc == 0);
    if (rc < 0) {
        fprintf(stderr, "%s: run failed (%u workers, N %" PRIu64 "): %s\n", b->name, w, n,
                err.msg);
        return;
    }
    CHECK_EQ_U64(res.hits, expect, "%s, %u workers, seed %" PRIu64 ", first %" PRIu64
                 ", N %" PRIu64, b->name, w, seed, first, n);
}

static void exactness(const hm_backend *b)
{
    for (unsigned w = 1; w <= max_workers_for(b); w++) {
        hm_runner *r = NULL;
        CHECK(prepare(b, w, &r) == 0);
        if (check_failures)
            return;
        for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
                count(r, w, seeds[s], 0, sizes[i], hm_kernel_hits(seeds[s], 0, sizes[i]));
        /* A range far into the stream: counter high words in play, odd start. */
        uint64_t first = (UINT64_C(1) << 33) - 3;
        count(r, w, 9, first, 100001, hm_reference_hits(9, first, 100001));
        hm_runner_close(r);
    }
}

static void golden(const hm_backend *b)
{
    unsigned w = max_workers_for(b) >= 3 ? 3 : max_workers_for(b);
    hm_runner *r = NULL;
    CHECK(prepare(b, w, &r) == 0);
    if (check_failures)
        return;
    for (size_t i = 0; i < hm_ngoldens; i++)
        count(r, w, hm_goldens[i].seed, 0, hm_goldens[i].samples, hm_goldens[i].hits);
    hm_runner_close(r);
}

/* Runs split into tasks: every count exact, and the result says how many tasks. */
static void tasks(const hm_backend *b)
{
    static const unsigned ts[] = {1, 2, 3, 5, 7, 16, 100};
    static const uint64_t ns[] = {0, 1, 2, 3, 7, 13, 97, 1009, 65537};
    CHECK((b->uses & HM_USES_TASKS) != 0);
    for (unsigned w = 1; w <= 4; w++)
        for (size_t t = 0; t < sizeof ts / sizeof ts[0]; t++) {
            hm_runner *r = NULL;
            CHECK(prepare_tasks(b, w, ts[t], &r) == 0);
            if (check_failures)
                return;
            for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
                hm_result res;
                hm_error err = {0};
                int rc = hm_runner_count(r, 42, 5, ns[i], &res, NULL, &err);
                CHECK(rc == 0);
                if (rc < 0) {
                    fprintf(stderr, "%s: %u workers, %u tasks, N %" PRIu64 ": %s\n", b->name,
                            w, ts[t], ns[i], err.msg);
                    continue;
                }
                CHECK_EQ_U64(res.hits, hm_kernel_hits(42, 5, ns[i]), "%s, %u workers, %u "
                             "tasks, N %" PRIu64, b->name, w, ts[t], ns[i]);
                CHECK_EQ_U64(res.tasks, ts[t], "%s: tasks in the result", b->name);
            }
            hm_runner_close(r);
        }
}

/* 1 when HETMC_TEST_SKIP (backend names, separated by commas) names b: a build run under an
 * emulator leaves out what the emulator cannot run, and says why (HETMC_TEST_SKIP_WHY). */
static int skipped(const hm_backend *b)
{
    const char *list = getenv("HETMC_TEST_SKIP"), *why = getenv("HETMC_TEST_SKIP_WHY");
    size_t len = strlen(b->name);
    for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
        if (strncmp(p, b->name, len) != 0 || (p[len] != ',' && p[len] != '\0'))
            continue;
        printf("%s: skipped (HETMC_TEST_SKIP): %s\n", b->name, why ? why : "no reason given");
        return 1;
    }
    return 0;
}

/* N = 2^32 + 3 from 0; with HETMC_TEST_REDUCED set (a build run under an emulator, where 2^32
 * samples take many minutes) 2^21 + 3 samples from just below sample 2^33, where the counter's
 * high word turns over: sample indices past 2^32 in seconds. */
static void large(const hm_backend *b)
{
    const int reduced = getenv("HETMC_TEST_REDUCED") != NULL;
    const uint64_t first = reduced ? (UINT64_C(1) << 33) - (UINT64_C(1) << 20) - 1 : 0;
    const uint64_t n = reduced ? (UINT64_C(1) << 21) + 3 : (UINT64_C(1) << 32) + 3;
    uint64_t expect = reduced ? hm_reference_hits(1234, first, n) : hm_kernel_hits(1234, 0, n);
    unsigned w = max_workers_for(b) >= 3 ? 3 : 1;
    hm_runner *r = NULL;
    CHECK(prepare(b, w, &r) == 0);
    if (check_failures)
        return;
    count(r, w, 1234, first, n, expect);
    hm_runner_close(r);
    if (!(b->uses & HM_USES_TASKS))
        return;
    r = NULL; /* and in 7 tasks: slices of the same size past 2^32 */
    CHECK(prepare_tasks(b, w, 7, &r) == 0);
    if (check_failures)
        return;
    count(r, w, 1234, first, n, expect);
    hm_runner_close(r);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--registry") == 0) {
        /* Every backend compiled in must have its own exactness test. */
        for (size_t i = 0; i < hm_backend_count(); i++) {
            int found = 0;
            for (int a = 2; a < argc; a++)
                found |= strcmp(argv[a], hm_backend_at(i)->name) == 0;
            CHECK(found);
            if (!found)
                fprintf(stderr, "backend %s has no exactness test in tests/CMakeLists.txt\n",
                        hm_backend_at(i)->name);
        }
        return check_report("test_backends --registry");
    }
    if (argc == 2 && strcmp(argv[1], "--tasks") == 0) {
        /* Every backend that splits runs into tasks. */
        for (size_t i = 0; i < hm_backend_count(); i++)
            if ((hm_backend_at(i)->uses & HM_USES_TASKS) && !skipped(hm_backend_at(i)))
                tasks(hm_backend_at(i));
        return check_report("test_backends --tasks");
    }
    if (argc < 2) {
        fprintf(stderr, "usage: test_backends BACKEND [--large | --tasks] | --tasks | "
                "--registry NAME...\n");
        return 2;
    }
    const hm_backend *b = hm_backend_find(argv[1]);
    if (!b) {
        fprintf(stderr, "backend %s is not in this build\n", argv[1]);
        return 1;
    }
    if (skipped(b))
        return 77; /* CTest's SKIP_RETURN_CODE */
    if (argc >= 3 && strcmp(argv[2], "--large") == 0) {
        large(b);
    } else if (argc >= 3 && strcmp(argv[2], "--tasks") == 0) {
        tasks(b);
    } else {
        golden(b);
        exactness(b);
    }
    return check_report(b->name);
}
