/*
 * hetmc.h - the heart of the library: the backend interface, the registry, results, errors.
 *
 * The layout of the source tree is described once, in docs/DESIGN.md; how to add a backend,
 * an option or a CSV column is in docs/CONTRIBUTING.md.
 *
 * Every backend counts the hits of the hetmc stream (docs/STREAM.md) among samples
 * [first, first + count) for a 64-bit seed, and reports how long each phase took:
 *   setup_s    creating workers, processes or programs until all are ready to compute;
 *   compute_s  the computation itself (the slowest worker's, for parallel backends);
 *   collect_s  gathering results: joins, pipes, reductions, transfers.
 * wall_s is the whole run() call as the caller saw it, measured by the caller.
 *
 * Conventions: public names start with hm_, errors are returned as negative HM_E* codes with
 * a message in an hm_error, and every resource starts as NULL so one cleanup path is safe.
 */
#ifndef HETMC_H
#define HETMC_H

#include <stddef.h>
#include <stdint.h>

#define HM_VERSION "0.1.0"
/* Version of the CSV contract (docs/DESIGN.md); bump on any change of columns or meaning. */
#define HM_CSV_FORMAT_VERSION 3
/* Largest accepted sample count: 2^63. */
#define HM_MAX_SAMPLES (UINT64_C(1) << 63)
/* Largest --item-blocks: Philox blocks one OpenCL work-item counts. */
#define HM_MAX_ITEM_BLOCKS 65536u
/* Largest worker count (threads, processes, ranks) hetmc accepts. */
#define HM_MAX_WORKERS 1024u
/* Largest number of tasks a run of a process backend is split into (--tasks). */
#define HM_MAX_TASKS 1000000u

/* Error codes, X-macro so names and default messages come from one table. */
#define HM_ERRNO_MAP(X)                                                                      \
    X(OK, 0, "success")                                                                      \
    X(INVAL, -1, "invalid argument")                                                         \
    X(NOMEM, -2, "out of memory")                                                            \
    X(UNAVAIL, -3, "backend or device not available")                                        \
    X(SYS, -4, "system call failed")                                                         \
    X(WORKER, -5, "a worker failed")                                                         \
    X(TIMEOUT, -6, "timed out")                                                              \
    X(DEVICE, -7, "device error")                                                            \
    X(INTR, -8, "interrupted by a signal")

enum hm_errno {
#define HM_ERRNO_ENUM(name, val, msg) HM_E##name = (val),
    HM_ERRNO_MAP(HM_ERRNO_ENUM)
#undef HM_ERRNO_ENUM
};

const char *hm_strerror(int code);

/* A message for the user: one line, no trailing newline. */
typedef struct hm_error {
    int code;
    char msg[512];
} hm_error;

