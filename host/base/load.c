/* load.c - foreign load from /proc/stat and hetmc's own CPU time; see load.h. */
#define _GNU_SOURCE
#include "load.h"

#include "clock.h"
#include "sysinfo.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_CPUS 4096
#define MAX_DESCENDANTS 4096

/* Reads a whole small file into buf (NUL-terminated). Returns its length, or -1. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t used = 0;
    ssize_t n;
    while (used + 1 < len && (n = read(fd, buf + used, len - 1 - used)) > 0)
        used += (size_t)n;
    close(fd);
    buf[used] = '\0';
    return (ssize_t)used;
}

static double tick_hz(void)
{
    static double hz;
    if (hz == 0) {
        long v = sysconf(_SC_CLK_TCK);
        hz = v > 0 ? (double)v : 100.0;
    }
    return hz;
}

/* The numbers of one `cpuN ...` line into f[10] (missing ones 0). Returns how many, or -1. */
static int cpu_fields(const char *line, unsigned long long f[10])
{
    const char *p = line + strcspn(line, " ");
    int n = 0;
    memset(f, 0, 10 * sizeof f[0]);
    while (n < 10) {
        char *end;
        p += strspn(p, " ");
        if (*p == '\n' || *p == '\0')
            break;
        f[n] = strtoull(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
        n++;
    }
    return n >= 4 ? n : -1;
}

/* The line of CPU `cpu` in text, or NULL. */
static const char *cpu_line(const char *text, int cpu)
{
    char key[24];
    int klen = snprintf(key, sizeof key, "cpu%d ", cpu);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, (size_t)klen) == 0)
            return p;
    return NULL;
}

int hm_cpustat_parse(const char *text, const int *cpus, unsigned ncpus, double hz,
                     hm_cpustat *out)
{
    unsigned long long busy = 0, steal = 0, f[10];
    out->busy_s = out->steal_s = NAN;
    for (unsigned i = 0; i < ncpus; i++) {
        const char *line = cpu_line(text, cpus[i]);
        if (!line || cpu_fields(line, f) < 0)
            return -1;
        /* user nice system idle iowait irq softirq steal guest guest_nice; guest time is
         * already inside user and nice. */
        busy += f[0] + f[1] + f[2] + f[5] + f[6];
        steal += f[7];
    }
    out->busy_s = (double)busy / hz;
    out->steal_s = (double)steal / hz;
    return 0;
}

/* utime + stime + cutime + cstime of process pid, in seconds; -1 when it is gone. */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_text(path, buf, sizeof buf) <= 0)
        return -1;
    const char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    if (!p)
        return -1;
    unsigned long long v[4] = {0};
    /* After the name: state is field 3; utime, stime, cutime, cstime are fields 14 to 17. */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0],
               &v[1], &v[2], &v[3]) != 4)
        return -1;
    return (double)(v[0] + v[1] + v[2] + v[3]) / tick_hz();
}

/* Appends the children of every thread of pid to kids[*n..max). */
static void children_of(pid_t pid, pid_t *kids, unsigned *n, unsigned max)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && *n < max) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/children", (int)pid, e->d_name);
        if (read_text(path, buf, sizeof buf) <= 0)
            continue;
        for (char *p = buf, *end; *n < max; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            kids[(*n)++] = (pid_t)v;
        }
    }
    closedir(d);
}

