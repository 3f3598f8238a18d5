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

int hm_csv_read(const char *path, hm_csv *csv, char *msg, size_t msglen)
{
    FILE *f = NULL;
    char *buf = NULL;
    builder b = {0};
    size_t len = 0, cap = 0;
    int rc = -1;

    memset(csv, 0, sizeof *csv);
    if (!(f = fopen(path, "rb"))) {
        snprintf(msg, msglen, "cannot open %s: %s", path, strerror(errno));
        goto cleanup;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap ? 2 * cap : 131072;
            char *p = realloc(buf, cap);
            if (!p) {
                snprintf(msg, msglen, "%s: out of memory", path);
                goto cleanup;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, 65536, f);
        len += got;
        if (got == 0)
            break;
    }
    buf[len] = '\0';

    /* One pass: r reads, w writes the unquoted field back into the same buffer. */
    char *r = buf, *w = buf, *end = buf + len, *start = buf;
    while (r < end) {
        start = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (r >= end)
                    goto done; /* an unterminated quote: an incomplete last record */
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
            goto done; /* no line break after the last field: dropped */
        char sep = *r++;
        *w++ = '\0';
        if (push_field(&b, start) < 0)
            goto oom;
        if (sep == '\r' && r < end && *r == '\n')
            r++;
        if (sep != ',' && push_record(&b) < 0)
            goto oom;
    }
done:
    if (b.nrec == 0) {
        snprintf(msg, msglen, "%s: no header row", path);
        goto cleanup;
    }
    csv->buf = buf;
    buf = NULL;
    csv->header = b.records[0];
    csv->ncols = b.widths[0];
    csv->nrows = b.nrec - 1;
    csv->rows = calloc(csv->nrows ? csv->nrows : 1, sizeof *csv->rows);
    if (!csv->rows)
        goto oom;
    for (size_t i = 1; i < b.nrec; i++) {
        /* Every row gets ncols fields; missing ones point at the empty string. */
        char **row = realloc(b.records[i], (csv->ncols ? csv->ncols : 1) * sizeof *row);
        if (!row)
            goto oom;
        for (size_t j = b.widths[i]; j < csv->ncols; j++)
            row[j] = "";
        b.records[i] = NULL;
        csv->rows[i - 1] = row;
    }
    b.records[0] = NULL;
    rc = 0;
    goto cleanup;
oom:
    snprintf(msg, msglen, "%s: out of memory", path);
cleanup:
    if (rc < 0 && csv->buf) {
        hm_csv_free(csv);
    }
    for (size_t i = 0; i < b.nrec; i++)
        free(b.records[i]);
    free(b.records);
    free(b.widths);
    free(b.fields);
    free(buf);
    if (f)
        fclose(f);
    return rc;
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
