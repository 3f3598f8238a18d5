/* options.c - the option table of run and matrix, and what is built from it; see options.h. */
#define _POSIX_C_SOURCE 200809L
#include "options.h"
#include "cli.h"
#include "numparse.h"
#include "sysinfo.h"

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum opt_kind {
    KIND_U64,      /* a number from min to max into a uint64_t */
    KIND_SECONDS,  /* seconds from lo to hi into a double */
    KIND_LIST,     /* numbers and ranges from min to max into an hm_u64_list */
    KIND_STRING,   /* text into a const char * */
    KIND_STRINGS,  /* text into an hm_str_list: repeated in the commands of `repeat` */
    KIND_ENUM,     /* one of `choices` into an unsigned, its index */
    KIND_BACKEND,  /* a backend of the registry */
    KIND_BACKENDS, /* a list of backends of the registry, each once */
    KIND_FLAG,     /* no value; sets an int to 1 */
    KIND_HELP      /* prints the command's help */
} opt_kind;

#define REQUIRED 1u /* in the usage without brackets */
#define NONEMPTY 2u /* KIND_STRING: '' is an error; `what` says what it expects */

typedef struct option_spec {
    const char *name;    /* the long name, without the dashes */
    int letter;          /* the short option, 0 for none */
    unsigned cmds;       /* HM_CMD_*: the commands that have it */
    opt_kind kind;
    const char *meta;    /* its value in the help lines: "N", "LIST"; NULL without a value */
    const char *choices; /* KIND_ENUM: "none|cores", also its value in usage and errors */
    const char *what;    /* KIND_ENUM: what a value is; NONEMPTY, KIND_STRINGS: what it
                          * expects ('' is an error) */
    uint64_t min, max;   /* KIND_U64, KIND_LIST */
    double lo, hi;       /* KIND_SECONDS */
    double def;          /* the default of a number */
    size_t off;          /* offsetof(hm_opts, its value) */
    unsigned uses;       /* the HM_USES_* bit a backend needs for it to apply; 0: every one */
    const char *applies; /* why it would apply: "it ..." ({list-and}: those with `uses`) */
    unsigned flags;      /* REQUIRED, NONEMPTY */
    unsigned repeat;     /* KIND_STRINGS: the commands where it may be given again */
    unsigned wrap;       /* the commands whose usage starts a new line at it */
    /* Its help text in run and in the matrix: "\n" goes on at the help column; {min} and
     * {max} are its range, {cpus} the CPUs this process may run on, {list} and {list-and}
     * the backends with `uses`. */
    const char *help[2];
} option_spec;

#define AT(field) offsetof(hm_opts, field)
#define BOTH (HM_CMD_RUN | HM_CMD_MATRIX)
#define RUN HM_CMD_RUN
#define MATRIX HM_CMD_MATRIX

