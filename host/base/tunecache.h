/*
 * tunecache.h - choices measured once per machine (kernel forms, launch shapes), kept in a small
 * text file: $XDG_CACHE_HOME/hetmc/tune.txt, else ~/.cache/hetmc/tune.txt. A line is
 * "key<TAB>value"; the last line of a key wins. The cache is an optimisation only: a cache that
 * cannot be read or written is no error, and a run then measures again.
 */
#ifndef HETMC_TUNECACHE_H
#define HETMC_TUNECACHE_H

#include <stddef.h>

/* The cache file's path into buf; 0, or -1 when neither XDG_CACHE_HOME nor HOME is set. */
int hm_tune_cache_path(char *buf, size_t len);
/* The value stored for key into val; 1 when found, 0 when not (or no cache). */
int hm_tune_cache_get(const char *key, char *val, size_t len);
/* Appends key = value (creating the folder); 0, or -1 when it could not be written. */
int hm_tune_cache_put(const char *key, const char *val);
/* A 64-bit FNV-1a hash of a string, for keys built from long texts (a kernel's source). */
unsigned long long hm_tune_hash(const char *s);

#endif /* HETMC_TUNECACHE_H */
