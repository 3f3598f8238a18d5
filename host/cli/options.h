/*
 * options.h - the options of `hetmc run` and `hetmc matrix`, each declared once as data.
 *
 * One table (options.c) says for every option its long name, short letter, value kind and
 * range, default, the commands that have it, the HM_USES_* bit a backend needs for it to apply
 * and why it would not, and its help text in each command. From it come the getopt_long
 * tables, the usage and help lines, the "accepted options" lists, the range checks, the
 * "does not apply to backend" errors and the hm_config. An option that means something else
 * in the two commands (--samples is one number in run, a list in matrix) has one entry per
 * meaning.
 *
 * Adding an option: an id below, a field of hm_opts, an entry of the table; then the
 * hm_config field it fills (hm_opts_config) and the backends that read it.
 */
#ifndef HETMC_OPTIONS_H
#define HETMC_OPTIONS_H

#include "hetmc.h"

#include <stdint.h>
#include <stdio.h>

/* The commands, as bits of an option's commands. */
#define HM_CMD_RUN 1u
#define HM_CMD_MATRIX 2u

#define HM_OPT_MAX_LIST 256 /* values of one list (--workers, --samples, --backends) */
#define HM_OPT_MAX_REPEAT 16 /* --parts and --split in the matrix, each */

/* Every option, in the order of the usage, help and accepted lists of both commands. */
typedef enum hm_opt_id {
    HM_O_BACKEND,     /* run: one backend */
    HM_O_BACKENDS,    /* matrix: a list of backends */
    HM_O_WORKERS,     /* run: one number */
    HM_O_WORKER_LIST, /* matrix: a list */
    HM_O_SAMPLES,     /* run: one number */
    HM_O_SAMPLE_LIST, /* matrix: a list */
    HM_O_MATRIX_REPS, /* matrix: --reps, 1..10000 */
    HM_O_SEED,
    HM_O_DEVICE,
    HM_O_LOCAL_SIZE,
    HM_O_ITEM_BLOCKS,
    HM_O_OUT,
    HM_O_TIMEOUT,
    HM_O_TASKS,
    HM_O_RUN_REPS, /* run: --reps, 1..1000000 */
    HM_O_WARMUP,
    HM_O_MIN_TIME,
    HM_O_ORDER,      /* matrix: rounds or cells */
    HM_O_ORDER_SEED, /* matrix: the rounds' shuffle */
    HM_O_RETRIES,    /* matrix: repetitions added for interfered ones */
    HM_O_WAIT_IDLE,  /* wait for a quiet machine first */
    HM_O_BIND,
    HM_O_PARTS,
    HM_O_SPLIT,
    HM_O_FORMAT,
    HM_O_QUIET,
    HM_O_HELP,
    HM_O_COUNT
} hm_opt_id;

enum { HM_FORMAT_TABLE = 0, HM_FORMAT_CSV = 1, HM_FORMAT_JSON = 2, HM_FORMAT_MARKDOWN = 3 };
enum { HM_ORDER_ROUNDS = 0, HM_ORDER_CELLS = 1 };

typedef struct hm_u64_list {
    uint64_t v[HM_OPT_MAX_LIST];
    size_t n;
} hm_u64_list;

/* --parts and --split: one value in run (the last given), up to HM_OPT_MAX_REPEAT in the
 * matrix; v[0] NULL when none was given (the defaults). */
typedef struct hm_str_list {
    const char *v[HM_OPT_MAX_REPEAT];
    size_t n;
} hm_str_list;

/* The values of one command line; what the command does not have keeps its default. */
typedef struct hm_opts {
    const hm_backend *backend;                   /* run */
    const hm_backend *backends[HM_OPT_MAX_LIST]; /* matrix */
    size_t nbackends;
    uint64_t workers, samples;              /* run */
    hm_u64_list worker_list, sample_list;   /* matrix */
    uint64_t reps, seed, local_size, item_blocks, timeout_s, tasks, warmups;
    double min_time;
    unsigned order;           /* matrix: HM_ORDER_* */
    uint64_t order_seed, retries; /* matrix */
    double wait_idle;         /* seconds */
    const char *device; /* NULL: the backend's default */
    const char *out;    /* matrix: NULL for results/matrix-<date> */
    hm_str_list parts, splits;
    unsigned bind;   /* HM_BIND_* */
    unsigned format; /* HM_FORMAT_* */
    int quiet;
    uint64_t given; /* bit hm_opt_id: the option was on the command line */
} hm_opts;

/* A command that takes options from the table. */
typedef struct hm_opt_command {
    unsigned id;           /* HM_CMD_RUN or HM_CMD_MATRIX */
    const char *name;      /* "run" */
    void (*help)(FILE *f); /* prints its --help (with hm_opt_print_help) */
} hm_opt_command;

/* Parses argv into o (defaults first). Returns -1 to go on, else the exit code: 0 after
 * --help, 2 after the usage error. */
int hm_opts_parse(const hm_opt_command *cmd, int argc, char **argv, hm_opts *o);

/* Whether option id was given. */
int hm_opts_given(const hm_opts *o, hm_opt_id id);

/* The "--X does not apply to backend B; it ..." error of the first option given that b does
 * not read, among those whose HM_USES_* bit is in mask. Returns -1 when all apply, else 2. */
int hm_opts_check_applies(const hm_opt_command *cmd, const hm_opts *o, const hm_backend *b,
                          unsigned mask);

/* The hm_config of o: its workers, device, OpenCL sizes, time limit, binding, tasks, and the
 * first part list and split. */
void hm_opts_config(const hm_opts *o, hm_config *cfg);

/* cmd's --help: the usage lines, about (a paragraph ending in a line break), a blank line,
 * a help line per option, then tail. */
void hm_opt_print_help(FILE *f, const hm_opt_command *cmd, const char *about,
                       const char *tail);

#endif /* HETMC_OPTIONS_H */