static const option_spec table[HM_O_COUNT] = {
    [HM_O_BACKEND] = {"backend", 'b', RUN, KIND_BACKEND, "B", .off = AT(backend),
                      .flags = REQUIRED,
                      .help = {"see `hetmc --help` for the backends of this build (required)"}},
    [HM_O_BACKENDS] = {"backends", 'b', MATRIX, KIND_BACKENDS, "LIST",
                       .help = {NULL, "comma-separated (default: every backend of this build; "
                                      "those\nunavailable here give `skipped` rows)"}},
    [HM_O_WORKERS] = {"workers", 'w', RUN, KIND_U64, "W", .min = 1, .max = HM_MAX_WORKERS,
                      .off = AT(workers),
                      .help = {"threads/processes, {min}..{max} (default: the CPUs this process "
                               "may\nrun on, {cpus} here; serial: 1)"}},
    [HM_O_WORKER_LIST] = {"workers", 'w', MATRIX, KIND_LIST, "LIST", .min = 1,
                          .max = HM_MAX_WORKERS, .off = AT(worker_list),
                          .help = {NULL, "default 1,{cpus} (1 and the CPUs this process may "
                                         "run on); serial\nruns at 1 only"}},
    [HM_O_SAMPLES] = {"samples", 'n', RUN, KIND_U64, "N", .min = 0, .max = HM_MAX_SAMPLES,
                      .def = 1e8, .off = AT(samples),
                      .help = {"0..2^63 (default 1e8); forms: 1000000, 1e8, 2^30, 100M, 1G, "
                               "64Ki"}},
    [HM_O_SAMPLE_LIST] = {"samples", 'n', MATRIX, KIND_LIST, "LIST", .min = 1,
                          .max = HM_MAX_SAMPLES, .off = AT(sample_list),
                          .help = {NULL, "default 2^16..2^30x4 (2^16, 2^18, ..., 2^30)"}},
    [HM_O_MATRIX_REPS] = {"reps", 'r', MATRIX, KIND_U64, "R", .min = 1, .max = 10000, .def = 4,
                          .off = AT(reps),
                          .help = {NULL, "timed repetitions per cell, {min}..{max} (default 4: "
                                         "the fewest with\nwhich `hetmc compare` can find a "
                                         "difference significant at 5%)"}},
    [HM_O_SEED] = {"seed", 's', BOTH, KIND_U64, "S", .min = 0, .max = UINT64_MAX, .def = 42,
                   .off = AT(seed), .wrap = MATRIX,
                   .help = {"0..2^64-1 (default 42)", "default 42"}},
    [HM_O_DEVICE] = {"device", 'd', BOTH, KIND_STRING, "D", .off = AT(device),
                     .what = "an OpenCL device (index, gpu, cpu, all, or part of a name)",
                     .flags = NONEMPTY,
                     .uses = HM_USES_DEVICE, .applies = "it selects OpenCL devices",
                     .help = {"OpenCL device: index, gpu, cpu, all, or part of its name",
                              "OpenCL devices to measure: index, gpu, cpu, all, or part of a\n"
                              "name (default: all, every device of every platform)"}},
    [HM_O_LOCAL_SIZE] = {"local-size", 'l', RUN, KIND_U64, "L", .min = 1, .max = 1u << 20,
                         .off = AT(local_size), .uses = HM_USES_LOCAL_SIZE,
                         .applies = "it sets the OpenCL work-group size", .wrap = RUN,
                         .help = {"OpenCL work-group size (default: from the device)"}},
    [HM_O_ITEM_BLOCKS] = {"item-blocks", 'i', RUN, KIND_U64, "B", .min = 1,
                          .max = HM_MAX_ITEM_BLOCKS, .off = AT(item_blocks),
                          .uses = HM_USES_ITEM_BLOCKS,
                          .applies = "it sets the OpenCL blocks per work-item",
                          .help = {"OpenCL Philox blocks (2 samples each) per work-item, "
                                   "{min}..{max}\n(default: from the device)"}},
    [HM_O_OUT] = {"out", 'o', MATRIX, KIND_STRING, "DIR", .what = "a folder", .off = AT(out),
                  .flags = NONEMPTY,
                  .help = {NULL, "default results/matrix-<UTC date-time>, a new folder (-2, -3,\n... "
                                 "when taken); an existing DIR is reused: the files an\nearlier "
                                 "run derived in it are removed first, and a second\nmatrix in "
                                 "it stops with exit 2 (a lock: DIR/.hetmc.lock)"}},
    [HM_O_TIMEOUT] = {"timeout", 't', BOTH, KIND_U64, "SECONDS", .min = 1, .max = 86400 * 7,
                      .off = AT(timeout_s),
                      .help = {"limit of one run, {min}..{max} (default 60 s + 1 s per 10^7\n"
                               "samples, at most {max}); process backends kill their workers and the\n"
                               "repetition fails; any other backend cannot be stopped, so\n"
                               "hetmc prints the failed row and exits 1",
                               "limit of one run, {min}..{max} (default 60 s + 1 s per 10^7 "
                               "samples\nof the largest size, at most {max}); process backends kill their "
                               "workers and\nthe repetition fails; any other backend cannot be "
                               "stopped, so\nthe matrix ends there (failed row, comparison "
                               "written, exit 1)"}},
    [HM_O_TASKS] = {"tasks", 0, RUN, KIND_U64, "T", .min = 1, .max = HM_MAX_TASKS,
                    .off = AT(tasks), .uses = HM_USES_TASKS,
                    .applies = "it splits runs of the process backends {list-and}",
                    .help = {"{list}: split each run into T tasks,\n{min}..{max}, handed out "
                             "one at a time to whichever worker is free,\nlike Pool.starmap "
                             "over T batches (default: a slice per worker)"}},
    [HM_O_RUN_REPS] = {"reps", 'r', RUN, KIND_U64, "R", .min = 1, .max = 1000000, .def = 3,
                       .off = AT(reps), .wrap = RUN,
                       .help = {"timed repetitions, {min}..{max} (default 3)"}},
    [HM_O_WARMUP] = {"warmup", 0, BOTH, KIND_U64, "K", .min = 0, .max = 1000, .def = 1,
                     .off = AT(warmups), .wrap = MATRIX,
                     .help = {"untimed runs before them, {min}..{max} (default 1)",
                              "untimed runs per cell, {min}..{max} (default 1)"}},
    [HM_O_MIN_TIME] = {"min-time", 0, BOTH, KIND_SECONDS, "SECONDS", .lo = 0, .hi = 3600,
                       .def = 0.01, .off = AT(min_time),
                       .help = {"each repetition repeats the run back to back until it lasts\n"
                                "this long; times are per call (column calls); 0 disables\n"
                                "(default 0.01)",
                                "each repetition repeats the run back to back until it lasts\n"
                                "this long, times per call (column calls); 0 disables (default"
                                "\n0.01)"}},
    [HM_O_ORDER] = {"order", 0, MATRIX, KIND_ENUM, "O", .choices = "rounds|cells",
                    .what = "an order", .off = AT(order), .wrap = MATRIX,
                    .help = {NULL, "rounds (default): every cell once per round, in an order "
                                   "shuffled\nper round, so that a passing load falls on all "
                                   "cells alike;\ncells: each cell's repetitions back to "
                                   "back"}},
    [HM_O_ORDER_SEED] = {"order-seed", 0, MATRIX, KIND_U64, "S", .min = 0, .max = UINT64_MAX,
                         .off = AT(order_seed),
                         .help = {NULL, "the seed of the rounds' shuffle (default: from the "
                                        "clock;\nprovenance.txt records it)"}},
    [HM_O_RETRIES] = {"retries", 0, MATRIX, KIND_U64, "N", .min = 0, .max = 100, .def = 3,
                      .off = AT(retries), .wrap = MATRIX,
                      .help = {NULL, "repetitions a cell may add, in later rounds, for those "
                                     "measured\nwhile other programs used the CPUs "
                                     "(interfered), {min}..{max}\n(default 3)"}},
    [HM_O_WAIT_IDLE] = {"wait-idle", 0, BOTH, KIND_SECONDS, "T", .lo = 0, .hi = 86400,
                        .off = AT(wait_idle), .wrap = RUN,
                        .help = {"before measuring, wait up to this long for other programs'\n"
                                 "CPU use to fall below 0.1 core (default 0: no look)",
                                 "before measuring, wait up to this long for other "
                                       "programs' CPU\nuse to fall below 0.1 core (default 0: "
                                       "say how busy the machine\nis, and go on)"}},
    [HM_O_BIND] = {"bind", 0, BOTH, KIND_ENUM, "B", .choices = "none|cores",
                   .what = "a binding", .off = AT(bind), .uses = HM_USES_BIND,
                   .applies = "it pins the workers of {list-and}",
                   .help = {"none (default) or cores: worker k runs on the k-th allowed CPU\n"
                            "({list})",
                            "none (default) or cores: worker k of {list-and} runs on the k-th "
                            "allowed CPU"}},
    [HM_O_PARTS] = {"parts", 0, BOTH, KIND_STRINGS, "PARTS", .off = AT(parts),
                    .what = "parts such as openmp:3,opencl@gpu, or auto",
                    .uses = HM_USES_PARTS,
                    .applies = "it gives the parts of coexec (or of mpi ranks)",
                    .repeat = MATRIX, .wrap = BOTH,
                    .help = {"coexec: BACKEND[:WORKERS][@DEVICE],... run at once on one\n"
                             "stream, e.g. openmp:3,opencl@gpu (default auto: every GPU and\n"
                             "openmp on the remaining cores); workers = the parts' sum",
                             "a coexec cell's parts, e.g. openmp:1,opencl@cpu (see hetmc run\n"
                             "--help); repeat for more cells (default auto: every GPU and\n"
                             "openmp on the remaining cores); coexec ignores --workers"}},
    [HM_O_SPLIT] = {"split", 0, BOTH, KIND_STRINGS, "SPLIT", .off = AT(splits),
                    .what = "dynamic, static or static:W1,W2,...",
                    .uses = HM_USES_PARTS,
                    .applies = "it gives the parts of coexec (or of mpi ranks)",
                    .repeat = MATRIX,
                    .help = {"coexec: dynamic (default; chunks sized by measured rates),\n"
                             "static (one slice per part by measured rates), static:3,1",
                             "dynamic (default), static or static:W1,W2,...; repeat to run\n"
                             "every part list with every split"}},
    [HM_O_FORMAT] = {"format", 'f', RUN, KIND_ENUM, "F", .choices = "table|csv|json|markdown",
                     .what = "a format", .off = AT(format),
                     .help = {"table (default, for people), csv (docs/DESIGN.md contract),\n"
                              "json (the rows and provenance; docs/results.schema.json)\n"
                              "or markdown (a table to paste)"}},
    [HM_O_QUIET] = {"quiet", 'q', MATRIX, KIND_FLAG, .off = AT(quiet),
                    .help = {NULL, "no progress on stderr"}},
    [HM_O_HELP] = {"help", 'h', BOTH, KIND_HELP},
};

