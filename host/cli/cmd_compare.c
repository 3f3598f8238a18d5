/*
 * cmd_compare.c - `hetmc compare A B`: two runs (runs.csv files or results folders) side by
 * side. For every cell both share (backend, device, workers, samples) it prints the medians,
 * their ratio B/A, and a two-sided Mann-Whitney U test of the wall times; a difference is
 * called significant at p < 0.05. As a table (default) or as CSV (--format csv).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "csvread.h"
#include "stats.h"
#include "summary.h"

#include <getopt.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#define COMPARE_ACCEPTED "A B (runs.csv files or results folders), --format table|csv, --help"

static void compare_help(FILE *f)
{
    fprintf(f, "usage: hetmc compare A B [--format table|csv]\n"
               "\n"
               "A and B are runs.csv files or results folders (e.g. laptop vs GPU node, before vs\n"
               "after). For every backend x device x workers x samples that both contain: the\n"
               "median wall time of each, ratio = median_B / median_A (< 1: B is faster), and a\n"
               "two-sided Mann-Whitney U test of the repetitions (exact without ties up to 40\n"
               "repetitions, else normal approximation); significant when p < 0.05. With 3\n"
               "repetitions a side the smallest possible p is 0.1; use 4 or more (the default).\n");
}

static int load(const char *arg, hm_csv *csv, hm_summary *s)
{
    char path[4200], msg[512];
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/runs.csv", arg);
    else
        snprintf(path, sizeof path, "%s", arg);
    if (hm_csv_read(path, csv, msg, sizeof msg) < 0 || hm_summarize(csv, s, msg, sizeof msg) < 0)
        return hm_usage_error("compare", "%s: %s", arg, msg);
    return 0;
}

/* The header of the table or CSV. */
static void print_header(int csv_out, const char *a, const char *b)
{
    if (csv_out)
        printf("backend,device,workers,samples,reps_a,reps_b,median_wall_s_a,median_wall_s_b,"
               "ratio_b_over_a,samples_per_s_a,samples_per_s_b,mann_whitney_u,p_value,"
               "significant,hits_equal\n");
    else
        printf("# hetmc compare: A = %s, B = %s\n# ratio = median wall B / median wall A "
               "(< 1: B faster); Mann-Whitney U two-sided, significant at p < 0.05\n"
               "%-8s %-14s %7s %12s %5s %5s %12s %12s %8s %9s %-11s %s\n",
               a, b, "backend", "device", "workers", "samples", "n_A", "n_B", "median A (s)",
               "median B (s)", "ratio", "p", "significant", "hits");
}

/* One cell both runs share. */
static void print_pair(int csv_out, const hm_group *a, const hm_group *b)
{
    double u, p = hm_mann_whitney(a->wall_s, a->n_ok, b->wall_s, b->n_ok, &u);
    double ratio = b->median_s / a->median_s;
    const char *sig = p < 0.05 ? (ratio < 1 ? "yes, B faster" : "yes, B slower") : "no";
    const char *hits = a->seed != b->seed ? "other seed"
                       : (a->hits_agree && b->hits_agree && a->hits == b->hits) ? "equal"
                                                                                  : "DIFFER";
    if (csv_out)
        printf("%s,%s,%u,%llu,%zu,%zu,%.9g,%.9g,%.6g,%.6g,%.6g,%.1f,%.4g,%s,%s\n", a->backend,
               a->device, a->workers, (unsigned long long)a->samples, a->n_ok, b->n_ok,
               a->median_s, b->median_s, ratio, a->rate, b->rate, u, p,
               p < 0.05 ? "true" : "false", hits);
    else
        printf("%-8s %-14.14s %7u %12llu %5zu %5zu %12.6g %12.6g %8.4f %9.3g %-11s %s\n",
               a->backend, a->device, a->workers, (unsigned long long)a->samples, a->n_ok,
               b->n_ok, a->median_s, b->median_s, ratio, p, sig, hits);
}

/* Options: sets *csv_out. Returns -1 to go on, else the exit code. */
static int compare_parse(int argc, char **argv, int *csv_out)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "compare";
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                *csv_out = 1;
            else if (strcmp(optarg, "table") != 0)
                return hm_usage_error(cmd, "--format '%s' is not a format; accepted: table, csv",
                                      optarg);
            break;
        case 'h':
            compare_help(stdout);
            return HM_EXIT_OK;
        case ':':
            return hm_bad_option(cmd, 1, argv[optind - 1], COMPARE_ACCEPTED);
        default:
            return hm_bad_option(cmd, 0, argv[optind - 1], COMPARE_ACCEPTED);
        }
    }
    if (argc - optind != 2)
        return hm_usage_error(cmd, "expected two runs A and B, got %d; accepted: %s",
                              argc - optind, COMPARE_ACCEPTED);
    return -1;
}

int hm_cmd_compare(int argc, char **argv)
{
    int csv_out = 0, status = HM_EXIT_OK;
    hm_csv ca = {0}, cb = {0};
    hm_summary sa = {0}, sb = {0};
    int rc = compare_parse(argc, argv, &csv_out);
    if (rc >= 0)
        return rc;
    const char *name_a = argv[optind], *name_b = argv[optind + 1];
    if (load(name_a, &ca, &sa) || load(name_b, &cb, &sb)) {
        status = HM_EXIT_USAGE;
        goto cleanup;
    }
    print_header(csv_out, name_a, name_b);
    size_t shared = 0;
    for (size_t i = 0; i < sa.n; i++) {
        const hm_group *a = &sa.g[i];
        const hm_group *b = hm_summary_find(&sb, a->backend, a->device, a->workers, a->samples);
        if (!b || !a->n_ok || !b->n_ok)
            continue;
        shared++;
        print_pair(csv_out, a, b);
    }
    if (!csv_out)
        printf("# %zu shared cell%s\n", shared, shared == 1 ? "" : "s");
    fflush(stdout);
cleanup:
    hm_summary_free(&sa);
    hm_summary_free(&sb);
    hm_csv_free(&ca);
    hm_csv_free(&cb);
    return status;
}
