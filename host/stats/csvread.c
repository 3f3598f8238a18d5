/* csvread.c - RFC 4180 reading; see csvread.h. */
#define _POSIX_C_SOURCE 200809L
#include "csvread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses text in place: fields are unquoted into the same buffer and NUL-terminated. Calls
 * back per complete record with its field pointers. */
typedef struct builder {
    char **fields;
    size_t nfields, cap;
    char ***records;
    size_t *widths;
    size_t nrec, reccap;
} builder;

static int push_field(builder *b, char *f)
{
    if (b->nfields == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 32;
        char **p = realloc(b->fields, cap * sizeof *p);
        if (!p)
            return -1;
        b->fields = p;
        b->cap = cap;
    }
    b->fields[b->nfields++] = f;
    return 0;
}

static int push_record(builder *b)
{
    if (b->nrec == b->reccap) {
        size_t cap = b->reccap ? 2 * b->reccap : 64;
        char ***p = realloc(b->records, cap * sizeof *p);
        size_t *w = realloc(b->widths, cap * sizeof *w);
        if (p)
            b->records = p;
        if (w)
            b->widths = w;
        if (!p || !w)
            return -1;
        b->reccap = cap;
    }
    char **rec = malloc((b->nfields ? b->nfields : 1) * sizeof *rec);
    if (!rec)
        return -1;
    memcpy(rec, b->fields, b->nfields * sizeof *rec);
    b->records[b->nrec] = rec;
    b->widths[b->nrec++] = b->nfields;
    b->nfields = 0;
    return 0;
}

/* Reads the whole file into a NUL-terminated buffer. Returns 0, or -1 with msg. */
static int slurp(const char *path, char **out, size_t *outlen, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) {
        snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap ? 2 * cap : 131072;
            char *p = realloc(buf, cap);
            if (!p) {
                snprintf(msg, msglen, "%s: out of memory", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, 65536, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

/* Copies one field starting at *rp into *wp, unquoting. Returns the separator that ended it
 * (',', '\n' or '\r'), or 0 at the end of the buffer (an incomplete last record). */
static char scan_field(char **rp, char **wp, char *end)
{
    char *r = *rp, *w = *wp;
    if (*r == '"') {
        r++;
        for (;;) {
            if (r >= end)
                return 0; /* an unterminated quote */
            if (*r == '"') {
                if (r + 1 < end && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                    continue;
                }
                r++;
                break;
            }
            *w++ = *r++;
        }
    }
    while (r < end && *r != ',' && *r != '\n' && *r != '\r')
        *w++ = *r++;
    if (r >= end)
        return 0; /* no line break after the last field */
    char sep = *r++;
    *w++ = '\0';
    *rp = r;
    *wp = w;
    return sep;
}

/* One pass over buf: fields are unquoted back into the same buffer and NUL-terminated;
 * each complete record becomes a builder record. Returns 0, or -1 when out of memory. */
static int parse(char *buf, size_t len, builder *b)
{
    char *r = buf, *w = buf, *end = buf + len;
    while (r < end) {
        char *start = w;
        char sep = scan_field(&r, &w, end);
        if (!sep)
            break; /* an incomplete last record is dropped */
        if (push_field(b, start) < 0)
            return -1;
        if (sep == '\r' && r < end && *r == '\n')
            r++;
        if (sep != ',' && push_record(b) < 0)
            return -1;
    }
    return 0;
}

/* Moves the builder's records into csv: the first is the header, every row gets ncols
 * fields (missing ones point at the empty string). Returns 0, or -1 when out of memory. */
static int take_records(builder *b, hm_csv *csv)
{
    csv->header = b->records[0];
    csv->ncols = b->widths[0];
    b->records[0] = NULL;
    csv->nrows = b->nrec - 1;
    csv->rows = calloc(csv->nrows ? csv->nrows : 1, sizeof *csv->rows);
    if (!csv->rows)
        return -1;
    for (size_t i = 1; i < b->nrec; i++) {
        char **row = realloc(b->records[i], (csv->ncols ? csv->ncols : 1) * sizeof *row);
        if (!row)
            return -1;
        for (size_t j = b->widths[i]; j < csv->ncols; j++)
            row[j] = "";
        b->records[i] = NULL;
        csv->rows[i - 1] = row;
    }
    return 0;
}

/* Parses buf (len bytes, NUL-terminated, malloc'ed), which csv takes over even on failure;
 * name is for the messages. Returns 0, or -1 with msg. */
static int parse_owned(char *buf, size_t len, const char *name, hm_csv *csv, char *msg,
                       size_t msglen)
{
    builder b = {0};
    int rc = -1;

    if (parse(buf, len, &b) < 0)
        goto oom;
    if (b.nrec == 0) {
        snprintf(msg, msglen, "%s: no header row", name);
        goto cleanup;
    }
    csv->buf = buf;
    buf = NULL;
    if (take_records(&b, csv) < 0)
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    snprintf(msg, msglen, "%s: out of memory", name);
cleanup:
    if (rc < 0)
        hm_csv_free(csv);
    for (size_t i = 0; i < b.nrec; i++)
        free(b.records[i]);
    free(b.records);
    free(b.widths);
    free(b.fields);
    free(buf);
    return rc;
}

int hm_csv_read(const char *path, hm_csv *csv, char *msg, size_t msglen)
{
    char *buf = NULL;
    size_t len = 0;

    memset(csv, 0, sizeof *csv);
    if (slurp(path, &buf, &len, msg, msglen) < 0)
        return -1;
    return parse_owned(buf, len, path, csv, msg, msglen);
}

int hm_csv_parse(const char *text, size_t len, hm_csv *csv, char *msg, size_t msglen)
{
    char *buf = malloc(len + 1);

    memset(csv, 0, sizeof *csv);
    if (!buf) {
        snprintf(msg, msglen, "CSV text: out of memory");
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    return parse_owned(buf, len, "CSV text", csv, msg, msglen);
}

int hm_csv_col(const hm_csv *csv, const char *name)
{
    for (size_t i = 0; i < csv->ncols; i++)
        if (strcmp(csv->header[i], name) == 0)
            return (int)i;
    return -1;
}

void hm_csv_free(hm_csv *csv)
{
    if (csv->rows)
        for (size_t i = 0; i < csv->nrows; i++)
            free(csv->rows[i]);
    free(csv->rows);
    free(csv->header);
    free(csv->buf);
    memset(csv, 0, sizeof *csv);
}
