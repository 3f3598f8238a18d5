/* export.c - JSON and Markdown from CSV text and the column tables; see export.h. */
#define _POSIX_C_SOURCE 200809L
#include "export.h"

#include "provenance.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hm_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Whether s is a number as RFC 8259 writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += strspn(s, "0123456789");
    else
        return 0;
    if (*s == '.') {
        size_t n = strspn(++s, "0123456789");
        if (!n)
            return 0;
        s += n;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        size_t n = strspn(s, "0123456789");
        if (!n)
            return 0;
        s += n;
    }
    return *s == '\0';
}

/* A number field: as written when it is a JSON number, else read and written again; null when
 * it is not finite; a string when it is not a number at all (never seen in hetmc's files). */
static void json_number(FILE *f, const char *text)
{
    char *end;
    if (is_json_number(text)) {
        fputs(text, f);
        return;
    }
    double v = strtod(text, &end);
    if (end == text || *end)
        hm_json_string(f, text);
    else if (!isfinite(v))
        fputs("null", f);
    else
        fprintf(f, "%.17g", v);
}

void hm_json_value(FILE *f, const char *text, const char *type)
{
    if (!text || !*text) {
        fputs("null", f);
    } else if (type && (strcmp(type, "int") == 0 || strcmp(type, "float") == 0)) {
        json_number(f, text);
    } else if (type && strcmp(type, "bool") == 0) {
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            fputs("true", f);
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            fputs("false", f);
        else
            hm_json_string(f, text);
    } else {
        hm_json_string(f, text);
    }
}

/* The type of the column named name in cols, or NULL (a string). */
static const char *type_of(const char *name, const hm_column *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++)
        if (strcmp(cols[i].name, name) == 0)
            return cols[i].type;
    return NULL;
}

void hm_json_object(FILE *f, const hm_csv *csv, size_t r, const hm_column *cols, size_t ncols)
{
    fputc('{', f);
    for (size_t c = 0; c < csv->ncols; c++) {
        if (c)
            fputs(", ", f);
        hm_json_string(f, csv->header[c]);
        fputs(": ", f);
        hm_json_value(f, csv->rows[r][c], type_of(csv->header[c], cols, ncols));
    }
    fputc('}', f);
}

void hm_json_rows(FILE *f, const hm_csv *csv, const hm_column *cols, size_t ncols,
                  const char *indent)
{
    fputc('[', f);
    for (size_t r = 0; r < csv->nrows; r++) {
        fprintf(f, "%s\n%s  ", r ? "," : "", indent);
        hm_json_object(f, csv, r, cols, ncols);
    }
    if (csv->nrows)
        fprintf(f, "\n%s", indent);
    fputc(']', f);
}

/* ---- provenance ------------------------------------------------------------------------- */

/* Keys that may repeat, one line each: always arrays, so that their type does not depend on
 * how many devices a machine has. */
static const char *const list_keys[] = {"opencl_device", "device", "coexec", "unavailable"};

typedef struct prov_line {
    const char *key, *value;
} prov_line;

/* Splits buf (modified) into "key: value" lines; other lines are left out. Returns the count
 * (*out malloc'ed), or -1. */
static long prov_split(char *buf, prov_line **out)
{
    size_t n = 0, cap = 16;
    prov_line *v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t k = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (k == 0 || line[k] != ':')
            continue;
        if (n == cap) {
            prov_line *p = realloc(v, (cap *= 2) * sizeof *v);
            if (!p) {
                free(v);
                return -1;
            }
            v = p;
        }
        line[k] = '\0';
        v[n].key = line;
        v[n++].value = line + k + 1 + strspn(line + k + 1, " ");
    }
    *out = v;
    return (long)n;
}

static int is_list_key(const char *key)
{
    for (size_t i = 0; i < sizeof list_keys / sizeof list_keys[0]; i++)
        if (strcmp(key, list_keys[i]) == 0)
            return 1;
    return 0;
}

