/*
 * test_tunecache.c - the cache of measured choices (host/base/tunecache.h): a value comes back,
 * the last line of a key wins, keys do not match by prefix, and a cache that cannot be written
 * or read is no error. Runs in a temporary XDG_CACHE_HOME.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "tunecache.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/hetmc-tunecache.XXXXXX", val[64], path[1200];
    CHECK(mkdtemp(dir) != NULL);
    setenv("XDG_CACHE_HOME", dir, 1);
    CHECK(hm_tune_cache_get("a", val, sizeof val) == 0); /* no file yet */
    CHECK(hm_tune_cache_put("a", "wide 256 256") == 0);  /* creates hetmc/ */
    CHECK(hm_tune_cache_put("ab", "mulhi 64 64") == 0);
    CHECK(hm_tune_cache_get("a", val, sizeof val) == 1 && strcmp(val, "wide 256 256") == 0);
    CHECK(hm_tune_cache_put("a", "plain 256 64") == 0);
    CHECK(hm_tune_cache_get("a", val, sizeof val) == 1 && strcmp(val, "plain 256 64") == 0);
    CHECK(hm_tune_cache_get("ab", val, sizeof val) == 1 && strcmp(val, "mulhi 64 64") == 0);
    CHECK(hm_tune_cache_get("b", val, sizeof val) == 0);
    CHECK(hm_tune_cache_put("bad\nkey", "x") == -1);
    CHECK(hm_tune_cache_path(path, sizeof path) == 0 && strstr(path, "/hetmc/tune.txt"));
    CHECK(unlink(path) == 0);
    snprintf(path, sizeof path, "%s/hetmc", dir);
    CHECK(rmdir(path) == 0);
    CHECK(rmdir(dir) == 0);
    /* Unwritable or absent: no error beyond the return values. */
    setenv("XDG_CACHE_HOME", "/proc/hetmc-no-cache", 1);
    CHECK(hm_tune_cache_put("a", "wide 1 1") == -1);
    CHECK(hm_tune_cache_get("a", val, sizeof val) == 0);
    CHECK(hm_tune_hash("") != hm_tune_hash("a"));
    return check_report("test_tunecache");
}