#define HELP_COLUMN 21 /* where the help text of an option starts */
#define HELP_WIDTH 86  /* a list of backends in a help text wraps before this column */

/* --- Text from a template ------------------------------------------------------------------ */

/* Text being built; with indent > 0, a line break goes on at that column. */
typedef struct textbuf {
    char buf[2048];
    size_t len, col;
    size_t indent;
} textbuf;

static void put(textbuf *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n && t->len + 1 < sizeof t->buf; i++) {
        t->buf[t->len++] = s[i];
        t->col++;
        if (s[i] != '\n' || !t->indent)
            continue;
        t->col = 0;
        while (t->col < t->indent && t->len + 1 < sizeof t->buf) {
            t->buf[t->len++] = ' ';
            t->col++;
        }
    }
    t->buf[t->len] = '\0';
}

static void puts_text(textbuf *t, const char *s)
{
    put(t, s, strlen(s));
}

/* The backends whose `uses` has bits: "a, b, c", or "a, b and c" with and_last. In a help
 * text (indent > 0) the list wraps before HELP_WIDTH. */
static void put_backends(textbuf *t, unsigned bits, int and_last)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < hm_backend_count(); i++)
        n += (hm_backend_at(i)->uses & bits) != 0;
    for (size_t i = 0; i < hm_backend_count(); i++) {
        const hm_backend *b = hm_backend_at(i);
        if (!(b->uses & bits))
            continue;
        char item[64];
        snprintf(item, sizeof item, "%s%s", b->name,
                 k + 1 == n ? "" : k + 2 == n && and_last ? " and" : ",");
        if (k++)
            puts_text(t, t->indent && t->col + 1 + strlen(item) > HELP_WIDTH ? "\n" : " ");
        puts_text(t, item);
    }
}

