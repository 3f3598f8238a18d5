/*
 * schema.h - the columns of hetmc's CSV files described as data. Each file keeps one table of
 * its columns (report.c: runs.csv; summary.c: comparison.csv) from which it writes its header
 * and rows, and which `hetmc schema` prints; docs/csv.md is generated from it.
 */
#ifndef HETMC_SCHEMA_H
#define HETMC_SCHEMA_H

#include <stddef.h>

/* One column: its name, its type ("int", "float", "string" or "bool"), its unit (empty when it
 * has none), which backends fill it ("all", "opencl", "coexec", ...) and what it means, in one
 * line. */
typedef struct hm_column {
    const char *name;
    const char *type;
    const char *unit;
    const char *filled_by;
    const char *meaning;
} hm_column;

/* The columns of runs.csv (report.c) and of comparison.csv (summary.c), in file order; *n gets
 * their count. */
const hm_column *hm_runs_columns(size_t *n);
const hm_column *hm_comparison_columns(size_t *n);

#endif /* HETMC_SCHEMA_H */
