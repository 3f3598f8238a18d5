/* tunecache.c - the cache of measured choices (tunecache.h). */
#include "tunecache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The cache folder into buf: $XDG_CACHE_HOME/hetmc or $HOME/.cache/hetmc. */
static int cache_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/hetmc", xdg);
    else if (home && home[0])
        n = snprintf(buf, len, "%s/.cache/hetmc", home);
    else
        return -1;
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int hm_tune_cache_path(char *buf, size_t len)
{
    char dir[1024];
    if (cache_dir(dir, sizeof dir) < 0)
        return -1;
    int n = snprintf(buf, len, "%s/tune.txt", dir);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int hm_tune_cache_get(const char *key, char *val, size_t len)
{
    char path[1100], line[1024];
    size_t klen = strlen(key);
    int found = 0;
    if (hm_tune_cache_path(path, sizeof path) < 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0 || line[klen] != '\t')
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(val, len, "%s", line + klen + 1);
        found = 1;
    }
    fclose(f);
    return found;
}

/* mkdir -p for the cache folder (two levels at most below an existing one). */
static int make_dirs(const char *dir)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int hm_tune_cache_put(const char *key, const char *val)
{
    char dir[1024], path[1100], line[1024];
    if (cache_dir(dir, sizeof dir) < 0 || make_dirs(dir) < 0 ||
        hm_tune_cache_path(path, sizeof path) < 0)
        return -1;
    int n = snprintf(line, sizeof line, "%s\t%s\n", key, val);
    if (n <= 0 || (size_t)n >= sizeof line || strchr(key, '\n') || strchr(val, '\n'))
        return -1;
    FILE *f = fopen(path, "a");
    if (!f)
        return -1;
    /* One write of the whole line: concurrent writers append whole lines. */
    int ok = fwrite(line, 1, (size_t)n, f) == (size_t)n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

unsigned long long hm_tune_hash(const char *s)
{
    unsigned long long h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}
