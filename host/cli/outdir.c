/* outdir.c - the matrix's output folder: made exclusively, locked, cleared; see outdir.h. */
#define _DEFAULT_SOURCE /* flock, dirent's d_name with opendir */
#include "outdir.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME ".hetmc.lock"

/* What an earlier run derived from its rows: the comparison, the exports, the report
 * (scripts/report.py) and the figures (scripts/plot.py, .png and .svg each). */
static const char *const derived[] = {
    "comparison.csv", "results.json", "results.md", "report.html",
    "throughput.png", "throughput.svg", "speedup.png", "speedup.svg", "startup.png",
    "startup.svg", "phases.png", "phases.svg", "error.png", "error.svg", "lesson.png",
    "lesson.svg", "coexec.png", "coexec.svg",
};

/* DIR/name into buf (always fits: the folder's length is checked first). */
static void join(char *buf, size_t len, const hm_outdir *d, const char *name)
{
    snprintf(buf, len, "%s/%s", d->path, name);
}

/* Every parent of path, as mkdir -p would make them. Returns 0 or -1 with errno set. */
static int make_parents(const char *path)
{
    char buf[HM_OUTDIR_MAX + 1];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* A new folder results/matrix-<UTC>, or -2, -3, ... when taken; one mkdir each, which fails
 * on an existing folder. Returns 0 or -1 with errno set. */
static int make_default(hm_outdir *d)
{
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(d->path, sizeof d->path, "results/matrix-%s", when);
    if (make_parents(d->path) < 0)
        return -1;
    for (int i = 2; mkdir(d->path, 0777) < 0; i++) {
        if (errno != EEXIST || i > 10000)
            return -1;
        snprintf(d->path, sizeof d->path, "results/matrix-%s-%d", when, i);
    }
    return 0;
}

/* --out DIR: made with its parents, or an existing folder. Returns 0 or -1 with errno set. */
static int make_given(hm_outdir *d, const char *given)
{
    struct stat st;
    snprintf(d->path, sizeof d->path, "%s", given);
    if (make_parents(d->path) < 0)
        return -1;
    if (mkdir(d->path, 0777) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (stat(d->path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* The PID written in the lock file by whoever holds it, or 0 when unreadable. The holder
 * writes it just after taking the lock: give it up to a fifth of a second. */
static long holder_pid(int fd)
{
    for (int tries = 0; tries < 20; tries++) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0 && buf[n - 1] == '\n')
            return strtol(buf, NULL, 10);
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    return 0;
}

/* The lock on DIR/.hetmc.lock, then this process's PID in it. Returns 0, or an exit code
 * after one line. */
static int take_lock(hm_outdir *d, const char *cmd)
{
    char path[sizeof d->path + 32];
    join(path, sizeof path, d, LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "hetmc %s: cannot lock %s: %s\n", cmd, path, strerror(errno));
        return HM_EXIT_FAIL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;
        close(fd);
        if (e != EWOULDBLOCK) {
            fprintf(stderr, "hetmc %s: cannot lock %s: %s\n", cmd, path, strerror(e));
            return HM_EXIT_FAIL;
        }
        char who[48] = "another process";
        if (pid > 0)
            snprintf(who, sizeof who, "PID %ld", pid);
        return hm_usage_error(cmd, "%s is in use by another matrix (%s holds %s); wait for it "
                              "or give another --out", d->path, who, LOCK_NAME);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        fprintf(stderr, "hetmc %s: writing %s: %s\n", cmd, path, strerror(errno));
        close(fd);
        return HM_EXIT_FAIL;
    }
    d->lock_fd = fd;
    return 0;
}

/* A temporary file of a writer that is gone: ".NAME.tmp" (hetmc before this folder lock) or
 * ".NAME.PID.N.tmp". */
static int is_stale_tmp(const char *name)
{
    size_t len = strlen(name);
    return name[0] == '.' && len > 5 && strcmp(name + len - 4, ".tmp") == 0;
}

/* Removes DIR/name when it is there. Returns 0 or -1 with errno set. */
static int remove_in(const hm_outdir *d, const char *name)
{
    char path[sizeof d->path + 300];
    join(path, sizeof path, d, name);
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* What an earlier run derived in the folder, and the temporary files of killed runs.
 * Returns 0 or an exit code after one line. */
static int clear_derived(hm_outdir *d, const char *cmd)
{
    const char *bad = NULL;
    for (size_t i = 0; i < sizeof derived / sizeof derived[0] && !bad; i++)
        if (remove_in(d, derived[i]) < 0)
            bad = derived[i];
    DIR *dir = bad ? NULL : opendir(d->path);
    for (struct dirent *e; dir && !bad && (e = readdir(dir));)
        if (is_stale_tmp(e->d_name) && remove_in(d, e->d_name) < 0)
            bad = e->d_name;
    int e = errno;
    if (!bad && !dir)
        bad = ".";
    if (bad)
        fprintf(stderr, "hetmc %s: cannot clear %s/%s (a file of an earlier run): %s\n", cmd,
                d->path, bad, strerror(e));
    if (dir)
        closedir(dir);
    return bad ? HM_EXIT_FAIL : 0;
}

int hm_outdir_open(hm_outdir *d, const char *cmd, const char *given)
{
    d->lock_fd = -1;
    if (given && strlen(given) > HM_OUTDIR_MAX)
        return hm_usage_error(cmd, "--out: a folder name of %zu characters is too long; "
                              "accepted: up to %d", strlen(given), HM_OUTDIR_MAX);
    if ((given ? make_given(d, given) : make_default(d)) < 0) {
        fprintf(stderr, "hetmc %s: cannot create %s: %s\n", cmd, d->path, strerror(errno));
        return HM_EXIT_FAIL;
    }
    int rc = take_lock(d, cmd);
    if (rc == 0 && (rc = clear_derived(d, cmd)) != 0)
        hm_outdir_close(d);
    return rc;
}

FILE *hm_outdir_fopen(const hm_outdir *d, const char *name)
{
    char path[sizeof d->path + 300];
    join(path, sizeof path, d, name);
    return fopen(path, "we");
}

/* A new temporary file for name, unique to this process: ".NAME.PID.N.tmp". */
static FILE *open_tmp(const hm_outdir *d, const char *name, char *tmp, size_t len)
{
    static unsigned serial;
    for (int tries = 0; tries < 100; tries++) {
        char base[300];
        snprintf(base, sizeof base, ".%s.%ld.%u.tmp", name, (long)getpid(), serial++);
        join(tmp, len, d, base);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "w");
            if (!f) {
                int e = errno;
                close(fd);
                unlink(tmp);
                errno = e;
            }
            return f;
        }
        if (errno != EEXIST)
            return NULL;
    }
    return NULL;
}

int hm_outdir_replace(const hm_outdir *d, const char *name, int (*write)(FILE *f, void *arg),
                      void *arg)
{
    char tmp[sizeof d->path + 340], path[sizeof d->path + 300];
    join(path, sizeof path, d, name);
    FILE *f = open_tmp(d, name, tmp, sizeof tmp);
    if (!f)
        return -1;
    errno = 0;
    int bad = write(f, arg) != 0 || fflush(f) != 0 || ferror(f);
    int e = errno ? errno : EIO;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) == 0)
        return 0;
    if (!bad)
        e = errno;
    unlink(tmp);
    errno = e;
    return -1;
}

void hm_outdir_close(hm_outdir *d)
{
    if (d->lock_fd >= 0)
        close(d->lock_fd); /* the lock goes with the last descriptor */
    d->lock_fd = -1;
}
