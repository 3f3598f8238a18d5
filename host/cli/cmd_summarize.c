/*
 * cmd_summarize.c - `hetmc summarize RUNS`: the comparison.csv of any runs.csv (a file or a
 * results folder) on stdout, derived by the same code as the matrix's (host/stats/summary.c),
 * so that scripts/plot.py, scripts/report.py and bench/lesson.py take their statistics from
 * hetmc for folders that have no comparison.csv (a bench/lesson.py folder, a `hetmc run
 * --format csv` file). Rows are checked as `hetmc compare` checks them only for the columns
 * the comparison reads; run `hetmc compare --format csv RUNS RUNS` for the full verdict.
 */
#include "cli.h"
#include "csvread.h"
#include "summary.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void summarize_help(FILE *f)
{
    fprintf(f, "usage: hetmc summarize RUNS\n"
               "\n"
               "Writes the comparison.csv of RUNS (a runs.csv file or a results folder) to\n"
               "standard output, as `hetmc matrix` derives it: one row per backend x device x\n"
               "workers x samples x seed, in the registry's order (columns: `hetmc schema --file\n"
               "comparison`). Exit 2 with one line when RUNS cannot be read or is not hetmc's.\n");
}

int hm_cmd_summarize(int argc, char **argv)
{
    char path[4200], msg[512];
    struct stat st;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        summarize_help(stdout);
        return HM_EXIT_OK;
    }
    if (argc != 2)
        return hm_usage_error("summarize", "expected one runs.csv file or results folder; "
                              "usage: hetmc summarize RUNS");
    if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/runs.csv", argv[1]);
    else
        snprintf(path, sizeof path, "%s", argv[1]);
    hm_csv csv = {0};
    hm_summary sum = {0};
    int rc = HM_EXIT_OK;
    if (hm_csv_read(path, &csv, msg, sizeof msg) < 0) {
        rc = hm_usage_error("summarize", "%s: %s", path, msg);
    } else if (hm_summarize(&csv, &sum, msg, sizeof msg) < 0) {
        rc = hm_usage_error("summarize", "%s: %s", argv[1], msg);
    } else {
        hm_summary_sort(&sum);
        hm_summary_write_csv(stdout, &sum); /* a write error: main says it, exit 1 */
    }
    hm_summary_free(&sum);
    hm_csv_free(&csv);
    return rc;
}