/* Key i's value (the first line with it), or every value as an array. */
static void prov_value(FILE *f, const prov_line *v, size_t n, size_t i, const char *indent)
{
    size_t count = 0;
    for (size_t j = i; j < n; j++)
        count += strcmp(v[j].key, v[i].key) == 0;
    if (count == 1 && !is_list_key(v[i].key)) {
        hm_json_string(f, v[i].value);
        return;
    }
    fputc('[', f);
    for (size_t j = i, k = 0; j < n; j++) {
        if (strcmp(v[j].key, v[i].key) != 0)
            continue;
        fprintf(f, "%s\n%s    ", k++ ? "," : "", indent);
        hm_json_string(f, v[j].value);
    }
    fprintf(f, "\n%s  ]", indent);
}

void hm_json_provenance(FILE *f, const char *text, const char *indent)
{
    char *buf = strdup(text ? text : "");
    prov_line *v = NULL;
    long n = buf ? prov_split(buf, &v) : -1;
    size_t shown = 0;
    fputc('{', f);
    for (long i = 0; i < n; i++) {
        int seen = 0;
        for (long j = 0; j < i && !seen; j++)
            seen = strcmp(v[j].key, v[i].key) == 0;
        if (seen)
            continue;
        fprintf(f, "%s\n%s  ", shown++ ? "," : "", indent);
        hm_json_string(f, v[i].key);
        fputs(": ", f);
        prov_value(f, v, (size_t)n, (size_t)i, indent);
    }
    if (shown)
        fprintf(f, "\n%s", indent);
    fputc('}', f);
    free(v);
    free(buf);
}

int hm_json_provenance_now(FILE *f, const char *indent)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return -1;
    hm_provenance_write(m);
    if (fclose(m) != 0) {
        free(text);
        return -1;
    }
    hm_json_provenance(f, text, indent);
    free(text);
    return 0;
}

/* ---- rows ------------------------------------------------------------------------------- */

int hm_row_to_csv(const hm_row *row, hm_csv *csv)
{
    char *text = NULL, msg[128];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return -1;
    int bad = hm_csv_header(m) != 0;
    char *line = NULL;
    size_t linelen = 0;
    bad |= hm_csv_row_text(row, &line, &linelen) != 0;
    if (!bad)
        bad |= fwrite(line, 1, linelen, m) != linelen;
    free(line);
    bad |= fclose(m) != 0;
    int rc = bad ? -1 : hm_csv_parse(text, len, csv, msg, sizeof msg);
    free(text);
    return rc == 0 && csv->nrows == 1 ? 0 : -1;
}

/* ---- Markdown --------------------------------------------------------------------------- */

size_t hm_md_pick(const hm_csv *csv, const char *const *names, size_t *idx)
{
    size_t n = 0;
    if (!names) {
        for (size_t c = 0; c < csv->ncols; c++)
            idx[n++] = c;
        return n;
    }
    for (; *names; names++) {
        int c = hm_csv_col(csv, *names);
        if (c >= 0)
            idx[n++] = (size_t)c;
    }
    return n;
}

/* s as a Markdown table cell: '|' and '\' escaped, line breaks as spaces. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\')
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

void hm_md_header(FILE *f, const hm_csv *csv, const size_t *idx, size_t n,
                  const hm_column *cols, size_t ncols)
{
    fputc('|', f);
    for (size_t i = 0; i < n; i++) {
        fputc(' ', f);
        md_cell(f, csv->header[idx[i]]);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t i = 0; i < n; i++) {
        const char *type = type_of(csv->header[idx[i]], cols, ncols);
        int num = type && (strcmp(type, "int") == 0 || strcmp(type, "float") == 0);
        fputs(num ? " ---: |" : " --- |", f);
    }
    fputc('\n', f);
}

void hm_md_row(FILE *f, const hm_csv *csv, size_t r, const size_t *idx, size_t n)
{
    fputc('|', f);
    for (size_t i = 0; i < n; i++) {
        fputc(' ', f);
        md_cell(f, csv->rows[r][idx[i]]);
        fputs(" |", f);
    }
    fputc('\n', f);
}

/* ---- results.json ----------------------------------------------------------------------- */

