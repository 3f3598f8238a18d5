/* cmd_schema.c - `hetmc schema`: the columns of runs.csv and comparison.csv, from the tables the
 * writers use (schema.h), as CSV, JSON or a Markdown table (docs/csv.md is made of the last). */
#include "cli.h"
#include "report.h"
#include "schema.h"

#include <string.h>

#define SCHEMA_ACCEPTED "--format csv|json|markdown, --file runs|comparison|all, --help"

enum { F_CSV, F_JSON, F_MARKDOWN };

/* One CSV file of hetmc: its short name, its file name and its columns. */
typedef struct schema_file {
    const char *name, *path;
    const hm_column *(*columns)(size_t *n);
} schema_file;

static const schema_file files[] = {
    {"runs", "runs.csv", hm_runs_columns},
    {"comparison", "comparison.csv", hm_comparison_columns},
};
#define NFILES (sizeof files / sizeof files[0])

static void schema_help(FILE *f)
{
    fprintf(f, "usage: hetmc schema [--format csv|json|markdown] [--file runs|comparison|all]\n"
               "  Prints the columns of runs.csv (format_version %d) and comparison.csv, in file\n"
               "  order: name, type (int, float, string, bool), unit, which backends fill it and\n"
               "  what it means. The writers take their columns from the same table.\n"
               "  --format  csv (default; one row per column, the file first), json, or markdown\n"
               "  --file    runs, comparison, or all (default)\n",
            HM_CSV_FORMAT_VERSION);
}

static void schema_csv(const schema_file *sf, int first)
{
    size_t n;
    const hm_column *c = sf->columns(&n);
    if (first)
        printf("file,name,type,unit,filled_by,meaning\n");
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = {sf->name, c[i].name, c[i].type, c[i].unit, c[i].filled_by,
                               c[i].meaning};
        for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
            if (k)
                putchar(',');
            hm_csv_field(stdout, cells[k]);
        }
        putchar('\n');
    }
}

/* s as a JSON string. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned)(unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void schema_json(const schema_file *sf, int first)
{
    size_t n;
    const hm_column *c = sf->columns(&n);
    printf("%s  \"%s\": [\n", first ? "" : ",\n", sf->name);
    for (size_t i = 0; i < n; i++) {
        const char *keys[] = {"name", "type", "unit", "filled_by", "meaning"};
        const char *vals[] = {c[i].name, c[i].type, c[i].unit, c[i].filled_by, c[i].meaning};
        printf("    {");
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            printf("%s\"%s\": ", k ? ", " : "", keys[k]);
            json_str(vals[k]);
        }
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf("  ]");
}

/* s in a Markdown table cell: '|' escaped. */
static void md_cell(const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            putchar('\\');
        putchar(*s);
    }
}

static void schema_markdown(const schema_file *sf, int first)
{
    size_t n;
    const hm_column *c = sf->columns(&n);
    printf("%s### %s", first ? "" : "\n", sf->path);
    if (sf->columns == hm_runs_columns) /* the contract's version, for readers of the page */
        printf(" (format_version %d)", HM_CSV_FORMAT_VERSION);
    printf("\n\n| column | type | unit | filled by | meaning |\n| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        printf("| `%s` | %s | ", c[i].name, c[i].type);
        md_cell(c[i].unit);
        printf(" | ");
        md_cell(c[i].filled_by);
        printf(" | ");
        md_cell(c[i].meaning);
        printf(" |\n");
    }
}

/* Parses the options into *format and *only (an index of files, or -1 for all): -1 to go on,
 * or the exit status. */
static int schema_parse(int argc, char **argv, int *format, int *only)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"file", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const formats[] = {"csv", "json", "markdown"};
    const char *cmd = "schema";
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:F:h", longopts, NULL)) != -1) {
        int found = -1;
        switch (c) {
        case 'f':
            for (int i = 0; i < 3; i++)
                found = strcmp(optarg, formats[i]) == 0 ? i : found;
            if (found < 0)
                return hm_usage_error(cmd, "--format '%s' is not a format; accepted: csv, json, "
                                      "markdown", optarg);
            *format = found;
            break;
        case 'F':
            for (size_t i = 0; i < NFILES; i++)
                found = strcmp(optarg, files[i].name) == 0 ? (int)i : found;
            if (found < 0 && strcmp(optarg, "all") != 0)
                return hm_usage_error(cmd, "--file '%s' is not a file; accepted: runs, "
                                      "comparison, all", optarg);
            *only = found;
            break;
        case 'h':
            schema_help(stdout);
            return HM_EXIT_OK;
        default:
            return hm_opt_rejected(cmd, c, argv, longopts, SCHEMA_ACCEPTED);
        }
    }
    if (optind < argc)
        return hm_usage_error(cmd, "unexpected argument '%s'; accepted: %s", argv[optind],
                              SCHEMA_ACCEPTED);
    return -1;
}

int hm_cmd_schema(int argc, char **argv)
{
    static void (*const print[])(const schema_file *, int) = {schema_csv, schema_json,
                                                               schema_markdown};
    int format = F_CSV, only = -1;
    int rc = schema_parse(argc, argv, &format, &only);
    if (rc >= 0)
        return rc;
    if (format == F_JSON)
        printf("{\n  \"format_version\": %d,\n", HM_CSV_FORMAT_VERSION);
    for (size_t i = 0, first = 1; i < NFILES; i++) {
        if (only >= 0 && (size_t)only != i)
            continue;
        print[format](&files[i], (int)first);
        first = 0;
    }
    if (format == F_JSON)
        printf("\n}\n");
    return HM_EXIT_OK;
}
