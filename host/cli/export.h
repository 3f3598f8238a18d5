/*
 * export.h - hetmc's results for other tools: JSON (RFC 8259) for dashboards and scripts, and
 * GitHub-flavoured Markdown tables to paste into an issue, a pull request or a CI summary.
 *
 * Every writer works from CSV text (the rows exactly as runs.csv or comparison.csv has them)
 * and the column tables of schema.h, so that a column added to a table appears in JSON and
 * Markdown without an edit here: an int or float column becomes a JSON number, a bool column
 * true or false, a string column a string, and an empty field (not applicable) null.
 * docs/results.schema.json describes the JSON documents; docs/csv.md the columns.
 */
#ifndef HETMC_EXPORT_H
#define HETMC_EXPORT_H

#include "csvread.h"
#include "report.h"
#include "schema.h"

#include <stddef.h>
#include <stdio.h>

/* Version of the JSON documents (results.json, run --format json): bump on any change of
 * their structure; their rows follow the CSV contract's format_version. */
#define HM_JSON_FORMAT_VERSION 1

/* s as a JSON string, quotes included. */
void hm_json_string(FILE *f, const char *s);
/* One CSV field as the JSON value of a column of type ("int", "float", "bool", "string",
 * or NULL for string): empty is null; a number that is not finite is null. */
void hm_json_value(FILE *f, const char *text, const char *type);
/* Row r of csv as one JSON object, keys in file order, types from cols. */
void hm_json_object(FILE *f, const hm_csv *csv, size_t r, const hm_column *cols, size_t ncols);
/* Every row of csv as a JSON array, one object per line, each line after indent. */
void hm_json_rows(FILE *f, const hm_csv *csv, const hm_column *cols, size_t ncols,
                  const char *indent);
/* Provenance text (hm_provenance_write's "key: value" lines) as a JSON object: a value is a
 * string, or an array of strings for the keys that may repeat (one line per device, part
 * list, unavailable backend) and for any key that does. */
void hm_json_provenance(FILE *f, const char *text, const char *indent);
/* This process's provenance (hm_provenance_write) as such an object. Returns 0, or -1. */
int hm_json_provenance_now(FILE *f, const char *indent);

/* One hm_row in csv, as runs.csv would have it: a header and one row. Returns 0, or -1. */
int hm_row_to_csv(const hm_row *row, hm_csv *csv);

/* The columns of csv named in names (NULL-terminated; NULL: all), in that order, as indices
 * into idx (room for csv->ncols); returns how many. Names csv lacks are left out. */
size_t hm_md_pick(const hm_csv *csv, const char *const *names, size_t *idx);
/* A Markdown table of those columns: the header and its separator line, then rows. Cells
 * have '|' escaped and line breaks as spaces; numbers are right-aligned. */
void hm_md_header(FILE *f, const hm_csv *csv, const size_t *idx, size_t n,
                  const hm_column *cols, size_t ncols);
void hm_md_row(FILE *f, const hm_csv *csv, size_t r, const size_t *idx, size_t n);

/* results.json in dir, from its runs.csv, comparison.csv (when there) and provenance.txt:
 * {"format_version", "csv_format_version", "provenance", "runs", "comparison"}, written to
 * a temporary name and renamed, so that it is whole or absent. Returns 0, or -1 with msg. */
int hm_export_results(const char *dir, char *msg, size_t msglen);

/* Where an installed file of hetmc is: <prefix>/share/hetmc/rel beside the running binary's
 * <prefix>/bin, when it exists there. Returns 0 with the path in buf, or -1. */
int hm_share_path(const char *rel, char *buf, size_t len);

#endif /* HETMC_EXPORT_H */
