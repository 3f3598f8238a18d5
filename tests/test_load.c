/*
 * test_load.c - the foreign load of load.h: /proc/stat arithmetic on recorded snapshots
 * (several CPUs, an affinity subset, steal, old kernels without steal, malformed lines), then
 * on this machine: hetmc's own work (a spinning thread, a spinning child) is not foreign, and
 * a process that is not hetmc's (a double-forked burner, reparented away) is.
 */
#define _GNU_SOURCE
#include "check.h"
#include "clock.h"
#include "load.h"
#include "sysinfo.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

/* Two readings of a 4-CPU machine, 1 s apart at 100 ticks per second: cpu1 busy the whole
 * second (60 user + 30 system + 10 softirq), cpu2 half busy and 20 ticks stolen, cpu0 and cpu3
 * idle. */
static const char snap_a[] =
    "cpu  1000 0 500 9000 10 0 20 30 0 0\n"
    "cpu0 100 0 50 2000 5 0 0 0 0 0\n"
    "cpu1 300 0 200 2000 0 0 10 0 0 0\n"
    "cpu2 400 0 200 2500 5 0 5 30 0 0\n"
    "cpu3 200 0 50 2500 0 0 5 0 0 0\n"
    "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
static const char snap_b[] =
    "cpu  1110 0 540 9150 10 0 30 50 0 0\n"
    "cpu0 100 0 50 2100 5 0 0 0 0 0\n"
    "cpu1 360 0 230 2000 0 0 20 0 0 0\n"
    "cpu2 450 0 210 2540 5 0 5 50 0 0\n"
    "cpu3 200 0 50 2600 0 0 5 0 0 0\n"
    "intr 12345 0 0\nctxt 1999\nbtime 1700000000\n";

static void snapshots(void)
{
    int all[] = {0, 1, 2, 3}, subset[] = {1, 2}, one[] = {3};
    hm_cpustat a, b;
    CHECK(hm_cpustat_parse(snap_a, all, 4, 100, &a) == 0);
    CHECK(hm_cpustat_parse(snap_b, all, 4, 100, &b) == 0);
    CHECK(NEAR(b.busy_s - a.busy_s, 1.6, 1e-9) && NEAR(b.steal_s - a.steal_s, 0.2, 1e-9));
    /* An affinity subset sums only its own CPUs, in any order. */
    CHECK(hm_cpustat_parse(snap_a, subset, 2, 100, &a) == 0);
    CHECK(hm_cpustat_parse(snap_b, subset, 2, 100, &b) == 0);
    CHECK(NEAR(b.busy_s - a.busy_s, 1.6, 1e-9) && NEAR(b.steal_s - a.steal_s, 0.2, 1e-9));
    CHECK(hm_cpustat_parse(snap_b, one, 1, 100, &b) == 0 && NEAR(b.busy_s, 2.55, 1e-9));
    /* 250 ticks per second: the same ticks are fewer seconds. */
    CHECK(hm_cpustat_parse(snap_b, one, 1, 250, &b) == 0 && NEAR(b.busy_s, 1.02, 1e-9));
    /* The aggregate `cpu ` line is never taken for cpu0..: "cpu1" does not match "cpu10". */
    int ten[] = {10};
    CHECK(hm_cpustat_parse(snap_b, ten, 1, 100, &b) < 0 && isnan(b.busy_s));
    /* A kernel older than steal (4 numbers), and malformed lines. */
    int zero[] = {0};
    CHECK(hm_cpustat_parse("cpu0 10 20 30 40\n", zero, 1, 100, &b) == 0 &&
          NEAR(b.busy_s, 0.6, 1e-9) && b.steal_s == 0);
    CHECK(hm_cpustat_parse("cpu0 10 x 30 40\n", zero, 1, 100, &b) < 0);
    CHECK(hm_cpustat_parse("cpu0 10\n", zero, 1, 100, &b) < 0);
    CHECK(hm_cpustat_parse("", zero, 1, 100, &b) < 0);
}