/* Every live descendant of this process, breadth first. Returns how many. */
static unsigned descendants(pid_t *out, unsigned max)
{
    unsigned n = 0;
    children_of(getpid(), out, &n, max);
    for (unsigned i = 0; i < n; i++)
        children_of(out[i], out, &n, max);
    return n;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

/* hetmc's CPU time so far; *coarse gets the count of descendants measured in ticks. */
static double own_cpu(unsigned *coarse)
{
    struct rusage self, kids;
    static pid_t pids[MAX_DESCENDANTS];
    double s = 0;
    if (getrusage(RUSAGE_SELF, &self) == 0)
        s += tv_s(self.ru_utime) + tv_s(self.ru_stime);
    if (getrusage(RUSAGE_CHILDREN, &kids) == 0)
        s += tv_s(kids.ru_utime) + tv_s(kids.ru_stime);
    unsigned n = descendants(pids, MAX_DESCENDANTS);
    *coarse = 0;
    for (unsigned i = 0; i < n; i++) {
        double c = proc_cpu(pids[i]);
        if (c >= 0) {
            s += c;
            (*coarse)++;
        }
    }
    return s;
}

/* The allowed CPUs' numbers; returns how many. */
static unsigned allowed(int *cpus)
{
    unsigned n = hm_allowed_cpus();
    n = n > MAX_CPUS ? MAX_CPUS : n;
    for (unsigned i = 0; i < n; i++)
        cpus[i] = hm_allowed_cpu(i);
    return n;
}

const char *hm_load_unavailable(void)
{
#ifdef __linux__
    static int readable = -1; /* asked once: the runner asks at every repetition */
    if (readable < 0)
        readable = access("/proc/stat", R_OK) == 0;
    return readable ? ""
                    : "/proc/stat cannot be read, so the CPU time of other programs is not known";
#else
    return "foreign load is measured from Linux's /proc/stat, which this system has not";
#endif
}

void hm_load_mark_now(hm_load_mark *m)
{
    static int cpus[MAX_CPUS];
    static char text[1 << 18];
    memset(m, 0, sizeof *m);
    unsigned n = allowed(cpus);
    m->own_s = own_cpu(&m->coarse);
    m->t = hm_now();
    m->ok = read_text("/proc/stat", text, sizeof text) > 0 &&
            hm_cpustat_parse(text, cpus, n, tick_hz(), &m->cpu) == 0;
}

void hm_load_between(const hm_load_mark *a, const hm_load_mark *b, hm_load *out)
{
    double wall = b->t - a->t;
    out->foreign_cpu = out->steal = out->bound = NAN;
    if (!a->ok || !b->ok || !(wall > 0))
        return;
    double foreign = (b->cpu.busy_s - a->cpu.busy_s) - (b->own_s - a->own_s);
    unsigned coarse = a->coarse > b->coarse ? a->coarse : b->coarse;
    out->foreign_cpu = foreign > 0 ? foreign / wall : 0.0;
    out->steal = (b->cpu.steal_s - a->cpu.steal_s) / wall;
    /* A tick of each CPU's busy time and of each coarse descendant, at either end. */
    out->bound = (double)(hm_allowed_cpus() + coarse) / tick_hz() / wall;
}

double hm_load_resolve_s(void)
{
    double s = (double)hm_allowed_cpus() / tick_hz() / 0.2;
    return s > 1.0 ? 1.0 : s;
}

double hm_load_limit(unsigned workers, double bound)
{
    unsigned cpus = hm_allowed_cpus();
    double idle = cpus > workers ? 0.05 * (double)(cpus - workers) : 0.0;
    /* The bound is the worst case of the tick rounding (a whole tick of every CPU); half of it
     * covers the rounding of a quiet machine (bench/load.sh: at most 0.1 core over 0.1 s on 2
     * CPUs) and still catches a load over a fifth of a repetition. */
    return (idle > 0.1 ? idle : 0.1) + bound / 2;
}

int hm_load_interfered(const hm_load *l, unsigned workers)
{
    return !isnan(l->foreign_cpu) && l->foreign_cpu > hm_load_limit(workers, l->bound);
}

double hm_cpu_pressure(void)
{
    char buf[512];
    double v;
    if (read_text("/proc/pressure/cpu", buf, sizeof buf) <= 0)
        return -1;
    const char *p = strstr(buf, "some avg10=");
    return p && sscanf(p, "some avg10=%lf", &v) == 1 ? v : -1;
}

/* One process seen in /proc: its number, name and CPU time in seconds. */
typedef struct proc_seen {
    pid_t pid;
    char name[32];
    double cpu_s;
} proc_seen;

/* pid's name and CPU time, its children's that it reaped included (a make or a shell whose
 * short-lived compilers come and go between two readings shows as busy itself). Returns 0,
 * or -1 when it is gone. */
static int proc_own(pid_t pid, proc_seen *p)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_text(path, buf, sizeof buf) <= 0)
        return -1;
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    unsigned long long v[4];
    if (!open || !close || close < open ||
        sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
               &v[0], &v[1], &v[2], &v[3]) != 4)
        return -1;
    p->pid = pid;
    snprintf(p->name, sizeof p->name, "%.*s", (int)(close - open - 1), open + 1);
    p->cpu_s = (double)(v[0] + v[1] + v[2] + v[3]) / tick_hz();
    return 0;
}

/* Every process of /proc into *out (malloc'ed). Returns how many, or -1. */
static long proc_all(proc_seen **out)
{
    DIR *d = opendir("/proc");
    size_t n = 0, cap = 256;
    proc_seen *v = malloc(cap * sizeof *v);
    struct dirent *e;
    if (!d || !v) {
        if (d)
            closedir(d);
        free(v);
        return -1;
    }
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (n == cap) {
            proc_seen *grown = realloc(v, 2 * cap * sizeof *v);
            if (!grown)
                break;
            v = grown;
            cap *= 2;
        }
        n += proc_own((pid_t)pid, &v[n]) == 0;
    }
    closedir(d);
    *out = v;
    return (long)n;
}

static int by_cpu_desc(const void *x, const void *y)
{
    double a = ((const proc_seen *)x)->cpu_s, b = ((const proc_seen *)y)->cpu_s;
    return (a < b) - (a > b);
}

/* after[] becomes each process's CPU use in cores since before[], hetmc's own left out
 * (its share set to 0), sorted busiest first. */
static void busiest_since(const proc_seen *before, long nb, proc_seen *after, long na,
                          double seconds)
{
    static pid_t mine[MAX_DESCENDANTS];
    unsigned nmine = descendants(mine, MAX_DESCENDANTS);
    for (long i = 0; i < na; i++) {
        double was = -1;
        for (long k = 0; k < nb && was < 0; k++)
            was = before[k].pid == after[i].pid ? before[k].cpu_s : -1;
        int ours = after[i].pid == getpid();
        for (unsigned k = 0; k < nmine && !ours; k++)
            ours = mine[k] == after[i].pid;
        after[i].cpu_s = was < 0 || ours ? 0 : (after[i].cpu_s - was) / seconds;
    }
    qsort(after, (size_t)na, sizeof *after, by_cpu_desc);
}

int hm_load_busiest(double seconds, unsigned most, char *buf, size_t len, double *foreign)
{
    proc_seen *before = NULL, *after = NULL;
    hm_load_mark a, b;
    hm_load l;
    int listed = -1;
    buf[0] = '\0';
    *foreign = NAN;
    long nb = proc_all(&before);
    hm_load_mark_now(&a);
    hm_sleep(seconds);
    hm_load_mark_now(&b);
    long na = nb < 0 ? -1 : proc_all(&after);
    if (na >= 0) {
        hm_load_between(&a, &b, &l);
        *foreign = l.foreign_cpu;
        busiest_since(before, nb, after, na, b.t - a.t);
        size_t used = 0;
        for (listed = 0; listed < na && (unsigned)listed < most && after[listed].cpu_s > 0.05 &&
                         used < len; listed++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s (%d) %.2f cores",
                                     listed ? "; " : "", after[listed].name,
                                     (int)after[listed].pid, after[listed].cpu_s);
    }
    free(before);
    free(after);
    return listed;
}
