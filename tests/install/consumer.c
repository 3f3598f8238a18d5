/*
 * consumer.c - a program of a hetmc user, built against an installed hetmc (tests/install.sh):
 * it counts the hits of seed 0 over 1000001 samples with the serial backend through the runner
 * and checks the golden count of docs/STREAM.md (784446). Exit 0 when it matches.
 */
#include "runner.h"

#include <stdio.h>

int main(void)
{
    const hm_backend *b = hm_backend_find("serial");
    hm_config cfg = {.workers = 1};
    hm_runner *r = NULL;
    hm_error err = {0};
    hm_result res;
    if (!b || hm_runner_open(b, &cfg, &r, &err) != HM_EOK) {
        fprintf(stderr, "consumer: cannot open serial: %s\n", err.msg);
        return 1;
    }
    int rc = hm_runner_count(r, 0, 0, 1000001, &res, NULL, &err);
    hm_runner_close(r);
    if (rc != HM_EOK) {
        fprintf(stderr, "consumer: %s\n", err.msg);
        return 1;
    }
    printf("consumer: hetmc %s, serial, seed 0, N 1000001: %llu hits (golden 784446)\n",
           HM_VERSION, (unsigned long long)res.hits);
    return res.hits == 784446 ? 0 : 1;
}
