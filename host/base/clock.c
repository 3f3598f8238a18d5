/* clock.c - the monotonic clock every phase time comes from. */
#define _POSIX_C_SOURCE 200809L
#include "hetmc.h"

#include <time.h>

double hm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double hm_clock_resolution(void)
{
    struct timespec ts;
    if (clock_getres(CLOCK_MONOTONIC, &ts) != 0)
        return 1e-6;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void hm_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (seconds > 0 && nanosleep(&ts, &ts) != 0)
        ;
}
