/*
 * summarize.c - `hetmc-summarize RUNS`: the comparison.csv of any runs.csv (a file or a results
 * folder) on stdout, derived by the same code as `hetmc matrix`'s (host/stats/summary.c), so
 * that scripts/plot.py, scripts/report.py and bench/lesson.py take their statistics from hetmc
 * for folders that have no comparison.csv (a bench/lesson.py folder, a `hetmc run --format
 * csv` file). It reads what `hetmc compare` reads; the rows' checks are compare's: run
 * `hetmc compare --format csv RUNS RUNS` first for its verdict on a file of unknown origin.
 *
 * Exit status: 0 written, 1 stdout could not be written, 2 bad usage or unreadable input (one
 * line on stderr).
 */
#include "csvread.h"
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "hetmc-summarize: %s%s\n", arg ? arg : "", msg);
    return 2;
}

int main(int argc, char **argv)
{
    char path[4200], msg[512];
    struct stat st;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        puts("usage: hetmc-summarize RUNS   (a runs.csv file or a results folder)\n"
             "Writes the comparison.csv of RUNS to stdout (columns: hetmc schema --file "
             "comparison).");
        return 0;
    }
    if (argc != 2)
        return usage("usage: hetmc-summarize RUNS (a runs.csv file or a results folder)", NULL);
    if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/runs.csv", argv[1]);
    else
        snprintf(path, sizeof path, "%s", argv[1]);
    hm_csv csv = {0};
    hm_summary sum = {0};
    if (hm_csv_read(path, &csv, msg, sizeof msg) < 0)
        return usage(msg, NULL); /* msg names the file */
    if (hm_summarize(&csv, &sum, msg, sizeof msg) < 0) {
        hm_csv_free(&csv);
        snprintf(path, sizeof path, ": %s", msg);
        return usage(path, argv[1]);
    }
    errno = 0;
    int bad = hm_summary_write_csv(stdout, &sum) != 0 || fclose(stdout) != 0;
    if (bad)
        fprintf(stderr, "hetmc-summarize: writing stdout: %s\n", strerror(errno ? errno : EIO));
    hm_summary_free(&sum);
    hm_csv_free(&csv);
    return bad ? 1 : 0;
}
