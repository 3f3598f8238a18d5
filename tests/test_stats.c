/* test_stats.c - the statistics of the comparison tables and the CSV reader, on cases whose
 * answers follow from the definitions (binomial sums, enumerations counted by hand). */
#include "check.h"
#include "csvread.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (1 + fabs(b));
}

int main(void)
{
    double x[20], lo, hi, u;
    for (int i = 0; i < 20; i++)
        x[i] = 19 - i; /* descending, so the sort matters */
    hm_sort(x, 20);
    CHECK(x[0] == 0 && x[19] == 19);

    double q4[] = {1, 2, 3, 4};
    CHECK(near(hm_quantile(q4, 4, 0.25), 1.75));
    CHECK(near(hm_quantile(q4, 4, 0.5), 2.5));
    CHECK(near(hm_quantile(q4, 4, 1.0), 4));
    CHECK(isnan(hm_quantile(q4, 0, 0.5)));

    /* n = 20: k = 6, coverage 1 - 2 P(B <= 5) = 1 - 2 * 21700 / 2^20. */
    double cov = hm_median_ci(x, 20, &lo, &hi);
    CHECK(near(cov, 1.0 - 2.0 * 21700.0 / 1048576.0));
    CHECK(lo == 5 && hi == 14);
    /* n = 10: k = 2, coverage 1 - 2 * 11 / 1024. */
    cov = hm_median_ci(x, 10, &lo, &hi);
    CHECK(near(cov, 1.0 - 22.0 / 1024.0) && lo == 1 && hi == 8);
    /* n = 5: no 95% interval exists; [min, max] with coverage 1 - 2/32. */
    cov = hm_median_ci(x, 5, &lo, &hi);
    CHECK(near(cov, 1.0 - 2.0 / 32.0) && lo == 0 && hi == 4);

    /* Mann-Whitney, exact: complete separation of 3 and 3 has p = 2 / C(6,3) = 0.1, of 5 and
     * 5 has p = 2 / C(10,5). */
    double a3[] = {1, 2, 3}, b3[] = {4, 5, 6};
    CHECK(near(hm_mann_whitney(a3, 3, b3, 3, &u), 0.1) && u == 0);
    CHECK(near(hm_mann_whitney(b3, 3, a3, 3, &u), 0.1) && u == 9);
    double a5[] = {1, 2, 3, 4, 5}, b5[] = {6, 7, 8, 9, 10};
    CHECK(near(hm_mann_whitney(a5, 5, b5, 5, &u), 2.0 / 252.0));
    /* U = 2 of 3 and 3: arrangements with U <= 2 or >= 7 are 4 + 4 of 20. */
    double a31[] = {1, 2, 5}, b31[] = {3, 4, 6};
    CHECK(near(hm_mann_whitney(a31, 3, b31, 3, &u), 0.4) && u == 2);
    /* Identical samples: no evidence at all. */
    double t1[] = {1, 1, 1}, t2[] = {1, 1, 1};
    CHECK(hm_mann_whitney(t1, 3, t2, 3, &u) == 1.0 && u == 4.5);
    /* Ties, normal approximation: symmetric in a and b, U_a + U_b = na nb. */
    double c1[] = {1, 2, 2, 3, 4, 4, 5}, c2[] = {4, 5, 5, 6, 7, 8};
    double ua, ub, pa = hm_mann_whitney(c1, 7, c2, 6, &ua), pb = hm_mann_whitney(c2, 6, c1, 7, &ub);
    CHECK(near(pa, pb) && near(ua + ub, 42) && pa > 0 && pa < 0.05);
    CHECK(isnan(hm_mann_whitney(c1, 0, c2, 6, &u)));

    /* The reader: quotes, doubled quotes, a line break in a field, CRLF, an empty last field,
     * and an unfinished last line that must be dropped and noted. */
    const char *path = "test_stats_tmp.csv";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("a,b,c\n1,\"x,\"\"y\"\"\n z\",3\r\n4,5,\n6,7,8", f);
        fclose(f);
    }
    hm_csv csv;
    char msg[256];
    CHECK(hm_csv_read(path, &csv, msg, sizeof msg) == 0);
    CHECK(csv.ncols == 3 && csv.nrows == 2);
    if (csv.nrows == 2) {
        CHECK(strcmp(csv.rows[0][1], "x,\"y\"\n z") == 0);
        CHECK(strcmp(csv.rows[0][2], "3") == 0);
        CHECK(strcmp(csv.rows[1][2], "") == 0);
    }
    CHECK(csv.torn_line == 5 && csv.torn_why);
    CHECK(hm_csv_col(&csv, "c") == 2 && hm_csv_col(&csv, "d") == -1);
    hm_csv_free(&csv);
    /* Refused, naming the line: a short row, a long row, a NUL byte. A byte order mark is not
     * part of the first name; a quote never closed is a torn last row. */
    static const struct {
        const char *text;
        size_t len;
        const char *want; /* the message, or NULL when the file is read */
    } bad[] = {
        {"a,b,c\n1,2,3\n4,5\n", 16, "line 3: 2 fields, the header has 3"},
        {"a,b,c\n1,2,3,4\n", 14, "line 2: 4 fields, the header has 3"},
        {"a,b,c\n1,se\0ri,3\n", 17, "line 2: a NUL byte: not a text file"},
        {"", 0, "an empty file (no header row)"},
        {"\xEF\xBB\xBF" "a,b\n1,2\n", 11, NULL},
        {"a,b\n1,\"2\n3,4\n", 13, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = fopen(path, "wb");
        CHECK(f != NULL);
        if (!f)
            continue;
        fwrite(bad[i].text, 1, bad[i].len, f);
        fclose(f);
        int rc = hm_csv_read(path, &csv, msg, sizeof msg);
        CHECK(bad[i].want ? rc == -1 && strcmp(msg, bad[i].want) == 0 : rc == 0);
        if (rc == 0 && i == 4)
            CHECK(strcmp(csv.header[0], "a") == 0 && csv.nrows == 1 && !csv.torn_line);
        if (rc == 0 && i == 5)
            CHECK(csv.nrows == 0 && csv.torn_line == 2);
        if (rc == 0)
            hm_csv_free(&csv);
    }
    remove(path);
    CHECK(hm_csv_read("/nonexistent/x.csv", &csv, msg, sizeof msg) == -1 && strlen(msg) > 0);
    return check_report("test_stats");
}