/* Expands one {name} of e's template at *p (just after the brace); returns 0 when it is none
 * of the names. */
static int put_field(textbuf *t, const option_spec *e, const char **p)
{
    char num[32];
    const char *end = strchr(*p, '}');
    size_t len = end ? (size_t)(end - *p) : 0;
    if (len == 3 && strncmp(*p, "min", 3) == 0)
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->min);
    else if (len == 3 && strncmp(*p, "max", 3) == 0)
        snprintf(num, sizeof num, "%llu", (unsigned long long)e->max);
    else if (len == 4 && strncmp(*p, "cpus", 4) == 0)
        snprintf(num, sizeof num, "%u", hm_allowed_cpus());
    else if (len == 4 && strncmp(*p, "list", 4) == 0)
        put_backends(t, e->uses, 0);
    else if (len == 8 && strncmp(*p, "list-and", 8) == 0)
        put_backends(t, e->uses, 1);
    else
        return 0;
    if (len == 3 || strncmp(*p, "cpus", 4) == 0)
        puts_text(t, num);
    *p = end + 1;
    return 1;
}

static void put_template(textbuf *t, const option_spec *e, const char *tmpl)
{
    for (const char *p = tmpl; *p;) {
        const char *brace = strchr(p, '{');
        if (!brace) {
            puts_text(t, p);
            return;
        }
        put(t, p, (size_t)(brace - p));
        p = brace + 1;
        if (!put_field(t, e, &p))
            put(t, "{", 1);
    }
}