/* Marks of two readings with own CPU time: foreign is busy minus own, per second of wall. */
static void between(void)
{
    hm_load_mark a = {.ok = 1, .t = 10.0, .cpu = {5.0, 1.0}, .own_s = 2.0};
    hm_load_mark b = {.ok = 1, .t = 12.0, .cpu = {9.0, 1.5}, .own_s = 4.5};
    hm_load l;
    hm_load_between(&a, &b, &l);
    CHECK(NEAR(l.foreign_cpu, 0.75, 1e-9) && NEAR(l.steal, 0.25, 1e-9) && l.bound > 0);
    /* hetmc used more than the busy time shows (tick rounding): never below 0. */
    b.own_s = 8.0;
    hm_load_between(&a, &b, &l);
    CHECK(l.foreign_cpu == 0);
    /* Not measured: NAN, never a wrong 0. */
    b.ok = 0;
    hm_load_between(&a, &b, &l);
    CHECK(isnan(l.foreign_cpu) && isnan(l.steal));
    CHECK(!hm_load_interfered(&l, 1));
    hm_load big = {.foreign_cpu = 0.9, .steal = 0, .bound = 0.05};
    CHECK(hm_load_interfered(&big, 1));
    big.foreign_cpu = 0.12; /* within the bound of the 0.1-core threshold */
    CHECK(!hm_load_interfered(&big, 1));
}

static void spin(double seconds)
{
    double end = hm_now() + seconds;
    volatile unsigned long x = 0;
    while (hm_now() < end)
        x++;
}

static void *spin_thread(void *arg)
{
    spin(*(double *)arg);
    return NULL;
}

/* The foreign load over `seconds` while `work` runs (0: hetmc's thread, 1: hetmc's child,
 * 2: a burner that is not hetmc's). */
static hm_load measure(int work, double seconds)
{
    hm_load_mark a, b;
    hm_load l;
    pid_t pid = -1;
    pthread_t th;
    hm_load_mark_now(&a);
    if (work == 0) {
        pthread_create(&th, NULL, spin_thread, &seconds);
        pthread_join(th, NULL);
    } else if (work == 1) {
        if ((pid = fork()) == 0) {
            spin(seconds);
            _exit(0);
        }
        hm_sleep(seconds / 2); /* measured once alive, and once reaped */
        hm_load_mark_now(&b);
        waitpid(pid, NULL, 0);
    } else {
        if ((pid = fork()) == 0) { /* the grandchild is reparented: not a descendant */
            if (fork() == 0) {
                spin(seconds);
                _exit(0);
            }
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        hm_sleep(seconds);
    }
    hm_load_mark_now(&b);
    hm_load_between(&a, &b, &l);
    return l;
}

static void live(void)
{
    const char *why = hm_load_unavailable();
    if (why[0]) {
        printf("skipped the live checks: %s\n", why);
        return;
    }
    /* Whatever else runs on the machine is foreign too: with more than a third of a core of
     * it already, the checks below would measure the neighbours, not hetmc. */
    hm_load_mark a, b;
    hm_load quiet;
    hm_load_mark_now(&a);
    hm_sleep(0.3);
    hm_load_mark_now(&b);
    hm_load_between(&a, &b, &quiet);
    if (quiet.foreign_cpu > 0.3) {
        printf("skipped the live checks: other programs already use %.2f cores here\n",
               quiet.foreign_cpu);
        return;
    }
    const char *what[] = {"hetmc's thread", "hetmc's child", "a foreign burner"};
    for (int w = 0; w < 3; w++) {
        hm_load l = measure(w, 0.5);
        printf("%s for 0.5 s: foreign %.3f cores (bound %.3f), steal %.3f\n", what[w],
               l.foreign_cpu, l.bound, l.steal);
        if (w < 2) /* hetmc's own work is not foreign (another program may add a little) */
            CHECK(l.foreign_cpu < 0.4 + l.bound);
        else if (hm_allowed_cpus() > 1)
            CHECK(hm_load_interfered(&l, 1) && l.foreign_cpu > 0.6);
    }
    char buf[512];
    double foreign;
    CHECK(hm_load_busiest(0.2, 5, buf, sizeof buf, &foreign) >= 0);
    printf("busiest over 0.2 s: %s (foreign %.3f)\n", buf[0] ? buf : "none", foreign);
}

/* What measuring the foreign load costs a repetition: two marks. */
static int cost(void)
{
    hm_load_mark m;
    int n = 2000;
    double t0 = hm_now();
    for (int i = 0; i < n; i++)
        hm_load_mark_now(&m);
    double per = (hm_now() - t0) / n;
    printf("  one mark (/proc/stat, rusage, live descendants) %.1f us; two per repetition are "
           "%.3f%% of a 10 ms repetition\n", 1e6 * per, 100 * 2 * per / 0.01);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--cost") == 0)
        return cost();
    snapshots();
    between();
    live();
    return check_report("test_load");
}
