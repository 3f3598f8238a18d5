/* clock.h - the monotonic clock every phase time comes from (CLOCK_MONOTONIC, seconds). */
#ifndef HETMC_CLOCK_H
#define HETMC_CLOCK_H

/* Monotonic clock in seconds, and its resolution. */
double hm_now(void);
double hm_clock_resolution(void);
/* Sleeps this long, resumed after signals. */
void hm_sleep(double seconds);

#endif /* HETMC_CLOCK_H */