/* --- The option table, per command --------------------------------------------------------- */

static int has(const hm_opt_command *cmd, hm_opt_id id)
{
    return (table[id].cmds & cmd->id) != 0;
}

/* What getopt_long returns for it: its letter, or a code past every character. */
static int code_of(hm_opt_id id)
{
    return table[id].letter ? table[id].letter : 256 + (int)id;
}

static int takes_value(const option_spec *e)
{
    return e->kind != KIND_FLAG && e->kind != KIND_HELP;
}

/* Its value as the usage and the accepted list write it: "N", "none|cores". */
static const char *usage_meta(const option_spec *e)
{
    return e->kind == KIND_ENUM ? e->choices : e->meta;
}

/* The getopt_long table and short options of cmd. */
static void getopt_tables(const hm_opt_command *cmd, struct option *longopts, char *shorts)
{
    size_t n = 0, s = 0;
    shorts[s++] = ':';
    for (int id = 0; id < HM_O_COUNT; id++) {
        const option_spec *e = &table[id];
        if (!has(cmd, id))
            continue;
        longopts[n++] = (struct option){e->name, takes_value(e) ? required_argument
                                                                : no_argument, NULL,
                                        code_of(id)};
        if (e->letter) {
            shorts[s++] = (char)e->letter;
            if (takes_value(e))
                shorts[s++] = ':';
        }
    }
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    shorts[s] = '\0';
}

/* "--backend B, --workers W, ..., --help". */
static const char *accepted(const hm_opt_command *cmd)
{
    static textbuf t;
    t.len = t.col = t.indent = 0;
    t.buf[0] = '\0';
    for (int id = 0; id < HM_O_COUNT; id++) {
        if (!has(cmd, id))
            continue;
        puts_text(&t, t.len ? ", --" : "--");
        puts_text(&t, table[id].name);
        if (usage_meta(&table[id])) {
            puts_text(&t, " ");
            puts_text(&t, usage_meta(&table[id]));
        }
    }
    return t.buf;
}

/* "usage: hetmc run --backend B [--workers W] ...", wrapped where the table says. */
static void print_usage(FILE *f, const hm_opt_command *cmd)
{
    textbuf t = {.len = 0};
    puts_text(&t, "usage: hetmc ");
    puts_text(&t, cmd->name);
    t.indent = t.len + 1;
    for (int id = 0; id < HM_O_COUNT; id++) {
        const option_spec *e = &table[id];
        if (!has(cmd, id) || e->kind == KIND_HELP)
            continue;
        int opt = !(e->flags & REQUIRED);
        puts_text(&t, e->wrap & cmd->id ? "\n" : " ");
        puts_text(&t, opt ? "[--" : "--");
        puts_text(&t, e->name);
        if (usage_meta(e)) {
            puts_text(&t, " ");
            puts_text(&t, usage_meta(e));
        }
        puts_text(&t, opt ? "]" : "");
        puts_text(&t, e->repeat & cmd->id ? "..." : "");
    }
    fprintf(f, "%s\n", t.buf);
}

/* The help lines of cmd's options. */
static void print_options(FILE *f, const hm_opt_command *cmd)
{
    for (int id = 0; id < HM_O_COUNT; id++) {
        const option_spec *e = &table[id];
        const char *help = e->help[cmd->id == HM_CMD_MATRIX];
        if (!has(cmd, id) || !help)
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", e->name, e->meta ? " " : "",
                 e->meta ? e->meta : "");
        textbuf t = {.indent = HELP_COLUMN};
        fprintf(f, "  %-18s ", left);
        t.col = HELP_COLUMN;
        put_template(&t, e, help);
        fprintf(f, "%s\n", t.buf);
    }
}

void hm_opt_print_help(FILE *f, const hm_opt_command *cmd, const char *about,
                       const char *tail)
{
    print_usage(f, cmd);
    fprintf(f, "\n%s\n", about);
    print_options(f, cmd);
    fputs(tail, f);
}

/* --- Values --------------------------------------------------------------------------------- */

/* One item of a list: a number A (as A..A), a range A..B (step 1) or A..BxF (factor F).
 * Returns 0, a HM_PARSE_* code, or 1 when well formed numbers make no range. */
