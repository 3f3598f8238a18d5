/* cli.c - argument checks shared by every subcommand, and the checked standard output. */
#define _GNU_SOURCE /* fopencookie */
#include "cli.h"
#include "clock.h"
#include "load.h"
#include "numparse.h"
#include "runner.h"
#include "stop.h"
#include "sysinfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hm_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ' ';
    fprintf(stderr, "hetmc%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", msg);
    return HM_EXIT_USAGE;
}

int hm_opt_u64(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
               uint64_t *out)
{
    uint64_t v;
    const char *forms = "an integer such as 1000000, 1e8, 2^30, 100M, 1G or 64Ki";
    if (text[0] == '-') {
        hm_usage_error(cmd, "%s '%s': negative values are not accepted; expected %s from %llu to "
                       "%llu", opt, text, forms, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    int rc = hm_parse_u64(text, &v);
    if (rc == HM_PARSE_SYNTAX) {
        hm_usage_error(cmd, "%s '%s' is not a number; expected %s from %llu to %llu", opt, text,
                       forms, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    if (rc == HM_PARSE_FRACTION) {
        hm_usage_error(cmd, "%s '%s' is not a whole number; accepted: whole numbers from %llu "
                       "to %llu", opt, text, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    if (rc < 0 || v < min || v > max) {
        hm_usage_error(cmd, "%s '%s' is out of range; accepted: %llu to %llu", opt, text,
                       (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int hm_opt_seconds(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out)
{
    char *end = NULL;
    errno = 0;
    double v = isdigit((unsigned char)text[0]) || text[0] == '.' ? strtod(text, &end) : NAN;
    if (!end || *end || end == text || isnan(v)) {
        /* Examples within the range only: HETMC_DEFAULT_TIMEOUT starts at 1. */
        hm_usage_error(cmd, "%s '%s' is not a number of seconds; expected a decimal%s from %g "
                       "to %g", opt, text, min <= 0.001 ? " such as 0.01, 2 or 1e-3," : "",
                       min, max);
        return -1;
    }
    if (v < min || v > max || errno == ERANGE) {
        hm_usage_error(cmd, "%s '%s' is out of range; accepted: %g to %g seconds", opt, text,
                       min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* 1 when arg is "--NAME=..." for a long option that takes no value and whose value getopt
 * put in optopt; without longopts, any "--NAME=..." counts. */
static int value_not_taken(const char *arg, const struct option *longopts)
{
    if (!arg || strncmp(arg, "--", 2) != 0 || !strchr(arg, '=') || !optopt)
        return 0;
    if (!longopts)
        return 1;
    size_t len = strcspn(arg + 2, "=");
    for (const struct option *o = longopts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, arg + 2, len) == 0)
            return o->val == optopt && o->has_arg == no_argument;
    return 0;
}

int hm_opt_rejected(const char *cmd, int c, char **argv, const struct option *longopts,
                    const char *accepted)
{
    char name[128];
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;
    int long_opt = arg && strncmp(arg, "--", 2) == 0;
    if (c != ':' && value_not_taken(arg, longopts))
        return hm_usage_error(cmd, "option '%.*s' takes no value; accepted options: %s",
                              (int)strcspn(arg, "="), arg, accepted);
    /* A long option is named as typed. A short one by getopt's optopt, since arg may be a
     * bundle (-qx) or, when the bad letter is not the bundle's last, the argument before. A
     * missing value ends the arguments, so there arg is the option itself. */
    if ((c == ':' && long_opt) || (c != ':' && !optopt && arg))
        snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    else if (optopt && isprint((unsigned char)optopt))
        snprintf(name, sizeof name, "-%c", optopt);
    else
        snprintf(name, sizeof name, "%s", arg ? arg : "?");
    if (c == ':')
        return hm_usage_error(cmd, "option '%s' needs a value; accepted options: %s", name,
                              accepted);
    return hm_usage_error(cmd, "unknown option '%s'; accepted options: %s", name, accepted);
}

int hm_bad_option(const char *cmd, int missing_value, const char *arg, const char *accepted)
{
    char *argv[2] = {(char *)arg, NULL};
    int saved = optind;
    optind = 1; /* hm_opt_rejected reads argv[optind - 1] */
    int rc = hm_opt_rejected(cmd, missing_value ? ':' : '?', argv, NULL, accepted);
    optind = saved;
    return rc;
}

int hm_opt_value_missing(const char *cmd, const struct option *longopts, int c,
                         const char *value)
{
    /* An option's shape: "--name" or "-x"; "-5" is a negative number, "-" a plain value. */
    if (!value || value[0] != '-' || !(value[1] == '-' || isalpha((unsigned char)value[1])))
        return -1;
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == c && o->has_arg == required_argument)
            return hm_usage_error(cmd, "option '--%s' needs a value, but '%s' follows it "
                                  "(an option); give the value after --%s", o->name, value,
                                  o->name);
    return -1;
}

const hm_backend *hm_opt_backend(const char *cmd, const char *opt, const char *name)
{
    const hm_backend *b = hm_backend_find(name);
    if (!b) {
        char names[256];
        const char *missing = hm_backends_missing();
        hm_backend_names(names, sizeof names);
        hm_usage_error(cmd, "%s '%s' is not a backend of this build; accepted: %s%s%s", opt, name,
                       names, missing[0] ? " (not built: " : "", missing[0] ? "see hetmc --help)" : "");
    }
    return b;
}

int hm_default_limit(const char *cmd, uint64_t samples, double *out)
{
    const char *env = getenv("HETMC_DEFAULT_TIMEOUT");
    double base = HM_DEFAULT_TIMEOUT_BASE_S;
    if (env && *env && hm_opt_seconds(cmd, "HETMC_DEFAULT_TIMEOUT", env, 1, 86400, &base) < 0)
        return -1;
    /* At most the largest --timeout (a week): 2^63 samples would give 29,000 years. */
    *out = fmin(hm_default_timeout(base, samples), 86400.0 * 7);
    return 0;
}

int hm_opt_bind(const char *cmd, const char *text, unsigned *bind)
{
    if (strcmp(text, "none") == 0)
        *bind = HM_BIND_NONE;
    else if (strcmp(text, "cores") == 0)
        *bind = HM_BIND_CORES;
    else {
        hm_usage_error(cmd, "--bind '%s' is not a binding; accepted: none, cores", text);
        return -1;
    }
    return 0;
}

void hm_quiet_other_ranks(void)
{
    int rank, size;
    hm_launcher(&rank, &size);
    if (rank > 0)
        hm_quiet_rank();
}

/* --- Standard output, checked ----------------------------------------------------------- */

static int stdout_errno;   /* the first error writing or closing fd 1 */
static FILE *plain_stdout; /* the C library's own stdout, put back once ours is closed */

static ssize_t out_write(void *cookie, const char *buf, size_t len)
{
    size_t done = 0;
    (void)cookie;
    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!stdout_errno)
                stdout_errno = n < 0 ? errno : EIO;
            return (ssize_t)done; /* 0: the stream's error flag goes up */
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int hm_stdout_guard(void)
{
    cookie_io_functions_t io = {.write = out_write};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f)
        return -1;
    /* As the C library would: line-buffered on a terminal, else fully buffered. */
    setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
    plain_stdout = stdout;
    stdout = f;
    return 0;
}

int hm_stdout_finish(int rc)
{
    if (!plain_stdout)
        return rc;
    int failed = fflush(stdout) != 0 || ferror(stdout);
    fclose(stdout);
    stdout = plain_stdout;
    plain_stdout = NULL;
    /* Closing reports what a file system could only tell at the end (NFS, quotas). Then fd 1
     * points at /dev/null, so that nothing opened later (MPI at exit) gets fd 1. */
    if (close(STDOUT_FILENO) != 0 && errno != EBADF && !stdout_errno)
        stdout_errno = errno;
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0 && null != STDOUT_FILENO) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    if (!failed && !stdout_errno)
        return rc;
    fprintf(stderr, "hetmc: writing standard output: %s\n",
            strerror(stdout_errno ? stdout_errno : EIO));
    return rc == HM_EXIT_OK ? HM_EXIT_FAIL : rc;
}

#define IDLE_SAMPLE_S 1.0 /* how long each look at the machine's load lasts */

/* One look: the foreign load over IDLE_SAMPLE_S and the busiest other processes. Returns 1
 * when the machine is quiet enough (or the load cannot be measured). */
static int look_idle(double *foreign, char *busiest, size_t len)
{
    int n = hm_load_busiest(IDLE_SAMPLE_S, 3, busiest, len, foreign);
    double bound = (double)hm_allowed_cpus() / 100.0 / IDLE_SAMPLE_S;
    return n < 0 || isnan(*foreign) || *foreign <= hm_load_limit(1, bound);
}

int hm_wait_idle(const char *cmd, const char *then, double seconds, double *foreign,
                 char *busiest, size_t len)
{
    double t0 = hm_now();
    *foreign = NAN;
    busiest[0] = '\0';
    if (hm_load_unavailable()[0])
        return 1;
    int idle = look_idle(foreign, busiest, len);
    if (!idle && seconds > 0) {
        fprintf(stderr, "hetmc %s: other programs use %.2f cores of the %u allowed CPUs (%s); "
                "waiting up to %g s for them to finish (--wait-idle)\n", cmd, *foreign,
                hm_allowed_cpus(), busiest[0] ? busiest : "short-lived processes", seconds);
        while (!idle && !hm_stop_signal && hm_now() - t0 < seconds)
            idle = look_idle(foreign, busiest, len);
        if (idle)
            fprintf(stderr, "hetmc %s: the machine is quiet now (foreign load %.2f cores, after "
                    "%.0f s)\n", cmd, *foreign, hm_now() - t0);
    }
    if (!idle)
        fprintf(stderr, "hetmc %s: the machine is busy: other programs use %.2f cores of the %u "
                "allowed CPUs (%s); repetitions they disturb are marked interfered%s, and "
                "--wait-idle SECONDS waits for a quiet machine\n", cmd, *foreign,
                hm_allowed_cpus(), busiest[0] ? busiest : "short-lived processes, e.g. a build",
                then);
    return idle;
}