/* A whole text file, NUL-terminated, malloc'ed into *text; NULL when it is not there. Returns
 * 0, or -1 when it exists but cannot be read. */
static int slurp_optional(const char *path, char **text)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    size_t len = 0;
    FILE *m = open_memstream(text, &len);
    char chunk[8192];
    size_t got;
    int bad = !m;
    while (!bad && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        bad = fwrite(chunk, 1, got, m) != got;
    bad |= ferror(f);
    fclose(f);
    if (m)
        bad |= fclose(m) != 0;
    if (bad) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

/* The document of results.json into f. */
static void results_document(FILE *f, const char *prov, const hm_csv *runs, const hm_csv *cmp)
{
    size_t nruns, ncmp;
    const hm_column *rc = hm_runs_columns(&nruns), *cc = hm_comparison_columns(&ncmp);
    fprintf(f, "{\n  \"format_version\": %d,\n  \"csv_format_version\": %d,\n",
            HM_JSON_FORMAT_VERSION, HM_CSV_FORMAT_VERSION);
    fputs("  \"provenance\": ", f);
    hm_json_provenance(f, prov, "  ");
    fputs(",\n  \"runs\": ", f);
    hm_json_rows(f, runs, rc, nruns, "  ");
    if (cmp) {
        fputs(",\n  \"comparison\": ", f);
        hm_json_rows(f, cmp, cc, ncmp, "  ");
    }
    fputs("\n}\n", f);
}

/* Puts the file's name before the reader's message (csvread.h leaves it to the caller).
 * Returns -1. */
static int name_file(char *msg, size_t msglen, const char *path)
{
    char why[512];
    snprintf(why, sizeof why, "%s", msg);
    snprintf(msg, msglen, "%s: %s", path, why);
    return -1;
}

/* Writes the document to path through path.tmp renamed into place. Returns 0, or -1. */
static int write_renamed(const char *path, const char *prov, const hm_csv *runs,
                         const hm_csv *cmp, char *msg, size_t msglen)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(msg, msglen, "writing %s: %s", tmp, strerror(errno));
        return -1;
    }
    errno = 0;
    results_document(f, prov, runs, cmp);
    int bad = fflush(f) != 0 || ferror(f);
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) == 0)
        return 0;
    e = bad ? e : errno;
    unlink(tmp);
    snprintf(msg, msglen, "writing %s: %s", path, strerror(e ? e : EIO));
    return -1;
}

int hm_export_results(const char *dir, char *msg, size_t msglen)
{
    char path[PATH_MAX];
    char *prov = NULL;
    hm_csv runs = {0}, cmp = {0};
    int have_cmp, rc = -1;

    snprintf(path, sizeof path, "%s/runs.csv", dir);
    if (hm_csv_read(path, &runs, msg, msglen) < 0)
        return name_file(msg, msglen, path);
    snprintf(path, sizeof path, "%s/comparison.csv", dir);
    have_cmp = access(path, F_OK) == 0;
    if (have_cmp && hm_csv_read(path, &cmp, msg, msglen) < 0) {
        name_file(msg, msglen, path);
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/provenance.txt", dir);
    if (slurp_optional(path, &prov) < 0) {
        snprintf(msg, msglen, "reading %s: %s", path, strerror(errno ? errno : EIO));
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/results.json", dir);
    rc = write_renamed(path, prov, &runs, have_cmp ? &cmp : NULL, msg, msglen);
cleanup:
    free(prov);
    hm_csv_free(&runs);
    hm_csv_free(&cmp);
    return rc;
}

int hm_share_path(const char *rel, char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) { /* <prefix>/bin/hetmc -> <prefix> */
        char *slash = strrchr(exe, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    if ((size_t)snprintf(buf, len, "%s/share/hetmc/%s", exe, rel) >= len)
        return -1;
    return access(buf, R_OK) == 0 ? 0 : -1;
}