static int parse_item(char *item, uint64_t *a, uint64_t *b, uint64_t *factor)
{
    char *dots = strstr(item, "..");
    int rc;
    *factor = 0;
    if (!dots) {
        rc = hm_parse_u64(item, a);
        *b = *a;
        return rc;
    }
    *dots = '\0';
    char *hi = dots + 2, *x = strrchr(hi, 'x');
    if (x && x != hi && !(x == hi + 1 && hi[0] == '0')) { /* not the x of 0x hex */
        *x = '\0';
        if ((rc = hm_parse_u64(x + 1, factor)) < 0)
            return rc;
        if (*factor < 2)
            return 1;
    }
    if ((rc = hm_parse_u64(item, a)) < 0 || (rc = hm_parse_u64(hi, b)) < 0)
        return rc;
    return *a > *b || (*factor && *a == 0) ? 1 : 0;
}

/* The values of one item, a to b by factor (or by 1), appended to out. Returns 0 or 2. */
static int expand_item(const char *cmd, const char *opt, const char *text, const option_spec *e,
                       uint64_t a, uint64_t b, uint64_t factor, hm_u64_list *out)
{
    for (uint64_t v = a;;) {
        if (v < e->min || v > e->max)
            return hm_usage_error(cmd, "%s '%s': %llu is out of range; accepted: %llu to %llu",
                                  opt, text, (unsigned long long)v,
                                  (unsigned long long)e->min, (unsigned long long)e->max);
        if (out->n == HM_OPT_MAX_LIST)
            return hm_usage_error(cmd, "%s '%s': more than %d values", opt, text,
                                  HM_OPT_MAX_LIST);
        out->v[out->n++] = v;
        uint64_t next;
        if ((factor ? __builtin_mul_overflow(v, factor, &next)
                    : __builtin_add_overflow(v, 1, &next)) || next > b)
            return 0;
        v = next;
    }
}

/* Whether a comma-separated list has an empty item: "1,,2", ",1", "1,". */
static int empty_item(const char *text)
{
    size_t n = strlen(text);
    return n && (text[0] == ',' || text[n - 1] == ',' || strstr(text, ",,"));
}

/* LIST into out: items separated by commas, each a number or a range. Returns 0 or 2. */
static int parse_list(const char *cmd, const char *opt, const char *text, const option_spec *e,
                      hm_u64_list *out)
{
    char buf[1024];
    int rc = 0;
    out->n = 0;
    if (empty_item(text))
        return hm_usage_error(cmd, "%s '%s': an empty item between commas; expected a list "
                              "such as 1,2,4 or 2^16..2^30x4", opt, text);
    if (strlen(text) >= sizeof buf || !*text)
        return hm_usage_error(cmd, "%s '%s': expected a list such as 1,2,4 or 2^16..2^30x4",
                              opt, text);
    strcpy(buf, text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        uint64_t a, b, factor;
        if ((rc = parse_item(item, &a, &b, &factor)) != 0)
            break;
        if (expand_item(cmd, opt, text, e, a, b, factor, out) != 0)
            return HM_EXIT_USAGE;
    }
    if (rc == HM_PARSE_RANGE || rc == HM_PARSE_FRACTION)
        return hm_usage_error(cmd, "%s '%s': a value is %s; accepted: whole numbers from %llu "
                              "to %llu", opt, text, hm_parse_strerror(rc),
                              (unsigned long long)e->min, (unsigned long long)e->max);
    if (rc != 0 || out->n == 0)
        return hm_usage_error(cmd, "%s '%s' is not a list; accepted: numbers (1e8, 2^30, 64Ki) "
                              "separated by commas, or ranges A..B and A..BxFACTOR", opt, text);
    return 0;
}

/* --backends LIST: names of the registry, each once. Returns -1 or 2. */
static int parse_backends(const char *cmd, hm_opts *o, const char *text)
{
    char buf[1024];
    if (strlen(text) >= sizeof buf || !*text || empty_item(text))
        return hm_usage_error(cmd, "--backends '%s' is not a list of backends: %s", text,
                              *text ? "an empty item between commas" : "empty");
    strcpy(buf, text);
    o->nbackends = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const hm_backend *b = hm_opt_backend(cmd, "--backends", t);
        if (!b)
            return HM_EXIT_USAGE;
        for (size_t i = 0; i < o->nbackends; i++)
            if (o->backends[i] == b)
                return hm_usage_error(cmd, "--backends '%s' names %s twice; each backend's "
                                      "cells are run once", text, b->name);
        if (o->nbackends < HM_OPT_MAX_LIST)
            o->backends[o->nbackends++] = b;
    }
    if (!o->nbackends)
        return hm_usage_error(cmd, "--backends '%s' names no backend", text);
    return -1;
}

