/* cli.c - argument checks shared by every subcommand. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "numparse.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
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
    if (hm_parse_u64(text, &v) != 0) {
        hm_usage_error(cmd, "%s '%s' is not a number; expected %s from %llu to %llu", opt, text,
                       forms, (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    if (v < min || v > max) {
        hm_usage_error(cmd, "%s '%s' is out of range; accepted: %llu to %llu", opt, text,
                       (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int hm_bad_option(const char *cmd, int missing_value, const char *arg, const char *accepted)
{
    if (missing_value)
        return hm_usage_error(cmd, "option '%s' needs a value; accepted options: %s", arg,
                              accepted);
    return hm_usage_error(cmd, "unknown option '%s'; accepted options: %s", arg, accepted);
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