/* Sets err (if not NULL) and returns code, so callers can write `return hm_fail(...)`. */
int hm_fail(hm_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* How a backend is set up; one struct for every backend, each reads what it needs. */
typedef struct hm_config {
    unsigned workers;     /* threads, processes, ranks; >= 1 */
    const char *device;   /* device selector (OpenCL); NULL means the backend's default */
    size_t local_size;    /* OpenCL work-group size; 0 means chosen from the device */
    unsigned item_blocks; /* OpenCL Philox blocks per work-item; 0 means chosen from the device */
    double timeout_s;     /* per-run limit for process backends; 0 means none */
    const char *self_exe; /* path of the running hetmc binary (for spawn), may be NULL */
    unsigned bind;        /* HM_BIND_NONE, or HM_BIND_CORES: worker k runs on the k-th CPU of
                           * the affinity mask hetmc started with (wrapping around) */
    unsigned tasks;       /* process backends: split a run into this many tasks handed out to
                           * the workers one at a time; 0 means one slice per worker */
    const char *parts;    /* coexec: the part list (--parts); NULL means its default, auto */
    const char *split;    /* coexec: dynamic, static or static:W1,W2,...; NULL means dynamic */
    unsigned device_units; /* OpenCL: run on a sub-device of this many compute units
                            * (clCreateSubDevices by counts); 0 means the whole device */
} hm_config;

enum { HM_BIND_NONE = 0, HM_BIND_CORES = 1 };

/* One measured run. Times are in seconds; a field that does not apply is NAN. */
typedef struct hm_result {
    uint64_t hits;
    double setup_s, compute_s, collect_s;
    double build_s;    /* program build (OpenCL), part of setup_s or of prepare */
    double kernel_s;   /* device kernel time from event profiling (OpenCL) */
    double transfer_s; /* host<->device transfers (OpenCL) */
    size_t local_size; /* work-group size used (OpenCL), 0 if none */
    uint64_t launches; /* kernel launches (OpenCL), 0 if none */
    unsigned item_blocks; /* Philox blocks per work-item (OpenCL), 0 if none */
    unsigned tasks;    /* tasks the run was split into (process backends), 0 if not split */
    double create_s;   /* one-time creation of reusable workers (pool, forkserver), NAN if none */
    double balance;    /* coexec: earliest part finish / latest part finish, NAN if none */
    char parts[512];   /* coexec: each part, its share of the samples and its rate, or empty */
    char device[128];  /* what ran it: "cpu", or the OpenCL device name */
    char timer[64];    /* which clocks produced the times, e.g. "host-monotonic" */
    char note[256];    /* a remark the backend adds to the row's note (one line), or empty */
} hm_result;

/* Resets a result to "nothing measured": zero counts, NAN times. */
void hm_result_init(hm_result *r);

typedef struct hm_ctx hm_ctx; /* backend-private state */

/* Options a backend reads beyond workers; the CLI rejects them for backends that ignore them. */
#define HM_USES_DEVICE 1u
#define HM_USES_LOCAL_SIZE 2u
#define HM_USES_TIMEOUT 4u /* enforces timeout_s itself (stops its workers) */
#define HM_USES_BIND 8u    /* pins its workers when bind is HM_BIND_CORES */
#define HM_USES_ITEM_BLOCKS 32u /* reads item_blocks (OpenCL blocks per work-item) */
#define HM_USES_TASKS 64u  /* splits runs into cfg->tasks tasks (process backends) */
#define HM_USES_PARTS 128u /* --parts and --split (coexec; mpi runs coexec in each rank) */
/* Not an option: its runs are collective across processes (mpi), so every process must make
 * the same number of calls; the runner then times each repetition as one call, since a
 * calibration to a minimum time would let the ranks disagree. */
#define HM_COLLECTIVE 16u

/* What a backend is, for the commands that would otherwise have to know it by name. */
#define HM_REFERENCE 1u          /* the baseline of every comparison (serial) */
#define HM_WORKERS_FROM_PARTS 2u /* its workers are the sum of its parts' (coexec) */

/* A backend: a name and three functions. The core never knows which one runs.
 *   prepare  validates cfg and acquires what can be reused across runs;
 *   run      counts hits in [first, first + count) and fills the phase times;
 *   release  frees everything prepare acquired (ctx may be NULL). */
typedef struct hm_backend {
    const char *name;
    const char *family;   /* its folder under host/backends/: threads, openmp, procs, opencl,
                           * coexec, mpi */
    const char *summary;
    unsigned max_workers; /* 0: any count; serial: 1. The CLI's default is min(cores, this). */
    unsigned uses;        /* HM_USES_* bits: which hm_config options this backend reads */
    unsigned flags;       /* HM_REFERENCE, HM_WORKERS_FROM_PARTS */
    int (*prepare)(const hm_config *cfg, hm_ctx **ctx, hm_error *err);
    int (*run)(hm_ctx *ctx, uint64_t seed, uint64_t first, uint64_t count, hm_result *out,
               hm_error *err);
    void (*release)(hm_ctx *ctx);
    /* Optional; NULL for backends without devices. Expands a --device selector (NULL: the
     * backend's default) into the device indices it names, in order. Returns the count (> 0)
     * with the indices in *idx (malloc'ed; the caller frees), HM_EINVAL with a message listing
     * the devices when the selector matches none, or HM_EUNAVAIL when there is no device at
     * all. The caller then prepares once per index, with cfg->device set to the index. */
    int (*select_devices)(const char *selector, unsigned **idx, hm_error *err);
    /* Optional. A command calls it for every backend it may run (cfg->parts set for those
     * with parts) before any thread of the process exists, since fork() of a threaded process
     * is unsafe: the fork server starts its server here. It reports nothing: when it could not
     * do its work, preparing the backend says why. */
    void (*early_init)(const hm_config *cfg);
    /* Optional; for backends with HM_USES_PARTS. Checks cfg->parts and cfg->split (NULL: the
     * defaults) and gives the workers the parts add up to and a label of the parts ("" when
     * there is none). Returns 0, HM_EINVAL with a message for a list that can never run, or
     * HM_EUNAVAIL when a part cannot run on this machine. */
    int (*plan_parts)(const hm_config *cfg, unsigned *workers, char *label, size_t len,
                      hm_error *err);
} hm_backend;

/* The registry: every backend compiled into this binary, in a fixed order. */
size_t hm_backend_count(void);
const hm_backend *hm_backend_at(size_t i);
const hm_backend *hm_backend_find(const char *name);
/* Names of backends that exist in hetmc but were not built into this binary, with why. */
const char *hm_backends_missing(void);
/* "serial, openmp, ..." into buf. */
void hm_backend_names(char *buf, size_t len);
/* The backend flagged HM_REFERENCE (serial); whether a backend name (from a CSV file) is its. */
const hm_backend *hm_backend_reference(void);
int hm_backend_is_reference(const char *name);
/* Calls b's early_init with cfg (when it has one); with b NULL, every backend's with a cfg of
 * defaults, for commands that run them all (verify, hetmc-gbench). */
void hm_backend_early_init(const hm_backend *b, const hm_config *cfg);

/* Helpers every backend uses. */

/* Splits [first, first + count) into `parts` contiguous slices that differ by at most one
 * sample; slice k is [*a, *a + *n). */
void hm_slice(uint64_t first, uint64_t count, unsigned parts, unsigned k, uint64_t *a,
              uint64_t *n);

/* FNV-1a (64-bit) of len bytes: the checksum of process messages, the hash of device names. */
uint64_t hm_fnv1a(const void *p, size_t len);

#endif /* HETMC_H */