/* Choice v of e ("cores"), or with sep the choices separated by it ("none, cores"). */
static void choice_text(const option_spec *e, int v, const char *sep, char *buf, size_t len)
{
    textbuf t = {.len = 0};
    const char *p = e->choices;
    for (int i = 0; *p; i++) {
        size_t n = strcspn(p, "|");
        if (v < 0 || i == v) {
            puts_text(&t, t.len ? sep : "");
            put(&t, p, n);
        }
        p += n + (p[n] == '|');
    }
    size_t n = t.len < len ? t.len : len - 1;
    memcpy(buf, t.buf, n);
    buf[n] = '\0';
}

/* One of e's choices into *out (its index). Returns -1 or 2. */
static int parse_choice(const char *cmd, const option_spec *e, const char *text,
                        unsigned *out)
{
    char list[128];
    const char *p = e->choices;
    for (unsigned i = 0; *p; i++) {
        size_t len = strcspn(p, "|");
        if (strlen(text) == len && strncmp(p, text, len) == 0) {
            *out = i;
            return -1;
        }
        p += len + (p[len] == '|');
    }
    choice_text(e, -1, ", ", list, sizeof list);
    return hm_usage_error(cmd, "--%s '%s' is not %s; accepted: %s", e->name, text, e->what,
                          list);
}

/* --parts, --split: the last one in a command without repeats, else one more. */
static int add_string(const hm_opt_command *cmd, const option_spec *e, const char *text,
                      hm_str_list *l)
{
    if (!*text)
        return hm_usage_error(cmd->name, "--%s '' is empty; expected %s", e->name, e->what);
    if (!(e->repeat & cmd->id)) {
        l->v[0] = text;
        l->n = 1;
        return -1;
    }
    if (l->n == HM_OPT_MAX_REPEAT)
        return hm_usage_error(cmd->name, "--%s: at most %d of them", e->name,
                              HM_OPT_MAX_REPEAT);
    l->v[l->n++] = text;
    return -1;
}

/* A number or a list of numbers into at. Returns -1 to go on, else 2. */
static int set_number(const char *cmd, const option_spec *e, const char *opt, const char *arg,
                      void *at)
{
    int bad;
    if (e->kind == KIND_U64)
        bad = hm_opt_u64(cmd, opt, arg, e->min, e->max, at) < 0;
    else if (e->kind == KIND_SECONDS)
        bad = hm_opt_seconds(cmd, opt, arg, e->lo, e->hi, at) < 0;
    else
        bad = parse_list(cmd, opt, arg, e, at) != 0;
    return bad ? HM_EXIT_USAGE : -1;
}

/* The value of option id into o. Returns -1 to go on, else the exit code. */
static int set_value(const hm_opt_command *cmd, hm_opt_id id, hm_opts *o, const char *arg)
{
    const option_spec *e = &table[id];
    const char *c = cmd->name;
    char opt[64];
    void *at = (char *)o + e->off;
    snprintf(opt, sizeof opt, "--%s", e->name);
    switch (e->kind) {
    case KIND_U64: case KIND_SECONDS: case KIND_LIST:
        return set_number(c, e, opt, arg, at);
    case KIND_STRING:
        if ((e->flags & NONEMPTY) && !*arg)
            return hm_usage_error(c, "%s '' is empty; expected %s", opt, e->what);
        *(const char **)at = arg;
        return -1;
    case KIND_STRINGS:
        return add_string(cmd, e, arg, at);
    case KIND_ENUM:
        return parse_choice(c, e, arg, at);
    case KIND_BACKEND:
        return (o->backend = hm_opt_backend(c, opt, arg)) ? -1 : HM_EXIT_USAGE;
    case KIND_BACKENDS:
        return parse_backends(c, o, arg);
    case KIND_FLAG:
        *(int *)at = 1;
        return -1;
    default:
        cmd->help(stdout);
        return HM_EXIT_OK;
    }
}

