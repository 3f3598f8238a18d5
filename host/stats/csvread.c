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
    size_t *widths, *lines; /* each record's fields, and the line it starts on */
    size_t nrec, reccap;
    size_t line;            /* the line of the record being read */
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
        size_t *l = realloc(b->lines, cap * sizeof *l);
        if (p)
            b->records = p;
        if (w)
            b->widths = w;
        if (l)
            b->lines = l;
        if (!p || !w || !l)
            return -1;
        b->reccap = cap;
    }
    char **rec = malloc((b->nfields ? b->nfields : 1) * sizeof *rec);
    if (!rec)
        return -1;
    memcpy(rec, b->fields, b->nfields * sizeof *rec);
    b->records[b->nrec] = rec;
    b->lines[b->nrec] = b->line;
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
        snprintf(msg, msglen, "cannot open: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap ? 2 * cap : 131072;
            char *p = realloc(buf, cap);
            if (!p) {
                snprintf(msg, msglen, "out of memory");
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
    if (ferror(f)) {
        snprintf(msg, msglen, "cannot read: %s", strerror(errno ? errno : EIO));
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    return 0;
}

/* Copies one field starting at *rp into *wp, unquoting. Returns the separator that ended it
 * (',', '\n' or '\r'), 0 at the end of the buffer (an incomplete last record), or 'Q' when a
 * quote is not closed before it. Counts the line breaks it reads in *line. */
static char scan_field(char **rp, char **wp, char *end, size_t *line)
{
    char *r = *rp, *w = *wp;
    if (*r == '"') {
        r++;
        for (;;) {
            if (r >= end)
                return 'Q'; /* an unterminated quote */
            if (*r == '"') {
                if (r + 1 < end && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                    continue;
                }
                r++;
                break;
            }
            *line += *r == '\n';
            *w++ = *r++;
        }
    }
    while (r < end && *r != ',' && *r != '\n' && *r != '\r')
        *w++ = *r++;
    if (r >= end)
        return 0; /* no line break after the last field */
    char sep = *r++;
    *line += sep != ',';
    *w++ = '\0';
    *rp = r;
    *wp = w;
    return sep;
}

/* The line breaks in [from, to). */
static size_t count_lines(const char *from, const char *to)
{
    size_t n = 0;
    for (const char *p = from; p < to && (p = memchr(p, '\n', (size_t)(to - p))); p++)
        n++;
    return n;
}

/* One pass over buf: fields are unquoted back into the same buffer and NUL-terminated (so
 * lines are counted as they are read); each complete record becomes a builder record, with
 * the line it starts on. A last record
 * without its line break is dropped and noted in csv. Returns 0, or -1 when out of memory. */
static int parse(char *buf, size_t len, builder *b, hm_csv *csv)
{
    char *r = buf, *w = buf, *end = buf + len;
    size_t line = 1;
    while (r < end) {
        b->line = line;
        char sep = ',';
        while (sep == ',') {
            char *start = w;
            if (!(sep = scan_field(&r, &w, end, &line)) || sep == 'Q') {
                csv->torn_line = b->line;
                csv->torn_why = sep ? "a quoted field is not closed"
                                    : "no line break at its end (cut off?)";
                return 0;
            }
            if (push_field(b, start) < 0)
                return -1;
        }
        if (sep == '\r' && r < end && *r == '\n')
            r++;
        if (push_record(b) < 0)
            return -1;
    }
    return 0;
}

/* The first record whose number of fields is not the header's, as a message. Returns 0, or
 * -1 with msg. A blank line (one empty field) is not one. */
static int check_widths(const builder *b, char *msg, size_t msglen)
{
    for (size_t i = 1; i < b->nrec; i++)
        if (b->widths[i] != b->widths[0] && !(b->widths[i] == 1 && !b->records[i][0][0])) {
            snprintf(msg, msglen, "line %zu: %zu field%s, the header has %zu", b->lines[i],
                     b->widths[i], b->widths[i] == 1 ? "" : "s", b->widths[0]);
            return -1;
        }
    return 0;
}

/* Moves the builder's records into csv: the first is the header, every row gets ncols
 * fields (a blank line's missing ones point at the empty string). Returns 0, or -1 when out
 * of memory. */
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

/* Text, not binary: no NUL byte. A UTF-8 byte order mark (a spreadsheet's) is taken out,
 * so that it does not become part of the first column's name. Returns 0, or -1 with msg. */
static int check_text(char *buf, size_t *len, char *msg, size_t msglen)
{
    const char *nul = memchr(buf, '\0', *len);
    if (nul) {
        snprintf(msg, msglen, "line %zu: a NUL byte: not a text file", 1 + count_lines(buf, nul));
        return -1;
    }
    if (*len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, *len - 2); /* with the NUL after the text */
        *len -= 3;
    }
    return 0;
}

/* Parses buf (len bytes, NUL-terminated, malloc'ed), which csv takes over even on failure.
 * Returns 0, or -1 with msg (which leaves the file's name to the caller). */
static int parse_owned(char *buf, size_t len, hm_csv *csv, char *msg, size_t msglen)
{
    builder b = {0};
    int rc = -1;

    if (check_text(buf, &len, msg, msglen) < 0)
        goto cleanup;
    if (parse(buf, len, &b, csv) < 0)
        goto oom;
    if (b.nrec == 0) {
        if (csv->torn_line)
            snprintf(msg, msglen, "line %zu: no whole header row: %s", csv->torn_line,
                     csv->torn_why);
        else
            snprintf(msg, msglen, "%s", len ? "no header row" : "an empty file (no header row)");
        goto cleanup;
    }
    if (check_widths(&b, msg, msglen) < 0)
        goto cleanup;
    csv->buf = buf;
    buf = NULL;
    if (take_records(&b, csv) < 0)
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    snprintf(msg, msglen, "out of memory");
cleanup:
    if (rc < 0)
        hm_csv_free(csv);
    for (size_t i = 0; i < b.nrec; i++)
        free(b.records[i]);
    free(b.records);
    free(b.widths);
    free(b.lines);
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
    return parse_owned(buf, len, csv, msg, msglen);
}

int hm_csv_parse(const char *text, size_t len, hm_csv *csv, char *msg, size_t msglen)
{
    char *buf = malloc(len + 1);

    memset(csv, 0, sizeof *csv);
    if (!buf) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    return parse_owned(buf, len, csv, msg, msglen);
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