/* The option getopt_long returned as c; HM_O_COUNT when it is none of cmd's. */
static hm_opt_id find_code(const hm_opt_command *cmd, int c)
{
    for (int id = 0; id < HM_O_COUNT; id++)
        if (has(cmd, id) && code_of(id) == c)
            return id;
    return HM_O_COUNT;
}

static void set_defaults(const hm_opt_command *cmd, hm_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int id = 0; id < HM_O_COUNT; id++) {
        const option_spec *e = &table[id];
        if (!has(cmd, id))
            continue;
        if (e->kind == KIND_U64)
            *(uint64_t *)((char *)o + e->off) = (uint64_t)e->def;
        else if (e->kind == KIND_SECONDS)
            *(double *)((char *)o + e->off) = e->def;
    }
}

/* "-backend serial": getopt reads -b with the value "ackend". When the short option's
 * letter and its attached value spell one of cmd's long options, that was meant; returns 2
 * after saying so, else -1. */
static int long_with_one_dash(const hm_opt_command *cmd, int c, char **argv, const char *value)
{
    const char *arg = argv[optind - 1];
    if (!value || c >= 256 || arg[0] != '-' || arg[1] != c || strcmp(arg + 2, value) != 0)
        return -1;
    for (int id = 0; id < HM_O_COUNT; id++)
        if (has(cmd, id) && strcmp(table[id].name, arg + 1) == 0)
            return hm_usage_error(cmd->name, "'%s' is -%c with the value '%s'; long options "
                                  "take two dashes: --%s", arg, c, value, table[id].name);
    return -1;
}

int hm_opts_parse(const hm_opt_command *cmd, int argc, char **argv, hm_opts *o)
{
    struct option longopts[HM_O_COUNT + 1];
    char shorts[2 * HM_O_COUNT + 2];
    int c, rc;
    getopt_tables(cmd, longopts, shorts);
    set_defaults(cmd, o);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        if ((rc = hm_opt_value_missing(cmd->name, longopts, c, optarg)) >= 0 ||
            (rc = long_with_one_dash(cmd, c, argv, optarg)) >= 0)
            return rc;
        hm_opt_id id = find_code(cmd, c);
        if (id == HM_O_COUNT)
            return hm_opt_rejected(cmd->name, c, argv, longopts, accepted(cmd));
        if ((rc = set_value(cmd, id, o, optarg)) >= 0)
            return rc;
        o->given |= UINT64_C(1) << id;
    }
    if (optind < argc)
        return hm_usage_error(cmd->name, "unexpected argument '%s'; accepted options: %s",
                              argv[optind], accepted(cmd));
    return -1;
}

int hm_opts_given(const hm_opts *o, hm_opt_id id)
{
    return (o->given >> id) & 1;
}

int hm_opts_check_applies(const hm_opt_command *cmd, const hm_opts *o, const hm_backend *b,
                          unsigned mask)
{
    for (int id = 0; id < HM_O_COUNT; id++) {
        const option_spec *e = &table[id];
        if (!has(cmd, id) || !(e->uses & mask) || (b->uses & e->uses) || !hm_opts_given(o, id))
            continue;
        char value[64] = "";
        if (e->kind == KIND_ENUM) {
            unsigned v = *(const unsigned *)((const char *)o + e->off);
            if (v == 0)
                continue; /* the first choice is the default, which every backend takes */
            value[0] = ' ';
            choice_text(e, (int)v, "", value + 1, sizeof value - 1);
        }
        textbuf why = {.len = 0};
        put_template(&why, e, e->applies);
        return hm_usage_error(cmd->name, "--%s%s does not apply to backend %s; %s", e->name,
                              value, b->name, why.buf);
    }
    return -1;
}

void hm_opts_config(const hm_opts *o, hm_config *cfg)
{
    *cfg = (hm_config){
        .workers = (unsigned)o->workers,
        .device = o->device,
        .local_size = (size_t)o->local_size,
        .item_blocks = (unsigned)o->item_blocks,
        .timeout_s = (double)o->timeout_s,
        .self_exe = hm_self_exe(),
        .bind = o->bind,
        .tasks = (unsigned)o->tasks,
        .parts = o->parts.v[0],
        .split = o->splits.v[0],
    };
}
